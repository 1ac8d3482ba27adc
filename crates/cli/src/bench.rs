//! `guanxi bench`: the measurements behind docs/BENCHMARKS.md.

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// My day at scale: gives each demo user --tasks-per-user tasks around today (unless they
    /// have some), then measures /today for a sales rep, a manager and an admin over HTTP.
    Today {
        #[arg(long, default_value_t = 40)]
        tasks_per_user: usize,
        #[arg(long, default_value_t = 300)]
        requests: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The nightly reminder sweep: on a database with customers, gives them orders (--csv, about
    /// --per-customer each) and a value run unless they have one, and a face-to-face contact 100
    /// days ago to --visited customers of each demo user; then times rebuilding every customer's
    /// next visit day (--runs times) and the morning digests.
    Reminders {
        #[arg(long, default_value = "bench-data/orders-reminders.csv")]
        csv: std::path::PathBuf,
        #[arg(long, default_value_t = 2.0)]
        per_customer: f64,
        #[arg(long, default_value_t = 2000)]
        visited: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The outbox: writes --messages e-mails, then times the worker sending them to the SMTP
    /// server at --smtp HOST:PORT (no TLS; e.g. scripts/smtp-sink.py).
    Outbox {
        #[arg(long)]
        smtp: String,
        #[arg(long, default_value_t = 5000)]
        messages: usize,
    },
    /// Enrolling a list in a cadence: every customer of --owner (everyone without it) in the
    /// coffee shop's cadence, timed.
    Enrol {
        #[arg(long)]
        owner: Option<String>,
    },
    /// Time `guanxi import customers FILE` end to end (read, validate, write) on an empty database.
    Import { file: std::path::PathBuf },
    /// Search latency over mixed queries (Han name, pinyin, initials, phone fragment) drawn
    /// from the customers in the database.
    Search {
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Customer value at scale: writes an orders CSV for the customers in the database (about
    /// --per-customer orders each over three years, drawn like the demo's), times `guanxi import
    /// orders` on it, then times full recomputes (histories, ABC, RFM, BG/NBD, Gamma-Gamma, CLV,
    /// saving every customer's figures). The CSV stays for the DuckDB comparison
    /// (bench/duckdb_rfm_abc.py).
    Value {
        /// Where to write the orders CSV.
        #[arg(long)]
        csv: std::path::PathBuf,
        #[arg(long, default_value_t = 10.0)]
        per_customer: f64,
        /// Skip writing and importing (the database has the orders already).
        #[arg(long)]
        recompute_only: bool,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Process sales at scale: writes --opportunities deals with their past (about
    /// --changes-per-deal stage changes each, over three years, spread over --reps sales reps)
    /// for the customers in the database unless it has that many already, then measures the
    /// board for one owner, the reports page (everyone, one owner) and the opportunity page.
    Sales {
        #[arg(long, default_value_t = 100_000)]
        opportunities: usize,
        /// Aimed at; deals still open at the end of the data have had fewer (the count written is printed).
        #[arg(long, default_value_t = 12.0)]
        changes_per_deal: f64,
        #[arg(long, default_value_t = 50)]
        reps: usize,
        #[arg(long, default_value_t = 300)]
        requests: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Relationships at scale: unless the database has had a relationship recompute, writes
    /// about --contacts-per-customer contacts a customer over two years (calls with their
    /// responses, criticism and complaints among them), answered surveys for a --surveyed share
    /// of buyers, competitor engagements, referrals and health checks; then times --runs full
    /// recomputes (lifecycle, level proposals, pre-filled signs, satisfaction, loyalty and the
    /// quadrant for every customer) and measures the health list, the quadrant page and a
    /// customer's health page over HTTP.
    Relationships {
        #[arg(long, default_value_t = 3.0)]
        contacts_per_customer: f64,
        #[arg(long, default_value_t = 0.2)]
        surveyed: f64,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 300)]
        requests: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Requests per second and latency of the web app over loopback: the customer list page
    /// (plain and with a search), the customer page, and the API's list, search and get.
    /// Bounded by --requests per endpoint and --seconds, whichever comes first.
    Web {
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Connections kept open at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

impl BenchArgs {
    /// Whether this benchmark runs the web server (and so wants both cores).
    pub fn serves(&self) -> bool {
        matches!(
            self.what,
            BenchCommand::Web { .. }
                | BenchCommand::Sales { .. }
                | BenchCommand::Relationships { .. }
                | BenchCommand::Today { .. }
        )
    }
}

pub async fn run(ctx: &Ctx, a: BenchArgs) -> Result<()> {
    match a.what {
        BenchCommand::Import { file } => {
            if ctx.store.count_customers().await.map_err(store_err(ctx.lang))? > 0 {
                return Err(UserError(
                    ctx.t("基准测试需要空数据库", "the import benchmark needs an empty database").into(),
                )
                .into());
            }
            // The demo's CSV names the demo's users as owners.
            crate::generate::ensure_users(ctx).await?;
            let started = Instant::now();
            crate::transfer::import(
                ctx,
                crate::transfer::ImportCommand::Customers {
                    file,
                    partial: false,
                    mappings: vec![],
                    dry_run: false,
                    errors_to: None,
                    encoding: "auto".into(),
                },
            )
            .await?;
            let secs = started.elapsed().as_secs_f64();
            let rows = ctx.store.count_customers().await.map_err(store_err(ctx.lang))?;
            println!(
                "{}",
                serde_json::json!({ "bench": "import", "rows": rows, "seconds": secs, "rows_per_second": rows as f64 / secs })
            );
        }
        BenchCommand::Value { csv, per_customer, recompute_only, runs, seed } => {
            value(ctx, &csv, per_customer, recompute_only, runs, seed).await?;
        }
        BenchCommand::Sales { opportunities, changes_per_deal, reps, requests, seconds, concurrency, seed } => {
            let limit = std::time::Duration::from_secs(seconds);
            sales(ctx, opportunities, changes_per_deal, reps, (requests, limit, concurrency), seed).await?;
        }
        BenchCommand::Relationships { contacts_per_customer, surveyed, runs, requests, seconds, concurrency, seed } => {
            let limit = std::time::Duration::from_secs(seconds);
            let load = (requests, limit, concurrency);
            crate::relations::bench(ctx, contacts_per_customer, surveyed, runs, load, seed).await?;
        }
        BenchCommand::Today { tasks_per_user, requests, seconds, concurrency, seed } => {
            let load = (requests, std::time::Duration::from_secs(seconds), concurrency);
            crate::bench_today::run(ctx, tasks_per_user, load, seed).await?;
        }
        BenchCommand::Reminders { csv, per_customer, visited, runs, seed } => {
            crate::bench_today::reminders(ctx, &csv, per_customer, visited, runs, seed).await?;
        }
        BenchCommand::Outbox { smtp, messages } => crate::bench_outbox::outbox(ctx, &smtp, messages).await?,
        BenchCommand::Enrol { owner } => crate::bench_outbox::enrol(ctx, owner).await?,
        BenchCommand::Web { requests, seconds, concurrency, seed } => {
            crate::loadgen::run(ctx, requests, std::time::Duration::from_secs(seconds), concurrency, seed).await?;
        }
        BenchCommand::Search { queries, seed } => {
            let err = store_err(ctx.lang);
            let total = crate::generate::customers_to_measure(ctx).await?;
            let qs = crate::generate::mixed_queries(ctx, queries, seed, total).await?;
            for (q, _) in qs.iter().take(50) {
                ctx.store.search(q, 20).await.map_err(&err)?;
            }
            let mut times: Vec<f64> = Vec::with_capacity(qs.len());
            let mut found = 0usize;
            for (q, _) in &qs {
                let t = Instant::now();
                let hits = ctx.store.search(q, 20).await.map_err(&err)?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                found += usize::from(!hits.is_empty());
            }
            times.sort_by(|a, b| a.total_cmp(b));
            let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "{}",
                serde_json::json!({
                    "bench": "search", "customers": total, "queries": times.len(), "found": found,
                    "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0),
                    "mean_ms": times.iter().sum::<f64>() / times.len() as f64,
                })
            );
        }
    }
    Ok(())
}

async fn value(
    ctx: &Ctx,
    csv: &std::path::Path,
    per_customer: f64,
    recompute_only: bool,
    runs: usize,
    seed: u64,
) -> Result<()> {
    let err = store_err(ctx.lang);
    crate::generate::customers_to_measure(ctx).await?;
    if !recompute_only {
        crate::bench_orders::import_value_orders(ctx, csv, per_customer, seed).await?;
    }
    let (y, m, d) = crate::bench_orders::VALUE_AS_OF;
    let as_of = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    // Summaries are kept by every order write; a database from before them builds them once.
    let started = Instant::now();
    let rebuilt = ctx.store.ensure_summaries(0.10).await.map_err(&err)?;
    if rebuilt > 0 {
        println!(
            "{}",
            serde_json::json!({"bench": "summaries", "customers": rebuilt, "seconds": started.elapsed().as_secs_f64()})
        );
    }
    for run in 0..runs {
        let cfg = guanxi_domain::value::AssessConfig::new(as_of);
        let started = Instant::now();
        let histories = ctx.store.histories(&cfg.period).await.map_err(&err)?;
        let read = started.elapsed().as_secs_f64();
        let c = cfg.clone();
        let (a, report) = tokio::task::spawn_blocking(move || {
            let a = guanxi_domain::value::assess(&histories, &c);
            let report = a.report(&c, &[]);
            (a, report)
        })
        .await?;
        let models = started.elapsed().as_secs_f64() - read;
        ctx.store.save_assessment(ctx.actor, as_of, "week", &report, &a.values).await.map_err(&err)?;
        let total = started.elapsed().as_secs_f64();
        println!(
            "{}",
            serde_json::json!({"bench": "recompute", "run": run + 1, "customers": a.values.len(), "seconds": total,
                               "read_seconds": read, "models_seconds": models, "save_seconds": total - read - models,
                               "bg_nbd": report["bg_nbd"], "gamma_gamma_by_kind": report["gamma_gamma_by_kind"]})
        );
    }
    Ok(())
}

/// `guanxi bench sales` (see its help).
async fn sales(
    ctx: &Ctx,
    opportunities: usize,
    changes_per_deal: f64,
    reps: usize,
    (requests, limit, concurrency): (usize, std::time::Duration, usize),
    seed: u64,
) -> Result<()> {
    let err = store_err(ctx.lang);
    let customers = crate::generate::customers_to_measure(ctx).await?;
    // The reps, in teams of ten.
    let mut owners = Vec::new();
    for i in 0..reps.max(1) {
        let username = format!("bench.rep{i:03}");
        let user = match ctx.store.user_by_username(&username).await.map_err(&err)? {
            Some(u) => u,
            None => ctx
                .store
                .add_user(
                    ctx.actor,
                    &guanxi_store::NewUser {
                        username: username.clone(),
                        display_name: format!("销售{i:03}"),
                        role: guanxi_domain::Role::SalesRep,
                        team: Some(format!("第{}组", i / 10 + 1)),
                    },
                )
                .await
                .map_err(&err)?,
        };
        owners.push(user);
    }
    let have = ctx
        .store
        .list_opportunities(&guanxi_store::OpportunityFilter { per_page: 1, ..Default::default() })
        .await
        .map_err(&err)?
        .total as usize;
    if have < opportunities {
        let mut ids = Vec::with_capacity(customers as usize);
        let mut after = 0;
        loop {
            let batch = ctx.store.export_batch(after, 10_000).await.map_err(&err)?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            ids.extend(batch.iter().map(|c| c.id));
        }
        let owner_ids: Vec<i64> = owners.iter().map(|u| u.id).collect();
        // A deal opens, moves on through 2.6 stages on average and closes (three in five do):
        // 4.2 changes; the rest are detours (back a stage and on again, two changes each) of
        // the 86% of deals that get past the first stage.
        let plan = crate::deals::Plan {
            customers: &ids,
            owners: &owner_ids,
            deals: opportunities - have,
            span_days: 3 * 365,
            until: chrono::Utc::now(),
            detours: ((changes_per_deal - 4.2) / (2.0 * 0.86)).max(0.0),
        };
        let started = Instant::now();
        let deals = crate::deals::simulate(&mut crate::generate::Rng::new(seed), &plan);
        let changes: usize = deals.iter().map(|d| 1 + d.moves.len() + usize::from(d.outcome.is_some())).sum();
        for chunk in deals.chunks(5_000) {
            ctx.store.import_deals(ctx.actor, "guanxi bench sales", chunk).await.map_err(&err)?;
        }
        println!(
            "{}",
            serde_json::json!({"bench": "import_deals", "deals": deals.len(), "stage_changes": changes,
                               "seconds": started.elapsed().as_secs_f64()})
        );
    }
    let served = crate::loadgen::Served::start(ctx).await?;
    let extra = serde_json::json!({"opportunities": opportunities.max(have), "customers": customers});
    let names: Vec<&str> = owners.iter().map(|u| u.username.as_str()).collect();
    served
        .measure(
            "board_one_owner",
            names.iter().map(|n| format!("/opportunities/board?owner={n}")).collect(),
            requests,
            limit,
            concurrency,
            extra.clone(),
        )
        .await?;
    served
        .measure(
            "reports_everyone",
            vec!["/opportunities/reports?owner=all".into()],
            requests,
            limit,
            concurrency,
            extra.clone(),
        )
        .await?;
    served
        .measure(
            "reports_one_owner",
            names.iter().map(|n| format!("/opportunities/reports?owner={n}")).collect(),
            requests,
            limit,
            concurrency,
            extra.clone(),
        )
        .await?;
    let page = ctx
        .store
        .list_opportunities(&guanxi_store::OpportunityFilter { per_page: 200, ..Default::default() })
        .await
        .map_err(&err)?;
    served
        .measure(
            "opportunity_page",
            page.items.iter().map(|o| format!("/opportunities/{}", o.id)).collect(),
            requests,
            limit,
            concurrency,
            extra,
        )
        .await?;
    served.finish(ctx).await
}
