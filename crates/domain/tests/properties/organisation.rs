//! The unified social credit code (GB 32100-2015) and the unit, society and expert forms.

use proptest::prelude::*;
use stationhub_domain::application::{Level, UnitNature};
use stationhub_domain::organisation::{
    CreditCode, ExpertInput, FieldCheck, SocietyInput, UnitInput,
};

use crate::common::{any_text, fields_of, filled, mobile, refuses_field};

/// GB 32100-2015: 31 characters (no I, O, Z, S, V); the weight of position i is 3^i mod 31;
/// the check character makes the weighted sum a multiple of 31.
const GB32100: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn gb32100_check(first17: &str) -> char {
    let mut w = 1u32;
    let mut sum = 0u32;
    for c in first17.chars() {
        sum += GB32100.find(c).unwrap() as u32 * w;
        w = w * 3 % 31;
    }
    GB32100
        .chars()
        .nth(((31 - sum % 31) % 31) as usize)
        .unwrap()
}

fn gb32100_valid(s: &str) -> bool {
    let t = s.trim().to_ascii_uppercase();
    let chars: Vec<char> = t.chars().collect();
    chars.len() == 18
        && chars.iter().all(|c| GB32100.contains(*c))
        && gb32100_check(&t[..17]) == chars[17]
}

fn first17() -> impl Strategy<Value = String> {
    "[0-9ABCDEFGHJKLMNPQRTUWXY]{17}"
}

fn valid_code() -> impl Strategy<Value = String> {
    first17().prop_map(|f| format!("{f}{}", gb32100_check(&f)))
}

fn unit() -> impl Strategy<Value = UnitInput> {
    (
        filled(100),
        valid_code(),
        0..7usize,
        filled(30),
        filled(30),
        filled(200),
        "[0-9]{6}",
        filled(30),
        prop_oneof![Just(String::new()), "0737-[0-9]{7}", "\\(0737\\) [0-9]{8}"],
        mobile(),
        "[a-z0-9]{1,10}@[a-z0-9]{1,8}\\.(cn|com|org\\.cn)",
        any::<(bool, bool, bool)>(),
    )
        .prop_map(
            |(name, code, n, county, legal_rep, address, postcode, contact, phone, m, email, b)| {
                UnitInput {
                    name,
                    credit_code: code,
                    nature: UnitNature::ALL[n].label().into(),
                    county,
                    legal_rep,
                    address,
                    postcode,
                    contact_name: contact,
                    contact_phone: phone,
                    contact_mobile: m,
                    fax: String::new(),
                    email,
                    qq_wechat: String::new(),
                    registered_in_yiyang: b.0,
                    independent_legal_person: b.1,
                    has_funded_expert_workstation: b.2,
                }
            },
        )
}

fn society() -> impl Strategy<Value = SocietyInput> {
    (
        filled(100),
        prop_oneof![
            Just("national"),
            Just("provincial"),
            Just("municipal"),
            Just("国家级"),
            Just("省级"),
            Just("市级")
        ],
        (filled(30), filled(30), mobile()),
        (filled(200), "[0-9]{6}"),
        (filled(30), filled(30), mobile()),
        "[a-z0-9]{1,10}@[a-z0-9]{1,8}\\.cn",
        "\\PC{0,200}",
    )
        .prop_map(
            |(name, level, rep, addr, contact, email, description)| SocietyInput {
                name,
                level: level.into(),
                legal_rep: rep.0,
                legal_rep_title: rep.1,
                legal_rep_mobile: rep.2,
                address: addr.0,
                postcode: addr.1,
                contact_name: contact.0,
                contact_title: contact.1,
                contact_mobile: contact.2,
                phone_fax: String::new(),
                qq: String::new(),
                email,
                wechat: String::new(),
                description,
            },
        )
}

proptest! {
    #[test]
    fn a_completed_code_is_valid_in_any_case(f in first17(), lower in any::<bool>()) {
        let c = CreditCode::complete(&f).unwrap();
        prop_assert_eq!(c.as_str().len(), 18);
        prop_assert_eq!(c.as_str().chars().last().unwrap(), gb32100_check(&f));
        let typed = if lower { c.as_str().to_ascii_lowercase() } else { c.as_str().to_string() };
        let parsed = CreditCode::parse(&format!(" {typed} ")).unwrap();
        prop_assert_eq!(parsed.as_str(), c.as_str(), "upper case, trimmed");
        prop_assert_eq!(CreditCode::parse(parsed.as_str()).unwrap(), parsed);
    }

    #[test]
    fn any_other_check_character_is_refused(f in first17(), k in 0..31usize) {
        let right = gb32100_check(&f);
        let other = GB32100.chars().nth(k).unwrap();
        prop_assume!(other != right);
        let e = CreditCode::parse(&format!("{f}{other}")).unwrap_err();
        refuses_field(&e, "credit_code")?;
        prop_assert!(e.to_string().contains("校验位"), "{}", e);
    }

    #[test]
    fn credit_codes_are_exactly_gb32100(
        s in prop_oneof![any_text(), "[0-9A-Za-z]{16,19}", valid_code(), "[IOZSV0-9]{18}"],
    ) {
        match CreditCode::parse(&s) {
            Ok(c) => {
                prop_assert!(gb32100_valid(&s), "{s:?} accepted");
                prop_assert_eq!(c.as_str(), s.trim().to_ascii_uppercase());
            }
            Err(e) => {
                prop_assert!(!gb32100_valid(&s), "{s:?} refused: {e}");
                refuses_field(&e, "credit_code")?;
                prop_assert!(e.to_string().contains("统一社会信用代码"));
            }
        }
    }

    #[test]
    fn field_checks_are_exactly_their_rules(v in prop_oneof![
        any_text(), mobile(), "[0-9]{5,7}", "[0-9 ()+/、-]{5,32}", "[a-z@.]{1,12}", "1[0-9]{10}"
    ]) {
        let t = v.trim();
        let mut c = FieldCheck::new();
        prop_assert_eq!(c.mobile("m", "手机", &v), t);
        let mobile_ok = t.len() == 11
            && t.bytes().all(|b| b.is_ascii_digit())
            && t.starts_with('1')
            && (b'3'..=b'9').contains(&t.as_bytes()[1]);
        prop_assert_eq!(c.is_ok(), mobile_ok, "mobile {:?}", v);

        let mut c = FieldCheck::new();
        c.postcode("p", &v);
        prop_assert_eq!(c.is_ok(), t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()), "postcode {:?}", v);

        let mut c = FieldCheck::new();
        c.phone("f", "电话", &v);
        let phone_ok = t.is_empty()
            || (t.len() <= 30
                && t.chars().filter(char::is_ascii_digit).count() >= 7
                && t.chars().all(|ch| ch.is_ascii_digit() || " -()+/、".contains(ch)));
        prop_assert_eq!(c.is_ok(), phone_ok, "phone {:?}", v);

        let mut c = FieldCheck::new();
        c.text("t", "名称", &v, 10);
        prop_assert_eq!(c.is_ok(), !t.is_empty() && t.chars().count() <= 10, "text {:?}", v);

        let mut c = FieldCheck::new();
        c.optional("o", "备注", &v, 10);
        prop_assert_eq!(c.is_ok(), t.chars().count() <= 10, "optional {:?}", v);

        let mut c = FieldCheck::new();
        c.email("e", &v, true);
        if c.is_ok() {
            let (local, domain) = t.split_once('@').unwrap();
            prop_assert!(!local.is_empty() && domain.contains('.') && !domain.contains('@'));
            prop_assert!(!t.chars().any(char::is_whitespace) && t.len() <= 100);
        } else {
            prop_assert!(c.finish().unwrap_err().to_string().contains("电子邮件"));
        }
    }

    #[test]
    fn a_well_formed_unit_is_accepted(u in unit()) {
        let p = u.clone().parse().unwrap();
        prop_assert_eq!(p.name, u.name.trim());
        prop_assert_eq!(p.credit_code, u.credit_code.to_ascii_uppercase());
        prop_assert_eq!(p.nature.label(), u.nature);
        prop_assert_eq!(p.registered_in_yiyang, u.registered_in_yiyang);
    }

    /// One field spoiled: the refusal names that field, and only it.
    #[test]
    fn a_spoiled_unit_field_is_named(u in unit(), which in 0..7usize, junk in "[a-z]{1,3}") {
        let mut u = u;
        let field = match which {
            0 => { u.name = " ".into(); "name" }
            1 => { u.credit_code.push_str(&junk); "credit_code" }
            2 => { u.nature = format!("{junk}科协"); "nature" }
            3 => { u.postcode = junk.clone(); "postcode" }
            4 => { u.contact_mobile = format!("2{}", &u.contact_mobile[1..]); "contact_mobile" }
            5 => { u.email = junk.clone(); "email" }
            _ => { u.address = "址".repeat(201); "address" }
        };
        let e = u.parse().unwrap_err();
        prop_assert_eq!(fields_of(&e), vec![field.to_string()]);
        refuses_field(&e, field)?;
    }

    #[test]
    fn unit_society_and_expert_forms_never_panic(
        a in any_text(), b in any_text(), c in any_text(), flags in any::<(bool, bool)>(),
    ) {
        let u = UnitInput {
            name: a.clone(), credit_code: b.clone(), nature: c.clone(), county: a.clone(),
            legal_rep: b.clone(), address: c.clone(), postcode: a.clone(), contact_name: b.clone(),
            contact_phone: c.clone(), contact_mobile: a.clone(), fax: b.clone(), email: c.clone(),
            qq_wechat: a.clone(), registered_in_yiyang: flags.0, independent_legal_person: flags.1,
            has_funded_expert_workstation: false,
        };
        if let Err(e) = u.parse() {
            prop_assert!(!fields_of(&e).is_empty());
        }
        let s = SocietyInput {
            name: a.clone(), level: b.clone(), legal_rep: c.clone(), legal_rep_title: a.clone(),
            legal_rep_mobile: b.clone(), address: c.clone(), postcode: a.clone(),
            contact_name: b.clone(), contact_title: c.clone(), contact_mobile: a.clone(),
            phone_fax: b.clone(), qq: c.clone(), email: a.clone(), wechat: b.clone(),
            description: c.clone(),
        };
        if let Err(e) = s.parse() {
            prop_assert!(!fields_of(&e).is_empty());
        }
        let x = ExpertInput { name: a.clone(), title: b.clone(), specialty: c.clone(), employer: a, mobile: b };
        if let Err(e) = x.parse() {
            prop_assert!(!fields_of(&e).is_empty());
        }
    }

    #[test]
    fn a_well_formed_society_is_accepted_at_its_level(s in society()) {
        let p = s.clone().parse().unwrap();
        let level = Level::parse(&s.level).unwrap();
        prop_assert_eq!(p.level, level);
        prop_assert_eq!(p.name, s.name.trim());
    }

    #[test]
    fn a_society_level_other_than_the_three_is_refused(s in society(), level in any_text()) {
        prop_assume!(Level::parse(level.trim()).is_err());
        let e = SocietyInput { level, ..s }.parse().unwrap_err();
        prop_assert_eq!(fields_of(&e), vec!["level".to_string()]);
    }

    #[test]
    fn experts_need_every_field_and_a_mobile(
        x in (filled(30), filled(50), filled(100), filled(100), mobile()),
        spoil in 0..6usize,
    ) {
        let mut e = ExpertInput { name: x.0, title: x.1, specialty: x.2, employer: x.3, mobile: x.4 };
        prop_assert_eq!(e.clone().parse().unwrap(), e.clone());
        let field = match spoil {
            0 => { e.name.clear(); "name" }
            1 => { e.title = " ".into(); "title" }
            2 => { e.specialty.clear(); "specialty" }
            3 => { e.employer = "位".repeat(101); "employer" }
            4 => { e.mobile.pop(); "mobile" }
            _ => { e.name = "名".repeat(31); "name" }
        };
        let err = e.parse().unwrap_err();
        prop_assert_eq!(fields_of(&err), vec![field.to_string()]);
    }
}
