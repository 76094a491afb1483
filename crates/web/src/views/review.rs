//! Pages for review, public notice, objections, award, stations, the calendar, the inbox and
//! seals. They call the same storage use cases as `api::review`.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::{Level, State as AppStateKind};
use stationhub_domain::calendar::{CalendarDay, UnknownYears};
use stationhub_domain::clock::{format_local, parse_date};
use stationhub_domain::notice::{ObjectionInput, Outcome};
use stationhub_domain::review::{Action, SiteInspectionInput, parse_opinion, step_of};
use stationhub_storage::StoreError;
use stationhub_storage::applications::ApplicationView;
use stationhub_storage::review::{QueueItem, StationFilter, StationView, stations_key};

use super::{Csrf, PageRejection, PageUser, Shell, render, url_encode};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{ClientAddr, PageQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queue", get(queue_page))
        .route(
            "/applications/{id}/review",
            get(review_page).post(review_submit),
        )
        .route("/notices", get(notices_page).post(publish))
        .route("/notices/{id}", get(notice_page))
        .route("/notices/{id}/objections", post(object))
        .route("/objections/{id}/handling", post(handle))
        .route("/awards", get(awards_page))
        .route("/applications/{id}/award", post(award))
        .route("/stations", get(stations_page))
        .route("/stations/{id}", get(station_page))
        .route("/calendar", get(calendar_page).post(calendar_submit))
        .route("/inbox", get(inbox_page))
        .route("/inbox/read", post(inbox_read))
        .route(
            "/seal",
            get(seal_page)
                .post(seal_submit)
                .layer(DefaultBodyLimit::max(crate::api::UPLOAD_BODY_LIMIT)),
        )
}

fn flash_text(f: Option<&str>) -> Option<&'static str> {
    Some(match f? {
        "decided" => "已办理，意见已记录。",
        "published" => "公示已发布。",
        "objection" => "您的异议已提交，市科协将核实处理。",
        "handled" => "异议已处理。",
        "awarded" => "已授牌，服务站已建立。",
        "saved" => "已保存。",
        "seal" => "印章已上传。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    flash: Option<String>,
}

// ------------------------------------------------------------------ queue

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    shell: Shell,
    items: Vec<QueueRow>,
}

pub struct QueueRow {
    pub id: i64,
    pub station_name: String,
    pub unit_name: String,
    pub county: String,
    pub level: &'static str,
    pub state: &'static str,
    pub since: String,
    pub days_waiting: i64,
    pub href: String,
}

pub fn queue_rows(items: Vec<QueueItem>) -> Vec<QueueRow> {
    items
        .into_iter()
        .map(|i| QueueRow {
            href: match i.state {
                AppStateKind::Approved => "/notices".to_string(),
                AppStateKind::Notice => "/awards".to_string(),
                _ => format!("/applications/{}/review", i.id),
            },
            id: i.id,
            station_name: i.station_name,
            unit_name: i.unit_name,
            county: i.county,
            level: i.level.label(),
            state: i.state.label(),
            since: format_local(i.since),
            days_waiting: i.days_waiting,
        })
        .collect()
}

async fn queue_page(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let items = app.store.queue(&u.user, app.clock.today()).await?;
    Ok(render(&QueuePage {
        shell: u.shell(),
        items: queue_rows(items),
    })?
    .into_response())
}

// ------------------------------------------------------------------ one decision

#[derive(Template)]
#[template(path = "review_decide.html")]
struct ReviewPage {
    shell: Shell,
    a: ApplicationView,
    flash: Option<&'static str>,
    error: Option<String>,
    /// The forward action of the step, when this user owns it.
    forward: Option<(&'static str, &'static str)>,
    box_label: &'static str,
    is_city: bool,
    form: DecisionForm,
    today: String,
    opinions: Vec<OpinionRow>,
}

pub struct OpinionRow {
    pub step: &'static str,
    pub action: &'static str,
    pub organisation: String,
    pub person: String,
    pub text: String,
    pub date: String,
}

fn opinion_rows(a: &ApplicationView) -> Vec<OpinionRow> {
    a.opinions
        .iter()
        .map(|o| OpinionRow {
            step: AppStateKind::parse(&o.step)
                .ok()
                .and_then(step_of)
                .map(|s| s.box_label)
                .unwrap_or("授牌"),
            action: Action::parse(&o.action)
                .map(|a| a.label())
                .unwrap_or("授牌"),
            organisation: o.organisation.clone(),
            person: o.person_name.clone(),
            text: o.text.clone(),
            date: o.decided_on.to_string(),
        })
        .collect()
}

#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    site_date: String,
    #[serde(default)]
    site_inspectors: String,
    #[serde(default)]
    site_findings: String,
}

async fn review_view(
    app: &AppState,
    u: &PageUser,
    id: i64,
    form: DecisionForm,
    error: Option<String>,
    flash: Option<&'static str>,
) -> Result<ReviewPage, PageError> {
    let a = app.store.application(&u.user, id).await?;
    let step = step_of(a.state);
    let mine = step.filter(|s| s.owner == u.user.role);
    Ok(ReviewPage {
        shell: u.shell(),
        flash,
        error,
        forward: mine.map(|s| (s.forward.as_str(), s.forward.label())),
        box_label: step.map(|s| s.box_label).unwrap_or(""),
        is_city: u.user.role == Role::CityCast,
        form,
        today: app.clock.today().to_string(),
        opinions: opinion_rows(&a),
        a,
    })
}

async fn review_page(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let page = review_view(
        &app,
        &u,
        id,
        DecisionForm::default(),
        None,
        flash_text(q.flash.as_deref()),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

async fn review_submit(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let today = app.clock.today();
    let result = async {
        let action = Action::parse(form.action.trim())?;
        let opinion = parse_opinion(action, &form.opinion)?;
        let site = if form.site_date.trim().is_empty()
            && form.site_inspectors.trim().is_empty()
            && form.site_findings.trim().is_empty()
        {
            None
        } else {
            Some(
                SiteInspectionInput {
                    date: form.site_date.clone(),
                    inspectors: form
                        .site_inspectors
                        .split(['、', ',', '，', ' '])
                        .map(str::to_string)
                        .collect(),
                    findings: form.site_findings.clone(),
                }
                .parse(today)?,
            )
        };
        app.store
            .decide(&u.user, id, action, &opinion, site, today)
            .await
            .map_err(|e| match e {
                StoreError::Domain(d) => d,
                other => DomainError::Conflict(format!("{other}")),
            })
    }
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/applications/{id}/review?flash=decided")).into_response())
        }
        Err(e) => {
            let status = status_of(e.kind());
            let page = review_view(&app, &u, id, form, Some(e.to_string()), None).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

// ------------------------------------------------------------------ notices

#[derive(Template)]
#[template(path = "review_notices.html")]
struct NoticesPage {
    shell: Shell,
    flash: Option<&'static str>,
    error: Option<String>,
    notices: Vec<stationhub_storage::entity::notice::Model>,
    approved: Vec<QueueRow>,
    can_publish: bool,
    starts_on: String,
}

async fn notices_view(
    app: &AppState,
    u: Option<&PageUser>,
    csrf: String,
    error: Option<String>,
    flash: Option<&'static str>,
) -> Result<NoticesPage, PageError> {
    let can_publish = u.is_some_and(|u| u.user.role == Role::CityCast);
    let approved = match u {
        Some(u) if can_publish => queue_rows(
            app.store
                .queue(&u.user, app.clock.today())
                .await?
                .into_iter()
                .filter(|i| i.state == AppStateKind::Approved)
                .collect(),
        ),
        _ => vec![],
    };
    Ok(NoticesPage {
        shell: match u {
            Some(u) => u.shell(),
            None => Shell { user: None, csrf },
        },
        flash,
        error,
        notices: app.store.notices().await?,
        approved,
        can_publish,
        starts_on: app.clock.today().to_string(),
    })
}

async fn notices_page(
    State(app): State<AppState>,
    u: Result<PageUser, PageRejection>,
    csrf: Csrf,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let page = notices_view(
        &app,
        u.as_ref().ok(),
        csrf.0.0,
        None,
        flash_text(q.flash.as_deref()),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

async fn publish(
    State(app): State<AppState>,
    u: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "application_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let unknown = if get("assume_plain_weekends").is_some() {
        UnknownYears::AssumePlainWeekends
    } else {
        UnknownYears::Refuse
    };
    let result = match parse_date(get("starts_on").unwrap_or_default().trim()) {
        Ok(starts_on) => {
            app.store
                .publish_notice(
                    &u.user,
                    &ids,
                    starts_on,
                    unknown,
                    app.clock.today(),
                    &app.policy,
                )
                .await
        }
        Err(_) => Err(DomainError::invalid("starts_on", "公示开始日期须为 YYYY-MM-DD").into()),
    };
    match result {
        Ok((id, _)) => Ok(Redirect::to(&format!("/notices/{id}?flash=published")).into_response()),
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            let page =
                notices_view(&app, Some(&u), u.csrf.clone(), Some(e.to_string()), None).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "review_notice.html")]
struct NoticePage {
    shell: Shell,
    flash: Option<&'static str>,
    error: Option<String>,
    n: stationhub_storage::review::NoticeView,
    open: bool,
    anonymous_allowed: bool,
    form: ObjectionForm,
    /// City CAST sees the objections and handles them.
    objections: Vec<ObjectionRow>,
    can_handle: bool,
}

pub struct ObjectionRow {
    pub id: i64,
    pub station: String,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub at: String,
    pub outcome: Option<&'static str>,
    pub reason: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ObjectionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    application_id: String,
}

async fn notice_view(
    app: &AppState,
    u: Option<&PageUser>,
    csrf: String,
    id: i64,
    form: ObjectionForm,
    error: Option<String>,
    flash: Option<&'static str>,
) -> Result<NoticePage, PageError> {
    let n = app.store.notice(id).await?;
    let today = app.clock.today();
    let sees_objections = u.is_some_and(|u| {
        matches!(
            u.user.role,
            Role::CityCast | Role::TalentOffice | Role::Supervisor
        )
    });
    let objections = if sees_objections {
        app.store
            .objections(id)
            .await?
            .into_iter()
            .map(|o| ObjectionRow {
                station: n
                    .items
                    .iter()
                    .find(|i| i.application_id == o.application_id)
                    .map(|i| i.station_name.clone())
                    .unwrap_or_default(),
                id: o.id,
                name: if o.name.is_empty() {
                    "（匿名）".into()
                } else {
                    o.name
                },
                contact: o.contact,
                text: o.text,
                at: format_local(o.created_at),
                outcome: o
                    .outcome
                    .as_deref()
                    .and_then(|x| Outcome::parse(x).ok())
                    .map(|x| x.label()),
                reason: o.reason,
            })
            .collect()
    } else {
        vec![]
    };
    Ok(NoticePage {
        shell: match u {
            Some(u) => u.shell(),
            None => Shell { user: None, csrf },
        },
        flash,
        error,
        open: n.starts_on <= today && today <= n.ends_on,
        anonymous_allowed: app.policy.notice.allow_anonymous_objections,
        form,
        objections,
        can_handle: u.is_some_and(|u| u.user.role == Role::CityCast),
        n,
    })
}

async fn notice_page(
    State(app): State<AppState>,
    u: Result<PageUser, PageRejection>,
    csrf: Csrf,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let page = notice_view(
        &app,
        u.as_ref().ok(),
        csrf.0.0,
        id,
        ObjectionForm::default(),
        None,
        flash_text(q.flash.as_deref()),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

async fn object(
    State(app): State<AppState>,
    u: Result<PageUser, PageRejection>,
    csrf: Csrf,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    Form(form): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    let result = async {
        crate::api::review::throttle_objection(&app, &addr).await?;
        let input = ObjectionInput {
            name: Some(form.name.clone()),
            contact: form.contact.clone(),
            text: form.text.clone(),
            application_id: form.application_id.trim().parse().ok(),
        };
        app.store
            .lodge_objection(id, input, &addr, app.clock.today(), &app.policy)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/notices/{id}?flash=objection")).into_response()),
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            let page = notice_view(
                &app,
                u.as_ref().ok(),
                csrf.0.0,
                id,
                form,
                Some(e.to_string()),
                None,
            )
            .await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct HandlingForm {
    outcome: String,
    reason: String,
    notice_id: i64,
}

async fn handle(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<HandlingForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let outcome = Outcome::parse(form.outcome.trim())?;
    match app
        .store
        .handle_objection(&u.user, id, outcome, &form.reason)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/notices/{}?flash=handled", form.notice_id)).into_response())
        }
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            let page = notice_view(
                &app,
                Some(&u),
                u.csrf.clone(),
                form.notice_id,
                ObjectionForm::default(),
                Some(e.to_string()),
                None,
            )
            .await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ award

#[derive(Template)]
#[template(path = "review_awards.html")]
struct AwardsPage {
    shell: Shell,
    flash: Option<&'static str>,
    error: Option<String>,
    items: Vec<QueueRow>,
    today: String,
}

async fn awards_view(
    app: &AppState,
    u: &PageUser,
    error: Option<String>,
    flash: Option<&'static str>,
) -> Result<AwardsPage, PageError> {
    u.require(&[Role::TalentOffice])?;
    let items = app
        .store
        .queue(&u.user, app.clock.today())
        .await?
        .into_iter()
        .filter(|i| i.state == AppStateKind::Notice)
        .collect();
    Ok(AwardsPage {
        shell: u.shell(),
        flash,
        error,
        items: queue_rows(items),
        today: app.clock.today().to_string(),
    })
}

async fn awards_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    Ok(
        render(&awards_view(&app, &u, None, flash_text(q.flash.as_deref())).await?)?
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    awarded_on: String,
    #[serde(default)]
    document_number: String,
}

async fn award(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AwardForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::TalentOffice])?;
    let on = match form.awarded_on.trim() {
        "" => Ok(None),
        s => parse_date(s)
            .map(Some)
            .map_err(|_| DomainError::invalid("awarded_on", "授牌日期须为 YYYY-MM-DD")),
    };
    let result = match on {
        Ok(on) => {
            app.store
                .award(
                    &u.user,
                    id,
                    on,
                    Some(form.document_number),
                    app.clock.today(),
                    &app.policy,
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(station) => {
            Ok(Redirect::to(&format!("/stations/{station}?flash=awarded")).into_response())
        }
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            Ok((
                status,
                render(&awards_view(&app, &u, Some(e.to_string()), None).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ stations

#[derive(Template)]
#[template(path = "review_stations.html")]
struct StationsPage {
    shell: Shell,
    q: String,
    county: String,
    level: String,
    counties: Vec<String>,
    levels: Vec<(&'static str, &'static str)>,
    items: Vec<StationView>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
    /// City CAST: the import of stations named before the measures (`views::import`).
    can_import: bool,
}

#[derive(Deserialize, Default)]
pub struct StationsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    level: String,
    page: Option<u64>,
}

async fn stations_page(
    State(app): State<AppState>,
    u: Result<PageUser, PageRejection>,
    csrf: Csrf,
    PageQuery(q): PageQuery<StationsQuery>,
) -> Result<Response, PageError> {
    let f = StationFilter {
        q: Some(q.q.clone()),
        county: Some(q.county.clone()),
        // A level that is none of the three is refused, not taken as "all levels".
        level: match q.level.trim() {
            "" => None,
            l => Some(Level::parse(l)?),
        },
        status: None,
        public: true,
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let seen = match &u {
        Ok(u) => u.current.seen,
        Err(_) => app.store.change_no().await?,
    };
    let p = app
        .store
        .memo(
            seen,
            stations_key(&f, page_no, 20),
            app.store.stations(&f, page_no, 20),
        )
        .await?;
    let page = StationsPage {
        can_import: u.as_ref().is_ok_and(|u| u.user.role == Role::CityCast),
        shell: match &u {
            Ok(u) => u.shell(),
            Err(_) => Shell::signed_out(&csrf.0),
        },
        query: format!(
            "q={}&county={}&level={}",
            url_encode(&q.q),
            url_encode(&q.county),
            url_encode(&q.level)
        ),
        q: q.q,
        county: q.county,
        level: q.level,
        counties: app
            .store
            .counties()
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect(),
        levels: Level::ALL.iter().map(|l| (l.as_str(), l.label())).collect(),
        pages: p.pages(),
        total: p.total,
        page: p.page,
        items: p.items,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "review_station.html")]
struct StationPage {
    shell: Shell,
    flash: Option<&'static str>,
    s: StationView,
    level: &'static str,
    status: &'static str,
    /// Indicators, activities, assessments and the ledger: for signed-in users who may see the
    /// station (else the public summary only).
    run: Option<super::stations::Running>,
}

pub fn station_status_label(s: &str) -> &'static str {
    match s {
        "active" => "运行中",
        "rectifying" => "整改中",
        "expired" => "已期满",
        "renewed" => "已续建",
        "removed" => "已摘牌",
        "merged" => "已合并",
        "revoked" => "已撤销",
        _ => "—",
    }
}

#[derive(Deserialize, Default)]
pub struct StationQuery {
    flash: Option<String>,
    year: Option<u32>,
}

fn station_flash(f: Option<&str>) -> Option<&'static str> {
    let f = f?;
    flash_text(Some(f)).or_else(|| super::stations::flash_text(f))
}

/// The station page of a user who may see the station: the summary and its running part, with
/// the forms as given (empty, or as typed with their refusals).
pub(super) async fn station_response(
    app: &AppState,
    u: &PageUser,
    id: i64,
    year: Option<u32>,
    forms: super::stations::Forms,
    flash: Option<&'static str>,
    status: axum::http::StatusCode,
) -> Result<Response, PageError> {
    let m = app.store.station_model(&u.user, id).await?;
    let s = app.store.station(id).await?;
    let run = super::stations::running(app, u, &m, year, forms).await?;
    let page = StationPage {
        shell: u.shell(),
        flash,
        level: s.level.label(),
        status: station_status_label(&s.status),
        s,
        run: Some(run),
    };
    Ok((status, render(&page)?).into_response())
}

async fn station_page(
    State(app): State<AppState>,
    u: Result<PageUser, PageRejection>,
    csrf: Csrf,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<StationQuery>,
) -> Result<Response, PageError> {
    let flash = station_flash(q.flash.as_deref());
    if let Ok(u) = &u
        && app.store.station_model(&u.user, id).await.is_ok()
    {
        return station_response(
            &app,
            u,
            id,
            q.year,
            super::stations::Forms::default(),
            flash,
            axum::http::StatusCode::OK,
        )
        .await;
    }
    let s = app
        .store
        .visible_station(u.as_ref().ok().map(|u| &u.user), id)
        .await?;
    let page = StationPage {
        shell: match &u {
            Ok(u) => u.shell(),
            Err(_) => Shell::signed_out(&csrf.0),
        },
        flash,
        level: s.level.label(),
        status: station_status_label(&s.status),
        s,
        run: None,
    };
    Ok(render(&page)?.into_response())
}

// ------------------------------------------------------------------ calendar

#[derive(Template)]
#[template(path = "review_calendar.html")]
struct CalendarPage {
    shell: Shell,
    flash: Option<&'static str>,
    error: Option<String>,
    year: i32,
    known: bool,
    years: Vec<i32>,
    days: Vec<CalendarDay>,
    can_edit: bool,
    calc: Option<String>,
    calc_start: String,
}

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    year: Option<i32>,
    flash: Option<String>,
    starts_on: Option<String>,
    assume: Option<String>,
}

async fn calendar_view(
    app: &AppState,
    u: &PageUser,
    q: CalendarQuery,
    error: Option<String>,
) -> Result<CalendarPage, PageError> {
    let c = app.store.calendar().await?;
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&app.clock.today()));
    let calc = match q
        .starts_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(match parse_date(s) {
            Ok(start) => {
                let unknown = if q.assume.is_some() {
                    UnknownYears::AssumePlainWeekends
                } else {
                    UnknownYears::Refuse
                };
                match c.nth_working_day(start, app.policy.notice.min_working_days, unknown) {
                    Ok(end) => format!(
                        "自 {start} 起公示 {} 个工作日，截止日期为 {end}。",
                        app.policy.notice.min_working_days
                    ),
                    Err(e) => e.to_string(),
                }
            }
            Err(_) => "开始日期须为 YYYY-MM-DD".into(),
        }),
        None => None,
    };
    Ok(CalendarPage {
        shell: u.shell(),
        flash: flash_text(q.flash.as_deref()),
        error,
        year,
        known: c.knows_year(year),
        years: c.years().copied().collect(),
        days: c.listed(year).cloned().collect(),
        can_edit: u.user.role == Role::CityCast,
        calc,
        calc_start: q.starts_on.unwrap_or_default(),
    })
}

async fn calendar_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<CalendarQuery>,
) -> Result<Response, PageError> {
    Ok(render(&calendar_view(&app, &u, q, None).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct CalendarForm {
    op: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    off: String,
    #[serde(default)]
    year: String,
}

async fn calendar_submit(
    State(app): State<AppState>,
    u: PageUser,
    Form(f): Form<CalendarForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let actor = u.user.actor();
    let date = || {
        parse_date(f.date.trim()).map_err(|_| DomainError::invalid("date", "日期须为 YYYY-MM-DD"))
    };
    let result: Result<i32, StoreError> = async {
        match f.op.as_str() {
            "set" => {
                let d = date()?;
                let name = f.name.trim();
                if name.is_empty() {
                    return Err(DomainError::invalid("name", "请填写名称").into());
                }
                app.store
                    .calendar_set_day(
                        &actor,
                        CalendarDay {
                            date: d,
                            name: name.into(),
                            off: f.off == "true",
                        },
                    )
                    .await?;
                Ok(chrono::Datelike::year(&d))
            }
            "remove" => {
                let d = date()?;
                app.store.calendar_remove_day(&actor, d).await?;
                Ok(chrono::Datelike::year(&d))
            }
            "year" => {
                let y: i32 = f
                    .year
                    .trim()
                    .parse()
                    .map_err(|_| DomainError::invalid("year", "年份须为数字"))?;
                app.store.calendar_add_year(&actor, y).await?;
                Ok(y)
            }
            _ => Err(DomainError::NotFound("操作".into()).into()),
        }
    }
    .await;
    match result {
        Ok(y) => Ok(Redirect::to(&format!("/calendar?year={y}&flash=saved")).into_response()),
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            let page =
                calendar_view(&app, &u, CalendarQuery::default(), Some(e.to_string())).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ inbox and seal

#[derive(Template)]
#[template(path = "review_inbox.html")]
struct InboxPage {
    shell: Shell,
    items: Vec<(String, String, String, String, bool)>,
}

async fn inbox_page(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let items = app
        .store
        .inbox(u.user.id, 200)
        .await?
        .into_iter()
        .map(|n| {
            (
                format_local(n.at),
                n.title,
                n.body,
                n.link,
                n.read_at.is_none(),
            )
        })
        .collect();
    Ok(render(&InboxPage {
        shell: u.shell(),
        items,
    })?
    .into_response())
}

async fn inbox_read(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    app.store.mark_read(u.user.id).await?;
    Ok(Redirect::to("/inbox").into_response())
}

#[derive(Template)]
#[template(path = "review_seal.html")]
struct SealPage {
    shell: Shell,
    flash: Option<&'static str>,
    error: Option<String>,
    current: Option<(i64, String)>,
    organisation: String,
}

async fn seal_view(
    app: &AppState,
    u: &PageUser,
    error: Option<String>,
    flash: Option<&'static str>,
) -> Result<SealPage, PageError> {
    let owner = stationhub_storage::review::seal_owner(&u.user).ok_or(DomainError::Forbidden)?;
    Ok(SealPage {
        shell: u.shell(),
        flash,
        error,
        current: app
            .store
            .seal(&owner)
            .await?
            .map(|f| (f.id, format_local(f.uploaded_at))),
        organisation: u.user.organisation.clone(),
    })
}

async fn seal_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    Ok(render(&seal_view(&app, &u, None, flash_text(q.flash.as_deref())).await?)?.into_response())
}

async fn seal_submit(
    State(app): State<AppState>,
    u: PageUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    match crate::api::review::store_seal(&app, &u.user, multipart).await {
        Ok(_) => Ok(Redirect::to("/seal?flash=seal").into_response()),
        Err(crate::error::ApiError::Domain(e)) => {
            let status = status_of(e.kind());
            Ok((
                status,
                render(&seal_view(&app, &u, Some(e.to_string()), None).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(PageError::internal(format!("{e:?}"))),
    }
}
