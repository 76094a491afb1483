//! After the term and changes of a station (第十三条、第十四条): renewal applications, merge /
//! reorganisation / revocation requests and city CAST's decisions. The rules are the domain's
//! (`lifecycle`); this module gathers their facts and applies them in one transaction each.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::State;
use stationhub_domain::lifecycle::{
    ChangeRequest, DecisionFacts, RenewalFacts, RequestFacts, RequestKind, RequestState,
    check_decision, check_renewal, check_request,
};
use stationhub_domain::policy::Policy;
use stationhub_domain::station::{Grade, StationStatus};

use crate::accounts::UserView;
use crate::applications::{event, replace_team};
use crate::audit::Change;
use crate::entity::{application, assessment, expert, file, station, station_request};
use crate::files::FileMeta;
use crate::review::{notify, role_users, unit_users};
use crate::stations::{is_host, runs_station};
use crate::{Store, StoreError, Tx};

/// A change request with what a page or the API shows of it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub id: i64,
    pub station_id: i64,
    pub station_name: String,
    pub kind: String,
    pub kind_label: String,
    pub reason: String,
    pub target_station_id: Option<i64>,
    pub target_station_name: Option<String>,
    pub new_name: String,
    pub letter_file_id: Option<i64>,
    pub requested_by_role: String,
    pub requested_at: chrono::DateTime<Utc>,
    /// `requested_at` in Asia/Shanghai, as pages show it.
    pub requested_at_local: String,
    pub state: String,
    pub state_label: String,
    pub decision_reason: String,
    pub decided_on: Option<NaiveDate>,
}

async fn station_status<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: Option<i64>,
) -> Result<Option<StationStatus>, StoreError> {
    let Some(id) = id else { return Ok(None) };
    match station::Entity::find_by_id(id).one(db).await? {
        Some(s) => Ok(Some(StationStatus::parse(&s.status)?)),
        None => Ok(None),
    }
}

impl Store {
    /// The host unit or the society asks city CAST to merge, reorganise or revoke its station
    /// (第十四条). The written request is uploaded next (`attach_request_letter`).
    pub async fn request_change(
        &self,
        user: &UserView,
        station_id: i64,
        r: ChangeRequest,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::LIFECYCLE_BASE + station_id).await?;
        let pending = station_request::Entity::find()
            .filter(station_request::Column::StationId.eq(station_id))
            .filter(station_request::Column::State.eq(RequestState::Pending.as_str()))
            .count(tx.conn())
            .await?;
        let s = station::Entity::find_by_id(s.id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("学会服务站".into()))?;
        check_request(
            &r,
            &RequestFacts {
                role: user.role,
                is_own_station: runs_station(user, &s),
                status: StationStatus::parse(&s.status)?,
                pending_request: pending > 0,
                station_id,
                target_status: station_status(tx.conn(), r.target_station_id).await?,
            },
        )?;
        let m = station_request::ActiveModel {
            station_id: Set(station_id),
            kind: Set(r.kind.as_str().into()),
            reason: Set(r.reason.clone()),
            target_station_id: Set(r.target_station_id),
            new_name: Set(r.new_name.clone()),
            letter_file_id: Set(None),
            requested_by_role: Set(user.role.as_str().into()),
            requested_by: Set(user.id),
            requested_at: Set(Utc::now()),
            state: Set(RequestState::Pending.as_str().into()),
            decision_reason: Set(String::new()),
            decided_by: Set(None),
            decided_on: Set(None),
            decided_at: Set(None),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            &user.actor(),
            Change::new("station.request", "station_request", m.id).after(&r),
        )
        .await?;
        let cast = role_users(&tx, Role::CityCast, None).await?;
        notify(
            &tx,
            &cast,
            &format!("服务站{}申请", r.kind.label()),
            &format!(
                "“{}”提出{}申请，待市科协决定（第十四条）。",
                s.name,
                r.kind.label()
            ),
            &format!("/stations/{station_id}#requests"),
        )
        .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    /// Attaches the written request (书面申请) to a pending request of the user's station; the file
    /// is already checked and stored. A later letter replaces the earlier one (which is kept).
    pub async fn attach_request_letter(
        &self,
        user: &UserView,
        station_id: i64,
        request_id: i64,
        file: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        if !runs_station(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        let tx = self.begin().await?;
        tx.lock(crate::locks::LIFECYCLE_BASE + station_id).await?;
        let r = station_request::Entity::find_by_id(request_id)
            .one(tx.conn())
            .await?
            .filter(|r| r.station_id == station_id)
            .ok_or_else(|| DomainError::NotFound("申请".into()))?;
        if r.state != RequestState::Pending.as_str() {
            return Err(DomainError::Conflict("申请已决定，不能再更换书面申请".into()).into());
        }
        let f = station_file(&tx, user, station_id, "request_letter", file).await?;
        station_request::Entity::update_many()
            .col_expr(station_request::Column::LetterFileId, Expr::value(f))
            .filter(station_request::Column::Id.eq(r.id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("station.request_letter", "station_request", r.id)
                .before(serde_json::json!({"file_id": r.letter_file_id}))
                .after(serde_json::json!({"file_id": f, "file.sha256": file.sha256})),
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// City CAST decides a request (第十四条); approving sets the station's status (merged /
    /// revoked) or, for a reorganisation, its new name. The host unit is told.
    pub async fn decide_request(
        &self,
        user: &UserView,
        request_id: i64,
        approve: bool,
        reason: &str,
        today: NaiveDate,
    ) -> Result<RequestView, StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        let r = station_request::Entity::find_by_id(request_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("申请".into()))?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::LIFECYCLE_BASE + r.station_id).await?;
        // Read again under the lock: another officer may have decided since.
        let r = station_request::Entity::find_by_id(request_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("申请".into()))?;
        let s = station::Entity::find_by_id(r.station_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("学会服务站".into()))?;
        let kind = RequestKind::parse(&r.kind)?;
        let status = StationStatus::parse(&s.status)?;
        check_decision(&DecisionFacts {
            role: user.role,
            state: RequestState::parse(&r.state)?,
            approve,
            reason: reason.to_string(),
            has_letter: r.letter_file_id.is_some(),
            kind,
            status,
            target_status: station_status(tx.conn(), r.target_station_id).await?,
        })?;
        let reason = reason.trim().chars().take(5000).collect::<String>();
        let state = if approve {
            RequestState::Approved
        } else {
            RequestState::Declined
        };
        let now = Utc::now();
        let res = station_request::Entity::update_many()
            .col_expr(station_request::Column::State, Expr::value(state.as_str()))
            .col_expr(
                station_request::Column::DecisionReason,
                Expr::value(reason.clone()),
            )
            .col_expr(station_request::Column::DecidedBy, Expr::value(user.id))
            .col_expr(station_request::Column::DecidedOn, Expr::value(today))
            .col_expr(station_request::Column::DecidedAt, Expr::value(now))
            .filter(station_request::Column::Id.eq(r.id))
            .filter(station_request::Column::State.eq(RequestState::Pending.as_str()))
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(DomainError::Conflict("该申请已被他人处理，请刷新页面".into()).into());
        }
        let mut after = serde_json::json!({"state": state.as_str(), "reason": reason});
        if approve {
            let mut q = station::Entity::update_many()
                .col_expr(station::Column::UpdatedAt, Expr::value(now))
                .filter(station::Column::Id.eq(s.id));
            if let Some(new_status) = kind.status_after() {
                q = q.col_expr(station::Column::Status, Expr::value(new_status.as_str()));
                after["station_status"] = new_status.as_str().into();
            }
            if kind == RequestKind::Reorganise && !r.new_name.is_empty() {
                q = q.col_expr(station::Column::Name, Expr::value(r.new_name.clone()));
                after["station_name"] = r.new_name.clone().into();
            }
            q.exec(tx.conn()).await?;
            tx.audit(
                &user.actor(),
                Change::new("station.change", "station", s.id)
                    .before(serde_json::json!({"status": s.status, "name": s.name}))
                    .after(after.clone()),
            )
            .await?;
        }
        tx.audit(
            &user.actor(),
            Change::new("station.request_decision", "station_request", r.id)
                .before(serde_json::json!({"state": r.state}))
                .after(after),
        )
        .await?;
        let host = unit_users(&tx, s.unit_id).await?;
        notify(
            &tx,
            &host,
            &format!("服务站{}申请：{}", kind.label(), state.label()),
            &format!(
                "市科协对“{}”的{}申请作出决定：{}。{}",
                s.name,
                kind.label(),
                state.label(),
                reason
            ),
            &format!("/stations/{}#requests", s.id),
        )
        .await?;
        tx.commit().await?;
        self.request_views(vec![
            station_request::Entity::find_by_id(r.id)
                .one(self.db())
                .await?
                .ok_or_else(|| DomainError::NotFound("申请".into()))?,
        ])
        .await?
        .pop()
        .ok_or_else(|| DomainError::NotFound("申请".into()).into())
    }

    /// A station's requests, newest first.
    pub async fn station_requests(
        &self,
        user: &UserView,
        station_id: i64,
    ) -> Result<Vec<RequestView>, StoreError> {
        self.station_model(user, station_id).await?;
        let rows = station_request::Entity::find()
            .filter(station_request::Column::StationId.eq(station_id))
            .order_by_desc(station_request::Column::Id)
            .all(self.db())
            .await?;
        self.request_views(rows).await
    }

    /// The requests awaiting city CAST's decision, oldest first (city roles and supervisors).
    pub async fn pending_requests(&self, user: &UserView) -> Result<Vec<RequestView>, StoreError> {
        if !matches!(
            user.role,
            Role::CityCast | Role::TalentOffice | Role::Supervisor
        ) {
            return Err(DomainError::Forbidden.into());
        }
        let rows = station_request::Entity::find()
            .filter(station_request::Column::State.eq(RequestState::Pending.as_str()))
            .order_by_asc(station_request::Column::Id)
            .all(self.db())
            .await?;
        self.request_views(rows).await
    }

    async fn request_views(
        &self,
        rows: Vec<station_request::Model>,
    ) -> Result<Vec<RequestView>, StoreError> {
        let ids: Vec<i64> = rows
            .iter()
            .flat_map(|r| [Some(r.station_id), r.target_station_id])
            .flatten()
            .collect();
        let names: std::collections::HashMap<i64, String> = station::Entity::find()
            .filter(station::Column::Id.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        rows.into_iter()
            .map(|r| {
                let kind = RequestKind::parse(&r.kind)?;
                let state = RequestState::parse(&r.state)?;
                Ok(RequestView {
                    id: r.id,
                    station_id: r.station_id,
                    station_name: names.get(&r.station_id).cloned().unwrap_or_default(),
                    kind: r.kind,
                    kind_label: kind.label().into(),
                    reason: r.reason,
                    target_station_id: r.target_station_id,
                    target_station_name: r.target_station_id.and_then(|t| names.get(&t).cloned()),
                    new_name: r.new_name,
                    letter_file_id: r.letter_file_id,
                    requested_by_role: r.requested_by_role,
                    requested_at_local: stationhub_domain::clock::format_local(r.requested_at),
                    requested_at: r.requested_at,
                    state: r.state,
                    state_label: state.label().into(),
                    decision_reason: r.decision_reason,
                    decided_on: r.decided_on,
                })
            })
            .collect()
    }

    /// The facts of a renewal of this station (第十三条), for the station page's button.
    pub async fn renewal_check(
        &self,
        user: &UserView,
        s: &station::Model,
        policy: &Policy,
    ) -> Result<Result<(), DomainError>, StoreError> {
        Ok(check_renewal(
            &self.renewal_facts(self.db(), user, s, policy).await?,
        ))
    }

    async fn renewal_facts<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        user: &UserView,
        s: &station::Model,
        policy: &Policy,
    ) -> Result<RenewalFacts, StoreError> {
        let term_end = assessment::Entity::find()
            .filter(assessment::Column::StationId.eq(s.id))
            .filter(assessment::Column::Year.eq(policy.application.term_years as i32))
            .one(db)
            .await?;
        let term_end_grade = term_end.map(|a| Grade::parse(&a.grade)).transpose()?;
        let live: Vec<&str> = State::ALL
            .into_iter()
            .filter(|x| !matches!(x, State::Rejected))
            .map(State::as_str)
            .collect();
        let renewal_in_progress = application::Entity::find()
            .filter(application::Column::RenewalOf.eq(s.id))
            .filter(application::Column::State.is_in(live))
            .one(db)
            .await?
            .map(|a| a.id);
        Ok(RenewalFacts {
            is_host: is_host(user, s),
            status: StationStatus::parse(&s.status)?,
            term_end_grade,
            renewal_in_progress,
        })
    }

    /// The host unit applies to continue its station after a passing term end (第十三条): a
    /// new draft in the open round, pre-filled from the station's last application (its texts,
    /// team and staff; the materials are uploaded afresh), then reviewed like a new one.
    pub async fn start_renewal(
        &self,
        user: &UserView,
        station_id: i64,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        check_renewal(&self.renewal_facts(self.db(), user, &s, policy).await?)?;
        let round = self
            .open_round(today)
            .await?
            .ok_or_else(|| DomainError::Rule {
                code: "no_open_round",
                article: "第八条",
                message: "当前没有开放的申报批次，继续运行的申请须在申报批次内提出".into(),
            })?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::LIFECYCLE_BASE + station_id).await?;
        check_renewal(&self.renewal_facts(tx.conn(), user, &s, policy).await?)?;
        let old = application::Entity::find_by_id(s.application_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("原申报书".into()))?;
        let mut d = self.application_draft(&old).await?;
        d.round_id = round.id;
        d.station_name = s.name.clone();
        // Only the society's experts still on its roster carry over.
        let active: std::collections::HashSet<i64> = expert::Entity::find()
            .filter(expert::Column::SocietyId.eq(s.society_id))
            .filter(expert::Column::Active.eq(true))
            .all(tx.conn())
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect();
        d.expert_ids.retain(|e| active.contains(e));
        let now = Utc::now();
        let a = application::ActiveModel {
            round_id: Set(round.id),
            unit_id: Set(s.unit_id),
            society_id: Set(s.society_id),
            county_id: Set(s.county_id),
            station_name: Set(d.station_name.clone()),
            level: Set(s.level.clone()),
            industry: Set(old.industry.clone()),
            industry_other: Set(old.industry_other.clone()),
            unit_overview: Set(old.unit_overview.clone()),
            industry_overview: Set(old.industry_overview.clone()),
            society_overview: Set(old.society_overview.clone()),
            work_plan: Set(old.work_plan.clone()),
            term_years: Set(old.term_years),
            term_reason: Set(old.term_reason.clone()),
            route: Set(old.route.clone()),
            state: Set(State::Draft.as_str().into()),
            returned_from: Set(None),
            confirmation_requested_at: Set(None),
            confirmed_at: Set(None),
            confirmation_opinion: Set(String::new()),
            submitted_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            renewal_of: Set(Some(s.id)),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        replace_team(&tx, a.id, &d).await?;
        event(&tx, a.id, user, "renew", State::Draft, State::Draft, "").await?;
        tx.audit(
            &user.actor(),
            Change::new("application.renewal", "application", a.id).after(serde_json::json!({
                "renewal_of": s.id, "from_application": old.id, "round_id": round.id,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(a.id)
    }

    /// The renewal application of a station, if any (newest first).
    pub async fn renewal_of_station(
        &self,
        station_id: i64,
    ) -> Result<Option<application::Model>, StoreError> {
        Ok(application::Entity::find()
            .filter(application::Column::RenewalOf.eq(station_id))
            .order_by_desc(application::Column::Id)
            .one(self.db())
            .await?)
    }
}

/// When a renewal is awarded the station it continues becomes `renewed` (第十三条); called in
/// the award's transaction.
pub(crate) async fn mark_renewed(
    tx: &Tx,
    user: &UserView,
    old_station_id: i64,
    new_station_id: i64,
) -> Result<(), StoreError> {
    let Some(old) = station::Entity::find_by_id(old_station_id)
        .one(tx.conn())
        .await?
    else {
        return Ok(());
    };
    station::Entity::update_many()
        .col_expr(
            station::Column::Status,
            Expr::value(StationStatus::Renewed.as_str()),
        )
        .col_expr(station::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(station::Column::Id.eq(old.id))
        .exec(tx.conn())
        .await?;
    tx.audit(
        &user.actor(),
        Change::new("station.renewed", "station", old.id)
            .before(serde_json::json!({"status": old.status}))
            .after(serde_json::json!({"status": "renewed", "continued_by": new_station_id})),
    )
    .await?;
    Ok(())
}

/// Stores the record of a file of a station (voucher, sign-in sheet, report, written request);
/// the bytes are already in the file store.
pub(crate) async fn station_file(
    tx: &Tx,
    user: &UserView,
    station_id: i64,
    kind: &str,
    file: &FileMeta<'_>,
) -> Result<i64, StoreError> {
    Ok(file::ActiveModel {
        owner_kind: Set("station".into()),
        owner_id: Set(station_id),
        kind: Set(kind.into()),
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
    .await?
    .id)
}

impl Store {
    /// The running stations (active or rectifying) by name: where a merge may go.
    pub async fn running_stations(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(station::Entity::find()
            .filter(station::Column::Status.is_in(["active", "rectifying"]))
            .order_by_asc(station::Column::Name)
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect())
    }
}
