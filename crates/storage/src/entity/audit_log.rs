use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for stationhub_domain::audit::AuditEntry {
    fn from(m: Model) -> Self {
        stationhub_domain::audit::AuditEntry {
            seq: m.seq,
            at: m.at,
            actor_id: m.actor_id,
            actor_username: m.actor_username,
            actor_role: m.actor_role,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            before: m.before,
            after: m.after,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}
