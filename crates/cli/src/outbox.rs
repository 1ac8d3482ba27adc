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
    /// Print the letters waiting as a new batch, to one PDF: `guanxi outbox print-letters --out batch.pdf`.
    /// With --batch, print that batch again instead.
    PrintLetters {
        /// Where to write the PDF.
        #[arg(long)]
        out: std::path::PathBuf,
        /// all (letters, then address labels), letters or labels.
        #[arg(long, default_value = "all")]
        part: String,
        /// An existing batch to print again.
        #[arg(long)]
        batch: Option<i64>,
    },
    /// Confirm a batch of letters posted: each is then on its customer's timeline. Letters not
    /// posted go back to the queue: `--not-posted 12,15`.
    Posted {
        batch: i64,
        #[arg(long, value_delimiter = ',')]
        not_posted: Vec<i64>,
    },
    /// Throw an unposted batch of letters away: its letters go back to the queue.
    DiscardBatch { batch: i64 },
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
        OutboxCommand::PrintLetters { out, part, batch } => print_letters(ctx, &out, &part, batch).await,
        OutboxCommand::Posted { batch, not_posted } => {
            let b =
                ctx.store.post_letter_batch(ctx.actor, batch, &not_posted, chrono::Utc::now()).await.map_err(&err)?;
            let n = b.posted_count.unwrap_or(0);
            match ctx.lang {
                Lang::ZhCn => println!("第 {batch} 批：{n} 封已寄出，{} 封回到待打印", b.letters - n),
                Lang::En => println!("batch {batch}: {n} letters posted, {} back in the queue", b.letters - n),
            }
            Ok(())
        }
        OutboxCommand::DiscardBatch { batch } => {
            let n = ctx.store.discard_letter_batch(ctx.actor, batch, chrono::Utc::now()).await.map_err(&err)?;
            match ctx.lang {
                Lang::ZhCn => println!("第 {batch} 批已作废，{n} 封信函回到待打印"),
                Lang::En => println!("batch {batch} thrown away; {n} letters back in the queue"),
            }
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

/// Makes a batch of the letters waiting (or takes `batch`) and writes its PDF to `out`.
async fn print_letters(ctx: &Ctx, out: &std::path::Path, part: &str, batch: Option<i64>) -> Result<()> {
    let err = store_err(ctx.lang);
    let part = guanxi_outbox::letters::Part::parse(part.trim()).ok_or_else(|| {
        UserError(
            ctx.t(
                &format!("--part 应为 all、letters 或 labels，而不是 “{part}”"),
                &format!("--part must be all, letters or labels, not {part:?}"),
            )
            .to_string(),
        )
    })?;
    // No font, no batch: the letters stay waiting until one is installed.
    guanxi_outbox::font::FontFile::locate().map_err(|e| UserError(e.message(ctx.lang)))?;
    let id = match batch {
        Some(id) => id,
        None => match ctx.store.make_letter_batch(ctx.actor, chrono::Utc::now()).await.map_err(&err)? {
            Some(id) => id,
            None => {
                println!("{}", ctx.t("现在没有待打印的信函。", "No letter is waiting to be printed."));
                return Ok(());
            }
        },
    };
    let (b, messages) = ctx.store.letter_batch(id).await.map_err(&err)?;
    let pdf = guanxi_outbox::letters::print_batch(&b, &messages, part, ctx.lang)
        .map_err(|e| UserError(e.message(ctx.lang)))?;
    std::fs::write(out, pdf).map_err(|e| {
        UserError(
            ctx.t(&format!("无法写入 {}：{e}", out.display()), &format!("cannot write {}: {e}", out.display()))
                .to_string(),
        )
    })?;
    match ctx.lang {
        Lang::ZhCn => println!(
            "第 {id} 批：{} 封信函已写入 {}。寄出后确认：guanxi outbox posted {id}",
            messages.len(),
            out.display()
        ),
        Lang::En => println!(
            "batch {id}: {} letters written to {}. Once posted, confirm: guanxi outbox posted {id}",
            messages.len(),
            out.display()
        ),
    }
    Ok(())
}
