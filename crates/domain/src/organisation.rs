//! Organisations of the measures: host units (建站单位) and societies (学会), and the unified
//! social credit code that identifies a unit.

use crate::DomainError;

/// The 31 characters a unified social credit code may use (GB 32100-2015: no I, O, Z, S, V).
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the first 17 characters for the check character (GB 32100-2015, 3^(i) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// 统一社会信用代码: 18 characters, the last a check character over the first 17 (GB 32100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(s: &str) -> Result<CreditCode, DomainError> {
        let s = s.trim().to_ascii_uppercase();
        let bad = |m: &str| DomainError::invalid("credit_code", m.to_string());
        if s.chars().count() != 18 {
            return Err(bad("统一社会信用代码须为 18 位"));
        }
        let values: Vec<u32> = s
            .chars()
            .map(|c| CHARSET.find(c).map(|i| i as u32))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"))?;
        let first17: [u32; 17] = values[..17].try_into().map_err(|_| bad("格式错误"))?;
        if check_value(&first17) != values[17] {
            return Err(bad("统一社会信用代码校验位不正确，请核对"));
        }
        Ok(CreditCode(s))
    }

    /// Completes 17 characters with their check character (demo data and tests).
    pub fn complete(first17: &str) -> Option<CreditCode> {
        let values: Vec<u32> = first17
            .chars()
            .map(|c| CHARSET.find(c).map(|i| i as u32))
            .collect::<Option<_>>()?;
        let arr: [u32; 17] = values.try_into().ok()?;
        let check = CHARSET.chars().nth(check_value(&arr) as usize)?;
        Some(CreditCode(format!("{first17}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_value(first17: &[u32; 17]) -> u32 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_code_is_valid() {
        // 国家市场监督管理总局公示的企业代码样例。
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(
            CreditCode::parse("91350100m000100y43").is_ok(),
            "lower case is accepted"
        );
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        let e = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert!(e.to_string().contains("校验位"));
        assert!(CreditCode::parse("91350100M000100Y4").is_err());
        assert!(CreditCode::parse("91350100I000100Y43").is_err());
    }

    #[test]
    fn completing_gives_a_valid_code() {
        let c = CreditCode::complete("12430900MB1234567").unwrap();
        assert!(CreditCode::parse(c.as_str()).is_ok());
    }
}
