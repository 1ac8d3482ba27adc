//! The value benchmark's orders: drawn from the value models' own assumptions, written to a CSV
//! and imported. Used by `bench value` and `bench reminders`, below both.

use crate::{Ctx, store_err};
use anyhow::Result;
use std::time::Instant;

/// The as-of day of the value benchmark's orders: they run over the three years before it.
pub(crate) const VALUE_AS_OF: (i32, u32, u32) = (2026, 6, 30);

/// Writes the benchmark's orders, drawn from the value models' own assumptions: each customer
/// buys at a Poisson rate λ ~ Gamma(0.6, α) a day while alive, drops out after a purchase with
/// probability p ~ Beta(0.8, 6), and spends Gamma(6, ν) a purchase with ν ~ Gamma(4, γ);
/// organizations (a quarter) spend 50 times as much. α is set so that a customer makes about
/// `per_customer` purchases in the three years. A fifth of orders have no cost.
/// Writes the orders of `customers` (id, whether an organization): organizations spend 50
/// times as much a purchase, so each kind's spend model has its own scale, as in a real book.
fn write_value_csv(path: &std::path::Path, customers: &[(i64, bool)], per_customer: f64, seed: u64) -> Result<u64> {
    use std::io::Write;
    let (y, m, d) = VALUE_AS_OF;
    let end = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let start = end - chrono::Duration::days(3 * 365);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(out, "关系编号,下单时间,金额,成本,产品类别,销售渠道,门店,订单号")?;
    let mut sim = guanxi_domain::value::sim::Sim::new(seed);
    let mut r = crate::generate::Rng::new(seed);
    let alpha = 85.0 / per_customer.max(0.1);
    let mut n = 0u64;
    let channels = ["门店", "线上", "销售代表", "经销商"];
    for &(id, organization) in customers {
        let scale = if organization { 50.0 } else { 1.0 };
        let lambda = sim.gamma(0.6, alpha);
        let dropout = sim.beta(0.8, 6.0);
        let nu = sim.gamma(4.0, 100.0);
        let mut day = sim.uniform() * 1095.0;
        let mut k = 0;
        while day < 1095.0 {
            let at = start + chrono::Duration::days(day as i64);
            let amount = ((sim.gamma(6.0, nu) * scale * 100.0).round() as i64).max(1);
            let cost =
                if r.chance(0.8) { format_fen((amount as f64 * (0.5 + 0.2 * r.unit())) as i64) } else { String::new() };
            writeln!(
                out,
                "{id},{at} {:02}:{:02},{},{cost},{},{},{},B{id}-{k}",
                8 + r.below(13),
                r.below(60),
                format_fen(amount),
                r.pick(crate::generate::CATEGORIES),
                r.pick(&channels),
                r.pick(crate::generate::BRANCHES),
            )?;
            n += 1;
            k += 1;
            if sim.uniform() < dropout {
                break;
            }
            day += -sim.uniform().ln() / lambda;
        }
    }
    out.flush()?;
    Ok(n)
}

fn format_fen(f: i64) -> String {
    format!("{}.{:02}", f / 100, f % 100)
}

/// Writes the value benchmark's orders for every customer of the database to `csv` and imports
/// them, printing how long the import took.
pub(crate) async fn import_value_orders(ctx: &Ctx, csv: &std::path::Path, per_customer: f64, seed: u64) -> Result<()> {
    let err = store_err(ctx.lang);
    let customers = ctx.store.count_customers().await.map_err(&err)?;
    let started = Instant::now();
    let mut kinds = Vec::new();
    loop {
        let after = kinds.last().map_or(0, |&(id, _)| id);
        let batch = ctx.store.export_batch(after, 10_000).await.map_err(&err)?;
        if batch.is_empty() {
            break;
        }
        kinds.extend(batch.iter().map(|c| (c.id, c.draft.kind == guanxi_domain::CustomerKind::Organization)));
    }
    let orders = write_value_csv(csv, &kinds, per_customer, seed)?;
    eprintln!("wrote {orders} orders to {} in {:.1} s", csv.display(), started.elapsed().as_secs_f64());
    let started = Instant::now();
    crate::transfer::import(
        ctx,
        crate::transfer::ImportCommand::Orders {
            file: csv.to_path_buf(),
            partial: false,
            mappings: vec![],
            dry_run: false,
            encoding: "auto".into(),
        },
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"bench": "import_orders", "orders": orders, "customers": customers, "seconds": secs,
                           "rows_per_second": orders as f64 / secs})
    );
    Ok(())
}
