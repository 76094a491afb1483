use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub station_id: i64,
    pub kind: String,
    pub on_date: Date,
    pub expert_id: Option<i64>,
    pub days: i32,
    pub attendance: i32,
    pub percent: i32,
    pub title: String,
    pub description: String,
    pub file_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTimeUtc,
    /// Set when a correction replaced this record (kept for the history).
    pub superseded_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
