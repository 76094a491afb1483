//! 资金管理 (第十五条至第十九条): grants after passing assessments, expenses in the listed
//! categories only and never beyond the balance, and recoveries. Money is integer fen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::application::Level;
use crate::policy::Policy;

/// An amount of money in fen (分): integer, never floating point.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// A positive amount, as the API takes it (`amount_fen`).
    pub fn positive(field: &str, v: i64) -> Result<Fen, DomainError> {
        if v <= 0 {
            return Err(DomainError::invalid(field, "金额须大于 0（单位：分）"));
        }
        if v > 100_000_000_000 {
            return Err(DomainError::invalid(field, "金额过大"));
        }
        Ok(Fen(v))
    }

    /// Parses yuan as people type it: "50000", "50,000.5", "1234.56" (at most two decimals).
    pub fn parse_yuan(field: &str, s: &str) -> Result<Fen, DomainError> {
        let bad = || DomainError::invalid(field, "金额须为数字，以元为单位，至多两位小数");
        let t: String = s
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || whole.len() > 12
        {
            return Err(bad());
        }
        let yuan: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        Fen::positive(field, yuan * 100 + cents)
    }

    /// "50,000.00" — yuan with two decimals, thousands separated.
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = (a / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}{grouped}.{:02}", a % 100)
    }
}

/// The grant a passing assessment brings (第十六条): provincial and municipal from the policy;
/// national is decided case by case (一事一议) and must be entered with its decision document.
pub fn grant_amount(
    level: Level,
    national: Option<(Fen, &str)>,
    policy: &Policy,
) -> Result<Fen, DomainError> {
    match level {
        Level::Provincial => Ok(Fen(policy.grants.provincial_fen)),
        Level::Municipal => Ok(Fen(policy.grants.municipal_fen)),
        Level::National => match national {
            Some((amount, document)) if !document.trim().is_empty() => Ok(amount),
            _ => Err(DomainError::Rule {
                code: "national_grant_case_by_case",
                article: "第十六条",
                message: "全国学会服务站按“一事一议”方式资助：须填写资助金额及其决定文件".into(),
            }),
        },
    }
}

/// 第十七条: grant money is spent only on the listed categories.
pub fn check_expense_category(category: &str, policy: &Policy) -> Result<(), DomainError> {
    if policy
        .expenses
        .categories
        .iter()
        .any(|c| c == category.trim())
    {
        Ok(())
    } else {
        Err(DomainError::Rule {
            code: "expense_category",
            article: "第十七条",
            message: format!(
                "“{category}”不在学会服务站资助经费开支范围内（{}）",
                policy.expenses.categories.join("、")
            ),
        })
    }
}

/// Spending never goes beyond the station's balance (paid grants less expenses and recoveries).
pub fn check_balance(balance: Fen, amount: Fen) -> Result<(), DomainError> {
    if amount > balance {
        return Err(DomainError::Rule {
            code: "beyond_balance",
            article: "第十七条",
            message: format!(
                "支出 {} 元超过经费余额 {} 元",
                amount.yuan(),
                balance.yuan()
            ),
        });
    }
    Ok(())
}

/// A ledger entry's kind as people read it (grant / expense / recovery).
pub fn entry_kind_label(kind: &str) -> &'static str {
    match kind {
        "grant" => "资助",
        "expense" => "支出",
        "recovery" => "追回",
        _ => "—",
    }
}

/// A ledger entry's status as people read it (a grant: due → paid / cancelled).
pub fn entry_status_label(status: &str) -> &'static str {
    match status {
        "due" => "待支付",
        "paid" => "已支付",
        "cancelled" => "已取消",
        "recorded" => "已记录",
        _ => "—",
    }
}

/// A grant is paid on a day from the day it fell due (its assessment) up to today (第十六条).
pub fn check_payment_date(
    due_on: NaiveDate,
    paid_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), DomainError> {
    if paid_on > today {
        return Err(DomainError::invalid("paid_on", "支付日期不能晚于今天"));
    }
    if paid_on < due_on {
        return Err(DomainError::invalid(
            "paid_on",
            format!("支付日期不能早于资助确定之日（{due_on}，考核合格后拨付，第十六条）"),
        ));
    }
    Ok(())
}

/// Sums of a set of ledger entries (a station, a year, a county …). The balance is paid grants
/// less expenses less recoveries (SPEC §5.2); grants due or cancelled do not count in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub grants_due: Fen,
    pub grants_paid: Fen,
    pub grants_cancelled: Fen,
    pub expenses: Fen,
    pub recoveries: Fen,
}

impl Totals {
    /// Counts one entry by its kind (grant / expense / recovery) and status.
    pub fn add(&mut self, kind: &str, status: &str, amount: Fen) {
        let slot = match (kind, status) {
            ("grant", "paid") => &mut self.grants_paid,
            ("grant", "due") => &mut self.grants_due,
            ("grant", _) => &mut self.grants_cancelled,
            ("expense", _) => &mut self.expenses,
            ("recovery", _) => &mut self.recoveries,
            _ => return,
        };
        slot.0 += amount.0;
    }

    pub fn balance(&self) -> Fen {
        Fen(self.grants_paid.0 - self.expenses.0 - self.recoveries.0)
    }

    pub fn merge(&mut self, o: &Totals) {
        self.grants_due.0 += o.grants_due.0;
        self.grants_paid.0 += o.grants_paid.0;
        self.grants_cancelled.0 += o.grants_cancelled.0;
        self.expenses.0 += o.expenses.0;
        self.recoveries.0 += o.recoveries.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_per_level() {
        let p = Policy::default();
        assert_eq!(
            grant_amount(Level::Provincial, None, &p),
            Ok(Fen(10_000_000))
        );
        assert_eq!(grant_amount(Level::Municipal, None, &p), Ok(Fen(5_000_000)));
        let e = grant_amount(Level::National, None, &p).unwrap_err();
        assert_eq!(e.article(), Some("第十六条"));
        assert_eq!(
            grant_amount(
                Level::National,
                Some((Fen(30_000_000), "益人才办〔2027〕3号")),
                &p
            ),
            Ok(Fen(30_000_000))
        );
    }

    #[test]
    fn every_listed_category_and_no_other() {
        let p = Policy::default();
        for c in &p.expenses.categories {
            assert!(check_expense_category(c, &p).is_ok(), "{c}");
        }
        let e = check_expense_category("招待费", &p).unwrap_err();
        assert_eq!(e.article(), Some("第十七条"));
    }

    #[test]
    fn never_beyond_the_balance() {
        assert!(check_balance(Fen(5_000_000), Fen(5_000_000)).is_ok());
        assert!(check_balance(Fen(5_000_000), Fen(5_000_001)).is_err());
    }

    #[test]
    fn yuan_in_and_out() {
        assert_eq!(Fen::parse_yuan("a", "50,000").unwrap(), Fen(5_000_000));
        assert_eq!(Fen::parse_yuan("a", "1234.5").unwrap(), Fen(123_450));
        assert_eq!(Fen::parse_yuan("a", "0.01").unwrap(), Fen(1));
        assert!(Fen::parse_yuan("a", "1.234").is_err());
        assert!(Fen::parse_yuan("a", "-5").is_err());
        assert!(Fen::parse_yuan("a", "abc").is_err());
        assert_eq!(Fen(10_000_000).yuan(), "100,000.00");
        assert_eq!(Fen(-123_456).yuan(), "-1,234.56");
    }

    #[test]
    fn totals_count_paid_grants_less_spending_and_recoveries() {
        let mut t = Totals::default();
        t.add("grant", "paid", Fen(5_000_000));
        t.add("grant", "due", Fen(5_000_000));
        t.add("grant", "cancelled", Fen(1));
        t.add("expense", "recorded", Fen(1_200_000));
        t.add("recovery", "recorded", Fen(4_000_000));
        assert_eq!(t.balance(), Fen(-200_000));
        assert_eq!(t.grants_due, Fen(5_000_000));
        let mut all = Totals::default();
        all.merge(&t);
        all.merge(&t);
        assert_eq!(all.expenses, Fen(2_400_000));
        assert_eq!(all.balance(), Fen(-400_000));
    }

    #[test]
    fn a_grant_is_paid_between_its_assessment_and_today() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_payment_date(d("2027-02-20"), d("2027-02-20"), d("2027-03-01")).is_ok());
        assert!(check_payment_date(d("2027-02-20"), d("2027-02-19"), d("2027-03-01")).is_err());
        assert!(check_payment_date(d("2027-02-20"), d("2027-03-02"), d("2027-03-01")).is_err());
    }
}
