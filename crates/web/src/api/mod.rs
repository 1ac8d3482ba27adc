//! The JSON API, `/api/v1`. Every route is registered through `routes!`, so the OpenAPI
//! document is built from the same handlers that serve the requests and cannot drift.
//!
//! Records travel as objects keyed by the domain's field codes (`name`, `phone`, …), the same
//! names the forms and the import use; `tags` is an array of strings and `preferences` an array
//! of `{category, value}`. Errors are `application/problem+json` with a stable `code` and, for
//! validation, one entry per field.

mod approvals;
mod archive;
mod cadences;
mod competitors;
mod customers;
mod letters;
mod notifications;
mod orders;
mod outbox;
mod relationships;
mod sales;
mod schema;
mod settings;
mod standing;
mod tasks;
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
        (name = "tasks", description = "Tasks 待办 and My day 今日"),
        (name = "outbox", description = "The outbox 发件箱: every message that leaves Guanxi"),
        (name = "cadences", description = "Cadences 跟进节奏 and marketing consent"),
        (name = "notifications", description = "Notifications 通知 to the signed-in user"),
    ),
    components(schemas(customers::types::CustomerSummary, users::types::User, orders::types::Order, sales::types::Opportunity)),
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
        .merge(tasks::router())
        .merge(outbox::router())
        .merge(letters::router())
        .merge(approvals::router())
        .merge(cadences::router())
        .merge(notifications::router())
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
        if f.is_one_of(&[Field::Preferences, Field::Tags]) {
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

/// The document as served, finished from what the handlers declare (problem 10 of the
/// reliability review: a client generated from the document did not work):
/// - every error answer is `application/problem+json` with the `Problem` schema, and the errors
///   any operation can give are listed on every operation (not signed in, not allowed, a bad
///   query or body, a body too large or of the wrong type, too many requests, the database
///   busy or away; a record not found on a path with an id);
/// - a property an object does not require may be `null` (that is how the API says "not set");
/// - operation ids are unique (a name two handlers share gets its method and path).
pub fn finish_document(mut doc: Value) -> Value {
    use serde_json::json;
    let problem = json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    let describe = |status: &str| match status {
        "400" => "The request cannot be read (a query parameter, the JSON)",
        "401" => "Not signed in: a missing, unknown, revoked or expired token",
        "403" => "Not allowed for this user or token",
        "404" => "No such record",
        "409" => "In conflict with the record's state (changed meanwhile, already done)",
        "413" => "The body is too large",
        "415" => "The body is not of the type this operation takes",
        "422" => "A field is wrong; each is named in `errors`",
        "429" => "Too many requests; see Retry-After",
        "503" => "The database cannot take the request now (busy, disk full, away); nothing was saved; see Retry-After",
        _ => "Error",
    };
    // Operation ids used more than once.
    let mut seen = std::collections::HashMap::<String, usize>::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    *seen.entry(id.to_string()).or_default() += 1;
                }
            }
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let has_id = path.contains('{');
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                let Some(op) = op.as_object_mut() else { continue };
                if let Some(id) = op.get("operationId").and_then(Value::as_str)
                    && seen.get(id).copied().unwrap_or(0) > 1
                {
                    let words: Vec<&str> =
                        path.split('/').filter(|s| !s.is_empty()).map(|s| s.trim_matches(['{', '}'])).collect();
                    let unique = format!("{method}_{}", words.join("_").replace('-', "_"));
                    op.insert("operationId".into(), Value::String(unique));
                }
                let has_body = op.contains_key("requestBody");
                let responses = op.entry("responses").or_insert_with(|| json!({}));
                let Some(responses) = responses.as_object_mut() else { continue };
                let mut errors = vec!["400", "401", "403", "429", "503"];
                if has_id {
                    errors.push("404");
                }
                if method != "get" {
                    errors.push("409");
                }
                if has_body {
                    errors.extend(["413", "415", "422"]);
                }
                for status in errors {
                    responses.entry(status).or_insert_with(|| json!({"description": describe(status)}));
                }
                for (status, r) in responses.iter_mut() {
                    if status.starts_with('4') || status.starts_with('5') {
                        r["content"] = problem.clone();
                    }
                }
            }
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for schema in schemas.values_mut() {
            nullable_optionals(schema);
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            nullable_optionals(item);
        }
    }
    doc
}

/// In every object schema below `v`, the properties it does not require may also be `null`.
fn nullable_optionals(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let required: Vec<String> = o
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            if let Some(Value::Object(props)) = o.get_mut("properties") {
                for (name, p) in props.iter_mut() {
                    if !required.contains(name) {
                        allow_null(p);
                    }
                }
            }
            for child in o.values_mut() {
                nullable_optionals(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(nullable_optionals),
        _ => {}
    }
}

fn allow_null(p: &mut Value) {
    let Some(o) = p.as_object_mut() else { return };
    if o.contains_key("$ref") {
        let r = o.remove("$ref").unwrap_or_default();
        o.insert("oneOf".into(), serde_json::json!([{"$ref": r}, {"type": "null"}]));
        return;
    }
    match o.get_mut("type") {
        Some(Value::String(t)) if t != "null" => {
            let t = t.clone();
            o.insert("type".into(), serde_json::json!([t, "null"]));
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| t == "null") => ts.push(Value::String("null".into())),
        _ => {}
    }
    if let Some(Value::Array(options)) = o.get_mut("enum")
        && !options.contains(&Value::Null)
    {
        options.push(Value::Null);
    }
}
