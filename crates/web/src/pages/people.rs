//! The archive page 客户档案 and what is added on it: key people, people around, interactions.

use super::form::{self, Input};
use crate::AppState;
use crate::auth::{Action, CustomerPart, Viewer, customer_of, editable_customer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use guanxi_domain::values::Preference;
use guanxi_domain::*;
use guanxi_store::{CustomerRecord, Part, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/{id}/key-people", post(add_key_person))
        .route("/customers/{id}/people-around", post(add_person_around))
        .route("/customers/{id}/interactions", post(log_interaction))
        .route("/customers/{id}/orders", post(record_order))
        .route("/customers/{id}/relationship", post(move_relationship))
        .route("/customers/{id}/relationship/level", post(confirm_level))
        .route("/customers/{id}/wallet-share", post(set_wallet_share))
        .route("/key-people/{id}", post(update_key_person))
        .route("/key-people/{id}/edit", axum::routing::get(edit_key_person))
        .route("/people-around/{id}", post(update_person_around))
        .route("/people-around/{id}/edit", axum::routing::get(edit_person_around))
        .route("/interactions/{id}", post(update_interaction))
        .route("/interactions/{id}/edit", axum::routing::get(edit_interaction))
        .route("/key-people/{id}/delete", post(delete_key_person))
        .route("/key-people/{id}/restore", post(restore_key_person))
        .route("/people-around/{id}/restore", post(restore_person_around))
        .route("/interactions/{id}/restore", post(restore_interaction))
        .route("/people-around/{id}/delete", post(delete_person_around))
        .route("/interactions/{id}/delete", post(delete_interaction))
}

/// A labelled value on the archive page.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

fn facts(raw: &Raw, skip: &[Field], lang: Lang) -> Vec<Fact> {
    raw.0
        .iter()
        .filter(|(f, v)| !skip.contains(f) && !v.trim().is_empty())
        .map(|(f, v)| Fact { label: f.label(lang), value: f.display(v, lang) })
        .collect()
}

pub struct KeyPersonView {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub role: Option<&'static str>,
    pub attitude: Option<(&'static str, &'static str)>,
    pub facts: Vec<Fact>,
    pub preferences: Vec<Preference>,
}

pub struct AroundView {
    pub id: i64,
    pub name: String,
    pub relation: &'static str,
    pub of: String,
    pub facts: Vec<Fact>,
    pub preferences: Vec<Preference>,
}

pub struct InteractionView {
    pub id: i64,
    pub when: String,
    pub channel: &'static str,
    pub direction: &'static str,
    /// The response to a contact we started, and criticism/complaint/praise, as labels.
    pub marks: Vec<&'static str>,
    pub summary: String,
    pub next_step: Option<String>,
    pub ours: String,
    pub theirs: String,
    pub logged_by: String,
}

/// An order as a line on the archive page.
pub struct OrderView {
    pub when: String,
    pub amount: String,
    pub refund: bool,
    pub what: String,
    pub order_no: String,
}

/// Forms on the archive page that came back with errors, shown open with what was typed.
#[derive(Default)]
pub struct ArchiveForms {
    pub order: Option<(Raw, Validation)>,
    pub key_person: Option<(Raw, Validation)>,
    pub around: Option<(Raw, Validation)>,
    pub interaction: Option<(Raw, Validation)>,
    pub relationship: Option<String>,
    pub competition: Option<String>,
    pub referral: Option<(Raw, Validation)>,
}

/// The customer's standing on their page: the 4R phase and why, the quadrant and what to do,
/// satisfaction and loyalty, the health score.
pub struct StandingView {
    pub phase: &'static str,
    pub why: String,
    pub quadrant: Option<(&'static str, &'static str, &'static str)>,
    pub satisfaction: Option<u8>,
    pub loyalty: Option<u8>,
    pub health: Option<i32>,
    pub health_known: i32,
    pub health_from_check: bool,
    pub wallet_share: String,
}

impl StandingView {
    pub fn new(s: &guanxi_store::StandingRecord, wallet_share: Option<u8>, lang: guanxi_domain::Lang) -> StandingView {
        StandingView {
            phase: s.standing.phase.label(lang),
            why: s.standing.why.describe(lang),
            quadrant: s.standing.quadrant.map(|q| (q.code(), q.label(lang), q.advice(lang))),
            satisfaction: s.standing.satisfaction,
            loyalty: s.standing.loyalty,
            health: s.health_score,
            health_known: s.health_known.unwrap_or(0),
            health_from_check: s.health_checked_at.is_some(),
            wallet_share: wallet_share.map(|w| w.to_string()).unwrap_or_default(),
        }
    }
}

/// A live customer's standing now; `None` for one in the recycle bin or merged away.
pub(crate) async fn live_standing(state: &AppState, id: i64) -> Result<Option<guanxi_store::StandingRecord>, AppError> {
    match state.store().standing(id).await {
        Ok(s) => Ok(Some(s)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A change of the relationship stage, as listed.
pub struct RelationshipView {
    pub when: String,
    pub from: &'static str,
    pub to: &'static str,
    pub why: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    c: Chrome,
    r: CustomerRecord,
    kind: &'static str,
    status: &'static str,
    owner: Option<String>,
    preferences: Vec<Preference>,
    profile: Vec<(&'static str, Vec<Fact>)>,
    key_people: Vec<KeyPersonView>,
    around: Vec<AroundView>,
    interactions: Vec<InteractionView>,
    kp_form: Vec<Input>,
    kp_open: bool,
    around_form: Vec<Input>,
    around_choices: Vec<(String, String)>,
    around_open: bool,
    log_form: Vec<Input>,
    log_open: bool,
    purchase_facts: Vec<Fact>,
    value_facts: Vec<Fact>,
    orders: Vec<OrderView>,
    order_form: Vec<Input>,
    order_open: bool,
    can_order: bool,
    deals: Vec<super::sales::DealView>,
    can_open_deal: bool,
    standing: Option<StandingView>,
    referrals: super::winback::ReferralPart,
    can_open_winback: bool,
    relationship: &'static str,
    relationship_missing: Vec<&'static str>,
    relationship_history: Vec<RelationshipView>,
    relationship_choices: Vec<(String, String)>,
    relationship_error: Option<String>,
    level_proposed: &'static str,
    level_reason: String,
    level_confirmed: Option<String>,
    level_choices: Vec<(String, String, bool)>,
    engagements: Vec<(i64, i64, String, &'static str, String, bool)>,
    competitor_choices: Vec<(String, String)>,
    engagement_kinds: Vec<(String, String)>,
    competition_error: Option<String>,
    can_edit: bool,
    can_log: bool,
    can_restore: bool,
}

impl ArchivePage {
    /// Whether any key person has preferences: an organization's box shows them (issue #22).
    fn people_have_preferences(&self) -> bool {
        self.key_people.iter().any(|k| !k.preferences.is_empty())
    }
}

pub async fn archive_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    forms: ArchiveForms,
) -> Result<Response, AppError> {
    let store = state.store();
    let r = store.customer(id).await?;
    if let Some(into) = r.merged_into_id {
        return Ok(Redirect::to(&format!("/customers/{into}")).into_response());
    }
    let t = T(v.lang());
    let lang = t.lang();
    let fields = r.draft.to_fields();
    let group = |title: &'static str, list: &[Field]| {
        let f: Vec<Fact> =
            facts(&fields, &[], lang).into_iter().filter(|x| list.iter().any(|f| f.label(lang) == x.label)).collect();
        (title, f)
    };
    let mut profile = vec![group(t.contact(), form::CUSTOMER_CONTACT)];
    match r.draft.kind {
        CustomerKind::Individual => {
            profile.push(group(t.profile(), form::INDIVIDUAL_PROFILE));
            profile.push(group(t.psychology(), form::INDIVIDUAL_PSYCHOLOGY));
        }
        CustomerKind::Organization => {
            profile.push(group(t.business(), form::ORGANIZATION_BUSINESS));
            profile.push(group(t.trading(), form::ORGANIZATION_TRADING));
        }
    }
    profile.push(group(
        t.basic(),
        &[Field::Purpose, Field::NeedsOrientation, Field::Source, Field::Tags, Field::ExternalId, Field::Notes],
    ));
    profile.retain(|(_, f)| !f.is_empty());

    let kp = store.key_people(id).await?;
    let key_people: Vec<KeyPersonView> = kp
        .iter()
        .map(|k| {
            let d = &k.draft;
            let title =
                [d.job_title.as_deref(), d.department.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
            KeyPersonView {
                id: k.id,
                name: d.name.clone(),
                title,
                role: d.decision_role.map(|x| x.label(lang)),
                attitude: d.attitude.map(|x| (x.code(), x.label(lang))),
                facts: facts(
                    &d.to_fields(),
                    &[
                        Field::Name,
                        Field::JobTitle,
                        Field::Department,
                        Field::DecisionRole,
                        Field::Attitude,
                        Field::Preferences,
                    ],
                    lang,
                ),
                preferences: d.preferences.clone(),
            }
        })
        .collect();
    let around = store
        .people_around(id)
        .await?
        .into_iter()
        .map(|p| {
            let of = match p.key_person_id.and_then(|k| kp.iter().find(|x| x.id == k)) {
                Some(k) => k.draft.name.clone(),
                None => r.draft.name.clone(),
            };
            AroundView {
                id: p.id,
                name: p.draft.name.clone(),
                relation: p.draft.relation.label(lang),
                of,
                facts: facts(&p.draft.to_fields(), &[Field::Name, Field::Relation, Field::Preferences], lang),
                preferences: p.draft.preferences.clone(),
            }
        })
        .collect();
    // Who logged each contact is shown beside whom they named as taking part (F-11).
    let names = crate::html::Names::load(store).await?;
    let interactions = store
        .interactions(id)
        .await?
        .into_iter()
        .map(|i| InteractionView {
            id: i.id,
            logged_by: names.of_id(i.created_by),
            when: china_time(&i.draft.occurred_at),
            channel: i.draft.channel.label(lang),
            direction: i.draft.direction.label(lang),
            marks: [i.draft.response.map(|r| r.label(lang)), i.draft.feedback.map(|f| f.label(lang))]
                .into_iter()
                .flatten()
                .collect(),
            summary: i.draft.summary.clone(),
            next_step: i.draft.next_step.clone().map(|s| match i.draft.next_step_on {
                Some(d) => format!("{s}{}", T(lang).aside(d)),
                None => s,
            }),
            ours: names.list(i.ours.iter().map(|p| p.name.as_str()), T(lang)),
            theirs: i.theirs.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(T(lang).pick("、", ", ")),
        })
        .collect();

    let (kp_raw, kp_err) = split(forms.key_person);
    let (ar_raw, ar_err) = split(forms.around);
    let (log_raw, log_err) = split(forms.interaction);
    let (order_raw, order_err) = split(forms.order);
    let purchase_facts = match store.rollup(id).await? {
        Some(r) if r.orders > 0 => {
            let money = |fen: i64| format!("{} {}", guanxi_domain::orders::format_money_grouped(fen), t.yuan());
            let mut f = vec![
                Fact { label: t.orders_count(), value: r.orders.to_string() },
                Fact { label: t.purchase_days(), value: r.purchase_days.to_string() },
                Fact { label: t.revenue(), value: money(r.revenue_fen) },
                Fact {
                    label: t.margin(),
                    value: if r.costed_orders > 0 { money(r.margin_fen) } else { t.no_cost().to_string() },
                },
            ];
            if let Some(at) = r.first_order_at {
                f.push(Fact { label: t.first_purchase(), value: china_time(&at) });
            }
            if let Some(at) = r.last_order_at {
                f.push(Fact { label: t.last_purchase(), value: china_time(&at) });
            }
            if let Some(days) = r.rhythm_days {
                f.push(Fact { label: t.rhythm(), value: format!("{days:.1} {}", t.days_unit()) });
            }
            f
        }
        _ => Vec::new(),
    };
    let value_facts = match (store.customer_value(id).await?, store.latest_value_run().await?) {
        (Some(cv), Some(run)) => {
            let money = |fen: i64| format!("{} {}", guanxi_domain::orders::format_money_grouped(fen), t.yuan());
            let rule = store.value_settings().await?.rule(cv.tier);
            let sep = if lang == guanxi_domain::Lang::ZhCn { "、" } else { ", " };
            let mut f = vec![
                Fact { label: t.value_tier(), value: cv.tier.label(lang).to_string() },
                Fact {
                    label: t.approach(),
                    value: rule.approaches.iter().map(|a| a.label(lang)).collect::<Vec<_>>().join(sep),
                },
                Fact { label: t.service_level(), value: rule.service.label(lang).to_string() },
            ];
            if let (Some(score), Some(seg)) = (cv.rfm, cv.segment) {
                f.push(Fact { label: t.rfm(), value: format!("R{} F{} M{}", score.r, score.f, score.m) });
                f.push(Fact { label: t.rfm_segment(), value: seg.label(lang).to_string() });
            }
            if let Some(p) = cv.p_alive {
                f.push(Fact { label: t.p_alive(), value: format!("{:.0}%", p * 100.0) });
            }
            if let Some(e) = cv.expected_purchases {
                f.push(Fact { label: t.expected_purchases(), value: format!("{e:.1}") });
            }
            if let Some(s) = cv.expected_spend_fen {
                f.push(Fact { label: t.expected_spend(), value: money(s) });
            }
            f.push(Fact { label: t.key_score(), value: format!("{:.0} / 100", cv.key_score) });
            let score = |s: Option<f64>| {
                s.map(|s| format!("{:.0} / 100", s * 100.0)).unwrap_or_else(|| t.no_data().to_string())
            };
            f.push(Fact { label: t.repeat_and_tenure(), value: score(cv.non_monetary.loyalty) });
            f.push(Fact { label: t.stability(), value: score(cv.non_monetary.stability) });
            f.push(Fact { label: t.tolerance_feedback_referrals_credit(), value: t.no_data().to_string() });
            f.push(Fact { label: t.clv_history(), value: money(cv.clv_history_fen) });
            if let Some(c) = cv.clv_projected_fen {
                f.push(Fact { label: t.clv_projected(), value: money(c) });
            }
            f.push(Fact { label: t.value_as_of(), value: run.as_of.to_string() });
            f
        }
        _ => Vec::new(),
    };
    let orders = store
        .orders_of(id)
        .await?
        .into_iter()
        .take(20)
        .map(|o| OrderView {
            when: china_time(&o.ordered_at),
            amount: crate::html::yuan(o.amount_fen),
            refund: o.amount_fen < 0,
            what: [o.category.clone(), o.channel.map(|c| c.label(lang).to_string()), o.branch.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            order_no: o.order_no.unwrap_or_default(),
        })
        .collect();
    let log_raw = log_raw.unwrap_or_else(|| Raw::new().with(Field::Channel, Channel::FaceToFace.code()));
    let mut around_choices = vec![(String::new(), format!("{} · {}", t.the_customer(), r.draft.name))];
    around_choices.extend(kp.iter().map(|k| (k.id.to_string(), k.draft.name.clone())));
    let mut log_form = form::inputs(form::INTERACTION_FIELDS, &log_raw, log_err.as_ref(), t);
    form::People::load(store, Some(id)).await?.apply(&mut log_form, t);
    let owner = match r.owner_id {
        Some(o) => Some(store.user_by_id(o).await?.display_name),
        None => None,
    };
    let stalled_days = store.sales_settings().await?.stalled_days;
    let deals = store
        .list_opportunities(&guanxi_store::OpportunityFilter {
            customer_id: Some(id),
            per_page: 100,
            ..Default::default()
        })
        .await?
        .items
        .iter()
        .map(|o| super::sales::deal_view(o, &names, lang, stalled_days))
        .collect();
    let (stage, changes) = store.relationship(id).await?;
    let relationship_history = changes
        .iter()
        .rev()
        .map(|h| RelationshipView {
            when: china_time(&h.changed_at),
            from: h.from.label(lang),
            to: h.to.label(lang),
            why: h.why.clone(),
            by: names.of(&h.changed_by),
        })
        .collect();
    let relationship_choices = guanxi_domain::relationship::RelationshipStage::ALL
        .iter()
        .filter(|s| **s != stage)
        .map(|s| (s.code().to_string(), s.label(lang).to_string()))
        .collect();
    use guanxi_domain::relationship::RelationshipLevel;
    let standing = live_standing(state, id).await?;
    let evidence = standing.as_ref().map(|s| s.inputs.contacts.clone()).unwrap_or_default();
    let proposed = evidence.proposed();
    let wallet_share = store.wallet_share(id).await?;
    let can_open_winback = standing.as_ref().is_some_and(|s| s.inputs.first_order.is_some());
    let standing = standing.map(|s| StandingView::new(&s, wallet_share, lang));
    let referrals = super::winback::referral_part(state, id, forms.referral.as_ref(), T(lang)).await?;
    let (confirmed, level_changes) = store.relationship_level(id).await?;
    let level_confirmed = confirmed.map(|l| match level_changes.last() {
        Some(h) => format!(
            "{}{}",
            l.label(lang),
            T(lang).aside(format!("{} · {}", names.of(&h.changed_by), china_time(&h.changed_at)))
        ),
        None => l.label(lang).to_string(),
    });
    let preselect = confirmed.unwrap_or(proposed);
    let level_choices = RelationshipLevel::ALL
        .iter()
        .map(|l| (l.code().to_string(), l.label(lang).to_string(), *l == preselect))
        .collect();
    let engagements = store
        .engagements_of(id)
        .await?
        .into_iter()
        .map(|e| {
            let when = match e.until {
                Some(u) => format!("{} – {u}", e.since),
                None => format!("{} –", e.since),
            };
            (e.id, e.competitor_id, e.competitor, e.kind.label(lang), when, e.until.is_none())
        })
        .collect();
    let mut competitor_choices = vec![(String::new(), "—".to_string())];
    competitor_choices.extend(store.competitors().await?.into_iter().map(|c| (c.id.to_string(), c.draft.name)));
    let engagement_kinds = guanxi_domain::competitors::EngagementKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), k.label(lang).to_string()))
        .collect();
    let may = |part: CustomerPart| v.may(Action::WriteCustomer { owner: r.owner_id, part }).is_ok();
    let page = ArchivePage {
        can_open_winback: can_open_winback && referrals.winback_case.is_none(),
        referrals,
        standing,
        engagements,
        competitor_choices,
        engagement_kinds,
        competition_error: forms.competition,
        level_proposed: proposed.label(lang),
        level_reason: evidence.reason(lang),
        level_confirmed,
        level_choices,
        relationship: stage.label(lang),
        relationship_missing: stage.missing().iter().map(|m| m.message(lang)).collect(),
        relationship_history,
        relationship_choices,
        relationship_error: forms.relationship,
        deals,
        can_open_deal: v.may(Action::CreateOpportunity).is_ok() && may(CustomerPart::Deal) && r.deleted_at.is_none(),
        kind: r.draft.kind.label(lang),
        status: r.draft.status.label(lang),
        owner,
        preferences: r.draft.preferences.clone(),
        profile,
        key_people,
        around,
        interactions,
        kp_form: form::inputs(form::KEY_PERSON_FIELDS, &kp_raw.unwrap_or_default(), kp_err.as_ref(), t),
        kp_open: kp_err.is_some(),
        around_form: form::inputs(form::PERSON_AROUND_FIELDS, &ar_raw.unwrap_or_default(), ar_err.as_ref(), t),
        around_choices,
        around_open: ar_err.is_some(),
        log_form,
        log_open: log_err.is_some(),
        purchase_facts,
        value_facts,
        orders,
        order_form: form::order_inputs(&order_raw.unwrap_or_default(), order_err.as_ref(), t),
        order_open: order_err.is_some(),
        can_order: may(CustomerPart::Order) && r.deleted_at.is_none(),
        can_edit: v.may(Action::EditCustomer { owner: r.owner_id }).is_ok() && r.deleted_at.is_none(),
        can_log: may(CustomerPart::Contact) && r.deleted_at.is_none(),
        can_restore: v.may(Action::BulkEdit).is_ok() && r.deleted_at.is_some(),
        c: Chrome::new(v, Nav::Customers, done, format!("/customers/{id}")),
        r,
    };
    let failed = page.kp_open
        || page.around_open
        || page.log_open
        || page.order_open
        || page.relationship_error.is_some()
        || page.competition_error.is_some()
        || page.referrals.open;
    let mut resp = render(&page);
    if failed {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

fn split(f: Option<(Raw, Validation)>) -> (Option<Raw>, Option<Validation>) {
    match f {
        Some((r, v)) => (Some(r), Some(v)),
        None => (None, None),
    }
}

async fn add_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = FormData::parse(&body)?.raw(form::KEY_PERSON_FIELDS);
    let result = match KeyPersonDraft::parse(&raw, guanxi_store::today_in_china()) {
        Ok(d) => state.store().add_key_person(v.actor(), id, &d).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{id}?done={}#key-people", Done::Added.code())).into_response()),
        Err(StoreError::Invalid(e)) => {
            archive_page(&state, &v, id, None, ArchiveForms { key_person: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let raw = form.raw(form::PERSON_AROUND_FIELDS);
    let of = match form.get("key_person_id").trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| {
            AppError::bad_request(format!("关键人物编号「{s}」无效"), format!("Invalid key person id {s:?}"))
        })?),
    };
    let result = match PersonAroundDraft::parse(&raw, guanxi_store::today_in_china()) {
        Ok(d) => state.store().add_person_around(v.actor(), id, of, &d).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/customers/{id}?done={}#people-around", Done::Added.code())).into_response())
        }
        Err(StoreError::Invalid(e)) => {
            archive_page(&state, &v, id, None, ArchiveForms { around: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn log_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Contact).await?;
    let mut raw = FormData::parse(&body)?.raw(form::INTERACTION_FIELDS);
    if raw.get(Field::OurParticipants).trim().is_empty() {
        raw.set(Field::OurParticipants, v.user.username.clone());
    }
    let result = match InteractionDraft::parse(&raw, chrono::Utc::now(), 8) {
        Ok(d) => state.store().add_interaction(v.actor(), id, &d).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/customers/{id}?done={}#interactions", Done::Logged.code())).into_response())
        }
        Err(StoreError::Invalid(e)) => {
            archive_page(&state, &v, id, None, ArchiveForms { interaction: Some((raw, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "part_form.html")]
struct PartForm {
    c: Chrome,
    title: &'static str,
    action: String,
    anchor: &'static str,
    customer_id: i64,
    customer: String,
    inputs: Vec<Input>,
}

/// An interaction's fields as a user would type them; `for_form` gives the time as China-time
/// `YYYY-MM-DDTHH:MM` for a datetime input, otherwise RFC 3339.
pub(crate) fn interaction_fields(i: &guanxi_store::InteractionRecord, for_form: bool) -> Raw {
    let d = &i.draft;
    let at = if for_form {
        guanxi_domain::china::local(d.occurred_at).format("%Y-%m-%dT%H:%M").to_string()
    } else {
        d.occurred_at.to_rfc3339()
    };
    let mut raw = Raw::new()
        .with(Field::Channel, d.channel.code())
        .with(Field::Direction, d.direction.code())
        .with(Field::OccurredAt, at)
        .with(Field::Summary, d.summary.clone())
        .with(Field::OurParticipants, d.our_participants.join(", "))
        .with(Field::TheirParticipants, d.their_participants.join(", "));
    if let Some(n) = &d.next_step {
        raw.set(Field::NextStep, n.clone());
    }
    if let Some(on) = d.next_step_on {
        raw.set(Field::NextStepOn, on.to_string());
    }
    if let Some(p) = &d.place {
        raw.set(Field::Place, p.clone());
    }
    if let Some(o) = d.opportunity_id {
        raw.set(Field::Opportunity, o.to_string());
    }
    if let Some(r) = d.response {
        raw.set(Field::Response, r.code());
    }
    if let Some(f) = d.feedback {
        raw.set(Field::Feedback, f.code());
    }
    raw
}

fn part_meta(part: Part, t: T) -> (&'static str, &'static str, &'static str, &'static [Field]) {
    match part {
        Part::KeyPerson => (t.key_people(), "key-people", "key-people", form::KEY_PERSON_FIELDS),
        Part::PersonAround => (t.people_around(), "people-around", "people-around", form::PERSON_AROUND_FIELDS),
        Part::Interaction => (t.interactions(), "interactions", "interactions", form::INTERACTION_FIELDS),
    }
}

/// The fields a key person, person around or interaction has now.
async fn part_fields(state: &AppState, part: Part, customer: i64, id: i64) -> Result<Raw, AppError> {
    let store = state.store();
    let found = match part {
        Part::KeyPerson => {
            store.key_people(customer).await?.into_iter().find(|k| k.id == id).map(|k| k.draft.to_fields())
        }
        Part::PersonAround => {
            store.people_around(customer).await?.into_iter().find(|p| p.id == id).map(|p| p.draft.to_fields())
        }
        Part::Interaction => {
            store.interactions(customer).await?.into_iter().find(|i| i.id == id).map(|i| interaction_fields(&i, true))
        }
    };
    found.ok_or(AppError::NotFound)
}

async fn part_form(
    state: &AppState,
    v: &Viewer,
    part: Part,
    id: i64,
    raw: Option<Raw>,
    errors: Option<&Validation>,
) -> Result<Response, AppError> {
    let customer_id = customer_of(state, part, id).await?;
    let customer = editable_customer(state, v, customer_id).await?;
    let t = T(v.lang());
    let (title, path, anchor, fields) = part_meta(part, t);
    let raw = match raw {
        Some(r) => r,
        None => part_fields(state, part, customer_id, id).await?,
    };
    let mut inputs = form::inputs(fields, &raw, errors, t);
    form::People::load(state.store(), Some(customer_id)).await?.apply(&mut inputs, t);
    let page = PartForm {
        c: Chrome::new(v, Nav::Customers, None, format!("/{path}/{id}/edit")),
        title,
        action: format!("/{path}/{id}"),
        anchor,
        customer_id,
        customer: customer.draft.name,
        inputs,
    };
    let mut r = render(&page);
    if errors.is_some() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn update_part(state: &AppState, v: &Viewer, part: Part, id: i64, body: &[u8]) -> Result<Response, AppError> {
    let customer = customer_of(state, part, id).await?;
    editable_customer(state, v, customer).await?;
    let t = T(v.lang());
    let (_, _, anchor, fields) = part_meta(part, t);
    let raw = FormData::parse(body)?.raw(fields);
    let today = guanxi_store::today_in_china();
    let store = state.store();
    let result = match part {
        Part::KeyPerson => match KeyPersonDraft::parse(&raw, today) {
            Ok(d) => store.update_key_person(v.actor(), id, &d).await,
            Err(e) => Err(StoreError::Invalid(e)),
        },
        Part::PersonAround => match PersonAroundDraft::parse(&raw, today) {
            Ok(d) => store.update_person_around(v.actor(), id, &d).await,
            Err(e) => Err(StoreError::Invalid(e)),
        },
        Part::Interaction => match InteractionDraft::parse(&raw, chrono::Utc::now(), 8) {
            Ok(d) => store.update_interaction(v.actor(), id, &d).await,
            Err(e) => Err(StoreError::Invalid(e)),
        },
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/customers/{customer}?done={}#{anchor}", Done::Saved.code())).into_response())
        }
        Err(StoreError::Invalid(e)) => part_form(state, v, part, id, Some(raw), Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_key_person(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    part_form(&state, &v, Part::KeyPerson, id, None, None).await
}

async fn update_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    update_part(&state, &v, Part::KeyPerson, id, &body).await
}

async fn edit_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    part_form(&state, &v, Part::PersonAround, id, None, None).await
}

async fn update_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    update_part(&state, &v, Part::PersonAround, id, &body).await
}

async fn edit_interaction(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    part_form(&state, &v, Part::Interaction, id, None, None).await
}

async fn update_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    update_part(&state, &v, Part::Interaction, id, &body).await
}

/// Records one order for `customer` from the fields typed (time defaults to now): the order
/// stored and whether it is new, or what is wrong with the fields. An order number already in
/// use is a conflict unless it is this customer's own and the viewer may change the customer.
pub(crate) async fn write_order(
    state: &AppState,
    v: &Viewer,
    customer: i64,
    fields: &Raw,
) -> Result<Result<(guanxi_store::OrderRecord, bool), Validation>, AppError> {
    let record = state.store().customer(customer).await?;
    let mut raw = fields.clone().with(Field::Id, customer.to_string());
    if raw.get(Field::OrderedAt).trim().is_empty() {
        raw.set(Field::OrderedAt, chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    }
    let draft = match guanxi_domain::orders::OrderDraft::parse(&raw, chrono::Utc::now()) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let may_update = v.may(Action::EditCustomer { owner: record.owner_id }).is_ok();
    Ok(Ok(state.store().record_order(v.actor(), customer, &draft, may_update).await?))
}

async fn record_order(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Order).await?;
    let raw = FormData::parse(&body)?.raw(form::ORDER_FIELDS);
    let written = match write_order(&state, &v, id, &raw).await {
        // An order number in use: said beside the field, with what was typed kept.
        Err(AppError::Store(guanxi_store::StoreError::Conflict { .. })) => {
            let mut e = Validation::default();
            e.push(Field::OrderNo, raw.get(Field::OrderNo), guanxi_domain::Problem::Taken);
            Err(e)
        }
        other => other?,
    };
    match written {
        Ok(_) => {
            Ok(Redirect::to(&format!("/customers/{id}?done={}#purchases", Done::OrderRecorded.code())).into_response())
        }
        Err(e) => {
            archive_page(&state, &v, id, None, ArchiveForms { order: Some((raw, e)), ..Default::default() }).await
        }
    }
}

async fn delete_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    removed(&state, &v, Part::KeyPerson, id, "key-people").await
}

async fn delete_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    removed(&state, &v, Part::PersonAround, id, "people-around").await
}

async fn delete_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    removed(&state, &v, Part::Interaction, id, "interactions").await
}

async fn restore_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    restored(&state, &v, Part::KeyPerson, id, "key-people").await
}

async fn restore_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    restored(&state, &v, Part::PersonAround, id, "people-around").await
}

async fn restore_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    restored(&state, &v, Part::Interaction, id, "interactions").await
}

async fn restored(state: &AppState, v: &Viewer, part: Part, id: i64, anchor: &str) -> Result<Response, AppError> {
    let customer = customer_of(state, part, id).await?;
    editable_customer(state, v, customer).await?;
    state.store().restore_part(v.actor(), part, id).await?;
    Ok(Redirect::to(&format!("/customers/{customer}?done={}#{anchor}", Done::Restored.code())).into_response())
}

async fn removed(state: &AppState, v: &Viewer, part: Part, id: i64, anchor: &str) -> Result<Response, AppError> {
    let customer = remove_part(state, v, part, id).await?;
    Ok(Redirect::to(&format!("/customers/{customer}?done={}#{anchor}", Done::Removed.code())).into_response())
}

/// Removes a key person, person around or interaction if the viewer may edit its customer;
/// returns the customer.
pub(crate) async fn remove_part(state: &AppState, v: &Viewer, part: Part, id: i64) -> Result<i64, AppError> {
    let customer = customer_of(state, part, id).await?;
    editable_customer(state, v, customer).await?;
    state.store().delete_part(v.actor(), part, id).await?;
    Ok(customer)
}

/// Moves the customer's relationship to another stage, with why.
async fn move_relationship(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = FormData::parse(&body)?.raw(&[Field::RelationshipStage, Field::Why]);
    let (from, _) = state.store().relationship(id).await?;
    let result = match guanxi_domain::relationship::StageMove::parse(&raw, from) {
        Ok(m) => state.store().set_relationship(v.actor(), id, &m).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{id}?done=saved#relationship")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let forms = ArchiveForms { relationship: Some(e.message(v.lang())), ..Default::default() };
            archive_page(&state, &v, id, None, forms).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Records our share of the customer's spending (0–100; empty clears it).
async fn set_wallet_share(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    match guanxi_domain::sales::parse_percent(Field::WalletShare, form.get("wallet_share")) {
        Ok(share) => {
            state.store().set_wallet_share(v.actor(), id, share).await?;
            Ok(Redirect::to(&format!("/customers/{id}?done=saved#relationship")).into_response())
        }
        Err(e) => {
            let forms =
                ArchiveForms { relationship: Some(Validation(vec![e]).message(v.lang())), ..Default::default() };
            archive_page(&state, &v, id, None, forms).await
        }
    }
}

/// A person confirms the relationship level (the proposal, or their own judgment).
async fn confirm_level(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let form = FormData::parse(&body)?;
    let text = form.get("relationship_level");
    let Some(level) = guanxi_domain::relationship::RelationshipLevel::parse(text) else {
        let allowed = guanxi_domain::relationship::RelationshipLevel::codes().iter().map(|c| c.to_string()).collect();
        let e = Validation::one(Field::RelationshipLevel, text, Problem::UnknownChoice { allowed });
        let forms = ArchiveForms { relationship: Some(e.message(v.lang())), ..Default::default() };
        return archive_page(&state, &v, id, None, forms).await;
    };
    state.store().confirm_level(v.actor(), id, level, form.get("why").trim()).await?;
    Ok(Redirect::to(&format!("/customers/{id}?done=saved#relationship")).into_response())
}
