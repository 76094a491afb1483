use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "societies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub level: String,
    pub legal_rep: String,
    pub legal_rep_title: String,
    pub legal_rep_mobile: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_mobile: String,
    pub phone_fax: String,
    pub qq: String,
    pub email: String,
    pub wechat: String,
    pub description: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
