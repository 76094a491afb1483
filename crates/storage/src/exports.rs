//! Exports made in the background. A person asks for a list as .xlsx: the request and its job
//! are recorded together ([`Store::request_export`]); a server's job loop writes the file into
//! the file store and records it as a `files` row owned by the export
//! ([`Store::finish_export`]); the person downloads it from whichever server answers. Only the
//! person who asked sees an export (anyone else: not found).

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use stationhub_domain::DomainError;

use crate::accounts::UserView;
use crate::audit::Change;
use crate::entity::{export, file};
use crate::files::FileMeta;
use crate::jobs::{DONE, FAILED, QUEUED, RUNNING};
use crate::{Store, StoreError};

/// The job kind that makes an export.
pub const EXPORT_JOB: &str = "export";

/// The `files.owner_kind` of a finished export.
pub const OWNER: &str = "export";

fn not_found() -> StoreError {
    DomainError::NotFound("导出任务".into()).into()
}

impl Store {
    /// Records the request for `list` with its filters (`query`) and schedules its job, in one
    /// transaction, with an audit entry.
    pub async fn request_export(
        &self,
        user: &UserView,
        list: &str,
        query: &str,
    ) -> Result<export::Model, StoreError> {
        let tx = self.begin().await?;
        let e = export::ActiveModel {
            user_id: Set(user.id),
            list: Set(list.into()),
            query: Set(query.into()),
            state: Set(QUEUED.into()),
            file_id: Set(None),
            error: Set(String::new()),
            created_at: Set(Utc::now()),
            finished_at: Set(None),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        crate::jobs::schedule(
            tx.conn(),
            EXPORT_JOB,
            &format!("{EXPORT_JOB}:{}", e.id),
            serde_json::json!({"export_id": e.id}),
            Utc::now(),
        )
        .await?;
        tx.audit(
            &user.actor(),
            Change::new("export.request", "export", e.id)
                .after(serde_json::json!({"list": list, "query": query})),
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// The user's exports, newest first (at most `limit`).
    pub async fn exports_of(
        &self,
        user: &UserView,
        limit: u64,
    ) -> Result<Vec<export::Model>, StoreError> {
        Ok(export::Entity::find()
            .filter(export::Column::UserId.eq(user.id))
            .order_by_desc(export::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?)
    }

    /// One of the user's exports (another person's: not found).
    pub async fn export_of(&self, user: &UserView, id: i64) -> Result<export::Model, StoreError> {
        export::Entity::find_by_id(id)
            .filter(export::Column::UserId.eq(user.id))
            .one(self.db())
            .await?
            .ok_or_else(not_found)
    }

    /// A finished export's file record, for its owner; refused while it is not done.
    pub async fn export_file(
        &self,
        user: &UserView,
        id: i64,
    ) -> Result<(export::Model, file::Model), StoreError> {
        let e = self.export_of(user, id).await?;
        let Some(file_id) = e.file_id.filter(|_| e.state == DONE) else {
            return Err(DomainError::Conflict(match e.state.as_str() {
                FAILED => format!("导出失败：{}", e.error),
                _ => "导出尚未完成，请稍后刷新".to_string(),
            })
            .into());
        };
        let f = file::Entity::find_by_id(file_id)
            .filter(file::Column::OwnerKind.eq(OWNER))
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        Ok((e, f))
    }

    /// The export a job is for (the job loop's view: no user).
    pub async fn export_for_job(&self, id: i64) -> Result<Option<export::Model>, StoreError> {
        Ok(export::Entity::find_by_id(id).one(self.db()).await?)
    }

    /// The job has started writing the file.
    pub async fn start_export(&self, id: i64) -> Result<(), StoreError> {
        export::Entity::update_many()
            .col_expr(export::Column::State, Expr::value(RUNNING))
            .filter(export::Column::Id.eq(id))
            .filter(export::Column::State.is_in([QUEUED, RUNNING]))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The file is in the file store: recorded as the export's, and the export done.
    pub async fn finish_export(
        &self,
        id: i64,
        user_id: i64,
        meta: &FileMeta<'_>,
    ) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        let now = Utc::now();
        let f = file::ActiveModel {
            owner_kind: Set(OWNER.into()),
            owner_id: Set(id),
            kind: Set("xlsx".into()),
            filename: Set(meta.name.into()),
            content_type: Set(meta.content_type.into()),
            size: Set(meta.size),
            sha256: Set(meta.sha256.into()),
            storage_key: Set(meta.key.into()),
            uploaded_by: Set(Some(user_id)),
            uploaded_at: Set(now),
            removed: Set(false),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        export::Entity::update_many()
            .col_expr(export::Column::State, Expr::value(DONE))
            .col_expr(export::Column::FileId, Expr::value(f.id))
            .col_expr(export::Column::FinishedAt, Expr::value(now))
            .filter(export::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(f.id)
    }

    /// The export cannot be made (e.g. the person may no longer see the list): failed, with the
    /// reason the person reads.
    pub async fn fail_export(&self, id: i64, error: &str) -> Result<(), StoreError> {
        export::Entity::update_many()
            .col_expr(export::Column::State, Expr::value(FAILED))
            .col_expr(
                export::Column::Error,
                Expr::value(error.chars().take(2000).collect::<String>()),
            )
            .col_expr(export::Column::FinishedAt, Expr::value(Utc::now()))
            .filter(export::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }
}
