//! Money in integer fen (第十五条至第十九条): amounts, yuan as typed, grants, the expense
//! categories of 第十七条, the balance and the ledger totals.

use chrono::Duration;
use proptest::prelude::*;
use stationhub_domain::application::Level;
use stationhub_domain::funds::{
    Fen, Totals, check_balance, check_expense_category, check_payment_date, grant_amount,
};

use crate::common::{any_text, date, policy};

/// Yuan as people type them: digits with commas (half or full width) anywhere, at most two
/// decimals, at most 12 digits before the point, more than zero and at most 10^11 fen.
fn yuan_rule(s: &str) -> Option<i64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    let (whole, frac) = match t.find('.') {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t.as_str(), ""),
    };
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty())
        || !digits(whole)
        || !digits(frac)
        || frac.len() > 2
        || whole.len() > 12
    {
        return None;
    }
    let yuan: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let fen = yuan * 100 + cents;
    (fen > 0 && fen <= 100_000_000_000).then_some(fen)
}

proptest! {
    #[test]
    fn amounts_are_positive_and_bounded(v in any::<i64>()) {
        match Fen::positive("amount_fen", v) {
            Ok(f) => { prop_assert!(v > 0 && v <= 100_000_000_000); prop_assert_eq!(f, Fen(v)); }
            Err(e) => {
                prop_assert!(v <= 0 || v > 100_000_000_000);
                prop_assert_eq!(e.field(), Some("amount_fen"));
            }
        }
    }

    #[test]
    fn yuan_as_typed_are_exactly_the_rule(
        s in prop_oneof![any_text(), "[0-9,，. ]{0,20}", "[0-9]{1,13}(\\.[0-9]{0,3})?", "-?[0-9]{1,6}"],
    ) {
        match Fen::parse_yuan("amount", &s) {
            Ok(f) => prop_assert_eq!(Some(f.0), yuan_rule(&s), "{:?}", s),
            Err(e) => {
                prop_assert_eq!(yuan_rule(&s), None, "{:?} refused", s);
                prop_assert_eq!(e.field(), Some("amount"));
            }
        }
    }

    /// What is shown ("50,000.00") is read back as the same amount.
    #[test]
    fn yuan_round_trip(v in 1i64..=100_000_000_000) {
        let shown = Fen(v).yuan();
        prop_assert_eq!(Fen::parse_yuan("a", &shown), Ok(Fen(v)));
        let cents = format!(".{:02}", v % 100);
        prop_assert!(shown.ends_with(&cents), "{} {}", shown, cents);
    }

    #[test]
    fn any_amount_is_shown_without_a_panic(v in any::<i64>()) {
        let s = Fen(v).yuan();
        prop_assert_eq!(s.starts_with('-'), v < 0);
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let abs = v.unsigned_abs().to_string();
        prop_assert_eq!(digits.trim_start_matches('0'), abs.trim_start_matches('0'));
    }

    /// 第十七条: the listed categories, and no other.
    #[test]
    fn only_the_listed_categories(i in 0..8usize, pad in " {0,2}", other in any_text()) {
        let cats = &policy().expenses.categories;
        let padded = format!("{pad}{}{pad}", cats[i]);
        prop_assert!(check_expense_category(&padded, policy()).is_ok(), "{:?}", padded);
        let ok = cats.iter().any(|c| c == other.trim());
        match check_expense_category(&other, policy()) {
            Ok(()) => prop_assert!(ok),
            Err(e) => { prop_assert!(!ok); prop_assert_eq!(e.article(), Some("第十七条")); }
        }
    }

    #[test]
    fn spending_never_goes_beyond_the_balance(balance in -1_000_000i64..1_000_000, amount in 1i64..1_000_000) {
        match check_balance(Fen(balance), Fen(amount)) {
            Ok(()) => prop_assert!(amount <= balance),
            Err(e) => { prop_assert!(amount > balance); prop_assert_eq!(e.article(), Some("第十七条")); }
        }
    }

    /// 第十六条: provincial and municipal amounts from the policy; national case by case, with
    /// its decision document.
    #[test]
    fn grants_by_level(l in 0..3usize, amount in 1i64..100_000_000, doc in any_text()) {
        let level = Level::ALL[l];
        let got = grant_amount(level, Some((Fen(amount), &doc)), policy());
        match level {
            Level::Provincial => prop_assert_eq!(got, Ok(Fen(policy().grants.provincial_fen))),
            Level::Municipal => prop_assert_eq!(got, Ok(Fen(policy().grants.municipal_fen))),
            Level::National if doc.trim().is_empty() => prop_assert_eq!(got.unwrap_err().article(), Some("第十六条")),
            Level::National => prop_assert_eq!(got, Ok(Fen(amount))),
        }
        if level == Level::National {
            prop_assert!(grant_amount(level, None, policy()).is_err());
        }
    }

    #[test]
    fn a_grant_is_paid_between_its_due_day_and_today(due in date(), a in -30i64..30, b in -30i64..30) {
        let paid = due + Duration::days(a);
        let today = due + Duration::days(b);
        let ok = paid >= due && paid <= today;
        prop_assert_eq!(check_payment_date(due, paid, today).is_ok(), ok);
    }

    /// The balance is paid grants less expenses less recoveries; due and cancelled grants do
    /// not count; totals add up.
    #[test]
    fn the_ledger_balance_is_the_spec(entries in proptest::collection::vec(
        (prop_oneof![Just("grant"), Just("expense"), Just("recovery"), Just("other")],
         prop_oneof![Just("paid"), Just("due"), Just("cancelled"), Just("recorded")],
         1i64..=100_000_000_000), 0..50)) {
        let mut t = Totals::default();
        let (mut paid, mut spent, mut recovered) = (0i64, 0i64, 0i64);
        for (k, s, v) in &entries {
            t.add(k, s, Fen(*v));
            match (*k, *s) {
                ("grant", "paid") => paid += v,
                ("expense", _) => spent += v,
                ("recovery", _) => recovered += v,
                _ => {}
            }
        }
        prop_assert_eq!(t.balance(), Fen(paid - spent - recovered));
        let mut twice = Totals::default();
        twice.merge(&t);
        twice.merge(&t);
        prop_assert_eq!(twice.balance(), Fen(2 * (paid - spent - recovered)));
    }
}
