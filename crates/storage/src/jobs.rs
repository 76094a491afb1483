//! Background jobs kept in the database, so that several servers share them and none is lost
//! with a process: a job is scheduled once per `unique_key` (an insert that ignores a duplicate),
//! claimed by one server with a conditional update (the row changes from `queued` only once, so
//! no two servers run it; portable SQL, no `SKIP LOCKED` needed), retried with back-off when it
//! fails, and left `failed` with its error for the admin after its last attempt. A server that
//! dies while running one leaves a lease that runs out; another server then takes the job again.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;

use crate::accounts::UserView;
use crate::entity::job;
use crate::{Page, Store, StoreError};

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// How long a claim holds before another server may take the job again.
pub const LEASE: Duration = Duration::minutes(10);

/// Attempts before a job is left `failed`.
pub const MAX_ATTEMPTS: i32 = 5;

/// The wait before attempt `n + 1` after `n` failed ones: 30 s, 1, 2, 4 … minutes, at most 1 h.
pub fn backoff(attempts: i32) -> Duration {
    let n = attempts.clamp(1, 12) as u32;
    Duration::seconds(Ord::min(30_i64 << (n - 1), 3600))
}

/// Counts of jobs by state (for the admin page and /metrics).
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

impl Store {
    /// Schedules a job unless one with the same key exists; true when this call scheduled it.
    pub async fn schedule_job(
        &self,
        kind: &str,
        unique_key: &str,
        payload: serde_json::Value,
        run_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        schedule(self.db(), kind, unique_key, payload, run_at).await
    }

    /// Claims the next job that is due (or whose runner's lease ran out) for `worker`; `None`
    /// when there is none. Two servers asking at once never get the same job.
    pub async fn claim_job(&self, worker: &str) -> Result<Option<job::Model>, StoreError> {
        let now = Utc::now();
        let claimable = || {
            Condition::any()
                .add(
                    Condition::all()
                        .add(job::Column::State.eq(QUEUED))
                        .add(job::Column::RunAt.lte(now)),
                )
                .add(
                    Condition::all()
                        .add(job::Column::State.eq(RUNNING))
                        .add(job::Column::LockedUntil.lt(now)),
                )
        };
        let candidates: Vec<i64> = job::Entity::find()
            .select_only()
            .column(job::Column::Id)
            .filter(claimable())
            .order_by_asc(job::Column::RunAt)
            .order_by_asc(job::Column::Id)
            .limit(8)
            .into_tuple()
            .all(self.db())
            .await?;
        for id in candidates {
            let res = job::Entity::update_many()
                .col_expr(job::Column::State, Expr::value(RUNNING))
                .col_expr(
                    job::Column::Attempts,
                    Expr::col(job::Column::Attempts).add(1),
                )
                .col_expr(job::Column::LockedBy, Expr::value(worker))
                .col_expr(job::Column::LockedUntil, Expr::value(now + LEASE))
                .col_expr(job::Column::UpdatedAt, Expr::value(now))
                .filter(job::Column::Id.eq(id))
                .filter(claimable())
                .exec(self.db())
                .await?;
            if res.rows_affected == 1 {
                return Ok(job::Entity::find_by_id(id).one(self.db()).await?);
            }
        }
        Ok(None)
    }

    /// The job ran: done.
    pub async fn finish_job(&self, id: i64, worker: &str) -> Result<(), StoreError> {
        let now = Utc::now();
        job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(DONE))
            .col_expr(job::Column::FinishedAt, Expr::value(now))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::LockedBy.eq(worker))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The job failed: again after the back-off, or `failed` after its last attempt.
    pub async fn fail_job(&self, id: i64, worker: &str, error: &str) -> Result<(), StoreError> {
        let Some(j) = job::Entity::find_by_id(id).one(self.db()).await? else {
            return Ok(());
        };
        let now = Utc::now();
        let last = j.attempts >= j.max_attempts;
        job::Entity::update_many()
            .col_expr(
                job::Column::State,
                Expr::value(if last { FAILED } else { QUEUED }),
            )
            .col_expr(job::Column::RunAt, Expr::value(now + backoff(j.attempts)))
            .col_expr(
                job::Column::LastError,
                Expr::value(error.chars().take(2000).collect::<String>()),
            )
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(job::Column::FinishedAt, Expr::value(last.then_some(now)))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::LockedBy.eq(worker))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The admin puts a failed job back in the queue, to run now with fresh attempts.
    pub async fn retry_job(&self, user: &UserView, id: i64) -> Result<(), StoreError> {
        if user.role != Role::Admin {
            return Err(DomainError::Forbidden.into());
        }
        let res = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(QUEUED))
            .col_expr(job::Column::Attempts, Expr::value(0))
            .col_expr(job::Column::RunAt, Expr::value(Utc::now()))
            .col_expr(job::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::State.eq(FAILED))
            .exec(self.db())
            .await?;
        if res.rows_affected == 0 {
            return Err(DomainError::Conflict("只有失败的任务可以重试".into()).into());
        }
        Ok(())
    }

    /// The jobs, newest first, optionally of one state (the admin's page).
    pub async fn jobs(
        &self,
        user: &UserView,
        state: Option<&str>,
        page: u64,
        per_page: u64,
    ) -> Result<Page<job::Model>, StoreError> {
        if user.role != Role::Admin {
            return Err(DomainError::Forbidden.into());
        }
        let mut q = job::Entity::find();
        if let Some(s) = state.filter(|s| !s.is_empty()) {
            q = q.filter(job::Column::State.eq(s));
        }
        let total = q.clone().count(self.db()).await?;
        let items = q
            .order_by_desc(job::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    pub async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        let rows: Vec<(String, i64)> = job::Entity::find()
            .select_only()
            .column(job::Column::State)
            .column_as(Expr::col(job::Column::Id).count(), "n")
            .group_by(job::Column::State)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut c = JobCounts::default();
        for (state, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match state.as_str() {
                QUEUED => c.queued = n,
                RUNNING => c.running = n,
                DONE => c.done = n,
                FAILED => c.failed = n,
                _ => {}
            }
        }
        Ok(c)
    }
}

/// What the jobs tell people (the in-app inbox, and e-mail where an address is kept).
impl Store {
    /// A station whose quarter is ending short: its host unit and city CAST are told.
    pub async fn notify_quarter_warning(
        &self,
        station_id: i64,
        message: &str,
    ) -> Result<(), StoreError> {
        use crate::entity::station;
        let Some(s) = station::Entity::find_by_id(station_id)
            .one(self.db())
            .await?
        else {
            return Ok(());
        };
        let tx = self.begin().await?;
        let mut users = crate::review::unit_users(&tx, s.unit_id).await?;
        users.extend(crate::review::role_users(&tx, Role::CityCast, None).await?);
        crate::review::notify(
            &tx,
            &users,
            &format!("季度考核指标预警：{}", s.name),
            message,
            &format!("/stations/{station_id}#indicators"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The notices whose period ended before `today` with applications still awaiting the
    /// award: (notice id, title).
    pub async fn ended_notices(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        use crate::entity::{application, notice, notice_item};
        let ended = notice::Entity::find()
            .filter(notice::Column::EndsOn.lt(today))
            .all(self.db())
            .await?;
        let mut out = Vec::new();
        for n in ended {
            let ids: Vec<i64> = notice_item::Entity::find()
                .filter(notice_item::Column::NoticeId.eq(n.id))
                .all(self.db())
                .await?
                .into_iter()
                .map(|i| i.application_id)
                .collect();
            let waiting = application::Entity::find()
                .filter(application::Column::Id.is_in(ids))
                .filter(application::Column::State.eq("notice"))
                .count(self.db())
                .await?;
            if waiting > 0 {
                out.push((n.id, n.title));
            }
        }
        Ok(out)
    }

    /// A notice's period has ended: the talent office and city CAST are told the award may
    /// follow (第八条（三）（四）).
    pub async fn notify_notice_ended(&self, notice_id: i64) -> Result<(), StoreError> {
        use crate::entity::notice;
        let Some(n) = notice::Entity::find_by_id(notice_id).one(self.db()).await? else {
            return Ok(());
        };
        let tx = self.begin().await?;
        let mut users = crate::review::role_users(&tx, Role::TalentOffice, None).await?;
        users.extend(crate::review::role_users(&tx, Role::CityCast, None).await?);
        crate::review::notify(
            &tx,
            &users,
            &format!("公示期满：{}", n.title),
            &format!(
                "公示期 {} 至 {} 已满。无异议或异议已处理的，可依第八条授牌。",
                n.starts_on, n.ends_on
            ),
            &format!("/notices/{notice_id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// [`Store::schedule_job`] on any connection, e.g. inside the transaction that records what
/// the job is for, so that both are kept or neither.
pub(crate) async fn schedule(
    conn: &impl ConnectionTrait,
    kind: &str,
    unique_key: &str,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let now = Utc::now();
    let res = job::Entity::insert(job::ActiveModel {
        kind: Set(kind.into()),
        unique_key: Set(unique_key.into()),
        payload: Set(payload.to_string()),
        state: Set(QUEUED.into()),
        attempts: Set(0),
        max_attempts: Set(MAX_ATTEMPTS),
        run_at: Set(run_at),
        locked_until: Set(None),
        locked_by: Set(String::new()),
        last_error: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(job::Column::UniqueKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(res > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(12), Duration::seconds(3600));
        assert_eq!(backoff(0), Duration::seconds(30));
    }
}
