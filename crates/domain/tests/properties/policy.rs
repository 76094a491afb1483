//! The policy file (SPEC §3: every number of the measures in one file): never a panic on any
//! text, the consistency rules exactly, a line number for every refusal, and a round trip.

use proptest::prelude::*;
use stationhub_domain::policy::{DEFAULT_POLICY_TOML, Policy};

use crate::common::policy;

/// The consistency rules a policy must meet (from the policy module's documented checks and
/// 等保 2.0), as a model.
fn consistent(p: &Policy) -> bool {
    let a = &p.assessment;
    let s = &p.security;
    let mut counties = p.region.counties.clone();
    counties.sort();
    counties.dedup();
    !p.region.counties.is_empty()
        && counties.len() == p.region.counties.len()
        && p.application.term_years > 0
        && !p.application.industries.is_empty()
        && a.pass_from <= a.excellent_from
        && a.excellent_from <= 100
        && a.score_items
            .iter()
            .map(|i| u64::from(i.points))
            .sum::<u64>()
            == 100
        && a.agreement_percent_year1 <= 100
        && a.agreement_percent_year2 <= 100
        && p.grants.provincial_fen >= 0
        && p.grants.municipal_fen >= 0
        && !p.expenses.categories.is_empty()
        && p.award.document_number_format.contains("{seq}")
        && s.password_min_length >= 8
        && (1..=4).contains(&s.password_min_classes)
        && s.lockout_after_failures > 0
        && s.lockout_minutes > 0
        && s.session_idle_minutes > 0
}

/// The shipped policy with its numbers changed.
fn varied() -> impl Strategy<Value = Policy> {
    (
        (0u32..4, 0u32..110, 0u32..110, 0u32..110),
        (0u32..40, 0u32..6, 0u32..4, 0u32..3),
        (-5i64..20_000_000, -5i64..20_000_000),
        proptest::collection::vec(0u32..40, 0..7),
        any::<(bool, bool, bool, bool)>(),
        ("[{}a-z]{0,6}", 0u32..120),
    )
        .prop_map(|(app, sec, grants, points, cut, (fmt, agreement))| {
            let mut p = policy().clone();
            p.application.term_years = app.0;
            p.assessment.pass_from = app.1;
            p.assessment.excellent_from = app.2;
            p.assessment.agreement_percent_year2 = app.3;
            p.assessment.agreement_percent_year1 = agreement;
            p.security.password_min_length = sec.0;
            p.security.password_min_classes = sec.1;
            p.security.lockout_after_failures = sec.2;
            p.security.lockout_minutes = sec.3 + 1;
            p.grants.provincial_fen = grants.0;
            p.grants.municipal_fen = grants.1;
            if !points.is_empty() {
                let item = p.assessment.score_items[0].clone();
                p.assessment.score_items = points
                    .iter()
                    .enumerate()
                    .map(|(i, pts)| stationhub_domain::policy::ScoreItem {
                        code: format!("item{i}"),
                        points: *pts,
                        ..item.clone()
                    })
                    .collect();
            }
            if cut.0 {
                p.region.counties.clear();
            }
            if cut.1 {
                let c = p.region.counties.first().cloned();
                p.region.counties.extend(c);
            }
            if cut.2 {
                p.expenses.categories.clear();
            }
            if cut.3 {
                p.award.document_number_format = fmt;
            }
            p
        })
}

/// The shipped file with bytes cut, doubled or replaced at random places.
fn mangled() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (0usize..DEFAULT_POLICY_TOML.len(), 0u8..3, any::<char>()),
        1..6,
    )
    .prop_map(|edits| {
        let mut s = DEFAULT_POLICY_TOML.to_string();
        for (at, how, ch) in edits {
            let mut at = at.min(s.len());
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            match how {
                0 => {
                    let end = (at + 7).min(s.len());
                    let mut end = end;
                    while !s.is_char_boundary(end) {
                        end -= 1;
                    }
                    s.replace_range(at..end, "");
                }
                1 => s.insert(at, ch),
                _ => {
                    let line = s[at..].split('\n').next().unwrap_or("").to_string();
                    s.insert_str(at, &line);
                }
            }
        }
        s
    })
}

fn lines(text: &str) -> usize {
    text.matches('\n').count() + 1
}

proptest! {
    #[test]
    fn any_text_is_answered_without_a_panic(text in prop_oneof![any::<String>(), mangled()]) {
        match Policy::from_toml(&text) {
            Ok(p) => prop_assert!(consistent(&p)),
            Err(e) => {
                prop_assert!(!e.reason.is_empty());
                if let Some(l) = e.line {
                    prop_assert!(l >= 1 && l <= lines(&text), "line {l} of {}", lines(&text));
                    let start = format!("第 {l} 行：");
                    prop_assert!(e.to_string().starts_with(&start), "{}", e);
                }
            }
        }
    }

    /// A policy written out and read back is accepted exactly when its numbers are consistent,
    /// and then is the same policy; a refusal names a line of the file.
    #[test]
    fn a_policy_round_trips_when_consistent(p in varied()) {
        let text = toml::to_string(&p).unwrap();
        match Policy::from_toml(&text) {
            Ok(back) => {
                prop_assert!(consistent(&p), "an inconsistent policy was accepted: {text}");
                prop_assert_eq!(back, p);
            }
            Err(e) => {
                prop_assert!(!consistent(&p), "refused a consistent policy: {e}\n{text}");
                prop_assert!(e.line.is_some(), "no line for {e}\n{text}");
            }
        }
    }

    #[test]
    fn document_numbers_fill_year_and_sequence(year in 1990i32..2100, seq in 1u32..10_000) {
        let n = policy().document_number(year, seq);
        prop_assert_eq!(n, format!("益人才办〔{year}〕{seq}号"));
    }
}

#[test]
fn the_shipped_policy_is_consistent() {
    assert!(consistent(policy()));
    let text = toml::to_string(policy()).unwrap();
    assert_eq!(&Policy::from_toml(&text).unwrap(), policy());
}
