//! 审核、公示、授牌: the review decisions (with opinions, site inspections and the quota), the
//! working-day calendar, public notices with objections, the award with its document number,
//! stations, and the in-app inbox. The rules are the domain's (`review`, `notice`, `calendar`);
//! this module loads, applies them inside one transaction, and records opinion, history, audit
//! entry and notifications together.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::{Level, State};
use stationhub_domain::calendar::{CalendarDay, UnknownYears, WorkCalendar, builtin_days};
use stationhub_domain::notice::{
    AwardFacts, ObjectionInput, Outcome, check_award, check_notice_start, check_objection_window,
    notice_end, term_end,
};
use stationhub_domain::policy::Policy;
use stationhub_domain::review::{Action, SiteInspection, check_quota, decide, step_of};

use crate::accounts::UserView;
use crate::audit::Change;
use crate::entity::{
    application, application_event, calendar_day, calendar_year, doc_sequence, notice, notice_item,
    notification, objection, opinion, round, site_inspection, station, unit, user,
};
use crate::files::FileMeta;
use crate::{Actor, Page, Store, StoreError, Tx};

/// States in which a municipal application counts against its round's quota.
const COUNTED_FOR_QUOTA: [State; 3] = [State::Approved, State::Notice, State::Awarded];

/// A waiting item of a reviewer's queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    pub id: i64,
    pub station_name: String,
    pub unit_name: String,
    pub county: String,
    pub level: Level,
    pub state: State,
    /// When it reached this step.
    pub since: chrono::DateTime<Utc>,
    pub days_waiting: i64,
}

/// A public notice with the applications on it.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub working_days: i32,
    pub plain_weekends_assumed: bool,
    pub items: Vec<NoticeItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeItem {
    pub application_id: i64,
    pub station_name: String,
    pub level: Level,
    pub industry: String,
    pub unit_name: String,
    pub society_name: String,
    pub county: String,
    pub state: State,
}

/// A station as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct StationView {
    pub id: i64,
    pub application_id: i64,
    pub name: String,
    pub level: Level,
    pub industry: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub society_id: i64,
    pub society_name: String,
    pub county: String,
    pub document_number: String,
    pub awarded_on: NaiveDate,
    pub term_ends_on: NaiveDate,
    pub status: String,
    /// Named before the measures and imported (第八条), not awarded in the system.
    pub imported: bool,
}

/// What [`Store::stations`] depends on, as a [`Store::memo`] key.
pub fn stations_key(f: &StationFilter, page: u64, per_page: u64) -> String {
    format!("stations|{f:?}|{page}|{per_page}")
}

/// Filters of the station list.
#[derive(Debug, Clone, Default)]
pub struct StationFilter {
    pub q: Option<String>,
    pub county: Option<String>,
    pub level: Option<Level>,
    pub status: Option<String>,
    /// The public list: active and rectifying stations only.
    pub public: bool,
}

fn conflict(msg: impl Into<String>) -> StoreError {
    DomainError::Conflict(msg.into()).into()
}

impl Store {
    // ---------------------------------------------------------------- calendar

    /// Adds the shipped years' schedules that the database does not have yet. A year city
    /// CAST has edited is left as it is.
    pub async fn seed_calendar(&self) -> Result<(), StoreError> {
        let known: Vec<i32> = calendar_year::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|y| y.year)
            .collect();
        let missing: Vec<_> = builtin_days()
            .into_iter()
            .filter(|(y, _)| !known.contains(y))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let tx = self.begin().await?;
        tx.lock(crate::locks::CALENDAR).await?;
        let now = Utc::now();
        for (year, days) in missing {
            if calendar_year::Entity::find_by_id(year)
                .one(tx.conn())
                .await?
                .is_some()
            {
                continue;
            }
            calendar_year::ActiveModel {
                year: Set(year),
                source: Set("builtin".into()),
                updated_at: Set(now),
            }
            .insert(tx.conn())
            .await?;
            for d in days {
                upsert_day(&tx, &d, "builtin").await?;
            }
        }
        tx.commit().await
    }

    pub async fn calendar(&self) -> Result<WorkCalendar, StoreError> {
        let years = calendar_year::Entity::find().all(self.db()).await?;
        let days = calendar_day::Entity::find().all(self.db()).await?;
        Ok(WorkCalendar::new(
            years.into_iter().map(|y| y.year),
            days.into_iter().map(|d| CalendarDay {
                date: d.day,
                name: d.name,
                off: d.off,
            }),
        ))
    }

    /// Adds or corrects one listed day (city CAST).
    pub async fn calendar_set_day(&self, actor: &Actor, d: CalendarDay) -> Result<(), StoreError> {
        let tx = self.begin().await?;
        let before = calendar_day::Entity::find_by_id(d.date)
            .one(tx.conn())
            .await?;
        upsert_day(&tx, &d, "edited").await?;
        tx.audit(
            actor,
            Change::new("calendar.set_day", "calendar_day", d.date)
                .before(before.map(|b| serde_json::json!({"name": b.name, "off": b.off})))
                .after(&d),
        )
        .await?;
        tx.commit().await
    }

    /// Removes a listed day: it becomes an ordinary weekday or weekend day.
    pub async fn calendar_remove_day(
        &self,
        actor: &Actor,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        let tx = self.begin().await?;
        let before = calendar_day::Entity::find_by_id(date)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("日历中的该日".into()))?;
        calendar_day::Entity::delete_by_id(date)
            .exec(tx.conn())
            .await?;
        tx.audit(
            actor,
            Change::new("calendar.remove_day", "calendar_day", date)
                .before(serde_json::json!({"name": before.name, "off": before.off})),
        )
        .await?;
        tx.commit().await
    }

    /// Declares a year's schedule entered (its listed days are added with `calendar_set_day`).
    pub async fn calendar_add_year(&self, actor: &Actor, year: i32) -> Result<(), StoreError> {
        if !(2000..=2100).contains(&year) {
            return Err(DomainError::invalid("year", "年份须在 2000 至 2100 之间").into());
        }
        let tx = self.begin().await?;
        if calendar_year::Entity::find_by_id(year)
            .one(tx.conn())
            .await?
            .is_some()
        {
            return Err(conflict(format!("{year} 年的安排已在日历中")));
        }
        calendar_year::ActiveModel {
            year: Set(year),
            source: Set("edited".into()),
            updated_at: Set(Utc::now()),
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            actor,
            Change::new("calendar.add_year", "calendar_year", year),
        )
        .await?;
        tx.commit().await
    }

    // ---------------------------------------------------------------- decisions

    /// Takes a review decision on an application the user may see: the step must be current
    /// and the user's (else 409/403), the opinion given; a municipal approval counts against
    /// the round's quota inside the same transaction (serialised per round across servers).
    #[allow(clippy::too_many_arguments)]
    pub async fn decide(
        &self,
        user: &UserView,
        id: i64,
        action: Action,
        opinion_text: &str,
        site: Option<SiteInspection>,
        today: NaiveDate,
    ) -> Result<State, StoreError> {
        let seen = self.visible_application(user, id).await?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::ROUND_BASE + seen.round_id).await?;
        let a = application::Entity::find_by_id(id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("申报书".into()))?;
        let state = State::parse(&a.state)?;
        let next = decide(state, user.role, action)?;
        let level = Level::parse(&a.level)?;
        if action == Action::Approve {
            let r = round::Entity::find_by_id(a.round_id)
                .one(tx.conn())
                .await?
                .ok_or_else(|| DomainError::NotFound("申报批次".into()))?;
            let already = application::Entity::find()
                .filter(application::Column::RoundId.eq(a.round_id))
                .filter(application::Column::Level.eq(Level::Municipal.as_str()))
                .filter(
                    application::Column::State.is_in(COUNTED_FOR_QUOTA.iter().map(|s| s.as_str())),
                )
                .count(tx.conn())
                .await?;
            check_quota(level, already as u32, r.municipal_quota.max(0) as u32)?;
        }
        let res = application::Entity::update_many()
            .col_expr(application::Column::State, Expr::value(next.as_str()))
            .col_expr(
                application::Column::ReturnedFrom,
                Expr::value((next == State::Returned).then(|| state.as_str().to_string())),
            )
            .col_expr(application::Column::Version, Expr::value(a.version + 1))
            .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(application::Column::Id.eq(id))
            .filter(application::Column::State.eq(state.as_str()))
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(conflict("该申报书已被他人处理，请刷新页面"));
        }
        if let Some(s) = &site {
            site_inspection::ActiveModel {
                application_id: Set(id),
                inspected_on: Set(s.date),
                inspectors: Set(serde_json::to_string(&s.inspectors).unwrap_or_default()),
                findings: Set(s.findings.clone()),
                recorded_by: Set(Some(user.id)),
                at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(tx.conn())
            .await?;
        }
        opinion::ActiveModel {
            application_id: Set(id),
            step: Set(state.as_str().into()),
            action: Set(action.as_str().into()),
            role: Set(user.role.as_str().into()),
            organisation: Set(user.organisation.clone()),
            seal_owner: Set(user
                .office_id
                .map(|o| format!("office:{o}"))
                .unwrap_or_default()),
            person_id: Set(Some(user.id)),
            person_name: Set(user.display_name.clone()),
            text: Set(opinion_text.into()),
            decided_on: Set(today),
            at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        history(&tx, id, user, action.as_str(), state, next, opinion_text).await?;
        tx.audit(
            &user.actor(),
            Change::new("application.decide", "application", id)
                .before(serde_json::json!({"state": state.as_str()}))
                .after(serde_json::json!({
                    "state": next.as_str(), "action": action.as_str(), "opinion": opinion_text,
                    "site_inspection": site,
                })),
        )
        .await?;
        let title = format!(
            "“{}”：{}（{}）",
            display_name(&a),
            action.label(),
            user.organisation
        );
        let link = format!("/applications/{id}");
        notify(
            &tx,
            &unit_users(&tx, a.unit_id).await?,
            &title,
            opinion_text,
            &link,
        )
        .await?;
        if let Some(step) = step_of(next) {
            let to = role_users(&tx, step.owner, Some(a.county_id)).await?;
            notify(
                &tx,
                &to,
                &format!("待办：{}", title),
                "请办理该申报书",
                &link,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(next)
    }

    /// The opinions given on an application, oldest first.
    pub async fn opinions(&self, application_id: i64) -> Result<Vec<opinion::Model>, StoreError> {
        Ok(opinion::Entity::find()
            .filter(opinion::Column::ApplicationId.eq(application_id))
            .order_by_asc(opinion::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn site_inspections(
        &self,
        application_id: i64,
    ) -> Result<Vec<site_inspection::Model>, StoreError> {
        Ok(site_inspection::Entity::find()
            .filter(site_inspection::Column::ApplicationId.eq(application_id))
            .order_by_asc(site_inspection::Column::Id)
            .all(self.db())
            .await?)
    }

    /// What waits for this reviewer, oldest first, with the days it has waited.
    pub async fn queue(
        &self,
        user: &UserView,
        today: NaiveDate,
    ) -> Result<Vec<QueueItem>, StoreError> {
        let states: Vec<State> = match user.role {
            Role::CityCast => vec![State::CityReview, State::Approved],
            Role::TalentOffice => vec![State::Approval, State::Notice],
            r => crate::review::steps_of(r),
        };
        if states.is_empty() {
            return Ok(vec![]);
        }
        let mut q = application::Entity::find()
            .filter(application::Column::State.is_in(states.iter().map(|s| s.as_str())));
        if matches!(user.role, Role::CountyCast | Role::CountyTalent) {
            q = q.filter(application::Column::CountyId.eq(user.county_id.unwrap_or(-1)));
        }
        let apps = q.all(self.db()).await?;
        let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
        let last_event: HashMap<i64, String> = application_event::Entity::find()
            .filter(application_event::Column::ApplicationId.is_in(ids.clone()))
            .order_by_asc(application_event::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|e| (e.application_id, e.at))
            .collect();
        let units: HashMap<i64, String> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(apps.iter().map(|a| a.unit_id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let counties: HashMap<i64, String> = self
            .counties()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let mut items = apps
            .into_iter()
            .map(|a| {
                let since = last_event
                    .get(&a.id)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.to_utc())
                    .unwrap_or(a.updated_at);
                let local = since.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
                Ok(QueueItem {
                    id: a.id,
                    station_name: display_name(&a),
                    unit_name: units.get(&a.unit_id).cloned().unwrap_or_default(),
                    county: counties.get(&a.county_id).cloned().unwrap_or_default(),
                    level: Level::parse(&a.level)?,
                    state: State::parse(&a.state)?,
                    since,
                    days_waiting: (today - local).num_days().max(0),
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        items.sort_by_key(|i| i.since);
        Ok(items)
    }

    // ---------------------------------------------------------------- notices

    /// Publishes a public notice of approved applications (city CAST). Its last day is the
    /// `min_working_days`-th working day from `starts_on` (第八条（三）).
    #[allow(clippy::too_many_arguments)]
    pub async fn publish_notice(
        &self,
        user: &UserView,
        application_ids: &[i64],
        starts_on: NaiveDate,
        unknown: UnknownYears,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<(i64, NaiveDate), StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        if application_ids.is_empty() {
            return Err(DomainError::invalid("application_ids", "请选择要公示的申报").into());
        }
        check_notice_start(starts_on, today)?;
        let ends_on = notice_end(&self.calendar().await?, starts_on, policy, unknown)?;
        let tx = self.begin().await?;
        let mut apps = Vec::new();
        for id in application_ids {
            let a = application::Entity::find_by_id(*id)
                .one(tx.conn())
                .await?
                .ok_or_else(|| DomainError::NotFound(format!("申报书 {id}")))?;
            if State::parse(&a.state)? != State::Approved {
                return Err(conflict(format!(
                    "“{}”当前为“{}”，只有市委人才办审定通过的申报可以公示（已被他人处理？）",
                    display_name(&a),
                    State::parse(&a.state)?.label()
                )));
            }
            apps.push(a);
        }
        let n = notice::ActiveModel {
            title: Set(format!(
                "关于{}学会服务站拟认定名单的公示",
                starts_on.year()
            )),
            starts_on: Set(starts_on),
            ends_on: Set(ends_on),
            working_days: Set(policy.notice.min_working_days as i32),
            plain_weekends_assumed: Set(unknown == UnknownYears::AssumePlainWeekends),
            created_by: Set(Some(user.id)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        for a in &apps {
            notice_item::ActiveModel {
                notice_id: Set(n.id),
                application_id: Set(a.id),
            }
            .insert(tx.conn())
            .await?;
            let res = application::Entity::update_many()
                .col_expr(
                    application::Column::State,
                    Expr::value(State::Notice.as_str()),
                )
                .col_expr(application::Column::Version, Expr::value(a.version + 1))
                .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(application::Column::Id.eq(a.id))
                .filter(application::Column::State.eq(State::Approved.as_str()))
                .exec(tx.conn())
                .await?;
            if res.rows_affected == 0 {
                return Err(conflict("申报书已被他人处理，请刷新页面"));
            }
            history(
                &tx,
                a.id,
                user,
                "notice",
                State::Approved,
                State::Notice,
                &format!("公示期 {starts_on} 至 {ends_on}"),
            )
            .await?;
            notify(
                &tx,
                &unit_users(&tx, a.unit_id).await?,
                &format!("“{}”进入公示（{starts_on} 至 {ends_on}）", display_name(a)),
                "公示期满且无异议后授牌。",
                &format!("/notices/{}", n.id),
            )
            .await?;
        }
        tx.audit(
            &user.actor(),
            Change::new("notice.publish", "notice", n.id).after(serde_json::json!({
                "application_ids": application_ids, "starts_on": starts_on, "ends_on": ends_on,
                "plain_weekends_assumed": unknown == UnknownYears::AssumePlainWeekends,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok((n.id, ends_on))
    }

    pub async fn notice(&self, id: i64) -> Result<NoticeView, StoreError> {
        let n = notice::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("公示".into()))?;
        let ids: Vec<i64> = notice_item::Entity::find()
            .filter(notice_item::Column::NoticeId.eq(id))
            .all(self.db())
            .await?
            .into_iter()
            .map(|i| i.application_id)
            .collect();
        let apps = application::Entity::find()
            .filter(application::Column::Id.is_in(ids))
            .order_by_asc(application::Column::Id)
            .all(self.db())
            .await?;
        let mut items = Vec::new();
        for a in apps {
            let u = self.unit(a.unit_id).await?;
            let s = self.society(a.society_id).await?;
            items.push(NoticeItem {
                application_id: a.id,
                station_name: display_name(&a),
                level: Level::parse(&a.level)?,
                industry: a.industry.clone(),
                unit_name: u.name,
                society_name: s.name,
                county: u.county,
                state: State::parse(&a.state)?,
            });
        }
        Ok(NoticeView {
            id: n.id,
            title: n.title,
            starts_on: n.starts_on,
            ends_on: n.ends_on,
            working_days: n.working_days,
            plain_weekends_assumed: n.plain_weekends_assumed,
            items,
        })
    }

    /// Notices, newest first.
    pub async fn notices(&self) -> Result<Vec<notice::Model>, StoreError> {
        Ok(notice::Entity::find()
            .order_by_desc(notice::Column::StartsOn)
            .order_by_desc(notice::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Anyone lodges an objection while the notice runs (第八条（三）).
    pub async fn lodge_objection(
        &self,
        notice_id: i64,
        input: ObjectionInput,
        addr: &str,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<i64, StoreError> {
        let n = self.notice(notice_id).await?;
        check_objection_window(today, n.starts_on, n.ends_on)?;
        let listed: Vec<i64> = n.items.iter().map(|i| i.application_id).collect();
        let o = input.parse(&listed, policy)?;
        let tx = self.begin().await?;
        let m = objection::ActiveModel {
            notice_id: Set(notice_id),
            application_id: Set(o.application_id),
            name: Set(o.name.clone()),
            contact: Set(o.contact.clone()),
            text: Set(o.text.clone()),
            client_addr: Set(addr.into()),
            created_at: Set(Utc::now()),
            outcome: Set(None),
            reason: Set(String::new()),
            handled_by: Set(None),
            handled_at: Set(None),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            &Actor::anonymous(addr),
            Change::new("objection.lodge", "objection", m.id).after(&o),
        )
        .await?;
        let station = n
            .items
            .iter()
            .find(|i| i.application_id == o.application_id)
            .map(|i| i.station_name.clone())
            .unwrap_or_default();
        notify(
            &tx,
            &role_users(&tx, Role::CityCast, None).await?,
            &format!("公示异议：“{station}”"),
            "有人对公示中的申报提出异议，请核实处理。",
            &format!("/notices/{notice_id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    pub async fn objections(&self, notice_id: i64) -> Result<Vec<objection::Model>, StoreError> {
        Ok(objection::Entity::find()
            .filter(objection::Column::NoticeId.eq(notice_id))
            .order_by_asc(objection::Column::Id)
            .all(self.db())
            .await?)
    }

    /// City CAST handles an objection: upheld stops that application (with the reason);
    /// dismissed lets it continue.
    pub async fn handle_objection(
        &self,
        user: &UserView,
        objection_id: i64,
        outcome: Outcome,
        reason: &str,
    ) -> Result<(), StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "请填写处理理由").into());
        }
        let tx = self.begin().await?;
        let o = objection::Entity::find_by_id(objection_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("异议".into()))?;
        let res = objection::Entity::update_many()
            .col_expr(objection::Column::Outcome, Expr::value(outcome.as_str()))
            .col_expr(objection::Column::Reason, Expr::value(reason))
            .col_expr(objection::Column::HandledBy, Expr::value(user.id))
            .col_expr(objection::Column::HandledAt, Expr::value(Utc::now()))
            .filter(objection::Column::Id.eq(objection_id))
            .filter(objection::Column::Outcome.is_null())
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(conflict("该异议已处理（已被他人处理）"));
        }
        let a = application::Entity::find_by_id(o.application_id)
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::NotFound("申报书".into()))?;
        if outcome == Outcome::Upheld {
            let state = State::parse(&a.state)?;
            application::Entity::update_many()
                .col_expr(
                    application::Column::State,
                    Expr::value(State::Rejected.as_str()),
                )
                .col_expr(application::Column::Version, Expr::value(a.version + 1))
                .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(application::Column::Id.eq(a.id))
                .exec(tx.conn())
                .await?;
            history(
                &tx,
                a.id,
                user,
                "objection_upheld",
                state,
                State::Rejected,
                &format!("公示异议成立：{reason}"),
            )
            .await?;
        } else {
            let state = State::parse(&a.state)?;
            history(
                &tx,
                a.id,
                user,
                "objection_dismissed",
                state,
                state,
                &format!("公示异议不成立：{reason}"),
            )
            .await?;
        }
        tx.audit(
            &user.actor(),
            Change::new("objection.handle", "objection", objection_id)
                .before(serde_json::json!({"outcome": null}))
                .after(serde_json::json!({"outcome": outcome.as_str(), "reason": reason})),
        )
        .await?;
        notify(
            &tx,
            &unit_users(&tx, a.unit_id).await?,
            &format!("“{}”的公示异议：{}", display_name(&a), outcome.label()),
            reason,
            &format!("/applications/{}", a.id),
        )
        .await?;
        tx.commit().await
    }

    // ---------------------------------------------------------------- award

    /// The talent office awards the plaque after a notice without objection (第八条（四）):
    /// the station is created with its two-year term and its document number.
    pub async fn award(
        &self,
        user: &UserView,
        application_id: i64,
        awarded_on: Option<NaiveDate>,
        document_number: Option<String>,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<i64, StoreError> {
        if user.role != Role::TalentOffice {
            return Err(DomainError::Forbidden.into());
        }
        let a = self.visible_application(user, application_id).await?;
        let state = State::parse(&a.state)?;
        let item = notice_item::Entity::find()
            .filter(notice_item::Column::ApplicationId.eq(application_id))
            .order_by_desc(notice_item::Column::NoticeId)
            .one(self.db())
            .await?;
        let objections = objection::Entity::find()
            .filter(objection::Column::ApplicationId.eq(application_id))
            .all(self.db())
            .await?;
        let upheld = objections
            .iter()
            .filter(|o| o.outcome.as_deref() == Some("upheld"))
            .count();
        let open = objections.iter().filter(|o| o.outcome.is_none()).count();
        let n = match (state, item) {
            (State::Notice, Some(item)) => notice::Entity::find_by_id(item.notice_id)
                .one(self.db())
                .await?
                .ok_or_else(|| DomainError::NotFound("公示".into()))?,
            (State::Rejected, _) if upheld > 0 => {
                return Err(DomainError::Rule {
                    code: "objection_upheld",
                    article: "第八条",
                    message: "公示期间的异议经核实成立，该申报不予授牌".into(),
                }
                .into());
            }
            (State::Approved, _) => {
                return Err(DomainError::Rule {
                    code: "not_in_notice",
                    article: "第八条",
                    message: "该申报尚未经社会公示，公示无异议后方可授牌".into(),
                }
                .into());
            }
            (other, _) => {
                return Err(conflict(format!(
                    "该申报当前为“{}”，不能授牌（可能已被他人处理）",
                    other.label()
                )));
            }
        };
        let on = check_award(AwardFacts {
            today,
            notice_ends_on: n.ends_on,
            awarded_on,
            open_objections: open as u32,
            upheld_objections: upheld as u32,
        })?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::DOC).await?;
        let number = match document_number
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
        {
            Some(d) => d,
            None => next_document_number(&tx, "talent_office", on.year(), policy).await?,
        };
        let taken = station::Entity::find()
            .filter(station::Column::DocumentNumber.eq(&number))
            .count(tx.conn())
            .await?;
        if taken > 0 {
            return Err(conflict(format!("文号“{number}”已被使用")));
        }
        let res = application::Entity::update_many()
            .col_expr(
                application::Column::State,
                Expr::value(State::Awarded.as_str()),
            )
            .col_expr(application::Column::Version, Expr::value(a.version + 1))
            .col_expr(application::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(application::Column::Id.eq(application_id))
            .filter(application::Column::State.eq(State::Notice.as_str()))
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(conflict("该申报已被他人处理，请刷新页面"));
        }
        let now = Utc::now();
        let s = station::ActiveModel {
            application_id: Set(application_id),
            name: Set(display_name(&a)),
            level: Set(a.level.clone()),
            industry: Set(a.industry.clone()),
            unit_id: Set(a.unit_id),
            society_id: Set(a.society_id),
            county_id: Set(a.county_id),
            round_id: Set(a.round_id),
            document_number: Set(number.clone()),
            awarded_on: Set(on),
            term_ends_on: Set(term_end(on, policy.application.term_years)),
            status: Set("active".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await
        .map_err(|e| crate::orgs::conflict_on_unique(e, "文号已被使用或该申报已授牌"))?;
        if let Some(old) = a.renewal_of {
            crate::lifecycle::mark_renewed(&tx, user, old, s.id).await?;
        }
        opinion::ActiveModel {
            application_id: Set(application_id),
            step: Set(State::Notice.as_str().into()),
            action: Set("award".into()),
            role: Set(user.role.as_str().into()),
            organisation: Set(user.organisation.clone()),
            seal_owner: Set(user
                .office_id
                .map(|o| format!("office:{o}"))
                .unwrap_or_default()),
            person_id: Set(Some(user.id)),
            person_name: Set(user.display_name.clone()),
            text: Set(format!("授牌，文号 {number}")),
            decided_on: Set(on),
            at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        history(
            &tx,
            application_id,
            user,
            "award",
            State::Notice,
            State::Awarded,
            &format!("文号 {number}，授牌日期 {on}"),
        )
        .await?;
        tx.audit(
            &user.actor(),
            Change::new("station.award", "station", s.id).after(&s),
        )
        .await?;
        notify(
            &tx,
            &unit_users(&tx, a.unit_id).await?,
            &format!("“{}”已授牌（{number}）", display_name(&a)),
            &format!("服务期至 {}。", s.term_ends_on),
            &format!("/stations/{}", s.id),
        )
        .await?;
        tx.commit().await?;
        Ok(s.id)
    }

    /// The stations the filter names, newest award first. [`stations_key`] is its memo key.
    pub async fn stations(
        &self,
        f: &StationFilter,
        page: u64,
        per_page: u64,
    ) -> Result<Page<StationView>, StoreError> {
        let mut q = station::Entity::find();
        if f.public {
            q = q.filter(station::Column::Status.is_in(["active", "rectifying"]));
        }
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(station::Column::Status.eq(s));
        }
        if let Some(l) = f.level {
            q = q.filter(station::Column::Level.eq(l.as_str()));
        }
        if let Some(c) = f.county.as_deref().filter(|c| !c.is_empty()) {
            let ids: Vec<i64> = self
                .counties()
                .await?
                .into_iter()
                .filter(|x| x.name == c)
                .map(|x| x.id)
                .collect();
            q = q.filter(station::Column::CountyId.is_in(ids));
        }
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(crate::contains_text(station::Column::Name, s))
                    .add(crate::contains_text(station::Column::DocumentNumber, s)),
            );
        }
        let total = q.clone().count(self.db()).await?;
        // The page's ids first, sorted within the (status, awarded_on, id) index, then their
        // rows: sorting whole rows of every matching station cost more than the rest.
        let ids: Vec<i64> = q
            .select_only()
            .column(station::Column::Id)
            .order_by_desc(station::Column::AwardedOn)
            .order_by_desc(station::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .into_tuple()
            .all(self.db())
            .await?;
        let rows = station::Entity::find()
            .filter(station::Column::Id.is_in(ids))
            .order_by_desc(station::Column::AwardedOn)
            .order_by_desc(station::Column::Id)
            .all(self.db())
            .await?;
        Ok(Page {
            items: self.station_views(rows).await?,
            total,
            page,
            per_page,
        })
    }

    pub async fn station(&self, id: i64) -> Result<StationView, StoreError> {
        let s = station::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("学会服务站".into()))?;
        self.station_view(s).await
    }

    /// A station as `user` (`None`: the public) may see it (SPEC §1, §5.2): an active or
    /// rectifying one is public (the list of awarded stations); any other only for those whose
    /// scope holds it ([`Store::station_model`]: its host unit and society, its county's
    /// offices, the city roles and supervisors). Else "not found".
    pub async fn visible_station(
        &self,
        user: Option<&UserView>,
        id: i64,
    ) -> Result<StationView, StoreError> {
        let s = self.station(id).await?;
        if !stationhub_domain::station::StationStatus::parse(&s.status)?.is_public() {
            let Some(u) = user else {
                return Err(DomainError::NotFound("学会服务站".into()).into());
            };
            self.station_model(u, id).await?;
        }
        Ok(s)
    }

    async fn station_view(&self, s: station::Model) -> Result<StationView, StoreError> {
        Ok(self.station_views(vec![s]).await?.remove(0))
    }

    /// Views of stations with their unit, society and county names, one query per table.
    async fn station_views(
        &self,
        rows: Vec<station::Model>,
    ) -> Result<Vec<StationView>, StoreError> {
        use crate::names::names_of;
        let db = self.db();
        let units = names_of::<unit::Entity, _>(
            db,
            unit::Column::Id,
            unit::Column::Name,
            rows.iter().map(|s| s.unit_id),
        )
        .await?;
        let societies = names_of::<crate::entity::society::Entity, _>(
            db,
            crate::entity::society::Column::Id,
            crate::entity::society::Column::Name,
            rows.iter().map(|s| s.society_id),
        )
        .await?;
        let counties = names_of::<crate::entity::county::Entity, _>(
            db,
            crate::entity::county::Column::Id,
            crate::entity::county::Column::Name,
            rows.iter().map(|s| s.county_id),
        )
        .await?;
        rows.into_iter()
            .map(|s| {
                Ok(StationView {
                    id: s.id,
                    application_id: s.application_id,
                    level: Level::parse(&s.level)?,
                    unit_name: units.get(&s.unit_id).cloned().unwrap_or_default(),
                    society_name: societies.get(&s.society_id).cloned().unwrap_or_default(),
                    county: counties.get(&s.county_id).cloned().unwrap_or_default(),
                    name: s.name,
                    industry: s.industry,
                    unit_id: s.unit_id,
                    society_id: s.society_id,
                    document_number: s.document_number,
                    awarded_on: s.awarded_on,
                    term_ends_on: s.term_ends_on,
                    status: s.status,
                    imported: s.imported,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()
            .map_err(StoreError::from)
    }

    // ---------------------------------------------------------------- inbox

    pub async fn inbox(
        &self,
        user_id: i64,
        limit: u64,
    ) -> Result<Vec<notification::Model>, StoreError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    pub async fn unread_count(&self, user_id: i64) -> Result<u64, StoreError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .count(self.db())
            .await?)
    }

    pub async fn mark_read(&self, user_id: i64) -> Result<(), StoreError> {
        let tx = self.begin().await?;
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(tx.conn())
            .await?;
        tx.commit().await
    }
}

/// The review states a role owns.
pub fn steps_of(role: Role) -> Vec<State> {
    stationhub_domain::review::STEPS
        .iter()
        .filter(|s| s.owner == role)
        .map(|s| s.state)
        .collect()
}

fn display_name(a: &application::Model) -> String {
    if a.station_name.trim().is_empty() {
        format!("申报书 #{}", a.id)
    } else {
        a.station_name.clone()
    }
}

async fn upsert_day(tx: &Tx, d: &CalendarDay, source: &str) -> Result<(), StoreError> {
    calendar_day::Entity::insert(calendar_day::ActiveModel {
        day: Set(d.date),
        name: Set(d.name.clone()),
        off: Set(d.off),
        source: Set(source.into()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(calendar_day::Column::Day)
            .update_columns([
                calendar_day::Column::Name,
                calendar_day::Column::Off,
                calendar_day::Column::Source,
                calendar_day::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx.conn())
    .await?;
    Ok(())
}

/// The next number of an issuer's yearly sequence, formatted by the policy (e.g.
/// 益人才办〔2026〕3号). The caller holds the document-number lock.
async fn next_document_number(
    tx: &Tx,
    issuer: &str,
    year: i32,
    policy: &Policy,
) -> Result<String, StoreError> {
    let cur = doc_sequence::Entity::find_by_id((issuer.to_string(), year))
        .one(tx.conn())
        .await?;
    let next = match cur {
        Some(c) => {
            doc_sequence::Entity::update_many()
                .col_expr(doc_sequence::Column::Last, Expr::value(c.last + 1))
                .filter(doc_sequence::Column::Issuer.eq(issuer))
                .filter(doc_sequence::Column::Year.eq(year))
                .exec(tx.conn())
                .await?;
            c.last + 1
        }
        None => {
            doc_sequence::ActiveModel {
                issuer: Set(issuer.into()),
                year: Set(year),
                last: Set(1),
            }
            .insert(tx.conn())
            .await?;
            1
        }
    };
    Ok(policy.document_number(year, next as u32))
}

async fn history(
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
        at: Set(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
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

/// The accounts of a host unit.
pub(crate) async fn unit_users(tx: &Tx, unit_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Disabled.eq(false))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// The accounts of a role (of one county, for the county roles).
pub(crate) async fn role_users(
    tx: &Tx,
    role: Role,
    county_id: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut q = user::Entity::find()
        .filter(user::Column::Role.eq(role.as_str()))
        .filter(user::Column::Disabled.eq(false));
    if matches!(role, Role::CountyCast | Role::CountyTalent) {
        q = q.filter(user::Column::CountyId.eq(county_id.unwrap_or(-1)));
    }
    Ok(q.all(tx.conn()).await?.into_iter().map(|u| u.id).collect())
}

pub(crate) async fn notify(
    tx: &Tx,
    users: &[i64],
    title: &str,
    body: &str,
    link: &str,
) -> Result<(), StoreError> {
    if users.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    // Users with an e-mail address get the message by mail too (`crate::mail`).
    let with_email: std::collections::HashSet<i64> = user::Entity::find()
        .filter(user::Column::Id.is_in(users.iter().copied()))
        .filter(user::Column::Email.ne(""))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for u in users {
        let mail_state = if with_email.contains(u) {
            crate::mail::PENDING
        } else {
            crate::mail::NONE
        };
        notification::ActiveModel {
            user_id: Set(*u),
            at: Set(now),
            title: Set(title.into()),
            body: Set(body.into()),
            link: Set(link.into()),
            read_at: Set(None),
            mail_state: Set(mail_state.into()),
            mail_error: Set(String::new()),
            mail_at: Set(None),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
    }
    Ok(())
}

impl Store {
    /// Records an organisation's seal image (uploaded once, stamped on its opinions).
    /// `owner` is `office:ID` or `unit:ID`; the image is already checked and stored.
    pub async fn set_seal(
        &self,
        user: &UserView,
        owner: &str,
        file: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        let f = crate::entity::file::ActiveModel {
            owner_kind: Set("seal".into()),
            owner_id: Set(0),
            kind: Set(owner.into()),
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
        crate::entity::seal::Entity::insert(crate::entity::seal::ActiveModel {
            owner: Set(owner.into()),
            file_id: Set(f.id),
            uploaded_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(crate::entity::seal::Column::Owner)
                .update_columns([
                    crate::entity::seal::Column::FileId,
                    crate::entity::seal::Column::UploadedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
        tx.audit(
            &user.actor(),
            Change::new("seal.set", "seal", owner)
                .after(serde_json::json!({"file_id": f.id, "file.sha256": file.sha256})),
        )
        .await?;
        tx.commit().await?;
        Ok(f.id)
    }

    /// The seal image file of an organisation, if uploaded.
    pub async fn seal(
        &self,
        owner: &str,
    ) -> Result<Option<crate::entity::file::Model>, StoreError> {
        let Some(s) = crate::entity::seal::Entity::find_by_id(owner.to_string())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        Ok(crate::entity::file::Entity::find_by_id(s.file_id)
            .one(self.db())
            .await?)
    }
}

/// Whose seal a user stamps: their office's, or their unit's.
pub fn seal_owner(user: &UserView) -> Option<String> {
    user.office_id
        .map(|o| format!("office:{o}"))
        .or(user.unit_id.map(|u| format!("unit:{u}")))
}
