//! `guanxi audit`: read the audit log — every change, import and export, sign-ins, failures,
//! blocks, sign-outs and token use — filtered by user, action, record and period.

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use guanxi_domain::Lang;
use guanxi_store::AuditFilter;

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Only what this user did (username).
    #[arg(long)]
    user: Option<String>,
    /// Only this action: login, login_failed, login_blocked, logout, token_used, create, update,
    /// delete, restore, merge, unmerge, import, export…
    #[arg(long)]
    action: Option<String>,
    /// Only this kind of record: customer, user, api_token, order, opportunity…
    #[arg(long)]
    entity: Option<String>,
    /// From this China day (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Up to and including this China day (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// At most this many entries, newest first.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

fn day(ctx: &Ctx, name: &str, v: &Option<String>) -> Result<Option<chrono::NaiveDate>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| {
            UserError(match ctx.lang {
                Lang::ZhCn => format!("--{name}：“{s}” 不是日期（应为 YYYY-MM-DD）"),
                Lang::En => format!("--{name}: {s:?} is not a date (YYYY-MM-DD)"),
            })
            .into()
        }),
    }
}

pub async fn run(ctx: &Ctx, a: AuditArgs) -> Result<()> {
    let from = day(ctx, "from", &a.from)?;
    let to = day(ctx, "to", &a.to)?;
    let filter = AuditFilter {
        user: a.user.clone(),
        action: a.action.clone(),
        entity: a.entity.clone(),
        from: from.map(|d| guanxi_domain::china::end_of_day(d) - chrono::Duration::days(1)),
        until: to.map(guanxi_domain::china::end_of_day),
        before_id: None,
        limit: a.limit.clamp(1, 1000),
    };
    let entries = ctx.store.audit_entries(&filter).await.map_err(store_err(ctx.lang))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(());
    }
    if entries.is_empty() {
        println!("{}", ctx.t("没有符合条件的记录。", "No entry matches."));
    }
    for e in entries {
        let mut line =
            format!("#{} {} {} {} {}", e.id, guanxi_domain::china::minutes(e.at), e.actor, e.action, e.entity);
        if let Some(id) = e.entity_id {
            line.push_str(&format!(" {id}"));
        }
        if let Some(c) = e.customer_id {
            line.push_str(&format!(" ({} {c})", ctx.t("客户", "customer")));
        }
        if let Some(client) = &e.client {
            line.push_str(&format!(" [{client}]"));
        }
        if let Some(n) = &e.note {
            line.push_str(&format!(" — {n}"));
        }
        println!("{line}");
    }
    Ok(())
}
