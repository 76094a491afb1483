use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub municipal_quota: i32,
    pub provincial_quota: Option<i32>,
    pub national_quota: Option<i32>,
    pub created_at: DateTimeUtc,
    /// `regular` (receives applications) or `import` (the records of one import of stations
    /// named before the measures; never open for applications).
    pub kind: String,
}

/// A round that receives applications (第八条).
pub const KIND_REGULAR: &str = "regular";
/// The round of one import of stations named before the measures.
pub const KIND_IMPORT: &str = "import";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
