//! Writing, reading and verifying the audit log (the chain rule lives in the domain).

use chrono::{SecondsFormat, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use stationhub_domain::DomainError;
use stationhub_domain::audit::{AuditEntry, ChainBreak, ChainVerifier, GENESIS_HASH};

use crate::entity::{audit_head, audit_log};
use crate::{Actor, Page, Store, StoreError, Tx};

/// What a change was: the action, the record, and its state before and after.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Self {
        Change {
            action,
            entity,
            entity_id: Some(entity_id.to_string()),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

impl Tx {
    /// Appends one entry to the chain, inside this transaction: the change and its record
    /// commit together or not at all.
    pub async fn audit(&self, actor: &Actor, change: Change<'_>) -> Result<i64, StoreError> {
        self.lock(crate::locks::AUDIT).await?;
        let head = audit_head::Entity::find_by_id(1).one(self.conn()).await?;
        let (seq, prev_hash) = match &head {
            Some(h) => (h.seq + 1, h.hash.clone()),
            None => (1, GENESIS_HASH.to_string()),
        };
        let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
        let mut entry = AuditEntry {
            seq,
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
            actor_id: actor.id,
            actor_username: actor.username.clone(),
            actor_role: actor.role.clone(),
            action: change.action.to_string(),
            entity: change.entity.to_string(),
            entity_id: change.entity_id,
            before: json(change.before),
            after: json(change.after),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        audit_log::ActiveModel {
            seq: Set(entry.seq),
            at: Set(entry.at),
            actor_id: Set(entry.actor_id),
            actor_username: Set(entry.actor_username),
            actor_role: Set(entry.actor_role),
            action: Set(entry.action),
            entity: Set(entry.entity),
            entity_id: Set(entry.entity_id),
            before: Set(entry.before),
            after: Set(entry.after),
            prev_hash: Set(entry.prev_hash),
            hash: Set(entry.hash.clone()),
        }
        .insert(self.conn())
        .await?;
        if head.is_some() {
            audit_head::Entity::update_many()
                .col_expr(audit_head::Column::Seq, Expr::value(seq))
                .col_expr(audit_head::Column::Hash, Expr::value(entry.hash))
                .filter(audit_head::Column::Id.eq(1))
                .exec(self.conn())
                .await?;
        } else {
            audit_head::ActiveModel {
                id: Set(1),
                seq: Set(seq),
                hash: Set(entry.hash),
            }
            .insert(self.conn())
            .await?;
        }
        self.audited
            .store(seq, std::sync::atomic::Ordering::Release);
        Ok(seq)
    }
}

/// Filters of the audit log page and API.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    /// Inclusive, `YYYY-MM-DD` (UTC instants compared as text).
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Store {
    /// Newest first.
    pub async fn audit_list(
        &self,
        f: &AuditFilter,
        page: u64,
        per_page: u64,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut q = audit_log::Entity::find();
        if let Some(a) = f.actor.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(crate::contains_text(audit_log::Column::ActorUsername, a));
        }
        if let Some(a) = f.action.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(crate::starts_with_text(audit_log::Column::Action, a));
        }
        if let Some(e) = f.entity.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(audit_log::Column::Entity.eq(e));
        }
        // The dates are compared as text, so only a real date may be: "'" or "x" would
        // sort before or after every entry and list them all.
        let date = |field: &str, label: &str, d: &str| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                DomainError::invalid(field, format!("{label}须为 YYYY-MM-DD 格式的日期"))
            })
        };
        let from = f.from.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let to = f.to.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(d) = from {
            date("from", "起始日期", d)?;
        }
        if let Some(d) = to {
            date("to", "截止日期", d)?;
        }
        if let Some(d) = from {
            q = q.filter(audit_log::Column::At.gte(d));
        }
        if let Some(d) = to {
            // Every instant of that day sorts before the next day's date.
            q = q.filter(audit_log::Column::At.lt(format!("{d}\u{ffff}")));
        }
        let total = q.clone().count(&self.db().clone()).await?;
        let items = q
            .order_by_desc(audit_log::Column::Seq)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?
            .into_iter()
            .map(AuditEntry::from)
            .collect();
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Walks the whole chain in order, a thousand rows at a time; `Ok(n)` when all `n` verify.
    pub async fn audit_verify(&self) -> Result<Result<u64, ChainBreak>, StoreError> {
        let head = audit_head::Entity::find_by_id(1).one(self.db()).await?;
        let mut verifier = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let batch = audit_log::Entity::find()
                .filter(audit_log::Column::Seq.gt(after))
                .order_by_asc(audit_log::Column::Seq)
                .limit(1000)
                .all(self.db())
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for row in batch {
                if let Err(b) = verifier.push(&AuditEntry::from(row)) {
                    return Ok(Err(b));
                }
            }
        }
        Ok(verifier.finish(head.as_ref().map(|h| (h.seq, h.hash.as_str()))))
    }
}

/// Bulk loading (`stationhub demo --scale N`): raw statements in this transaction, and the
/// head of the audit chain, so that a generator can append entries hashed by
/// [`AuditEntry::compute_hash`] exactly as [`Tx::audit`] does. Not for the product's use cases,
/// which go through their functions (each change with its entry).
impl Tx {
    /// Runs one or more SQL statements as they are; the rows affected.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        use sea_orm::ConnectionTrait;
        Ok(self.conn().execute_unprepared(sql).await?.rows_affected())
    }

    /// The first column of the first row of a query, as an integer (`None`: no row or NULL).
    pub async fn query_i64(&self, sql: &str) -> Result<Option<i64>, StoreError> {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = self.conn().get_database_backend();
        let row = self
            .conn()
            .query_one_raw(Statement::from_string(backend, sql.to_string()))
            .await?;
        Ok(match row {
            Some(r) => r.try_get_by_index::<Option<i64>>(0)?,
            None => None,
        })
    }

    /// The newest entry of the chain: (seq, hash); (0, the genesis hash) when it is empty.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        Ok(audit_head::Entity::find_by_id(1)
            .one(self.conn())
            .await?
            .map(|h| (h.seq, h.hash))
            .unwrap_or((0, GENESIS_HASH.to_string())))
    }

    /// Records `(seq, hash)` as the chain's newest entry (after bulk-appending entries).
    pub async fn set_audit_head(&self, seq: i64, hash: &str) -> Result<(), StoreError> {
        let exists = audit_head::Entity::find_by_id(1)
            .one(self.conn())
            .await?
            .is_some();
        if exists {
            audit_head::Entity::update_many()
                .col_expr(audit_head::Column::Seq, Expr::value(seq))
                .col_expr(audit_head::Column::Hash, Expr::value(hash))
                .filter(audit_head::Column::Id.eq(1))
                .exec(self.conn())
                .await?;
        } else {
            audit_head::ActiveModel {
                id: Set(1),
                seq: Set(seq),
                hash: Set(hash.to_string()),
            }
            .insert(self.conn())
            .await?;
        }
        Ok(())
    }
}
