//! `guanxi cadence`: the cadences 跟进节奏 with how many are in each, enrolling customers by
//! id, a cadence's report, and running the steps that are due (what a server's worker does).

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use clap::Subcommand;
use guanxi_domain::Lang;

#[derive(Subcommand)]
pub enum CadenceCommand {
    /// List the cadences with their steps and how many customers are in each.
    List,
    /// Enrol customers by id: `guanxi cadence enrol 1 --customers 12,15,18`.
    Enrol {
        id: i64,
        #[arg(long)]
        customers: String,
    },
    /// How a cadence went: enrolled, in it, left and why, each step's messages.
    Report { id: i64 },
    /// Run every step that is due now.
    Run,
}

pub async fn cadence(ctx: &Ctx, c: CadenceCommand) -> Result<()> {
    let err = store_err(ctx.lang);
    match c {
        CadenceCommand::List => {
            let list = ctx.store.cadences().await.map_err(&err)?;
            if list.is_empty() {
                println!("{}", ctx.t("还没有跟进节奏。", "No cadence yet."));
            }
            for k in list {
                let steps: Vec<String> =
                    k.draft.steps.iter().map(|s| format!("+{} {}", s.delay_days, s.kind.label(ctx.lang))).collect();
                match ctx.lang {
                    Lang::ZhCn => println!(
                        "{:>4}  {}  [{}]  进行中 {}，累计 {}",
                        k.id,
                        k.draft.name,
                        steps.join(" → "),
                        k.active,
                        k.enrolled
                    ),
                    Lang::En => println!(
                        "{:>4}  {}  [{}]  in it {}, enrolled {}",
                        k.id,
                        k.draft.name,
                        steps.join(" → "),
                        k.active,
                        k.enrolled
                    ),
                }
            }
            Ok(())
        }
        CadenceCommand::Enrol { id, customers } => {
            let mut ids = Vec::new();
            for part in customers.split(|c: char| c == ',' || c == '，' || c.is_whitespace()).filter(|p| !p.is_empty())
            {
                ids.push(part.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    UserError(match ctx.lang {
                        Lang::ZhCn => format!("--customers：客户编号应是正整数，而不是 “{part}”"),
                        Lang::En => format!("--customers: a customer ID is a positive whole number, not {part:?}"),
                    })
                })?);
            }
            if ids.is_empty() {
                return Err(UserError(
                    ctx.t("--customers：请写下客户编号", "--customers: write the customers' IDs").into(),
                )
                .into());
            }
            let (enrolled, already, unknown) =
                ctx.store.enrol(ctx.actor, id, Some(&ids), None, chrono::Utc::now()).await.map_err(&err)?;
            match ctx.lang {
                Lang::ZhCn => {
                    println!("加入了 {enrolled} 位客户；{already} 位已在其中；{unknown} 个编号没有对应的客户")
                }
                Lang::En => {
                    println!("{enrolled} customers enrolled; {already} already in it; {unknown} IDs are no customer")
                }
            }
            Ok(())
        }
        CadenceCommand::Report { id } => {
            let k = ctx.store.cadence(id).await.map_err(&err)?;
            let r = ctx.store.cadence_report(id).await.map_err(&err)?;
            println!("{}", k.draft.name);
            match ctx.lang {
                Lang::ZhCn => println!("累计加入 {}，进行中 {}，30 天内购买 {}", r.enrolled, r.active, r.bought_within),
                Lang::En => {
                    println!("enrolled {}, in it {}, bought within 30 days {}", r.enrolled, r.active, r.bought_within)
                }
            }
            for (why, n) in &r.left {
                println!("  {} {n}", why.label(ctx.lang));
            }
            for position in 0..k.draft.steps.len() as i32 {
                let none = guanxi_store::StepReport { position, queued: 0, sent: 0, skipped: 0, tasks: 0 };
                let s = r.steps.iter().find(|s| s.position == position).unwrap_or(&none);
                match ctx.lang {
                    Lang::ZhCn => println!(
                        "  第 {} 步：放入发件箱 {}，已发出 {}，跳过 {}，待办 {}",
                        s.position + 1,
                        s.queued,
                        s.sent,
                        s.skipped,
                        s.tasks
                    ),
                    Lang::En => println!(
                        "  step {}: queued {}, sent {}, skipped {}, tasks {}",
                        s.position + 1,
                        s.queued,
                        s.sent,
                        s.skipped,
                        s.tasks
                    ),
                }
            }
            Ok(())
        }
        CadenceCommand::Run => {
            let n = ctx.store.run_cadence_steps(chrono::Utc::now()).await.map_err(&err)?;
            match ctx.lang {
                Lang::ZhCn => println!("运行了 {n} 个到期的步骤"),
                Lang::En => println!("{n} due steps run"),
            }
            Ok(())
        }
    }
}
