//! E-mail of the inbox's messages over SMTP: an adapter beside the HTTP one. The queue and its
//! states are the database's (`stationhub_storage::mail`); this module claims pending
//! notifications, sends each as a plain-text UTF-8 mail in Chinese and records the result.
//!
//! `serve` runs [`run`] in the background when `STATIONHUB_SMTP_URL` is set. Several servers on
//! one database may all run it: each mail is claimed by one of them and sent once.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use stationhub_storage::mail::{MailOutcome, OutgoingMail};
use stationhub_storage::{Store, StoreError};
use tokio::sync::watch;

/// How often the queue is looked at.
pub const INTERVAL: Duration = Duration::from_secs(10);
/// The most mails one run sends.
pub const BATCH: u64 = 50;
/// A claim this old belongs to a server that died mid-send: the mail is queued again (and may
/// reach its reader twice). Far above the time one send may take (see [`SMTP_TIMEOUT`]).
pub const STALE_CLAIM: chrono::Duration = chrono::Duration::minutes(10);
/// The limit for each SMTP command (connecting, each reply).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and how mail is sent (`--smtp-url`, `--mail-from`, `--public-url`).
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://[USER:PASS@]HOST[:PORT]` (no TLS; add `?tls=required` for STARTTLS) or
    /// `smtps://USER:PASS@HOST[:465]` (TLS from the start).
    pub smtp_url: String,
    /// The sender: `stationhub@example.cn` or `学会服务站 <stationhub@example.cn>`.
    pub from: String,
    /// The site's address as readers reach it; the mail's link starts with it.
    pub public_url: String,
    /// How often the queue is looked at.
    pub interval: Duration,
}

impl MailConfig {
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> MailConfig {
        MailConfig {
            smtp_url: smtp_url.into(),
            from: from.into(),
            public_url: public_url.into(),
            interval: INTERVAL,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("SMTP URL refused (smtp://HOST:PORT or smtps://USER:PASS@HOST:465): {0}")]
    SmtpUrl(String),
    #[error("sender address {0:?} refused: {1}")]
    From(String, String),
    #[error("public URL {0:?} refused: it must start with http:// or https://")]
    PublicUrl(String),
}

/// A ready SMTP transport with the sender and the site's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
    interval: Duration,
}

impl Mailer {
    /// Checks the settings; connects to nothing yet.
    pub fn new(config: &MailConfig) -> Result<Mailer, MailConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| MailConfigError::SmtpUrl(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from: Mailbox =
            config
                .from
                .trim()
                .parse()
                .map_err(|e: lettre::address::AddressError| {
                    MailConfigError::From(config.from.clone(), e.to_string())
                })?;
        let public_url = config.public_url.trim().trim_end_matches('/').to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(MailConfigError::PublicUrl(config.public_url.clone()));
        }
        Ok(Mailer {
            transport,
            from,
            public_url,
            interval: config.interval,
        })
    }

    /// The mail of one notification: subject = its title; text = its body and the absolute
    /// link to the case.
    fn message(&self, m: &OutgoingMail) -> Result<Message, String> {
        let to: Address =
            m.to.parse()
                .map_err(|e| format!("收件地址 {:?} 无效：{e}", m.to))?;
        let mut text = String::new();
        if !m.body.trim().is_empty() {
            text.push_str(m.body.trim());
            text.push_str("\n\n");
        }
        text.push_str(&format!(
            "查看详情：{}{}\n\n——\n此邮件由学会服务站管理系统自动发送，请勿直接回复。\n",
            self.public_url, m.link
        ));
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(m.title.clone())
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| e.to_string())
    }

    /// Sends one claimed mail.
    async fn send(&self, m: &OutgoingMail) -> MailOutcome {
        let message = match self.message(m) {
            Ok(message) => message,
            Err(e) => return MailOutcome::Failed(e),
        };
        match self.transport.send(message).await {
            Ok(_) => MailOutcome::Sent,
            // No answer from the SMTP server at all (refused connection, network, TLS,
            // timeout): nothing is wrong with this mail; it waits for the next run.
            Err(e)
                if !(e.is_permanent() || e.is_transient() || e.is_client() || e.is_response()) =>
            {
                MailOutcome::Retry(error_text(&e))
            }
            Err(e) => MailOutcome::Failed(error_text(&e)),
        }
    }
}

/// The error with its causes (lettre's own message is terse).
fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Sends up to [`BATCH`] pending mails once; returns how many the SMTP server accepted.
/// Each is claimed first, so that with several servers each goes out once.
pub async fn send_pending(store: &Store, mailer: &Mailer) -> Result<usize, StoreError> {
    send_batch(store, mailer, None).await
}

async fn send_batch(
    store: &Store,
    mailer: &Mailer,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<usize, StoreError> {
    let requeued = store.requeue_stale_mail(STALE_CLAIM).await?;
    if requeued > 0 {
        tracing::warn!(
            requeued,
            "mail claims older than 10 minutes queued again (a server stopped mid-send)"
        );
    }
    let mut sent = 0;
    for id in store.pending_mail(BATCH).await? {
        if stop.is_some_and(|s| *s.borrow()) {
            break;
        }
        let Some(mail) = store.claim_mail(id).await? else {
            continue; // another server has it
        };
        let outcome = mailer.send(&mail).await;
        store.finish_mail(id, &outcome).await?;
        match &outcome {
            MailOutcome::Sent => {
                sent += 1;
                tracing::info!(notification = id, "mail sent");
            }
            MailOutcome::Failed(e) => {
                tracing::error!(notification = id, to = %mail.to, error = %e, "mail failed");
            }
            MailOutcome::Retry(e) => {
                tracing::warn!(notification = id, error = %e, "SMTP server unreachable; mail waits for the next run");
                break;
            }
        }
    }
    Ok(sent)
}

/// Sends pending mail every [`MailConfig::interval`] until `stop` turns true (or its sender is
/// dropped). A stop lets the mail being sent finish; the rest of the batch waits for the next
/// start (or another server).
pub async fn run(store: Store, mailer: Mailer, mut stop: watch::Receiver<bool>) {
    tracing::info!(interval_secs = mailer.interval.as_secs(), "mailer started");
    loop {
        if let Err(e) = send_batch(&store, &mailer, Some(&stop)).await {
            tracing::error!(error = %e, "mailer: database error");
        }
        if *stop.borrow() {
            break;
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            _ = tokio::time::sleep(mailer.interval) => {}
        }
    }
    tracing::info!("mailer stopped");
}
