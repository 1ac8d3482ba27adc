//! What is added on a customer's page and changed from it: key people, people around, contacts,
//! orders, the relationship stage and level, the share of wallet. A form with an error shows the
//! page again (`archive`) with the error beside its input.

use super::archive::{ArchiveForms, archive_page};
use super::form::{self, Input};
use crate::AppState;
use crate::auth::{Action, Viewer, customer_of, editable_customer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use guanxi_domain::*;
use guanxi_store::{Part, StoreError};

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
