//! A customer's orders and purchase rollup.

pub mod types;

use super::schema;
use super::{json, object, raw_fields};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use guanxi_store::OrderRecord;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(all))
}

/// All orders, newest first
///
/// Filtered by China day (`from`, `to`, inclusive), `channel`, `branch` and `category`; with the
/// count and revenue (fen) of everything that matches. Past 100,000 matches the count is capped
/// (`total_capped`) and `revenue_fen` is null. Each order carries `customer_name`.
#[utoipa::path(get, path = "/orders", tag = "customers", params(crate::pages::orders::OrderQuery),
    responses((status = 200, body = types::OrderList), (status = 400, body = schema::Problem)))]
async fn all(
    State(state): State<AppState>,
    _v: Viewer,
    axum::extract::Query(q): axum::extract::Query<crate::pages::orders::OrderQuery>,
) -> Result<Response, AppError> {
    let list = state.store().list_orders(&q.filter()?).await?;
    let items: Vec<Value> = list
        .page
        .items
        .iter()
        .map(|l| {
            let mut o = order_json(&l.order);
            o["customer_name"] = json!(l.customer_name);
            o
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({"items": items, "total": list.page.total, "total_capped": list.page.total_capped,
               "page": list.page.page, "per_page": list.page.per_page, "revenue_fen": list.revenue_fen}),
    ))
}

fn order_json(o: &OrderRecord) -> Value {
    json!({
        "id": o.id, "customer_id": o.customer_id, "ordered_at": o.ordered_at,
        "amount_fen": o.amount_fen, "cost_fen": o.cost_fen, "category": o.category,
        "sales_channel": o.channel.map(|c| c.code()), "branch": o.branch, "order_no": o.order_no,
        "created_at": o.created_at,
    })
}

/// A customer's orders (newest first) and purchase rollup
#[utoipa::path(get, path = "/customers/{id}/orders", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    responses((status = 200, body = types::CustomerOrders), (status = 404, body = schema::Problem)))]
async fn list(State(state): State<AppState>, _v: Viewer, Path(id): Path<i64>) -> Result<Response, AppError> {
    state.store().customer(id).await?;
    let orders: Vec<Value> = state.store().orders_of(id).await?.iter().map(order_json).collect();
    let rollup = state.store().rollup(id).await?;
    Ok(json(StatusCode::OK, json!({"rollup": rollup, "orders": orders})))
}

/// Record an order for the customer
///
/// `amount` in yuan as text or number (negative for a refund); `ordered_at` defaults to now.
/// Recording creates an order (201). An `order_no` already in use is refused with 409 — unless
/// it is this customer's own order and the caller may change this customer, when that order is
/// updated (200): a till may send the same sale twice. An order never moves to another customer
/// here. Each write is in the customer's history with the order's id, before and after.
#[utoipa::path(post, path = "/customers/{id}/orders", tag = "customers", params(("id" = i64, Path, description = "Guanxi ID")),
    request_body = types::OrderInput,
    responses((status = 201, body = types::Order), (status = 200, body = types::Order), (status = 409, body = schema::Problem),
        (status = 422, body = schema::Problem), (status = 403, body = schema::Problem)))]
async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::auth::writable_customer(&state, &v, id, crate::auth::CustomerPart::Order).await?;
    let raw = raw_fields(&object(&body)?, form::ORDER_FIELDS, &[])?;
    let (order, created) = crate::pages::people::write_order(&state, &v, id, &raw).await??;
    Ok(json(if created { StatusCode::CREATED } else { StatusCode::OK }, order_json(&order)))
}
