use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 (hex) of the token; the token itself is never stored.
    pub token_hash: String,
    pub user_id: i64,
    /// `web` (cookie) or `api` (bearer token).
    pub kind: String,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub client_addr: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
