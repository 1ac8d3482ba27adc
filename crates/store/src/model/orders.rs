//! The store's types for orders and purchase rollups.

use super::Page;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRecord {
    pub id: i64,
    pub customer_id: i64,
    pub ordered_at: DateTime<Utc>,
    pub amount_fen: i64,
    pub cost_fen: Option<i64>,
    pub category: Option<String>,
    pub channel: Option<guanxi_domain::SalesChannel>,
    pub branch: Option<String>,
    pub order_no: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A customer's purchases in brief, kept current with every order write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollup {
    pub customer_id: i64,
    pub first_order_at: Option<DateTime<Utc>>,
    pub last_order_at: Option<DateTime<Utc>>,
    pub orders: i64,
    /// Calendar days (China time) with at least one order.
    pub purchase_days: i64,
    pub revenue_fen: i64,
    /// Orders whose cost is known.
    pub costed_orders: i64,
    /// Revenue minus cost over the orders whose cost is known.
    pub margin_fen: i64,
    /// Mean days between purchase days; None with fewer than two.
    pub rhythm_days: Option<f64>,
}

/// Where an import's orders come from, a batch at a time, so a file of millions of orders is
/// never held whole (`guanxi import orders` reads and validates the next rows of its file).
pub trait OrderBatches: Send {
    /// The next well-formed rows, (line, order); `None` at the end.
    fn next_batch(&mut self) -> Option<Vec<(usize, guanxi_domain::orders::OrderDraft)>>;
    /// Whether what was read so far may still be committed: false once the source found a row
    /// or a file error that stops the import. Once false, no more batches are asked for and
    /// nothing is written.
    fn may_commit(&self) -> bool;
    /// How long an import on SQLite may hold the only writer before it commits what it wrote
    /// so far (three seconds; tests make it zero to commit after every batch).
    fn window(&self) -> std::time::Duration {
        crate::sqlite::ops::WINDOW
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Which orders a list shows: China days from/to (inclusive), a sales channel, a branch and a
/// product category (exact), newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub channel: Option<guanxi_domain::SalesChannel>,
    pub branch: Option<String>,
    pub category: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

/// An order in a list, with its customer's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderLine {
    pub order: OrderRecord,
    pub customer_name: String,
}

/// A page of orders with the count and revenue of everything the filter matches (counted up to
/// `ORDER_COUNT_LIMIT`; beyond that the count is capped and the revenue is not summed).
#[derive(Debug, Clone, Serialize)]
pub struct OrderPage {
    pub page: Page<OrderLine>,
    pub revenue_fen: Option<i64>,
}

/// How many orders a list counts and sums before it says "100,000+".
pub const ORDER_COUNT_LIMIT: i64 = 100_000;
