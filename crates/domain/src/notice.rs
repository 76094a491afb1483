//! 公示与授牌: the public notice of at least 5 working days (第八条（三）), objections to it,
//! and the award after a notice without objection (第八条（四）).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::{UnknownYears, WorkCalendar};
use crate::organisation::FieldCheck;
use crate::policy::Policy;

/// A notice starts today or later.
pub fn check_notice_start(starts_on: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if starts_on < today {
        return Err(DomainError::invalid(
            "starts_on",
            format!("公示开始日期（{starts_on}）不能早于今天（{today}）"),
        ));
    }
    Ok(())
}

/// The notice's last day: the `min_working_days`-th working day from its start.
pub fn notice_end(
    calendar: &WorkCalendar,
    starts_on: NaiveDate,
    policy: &Policy,
    unknown: UnknownYears,
) -> Result<NaiveDate, DomainError> {
    calendar.nth_working_day(starts_on, policy.notice.min_working_days, unknown)
}

/// Objections are taken from the first to the last day of the notice, both included.
pub fn check_objection_window(
    today: NaiveDate,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<(), DomainError> {
    if today < starts_on {
        return Err(DomainError::Rule {
            code: "notice_not_started",
            article: "第八条",
            message: format!("公示自 {starts_on} 开始，届时方可提出异议"),
        });
    }
    if today > ends_on {
        return Err(DomainError::Rule {
            code: "notice_ended",
            article: "第八条",
            message: format!("公示期已于 {ends_on} 结束，不再受理异议"),
        });
    }
    Ok(())
}

/// An objection as lodged by anyone (SPEC §5.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ObjectionInput {
    pub name: Option<String>,
    pub contact: String,
    pub text: String,
    /// Needed when the notice lists several applications.
    pub application_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objection {
    /// Empty when anonymous (only if the policy allows it).
    pub name: String,
    pub contact: String,
    pub text: String,
    pub application_id: i64,
}

impl ObjectionInput {
    /// `listed`: the applications of the notice.
    pub fn parse(self, listed: &[i64], policy: &Policy) -> Result<Objection, DomainError> {
        let mut c = FieldCheck::new();
        let name = self.name.unwrap_or_default();
        let name = if policy.notice.allow_anonymous_objections {
            c.optional("name", "姓名", &name, 50)
        } else {
            c.text("name", "姓名（实名）", &name, 50)
        };
        let contact = c.text("contact", "联系方式", &self.contact, 100);
        let text = c.text("text", "异议内容", &self.text, 5000);
        let application_id = match (self.application_id, listed) {
            (Some(id), _) if listed.contains(&id) => id,
            (Some(_), _) => {
                c.add("application_id", "所选申报不在本次公示名单中");
                0
            }
            (None, [only]) => *only,
            (None, _) => {
                c.add("application_id", "请选择对哪一项申报提出异议");
                0
            }
        };
        c.finish()?;
        Ok(Objection {
            name,
            contact,
            text,
            application_id,
        })
    }
}

/// How city CAST handled an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 异议成立: the application stops.
    Upheld,
    /// 异议不成立: it continues.
    Dismissed,
}

impl Outcome {
    pub fn parse(s: &str) -> Result<Outcome, DomainError> {
        match s {
            "upheld" => Ok(Outcome::Upheld),
            "dismissed" => Ok(Outcome::Dismissed),
            _ => Err(DomainError::invalid(
                "outcome",
                "outcome 须为 upheld 或 dismissed",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Upheld => "upheld",
            Outcome::Dismissed => "dismissed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Upheld => "异议成立",
            Outcome::Dismissed => "异议不成立",
        }
    }
}

/// What the award rule looks at for one application.
#[derive(Debug, Clone, Copy)]
pub struct AwardFacts {
    pub today: NaiveDate,
    pub notice_ends_on: NaiveDate,
    pub awarded_on: Option<NaiveDate>,
    pub open_objections: u32,
    pub upheld_objections: u32,
}

/// 第八条（四）: the award comes after the notice has ended without objection. Returns the
/// award date (default today).
pub fn check_award(f: AwardFacts) -> Result<NaiveDate, DomainError> {
    let rule = |code, message: String| DomainError::Rule {
        code,
        article: "第八条",
        message,
    };
    if f.today <= f.notice_ends_on {
        return Err(rule(
            "notice_not_ended",
            format!("公示期至 {} 结束，公示期满后方可授牌", f.notice_ends_on),
        ));
    }
    if f.upheld_objections > 0 {
        return Err(rule(
            "objection_upheld",
            "公示期间的异议经核实成立，该申报不予授牌".into(),
        ));
    }
    if f.open_objections > 0 {
        return Err(rule(
            "objection_open",
            format!(
                "尚有 {} 条异议未处理，处理完毕且无异议成立后方可授牌",
                f.open_objections
            ),
        ));
    }
    let on = f.awarded_on.unwrap_or(f.today);
    if on <= f.notice_ends_on || on > f.today {
        return Err(rule(
            "award_date",
            format!(
                "授牌日期须在公示期结束（{}）之后、且不晚于今天（{}）",
                f.notice_ends_on, f.today
            ),
        ));
    }
    Ok(on)
}

/// The station's term: from the award date for `years` years (第七条（三）), ending the day
/// before the anniversary.
pub fn term_end(awarded_on: NaiveDate, years: u32) -> NaiveDate {
    awarded_on
        .checked_add_months(Months::new(12 * years))
        .and_then(|d| d.pred_opt())
        .unwrap_or(awarded_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_notice_lasts_five_working_days() {
        let p = Policy::default();
        let c = WorkCalendar::builtin();
        assert_eq!(
            notice_end(&c, d("2023-09-28"), &p, UnknownYears::Refuse).unwrap(),
            d("2023-10-10")
        );
        assert!(check_notice_start(d("2026-03-09"), d("2026-03-10")).is_err());
        assert!(check_notice_start(d("2026-03-10"), d("2026-03-10")).is_ok());
    }

    #[test]
    fn objections_close_with_the_notice() {
        let (s, e) = (d("2026-03-10"), d("2026-03-16"));
        assert!(check_objection_window(d("2026-03-16"), s, e).is_ok());
        let err = check_objection_window(d("2026-03-17"), s, e).unwrap_err();
        assert_eq!(err.article(), Some("第八条"));
        assert!(check_objection_window(d("2026-03-09"), s, e).is_err());
    }

    #[test]
    fn objections_need_a_real_name_by_default() {
        let p = Policy::default();
        let input = ObjectionInput {
            name: None,
            contact: "13800000000".into(),
            text: "专家名单不实".into(),
            application_id: None,
        };
        assert_eq!(
            input.clone().parse(&[7], &p).unwrap_err().field(),
            Some("name")
        );
        let mut anon = p.clone();
        anon.notice.allow_anonymous_objections = true;
        assert_eq!(input.clone().parse(&[7], &anon).unwrap().application_id, 7);
        let named = ObjectionInput {
            name: Some("张三".into()),
            ..input
        };
        assert_eq!(
            named.clone().parse(&[7, 8], &p).unwrap_err().field(),
            Some("application_id")
        );
        assert_eq!(
            ObjectionInput {
                application_id: Some(8),
                ..named
            }
            .parse(&[7, 8], &p)
            .unwrap()
            .application_id,
            8
        );
    }

    #[test]
    fn the_award_waits_for_the_notice_and_its_objections() {
        let base = AwardFacts {
            today: d("2026-03-17"),
            notice_ends_on: d("2026-03-16"),
            awarded_on: None,
            open_objections: 0,
            upheld_objections: 0,
        };
        assert_eq!(check_award(base), Ok(d("2026-03-17")));
        let early = AwardFacts {
            today: d("2026-03-16"),
            ..base
        };
        assert_eq!(check_award(early).unwrap_err().code(), "notice_not_ended");
        let open = AwardFacts {
            open_objections: 1,
            ..base
        };
        assert_eq!(check_award(open).unwrap_err().article(), Some("第八条"));
        let upheld = AwardFacts {
            upheld_objections: 1,
            ..base
        };
        assert_eq!(check_award(upheld).unwrap_err().code(), "objection_upheld");
        let backdated = AwardFacts {
            awarded_on: Some(d("2026-03-16")),
            ..base
        };
        assert_eq!(check_award(backdated).unwrap_err().code(), "award_date");
        let future = AwardFacts {
            awarded_on: Some(d("2026-03-18")),
            ..base
        };
        assert_eq!(check_award(future).unwrap_err().code(), "award_date");
    }

    #[test]
    fn the_term_ends_the_day_before_the_second_anniversary() {
        assert_eq!(term_end(d("2026-03-17"), 2), d("2028-03-16"));
        assert_eq!(term_end(d("2024-02-29"), 2), d("2026-02-27"));
    }
}
