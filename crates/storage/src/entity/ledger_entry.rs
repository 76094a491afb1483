use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub station_id: i64,
    /// grant, expense, recovery
    pub kind: String,
    /// Positive, in fen.
    pub amount_fen: i64,
    /// grant: due / paid / cancelled; expense and recovery: recorded
    pub status: String,
    pub on_date: Date,
    /// Expense category (第十七条).
    pub category: String,
    pub note: String,
    /// Decision document (national grants, recoveries).
    pub document: String,
    pub assessment_id: Option<i64>,
    pub voucher_file_id: Option<i64>,
    pub paid_on: Option<Date>,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
