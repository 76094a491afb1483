use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub society_id: i64,
    /// The unit's county, kept on the application for county visibility.
    pub county_id: i64,
    pub station_name: String,
    pub level: String,
    pub industry: String,
    pub industry_other: String,
    pub unit_overview: String,
    pub industry_overview: String,
    pub society_overview: String,
    pub work_plan: String,
    pub term_years: i32,
    pub term_reason: String,
    pub route: String,
    pub state: String,
    /// The review step that returned it, where a resubmission goes back to.
    pub returned_from: Option<String>,
    /// When the host asked the society to confirm; from then on the society sees the draft.
    pub confirmation_requested_at: Option<DateTimeUtc>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub confirmation_opinion: String,
    pub submitted_at: Option<DateTimeUtc>,
    /// Bumped by every change: a stale form is detected by it.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A renewal (第十三条): the station this application would continue.
    pub renewal_of: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
