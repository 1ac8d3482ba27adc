//! Key people, people around, and interactions of a customer.

pub mod types;

use super::schema;
use super::{fields_json, json, object, raw_fields};
use crate::AppState;
use crate::auth::{Viewer, customer_of, editable_customer};
use crate::error::AppError;
use crate::pages::form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guanxi_domain::*;
use guanxi_store::{InteractionRecord, KeyPersonRecord, Part, PersonAroundRecord};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_key_people, add_key_person))
        .routes(routes!(get_key_person, update_key_person, delete_key_person))
        .routes(routes!(restore_key_person))
        .routes(routes!(restore_person_around))
        .routes(routes!(restore_interaction))
        .routes(routes!(list_people_around, add_person_around))
        .routes(routes!(get_person_around, update_person_around, delete_person_around))
        .routes(routes!(list_interactions, add_interaction))
        .routes(routes!(get_interaction, update_interaction, delete_interaction))
}

fn key_person_json(k: &KeyPersonRecord) -> Value {
    let mut m = fields_json(&k.draft.to_fields(), &k.draft.preferences, None);
    m.insert("id".into(), json!(k.id));
    m.insert("customer_id".into(), json!(k.customer_id));
    Value::Object(m)
}

fn around_json(p: &PersonAroundRecord) -> Value {
    let mut m = fields_json(&p.draft.to_fields(), &p.draft.preferences, None);
    m.insert("id".into(), json!(p.id));
    m.insert("customer_id".into(), json!(p.customer_id));
    m.insert("key_person_id".into(), json!(p.key_person_id));
    Value::Object(m)
}

fn interaction_json(i: &InteractionRecord) -> Value {
    let d = &i.draft;
    json!({
        "id": i.id,
        "customer_id": i.customer_id,
        "channel": d.channel.code(),
        "direction": d.direction.code(),
        "occurred_at": d.occurred_at,
        "summary": d.summary,
        "next_step": d.next_step,
        "next_step_on": d.next_step_on,
        "place": d.place,
        "opportunity": d.opportunity_id,
        "response": d.response,
        "feedback": d.feedback,
        "our_participants": i.ours.iter().map(|p| json!({"name": p.name, "user_id": p.user_id})).collect::<Vec<_>>(),
        "their_participants": i.theirs.iter().map(|p| json!({"name": p.name, "key_person_id": p.key_person_id})).collect::<Vec<_>>(),
        "created_by": i.created_by,
        "created_at": i.created_at,
    })
}

/// The fields an interaction takes through the API: the form's, and the deal it was for.
fn interaction_api_fields() -> Vec<Field> {
    form::INTERACTION_FIELDS.iter().copied().chain([Field::Opportunity]).collect()
}

/// A customer's key people
#[utoipa::path(get, path = "/customers/{id}/key-people", tag = "archive", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<types::KeyPerson>), (status = 404, body = schema::Problem)))]
async fn list_key_people(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let list: Vec<Value> = state.store().key_people(id).await?.iter().map(key_person_json).collect();
    Ok(json(StatusCode::OK, Value::Array(list)))
}

/// Add a key person
#[utoipa::path(post, path = "/customers/{id}/key-people", tag = "archive", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::KeyPersonInput,
    responses((status = 201, body = types::KeyPerson), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn add_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let raw = raw_fields(&object(&body)?, form::KEY_PERSON_FIELDS, &[])?;
    let draft = KeyPersonDraft::parse(&raw, guanxi_store::today_in_china())?;
    let kp = state.store().add_key_person(v.actor(), id, &draft).await?;
    let rec = state.store().key_people(id).await?.into_iter().find(|k| k.id == kp).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, key_person_json(&rec)))
}

/// Change a key person (partial)
#[utoipa::path(patch, path = "/key-people/{id}", tag = "archive", params(("id" = i64, Path, description = "Key person id")),
    request_body = types::KeyPersonInput,
    responses((status = 200, body = types::KeyPerson), (status = 422, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn update_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let customer = customer_of(&state, Part::KeyPerson, id).await?;
    editable_customer(&state, &v, customer).await?;
    let changes = raw_fields(&object(&body)?, form::KEY_PERSON_FIELDS, &[])?;
    let current =
        state.store().key_people(customer).await?.into_iter().find(|k| k.id == id).ok_or(AppError::NotFound)?;
    let mut raw = current.draft.to_fields();
    for (f, val) in &changes.0 {
        raw.set(*f, val.clone());
    }
    let draft = KeyPersonDraft::parse(&raw, guanxi_store::today_in_china())?;
    state.store().update_key_person(v.actor(), id, &draft).await?;
    let rec = state.store().key_people(customer).await?.into_iter().find(|k| k.id == id).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, key_person_json(&rec)))
}

/// Remove a key person
#[utoipa::path(delete, path = "/key-people/{id}", tag = "archive", params(("id" = i64, Path, description = "Key person id")),
    responses((status = 204), (status = 404, body = schema::Problem)))]
async fn delete_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    crate::pages::people::remove_part(&state, &v, Part::KeyPerson, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// People around a customer and its key people
#[utoipa::path(get, path = "/customers/{id}/people-around", tag = "archive", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<types::PersonAround>), (status = 404, body = schema::Problem)))]
async fn list_people_around(
    State(state): State<AppState>,
    _v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let list: Vec<Value> = state.store().people_around(id).await?.iter().map(around_json).collect();
    Ok(json(StatusCode::OK, Value::Array(list)))
}

/// Add a person around the customer (or, with key_person_id, around a key person)
#[utoipa::path(post, path = "/customers/{id}/people-around", tag = "archive", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::PersonAroundInput,
    responses((status = 201, body = types::PersonAround), (status = 422, body = schema::Problem)))]
async fn add_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    editable_customer(&state, &v, id).await?;
    let obj = object(&body)?;
    let raw = raw_fields(&obj, form::PERSON_AROUND_FIELDS, &["key_person_id"])?;
    let of = match obj.get("key_person_id") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(other) => {
            return Err(AppError::bad_request(
                format!("key_person_id 的值「{other}」无效"),
                format!("Invalid value {other} for key_person_id"),
            ));
        }
    };
    let draft = PersonAroundDraft::parse(&raw, guanxi_store::today_in_china())?;
    let pid = state.store().add_person_around(v.actor(), id, of, &draft).await?;
    let rec = state.store().people_around(id).await?.into_iter().find(|p| p.id == pid).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, around_json(&rec)))
}

/// Remove a person around
#[utoipa::path(delete, path = "/people-around/{id}", tag = "archive", params(("id" = i64, Path, description = "Person id")),
    responses((status = 204), (status = 404, body = schema::Problem)))]
async fn delete_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    crate::pages::people::remove_part(&state, &v, Part::PersonAround, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A customer's interactions, newest first
#[utoipa::path(get, path = "/customers/{id}/interactions", tag = "archive", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = Vec<types::Interaction>), (status = 404, body = schema::Problem)))]
async fn list_interactions(
    State(state): State<AppState>,
    _v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let list: Vec<Value> = state.store().interactions(id).await?.iter().map(interaction_json).collect();
    Ok(json(StatusCode::OK, Value::Array(list)))
}

/// Log an interaction
///
/// `channel` and `summary` are required; without `our_participants` the caller took part.
#[utoipa::path(post, path = "/customers/{id}/interactions", tag = "archive", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::InteractionInput,
    responses((status = 201, body = types::Interaction), (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn add_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Contact).await?;
    let mut raw = raw_fields(&object(&body)?, &interaction_api_fields(), &[])?;
    if raw.get(Field::OurParticipants).trim().is_empty() {
        raw.set(Field::OurParticipants, v.user.username.clone());
    }
    let draft = InteractionDraft::parse(&raw, chrono::Utc::now(), 8)?;
    let iid = state.store().add_interaction(v.actor(), id, &draft).await?;
    let rec = state.store().interactions(id).await?.into_iter().find(|i| i.id == iid).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::CREATED, interaction_json(&rec)))
}

/// Remove an interaction
#[utoipa::path(delete, path = "/interactions/{id}", tag = "archive", params(("id" = i64, Path, description = "Interaction id")),
    responses((status = 204), (status = 404, body = schema::Problem)))]
async fn delete_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    crate::pages::people::remove_part(&state, &v, Part::Interaction, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Change a person around (partial)
#[utoipa::path(patch, path = "/people-around/{id}", tag = "archive", params(("id" = i64, Path, description = "Person id")),
    request_body = types::PersonAroundInput,
    responses((status = 200, body = types::PersonAround), (status = 422, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn update_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let customer = customer_of(&state, Part::PersonAround, id).await?;
    editable_customer(&state, &v, customer).await?;
    let changes = raw_fields(&object(&body)?, form::PERSON_AROUND_FIELDS, &[])?;
    let current =
        state.store().people_around(customer).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    let mut raw = current.draft.to_fields();
    for (f, val) in &changes.0 {
        raw.set(*f, val.clone());
    }
    let draft = PersonAroundDraft::parse(&raw, guanxi_store::today_in_china())?;
    state.store().update_person_around(v.actor(), id, &draft).await?;
    let rec =
        state.store().people_around(customer).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, around_json(&rec)))
}

/// Correct an interaction (partial)
#[utoipa::path(patch, path = "/interactions/{id}", tag = "archive", params(("id" = i64, Path, description = "Interaction id")),
    request_body = types::InteractionInput,
    responses((status = 200, body = types::Interaction), (status = 422, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn update_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let customer = customer_of(&state, Part::Interaction, id).await?;
    editable_customer(&state, &v, customer).await?;
    let changes = raw_fields(&object(&body)?, &interaction_api_fields(), &[])?;
    let current =
        state.store().interactions(customer).await?.into_iter().find(|i| i.id == id).ok_or(AppError::NotFound)?;
    let mut raw = crate::pages::people::interaction_fields(&current, false);
    for (f, val) in &changes.0 {
        raw.set(*f, val.clone());
    }
    let draft = InteractionDraft::parse(&raw, chrono::Utc::now(), 8)?;
    state.store().update_interaction(v.actor(), id, &draft).await?;
    let rec = state.store().interactions(customer).await?.into_iter().find(|i| i.id == id).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, interaction_json(&rec)))
}

async fn restore(state: &AppState, v: &Viewer, part: Part, id: i64) -> Result<Response, AppError> {
    let customer = customer_of(state, part, id).await?;
    editable_customer(state, v, customer).await?;
    state.store().restore_part(v.actor(), part, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Bring back a removed key person
#[utoipa::path(post, path = "/key-people/{id}/restore", tag = "archive", params(("id" = i64, Path, description = "Key person id")),
    responses((status = 204), (status = 409, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn restore_key_person(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    restore(&state, &v, Part::KeyPerson, id).await
}

/// Bring back a removed person around
#[utoipa::path(post, path = "/people-around/{id}/restore", tag = "archive", params(("id" = i64, Path, description = "Person id")),
    responses((status = 204), (status = 409, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn restore_person_around(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    restore(&state, &v, Part::PersonAround, id).await
}

/// Bring back a removed interaction
#[utoipa::path(post, path = "/interactions/{id}/restore", tag = "archive", params(("id" = i64, Path, description = "Interaction id")),
    responses((status = 204), (status = 409, body = schema::Problem), (status = 404, body = schema::Problem)))]
async fn restore_interaction(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    restore(&state, &v, Part::Interaction, id).await
}

/// Get a key person
#[utoipa::path(get, path = "/key-people/{id}", tag = "archive", params(("id" = i64, Path, description = "Key person id")),
    responses((status = 200, body = types::KeyPerson), (status = 404, body = schema::Problem)))]
async fn get_key_person(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let customer = customer_of(&state, Part::KeyPerson, id).await?;
    let rec = state.store().key_people(customer).await?.into_iter().find(|k| k.id == id).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, key_person_json(&rec)))
}

/// Get a person around
#[utoipa::path(get, path = "/people-around/{id}", tag = "archive", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = types::PersonAround), (status = 404, body = schema::Problem)))]
async fn get_person_around(
    State(state): State<AppState>,
    _v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let customer = customer_of(&state, Part::PersonAround, id).await?;
    let rec =
        state.store().people_around(customer).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, around_json(&rec)))
}

/// Get an interaction
#[utoipa::path(get, path = "/interactions/{id}", tag = "archive", params(("id" = i64, Path, description = "Interaction id")),
    responses((status = 200, body = types::Interaction), (status = 404, body = schema::Problem)))]
async fn get_interaction(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    let customer = customer_of(&state, Part::Interaction, id).await?;
    let rec = state.store().interactions(customer).await?.into_iter().find(|i| i.id == id).ok_or(AppError::NotFound)?;
    Ok(json(StatusCode::OK, interaction_json(&rec)))
}
