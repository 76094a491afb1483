//! The background jobs every server runs (`serve` starts [`run`]): term expiry, quarterly
//! indicator warnings, the end of public notices and the exports people ask for. The queue is the database's
//! (`stationhub_storage::jobs`): each day's jobs are scheduled once whichever server comes
//! first, each job is run by one server, a failed one is retried with back-off and, after its
//! last attempt, left `failed` on the admin's jobs page.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use stationhub_domain::clock::Clock;
use stationhub_domain::station::{quarter_of, term_year, term_year_of};
use stationhub_domain::upload::FileType;
use stationhub_storage::entity::job;
use stationhub_storage::exports::EXPORT_JOB;
use stationhub_storage::{Store, StoreError};
use tokio::sync::watch;

use crate::AppState;
use crate::api::exports::{ListKind, export_list};
use crate::error::ApiError;
use crate::upload::CheckedFile;

/// How often a server looks for work (by default; `serve --jobs-interval-secs`).
pub const INTERVAL: Duration = Duration::from_secs(30);

pub const EXPIRE_STATIONS: &str = "expire_stations";
pub const SCAN_WARNINGS: &str = "scan_quarter_warnings";
pub const QUARTER_WARNING: &str = "quarter_warning";
pub const SCAN_NOTICES: &str = "scan_notices";
pub const NOTICE_ENDED: &str = "notice_ended";

/// This process's name in the queue: host and process id.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "server".into());
    format!("{host}:{}", std::process::id())
}

/// Schedules today's daily jobs (once, whichever server asks first).
pub async fn schedule_daily(store: &Store, clock: &Clock) -> Result<(), StoreError> {
    let today = clock.today();
    let now = Utc::now();
    for kind in [EXPIRE_STATIONS, SCAN_WARNINGS, SCAN_NOTICES] {
        store
            .schedule_job(
                kind,
                &format!("{kind}:{today}"),
                json!({"date": today}),
                now,
            )
            .await?;
    }
    Ok(())
}

/// Runs one job; an error is the job's failure (retried with back-off).
async fn execute(app: &AppState, j: &job::Model) -> Result<String, String> {
    let (store, clock, policy) = (&app.store, &app.clock, &app.policy);
    let payload: serde_json::Value = serde_json::from_str(&j.payload).unwrap_or_default();
    let today = clock.today();
    let db = |e: StoreError| e.to_string();
    match j.kind.as_str() {
        EXPIRE_STATIONS => {
            let n = store.expire_stations(today).await.map_err(db)?;
            Ok(format!("{n} stations expired"))
        }
        SCAN_WARNINGS => {
            let table = store.indicator_table(today, policy).await.map_err(db)?;
            let mut n = 0;
            for (s, report) in table {
                let Some(message) = report.warning else {
                    continue;
                };
                // One warning per station and quarter, however many days it stays short.
                let Some(year) = term_year_of(s.awarded_on, policy.application.term_years, today)
                else {
                    continue;
                };
                let (start, _) = term_year(s.awarded_on, year);
                let q = quarter_of(start, today).unwrap_or(0);
                let key = format!("{QUARTER_WARNING}:{}:{year}:{q}", s.id);
                if store
                    .schedule_job(
                        QUARTER_WARNING,
                        &key,
                        json!({"station_id": s.id, "message": message}),
                        Utc::now(),
                    )
                    .await
                    .map_err(db)?
                {
                    n += 1;
                }
            }
            Ok(format!("{n} warnings scheduled"))
        }
        QUARTER_WARNING => {
            let station = payload["station_id"].as_i64().ok_or("no station_id")?;
            let message = payload["message"].as_str().unwrap_or_default();
            store
                .notify_quarter_warning(station, message)
                .await
                .map_err(db)?;
            Ok("notified".into())
        }
        SCAN_NOTICES => {
            let mut n = 0;
            for (id, _) in store.ended_notices(today).await.map_err(db)? {
                if store
                    .schedule_job(
                        NOTICE_ENDED,
                        &format!("{NOTICE_ENDED}:{id}"),
                        json!({"notice_id": id}),
                        Utc::now(),
                    )
                    .await
                    .map_err(db)?
                {
                    n += 1;
                }
            }
            Ok(format!("{n} ended notices"))
        }
        NOTICE_ENDED => {
            let id = payload["notice_id"].as_i64().ok_or("no notice_id")?;
            store.notify_notice_ended(id).await.map_err(db)?;
            Ok("notified".into())
        }
        EXPORT_JOB => {
            let id = payload["export_id"].as_i64().ok_or("no export_id")?;
            export(app, id).await
        }
        other => Err(format!("unknown job kind {other}")),
    }
}

/// Writes export `id` into the file store. A refusal (the person may no longer see the list)
/// fails the export for good, with its reason; anything else is the job's failure and is
/// tried again.
async fn export(app: &AppState, id: i64) -> Result<String, String> {
    let db = |e: StoreError| e.to_string();
    let Some(e) = app.store.export_for_job(id).await.map_err(db)? else {
        return Ok(format!("export {id} is gone"));
    };
    if e.state == stationhub_storage::jobs::DONE {
        return Ok(format!("export {id} was done already"));
    }
    app.store.start_export(id).await.map_err(db)?;
    let user = app.store.user(e.user_id).await.map_err(db)?;
    if user.disabled {
        app.store
            .fail_export(id, "账号已停用，导出未完成")
            .await
            .map_err(db)?;
        return Ok(format!("export {id}: account disabled"));
    }
    let written = match ListKind::parse(&e.list) {
        Ok(kind) => export_list(app, &user, kind, &e.query).await,
        Err(refused) => Err(refused),
    };
    let download = match written {
        Ok(d) => d,
        Err(ApiError::Internal(cause)) => return Err(cause),
        Err(refused) => {
            let reason = refused.message();
            app.store.fail_export(id, &reason).await.map_err(db)?;
            return Ok(format!("export {id} refused: {reason}"));
        }
    };
    let (bytes, name) = tokio::task::spawn_blocking(move || download.into_bytes())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.message())?;
    let size = bytes.len();
    // Stored as uploads are: the bytes go again if the record is refused.
    CheckedFile::made(name, bytes.into(), FileType::Xlsx)
        .store(app, "exports", |f| async move {
            app.store.finish_export(id, user.id, &f.meta()).await
        })
        .await
        .map_err(|e| e.message())?;
    Ok(format!("export {id}: {size} bytes"))
}

/// Schedules the day's jobs and runs every job that is due; how many ran.
pub async fn tick(app: &AppState, worker: &str) -> Result<usize, StoreError> {
    let store = &app.store;
    schedule_daily(store, &app.clock).await?;
    let mut ran = 0;
    // A bound, so that one tick cannot run forever on a flood of jobs.
    while ran < 1000 {
        let Some(j) = store.claim_job(worker).await? else {
            break;
        };
        ran += 1;
        match execute(app, &j).await {
            Ok(what) => {
                tracing::info!(job = j.id, kind = %j.kind, %what, "job done");
                store.finish_job(j.id, worker).await?;
            }
            Err(e) => {
                tracing::warn!(job = j.id, kind = %j.kind, attempt = j.attempts, error = %e, "job failed");
                store.fail_job(j.id, worker, &e).await?;
                if j.kind == EXPORT_JOB && j.attempts >= j.max_attempts {
                    // The last attempt: the person sees the export failed, not forever running.
                    if let Some(id) = serde_json::from_str::<serde_json::Value>(&j.payload)
                        .ok()
                        .and_then(|p| p["export_id"].as_i64())
                    {
                        store.fail_export(id, "导出多次失败，请稍后重试").await?;
                    }
                }
            }
        }
    }
    Ok(ran)
}

/// The loop `serve` runs beside the HTTP server until `stop`: a look for work every
/// `config.jobs_interval`, and at once when this server has queued some.
pub async fn run(app: AppState, mut stop: watch::Receiver<bool>) {
    let worker = worker_name();
    let interval = app.config.jobs_interval;
    tracing::info!(%worker, interval_ms = interval.as_millis() as u64, "jobs started");
    loop {
        if let Err(e) = tick(&app, &worker).await {
            tracing::error!(error = %e, "jobs: database error");
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            _ = tokio::time::sleep(interval) => {}
            _ = app.jobs_wake.notified() => {}
        }
    }
    tracing::info!("jobs stopped");
}
