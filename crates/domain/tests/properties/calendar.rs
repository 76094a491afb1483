//! The working-day calendar (第八条（三）: at least 5 working days) and the date format of the
//! API.

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;
use stationhub_domain::calendar::{CalendarDay, UnknownYears, WorkCalendar, parse_year_file};
use stationhub_domain::clock::parse_date;

use crate::common::{any_text, date, shipped_date};

fn builtin() -> &'static WorkCalendar {
    static C: std::sync::OnceLock<WorkCalendar> = std::sync::OnceLock::new();
    C.get_or_init(WorkCalendar::builtin)
}

fn listed_day() -> impl Strategy<Value = CalendarDay> {
    (shipped_date(), "\\p{Han}{2,4}", any::<bool>()).prop_map(|(date, name, off)| CalendarDay {
        date,
        name,
        off,
    })
}

proptest! {
    #[test]
    fn dates_round_trip_and_any_text_is_answered(d in date(), s in any_text()) {
        let text = d.format("%Y-%m-%d").to_string();
        prop_assert_eq!(parse_date(&text), Ok(d));
        if let Ok(x) = parse_date(&s) {
            prop_assert_eq!(parse_date(&x.format("%Y-%m-%d").to_string()), Ok(x));
        }
    }

    /// The N-th working day counting the start as the first when it is one (SPEC §5.1).
    #[test]
    fn the_nth_working_day_is_a_working_day_n_days_in(start in shipped_date(), n in 1u32..30) {
        let c = builtin();
        let unknown = UnknownYears::AssumePlainWeekends;
        let end = c.nth_working_day(start, n, unknown).unwrap();
        prop_assert!(end >= start);
        prop_assert!(c.is_working_day(end, unknown).unwrap());
        prop_assert_eq!(c.working_days_between(start, end, unknown).unwrap(), n);
        if n == 1 && c.is_working_day(start, unknown).unwrap() {
            prop_assert_eq!(end, start);
        }
        let next = c.nth_working_day(start, n + 1, unknown).unwrap();
        prop_assert!(next > end);
        prop_assert_eq!(c.working_days_between(end.succ_opt().unwrap(), next, unknown).unwrap(), 1);
        // Five working days are never fewer than five calendar days.
        if n == 5 { prop_assert!((end - start).num_days() >= 4); }
    }

    /// A listed day decides; any other day is a working day from Monday to Friday.
    #[test]
    fn listed_days_decide_and_weekends_rest(days in proptest::collection::vec(listed_day(), 0..30), d in shipped_date()) {
        let c = WorkCalendar::new(2023..=2026, days.clone());
        let listed = days.iter().rev().find(|x| x.date == d);
        let want = match listed {
            Some(x) => !x.off,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        };
        prop_assert_eq!(c.is_working_day(d, UnknownYears::Refuse), Ok(want));
    }

    /// Counting into a year without a schedule is refused, citing 第八条（三）, unless plain
    /// weekends are confirmed.
    #[test]
    fn a_year_without_a_schedule_is_refused(d in date(), n in 1u32..10) {
        prop_assume!(!(2023..=2026).contains(&d.year()));
        let e = builtin().nth_working_day(d, n, UnknownYears::Refuse).unwrap_err();
        prop_assert_eq!(e.article(), Some("第八条（三）"));
        prop_assert!(e.to_string().contains(&d.year().to_string()));
        prop_assert!(builtin().nth_working_day(d, n, UnknownYears::AssumePlainWeekends).is_ok());
    }

    #[test]
    fn a_holiday_file_never_panics_and_round_trips(
        text in any_text(),
        year in 2020i32..2040,
        days in proptest::collection::vec(listed_day(), 0..10),
    ) {
        let _ = parse_year_file(&text);
        let json = serde_json::json!({
            "year": year,
            "days": days.iter().map(|d| serde_json::json!({
                "name": d.name, "date": d.date.to_string(), "isOffDay": d.off,
            })).collect::<Vec<_>>(),
        });
        prop_assert_eq!(parse_year_file(&json.to_string()), Ok((year, days)));
    }
}

#[test]
fn zero_days_and_the_end_of_time_are_refused_not_panics() {
    let c = builtin();
    let any = UnknownYears::AssumePlainWeekends;
    assert!(
        c.nth_working_day(crate::common::d("2024-03-04"), 0, any)
            .is_err()
    );
    assert!(c.nth_working_day(NaiveDate::MAX, 5, any).is_err());
    let near_end = NaiveDate::MAX - chrono::Duration::days(3);
    assert!(c.nth_working_day(near_end, 30, any).is_err());
    assert!(
        c.working_days_between(near_end, NaiveDate::MAX, any)
            .is_ok()
    );
    assert_eq!(
        c.working_days_between(NaiveDate::MAX, NaiveDate::MIN, any),
        Ok(0)
    );
    // A count beyond ten years is refused rather than looped over.
    assert!(
        c.nth_working_day(crate::common::d("2024-03-04"), u32::MAX, any)
            .is_err()
    );
}
