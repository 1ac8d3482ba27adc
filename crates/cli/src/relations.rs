//! The demo's relationships: competitors and who engages with them, satisfaction surveys
//! (answered, and a few links still waiting), referrals with their rewards, our share of some
//! organizations' spending, and ten-signs health checks on a few dozen organizations. Each goes
//! in through the store's own write path, as a person's would.

use crate::generate::Rng;
use crate::{Ctx, store_err};
use anyhow::Result;
use chrono::Duration;
use guanxi_domain::competitors::{CompetitorDraft, EngagementDraft, EngagementKind};
use guanxi_domain::health::HealthCheck;
use guanxi_domain::standing::{SurveyAnswers, SurveyRequest};
use guanxi_domain::winback::ReferralDraft;
use guanxi_domain::{Field, Lang, Raw};
use guanxi_store::today_in_china;

const COMPETITORS: &[(&str, &str, &str)] = &[
    ("鼎新科技", "华东最大的同类供应商，价格低", "低价抢量，服务跟不上"),
    ("华信方案", "外资背景，主攻大客户", "以品牌和方案取胜，交付周期长"),
    ("远大供应链", "区域性经销商", "靠老板关系做生意"),
];

const COMMENTS: &[&str] = &["交货比约定晚了几天", "客服回复很及时", "价格偏高", "安装师傅很专业", "希望多些培训"];

fn raw(fields: &[(Field, &str)]) -> Raw {
    let mut r = Raw::new();
    for (f, v) in fields {
        r.set(*f, *v);
    }
    r
}

/// Writes the relationships; returns a sentence of what was written.
pub async fn fill(ctx: &Ctx, r: &mut Rng, buyers: &[i64], organizations: &[i64]) -> Result<String> {
    let err = store_err(ctx.lang);
    let today = today_in_china();
    let store = &ctx.store;
    let mut competitors = Vec::new();
    for (name, situation, analysis) in COMPETITORS {
        let d = CompetitorDraft::parse(&raw(&[
            (Field::Name, name),
            (Field::Situation, situation),
            (Field::Analysis, analysis),
        ]))
        .map_err(|v| anyhow::anyhow!("demo competitor: {v}"))?;
        competitors.push(store.create_competitor(ctx.actor, &d).await.map_err(&err)?);
    }
    let mut engagements = 0;
    for &c in organizations {
        if !r.chance(0.12) {
            continue;
        }
        let kind = *r.pick(&[
            EngagementKind::Talking,
            EngagementKind::Talking,
            EngagementKind::Trial,
            EngagementKind::Signed,
            EngagementKind::Using,
        ]);
        let since = today - Duration::days(30 + r.below(600) as i64);
        let e = EngagementDraft { competitor_id: *r.pick(&competitors), kind, since, note: None };
        let id = store.add_engagement(ctx.actor, c, &e).await.map_err(&err)?;
        if r.chance(0.5) {
            let until = since + Duration::days(10 + r.below(((today - since).num_days() - 10).max(1) as usize) as i64);
            store.end_engagement(ctx.actor, id, until).await.map_err(&err)?;
        }
        engagements += 1;
    }

    let mut surveys = 0;
    for &c in buyers {
        if !r.chance(0.25) {
            continue;
        }
        let satisfied = r.chance(0.75);
        let again = satisfied && r.chance(0.7);
        let friends = again && r.chance(0.5);
        let expectation = 3 + r.below(3);
        let experience =
            (expectation as i64 + if satisfied { r.below(2) as i64 } else { -1 - r.below(2) as i64 }).clamp(1, 5);
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let (e1, e2) = (expectation.to_string(), experience.to_string());
        let mut fields = vec![
            (Field::About, *r.pick(&["order", "order", "visit", "other"])),
            (Field::Satisfied, yes_no(satisfied)),
            (Field::BuyAgain, yes_no(again)),
            (Field::Recommend, yes_no(friends)),
            (Field::Expectation, e1.as_str()),
            (Field::Experience, e2.as_str()),
        ];
        if r.chance(0.4) {
            fields.push((Field::Comment, *r.pick(COMMENTS)));
        }
        let input = raw(&fields);
        let request = SurveyRequest::parse(&input).map_err(|v| anyhow::anyhow!("demo survey: {v}"))?;
        let answers = SurveyAnswers::parse(&input).map_err(|v| anyhow::anyhow!("demo survey: {v}"))?;
        store.record_survey(ctx.actor, c, &request, "form", &answers).await.map_err(&err)?;
        surveys += 1;
        if r.chance(0.05) {
            let link = SurveyRequest::parse(&raw(&[(Field::About, "order")])).map_err(|v| anyhow::anyhow!("{v}"))?;
            store
                .create_survey_link(ctx.actor, c, &link, chrono::Utc::now() + Duration::days(14))
                .await
                .map_err(&err)?;
        }
    }

    let mut referrals = 0;
    if buyers.len() > 1 {
        for _ in 0..buyers.len() / 25 {
            let (referrer, referred) = (*r.pick(buyers), *r.pick(buyers));
            if referrer == referred || store.referrals_of(referred).await.map_err(&err)?.0.is_some() {
                continue;
            }
            let on = (today - Duration::days(r.below(500) as i64)).to_string();
            let id = referrer.to_string();
            let (kind, reward, value) = *r.pick(&[
                ("points", "积分 2000", "200"),
                ("gift", "明前龙井一盒", "188"),
                ("discount", "下单九五折", ""),
                ("recognition", "年度感谢信", ""),
            ]);
            let d = ReferralDraft::parse(
                &raw(&[
                    (Field::Referrer, &id),
                    (Field::ReferredOn, &on),
                    (Field::RewardKind, kind),
                    (Field::Reward, reward),
                    (Field::RewardValue, value),
                ]),
                today,
            )
            .map_err(|v| anyhow::anyhow!("demo referral: {v}"))?;
            store.add_referral(ctx.actor, referred, &d).await.map_err(&err)?;
            referrals += 1;
        }
    }

    let mut checks = 0;
    for &c in organizations.iter().take(organizations.len().min(400)) {
        if r.chance(0.15) {
            store.set_wallet_share(ctx.actor, c, Some(20 + r.below(70) as u8)).await.map_err(&err)?;
        }
        if !r.chance(0.1) {
            continue;
        }
        let signals = store.standing(c).await.map_err(&err)?.inputs.signals;
        // One check or two (the second shows a change on the health list).
        for _ in 0..1 + r.below(2) {
            let pick = |r: &mut Rng| *r.pick(&["yes", "yes", "no", "unknown"]);
            let input =
                raw(&[(Field::ThinksWeAreBest, pick(r)), (Field::BelievesWeHelp, pick(r)), (Field::NeedsUs, pick(r))]);
            let check = HealthCheck::parse(&input, &signals).map_err(|v| anyhow::anyhow!("demo check: {v}"))?;
            store.save_health_check(ctx.actor, c, &check).await.map_err(&err)?;
            checks += 1;
        }
    }
    Ok(match ctx.lang {
        Lang::ZhCn => format!(
            "{} 家竞争对手与 {engagements} 条接触，{surveys} 份满意度调查，{referrals} 条推荐，{checks} 次关系健康检查",
            competitors.len()
        ),
        Lang::En => format!(
            "{} competitors with {engagements} engagements, {surveys} satisfaction surveys, {referrals} referrals, {checks} health checks",
            competitors.len()
        ),
    })
}

/// `guanxi bench relationships` (see its help).
pub async fn bench(
    ctx: &Ctx,
    contacts_per_customer: f64,
    surveyed: f64,
    runs: usize,
    (requests, limit, concurrency): (usize, std::time::Duration, usize),
    seed: u64,
) -> Result<()> {
    use std::time::Instant;
    let err = store_err(ctx.lang);
    let store = &ctx.store;
    let customers = crate::generate::customers_to_measure(ctx).await?;
    let mut r = Rng::new(seed);
    if store.latest_standing_run().await.map_err(&err)?.is_none() {
        let started = Instant::now();
        let (contacts, surveys) = write_bench_data(ctx, &mut r, contacts_per_customer, surveyed).await?;
        println!(
            "{}",
            serde_json::json!({"bench": "relationship_data", "customers": customers, "contacts": contacts,
                               "surveys": surveys, "seconds": started.elapsed().as_secs_f64()})
        );
    }
    for run in 0..runs.max(1) {
        let started = Instant::now();
        let stats = store.recompute_standing(chrono::Utc::now()).await.map_err(&err)?;
        println!(
            "{}",
            serde_json::json!({"bench": "relationship_recompute", "run": run + 1, "seconds": started.elapsed().as_secs_f64(),
                               "stats": stats})
        );
    }
    let served = crate::loadgen::Served::start(ctx).await?;
    let extra = serde_json::json!({"customers": customers});
    let owners: Vec<String> = store
        .users()
        .await
        .map_err(&err)?
        .into_iter()
        .filter(|u| u.username.starts_with("bench.rep") || u.username.contains('.'))
        .map(|u| u.username)
        .collect();
    let mut pages: Vec<String> =
        vec!["/relationships".into(), "/relationships?order=falling".into(), "/relationships?order=unknown".into()];
    pages.extend((2..=20).map(|p| format!("/relationships?page={p}")));
    pages.extend(owners.iter().map(|o| format!("/relationships?owner={o}")));
    served.measure("health_list", pages, requests, limit, concurrency, extra.clone()).await?;
    served
        .measure("quadrant_page", vec!["/relationships/quadrant".into()], requests, limit, concurrency, extra.clone())
        .await?;
    let watched = store.health_list(guanxi_store::HealthOrder::Worst, None, None, 200, 0).await.map_err(&err)?;
    served
        .measure(
            "customer_health_page",
            watched.iter().map(|w| format!("/customers/{}/health", w.customer_id)).collect(),
            requests,
            limit,
            concurrency,
            extra,
        )
        .await?;
    served.finish(ctx).await
}

/// The benchmark's relationship data, written through the bulk imports (contacts, surveys) and
/// the ordinary write path (engagements, referrals, health checks).
async fn write_bench_data(ctx: &Ctx, r: &mut Rng, per_customer: f64, surveyed: f64) -> Result<(usize, usize)> {
    use guanxi_domain::InteractionDraft;
    let err = store_err(ctx.lang);
    let store = &ctx.store;
    let now = chrono::Utc::now();
    let mut competitors = Vec::new();
    for (name, situation, analysis) in COMPETITORS {
        let d = CompetitorDraft::parse(&raw(&[
            (Field::Name, name),
            (Field::Situation, situation),
            (Field::Analysis, analysis),
        ]))
        .map_err(|v| anyhow::anyhow!("bench competitor: {v}"))?;
        competitors.push(store.create_competitor(ctx.actor, &d).await.map_err(&err)?);
    }
    let (mut contacts, mut surveys) = (0, 0);
    let mut ids: Vec<i64> = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.export_batch(after, 10_000).await.map_err(&err)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let mut rows: Vec<(i64, InteractionDraft)> = Vec::new();
        let mut answered = Vec::new();
        for c in &batch {
            ids.push(c.id);
            let n = r.below((2.0 * per_customer).round() as usize + 1);
            for _ in 0..n {
                let at = now - Duration::minutes(r.below(730 * 24 * 60) as i64);
                let channel = *r.pick(&["phone", "phone", "wechat_sms", "face_to_face", "email", "event"]);
                let direction = *r.pick(&["outbound", "outbound", "inbound"]);
                let mut fields =
                    vec![(Field::Channel, channel), (Field::Direction, direction), (Field::Summary, "回访")];
                if direction == "outbound" && matches!(channel, "phone" | "wechat_sms") {
                    fields.push((Field::Response, if r.chance(0.75) { "answered" } else { "no_answer" }));
                }
                let f = r.unit();
                if f < 0.05 {
                    fields.push((Field::Feedback, "criticism"));
                } else if f < 0.08 {
                    fields.push((Field::Feedback, "complaint"));
                }
                let when = at.to_rfc3339();
                fields.push((Field::OccurredAt, when.as_str()));
                let d = InteractionDraft::parse(&raw(&fields), now, 8)
                    .map_err(|v| anyhow::anyhow!("bench contact: {v}"))?;
                rows.push((c.id, d));
            }
            if c.draft.status == guanxi_domain::CustomerStatus::Customer && r.chance(surveyed) {
                let satisfied = r.chance(0.75);
                let e = 3 + r.below(3) as u8;
                let answers = SurveyAnswers {
                    satisfied,
                    buy_again: Some(satisfied && r.chance(0.7)),
                    recommend: Some(satisfied && r.chance(0.4)),
                    expectation: e,
                    experience: if satisfied { e.min(4) + r.below(2) as u8 } else { e - 1 - r.below(2) as u8 },
                    comment: None,
                    respondent: None,
                };
                let request = SurveyRequest { about: guanxi_domain::standing::SurveyAbout::Order, reference: None };
                answered.push((c.id, request, answers, now - Duration::days(r.below(700) as i64)));
            }
        }
        contacts += store.import_interactions(ctx.actor, "guanxi bench relationships", &rows).await.map_err(&err)?;
        surveys += store.import_surveys(ctx.actor, "guanxi bench relationships", &answered).await.map_err(&err)?;
    }
    let today = today_in_china();
    for _ in 0..ids.len() / 100 {
        let kind =
            *r.pick(&[EngagementKind::Talking, EngagementKind::Trial, EngagementKind::Signed, EngagementKind::Using]);
        let e = EngagementDraft {
            competitor_id: *r.pick(&competitors),
            kind,
            since: today - Duration::days(r.below(700) as i64),
            note: None,
        };
        store.add_engagement(ctx.actor, *r.pick(&ids), &e).await.map_err(&err)?;
    }
    for _ in 0..ids.len() / 200 {
        let (referrer, referred) = (*r.pick(&ids), *r.pick(&ids));
        if referrer == referred {
            continue;
        }
        let id = referrer.to_string();
        let d = ReferralDraft::parse(
            &raw(&[(Field::Referrer, &id), (Field::RewardKind, "points"), (Field::RewardValue, "100")]),
            today,
        )
        .map_err(|v| anyhow::anyhow!("bench referral: {v}"))?;
        match store.add_referral(ctx.actor, referred, &d).await {
            Ok(_) | Err(guanxi_store::StoreError::Invalid(_)) => {}
            Err(e) => return Err(err(e)),
        }
    }
    for _ in 0..(ids.len() / 500).max(1) {
        let c = *r.pick(&ids);
        let signals = store.standing(c).await.map_err(&err)?.inputs.signals;
        let pick = |r: &mut Rng| *r.pick(&["yes", "yes", "no", "unknown"]);
        let input =
            raw(&[(Field::ThinksWeAreBest, pick(r)), (Field::BelievesWeHelp, pick(r)), (Field::NeedsUs, pick(r))]);
        let check = HealthCheck::parse(&input, &signals).map_err(|v| anyhow::anyhow!("bench check: {v}"))?;
        store.save_health_check(ctx.actor, c, &check).await.map_err(&err)?;
    }
    Ok((contacts, surveys))
}
