//! Indexes for the lists at province scale (issue 8): the application and station lists are
//! ordered by date (newest first) within a state or status, and stations are filtered by
//! county. (The columns that say who may see a record were indexed with their tables.) Found
//! with the bench suite (`bench/run.sh`) and
//! `EXPLAIN QUERY PLAN` at scale 100.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: [(&str, &str, &[&str]); 6] = [
    // Covers the officials' count of a state and level (submitted_at is their visibility):
    // counted in the index, without reading 30,000 rows.
    (
        "idx_applications_state_level",
        "applications",
        &["state", "level", "submitted_at", "updated_at", "id"],
    ),
    (
        "idx_applications_updated",
        "applications",
        &["updated_at", "id"],
    ),
    (
        "idx_applications_state_updated",
        "applications",
        &["state", "updated_at", "id"],
    ),
    ("idx_stations_awarded", "stations", &["awarded_on", "id"]),
    (
        "idx_stations_status_awarded",
        "stations",
        &["status", "awarded_on", "id"],
    ),
    ("idx_stations_county", "stations", &["county_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            let mut idx = Index::create();
            idx.name(name).table(Alias::new(table));
            for c in cols {
                idx.col(Alias::new(*c));
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
