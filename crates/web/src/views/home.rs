//! The home page of each role: what waits for this user. Panels whose content later parts of
//! the product fill say what will appear there; panels with items list them (the host unit's
//! applications, the applications awaiting a society's confirmation).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use stationhub_domain::account::Role;
use stationhub_domain::application::State as AppStateKind;
use stationhub_storage::applications::ApplicationFilter;

use super::{PageUser, Shell, render};
use crate::AppState;
use crate::error::PageError;

pub struct Panel {
    pub id: &'static str,
    pub title: &'static str,
    /// Shown when the panel lists no items.
    pub body: &'static str,
    pub href: Option<&'static str>,
    pub items: Vec<PanelItem>,
    /// A link below the items, e.g. to the whole list.
    pub more: Option<(&'static str, &'static str)>,
}

/// One thing waiting for the user: what it is, where it is, and its state.
pub struct PanelItem {
    pub href: String,
    pub text: String,
    pub tag: String,
}

const fn panel(id: &'static str, title: &'static str, body: &'static str) -> Panel {
    Panel {
        id,
        title,
        body,
        href: None,
        items: Vec::new(),
        more: None,
    }
}

/// Home panels show this many items at most.
const PANEL_ITEMS: u64 = 5;

fn item_text(id: i64, station_name: &str) -> String {
    if station_name.is_empty() {
        format!("申报书 #{id}（未填写服务站名称）")
    } else {
        station_name.to_string()
    }
}

/// Fills the panels that list real items.
async fn fill(app: &AppState, u: &PageUser, panels: &mut [Panel]) -> Result<(), PageError> {
    for p in panels.iter_mut() {
        match (u.user.role, p.id) {
            (Role::HostUnit, "applications") => {
                let page = app
                    .store
                    .list_applications(&u.user, &ApplicationFilter::default(), 1, PANEL_ITEMS)
                    .await?;
                p.items = page
                    .items
                    .into_iter()
                    .map(|a| PanelItem {
                        href: format!("/applications/{}", a.id),
                        text: item_text(a.id, &a.station_name),
                        tag: a.state.label().to_string(),
                    })
                    .collect();
                p.href = Some("/applications");
                p.more = Some(if p.items.is_empty() {
                    ("/applications/new", "新建申报书")
                } else {
                    ("/applications", "查看全部申报书")
                });
            }
            (Role::Society, "confirmations") => {
                let mut waiting = Vec::new();
                for state in [AppStateKind::Draft, AppStateKind::Returned] {
                    let filter = ApplicationFilter {
                        state: Some(state),
                        ..Default::default()
                    };
                    let page = app
                        .store
                        .list_applications(&u.user, &filter, 1, 100)
                        .await?;
                    for row in page.items {
                        let a = app.store.application(&u.user, row.id).await?;
                        if a.confirmation_requested_at.is_some() && a.confirmed_at.is_none() {
                            waiting.push(PanelItem {
                                href: format!("/applications/{}", a.id),
                                text: format!(
                                    "{}（{}）",
                                    item_text(a.id, &a.station_name),
                                    a.unit.name
                                ),
                                tag: "待确认".into(),
                            });
                        }
                    }
                }
                p.items = waiting;
            }
            // Reviewers: what waits for them, oldest first, with the days waited.
            (
                Role::CountyCast | Role::CountyTalent | Role::CityCast | Role::TalentOffice,
                "queue",
            ) => {
                let items = app.store.queue(&u.user, app.clock.today()).await?;
                let total = items.len();
                p.items = super::review::queue_rows(items)
                    .into_iter()
                    .take(PANEL_ITEMS as usize)
                    .map(|r| PanelItem {
                        href: r.href,
                        text: format!("{}（{}）", r.station_name, r.unit_name),
                        tag: format!("{} · 已等待 {} 天", r.state, r.days_waiting),
                    })
                    .collect();
                p.href = Some("/queue");
                if total > PANEL_ITEMS as usize {
                    p.more = Some(("/queue", "查看全部待办"));
                }
            }
            (_, "rounds") => p.href = Some("/rounds"),
            (_, "notices") => p.href = Some("/notices"),
            (_, "awards") => p.href = Some("/awards"),
            (_, "stations") => p.href = Some("/stations"),
            _ => {}
        }
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "app_home.html")]
struct HomePage {
    shell: Shell,
    heading: String,
    panels: Vec<Panel>,
}

fn panels(role: Role) -> Vec<Panel> {
    match role {
        Role::HostUnit => vec![
            panel(
                "applications",
                "我的申报书",
                "暂无申报书。申报批次开放后，可在此填写、保存草稿并提交学会服务站申报书（第八条、第九条），并查看审核进度与退回意见。",
            ),
            panel(
                "stations",
                "我的服务站",
                "暂无服务站。授牌后，服务站的年度工作计划、活动记录、考核指标与经费台账将显示在这里（第十条至第十七条）。",
            ),
            panel(
                "unit",
                "单位信息",
                "单位基本情况（申报书单位信息栏）将在这里维护。",
            ),
        ],
        Role::Society => vec![
            panel(
                "confirmations",
                "待确认的合作",
                "暂无待确认事项。建站单位选择本学会后，需由学会确认合作与专家团队（第七条）。",
            ),
            panel(
                "experts",
                "专家库",
                "本学会的专家名册（姓名、职称、专业、单位、手机）将在这里维护；每个服务站至少需要 5 名专家（第七条（六））。",
            ),
            panel(
                "service",
                "专家服务记录",
                "服务站授牌后，专家服务天数等记录将在这里填报（第十二条（二））。",
            ),
        ],
        Role::CountyCast => vec![
            panel(
                "queue",
                "待初审的申报",
                "暂无待办。本县市区建站单位提交的申报书将在这里按提交先后列出，供初审推荐（第八条（一））。",
            ),
            panel(
                "stations",
                "本县市区服务站",
                "本县市区已授牌服务站的运行情况将显示在这里。",
            ),
        ],
        Role::CountyTalent => vec![panel(
            "queue",
            "待出具意见的申报",
            "暂无待办。县市区科协推荐后的申报书将在这里列出，供出具县市区委人才办意见。",
        )],
        Role::CityCast => vec![
            panel(
                "queue",
                "待审核的申报",
                "暂无待办。县市区推荐及直接申报的申报书将在这里列出，供审核、实地考察与研究审定（第八条（二））。",
            ),
            panel(
                "rounds",
                "申报批次",
                "每两年组织一次申报（第八条）；申报批次的开放与名额将在这里管理。",
            ),
            panel(
                "notices",
                "公示与异议",
                "审定名单的社会公示（不少于 5 个工作日）与异议处理将在这里进行（第八条（三））。",
            ),
            panel(
                "assessments",
                "考核与资金",
                "服务站年度考核、资助发放与经费追回将在这里进行（第十二条、第十六条、第十九条）。",
            ),
        ],
        Role::TalentOffice => vec![
            panel(
                "queue",
                "待审定的申报",
                "暂无待办。市科协提出支持意见的申报书将在这里列出，供审定批准（第八条（二））。",
            ),
            panel(
                "awards",
                "待授牌",
                "公示无异议的申报将在这里列出，供发文授牌（第八条（四））。",
            ),
        ],
        Role::Supervisor => vec![
            Panel {
                href: Some("/audit"),
                ..panel(
                    "audit",
                    "审计日志",
                    "系统中每一项变更与决定（何人、何时、何事、变更前后）均记录在审计日志中，可在此查阅与校验。",
                )
            },
            panel(
                "ledger",
                "资金台账",
                "各服务站的资助、支出与追回台账将显示在这里，供财政、审计、纪检监察部门监督检查（第十八条）。",
            ),
        ],
        Role::Admin => vec![
            Panel {
                href: Some("/admin/users"),
                ..panel(
                    "users",
                    "账户管理",
                    "创建账户、解锁、停用与重置密码。管理员不参与任何审核决定（三权分立）。",
                )
            },
            Panel {
                href: Some("/audit"),
                ..panel(
                    "audit",
                    "审计日志",
                    "查阅全部操作记录并校验审计链的完整性。",
                )
            },
        ],
    }
}

pub async fn home(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let mut panels = panels(u.user.role);
    fill(&app, &u, &mut panels).await?;
    let page = HomePage {
        shell: u.shell(),
        heading: format!("{}，您好", u.user.display_name),
        panels,
    };
    Ok(render(&page)?.into_response())
}
