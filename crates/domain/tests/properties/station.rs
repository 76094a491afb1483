//! Running a station (第十条至第十四条): term years and quarters (SPEC §5.2), the activity
//! checks, the indicators of 第十二条, the grade, the score sheet and the consequences.

use chrono::{Duration, Months, NaiveDate};
use proptest::prelude::*;
use stationhub_domain::station::{
    Activity, ActivityKind, Adjustment, Consequence, Grade, ReportKind, StationStatus,
    check_activity_date, check_activity_values, check_assessment_window, check_report_window,
    consequence, grade, indicators, quarter, quarter_of, score_sheet, term_year, term_year_of,
};

use crate::common::{any_text, date, policy};

fn plus_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m)).unwrap()
}

fn activity(start: NaiveDate) -> impl Strategy<Value = Activity> {
    (0..8usize, -30i64..400, 0u32..40, 0u32..120, 0u32..=100).prop_map(
        move |(k, off, days, attendance, percent)| Activity {
            kind: ActivityKind::ALL[k],
            date: start + Duration::days(off),
            days,
            attendance,
            percent,
        },
    )
}

proptest! {
    #[test]
    fn the_enumerations_round_trip(i in 0..8usize, s in any_text()) {
        let st = StationStatus::ALL[i % 7];
        prop_assert_eq!(StationStatus::parse(st.as_str()), Ok(st));
        prop_assert_eq!(st.is_public(), matches!(st, StationStatus::Active | StationStatus::Rectifying));
        let k = ActivityKind::ALL[i];
        prop_assert_eq!(ActivityKind::parse(k.as_str()), Ok(k));
        for g in [Grade::Excellent, Grade::Pass, Grade::Fail] {
            prop_assert_eq!(Grade::parse(g.label()), Ok(g));
        }
        for name in [ReportKind::Plan.as_str(), ReportKind::Summary.as_str()] {
            prop_assert_eq!(ReportKind::parse(name).map(ReportKind::as_str), Ok(name));
        }
        if let Ok(x) = StationStatus::parse(&s) { prop_assert_eq!(x.as_str(), s.as_str()); }
        if let Ok(x) = ActivityKind::parse(&s) { prop_assert_eq!(x.as_str(), s.as_str()); }
        if let Ok(x) = Grade::parse(&s) { prop_assert_eq!(x.label(), s.as_str()); }
        if let Ok(x) = ReportKind::parse(&s) { prop_assert_eq!(x.as_str(), s.as_str()); }
    }

    /// SPEC §5.2: term year N runs from the award date plus N−1 years to the day before the
    /// award date plus N years; the years follow one another without gap or overlap.
    #[test]
    fn term_years_follow_one_another(awarded in date(), n in 1u32..10) {
        let (s, e) = term_year(awarded, n);
        prop_assert_eq!(s, plus_months(awarded, 12 * (n - 1)));
        prop_assert_eq!(e.succ_opt().unwrap(), plus_months(awarded, 12 * n));
        let (next, _) = term_year(awarded, n + 1);
        prop_assert_eq!(e.succ_opt().unwrap(), next);
        prop_assert_eq!(term_year_of(awarded, n, s), Some(n));
        prop_assert_eq!(term_year_of(awarded, n, e), Some(n));
        prop_assert_eq!(term_year_of(awarded, n, e.succ_opt().unwrap()), None);
    }

    /// Quarter k starts at the year's start plus 3(k−1) months, each counted from that start;
    /// the four quarters follow one another and cover the year (years of the shipped term).
    #[test]
    fn quarters_cover_the_term_year(awarded in date(), n in 1u32..=2, k in 1u32..=4, off in 0i64..366) {
        let (ys, ye) = term_year(awarded, n);
        let (qs, qe) = quarter(ys, k);
        prop_assert_eq!(qs, plus_months(ys, 3 * (k - 1)));
        prop_assert!(qs <= qe);
        if k < 4 {
            prop_assert_eq!(qe.succ_opt().unwrap(), quarter(ys, k + 1).0);
        } else {
            prop_assert_eq!(qe, ye, "the fourth quarter ends with the year");
        }
        prop_assert_eq!(quarter(ys, 1).0, ys);
        let day = ys + Duration::days(off);
        prop_assert_eq!(quarter_of(ys, day).is_some(), day <= ye);
        if let Some(q) = quarter_of(ys, day) {
            let (a, b) = quarter(ys, q);
            prop_assert!(a <= day && day <= b);
        }
    }

    #[test]
    fn the_grade_follows_the_thresholds(score in 0u32..=120) {
        let a = &policy().assessment;
        match grade(score, a) {
            Ok(g) => {
                prop_assert!(score <= 100);
                prop_assert_eq!(g, if score >= a.excellent_from { Grade::Excellent } else if score >= a.pass_from { Grade::Pass } else { Grade::Fail });
            }
            Err(e) => { prop_assert!(score > 100); prop_assert_eq!(e.field(), Some("score")); }
        }
    }

    /// 第十二条: a pass brings the grant; a fail before the term end rectification, at the term
    /// end removal and recovery.
    #[test]
    fn the_consequence_of_an_assessment(year in 1u32..4, g in prop_oneof![Just(Grade::Excellent), Just(Grade::Pass), Just(Grade::Fail)]) {
        let c = consequence(year, g, policy());
        let want = if g != Grade::Fail {
            Consequence::GrantDue
        } else if year < policy().application.term_years {
            Consequence::Rectify
        } else {
            Consequence::RemoveAndRecover
        };
        prop_assert_eq!(c, want);
        prop_assert_eq!(Consequence::label_of(c.as_str()), c.label());
    }

    #[test]
    fn activities_are_dated_in_the_term_and_not_after_today(awarded in date(), a in -40i64..800, t in -40i64..800) {
        let end = term_year(awarded, 2).1;
        let on = awarded + Duration::days(a);
        let today = awarded + Duration::days(t);
        let ok = awarded <= on && on <= end && on <= today;
        let got = check_activity_date(on, awarded, end, today);
        prop_assert_eq!(got.is_ok(), ok);
        if let Err(e) = got { prop_assert_eq!(e.field(), Some("date")); }
    }

    #[test]
    fn an_activity_says_what_it_must(
        k in 0..8usize, expert in proptest::option::of(1i64..9), on_team in any::<bool>(), days in 0u32..200, percent in 0u32..200,
    ) {
        let kind = ActivityKind::ALL[k];
        let want = match kind {
            ActivityKind::ExpertService if expert.is_none() || !on_team => Err("expert_id"),
            ActivityKind::ExpertService if !(1..=92).contains(&days) => Err("days"),
            ActivityKind::AgreementProgress if percent > 100 => Err("percent"),
            _ => Ok(()),
        };
        let got = check_activity_values(kind, expert, on_team, days, percent);
        prop_assert_eq!(got.as_ref().map_err(|e| e.field().unwrap_or("")).copied(), want);
    }

    /// The assessment of term year N opens the policy's days before the award date plus N years.
    #[test]
    fn the_assessment_window(awarded in date(), year in 0u32..4, t in 300i64..800) {
        let today = awarded + Duration::days(t);
        let got = check_assessment_window(awarded, year, today, policy());
        if !(1..=policy().application.term_years).contains(&year) {
            let e = got.unwrap_err();
            prop_assert_eq!(e.field(), Some("year"));
        } else {
            let opens = plus_months(awarded, 12 * year) - Duration::days(policy().assessment.opens_days_before_year_end.into());
            match got {
                Ok(()) => prop_assert!(today >= opens),
                Err(e) => { prop_assert!(today < opens); prop_assert_eq!(e.article(), Some("第十二条")); }
            }
        }
    }

    /// 第十条: a plan from 30 days before its year (not before the award), a summary from 30 days
    /// before the year's end.
    #[test]
    fn the_report_window(awarded in date(), year in 1u32..=2, plan in any::<bool>(), t in -60i64..800) {
        let today = awarded + Duration::days(t);
        let (ys, ye) = term_year(awarded, year);
        let (kind, opens) = if plan {
            (ReportKind::Plan, (ys - Duration::days(30)).max(awarded))
        } else {
            (ReportKind::Summary, ye - Duration::days(30))
        };
        match check_report_window(kind, awarded, year, today, policy()) {
            Ok(()) => prop_assert!(today >= opens),
            Err(e) => { prop_assert!(today < opens); prop_assert_eq!(e.article(), Some("第十条")); }
        }
    }

    /// The indicators count the year's activities, each where its date falls.
    #[test]
    fn indicators_count_the_year(
        (ys, acts) in date().prop_flat_map(|s| (Just(s), proptest::collection::vec(activity(s), 0..60))),
        year in 1u32..=2,
    ) {
        let a = &policy().assessment;
        let items = indicators(year, ys, &acts, a);
        let ye = term_year(ys, 1).1;
        let in_year: Vec<&Activity> = acts.iter().filter(|x| ys <= x.date && x.date <= ye).collect();
        let get = |code: &str| items.iter().find(|i| i.code == code).unwrap();
        let count = |k: ActivityKind| in_year.iter().filter(|x| x.kind == k).count() as u32;
        prop_assert_eq!(get("surveys").actual, count(ActivityKind::Survey));
        prop_assert_eq!(get("breakthroughs").actual, count(ActivityKind::Breakthrough));
        prop_assert_eq!(get("trainings").actual, in_year.iter().filter(|x| x.kind == ActivityKind::Training && x.attendance >= a.training_min_attendance).count() as u32);
        let days: u32 = in_year.iter().filter(|x| x.kind == ActivityKind::ExpertService).map(|x| x.days).sum();
        prop_assert_eq!(get("expert_days_year").actual, days);
        let quarters: u32 = (1..=4).map(|k| get(&format!("expert_days_q{k}")).actual).sum();
        prop_assert_eq!(quarters, days, "every expert day falls in one quarter");
        let progress = in_year.iter().filter(|x| x.kind == ActivityKind::AgreementProgress).map(|x| x.percent).max().unwrap_or(0);
        prop_assert_eq!(get("agreement_progress").actual, progress);
        prop_assert_eq!(get("agreement_progress").required, if year >= 2 { a.agreement_percent_year2 } else { a.agreement_percent_year1 });
        for i in &items {
            prop_assert_eq!(i.met, i.actual >= i.required);
            prop_assert!(i.article.starts_with("第十二条"));
        }
    }

    /// The 100-point sheet: no line above its points, adjustments only with a reason, unknown
    /// items refused.
    #[test]
    fn the_score_sheet_stays_within_its_points(
        adjustments in proptest::collection::vec(
            (prop_oneof![Just("agreement"), Just("expert_days"), Just("training"), Just("nonsense")],
             0u32..30, prop_oneof![Just(""), Just("有据可查")]), 0..6),
    ) {
        let a = &policy().assessment;
        let items = indicators(1, NaiveDate::from_ymd_opt(2026, 3, 18).unwrap(), &[], a);
        let adj: Vec<Adjustment> = adjustments.iter().map(|(c, s, r)| Adjustment { code: (*c).into(), score: *s, reason: (*r).into() }).collect();
        let valid = adj.iter().all(|x| {
            a.score_items.iter().find(|i| i.code == x.code).is_some_and(|i| x.score <= i.points && (x.score == 0 || !x.reason.is_empty()))
        });
        match score_sheet(&items, &adj, a) {
            Ok(lines) => {
                prop_assert!(valid);
                prop_assert!(lines.iter().all(|l| l.score <= l.points));
                prop_assert!(lines.iter().map(|l| l.score).sum::<u32>() <= 100);
            }
            Err(e) => { prop_assert!(!valid); prop_assert!(e.field().is_some_and(|f| f.starts_with("items."))); }
        }
    }
}
