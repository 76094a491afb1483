//! Background jobs in the database: every server may run them, each job runs once (claimed by
//! a conditional update), a failed one is retried with back-off and stays visible to the admin.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("jobs")
                .col(big_pk_auto("id"))
                .col(string("kind"))
                // One job per key: a daily job of every server is scheduled once.
                .col(string_uniq("unique_key"))
                .col(text("payload"))
                // queued / running / done / failed
                .col(string("state"))
                .col(integer("attempts"))
                .col(integer("max_attempts"))
                .col(timestamp_with_time_zone("run_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(string("locked_by"))
                .col(text("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_jobs_state_run_at")
                .table("jobs")
                .col("state")
                .col("run_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("jobs").to_owned()).await
    }
}
