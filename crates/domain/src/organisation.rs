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
    fn a_unit_profile_reports_every_bad_field() {
        let input = UnitInput {
            name: "益阳某公司科协".into(),
            credit_code: "91350100M000100Y44".into(),
            nature: "企业科协".into(),
            county: "资阳区".into(),
            legal_rep: "张三".into(),
            address: "益阳市".into(),
            postcode: "4130".into(),
            contact_name: "李四".into(),
            contact_mobile: "1380000000".into(),
            email: "not-an-email".into(),
            ..Default::default()
        };
        let fields: Vec<String> = input
            .parse()
            .unwrap_err()
            .field_errors()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            ["credit_code", "postcode", "contact_mobile", "email"]
        );
    }

    #[test]
    fn a_good_unit_profile_parses() {
        let input = UnitInput {
            name: "益阳某公司科协".into(),
            credit_code: "91350100M000100Y43".into(),
            nature: "高校科协".into(),
            county: "赫山区".into(),
            legal_rep: "张三".into(),
            address: "益阳市".into(),
            postcode: "413000".into(),
            contact_name: "李四".into(),
            contact_phone: "0737-4200188".into(),
            contact_mobile: "13800000000".into(),
            email: "a@b.cn".into(),
            ..Default::default()
        };
        let p = input.parse().unwrap();
        assert_eq!(p.nature, crate::application::UnitNature::UniversityCast);
    }

    #[test]
    fn completing_gives_a_valid_code() {
        let c = CreditCode::complete("12430900MB1234567").unwrap();
        assert!(CreditCode::parse(c.as_str()).is_ok());
    }
}

/// A host unit's profile as typed (the unit block of the form, SPEC §2, §5.1 names).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct UnitInput {
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub county: String,
    pub legal_rep: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_mobile: String,
    pub fax: String,
    pub email: String,
    pub qq_wechat: String,
    pub registered_in_yiyang: bool,
    pub independent_legal_person: bool,
    pub has_funded_expert_workstation: bool,
}

/// A well-formed unit profile: the input with every field checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitProfile {
    pub name: String,
    pub credit_code: String,
    pub nature: crate::application::UnitNature,
    pub county: String,
    pub legal_rep: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_mobile: String,
    pub fax: String,
    pub email: String,
    pub qq_wechat: String,
    pub registered_in_yiyang: bool,
    pub independent_legal_person: bool,
    pub has_funded_expert_workstation: bool,
}

impl UnitInput {
    pub fn parse(self) -> Result<UnitProfile, DomainError> {
        let mut c = FieldCheck::new();
        let nature = crate::application::UnitNature::parse(&self.nature);
        if let Err(e) = &nature {
            c.add("nature", e.to_string().replace("nature：", ""));
        }
        let profile = UnitProfile {
            name: c.text("name", "单位名称", &self.name, 100),
            credit_code: c.credit_code(&self.credit_code),
            nature: nature.unwrap_or(crate::application::UnitNature::EnterpriseCast),
            county: c.text("county", "所在县市区", &self.county, 30),
            legal_rep: c.text("legal_rep", "法人代表", &self.legal_rep, 30),
            address: c.text("address", "通讯地址", &self.address, 200),
            postcode: c.postcode("postcode", &self.postcode),
            contact_name: c.text("contact_name", "联系人姓名", &self.contact_name, 30),
            contact_phone: c.phone("contact_phone", "联系电话", &self.contact_phone),
            contact_mobile: c.mobile("contact_mobile", "联系人手机", &self.contact_mobile),
            fax: c.phone("fax", "传真", &self.fax),
            email: c.email("email", &self.email, true),
            qq_wechat: c.optional("qq_wechat", "QQ/微信", &self.qq_wechat, 50),
            registered_in_yiyang: self.registered_in_yiyang,
            independent_legal_person: self.independent_legal_person,
            has_funded_expert_workstation: self.has_funded_expert_workstation,
        };
        c.finish()?;
        Ok(profile)
    }
}

/// A society's profile as typed (the society block of the form).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct SocietyInput {
    pub name: String,
    pub level: String,
    pub legal_rep: String,
    pub legal_rep_title: String,
    pub legal_rep_mobile: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_mobile: String,
    pub phone_fax: String,
    pub qq: String,
    pub email: String,
    pub wechat: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SocietyProfile {
    pub name: String,
    pub level: crate::application::Level,
    pub legal_rep: String,
    pub legal_rep_title: String,
    pub legal_rep_mobile: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_mobile: String,
    pub phone_fax: String,
    pub qq: String,
    pub email: String,
    pub wechat: String,
    pub description: String,
}

impl SocietyInput {
    pub fn parse(self) -> Result<SocietyProfile, DomainError> {
        let mut c = FieldCheck::new();
        let level = crate::application::Level::parse(self.level.trim());
        if level.is_err() {
            c.add(
                "level",
                "学会级别须为 国家级（national）、省级（provincial）或 市级（municipal）",
            );
        }
        let profile = SocietyProfile {
            name: c.text("name", "学会名称", &self.name, 100),
            level: level.unwrap_or(crate::application::Level::Municipal),
            legal_rep: c.text("legal_rep", "法人代表", &self.legal_rep, 30),
            legal_rep_title: c.text("legal_rep_title", "法人代表职务", &self.legal_rep_title, 30),
            legal_rep_mobile: c.mobile("legal_rep_mobile", "法人代表手机", &self.legal_rep_mobile),
            address: c.text("address", "通讯地址", &self.address, 200),
            postcode: c.postcode("postcode", &self.postcode),
            contact_name: c.text("contact_name", "联系人", &self.contact_name, 30),
            contact_title: c.text("contact_title", "联系人职务", &self.contact_title, 30),
            contact_mobile: c.mobile("contact_mobile", "联系人手机", &self.contact_mobile),
            phone_fax: c.phone("phone_fax", "电话传真", &self.phone_fax),
            qq: c.optional("qq", "QQ", &self.qq, 30),
            email: c.email("email", &self.email, true),
            wechat: c.optional("wechat", "微信", &self.wechat, 50),
            description: c.optional("description", "学会简介", &self.description, 5000),
        };
        c.finish()?;
        Ok(profile)
    }
}

/// An expert of a society's roster.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ExpertInput {
    pub name: String,
    pub title: String,
    pub specialty: String,
    pub employer: String,
    pub mobile: String,
}

impl ExpertInput {
    pub fn parse(self) -> Result<ExpertInput, DomainError> {
        let mut c = FieldCheck::new();
        let e = ExpertInput {
            name: c.text("name", "专家姓名", &self.name, 30),
            title: c.text("title", "职称", &self.title, 50),
            specialty: c.text("specialty", "专业", &self.specialty, 100),
            employer: c.text("employer", "工作单位", &self.employer, 100),
            mobile: c.mobile("mobile", "手机", &self.mobile),
        };
        c.finish()?;
        Ok(e)
    }
}

/// Collects every bad field of a form at once, so that the page can show each message beside
/// its field and the applicant can fix them all in one pass.
#[derive(Debug, Default)]
pub struct FieldCheck {
    errors: Vec<crate::error::FieldError>,
}

impl FieldCheck {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(crate::error::FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Required text of 1..=max characters (trimmed).
    pub fn text(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, format!("请填写{label}"));
        } else if v.chars().count() > max {
            self.add(field, format!("{label}不能超过 {max} 个字"));
        }
        v.to_string()
    }

    /// Optional text of at most max characters.
    pub fn optional(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.chars().count() > max {
            self.add(field, format!("{label}不能超过 {max} 个字"));
        }
        v.to_string()
    }

    /// 手机: 11 digits beginning with 1[3-9].
    pub fn mobile(&mut self, field: &str, label: &str, value: &str) -> String {
        let v = value.trim();
        let ok = v.len() == 11
            && v.starts_with('1')
            && v.as_bytes()[1].is_ascii_digit()
            && (b'3'..=b'9').contains(&v.as_bytes()[1])
            && v.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            self.add(field, format!("{label}须为 11 位手机号码"));
        }
        v.to_string()
    }

    /// 邮编: 6 digits.
    pub fn postcode(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if !(v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit())) {
            self.add(field, "邮编须为 6 位数字");
        }
        v.to_string()
    }

    /// 电子邮件: one @, a dot in the domain, no spaces.
    pub fn email(&mut self, field: &str, value: &str, required: bool) -> String {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.add(field, "请填写电子邮件");
            }
            return String::new();
        }
        let ok = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !v.chars().any(char::is_whitespace)
                    && v.len() <= 100
            }
            None => false,
        };
        if !ok {
            self.add(field, "电子邮件格式不正确");
        }
        v.to_string()
    }

    /// 电话 / 传真 (optional): digits, spaces, dashes, parentheses and '+'.
    pub fn phone(&mut self, field: &str, label: &str, value: &str) -> String {
        let v = value.trim();
        let well_formed = v.len() <= 30
            && v.chars().filter(|c| c.is_ascii_digit()).count() >= 7
            && v.chars()
                .all(|c| c.is_ascii_digit() || " -()+/、".contains(c));
        if !v.is_empty() && !well_formed {
            self.add(field, format!("{label}格式不正确"));
        }
        v.to_string()
    }

    pub fn credit_code(&mut self, value: &str) -> String {
        match CreditCode::parse(value) {
            Ok(c) => c.as_str().to_string(),
            Err(e) => {
                self.add("credit_code", e.to_string().replace("credit_code：", ""));
                value.trim().to_string()
            }
        }
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Fields(self.errors))
        }
    }
}
