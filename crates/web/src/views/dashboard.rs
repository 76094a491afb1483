//! The statistics dashboard page (city CAST, the talent office, supervisors): each chart is
//! server-rendered SVG with the numbers behind it in a table beside it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use stationhub_domain::funds::Fen;
use stationhub_storage::dashboard::{Bar, Dashboard};

use super::charts::{Row, hbars, vgroups};
use super::{PageUser, Shell, render};
use crate::AppState;
use crate::error::PageError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard_page))
}

/// One chart with its table: headers and rows of text.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    today: String,
    stations_total: i64,
    running: i64,
    all_met: i64,
    charts: Vec<Chart>,
}

fn count(v: i64) -> String {
    v.to_string()
}

fn yuan(v: i64) -> String {
    Fen(v).yuan()
}

/// Yuan in 万元 for the bars (short), the table keeps the exact yuan.
fn wan(v: i64) -> String {
    let w = v as f64 / 1_000_000.0;
    if w.fract() == 0.0 {
        format!("{w:.0} 万元")
    } else {
        format!("{w:.2} 万元")
    }
}

fn bar_chart(id: &'static str, title: &str, what: &str, bars: &[Bar]) -> Chart {
    let rows: Vec<Row> = bars
        .iter()
        .map(|b| Row {
            label: b.label.clone(),
            values: vec![b.value],
        })
        .collect();
    Chart {
        id,
        title: title.into(),
        svg: hbars(title, &rows, &[what], &count),
        headers: vec!["类别".into(), what.into()],
        rows: bars
            .iter()
            .map(|b| vec![b.label.clone(), b.value.to_string()])
            .collect(),
    }
}

pub fn charts(d: &Dashboard) -> Vec<Chart> {
    let mut out = vec![
        bar_chart(
            "by-level",
            "运行中的服务站：按级别",
            "服务站数",
            &d.stations_by_level,
        ),
        bar_chart(
            "by-county",
            "运行中的服务站：按县市区",
            "服务站数",
            &d.stations_by_county,
        ),
        bar_chart(
            "by-industry",
            "运行中的服务站：按重点产业",
            "服务站数",
            &d.stations_by_industry,
        ),
        bar_chart(
            "by-status",
            "全部服务站：按状态",
            "服务站数",
            &d.stations_by_status,
        ),
    ];
    let series = ["填报中", "审核中", "已授牌", "未通过"];
    let rows: Vec<Row> = d
        .rounds
        .iter()
        .map(|r| Row {
            label: r.round.clone(),
            values: vec![r.drafting, r.in_review, r.awarded, r.rejected],
        })
        .collect();
    out.push(Chart {
        id: "rounds",
        title: "各申报批次的申报及结果".into(),
        svg: hbars("各申报批次的申报及结果", &rows, &series, &count),
        headers: ["申报批次", "填报中", "审核中", "已授牌", "未通过", "合计"]
            .map(String::from)
            .to_vec(),
        rows: d
            .rounds
            .iter()
            .map(|r| {
                vec![
                    r.round.clone(),
                    r.drafting.to_string(),
                    r.in_review.to_string(),
                    r.awarded.to_string(),
                    r.rejected.to_string(),
                    (r.drafting + r.in_review + r.awarded + r.rejected).to_string(),
                ]
            })
            .collect(),
    });
    let rows: Vec<Row> = d
        .compliance
        .iter()
        .map(|c| Row {
            label: c.label.clone(),
            values: vec![c.met, c.total - c.met],
        })
        .collect();
    out.push(Chart {
        id: "compliance",
        title: "考核指标达标情况（当前考核年度）".into(),
        svg: hbars(
            "考核指标达标情况（当前考核年度）",
            &rows,
            &["达标", "未达标"],
            &count,
        ),
        headers: ["考核指标", "达标", "未达标", "达标率"]
            .map(String::from)
            .to_vec(),
        rows: d
            .compliance
            .iter()
            .map(|c| {
                vec![
                    c.label.clone(),
                    c.met.to_string(),
                    (c.total - c.met).to_string(),
                    if c.total > 0 {
                        format!("{}%", c.met * 100 / c.total)
                    } else {
                        "—".into()
                    },
                ]
            })
            .collect(),
    });
    let groups: Vec<Row> = d
        .money
        .iter()
        .map(|m| Row {
            label: format!("{} 年", m.year),
            values: vec![m.grants_paid_fen, m.expenses_fen],
        })
        .collect();
    out.push(Chart {
        id: "money",
        title: "各年度资助拨付与支出".into(),
        svg: vgroups(
            "各年度资助拨付与支出",
            &groups,
            &["已拨付资助", "支出"],
            &wan,
        ),
        headers: ["年度", "已拨付资助（元）", "支出（元）"]
            .map(String::from)
            .to_vec(),
        rows: d
            .money
            .iter()
            .map(|m| {
                vec![
                    format!("{} 年", m.year),
                    yuan(m.grants_paid_fen),
                    yuan(m.expenses_fen),
                ]
            })
            .collect(),
    });
    // Expenses by category: one stacked bar per category, one series per year.
    let years: Vec<String> = d.money.iter().map(|m| format!("{} 年", m.year)).collect();
    let categories: Vec<String> = d
        .money
        .first()
        .map(|m| m.by_category.iter().map(|b| b.label.clone()).collect())
        .unwrap_or_default();
    let value = |m: &stationhub_storage::dashboard::MoneyYear, c: &str| {
        m.by_category
            .iter()
            .find(|b| b.label == c)
            .map(|b| b.value)
            .unwrap_or(0)
    };
    let rows: Vec<Row> = categories
        .iter()
        .map(|c| Row {
            label: c.clone(),
            values: d.money.iter().map(|m| value(m, c)).collect(),
        })
        .collect();
    let series: Vec<&str> = years.iter().map(String::as_str).collect();
    let mut headers = vec!["开支科目".to_string()];
    headers.extend(years.iter().map(|y| format!("{y}（元）")));
    out.push(Chart {
        id: "categories",
        title: "支出按开支科目（第十七条）".into(),
        svg: hbars("支出按开支科目（第十七条）", &rows, &series, &wan),
        headers,
        rows: categories
            .iter()
            .map(|c| {
                let mut r = vec![c.clone()];
                r.extend(d.money.iter().map(|m| yuan(value(m, c))));
                r
            })
            .collect(),
    });
    out
}

async fn dashboard_page(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let d = app
        .store
        .dashboard(&u.user, app.clock.today(), &app.policy)
        .await?;
    let page = DashboardPage {
        shell: u.shell(),
        today: d.today.to_string(),
        stations_total: d.stations_total,
        running: d.running,
        all_met: d.all_met,
        charts: charts(&d),
    };
    Ok(render(&page)?.into_response())
}
