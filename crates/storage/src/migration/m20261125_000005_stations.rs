//! Running a station: the activity log (corrections keep history), annual plans and summaries,
//! assessments, and the fund ledger (grants, expenses, recoveries).

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("activities")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                .col(string("kind"))
                .col(date("on_date"))
                .col(big_integer_null("expert_id"))
                .col(integer("days"))
                .col(integer("attendance"))
                .col(integer("percent"))
                .col(string("title"))
                .col(text("description"))
                .col(big_integer_null("file_id"))
                .col(big_integer_null("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                // A correction adds a new row and points the old one at it.
                .col(big_integer_null("superseded_by"))
                .foreign_key(&mut fk("activities", "station_id", "stations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_activities_station_date")
                .table("activities")
                .col("station_id")
                .col("on_date")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("assessments")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                .col(integer("year"))
                .col(integer("score"))
                .col(string("grade"))
                .col(text("opinion"))
                .col(text("indicators"))
                .col(string("consequence"))
                .col(date_null("rectify_by"))
                .col(big_integer_null("decided_by"))
                .col(date("decided_on"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk("assessments", "station_id", "stations"))
                .index(
                    Index::create()
                        .name("uq_assessments_station_year")
                        .col("station_id")
                        .col("year")
                        .unique(),
                )
                .to_owned(),
        )
        .await?;

        // The fund ledger: grant (due → paid / cancelled), expense, recovery.
        m.create_table(
            Table::create()
                .table("ledger_entries")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                .col(string("kind"))
                .col(big_integer("amount_fen"))
                .col(string("status"))
                .col(date("on_date"))
                .col(string("category"))
                .col(text("note"))
                .col(string("document"))
                .col(big_integer_null("assessment_id"))
                .col(big_integer_null("voucher_file_id"))
                .col(date_null("paid_on"))
                .col(big_integer_null("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("ledger_entries", "station_id", "stations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_ledger_station")
                .table("ledger_entries")
                .col("station_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["ledger_entries", "assessments", "activities"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
