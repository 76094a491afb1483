use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seals")]
pub struct Model {
    /// `office:ID` or `unit:ID`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner: String,
    pub file_id: i64,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
