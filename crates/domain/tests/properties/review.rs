//! The review decisions (第八条（一）（二）): every (state, role, action) against the table of
//! SPEC §4, opinions, site inspections and the quota of 第十二条.

use proptest::prelude::*;
use stationhub_domain::account::Role;
use stationhub_domain::application::{Level, State};
use stationhub_domain::review::{Action, SiteInspectionInput, check_quota, decide, parse_opinion};
use stationhub_domain::{DomainError, ErrorKind};

use crate::common::{any_text, date};
use crate::state_machine::spec_step;

/// Every combination, against SPEC §4: a step is taken only by its owner; the owner may go
/// forward, return or reject; a role with a step elsewhere meets a conflict (the application is
/// not, or no longer, at its step: 409), a role without any step is refused (403), and a wrong
/// action for the step is a bad value (422).
#[test]
fn every_decision_is_the_spec_table() {
    for state in State::ALL {
        for role in Role::ALL {
            for action in Action::ALL {
                let got = decide(state, role, action);
                let has_a_step = State::ALL
                    .into_iter()
                    .any(|s| spec_step(s).is_some_and(|(o, ..)| o == role));
                let want = match spec_step(state) {
                    // A role that owns no step is refused as such, whatever the state.
                    _ if !has_a_step => Err(ErrorKind::Forbidden),
                    None => Err(ErrorKind::Conflict),
                    Some((owner, forward, next)) if owner == role => {
                        if action == forward {
                            Ok(next)
                        } else if action == Action::Return {
                            Ok(State::Returned)
                        } else if action == Action::Reject {
                            Ok(State::Rejected)
                        } else {
                            Err(ErrorKind::Unprocessable)
                        }
                    }
                    // Another step's owner: the application is not (or no longer) theirs.
                    Some(_) => Err(ErrorKind::Conflict),
                };
                assert_eq!(
                    got.as_ref().map_err(DomainError::kind).copied(),
                    want,
                    "{state:?} {role:?} {action:?}: {got:?}"
                );
                if let Err(e) = got {
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn actions_round_trip_and_refuse_the_rest(i in 0..6usize, s in any_text()) {
        let a = Action::ALL[i];
        prop_assert_eq!(Action::parse(a.as_str()), Ok(a));
        match Action::parse(&s) {
            Ok(a) => prop_assert_eq!(a.as_str(), s.as_str()),
            Err(e) => prop_assert_eq!(e.field(), Some("action")),
        }
    }

    /// Every step records an opinion: 1–2000 characters once trimmed.
    #[test]
    fn an_opinion_is_required_and_bounded(i in 0..6usize, s in prop_oneof![any_text(), "\\p{Han}{1990,2010}"]) {
        let t = s.trim();
        let ok = !t.is_empty() && t.chars().count() <= 2000;
        match parse_opinion(Action::ALL[i], &s) {
            Ok(v) => { prop_assert!(ok); prop_assert_eq!(v, t); }
            Err(e) => { prop_assert!(!ok); prop_assert_eq!(e.field(), Some("opinion")); }
        }
    }

    #[test]
    fn a_site_inspection_is_dated_by_today_names_inspectors_and_findings(
        today in date(),
        back in -5i64..400,
        typed in prop_oneof![Just(None), any_text().prop_map(Some)],
        inspectors in proptest::collection::vec(prop_oneof![Just(" ".to_string()), "\\p{Han}{2,3}"], 0..4),
        findings in prop_oneof![Just(String::new()), "\\PC{1,100}", "\\p{Han}{5001}"],
    ) {
        let on = today - chrono::Duration::days(back);
        let date = typed.clone().unwrap_or_else(|| on.format("%Y-%m-%d").to_string());
        let parsed = stationhub_domain::clock::parse_date(date.trim()).ok();
        let mut want = Vec::new();
        if parsed.is_none_or(|d| d > today) { want.push("site_inspection.date"); }
        let names: Vec<String> = inspectors.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if names.is_empty() { want.push("site_inspection.inspectors"); }
        let f = findings.trim();
        if f.is_empty() || f.chars().count() > 5000 { want.push("site_inspection.findings"); }
        match (SiteInspectionInput { date, inspectors, findings: findings.clone() }).parse(today) {
            Ok(s) => {
                prop_assert!(want.is_empty(), "{want:?}");
                prop_assert_eq!(Some(s.date), parsed);
                prop_assert_eq!(s.inspectors, names);
                prop_assert_eq!(s.findings, f);
            }
            Err(e) => {
                let got: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    /// 第十二条: at most `quota` municipal stations a round; the other levels are not counted.
    #[test]
    fn the_quota_holds_for_municipal_stations_only(l in 0..3usize, already in 0u32..20, quota in 0u32..10) {
        let level = Level::ALL[l];
        match check_quota(level, already, quota) {
            Ok(()) => prop_assert!(level != Level::Municipal || already < quota),
            Err(e) => {
                prop_assert!(level == Level::Municipal && already >= quota);
                prop_assert_eq!(e.article(), Some("第十二条"));
                prop_assert_eq!(e.code(), "quota_exhausted");
                prop_assert_eq!(e.kind(), ErrorKind::Conflict);
            }
        }
    }
}
