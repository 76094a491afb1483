//! E-mail beside the in-app inbox: an optional address per account, and each notification's
//! mail state (`none`, `pending`, `sending`, `sent`, `failed`), so that the mail queue lives in
//! the database and every server of one PostgreSQL sees the same queue.
//!
//! One column per `ALTER TABLE`: SQLite takes a single change per statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn add(table: &'static str, col: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(col).to_owned()
}

fn drop(table: &'static str, col: &'static str) -> TableAlterStatement {
    Table::alter().table(table).drop_column(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(add("users", string("email").default("").take()))
            .await?;
        m.alter_table(add(
            "notifications",
            string("mail_state").default("none").take(),
        ))
        .await?;
        m.alter_table(add("notifications", text("mail_error").default("").take()))
            .await?;
        // When the mail state last changed: a `sending` row's claim time, so that a claim left
        // by a server that died mid-send can be told from one in progress.
        m.alter_table(add(
            "notifications",
            timestamp_with_time_zone_null("mail_at").take(),
        ))
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notifications_mail_state")
                .table("notifications")
                .col("mail_state")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_notifications_mail_state")
                .table("notifications")
                .to_owned(),
        )
        .await?;
        for col in ["mail_at", "mail_error", "mail_state"] {
            m.alter_table(drop("notifications", col)).await?;
        }
        m.alter_table(drop("users", "email")).await
    }
}
