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
    let customers = ctx.store.count_customers().await.map_err(&err)?;
    if customers == 0 {
        return Err(UserError(ctx.t("数据库里没有客户", "the database has no customers").into()).into());
    }
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
