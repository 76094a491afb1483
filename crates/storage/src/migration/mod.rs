//! Migrations, written once for SQLite and PostgreSQL (sea-orm-migration's schema builder emits
//! each backend's dialect). `serve`, `migrate` and `user add` apply pending ones.

use sea_orm_migration::prelude::*;

mod m20261125_000001_platform;
mod m20261125_000002_applications;
mod m20261125_000003_review;
mod m20261125_000004_mail;
mod m20261125_000005_stations;
mod m20261125_000006_score_sheet;
mod m20261125_000007_reports;
mod m20261125_000008_lifecycle;
mod m20261125_000009_import;
mod m20261125_000010_jobs;
mod m20261125_000011_exports;
mod m20261125_000012_list_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_platform::Migration),
            Box::new(m20261125_000002_applications::Migration),
            Box::new(m20261125_000003_review::Migration),
            Box::new(m20261125_000004_mail::Migration),
            Box::new(m20261125_000005_stations::Migration),
            Box::new(m20261125_000006_score_sheet::Migration),
            Box::new(m20261125_000007_reports::Migration),
            Box::new(m20261125_000008_lifecycle::Migration),
            Box::new(m20261125_000009_import::Migration),
            Box::new(m20261125_000010_jobs::Migration),
            Box::new(m20261125_000011_exports::Migration),
            Box::new(m20261125_000012_list_indexes::Migration),
        ]
    }
}

/// A foreign key named after its table and column, to the `id` of `to`.
fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from, col)
        .to(to, "id")
        .to_owned()
}
