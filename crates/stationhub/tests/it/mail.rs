//! E-mail beside the in-app inbox: accounts with an address get their notifications by mail
//! too, once, even with two servers sending; the mailer is pointed at a tiny SMTP sink.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use stationhub_storage::Store;
use stationhub_storage::entity::notification;
use stationhub_web::mailer::{MailConfig, Mailer, send_pending};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::applications::{Scenario, scenario};
use crate::helpers::{PASSWORD, csrf_of, open};
use crate::review::{Reviewers, decide, reviewers};

const STATION: &str = "湖南省机械工程学会益阳智能装备学会服务站";
const PUBLIC_URL: &str = "https://stationhub.example.cn";

/// One message as the sink received it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A tiny SMTP server on 127.0.0.1 that accepts (or refuses) every message and keeps it.
struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        SmtpSink::with_rcpt_reply("250 OK").await
    }

    /// `rcpt_reply` answers every RCPT TO (e.g. `550 no such user`).
    async fn with_rcpt_reply(rcpt_reply: &'static str) -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(session(stream, kept.clone(), rcpt_reply));
            }
        });
        SmtpSink {
            port,
            messages,
            task,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    kept: Arc<Mutex<Vec<Received>>>,
    rcpt_reply: &'static str,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let reply = async |w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str| {
        w.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
    };
    if !reply(&mut write, "220 sink ESMTP").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-sink greets you\r\n250-8BITMIME\r\n250 SMTPUTF8",
            "HELO" | "RSET" | "NOOP" => "250 OK",
            "MAIL" => {
                from = address_in(&command);
                to.clear();
                "250 OK"
            }
            "RCPT" => {
                to.push(address_in(&command));
                rcpt_reply
            }
            "DATA" => {
                if !reply(&mut write, "354 end with <CRLF>.<CRLF>").await {
                    return;
                }
                let mut data = String::new();
                while !data.ends_with("\r\n.\r\n") {
                    if lines.read_line(&mut data).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                data.truncate(data.len() - 5);
                kept.lock().unwrap().push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                "250 OK queued"
            }
            "QUIT" => {
                reply(&mut write, "221 bye").await;
                return;
            }
            _ => "502 not implemented",
        };
        if !reply(&mut write, answer).await {
            return;
        }
    }
}

fn address_in(command: &str) -> String {
    let start = command.find('<').map(|i| i + 1).unwrap_or(0);
    let end = command.rfind('>').unwrap_or(command.len());
    command[start..end].to_string()
}

/// The decoded subject and text of a received message (RFC 2047 words; base64,
/// quoted-printable or plain bodies).
fn decode(data: &str) -> (String, String) {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        unfolded
            .split("\r\n")
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let subject = header("Subject")
        .split(' ')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
                String::from_utf8(base64(&word[10..word.len() - 2])).unwrap()
            } else if lower.starts_with("=?utf-8?q?") && word.ends_with("?=") {
                String::from_utf8(quoted_printable(
                    &word[10..word.len() - 2].replace('_', " "),
                ))
                .unwrap()
            } else {
                format!("{word} ")
            }
        })
        .collect::<String>()
        .trim()
        .to_string();
    // SMTP dot-stuffing.
    let body = body.replace("\r\n..", "\r\n.");
    let text = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8(base64(&body)).unwrap(),
        "quoted-printable" => String::from_utf8(quoted_printable(&body)).unwrap(),
        _ => body,
    };
    (subject, text)
}

fn base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in s.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            continue; // line breaks and padding
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn mailer(url: &str) -> Mailer {
    Mailer::new(&MailConfig::new(
        url,
        "学会服务站 <stationhub@localhost>",
        PUBLIC_URL,
    ))
    .unwrap()
}

/// An administrator makes a host-unit account of the scenario's unit, with `email`.
async fn host_with_email(s: &Scenario, username: &str, email: &str) -> Value {
    let admin = s.app.admin().await;
    let (st, b) = s
        .app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": username, "password": PASSWORD, "role": "host_unit",
                   "display_name": "李四", "unit_id": s.unit_id, "email": email}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b
}

/// A submitted application that the county officer returns: its id.
async fn returned(s: &Scenario, r: &Reviewers) -> i64 {
    let id = s.ready().await;
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::OK);
    let (st, b) = decide(&s.app, &r.county, id, "return").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "returned");
    id
}

async fn mail_states(store: &Store) -> Vec<(i64, String, String)> {
    notification::Entity::find()
        .order_by_asc(notification::Column::Id)
        .all(store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.user_id, n.mail_state, n.mail_error))
        .collect()
}

#[tokio::test]
async fn a_county_return_is_mailed_once_to_the_host_with_an_address() {
    let sink = SmtpSink::start().await;
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let created = host_with_email(&s, "host-mail", " li.si@example.cn ").await;
    let with_mail = created["id"].as_i64().unwrap();
    let admin = s.app.admin().await;
    let (_, users) = s.app.get("/api/v1/users?q=host", &admin).await;
    let shown: Vec<(&str, &Value)> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["username"].as_str().unwrap(), &u["email"]))
        .collect();
    assert!(
        shown.contains(&("host-mail", &json!("li.si@example.cn"))),
        "{users}"
    );
    assert!(shown.contains(&("host", &Value::Null)), "{users}");

    let id = returned(&s, &r).await;
    let store = &s.app.store;
    let m = mailer(&sink.url());
    assert_eq!(send_pending(store, &m).await.unwrap(), 1);
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["li.si@example.cn"]);
    assert_eq!(mails[0].from, "stationhub@localhost");
    let (subject, text) = decode(&mails[0].data);
    assert!(subject.contains(STATION), "{subject}");
    assert!(subject.contains("退回修改"), "{subject}");
    assert!(text.contains("return：同意"), "the reason: {text}");
    assert!(
        text.contains(&format!("{PUBLIC_URL}/applications/{id}")),
        "an absolute link: {text}"
    );
    assert!(mails[0].data.contains("charset=utf-8"), "{}", mails[0].data);
    assert!(mails[0].data.contains("Message-ID: <"), "{}", mails[0].data);

    // Sent is sent: the next run has nothing to do.
    assert_eq!(send_pending(store, &m).await.unwrap(), 0);
    assert_eq!(sink.messages().len(), 1);

    // The host without an address has the message in the inbox, and no mail.
    let (_, inbox) = s.app.get("/api/v1/me/inbox", &s.host).await;
    assert!(
        inbox["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("退回修改"),
        "{inbox}"
    );
    assert_eq!(inbox["items"][0]["mail_state"], "none");
    assert!(inbox["items"][0].get("mail_error").is_none());
    let states = mail_states(store).await;
    let of = |user: i64| {
        states
            .iter()
            .filter(|(u, ..)| *u == user)
            .map(|(_, st, _)| st.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(with_mail), ["sent"]);
    assert!(
        states
            .iter()
            .all(|(u, st, _)| *u == with_mail || st == "none"),
        "{states:?}"
    );
}

#[tokio::test]
async fn two_servers_send_each_mail_once() {
    let sink = SmtpSink::start().await;
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    for i in 0..4 {
        host_with_email(&s, &format!("host-{i}"), &format!("host{i}@example.cn")).await;
    }
    returned(&s, &r).await;
    let other = open(&s.app.db_url).await;
    let (a, b) = (mailer(&sink.url()), mailer(&sink.url()));
    let (sent_a, sent_b) = tokio::join!(send_pending(&s.app.store, &a), send_pending(&other, &b));
    assert_eq!(sent_a.unwrap() + sent_b.unwrap(), 4);
    let mut to: Vec<String> = sink.messages().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "host0@example.cn",
            "host1@example.cn",
            "host2@example.cn",
            "host3@example.cn"
        ]
    );
}

#[tokio::test]
async fn an_unreachable_server_keeps_the_mail_and_a_refusal_fails_it() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let with_mail = host_with_email(&s, "host-mail", "li.si@example.cn").await["id"]
        .as_i64()
        .unwrap();
    returned(&s, &r).await;
    let store = &s.app.store;
    let pending = |states: Vec<(i64, String, String)>| {
        states.into_iter().find(|(u, ..)| *u == with_mail).unwrap()
    };

    // Nobody listens on the port: the mail waits, with the reason noted.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let m = mailer(&format!("smtp://127.0.0.1:{closed}"));
    assert_eq!(send_pending(store, &m).await.unwrap(), 0);
    let (_, state, error) = pending(mail_states(store).await);
    assert_eq!(state, "pending");
    assert!(!error.is_empty());

    // A claim left by a server that died mid-send is taken up again after 10 minutes.
    let stale = chrono::Utc::now() - chrono::Duration::minutes(11);
    notification::Entity::update_many()
        .col_expr(notification::Column::MailState, Expr::value("sending"))
        .col_expr(notification::Column::MailAt, Expr::value(stale))
        .filter(notification::Column::UserId.eq(with_mail))
        .exec(store.db())
        .await
        .unwrap();
    // The SMTP server refuses the recipient: failed for good, with its answer.
    let refusing = SmtpSink::with_rcpt_reply("550 5.1.1 no such mailbox").await;
    assert_eq!(
        send_pending(store, &mailer(&refusing.url())).await.unwrap(),
        0
    );
    let (_, state, error) = pending(mail_states(store).await);
    assert_eq!(state, "failed");
    assert!(error.contains("no such mailbox"), "{error}");
    assert!(refusing.messages().is_empty());
    // A failed mail is not tried again.
    let sink = SmtpSink::start().await;
    assert_eq!(send_pending(store, &mailer(&sink.url())).await.unwrap(), 0);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn an_address_is_given_on_the_api_the_page_and_the_command_line() {
    let s = scenario().await;
    let admin = s.app.admin().await;
    let (st, b) = s
        .app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "bad-mail", "password": PASSWORD, "role": "host_unit",
                   "display_name": "李四", "unit_id": s.unit_id, "email": "li si@example"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["field"], "email", "{b}");

    // The administrator's account page.
    let browser = s.app.browser();
    crate::pages::sign_in_page(&s.app, &browser, "admin", PASSWORD).await;
    let html = browser
        .get(s.app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<input type="email" id="email" name="email""#));
    let csrf = csrf_of(&html);
    let form = |email: &'static str| {
        [
            ("csrf_token", csrf.clone()),
            ("username", "zy-mail".into()),
            ("display_name", "资阳科协".into()),
            ("role", "county_cast".into()),
            ("county", "资阳区".into()),
            ("email", email.into()),
            ("password", "Initial#2023".into()),
        ]
    };
    let res = browser
        .post(s.app.url("/admin/users"))
        .form(&form("not-an-address"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("电子邮件格式不正确"));
    assert!(html.contains(r#"value="not-an-address""#));
    let res = browser
        .post(s.app.url("/admin/users"))
        .form(&form("zy@example.cn"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let u = s
        .app
        .store
        .user_by_username("zy-mail")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.email.as_deref(), Some("zy@example.cn"));

    // `stationhub user add --email`.
    let out = {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
            .args([
                "--database",
                &s.app.db_url,
                "user",
                "add",
                "--username",
                "cli-mail",
            ])
            .args([
                "--role",
                "city_cast",
                "--email",
                "city@example.cn",
                "--password-stdin",
            ])
            .env("STATIONHUB_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(PASSWORD.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(out.status.success(), "{out:?}");
    let u = s
        .app
        .store
        .user_by_username("cli-mail")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.email.as_deref(), Some("city@example.cn"));
}

#[tokio::test]
async fn serve_mails_in_the_background_when_smtp_is_configured() {
    let sink = SmtpSink::start().await;
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    host_with_email(&s, "host-mail", "li.si@example.cn").await;
    let id = returned(&s, &r).await;
    // `stationhub serve` on the same database; its mailer looks at the queue when it starts.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let files = tempfile::tempdir().unwrap();
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args([
            "--database",
            &s.app.db_url,
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .args([
            "--smtp-url",
            &sink.url(),
            "--mail-from",
            "stationhub@example.cn",
        ])
        .env("STATIONHUB_PUBLIC_URL", PUBLIC_URL)
        .env("STATIONHUB_DATA_DIR", files.path())
        .env("STATIONHUB_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Killed(server);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sink.messages().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(server);
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].from, "stationhub@example.cn");
    let (_, text) = decode(&mails[0].data);
    assert!(
        text.contains(&format!("{PUBLIC_URL}/applications/{id}")),
        "{text}"
    );
}
