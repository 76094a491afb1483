use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub station_id: i64,
    pub year: i32,
    pub score: i32,
    /// 优秀 / 合格 / 不合格
    pub grade: String,
    pub opinion: String,
    /// JSON of the indicator check attached at the time.
    pub indicators: String,
    /// JSON of the score sheet: items, weights, automatic and given scores, reasons.
    pub score_sheet: String,
    /// grant_due, rectify, remove_and_recover
    pub consequence: String,
    pub rectify_by: Option<Date>,
    pub decided_by: Option<i64>,
    pub decided_on: Date,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
