//! 申报: experts of societies, rounds, applications with their experts, staff and files, and
//! each application's history.

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // 学会专家库
        m.create_table(
            Table::create()
                .table("experts")
                .col(big_pk_auto("id"))
                .col(big_integer("society_id"))
                .col(string("name"))
                .col(string("title"))
                .col(string("specialty"))
                .col(string("employer"))
                .col(string("mobile"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("experts", "society_id", "societies"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_experts_society")
                .table("experts")
                .col("society_id")
                .to_owned(),
        )
        .await?;

        // 申报批次 (第八条: every two years; 第十二条: municipal quota)
        m.create_table(
            Table::create()
                .table("rounds")
                .col(big_pk_auto("id"))
                .col(string("name"))
                .col(date("opens_on"))
                .col(date("closes_on"))
                .col(integer("municipal_quota"))
                .col(integer_null("provincial_quota"))
                .col(integer_null("national_quota"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        // 申报书
        m.create_table(
            Table::create()
                .table("applications")
                .col(big_pk_auto("id"))
                .col(big_integer("round_id"))
                .col(big_integer("unit_id"))
                .col(big_integer("society_id"))
                .col(big_integer("county_id"))
                .col(string("station_name"))
                .col(string("level"))
                .col(string("industry"))
                .col(string("industry_other"))
                .col(text("unit_overview"))
                .col(text("industry_overview"))
                .col(text("society_overview"))
                .col(text("work_plan"))
                .col(integer("term_years"))
                .col(text("term_reason"))
                .col(string("route"))
                .col(string("state"))
                .col(string_null("returned_from"))
                .col(timestamp_with_time_zone_null("confirmation_requested_at"))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(text("confirmation_opinion"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("applications", "round_id", "rounds"))
                .foreign_key(&mut fk("applications", "unit_id", "units"))
                .foreign_key(&mut fk("applications", "society_id", "societies"))
                .foreign_key(&mut fk("applications", "county_id", "counties"))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_applications_unit", "unit_id"),
            ("idx_applications_society", "society_id"),
            ("idx_applications_county", "county_id"),
            ("idx_applications_state", "state"),
            ("idx_applications_round", "round_id"),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table("applications")
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        // 专家团队 (第七条（六）)
        m.create_table(
            Table::create()
                .table("application_experts")
                .col(big_integer("application_id"))
                .col(big_integer("expert_id"))
                .col(integer("position"))
                .primary_key(Index::create().col("application_id").col("expert_id"))
                .foreign_key(
                    &mut fk("application_experts", "application_id", "applications")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .foreign_key(&mut fk("application_experts", "expert_id", "experts"))
                .to_owned(),
        )
        .await?;

        // 工作人员
        m.create_table(
            Table::create()
                .table("application_staff")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(integer("position"))
                .col(string("name"))
                .col(string("mobile"))
                .col(string("duty"))
                .foreign_key(
                    &mut fk("application_staff", "application_id", "applications")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_application_staff_app")
                .table("application_staff")
                .col("application_id")
                .to_owned(),
        )
        .await?;

        // Uploaded files: kept in the file store under `storage_key`; the name is only shown.
        m.create_table(
            Table::create()
                .table("files")
                .col(big_pk_auto("id"))
                .col(string("owner_kind"))
                .col(big_integer("owner_id"))
                .col(string("kind"))
                .col(string("filename"))
                .col(string("content_type"))
                .col(big_integer("size"))
                .col(string("sha256"))
                .col(string("storage_key"))
                .col(big_integer_null("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .col(boolean("removed"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_files_owner")
                .table("files")
                .col("owner_kind")
                .col("owner_id")
                .to_owned(),
        )
        .await?;

        // Each step an application takes, with the opinion given.
        m.create_table(
            Table::create()
                .table("application_events")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(string("at"))
                .col(big_integer_null("actor_id"))
                .col(string("actor_name"))
                .col(string("actor_role"))
                .col(string("organisation"))
                .col(string("action"))
                .col(string("from_state"))
                .col(string("to_state"))
                .col(text("opinion"))
                .foreign_key(&mut fk(
                    "application_events",
                    "application_id",
                    "applications",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_application_events_app")
                .table("application_events")
                .col("application_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "application_events",
            "files",
            "application_staff",
            "application_experts",
            "applications",
            "rounds",
            "experts",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
