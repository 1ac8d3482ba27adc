//! `guanxi bench today`: My day 今日 at scale. On a database with customers (the import
//! benchmark's million), gives each demo user tasks around today unless they have some, then
//! measures /today over HTTP for a sales rep (their customers), a manager (their team's) and an
//! admin (everyone's): tasks due, birthdays of the week, customers due for a visit, stalled deals
//! and win-back cases.

use crate::generate::{DEMO_USERS, Rng, ensure_users};
use crate::loadgen::Served;
use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use chrono::Duration;
use guanxi_domain::tasks::TaskDraft;
use guanxi_domain::{Field, Raw};
use guanxi_store::{Actor, CustomerFilter, TaskFilter, today_in_china};

pub async fn run(ctx: &Ctx, tasks_per_user: usize, load: (usize, std::time::Duration, usize), seed: u64) -> Result<()> {
    let err = store_err(ctx.lang);
    let customers = crate::generate::customers_to_measure(ctx).await?;
    ensure_users(ctx).await?;
    let today = today_in_china();
    let mut r = Rng::new(seed);
    let mut written = 0;
    for (username, ..) in DEMO_USERS {
        let Some(user) = ctx.store.user_by_username(username).await.map_err(&err)? else { continue };
        let has = TaskFilter { assignees: Some(vec![user.id]), limit: 1, ..Default::default() };
        if !ctx.store.tasks(&has).await.map_err(&err)?.is_empty() {
            continue;
        }
        let owned = CustomerFilter { owner: Some(username.to_string()), page: 1, per_page: 200, ..Default::default() };
        let ids: Vec<i64> = ctx.store.list_customers(&owned).await.map_err(&err)?.items.iter().map(|c| c.id).collect();
        for i in 0..tasks_per_user {
            let mut raw = Raw::new()
                .with(Field::TaskTitle, format!("基准待办 {i}"))
                .with(Field::DueOn, (today + Duration::days(r.below(16) as i64 - 5)).to_string());
            if !ids.is_empty() {
                raw.set(Field::Customer, r.pick(&ids).to_string());
            }
            let d = TaskDraft::parse(&raw, today).map_err(|v| UserError(v.message(ctx.lang)))?;
            ctx.store.create_task(Actor(user.id), &d).await.map_err(&err)?;
            written += 1;
        }
    }
    println!("{}", serde_json::json!({"bench": "today_setup", "customers": customers, "tasks_written": written}));
    let (requests, limit, concurrency) = load;
    let extra = serde_json::json!({"customers": customers});
    for (name, username) in [("today_rep", "li.na"), ("today_manager", "zhang.wei")] {
        let Some(user) = ctx.store.user_by_username(username).await.map_err(&err)? else { continue };
        let served = Served::start_as(ctx, &user).await?;
        served.measure(name, vec!["/today".into()], requests, limit, concurrency, extra.clone()).await?;
        served.finish(ctx).await?;
    }
    let served = Served::start(ctx).await?;
    served.measure("today_admin", vec!["/today".into()], requests, limit, concurrency, extra).await?;
    served.finish(ctx).await
}

/// `guanxi bench reminders` (see its help).
pub async fn reminders(
    ctx: &Ctx,
    csv: &std::path::Path,
    per_customer: f64,
    visited: usize,
    runs: usize,
    seed: u64,
) -> Result<()> {
    let err = store_err(ctx.lang);
    let customers = crate::generate::customers_to_measure(ctx).await?;
    ensure_users(ctx).await?;
    if ctx.store.latest_value_run().await.map_err(&err)?.is_none() {
        crate::bench_orders::import_value_orders(ctx, csv, per_customer, seed).await?;
        let started = std::time::Instant::now();
        let (_, assessed) = ctx.store.assess_today(Actor::SYSTEM).await.map_err(&err)?;
        println!(
            "{}",
            serde_json::json!({"bench": "reminders_value_run", "customers": assessed,
                               "seconds": started.elapsed().as_secs_f64()})
        );
    }
    // A face-to-face contact 100 days ago for some of each user's customers, once.
    let mut r = Rng::new(seed);
    let mut logged = 0;
    let met = chrono::Utc::now() - Duration::days(100);
    for (username, ..) in DEMO_USERS {
        let owned = CustomerFilter { owner: Some(username.to_string()), page: 1, per_page: 500, ..Default::default() };
        let page = ctx.store.list_customers(&owned).await.map_err(&err)?;
        if page.items.is_empty() {
            continue;
        }
        let first = page.items[0].id;
        if !ctx.store.interactions(first).await.map_err(&err)?.is_empty() {
            continue;
        }
        let ids: Vec<i64> = page.items.iter().map(|c| c.id).collect();
        let rows: Vec<(i64, guanxi_domain::InteractionDraft)> = (0..visited)
            .map(|_| {
                let d = guanxi_domain::InteractionDraft::message(
                    guanxi_domain::Channel::FaceToFace,
                    guanxi_domain::Direction::Outbound,
                    met,
                    "拜访".into(),
                );
                (*r.pick(&ids), d)
            })
            .collect();
        for chunk in rows.chunks(5_000) {
            logged +=
                ctx.store.import_interactions(Actor::SYSTEM, "guanxi bench reminders", chunk).await.map_err(&err)?;
        }
    }
    println!("{}", serde_json::json!({"bench": "reminders_setup", "customers": customers, "visits_logged": logged}));
    let mut times = Vec::new();
    let mut scheduled = 0;
    for _ in 0..runs.max(1) {
        let started = std::time::Instant::now();
        scheduled = ctx.store.sweep_reminders(chrono::Utc::now()).await.map_err(&err)?;
        times.push(started.elapsed().as_secs_f64());
    }
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let started = std::time::Instant::now();
    let told = ctx.store.send_reminder_digests(chrono::Utc::now()).await.map_err(&err)?;
    let digest = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"bench": "reminder_sweep", "customers": customers, "scheduled": scheduled,
                           "seconds": times, "median_seconds": sorted[sorted.len() / 2],
                           "digests": told, "digest_seconds": digest})
    );
    Ok(())
}
