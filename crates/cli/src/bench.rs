//! `guanxi bench`: the measurements behind docs/BENCHMARKS.md.

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use clap::{Args, Subcommand};
use guanxi_domain::search::name_pinyin;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
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
        matches!(self.what, BenchCommand::Web { .. })
    }
}

/// Queries drawn from customers spread over the id range, a quarter of each kind: the start of
/// a Han name, pinyin, initials, a phone fragment.
pub async fn mixed_queries(ctx: &Ctx, n: usize, seed: u64, total: i64) -> Result<Vec<(String, &'static str)>> {
    let err = store_err(ctx.lang);
    let mut rng = crate::demo::Rng::new(seed);
    let mut qs: Vec<(String, &'static str)> = Vec::with_capacity(n);
    let sample = ctx.store.export_batch(0, 1).await.map_err(&err)?;
    let first = sample.first().map(|c| c.id).unwrap_or(1);
    while qs.len() < n {
        let after = first + rng.below(total as usize) as i64 - 1;
        let Some(c) = ctx.store.export_batch(after, 1).await.map_err(&err)?.into_iter().next() else {
            continue;
        };
        let name = &c.draft.name;
        let kind = qs.len() % 4;
        let q = match kind {
            0 => (name.chars().take(2).collect::<String>(), "han"),
            1 => (name_pinyin(name).chars().take(8).collect(), "pinyin"),
            2 => (
                guanxi_domain::search::spellings(&name.chars().take(3).collect::<String>(), true)
                    .first()
                    .map(|s| s.iter().filter_map(|p| p.chars().next()).collect())
                    .unwrap_or_else(|| "zs".to_string()),
                "initials",
            ),
            _ => match &c.draft.phone {
                Some(p) => {
                    let d = p.digits();
                    let at = rng.below(d.len().saturating_sub(4)).min(d.len().saturating_sub(4));
                    (d[at..at + 4].to_string(), "phone")
                }
                None => (name.clone(), "han"),
            },
        };
        qs.push(q);
    }
    Ok(qs)
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
            crate::demo::ensure_users(ctx).await?;
            let started = Instant::now();
            crate::transfer::import(
                ctx,
                crate::transfer::ImportCommand::Customers {
                    file,
                    partial: false,
                    mappings: vec![],
                    dry_run: false,
                    errors_to: None,
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
        BenchCommand::Web { requests, seconds, concurrency, seed } => {
            crate::loadgen::run(ctx, requests, std::time::Duration::from_secs(seconds), concurrency, seed).await?;
        }
        BenchCommand::Search { queries, seed } => {
            let err = store_err(ctx.lang);
            let total = ctx.store.count_customers().await.map_err(&err)?;
            if total == 0 {
                return Err(UserError(ctx.t("数据库里没有客户", "the database has no customers").into()).into());
            }
            let qs = mixed_queries(ctx, queries, seed, total).await?;
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
