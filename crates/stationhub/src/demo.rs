//! The demo city: what `stationhub demo` puts in an empty database so that a newcomer can sign
//! in as each role at once. Running it again changes nothing.

use anyhow::Result;
use stationhub_domain::account::{NewPassword, Role, Username};
use stationhub_domain::organisation::CreditCode;
use stationhub_domain::organisation::{SocietyInput, UnitInput};
use stationhub_domain::policy::Policy;
use stationhub_storage::accounts::NewUser;
use stationhub_storage::{Actor, Store};

/// The one password of every demo account (printed; never use it outside a demo).
pub const DEMO_PASSWORD: &str = "Demo#2023yy";

struct DemoAccount {
    username: &'static str,
    display_name: &'static str,
    role: Role,
    county: Option<&'static str>,
}

const ACCOUNTS: [DemoAccount; 8] = [
    DemoAccount {
        username: "admin",
        display_name: "系统管理员",
        role: Role::Admin,
        county: None,
    },
    DemoAccount {
        username: "host",
        display_name: "刘建国",
        role: Role::HostUnit,
        county: None,
    },
    DemoAccount {
        username: "society",
        display_name: "王慧敏",
        role: Role::Society,
        county: None,
    },
    DemoAccount {
        username: "zy-cast",
        display_name: "陈志刚",
        role: Role::CountyCast,
        county: Some("资阳区"),
    },
    DemoAccount {
        username: "zy-talent",
        display_name: "李春华",
        role: Role::CountyTalent,
        county: Some("资阳区"),
    },
    DemoAccount {
        username: "city-cast",
        display_name: "周文彬",
        role: Role::CityCast,
        county: None,
    },
    DemoAccount {
        username: "talent",
        display_name: "黄晓峰",
        role: Role::TalentOffice,
        county: None,
    },
    DemoAccount {
        username: "auditor",
        display_name: "谭丽娟",
        role: Role::Supervisor,
        county: None,
    },
];

pub async fn populate(store: &Store) -> Result<()> {
    let actor = Actor::system("demo");
    let policy = Policy::default();
    if store.user_by_username("admin").await?.is_none() {
        let unit = store
            .create_unit(
                &actor,
                UnitInput {
                    name: "益阳智能装备有限公司科学技术协会".into(),
                    credit_code: CreditCode::complete("91430900MA4L8K2P3")
                        .map(|c| c.as_str().to_string())
                        .unwrap_or_default(),
                    nature: "企业科协".into(),
                    county: "资阳区".into(),
                    legal_rep: "刘建国".into(),
                    address: "益阳市资阳区长春经济开发区创业路 8 号".into(),
                    postcode: "413001".into(),
                    contact_name: "刘建国".into(),
                    contact_phone: "0737-4200188".into(),
                    contact_mobile: "13807370001".into(),
                    fax: "0737-4200189".into(),
                    email: "kx@yyzn.example.cn".into(),
                    qq_wechat: "yyzn-kx".into(),
                    registered_in_yiyang: true,
                    independent_legal_person: true,
                    has_funded_expert_workstation: false,
                }
                .parse()?,
            )
            .await?;
        let society = store
            .create_society(
                &actor,
                SocietyInput {
                    name: "湖南省机械工程学会".into(),
                    level: "provincial".into(),
                    legal_rep: "王慧敏".into(),
                    legal_rep_title: "理事长".into(),
                    legal_rep_mobile: "13907310002".into(),
                    address: "长沙市岳麓区麓山南路 932 号".into(),
                    postcode: "410083".into(),
                    contact_name: "赵磊".into(),
                    contact_title: "秘书长".into(),
                    contact_mobile: "13907310003".into(),
                    phone_fax: "0731-88870000".into(),
                    qq: "88870000".into(),
                    email: "office@hnmes.example.cn".into(),
                    wechat: "hnmes".into(),
                    description: "省级学会，长期服务装备制造产业，开展技术咨询、攻关与培训。"
                        .into(),
                }
                .parse()?,
            )
            .await?;
        for a in &ACCOUNTS {
            let new = NewUser {
                username: Username::parse(a.username)?,
                display_name: a.display_name.to_string(),
                role: a.role,
                password: NewPassword::parse(DEMO_PASSWORD, &policy.security)?,
                must_change_password: false,
                unit_id: (a.role == Role::HostUnit).then_some(unit),
                society_id: (a.role == Role::Society).then_some(society),
                county: a.county.map(str::to_string),
                office_id: None,
                email: None,
            };
            store.create_user(&actor, new).await?;
        }
    }
    println!(
        "演示数据已就绪（demo city ready）。Demo accounts, all with password {DEMO_PASSWORD}:"
    );
    for a in &ACCOUNTS {
        println!(
            "  {:<10} {}{}",
            a.username,
            a.role.label(),
            a.county.map(|c| format!("（{c}）")).unwrap_or_default()
        );
    }
    Ok(())
}
