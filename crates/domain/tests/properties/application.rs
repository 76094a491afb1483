//! The application: its enumerations, the draft form, the submission rules of SPEC §3 (rules 1–8
//! and 17, each with its article) and who may see it (SPEC §5.2).

use chrono::NaiveDate;
use proptest::prelude::*;
use stationhub_domain::account::Role;
use stationhub_domain::application::{
    Draft, DraftInput, Level, MaterialKind, Route, Scope, Staff, State, SubmissionFacts,
    UnitNature, Viewer, Visibility, check_form_complete, check_submission, parse_draft,
};

use crate::common::{any_text, date, fields_of, mobile, policy};

fn nature() -> impl Strategy<Value = UnitNature> {
    (0..7usize).prop_map(|i| UnitNature::ALL[i])
}

fn level() -> impl Strategy<Value = Level> {
    (0..3usize).prop_map(|i| Level::ALL[i])
}

/// SPEC §3 rule 1 (第五条), written out from the text of the measures.
fn may_host(level: Level, n: UnitNature) -> bool {
    use UnitNature::*;
    let allowed: &[UnitNature] = match level {
        Level::National => &[CityCountyCast, CityCountySociety],
        Level::Provincial => &[
            CityCountySociety,
            CityCountyCast,
            ParkCast,
            UniversityCast,
            EnterpriseCast,
            EnterpriseCastFederation,
        ],
        Level::Municipal => &[
            CityCountyCast,
            TownshipCast,
            EnterpriseCast,
            EnterpriseCastFederation,
        ],
    };
    allowed.contains(&n)
}

/// SPEC §5.2 (route): 企业科协, 高校科协, 市县级学会 and 市县级科协 may go direct.
fn may_go_direct(n: UnitNature) -> bool {
    ["企业科协", "高校科协", "市县级学会", "市县级科协"].contains(&n.label())
}

fn facts() -> impl Strategy<Value = SubmissionFacts> {
    (
        (
            date(),
            proptest::option::of((-30i64..30, 0i64..60)),
            any::<bool>(),
        ),
        (level(), nature(), level()),
        any::<(bool, bool, bool, bool)>(),
        (0usize..4, 0usize..9, 0usize..3),
        (
            1u32..5,
            prop_oneof![
                Just(String::new()),
                Just("  ".to_string()),
                "\\p{Han}{1,10}"
            ],
        ),
        proptest::collection::vec(0..4usize, 0..6),
        proptest::option::of("\\p{Han}{2,8}服务站"),
        any::<bool>(),
    )
        .prop_map(
            |(
                (today, round, resubmission),
                (level, nature, society_level),
                flags,
                team,
                term,
                mats,
                holds,
                direct,
            )| {
                SubmissionFacts {
                    today,
                    round: round.map(|(from, len)| {
                        let opens = today + chrono::Duration::days(from);
                        (opens, opens + chrono::Duration::days(len))
                    }),
                    level,
                    nature,
                    registered_in_yiyang: flags.0,
                    independent_legal_person: flags.1,
                    has_funded_expert_workstation: flags.2,
                    society_level,
                    staff: team.0,
                    experts_of_society: team.1,
                    experts_elsewhere: team.2,
                    term_years: term.0,
                    term_reason: term.1,
                    materials: mats.into_iter().map(|i| MaterialKind::ALL[i]).collect(),
                    society_holds: holds,
                    route: if direct { Route::Direct } else { Route::County },
                    society_confirmed: flags.3,
                    resubmission,
                }
            },
        )
}

/// Every broken rule the SPEC names for these facts, with its article, in SPEC order.
fn broken_rules(f: &SubmissionFacts) -> Vec<(&'static str, &'static str)> {
    let p = &policy().application;
    let mut out = Vec::new();
    let open = f.round.is_some_and(|(o, c)| o <= f.today && f.today <= c);
    if !f.resubmission && !open {
        out.push(("round_closed", "第八条"));
    }
    if !may_host(f.level, f.nature) {
        out.push(("level_host_mismatch", "第五条"));
    }
    if f.society_level != f.level {
        out.push(("society_level_mismatch", "第七条"));
    }
    if !f.registered_in_yiyang {
        out.push(("not_registered_in_yiyang", "第七条（二）"));
    }
    if !f.independent_legal_person {
        out.push(("not_independent_legal_person", "第七条（二）"));
    }
    if (f.staff as u32) < p.min_staff {
        out.push(("too_few_staff", "第七条（六）"));
    }
    if f.experts_elsewhere > 0 {
        out.push(("expert_not_of_society", "第七条（六）"));
    }
    if (f.experts_of_society as u32) < p.min_experts {
        out.push(("too_few_experts", "第七条（六）"));
    }
    if f.term_years != p.term_years && f.term_reason.trim().is_empty() {
        out.push(("term_without_reason", "第七条（三）"));
    }
    if f.society_holds.is_some() {
        out.push(("society_has_station", "第七条（七）"));
    }
    if f.has_funded_expert_workstation && f.level != Level::National {
        out.push(("funded_workstation_national_only", "第七条（七）"));
    }
    for k in MaterialKind::ALL {
        if !f.materials.contains(&k) {
            out.push(("material_missing", "第九条"));
        }
    }
    if f.route == Route::Direct && !may_go_direct(f.nature) {
        out.push(("direct_route_not_allowed", "第八条"));
    }
    if !f.society_confirmed {
        out.push(("society_not_confirmed", "第七条"));
    }
    out
}

fn staff() -> impl Strategy<Value = Staff> {
    ("\\p{Han}{1,4}", mobile(), "\\p{Han}{0,10}").prop_map(|(name, mobile, duty)| Staff {
        name,
        mobile,
        duty,
    })
}

fn good_draft() -> impl Strategy<Value = DraftInput> {
    let industries = policy().application.industries.clone();
    (
        (1i64..100, 0i64..100, 1i64..100),
        (
            "\\p{Han}{0,30}",
            level(),
            proptest::sample::select(industries),
        ),
        ("\\PC{0,300}", "\\PC{0,300}", "\\PC{0,300}", "\\PC{0,300}"),
        (proptest::option::of(1u32..=10), "\\p{Han}{0,20}"),
        proptest::collection::vec(1i64..20, 0..10),
        proptest::collection::vec(staff(), 0..4),
        proptest::option::of(prop_oneof![Just(""), Just("county"), Just("direct")]),
        "\\p{Han}{0,10}",
    )
        .prop_map(
            |(ids, (name, level, industry), texts, term, experts, staff, route, other)| {
                DraftInput {
                    round_id: ids.0,
                    unit_id: ids.1,
                    society_id: ids.2,
                    station_name: name,
                    level: level.as_str().into(),
                    industry_other: if industry == "其他" {
                        other
                    } else {
                        String::new()
                    },
                    industry,
                    unit_overview: texts.0,
                    industry_overview: texts.1,
                    society_overview: texts.2,
                    work_plan: texts.3,
                    term_years: term.0,
                    term_reason: term.1,
                    expert_ids: experts,
                    staff,
                    route: route.map(str::to_string),
                }
            },
        )
}

fn all_filled(d: &Draft) -> bool {
    [
        &d.station_name,
        &d.unit_overview,
        &d.industry_overview,
        &d.society_overview,
        &d.work_plan,
    ]
    .iter()
    .all(|t| !t.trim().is_empty())
        && (d.industry != "其他" || !d.industry_other.trim().is_empty())
}

proptest! {
    #[test]
    fn the_enumerations_round_trip_and_refuse_the_rest(s in any_text(), i in 0..10usize) {
        let st = State::ALL[i];
        prop_assert_eq!(State::parse(st.as_str()), Ok(st));
        let l = Level::ALL[i % 3];
        prop_assert_eq!(Level::parse(l.as_str()), Ok(l));
        prop_assert_eq!(Level::parse(l.label()), Ok(l));
        let n = UnitNature::ALL[i % 7];
        prop_assert_eq!(UnitNature::parse(&format!(" {} ", n.label())), Ok(n));
        let k = MaterialKind::ALL[i % 4];
        prop_assert_eq!(MaterialKind::parse(k.as_str()), Ok(k));
        for r in [Route::County, Route::Direct] {
            prop_assert_eq!(Route::parse(r.as_str()), Ok(r));
        }

        let known = |names: &[&str]| names.contains(&s.as_str());
        if !known(&State::ALL.map(State::as_str)) {
            let e = State::parse(&s).unwrap_err();
            prop_assert_eq!(e.field(), Some("state"));
        }
        if !known(&Level::ALL.map(Level::as_str)) && !known(&Level::ALL.map(Level::label)) {
            let e = Level::parse(&s).unwrap_err();
            prop_assert_eq!(e.field(), Some("level"));
        }
        if !UnitNature::ALL.map(UnitNature::label).contains(&s.trim()) {
            let e = UnitNature::parse(&s).unwrap_err();
            prop_assert_eq!(e.field(), Some("nature"));
        }
        if !known(&MaterialKind::ALL.map(MaterialKind::as_str)) {
            let e = MaterialKind::parse(&s).unwrap_err();
            prop_assert_eq!(e.field(), Some("kind"));
        }
        if !known(&["", "county", "direct"]) {
            let e = Route::parse(&s).unwrap_err();
            prop_assert_eq!(e.field(), Some("route"));
        }
    }

    /// Rules 1–8 and 17: exactly the broken rules are reported, each citing its article.
    #[test]
    fn the_submission_rules_are_exactly_the_spec(f in facts()) {
        let got: Vec<(&str, &str)> = check_submission(&f, policy())
            .iter()
            .map(|v| (v.code, v.article))
            .collect();
        prop_assert_eq!(got, broken_rules(&f));
        for v in check_submission(&f, policy()) {
            prop_assert!(!v.message.is_empty() && !v.field.is_empty());
        }
    }

    #[test]
    fn a_well_formed_draft_is_kept_as_typed(input in good_draft()) {
        let d = parse_draft(input.clone(), policy()).unwrap();
        prop_assert_eq!(d.level, Level::parse(&input.level).unwrap());
        prop_assert_eq!(d.term_years, input.term_years.unwrap_or(policy().application.term_years));
        prop_assert_eq!(d.route, if input.route.as_deref() == Some("direct") { Route::Direct } else { Route::County });
        // Experts: each once, in the order first named.
        let mut want = Vec::new();
        for id in &input.expert_ids {
            if !want.contains(id) { want.push(*id); }
        }
        prop_assert_eq!(&d.expert_ids, &want);
        prop_assert_eq!(d.staff.len(), input.staff.len());
        // Long texts: line endings normalised, ends trimmed, paragraphs kept.
        for (got, typed) in [(&d.unit_overview, &input.unit_overview), (&d.work_plan, &input.work_plan)] {
            prop_assert!(!got.contains('\r'));
            let want = typed.replace("\r\n", "\n").replace('\r', "\n");
            prop_assert_eq!(got.as_str(), want.trim());
        }
        // The form is complete exactly when every box of the form is filled (第九条（一）).
        let missing = check_form_complete(&d);
        prop_assert_eq!(missing.is_empty(), all_filled(&d));
        prop_assert!(missing.iter().all(|v| v.article == "第九条（一）" && v.code == "form_incomplete"));
    }

    #[test]
    fn a_draft_never_panics_and_names_each_bad_field(
        input in good_draft(),
        level in any_text(),
        industry in any_text(),
        term in proptest::option::of(any::<u32>()),
        route in proptest::option::of(any_text()),
        staff_mobile in any_text(),
    ) {
        let mut input = input;
        input.level = level;
        input.industry = industry;
        input.term_years = term;
        input.route = route;
        if let Some(s) = input.staff.first_mut() {
            s.mobile = staff_mobile;
        }
        let mut want = Vec::new();
        if Level::parse(input.level.trim()).is_err() { want.push("level".to_string()); }
        if !policy().application.industries.contains(&input.industry.trim().to_string()) {
            want.push("industry".into());
        }
        if !(1..=10).contains(&input.term_years.unwrap_or(policy().application.term_years)) {
            want.push("term_years".into());
        }
        if let Some(s) = input.staff.first() {
            let blank = s.name.trim().is_empty() && s.mobile.trim().is_empty() && s.duty.trim().is_empty();
            let m = s.mobile.trim();
            let ok = m.len() == 11 && m.bytes().all(|b| b.is_ascii_digit()) && m.starts_with('1')
                && (b'3'..=b'9').contains(&m.as_bytes()[1]);
            if !blank && !ok { want.push("staff.0".into()); }
        }
        if !matches!(input.route.as_deref().map(str::trim), None | Some("" | "county" | "direct")) {
            want.push("route".into());
        }
        match parse_draft(input, policy()) {
            Ok(_) => prop_assert!(want.is_empty(), "accepted, but {want:?} are wrong"),
            Err(e) => prop_assert_eq!(fields_of(&e), want),
        }
    }

    /// SPEC §5.2 visibility: drafts by their unit only (and the society once asked to confirm);
    /// submitted ones also by the society, the county's offices, the city roles; never the admin.
    #[test]
    fn who_sees_an_application_is_the_spec(
        role in (0..8usize).prop_map(|i| Role::ALL[i]),
        mine in any::<(bool, bool, bool)>(),
        submitted in any::<bool>(),
        asked in any::<bool>(),
        linked in any::<bool>(),
    ) {
        let a = Visibility { unit_id: 1, society_id: 2, county_id: 3, submitted, confirmation_requested: asked };
        let id = |own: bool, v: i64| linked.then_some(if own { v } else { v + 100 });
        let viewer = Viewer {
            role,
            unit_id: id(mine.0, 1),
            society_id: id(mine.1, 2),
            county_id: id(mine.2, 3),
        };
        let want = match role {
            Role::HostUnit => linked && mine.0,
            Role::Society => linked && mine.1 && (submitted || asked),
            Role::CountyCast | Role::CountyTalent => linked && mine.2 && submitted,
            Role::CityCast | Role::TalentOffice | Role::Supervisor => submitted,
            Role::Admin => false,
        };
        let scope = viewer.application_scope();
        prop_assert_eq!(scope.allows(&a), want, "{:?} {:?}", viewer, scope);
        if role == Role::Admin { prop_assert_eq!(scope, Scope::Nothing); }
    }
}

#[test]
fn the_shipped_rules_cover_every_level_and_nature() {
    // The table of 第五条 as the domain has it, checked cell by cell against the model.
    for l in Level::ALL {
        for n in UnitNature::ALL {
            assert_eq!(n.may_host(l), may_host(l, n), "{l:?} {n:?}");
            assert_eq!(n.may_apply_directly(), may_go_direct(n), "{n:?}");
        }
    }
    let _: NaiveDate = crate::common::d("2026-01-01");
}
