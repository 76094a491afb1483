//! The platform: counties, offices, host units, societies, users, sessions, sign-in throttle and
//! the audit log.

use sea_orm_migration::{prelude::*, schema::*};

use super::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("counties")
                .col(big_pk_auto("id"))
                .col(string_uniq("name"))
                .col(integer("sort_order"))
                .to_owned(),
        )
        .await?;

        // Government offices: county CAST / talent office per county, and the city's offices.
        m.create_table(
            Table::create()
                .table("offices")
                .col(big_pk_auto("id"))
                .col(string("kind"))
                .col(string("name"))
                .col(big_integer_null("county_id"))
                .foreign_key(&mut fk("offices", "county_id", "counties"))
                .to_owned(),
        )
        .await?;

        // 建站单位: the unit block of the application form and SPEC §2.
        m.create_table(
            Table::create()
                .table("units")
                .col(big_pk_auto("id"))
                .col(string("name"))
                .col(string_uniq("credit_code"))
                .col(string("nature"))
                .col(big_integer("county_id"))
                .col(string("legal_rep"))
                .col(string("address"))
                .col(string("postcode"))
                .col(string("contact_name"))
                .col(string("contact_phone"))
                .col(string("contact_mobile"))
                .col(string("fax"))
                .col(string("email"))
                .col(string("qq_wechat"))
                .col(boolean("registered_in_yiyang"))
                .col(boolean("independent_legal_person"))
                .col(boolean("has_funded_expert_workstation"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("units", "county_id", "counties"))
                .to_owned(),
        )
        .await?;

        // 学会: the society block of the form.
        m.create_table(
            Table::create()
                .table("societies")
                .col(big_pk_auto("id"))
                .col(string_uniq("name"))
                .col(string("level"))
                .col(string("legal_rep"))
                .col(string("legal_rep_title"))
                .col(string("legal_rep_mobile"))
                .col(string("address"))
                .col(string("postcode"))
                .col(string("contact_name"))
                .col(string("contact_title"))
                .col(string("contact_mobile"))
                .col(string("phone_fax"))
                .col(string("qq"))
                .col(string("email"))
                .col(string("wechat"))
                .col(text("description"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_uniq("username"))
                .col(string("display_name"))
                .col(string("role"))
                .col(string("password_hash"))
                .col(boolean("must_change_password"))
                .col(big_integer_null("unit_id"))
                .col(big_integer_null("society_id"))
                .col(big_integer_null("county_id"))
                .col(big_integer_null("office_id"))
                .col(integer("failed_in_row"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(boolean("disabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("users", "unit_id", "units"))
                .foreign_key(&mut fk("users", "society_id", "societies"))
                .foreign_key(&mut fk("users", "county_id", "counties"))
                .foreign_key(&mut fk("users", "office_id", "offices"))
                .to_owned(),
        )
        .await?;

        // Sessions live in the database so that every server accepts every session (SPEC §6).
        // Only the SHA-256 of a token is kept.
        m.create_table(
            Table::create()
                .table("sessions")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("user_id"))
                .col(string("kind"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(string("client_addr"))
                .foreign_key(
                    fk("sessions", "user_id", "users").on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sessions_user")
                .table("sessions")
                .col("user_id")
                .to_owned(),
        )
        .await?;

        // Sign-in attempts per client address and minute, shared by every server.
        m.create_table(
            Table::create()
                .table("signin_throttle")
                .col(string("client_addr"))
                .col(big_integer("minute"))
                .col(integer("attempts"))
                .primary_key(Index::create().col("client_addr").col("minute"))
                .to_owned(),
        )
        .await?;

        // The audit log: append-only, hash-chained (seq without gaps); audit_head records the
        // newest entry so that removing the latest rows is detected too.
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(string("at"))
                .col(big_integer_null("actor_id"))
                .col(string("actor_username"))
                .col(string("actor_role"))
                .col(string("action"))
                .col(string("entity"))
                .col(string_null("entity_id"))
                .col(text("before"))
                .col(text("after"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_audit_action", "action"),
            ("idx_audit_actor", "actor_username"),
            ("idx_audit_entity", "entity"),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table("audit_log")
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "audit_head",
            "audit_log",
            "signin_throttle",
            "sessions",
            "users",
            "societies",
            "units",
            "offices",
            "counties",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
