//! The JSON API, `/api/v1`. Every route is registered through `routes!`, so the OpenAPI
//! document is built from the same handlers that serve the requests and cannot drift.
//!
//! Records travel as objects keyed by the domain's field codes (`name`, `phone`, …), the same
//! names the forms and the import use; `tags` is an array of strings and `preferences` an array
//! of `{category, value}`. Errors are `application/problem+json` with a stable `code` and, for
//! validation, one entry per field.

mod archive;
mod competitors;
mod customers;
mod orders;
mod relationships;
mod sales;
mod schema;
mod settings;
mod standing;
mod users;

use crate::AppState;
use crate::error::AppError;
use guanxi_domain::{Field, Raw};
use schema::BearerAuth;
use serde_json::{Map, Value};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Guanxi API",
        description = "The customer archive of Guanxi: customers, their profiles, key people, people around them, preferences, interactions, tags and users. Sign in with an API token: `Authorization: Bearer gx_…` (create one on your account page).",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    tags(
        (name = "customers", description = "Customers 客户 and their profiles"),
        (name = "archive", description = "Key people, people around, interactions"),
        (name = "users", description = "Users (admins) and the caller"),
        (name = "value", description = "Value settings and background recomputes"),
        (name = "sales", description = "Opportunities 商机 through the standard stages"),
        (name = "relationships", description = "Relationships: stage and level, the ten signs, satisfaction and loyalty, competitors"),
    ),
    components(schemas(schema::CustomerSummary, schema::User, schema::Order, schema::Opportunity)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(customers::router())
        .merge(archive::router())
        .merge(orders::router())
        .merge(sales::router())
        .merge(relationships::router())
        .merge(competitors::router())
        .merge(standing::router())
        .merge(users::router())
        .merge(settings::router())
        .split_for_parts()
}

/// Reads a JSON body as an object, with a clear message when it is not one.
pub(crate) fn object(body: &[u8]) -> Result<Map<String, Value>, AppError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(AppError::bad_request("请求体应为 JSON 对象", "The request body must be a JSON object")),
        Err(e) => Err(AppError::bad_request(
            format!("请求体不是有效的 JSON：{e}"),
            format!("The request body is not valid JSON: {e}"),
        )),
    }
}

/// The fields of a JSON object as raw input. Keys must be among `allowed` (or in `extra`, which
/// the caller reads itself); anything else is refused by name rather than silently dropped.
pub(crate) fn raw_fields(obj: &Map<String, Value>, allowed: &[Field], extra: &[&str]) -> Result<Raw, AppError> {
    let mut raw = Raw::new();
    for (key, value) in obj {
        if extra.contains(&key.as_str()) {
            continue;
        }
        let field =
            Field::from_code(key).filter(|f| allowed.contains(f)).ok_or_else(|| AppError::UnknownField(key.clone()))?;
        raw.set(field, text_of(field, value)?);
    }
    Ok(raw)
}

fn text_of(field: Field, value: &Value) -> Result<String, AppError> {
    let wrong = || {
        AppError::bad_request(
            format!("字段 {} 的值类型不对", field.code()),
            format!("Field {} has a value of the wrong type", field.code()),
        )
    };
    Ok(match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if field == Field::Preferences => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => {
                    let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    Ok(format!("{}: {}", part("category"), part("value")))
                }
                _ => Err(wrong()),
            })
            .collect::<Result<Vec<_>, _>>()?
            .join("\n"),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                _ => Err(wrong()),
            })
            .collect::<Result<Vec<_>, _>>()?
            .join(", "),
        Value::Bool(_) | Value::Object(_) => return Err(wrong()),
    })
}

/// A record's fields as JSON: codes as keys, `tags` and `preferences` as arrays.
pub(crate) fn fields_json(
    raw: &Raw,
    prefs: &[guanxi_domain::values::Preference],
    tags: Option<&[String]>,
) -> Map<String, Value> {
    let mut m = Map::new();
    for (f, v) in &raw.0 {
        if matches!(f, Field::Preferences | Field::Tags) {
            continue;
        }
        m.insert(f.code().into(), Value::String(v.clone()));
    }
    m.insert(
        "preferences".into(),
        prefs.iter().map(|p| serde_json::json!({"category": p.category, "value": p.value})).collect(),
    );
    if let Some(tags) = tags {
        m.insert("tags".into(), tags.iter().map(|t| Value::String(t.clone())).collect());
    }
    m
}

pub(crate) fn json(status: axum::http::StatusCode, value: Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, axum::Json(value)).into_response()
}
