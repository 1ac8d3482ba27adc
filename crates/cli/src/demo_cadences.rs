//! The demo's cadences 跟进节奏: the coffee shop's example with its templates, e-mail consent
//! for most customers who gave an address (signed on the shop's sign-up form), and customers
//! enrolled over the last weeks — so the cadence has a history and its first e-mails wait in
//! the outbox (no e-mail server is set up in the demo: they wait until one is).

use crate::generate::Rng;
use crate::{Ctx, store_err};
use anyhow::Result;
use chrono::{Duration, Utc};
use guanxi_domain::CustomerKind;
use guanxi_domain::cadences::ConsentState;
use guanxi_domain::outbox::MessageChannel;
use guanxi_store::{Actor, CustomerFilter};

/// Writes the demo's cadence; returns how many customers are in it.
pub async fn fill(ctx: &Ctx, r: &mut Rng) -> Result<u64> {
    let err = store_err(ctx.lang);
    let manager = ctx.store.user_by_username("zhang.wei").await.map_err(&err)?.map_or(Actor::SYSTEM, |u| Actor(u.id));
    if ctx
        .store
        .cadences()
        .await
        .map_err(&err)?
        .iter()
        .any(|c| c.draft.name.contains("咖啡") || c.draft.name.contains("Coffee"))
    {
        return Ok(0);
    }
    let cadence = ctx.store.create_example_cadence(manager, ctx.lang).await.map_err(&err)?;
    let filter = CustomerFilter { kind: Some(CustomerKind::Individual), page: 1, per_page: 500, ..Default::default() };
    let mut with_email = Vec::new();
    for c in ctx.store.list_customers(&filter).await.map_err(&err)?.items {
        if c.email.is_some() {
            with_email.push(c.id);
        }
    }
    // Nine in ten signed the sign-up form's consent; the rest never said.
    let consenting: Vec<i64> = with_email.iter().copied().filter(|_| !r.chance(0.1)).collect();
    ctx.store
        .record_consents(manager, &consenting, MessageChannel::Email, ConsentState::Given, "门店登记表签字同意")
        .await
        .map_err(&err)?;
    // Enrolled over the last days: some have had their day-7 greeting, some get it soon.
    let now = Utc::now();
    let mut enrolled = 0;
    for (i, chunk) in with_email.chunks(6).take(6).enumerate() {
        let at = now - Duration::days([1, 3, 5, 6, 8, 8][i]);
        enrolled += ctx.store.enrol(manager, cadence.id, Some(chunk), None, at).await.map_err(&err)?.0;
    }
    // The steps ran on their days, as a server's worker would have run them.
    for day in (0..=8).rev() {
        ctx.store.run_cadence_steps(now - Duration::days(day)).await.map_err(&err)?;
    }
    Ok(enrolled)
}
