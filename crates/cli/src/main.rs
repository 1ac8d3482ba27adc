//! `guanxi`: the command line. Parses arguments, opens the store, and prints results in the
//! user's language (zh-CN by default, `--lang en`).

mod analyze;
mod archive;
mod audit;
mod bench;
mod bench_orders;
mod bench_outbox;
mod bench_today;
mod cadences;
mod deals;
mod demo;
mod demo_cadences;
mod demo_tasks;
mod generate;
mod loadgen;
mod outbox;
mod relations;
mod serve;
mod tasks;
mod transfer;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use guanxi_domain::{Field, Lang, Raw};
use guanxi_store::{Actor, Store, StoreError};

#[derive(Parser)]
#[command(name = "guanxi", version, about = "Guanxi 关系 — a CRM for Chinese companies")]
struct Cli {
    /// Database: a SQLite file path (default ./guanxi.db) or a postgres:// URL.
    #[arg(long, global = true, env = "GUANXI_DATABASE_URL", default_value = "guanxi.db")]
    database: String,
    /// Language of messages: zh-CN (default) or en.
    #[arg(long, global = true, env = "GUANXI_LANG", default_value = "zh-CN")]
    lang: String,
    /// The user making changes (recorded in the audit log); default the built-in `system`.
    #[arg(long = "as", global = true, env = "GUANXI_USER")]
    as_user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app and the JSON API: `guanxi serve --demo` (prints the URL and, the first
    /// time, an admin login).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(archive::UserCommand),
    /// Customers: add, show, edit, list, delete, restore, history.
    #[command(subcommand)]
    Customer(archive::CustomerCommand),
    /// Add a key person to an organization: `guanxi person add ID name=刘总 decision_role=决策者`.
    #[command(subcommand)]
    Person(archive::PersonCommand),
    /// Add someone around a customer or key person: `guanxi around add ID name=… relation=配偶`.
    #[command(subcommand)]
    Around(archive::AroundCommand),
    /// Log a contact: `guanxi log ID channel=电话 summary="…" next_step="…"`.
    Log(archive::LogArgs),
    /// Find customers by name, pinyin, initials, phone fragment, e-mail or company.
    Search(archive::SearchArgs),
    /// Import customers from CSV or Excel.
    #[command(subcommand)]
    Import(transfer::ImportCommand),
    /// Export customers to CSV or Excel.
    #[command(subcommand)]
    Export(transfer::ExportCommand),
    /// List likely duplicate customers with the reason.
    Dedupe(archive::DedupeArgs),
    /// Merge customer DROP into KEEP (reversible with `guanxi unmerge`).
    Merge {
        keep: i64,
        drop: i64,
        /// Take this field's value from DROP where both have one (repeat for more): --take city.
        #[arg(long = "take", value_name = "FIELD")]
        take: Vec<String>,
        /// Merge even though one is a person and the other an organization (the kept one's kind
        /// stays; the other kind's profile is lost).
        #[arg(long)]
        different_kinds: bool,
    },
    /// Undo a merge by its number (shown by `guanxi merge` and `guanxi customer history`).
    Unmerge { merge_id: i64 },
    /// Fit the purchase (BG/NBD) and spend (Gamma-Gamma) models on orders up to a date:
    /// `guanxi analyze --as-of 2026-06-30 --unit week [--holdout-until 2026-12-31] [--json]`.
    Analyze(analyze::AnalyzeArgs),
    /// Write a realistic, deterministic demo data set.
    Demo(demo::DemoArgs),
    /// Measure import and search speed (see docs/BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Read the audit log: `guanxi audit --action login_failed --from 2026-12-01`.
    Audit(audit::AuditArgs),
    /// Tasks 待办: list, add, done, reopen: `guanxi --as li.na task list`.
    #[command(subcommand)]
    Task(tasks::TaskCommand),
    /// The outbox 发件箱: list, retry, cancel, send what is due: `guanxi outbox list --state failed`.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Cadences 跟进节奏: list, enrol, report, run the due steps: `guanxi cadence list`.
    #[command(subcommand)]
    Cadence(cadences::CadenceCommand),
}

/// What every command gets: the open store, the language, the acting user.
pub struct Ctx {
    pub store: Store,
    pub lang: Lang,
    pub actor: Actor,
    pub role: guanxi_domain::Role,
}

impl Ctx {
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }
}

/// An error already phrased for the user.
#[derive(Debug)]
pub struct UserError(pub String);

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

pub fn store_err(lang: Lang) -> impl Fn(StoreError) -> anyhow::Error {
    move |e| anyhow::Error::new(UserError(e.message(lang)))
}

/// Parses `field=value` arguments; fields by code or by Chinese/English label.
pub fn parse_assignments(args: &[String], lang: Lang) -> Result<Raw> {
    let mut raw = Raw::new();
    for a in args {
        let Some((k, v)) = a.split_once(['=', '＝']) else {
            return Err(UserError(match lang {
                Lang::ZhCn => format!("“{a}” 应写成 字段=值，如 name=张三"),
                Lang::En => format!("{a:?} should be field=value, like name=张三"),
            })
            .into());
        };
        let field = Field::parse(k).ok_or_else(|| {
            let known: Vec<&str> = Field::all().map(|f| f.code()).collect();
            UserError(match lang {
                Lang::ZhCn => format!("没有字段 “{k}”。可用字段：{}", known.join(", ")),
                Lang::En => format!("there is no field {k:?}; fields: {}", known.join(", ")),
            })
        })?;
        raw.set(field, v);
    }
    Ok(raw)
}

fn main() {
    // Behave like other Unix tools when output goes to a closed pipe (`guanxi … | head`):
    // stop quietly instead of panicking on the failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Blocks of 128 KiB and more come straight from the kernel and go back to it when freed. A
    // password hash takes 19 MiB and a read workbook tens of MB: glibc would otherwise keep them
    // in each worker thread's arena, and 64 sign-ins at once left the server 450 MB larger for
    // good (the security review's F-04, run again).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: a glibc tuning call made before any thread starts or allocates concurrently.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
    let cli = Cli::parse();
    let lang = Lang::parse(&cli.lang).unwrap_or_default();
    // The server uses both cores; the other commands work one step at a time.
    let mut builder = match cli.command {
        Command::Serve(_) => tokio::runtime::Builder::new_multi_thread(),
        Command::Bench(ref b) if b.serves() => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("guanxi: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(cli, lang)) {
        match e.downcast_ref::<UserError>() {
            Some(u) => eprintln!("{}{}", lang.pick("错误：", "error: "), u.0),
            None => eprintln!("{}{e:#}", lang.pick("错误：", "error: ")),
        }
        std::process::exit(1);
    }
}

/// Opens the database for `serve`: a PostgreSQL server that is not up yet (a machine starting,
/// a failover) is waited for, saying so every few seconds, instead of giving up (problem 11 of
/// the reliability review). A SQLite file opens at once or fails with why.
async fn open_waiting(url: &str, lang: Lang) -> Result<Store> {
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    loop {
        match Store::open(url).await {
            Ok(s) => return Ok(s),
            Err(e @ (StoreError::Connect(_) | StoreError::Unavailable(..))) if postgres => {
                eprintln!(
                    "{}",
                    match lang {
                        Lang::ZhCn => format!("数据库还连不上（{}），3 秒后再试；按 Ctrl+C 退出。", e.message(lang)),
                        Lang::En => format!(
                            "the database cannot be reached yet ({}); trying again in 3 seconds, Ctrl+C to stop.",
                            e.message(lang)
                        ),
                    }
                );
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(3)) => {}
                    _ = tokio::signal::ctrl_c() => return Err(UserError(lang.pick("已停止", "stopped").into()).into()),
                }
            }
            Err(e) => {
                return Err(anyhow::Error::new(UserError(e.message(lang))))
                    .with_context(|| lang.pick("无法打开数据库", "cannot open the database").to_string());
            }
        }
    }
}

async fn run(cli: Cli, lang: Lang) -> Result<()> {
    // Writing demo data to a file needs no database.
    if let Command::Demo(a) = &cli.command
        && a.csv.is_some()
    {
        return demo::write_csv(a, lang);
    }
    let store = if matches!(cli.command, Command::Serve(_)) {
        open_waiting(&cli.database, lang).await?
    } else {
        let store = Store::open(&cli.database)
            .await
            .map_err(store_err(lang))
            .with_context(|| lang.pick("无法打开数据库", "cannot open the database").to_string())?;
        // An import killed part way is taken back before anything reads or writes (a server
        // does this in its job worker).
        match store.take_back_abandoned_imports().await {
            Ok(undone) => {
                for (id, u) in undone {
                    eprintln!("{}", u.message(id, lang));
                }
            }
            Err(e) => eprintln!(
                "{}{}",
                lang.pick("警告：没能撤回未完成的导入：", "warning: could not take back an unfinished import: "),
                e.message(lang)
            ),
        }
        store
    };
    let (actor, role) = match &cli.as_user {
        None => (Actor::SYSTEM, guanxi_domain::Role::Admin),
        Some(name) => {
            let user = store.user_by_username(name).await.map_err(store_err(lang))?;
            match user {
                Some(u) if u.active => (Actor(u.id), u.role),
                _ => {
                    return Err(UserError(match lang {
                        Lang::ZhCn => {
                            format!("--as：没有启用的用户 “{name}”（用 guanxi user add 添加）")
                        }
                        Lang::En => {
                            format!("--as: no active user {name:?} (add one with guanxi user add)")
                        }
                    })
                    .into());
                }
            }
        }
    };
    let ctx = Ctx { store, lang, actor, role };
    let result = match cli.command {
        Command::Migrate => {
            let applied = ctx.store.migrate().await.map_err(store_err(lang))?;
            let all = ctx.store.applied_migrations().await.map_err(store_err(lang))?;
            if applied.is_empty() {
                println!(
                    "{} {:?}",
                    ctx.t("数据库已是最新，已应用的版本：", "database is up to date; applied versions:"),
                    all
                );
            } else {
                println!("{} {:?}", ctx.t("已应用迁移：", "applied migrations:"), applied);
            }
            Ok(())
        }
        Command::Serve(a) => serve::run(&ctx, a).await,
        Command::User(c) => archive::user(&ctx, c).await,
        Command::Customer(c) => archive::customer(&ctx, c).await,
        Command::Person(c) => archive::person(&ctx, c).await,
        Command::Around(c) => archive::around(&ctx, c).await,
        Command::Log(a) => archive::log(&ctx, a).await,
        Command::Search(a) => archive::search(&ctx, a).await,
        Command::Import(c) => transfer::import(&ctx, c).await,
        Command::Export(c) => transfer::export(&ctx, c).await,
        Command::Dedupe(a) => archive::dedupe(&ctx, a).await,
        Command::Merge { keep, drop, take, different_kinds } => {
            archive::merge(&ctx, keep, drop, &take, different_kinds).await
        }
        Command::Unmerge { merge_id } => archive::unmerge(&ctx, merge_id).await,
        Command::Task(c) => tasks::task(&ctx, c).await,
        Command::Outbox(c) => outbox::outbox(&ctx, c).await,
        Command::Cadence(c) => cadences::cadence(&ctx, c).await,
        Command::Analyze(a) => analyze::run(&ctx, a).await,
        Command::Demo(a) => demo::run(&ctx, a).await,
        Command::Bench(a) => bench::run(&ctx, a).await,
        Command::Audit(a) => audit::run(&ctx, a).await,
    };
    ctx.store.close().await;
    result
}
