//! `guanxi outbox`: what is waiting, sent or failed in the outbox 发件箱; send a failed message
//! again or cancel one; send what is due now (what a server's worker does every few seconds).

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use clap::Subcommand;
use guanxi_domain::Lang;
use guanxi_domain::outbox::MessageState;
use guanxi_store::{OutboxFilter, OutboxMessage};

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// List messages, newest first: `guanxi outbox list --state failed`.
    List {
        /// queued, sending, sent, failed or cancelled.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Send a failed message again, with a fresh set of attempts (a queued one: now).
    Retry { id: i64 },
    /// Cancel a message that has not gone yet.
    Cancel { id: i64 },
    /// Send every message that is due now, then say how it went.
    Send,
}

fn line(m: &OutboxMessage, lang: Lang) -> String {
    let what = if m.subject.is_empty() { m.body.chars().take(40).collect() } else { m.subject.clone() };
    let mut s = format!(
        "{:>6}  {:<8}  {:<6}  {}/{}  {}  → {}",
        m.id,
        m.state.label(lang),
        m.channel.label(lang),
        m.attempts,
        m.max_attempts,
        what,
        m.recipient
    );
    if let Some(e) = m.last_error.as_ref().filter(|_| m.state != MessageState::Sent) {
        s.push_str(&format!("  ({e})"));
    }
    s
}

pub async fn outbox(ctx: &Ctx, c: OutboxCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        OutboxCommand::List { state, limit, json } => {
            let state = match state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(MessageState::parse(s).ok_or_else(|| {
                    UserError(match ctx.lang {
                        Lang::ZhCn => format!("--state 应为 {} 之一，而不是 “{s}”", MessageState::codes().join("、")),
                        Lang::En => format!("--state must be one of {}, not {s:?}", MessageState::codes().join(", ")),
                    })
                })?),
            };
            let f = OutboxFilter { state, page: 1, per_page: limit.clamp(1, 500), ..Default::default() };
            let (list, total) = ctx.store.messages(&f).await.map_err(&err)?;
            if json {
                println!("{}", serde_json::json!({"items": list, "total": total}));
                return Ok(());
            }
            if list.is_empty() {
                println!("{}", ctx.t("发件箱里没有这样的消息。", "No such message in the outbox."));
            }
            for m in &list {
                println!("{}", line(m, ctx.lang));
            }
            Ok(())
        }
        OutboxCommand::Retry { id } => {
            let m = ctx.store.retry_message(ctx.actor, id).await.map_err(&err)?;
            println!("{}{}", ctx.t("已重新排队：", "queued again: "), line(&m, ctx.lang));
            Ok(())
        }
        OutboxCommand::Cancel { id } => {
            let m = ctx.store.cancel_message(ctx.actor, id).await.map_err(&err)?;
            println!("{}{}", ctx.t("已取消：", "cancelled: "), line(&m, ctx.lang));
            Ok(())
        }
        OutboxCommand::Send => {
            let worker = format!("guanxi-cli-{}", std::process::id());
            let n = guanxi_outbox::send_due(&ctx.store, &worker, chrono::Utc::now(), None).await.map_err(&err)?;
            let counts = ctx.store.outbox_counts().await.map_err(&err)?;
            let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{} {n}", s.label(ctx.lang))).collect();
            match ctx.lang {
                Lang::ZhCn => println!("处理了 {n} 条消息；发件箱：{}", summary.join("，")),
                Lang::En => println!("{n} messages handled; the outbox: {}", summary.join(", ")),
            }
            Ok(())
        }
    }
}
