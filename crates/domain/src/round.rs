//! 申报批次: applications are accepted every two years, inside a round (第八条); at most
//! `municipal_per_round` municipal-level stations are certified per round (第十二条).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::organisation::FieldCheck;
use crate::policy::Policy;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RoundInput {
    pub name: String,
    pub opens_on: String,
    pub closes_on: String,
    pub municipal_quota: Option<u32>,
    pub provincial_quota: Option<u32>,
    pub national_quota: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Round {
    pub name: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub municipal_quota: u32,
    pub provincial_quota: Option<u32>,
    pub national_quota: Option<u32>,
}

impl RoundInput {
    pub fn parse(self, policy: &Policy) -> Result<Round, DomainError> {
        let mut c = FieldCheck::new();
        let name = c.text("name", "批次名称", &self.name, 100);
        let mut date = |field: &str, label: &str, v: &str| match crate::clock::parse_date(v.trim())
        {
            Ok(d) => Some(d),
            Err(_) => {
                c.add(field, format!("{label}须为 YYYY-MM-DD 格式的日期"));
                None
            }
        };
        let opens_on = date("opens_on", "开始日期", &self.opens_on);
        let closes_on = date("closes_on", "截止日期", &self.closes_on);
        if let (Some(o), Some(cl)) = (opens_on, closes_on)
            && cl < o
        {
            c.add("closes_on", "截止日期不能早于开始日期");
        }
        let max = policy.quota.municipal_per_round;
        let municipal_quota = self.municipal_quota.unwrap_or(max);
        if municipal_quota > max {
            c.add(
                "municipal_quota",
                format!("市级服务站每次认定不超过 {max} 家（第十二条）"),
            );
        }
        c.finish()?;
        Ok(Round {
            name,
            opens_on: opens_on.unwrap_or_default(),
            closes_on: closes_on.unwrap_or_default(),
            municipal_quota,
            provincial_quota: self.provincial_quota,
            national_quota: self.national_quota,
        })
    }
}

impl Round {
    /// Two rounds may not run at the same time: one round at a time receives applications.
    pub fn overlaps(&self, opens_on: NaiveDate, closes_on: NaiveDate) -> bool {
        self.opens_on <= closes_on && opens_on <= self.closes_on
    }

    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.opens_on <= today && today <= self.closes_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RoundInput {
        RoundInput {
            name: "2026年度学会服务站申报".into(),
            opens_on: "2026-03-01".into(),
            closes_on: "2026-04-30".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_municipal_quota_defaults_to_the_policy_and_may_not_exceed_it() {
        let p = Policy::default();
        assert_eq!(input().parse(&p).unwrap().municipal_quota, 5);
        let mut i = input();
        i.municipal_quota = Some(6);
        let e = i.parse(&p).unwrap_err();
        assert!(e.to_string().contains("第十二条"));
    }

    #[test]
    fn dates_must_be_in_order() {
        let mut i = input();
        i.closes_on = "2026-02-01".into();
        assert!(i.parse(&Policy::default()).is_err());
        let mut i = input();
        i.opens_on = "2026/03/01".into();
        assert_eq!(
            i.parse(&Policy::default()).unwrap_err().field(),
            Some("opens_on")
        );
    }

    #[test]
    fn open_is_inclusive() {
        let r = input().parse(&Policy::default()).unwrap();
        let d = |s| crate::clock::parse_date(s).unwrap();
        assert!(r.is_open(d("2026-03-01")));
        assert!(r.is_open(d("2026-04-30")));
        assert!(!r.is_open(d("2026-05-01")));
        assert!(r.overlaps(d("2026-04-30"), d("2026-06-01")));
        assert!(!r.overlaps(d("2026-05-01"), d("2026-06-01")));
    }
}
