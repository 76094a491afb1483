//! 第十条: the station's annual work plan and annual summary, each with an optional file.

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("station_reports")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                .col(integer("year"))
                .col(string("kind"))
                .col(text("body"))
                .col(big_integer_null("file_id"))
                .col(big_integer_null("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .foreign_key(&mut fk("station_reports", "station_id", "stations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_station_reports_station")
                .table("station_reports")
                .col("station_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("station_reports").to_owned())
            .await
    }
}
