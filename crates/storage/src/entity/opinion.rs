use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "opinions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    /// The state the decision was taken in (the step), or `submission` for the host's own box.
    pub step: String,
    pub action: String,
    pub role: String,
    pub organisation: String,
    /// Whose seal is stamped on the box: `office:ID` or `unit:ID`.
    pub seal_owner: String,
    pub person_id: Option<i64>,
    pub person_name: String,
    pub text: String,
    pub decided_on: Date,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
