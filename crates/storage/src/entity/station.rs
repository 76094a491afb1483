use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "stations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub name: String,
    pub level: String,
    pub industry: String,
    pub unit_id: i64,
    pub society_id: i64,
    pub county_id: i64,
    pub round_id: i64,
    pub document_number: String,
    pub awarded_on: Date,
    pub term_ends_on: Date,
    /// active, rectifying, expired, renewed, removed, merged, revoked
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Named before the measures and imported (第八条), not awarded in the system.
    pub imported: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
