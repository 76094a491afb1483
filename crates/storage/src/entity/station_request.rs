use sea_orm::entity::prelude::*;

/// A merge, reorganisation or revocation request of a station (第十四条).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "station_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub station_id: i64,
    /// `merge`, `reorganise` or `revoke`.
    pub kind: String,
    pub reason: String,
    pub target_station_id: Option<i64>,
    pub new_name: String,
    pub letter_file_id: Option<i64>,
    pub requested_by_role: String,
    pub requested_by: i64,
    pub requested_at: DateTimeUtc,
    /// `pending`, `approved`, `declined` or `withdrawn`.
    pub state: String,
    pub decision_reason: String,
    pub decided_by: Option<i64>,
    pub decided_on: Option<Date>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
