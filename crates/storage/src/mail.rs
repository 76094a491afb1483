//! The e-mail queue beside the in-app inbox. A notification for a user with an e-mail address
//! is written `pending` (by `review::notify`, in the transaction of the change it reports); a
//! mailer (`stationhub_web::mailer`) claims it, sends it and records `sent` or `failed`.
//!
//! The queue is the `notifications` table itself, so several servers on one PostgreSQL share it
//! and nothing that matters lives in one process's memory. The claim is a conditional
//! `UPDATE … SET mail_state = 'sending' WHERE id = ? AND mail_state = 'pending'`: only one server
//! changes the row (PostgreSQL re-checks the condition after the other's commit; SQLite writes
//! one at a time), and only the server that changed it sends the mail.
//!
//! A server that dies between its claim and recording the result leaves the row `sending`. Once
//! the claim is older than the mailer's stale limit (10 minutes), [`Store::requeue_stale_mail`]
//! puts it back to `pending` and it is sent again. If the dead server had already handed the
//! mail to the SMTP server, the user receives it twice: delivery is at least once, never lost.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{notification, user};
use crate::{Store, StoreError};

/// No mail: the user has no e-mail address.
pub const NONE: &str = "none";
/// Waiting for the mailer.
pub const PENDING: &str = "pending";
/// Claimed by one server, being sent.
pub const SENDING: &str = "sending";
/// Accepted by the SMTP server.
pub const SENT: &str = "sent";
/// Refused or undeliverable; `mail_error` says why. Not retried.
pub const FAILED: &str = "failed";

/// The longest `mail_error` kept.
const MAX_ERROR_CHARS: usize = 1000;

/// A claimed notification, ready to be mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub id: i64,
    pub to: String,
    pub title: String,
    pub body: String,
    /// The page of the case, relative to the site (`/applications/7`).
    pub link: String,
}

/// How one send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// Refused for good (an SMTP 4xx/5xx answer, a bad address): `failed`.
    Failed(String),
    /// The SMTP server could not be reached: back to `pending` for the next run, with the
    /// reason kept in `mail_error`.
    Retry(String),
}

impl Store {
    /// Puts `sending` rows claimed more than `older_than` ago back to `pending` (their server
    /// died mid-send; see the module comment). Returns how many.
    pub async fn requeue_stale_mail(&self, older_than: Duration) -> Result<u64, StoreError> {
        let cutoff = Utc::now() - older_than;
        let tx = self.begin().await?;
        let r = notification::Entity::update_many()
            .col_expr(notification::Column::MailState, Expr::value(PENDING))
            .filter(notification::Column::MailState.eq(SENDING))
            .filter(notification::Column::MailAt.lt(cutoff))
            .exec(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected)
    }

    /// The oldest `limit` notifications waiting to be mailed.
    pub async fn pending_mail(&self, limit: u64) -> Result<Vec<i64>, StoreError> {
        Ok(notification::Entity::find()
            .select_only()
            .column(notification::Column::Id)
            .filter(notification::Column::MailState.eq(PENDING))
            .order_by_asc(notification::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?)
    }

    /// Claims a pending notification for sending. `None` when another server claimed it first
    /// (or it is no longer pending): then this one must not send it.
    pub async fn claim_mail(&self, id: i64) -> Result<Option<OutgoingMail>, StoreError> {
        let tx = self.begin().await?;
        let claimed = notification::Entity::update_many()
            .col_expr(notification::Column::MailState, Expr::value(SENDING))
            .col_expr(notification::Column::MailAt, Expr::value(Utc::now()))
            .filter(notification::Column::Id.eq(id))
            .filter(notification::Column::MailState.eq(PENDING))
            .exec(tx.conn())
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(None);
        }
        let Some(n) = notification::Entity::find_by_id(id).one(tx.conn()).await? else {
            return Ok(None);
        };
        let to = user::Entity::find_by_id(n.user_id)
            .filter(user::Column::Disabled.eq(false))
            .one(tx.conn())
            .await?
            .map(|u| u.email)
            .unwrap_or_default();
        if to.is_empty() {
            // The account has been disabled (or has no address): the inbox only.
            notification::Entity::update_many()
                .col_expr(notification::Column::MailState, Expr::value(NONE))
                .col_expr(notification::Column::MailAt, Expr::value(Utc::now()))
                .filter(notification::Column::Id.eq(id))
                .exec(tx.conn())
                .await?;
            tx.commit().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(OutgoingMail {
            id,
            to,
            title: n.title,
            body: n.body,
            link: n.link,
        }))
    }

    /// Records how the send of a claimed notification went.
    pub async fn finish_mail(&self, id: i64, outcome: &MailOutcome) -> Result<(), StoreError> {
        let (state, error) = match outcome {
            MailOutcome::Sent => (SENT, ""),
            MailOutcome::Failed(e) => (FAILED, e.as_str()),
            MailOutcome::Retry(e) => (PENDING, e.as_str()),
        };
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let tx = self.begin().await?;
        notification::Entity::update_many()
            .col_expr(notification::Column::MailState, Expr::value(state))
            .col_expr(notification::Column::MailError, Expr::value(error))
            .col_expr(notification::Column::MailAt, Expr::value(Utc::now()))
            .filter(notification::Column::Id.eq(id))
            .filter(notification::Column::MailState.eq(SENDING))
            .exec(tx.conn())
            .await?;
        tx.commit().await
    }
}
