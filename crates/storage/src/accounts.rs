//! Accounts and sessions: counties and offices, users, sign-in with lock-out, sessions kept in
//! the database (so every server accepts every session), password changes. The rules themselves
//! (password strength, lock-out, idle timeout) are the domain's; this module applies them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use stationhub_domain::DomainError;
use stationhub_domain::account::{
    Affiliation, NewPassword, Role, SignInRecord, Username, parse_email, session_idle_expired,
    verify_password,
};
use stationhub_domain::policy::{Policy, SecurityPolicy};

use crate::audit::Change;
use crate::entity::{audit_head, county, office, session, signin_throttle, society, unit, user};
use crate::{Actor, ChangeNo, Page, Store, StoreError};

/// A user as the rest of the product sees it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub unit_id: Option<i64>,
    pub society_id: Option<i64>,
    pub county_id: Option<i64>,
    pub county: Option<String>,
    pub office_id: Option<i64>,
    /// The organisation the user belongs to (unit, society or office name).
    pub organisation: String,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Where mail about the user's cases goes, if anywhere.
    pub email: Option<String>,
}

impl UserView {
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            username: self.username.clone(),
            role: self.role.as_str().to_string(),
        }
    }
}

/// A new account, already parsed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub password: NewPassword,
    /// Accounts an administrator creates must change their password at first sign-in.
    pub must_change_password: bool,
    pub unit_id: Option<i64>,
    pub society_id: Option<i64>,
    /// County name, for county_cast and county_talent.
    pub county: Option<String>,
    /// For city roles: which office (default: the first office of that role).
    pub office_id: Option<i64>,
    /// Optional e-mail address (checked by `create_user` with the domain's `parse_email`).
    pub email: Option<String>,
}

/// The longest window [`Store::throttle`] counts in: an hour.
pub const MAX_THROTTLE_WINDOW_MINUTES: i64 = 60;

/// A signed-in session: the token is shown once, only its hash is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub user: UserView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// A session found by its token, with its user.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub session_id: i64,
    pub user: UserView,
    /// The audit chain's head when the request began (what [`Store::memo`] checks against).
    pub seen: ChangeNo,
}

/// [`session_query`] for `token_hash`, its SQL written once per process for each database
/// (the token hash is its one parameter).
fn session_statement(db: &impl ConnectionTrait, token_hash: &str) -> sea_orm::Statement {
    use sea_orm::DbBackend;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
    static SQL: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    let (sqlite, postgres) = SQL.get_or_init(|| {
        let q = session_query("");
        (
            q.build(SqliteQueryBuilder).0,
            q.build(PostgresQueryBuilder).0,
        )
    });
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    sea_orm::Statement::from_sql_and_values(backend, sql.as_str(), [token_hash.into()])
}

/// How often a session's `last_seen_at` is written, and for how long after it was read a
/// session may be answered from the memo.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A session as [`Store::session`] last read it, kept in the memo.
#[derive(Debug, Clone)]
struct KnownSession {
    session_id: i64,
    last_seen_at: DateTime<Utc>,
    user: UserView,
}

impl crate::memo::Weigh for KnownSession {
    fn weigh(&self) -> usize {
        // The struct and its user's strings (names, organisation), generously.
        std::mem::size_of::<KnownSession>() + 512
    }
}

/// A session by its token hash, its user with the names of the user's county and organisation,
/// and the audit chain's head: one round trip for every signed-in request.
fn session_query(token_hash: &str) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Query};
    use sea_orm::{IdenStatic, Iterable};
    let mut q = Query::select();
    q.expr_as(
        Expr::col((session::Entity, session::Column::Id)),
        Alias::new("s_id"),
    )
    .expr_as(
        Expr::col((session::Entity, session::Column::LastSeenAt)),
        Alias::new("s_last_seen_at"),
    );
    for c in user::Column::iter() {
        q.expr_as(
            Expr::col((user::Entity, c)),
            Alias::new(format!("u_{}", c.as_str())),
        );
    }
    q.expr_as(
        Expr::col((county::Entity, county::Column::Name)),
        Alias::new("county_name"),
    )
    .expr_as(
        Expr::col((unit::Entity, unit::Column::Name)),
        Alias::new("unit_name"),
    )
    .expr_as(
        Expr::col((society::Entity, society::Column::Name)),
        Alias::new("society_name"),
    )
    .expr_as(
        Expr::col((office::Entity, office::Column::Name)),
        Alias::new("office_name"),
    )
    .expr_as(
        Expr::col((audit_head::Entity, audit_head::Column::Seq)),
        Alias::new("head_seq"),
    )
    .from(session::Entity)
    .inner_join(
        user::Entity,
        Expr::col((user::Entity, user::Column::Id))
            .equals((session::Entity, session::Column::UserId)),
    )
    .left_join(
        county::Entity,
        Expr::col((county::Entity, county::Column::Id))
            .equals((user::Entity, user::Column::CountyId)),
    )
    .left_join(
        unit::Entity,
        Expr::col((unit::Entity, unit::Column::Id)).equals((user::Entity, user::Column::UnitId)),
    )
    .left_join(
        society::Entity,
        Expr::col((society::Entity, society::Column::Id))
            .equals((user::Entity, user::Column::SocietyId)),
    )
    .left_join(
        office::Entity,
        Expr::col((office::Entity, office::Column::Id))
            .equals((user::Entity, user::Column::OfficeId)),
    )
    .left_join(
        audit_head::Entity,
        Expr::col((audit_head::Entity, audit_head::Column::Id)).eq(Expr::cust("1")),
    )
    .and_where(Expr::col((session::Entity, session::Column::TokenHash)).eq(token_hash));
    q
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The city's offices other than the county ones: (role, name pattern with {city}).
const CITY_OFFICES: [(Role, &str); 6] = [
    (Role::CityCast, "{city}科学技术协会"),
    (Role::TalentOffice, "中共{city}委人才工作领导小组办公室"),
    (Role::Supervisor, "{city}财政局"),
    (Role::Supervisor, "{city}审计局"),
    (Role::Supervisor, "中共{city}纪律检查委员会"),
    (Role::Admin, "{city}科学技术协会（系统管理）"),
];

/// Filters of the account list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
}

impl Store {
    /// Adds the policy's counties and the offices every county and the city has, if missing.
    /// Existing rows are kept (counties are editable; renaming one is a data change).
    pub async fn seed_reference_data(&self, policy: &Policy) -> Result<(), StoreError> {
        let tx = self.begin().await?;
        // Servers starting together seed in turn: the second sees what the first inserted.
        tx.lock(crate::locks::MIGRATE).await?;
        let actor = Actor::system("seed");
        let existing: HashMap<String, county::Model> = county::Entity::find()
            .all(tx.conn())
            .await?
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        let offices = office::Entity::find().all(tx.conn()).await?;
        for (i, name) in policy.region.counties.iter().enumerate() {
            let c = match existing.get(name) {
                Some(c) => c.clone(),
                None => {
                    let c = county::ActiveModel {
                        name: Set(name.clone()),
                        sort_order: Set(i as i32 + 1),
                        ..Default::default()
                    }
                    .insert(tx.conn())
                    .await?;
                    tx.audit(
                        &actor,
                        Change::new("county.create", "county", c.id).after(&c.name),
                    )
                    .await?;
                    c
                }
            };
            for (role, office_name) in [
                (Role::CountyCast, format!("{name}科协")),
                (Role::CountyTalent, format!("{name}委人才办")),
            ] {
                let has = offices
                    .iter()
                    .any(|o| o.kind == role.as_str() && o.county_id == Some(c.id));
                if !has {
                    insert_office(&tx, &actor, role, office_name, Some(c.id)).await?;
                }
            }
        }
        for (role, pattern) in CITY_OFFICES {
            let name = pattern.replace("{city}", &policy.region.city);
            if !offices.iter().any(|o| o.name == name) {
                insert_office(&tx, &actor, role, name, None).await?;
            }
        }
        tx.commit().await?;
        self.seed_calendar().await
    }

    pub async fn counties(&self) -> Result<Vec<county::Model>, StoreError> {
        Ok(county::Entity::find()
            .order_by_asc(county::Column::SortOrder)
            .order_by_asc(county::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn offices(&self) -> Result<Vec<office::Model>, StoreError> {
        Ok(office::Entity::find()
            .order_by_asc(office::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn units_brief(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(unit::Entity::find()
            .order_by_asc(unit::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect())
    }

    pub async fn societies_brief(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(society::Entity::find()
            .order_by_asc(society::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect())
    }

    /// Creates an account, linked to its unit, society, county office or city office as its
    /// role requires (SPEC §5.2, linking).
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<i64, StoreError> {
        let email = parse_email(new.email.as_deref().unwrap_or_default())?;
        let tx = self.begin().await?;
        let mut link = Link::default();
        let only = |ok: bool, field: &str| -> Result<(), DomainError> {
            if ok {
                Ok(())
            } else {
                Err(DomainError::invalid(
                    field,
                    format!("角色“{}”不关联此项", new.role.label()),
                ))
            }
        };
        only(
            new.unit_id.is_none() || new.role == Role::HostUnit,
            "unit_id",
        )?;
        only(
            new.society_id.is_none() || new.role == Role::Society,
            "society_id",
        )?;
        only(
            new.county.is_none() || new.role.affiliation() == Affiliation::County,
            "county",
        )?;
        only(
            new.office_id.is_none() || new.role.affiliation() == Affiliation::City,
            "office_id",
        )?;
        match new.role.affiliation() {
            // A host unit's or society's account may be made before its organisation's
            // profile: its owner then fills the profile in, which links it.
            Affiliation::Unit => {
                if let Some(id) = new.unit_id {
                    unit::Entity::find_by_id(id)
                        .one(tx.conn())
                        .await?
                        .ok_or_else(|| {
                            DomainError::invalid("unit_id", format!("单位 {id} 不存在"))
                        })?;
                    link.unit_id = Some(id);
                }
            }
            Affiliation::Society => {
                if let Some(id) = new.society_id {
                    society::Entity::find_by_id(id)
                        .one(tx.conn())
                        .await?
                        .ok_or_else(|| {
                            DomainError::invalid("society_id", format!("学会 {id} 不存在"))
                        })?;
                    link.society_id = Some(id);
                }
            }
            Affiliation::County => {
                let name = new.county.as_deref().map(str::trim).unwrap_or_default();
                let c = county::Entity::find()
                    .filter(county::Column::Name.eq(name))
                    .one(tx.conn())
                    .await?
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "county",
                            if name.is_empty() {
                                "县市区账户须指定所属县市区".to_string()
                            } else {
                                format!("县市区“{name}”不存在")
                            },
                        )
                    })?;
                let o = office::Entity::find()
                    .filter(office::Column::Kind.eq(new.role.as_str()))
                    .filter(office::Column::CountyId.eq(c.id))
                    .one(tx.conn())
                    .await?
                    .ok_or_else(|| DomainError::invalid("county", "该县市区尚无此类机构"))?;
                link.county_id = Some(c.id);
                link.office_id = Some(o.id);
            }
            Affiliation::City => {
                let mut q = office::Entity::find()
                    .filter(office::Column::Kind.eq(new.role.as_str()))
                    .filter(office::Column::CountyId.is_null());
                if let Some(id) = new.office_id {
                    q = q.filter(office::Column::Id.eq(id));
                }
                let o = q
                    .order_by_asc(office::Column::Id)
                    .one(tx.conn())
                    .await?
                    .ok_or_else(|| {
                        DomainError::invalid("office_id", "所选机构不存在或与角色不符")
                    })?;
                link.office_id = Some(o.id);
            }
        }
        let taken = user::Entity::find()
            .filter(user::Column::Username.eq(new.username.as_str()))
            .count(tx.conn())
            .await?;
        if taken > 0 {
            return Err(DomainError::Conflict(format!(
                "用户名“{}”已被使用",
                new.username.as_str()
            ))
            .into());
        }
        let now = Utc::now();
        let u = user::ActiveModel {
            username: Set(new.username.as_str().to_string()),
            display_name: Set(new.display_name),
            role: Set(new.role.as_str().to_string()),
            password_hash: Set(new.password.hash()),
            must_change_password: Set(new.must_change_password),
            unit_id: Set(link.unit_id),
            society_id: Set(link.society_id),
            county_id: Set(link.county_id),
            office_id: Set(link.office_id),
            failed_in_row: Set(0),
            locked_until: Set(None),
            disabled: Set(false),
            email: Set(email.unwrap_or_default()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(tx.conn())
        .await
        .map_err(|e| crate::orgs::conflict_on_unique(e, "用户名已被使用"))?;
        let view = views(tx.conn(), vec![u]).await?.remove(0);
        tx.audit(
            actor,
            Change::new("user.create", "user", view.id).after(&view),
        )
        .await?;
        tx.commit().await?;
        Ok(view.id)
    }

    pub async fn user(&self, id: i64) -> Result<UserView, StoreError> {
        let u = user::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("账户".into()))?;
        Ok(views(self.db(), vec![u]).await?.remove(0))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserView>, StoreError> {
        match user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(self.db())
            .await?
        {
            Some(u) => Ok(Some(views(self.db(), vec![u]).await?.remove(0))),
            None => Ok(None),
        }
    }

    pub async fn list_users(
        &self,
        f: &UserFilter,
        page: u64,
        per_page: u64,
    ) -> Result<Page<UserView>, StoreError> {
        let mut q = user::Entity::find();
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                Condition::any()
                    .add(crate::contains_text(user::Column::Username, s))
                    .add(crate::contains_text(user::Column::DisplayName, s)),
            );
        }
        if let Some(r) = f.role {
            q = q.filter(user::Column::Role.eq(r.as_str()));
        }
        let total = q.clone().count(self.db()).await?;
        let rows = q
            .order_by_asc(user::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        Ok(Page {
            items: views(self.db(), rows).await?,
            total,
            page,
            per_page,
        })
    }

    /// Counts one sign-in attempt from `addr` in the current minute and refuses past `limit`.
    /// Shared through the database, so the limit holds across servers.
    pub async fn throttle_sign_in(
        &self,
        addr: &str,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<(), StoreError> {
        self.throttle(addr, now, 1, limit, DomainError::TooManySignIns)
            .await
    }

    /// Counts one attempt under `key` in the current window of `window_minutes` (1 to
    /// [`MAX_THROTTLE_WINDOW_MINUTES`]; windows start on the clock, e.g. every full hour);
    /// past `limit` in the window, refuses with `err`. The counters are rows of the database
    /// (`signin_throttle`, keyed by `key` and the window's first minute), so every server
    /// counting under one key counts the same attempts.
    pub async fn throttle(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window_minutes: i64,
        limit: u32,
        err: DomainError,
    ) -> Result<(), StoreError> {
        let window = window_minutes.clamp(1, MAX_THROTTLE_WINDOW_MINUTES);
        let minute = now.timestamp().div_euclid(60);
        let start = minute - minute.rem_euclid(window);
        let tx = self.begin().await?;
        signin_throttle::Entity::insert(signin_throttle::ActiveModel {
            client_addr: Set(key.to_string()),
            minute: Set(start),
            attempts: Set(1),
        })
        .on_conflict(
            OnConflict::columns([
                signin_throttle::Column::ClientAddr,
                signin_throttle::Column::Minute,
            ])
            .value(
                signin_throttle::Column::Attempts,
                Expr::col((signin_throttle::Entity, signin_throttle::Column::Attempts)).add(1),
            )
            .to_owned(),
        )
        .exec_without_returning(tx.conn())
        .await?;
        let attempts = signin_throttle::Entity::find_by_id((key.to_string(), start))
            .one(tx.conn())
            .await?
            .map(|r| r.attempts)
            .unwrap_or(1);
        // Windows that ended before the longest one could still run are of no further use.
        signin_throttle::Entity::delete_many()
            .filter(signin_throttle::Column::Minute.lt(minute - 2 * MAX_THROTTLE_WINDOW_MINUTES))
            .exec(tx.conn())
            .await?;
        tx.commit().await?;
        if attempts as u32 > limit {
            return Err(err.into());
        }
        Ok(())
    }

    /// Signs in: applies the lock-out rule, records the attempt in the audit log, and on
    /// success opens a session.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        addr: &str,
        kind: SessionKind,
        policy: &SecurityPolicy,
    ) -> Result<NewSession, StoreError> {
        let now = Utc::now();
        let found = user::Entity::find()
            .filter(user::Column::Username.eq(username.trim()))
            .one(self.db())
            .await?;
        let Some(u) = found else {
            // Same work as a real check, so that timing does not tell which names exist.
            verify_password(password, dummy_hash());
            let tx = self.begin().await?;
            tx.audit(
                &Actor::anonymous(addr),
                Change {
                    action: "session.sign_in_failed",
                    entity: "session",
                    entity_id: None,
                    before: None,
                    after: Some(
                        serde_json::json!({"username": username, "reason": "unknown user"}),
                    ),
                },
            )
            .await?;
            tx.commit().await?;
            return Err(DomainError::WrongCredentials.into());
        };
        let record = SignInRecord {
            failed_in_row: u32::try_from(u.failed_in_row).unwrap_or(0),
            locked_until: u.locked_until,
        };
        let password_ok = !record.is_locked(now) && verify_password(password, &u.password_hash);
        let outcome = record.attempt(password_ok, now, policy);
        let tx = self.begin().await?;
        let actor = Actor {
            id: Some(u.id),
            username: u.username.clone(),
            role: u.role.clone(),
        };
        if outcome.record != record {
            user::Entity::update_many()
                .col_expr(
                    user::Column::FailedInRow,
                    Expr::value(outcome.record.failed_in_row as i32),
                )
                .col_expr(
                    user::Column::LockedUntil,
                    Expr::value(outcome.record.locked_until),
                )
                .filter(user::Column::Id.eq(u.id))
                .exec(tx.conn())
                .await?;
        }
        if let Err(e) = outcome.result {
            let locked_now = outcome.record.locked_until != record.locked_until;
            let action = if locked_now {
                "session.account_locked"
            } else {
                "session.sign_in_failed"
            };
            tx.audit(
                &actor,
                Change::new(action, "user", u.id).after(serde_json::json!({
                    "addr": addr,
                    "reason": e.code(),
                    "failed_in_row": outcome.record.failed_in_row,
                    "locked_until": outcome.record.locked_until,
                })),
            )
            .await?;
            tx.commit().await?;
            return Err(e.into());
        }
        if u.disabled {
            tx.commit().await?;
            return Err(DomainError::AccountDisabled.into());
        }
        let token = new_token();
        let s = session::ActiveModel {
            token_hash: Set(token_hash(&token)),
            user_id: Set(u.id),
            kind: Set(kind.as_str().to_string()),
            created_at: Set(now),
            last_seen_at: Set(now),
            client_addr: Set(addr.to_string()),
            ..Default::default()
        }
        .insert(tx.conn())
        .await?;
        tx.audit(
            &actor,
            Change::new("session.sign_in", "session", s.id)
                .after(serde_json::json!({"addr": addr, "kind": kind.as_str()})),
        )
        .await?;
        tx.commit().await?;
        let user = self.user(u.id).await?;
        Ok(NewSession { token, user })
    }

    /// The session of a token, if it is live, with its user and the audit chain's head as of
    /// now (the request's [`ChangeNo`], for [`Store::memo`]). A session idle longer than the
    /// policy allows is ended here. `last_seen_at` is refreshed at most once a minute
    /// ([`TOUCH_EVERY`]) to spare the database.
    ///
    /// The session, its user and the head are read in one query. Within a minute of that read
    /// the same session is answered from the memo while the head stays put, which costs one
    /// indexed read of the head: everything that ends a session or changes its user (sign-out,
    /// password change or reset, disabling, linking, renaming the organisation) is written with
    /// an audit entry and so moves the head; idleness is judged again from the database once
    /// the minute is over, so a session used on another server is never taken for idle.
    pub async fn session(
        &self,
        token: &str,
        policy: &SecurityPolicy,
    ) -> Result<CurrentSession, StoreError> {
        let now = Utc::now();
        let hash = token_hash(token);
        let key = format!("session|{hash}");
        let fresh = TOUCH_EVERY.min(Duration::minutes(policy.session_idle_minutes.into()));
        if self.memo.on() {
            let seen = self.change_no().await?;
            if let Some(k) = self.memo.recall::<KnownSession>(seen, &key)
                && now - k.last_seen_at <= fresh
            {
                return Ok(CurrentSession {
                    session_id: k.session_id,
                    user: k.user,
                    seen,
                });
            }
        }
        let row = self
            .db()
            .query_one_raw(session_statement(self.db(), &hash))
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        let session_id: i64 = row.try_get("", "s_id")?;
        let mut last_seen_at: DateTime<Utc> = row.try_get("", "s_last_seen_at")?;
        let seen = ChangeNo(row.try_get::<Option<i64>>("", "head_seq")?.unwrap_or(0));
        if session_idle_expired(last_seen_at, now, policy) {
            let tx = self.begin().await?;
            session::Entity::delete_by_id(session_id)
                .exec(tx.conn())
                .await?;
            tx.commit().await?;
            return Err(DomainError::Unauthenticated.into());
        }
        let name = |col: &str| row.try_get::<Option<String>>("", col);
        let organisation = [
            name("unit_name")?,
            name("society_name")?,
            name("office_name")?,
        ]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default();
        let user = view(
            user::Model::from_query_result(&row, "u_")?,
            name("county_name")?,
            organisation,
        )?;
        if user.disabled {
            return Err(DomainError::AccountDisabled.into());
        }
        if now - last_seen_at > TOUCH_EVERY {
            let tx = self.begin().await?;
            // Asked again inside the database: of the requests that found the session stale
            // at once (all of a busy client's, each minute), the first writes and the rest,
            // once it has committed, find nothing to write. Without it each rewrote the row
            // in turn, waiting on the last one's commit (68 ms at p99 on PostgreSQL).
            session::Entity::update_many()
                .col_expr(session::Column::LastSeenAt, Expr::value(now))
                .filter(session::Column::Id.eq(session_id))
                .filter(session::Column::LastSeenAt.lt(now - TOUCH_EVERY))
                .exec(tx.conn())
                .await?;
            tx.commit().await?;
            last_seen_at = now;
        }
        self.memo.keep(
            seen,
            key,
            KnownSession {
                session_id,
                last_seen_at,
                user: user.clone(),
            },
        );
        Ok(CurrentSession {
            session_id,
            user,
            seen,
        })
    }

    /// Ends a session (sign-out).
    pub async fn sign_out(&self, current: &CurrentSession) -> Result<(), StoreError> {
        let tx = self.begin().await?;
        session::Entity::delete_by_id(current.session_id)
            .exec(tx.conn())
            .await?;
        tx.audit(
            &current.user.actor(),
            Change::new("session.sign_out", "session", current.session_id),
        )
        .await?;
        tx.commit().await
    }

    /// Changes one's own password: the current one must be right and the new one strong and
    /// different. The session in use stays; every other session of the account ends.
    pub async fn change_password(
        &self,
        current: &CurrentSession,
        current_password: &str,
        new_password: &str,
        policy: &SecurityPolicy,
    ) -> Result<(), StoreError> {
        let u = user::Entity::find_by_id(current.user.id)
            .one(self.db())
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        if !verify_password(current_password, &u.password_hash) {
            return Err(DomainError::WrongCurrentPassword.into());
        }
        let new = NewPassword::parse(new_password, policy)?;
        if new_password == current_password {
            return Err(DomainError::PasswordUnchanged.into());
        }
        let tx = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(new.hash()))
            .col_expr(user::Column::MustChangePassword, Expr::value(false))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(u.id))
            .exec(tx.conn())
            .await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(u.id))
            .filter(session::Column::Id.ne(current.session_id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &current.user.actor(),
            Change::new("user.change_password", "user", u.id)
                .before(serde_json::json!({"must_change_password": u.must_change_password}))
                .after(serde_json::json!({"must_change_password": false})),
        )
        .await?;
        tx.commit().await
    }

    /// Links an account to the unit or society its owner has just registered.
    pub(crate) async fn link_user(
        &self,
        tx: &crate::Tx,
        user: &UserView,
        unit_id: Option<i64>,
        society_id: Option<i64>,
    ) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::UnitId, Expr::value(unit_id.or(user.unit_id)))
            .col_expr(
                user::Column::SocietyId,
                Expr::value(society_id.or(user.society_id)),
            )
            .filter(user::Column::Id.eq(user.id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            &user.actor(),
            Change::new("user.link", "user", user.id)
                .after(serde_json::json!({"unit_id": unit_id, "society_id": society_id})),
        )
        .await?;
        Ok(())
    }

    /// Ends a lock-out (administrator).
    pub async fn unlock_user(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let before = self.user(id).await?;
        let tx = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::FailedInRow, Expr::value(0))
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(user::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            actor,
            Change::new("user.unlock", "user", id)
                .before(serde_json::json!({"locked_until": before.locked_until}))
                .after(serde_json::json!({"locked_until": null})),
        )
        .await?;
        tx.commit().await
    }

    /// Disables or re-enables an account (administrator); disabling ends its sessions.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        id: i64,
        disabled: bool,
    ) -> Result<(), StoreError> {
        let before = self.user(id).await?;
        if actor.id == Some(id) && disabled {
            return Err(DomainError::Conflict("不能停用自己的账户".into()).into());
        }
        let tx = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::Disabled, Expr::value(disabled))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        if disabled {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(id))
                .exec(tx.conn())
                .await?;
        }
        tx.audit(
            actor,
            Change::new(
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                "user",
                id,
            )
            .before(serde_json::json!({"disabled": before.disabled}))
            .after(serde_json::json!({"disabled": disabled})),
        )
        .await?;
        tx.commit().await
    }

    /// Sets a new initial password (administrator): the account must change it at next sign-in,
    /// its sessions end and any lock-out is lifted.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: i64,
        password: &NewPassword,
    ) -> Result<(), StoreError> {
        self.user(id).await?;
        let tx = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password.hash()))
            .col_expr(user::Column::MustChangePassword, Expr::value(true))
            .col_expr(user::Column::FailedInRow, Expr::value(0))
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            actor,
            Change::new("user.reset_password", "user", id)
                .after(serde_json::json!({"must_change_password": true})),
        )
        .await?;
        tx.commit().await
    }

    /// How many accounts exist (the demo and first-run checks use it).
    pub async fn user_count(&self) -> Result<u64, StoreError> {
        Ok(user::Entity::find().count(self.db()).await?)
    }
}

/// A real argon2 hash, checked against when the user does not exist so that the answer takes
/// as long as for a real account.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut b = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut b);
        NewPassword::parse(
            &format!("Aa1!{}", hex::encode(b)),
            &Policy::default().security,
        )
        .map(|p| p.hash())
        .unwrap_or_default()
    })
}

#[derive(Default)]
struct Link {
    unit_id: Option<i64>,
    society_id: Option<i64>,
    county_id: Option<i64>,
    office_id: Option<i64>,
}

async fn insert_office(
    tx: &crate::Tx,
    actor: &Actor,
    role: Role,
    name: String,
    county_id: Option<i64>,
) -> Result<(), StoreError> {
    let o = office::ActiveModel {
        kind: Set(role.as_str().to_string()),
        name: Set(name),
        county_id: Set(county_id),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change::new("office.create", "office", o.id).after(&o.name),
    )
    .await?;
    Ok(())
}

/// Turns rows into views, fetching the linked names in one query per table (no N+1).
async fn views<C: sea_orm::ConnectionTrait>(
    db: &C,
    rows: Vec<user::Model>,
) -> Result<Vec<UserView>, StoreError> {
    let ids =
        |f: fn(&user::Model) -> Option<i64>| -> Vec<i64> { rows.iter().filter_map(f).collect() };
    use crate::names::names_of;
    let counties = names_of::<county::Entity, _>(
        db,
        county::Column::Id,
        county::Column::Name,
        ids(|u| u.county_id),
    )
    .await?;
    let offices = names_of::<office::Entity, _>(
        db,
        office::Column::Id,
        office::Column::Name,
        ids(|u| u.office_id),
    )
    .await?;
    let units =
        names_of::<unit::Entity, _>(db, unit::Column::Id, unit::Column::Name, ids(|u| u.unit_id))
            .await?;
    let societies = names_of::<society::Entity, _>(
        db,
        society::Column::Id,
        society::Column::Name,
        ids(|u| u.society_id),
    )
    .await?;
    rows.into_iter()
        .map(|u| {
            let organisation = u
                .unit_id
                .and_then(|i| units.get(&i))
                .or_else(|| u.society_id.and_then(|i| societies.get(&i)))
                .or_else(|| u.office_id.and_then(|i| offices.get(&i)))
                .cloned()
                .unwrap_or_default();
            let county = u.county_id.and_then(|i| counties.get(&i).cloned());
            view(u, county, organisation)
        })
        .collect::<Result<Vec<_>, DomainError>>()
        .map_err(StoreError::from)
}

/// A user's row as the rest of the product sees it, given the names it refers to.
fn view(
    u: user::Model,
    county: Option<String>,
    organisation: String,
) -> Result<UserView, DomainError> {
    Ok(UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: Role::parse(&u.role)?,
        must_change_password: u.must_change_password,
        unit_id: u.unit_id,
        society_id: u.society_id,
        county,
        county_id: u.county_id,
        office_id: u.office_id,
        organisation,
        locked_until: u.locked_until,
        disabled: u.disabled,
        created_at: u.created_at,
        email: Some(u.email).filter(|e| !e.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn the_session_query_has_the_token_hash_as_its_only_parameter() {
        // `session_statement` binds one value to SQL written once: any other value in the query
        // would take the token's place.
        for (_, values) in [
            super::session_query("abc").build(SqliteQueryBuilder),
            super::session_query("abc").build(PostgresQueryBuilder),
        ] {
            assert_eq!(values.0, vec![sea_orm::Value::from("abc")]);
        }
    }
}
