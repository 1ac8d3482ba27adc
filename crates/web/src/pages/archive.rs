//! The archive page 客户档案: a customer with everything known about them, and each part's form.

use super::form::{self, Input};
use crate::AppState;
use crate::auth::{Action, CustomerPart, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Nav, china_time, render};
use crate::i18n::T;
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use guanxi_domain::values::Preference;
use guanxi_domain::*;
use guanxi_store::{CustomerRecord, StoreError};

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
    tasks: Vec<super::tasks::TaskView>,
    can_add_task: bool,
    show_assignee: bool,
    back: String,
    back_q: String,
    standing: Option<StandingView>,
    referrals: super::referrals::ReferralPart,
    cadences: super::cadences::CustomerPart,
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
    let referrals = super::referrals::referral_part(state, id, forms.referral.as_ref(), T(lang)).await?;
    let cadences = super::cadences::customer_part(state, id, T(lang)).await?;
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
    let today = guanxi_store::today_in_china();
    let task_filter = guanxi_store::TaskFilter { customer_id: Some(id), limit: 50, ..Default::default() };
    let tasks = state.store().tasks(&task_filter).await?;
    let task_names = crate::html::Names::load(state.store()).await?;
    let back = format!("/customers/{id}#tasks");
    let page = ArchivePage {
        tasks: tasks.iter().map(|r| super::tasks::TaskView::new(r, v, &task_names, today)).collect(),
        can_add_task: v.may(Action::CreateTask).is_ok() && r.deleted_at.is_none(),
        show_assignee: true,
        back_q: crate::html::url_encode(&back),
        back,
        can_open_winback: can_open_winback && referrals.winback_case.is_none(),
        referrals,
        cadences,
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
