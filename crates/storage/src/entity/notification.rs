use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub at: DateTimeUtc,
    pub title: String,
    pub body: String,
    pub link: String,
    pub read_at: Option<DateTimeUtc>,
    /// `none` (no e-mail address), `pending`, `sending`, `sent` or `failed`; see `crate::mail`.
    pub mail_state: String,
    /// Why the mail failed (an operator's matter: not shown to the user).
    #[serde(skip_serializing)]
    pub mail_error: String,
    /// When `mail_state` last changed (a `sending` row: when it was claimed).
    #[serde(skip_serializing)]
    pub mail_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
