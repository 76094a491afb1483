//! Exports made in the background: a person asks for a list as .xlsx, a server's job loop
//! writes it into the file store, and the person downloads it from any server.

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("exports")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                // Which list (applications, stations, indicators, assessments, funds, audit).
                .col(string("list"))
                // The list's filters, as its page or API query string.
                .col(text("query"))
                // queued / running / done / failed
                .col(string("state"))
                .col(big_integer_null("file_id"))
                .col(text("error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .foreign_key(&mut fk("exports", "user_id", "users"))
                .foreign_key(&mut fk("exports", "file_id", "files"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_exports_user")
                .table("exports")
                .col("user_id")
                .col("id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("exports").to_owned())
            .await
    }
}
