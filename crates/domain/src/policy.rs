//! The policy file: every number of the measures (SPEC §3) in one typed struct.
//!
//! The built-in default is the 2023 Yiyang measures (`policy/yiyang-2023.toml` in the repository).
//! A malformed file is refused with its line and the reason; unknown keys are refused too.

use serde::{Deserialize, Serialize};

/// The policy file shipped with the product: the 2023 Yiyang values.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../policy/yiyang-2023.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub region: Region,
    pub application: ApplicationPolicy,
    pub quota: Quota,
    pub notice: NoticePolicy,
    pub award: AwardPolicy,
    pub assessment: AssessmentPolicy,
    pub grants: GrantPolicy,
    pub expenses: ExpensePolicy,
    pub security: SecurityPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub city: String,
    pub counties: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationPolicy {
    pub term_years: u32,
    pub min_staff: u32,
    pub min_experts: u32,
    pub round_interval_years: u32,
    pub industries: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub municipal_per_round: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticePolicy {
    pub min_working_days: u32,
    pub allow_anonymous_objections: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardPolicy {
    pub document_number_format: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentPolicy {
    pub excellent_from: u32,
    pub pass_from: u32,
    pub opens_days_before_year_end: u32,
    pub agreement_percent_year1: u32,
    pub agreement_percent_year2: u32,
    pub expert_days_per_quarter: u32,
    pub expert_days_per_year: u32,
    pub surveys_per_year: u32,
    pub research_outcomes_per_year: u32,
    pub trainings_per_year: u32,
    pub training_min_attendance: u32,
    pub breakthroughs_per_year: u32,
    pub problems_solved_per_year: u32,
    pub achievements_transferred_per_year: u32,
    pub quarter_warning_days: u32,
    pub rectify_days: u32,
    pub score_items: Vec<ScoreItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreItem {
    pub code: String,
    pub name: String,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantPolicy {
    pub provincial_fen: i64,
    pub municipal_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpensePolicy {
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityPolicy {
    pub password_min_length: u32,
    pub password_min_classes: u32,
    pub lockout_after_failures: u32,
    pub lockout_minutes: u32,
    pub session_idle_minutes: u32,
    /// How long the audit log is kept at the least, in months: never below
    /// [`MIN_AUDIT_RETENTION_MONTHS`]. stationhub itself deletes no audit entry (the hash chain
    /// would break); this is the floor for any archiving an operator does.
    #[serde(default = "min_audit_retention_months")]
    pub audit_retention_months: u32,
}

/// 等保 2.0 (安全审计) with 《网络安全法》第二十一条（三）: network logs are kept no less than
/// six months.
pub const MIN_AUDIT_RETENTION_MONTHS: u32 = 6;

fn min_audit_retention_months() -> u32 {
    MIN_AUDIT_RETENTION_MONTHS
}

/// Why a policy file was refused: the line (1-based, when known) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", line.map(|l| format!("第 {l} 行：")).unwrap_or_default())]
pub struct PolicyError {
    pub line: Option<usize>,
    pub reason: String,
}

impl Default for Policy {
    fn default() -> Self {
        // The shipped file is checked by a unit test below, so this cannot fail in a release.
        Policy::from_toml(DEFAULT_POLICY_TOML).expect("the built-in policy file is valid")
    }
}

impl Policy {
    /// Parses and checks a policy file.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError {
            line: e.span().map(|s| line_of(text, s.start)),
            // The TOML reader gives no message for some characters it refuses (a control
            // character in a comment, say): the refusal still says why.
            reason: match e.message() {
                "" => "TOML 格式错误：此处有 TOML 不允许的字符（如控制字符）".to_string(),
                m => m.to_string(),
            },
        })?;
        policy.check().map_err(|(key, reason)| PolicyError {
            line: find_key_line(text, key),
            reason,
        })?;
        Ok(policy)
    }

    /// Consistency checks serde cannot express; returns the offending key and the reason.
    fn check(&self) -> Result<(), (&'static str, String)> {
        let a = &self.assessment;
        let s = &self.security;
        if self.region.counties.is_empty() {
            return Err(("counties", "至少需要一个县市区".into()));
        }
        if has_duplicates(&self.region.counties) {
            return Err(("counties", "县市区名称重复".into()));
        }
        if self.application.term_years == 0 {
            return Err(("term_years", "合作期限必须大于 0 年".into()));
        }
        if self.application.industries.is_empty() {
            return Err(("industries", "至少需要一个重点产业领域".into()));
        }
        if !(a.pass_from <= a.excellent_from && a.excellent_from <= 100) {
            return Err((
                "excellent_from",
                "等次分数线须满足 合格线 ≤ 优秀线 ≤ 100".into(),
            ));
        }
        let total: u32 = a.score_items.iter().map(|i| i.points).sum();
        if total != 100 {
            return Err((
                "score_items",
                format!("考核评分表各项分值之和须为 100 分（现为 {total} 分）"),
            ));
        }
        if a.agreement_percent_year1 > 100 || a.agreement_percent_year2 > 100 {
            return Err((
                "agreement_percent_year2",
                "协议完成比例不能超过 100%".into(),
            ));
        }
        if self.grants.provincial_fen < 0 || self.grants.municipal_fen < 0 {
            return Err(("provincial_fen", "资助金额不能为负数".into()));
        }
        if self.expenses.categories.is_empty() {
            return Err(("categories", "至少需要一个经费开支范围".into()));
        }
        if !self.award.document_number_format.contains("{seq}") {
            return Err((
                "document_number_format",
                "文号格式须包含 {seq}（序号）".into(),
            ));
        }
        if s.password_min_length < 8 {
            return Err(("password_min_length", "等保 2.0 要求密码至少 8 位".into()));
        }
        if !(1..=4).contains(&s.password_min_classes) {
            return Err(("password_min_classes", "字符类别数须在 1 到 4 之间".into()));
        }
        if s.lockout_after_failures == 0 || s.lockout_minutes == 0 || s.session_idle_minutes == 0 {
            return Err((
                "lockout_after_failures",
                "锁定次数、锁定时长与会话超时须大于 0".into(),
            ));
        }
        if s.audit_retention_months < MIN_AUDIT_RETENTION_MONTHS {
            return Err((
                "audit_retention_months",
                format!(
                    "审计日志保存期限不能少于 {MIN_AUDIT_RETENTION_MONTHS} 个月（《网络安全法》第二十一条、等保 2.0 安全审计）"
                ),
            ));
        }
        Ok(())
    }

    /// Renders the document number for the `seq`-th award of `year`.
    pub fn document_number(&self, year: i32, seq: u32) -> String {
        self.award
            .document_number_format
            .replace("{year}", &year.to_string())
            .replace("{seq}", &seq.to_string())
    }
}

fn has_duplicates(items: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    items.iter().any(|i| !seen.insert(i))
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(key) && t[key.len()..].trim_start().starts_with(['=', ']'])
                || t == format!("[[assessment.{key}]]")
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_policy_has_the_2023_yiyang_values() {
        let p = Policy::from_toml(DEFAULT_POLICY_TOML).unwrap();
        assert_eq!(p.region.counties.len(), 9);
        assert_eq!(p.quota.municipal_per_round, 5);
        assert_eq!(p.notice.min_working_days, 5);
        assert_eq!(
            p.grants.provincial_fen,
            100_000 * 100,
            "100,000 yuan in fen"
        );
        assert_eq!(p.grants.municipal_fen, 50_000 * 100, "50,000 yuan in fen");
        assert_eq!(p.assessment.pass_from, 60);
        assert_eq!(p.assessment.excellent_from, 90);
        assert_eq!(p.expenses.categories.len(), 8);
        assert_eq!(p.security.lockout_after_failures, 5);
        assert_eq!(p.document_number(2023, 12), "益人才办〔2023〕12号");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = DEFAULT_POLICY_TOML.replace("municipal_per_round = 5", "municipal_per_round = ");
        let err = Policy::from_toml(&text).unwrap_err();
        let expected = DEFAULT_POLICY_TOML
            .lines()
            .position(|l| l.starts_with("municipal_per_round"))
            .unwrap()
            + 1;
        assert_eq!(err.line, Some(expected));
    }

    #[test]
    fn a_control_character_is_refused_with_a_reason() {
        // Found by the property tests (tests/properties/policy.rs): DEL in a comment was
        // refused as "第 3 行：" with no reason at all.
        let text = DEFAULT_POLICY_TOML.replacen("#\n#", "#\n#\u{7f}", 1);
        let err = Policy::from_toml(&text).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.reason.contains("控制字符"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let text = DEFAULT_POLICY_TOML.replace("[quota]\n", "[quota]\nmunicipal_quota = 3\n");
        let err = Policy::from_toml(&text).unwrap_err();
        assert!(err.reason.contains("municipal_quota"), "{err}");
        assert!(err.line.is_some());
    }

    #[test]
    fn a_wrong_type_is_refused() {
        let text =
            DEFAULT_POLICY_TOML.replace("municipal_per_round = 5", "municipal_per_round = \"五\"");
        assert!(Policy::from_toml(&text).is_err());
    }

    #[test]
    fn score_items_must_add_up_to_100() {
        let text = DEFAULT_POLICY_TOML.replacen("points = 20", "points = 25", 1);
        let err = Policy::from_toml(&text).unwrap_err();
        assert!(err.reason.contains("105"), "{err}");
        assert!(err.to_string().starts_with("第 "), "{err}");
    }

    #[test]
    fn the_audit_log_is_kept_at_least_six_months() {
        let p = Policy::from_toml(DEFAULT_POLICY_TOML).unwrap();
        assert_eq!(p.security.audit_retention_months, 6);
        // Longer is fine; a file without the key keeps the floor.
        let text = DEFAULT_POLICY_TOML
            .replace("audit_retention_months = 6", "audit_retention_months = 36");
        assert_eq!(
            Policy::from_toml(&text)
                .unwrap()
                .security
                .audit_retention_months,
            36
        );
        let text = DEFAULT_POLICY_TOML.replace("audit_retention_months = 6", "");
        assert_eq!(
            Policy::from_toml(&text)
                .unwrap()
                .security
                .audit_retention_months,
            6
        );
        for short in [0, 1, 5] {
            let text = DEFAULT_POLICY_TOML.replace(
                "audit_retention_months = 6",
                &format!("audit_retention_months = {short}"),
            );
            let err = Policy::from_toml(&text).unwrap_err();
            assert!(err.reason.contains("不能少于 6 个月"), "{err}");
            assert!(err.reason.contains("网络安全法"), "{err}");
            let line = text
                .lines()
                .position(|l| l.starts_with("audit_retention_months"))
                .unwrap()
                + 1;
            assert_eq!(err.line, Some(line), "{err}");
        }
    }

    #[test]
    fn thresholds_must_be_ordered() {
        let text = DEFAULT_POLICY_TOML.replace("pass_from = 60", "pass_from = 95");
        let err = Policy::from_toml(&text).unwrap_err();
        assert!(err.reason.contains("合格线"));
    }
}
