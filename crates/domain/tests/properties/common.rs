//! Generators and models shared by the property tests.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use stationhub_domain::policy::Policy;
use stationhub_domain::{DomainError, ErrorKind};

/// The built-in policy (the 2023 Yiyang values), parsed once.
pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::default)
}

/// Any date from 1900 to 2200.
pub fn date() -> impl Strategy<Value = NaiveDate> {
    // 1900-01-01 and 2200-12-31 as days from the common era.
    (693_596i32..=803_898).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

/// Any date of 2023–2026, the years whose holiday schedule ships with the product.
pub fn shipped_date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2023, 1, 1)
        .unwrap()
        .num_days_from_ce();
    let last = NaiveDate::from_ymd_opt(2026, 12, 31)
        .unwrap()
        .num_days_from_ce();
    (first..=last).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Text as people type it, or not: any string, blanks, Chinese, control characters, long runs.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[ \t\r\n]{0,5}",
        "[\\p{Han}a-z0-9 ]{0,120}",
        Just(String::new()),
    ]
}

/// Short text of 1..=max non-blank characters (what a required text field takes).
pub fn filled(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[\\p{{Han}}A-Za-z0-9]{{1,{max}}}")).unwrap()
}

/// A mobile number as the forms take it: 11 digits beginning 13–19.
pub fn mobile() -> impl Strategy<Value = String> {
    "1[3-9][0-9]{9}"
}

/// Asserts that an error is a 422 naming `field` (one of its fields, for a list of them).
pub fn refuses_field(e: &DomainError, field: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.kind(), ErrorKind::Unprocessable, "{:?}", e);
    let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
    prop_assert!(
        fields.iter().any(|f| f == field),
        "expected a refusal of {field}, got {fields:?}: {e}"
    );
    prop_assert!(!e.to_string().is_empty());
    Ok(())
}

/// The fields a refusal names, in order.
pub fn fields_of(e: &DomainError) -> Vec<String> {
    e.field_errors().into_iter().map(|f| f.field).collect()
}
