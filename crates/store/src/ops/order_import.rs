//! Importing orders: each row's customer found by Guanxi ID, external ID or phone, the file
//! previewed (new, changed, unchanged, refused), and the rows written in batches that an
//! unfinished import can take back (`import`). Single orders are written by `orders`, whose
//! writing this shares.

use super::orders::{Write, draft_of, existing_orders, kept, refresh_customers, write_orders};
use super::{Pool, Tx, now};
use crate::{Actor, OrderBatches, OrderOutcome, OrderRecord, StoreError};
use guanxi_domain::orders::{CustomerRef, OrderDraft};
use guanxi_domain::{Field, Problem, Validation};
use sqlx::AssertSqlSafe;
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap, HashSet};

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
            super::orders::first_purchases_of_import(pool, actor, import_id, super::now()).await?;
            Ok((outcome, refused))
        }
        // Refused, or the source may not commit: nothing stays.
        Ok((None, refused)) => {
            if windows {
                super::take_back::undo_import(pool, actor, import_id).await?;
            }
            Ok((OrderOutcome::default(), refused))
        }
        Err(e) => {
            if windows {
                let _ = super::take_back::undo_import(pool, actor, import_id).await;
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
