//! `guanxi bench outbox` and `guanxi bench enrol`: the outbox's delivery rate to an SMTP server
//! on this machine (messages written, then sent by the worker as `guanxi serve` sends them),
//! and enrolling a customer list's filter in a cadence at scale.

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use guanxi_domain::outbox::{EmailSettings, MessageChannel, MessageDraft, MessagePurpose, SmtpSecurity};
use guanxi_store::{Actor, CustomerFilter};
use std::time::Instant;

/// Writes `messages` e-mails to the outbox (one transaction each, as causes write them), then
/// times the worker sending them all to the SMTP server at `smtp` (host:port, no TLS).
pub async fn outbox(ctx: &Ctx, smtp: &str, messages: usize) -> Result<()> {
    let err = store_err(ctx.lang);
    let (host, port) = smtp.rsplit_once(':').ok_or_else(|| UserError("--smtp HOST:PORT".into()))?;
    let settings = EmailSettings {
        host: host.into(),
        port: port.parse().map_err(|_| UserError(format!("--smtp: not a port: {port}")))?,
        security: SmtpSecurity::Plain,
        username: None,
        password: None,
        from_address: "bench@guanxi.example.com".into(),
        from_name: None,
    };
    ctx.store.save_email_settings(Actor::SYSTEM, &settings).await.map_err(&err)?;
    let run = std::process::id();
    let started = Instant::now();
    for i in 0..messages {
        let d = MessageDraft {
            channel: MessageChannel::Email,
            purpose: MessagePurpose::Service,
            customer_id: None,
            user_id: None,
            recipient: format!("bench{i}@example.com"),
            recipient_name: "基准".into(),
            subject: format!("基准邮件 {i}"),
            body: "您好：这是一封基准测试邮件。\n".repeat(10),
            cause: "bench".into(),
            cause_id: None,
            key: format!("bench:{run}:{i}"),
            not_before: None,
            template_ref: None,
            params: Vec::new(),
        };
        ctx.store.enqueue_message(Actor::SYSTEM, &d).await.map_err(&err)?;
    }
    let written = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let sent = guanxi_outbox::send_due(&ctx.store, "bench", chrono::Utc::now(), None).await.map_err(&err)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"bench": "outbox", "messages": messages, "write_seconds": written,
            "written_per_second": messages as f64 / written, "sent": sent, "send_seconds": secs,
            "sent_per_second": sent as f64 / secs})
    );
    Ok(())
}

/// Enrols every customer `owner` looks after (the whole archive without one) in the coffee
/// shop's cadence (made if missing) and times it; then times running the steps due a week on.
pub async fn enrol(ctx: &Ctx, owner: Option<String>) -> Result<()> {
    let err = store_err(ctx.lang);
    let cadence = match ctx.store.cadences().await.map_err(&err)?.into_iter().next() {
        Some(c) => c,
        None => ctx.store.create_example_cadence(Actor::SYSTEM, ctx.lang).await.map_err(&err)?,
    };
    let filter = CustomerFilter { owner, page: 1, per_page: 1, ..Default::default() };
    let started = Instant::now();
    let (enrolled, already, _) =
        ctx.store.enrol(Actor::SYSTEM, cadence.id, None, Some(&filter), chrono::Utc::now()).await.map_err(&err)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"bench": "enrol", "enrolled": enrolled, "already": already, "seconds": secs,
            "per_second": enrolled as f64 / secs})
    );
    Ok(())
}
