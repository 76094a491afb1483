//! 申报书: drafts, the materials of 第九条, the society's confirmation, the eligibility check
//! and submission along the route of 第八条（一）. Who may see and do what is the domain's rule
//! (`application::Scope`); this module turns it into queries and keeps the history.

use std::collections::HashMap;

use chrono::{NaiveDate, SecondsFormat, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::{
    Draft, Level, MaterialKind, Route, Scope, Staff, State, SubmissionFacts, UnitNature, Viewer,
    Violation, Visibility, check_form_complete, check_submission, submission_target,
};
use stationhub_domain::policy::Policy;

use crate::accounts::UserView;
use crate::audit::Change;
use crate::entity::{
    application, application_event, application_expert, application_staff, county, expert, file,
    round, society, station, unit,
};
use crate::files::FileMeta;
use crate::orgs::UnitView;
use crate::{Page, Store, StoreError, Tx};

/// The visibility rule's view of a signed-in user.
pub fn viewer(u: &UserView) -> Viewer {
    Viewer {
        role: u.role,
        unit_id: u.unit_id,
        society_id: u.society_id,
        county_id: u.county_id,
    }
}

/// One row of an application list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationRow {
    pub id: i64,
    pub station_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub society_id: i64,
    pub society_name: String,
    pub county: String,
    pub round_id: i64,
    pub round_name: String,
    pub level: Level,
    pub industry: String,
    pub state: State,
    pub submitted_at: Option<chrono::DateTime<Utc>>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// An uploaded file as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileView {
    pub id: i64,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: chrono::DateTime<Utc>,
}

impl From<file::Model> for FileView {
    fn from(f: file::Model) -> Self {
        FileView {
            id: f.id,
            kind: f.kind,
            filename: f.filename,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
            uploaded_at: f.uploaded_at,
        }
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    pub at: String,
    pub actor_name: String,
    pub actor_role: String,
    pub organisation: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub opinion: String,
}

/// The whole application: the form's every field, its team, files and history.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub id: i64,
    pub round_id: i64,
    pub round_name: String,
    pub round_opens_on: NaiveDate,
    pub round_closes_on: NaiveDate,
    pub unit: UnitView,
    pub society: society::Model,
    pub county: String,
    pub station_name: String,
    pub level: Level,
    pub industry: String,
    pub industry_other: String,
    pub unit_overview: String,
    pub industry_overview: String,
    pub society_overview: String,
    pub work_plan: String,
    pub term_years: i32,
    pub term_reason: String,
    pub route: Route,
    pub state: State,
    pub returned_from: Option<State>,
    pub confirmation_requested_at: Option<chrono::DateTime<Utc>>,
    pub confirmed_at: Option<chrono::DateTime<Utc>>,
    pub confirmation_opinion: String,
    pub submitted_at: Option<chrono::DateTime<Utc>>,
    pub version: i32,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// A renewal (第十三条): the station it would continue.
    pub renewal_of: Option<i64>,
    pub experts: Vec<expert::Model>,
    pub staff: Vec<Staff>,
    pub files: Vec<FileView>,
    pub events: Vec<EventView>,
    /// The reviewers' opinions, oldest first (the form's opinion boxes).
    pub opinions: Vec<crate::entity::opinion::Model>,
    pub site_inspections: Vec<crate::entity::site_inspection::Model>,
}

impl ApplicationView {
    /// The current file of each material kind of 第九条.
    pub fn material(&self, kind: MaterialKind) -> Option<&FileView> {
        self.files.iter().find(|f| f.kind == kind.as_str())
    }
}

/// Filters of the application list (SPEC §5.1: state, county, round, level, q; plus industry).
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub state: Option<State>,
    /// County name.
    pub county: Option<String>,
    pub round_id: Option<i64>,
    pub level: Option<Level>,
    pub industry: Option<String>,
    /// Part of the station's, the unit's or the society's name.
    pub q: Option<String>,
}

fn visibility(a: &application::Model) -> Visibility {
    Visibility {
        unit_id: a.unit_id,
        society_id: a.society_id,
        county_id: a.county_id,
        submitted: a.submitted_at.is_some(),
        confirmation_requested: a.confirmation_requested_at.is_some(),
    }
}

/// The scope as a query condition (mirrors `Scope::allows`).
fn scope_condition(scope: Scope) -> Condition {
    use application::Column as C;
    match scope {
        Scope::Unit(id) => Condition::all().add(C::UnitId.eq(id)),
        Scope::Society(id) => Condition::all().add(C::SocietyId.eq(id)).add(
            Condition::any()
                .add(C::SubmittedAt.is_not_null())
                .add(C::ConfirmationRequestedAt.is_not_null()),
        ),
        Scope::County(id) => Condition::all()
            .add(C::CountyId.eq(id))
            .add(C::SubmittedAt.is_not_null()),
        Scope::AllSubmitted => Condition::all().add(C::SubmittedAt.is_not_null()),
        Scope::Nothing => Condition::all().add(Expr::cust("1 = 0")),
    }
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What [`Store::list_applications`] depends on, as a [`Store::memo`] key: who looks (as far as
/// visibility goes), the filters and the page.
pub fn list_key(user: &UserView, f: &ApplicationFilter, page: u64, per_page: u64) -> String {
    format!("applications|{:?}|{f:?}|{page}|{per_page}", viewer(user))
}

impl Store {
    /// Loads an application the user may see; one they may not see is "not found" (no leak of
    /// its existence).
    pub(crate) async fn visible_application(
        &self,
        user: &UserView,
        id: i64,
    ) -> Result<application::Model, StoreError> {
        let a = application::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("申报书".into()))?;
        if !viewer(user).application_scope().allows(&visibility(&a)) {
            return Err(DomainError::NotFound("申报书".into()).into());
        }
        Ok(a)
    }

    /// The host unit's own application, in a state it may change.
    async fn editable_application(
        &self,
        user: &UserView,
        id: i64,
    ) -> Result<application::Model, StoreError> {
        let a = self.visible_application(user, id).await?;
        if user.role != Role::HostUnit || user.unit_id != Some(a.unit_id) {
            return Err(DomainError::Forbidden.into());
        }
        let state = State::parse(&a.state)?;
        if !state.editable() {
            return Err(DomainError::Conflict(format!(
                "申报书当前状态为“{}”，只有草稿或退回修改的申报书可以修改",
                state.label()
            ))
            .into());
        }
        Ok(a)
    }

    /// Checks the references of a draft: the round, the unit (the user's own), the society and
    /// the experts exist.
    async fn check_draft_refs(&self, user: &UserView, d: &Draft) -> Result<(), StoreError> {
        // Only a host unit's staff, and only in their own unit's name (SPEC §1): naming
        // another unit is a refusal of who asks (403), not a bad field.
        if user.role != Role::HostUnit || user.unit_id != Some(d.unit_id) {
            return Err(DomainError::Forbidden.into());
        }
        round::Entity::find_by_id(d.round_id)
            .filter(round::Column::Kind.eq(round::KIND_REGULAR))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::invalid("round_id", "申报批次不存在"))?;
        society::Entity::find_by_id(d.society_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::invalid("society_id", "学会不存在"))?;
        let found = expert::Entity::find()
            .filter(expert::Column::Id.is_in(d.expert_ids.clone()))
            .count(self.db())
            .await?;
        if found as usize != d.expert_ids.len() {
            return Err(DomainError::invalid("expert_ids", "所选专家不存在").into());
        }
        Ok(())
    }

    /// Starts a draft for the user's unit.
    pub async fn create_application(&self, user: &UserView, d: Draft) -> Result<i64, StoreError> {
        self.check_draft_refs(user, &d).await?;
        let unit = self.unit(d.unit_id).await?;
        let tx = self.begin().await?;
        let now = Utc::now();
        let a = application::ActiveModel {
            round_id: Set(d.round_id),
            unit_id: Set(d.unit_id),
            society_id: Set(d.society_id),
            county_id: Set(unit.county_id),
            state: Set(State::Draft.as_str().into()),
            returned_from: Set(None),
            confirmation_requested_at: Set(None),
            confirmed_at: Set(None),
            confirmation_opinion: Set(String::new()),
            submitted_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..draft_fields(&d)
        }
        .insert(tx.conn())
        .await?;
        replace_team(&tx, a.id, &d).await?;
        event(&tx, a.id, user, "create", State::Draft, State::Draft, "").await?;
        tx.audit(
            &user.actor(),
            Change::new("application.create", "application", a.id).after(&d),
        )
        .await?;
        tx.commit().await?;
        Ok(a.id)
    }

    /// Saves a draft (or a returned application). `expected_version`, when given, must be the
    /// version the form was loaded with: a stale form is refused rather than overwrite.
    /// Changing the society or the expert team voids the society's confirmation.
    pub async fn update_application(
        &self,
        user: &UserView,
        id: i64,
        d: Draft,
        expected_version: Option<i32>,
    ) -> Result<i32, StoreError> {
        let a = self.editable_application(user, id).await?;
        self.check_draft_refs(user, &d).await?;
        if d.unit_id != a.unit_id {
            return Err(DomainError::invalid("unit_id", "申报单位不能更改").into());
        }
        let before = self.application_draft(&a).await?;
        let team_changed = before.society_id != d.society_id || {
            let mut x = before.expert_ids.clone();
            let mut y = d.expert_ids.clone();
            x.sort_unstable();
            y.sort_unstable();
            x != y
        };
        let tx = self.begin().await?;
        let version = expected_version.unwrap_or(a.version);
        let mut update = application::Entity::update_many()
            .set(draft_fields(&d))
            .col_expr(application::Column::Version, Expr::value(a.version + 1))
            .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(application::Column::Id.eq(id))
            .filter(application::Column::Version.eq(version));
        if team_changed {
            update = update
                .col_expr(
                    application::Column::ConfirmedAt,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                )
                .col_expr(application::Column::ConfirmationOpinion, Expr::value(""));
            if before.society_id != d.society_id {
                update = update.col_expr(
                    application::Column::ConfirmationRequestedAt,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                );
            }
        }
        let res = update.exec(tx.conn()).await?;
        if res.rows_affected == 0 {
            return Err(DomainError::Conflict(
                "申报书已在别处被修改（已被他人处理），请刷新页面后再保存".into(),
            )
            .into());
        }
        replace_team(&tx, id, &d).await?;
        tx.audit(
            &user.actor(),
            Change::new("application.update", "application", id)
                .before(&before)
                .after(&d),
        )
        .await?;
        if team_changed && a.confirmed_at.is_some() {
            event(
                &tx,
                id,
                user,
                "confirmation_voided",
                State::parse(&a.state)?,
                State::parse(&a.state)?,
                "学会或专家团队已更改，学会须重新确认",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(a.version + 1)
    }

    /// The draft content of a stored application.
    pub(crate) async fn application_draft(
        &self,
        a: &application::Model,
    ) -> Result<Draft, StoreError> {
        let experts = application_expert::Entity::find()
            .filter(application_expert::Column::ApplicationId.eq(a.id))
            .order_by_asc(application_expert::Column::Position)
            .all(self.db())
            .await?;
        let staff = application_staff::Entity::find()
            .filter(application_staff::Column::ApplicationId.eq(a.id))
            .order_by_asc(application_staff::Column::Position)
            .all(self.db())
            .await?;
        Ok(Draft {
            round_id: a.round_id,
            unit_id: a.unit_id,
            society_id: a.society_id,
            station_name: a.station_name.clone(),
            level: Level::parse(&a.level)?,
            industry: a.industry.clone(),
            industry_other: a.industry_other.clone(),
            unit_overview: a.unit_overview.clone(),
            industry_overview: a.industry_overview.clone(),
            society_overview: a.society_overview.clone(),
            work_plan: a.work_plan.clone(),
            term_years: a.term_years.max(0) as u32,
            term_reason: a.term_reason.clone(),
            expert_ids: experts.into_iter().map(|e| e.expert_id).collect(),
            staff: staff
                .into_iter()
                .map(|s| Staff {
                    name: s.name,
                    mobile: s.mobile,
                    duty: s.duty,
                })
                .collect(),
            route: Route::parse(&a.route)?,
        })
    }

    /// One application with everything on it, if the user may see it.
    pub async fn application(
        &self,
        user: &UserView,
        id: i64,
    ) -> Result<ApplicationView, StoreError> {
        let a = self.visible_application(user, id).await?;
        let draft = self.application_draft(&a).await?;
        let r = self.round(a.round_id).await?;
        let unit = self.unit(a.unit_id).await?;
        let society = self.society(a.society_id).await?;
        let experts_by_id: HashMap<i64, expert::Model> = expert::Entity::find()
            .filter(expert::Column::Id.is_in(draft.expert_ids.clone()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let files = file::Entity::find()
            .filter(file::Column::OwnerKind.eq("application"))
            .filter(file::Column::OwnerId.eq(id))
            .filter(file::Column::Removed.eq(false))
            .order_by_asc(file::Column::Id)
            .all(self.db())
            .await?;
        let events = application_event::Entity::find()
            .filter(application_event::Column::ApplicationId.eq(id))
            .order_by_asc(application_event::Column::Id)
            .all(self.db())
            .await?;
        Ok(ApplicationView {
            id: a.id,
            round_id: a.round_id,
            round_name: r.name,
            round_opens_on: r.opens_on,
            round_closes_on: r.closes_on,
            county: unit.county.clone(),
            unit,
            society,
            station_name: a.station_name,
            level: draft.level,
            industry: a.industry,
            industry_other: a.industry_other,
            unit_overview: a.unit_overview,
            industry_overview: a.industry_overview,
            society_overview: a.society_overview,
            work_plan: a.work_plan,
            term_years: a.term_years,
            term_reason: a.term_reason,
            route: draft.route,
            state: State::parse(&a.state)?,
            returned_from: a.returned_from.as_deref().map(State::parse).transpose()?,
            confirmation_requested_at: a.confirmation_requested_at,
            confirmed_at: a.confirmed_at,
            confirmation_opinion: a.confirmation_opinion,
            submitted_at: a.submitted_at,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
            renewal_of: a.renewal_of,
            experts: draft
                .expert_ids
                .iter()
                .filter_map(|id| experts_by_id.get(id).cloned())
                .collect(),
            staff: draft.staff,
            files: files.into_iter().map(FileView::from).collect(),
            opinions: self.opinions(id).await?,
            site_inspections: self.site_inspections(id).await?,
            events: events
                .into_iter()
                .map(|e| EventView {
                    at: e.at,
                    actor_name: e.actor_name,
                    actor_role: e.actor_role,
                    organisation: e.organisation,
                    action: e.action,
                    from_state: e.from_state,
                    to_state: e.to_state,
                    opinion: e.opinion,
                })
                .collect(),
        })
    }

    /// The applications the user may see, newest first, filtered and paged.
    pub async fn list_applications(
        &self,
        user: &UserView,
        f: &ApplicationFilter,
        page: u64,
        per_page: u64,
    ) -> Result<Page<ApplicationRow>, StoreError> {
        use application::Column as C;
        let mut q =
            application::Entity::find().filter(scope_condition(viewer(user).application_scope()));
        if let Some(s) = f.state {
            q = q.filter(C::State.eq(s.as_str()));
        }
        if let Some(c) = f.county.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            q = q.filter(
                C::CountyId.in_subquery(
                    Query::select()
                        .column(county::Column::Id)
                        .from(county::Entity)
                        .and_where(county::Column::Name.eq(c))
                        .to_owned(),
                ),
            );
        }
        if let Some(r) = f.round_id {
            q = q.filter(C::RoundId.eq(r));
        }
        if let Some(l) = f.level {
            q = q.filter(C::Level.eq(l.as_str()));
        }
        if let Some(i) = f.industry.as_deref().filter(|i| !i.is_empty()) {
            q = q.filter(C::Industry.eq(i));
        }
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(crate::contains_text(C::StationName, s))
                    .add(
                        C::UnitId.in_subquery(
                            Query::select()
                                .column(unit::Column::Id)
                                .from(unit::Entity)
                                .and_where(crate::contains_text(unit::Column::Name, s))
                                .to_owned(),
                        ),
                    )
                    .add(
                        C::SocietyId.in_subquery(
                            Query::select()
                                .column(society::Column::Id)
                                .from(society::Entity)
                                .and_where(crate::contains_text(society::Column::Name, s))
                                .to_owned(),
                        ),
                    ),
            );
        }
        let total = q.clone().count(self.db()).await?;
        // Only the columns the list shows (not the form's long texts).
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            String,
            i64,
            i64,
            i64,
            i64,
            String,
            String,
            String,
            Option<chrono::DateTime<Utc>>,
            chrono::DateTime<Utc>,
        )> = q
            .select_only()
            .columns([
                C::Id,
                C::StationName,
                C::UnitId,
                C::SocietyId,
                C::RoundId,
                C::CountyId,
                C::Level,
                C::Industry,
                C::State,
                C::SubmittedAt,
                C::UpdatedAt,
            ])
            .order_by_desc(C::UpdatedAt)
            .order_by_desc(C::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .into_tuple()
            .all(self.db())
            .await?;
        use crate::names::names_of;
        let db = self.db();
        let units = names_of::<unit::Entity, _>(
            db,
            unit::Column::Id,
            unit::Column::Name,
            rows.iter().map(|a| a.2),
        )
        .await?;
        let societies = names_of::<society::Entity, _>(
            db,
            society::Column::Id,
            society::Column::Name,
            rows.iter().map(|a| a.3),
        )
        .await?;
        let rounds = names_of::<round::Entity, _>(
            db,
            round::Column::Id,
            round::Column::Name,
            rows.iter().map(|a| a.4),
        )
        .await?;
        let counties = names_of::<county::Entity, _>(
            db,
            county::Column::Id,
            county::Column::Name,
            rows.iter().map(|a| a.5),
        )
        .await?;
        let items = rows
            .into_iter()
            .map(
                |(
                    id,
                    station_name,
                    unit_id,
                    society_id,
                    round_id,
                    county_id,
                    level,
                    industry,
                    state,
                    submitted_at,
                    updated_at,
                )| {
                    Ok(ApplicationRow {
                        id,
                        station_name,
                        unit_name: units.get(&unit_id).cloned().unwrap_or_default(),
                        society_name: societies.get(&society_id).cloned().unwrap_or_default(),
                        county: counties.get(&county_id).cloned().unwrap_or_default(),
                        round_name: rounds.get(&round_id).cloned().unwrap_or_default(),
                        unit_id,
                        society_id,
                        round_id,
                        level: Level::parse(&level)?,
                        industry,
                        state: State::parse(&state)?,
                        submitted_at,
                        updated_at,
                    })
                },
            )
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Records an uploaded material (already checked and stored under `storage_key`); it
    /// replaces the earlier file of the same kind, which is kept for the record.
    pub async fn attach_material(
        &self,
        user: &UserView,
        id: i64,
        kind: MaterialKind,
        file: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        self.editable_application(user, id).await?;
        let tx = self.begin().await?;
        file::Entity::update_many()
            .col_expr(file::Column::Removed, Expr::value(true))
            .filter(file::Column::OwnerKind.eq("application"))
            .filter(file::Column::OwnerId.eq(id))
            .filter(file::Column::Kind.eq(kind.as_str()))
            .exec(tx.conn())
            .await?;
        let f = file::ActiveModel {
            owner_kind: Set("application".into()),
            owner_id: Set(id),
            kind: Set(kind.as_str().into()),
            filename: Set(file.name.into()),
            content_type: Set(file.content_type.into()),
            size: Set(file.size),
            sha256: Set(file.sha256.into()),
            storage_key: Set(file.key.into()),
            uploaded_by: Set(Some(user.id)),
            uploaded_at: Set(Utc::now()),
            removed: Set(false),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        application::Entity::update_many()
            .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(application::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("application.attach_file", "application", id).after(serde_json::json!({
                "file_id": f.id, "kind": kind.as_str(), "file.name": file.name,
                "file.size": file.size, "file.sha256": file.sha256,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(f.id)
    }

    /// A file the user may see (through the application it belongs to).
    pub async fn file_record(
        &self,
        user: &UserView,
        file_id: i64,
    ) -> Result<file::Model, StoreError> {
        let f = file::Entity::find_by_id(file_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("文件".into()))?;
        match f.owner_kind.as_str() {
            "application" => {
                self.visible_application(user, f.owner_id).await?;
            }
            // Seals are stamped on documents every participant reads.
            "seal" => {}
            // Vouchers and other files of a station: whoever may see the station.
            "station" => {
                self.station_model(user, f.owner_id).await?;
            }
            _ => return Err(DomainError::NotFound("文件".into()).into()),
        }
        Ok(f)
    }

    /// The host asks the society to confirm the cooperation; the society then sees the draft.
    pub async fn request_confirmation(&self, user: &UserView, id: i64) -> Result<(), StoreError> {
        let a = self.editable_application(user, id).await?;
        if a.confirmation_requested_at.is_some() {
            return Ok(());
        }
        let tx = self.begin().await?;
        application::Entity::update_many()
            .col_expr(
                application::Column::ConfirmationRequestedAt,
                Expr::value(Utc::now()),
            )
            .col_expr(application::Column::Version, Expr::value(a.version + 1))
            .filter(application::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        let st = State::parse(&a.state)?;
        event(&tx, id, user, "confirmation_requested", st, st, "").await?;
        tx.audit(
            &user.actor(),
            Change::new("application.request_confirmation", "application", id),
        )
        .await?;
        tx.commit().await
    }

    /// The society confirms the cooperation and the expert team (第七条).
    pub async fn confirm_cooperation(
        &self,
        user: &UserView,
        id: i64,
        opinion: &str,
    ) -> Result<(), StoreError> {
        let a = self.visible_application(user, id).await?;
        if user.role != Role::Society || user.society_id != Some(a.society_id) {
            return Err(DomainError::Forbidden.into());
        }
        let st = State::parse(&a.state)?;
        if !st.editable() {
            return Err(DomainError::Conflict(format!(
                "申报书当前状态为“{}”，无需再确认",
                st.label()
            ))
            .into());
        }
        let opinion = opinion.trim();
        if opinion.chars().count() > 2000 {
            return Err(DomainError::invalid("opinion", "意见不能超过 2000 字").into());
        }
        let tx = self.begin().await?;
        application::Entity::update_many()
            .col_expr(application::Column::ConfirmedAt, Expr::value(Utc::now()))
            .col_expr(
                application::Column::ConfirmationOpinion,
                Expr::value(opinion),
            )
            .col_expr(
                application::Column::ConfirmationRequestedAt,
                Expr::value(a.confirmation_requested_at.unwrap_or_else(Utc::now)),
            )
            .col_expr(application::Column::Version, Expr::value(a.version + 1))
            .filter(application::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        event(&tx, id, user, "confirm", st, st, opinion).await?;
        tx.audit(
            &user.actor(),
            Change::new("application.confirm", "application", id)
                .after(serde_json::json!({"opinion": opinion})),
        )
        .await?;
        tx.commit().await
    }

    /// Gathers the facts the submission rules look at.
    async fn submission_facts<C: sea_orm::ConnectionTrait>(
        db: &C,
        a: &application::Model,
        route: Route,
        today: NaiveDate,
    ) -> Result<SubmissionFacts, StoreError> {
        let r = round::Entity::find_by_id(a.round_id).one(db).await?;
        let u = unit::Entity::find_by_id(a.unit_id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound("单位".into()))?;
        let s = society::Entity::find_by_id(a.society_id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::NotFound("学会".into()))?;
        let chosen: Vec<i64> = application_expert::Entity::find()
            .filter(application_expert::Column::ApplicationId.eq(a.id))
            .all(db)
            .await?
            .into_iter()
            .map(|e| e.expert_id)
            .collect();
        let experts = expert::Entity::find()
            .filter(expert::Column::Id.is_in(chosen.clone()))
            .all(db)
            .await?;
        let of_society = experts
            .iter()
            .filter(|e| e.society_id == a.society_id && e.active)
            .count();
        let staff = application_staff::Entity::find()
            .filter(application_staff::Column::ApplicationId.eq(a.id))
            .count(db)
            .await?;
        let materials: Vec<MaterialKind> = file::Entity::find()
            .filter(file::Column::OwnerKind.eq("application"))
            .filter(file::Column::OwnerId.eq(a.id))
            .filter(file::Column::Removed.eq(false))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|f| MaterialKind::parse(&f.kind).ok())
            .collect();
        // 第七条（七）: the society's other pending application, or its running station (a
        // renewal does not count the station it continues, 第十三条).
        let pending_states: Vec<&str> = State::ALL
            .into_iter()
            .filter(|s| s.is_pending())
            .map(State::as_str)
            .collect();
        let pending = application::Entity::find()
            .filter(application::Column::SocietyId.eq(a.society_id))
            .filter(application::Column::Id.ne(a.id))
            .filter(application::Column::State.is_in(pending_states))
            .one(db)
            .await?
            .map(|o| {
                if o.station_name.is_empty() {
                    format!("申报书 #{}", o.id)
                } else {
                    o.station_name
                }
            });
        let running = station::Entity::find()
            .filter(station::Column::SocietyId.eq(a.society_id))
            .filter(station::Column::Id.ne(a.renewal_of.unwrap_or(-1)))
            .filter(station::Column::Status.is_in(["active", "rectifying"]))
            .one(db)
            .await?
            .map(|s| s.name);
        let holds = pending.or(running);
        Ok(SubmissionFacts {
            today,
            round: r.map(|r| (r.opens_on, r.closes_on)),
            level: Level::parse(&a.level)?,
            nature: UnitNature::parse(&u.nature)?,
            registered_in_yiyang: u.registered_in_yiyang,
            independent_legal_person: u.independent_legal_person,
            has_funded_expert_workstation: u.has_funded_expert_workstation,
            society_level: Level::parse(&s.level)?,
            staff: staff as usize,
            experts_of_society: of_society,
            experts_elsewhere: chosen.len() - of_society,
            term_years: a.term_years.max(0) as u32,
            term_reason: a.term_reason.clone(),
            materials,
            society_holds: holds,
            route,
            society_confirmed: a.confirmed_at.is_some(),
            resubmission: State::parse(&a.state)? == State::Returned,
        })
    }

    /// Runs every submission rule on a draft without submitting it (the host's check).
    pub async fn check_application(
        &self,
        user: &UserView,
        id: i64,
        route: Option<Route>,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<Violation>, StoreError> {
        let a = self.editable_application(user, id).await?;
        let route = route.unwrap_or(Route::parse(&a.route)?);
        let mut v = check_form_complete(&self.application_draft(&a).await?);
        v.extend(check_submission(
            &Self::submission_facts(self.db(), &a, route, today).await?,
            policy,
        ));
        Ok(v)
    }

    /// Submits: every rule is judged inside one transaction (serialised per society, so that
    /// two units cannot both take the same society's one station, 第七条（七）); a refusal
    /// lists every broken rule and changes nothing.
    pub async fn submit_application(
        &self,
        user: &UserView,
        id: i64,
        route: Option<Route>,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<State, StoreError> {
        let a = self.editable_application(user, id).await?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::SOCIETY_BASE + a.society_id).await?;
        // Read again under the lock: someone may have acted since.
        let a = application::Entity::find_by_id(id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("申报书".into()))?;
        let state = State::parse(&a.state)?;
        let route = route.unwrap_or(Route::parse(&a.route)?);
        let returned_from = a.returned_from.as_deref().map(State::parse).transpose()?;
        let target = submission_target(state, route, returned_from)?;
        let mut violations = check_form_complete(&self.application_draft(&a).await?);
        violations.extend(check_submission(
            &Self::submission_facts(tx.conn(), &a, route, today).await?,
            policy,
        ));
        if !violations.is_empty() {
            return Err(DomainError::Ineligible(violations).into());
        }
        let now = Utc::now();
        let res = application::Entity::update_many()
            .col_expr(application::Column::State, Expr::value(target.as_str()))
            .col_expr(application::Column::Route, Expr::value(route.as_str()))
            .col_expr(
                application::Column::SubmittedAt,
                Expr::value(a.submitted_at.unwrap_or(now)),
            )
            .col_expr(
                application::Column::ReturnedFrom,
                Expr::value(Option::<String>::None),
            )
            .col_expr(application::Column::Version, Expr::value(a.version + 1))
            .col_expr(application::Column::UpdatedAt, Expr::value(now))
            .filter(application::Column::Id.eq(id))
            .filter(application::Column::Version.eq(a.version))
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(DomainError::Conflict("申报书已被他人处理，请刷新页面".into()).into());
        }
        let action = if state == State::Returned {
            "resubmit"
        } else {
            "submit"
        };
        event(&tx, id, user, action, state, target, "").await?;
        tx.audit(
            &user.actor(),
            Change::new("application.submit", "application", id)
                .before(serde_json::json!({"state": state.as_str()}))
                .after(serde_json::json!({"state": target.as_str(), "route": route.as_str()})),
        )
        .await?;
        tx.commit().await?;
        Ok(target)
    }
}

fn draft_fields(d: &Draft) -> application::ActiveModel {
    application::ActiveModel {
        round_id: Set(d.round_id),
        society_id: Set(d.society_id),
        station_name: Set(d.station_name.clone()),
        level: Set(d.level.as_str().into()),
        industry: Set(d.industry.clone()),
        industry_other: Set(d.industry_other.clone()),
        unit_overview: Set(d.unit_overview.clone()),
        industry_overview: Set(d.industry_overview.clone()),
        society_overview: Set(d.society_overview.clone()),
        work_plan: Set(d.work_plan.clone()),
        term_years: Set(d.term_years as i32),
        term_reason: Set(d.term_reason.clone()),
        route: Set(d.route.as_str().into()),
        ..Default::default()
    }
}

pub(crate) async fn replace_team(tx: &Tx, id: i64, d: &Draft) -> Result<(), StoreError> {
    application_expert::Entity::delete_many()
        .filter(application_expert::Column::ApplicationId.eq(id))
        .exec(tx.conn())
        .await?;
    for (i, e) in d.expert_ids.iter().enumerate() {
        application_expert::ActiveModel {
            application_id: Set(id),
            expert_id: Set(*e),
            position: Set(i as i32),
        }
        .insert(tx.conn())
        .await?;
    }
    application_staff::Entity::delete_many()
        .filter(application_staff::Column::ApplicationId.eq(id))
        .exec(tx.conn())
        .await?;
    for (i, s) in d.staff.iter().enumerate() {
        application_staff::ActiveModel {
            application_id: Set(id),
            position: Set(i as i32),
            name: Set(s.name.clone()),
            mobile: Set(s.mobile.clone()),
            duty: Set(s.duty.clone()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
    }
    Ok(())
}

pub(crate) async fn event(
    tx: &Tx,
    id: i64,
    user: &UserView,
    action: &str,
    from: State,
    to: State,
    opinion: &str,
) -> Result<(), StoreError> {
    application_event::ActiveModel {
        application_id: Set(id),
        at: Set(now_text()),
        actor_id: Set(Some(user.id)),
        actor_name: Set(user.display_name.clone()),
        actor_role: Set(user.role.as_str().into()),
        organisation: Set(user.organisation.clone()),
        action: Set(action.into()),
        from_state: Set(from.as_str().into()),
        to_state: Set(to.as_str().into()),
        opinion: Set(opinion.into()),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    Ok(())
}
