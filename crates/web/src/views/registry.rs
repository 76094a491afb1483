//! Pages for host units, societies with their expert rosters, and rounds (申报批次).
//!
//! Who may do what mirrors the JSON API (`api::registry`): city CAST and the administrator keep
//! every profile; a host unit keeps its own profile, a society its own profile and roster; an
//! account not yet linked registers its own organisation and is linked to it. Units are seen by
//! their own account, their county's offices and the city-wide roles. Every form that is refused
//! comes back with what was typed and each message beside its field (422), or the reason at the
//! top (409 for a conflict or a rule of the measures).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Deserializer};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::{Level, UnitNature};
use stationhub_domain::error::FieldError;
use stationhub_domain::organisation::{ExpertInput, SocietyInput, UnitInput};
use stationhub_domain::round::{Round, RoundInput};
use stationhub_storage::StoreError;
use stationhub_storage::accounts::UserView;
use stationhub_storage::entity::society;
use stationhub_storage::orgs::{OrgFilter, UnitView};

use super::{PageUser, Shell, render, url_encode};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::PageQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/unit", get(own_unit).post(own_unit_submit))
        .route("/units", get(units_list).post(create_unit))
        .route("/units/new", get(new_unit))
        .route("/units/{id}", get(unit_detail).post(update_unit))
        .route("/society", get(own_society).post(own_society_submit))
        .route("/society/experts", post(own_add_expert))
        .route("/societies", get(societies_list).post(create_society))
        .route("/societies/new", get(new_society))
        .route("/societies/{id}", get(society_detail).post(update_society))
        .route("/societies/{id}/experts", post(add_expert))
        .route("/experts/{id}", get(expert_page).post(update_expert))
        .route("/experts/{id}/retire", post(retire_expert))
        .route("/rounds", get(rounds_page).post(create_round))
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// The roles that see a list of units (their county's, or all).
const UNIT_LIST_ROLES: &[Role] = &[
    Role::CountyCast,
    Role::CountyTalent,
    Role::CityCast,
    Role::TalentOffice,
    Role::Supervisor,
    Role::Admin,
];
/// The roles that see the societies (city CAST and the administrator also keep them).
const SOCIETY_LIST_ROLES: &[Role] = &[
    Role::CityCast,
    Role::TalentOffice,
    Role::Supervisor,
    Role::Admin,
];
/// Who registers and corrects any unit or society.
const KEEPERS: &[Role] = &[Role::CityCast, Role::Admin];
const PER_PAGE: u64 = 20;

/// Which units a user sees: its own, its county's, or all (as `api::registry::unit_scope`).
fn unit_scope(u: &UserView) -> OrgFilter {
    match u.role {
        Role::HostUnit => OrgFilter {
            only_id: Some(u.unit_id.unwrap_or(-1)),
            ..Default::default()
        },
        Role::CountyCast | Role::CountyTalent => OrgFilter {
            county_id: Some(u.county_id.unwrap_or(-1)),
            ..Default::default()
        },
        Role::Society => OrgFilter {
            only_id: Some(-1),
            ..Default::default()
        },
        Role::CityCast | Role::TalentOffice | Role::Supervisor | Role::Admin => {
            OrgFilter::default()
        }
    }
}

fn may_edit_unit(u: &UserView, id: i64) -> bool {
    KEEPERS.contains(&u.role) || (u.role == Role::HostUnit && u.unit_id == Some(id))
}

fn may_edit_society(u: &UserView, id: i64) -> bool {
    KEEPERS.contains(&u.role) || (u.role == Role::Society && u.society_id == Some(id))
}

/// Expert mobiles are shown to the society itself, city CAST, the supervisors and the
/// administrator only (as `api::registry::expert_json`).
fn sees_mobile(viewer: &UserView, society_id: i64) -> bool {
    matches!(viewer.role, Role::CityCast | Role::Supervisor | Role::Admin)
        || (viewer.role == Role::Society && viewer.society_id == Some(society_id))
}

/// A record id from the address; anything else is a page that does not exist.
fn parse_id(s: &str, what: &str) -> Result<i64, PageError> {
    s.parse()
        .map_err(|_| DomainError::NotFound(what.to_string()).into())
}

fn not_found(what: &str) -> PageError {
    DomainError::NotFound(what.to_string()).into()
}

/// A refusal that the form shows again (bad fields, a conflict, a rule of the measures);
/// anything else (forbidden, not found, a failure) becomes an error page.
fn form_refusal(e: StoreError) -> Result<DomainError, PageError> {
    match e {
        StoreError::Domain(d)
            if matches!(
                d.kind(),
                stationhub_domain::ErrorKind::Unprocessable
                    | stationhub_domain::ErrorKind::Conflict
            ) =>
        {
            Ok(d)
        }
        e => Err(e.into()),
    }
}

fn respond(status: StatusCode, page: &impl Template) -> Result<Response, PageError> {
    Ok((status, render(page)?).into_response())
}

fn see_other(to: String) -> Response {
    Redirect::to(&to).into_response()
}

/// A checkbox posts "on" (or "true") when ticked and nothing when not.
fn checkbox<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s = String::deserialize(d)?;
    Ok(matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "on" | "true" | "1" | "yes"
    ))
}

#[derive(Default, Deserialize)]
pub struct FlashQuery {
    flash: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    county: String,
    page: String,
    flash: Option<String>,
}

impl ListQuery {
    /// The page asked for, within reason (a huge number would overflow the offset).
    fn page(&self) -> u64 {
        self.page.trim().parse().unwrap_or(1).clamp(1, 100_000)
    }
}

fn flash_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "unit-registered" => "单位信息已登记，本账户已与该单位关联。",
        "unit-created" => "单位已创建。",
        "unit-saved" => "单位信息已保存。",
        "society-registered" => "学会信息已登记，本账户已与该学会关联。",
        "society-created" => "学会已创建。",
        "society-saved" => "学会信息已保存。",
        "expert-added" => "专家已加入专家库。",
        "expert-saved" => "专家信息已保存。",
        "expert-retired" => "专家已移出专家库（记录仍保留，已提交的申报书不受影响）。",
        "round-created" => "申报批次已创建。",
        _ => return None,
    })
}

/// The bad fields of a refused form, each shown beside its field, and a refusal that concerns
/// no single field (a conflict, a rule of the measures), shown at the top.
pub struct FormErrors {
    /// The `id` prefix of the form's inputs, so the summary can link to each field.
    pub prefix: &'static str,
    pub fields: Vec<FieldError>,
    pub message: Option<String>,
}

impl FormErrors {
    fn none(prefix: &'static str) -> Self {
        FormErrors {
            prefix,
            fields: Vec::new(),
            message: None,
        }
    }

    /// `conflict_field` is the field a conflict is about (the one unique column of the record).
    fn of(prefix: &'static str, e: &DomainError, conflict_field: Option<&str>) -> Self {
        let field = |field: &str, message: &str| FieldError {
            field: field.to_string(),
            message: message.to_string(),
        };
        let (fields, message) = match (e, conflict_field) {
            (DomainError::Invalid { field: f, message }, _) => (vec![field(f, message)], None),
            (DomainError::Conflict(m), Some(f)) => (vec![field(f, m)], None),
            (other, _) => {
                let fields = other.field_errors();
                let message = fields.is_empty().then(|| other.to_string());
                (fields, message)
            }
        };
        FormErrors {
            prefix,
            fields,
            message,
        }
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || self.message.is_some()
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f.field == field)
    }

    /// Every message about `field`, joined.
    pub fn get(&self, field: &str) -> Option<String> {
        let all: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.field == field)
            .map(|f| f.message.as_str())
            .collect();
        (!all.is_empty()).then(|| all.join("；"))
    }
}

async fn county_names(app: &AppState) -> Result<Vec<String>, PageError> {
    Ok(app
        .store
        .counties()
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Host units

/// The unit block of the form as typed (checkboxes absent = 否).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct UnitForm {
    name: String,
    credit_code: String,
    nature: String,
    county: String,
    legal_rep: String,
    address: String,
    postcode: String,
    contact_name: String,
    contact_phone: String,
    contact_mobile: String,
    fax: String,
    email: String,
    qq_wechat: String,
    #[serde(deserialize_with = "checkbox")]
    registered_in_yiyang: bool,
    #[serde(deserialize_with = "checkbox")]
    independent_legal_person: bool,
    #[serde(deserialize_with = "checkbox")]
    has_funded_expert_workstation: bool,
}

impl UnitForm {
    fn of(v: &UnitView) -> Self {
        UnitForm {
            name: v.name.clone(),
            credit_code: v.credit_code.clone(),
            nature: v.nature.clone(),
            county: v.county.clone(),
            legal_rep: v.legal_rep.clone(),
            address: v.address.clone(),
            postcode: v.postcode.clone(),
            contact_name: v.contact_name.clone(),
            contact_phone: v.contact_phone.clone(),
            contact_mobile: v.contact_mobile.clone(),
            fax: v.fax.clone(),
            email: v.email.clone(),
            qq_wechat: v.qq_wechat.clone(),
            registered_in_yiyang: v.registered_in_yiyang,
            independent_legal_person: v.independent_legal_person,
            has_funded_expert_workstation: v.has_funded_expert_workstation,
        }
    }

    fn input(&self) -> UnitInput {
        UnitInput {
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            nature: self.nature.clone(),
            county: self.county.clone(),
            legal_rep: self.legal_rep.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_mobile: self.contact_mobile.clone(),
            fax: self.fax.clone(),
            email: self.email.clone(),
            qq_wechat: self.qq_wechat.clone(),
            registered_in_yiyang: self.registered_in_yiyang,
            independent_legal_person: self.independent_legal_person,
            has_funded_expert_workstation: self.has_funded_expert_workstation,
        }
    }
}

/// One unit: the profile as the form's unit block shows it, the form to keep it, or both.
#[derive(Template)]
#[template(path = "registry_unit.html")]
struct UnitPage {
    shell: Shell,
    title: String,
    flash: Option<&'static str>,
    intro: Option<&'static str>,
    sheet: Option<UnitView>,
    form: Option<UnitForm>,
    action: String,
    submit_label: &'static str,
    form_title: &'static str,
    /// The form is shown unfolded (otherwise folded under its title).
    form_open: bool,
    errs: FormErrors,
    natures: Vec<&'static str>,
    counties: Vec<String>,
    back: Option<(&'static str, &'static str)>,
}

impl UnitPage {
    async fn new(app: &AppState, u: &PageUser, title: String) -> Result<Self, PageError> {
        Ok(UnitPage {
            shell: u.shell(),
            title,
            flash: None,
            intro: None,
            sheet: None,
            form: None,
            action: String::new(),
            submit_label: "保存",
            form_title: "修改单位信息",
            form_open: true,
            errs: FormErrors::none("f-"),
            natures: UnitNature::ALL.iter().map(|n| n.label()).collect(),
            counties: county_names(app).await?,
            back: None,
        })
    }

    /// The page again with what was typed and why it was refused.
    fn refused(mut self, form: UnitForm, e: &DomainError) -> Result<Response, PageError> {
        self.sheet = None;
        self.form = Some(form);
        self.form_open = true;
        self.flash = None;
        self.errs = FormErrors::of("f-", e, Some("credit_code"));
        respond(status_of(e.kind()), &self)
    }
}

/// A host unit's own page: its profile and the form to correct it, or to register it.
async fn own_unit_view(app: &AppState, u: &PageUser) -> Result<UnitPage, PageError> {
    let mut p = UnitPage::new(app, u, "单位信息".into()).await?;
    p.action = "/unit".into();
    match u.user.unit_id {
        Some(id) => {
            let v = app.store.unit(id).await?;
            p.form = Some(UnitForm::of(&v));
            p.sheet = Some(v);
            p.submit_label = "保存修改";
            p.form_open = false;
        }
        None => {
            p.intro = Some(
                "本账户尚未关联建站单位。请按申报书“单位信息”栏登记本单位；登记后本账户即与该单位关联，此后可随时修改。",
            );
            p.form = Some(UnitForm {
                registered_in_yiyang: true,
                independent_legal_person: true,
                ..Default::default()
            });
            p.submit_label = "登记本单位";
            p.form_title = "登记本单位";
        }
    }
    Ok(p)
}

async fn own_unit(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::HostUnit])?;
    let mut p = own_unit_view(&app, &u).await?;
    p.flash = flash_text(q.flash.as_deref());
    respond(StatusCode::OK, &p)
}

async fn own_unit_submit(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<UnitForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::HostUnit])?;
    let me = &u.user;
    let result = match form.input().parse() {
        Err(e) => Err(StoreError::Domain(e)),
        Ok(profile) => match me.unit_id {
            Some(id) => app
                .store
                .update_unit(&me.actor(), id, profile)
                .await
                .map(|()| "unit-saved"),
            None => register_unit(&app, me, profile)
                .await
                .map(|_| "unit-registered"),
        },
    };
    match result {
        Ok(flash) => Ok(see_other(format!("/unit?flash={flash}"))),
        Err(e) => {
            let e = form_refusal(e)?;
            own_unit_view(&app, &u).await?.refused(form, &e)
        }
    }
}

/// A host-unit account not yet linked registers its unit and is linked to it.
async fn register_unit(
    app: &AppState,
    me: &UserView,
    profile: stationhub_domain::organisation::UnitProfile,
) -> Result<i64, StoreError> {
    app.store.register_own_unit(me, profile).await
}

#[derive(Template)]
#[template(path = "registry_units.html")]
struct UnitsPage {
    shell: Shell,
    flash: Option<&'static str>,
    q: String,
    county: String,
    /// County offices see their own county only; the others may filter by county.
    county_filter: Option<Vec<String>>,
    scope_note: Option<String>,
    units: Vec<UnitView>,
    total: u64,
    page: u64,
    pages: u64,
    may_create: bool,
    query: String,
}

async fn units_list(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    u.require(UNIT_LIST_ROLES)?;
    let mut f = unit_scope(&u.user);
    let counties = app.store.counties().await?;
    let county_wide = f.county_id.is_some();
    let county = q.county.trim().to_string();
    if !county_wide && !county.is_empty() {
        f.county_id = Some(
            counties
                .iter()
                .find(|c| c.name == county)
                .map(|c| c.id)
                .unwrap_or(-1),
        );
    }
    f.q = Some(q.q.clone());
    let p = app.store.list_units(&f, q.page(), PER_PAGE).await?;
    let page = UnitsPage {
        shell: u.shell(),
        flash: flash_text(q.flash.as_deref()),
        county_filter: (!county_wide).then(|| counties.into_iter().map(|c| c.name).collect()),
        scope_note: county_wide.then(|| {
            format!(
                "仅列出{}的建站单位。",
                u.user.county.clone().unwrap_or_else(|| "本县市区".into())
            )
        }),
        query: format!("q={}&county={}", url_encode(&q.q), url_encode(&county)),
        q: q.q,
        county,
        pages: p.pages(),
        total: p.total,
        page: p.page,
        units: p.items,
        may_create: KEEPERS.contains(&u.user.role),
    };
    respond(StatusCode::OK, &page)
}

async fn new_unit_view(app: &AppState, u: &PageUser) -> Result<UnitPage, PageError> {
    let mut p = UnitPage::new(app, u, "新建单位".into()).await?;
    p.action = "/units".into();
    p.submit_label = "创建单位";
    p.form_title = "单位信息";
    p.form = Some(UnitForm {
        registered_in_yiyang: true,
        independent_legal_person: true,
        ..Default::default()
    });
    p.back = Some(("/units", "返回单位列表"));
    Ok(p)
}

async fn new_unit(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    u.require(KEEPERS)?;
    respond(StatusCode::OK, &new_unit_view(&app, &u).await?)
}

async fn create_unit(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<UnitForm>,
) -> Result<Response, PageError> {
    u.require(KEEPERS)?;
    let result = match form.input().parse() {
        Ok(profile) => app.store.create_unit(&u.user.actor(), profile).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(id) => Ok(see_other(format!("/units/{id}?flash=unit-created"))),
        Err(e) => {
            let e = form_refusal(e)?;
            new_unit_view(&app, &u).await?.refused(form, &e)
        }
    }
}

/// A unit this user may see, or "not found" (also for units of another county).
async fn visible_unit(app: &AppState, user: &UserView, id: i64) -> Result<UnitView, PageError> {
    let mut f = unit_scope(user);
    if f.only_id.is_some_and(|own| own != id) {
        return Err(not_found("单位"));
    }
    f.only_id = Some(id);
    app.store
        .list_units(&f, 1, 1)
        .await?
        .items
        .pop()
        .ok_or_else(|| not_found("单位"))
}

/// A unit for the roles that see lists: the form for city CAST and the administrator, the
/// profile for the others.
async fn unit_detail_view(app: &AppState, u: &PageUser, id: i64) -> Result<UnitPage, PageError> {
    let v = visible_unit(app, &u.user, id).await?;
    let mut p = UnitPage::new(app, u, v.name.clone()).await?;
    p.back = Some(("/units", "返回单位列表"));
    if may_edit_unit(&u.user, id) {
        p.title = format!("修改单位信息：{}", v.name);
        p.form_title = "单位信息";
        p.form = Some(UnitForm::of(&v));
        p.action = format!("/units/{id}");
        p.submit_label = "保存修改";
    } else {
        p.sheet = Some(v);
    }
    Ok(p)
}

/// A host unit's own unit is its 单位信息 page; no other unit is there for it.
fn unit_of_host(u: &PageUser, id: i64) -> Result<Response, PageError> {
    if u.user.unit_id == Some(id) {
        Ok(see_other("/unit".into()))
    } else {
        Err(not_found("单位"))
    }
}

async fn unit_detail(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "单位")?;
    if u.user.role == Role::HostUnit {
        return unit_of_host(&u, id);
    }
    u.require(UNIT_LIST_ROLES)?;
    let mut p = unit_detail_view(&app, &u, id).await?;
    p.flash = flash_text(q.flash.as_deref());
    respond(StatusCode::OK, &p)
}

async fn update_unit(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Form(form): Form<UnitForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "单位")?;
    if !may_edit_unit(&u.user, id) {
        return Err(DomainError::Forbidden.into());
    }
    let result = match form.input().parse() {
        Ok(profile) => app.store.update_unit(&u.user.actor(), id, profile).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    let own = u.user.role == Role::HostUnit;
    match result {
        Ok(()) if own => Ok(see_other("/unit?flash=unit-saved".into())),
        Ok(()) => Ok(see_other(format!("/units/{id}?flash=unit-saved"))),
        Err(e) => {
            let e = form_refusal(e)?;
            let page = if own {
                own_unit_view(&app, &u).await?
            } else {
                unit_detail_view(&app, &u, id).await?
            };
            page.refused(form, &e)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Societies and their expert rosters

pub struct ExpertRow {
    id: i64,
    name: String,
    title: String,
    specialty: String,
    employer: String,
    /// Shown only to those who may see it.
    mobile: Option<String>,
    active: bool,
}

/// A society's expert roster on its page.
pub struct Roster {
    experts: Vec<ExpertRow>,
    active: usize,
    min: u32,
    editable: bool,
    add_action: String,
    add_form: ExpertInput,
    add_errs: FormErrors,
}

async fn roster(
    app: &AppState,
    viewer: &UserView,
    society_id: i64,
    add_action: String,
) -> Result<Roster, PageError> {
    let show_mobile = sees_mobile(viewer, society_id);
    let experts: Vec<ExpertRow> = app
        .store
        .experts_of(society_id)
        .await?
        .into_iter()
        .map(|e| ExpertRow {
            id: e.id,
            name: e.name,
            title: e.title,
            specialty: e.specialty,
            employer: e.employer,
            mobile: show_mobile.then_some(e.mobile),
            active: e.active,
        })
        .collect();
    Ok(Roster {
        active: experts.iter().filter(|e| e.active).count(),
        experts,
        min: app.policy.application.min_experts,
        editable: may_edit_society(viewer, society_id),
        add_action,
        add_form: ExpertInput::default(),
        add_errs: FormErrors::none("x-"),
    })
}

/// A society's profile as stored, for reading.
pub struct SocietySheet {
    level: String,
    s: society::Model,
}

fn level_label(level: &str) -> String {
    Level::parse(level)
        .map(|l| l.label().to_string())
        .unwrap_or_else(|_| level.to_string())
}

fn society_form(s: &society::Model) -> SocietyInput {
    SocietyInput {
        name: s.name.clone(),
        level: s.level.clone(),
        legal_rep: s.legal_rep.clone(),
        legal_rep_title: s.legal_rep_title.clone(),
        legal_rep_mobile: s.legal_rep_mobile.clone(),
        address: s.address.clone(),
        postcode: s.postcode.clone(),
        contact_name: s.contact_name.clone(),
        contact_title: s.contact_title.clone(),
        contact_mobile: s.contact_mobile.clone(),
        phone_fax: s.phone_fax.clone(),
        qq: s.qq.clone(),
        email: s.email.clone(),
        wechat: s.wechat.clone(),
        description: s.description.clone(),
    }
}

#[derive(Template)]
#[template(path = "registry_society.html")]
struct SocietyPage {
    shell: Shell,
    title: String,
    flash: Option<&'static str>,
    intro: Option<&'static str>,
    sheet: Option<SocietySheet>,
    form: Option<SocietyInput>,
    action: String,
    submit_label: &'static str,
    form_title: &'static str,
    form_open: bool,
    errs: FormErrors,
    levels: Vec<(&'static str, &'static str)>,
    roster: Option<Roster>,
    back: Option<(&'static str, &'static str)>,
}

impl SocietyPage {
    fn new(u: &PageUser, title: String) -> Self {
        SocietyPage {
            shell: u.shell(),
            title,
            flash: None,
            intro: None,
            sheet: None,
            form: None,
            action: String::new(),
            submit_label: "保存",
            form_title: "修改学会信息",
            form_open: true,
            errs: FormErrors::none("f-"),
            levels: Level::ALL.iter().map(|l| (l.as_str(), l.label())).collect(),
            roster: None,
            back: None,
        }
    }

    fn refused(mut self, form: SocietyInput, e: &DomainError) -> Result<Response, PageError> {
        self.sheet = None;
        self.form = Some(form);
        self.form_open = true;
        self.flash = None;
        self.errs = FormErrors::of("f-", e, Some("name"));
        respond(status_of(e.kind()), &self)
    }

    fn expert_refused(mut self, form: ExpertInput, e: &DomainError) -> Result<Response, PageError> {
        self.flash = None;
        if let Some(r) = self.roster.as_mut() {
            r.add_form = form;
            r.add_errs = FormErrors::of("x-", e, None);
        }
        respond(status_of(e.kind()), &self)
    }
}

/// A society's own page: its profile, the form to correct it (or register it), its roster.
async fn own_society_view(app: &AppState, u: &PageUser) -> Result<SocietyPage, PageError> {
    let mut p = SocietyPage::new(u, "学会信息与专家库".into());
    p.action = "/society".into();
    match u.user.society_id {
        Some(id) => {
            let s = app.store.society(id).await?;
            p.form = Some(society_form(&s));
            p.sheet = Some(SocietySheet {
                level: level_label(&s.level),
                s,
            });
            p.submit_label = "保存修改";
            p.form_open = false;
            p.roster = Some(roster(app, &u.user, id, "/society/experts".into()).await?);
        }
        None => {
            p.intro = Some(
                "本账户尚未关联学会。请按申报书“学会信息”栏登记本学会；登记后本账户即与该学会关联，并可维护本学会专家库。",
            );
            p.form = Some(SocietyInput::default());
            p.submit_label = "登记本学会";
            p.form_title = "登记本学会";
        }
    }
    Ok(p)
}

async fn own_society(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::Society])?;
    let mut p = own_society_view(&app, &u).await?;
    p.flash = flash_text(q.flash.as_deref());
    respond(StatusCode::OK, &p)
}

async fn own_society_submit(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<SocietyInput>,
) -> Result<Response, PageError> {
    u.require(&[Role::Society])?;
    let me = &u.user;
    let result = match form.clone().parse() {
        Err(e) => Err(StoreError::Domain(e)),
        Ok(profile) => match me.society_id {
            Some(id) => app
                .store
                .update_society(&me.actor(), id, profile)
                .await
                .map(|()| "society-saved"),
            None => register_society(&app, me, profile)
                .await
                .map(|_| "society-registered"),
        },
    };
    match result {
        Ok(flash) => Ok(see_other(format!("/society?flash={flash}"))),
        Err(e) => {
            let e = form_refusal(e)?;
            own_society_view(&app, &u).await?.refused(form, &e)
        }
    }
}

/// A society account not yet linked registers its society and is linked to it.
async fn register_society(
    app: &AppState,
    me: &UserView,
    profile: stationhub_domain::organisation::SocietyProfile,
) -> Result<i64, StoreError> {
    app.store.register_own_society(me, profile).await
}

async fn own_add_expert(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<ExpertInput>,
) -> Result<Response, PageError> {
    u.require(&[Role::Society])?;
    let Some(id) = u.user.society_id else {
        return Err(DomainError::Conflict("请先登记本学会信息，再添加专家".into()).into());
    };
    add_expert_to(&app, &u, id, form).await
}

async fn add_expert(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ExpertInput>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "学会")?;
    if !may_edit_society(&u.user, id) {
        return Err(DomainError::Forbidden.into());
    }
    add_expert_to(&app, &u, id, form).await
}

/// Where a society's roster is kept: its own page for the society, else the society's page.
fn society_home(u: &UserView, id: i64) -> String {
    if u.role == Role::Society && u.society_id == Some(id) {
        "/society".into()
    } else {
        format!("/societies/{id}")
    }
}

async fn society_view_for(app: &AppState, u: &PageUser, id: i64) -> Result<SocietyPage, PageError> {
    if u.user.role == Role::Society {
        own_society_view(app, u).await
    } else {
        society_detail_view(app, u, id).await
    }
}

async fn add_expert_to(
    app: &AppState,
    u: &PageUser,
    id: i64,
    form: ExpertInput,
) -> Result<Response, PageError> {
    let result = match form.clone().parse() {
        Ok(e) => app.store.add_expert(&u.user.actor(), id, e).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(_) => Ok(see_other(format!(
            "{}?flash=expert-added#roster",
            society_home(&u.user, id)
        ))),
        Err(e) => {
            let e = form_refusal(e)?;
            society_view_for(app, u, id).await?.expert_refused(form, &e)
        }
    }
}

pub struct SocietyRow {
    id: i64,
    name: String,
    level: String,
    legal_rep: String,
    contact: String,
    active_experts: usize,
}

#[derive(Template)]
#[template(path = "registry_societies.html")]
struct SocietiesPage {
    shell: Shell,
    flash: Option<&'static str>,
    q: String,
    societies: Vec<SocietyRow>,
    min_experts: u32,
    total: u64,
    page: u64,
    pages: u64,
    may_create: bool,
    query: String,
}

async fn societies_list(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    u.require(SOCIETY_LIST_ROLES)?;
    let p = app
        .store
        .list_societies(
            &OrgFilter {
                q: Some(q.q.clone()),
                ..Default::default()
            },
            q.page(),
            PER_PAGE,
        )
        .await?;
    let mut societies = Vec::with_capacity(p.items.len());
    for s in &p.items {
        let active_experts = app
            .store
            .experts_of(s.id)
            .await?
            .iter()
            .filter(|e| e.active)
            .count();
        societies.push(SocietyRow {
            id: s.id,
            name: s.name.clone(),
            level: level_label(&s.level),
            legal_rep: s.legal_rep.clone(),
            contact: format!("{}（{}）", s.contact_name, s.contact_title),
            active_experts,
        });
    }
    let page = SocietiesPage {
        shell: u.shell(),
        flash: flash_text(q.flash.as_deref()),
        query: format!("q={}", url_encode(&q.q)),
        q: q.q,
        societies,
        min_experts: app.policy.application.min_experts,
        pages: p.pages(),
        total: p.total,
        page: p.page,
        may_create: KEEPERS.contains(&u.user.role),
    };
    respond(StatusCode::OK, &page)
}

fn new_society_view(u: &PageUser) -> SocietyPage {
    let mut p = SocietyPage::new(u, "新建学会".into());
    p.action = "/societies".into();
    p.submit_label = "创建学会";
    p.form_title = "学会信息";
    p.form = Some(SocietyInput::default());
    p.back = Some(("/societies", "返回学会列表"));
    p
}

async fn new_society(u: PageUser) -> Result<Response, PageError> {
    u.require(KEEPERS)?;
    respond(StatusCode::OK, &new_society_view(&u))
}

async fn create_society(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<SocietyInput>,
) -> Result<Response, PageError> {
    u.require(KEEPERS)?;
    let result = match form.clone().parse() {
        Ok(profile) => app.store.create_society(&u.user.actor(), profile).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(id) => Ok(see_other(format!("/societies/{id}?flash=society-created"))),
        Err(e) => {
            let e = form_refusal(e)?;
            new_society_view(&u).refused(form, &e)
        }
    }
}

/// A society for the city-wide roles: the form and roster for city CAST and the
/// administrator, the profile and roster for the others.
async fn society_detail_view(
    app: &AppState,
    u: &PageUser,
    id: i64,
) -> Result<SocietyPage, PageError> {
    let s = app.store.society(id).await?;
    let mut p = SocietyPage::new(u, s.name.clone());
    p.back = Some(("/societies", "返回学会列表"));
    p.roster = Some(roster(app, &u.user, id, format!("/societies/{id}/experts")).await?);
    if may_edit_society(&u.user, id) {
        p.title = format!("修改学会信息：{}", s.name);
        p.form_title = "学会信息";
        p.form = Some(society_form(&s));
        p.action = format!("/societies/{id}");
        p.submit_label = "保存修改";
    } else {
        p.sheet = Some(SocietySheet {
            level: level_label(&s.level),
            s,
        });
    }
    Ok(p)
}

async fn society_detail(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "学会")?;
    if u.user.role == Role::Society && u.user.society_id == Some(id) {
        return Ok(see_other("/society".into()));
    }
    u.require(SOCIETY_LIST_ROLES)?;
    let mut p = society_detail_view(&app, &u, id).await?;
    p.flash = flash_text(q.flash.as_deref());
    respond(StatusCode::OK, &p)
}

async fn update_society(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Form(form): Form<SocietyInput>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "学会")?;
    if !may_edit_society(&u.user, id) {
        return Err(DomainError::Forbidden.into());
    }
    let result = match form.clone().parse() {
        Ok(profile) => app.store.update_society(&u.user.actor(), id, profile).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(()) => Ok(see_other(format!(
            "{}?flash=society-saved",
            society_home(&u.user, id)
        ))),
        Err(e) => {
            let e = form_refusal(e)?;
            society_view_for(&app, &u, id).await?.refused(form, &e)
        }
    }
}

#[derive(Template)]
#[template(path = "registry_expert.html")]
struct ExpertPage {
    shell: Shell,
    society_name: String,
    active: bool,
    form: ExpertInput,
    errs: FormErrors,
    id: i64,
    back: String,
}

/// An expert whose roster this user keeps.
async fn kept_expert(
    app: &AppState,
    u: &PageUser,
    id: &str,
) -> Result<stationhub_storage::entity::expert::Model, PageError> {
    let e = app.store.expert(parse_id(id, "专家")?).await?;
    if !may_edit_society(&u.user, e.society_id) {
        return Err(DomainError::Forbidden.into());
    }
    Ok(e)
}

async fn expert_view(
    app: &AppState,
    u: &PageUser,
    e: &stationhub_storage::entity::expert::Model,
    form: ExpertInput,
) -> Result<ExpertPage, PageError> {
    Ok(ExpertPage {
        shell: u.shell(),
        society_name: app.store.society(e.society_id).await?.name,
        active: e.active,
        form,
        errs: FormErrors::none("f-"),
        id: e.id,
        back: society_home(&u.user, e.society_id),
    })
}

async fn expert_page(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let e = kept_expert(&app, &u, &id).await?;
    let form = ExpertInput {
        name: e.name.clone(),
        title: e.title.clone(),
        specialty: e.specialty.clone(),
        employer: e.employer.clone(),
        mobile: e.mobile.clone(),
    };
    respond(StatusCode::OK, &expert_view(&app, &u, &e, form).await?)
}

async fn update_expert(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ExpertInput>,
) -> Result<Response, PageError> {
    let e = kept_expert(&app, &u, &id).await?;
    let result = match form.clone().parse() {
        Ok(input) => app.store.update_expert(&u.user.actor(), e.id, input).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(()) => Ok(see_other(format!(
            "{}?flash=expert-saved#roster",
            society_home(&u.user, e.society_id)
        ))),
        Err(err) => {
            let err = form_refusal(err)?;
            let mut page = expert_view(&app, &u, &e, form).await?;
            page.errs = FormErrors::of("f-", &err, None);
            respond(status_of(err.kind()), &page)
        }
    }
}

async fn retire_expert(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let e = kept_expert(&app, &u, &id).await?;
    app.store.retire_expert(&u.user.actor(), e.id).await?;
    Ok(see_other(format!(
        "{}?flash=expert-retired#roster",
        society_home(&u.user, e.society_id)
    )))
}

// ---------------------------------------------------------------------------------------------
// Rounds

/// A round as typed; the quotas may be left empty.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RoundForm {
    name: String,
    opens_on: String,
    closes_on: String,
    municipal_quota: String,
    provincial_quota: String,
    national_quota: String,
}

impl RoundForm {
    /// Every bad field at once: the quotas' number format here, the rest by the domain.
    fn parse(&self, policy: &stationhub_domain::policy::Policy) -> Result<Round, DomainError> {
        let mut bad = Vec::new();
        let mut quota = |field: &str, label: &str, s: &str| -> Option<u32> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            s.parse().map_or_else(
                |_| {
                    bad.push(FieldError {
                        field: field.to_string(),
                        message: format!("{label}须为不小于 0 的整数，或留空"),
                    });
                    None
                },
                Some,
            )
        };
        let input = RoundInput {
            name: self.name.clone(),
            opens_on: self.opens_on.clone(),
            closes_on: self.closes_on.clone(),
            municipal_quota: quota("municipal_quota", "市级认定名额", &self.municipal_quota),
            provincial_quota: quota("provincial_quota", "省级推荐名额", &self.provincial_quota),
            national_quota: quota("national_quota", "国家级推荐名额", &self.national_quota),
        };
        match input.parse(policy) {
            Ok(r) if bad.is_empty() => Ok(r),
            Ok(_) => Err(DomainError::Fields(bad)),
            Err(DomainError::Fields(mut f)) => {
                f.extend(bad);
                Err(DomainError::Fields(f))
            }
            Err(e) => Err(e),
        }
    }
}

pub struct RoundRow {
    name: String,
    opens_on: String,
    closes_on: String,
    municipal_quota: i32,
    provincial_quota: Option<i32>,
    national_quota: Option<i32>,
    status: &'static str,
    status_class: &'static str,
}

#[derive(Template)]
#[template(path = "registry_rounds.html")]
struct RoundsPage {
    shell: Shell,
    flash: Option<&'static str>,
    today: String,
    rounds: Vec<RoundRow>,
    may_create: bool,
    form: RoundForm,
    errs: FormErrors,
    quota_hint: String,
}

async fn rounds_view(app: &AppState, u: &PageUser) -> Result<RoundsPage, PageError> {
    let today = app.clock.today();
    let rounds = app
        .store
        .rounds()
        .await?
        .into_iter()
        .map(|r| {
            let (status, status_class) = if today < r.opens_on {
                ("未开始", "warn")
            } else if today > r.closes_on {
                ("已截止", "")
            } else {
                ("受理中", "ok")
            };
            RoundRow {
                name: r.name,
                opens_on: r.opens_on.to_string(),
                closes_on: r.closes_on.to_string(),
                municipal_quota: r.municipal_quota,
                provincial_quota: r.provincial_quota,
                national_quota: r.national_quota,
                status,
                status_class,
            }
        })
        .collect();
    Ok(RoundsPage {
        shell: u.shell(),
        flash: None,
        today: today.to_string(),
        rounds,
        may_create: u.user.role == Role::CityCast,
        form: RoundForm::default(),
        errs: FormErrors::none("f-"),
        quota_hint: format!(
            "每次认定不超过 {max} 家（第十二条）；留空即为 {max} 家",
            max = app.policy.quota.municipal_per_round
        ),
    })
}

async fn rounds_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let mut p = rounds_view(&app, &u).await?;
    p.flash = flash_text(q.flash.as_deref());
    respond(StatusCode::OK, &p)
}

async fn create_round(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<RoundForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let result = match form.parse(&app.policy) {
        Ok(r) => app.store.create_round(&u.user.actor(), r).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(_) => Ok(see_other("/rounds?flash=round-created".into())),
        Err(e) => {
            let e = form_refusal(e)?;
            let mut p = rounds_view(&app, &u).await?;
            p.errs = FormErrors::of("f-", &e, None);
            p.form = form;
            respond(status_of(e.kind()), &p)
        }
    }
}
