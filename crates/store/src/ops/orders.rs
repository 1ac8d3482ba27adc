//! Orders and the per-customer rollups that every order write keeps current.

use super::{Pool, Row, Tx, audit, corrupt, now};
use crate::{Actor, OrderOutcome, OrderRecord, PurchaseDays, Rollup, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::orders::{CustomerRef, OrderDraft};
use guanxi_domain::{Field, Problem, SalesChannel, Validation};
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap};

use guanxi_domain::china::day as china_day;

fn order_from_row(r: &Row) -> Result<OrderRecord, StoreError> {
    let channel: Option<String> = r.try_get("channel")?;
    Ok(OrderRecord {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        ordered_at: r.try_get("ordered_at")?,
        amount_fen: r.try_get("amount_fen")?,
        cost_fen: r.try_get("cost_fen")?,
        category: r.try_get("category")?,
        channel: channel.map(|c| SalesChannel::parse(&c).ok_or_else(|| corrupt("channel", &c))).transpose()?,
        branch: r.try_get("branch")?,
        order_no: r.try_get("order_no")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The live customer an order names, following merges.
async fn resolve(tx: &mut Tx<'_>, c: &CustomerRef) -> Result<Option<i64>, StoreError> {
    let row = match c {
        CustomerRef::Id(id) => {
            sqlx::query("SELECT id, merged_into_id, deleted_at IS NULL FROM customers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
        }
        CustomerRef::External(e) => {
            sqlx::query(
                "SELECT id, merged_into_id, deleted_at IS NULL FROM customers WHERE external_id = $1 \
                 AND deleted_at IS NULL ORDER BY id LIMIT 1",
            )
            .bind(e)
            .fetch_optional(&mut **tx)
            .await?
        }
        CustomerRef::Phone(p) => {
            sqlx::query(
                "SELECT id, merged_into_id, deleted_at IS NULL FROM customers WHERE phone = $1 \
                 AND deleted_at IS NULL ORDER BY id LIMIT 1",
            )
            .bind(p.as_str())
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    let Some(row) = row else { return Ok(None) };
    let merged: Option<i64> = row.try_get(1)?;
    let live: bool = row.try_get(2)?;
    Ok(match merged {
        Some(into) => Some(into),
        None if live => Some(row.try_get(0)?),
        None => None,
    })
}

fn unknown_customer(c: &CustomerRef) -> Validation {
    let mut v = Validation::default();
    match c {
        CustomerRef::Id(id) => v.push(Field::Id, &id.to_string(), Problem::NoSuchRecord),
        CustomerRef::External(e) => v.push(Field::ExternalId, e, Problem::NoSuchRecord),
        CustomerRef::Phone(p) => v.push(Field::Phone, p.as_str(), Problem::NoSuchRecord),
    }
    v
}

/// Recomputes a customer's rollup from its orders.
pub(crate) async fn refresh_rollup(tx: &mut Tx<'_>, customer_id: i64) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT ordered_at, amount_fen, cost_fen FROM orders WHERE customer_id = $1 AND deleted_at IS NULL \
         ORDER BY ordered_at",
    )
    .bind(customer_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut revenue = 0i64;
    let mut margin = 0i64;
    let mut costed = 0i64;
    let mut days = BTreeSet::new();
    let mut first: Option<DateTime<Utc>> = None;
    let mut last: Option<DateTime<Utc>> = None;
    for r in &rows {
        let at: DateTime<Utc> = r.try_get(0)?;
        let amount: i64 = r.try_get(1)?;
        let cost: Option<i64> = r.try_get(2)?;
        revenue += amount;
        if let Some(c) = cost {
            margin += amount - c;
            costed += 1;
        }
        days.insert(china_day(at));
        first.get_or_insert(at);
        last = Some(at);
    }
    let rhythm = match (days.first(), days.last()) {
        (Some(a), Some(b)) if days.len() > 1 => Some((*b - *a).num_days() as f64 / (days.len() - 1) as f64),
        _ => None,
    };
    sqlx::query("DELETE FROM customer_rollups WHERE customer_id = $1").bind(customer_id).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO customer_rollups (customer_id, first_order_at, last_order_at, orders, purchase_days, \
         revenue_fen, costed_orders, margin_fen, rhythm_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(customer_id)
    .bind(first)
    .bind(last)
    .bind(rows.len() as i64)
    .bind(days.len() as i64)
    .bind(revenue)
    .bind(costed)
    .bind(margin)
    .bind(rhythm)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes orders in one transaction: each names a live customer (by id, external id or phone;
/// unknown ones are reported by line); an order whose number is already stored updates it.
/// Rollups of every customer touched are recomputed before the commit. The import is audited
/// as one entry. Returns the rows the store refused; the caller decides whether to commit
/// anyway (`partial`).
pub async fn import_orders(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[(usize, OrderDraft)],
    partial: bool,
) -> Result<(OrderOutcome, Vec<(usize, Validation)>), StoreError> {
    let mut tx = pool.begin().await?;
    let mut outcome = OrderOutcome::default();
    let mut refused = Vec::new();
    let mut touched = BTreeSet::new();
    let mut resolved: HashMap<String, Option<i64>> = HashMap::new();
    for (line, o) in rows {
        let key = serde_json::to_string(&o.customer).unwrap_or_default();
        let customer = match resolved.get(&key) {
            Some(c) => *c,
            None => {
                let c = resolve(&mut tx, &o.customer).await?;
                resolved.insert(key, c);
                c
            }
        };
        let Some(customer) = customer else {
            refused.push((*line, unknown_customer(&o.customer)));
            continue;
        };
        let existing = match &o.order_no {
            Some(no) => {
                sqlx::query("SELECT * FROM orders WHERE order_no = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1")
                    .bind(no)
                    .fetch_optional(&mut *tx)
                    .await?
                    .as_ref()
                    .map(order_from_row)
                    .transpose()?
            }
            None => None,
        };
        match existing {
            Some(e)
                if e.customer_id == customer
                    && e.ordered_at == o.ordered_at
                    && e.amount_fen == o.amount_fen
                    && e.cost_fen == o.cost_fen
                    && e.category == o.category
                    && e.channel == o.channel
                    && e.branch == o.branch =>
            {
                outcome.unchanged += 1;
            }
            Some(e) => {
                sqlx::query(
                    "UPDATE orders SET customer_id = $1, ordered_at = $2, amount_fen = $3, cost_fen = $4, \
                     category = $5, channel = $6, branch = $7 WHERE id = $8",
                )
                .bind(customer)
                .bind(o.ordered_at)
                .bind(o.amount_fen)
                .bind(o.cost_fen)
                .bind(&o.category)
                .bind(o.channel.map(|c| c.code()))
                .bind(&o.branch)
                .bind(e.id)
                .execute(&mut *tx)
                .await?;
                touched.insert(e.customer_id);
                touched.insert(customer);
                outcome.updated += 1;
            }
            None => {
                sqlx::query(
                    "INSERT INTO orders (customer_id, ordered_at, amount_fen, cost_fen, category, channel, branch, \
                     order_no, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(customer)
                .bind(o.ordered_at)
                .bind(o.amount_fen)
                .bind(o.cost_fen)
                .bind(&o.category)
                .bind(o.channel.map(|c| c.code()))
                .bind(&o.branch)
                .bind(&o.order_no)
                .bind(actor.0)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                touched.insert(customer);
                outcome.created += 1;
            }
        }
    }
    if !refused.is_empty() && !partial {
        tx.rollback().await?;
        return Ok((OrderOutcome::default(), refused));
    }
    for c in &touched {
        refresh_rollup(&mut tx, *c).await?;
    }
    let note = format!(
        "{source}: {} created, {} updated, {} unchanged, {} refused",
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        refused.len()
    );
    let after = serde_json::to_value(&outcome).ok();
    audit(&mut tx, actor, "import", "orders", None, None, None, after.as_ref(), Some(&note)).await?;
    tx.commit().await?;
    Ok((outcome, refused))
}

/// A customer's orders, newest first.
pub async fn orders_of(pool: &Pool, customer_id: i64) -> Result<Vec<OrderRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM orders WHERE customer_id = $1 AND deleted_at IS NULL ORDER BY ordered_at DESC, id DESC",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(order_from_row).collect()
}

pub async fn rollup(pool: &Pool, customer_id: i64) -> Result<Option<Rollup>, StoreError> {
    let row = sqlx::query("SELECT * FROM customer_rollups WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_optional(pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Rollup {
        customer_id: r.try_get("customer_id")?,
        first_order_at: r.try_get("first_order_at")?,
        last_order_at: r.try_get("last_order_at")?,
        orders: r.try_get("orders")?,
        purchase_days: r.try_get("purchase_days")?,
        revenue_fen: r.try_get("revenue_fen")?,
        costed_orders: r.try_get("costed_orders")?,
        margin_fen: r.try_get("margin_fen")?,
        rhythm_days: r.try_get("rhythm_days")?,
    }))
}

/// Every live customer's purchase days before `until`, by customer id; a day's amount is the
/// sum of its orders.
pub async fn purchase_days(pool: &Pool, until: DateTime<Utc>) -> Result<Vec<PurchaseDays>, StoreError> {
    let rows = sqlx::query(
        "SELECT o.customer_id, o.ordered_at, o.amount_fen FROM orders o JOIN customers c ON c.id = o.customer_id \
         WHERE o.deleted_at IS NULL AND c.deleted_at IS NULL AND o.ordered_at < $1 ORDER BY o.customer_id, o.ordered_at",
    )
    .bind(until)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<PurchaseDays> = Vec::new();
    for r in &rows {
        let customer_id: i64 = r.try_get(0)?;
        let day = china_day(r.try_get(1)?);
        let amount: i64 = r.try_get(2)?;
        match out.last_mut() {
            Some(p) if p.customer_id == customer_id => match p.days.last_mut() {
                Some((d, a)) if *d == day => *a += amount,
                _ => p.days.push((day, amount)),
            },
            _ => out.push(PurchaseDays { customer_id, days: vec![(day, amount)] }),
        }
    }
    Ok(out)
}

/// Customers with a rhythm (two purchase days or more) whose last order is more than `factor`
/// times their rhythm ago, biggest buyers first.
pub async fn overdue(
    pool: &Pool,
    now: DateTime<Utc>,
    factor: f64,
    limit: i64,
) -> Result<Vec<crate::OverdueRow>, StoreError> {
    let days_since = match super::DIALECT {
        crate::Dialect::Sqlite => "(julianday($1) - julianday(r.last_order_at))",
        crate::Dialect::Postgres => "(EXTRACT(EPOCH FROM ($1 - r.last_order_at)) / 86400.0)",
    };
    let sql = format!(
        "SELECT r.customer_id, c.name, r.rhythm_days, CAST({days_since} AS DOUBLE PRECISION) AS since, r.revenue_fen, \
         r.last_order_at FROM customer_rollups r JOIN customers c ON c.id = r.customer_id \
         WHERE c.deleted_at IS NULL AND r.rhythm_days IS NOT NULL AND r.rhythm_days > 0 \
         AND {days_since} > $2 * r.rhythm_days ORDER BY r.revenue_fen DESC LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(factor).bind(limit).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(crate::OverdueRow {
                customer_id: r.try_get(0)?,
                name: r.try_get(1)?,
                rhythm_days: r.try_get(2)?,
                days_since: r.try_get(3)?,
                revenue_fen: r.try_get(4)?,
                last_order_at: r.try_get(5)?,
            })
        })
        .collect()
}
