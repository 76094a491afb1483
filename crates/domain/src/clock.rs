//! The one clock (SPEC §5.2): "today" is the civil date in Asia/Shanghai, fixed by
//! `STATIONHUB_TODAY=YYYY-MM-DD` when set. Every rule that depends on the date asks this clock.
//! Instants (sign-in lock-outs, session idling, audit time stamps) are real UTC time.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

/// The environment variable that fixes today (for tests, training and demos).
pub const TODAY_ENV: &str = "STATIONHUB_TODAY";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    fixed_today: Option<NaiveDate>,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Clock {
        Clock { fixed_today: None }
    }

    /// A clock whose today is `date` (instants stay real).
    pub fn fixed(date: NaiveDate) -> Clock {
        Clock {
            fixed_today: Some(date),
        }
    }

    /// Reads `STATIONHUB_TODAY`; a malformed value is refused rather than ignored.
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var(TODAY_ENV) {
            Ok(v) if !v.trim().is_empty() => parse_date(v.trim())
                .map(Clock::fixed)
                .map_err(|_| format!("{TODAY_ENV}={v} 不是 YYYY-MM-DD 格式的日期")),
            _ => Ok(Clock::system()),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.fixed_today
            .unwrap_or_else(|| Utc::now().with_timezone(&Shanghai).date_naive())
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed_today.is_some()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Parses a `YYYY-MM-DD` date, the only date format of the API.
pub fn parse_date(s: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
}

/// Shows an instant as people in Yiyang read it: `2026-11-25 17:52`.
pub fn format_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_answers_its_date() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 8).unwrap();
        assert_eq!(Clock::fixed(d).today(), d);
    }

    #[test]
    fn local_time_is_shanghai() {
        let t = DateTime::parse_from_rfc3339("2026-11-25T16:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(format_local(t), "2026-11-26 00:30");
    }
}
