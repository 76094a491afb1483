use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub unit_id: Option<i64>,
    pub society_id: Option<i64>,
    pub county_id: Option<i64>,
    pub office_id: Option<i64>,
    pub failed_in_row: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub disabled: bool,
    /// Where mail about the user's cases goes; empty: the in-app inbox only.
    pub email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
