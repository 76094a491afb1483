//! Host units, societies and their experts, and rounds: profiles kept by their own users and
//! corrected by city CAST. Every change is audited with before → after.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::organisation::{ExpertInput, SocietyProfile, UnitProfile};
use stationhub_domain::round::Round;

use crate::audit::Change;
use crate::entity::{county, expert, round, society, unit};
use crate::{Actor, Page, Store, StoreError, Tx};

/// A unit as the product shows it (with its county's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitView {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub county_id: i64,
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

/// Filters of the unit and society lists.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Part of the name.
    pub q: Option<String>,
    /// Restrict to one county (units) — a county office's view.
    pub county_id: Option<i64>,
    /// Restrict to one record — a host unit's or society's own.
    pub only_id: Option<i64>,
}

async fn county_id(tx: &Tx, name: &str) -> Result<i64, StoreError> {
    Ok(county::Entity::find()
        .filter(county::Column::Name.eq(name.trim()))
        .one(tx.conn())
        .await?
        .ok_or_else(|| DomainError::invalid("county", format!("县市区“{name}”不存在")))?
        .id)
}

impl Store {
    pub async fn create_unit(&self, actor: &Actor, u: UnitProfile) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        let id = insert_unit(&tx, actor, &u).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A host-unit account not yet linked registers its own unit and is linked to it, in one
    /// transaction (two quick submissions make one unit).
    pub async fn register_own_unit(
        &self,
        user: &crate::accounts::UserView,
        u: UnitProfile,
    ) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        still_unlinked(&tx, user.id).await?;
        let id = insert_unit(&tx, &user.actor(), &u).await?;
        self.link_user(&tx, user, Some(id), None).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A society account not yet linked registers its own society and is linked to it.
    pub async fn register_own_society(
        &self,
        user: &crate::accounts::UserView,
        s: SocietyProfile,
    ) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        still_unlinked(&tx, user.id).await?;
        let id = insert_society(&tx, &user.actor(), &s).await?;
        self.link_user(&tx, user, None, Some(id)).await?;
        tx.commit().await?;
        Ok(id)
    }
}

async fn still_unlinked(tx: &Tx, user_id: i64) -> Result<(), StoreError> {
    let u = crate::entity::user::Entity::find_by_id(user_id)
        .one(tx.conn())
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    if u.unit_id.is_some() || u.society_id.is_some() {
        return Err(
            DomainError::Conflict("本账户已关联单位或学会，请修改其信息而不是新建".into()).into(),
        );
    }
    Ok(())
}

async fn insert_unit(tx: &Tx, actor: &Actor, u: &UnitProfile) -> Result<i64, StoreError> {
    let county_id = county_id(tx, &u.county).await?;
    let m = unit::ActiveModel {
        created_at: Set(Utc::now()),
        ..unit_fields(u, county_id)
    }
    .insert(tx.conn())
    .await
    .map_err(|e| conflict_on_unique(e, "该统一社会信用代码的单位已存在"))?;
    tx.audit(actor, Change::new("unit.create", "unit", m.id).after(u))
        .await?;
    Ok(m.id)
}

async fn insert_society(tx: &Tx, actor: &Actor, s: &SocietyProfile) -> Result<i64, StoreError> {
    let m = society::ActiveModel {
        created_at: Set(Utc::now()),
        ..society_fields(s)
    }
    .insert(tx.conn())
    .await
    .map_err(|e| conflict_on_unique(e, "同名学会已存在"))?;
    tx.audit(
        actor,
        Change::new("society.create", "society", m.id).after(s),
    )
    .await?;
    Ok(m.id)
}

impl Store {
    pub async fn update_unit(
        &self,
        actor: &Actor,
        id: i64,
        u: UnitProfile,
    ) -> Result<(), StoreError> {
        let before = self.unit(id).await?;
        let tx = self.begin().await?;
        let county_id = county_id(&tx, &u.county).await?;
        unit::ActiveModel {
            id: Set(id),
            ..unit_fields(&u, county_id)
        }
        .update(tx.conn())
        .await
        .map_err(|e| conflict_on_unique(e, "该统一社会信用代码的单位已存在"))?;
        tx.audit(
            actor,
            Change::new("unit.update", "unit", id)
                .before(&before)
                .after(&u),
        )
        .await?;
        tx.commit().await
    }

    pub async fn unit(&self, id: i64) -> Result<UnitView, StoreError> {
        let u = unit::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("单位".into()))?;
        Ok(self.unit_views(vec![u]).await?.remove(0))
    }

    pub async fn list_units(
        &self,
        f: &OrgFilter,
        page: u64,
        per_page: u64,
    ) -> Result<Page<UnitView>, StoreError> {
        let mut q = unit::Entity::find();
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(crate::contains_text(unit::Column::Name, s))
                    .add(crate::contains_text(unit::Column::CreditCode, s)),
            );
        }
        if let Some(c) = f.county_id {
            q = q.filter(unit::Column::CountyId.eq(c));
        }
        if let Some(id) = f.only_id {
            q = q.filter(unit::Column::Id.eq(id));
        }
        let total = q.clone().count(self.db()).await?;
        let rows = q
            .order_by_asc(unit::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        Ok(Page {
            items: self.unit_views(rows).await?,
            total,
            page,
            per_page,
        })
    }

    async fn unit_views(&self, rows: Vec<unit::Model>) -> Result<Vec<UnitView>, StoreError> {
        let counties = self.counties().await?;
        Ok(rows
            .into_iter()
            .map(|u| UnitView {
                county: counties
                    .iter()
                    .find(|c| c.id == u.county_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                id: u.id,
                name: u.name,
                credit_code: u.credit_code,
                nature: u.nature,
                county_id: u.county_id,
                legal_rep: u.legal_rep,
                address: u.address,
                postcode: u.postcode,
                contact_name: u.contact_name,
                contact_phone: u.contact_phone,
                contact_mobile: u.contact_mobile,
                fax: u.fax,
                email: u.email,
                qq_wechat: u.qq_wechat,
                registered_in_yiyang: u.registered_in_yiyang,
                independent_legal_person: u.independent_legal_person,
                has_funded_expert_workstation: u.has_funded_expert_workstation,
            })
            .collect())
    }

    pub async fn create_society(
        &self,
        actor: &Actor,
        s: SocietyProfile,
    ) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        let id = insert_society(&tx, actor, &s).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_society(
        &self,
        actor: &Actor,
        id: i64,
        s: SocietyProfile,
    ) -> Result<(), StoreError> {
        let before = self.society(id).await?;
        let tx = self.begin().await?;
        society::ActiveModel {
            id: Set(id),
            ..society_fields(&s)
        }
        .update(tx.conn())
        .await
        .map_err(|e| conflict_on_unique(e, "同名学会已存在"))?;
        tx.audit(
            actor,
            Change::new("society.update", "society", id)
                .before(society_json(&before))
                .after(&s),
        )
        .await?;
        tx.commit().await
    }

    pub async fn society(&self, id: i64) -> Result<society::Model, StoreError> {
        Ok(society::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("学会".into()))?)
    }

    pub async fn list_societies(
        &self,
        f: &OrgFilter,
        page: u64,
        per_page: u64,
    ) -> Result<Page<society::Model>, StoreError> {
        let mut q = society::Entity::find();
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(crate::contains_text(society::Column::Name, s));
        }
        if let Some(id) = f.only_id {
            q = q.filter(society::Column::Id.eq(id));
        }
        let total = q.clone().count(self.db()).await?;
        let items = q
            .order_by_asc(society::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    pub async fn add_expert(
        &self,
        actor: &Actor,
        society_id: i64,
        e: ExpertInput,
    ) -> Result<i64, StoreError> {
        self.society(society_id).await?;
        let tx = self.begin().await?;
        let now = Utc::now();
        let m = expert::ActiveModel {
            society_id: Set(society_id),
            name: Set(e.name.clone()),
            title: Set(e.title.clone()),
            specialty: Set(e.specialty.clone()),
            employer: Set(e.employer.clone()),
            mobile: Set(e.mobile.clone()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            actor,
            Change::new("expert.create", "expert", m.id).after(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    pub async fn update_expert(
        &self,
        actor: &Actor,
        id: i64,
        e: ExpertInput,
    ) -> Result<(), StoreError> {
        let before = self.expert(id).await?;
        let tx = self.begin().await?;
        let mut m = before.clone().into_active_model();
        m.name = Set(e.name.clone());
        m.title = Set(e.title.clone());
        m.specialty = Set(e.specialty.clone());
        m.employer = Set(e.employer.clone());
        m.mobile = Set(e.mobile.clone());
        m.updated_at = Set(Utc::now());
        m.update(tx.conn()).await?;
        tx.audit(
            actor,
            Change::new("expert.update", "expert", id)
                .before(expert_json(&before))
                .after(&e),
        )
        .await?;
        tx.commit().await
    }

    /// Takes an expert off the roster (kept for the record; past applications still name them).
    pub async fn retire_expert(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let before = self.expert(id).await?;
        let tx = self.begin().await?;
        let mut m = before.into_active_model();
        m.active = Set(false);
        m.updated_at = Set(Utc::now());
        m.update(tx.conn()).await?;
        tx.audit(actor, Change::new("expert.retire", "expert", id))
            .await?;
        tx.commit().await
    }

    pub async fn expert(&self, id: i64) -> Result<expert::Model, StoreError> {
        Ok(expert::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("专家".into()))?)
    }

    /// A society's roster, active experts first, in the order they were added.
    pub async fn experts_of(&self, society_id: i64) -> Result<Vec<expert::Model>, StoreError> {
        Ok(expert::Entity::find()
            .filter(expert::Column::SocietyId.eq(society_id))
            .order_by_desc(expert::Column::Active)
            .order_by_asc(expert::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn create_round(&self, actor: &Actor, r: Round) -> Result<i64, StoreError> {
        let tx = self.begin().await?;
        // One round at a time receives applications (第八条).
        tx.lock(crate::locks::ROUNDS).await?;
        // Import rounds (存量服务站导入) never receive applications: they overlap nothing.
        let others = round::Entity::find()
            .filter(round::Column::Kind.eq(round::KIND_REGULAR))
            .all(tx.conn())
            .await?;
        if let Some(o) = others.iter().find(|o| r.overlaps(o.opens_on, o.closes_on)) {
            return Err(DomainError::Rule {
                code: "round_overlap",
                article: "第八条",
                message: format!(
                    "与已有批次“{}”（{} 至 {}）的受理时间重叠",
                    o.name, o.opens_on, o.closes_on
                ),
            }
            .into());
        }
        let m = round::ActiveModel {
            name: Set(r.name.clone()),
            opens_on: Set(r.opens_on),
            closes_on: Set(r.closes_on),
            municipal_quota: Set(r.municipal_quota as i32),
            provincial_quota: Set(r.provincial_quota.map(|q| q as i32)),
            national_quota: Set(r.national_quota.map(|q| q as i32)),
            created_at: Set(Utc::now()),
            kind: Set(round::KIND_REGULAR.into()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(actor, Change::new("round.create", "round", m.id).after(&r))
            .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    /// The rounds that receive applications (not the records of imports).
    pub async fn rounds(&self) -> Result<Vec<round::Model>, StoreError> {
        Ok(round::Entity::find()
            .filter(round::Column::Kind.eq(round::KIND_REGULAR))
            .order_by_desc(round::Column::OpensOn)
            .all(self.db())
            .await?)
    }

    pub async fn round(&self, id: i64) -> Result<round::Model, StoreError> {
        Ok(round::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("申报批次".into()))?)
    }

    /// The round open on `today`, if any.
    pub async fn open_round(&self, today: NaiveDate) -> Result<Option<round::Model>, StoreError> {
        Ok(round::Entity::find()
            .filter(round::Column::Kind.eq(round::KIND_REGULAR))
            .filter(round::Column::OpensOn.lte(today))
            .filter(round::Column::ClosesOn.gte(today))
            .one(self.db())
            .await?)
    }
}

fn unit_fields(u: &UnitProfile, county_id: i64) -> unit::ActiveModel {
    unit::ActiveModel {
        name: Set(u.name.clone()),
        credit_code: Set(u.credit_code.clone()),
        nature: Set(u.nature.label().to_string()),
        county_id: Set(county_id),
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
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
}

fn society_fields(s: &SocietyProfile) -> society::ActiveModel {
    society::ActiveModel {
        name: Set(s.name.clone()),
        level: Set(s.level.as_str().to_string()),
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
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
}

pub fn society_json(s: &society::Model) -> serde_json::Value {
    serde_json::json!({
        "id": s.id, "name": s.name, "level": s.level, "legal_rep": s.legal_rep,
        "legal_rep_title": s.legal_rep_title, "legal_rep_mobile": s.legal_rep_mobile,
        "address": s.address, "postcode": s.postcode, "contact_name": s.contact_name,
        "contact_title": s.contact_title, "contact_mobile": s.contact_mobile,
        "phone_fax": s.phone_fax, "qq": s.qq, "email": s.email, "wechat": s.wechat,
        "description": s.description,
    })
}

pub fn expert_json(e: &expert::Model) -> serde_json::Value {
    serde_json::json!({
        "id": e.id, "society_id": e.society_id, "name": e.name, "title": e.title,
        "specialty": e.specialty, "employer": e.employer, "mobile": e.mobile, "active": e.active,
    })
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
