//! Roles, usernames, display names, e-mail addresses, passwords and the sign-in lock-out
//! (SPEC §1, §5.2; 等保 2.0).

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stationhub_domain::account::{
    NewPassword, Role, SignInRecord, Username, parse_display_name, parse_email,
    session_idle_expired,
};
use stationhub_domain::{DomainError, ErrorKind};

use crate::common::{any_text, policy, refuses_field};

/// SPEC §5.2: "letters, digits, `_`, `-` and `.`", 3 to 32 of them, surrounding blanks ignored.
fn username_rule(s: &str) -> Option<&str> {
    let t = s.trim();
    let n = t.chars().count();
    let ok = (3..=32).contains(&n)
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    ok.then_some(t)
}

/// 等保 2.0 as the policy sets it: length, no control characters, classes mixed.
fn password_rule(s: &str, min_len: usize, min_classes: usize) -> bool {
    let n = s.chars().count();
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let symbol = s.chars().any(|c| !c.is_ascii_alphanumeric());
    let classes = [upper, lower, digit, symbol]
        .into_iter()
        .filter(|b| *b)
        .count();
    n >= min_len && n <= 128 && !s.chars().any(char::is_control) && classes >= min_classes
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (1_600_000_000i64..2_000_000_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

proptest! {
    #[test]
    fn roles_round_trip_and_nothing_else_parses(i in 0..8usize, s in any_text()) {
        let r = Role::ALL[i];
        prop_assert_eq!(Role::parse(r.as_str()), Ok(r));
        match Role::parse(&s) {
            Ok(r) => prop_assert_eq!(r.as_str(), s.as_str()),
            Err(e) => refuses_field(&e, "role")?,
        }
    }

    #[test]
    fn usernames_are_exactly_the_rule(s in prop_oneof![any_text(), " ?[A-Za-z0-9_.-]{0,40} ?"]) {
        match (Username::parse(&s), username_rule(&s)) {
            (Ok(u), Some(t)) => prop_assert_eq!(u.as_str(), t),
            (Err(e), None) => {
                refuses_field(&e, "username")?;
                prop_assert!(e.to_string().contains("3–32"));
            }
            (got, want) => prop_assert!(false, "{s:?}: got {got:?}, the rule says {want:?}"),
        }
    }

    #[test]
    fn a_valid_username_round_trips(s in "[A-Za-z0-9_.-]{3,32}", pad in "[ \t]{0,3}") {
        let u = Username::parse(&format!("{pad}{s}{pad}")).unwrap();
        prop_assert_eq!(u.as_str(), s.as_str());
        prop_assert_eq!(Username::parse(u.as_str()).unwrap(), u);
    }

    #[test]
    fn display_names_are_1_to_50_characters(s in prop_oneof![any_text(), "\\p{Han}{45,55}"]) {
        let t = s.trim();
        let ok = !t.is_empty() && t.chars().count() <= 50;
        match parse_display_name(&s) {
            Ok(v) => {
                prop_assert!(ok, "{s:?} accepted");
                prop_assert_eq!(v, t);
            }
            Err(e) => {
                prop_assert!(!ok, "{s:?} refused");
                refuses_field(&e, "display_name")?;
            }
        }
    }

    #[test]
    fn e_mail_never_panics_and_what_it_takes_is_plain(s in any_text()) {
        match parse_email(&s) {
            Ok(None) => prop_assert!(s.trim().is_empty()),
            Ok(Some(v)) => {
                prop_assert_eq!(v.as_str(), s.trim());
                prop_assert!(v.is_ascii());
                prop_assert!(!v.chars().any(char::is_whitespace));
                prop_assert_eq!(v.matches('@').count(), 1);
                // What was accepted once is accepted again unchanged.
                prop_assert_eq!(parse_email(&v), Ok(Some(v.clone())));
            }
            Err(e) => refuses_field(&e, "email")?,
        }
    }

    #[test]
    fn plain_addresses_are_accepted(
        local in "[a-z0-9][a-z0-9_+-]{0,10}(\\.[a-z0-9]{1,5})?",
        domain in "[a-z0-9]{1,10}(-[a-z0-9]{1,4})?(\\.[a-z]{2,6}){1,2}",
        pad in " {0,2}",
    ) {
        let addr = format!("{local}@{domain}");
        prop_assert_eq!(parse_email(&format!("{pad}{addr}{pad}")), Ok(Some(addr)));
    }

    #[test]
    fn addresses_with_blanks_or_two_ats_are_refused(
        a in "[a-z]{1,5}", b in "[a-z]{1,5}", sep in "[ @\t]",
    ) {
        let e = parse_email(&format!("{a}{sep}{a}@{b}.cn")).unwrap_err();
        refuses_field(&e, "email")?;
        prop_assert!(e.to_string().contains("电子邮件"));
    }

    #[test]
    fn passwords_are_exactly_the_policy(
        s in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9!#%&*]{0,20}",
            "[A-Z]{1,3}[a-z]{1,3}[0-9]{1,3}[!#%&*]{0,3}",
            "[a-z]{120,135}[A-Z0-9]{0,2}",
        ],
    ) {
        let sec = &policy().security;
        let want = password_rule(
            &s,
            sec.password_min_length as usize,
            sec.password_min_classes as usize,
        );
        match NewPassword::parse(&s, sec) {
            Ok(p) => {
                prop_assert!(want, "{s:?} accepted");
                prop_assert_eq!(p.as_str(), s.as_str());
                prop_assert_eq!(format!("{p:?}"), "NewPassword(***)", "Debug shows no password");
            }
            Err(e) => {
                prop_assert!(!want, "{s:?} refused: {e}");
                prop_assert!(matches!(e, DomainError::WeakPassword(_)), "{e:?}");
                prop_assert_eq!(e.kind(), ErrorKind::Unprocessable);
                prop_assert_eq!(e.code(), "weak_password");
                prop_assert_eq!(e.field(), Some("new_password"));
            }
        }
    }

    #[test]
    fn strong_passwords_are_accepted(
        core in "[A-Z][a-z][0-9][!#%&*._-]",
        rest in "[A-Za-z0-9!#%&*]{4,100}",
    ) {
        let s = format!("{rest}{core}");
        prop_assert!(NewPassword::parse(&s, &policy().security).is_ok(), "{}", s);
    }

    /// 等保 2.0 登录失败处理: the N-th wrong password in a row locks the account for the policy's
    /// minutes; while locked every attempt is refused (429) whatever the password; a success
    /// clears the count.
    #[test]
    fn sign_in_lock_out_follows_the_policy(
        start in instant(),
        attempts in proptest::collection::vec((any::<bool>(), 0i64..40), 1..40),
    ) {
        let sec = &policy().security;
        let mut record = SignInRecord::default();
        let mut now = start;
        // The model: failures in a row, and the end of a lock-out.
        let mut failures = 0u32;
        let mut locked_until: Option<DateTime<Utc>> = None;
        for (ok, minutes) in attempts {
            now += Duration::minutes(minutes);
            let out = record.attempt(ok, now, sec);
            if locked_until.is_some_and(|t| t > now) {
                prop_assert!(matches!(out.result, Err(DomainError::AccountLocked { .. })), "{:?}", out.result);
                prop_assert_eq!(out.result.as_ref().unwrap_err().kind(), ErrorKind::TooMany);
                prop_assert_eq!(out.record, record, "a locked attempt changes nothing");
            } else if ok {
                prop_assert_eq!(out.result.clone(), Ok(()));
                failures = 0;
                locked_until = None;
            } else {
                prop_assert_eq!(out.result.clone(), Err(DomainError::WrongCredentials));
                failures += 1;
                if failures >= sec.lockout_after_failures {
                    failures = 0;
                    locked_until = Some(now + Duration::minutes(sec.lockout_minutes.into()));
                }
            }
            prop_assert_eq!(out.record.failed_in_row, failures);
            prop_assert_eq!(out.record.is_locked(now), locked_until.is_some_and(|t| t > now));
            record = out.record;
        }
    }

    #[test]
    fn a_session_idles_out_after_the_policy_minutes(start in instant(), seconds in 0i64..10_000) {
        let sec = &policy().security;
        let limit = i64::from(sec.session_idle_minutes) * 60;
        let now = start + Duration::seconds(seconds);
        prop_assert_eq!(session_idle_expired(start, now, sec), seconds > limit);
    }
}
