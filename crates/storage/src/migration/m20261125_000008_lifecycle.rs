//! After the term (第十三条、第十四条): a renewal application points at the station it would
//! continue; merge / reorganisation / revocation requests of a station, decided by city CAST.

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("applications")
                .add_column(big_integer_null("renewal_of"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_applications_renewal_of")
                .table("applications")
                .col("renewal_of")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("station_requests")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                // merge / reorganise / revoke
                .col(string("kind"))
                .col(text("reason"))
                // merge: the station this one is merged into
                .col(big_integer_null("target_station_id"))
                // reorganise: the station's name afterwards ("" keeps it)
                .col(string("new_name"))
                // the written request (书面申请), a scanned letter
                .col(big_integer_null("letter_file_id"))
                .col(string("requested_by_role"))
                .col(big_integer("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                // pending / approved / declined / withdrawn
                .col(string("state"))
                .col(text("decision_reason"))
                .col(big_integer_null("decided_by"))
                .col(date_null("decided_on"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .foreign_key(&mut fk("station_requests", "station_id", "stations"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_station_requests_station")
                .table("station_requests")
                .col("station_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_station_requests_state")
                .table("station_requests")
                .col("state")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("station_requests").to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("idx_applications_renewal_of")
                .table("applications")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("applications")
                .drop_column("renewal_of")
                .to_owned(),
        )
        .await
    }
}
