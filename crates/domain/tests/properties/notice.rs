//! The public notice, objections and the award (第八条（三）（四）).

use chrono::{Duration, Months};
use proptest::prelude::*;
use stationhub_domain::calendar::{UnknownYears, WorkCalendar};
use stationhub_domain::notice::{
    AwardFacts, ObjectionInput, Outcome, check_award, check_notice_start, check_objection_window,
    notice_end, term_end,
};

use crate::common::{any_text, date, policy, shipped_date};

proptest! {
    #[test]
    fn a_notice_starts_today_or_later(today in date(), k in -10i64..10) {
        let start = today + Duration::days(k);
        let got = check_notice_start(start, today);
        prop_assert_eq!(got.is_ok(), k >= 0);
        if let Err(e) = got { prop_assert_eq!(e.field(), Some("starts_on")); }
    }

    /// At least 5 working days: the end is the policy's N-th working day of the calendar.
    #[test]
    fn the_notice_lasts_the_policy_working_days(start in shipped_date()) {
        let c = WorkCalendar::builtin();
        let any = UnknownYears::AssumePlainWeekends;
        let end = notice_end(&c, start, policy(), any).unwrap();
        prop_assert_eq!(c.working_days_between(start, end, any).unwrap(), policy().notice.min_working_days);
        prop_assert!(c.is_working_day(end, any).unwrap());
    }

    #[test]
    fn objections_are_taken_from_the_first_to_the_last_day(start in date(), len in 0i64..20, k in -5i64..30) {
        let end = start + Duration::days(len);
        let today = start + Duration::days(k);
        match check_objection_window(today, start, end) {
            Ok(()) => prop_assert!(start <= today && today <= end),
            Err(e) => {
                prop_assert!(today < start || today > end);
                prop_assert_eq!(e.article(), Some("第八条"));
                prop_assert_eq!(e.code(), if today < start { "notice_not_started" } else { "notice_ended" });
            }
        }
    }

    #[test]
    fn an_objection_is_exactly_the_rule(
        name in proptest::option::of(prop_oneof![any_text(), "\\p{Han}{2,4}"]),
        contact in prop_oneof![any_text(), "1[3-9][0-9]{9}"],
        text in prop_oneof![any_text(), "\\PC{1,200}"],
        app in proptest::option::of(1i64..5),
        listed in proptest::collection::vec(1i64..5, 0..3),
        anonymous in any::<bool>(),
    ) {
        let mut p = policy().clone();
        p.notice.allow_anonymous_objections = anonymous;
        let n = name.clone().unwrap_or_default();
        let mut want = Vec::new();
        if (!anonymous && n.trim().is_empty()) || n.trim().chars().count() > 50 { want.push("name"); }
        let c = contact.trim();
        if c.is_empty() || c.chars().count() > 100 { want.push("contact"); }
        let t = text.trim();
        if t.is_empty() || t.chars().count() > 5000 { want.push("text"); }
        let target = match (app, listed.as_slice()) {
            (Some(id), l) if l.contains(&id) => Some(id),
            (None, [only]) => Some(*only),
            _ => { want.push("application_id"); None }
        };
        let input = ObjectionInput { name, contact: contact.clone(), text: text.clone(), application_id: app };
        match input.parse(&listed, &p) {
            Ok(o) => {
                prop_assert!(want.is_empty(), "{want:?}");
                prop_assert_eq!(Some(o.application_id), target);
                prop_assert_eq!(o.contact.as_str(), c);
                prop_assert_eq!(o.text.as_str(), t);
            }
            Err(e) => {
                let got: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn outcomes_are_upheld_or_dismissed(s in any_text()) {
        for o in [Outcome::Upheld, Outcome::Dismissed] {
            prop_assert_eq!(Outcome::parse(o.as_str()), Ok(o));
        }
        if let Ok(o) = Outcome::parse(&s) { prop_assert_eq!(o.as_str(), s.as_str()); }
    }

    /// 第八条（四）: after the notice ends, with no open or upheld objection, dated after the end
    /// and not after today.
    #[test]
    fn the_award_follows_the_notice(
        ends in date(), t in -3i64..10, on in proptest::option::of(-3i64..10), open in 0u32..3, upheld in 0u32..3,
    ) {
        let today = ends + Duration::days(t);
        let awarded_on = on.map(|k| ends + Duration::days(k));
        let f = AwardFacts { today, notice_ends_on: ends, awarded_on, open_objections: open, upheld_objections: upheld };
        let day = awarded_on.unwrap_or(today);
        let want = if today <= ends {
            Err("notice_not_ended")
        } else if upheld > 0 {
            Err("objection_upheld")
        } else if open > 0 {
            Err("objection_open")
        } else if day <= ends || day > today {
            Err("award_date")
        } else {
            Ok(day)
        };
        let got = check_award(f);
        prop_assert_eq!(got.as_ref().map_err(|e| e.code()).copied(), want);
        if let Err(e) = got { prop_assert_eq!(e.article(), Some("第八条")); }
    }

    /// The term ends the day before the anniversary (第七条（三）).
    #[test]
    fn the_term_ends_the_day_before_the_anniversary(awarded in date(), years in 1u32..11) {
        let end = term_end(awarded, years);
        prop_assert!(end > awarded);
        prop_assert_eq!(end.succ_opt().unwrap(), awarded.checked_add_months(Months::new(12 * years)).unwrap());
    }
}
