//! The working-day calendar (第八条（三）: the public notice lasts at least 5 *working* days).
//!
//! China's statutory holidays and adjusted working days (调休) are published each year by the
//! State Council; the product ships 2023–2026 (data/holidays-cn, from the MIT-licensed
//! holiday-cn set) and city CAST adds or corrects days and coming years. A day not listed is a
//! working day from Monday to Friday and a rest day on Saturday and Sunday. Counting into a year
//! with no schedule is refused unless the officer confirms plain weekends.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The schedules shipped with the product, one JSON document a year.
pub const BUILTIN_YEARS: [(i32, &str); 4] = [
    (2023, include_str!("../../../data/holidays-cn/2023.json")),
    (2024, include_str!("../../../data/holidays-cn/2024.json")),
    (2025, include_str!("../../../data/holidays-cn/2025.json")),
    (2026, include_str!("../../../data/holidays-cn/2026.json")),
];

/// One listed day: a holiday (`off`) or an adjusted working day on a weekend (`!off`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub name: String,
    pub off: bool,
}

#[derive(Deserialize)]
struct YearFile {
    year: i32,
    days: Vec<FileDay>,
}

#[derive(Deserialize)]
struct FileDay {
    name: String,
    date: NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// Parses one year of the holiday-cn format.
pub fn parse_year_file(json: &str) -> Result<(i32, Vec<CalendarDay>), DomainError> {
    let f: YearFile = serde_json::from_str(json)
        .map_err(|e| DomainError::invalid("calendar", format!("节假日数据格式错误：{e}")))?;
    let days = f
        .days
        .into_iter()
        .map(|d| CalendarDay {
            date: d.date,
            name: d.name,
            off: d.is_off_day,
        })
        .collect();
    Ok((f.year, days))
}

/// The built-in schedules.
pub fn builtin_days() -> Vec<(i32, Vec<CalendarDay>)> {
    BUILTIN_YEARS
        .iter()
        .filter_map(|(_, json)| parse_year_file(json).ok())
        .collect()
}

/// Whether counting may go into a year without a published schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownYears {
    Refuse,
    /// The officer confirmed: count plain weekends there.
    AssumePlainWeekends,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, CalendarDay>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// A calendar knowing `years`, with its listed days.
    pub fn new(
        years: impl IntoIterator<Item = i32>,
        days: impl IntoIterator<Item = CalendarDay>,
    ) -> Self {
        WorkCalendar {
            years: years.into_iter().collect(),
            days: days.into_iter().map(|d| (d.date, d)).collect(),
        }
    }

    /// The schedules shipped with the product.
    pub fn builtin() -> Self {
        let mut years = Vec::new();
        let mut days = Vec::new();
        for (y, d) in builtin_days() {
            years.push(y);
            days.extend(d);
        }
        WorkCalendar::new(years, days)
    }

    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = &i32> {
        self.years.iter()
    }

    pub fn listed(&self, year: i32) -> impl Iterator<Item = &CalendarDay> {
        self.days.values().filter(move |d| d.date.year() == year)
    }

    /// Is `d` a working day? A year without a schedule is refused unless plain weekends are
    /// assumed.
    pub fn is_working_day(&self, d: NaiveDate, unknown: UnknownYears) -> Result<bool, DomainError> {
        if !self.knows_year(d.year()) && unknown == UnknownYears::Refuse {
            return Err(DomainError::Rule {
                code: "calendar_year_unknown",
                article: "第八条（三）",
                message: format!(
                    "尚无 {} 年的法定节假日安排，无法按工作日计算公示期；请市科协先在工作日历中录入该年安排，或确认按普通周末计算",
                    d.year()
                ),
            });
        }
        Ok(match self.days.get(&d) {
            Some(listed) => !listed.off,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    /// The `n`-th working day counting `start` as the first when it is a working day (SPEC §5.2:
    /// the rule every notice uses).
    pub fn nth_working_day(
        &self,
        start: NaiveDate,
        n: u32,
        unknown: UnknownYears,
    ) -> Result<NaiveDate, DomainError> {
        if n == 0 {
            return Err(DomainError::invalid("working_days", "工作日数须至少为 1"));
        }
        let mut d = start;
        let mut counted = 0;
        // A year has about 250 working days; ten years bounds any sensible request.
        for _ in 0..3660 {
            if self.is_working_day(d, unknown)? {
                counted += 1;
                if counted == n {
                    return Ok(d);
                }
            }
            d = d
                .succ_opt()
                .ok_or_else(|| DomainError::invalid("starts_on", "日期超出范围"))?;
        }
        Err(DomainError::invalid("working_days", "工作日数过大"))
    }

    /// Working days from `from` to `to`, both included.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        unknown: UnknownYears,
    ) -> Result<u32, DomainError> {
        let mut n = 0;
        let mut d = from;
        while d <= to {
            if self.is_working_day(d, unknown)? {
                n += 1;
            }
            d = match d.succ_opt() {
                Some(x) => x,
                None => break,
            };
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn end(start: &str, n: u32) -> NaiveDate {
        WorkCalendar::builtin()
            .nth_working_day(d(start), n, UnknownYears::Refuse)
            .unwrap()
    }

    #[test]
    fn the_shipped_years_are_known() {
        let c = WorkCalendar::builtin();
        for y in 2023..=2026 {
            assert!(c.knows_year(y));
        }
        assert!(!c.knows_year(2027));
    }

    #[test]
    fn an_ordinary_week() {
        // Monday 2024-03-04 is day 1; Friday 03-08 is day 5.
        assert_eq!(end("2024-03-04", 5), d("2024-03-08"));
        // Starting on a Saturday: Monday is day 1.
        assert_eq!(end("2024-03-02", 5), d("2024-03-08"));
        // Starting on a Wednesday: the weekend is skipped.
        assert_eq!(end("2024-03-06", 5), d("2024-03-12"));
    }

    #[test]
    fn across_national_day_2023() {
        // 2023-09-29 to 10-06 are holidays; Saturday 10-07 and Sunday 10-08 are working days.
        // Starting Thursday 2023-09-28: 9-28 (1), 10-07 (2), 10-08 (3), 10-09 (4), 10-10 (5).
        assert_eq!(end("2023-09-28", 5), d("2023-10-10"));
        // Starting on a holiday: 10-07 is day 1.
        assert_eq!(end("2023-10-01", 5), d("2023-10-11"));
    }

    #[test]
    fn across_spring_festival_2024() {
        // 2024-02-10 to 02-17 are holidays; Sunday 02-04 and Sunday 02-18 are working days.
        // Starting Thursday 2024-02-08: 02-08 (1), 02-09 (2), 02-18 (3), 02-19 (4), 02-20 (5).
        assert_eq!(end("2024-02-08", 5), d("2024-02-20"));
        // Starting Sunday 2024-02-04, an adjusted working day, counts as day 1.
        assert_eq!(end("2024-02-04", 5), d("2024-02-08"));
    }

    #[test]
    fn a_year_without_schedule_is_refused_unless_confirmed() {
        let c = WorkCalendar::builtin();
        let e = c
            .nth_working_day(d("2026-12-28"), 5, UnknownYears::Refuse)
            .unwrap_err();
        assert!(e.to_string().contains("2027"));
        // With plain weekends: 12-28 Mon … 12-31 Thu (4; 2027-01-01 is a Friday) → 2027-01-01.
        assert_eq!(
            c.nth_working_day(d("2026-12-28"), 5, UnknownYears::AssumePlainWeekends)
                .unwrap(),
            d("2027-01-01")
        );
    }

    #[test]
    fn counting_between_dates() {
        let c = WorkCalendar::builtin();
        assert_eq!(
            c.working_days_between(d("2023-09-28"), d("2023-10-10"), UnknownYears::Refuse)
                .unwrap(),
            5
        );
    }
}
