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
        running_stations(store, &actor, &policy).await?;
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
    println!(
        "  host-1 … host-{}  the host units of the running stations (存量服务站)",
        STATIONS.len()
    );
    Ok(())
}

/// A station named before the measures, as the import records it (第八条): name, level,
/// industry, unit, county, society, society level, days since the award.
type DemoStation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
);

const STATIONS: [DemoStation; 6] = [
    (
        "湖南省农学会益阳稻米产业学会服务站",
        "provincial",
        "现代农业",
        "益阳市稻米产业园区科学技术协会",
        "南县",
        "湖南省农学会",
        "provincial",
        420,
    ),
    (
        "益阳市电子学会高新区学会服务站",
        "municipal",
        "电子信息",
        "益阳高新区电子信息产业园科学技术协会",
        "益阳高新区",
        "益阳市电子学会",
        "municipal",
        390,
    ),
    (
        "湖南省茶叶学会安化黑茶学会服务站",
        "provincial",
        "生态绿色食品",
        "安化县黑茶产业协会科学技术协会",
        "安化县",
        "湖南省茶叶学会",
        "provincial",
        700,
    ),
    (
        "益阳市新材料学会沅江学会服务站",
        "municipal",
        "新材料",
        "沅江市船舶新材料有限公司科学技术协会",
        "沅江市",
        "益阳市新材料学会",
        "municipal",
        200,
    ),
    (
        "中国农业工程学会大通湖学会服务站",
        "national",
        "现代农业",
        "大通湖区科学技术协会",
        "大通湖区",
        "中国农业工程学会",
        "national",
        150,
    ),
    (
        "益阳市医学会桃江生命健康学会服务站",
        "municipal",
        "生命健康",
        "桃江县生物医药产业园科学技术协会",
        "桃江县",
        "益阳市医学会",
        "municipal",
        380,
    ),
];

/// Running stations with a year of work: activities, the year-1 assessment where it is due,
/// its grant paid and money spent, so that the station pages, the indicator table, the fund
/// overview and the dashboard have something to show.
async fn running_stations(store: &Store, actor: &Actor, policy: &Policy) -> Result<()> {
    use stationhub_domain::funds::Fen;
    use stationhub_domain::import::{Cell, Column, Sheet, SheetRow};
    use stationhub_domain::station::ActivityKind;
    use stationhub_storage::stations::NewActivity;

    let today = Clock::from_env().map_err(anyhow::Error::msg)?.today();
    let rows: Vec<SheetRow> = STATIONS
        .iter()
        .enumerate()
        .map(
            |(i, (name, level, industry, unit, county, society, soc_level, days))| {
                let level_label = |l: &str| {
                    stationhub_domain::application::Level::parse(l)
                        .map(|l| l.label().to_string())
                        .unwrap_or_default()
                };
                let awarded = today - Duration::days(*days);
                let cells = Column::ALL
                    .into_iter()
                    .map(|c| match c {
                        Column::StationName => Cell::text(*name),
                        Column::Level => Cell::text(level_label(level)),
                        Column::Industry => Cell::text(*industry),
                        Column::UnitName => Cell::text(*unit),
                        Column::CreditCode => Cell::text(
                            CreditCode::complete(&format!("91430900MA4M{:05}", 1000 + i))
                                .map(|c| c.as_str().to_string())
                                .unwrap_or_default(),
                        ),
                        Column::Nature => Cell::text("企业科协"),
                        Column::County => Cell::text(*county),
                        Column::LegalRep => Cell::text("张立新"),
                        Column::SocietyName => Cell::text(*society),
                        Column::SocietyLevel => Cell::text(level_label(soc_level)),
                        Column::DocumentNumber => {
                            Cell::text(format!("益人才办〔{}〕{}号", awarded.year(), 30 + i))
                        }
                        Column::AwardedOn => Cell::Date(awarded),
                        Column::TermEndsOn => Cell::Empty,
                    })
                    .collect();
                SheetRow {
                    line: i as u32 + 2,
                    cells,
                }
            },
        )
        .collect();
    let header = SheetRow {
        line: 1,
        cells: Column::ALL
            .into_iter()
            .map(|c| Cell::text(c.header()))
            .collect(),
    };
    let sheet = Sheet {
        rows: std::iter::once(header).chain(rows).collect(),
    };
    match store
        .import_stations(actor, &sheet, false, today, policy)
        .await?
    {
        stationhub_storage::import::ImportOutcome::Done(_) => {}
        stationhub_storage::import::ImportOutcome::Refused(errors) => {
            anyhow::bail!(
                "the demo stations were refused: {}",
                errors
                    .iter()
                    .map(|e| e.reason())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
    }
    let city = store
        .user_by_username("city-cast")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo city CAST"))?;
    let names: Vec<&str> = STATIONS.iter().map(|s| s.0).collect();
    let mut ids: Vec<(i64, String)> = store
        .running_stations()
        .await?
        .into_iter()
        .filter(|s| names.contains(&s.1.as_str()))
        .collect();
    ids.sort_by_key(|s| names.iter().position(|n| *n == s.1));
    for (n, (id, _)) in ids.iter().enumerate() {
        let s = store.station_model(&city, *id).await?;
        let username = format!("host-{}", n + 1);
        store
            .create_user(
                actor,
                NewUser {
                    username: Username::parse(&username)?,
                    display_name: format!("建站单位联络员{}", n + 1),
                    role: Role::HostUnit,
                    password: NewPassword::parse(DEMO_PASSWORD, &policy.security)?,
                    must_change_password: false,
                    unit_id: Some(s.unit_id),
                    society_id: None,
                    county: None,
                    office_id: None,
                    email: None,
                },
            )
            .await?;
        let host = store
            .user_by_username(&username)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo host {username}"))?;
        // The first term year's work, up to today; the later stations a little short.
        let start = s.awarded_on;
        let thorough = n % 3 != 2;
        let plan: Vec<(i64, ActivityKind, u32, &str)> = vec![
            (20, ActivityKind::Survey, 0, "产业现状与技术需求调研"),
            (50, ActivityKind::Training, 65, "关键技术实操培训班"),
            (80, ActivityKind::ProblemSolved, 0, "为园区企业解决工艺难题"),
            (120, ActivityKind::ResearchOutcome, 0, "产业发展研究报告"),
            (150, ActivityKind::Survey, 0, "上下游企业走访调研"),
            (180, ActivityKind::AgreementProgress, 40, "合作协议执行过半"),
            (200, ActivityKind::Training, 52, "青年技术骨干培训"),
            (230, ActivityKind::Breakthrough, 0, "关键工艺技术攻关"),
            (260, ActivityKind::ProblemSolved, 0, "质量控制难题攻关"),
            (
                290,
                ActivityKind::AchievementTransferred,
                0,
                "专利技术许可转化",
            ),
            (
                320,
                ActivityKind::AchievementTransferred,
                0,
                "新品种示范推广",
            ),
            (340, ActivityKind::AgreementProgress, 60, "合作协议完成六成"),
        ];
        for (day, kind, value, title) in plan {
            let date = start + Duration::days(day);
            if date > today || (!thorough && day > 200) {
                continue;
            }
            let a = NewActivity {
                kind,
                date,
                expert_id: None,
                days: 0,
                attendance: if kind == ActivityKind::Training {
                    value
                } else {
                    0
                },
                percent: if kind == ActivityKind::AgreementProgress {
                    value
                } else {
                    0
                },
                title: title.into(),
                description: String::new(),
            };
            store.record_activity(&host, *id, a, today).await?;
        }
        // The year-1 assessment, when its window is open (第十二条), then its grant.
        let level = stationhub_domain::application::Level::parse(&s.level)?;
        if stationhub_domain::station::check_assessment_window(s.awarded_on, 1, today, policy)
            .is_ok()
            && level != stationhub_domain::application::Level::National
        {
            let score = if thorough { 88 } else { 72 };
            let out = store
                .assess(
                    &city,
                    *id,
                    1,
                    score,
                    "按第十二条考核，年度工作扎实",
                    today,
                    policy,
                )
                .await?;
            if let Some(grant) = out.grant_id {
                let paid_on = today;
                store.pay_grant(&city, *id, grant, paid_on, today).await?;
                for (category, yuan, note) in [
                    ("专家差旅费", 865_000, "专家驻站服务差旅"),
                    ("培训费", 1_230_000, "技术培训班场地与资料"),
                    ("咨询费", 600_000, "技术咨询"),
                ] {
                    store
                        .record_expense(
                            &host,
                            *id,
                            category,
                            Fen(yuan),
                            paid_on,
                            note,
                            today,
                            policy,
                        )
                        .await?;
                }
            }
        }
    }
    Ok(())
}
