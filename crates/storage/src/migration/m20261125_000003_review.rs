//! Review and award: opinions with seals, site inspections, the working-day calendar, public
//! notices with objections, document-number sequences, stations and the in-app inbox.

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(
    m: &SchemaManager<'_>,
    table: &'static str,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(format!("idx_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        i.col(*c);
    }
    m.create_index(i.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // 审核意见: one per decision, filling the form's opinion boxes.
        m.create_table(
            Table::create()
                .table("opinions")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(string("step"))
                .col(string("action"))
                .col(string("role"))
                .col(string("organisation"))
                .col(string("seal_owner"))
                .col(big_integer_null("person_id"))
                .col(string("person_name"))
                .col(text("text"))
                .col(date("decided_on"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk("opinions", "application_id", "applications"))
                .to_owned(),
        )
        .await?;
        index(m, "opinions", &["application_id"]).await?;

        // 实地考察 (第八条（二）)
        m.create_table(
            Table::create()
                .table("site_inspections")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(date("inspected_on"))
                .col(text("inspectors"))
                .col(text("findings"))
                .col(big_integer_null("recorded_by"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk(
                    "site_inspections",
                    "application_id",
                    "applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "site_inspections", &["application_id"]).await?;

        // An organisation's seal image, uploaded once; `owner` is e.g. `office:3` or `unit:7`.
        m.create_table(
            Table::create()
                .table("seals")
                .col(string("owner").primary_key())
                .col(big_integer("file_id"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .to_owned(),
        )
        .await?;

        // The working-day calendar: the years with a schedule, and the listed days.
        m.create_table(
            Table::create()
                .table("calendar_years")
                .col(integer("year").primary_key())
                .col(string("source"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("calendar_days")
                .col(date("day").primary_key())
                .col(string("name"))
                .col(boolean("off"))
                .col(string("source"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;

        // 公示 and its applications.
        m.create_table(
            Table::create()
                .table("notices")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(integer("working_days"))
                .col(boolean("plain_weekends_assumed"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("notice_items")
                .col(big_integer("notice_id"))
                .col(big_integer("application_id"))
                .primary_key(Index::create().col("notice_id").col("application_id"))
                .foreign_key(&mut fk("notice_items", "notice_id", "notices"))
                .foreign_key(&mut fk("notice_items", "application_id", "applications"))
                .to_owned(),
        )
        .await?;
        index(m, "notice_items", &["application_id"]).await?;

        // 异议
        m.create_table(
            Table::create()
                .table("objections")
                .col(big_pk_auto("id"))
                .col(big_integer("notice_id"))
                .col(big_integer("application_id"))
                .col(string("name"))
                .col(string("contact"))
                .col(text("text"))
                .col(string("client_addr"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_null("outcome"))
                .col(text("reason"))
                .col(big_integer_null("handled_by"))
                .col(timestamp_with_time_zone_null("handled_at"))
                .foreign_key(&mut fk("objections", "notice_id", "notices"))
                .foreign_key(&mut fk("objections", "application_id", "applications"))
                .to_owned(),
        )
        .await?;
        index(m, "objections", &["application_id"]).await?;

        // Document numbers: one sequence per issuer and year, shared by every server.
        m.create_table(
            Table::create()
                .table("doc_sequences")
                .col(string("issuer"))
                .col(integer("year"))
                .col(integer("last"))
                .primary_key(Index::create().col("issuer").col("year"))
                .to_owned(),
        )
        .await?;

        // 学会服务站: created at the award.
        m.create_table(
            Table::create()
                .table("stations")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("application_id"))
                .col(string("name"))
                .col(string("level"))
                .col(string("industry"))
                .col(big_integer("unit_id"))
                .col(big_integer("society_id"))
                .col(big_integer("county_id"))
                .col(big_integer("round_id"))
                .col(string_uniq("document_number"))
                .col(date("awarded_on"))
                .col(date("term_ends_on"))
                .col(string("status"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("stations", "application_id", "applications"))
                .foreign_key(&mut fk("stations", "unit_id", "units"))
                .foreign_key(&mut fk("stations", "society_id", "societies"))
                .to_owned(),
        )
        .await?;
        index(m, "stations", &["status"]).await?;
        index(m, "stations", &["society_id"]).await?;
        index(m, "stations", &["unit_id"]).await?;

        // The in-app inbox.
        m.create_table(
            Table::create()
                .table("notifications")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("title"))
                .col(text("body"))
                .col(string("link"))
                .col(timestamp_with_time_zone_null("read_at"))
                .foreign_key(&mut fk("notifications", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "notifications", &["user_id"]).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "notifications",
            "stations",
            "doc_sequences",
            "objections",
            "notice_items",
            "notices",
            "calendar_days",
            "calendar_years",
            "seals",
            "site_inspections",
            "opinions",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
