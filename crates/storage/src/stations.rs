//! 服务站运行: the activity log, live indicators, assessments with their consequences, and the
//! fund ledger. The rules are the domain's (`station`, `funds`); this module applies them in one
//! transaction per change, with its audit entry.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::Level;
use stationhub_domain::funds::{Fen, check_balance, check_expense_category, grant_amount};
use stationhub_domain::policy::Policy;
use stationhub_domain::station::{
    Activity, ActivityKind, Adjustment, Consequence, Indicator, StationStatus, check_activity_date,
    check_activity_values, check_assessment_window, consequence, grade, indicators,
    quarter_warning, score_sheet, term_year, term_year_of,
};

use crate::accounts::UserView;
use crate::audit::Change;
use crate::entity::{activity, application_expert, assessment, ledger_entry, station};
use crate::files::FileMeta;
use crate::{Store, StoreError};

/// An activity as typed (SPEC §5.1 `{kind, date, …}`), already parsed.
#[derive(Debug, Clone, Serialize)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub date: NaiveDate,
    pub expert_id: Option<i64>,
    pub days: u32,
    pub attendance: u32,
    pub percent: u32,
    pub title: String,
    pub description: String,
}

/// The live indicator check of one station-year.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorReport {
    pub year: u32,
    pub year_starts_on: NaiveDate,
    pub year_ends_on: NaiveDate,
    pub items: Vec<Indicator>,
    pub all_met: bool,
    pub warning: Option<String>,
}

/// The outcome of an assessment.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentOutcome {
    pub id: i64,
    pub score: u32,
    pub grade: String,
    pub station_status: String,
    pub grant_id: Option<i64>,
    pub recovery_id: Option<i64>,
}

/// A station's ledger and balance (paid grants less expenses less recoveries).
#[derive(Debug, Clone, Serialize)]
pub struct Ledger {
    pub entries: Vec<LedgerLine>,
    pub balance_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub id: i64,
    pub kind: String,
    pub amount_fen: i64,
    pub status: String,
    pub date: NaiveDate,
    pub category: String,
    pub note: String,
    pub document: String,
    pub paid_on: Option<NaiveDate>,
    pub voucher_file_id: Option<i64>,
    /// An expense recorded without its voucher yet (SPEC §5.2).
    pub voucher_missing: bool,
}

fn balance_of(entries: &[ledger_entry::Model]) -> Fen {
    let mut t = stationhub_domain::funds::Totals::default();
    for e in entries {
        t.add(&e.kind, &e.status, Fen(e.amount_fen));
    }
    t.balance()
}

/// The user is the station's host unit (建站单位).
pub fn is_host(user: &UserView, s: &station::Model) -> bool {
    user.role == Role::HostUnit && user.unit_id == Some(s.unit_id)
}

/// The user is the station's host unit or its society: who runs it (activities, requests).
pub fn runs_station(user: &UserView, s: &station::Model) -> bool {
    is_host(user, s) || (user.role == Role::Society && user.society_id == Some(s.society_id))
}

fn may_see(user: &UserView, s: &station::Model) -> bool {
    match user.role {
        Role::HostUnit => user.unit_id == Some(s.unit_id),
        Role::Society => user.society_id == Some(s.society_id),
        Role::CountyCast | Role::CountyTalent => user.county_id == Some(s.county_id),
        Role::CityCast | Role::TalentOffice | Role::Supervisor => true,
        Role::Admin => false,
    }
}

/// What [`Store::indicator_report`] of a station depends on, as a [`Store::memo`] key: who
/// looks (as far as visibility goes), the station, the term year asked for and the day.
pub fn indicators_key(
    user: &UserView,
    station_id: i64,
    year: Option<u32>,
    today: chrono::NaiveDate,
) -> String {
    format!(
        "indicators|{:?}|{station_id}|{year:?}|{today}",
        crate::applications::viewer(user)
    )
}

impl Store {
    /// A station the user may see (else "not found").
    pub async fn station_model(
        &self,
        user: &UserView,
        id: i64,
    ) -> Result<station::Model, StoreError> {
        let s = station::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("学会服务站".into()))?;
        if !may_see(user, &s) {
            return Err(DomainError::NotFound("学会服务站".into()).into());
        }
        Ok(s)
    }

    /// The host unit or the society logs an activity of its running station (第十条、第十二条).
    pub async fn record_activity(
        &self,
        user: &UserView,
        station_id: i64,
        a: NewActivity,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        if !runs_station(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        let status = StationStatus::parse(&s.status)?;
        if !status.is_public() {
            return Err(DomainError::Conflict(format!(
                "服务站当前为“{}”，不再记录活动",
                status.label()
            ))
            .into());
        }
        check_activity_date(a.date, s.awarded_on, s.term_ends_on, today)?;
        let on_team = match a
            .expert_id
            .filter(|_| a.kind == ActivityKind::ExpertService)
        {
            Some(expert) => application_expert::Entity::find()
                .filter(application_expert::Column::ApplicationId.eq(s.application_id))
                .filter(application_expert::Column::ExpertId.eq(expert))
                .one(self.db())
                .await?
                .is_some(),
            None => false,
        };
        check_activity_values(a.kind, a.expert_id, on_team, a.days, a.percent)?;
        let tx = self.begin().await?;
        let m = activity::ActiveModel {
            station_id: Set(station_id),
            kind: Set(a.kind.as_str().into()),
            on_date: Set(a.date),
            expert_id: Set(a
                .expert_id
                .filter(|_| a.kind == ActivityKind::ExpertService)),
            days: Set(a.days as i32),
            attendance: Set(a.attendance as i32),
            percent: Set(a.percent as i32),
            title: Set(a.title.clone()),
            description: Set(a.description.clone()),
            file_id: Set(None),
            recorded_by: Set(Some(user.id)),
            recorded_at: Set(Utc::now()),
            superseded_by: Set(None),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            &user.actor(),
            Change::new("activity.record", "activity", m.id).after(&a),
        )
        .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    /// Corrects an activity: the correction is a new record and the old one is kept, marked
    /// as superseded (corrections keep history).
    pub async fn correct_activity(
        &self,
        user: &UserView,
        activity_id: i64,
        a: NewActivity,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        let old = activity::Entity::find_by_id(activity_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("活动记录".into()))?;
        // Who may correct is who may record, asked before the record's state: a refusal does
        // not depend on whether someone corrected it already.
        let s = self.station_model(user, old.station_id).await?;
        if !runs_station(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        if old.superseded_by.is_some() {
            return Err(DomainError::Conflict("该记录已被更正过，请更正最新的记录".into()).into());
        }
        let new_id = self.record_activity(user, old.station_id, a, today).await?;
        let tx = self.begin().await?;
        let res = activity::Entity::update_many()
            .col_expr(activity::Column::SupersededBy, Expr::value(new_id))
            .filter(activity::Column::Id.eq(activity_id))
            .filter(activity::Column::SupersededBy.is_null())
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(DomainError::Conflict("该记录已被他人更正".into()).into());
        }
        // The correction keeps the file (sign-in sheet …) of what it corrects.
        activity::Entity::update_many()
            .col_expr(activity::Column::FileId, Expr::value(old.file_id))
            .filter(activity::Column::Id.eq(new_id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("activity.correct", "activity", activity_id)
                .after(serde_json::json!({"superseded_by": new_id})),
        )
        .await?;
        tx.commit().await?;
        Ok(new_id)
    }

    /// The current activities of a station (corrections replace what they correct), by date.
    pub async fn activities(&self, station_id: i64) -> Result<Vec<activity::Model>, StoreError> {
        Ok(activity::Entity::find()
            .filter(activity::Column::StationId.eq(station_id))
            .filter(activity::Column::SupersededBy.is_null())
            .order_by_asc(activity::Column::OnDate)
            .order_by_asc(activity::Column::Id)
            .all(self.db())
            .await?)
    }

    /// The indicators of term year `year` (default: the year holding today), live.
    pub async fn indicator_report(
        &self,
        s: &station::Model,
        year: Option<u32>,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<IndicatorReport, StoreError> {
        let (year, start, end) = report_year(s, year, today, policy)?;
        let mut acts = self.activities_within(&[(s.id, start, end)]).await?;
        Ok(report(
            year,
            start,
            end,
            &acts.remove(&s.id).unwrap_or_default(),
            today,
            policy,
        ))
    }

    /// The current term year's indicators of many stations, with one query for all of their
    /// activities (the all-stations table and its export).
    pub async fn indicator_reports(
        &self,
        stations: Vec<station::Model>,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<(station::Model, IndicatorReport)>, StoreError> {
        let mut windows = Vec::with_capacity(stations.len());
        for s in &stations {
            let (year, start, end) = report_year(s, None, today, policy)?;
            windows.push((year, start, end));
        }
        let keys: Vec<(i64, NaiveDate, NaiveDate)> = stations
            .iter()
            .zip(&windows)
            .map(|(s, (_, start, end))| (s.id, *start, *end))
            .collect();
        let mut acts = self.activities_within(&keys).await?;
        Ok(stations
            .into_iter()
            .zip(windows)
            .map(|(s, (year, start, end))| {
                let a = acts.remove(&s.id).unwrap_or_default();
                let r = report(year, start, end, &a, today, policy);
                (s, r)
            })
            .collect())
    }

    /// The current activities of each station between its two dates (inclusive), by station:
    /// only the columns the indicators read, in queries of [`WINDOWS_PER_QUERY`] stations.
    ///
    /// Each station's activities come back as one row, packed by the database into one text
    /// (`kind,date,days,attendance,percent;…`) and unpacked here: the database only selects and
    /// joins, the counting stays in the domain. Fetched a row per activity, the table's 700,000
    /// activities at province scale cost more in handing rows from the database's thread to
    /// the server's (a wake-up and two allocations each) than in reading them.
    async fn activities_within(
        &self,
        windows: &[(i64, NaiveDate, NaiveDate)],
    ) -> Result<std::collections::HashMap<i64, Vec<Activity>>, StoreError> {
        use sea_orm::{Condition, QuerySelect};
        let packed = match self.backend() {
            crate::Backend::Sqlite => {
                "group_concat(kind || ',' || on_date || ',' || days || ',' || attendance || ',' || percent, ';')"
            }
            crate::Backend::Postgres => {
                "string_agg(kind || ',' || on_date::text || ',' || days::text || ',' || attendance::text || ',' || percent::text, ';')"
            }
        };
        let mut out: std::collections::HashMap<i64, Vec<Activity>> = Default::default();
        for chunk in windows.chunks(WINDOWS_PER_QUERY) {
            let mut any = Condition::any();
            for (id, start, end) in chunk {
                any = any.add(
                    Condition::all()
                        .add(activity::Column::StationId.eq(*id))
                        .add(activity::Column::OnDate.between(*start, *end)),
                );
            }
            let rows = activity::Entity::find()
                .select_only()
                .column(activity::Column::StationId)
                .column_as(Expr::cust(packed), "packed")
                .filter(activity::Column::SupersededBy.is_null())
                .filter(any)
                .group_by(activity::Column::StationId)
                .into_tuple::<(i64, String)>()
                .all(self.db())
                .await?;
            for (station_id, packed) in rows {
                out.insert(station_id, unpack_activities(&packed)?);
            }
        }
        Ok(out)
    }

    /// City CAST records the assessment of a station-year (第十二条) and its consequence: a
    /// pass makes the grant due (第十六条); a year-1 fail puts the station under rectification;
    /// a term-end fail removes the plaque and recovers every paid grant.
    #[allow(clippy::too_many_arguments)]
    pub async fn assess(
        &self,
        user: &UserView,
        station_id: i64,
        year: u32,
        score: u32,
        opinion: &str,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<AssessmentOutcome, StoreError> {
        self.assess_with_sheet(
            user,
            station_id,
            year,
            Some(score),
            &[],
            opinion,
            today,
            policy,
        )
        .await
    }

    /// As [`Store::assess`], with the score sheet: each item scored from the activity log and
    /// adjusted by the assessor with a reason; the total is the sheet's sum unless `score` is
    /// given.
    #[allow(clippy::too_many_arguments)]
    pub async fn assess_with_sheet(
        &self,
        user: &UserView,
        station_id: i64,
        year: u32,
        score: Option<u32>,
        adjustments: &[Adjustment],
        opinion: &str,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<AssessmentOutcome, StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        let s = self.station_model(user, station_id).await?;
        check_assessment_window(s.awarded_on, year, today, policy)?;
        let report = self.indicator_report(&s, Some(year), today, policy).await?;
        let sheet = score_sheet(&report.items, adjustments, &policy.assessment)?;
        let score = score.unwrap_or_else(|| sheet.iter().map(|l| l.score).sum());
        let g = grade(score, &policy.assessment)?;
        let level = Level::parse(&s.level)?;
        let tx = self.begin().await?;
        tx.lock(crate::locks::STATION_BASE + station_id).await?;
        if assessment::Entity::find()
            .filter(assessment::Column::StationId.eq(station_id))
            .filter(assessment::Column::Year.eq(year as i32))
            .one(tx.conn())
            .await?
            .is_some()
        {
            return Err(
                DomainError::Conflict(format!("第 {year} 年度考核已录入（已被他人处理）")).into(),
            );
        }
        let c = consequence(year, g, policy);
        let now = Utc::now();
        let a = assessment::ActiveModel {
            station_id: Set(station_id),
            year: Set(year as i32),
            score: Set(score as i32),
            grade: Set(g.label().into()),
            opinion: Set(opinion.into()),
            indicators: Set(serde_json::to_string(&report.items).unwrap_or_default()),
            score_sheet: Set(serde_json::to_string(&sheet).unwrap_or_default()),
            consequence: Set(c.as_str().into()),
            rectify_by: Set((c == Consequence::Rectify)
                .then(|| today + Duration::days(policy.assessment.rectify_days.into()))),
            decided_by: Set(Some(user.id)),
            decided_on: Set(today),
            at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await
        .map_err(|e| crate::orgs::conflict_on_unique(e, "该年度考核已录入"))?;
        let mut grant_id = None;
        let mut recovery_id = None;
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::StationId.eq(station_id))
            .all(tx.conn())
            .await?;
        let status = match c {
            Consequence::GrantDue => {
                // National stations are funded case by case (一事一议): city CAST enters the
                // amount with its decision document afterwards.
                if level != Level::National {
                    let amount = grant_amount(level, None, policy)?;
                    let e = ledger(station_id, "grant", amount, "due", today, user)
                        .assessment(a.id)
                        .note(format!("第 {year} 年度考核{}（第十六条）", g.label()))
                        .insert(tx.conn())
                        .await?;
                    grant_id = Some(e.id);
                }
                StationStatus::Active
            }
            Consequence::Rectify => StationStatus::Rectifying,
            Consequence::RemoveAndRecover => {
                let paid: i64 = entries
                    .iter()
                    .filter(|e| e.kind == "grant" && e.status == "paid")
                    .map(|e| e.amount_fen)
                    .sum();
                if paid > 0 {
                    let e = ledger(station_id, "recovery", Fen(paid), "recorded", today, user)
                        .assessment(a.id)
                        .note("期满考核不合格，摘牌并追回财政资助资金（第十二条）".into())
                        .insert(tx.conn())
                        .await?;
                    recovery_id = Some(e.id);
                }
                ledger_entry::Entity::update_many()
                    .col_expr(ledger_entry::Column::Status, Expr::value("cancelled"))
                    .filter(ledger_entry::Column::StationId.eq(station_id))
                    .filter(ledger_entry::Column::Kind.eq("grant"))
                    .filter(ledger_entry::Column::Status.eq("due"))
                    .exec(tx.conn())
                    .await?;
                StationStatus::Removed
            }
        };
        station::Entity::update_many()
            .col_expr(station::Column::Status, Expr::value(status.as_str()))
            .col_expr(station::Column::UpdatedAt, Expr::value(now))
            .filter(station::Column::Id.eq(station_id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("station.assess", "station", station_id)
                .before(serde_json::json!({"status": s.status}))
                .after(serde_json::json!({
                    "year": year, "score": score, "grade": g.label(), "status": status.as_str(),
                    "grant_id": grant_id, "recovery_id": recovery_id, "opinion": opinion,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(AssessmentOutcome {
            id: a.id,
            score,
            grade: g.label().into(),
            station_status: status.as_str().into(),
            grant_id,
            recovery_id,
        })
    }

    pub async fn assessments(&self, station_id: i64) -> Result<Vec<assessment::Model>, StoreError> {
        Ok(assessment::Entity::find()
            .filter(assessment::Column::StationId.eq(station_id))
            .order_by_asc(assessment::Column::Year)
            .all(self.db())
            .await?)
    }

    /// City CAST enters a national station's grant, decided case by case (第十六条).
    pub async fn enter_national_grant(
        &self,
        user: &UserView,
        station_id: i64,
        amount: Fen,
        document: &str,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<i64, StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        let s = self.station_model(user, station_id).await?;
        let amount = grant_amount(Level::parse(&s.level)?, Some((amount, document)), policy)?;
        if Level::parse(&s.level)? != Level::National {
            return Err(DomainError::Rule {
                code: "grant_fixed_by_policy",
                article: "第十六条",
                message: "省级、市级服务站的资助金额由考核结果按标准自动生成".into(),
            }
            .into());
        }
        let tx = self.begin().await?;
        let e = ledger(station_id, "grant", amount, "due", today, user)
            .document(document.trim().into())
            .note("全国学会服务站“一事一议”资助（第十六条）".into())
            .insert(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("grant.enter", "ledger_entry", e.id).after(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(e.id)
    }

    /// City CAST records that a due grant was paid.
    pub async fn pay_grant(
        &self,
        user: &UserView,
        station_id: i64,
        grant_id: i64,
        paid_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        self.station_model(user, station_id).await?;
        let grant = ledger_entry::Entity::find_by_id(grant_id)
            .one(self.db())
            .await?
            .filter(|g| g.station_id == station_id && g.kind == "grant")
            .ok_or_else(|| DomainError::NotFound("资助记录".into()))?;
        stationhub_domain::funds::check_payment_date(grant.on_date, paid_on, today)?;
        let tx = self.begin().await?;
        let res = ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::Status, Expr::value("paid"))
            .col_expr(ledger_entry::Column::PaidOn, Expr::value(paid_on))
            .filter(ledger_entry::Column::Id.eq(grant_id))
            .filter(ledger_entry::Column::StationId.eq(station_id))
            .filter(ledger_entry::Column::Kind.eq("grant"))
            .filter(ledger_entry::Column::Status.eq("due"))
            .exec(tx.conn())
            .await?;
        if res.rows_affected == 0 {
            return Err(
                DomainError::Conflict("该笔资助不是待支付状态（可能已被他人处理）".into()).into(),
            );
        }
        tx.audit(
            &user.actor(),
            Change::new("grant.pay", "ledger_entry", grant_id)
                .before(serde_json::json!({"status": "due"}))
                .after(serde_json::json!({"status": "paid", "paid_on": paid_on})),
        )
        .await?;
        tx.commit().await
    }

    /// The host unit records spending (第十七条): listed categories only, never beyond the
    /// balance (checked under a per-station lock, so two at once cannot overdraw).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_expense(
        &self,
        user: &UserView,
        station_id: i64,
        category: &str,
        amount: Fen,
        spent_on: NaiveDate,
        note: &str,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        if !is_host(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        check_expense_category(category, policy)?;
        if spent_on > today || spent_on < s.awarded_on {
            return Err(DomainError::invalid(
                "spent_on",
                format!("支出日期须在 {} 至今天之间", s.awarded_on),
            )
            .into());
        }
        let tx = self.begin().await?;
        tx.lock(crate::locks::STATION_BASE + station_id).await?;
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::StationId.eq(station_id))
            .all(tx.conn())
            .await?;
        check_balance(balance_of(&entries), amount)?;
        let e = ledger(station_id, "expense", amount, "recorded", spent_on, user)
            .category(category.trim().into())
            .note(note.trim().into())
            .insert(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("expense.record", "ledger_entry", e.id).after(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(e.id)
    }

    /// Attaches the voucher (invoice) of an expense; the file is already checked and stored.
    pub async fn attach_voucher(
        &self,
        user: &UserView,
        station_id: i64,
        expense_id: i64,
        file: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        if !is_host(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        let tx = self.begin().await?;
        let e = ledger_entry::Entity::find_by_id(expense_id)
            .one(tx.conn())
            .await?
            .filter(|e| e.station_id == station_id && e.kind == "expense")
            .ok_or_else(|| DomainError::NotFound("支出记录".into()))?;
        let f = crate::lifecycle::station_file(&tx, user, station_id, "voucher", file).await?;
        ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::VoucherFileId, Expr::value(f))
            .filter(ledger_entry::Column::Id.eq(e.id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("expense.voucher", "ledger_entry", e.id)
                .after(serde_json::json!({"file_id": f, "file.sha256": file.sha256})),
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// City CAST records a misuse finding and the money to recover (第十九条).
    pub async fn record_recovery(
        &self,
        user: &UserView,
        station_id: i64,
        amount: Fen,
        finding: &str,
        document: &str,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        if user.role != Role::CityCast {
            return Err(DomainError::Forbidden.into());
        }
        self.station_model(user, station_id).await?;
        if finding.trim().is_empty() {
            return Err(DomainError::invalid("finding", "请填写查实的违规情况（第十九条）").into());
        }
        let tx = self.begin().await?;
        let e = ledger(station_id, "recovery", amount, "recorded", today, user)
            .note(finding.trim().into())
            .document(document.trim().into())
            .insert(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("recovery.record", "ledger_entry", e.id).after(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(e.id)
    }

    pub async fn ledger(&self, station_id: i64) -> Result<Ledger, StoreError> {
        let entries = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::StationId.eq(station_id))
            .order_by_asc(ledger_entry::Column::OnDate)
            .order_by_asc(ledger_entry::Column::Id)
            .all(self.db())
            .await?;
        let balance = balance_of(&entries);
        Ok(Ledger {
            balance_fen: balance.0,
            entries: entries
                .into_iter()
                .map(|e| LedgerLine {
                    voucher_missing: e.kind == "expense" && e.voucher_file_id.is_none(),
                    id: e.id,
                    kind: e.kind,
                    amount_fen: e.amount_fen,
                    status: e.status,
                    date: e.on_date,
                    category: e.category,
                    note: e.note,
                    document: e.document,
                    paid_on: e.paid_on,
                    voucher_file_id: e.voucher_file_id,
                })
                .collect(),
        })
    }

    /// Every running station's indicators of its current term year (city CAST's table).
    pub async fn indicator_table(
        &self,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<(station::Model, IndicatorReport)>, StoreError> {
        let stations = station::Entity::find()
            .filter(station::Column::Status.is_in(["active", "rectifying"]))
            .order_by_asc(station::Column::Id)
            .all(self.db())
            .await?;
        self.indicator_reports(stations, today, policy).await
    }
}

/// A ledger line under construction.
struct LedgerBuilder(ledger_entry::ActiveModel);

fn ledger(
    station_id: i64,
    kind: &str,
    amount: Fen,
    status: &str,
    on: NaiveDate,
    user: &UserView,
) -> LedgerBuilder {
    LedgerBuilder(ledger_entry::ActiveModel {
        station_id: Set(station_id),
        kind: Set(kind.into()),
        amount_fen: Set(amount.0),
        status: Set(status.into()),
        on_date: Set(on),
        category: Set(String::new()),
        note: Set(String::new()),
        document: Set(String::new()),
        assessment_id: Set(None),
        voucher_file_id: Set(None),
        paid_on: Set(None),
        recorded_by: Set(Some(user.id)),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    })
}

impl LedgerBuilder {
    fn assessment(mut self, id: i64) -> Self {
        self.0.assessment_id = Set(Some(id));
        self
    }
    fn note(mut self, n: String) -> Self {
        self.0.note = Set(n);
        self
    }
    fn category(mut self, c: String) -> Self {
        self.0.category = Set(c);
        self
    }
    fn document(mut self, d: String) -> Self {
        self.0.document = Set(d);
        self
    }
    async fn insert<C: sea_orm::ConnectionTrait>(
        self,
        db: &C,
    ) -> Result<ledger_entry::Model, StoreError> {
        Ok(self.0.insert(db).await?)
    }
}

impl Store {
    /// The expert team of a station: the experts named in its application, in their order.
    pub async fn station_experts(
        &self,
        station_id: i64,
    ) -> Result<Vec<crate::entity::expert::Model>, StoreError> {
        let s = station::Entity::find_by_id(station_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("学会服务站".into()))?;
        let links = application_expert::Entity::find()
            .filter(application_expert::Column::ApplicationId.eq(s.application_id))
            .order_by_asc(application_expert::Column::Position)
            .all(self.db())
            .await?;
        let ids: Vec<i64> = links.iter().map(|l| l.expert_id).collect();
        let experts = crate::entity::expert::Entity::find()
            .filter(crate::entity::expert::Column::Id.is_in(ids.clone()))
            .all(self.db())
            .await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| experts.iter().find(|e| e.id == id).cloned())
            .collect())
    }

    /// One activity record (current or superseded), for its correction page.
    pub async fn activity_model(&self, activity_id: i64) -> Result<activity::Model, StoreError> {
        activity::Entity::find_by_id(activity_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("活动记录".into()).into())
    }
}

impl Store {
    /// Term expiry is automatic (第七条（三）, SPEC §2): a station still running (active or
    /// rectifying) whose term ended before `today` becomes `expired`, each with its audit entry.
    /// Idempotent, so every server may run it; returns how many stations expired now.
    pub async fn expire_stations(&self, today: NaiveDate) -> Result<u64, StoreError> {
        let due = station::Entity::find()
            .filter(station::Column::Status.is_in(["active", "rectifying"]))
            .filter(station::Column::TermEndsOn.lt(today))
            .all(self.db())
            .await?;
        let mut n = 0;
        for s in due {
            let tx = self.begin().await?;
            let res = station::Entity::update_many()
                .col_expr(
                    station::Column::Status,
                    Expr::value(StationStatus::Expired.as_str()),
                )
                .col_expr(station::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(station::Column::Id.eq(s.id))
                .filter(station::Column::Status.eq(s.status.clone()))
                .exec(tx.conn())
                .await?;
            if res.rows_affected == 1 {
                tx.audit(
                    &crate::Actor::system("expiry"),
                    Change::new("station.expire", "station", s.id)
                        .before(serde_json::json!({"status": s.status}))
                        .after(serde_json::json!({
                            "status": "expired", "term_ended_on": s.term_ends_on,
                        })),
                )
                .await?;
                tx.commit().await?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// A station-year's reports: which are filed and which are still due (第十条).
#[derive(Debug, Clone, Serialize)]
pub struct ReportStatus {
    pub year: u32,
    pub kind: String,
    pub label: String,
    /// The latest filing, if any (earlier ones are kept).
    pub filed: Option<crate::entity::station_report::Model>,
    /// Filing is open and nothing is filed yet.
    pub due: bool,
}

impl Store {
    /// The host unit files its annual work plan or summary (第十条); a later filing of the same
    /// year and kind supersedes the earlier one, which is kept.
    #[allow(clippy::too_many_arguments)]
    pub async fn file_report(
        &self,
        user: &UserView,
        station_id: i64,
        year: u32,
        kind: stationhub_domain::station::ReportKind,
        body: &str,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        if !is_host(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        stationhub_domain::station::check_report_window(kind, s.awarded_on, year, today, policy)?;
        let body = body.trim();
        if body.is_empty() {
            return Err(DomainError::invalid("body", format!("请填写{}", kind.label())).into());
        }
        if body.chars().count() > 20_000 {
            return Err(DomainError::invalid("body", "不能超过 20000 字").into());
        }
        let tx = self.begin().await?;
        let r = crate::entity::station_report::ActiveModel {
            station_id: Set(station_id),
            year: Set(year as i32),
            kind: Set(kind.as_str().into()),
            body: Set(body.into()),
            file_id: Set(None),
            submitted_by: Set(Some(user.id)),
            submitted_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            &user.actor(),
            Change::new("station.report", "station_report", r.id).after(
                serde_json::json!({"station_id": station_id, "year": year, "kind": kind.as_str()}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(r.id)
    }

    /// Every report of the term with what is filed and what is due today.
    pub async fn reports(
        &self,
        s: &station::Model,
        today: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<ReportStatus>, StoreError> {
        use stationhub_domain::station::{ReportKind, check_report_window};
        let filed = crate::entity::station_report::Entity::find()
            .filter(crate::entity::station_report::Column::StationId.eq(s.id))
            .order_by_desc(crate::entity::station_report::Column::Id)
            .all(self.db())
            .await?;
        let mut out = Vec::new();
        for year in 1..=policy.application.term_years {
            for kind in [ReportKind::Plan, ReportKind::Summary] {
                let latest = filed
                    .iter()
                    .find(|r| r.year == year as i32 && r.kind == kind.as_str())
                    .cloned();
                let open = check_report_window(kind, s.awarded_on, year, today, policy).is_ok();
                out.push(ReportStatus {
                    year,
                    kind: kind.as_str().into(),
                    label: kind.label().into(),
                    due: open && latest.is_none(),
                    filed: latest,
                });
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Attaches a file to an activity of the log (a training's sign-in sheet, a survey report,
    /// an outcome …) by the station's host unit or society; the file is already checked and
    /// stored. A later file replaces the earlier one on the record; both stay in the audit trail.
    pub async fn attach_activity_file(
        &self,
        user: &UserView,
        station_id: i64,
        activity_id: i64,
        file: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        let s = self.station_model(user, station_id).await?;
        if !runs_station(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        let tx = self.begin().await?;
        let a = activity::Entity::find_by_id(activity_id)
            .one(tx.conn())
            .await?
            .filter(|a| a.station_id == station_id)
            .ok_or_else(|| DomainError::NotFound("活动记录".into()))?;
        if a.superseded_by.is_some() {
            return Err(
                DomainError::Conflict("该记录已被更正，请在最新的记录上上传".into()).into(),
            );
        }
        let f = crate::lifecycle::station_file(&tx, user, station_id, "activity", file).await?;
        activity::Entity::update_many()
            .col_expr(activity::Column::FileId, Expr::value(f))
            .filter(activity::Column::Id.eq(a.id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("activity.file", "activity", a.id)
                .before(serde_json::json!({"file_id": a.file_id}))
                .after(serde_json::json!({"file_id": f, "file.sha256": file.sha256})),
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// Attaches the file of an annual plan or summary (第十条) by the host unit.
    pub async fn attach_report_file(
        &self,
        user: &UserView,
        station_id: i64,
        report_id: i64,
        file: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        use crate::entity::station_report;
        let s = self.station_model(user, station_id).await?;
        if !is_host(user, &s) {
            return Err(DomainError::Forbidden.into());
        }
        let tx = self.begin().await?;
        let r = station_report::Entity::find_by_id(report_id)
            .one(tx.conn())
            .await?
            .filter(|r| r.station_id == station_id)
            .ok_or_else(|| DomainError::NotFound("计划或总结".into()))?;
        let f = crate::lifecycle::station_file(&tx, user, station_id, "report", file).await?;
        station_report::Entity::update_many()
            .col_expr(station_report::Column::FileId, Expr::value(f))
            .filter(station_report::Column::Id.eq(r.id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("station.report_file", "station_report", r.id)
                .before(serde_json::json!({"file_id": r.file_id}))
                .after(serde_json::json!({"file_id": f, "file.sha256": file.sha256})),
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }
}

/// Filters of the city-wide assessment list (`GET /api/v1/assessments` and its `.xlsx`).
#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    /// One station's assessments only.
    pub station_id: Option<i64>,
    /// Term year (1 = the first year from the award).
    pub year: Option<i32>,
    pub grade: Option<stationhub_domain::station::Grade>,
    /// County name.
    pub county: Option<String>,
    /// Part of the station's name.
    pub q: Option<String>,
}

/// One assessment as the city-wide list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub station_id: i64,
    pub station_name: String,
    pub level: Level,
    pub county: String,
    pub unit_name: String,
    pub year: i32,
    pub score: i32,
    /// 优秀 / 合格 / 不合格
    pub grade: String,
    /// grant_due, rectify, remove_and_recover
    pub consequence: String,
    pub rectify_by: Option<NaiveDate>,
    pub decided_on: NaiveDate,
    pub opinion: String,
}

impl Store {
    /// The assessments of the stations the user may see (city roles and supervisors: every
    /// station; a county's roles: the county's; a host unit or society: its own), newest
    /// decision first, filtered and paged. The administrator sees no station content.
    pub async fn list_assessments(
        &self,
        user: &UserView,
        f: &AssessmentFilter,
        page: u64,
        per_page: u64,
    ) -> Result<crate::Page<AssessmentRow>, StoreError> {
        use std::collections::HashMap;

        use sea_orm::sea_query::Query;
        use sea_orm::{Condition, PaginatorTrait, QuerySelect};

        use crate::entity::{county, unit};

        let mut visible = Condition::all();
        match user.role {
            Role::HostUnit => {
                visible = visible.add(station::Column::UnitId.eq(user.unit_id.unwrap_or(-1)));
            }
            Role::Society => {
                visible = visible.add(station::Column::SocietyId.eq(user.society_id.unwrap_or(-1)));
            }
            Role::CountyCast | Role::CountyTalent => {
                visible = visible.add(station::Column::CountyId.eq(user.county_id.unwrap_or(-1)));
            }
            Role::CityCast | Role::TalentOffice | Role::Supervisor => {}
            Role::Admin => return Err(DomainError::Forbidden.into()),
        }
        if let Some(c) = f.county.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            visible = visible.add(
                station::Column::CountyId.in_subquery(
                    Query::select()
                        .column(county::Column::Id)
                        .from(county::Entity)
                        .and_where(county::Column::Name.eq(c))
                        .to_owned(),
                ),
            );
        }
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            visible = visible.add(crate::contains_text(station::Column::Name, s));
        }
        let mut q = assessment::Entity::find().filter(
            assessment::Column::StationId.in_subquery(
                Query::select()
                    .column(station::Column::Id)
                    .from(station::Entity)
                    .cond_where(visible)
                    .to_owned(),
            ),
        );
        if let Some(id) = f.station_id {
            q = q.filter(assessment::Column::StationId.eq(id));
        }
        if let Some(y) = f.year {
            q = q.filter(assessment::Column::Year.eq(y));
        }
        if let Some(g) = f.grade {
            q = q.filter(assessment::Column::Grade.eq(g.label()));
        }
        let total = q.clone().count(self.db()).await?;
        let rows = q
            .order_by_desc(assessment::Column::DecidedOn)
            .order_by_desc(assessment::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        let stations: HashMap<i64, station::Model> = station::Entity::find()
            .filter(station::Column::Id.is_in(rows.iter().map(|a| a.station_id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let units: HashMap<i64, String> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(stations.values().map(|s| s.unit_id)))
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
        let items = rows
            .into_iter()
            .map(|a| {
                let s = stations
                    .get(&a.station_id)
                    .ok_or_else(|| DomainError::NotFound("学会服务站".into()))?;
                Ok(AssessmentRow {
                    id: a.id,
                    station_id: a.station_id,
                    station_name: s.name.clone(),
                    level: Level::parse(&s.level)?,
                    county: counties.get(&s.county_id).cloned().unwrap_or_default(),
                    unit_name: units.get(&s.unit_id).cloned().unwrap_or_default(),
                    year: a.year,
                    score: a.score,
                    grade: a.grade,
                    consequence: a.consequence,
                    rectify_by: a.rectify_by,
                    decided_on: a.decided_on,
                    opinion: a.opinion,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(crate::Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// One page of [`Store::indicator_table`] (running stations by id), so that an export can
    /// go through a large table in chunks.
    pub async fn indicator_table_page(
        &self,
        today: NaiveDate,
        policy: &Policy,
        page: u64,
        per_page: u64,
    ) -> Result<crate::Page<(station::Model, IndicatorReport)>, StoreError> {
        use sea_orm::{PaginatorTrait, QuerySelect};

        let q =
            station::Entity::find().filter(station::Column::Status.is_in(["active", "rectifying"]));
        let total = q.clone().count(self.db()).await?;
        let stations = q
            .order_by_asc(station::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        Ok(crate::Page {
            items: self.indicator_reports(stations, today, policy).await?,
            total,
            page,
            per_page,
        })
    }
}

/// Stations whose activities one query reads (each adds three bound values).
const WINDOWS_PER_QUERY: usize = 200;

/// The term year to report (default: the year holding today; before the award the first, after
/// the term the last) and its first and last day.
fn report_year(
    s: &station::Model,
    year: Option<u32>,
    today: NaiveDate,
    policy: &Policy,
) -> Result<(u32, NaiveDate, NaiveDate), StoreError> {
    let years = policy.application.term_years;
    let year = year
        .or_else(|| term_year_of(s.awarded_on, years, today))
        .unwrap_or(if today < s.awarded_on { 1 } else { years });
    if !(1..=years).contains(&year) {
        return Err(DomainError::invalid("year", format!("年度须为 1 至 {years}")).into());
    }
    let (start, end) = term_year(s.awarded_on, year);
    Ok((year, start, end))
}

/// The activities [`Store::activities_within`] packed: `kind,date,days,attendance,percent`,
/// separated by `;`. A kind this build does not know is passed over, as the row reader did.
fn unpack_activities(packed: &str) -> Result<Vec<Activity>, StoreError> {
    let bad = || {
        StoreError::Db(sea_orm::DbErr::Custom(format!(
            "activities packed unreadably: {packed:.80}"
        )))
    };
    let number = |s: &str| {
        s.parse::<i64>()
            .map(|n| n.clamp(0, i64::from(u32::MAX)) as u32)
    };
    let mut out = Vec::with_capacity(packed.len() / 32 + 1);
    for one in packed.split(';').filter(|s| !s.is_empty()) {
        let mut f = one.split(',');
        let (Some(kind), Some(date), Some(days), Some(attendance), Some(percent), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            return Err(bad());
        };
        let Ok(kind) = ActivityKind::parse(kind) else {
            continue;
        };
        out.push(Activity {
            kind,
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?,
            days: number(days).map_err(|_| bad())?,
            attendance: number(attendance).map_err(|_| bad())?,
            percent: number(percent).map_err(|_| bad())?,
        });
    }
    Ok(out)
}

/// The indicators of a term year from its activities, with the quarter's warning while the
/// year runs.
fn report(
    year: u32,
    start: NaiveDate,
    end: NaiveDate,
    acts: &[Activity],
    today: NaiveDate,
    policy: &Policy,
) -> IndicatorReport {
    let items = indicators(year, start, acts, &policy.assessment);
    let warning = (start <= today && today <= end)
        .then(|| quarter_warning(start, today, &items, &policy.assessment))
        .flatten();
    IndicatorReport {
        year,
        year_starts_on: start,
        year_ends_on: end,
        all_met: items.iter().all(|i| i.met),
        items,
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_activities_unpack_to_what_the_rows_held() {
        let acts = unpack_activities(
            "expert_service,2026-03-02,3,0,0;training,2026-04-01,0,57,0;\
             agreement_progress,2026-05-06,0,0,40;no_such_kind,2026-05-07,1,1,1",
        )
        .expect("readable");
        assert_eq!(acts.len(), 3, "the unknown kind is passed over");
        assert_eq!(acts[0].kind, ActivityKind::ExpertService);
        assert_eq!(acts[0].date, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(acts[0].days, 3);
        assert_eq!(acts[1].attendance, 57);
        assert_eq!(acts[2].percent, 40);
        assert!(unpack_activities("").expect("empty").is_empty());
        // A negative number counts as nothing, as before.
        assert_eq!(
            unpack_activities("survey,2026-01-01,-2,0,0").unwrap()[0].days,
            0
        );
        for bad in [
            "survey,2026-01-01,1,0",
            "survey,2026-13-01,1,0,0",
            "survey,x,1,0,0,9",
        ] {
            assert!(unpack_activities(bad).is_err(), "{bad}");
        }
    }
}
