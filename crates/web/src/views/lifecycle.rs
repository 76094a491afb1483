//! After the term and changes of a station on its page (第十三条、第十四条), files of the
//! activity log and of the annual reports, the requests awaiting city CAST, and the fund
//! overview (第十五条至第十九条). The same storage use cases as `api::lifecycle`.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::{Level, State as AppStateKind};
use stationhub_domain::funds::Fen;
use stationhub_domain::lifecycle::{ChangeRequestInput, RequestKind, parse_change_request};
use stationhub_domain::station::StationStatus;
use stationhub_storage::entity::station;
use stationhub_storage::funds::FundOverview;
use stationhub_storage::lifecycle::RequestView;

use super::stations::{Errs, Forms, back, form_error, refused};
use super::{PageUser, Shell, render};
use crate::AppState;
use crate::api::lifecycle::{parse_decision, store_letter};
use crate::api::stations::{FileFor, store_station_file};
use crate::error::{ApiError, PageError};
use crate::extract::PageQuery;

pub fn routes() -> Router<AppState> {
    let upload = || DefaultBodyLimit::max(crate::api::UPLOAD_BODY_LIMIT);
    Router::new()
        .route("/stations/{id}/requests", post(request_change))
        .route(
            "/stations/{id}/requests/{rid}/letter",
            post(letter).layer(upload()),
        )
        .route("/station-requests", get(requests_page))
        .route("/station-requests/{rid}/decision", post(decide))
        .route("/stations/{id}/renewal", post(renew))
        .route(
            "/stations/{id}/activities/{aid}/file",
            post(activity_file).layer(upload()),
        )
        .route(
            "/stations/{id}/reports/{rid}/file",
            post(report_file).layer(upload()),
        )
        .route("/funds", get(funds_page))
}

/// A change request as typed on the station page.
#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub target_station_id: String,
    #[serde(default)]
    pub new_name: String,
}

impl RequestForm {
    fn parse(&self) -> Result<stationhub_domain::lifecycle::ChangeRequest, DomainError> {
        let target = match self.target_station_id.trim() {
            "" => None,
            t => Some(
                t.parse()
                    .map_err(|_| DomainError::invalid("target_station_id", "请选择并入的服务站"))?,
            ),
        };
        parse_change_request(ChangeRequestInput {
            kind: self.kind.clone(),
            reason: self.reason.clone(),
            target_station_id: target,
            new_name: self.new_name.clone(),
        })
    }
}

/// The renewal application of a station, as the page links it.
pub struct RenewalLink {
    pub id: i64,
    pub state: &'static str,
}

/// What the station page shows of renewal and change requests.
pub struct Lifecycle {
    pub is_own: bool,
    pub is_city: bool,
    pub running: bool,
    pub renewal: Option<RenewalLink>,
    pub can_renew: bool,
    /// Why the host cannot apply to continue yet (第十三条), shown to the host.
    pub renewal_note: Option<String>,
    pub requests: Vec<RequestView>,
    pub kinds: Vec<(&'static str, &'static str)>,
    /// Running stations a merge may go into.
    pub targets: Vec<(i64, String)>,
    pub has_pending: bool,
}

pub async fn lifecycle(
    app: &AppState,
    u: &PageUser,
    s: &station::Model,
) -> Result<Lifecycle, PageError> {
    let is_host = stationhub_storage::stations::is_host(&u.user, s);
    let is_own = stationhub_storage::stations::runs_station(&u.user, s);
    let running = StationStatus::parse(&s.status).is_ok_and(|x| x.is_public());
    let renewal = match app.store.renewal_of_station(s.id).await? {
        Some(a) => Some(RenewalLink {
            id: a.id,
            state: AppStateKind::parse(&a.state)?.label(),
        }),
        None => None,
    };
    let check = app.store.renewal_check(&u.user, s, &app.policy).await?;
    let requests = app.store.station_requests(&u.user, s.id).await?;
    let targets = if is_own && running {
        app.store
            .running_stations()
            .await?
            .into_iter()
            .filter(|t| t.0 != s.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Lifecycle {
        is_own,
        is_city: u.user.role == Role::CityCast,
        running,
        can_renew: check.is_ok(),
        renewal_note: match check {
            Err(e) if is_host && renewal.is_none() => Some(e.to_string()),
            _ => None,
        },
        renewal,
        has_pending: requests.iter().any(|r| r.state == "pending"),
        requests,
        kinds: RequestKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        targets,
    })
}

/// An upload's refusal as a page: a refusal of the file is shown on the station page.
fn upload_refusal(e: ApiError) -> Result<DomainError, PageError> {
    match e {
        ApiError::Domain(d) => form_error(d.into()),
        ApiError::Request {
            status, message, ..
        } => Err(PageError { status, message }),
        ApiError::Internal(cause) => Err(PageError::internal(cause)),
    }
}

async fn request_change(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> Result<Response, PageError> {
    let result = match form.parse() {
        Ok(r) => app.store.request_change(&u.user, id, r).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(back(id, "request", "requests")),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                request_errs: Errs::of("request-", &e, ""),
                request: form,
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

async fn letter(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, rid)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    match store_letter(&app, &u.user, id, rid, multipart).await {
        Ok(_) => Ok(back(id, "letter", "requests")),
        Err(e) => {
            let e = upload_refusal(e)?;
            let forms = Forms {
                letter_request: rid,
                letter_errs: Errs::of("letter-", &e, "file"),
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(app): State<AppState>,
    u: PageUser,
    Path(rid): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let station_id = app
        .store
        .pending_requests(&u.user)
        .await?
        .into_iter()
        .find(|r| r.id == rid)
        .map(|r| r.station_id);
    let result = async {
        let approve = parse_decision(&form.decision)?;
        app.store
            .decide_request(&u.user, rid, approve, &form.reason, app.clock.today())
            .await
    }
    .await;
    match (result, station_id) {
        (Ok(r), _) => Ok(back(r.station_id, "decided", "requests")),
        (Err(e), Some(id)) => {
            let e = form_error(e)?;
            let forms = Forms {
                decide_request: rid,
                decide_errs: Errs::of("decide-", &e, ""),
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
        // Decided meanwhile (or never pending): say so plainly.
        (Err(e), None) => Err(form_error(e).map(PageError::from).unwrap_or_else(|p| p)),
    }
}

async fn renew(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match app
        .store
        .start_renewal(&u.user, id, app.clock.today(), &app.policy)
        .await
    {
        Ok(aid) => Ok(Redirect::to(&format!("/applications/{aid}/edit")).into_response()),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                renewal_errs: Errs::of("renewal-", &e, ""),
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

async fn station_upload(
    app: &AppState,
    u: &PageUser,
    id: i64,
    target: FileFor,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (anchor, key) = match target {
        FileFor::Activity(a) => ("activities", format!("activity-{a}")),
        FileFor::Report(r) => ("reports", format!("report-{r}")),
    };
    match store_station_file(app, &u.user, id, target, multipart).await {
        Ok(_) => Ok(back(id, "file", anchor)),
        Err(e) => {
            let e = upload_refusal(e)?;
            let forms = Forms {
                file_target: key,
                file_errs: Errs::of("file-", &e, "file"),
                ..Forms::default()
            };
            refused(app, u, id, &e, forms).await
        }
    }
}

async fn activity_file(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, aid)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    station_upload(&app, &u, id, FileFor::Activity(aid), multipart).await
}

async fn report_file(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, rid)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    station_upload(&app, &u, id, FileFor::Report(rid), multipart).await
}

// ------------------------------------------------------------------ pending requests

#[derive(Template)]
#[template(path = "station_requests.html")]
struct RequestsPage {
    shell: Shell,
    requests: Vec<RequestView>,
    is_city: bool,
}

async fn requests_page(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let requests = app.store.pending_requests(&u.user).await?;
    let page = RequestsPage {
        shell: u.shell(),
        requests,
        is_city: u.user.role == Role::CityCast,
    };
    Ok(render(&page)?.into_response())
}

// ------------------------------------------------------------------ fund overview

#[derive(Deserialize, Default)]
pub struct FundsQuery {
    year: Option<String>,
}

pub struct FundLine {
    pub station_id: i64,
    pub name: String,
    pub level: &'static str,
    pub status: &'static str,
    pub county: String,
    pub unit: String,
    pub due: String,
    pub paid: String,
    pub expenses: String,
    pub recoveries: String,
    pub balance: String,
    pub negative: bool,
    pub vouchers_missing: u32,
}

pub struct YearLine {
    pub year: i32,
    pub due: String,
    pub paid: String,
    pub expenses: String,
    pub recoveries: String,
    pub net: String,
}

#[derive(Template)]
#[template(path = "funds.html")]
struct FundsPage {
    shell: Shell,
    year: Option<i32>,
    /// The chosen year as the select compares it ("" for every year).
    year_value: String,
    years: Vec<i32>,
    rows: Vec<FundLine>,
    by_year: Vec<YearLine>,
    by_category: Vec<(String, String)>,
    total: YearLine,
    stations_with_money: usize,
}

fn y(f: i64) -> String {
    Fen(f).yuan()
}

fn funds_view(shell: Shell, o: FundOverview) -> FundsPage {
    let t = o.totals;
    FundsPage {
        shell,
        year: o.year,
        year_value: o.year.map(|y| y.to_string()).unwrap_or_default(),
        years: o.years,
        stations_with_money: o
            .rows
            .iter()
            .filter(|r| r.totals != Default::default())
            .count(),
        rows: o
            .rows
            .into_iter()
            .map(|r| FundLine {
                station_id: r.station_id,
                name: r.station_name,
                level: Level::parse(&r.level).map(|l| l.label()).unwrap_or("—"),
                status: StationStatus::parse(&r.status)
                    .map(|s| s.label())
                    .unwrap_or("—"),
                county: r.county,
                unit: r.unit,
                due: y(r.totals.grants_due.0),
                paid: y(r.totals.grants_paid.0),
                expenses: y(r.totals.expenses.0),
                recoveries: y(r.totals.recoveries.0),
                negative: r.balance_fen < 0,
                balance: y(r.balance_fen),
                vouchers_missing: r.vouchers_missing,
            })
            .collect(),
        by_year: o
            .by_year
            .into_iter()
            .map(|l| YearLine {
                year: l.year,
                due: y(l.totals.grants_due.0),
                paid: y(l.totals.grants_paid.0),
                expenses: y(l.totals.expenses.0),
                recoveries: y(l.totals.recoveries.0),
                net: y(l.totals.balance().0),
            })
            .collect(),
        by_category: o
            .by_category
            .into_iter()
            .map(|c| (c.category, y(c.amount_fen)))
            .collect(),
        total: YearLine {
            year: o.year.unwrap_or(0),
            due: y(t.grants_due.0),
            paid: y(t.grants_paid.0),
            expenses: y(t.expenses.0),
            recoveries: y(t.recoveries.0),
            net: y(o.balance_fen),
        },
    }
}

async fn funds_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FundsQuery>,
) -> Result<Response, PageError> {
    let year = match q.year.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            t.parse::<i32>()
                .map_err(|_| DomainError::invalid("year", "年份须为四位数字"))?,
        ),
    };
    let o = app
        .store
        .fund_overview(&u.user, year, &app.policy.expenses.categories)
        .await?;
    Ok(render(&funds_view(u.shell(), o))?.into_response())
}
