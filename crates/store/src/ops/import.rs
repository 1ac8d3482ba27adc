//! Writing an import: all rows or none, each matched to an existing customer by Guanxi id (from
//! our own exports), external id, phone, then e-mail, so that importing the same file twice
//! changes nothing.
//!
//! On PostgreSQL an import is one transaction. On SQLite, where one writer holds the whole
//! database, it commits every couple of seconds so that other writers get their turn (issue
//! #21, item 4), and "none" is kept by taking back what it wrote (`take_back::undo_import`) when it is
//! refused, fails, or its process dies (`import_runs` says which imports have not finished).
//!
//! Rows arrive in batches. Matching is done for the whole batch with a few `IN (…)` lookups,
//! and new customers are written with multi-row inserts: a statement per row would spend its
//! time in round trips to the database (SQLite's worker thread or PostgreSQL's socket), not in
//! the database.

use super::customers::{
    bind_values, customer_values, customer_values_prepared, load_customer, reindex, write_customer_row,
};
use super::{DIALECT, Pool, Tx, fields_json, now, param, resolve_users, sqlite_connection, values_clause};
use crate::{Actor, Dialect, ImportOutcome, ImportState, StoreError, today_in_china};
use guanxi_domain::search::{SearchText, customer_keys};
use guanxi_domain::{CustomerDraft, Field, ImportRow, Lang, Prepared, Raw, Validation};
use sqlx::{AssertSqlSafe, Row as _};
use std::collections::{HashMap, HashSet};

/// A row that fits the file's rules but not what is stored (it would give an individual an
/// organization's fields, or names an owner who was disabled meanwhile). Nothing of it was written.
pub type RowFailure = (usize, Validation);

/// Which customer a row writes to.
#[derive(Clone, Copy)]
enum Target {
    Existing(i64),
    /// A customer created earlier in this batch (index into the pending list).
    New(usize),
}

struct Pending {
    draft: CustomerDraft,
    owner_id: Option<i64>,
    /// Derived values computed ahead (while the previous batch was written), if still current.
    prepared: Option<Prepared>,
}

/// Live customers by one key: the values that name one customer, and those that name several
/// (how many) — a key naming several cannot say which is meant (issue #22: an import changed
/// one of two customers sharing a phone, without saying so).
#[derive(Default)]
pub(crate) struct Lookup {
    pub one: HashMap<String, i64>,
    pub several: HashMap<String, usize>,
}

/// Looks values up in one `IN (…)` query per chunk.
pub(crate) async fn lookup(tx: &mut Tx<'_>, column_expr: &str, values: Vec<String>) -> Result<Lookup, StoreError> {
    let mut found: HashMap<String, Vec<i64>> = HashMap::new();
    let mut values = values;
    values.sort();
    values.dedup();
    for chunk in values.chunks(500) {
        let params: Vec<String> = (1..=chunk.len()).map(param).collect();
        let sql = format!(
            "SELECT {column_expr}, id FROM customers WHERE {column_expr} IN ({}) AND deleted_at IS NULL ORDER BY id",
            params.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in chunk {
            q = q.bind(v.clone());
        }
        for r in q.fetch_all(&mut **tx).await? {
            found.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
    }
    let mut out = Lookup::default();
    for (key, ids) in found {
        if ids.len() == 1 {
            out.one.insert(key, ids[0]);
        } else {
            out.several.insert(key, ids.len());
        }
    }
    Ok(out)
}

/// What a row finds among the stored customers.
enum Found {
    Customer(i64),
    /// The row's value of this field names several customers.
    Several(Field, String, usize),
    Nobody,
}

/// Matches rows to stored customers: by Guanxi id, external id, phone, then e-mail — one rule
/// for the import and its preview.
struct Matcher {
    live_ids: HashSet<i64>,
    external: Lookup,
    phones: Lookup,
    emails: Lookup,
}

impl Matcher {
    async fn load(tx: &mut Tx<'_>, rows: &[ImportRow]) -> Result<Matcher, StoreError> {
        let ids: Vec<String> = rows.iter().filter_map(|r| r.id.map(|i| i.to_string())).collect();
        let live_ids: HashSet<i64> = if ids.is_empty() {
            HashSet::new()
        } else {
            let list = ids.join(", ");
            sqlx::query(AssertSqlSafe(format!("SELECT id FROM customers WHERE id IN ({list}) AND deleted_at IS NULL")))
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?
        };
        let external =
            lookup(tx, "external_id", rows.iter().filter_map(|r| r.draft.external_id.clone()).collect()).await?;
        let phones = lookup(
            tx,
            "phone",
            rows.iter().filter_map(|r| r.draft.phone.as_ref().map(|p| p.as_str().to_string())).collect(),
        )
        .await?;
        let emails = lookup(tx, "lower(email)", rows.iter().filter_map(|r| email_key(&r.draft)).collect()).await?;
        Ok(Matcher { live_ids, external, phones, emails })
    }

    /// The stored customer a row names, unless the user chose to add it as a new one.
    fn find(&self, row: &ImportRow) -> Found {
        if row.force_new {
            return Found::Nobody;
        }
        if let Some(id) = row.id.filter(|id| self.live_ids.contains(id)) {
            return Found::Customer(id);
        }
        let d = &row.draft;
        let keys = [
            (Field::ExternalId, d.external_id.clone(), &self.external),
            (Field::Phone, d.phone.as_ref().map(|p| p.as_str().to_string()), &self.phones),
            (Field::Email, email_key(d), &self.emails),
        ];
        for (field, value, found) in keys {
            let Some(value) = value else { continue };
            if let Some(id) = found.one.get(&value) {
                return Found::Customer(*id);
            }
            if let Some(n) = found.several.get(&value) {
                return Found::Several(field, value, *n);
            }
        }
        Found::Nobody
    }
}

fn ambiguous(field: Field, value: &str, count: usize) -> Validation {
    Validation::one(field, value, guanxi_domain::Problem::Ambiguous { count })
}

/// The changes a row makes to the customer it matched: only what the file says, and not the
/// kind or status unless the file has those columns (a file without a kind column does not
/// turn an organization into an individual).
fn row_changes(row: &ImportRow) -> Raw {
    let mut changes = row.draft.to_fields();
    if !row.kind_given {
        changes.0.retain(|(f, _)| *f != Field::Kind);
    }
    if !row.status_given {
        changes.0.retain(|(f, _)| *f != Field::Status);
    }
    changes
}

/// Applies a row to a customer's draft; tags from the file are added to the ones it has.
fn apply_row(current: &CustomerDraft, row: &ImportRow) -> Result<CustomerDraft, Validation> {
    let mut merged = current.apply(&row_changes(row), today_in_china())?;
    for t in &current.tags {
        if !merged.tags.contains(t) {
            merged.tags.push(t.clone());
        }
    }
    merged.tags.sort();
    Ok(merged)
}

fn email_key(d: &CustomerDraft) -> Option<String> {
    d.email.as_ref().map(|e| e.as_str().to_lowercase())
}

/// What an import would change in customers already stored (issue #22: the preview hid that two
/// rows overwrote existing customers' cities): for each row that matches one, as the import
/// itself matches, its line, the customer and each field that would change (now, then); and the
/// rows the import would refuse (a key naming several customers). Rows not listed create new
/// customers. Reads only.
pub async fn preview_updates(pool: &Pool, rows: &[ImportRow]) -> Result<Vec<crate::RowPreview>, StoreError> {
    let mut out = Vec::new();
    let mut tx = pool.begin().await?;
    for chunk in rows.chunks(500) {
        let matcher = Matcher::load(&mut tx, chunk).await?;
        for row in chunk {
            let id = match matcher.find(row) {
                Found::Nobody => continue,
                Found::Several(field, value, n) => {
                    out.push(crate::RowPreview::Refused(row.line, ambiguous(field, &value, n)));
                    continue;
                }
                Found::Customer(id) => id,
            };
            let current = super::customers::read_customer(&mut tx, id, false).await?;
            let merged = match apply_row(&current.draft, row) {
                Ok(m) => m,
                Err(v) => {
                    out.push(crate::RowPreview::Refused(row.line, v));
                    continue;
                }
            };
            let (before, after) = (current.draft.to_fields(), merged.to_fields());
            let mut changes = Vec::new();
            for (f, new) in &after.0 {
                let old = before.get(*f);
                if old != new {
                    changes.push((*f, old.to_string(), new.clone()));
                }
            }
            for (f, old) in &before.0 {
                if !after.has(*f) && !old.is_empty() {
                    changes.push((*f, old.clone(), String::new()));
                }
            }
            out.push(crate::RowPreview::Update { line: row.line, id, name: current.draft.name, changes });
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Writes rows inside the import's transaction. Rows that fail are returned and skipped; the
/// caller decides whether the import as a whole is committed.
pub async fn import_rows(
    tx: &mut Tx<'_>,
    actor: Actor,
    source: &str,
    rows: Vec<ImportRow>,
    state: &mut ImportState,
) -> Result<Vec<RowFailure>, StoreError> {
    let mut failures = Vec::new();

    // Owners: one lookup per distinct username for the whole import.
    for row in &rows {
        if let Some(name) = &row.draft.owner
            && !state.owners.contains_key(name)
            && let Ok(ids) = resolve_users(tx, Field::Owner, std::slice::from_ref(name)).await
        {
            state.owners.insert(name.clone(), ids[0]);
        }
    }

    // What the batch could match in the database; customers created by the batch are found in
    // these maps too, as the file names them.
    let matcher = Matcher::load(tx, &rows).await?;
    let mut by_external: HashMap<String, Target> = HashMap::new();
    let mut by_phone: HashMap<String, Target> = HashMap::new();
    let mut by_email: HashMap<String, Target> = HashMap::new();

    // Decide, row by row in file order, what each row does.
    let mut pending: Vec<Pending> = Vec::new();
    let mut updates: Vec<(ImportRow, i64, Option<i64>)> = Vec::new();
    for mut row in rows {
        let owner_id = match &row.draft.owner {
            None => None,
            Some(name) => match state.owners.get(name) {
                Some(id) => Some(*id),
                None => {
                    let mut v = Validation::default();
                    v.push(Field::Owner, name, guanxi_domain::Problem::UnknownUser);
                    failures.push((row.line, v));
                    continue;
                }
            },
        };
        let d = &row.draft;
        let target = match matcher.find(&row) {
            Found::Customer(id) => Some(Target::Existing(id)),
            Found::Several(field, value, n) => {
                failures.push((row.line, ambiguous(field, &value, n)));
                continue;
            }
            Found::Nobody if row.force_new => None,
            Found::Nobody => d
                .external_id
                .as_ref()
                .and_then(|x| by_external.get(x).copied())
                .or_else(|| d.phone.as_ref().and_then(|p| by_phone.get(p.as_str()).copied()))
                .or_else(|| email_key(d).and_then(|e| by_email.get(&e).copied())),
        };
        let (index, draft) = match target {
            Some(Target::Existing(id)) => {
                updates.push((row, id, owner_id));
                continue;
            }
            Some(Target::New(i)) => {
                // The file names the same customer twice: the later row updates the earlier.
                let merged = match apply_row(&pending[i].draft, &row) {
                    Ok(m) => m,
                    Err(v) => {
                        failures.push((row.line, v));
                        continue;
                    }
                };
                if merged == pending[i].draft {
                    state.outcome.unchanged += 1;
                } else {
                    state.outcome.updated += 1;
                }
                if owner_id.is_some() {
                    pending[i].owner_id = owner_id;
                }
                pending[i].draft = merged;
                pending[i].prepared = None;
                (i, &pending[i].draft)
            }
            None => {
                let mut draft = row.draft;
                // Values computed ahead from tags in another order would audit that order.
                let prepared = row.prepared.take().filter(|_| draft.tags.is_sorted());
                draft.tags.sort();
                pending.push(Pending { draft, owner_id, prepared });
                let i = pending.len() - 1;
                (i, &pending[i].draft)
            }
        };
        if let Some(x) = &draft.external_id {
            by_external.entry(x.clone()).or_insert(Target::New(index));
        }
        if let Some(p) = &draft.phone {
            by_phone.entry(p.as_str().to_string()).or_insert(Target::New(index));
        }
        if let Some(e) = email_key(draft) {
            by_email.entry(e).or_insert(Target::New(index));
        }
    }

    insert_new(tx, actor, source, state.import_id, &pending).await?;
    state.outcome.created += pending.len();

    // Updates of customers already stored, one at a time: they are the rare case.
    for (row, id, owner_id) in updates {
        let current = load_customer(tx, id).await?;
        let merged = match apply_row(&current.draft, &row) {
            Ok(m) => m,
            Err(v) => {
                failures.push((row.line, v));
                continue;
            }
        };
        if merged == current.draft {
            state.outcome.unchanged += 1;
            continue;
        }
        let owner_id = if merged.owner.is_some() { owner_id.or(current.owner_id) } else { None };
        write_customer_row(tx, id, &merged, owner_id).await?;
        state.reindex.insert(id);
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, customer_id, before_json, after_json, \
             note, import_id) VALUES ($1, $2, 'import', 'customer', $3, $3, $4, $5, $6, $7)",
        )
        .bind(now())
        .bind(actor.0)
        .bind(id)
        .bind(fields_json(&current.draft.to_fields()).to_string())
        .bind(fields_json(&merged.to_fields()).to_string())
        .bind(source)
        .bind(state.import_id)
        .execute(&mut **tx)
        .await?;
        state.outcome.updated += 1;
    }
    Ok(failures)
}

/// Prepares an import's transaction. On PostgreSQL the planner would plan the lookups of a
/// long import with the statistics of the table before it began (empty, at first) and scan the
/// whole table for every batch; the lookups are all on indexed columns, so scans are turned
/// off for this transaction only.
pub async fn begin_import(tx: &mut Tx<'_>) -> Result<(), StoreError> {
    if DIALECT == Dialect::Postgres {
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut **tx).await?;
    }
    Ok(())
}

/// After a large import has committed: PostgreSQL plans with statistics that autovacuum
/// refreshes only later, and until then plans searches as if the tables were empty (a search
/// for a common prefix took seconds instead of milliseconds); refresh them now. SQLite's
/// planner needs nothing here.
pub async fn after_import(pool: &Pool) -> Result<(), StoreError> {
    if DIALECT == Dialect::Postgres {
        sqlx::query("ANALYZE customers, customer_search, customer_tags, audit_log").execute(pool).await?;
    }
    Ok(())
}

/// The same after an order import, for the tables it fills.
pub async fn after_import_orders(pool: &Pool) -> Result<(), StoreError> {
    if DIALECT == Dialect::Postgres {
        sqlx::query("ANALYZE orders, purchase_days, customer_rollups").execute(pool).await?;
    }
    Ok(())
}

/// Ids for `n` new customers, taken inside the transaction so no other writer can take them.
async fn reserve_ids(tx: &mut Tx<'_>, n: usize) -> Result<Vec<i64>, StoreError> {
    match DIALECT {
        Dialect::Sqlite => {
            // Write transactions on SQLite begin IMMEDIATE (`ops::begin`, `Store::begin_import`):
            // the write lock is ours from the start, so the ids after the current maximum stay
            // ours. (A write statement here would also make FTS5 flush its buffered keys.)
            let max: i64 =
                sqlx::query("SELECT COALESCE(MAX(id), 0) FROM customers").fetch_one(&mut **tx).await?.try_get(0)?;
            Ok((1..=n as i64).map(|i| max + i).collect())
        }
        Dialect::Postgres => {
            let rows = sqlx::query(
                "SELECT nextval(pg_get_serial_sequence('customers', 'id')) FROM generate_series(1, $1::int)",
            )
            .bind(n as i32)
            .fetch_all(&mut **tx)
            .await?;
            rows.iter().map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from)).collect()
        }
    }
}

async fn insert_new(
    tx: &mut Tx<'_>,
    actor: Actor,
    source: &str,
    import_id: Option<i64>,
    pending: &[Pending],
) -> Result<(), StoreError> {
    if pending.is_empty() {
        return Ok(());
    }
    let ids = reserve_ids(tx, pending.len()).await?;
    let at = now();
    if let Some(conn) = sqlite_connection(tx) {
        return insert_new_sqlite(conn, actor, source, import_id, &ids, pending, at).await;
    }
    let plain = |_: usize, p: String| p;

    // Customers, 400 rows (about 17,000 parameters) a statement.
    let columns: Vec<&str> = customer_values(&pending[0].draft, None).iter().map(|(n, _)| *n).collect();
    let ncols = columns.len() + 3;
    for (chunk_ids, chunk) in ids.chunks(400).zip(pending.chunks(400)) {
        let sql = format!(
            "INSERT INTO customers (id, {}, created_at, updated_at) VALUES {}",
            columns.join(", "),
            values_clause(chunk.len(), ncols, &plain)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, p) in chunk_ids.iter().zip(chunk) {
            q = q.bind(*id);
            q = bind_values(q, customer_values_prepared(&p.draft, p.owner_id, p.prepared.as_ref()));
            q = q.bind(at).bind(at);
        }
        q.execute(&mut **tx).await?;
    }

    // Tags.
    let tags: Vec<(i64, &String)> =
        ids.iter().zip(pending).flat_map(|(id, p)| p.draft.tags.iter().map(move |t| (*id, t))).collect();
    for chunk in tags.chunks(1000) {
        let sql =
            format!("INSERT INTO customer_tags (customer_id, tag) VALUES {}", values_clause(chunk.len(), 2, &plain));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, tag) in chunk {
            q = q.bind(*id).bind((*tag).clone());
        }
        q.execute(&mut **tx).await?;
    }

    // Search keys.
    let texts: Vec<std::borrow::Cow<'_, SearchText>> = pending
        .iter()
        .map(|p| match &p.prepared {
            Some(t) => std::borrow::Cow::Borrowed(&t.keys),
            None => std::borrow::Cow::Owned(customer_keys(&p.draft, &[]).texts()),
        })
        .collect();
    let tsvector =
        |c: usize, p: String| if c == 0 { p } else { format!("array_to_tsvector(string_to_array({p}, ' '))") };
    // FTS5 writes a new index segment at the end of every statement, so fewer, larger
    // statements mean fewer segments to merge: 8,000 rows is 32,000 parameters, under
    // SQLite's limit of 32,766.
    for (chunk_ids, chunk) in ids.chunks(8000).zip(texts.chunks(8000)) {
        let sql = match DIALECT {
            Dialect::Sqlite => format!(
                "INSERT INTO customer_search (rowid, name_keys, part_keys, other_keys) VALUES {}",
                values_clause(chunk.len(), 4, &plain)
            ),
            Dialect::Postgres => format!(
                "INSERT INTO customer_search (customer_id, name_keys, part_keys, all_keys) VALUES {}",
                values_clause(chunk.len(), 4, &tsvector)
            ),
        };
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, t) in chunk_ids.iter().zip(chunk) {
            q = q.bind(*id).bind(t.name.as_str());
            q = match DIALECT {
                Dialect::Sqlite => q.bind(t.parts.as_str()).bind(t.other.as_str()),
                Dialect::Postgres => {
                    let (with_parts, all) = t.cumulative();
                    q.bind(with_parts).bind(all)
                }
            };
        }
        q.execute(&mut **tx).await?;
    }

    // The audit log: one record per created customer, with what it was created as.
    for (chunk_ids, chunk) in ids.chunks(1000).zip(pending.chunks(1000)) {
        let sql = format!(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, customer_id, after_json, note, import_id) \
             VALUES {}",
            values_clause(chunk.len(), 9, &plain)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, p) in chunk_ids.iter().zip(chunk) {
            q = q
                .bind(at)
                .bind(actor.0)
                .bind("import")
                .bind("customer")
                .bind(*id)
                .bind(*id)
                .bind(match &p.prepared {
                    Some(x) => x.fields_json.clone(),
                    None => p.draft.to_fields().to_json(),
                })
                .bind(source)
                .bind(import_id);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// SQLite: the same rows through single-row statements prepared once a batch and stepped on
/// this thread (see `crate::sqlite_raw`): no statement journal, no round trips to sqlx's
/// worker, and FTS5 keeps buffering the keys of the whole import instead of writing an index
/// segment at every statement.
async fn insert_new_sqlite(
    conn: &mut sqlx::SqliteConnection,
    actor: Actor,
    source: &str,
    import_id: Option<i64>,
    ids: &[i64],
    pending: &[Pending],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    use super::customers::Val;
    // Text as sqlx writes a timestamp and a date to SQLite, so that both read back the same.
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
    let columns: Vec<&str> = customer_values(&pending[0].draft, None).iter().map(|(n, _)| *n).collect();
    let raw = crate::sqlite_raw::RawConnection::lock(conn).await?;
    let mut customer = raw.prepare(&format!(
        "INSERT INTO customers (id, {}, created_at, updated_at) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len() + 3].join(", ")
    ))?;
    let mut tag = raw.prepare("INSERT INTO customer_tags (customer_id, tag) VALUES (?, ?)")?;
    let mut search =
        raw.prepare("INSERT INTO customer_search (rowid, name_keys, part_keys, other_keys) VALUES (?, ?, ?, ?)")?;
    let mut audit = raw.prepare(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, customer_id, after_json, note, import_id) \
         VALUES (?, ?, 'import', 'customer', ?, ?, ?, ?, ?)",
    )?;
    crate::sqlite_raw::blocking(|| {
        for (&id, p) in ids.iter().zip(pending) {
            customer.int(1, Some(id))?;
            let computed;
            let prepared = match &p.prepared {
                Some(x) => x,
                None => {
                    computed = Prepared::of(&p.draft);
                    &computed
                }
            };
            let values = customer_values_prepared(&p.draft, p.owner_id, Some(prepared));
            for (i, (_, v)) in values.iter().enumerate() {
                match v {
                    Val::Text(t) => customer.text(i + 2, t.as_deref())?,
                    Val::Date(d) => customer.text(i + 2, d.map(|d| d.format("%F").to_string()).as_deref())?,
                    Val::Int(n) => customer.int(i + 2, *n)?,
                }
            }
            customer.text(values.len() + 2, Some(&at))?;
            customer.text(values.len() + 3, Some(&at))?;
            customer.run()?;

            for t in &p.draft.tags {
                tag.int(1, Some(id))?;
                tag.text(2, Some(t))?;
                tag.run()?;
            }

            let keys = &prepared.keys;
            search.int(1, Some(id))?;
            search.text(2, Some(&keys.name))?;
            search.text(3, Some(&keys.parts))?;
            search.text(4, Some(&keys.other))?;
            search.run()?;

            audit.text(1, Some(&at))?;
            audit.int(2, Some(actor.0))?;
            audit.int(3, Some(id))?;
            audit.int(4, Some(id))?;
            audit.text(5, Some(&prepared.fields_json))?;
            audit.text(6, Some(source))?;
            audit.int(7, import_id)?;
            audit.run()?;
        }
        Ok(())
    })
}

/// Opens a customer import: its own audit record, which the records of the customers it writes
/// name (so that "what was imported" can be listed), completed with the counts at the end.
pub async fn open_import(tx: &mut Tx<'_>, actor: Actor, source: &str) -> Result<i64, StoreError> {
    begin_import(tx).await?;
    open_record(tx, actor, "customers", source).await
}

/// An import's own audit record (`entity`: customers or orders), named by what it writes.
pub async fn open_record(tx: &mut Tx<'_>, actor: Actor, entity: &str, source: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, entity, note) VALUES ($1, $2, 'import', $3, $4) RETURNING id",
    )
    .bind(now())
    .bind(actor.0)
    .bind(entity)
    .bind(source)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}

/// Completes an import's own record with what it did, and ends its run.
pub async fn close_record(
    tx: &mut Tx<'_>,
    import_id: i64,
    after: Option<&serde_json::Value>,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_log SET at = $1, after_json = $2, note = $3 WHERE id = $4")
        .bind(now())
        .bind(after.map(|a| a.to_string()))
        .bind(note)
        .bind(import_id)
        .execute(&mut **tx)
        .await?;
    end_run(tx, Some(import_id)).await
}

/// Completes the import's own audit record with what it did.
pub async fn finish_import(tx: &mut Tx<'_>, state: &mut ImportState, skipped: usize) -> Result<(), StoreError> {
    reindex_updated(tx, state).await?;
    end_run(tx, state.import_id).await?;
    let o = &state.outcome;
    let summary = serde_json::json!({
        "created": o.created, "updated": o.updated, "unchanged": o.unchanged, "skipped": skipped,
    });
    sqlx::query("UPDATE audit_log SET at = $1, after_json = $2 WHERE id = $3")
        .bind(now())
        .bind(summary.to_string())
        .bind(state.import_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes all rows or none: any row failure rolls back and comes back as an error naming
/// the row.
pub async fn import_customers(
    pool: &Pool,
    actor: Actor,
    source: &str,
    rows: &[ImportRow],
) -> Result<ImportOutcome, StoreError> {
    let mut tx = super::begin(pool).await?;
    let mut state = ImportState { import_id: Some(open_import(&mut tx, actor, source).await?), ..Default::default() };
    let failures = import_rows(&mut tx, actor, source, rows.to_vec(), &mut state).await?;
    if let Some((line, v)) = failures.into_iter().next() {
        return Err(StoreError::conflict(
            format!("第 {line} 行：{}", v.message(Lang::ZhCn)),
            format!("row {line}: {}", v.message(Lang::En)),
        ));
    }
    finish_import(&mut tx, &mut state, 0).await?;
    tx.commit().await?;
    Ok(state.outcome)
}

/// Rewrites the search keys of the stored customers the import changed so far.
pub async fn reindex_updated(tx: &mut Tx<'_>, state: &mut ImportState) -> Result<(), StoreError> {
    for id in std::mem::take(&mut state.reindex) {
        let current = load_customer(tx, id).await?;
        reindex(tx, id, &current.draft).await?;
    }
    Ok(())
}

/// Marks an import as running in this process (SQLite, where it commits as it goes).
#[allow(dead_code)] // SQLite only: an import on PostgreSQL is one transaction.
pub async fn start_run(tx: &mut Tx<'_>, import_id: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO import_runs (import_id, pid, beat_at) VALUES ($1, $2, $3)")
        .bind(import_id)
        .bind(i64::from(std::process::id()))
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The running import is alive: written with each of its commits.
#[allow(dead_code)] // SQLite only, as `start_run`.
pub async fn beat(tx: &mut Tx<'_>, import_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE import_runs SET beat_at = $1 WHERE import_id = $2")
        .bind(now())
        .bind(import_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The import has finished (committed whole, or taken back).
pub(crate) async fn end_run(tx: &mut Tx<'_>, import_id: Option<i64>) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM import_runs WHERE import_id = $1").bind(import_id).execute(&mut **tx).await?;
    Ok(())
}

/// How long an import on SQLite holds the only writer before it commits what it wrote so far.
#[allow(dead_code)] // Read from the SQLite build of these operations only.
pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(3);

/// How long it then stands aside: longer than SQLite's busy handler sleeps between two tries
/// (100 ms), so that a writer waiting for its turn gets it.
pub const STAND_ASIDE: std::time::Duration = std::time::Duration::from_millis(120);
