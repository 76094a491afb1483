//! `stationhub`: one binary for the whole product (SPEC §5, command line).

mod demo;
mod scale;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use stationhub_domain::account::{NewPassword, Role, Username, parse_display_name};
use stationhub_domain::clock::Clock;
use stationhub_domain::policy::Policy;
use stationhub_storage::accounts::NewUser;
use stationhub_storage::files::FileStore;
use stationhub_storage::import::{ImportOutcome, read_sheet, template_xlsx};
use stationhub_storage::{Actor, Store};
use stationhub_web::mailer::{MailConfig, Mailer};
use stationhub_web::{AppState, Config};

#[derive(Parser)]
#[command(
    name = "stationhub",
    version,
    about = "益阳市学会服务站管理系统 — the system of record for society service stations"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Global {
    /// Database URL: sqlite://FILE (default) or postgres://USER@HOST/DB.
    #[arg(
        long = "database",
        env = "STATIONHUB_DATABASE_URL",
        default_value = "sqlite://stationhub.db",
        global = true
    )]
    database: String,
    /// Policy file (TOML); the built-in 2023 Yiyang measures when not given.
    #[arg(long, env = "STATIONHUB_POLICY", global = true)]
    policy: Option<PathBuf>,
    /// Folder for uploaded files.
    #[arg(
        long = "data-dir",
        env = "STATIONHUB_DATA_DIR",
        default_value = "stationhub-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Where uploaded files are kept: empty for the data folder, or s3://BUCKET[/PREFIX] for
    /// S3-compatible storage (configured by the usual AWS_* variables).
    #[arg(
        long = "file-store",
        env = "STATIONHUB_FILE_STORE",
        default_value = "",
        global = true
    )]
    file_store: String,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations and serve the web pages and the API.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill the database with a demo city (counties, units, societies, one account per role),
    /// print the demo accounts, and serve.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Only fill the database; do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Generate bulk data instead: scale 1 is the city of Yiyang over ten years (about 50
        /// stations, 200 applications, 500 experts, 20,000 activities), N is N times that.
        /// Only into a database without applications or stations.
        #[arg(long, value_name = "N")]
        scale: Option<u32>,
    },
    /// Import stations named before the measures (第八条) from an .xlsx file laid out as the
    /// template (GET /api/v1/stations/import-template.xlsx, or --write-template). Every row is
    /// checked first: if any is bad, every bad row is listed with its line, column and reason,
    /// nothing is imported and the exit status is 1. Otherwise all rows are imported in one
    /// transaction. Applies pending migrations first.
    Import {
        /// The .xlsx file (header on line 1, one station per line from line 2).
        file: PathBuf,
        /// Check every row; import nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the empty template (with its instructions sheet) to FILE instead.
        #[arg(long, conflicts_with = "dry_run")]
        write_template: bool,
    },
    /// Write the whole database and every stored file to one .zip archive (rows read in one
    /// read transaction: consistent while servers run).
    Backup {
        /// The archive to write (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore an archive from `backup` into an empty database and data folder: migrates first,
    /// checks every file's sha256, then verifies the audit chain.
    Restore {
        /// The archive `stationhub backup` wrote.
        #[arg(long)]
        from: PathBuf,
    },
    /// Print the settings reference (Markdown), generated from these very flags; docs/config.md
    /// is its output.
    ConfigReference,
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STATIONHUB_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Sign-in attempts allowed per client address and minute.
    #[arg(long, env = "STATIONHUB_SIGNIN_PER_MINUTE", default_value_t = 60)]
    signin_per_minute: u32,
    /// Objections to public notices allowed per client address and clock hour (public form and
    /// API together), counted in the database: the limit holds across servers.
    #[arg(long, env = "STATIONHUB_OBJECTIONS_PER_HOUR", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    objections_per_hour: u32,
    /// Proxies (addresses or networks, comma-separated, e.g. 10.0.0.0/8) whose X-Forwarded-For
    /// names the client: the per-address limits then count each client, not the proxy. Empty
    /// to trust none.
    #[arg(long, env = "STATIONHUB_TRUSTED_PROXIES", value_delimiter = ',',
          default_value = stationhub_web::DEFAULT_TRUSTED_PROXIES)]
    trusted_proxies: Vec<String>,
    /// Served over HTTPS (behind a TLS proxy): mark cookies Secure and send
    /// Strict-Transport-Security (HSTS, one year).
    #[arg(long, env = "STATIONHUB_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Mail notifications too: smtp://[USER:PASS@]HOST[:PORT][?tls=required] or
    /// smtps://USER:PASS@HOST[:465]. Unset: the in-app inbox only.
    #[arg(long, env = "STATIONHUB_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of notification mails.
    #[arg(
        long,
        env = "STATIONHUB_MAIL_FROM",
        default_value = "stationhub@localhost"
    )]
    mail_from: String,
    /// The site's address as users reach it (the links in mails).
    #[arg(
        long,
        env = "STATIONHUB_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// Seconds between looks for background work queued by other servers (work this server
    /// queues, such as an export, starts at once).
    #[arg(long, env = "STATIONHUB_JOBS_INTERVAL_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    jobs_interval_secs: u64,
    /// Megabytes of list, indicator and session answers kept in memory while nothing has
    /// changed (each is checked against the database's audit head on every request; the least
    /// recently used go first); 0 reads the database every time.
    #[arg(long, env = "STATIONHUB_MEMO_MB", default_value_t = stationhub_storage::MEMO_MB,
          value_parser = clap::value_parser!(u64).range(0..=4096))]
    memo_mb: u64,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input. The first administrator
    /// comes from here. Accounts made here need not change their password at first sign-in.
    Add {
        #[arg(long)]
        username: String,
        /// host_unit, society, county_cast, county_talent, city_cast, talent_office, supervisor, admin
        #[arg(long)]
        role: String,
        /// Name shown on pages (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// The unit of a host_unit account.
        #[arg(long)]
        unit: Option<i64>,
        /// The society of a society account.
        #[arg(long)]
        society: Option<i64>,
        /// The county (name) of a county_cast or county_talent account.
        #[arg(long)]
        county: Option<String>,
        /// E-mail address: notifications are mailed there too (when SMTP is configured).
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exits non-zero naming the first bad entry.
    Verify,
}

fn load_policy(path: Option<&PathBuf>) -> Result<Policy> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read policy file {}", p.display()))?;
            Policy::from_toml(&text)
                .map_err(|e| anyhow!("policy file {} refused: {e}", p.display()))
        }
    }
}

async fn open_store(g: &Global, policy: &Policy) -> Result<Store> {
    let store = Store::connect(&g.database)
        .await
        .with_context(|| format!("cannot open database {}", redact(&g.database)))?;
    store.migrate().await.context("migrations failed")?;
    store
        .seed_reference_data(policy)
        .await
        .context("reference data")?;
    Ok(store)
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("STATIONHUB_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("STATIONHUB_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(g: &Global, store: Store, policy: Policy, args: &ServeArgs) -> Result<()> {
    let store = store.with_memo_mb(args.memo_mb);
    let files = FileStore::from_url(&g.file_store, &g.data_dir).context("file store")?;
    let clock = Clock::from_env().map_err(|e| anyhow!(e))?;
    let config = Config {
        signin_per_minute: args.signin_per_minute,
        objections_per_hour: args.objections_per_hour,
        secure_cookies: args.secure_cookies,
        trusted_proxies: args
            .trusted_proxies
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| {
                n.parse()
                    .map_err(|e: String| anyhow!("--trusted-proxies: {e}"))
            })
            .collect::<Result<_>>()?,
        jobs_interval: std::time::Duration::from_secs(args.jobs_interval_secs),
    };
    let mailer = match args.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => Some(
            Mailer::new(&MailConfig::new(
                url.trim(),
                &args.mail_from,
                &args.public_url,
            ))
            .context("mail settings")?,
        ),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, today = %clock.today(), fixed_today = clock.is_fixed(), "stationhub serving");
    println!("stationhub: http://{addr}/");
    // The mailer runs beside the server and stops with it.
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mail_task = mailer.map(|m| {
        tracing::info!(smtp = %redact(args.smtp_url.as_deref().unwrap_or_default()), from = %args.mail_from, "mail notifications on");
        tokio::spawn(stationhub_web::mailer::run(store.clone(), m, stop))
    });
    // Background jobs (term expiry, quarterly warnings, notice ends, exports): every server
    // runs the loop, the database gives each job to one of them.
    let state = AppState::new(store, files, policy, clock, config);
    let jobs_task = tokio::spawn(stationhub_web::jobs::run(
        state.clone(),
        stop_tx.subscribe(),
    ));
    let served = stationhub_web::serve(listener, state, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    // A job under way finishes (or its lease runs out and another server takes it again).
    if tokio::time::timeout(std::time::Duration::from_secs(30), jobs_task)
        .await
        .is_err()
    {
        tracing::warn!("jobs: still running at shutdown; left to the lease");
    }
    if let Some(mut task) = mail_task {
        // The mail being sent may finish (each SMTP step times out after 30 s); a claim cut
        // short is sent again after 10 minutes (see stationhub_storage::mail).
        if tokio::time::timeout(std::time::Duration::from_secs(65), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Settings read from the environment outside the flags (each where the code reads it).
const OTHER_SETTINGS: [(&str, &str, &str); 8] = [
    (
        "STATIONHUB_TODAY",
        "unset: today in Asia/Shanghai",
        "`YYYY-MM-DD` fixes \"today\" for every date rule (tests, training, demos); `stationhub_domain::clock`",
    ),
    (
        "STATIONHUB_FONT_DIR",
        "`/usr/share/fonts/opentype/noto:/usr/share/fonts/truetype/dejavu`",
        "font folders of the PDF documents (Noto CJK required, DejaVu Sans for ☑); `stationhub_documents::pdf`",
    ),
    (
        "STATIONHUB_LOG",
        "`info`",
        "log filter (tracing `EnvFilter` syntax)",
    ),
    (
        "STATIONHUB_LOG_FORMAT",
        "plain text",
        "`json` for structured logs on standard error",
    ),
    (
        "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
        "unset",
        "credentials of an `s3://` file store; `stationhub_storage::files`",
    ),
    (
        "AWS_REGION",
        "unset",
        "region of an `s3://` file store (`AWS_DEFAULT_REGION` also read)",
    ),
    (
        "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / AWS_ENDPOINT",
        "AWS",
        "an S3-compatible endpoint (MinIO, OSS, COS …); plain `http://` only to loopback unless `AWS_ALLOW_HTTP=true`",
    ),
    (
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
        "path style",
        "`true` puts the bucket in the host name (OSS, COS)",
    ),
];

/// The settings reference in Markdown, from clap's own description of the flags.
fn config_reference() -> String {
    use clap::CommandFactory;
    use std::fmt::Write as _;
    let cli = Cli::command();
    let mut out = String::from(
        "# stationhub settings\n\nGenerated by `stationhub config-reference` from the \
         command's flags; a test keeps this file equal to its output.\n\n\
         Every flag may be given as its environment variable instead.\n\n\
         | flag | environment | default | meaning |\n|---|---|---|---|\n",
    );
    let serve = cli.find_subcommand("serve").cloned();
    let args = cli
        .get_arguments()
        .chain(serve.iter().flat_map(|c| c.get_arguments()))
        .filter(|a| a.get_long().is_some_and(|l| l != "help" && l != "version"));
    for a in args {
        let long = a.get_long().unwrap_or_default();
        let env = a
            .get_env()
            .map(|e| format!("`{}`", e.to_string_lossy()))
            .unwrap_or_default();
        let default = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let default = if default.is_empty() {
            "—".to_string()
        } else {
            format!("`{default}`")
        };
        let help = a
            .get_help()
            .map(|h| h.to_string().replace('\n', " ").replace('|', "\\|"))
            .unwrap_or_default();
        let _ = writeln!(out, "| `--{long}` | {env} | {default} | {help} |");
    }
    out.push_str(
        "\n## Read from the environment only\n\n| variable | default | meaning |\n|---|---|---|\n",
    );
    for (name, default, meaning) in OTHER_SETTINGS {
        let _ = writeln!(out, "| `{name}` | {default} | {meaning} |");
    }
    out
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    let policy = load_policy(g.policy.as_ref())?;
    match &cli.command {
        Command::Serve(args) => {
            let store = open_store(g, &policy).await?;
            serve(g, store, policy, args).await?;
        }
        Command::Migrate => {
            open_store(g, &policy).await?;
            println!("migrations applied to {}", redact(&g.database));
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    display_name,
                    unit,
                    society,
                    county,
                    email,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let new = NewUser {
                username: Username::parse(username)?,
                display_name: parse_display_name(display_name.as_deref().unwrap_or(username))?,
                role: Role::parse(role)?,
                password: NewPassword::parse(password, &policy.security)?,
                must_change_password: false,
                unit_id: *unit,
                society_id: *society,
                county: county.clone(),
                office_id: None,
                email: email.clone(),
            };
            let store = open_store(g, &policy).await?;
            let id = store.create_user(&Actor::system("cli"), new).await?;
            println!("account {username} created (id {id}, role {role})");
        }
        Command::Demo {
            serve: args,
            no_serve,
            scale,
        } => {
            let store = open_store(g, &policy).await?;
            match scale {
                Some(n) => {
                    if let Err(e) = scale::run(&store, *n).await {
                        eprintln!("stationhub: {e:#}");
                        return Ok(ExitCode::from(1));
                    }
                }
                None => demo::populate(&store).await?,
            }
            if !no_serve {
                serve(g, store, policy, args).await?;
            }
        }
        Command::Import {
            file,
            dry_run,
            write_template,
        } => return import(g, &policy, file, *dry_run, *write_template).await,
        Command::ConfigReference => print!("{}", config_reference()),
        Command::Backup { out } => backup(g, out).await?,
        Command::Restore { from } => return restore(g, from).await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = Store::connect(&g.database).await?;
            store.migrate().await?;
            match store.audit_verify().await? {
                Ok(n) => println!("audit chain intact: {n} entries verified"),
                Err(b) => {
                    eprintln!("audit chain BROKEN at entry {}: {}", b.seq, b.reason);
                    println!("{b}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `stationhub backup --out FILE`: written beside FILE first, renamed when complete.
async fn backup(g: &Global, out: &std::path::Path) -> Result<()> {
    let started = std::time::Instant::now();
    let store = Store::connect(&g.database)
        .await
        .with_context(|| format!("cannot open database {}", redact(&g.database)))?;
    let files = FileStore::from_url(&g.file_store, &g.data_dir).context("file store")?;
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let manifest = match store.backup(&files, std::io::BufWriter::new(file)).await {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(anyhow!(e).context("backup failed"));
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "备份完成：{}（{} 张表 {} 行，{} 个文件，{} 字节，用时 {:.1} 秒）",
        out.display(),
        manifest.tables.len(),
        manifest.total_rows(),
        manifest.files.len(),
        size,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `stationhub restore --from FILE`: into an empty database and data folder only.
async fn restore(g: &Global, from: &std::path::Path) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let archive =
        std::fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let local = g.file_store.trim().is_empty() || g.file_store.trim() == "file://";
    if local && holds_files(&g.data_dir) {
        eprintln!(
            "stationhub: the data folder {} is not empty: restore only into an empty data folder (--data-dir)",
            g.data_dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    let store = Store::connect(&g.database)
        .await
        .with_context(|| format!("cannot open database {}", redact(&g.database)))?;
    let files = FileStore::from_url(&g.file_store, &g.data_dir).context("file store")?;
    let manifest = match store
        .restore(&files, std::io::BufReader::new(archive))
        .await
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("stationhub: restore refused or failed, nothing restored: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    // A restore is a bulk load: the planner's statistics, as after `demo --scale`.
    store.analyze().await?;
    match store.audit_verify().await? {
        Ok(n) => println!(
            "恢复完成：{} 张表 {} 行，{} 个文件（备份于 {}，stationhub {}）；审计链完整，{n} 条已校验（用时 {:.1} 秒）",
            manifest.tables.len(),
            manifest.total_rows(),
            manifest.files.len(),
            manifest.created_at,
            manifest.stationhub_version,
            started.elapsed().as_secs_f64()
        ),
        Err(b) => {
            eprintln!(
                "stationhub: restored, but the audit chain is BROKEN at entry {}: {}",
                b.seq, b.reason
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `dir` or a folder below it holds a file (empty folders do not count).
fn holds_files(dir: &std::path::Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| match e.file_type() {
        Ok(t) if t.is_dir() => holds_files(&e.path()),
        _ => true,
    })
}

/// `stationhub import FILE [--dry-run | --write-template]`.
async fn import(
    g: &Global,
    policy: &Policy,
    file: &std::path::Path,
    dry_run: bool,
    write_template: bool,
) -> Result<ExitCode> {
    let today = Clock::from_env().map_err(|e| anyhow!(e))?.today();
    if write_template {
        let bytes = template_xlsx(policy, today).map_err(|e| anyhow!(e))?;
        std::fs::write(file, bytes).with_context(|| format!("cannot write {}", file.display()))?;
        println!("导入模板已写入 {}", file.display());
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let sheet = match read_sheet(&bytes) {
        Ok(sheet) => sheet,
        Err(e) => {
            eprintln!("{}：{e}", file.display());
            return Ok(ExitCode::from(1));
        }
    };
    let store = open_store(g, policy).await?;
    match store
        .import_stations(&Actor::system("cli"), &sheet, dry_run, today, policy)
        .await?
    {
        ImportOutcome::Refused(errors) => {
            for e in &errors {
                println!("{e}");
            }
            eprintln!(
                "{}：{} 处错误，未导入任何服务站；改正后重新导入",
                file.display(),
                errors.len()
            );
            return Ok(ExitCode::from(1));
        }
        ImportOutcome::Done(s) if s.dry_run => println!(
            "检查通过：{} 个服务站可以导入（运行中 {}，已期满 {}；将新建 {} 个建站单位、{} 个学会）。--dry-run：未导入。",
            s.stations, s.active, s.expired, s.units_created, s.societies_created
        ),
        ImportOutcome::Done(s) => println!(
            "已导入 {} 个服务站（运行中 {}，已期满 {}；新建 {} 个建站单位、{} 个学会）。",
            s.stations, s.active, s.expired, s.units_created, s.societies_created
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    steady_malloc();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(async_main()),
        Err(e) => {
            eprintln!("stationhub: cannot start the runtime: {e}");
            ExitCode::from(2)
        }
    }
}

/// glibc's malloc raises its threshold for serving a large block from `mmap` to the size of
/// the largest block freed so far (up to 32 MB), and the threshold for giving freed memory back
/// with it. After one export or indicator table every thread's arena then kept tens of
/// megabytes it no longer used, and the server's resident set only grew (bench/RESULTS.md: 190
/// MB after the benchmark's sequence, 152 MB with the threshold fixed). Fixing the threshold at
/// glibc's own default keeps large blocks in `mmap`, returned as soon as they are freed.
fn steady_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// glibc's default threshold.
        const THRESHOLD: libc::c_int = 128 * 1024;
        // SAFETY: `mallopt` only sets a parameter of the allocator; it is called before any
        // other thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}

async fn async_main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stationhub: {e:#}");
            ExitCode::from(2)
        }
    }
}
