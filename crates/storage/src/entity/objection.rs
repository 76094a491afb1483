use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notice_id: i64,
    pub application_id: i64,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub client_addr: String,
    pub created_at: DateTimeUtc,
    /// `upheld` or `dismissed`; none while open.
    pub outcome: Option<String>,
    pub reason: String,
    pub handled_by: Option<i64>,
    pub handled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
