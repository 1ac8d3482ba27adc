//! Orders and the per-customer rollups that every order write keeps current.

use super::{Pool, Row, Tx, audit, corrupt, now, param, values_clause};
use crate::{Actor, OrderBatches, OrderOutcome, OrderRecord, Rollup, StoreError};
use chrono::{DateTime, Utc};
use guanxi_domain::orders::{CustomerRef, OrderDraft};
use guanxi_domain::{Field, Problem, SalesChannel, Validation};
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap, HashSet};

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

/// Whom an order's customer reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    One(i64),
    /// An external id or phone that several live customers have.
    Several(usize),
    Nobody,
}

/// The live customers orders name, following merges: one `IN (…)` query per 500 references of
/// each kind.
async fn resolve_all(tx: &mut Tx<'_>, refs: Vec<&CustomerRef>) -> Result<HashMap<CustomerRef, Named>, StoreError> {
    let mut out: HashMap<CustomerRef, Named> = refs.iter().map(|r| ((*r).clone(), Named::Nobody)).collect();
    let ids: Vec<i64> = out.keys().filter_map(|r| if let CustomerRef::Id(id) = r { Some(*id) } else { None }).collect();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let sql =
            format!("SELECT id, merged_into_id, deleted_at IS NULL FROM customers WHERE id IN ({})", list.join(", "));
        for row in sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut **tx).await? {
            let id: i64 = row.try_get(0)?;
            let merged: Option<i64> = row.try_get(1)?;
            let live: bool = row.try_get(2)?;
            out.insert(CustomerRef::Id(id), merged.or(live.then_some(id)).map_or(Named::Nobody, Named::One));
        }
    }
    // External ids and phones name live customers only.
    for (column, pick) in [
        (
            "external_id",
            (|r: &CustomerRef| if let CustomerRef::External(e) = r { Some(e.clone()) } else { None })
                as fn(&CustomerRef) -> Option<String>,
        ),
        ("phone", |r: &CustomerRef| if let CustomerRef::Phone(p) = r { Some(p.as_str().to_string()) } else { None }),
    ] {
        let values: Vec<String> = out.keys().filter_map(pick).collect();
        let found = super::import::lookup(tx, column, values).await?;
        let named = found
            .one
            .into_iter()
            .map(|(v, id)| (v, Named::One(id)))
            .chain(found.several.into_iter().map(|(v, n)| (v, Named::Several(n))));
        for (value, n) in named {
            let key = match column {
                "external_id" => CustomerRef::External(value),
                _ => match guanxi_domain::Phone::parse(&value) {
                    Ok(p) => CustomerRef::Phone(p),
                    Err(_) => continue,
                },
            };
            out.insert(key, n);
        }
    }
    Ok(out)
}

/// The field and value a customer reference is given by.
fn reference(c: &CustomerRef) -> (Field, String) {
    match c {
        CustomerRef::Id(id) => (Field::Id, id.to_string()),
        CustomerRef::External(e) => (Field::ExternalId, e.clone()),
        CustomerRef::Phone(p) => (Field::Phone, p.as_str().to_string()),
    }
}

fn unknown_customer(c: &CustomerRef) -> Validation {
    let (field, value) = reference(c);
    Validation::one(field, &value, Problem::NoSuchRecord)
}

/// What an orders file does with each row — one rule for the import and its preview (issue
/// #22: a re-import blanked costs and branches, a number repeated in the file moved an order to
/// another customer, and unknown customers showed only after confirming).
enum Plan {
    /// A new order for this customer.
    New(i64),
    /// The stored order, and what it becomes: the file's values over the stored ones — a cell
    /// left empty, or a column the file does not have, keeps what is stored.
    Update(OrderRecord, OrderDraft),
    Unchanged(OrderRecord),
    Refused(Validation),
}

/// Decides the rows of a batch. `seen` holds the order numbers of earlier rows (across
/// batches) with their lines.
async fn plan_rows(
    tx: &mut Tx<'_>,
    rows: &[(usize, OrderDraft)],
    seen: &mut HashMap<String, usize>,
) -> Result<Vec<Plan>, StoreError> {
    let customers = resolve_all(tx, rows.iter().map(|(_, o)| &o.customer).collect()).await?;
    let numbers: Vec<String> = rows.iter().filter_map(|(_, o)| o.order_no.clone()).collect();
    let existing = existing_orders(tx, numbers).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (line, o) in rows {
        let customer = match customers.get(&o.customer).copied().unwrap_or(Named::Nobody) {
            Named::One(id) => id,
            Named::Several(n) => {
                let (field, value) = reference(&o.customer);
                out.push(Plan::Refused(Validation::one(field, &value, Problem::Ambiguous { count: n })));
                continue;
            }
            Named::Nobody => {
                out.push(Plan::Refused(unknown_customer(&o.customer)));
                continue;
            }
        };
        let Some(no) = o.order_no.as_deref() else {
            out.push(Plan::New(customer));
            continue;
        };
        // An order never moves to another customer through an import (as through F-02's
        // route): the row is refused.
        if existing.get(no).is_some_and(|e| e.customer_id != customer) {
            out.push(Plan::Refused(Validation::one(Field::OrderNo, no, Problem::OtherCustomer)));
            continue;
        }
        if let Some(first) = seen.get(no) {
            out.push(Plan::Refused(Validation::one(Field::OrderNo, no, Problem::RepeatedInFile { line: *first })));
            continue;
        }
        seen.insert(no.to_string(), *line);
        match existing.get(no) {
            None => out.push(Plan::New(customer)),
            Some(e) => {
                let merged = kept(e, o);
                if merged == draft_of(e) {
                    out.push(Plan::Unchanged(e.clone()));
                } else {
                    out.push(Plan::Update(e.clone(), merged));
                }
            }
        }
    }
    Ok(out)
}

/// A stored order with what a new version of it gives: the time and amount it must have, and
/// the rest where it has them — an empty value keeps what is stored.
fn kept(stored: &OrderRecord, o: &OrderDraft) -> OrderDraft {
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

/// What importing these rows would do, row by row, without writing (see `Plan`): new orders
/// (their customer), changes to stored orders (each changing field, now and then), rows left
/// as they are, and refusals with why.
pub async fn preview_orders(pool: &Pool, rows: &[(usize, OrderDraft)]) -> Result<Vec<crate::OrderPreview>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut seen = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(2_000) {
        for ((line, _), plan) in chunk.iter().zip(plan_rows(&mut tx, chunk, &mut seen).await?) {
            out.push(match plan {
                Plan::New(customer) => crate::OrderPreview::New { line: *line, customer },
                Plan::Unchanged(e) => crate::OrderPreview::Unchanged { line: *line, order: e.id },
                Plan::Refused(v) => crate::OrderPreview::Refused(*line, v),
                Plan::Update(e, merged) => crate::OrderPreview::Update {
                    line: *line,
                    order: e.id,
                    customer: e.customer_id,
                    order_no: e.order_no.clone().unwrap_or_default(),
                    changes: order_changes(&draft_of(&e), &merged),
                },
            });
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// The fields that differ between two versions of an order, as (field, before, after) text.
fn order_changes(before: &OrderDraft, after: &OrderDraft) -> Vec<(Field, String, String)> {
    let time = |o: &OrderDraft| guanxi_domain::china::local(o.ordered_at).format("%Y-%m-%d %H:%M").to_string();
    let money =
        |f: Option<i64>| f.map(|f| format!("¥{}", guanxi_domain::orders::format_money_grouped(f))).unwrap_or_default();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let channel = |o: &OrderDraft| o.channel.map(|c| c.code().to_string()).unwrap_or_default();
    [
        (Field::OrderedAt, time(before), time(after)),
        (Field::Amount, money(Some(before.amount_fen)), money(Some(after.amount_fen))),
        (Field::Cost, money(before.cost_fen), money(after.cost_fen)),
        (Field::Category, text(&before.category), text(&after.category)),
        (Field::SalesChannel, channel(before), channel(after)),
        (Field::Branch, text(&before.branch), text(&after.branch)),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .collect()
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

fn draft_of(o: &OrderRecord) -> OrderDraft {
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
enum Write {
    Insert(i64, OrderDraft),
    /// The stored order and what it becomes (its customer stays).
    Update(OrderRecord, OrderDraft),
}

/// A slice of rows as one batch.
struct OneBatch<'a>(Option<&'a [(usize, OrderDraft)]>);

impl OrderBatches for OneBatch<'_> {
    fn next_batch(&mut self) -> Option<Vec<(usize, OrderDraft)>> {
        self.0.take().map(<[_]>::to_vec)
    }

    fn may_commit(&self) -> bool {
        true
    }
}

/// Writes the orders of `rows` (see `import_order_batches`).
pub async fn import_orders(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[(usize, OrderDraft)],
    partial: bool,
) -> Result<(OrderOutcome, Vec<(usize, Validation)>), StoreError> {
    import_order_batches(pool, actor, source, &mut OneBatch(Some(rows)), partial).await
}

/// Writes orders a batch at a time: each names a live customer (by id, external id or phone;
/// unknown ones are reported by line); an order whose number is already stored updates it (a
/// number repeated within the file: its last row wins). Purchase days, rollups and summaries of
/// every customer touched are recomputed with the orders. The import is audited as one entry
/// (and each changed order in its customer's history). Returns the rows the store refused;
/// unless `partial`, a refused row writes nothing (the rest is still read, to report every
/// unknown customer), and nothing is written when the source says it may not commit.
///
/// All of it or none: on PostgreSQL one transaction; on SQLite, where one writer holds the
/// whole database, it commits every couple of seconds so that others get their turn, and what
/// it wrote is taken back (`import::undo_import`) if it ends refused or fails — or, if its
/// process dies, by the next process to open the database.
pub async fn import_order_batches(
    pool: &Pool,
    actor: Actor,
    source: &str,
    batches: &mut dyn OrderBatches,
    partial: bool,
) -> Result<(OrderOutcome, Vec<(usize, Validation)>), StoreError> {
    let windows = super::DIALECT == crate::Dialect::Sqlite;
    let mut tx = super::begin(pool).await?;
    super::import::begin_import(&mut tx).await?;
    let import_id = super::import::open_record(&mut tx, actor, "orders", source).await?;
    if windows {
        super::import::start_run(&mut tx, import_id).await?;
        tx.commit().await?;
        tx = super::begin(pool).await?;
    }
    let written = write_order_batches(pool, tx, actor, import_id, source, batches, partial, windows).await;
    match written {
        Ok((Some(outcome), refused)) => {
            super::import::after_import_orders(pool).await?;
            Ok((outcome, refused))
        }
        // Refused, or the source may not commit: nothing stays.
        Ok((None, refused)) => {
            if windows {
                super::import::undo_import(pool, actor, import_id).await?;
            }
            Ok((OrderOutcome::default(), refused))
        }
        Err(e) => {
            if windows {
                let _ = super::import::undo_import(pool, actor, import_id).await;
            }
            Err(e)
        }
    }
}

/// The body of an order import: what it wrote, or `None` when it ends without writing (refused
/// rows without `partial`, or a source that may not commit), and the refused rows.
#[allow(clippy::too_many_arguments)]
async fn write_order_batches(
    pool: &Pool,
    mut tx: Tx<'static>,
    actor: Actor,
    import_id: i64,
    source: &str,
    batches: &mut dyn OrderBatches,
    partial: bool,
    windows: bool,
) -> Result<(Option<OrderOutcome>, Vec<(usize, Validation)>), StoreError> {
    // Orders with a larger id were created by this import (or, on SQLite, recorded by someone
    // between two of its windows: they only count as created instead of unchanged).
    let first_new: i64 =
        sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM orders").fetch_one(&mut *tx).await?.try_get(0)?;
    let mut outcome = OrderOutcome::default();
    let mut updated = HashSet::new();
    let mut refused = Vec::new();
    let mut touched = BTreeSet::new();
    let mut seen = HashMap::new();
    let at = now();
    let mut since = std::time::Instant::now();
    while batches.may_commit() {
        let Some(rows) = batches.next_batch() else { break };
        let plans = plan_rows(&mut tx, &rows, &mut seen).await?;
        let mut writes: Vec<Write> = Vec::new();
        for ((line, o), plan) in rows.iter().zip(plans) {
            match plan {
                Plan::Refused(v) => refused.push((*line, v)),
                Plan::New(customer) => {
                    touched.insert(customer);
                    writes.push(Write::Insert(customer, o.clone()));
                }
                Plan::Unchanged(e) => {
                    if e.id < first_new {
                        outcome.unchanged += 1;
                    }
                }
                Plan::Update(e, merged) => {
                    touched.insert(e.customer_id);
                    writes.push(Write::Update(e, merged));
                }
            }
        }
        // Without `partial`, a refused row writes nothing: the rest is still read, to report
        // every refused row.
        if !(partial || refused.is_empty()) {
            continue;
        }
        write_orders(&mut tx, actor, at, &writes, Some(import_id)).await?;
        outcome.created += writes.iter().filter(|w| matches!(w, Write::Insert(..))).count();
        updated.extend(writes.iter().filter_map(|w| match w {
            Write::Update(e, _) if e.id < first_new => Some(e.id),
            _ => None,
        }));
        if windows && since.elapsed() >= batches.window() {
            // What the window wrote is whole for its customers when others read it.
            refresh_customers(&mut tx, &std::mem::take(&mut touched).into_iter().collect::<Vec<_>>()).await?;
            super::import::beat(&mut tx, import_id).await?;
            tx.commit().await?;
            tokio::time::sleep(super::import::STAND_ASIDE).await;
            tx = super::begin(pool).await?;
            since = std::time::Instant::now();
        }
    }
    if !batches.may_commit() || !(partial || refused.is_empty()) {
        tx.rollback().await?;
        return Ok((None, refused));
    }
    outcome.updated = updated.len();
    refresh_customers(&mut tx, &touched.into_iter().collect::<Vec<_>>()).await?;
    let note = format!(
        "{source}: {} created, {} updated, {} unchanged, {} refused",
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        refused.len()
    );
    let after = serde_json::to_value(&outcome).ok();
    super::import::close_record(&mut tx, import_id, after.as_ref(), &note).await?;
    tx.commit().await?;
    Ok((Some(outcome), refused))
}

/// "import" for an import's).
async fn write_orders(
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
        super::import::audit_in_import(tx, actor, "order", id, customer, &old, &new, import_id).await?;
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
async fn existing_orders(
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
