//! `guanxi task`: list, add, done, reopen — tasks 待办 from the command line.

use crate::{Ctx, UserError, parse_assignments, store_err};
use anyhow::Result;
use clap::Subcommand;
use guanxi_domain::tasks::{TaskDone, TaskDraft};
use guanxi_domain::{Channel, Field, Lang};
use guanxi_store::{Actor, TaskFilter, TaskRecord, TaskState, today_in_china};

#[derive(Subcommand)]
pub enum TaskCommand {
    /// List open tasks, the earliest due first: the acting user's (`--as li.na`), a colleague's
    /// (`--who wang.qiang`), a customer's (`--customer 12`), or everyone's without `--as`.
    List {
        #[arg(long)]
        who: Option<String>,
        #[arg(long)]
        customer: Option<i64>,
        /// Done ones instead, the latest done first.
        #[arg(long)]
        done: bool,
    },
    /// Add a task: `guanxi --as li.na task add task_title=电话回访 customer=12 due_on=2026-12-08
    /// due_time=14:30 task_kind=call` (assignee=USERNAME gives it to someone else).
    Add { fields: Vec<String> },
    /// Mark a task done: `guanxi --as li.na task done 7 --result "约好下周面谈" --log`
    /// (--log also records it as a contact with the customer; --channel phone|face_to_face|…).
    Done {
        id: i64,
        #[arg(long)]
        result: Option<String>,
        #[arg(long)]
        log: bool,
        #[arg(long)]
        channel: Option<String>,
    },
    /// Open a done task again.
    Reopen { id: i64 },
}

fn line(t: &TaskRecord, lang: Lang) -> String {
    let due = match t.due_time {
        Some(at) => format!("{} {}", t.due_on, at.format("%H:%M")),
        None => t.due_on.to_string(),
    };
    let mut s = format!("{:>6}  {due:<16}  {:<6}  {}  @{}", t.id, t.kind.label(lang), t.title, t.assignee);
    if let (Some(id), Some(name)) = (t.customer_id, &t.customer_name) {
        s.push_str(&format!("  [{id} {name}]"));
    }
    if t.done_at.is_some() {
        s.push_str(&format!("  ✓ {}", t.result.as_deref().unwrap_or("")));
    }
    s
}

pub async fn task(ctx: &Ctx, c: TaskCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        TaskCommand::List { who, customer, done } => {
            let assignees = match who {
                Some(name) => match ctx.store.user_by_username(&name).await.map_err(&err)? {
                    Some(u) => Some(vec![u.id]),
                    None => {
                        return Err(UserError(match ctx.lang {
                            Lang::ZhCn => format!("--who：没有用户 “{name}”"),
                            Lang::En => format!("--who: no user {name:?}"),
                        })
                        .into());
                    }
                },
                None if customer.is_some() || ctx.actor == Actor::SYSTEM => None,
                None => Some(vec![ctx.actor.0]),
            };
            let f = TaskFilter {
                assignees,
                customer_id: customer,
                state: if done { TaskState::Done } else { TaskState::Open },
                limit: 1000,
                ..Default::default()
            };
            let list = ctx.store.tasks(&f).await.map_err(&err)?;
            if list.is_empty() {
                println!("{}", ctx.t("没有待办。", "No task."));
            }
            for t in &list {
                println!("{}", line(t, ctx.lang));
            }
            Ok(())
        }
        TaskCommand::Add { fields } => {
            let raw = parse_assignments(&fields, ctx.lang)?;
            let d = TaskDraft::parse(&raw, today_in_china()).map_err(|v| UserError(v.message(ctx.lang)))?;
            if ctx.actor == Actor::SYSTEM && d.assignee.is_none() {
                return Err(UserError(
                    ctx.t(
                        "待办要有执行人：用 --as 用户名 指明是谁的待办，或写 assignee=用户名",
                        "a task needs someone to do it: say who with --as USERNAME, or write assignee=USERNAME",
                    )
                    .to_string(),
                )
                .into());
            }
            let t = ctx.store.create_task(ctx.actor, &d).await.map_err(&err)?;
            println!("{}{}", ctx.t("已新建待办：", "task created: "), line(&t, ctx.lang));
            Ok(())
        }
        TaskCommand::Done { id, result, log, channel } => {
            let channel = match channel {
                Some(c) => Some(Channel::parse(&c).ok_or_else(|| {
                    UserError(
                        guanxi_domain::FieldError::new(
                            Field::Channel,
                            &c,
                            guanxi_domain::Problem::UnknownChoice {
                                allowed: Channel::codes().iter().map(|s| s.to_string()).collect(),
                            },
                        )
                        .message(ctx.lang),
                    )
                })?),
                None => None,
            };
            let d = TaskDone { result, log_contact: log, channel };
            let t = ctx.store.finish_task(ctx.actor, id, &d).await.map_err(&err)?;
            println!("{}{}", ctx.t("待办已完成：", "task done: "), line(&t, ctx.lang));
            Ok(())
        }
        TaskCommand::Reopen { id } => {
            let t = ctx.store.reopen_task(ctx.actor, id).await.map_err(&err)?;
            println!("{}{}", ctx.t("已重新打开：", "opened again: "), line(&t, ctx.lang));
            Ok(())
        }
    }
}
