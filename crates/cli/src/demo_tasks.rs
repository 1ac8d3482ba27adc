//! The demo's tasks 待办: for each demo user, a few overdue, several due today and some in the
//! days ahead, for customers they look after — so that My day has work on it at first start —
//! and a few already done. The same seed gives the same tasks.

use crate::generate::{DEMO_USERS, Rng};
use crate::{Ctx, store_err};
use anyhow::Result;
use chrono::{Duration, NaiveDate};
use guanxi_domain::Field;
use guanxi_domain::Raw;
use guanxi_domain::tasks::{TaskDone, TaskDraft};
use guanxi_store::{Actor, CustomerFilter};

const TASKS: &[(&str, &str)] = &[
    ("电话回访，确认上次报价的反馈", "call"),
    ("上门拜访，演示新功能", "visit"),
    ("寄送样品和产品手册", "send"),
    ("送节日礼品", "gift"),
    ("确认合同条款的修改意见", "call"),
    ("邀请参加新品品鉴会", "call"),
    ("整理客户的需求清单", "other"),
    ("回访售后服务的满意度", "call"),
];

/// Days from today each user's tasks are due: two overdue, three today, three ahead.
const DUE: &[i64] = &[-3, -1, 0, 0, 0, 1, 3, 6];

/// Writes the demo's tasks; returns how many.
pub async fn fill(ctx: &Ctx, r: &mut Rng, today: NaiveDate) -> Result<usize> {
    let err = store_err(ctx.lang);
    let mut n = 0;
    for (username, ..) in DEMO_USERS {
        let Some(user) = ctx.store.user_by_username(username).await.map_err(&err)? else { continue };
        let filter = CustomerFilter { owner: Some(username.to_string()), page: 1, per_page: 40, ..Default::default() };
        let customers: Vec<i64> =
            ctx.store.list_customers(&filter).await.map_err(&err)?.items.iter().map(|c| c.id).collect();
        for (i, due) in DUE.iter().enumerate() {
            let (title, kind) = *r.pick(TASKS);
            let mut raw = Raw::new()
                .with(Field::TaskTitle, title)
                .with(Field::TaskKind, kind)
                .with(Field::DueOn, (today + Duration::days(*due)).to_string());
            if i % 3 == 1 {
                raw.set(Field::DueTime, format!("{:02}:30", 9 + r.below(8)));
            }
            if !customers.is_empty() && i != 6 {
                raw.set(Field::Customer, r.pick(&customers).to_string());
            }
            let Ok(draft) = TaskDraft::parse(&raw, today) else { continue };
            let task = ctx.store.create_task(Actor(user.id), &draft).await.map_err(&err)?;
            n += 1;
            // One of the week's tasks already done, with what came of it.
            if i == 0 && task.customer_id.is_some() {
                let done =
                    TaskDone {
                        result: Some("客户很满意，约好下个月再聊".into()), log_contact: true, channel: None
                    };
                ctx.store.finish_task(Actor(user.id), task.id, &done).await.map_err(&err)?;
            }
        }
    }
    n += manager_given(ctx, today).await?;
    Ok(n)
}

/// The manager gives each sales rep a task: it rings their bell at first start.
async fn manager_given(ctx: &Ctx, today: NaiveDate) -> Result<usize> {
    let err = store_err(ctx.lang);
    let Some(manager) = ctx.store.user_by_username("zhang.wei").await.map_err(&err)? else { return Ok(0) };
    let mut n = 0;
    for (username, _, role, _) in DEMO_USERS {
        if *role != guanxi_domain::Role::SalesRep || ctx.store.user_by_username(username).await.map_err(&err)?.is_none()
        {
            continue;
        }
        let raw = Raw::new()
            .with(Field::TaskTitle, "整理本季度重点客户的拜访计划，周五前发我")
            .with(Field::TaskKind, "other")
            .with(Field::DueOn, (today + Duration::days(2)).to_string())
            .with(Field::Assignee, *username);
        let Ok(draft) = TaskDraft::parse(&raw, today) else { continue };
        ctx.store.create_task(Actor(manager.id), &draft).await.map_err(&err)?;
        n += 1;
    }
    Ok(n)
}
