//! Host units and societies: creating them (the profile pages and API build on this).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::organisation::CreditCode;

use crate::audit::Change;
use crate::entity::{county, society, unit};
use crate::{Actor, Store, StoreError};

/// A host unit's profile (the unit block of the application form, SPEC §2).
#[derive(Debug, Clone, Serialize)]
pub struct NewUnit {
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub county: String,
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
}

/// A society's profile (the society block of the form).
#[derive(Debug, Clone, Serialize)]
pub struct NewSociety {
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
}

impl Store {
    pub async fn create_unit(&self, actor: &Actor, u: NewUnit) -> Result<i64, StoreError> {
        let code = CreditCode::parse(&u.credit_code)?;
        let tx = self.begin().await?;
        let c = county::Entity::find()
            .filter(county::Column::Name.eq(u.county.trim()))
            .one(tx.conn())
            .await?
            .ok_or_else(|| DomainError::invalid("county", format!("县市区“{}”不存在", u.county)))?;
        let now = Utc::now();
        let m = unit::ActiveModel {
            name: Set(u.name.clone()),
            credit_code: Set(code.as_str().to_string()),
            nature: Set(u.nature.clone()),
            county_id: Set(c.id),
            legal_rep: Set(u.legal_rep.clone()),
            address: Set(u.address.clone()),
            postcode: Set(u.postcode.clone()),
            contact_name: Set(u.contact_name.clone()),
            contact_phone: Set(u.contact_phone.clone()),
            contact_mobile: Set(u.contact_mobile.clone()),
            fax: Set(u.fax.clone()),
            email: Set(u.email.clone()),
            qq_wechat: Set(u.qq_wechat.clone()),
            registered_in_yiyang: Set(u.registered_in_yiyang),
            independent_legal_person: Set(u.independent_legal_person),
            has_funded_expert_workstation: Set(u.has_funded_expert_workstation),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await
        .map_err(|e| conflict_on_unique(e, "该统一社会信用代码的单位已存在"))?;
        tx.audit(actor, Change::new("unit.create", "unit", m.id).after(&u))
            .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    pub async fn create_society(&self, actor: &Actor, s: NewSociety) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        let now = Utc::now();
        let m = society::ActiveModel {
            name: Set(s.name.clone()),
            level: Set(s.level.clone()),
            legal_rep: Set(s.legal_rep.clone()),
            legal_rep_title: Set(s.legal_rep_title.clone()),
            legal_rep_mobile: Set(s.legal_rep_mobile.clone()),
            address: Set(s.address.clone()),
            postcode: Set(s.postcode.clone()),
            contact_name: Set(s.contact_name.clone()),
            contact_title: Set(s.contact_title.clone()),
            contact_mobile: Set(s.contact_mobile.clone()),
            phone_fax: Set(s.phone_fax.clone()),
            qq: Set(s.qq.clone()),
            email: Set(s.email.clone()),
            wechat: Set(s.wechat.clone()),
            description: Set(s.description.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await
        .map_err(|e| conflict_on_unique(e, "同名学会已存在"))?;
        tx.audit(
            actor,
            Change::new("society.create", "society", m.id).after(&s),
        )
        .await?;
        tx.commit().await?;
        Ok(m.id)
    }
}

/// A unique-constraint violation is a conflict with meaning, not a 500.
pub(crate) fn conflict_on_unique(e: sea_orm::DbErr, message: &str) -> StoreError {
    let e = StoreError::from(e);
    if e.is_unique_violation() {
        DomainError::Conflict(message.to_string()).into()
    } else {
        e
    }
}
