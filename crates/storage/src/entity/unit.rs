use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub county_id: i64,
    pub legal_rep: String,
    pub address: String,
    pub postcode: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_mobile: String,
    pub fax: String,
    pub email: String,
    pub qq_wechat: String,
    pub registered_in_yiyang: bool,
    pub independent_legal_person: bool,
    pub has_funded_expert_workstation: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
