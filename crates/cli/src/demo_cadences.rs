//! The demo's cadences 跟进节奏: the coffee shop's example with its templates, e-mail consent
//! for most customers who gave an address (signed on the shop's sign-up form), and customers
//! enrolled over the last weeks — so the cadence has a history and its first e-mails wait in
//! the outbox (no e-mail server is set up in the demo: they wait until one is).

use crate::generate::Rng;
use crate::{Ctx, store_err};
use anyhow::Result;
use chrono::{Duration, Utc};
use guanxi_domain::CustomerKind;
use guanxi_domain::cadences::{CadenceDraft, ConsentState, StepDraft, StepKind, TemplateDraft};
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
    thank_you_letters(ctx, manager, now - Duration::minutes(1)).await?;
    // The steps ran on their days, as a server's worker would have run them.
    for day in (0..=8).rev() {
        ctx.store.run_cadence_steps(now - Duration::days(day)).await.map_err(&err)?;
    }
    Ok(enrolled)
}

/// A letter template and a one-step cadence that posts it, with a few organizations in it
/// (their letters consent from the contract): their letters wait at "Letters to print".
async fn thank_you_letters(ctx: &Ctx, manager: Actor, at: chrono::DateTime<Utc>) -> Result<()> {
    let err = store_err(ctx.lang);
    let (name, subject, body) = match ctx.lang {
        guanxi_domain::Lang::ZhCn => (
            "年终感谢信",
            "致{{客户名称}}的感谢信",
            "尊敬的{{客户名称}}：\n\n感谢贵公司一年来的信任与支持。新的一年，我们将继续为您提供更好的产品和服务。\n\n如有任何需要，请随时联系您的客户经理{{负责人}}。\n\n此致\n敬礼",
        ),
        guanxi_domain::Lang::En => (
            "Year-end thank-you letter",
            "A thank-you to {{name}}",
            "Dear {{name}},\n\nThank you for your trust and support this year. We look forward to serving you even better in the year ahead.\n\nWhatever you need, {{owner_name}} is there for you.\n\nWith best regards",
        ),
    };
    let template = TemplateDraft {
        name: name.into(),
        channel: MessageChannel::Letter,
        subject: subject.into(),
        body: body.into(),
        provider_template: None,
    };
    let template = ctx.store.save_template(manager, None, &template).await.map_err(&err)?;
    // An SMS template too (its provider template id as an SMS gateway would have approved it).
    let (sms_name, sms_body) = match ctx.lang {
        guanxi_domain::Lang::ZhCn => ("到店取豆提醒", "{{称呼}}您好，您预订的咖啡豆已到店，欢迎来取。"),
        guanxi_domain::Lang::En => {
            ("In-store reminder (SMS)", "Hello {{honorific}}, the beans you ordered are in: come by any time.")
        }
    };
    let sms = TemplateDraft {
        name: sms_name.into(),
        channel: MessageChannel::Sms,
        subject: String::new(),
        body: sms_body.into(),
        provider_template: Some("SMS_DEMO_001".into()),
    };
    ctx.store.save_template(manager, None, &sms).await.map_err(&err)?;
    let cadence = CadenceDraft {
        name: name.into(),
        description: None,
        exit_on_reply: false,
        exit_on_buy: false,
        exit_on_visit: false,
        steps: vec![StepDraft {
            delay_days: 0,
            kind: StepKind::Letter,
            template_id: Some(template.id),
            task_title: None,
            approve: false,
        }],
        starts_on: None,
        enrol_on: None,
    };
    let cadence = ctx.store.save_cadence(manager, None, &cadence).await.map_err(&err)?;
    let filter = CustomerFilter { kind: Some(CustomerKind::Organization), page: 1, per_page: 8, ..Default::default() };
    let orgs: Vec<i64> = ctx.store.list_customers(&filter).await.map_err(&err)?.items.iter().map(|c| c.id).collect();
    ctx.store
        .record_consents(manager, &orgs, MessageChannel::Letter, ConsentState::Given, "合同约定")
        .await
        .map_err(&err)?;
    ctx.store.enrol(manager, cadence.id, Some(&orgs), None, at).await.map_err(&err)?;
    Ok(())
}
