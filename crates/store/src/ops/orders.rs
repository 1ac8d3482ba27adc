//! Orders and the per-customer rollups that every order write keeps current.

use super::{Pool, Row, Tx, audit, corrupt, now, param, values_clause};
use crate::{Actor, OrderRecord, Rollup, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::orders::{CustomerRef, OrderDraft};
use guanxi_domain::{Field, SalesChannel};
use sqlx::Row as _;
use std::collections::HashMap;

use guanxi_domain::china::{day as china_day, day_number};
use sqlx::AssertSqlSafe;

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

/// A stored order with what a new version of it gives: the time and amount it must have, and
/// the rest where it has them — an empty value keeps what is stored.
pub(crate) fn kept(stored: &OrderRecord, o: &OrderDraft) -> OrderDraft {
    OrderDraft {
        customer: CustomerRef::Id(stored.customer_id),
        ordered_at: o.ordered_at,
        amount_fen: o.amount_fen,
        cost_fen: o.cost_fen.or(stored.cost_fen),
        category: o.category.clone().or_else(|| stored.category.clone()),
        channel: o.channel.or(stored.channel),
        branch: o.branch.clone().or_else(|| stored.branch.clone()),
        order_no: stored.order_no.clone(),
    }
}

/// Recomputes the purchase days, the rollup and the purchase summary of each customer from
/// their orders: set-based statements per 500 customers, then the summaries from the days.
pub(crate) async fn refresh_customers(tx: &mut Tx<'_>, customers: &[i64]) -> Result<(), StoreError> {
    lock_customers(tx, customers).await?;
    for chunk in customers.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        for table in ["purchase_days", "customer_rollups"] {
            let sql = format!("DELETE FROM {table} WHERE customer_id IN ({list})");
            sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
        }
        let sql = format!(
            "INSERT INTO purchase_days (customer_id, day, amount_fen, costed_fen, margin_fen, orders, gap_days) \
             SELECT customer_id, day, amount, costed, margin, n, \
             day - LAG(day) OVER (PARTITION BY customer_id ORDER BY day) FROM ( \
             SELECT customer_id, day, SUM(amount_fen) AS amount, \
             SUM(CASE WHEN cost_fen IS NULL THEN 0 ELSE amount_fen END) AS costed, \
             SUM(COALESCE(amount_fen - cost_fen, 0)) AS margin, COUNT(*) AS n \
             FROM orders WHERE deleted_at IS NULL AND customer_id IN ({list}) GROUP BY customer_id, day) AS g"
        );
        sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
        // Rhythm: mean days between purchase days, from the first to the last.
        let sql = format!(
            "INSERT INTO customer_rollups (customer_id, first_order_at, last_order_at, orders, purchase_days, \
             revenue_fen, costed_orders, margin_fen, rhythm_days) \
             SELECT customer_id, MIN(ordered_at), MAX(ordered_at), COUNT(*), COUNT(DISTINCT day), SUM(amount_fen), \
             SUM(CASE WHEN cost_fen IS NULL THEN 0 ELSE 1 END), SUM(COALESCE(amount_fen - cost_fen, 0)), \
             CASE WHEN COUNT(DISTINCT day) > 1 THEN CAST(MAX(day) - MIN(day) AS DOUBLE PRECISION) / (COUNT(DISTINCT day) - 1) END \
             FROM orders WHERE deleted_at IS NULL AND customer_id IN ({list}) GROUP BY customer_id"
        );
        sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
    }
    let rate = super::values::annual_rate(tx).await?;
    super::values::write_summaries(tx, customers, rate).await
}

/// An order as the audit log keeps it: field code → text, with the customer's id.
pub(crate) fn order_fields(customer: i64, o: &OrderDraft) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    let mut put = |f: Field, v: Option<String>| {
        if let Some(v) = v {
            m.insert(f.code().into(), serde_json::Value::String(v));
        }
    };
    put(Field::Id, Some(customer.to_string()));
    put(Field::OrderedAt, Some(guanxi_domain::china::minutes(o.ordered_at)));
    put(Field::Amount, Some(guanxi_domain::orders::format_money(o.amount_fen)));
    put(Field::Cost, o.cost_fen.map(guanxi_domain::orders::format_money));
    put(Field::Category, o.category.clone());
    put(Field::SalesChannel, o.channel.map(|c| c.code().to_string()));
    put(Field::Branch, o.branch.clone());
    put(Field::OrderNo, o.order_no.clone());
    serde_json::Value::Object(m)
}

pub(crate) fn draft_of(o: &OrderRecord) -> OrderDraft {
    OrderDraft {
        customer: CustomerRef::Id(o.customer_id),
        ordered_at: o.ordered_at,
        amount_fen: o.amount_fen,
        cost_fen: o.cost_fen,
        category: o.category.clone(),
        channel: o.channel,
        branch: o.branch.clone(),
        order_no: o.order_no.clone(),
    }
}

/// Locks the live customers whose purchase figures a transaction is about to recompute, in id
/// order (so two writers never wait for each other in a circle): two orders for one customer
/// at once then recompute one after the other instead of inserting the same purchase days.
pub(crate) async fn lock_customers(tx: &mut Tx<'_>, ids: &[i64]) -> Result<(), StoreError> {
    if super::for_update().is_empty() {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT id FROM customers WHERE id IN ({list}) ORDER BY id FOR UPDATE");
        sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
    }
    Ok(())
}

/// Inserts one order (the caller audits it and refreshes the customer's figures).
pub(crate) async fn insert_order(
    tx: &mut Tx<'_>,
    actor: Actor,
    customer_id: i64,
    draft: &OrderDraft,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO orders (customer_id, ordered_at, day, amount_fen, cost_fen, category, channel, branch, \
         order_no, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(customer_id)
    .bind(draft.ordered_at)
    .bind(day_number(china_day(draft.ordered_at)))
    .bind(draft.amount_fen)
    .bind(draft.cost_fen)
    .bind(&draft.category)
    .bind(draft.channel.map(|c| c.code()))
    .bind(&draft.branch)
    .bind(&draft.order_no)
    .bind(actor.0)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}

/// Records one order for a customer (F-02 of the security review). Recording creates: an order
/// number already in use is refused (409) — unless it is this customer's own order and the
/// caller may change this customer (`may_update`), when it updates that order (a till sending
/// the same sale twice); an order never moves to another customer here. Audited with the
/// order's id, the customer and before/after, so it shows in the customer's history.
pub async fn record_order(
    pool: &Pool,
    actor: Actor,
    customer_id: i64,
    draft: &OrderDraft,
    may_update: bool,
) -> Result<(OrderRecord, bool), StoreError> {
    let mut tx = super::begin(pool).await?;
    let live = sqlx::query(AssertSqlSafe(format!(
        "SELECT id FROM customers WHERE id = $1 AND deleted_at IS NULL{}",
        super::for_update()
    )))
    .bind(customer_id)
    .fetch_optional(&mut *tx)
    .await?;
    if live.is_none() {
        return Err(StoreError::not_found("customer", customer_id));
    }
    if let Some(no) = &draft.order_no {
        // Two sales with one new number at once: the second waits and then finds the first
        // (SQLite's write lock already orders them).
        if matches!(super::DIALECT, crate::Dialect::Postgres) {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(format!("order_no:{no}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    let existing = match &draft.order_no {
        Some(no) => existing_orders(&mut tx, vec![no.clone()]).await?.remove(no),
        None => None,
    };
    let at = now();
    let (id, created) = match existing {
        Some(e) if e.customer_id != customer_id => {
            return Err(StoreError::conflict(
                format!(
                    "订单号 {} 已被另一位客户（{}）的订单 #{} 使用，不能记到这位客户名下",
                    e.order_no.as_deref().unwrap_or_default(),
                    e.customer_id,
                    e.id
                ),
                format!(
                    "order number {} is already used by order #{} of another customer ({}); it cannot be recorded for this one",
                    e.order_no.as_deref().unwrap_or_default(),
                    e.id,
                    e.customer_id
                ),
            ));
        }
        Some(e) if !may_update => {
            return Err(StoreError::conflict(
                format!(
                    "订单号 {} 已存在（订单 #{}）；只有能修改这位客户的人可以改它",
                    e.order_no.as_deref().unwrap_or_default(),
                    e.id
                ),
                format!(
                    "order number {} already exists (order #{}); only someone who may change this customer can change it",
                    e.order_no.as_deref().unwrap_or_default(),
                    e.id
                ),
            ));
        }
        Some(e) => {
            // Recorded again: what the new record leaves empty keeps what is stored, as in an
            // import.
            let merged = kept(&e, draft);
            if merged != draft_of(&e) {
                write_orders(&mut tx, actor, at, &[Write::Update(e.clone(), merged)], None).await?;
            }
            (e.id, false)
        }
        None => {
            let id = insert_order(&mut tx, actor, customer_id, draft, at).await?;
            let after = order_fields(customer_id, draft);
            audit(&mut tx, actor, "create", "order", Some(id), Some(customer_id), None, Some(&after), None).await?;
            first_purchase_in(&mut tx, customer_id, draft.ordered_at, actor, at).await?;
            (id, true)
        }
    };
    refresh_customers(&mut tx, &[customer_id]).await?;
    let row = sqlx::query("SELECT * FROM orders WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    let order = order_from_row(&row)?;
    tx.commit().await?;
    Ok((order, created))
}

/// What to do with one row of an import.
pub(crate) enum Write {
    Insert(i64, OrderDraft),
    /// The stored order and what it becomes (its customer stays).
    Update(OrderRecord, OrderDraft),
}

/// "import" for an import's).
pub(crate) async fn write_orders(
    tx: &mut Tx<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    writes: &[Write],
    import_id: Option<i64>,
) -> Result<(), StoreError> {
    let inserts: Vec<(i64, &OrderDraft)> =
        writes.iter().filter_map(|w| if let Write::Insert(c, o) = w { Some((*c, o)) } else { None }).collect();
    // 12 parameters an order: 1,000 orders a statement.
    for chunk in inserts.chunks(1000) {
        let sql = format!(
            "INSERT INTO orders (customer_id, ordered_at, day, amount_fen, cost_fen, category, channel, branch, \
             order_no, created_by, created_at, import_id) VALUES {}",
            values_clause(chunk.len(), 12, &|_, p| p)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (customer, o) in chunk {
            q = q
                .bind(*customer)
                .bind(o.ordered_at)
                .bind(day_number(china_day(o.ordered_at)))
                .bind(o.amount_fen)
                .bind(o.cost_fen)
                .bind(&o.category)
                .bind(o.channel.map(|c| c.code()))
                .bind(&o.branch)
                .bind(&o.order_no)
                .bind(actor.0)
                .bind(at)
                .bind(import_id);
        }
        q.execute(&mut **tx).await?;
    }
    for w in writes {
        let Write::Update(before, o) = w else { continue };
        // A changed order says so in the history of its customer (an import's beside the
        // import's own line).
        let old = order_fields(before.customer_id, &draft_of(before));
        let new = order_fields(before.customer_id, o);
        let (id, customer) = (before.id, before.customer_id);
        super::audit_in_import(tx, actor, "order", id, customer, &old, &new, import_id).await?;
        rewrite_order(tx, id, o).await?;
    }
    Ok(())
}

/// A live order's fields as its audit records them, if it exists.
pub(crate) async fn order_fields_now(tx: &mut Tx<'_>, id: i64) -> Result<Option<serde_json::Value>, StoreError> {
    let row = sqlx::query("SELECT * FROM orders WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => {
            let o = order_from_row(&r)?;
            Some(order_fields(o.customer_id, &draft_of(&o)))
        }
        None => None,
    })
}

/// Writes an order's fields (not its customer or number).
pub(crate) async fn rewrite_order(tx: &mut Tx<'_>, id: i64, o: &OrderDraft) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE orders SET ordered_at = $1, day = $2, amount_fen = $3, cost_fen = $4, category = $5, channel = $6, \
         branch = $7 WHERE id = $8",
    )
    .bind(o.ordered_at)
    .bind(day_number(china_day(o.ordered_at)))
    .bind(o.amount_fen)
    .bind(o.cost_fen)
    .bind(&o.category)
    .bind(o.channel.map(|c| c.code()))
    .bind(&o.branch)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Live orders by number (the first when a number repeats), one query per 500 numbers.
pub(crate) async fn existing_orders(
    tx: &mut Tx<'_>,
    mut numbers: Vec<String>,
) -> Result<HashMap<String, OrderRecord>, StoreError> {
    numbers.sort();
    numbers.dedup();
    let mut out = HashMap::new();
    for chunk in numbers.chunks(500) {
        let params: Vec<String> = (1..=chunk.len()).map(param).collect();
        let sql = format!(
            "SELECT * FROM orders WHERE order_no IN ({}) AND deleted_at IS NULL ORDER BY id",
            params.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for n in chunk {
            q = q.bind(n);
        }
        for row in q.fetch_all(&mut **tx).await? {
            let o = order_from_row(&row)?;
            if let Some(no) = o.order_no.clone() {
                out.entry(no).or_insert(o);
            }
        }
    }
    Ok(out)
}

/// Orders across all customers, newest first, filtered (see `OrderFilter`).
pub async fn list_orders(pool: &Pool, f: &crate::OrderFilter) -> Result<crate::OrderPage, StoreError> {
    let mut conds = vec!["o.deleted_at IS NULL".to_string()];
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let from = f.from.map(|d| guanxi_domain::china::end_of_day(d) - chrono::Duration::days(1));
    let to = f.to.map(guanxi_domain::china::end_of_day);
    if from.is_some() {
        conds.push(format!("o.ordered_at >= {}", next()));
    }
    if to.is_some() {
        conds.push(format!("o.ordered_at < {}", next()));
    }
    if f.channel.is_some() {
        conds.push(format!("o.channel = {}", next()));
    }
    if f.branch.is_some() {
        conds.push(format!("o.branch = {}", next()));
    }
    if f.category.is_some() {
        conds.push(format!("o.category = {}", next()));
    }
    let (limit, offset) = (next(), next());
    let filter = conds.join(" AND ");
    macro_rules! bind_filter {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(v) = from {
                q = q.bind(v);
            }
            if let Some(v) = to {
                q = q.bind(v);
            }
            if let Some(c) = f.channel {
                q = q.bind(c.code());
            }
            if let Some(b) = &f.branch {
                q = q.bind(b);
            }
            if let Some(c) = &f.category {
                q = q.bind(c);
            }
            q
        }};
    }
    let per_page = f.per_page.clamp(1, 200);
    let page = f.page.max(1);
    let sql = format!(
        "SELECT o.*, c.name AS customer_name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE {filter} \
         ORDER BY o.ordered_at DESC, o.id DESC LIMIT {limit} OFFSET {offset}"
    );
    let rows = bind_filter!(sqlx::query(AssertSqlSafe(sql)))
        .bind(per_page)
        .bind(super::offset(page, per_page))
        .fetch_all(pool)
        .await?;
    let items = rows
        .iter()
        .map(|r| Ok(crate::OrderLine { order: order_from_row(r)?, customer_name: r.try_get("customer_name")? }))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let sql = format!(
        "SELECT COUNT(*), CAST(SUM(amount_fen) AS BIGINT) FROM (SELECT o.amount_fen FROM orders o WHERE {filter} LIMIT {limit}) AS m"
    );
    let row = bind_filter!(sqlx::query(AssertSqlSafe(sql))).bind(crate::ORDER_COUNT_LIMIT + 1).fetch_one(pool).await?;
    let total: i64 = row.try_get(0)?;
    let capped = total > crate::ORDER_COUNT_LIMIT;
    let revenue: Option<i64> = row.try_get(1)?;
    Ok(crate::OrderPage {
        page: crate::Page { items, total: total.min(crate::ORDER_COUNT_LIMIT), total_capped: capped, page, per_page },
        revenue_fen: if capped { None } else { Some(revenue.unwrap_or(0)) },
    })
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

/// A customer's first order, made lately (not one typed in long after): the cadences that take
/// new buyers by themselves put them in, in the order's transaction.
pub(crate) async fn first_purchase_in(
    tx: &mut Tx<'_>,
    customer: i64,
    ordered_at: chrono::DateTime<chrono::Utc>,
    actor: Actor,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    if at - ordered_at > guanxi_domain::cadences::LATE_AFTER {
        return Ok(());
    }
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND deleted_at IS NULL")
        .bind(customer)
        .fetch_one(&mut **tx)
        .await?;
    if orders == 1 {
        let rule = guanxi_domain::cadences::EnrolRule::FirstPurchase;
        super::cadences::enrol_by_rule_in(tx, rule, customer, actor, at).await?;
    }
    Ok(())
}

/// The customers whose first purchase came in import `import` (every order of theirs is from it,
/// the first made lately): the cadences that take new buyers by themselves put them in, each in
/// its own transaction after the import. Nothing is asked when no cadence takes new buyers.
pub(crate) async fn first_purchases_of_import(
    pool: &Pool,
    actor: Actor,
    import: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<usize, StoreError> {
    let rule = guanxi_domain::cadences::EnrolRule::FirstPurchase;
    let wanted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cadences WHERE enrol_on = $1 AND paused_at IS NULL")
        .bind(rule.code())
        .fetch_one(pool)
        .await?;
    if wanted == 0 {
        return Ok(0);
    }
    let customers: Vec<i64> = sqlx::query_scalar(
        "SELECT o.customer_id FROM orders o WHERE o.import_id = $1 AND o.deleted_at IS NULL GROUP BY o.customer_id \
         HAVING MIN(o.ordered_at) > $2 AND NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id \
         AND p.deleted_at IS NULL AND (p.import_id IS NULL OR p.import_id <> $1))",
    )
    .bind(import)
    .bind(at - guanxi_domain::cadences::LATE_AFTER)
    .fetch_all(pool)
    .await?;
    for chunk in customers.chunks(500) {
        let mut tx = super::begin(pool).await?;
        for c in chunk {
            super::cadences::enrol_by_rule_in(&mut tx, rule, *c, actor, at).await?;
        }
        tx.commit().await?;
    }
    Ok(customers.len())
}
