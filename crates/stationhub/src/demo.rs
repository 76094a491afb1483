//! The demo city: what `stationhub demo` puts in an empty database so that a newcomer can sign
//! in as each role at once. Running it again changes nothing.

use anyhow::Result;
use chrono::{Datelike, Duration};
use stationhub_domain::account::{NewPassword, Role, Username};
use stationhub_domain::application::{DraftInput, Staff, parse_draft};
use stationhub_domain::clock::Clock;
use stationhub_domain::organisation::CreditCode;
use stationhub_domain::organisation::ExpertInput;
use stationhub_domain::organisation::{SocietyInput, UnitInput};
use stationhub_domain::policy::Policy;
use stationhub_domain::round::RoundInput;
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

/// An open round, the society's experts, and the host unit's draft application, so that a
/// newcomer can finish and submit it and then review it as each officer.
async fn open_round_with_a_draft(
    store: &Store,
    actor: &Actor,
    society: i64,
    unit: i64,
) -> Result<()> {
    let today = Clock::from_env().map_err(anyhow::Error::msg)?.today();
    let policy = Policy::default();
    store
        .create_round(
            actor,
            RoundInput {
                name: format!("{}年学会服务站申报", today.year()),
                opens_on: (today - Duration::days(20)).to_string(),
                closes_on: (today + Duration::days(70)).to_string(),
                ..Default::default()
            }
            .parse(&policy)?,
        )
        .await?;
    let round = store
        .open_round(today)
        .await?
        .map(|r| r.id)
        .ok_or_else(|| anyhow::anyhow!("the demo round is not open"))?;
    let mut experts = Vec::new();
    for (name, title, specialty, employer) in [
        ("何志远", "教授", "机械设计及理论", "中南大学"),
        ("罗雪梅", "研究员", "智能制造", "湖南大学"),
        ("唐建华", "正高级工程师", "液压传动", "三一重工股份有限公司"),
        ("曾凡星", "副教授", "工业机器人", "湘潭大学"),
        ("彭丽君", "高级工程师", "数控技术", "湖南省机械科学研究院"),
        ("邓伟", "教授", "材料成型", "湖南科技大学"),
    ] {
        experts.push(
            store
                .add_expert(
                    actor,
                    society,
                    ExpertInput {
                        name: name.into(),
                        title: title.into(),
                        specialty: specialty.into(),
                        employer: employer.into(),
                        mobile: format!("1390731{:04}", experts.len() + 1),
                    },
                )
                .await?,
        );
    }
    let host = store
        .user_by_username("host")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo host"))?;
    let draft = parse_draft(
        DraftInput {
            round_id: round,
            unit_id: unit,
            society_id: society,
            station_name: "湖南省机械工程学会益阳智能装备学会服务站".into(),
            level: "provincial".into(),
            industry: "装备制造".into(),
            unit_overview: "公司成立于2008年，现有员工620人，其中研发人员118人，拥有省级企业技术中心。\n\n主营智能装备与工程机械零部件，年产值约8亿元。".into(),
            industry_overview: "益阳市装备制造产业规模约300亿元，规模以上企业150余家。".into(),
            society_overview: "湖南省机械工程学会现有会员1.2万人，下设20个专业分会。".into(),
            work_plan: "围绕智能装备关键零部件开展技术攻关、人才培养与成果转化；每季度专家驻站服务不少于10天。".into(),
            term_years: Some(policy.application.term_years),
            expert_ids: experts[..5].to_vec(),
            staff: vec![Staff {
                name: "刘建国".into(),
                mobile: "13807370001".into(),
                duty: "服务站日常管理".into(),
            }],
            ..Default::default()
        },
        &policy,
    )?;
    store.create_application(&host, draft).await?;
    Ok(())
}

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
        open_round_with_a_draft(store, &actor, society, unit).await?;
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
