use sea_orm::entity::prelude::*;

/// The counters of `Store::throttle` (sign-ins per address and minute, objections per address
/// and hour, …), keyed by what is counted (`client_addr`, e.g. `objection:ADDR`) and window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signin_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_addr: String,
    /// The first minute (since the Unix epoch) of the counting window: the minute itself for
    /// sign-ins, the full hour for objections (`Store::throttle`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub minute: i64,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
