use sea_orm::entity::prelude::*;

/// A list exported in the background (see `crate::exports`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub list: String,
    pub query: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// The finished file (`files`, owner `export`).
    pub file_id: Option<i64>,
    pub error: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
