//! 申报批次 (第八条, 第十二条 quota per round).

use proptest::prelude::*;
use stationhub_domain::round::RoundInput;

use crate::common::{any_text, date, policy};

fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => date().prop_map(|d| d.to_string()), 1 => any_text()]
}

proptest! {
    #[test]
    fn a_round_is_exactly_the_rule(
        name in prop_oneof![any_text(), "\\p{Han}{1,20}"],
        opens in date_text(),
        closes in date_text(),
        quota in proptest::option::of(0u32..10),
    ) {
        let max = policy().quota.municipal_per_round;
        let o = stationhub_domain::clock::parse_date(opens.trim()).ok();
        let c = stationhub_domain::clock::parse_date(closes.trim()).ok();
        let mut want = Vec::new();
        let n = name.trim();
        if n.is_empty() || n.chars().count() > 100 { want.push("name"); }
        if o.is_none() { want.push("opens_on"); }
        if c.is_none() { want.push("closes_on"); }
        if let (Some(o), Some(c)) = (o, c) && c < o { want.push("closes_on"); }
        if quota.unwrap_or(max) > max { want.push("municipal_quota"); }
        let input = RoundInput { name: name.clone(), opens_on: opens, closes_on: closes, municipal_quota: quota, ..Default::default() };
        match input.parse(policy()) {
            Ok(r) => {
                prop_assert!(want.is_empty(), "{want:?}");
                prop_assert_eq!((Some(r.opens_on), Some(r.closes_on)), (o, c));
                prop_assert_eq!(r.municipal_quota, quota.unwrap_or(max));
                // Open from the first to the last day, both included.
                prop_assert!(r.is_open(r.opens_on) && r.is_open(r.closes_on));
                prop_assert!(!r.is_open(r.opens_on.pred_opt().unwrap()));
                prop_assert!(r.overlaps(r.closes_on, r.closes_on));
                prop_assert!(!r.overlaps(r.closes_on.succ_opt().unwrap(), r.closes_on.succ_opt().unwrap()));
            }
            Err(e) => {
                let got: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
                prop_assert_eq!(got, want);
                if quota.unwrap_or(max) > max { prop_assert!(e.to_string().contains("第十二条")); }
            }
        }
    }
}
