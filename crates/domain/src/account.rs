//! Accounts: roles (SPEC §1), usernames, and the 等保 2.0 rules for passwords, sign-in lock-out
//! and session idling. The numbers come from [`SecurityPolicy`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::clock::format_local;
use crate::policy::SecurityPolicy;

/// The roles of SPEC §1; a user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 建站单位
    HostUnit,
    /// 学会
    Society,
    /// 县市区科协
    CountyCast,
    /// 县市区委人才办
    CountyTalent,
    /// 市科协
    CityCast,
    /// 市委人才工作领导小组办公室
    TalentOffice,
    /// 财政、审计、纪检监察 (第十八条)
    Supervisor,
    /// 系统管理员
    Admin,
}

/// Which organisation a role belongs to (SPEC §5.2, linking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affiliation {
    Unit,
    Society,
    County,
    City,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::HostUnit,
        Role::Society,
        Role::CountyCast,
        Role::CountyTalent,
        Role::CityCast,
        Role::TalentOffice,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::HostUnit => "host_unit",
            Role::Society => "society",
            Role::CountyCast => "county_cast",
            Role::CountyTalent => "county_talent",
            Role::CityCast => "city_cast",
            Role::TalentOffice => "talent_office",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, DomainError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::invalid("role", format!("未知角色“{s}”")))
    }

    /// The role's name as people say it.
    pub fn label(self) -> &'static str {
        match self {
            Role::HostUnit => "建站单位",
            Role::Society => "学会",
            Role::CountyCast => "县市区科协",
            Role::CountyTalent => "县市区委人才办",
            Role::CityCast => "市科协",
            Role::TalentOffice => "市委人才办",
            Role::Supervisor => "监督（财政、审计、纪检监察）",
            Role::Admin => "系统管理员",
        }
    }

    pub fn affiliation(self) -> Affiliation {
        match self {
            Role::HostUnit => Affiliation::Unit,
            Role::Society => Affiliation::Society,
            Role::CountyCast | Role::CountyTalent => Affiliation::County,
            Role::CityCast | Role::TalentOffice | Role::Supervisor | Role::Admin => {
                Affiliation::City
            }
        }
    }

    /// City-level roles and supervisors see every submitted record (SPEC §1).
    pub fn sees_whole_city(self) -> bool {
        matches!(self, Role::CityCast | Role::TalentOffice | Role::Supervisor)
    }

    /// Who may read the fund overview: the city roles and supervisors (every station), the
    /// county offices (their county's stations).
    pub fn may_read_funds(self) -> bool {
        self.sees_whole_city() || matches!(self, Role::CountyCast | Role::CountyTalent)
    }

    /// Who may read the audit log: the administrator and the supervisors (第十八条).
    pub fn may_read_audit_log(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }
}

/// A sign-in name: 3–32 characters of letters, digits, `_`, `-` and `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, DomainError> {
        let s = s.trim();
        let ok_len = (3..=32).contains(&s.chars().count());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok_len && ok_chars {
            Ok(Username(s.to_string()))
        } else {
            Err(DomainError::invalid(
                "username",
                "用户名须为 3–32 位字母、数字或 _ - .",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1–50 characters, not blank.
pub fn parse_display_name(s: &str) -> Result<String, DomainError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 50 {
        Err(DomainError::invalid("display_name", "姓名须为 1–50 个字符"))
    } else {
        Ok(s.to_string())
    }
}

/// An account's e-mail address (optional: blank is `None`). The unit and society forms' rule
/// ([`crate::organisation::FieldCheck::email`]), and plain ASCII only, as every mail server
/// takes it: letters, digits and `.!#$%&'*+/=?^_`{|}~-` before the `@`, a domain of letters,
/// digits, `-` and dots after it.
pub fn parse_email(s: &str) -> Result<Option<String>, DomainError> {
    let mut check = crate::organisation::FieldCheck::new();
    let v = check.email("email", s, false);
    if v.is_empty() && check.is_ok() {
        return Ok(None);
    }
    let plain = v.split_once('@').is_some_and(|(local, domain)| {
        local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    });
    if check.is_ok() && plain {
        Ok(Some(v))
    } else {
        Err(DomainError::invalid("email", "电子邮件格式不正确"))
    }
}

/// A password that meets the complexity rule (等保 2.0): at least `password_min_length`
/// characters mixing at least `password_min_classes` of upper case, lower case, digits, symbols.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(s: &str, policy: &SecurityPolicy) -> Result<NewPassword, DomainError> {
        let len = s.chars().count();
        let min_len = policy.password_min_length as usize;
        if len < min_len {
            return Err(DomainError::WeakPassword(format!(
                "至少 {min_len} 位（现为 {len} 位）"
            )));
        }
        if len > 128 {
            return Err(DomainError::WeakPassword("不能超过 128 位".into()));
        }
        if s.chars().any(char::is_control) {
            return Err(DomainError::WeakPassword("不能包含控制字符".into()));
        }
        let classes = [
            s.chars().any(|c| c.is_ascii_uppercase()),
            s.chars().any(|c| c.is_ascii_lowercase()),
            s.chars().any(|c| c.is_ascii_digit()),
            s.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let need = policy.password_min_classes as usize;
        if classes < need {
            return Err(DomainError::WeakPassword(format!(
                "须包含大写字母、小写字母、数字、符号中的至少 {need} 类（现为 {classes} 类）"
            )));
        }
        Ok(NewPassword(s.to_string()))
    }

    /// Hashes with argon2id and a fresh salt (PHC string).
    pub fn hash(&self) -> String {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            // Hashing only fails for out-of-range parameters, which the defaults are not.
            .unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a password against a stored argon2 PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(phc)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The sign-in counters of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignInRecord {
    /// Wrong passwords in a row since the last success or lock-out.
    pub failed_in_row: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// The outcome of a sign-in attempt, with the counters to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInOutcome {
    pub record: SignInRecord,
    pub result: Result<(), DomainError>,
}

impl SignInRecord {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }

    /// Applies one attempt: while locked every attempt is refused (429) whatever the password;
    /// the `lockout_after_failures`-th wrong password in a row answers "wrong" and locks the
    /// account for `lockout_minutes` (等保 2.0 登录失败处理).
    pub fn attempt(
        self,
        password_ok: bool,
        now: DateTime<Utc>,
        policy: &SecurityPolicy,
    ) -> SignInOutcome {
        if let Some(until) = self.locked_until.filter(|t| *t > now) {
            return SignInOutcome {
                record: self,
                result: Err(DomainError::AccountLocked {
                    failures: policy.lockout_after_failures,
                    until: format_local(until),
                }),
            };
        }
        if password_ok {
            return SignInOutcome {
                record: SignInRecord::default(),
                result: Ok(()),
            };
        }
        let failed = self.failed_in_row + 1;
        let record = if failed >= policy.lockout_after_failures {
            SignInRecord {
                failed_in_row: 0,
                locked_until: Some(now + Duration::minutes(policy.lockout_minutes.into())),
            }
        } else {
            SignInRecord {
                failed_in_row: failed,
                locked_until: None,
            }
        };
        SignInOutcome {
            record,
            result: Err(DomainError::WrongCredentials),
        }
    }
}

/// A session ends after `session_idle_minutes` without a request (等保 2.0 会话超时).
pub fn session_idle_expired(
    last_seen: DateTime<Utc>,
    now: DateTime<Utc>,
    policy: &SecurityPolicy,
) -> bool {
    now - last_seen > Duration::minutes(policy.session_idle_minutes.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn sec() -> SecurityPolicy {
        Policy::default().security
    }

    #[test]
    fn an_email_address_is_optional_and_plain() {
        assert_eq!(parse_email("  "), Ok(None));
        assert_eq!(
            parse_email(" li.si+gz@example.com.cn "),
            Ok(Some("li.si+gz@example.com.cn".into()))
        );
        for bad in [
            "li",
            "li@example",
            "li@@example.cn",
            "li si@example.cn",
            "李四@example.cn",
            "li@例子.cn",
            "<li>@example.cn",
            "li@-x.cn",
            "li@x..cn",
            ".li@x.cn",
            "li\r\nBcc: x@y.cn@example.cn",
        ] {
            let e = parse_email(bad).unwrap_err();
            assert_eq!(e.field(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_and_three_classes() {
        let p = sec();
        assert!(NewPassword::parse("Abc12!", &p).is_err(), "too short");
        assert!(NewPassword::parse("abcdefgh1", &p).is_err(), "two classes");
        assert!(NewPassword::parse("Abcdefgh1", &p).is_ok());
        assert!(NewPassword::parse("abcdefg1!", &p).is_ok());
        assert!(NewPassword::parse("ABCDEFG1!", &p).is_ok());
        let err = NewPassword::parse("password", &p).unwrap_err();
        assert_eq!(err.code(), "weak_password");
    }

    #[test]
    fn hashing_round_trips() {
        let pw = NewPassword::parse("Yiyang#2023", &sec()).unwrap();
        let h = pw.hash();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Yiyang#2023", &h));
        assert!(!verify_password("Yiyang#2024", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_fifth_wrong_password_locks_for_fifteen_minutes() {
        let p = sec();
        let now = Utc::now();
        let mut r = SignInRecord::default();
        for i in 1..=4 {
            let o = r.attempt(false, now, &p);
            assert_eq!(o.result, Err(DomainError::WrongCredentials));
            assert_eq!(o.record.failed_in_row, i);
            r = o.record;
        }
        let o = r.attempt(false, now, &p);
        assert_eq!(
            o.result,
            Err(DomainError::WrongCredentials),
            "the 5th still says wrong"
        );
        assert!(o.record.is_locked(now));
        let r = o.record;
        // Locked: even the right password is refused.
        let o = r.attempt(true, now + Duration::minutes(14), &p);
        assert_eq!(o.result.unwrap_err().code(), "account_locked");
        // After 15 minutes the right password works and the counters reset.
        let o = r.attempt(true, now + Duration::minutes(15) + Duration::seconds(1), &p);
        assert_eq!(o.result, Ok(()));
        assert_eq!(o.record, SignInRecord::default());
    }

    #[test]
    fn a_success_resets_the_count() {
        let p = sec();
        let now = Utc::now();
        let r = SignInRecord {
            failed_in_row: 4,
            locked_until: None,
        };
        assert_eq!(r.attempt(true, now, &p).record.failed_in_row, 0);
    }

    #[test]
    fn sessions_idle_out_after_thirty_minutes() {
        let p = sec();
        let t = Utc::now();
        assert!(!session_idle_expired(t, t + Duration::minutes(30), &p));
        assert!(session_idle_expired(t, t + Duration::minutes(31), &p));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("zy-host.1").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("a b c").is_err());
    }
}
