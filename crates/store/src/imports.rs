//! The `impl Store` of imports and exports (the SQL is in `ops/`).

use crate::*;

impl Store {
    /// Writes already-validated rows in one transaction: each row updates the customer it
    /// matches (external id, then phone, then e-mail) or creates a new one.
    pub async fn import_customers(
        &self,
        actor: Actor,
        source: &str,
        rows: &[ImportRow],
    ) -> Result<ImportOutcome, StoreError> {
        dispatch!(self, import_customers(actor, source, rows))
    }

    /// For each row matching a stored customer, what the import would change in it, or why it
    /// would refuse the row. Reads only.
    pub async fn preview_updates(&self, rows: &[ImportRow]) -> Result<Vec<RowPreview>, StoreError> {
        dispatch!(self, preview_updates(rows))
    }

    /// Takes back the imports (customers or orders) that will never finish (their process was
    /// killed, or they stopped long ago): on SQLite an import commits as it goes. The server's
    /// job worker runs this at start and then every round, the CLI before each command, an
    /// import before it begins. Which were taken back, with what was undone.
    pub async fn take_back_abandoned_imports(&self) -> Result<Vec<(i64, Undone)>, StoreError> {
        let ids = dispatch!(self, abandoned_imports())?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push((id, dispatch!(self, undo_import(Actor::SYSTEM, id))?));
        }
        Ok(out)
    }

    /// Starts an import: everything written through the session lands, or none of it does.
    pub async fn begin_import(&self, actor: Actor, source: &str) -> Result<ImportSession, StoreError> {
        let (tx, import_id) = match &self.db {
            Db::Sqlite(p) => {
                for (id, undone) in self.take_back_abandoned_imports().await? {
                    eprintln!("guanxi: {}", undone.message(id, guanxi_domain::Lang::En));
                }
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let id = sqlite::ops::open_import(&mut tx, actor, source).await?;
                sqlite::ops::start_run(&mut tx, id).await?;
                tx.commit().await?;
                (
                    SessionTx::Sqlite {
                        pool: p.clone(),
                        tx: None,
                        since: std::time::Instant::now(),
                        every: sqlite::ops::WINDOW,
                    },
                    id,
                )
            }
            Db::Pg(p) => {
                let mut tx = p.begin().await?;
                let id = pg::ops::open_import(&mut tx, actor, source).await?;
                (SessionTx::Pg(tx), id)
            }
        };
        Ok(ImportSession {
            db: self.db.clone(),
            tx,
            actor,
            source: source.to_string(),
            state: ImportState { import_id: Some(import_id), ..Default::default() },
            skipped: 0,
        })
    }

    /// Customers in id order after `after_id`, at most `limit`, for streaming exports.
    pub async fn export_batch(&self, after_id: i64, limit: i64) -> Result<Vec<CustomerRecord>, StoreError> {
        dispatch!(self, export_batch(after_id, limit))
    }

    /// The customers of a list's filter, whole, in id order after `after_id` (an export).
    pub async fn export_filtered(
        &self,
        filter: &CustomerFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<CustomerRecord>, StoreError> {
        dispatch!(self, export_filtered(filter, after_id, limit))
    }

    /// How many customers a list's filter holds, exactly.
    pub async fn count_filtered(&self, filter: &CustomerFilter) -> Result<i64, StoreError> {
        dispatch!(self, count_filtered(filter))
    }

    /// Records that an export happened (who, what, how many).
    pub async fn record_export(&self, actor: Actor, note: &str, count: i64) -> Result<(), StoreError> {
        dispatch!(self, record_export(actor, note, count))
    }
}

enum SessionTx {
    /// SQLite: one transaction at a time, committed every [`sqlite::ops::WINDOW`] so that other
    /// writers get their turn; the import's `import_runs` row says it has not finished.
    Sqlite {
        pool: SqlitePool,
        tx: Option<sqlx::Transaction<'static, sqlx::Sqlite>>,
        since: std::time::Instant,
        every: std::time::Duration,
    },
    /// PostgreSQL: one transaction (other writers are not held up by it).
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Imports that write at least this many customers refresh the planner's statistics.
const ANALYZE_AFTER: usize = 1_000;

/// An import in progress, fed in batches so that a large file never has to be held in memory
/// as customers. It lands whole or not at all: on SQLite what it committed so far is taken
/// back if it is rolled back or fails (or, if its process dies, by the next one to open the
/// database).
pub struct ImportSession {
    db: Db,
    tx: SessionTx,
    actor: Actor,
    source: String,
    state: ImportState,
    skipped: usize,
}

impl ImportSession {
    /// Writes a batch; returns the rows that could not be written, with why (nothing of them
    /// was written). The caller decides whether to go on, commit or roll back. An error takes
    /// back everything the import wrote.
    pub async fn write(&mut self, rows: Vec<ImportRow>) -> Result<Vec<(usize, guanxi_domain::Validation)>, StoreError> {
        let failures = match &mut self.tx {
            SessionTx::Sqlite { pool, tx, since, every } => {
                let window = Window { pool, tx, since, every: *every };
                let written = sqlite_window(window, self.actor, &self.source, rows, &mut self.state).await;
                match written {
                    Ok(f) => f,
                    Err(e) => {
                        if let Some(open) = tx.take() {
                            let _ = open.rollback().await;
                        }
                        let _ =
                            sqlite::ops::undo_import(pool, self.actor, self.state.import_id.unwrap_or_default()).await;
                        return Err(e);
                    }
                }
            }
            SessionTx::Pg(tx) => pg::ops::import_rows(tx, self.actor, &self.source, rows, &mut self.state).await?,
        };
        self.skipped += failures.len();
        Ok(failures)
    }

    pub fn outcome(&self) -> &ImportOutcome {
        &self.state.outcome
    }

    /// How long an import on SQLite holds the writer before it commits what it wrote so far
    /// (three seconds; tests set zero to commit after every batch). Nothing on PostgreSQL.
    pub fn commit_every(&mut self, every: std::time::Duration) {
        if let SessionTx::Sqlite { every: e, .. } = &mut self.tx {
            *e = every;
        }
    }

    /// The import's audit record: `CustomerFilter::imported` lists what it wrote.
    pub fn id(&self) -> i64 {
        self.state.import_id.unwrap_or_default()
    }

    /// Commits everything written, with the import's audit record.
    pub async fn commit(mut self) -> Result<ImportOutcome, StoreError> {
        match self.tx {
            SessionTx::Sqlite { pool, tx, .. } => {
                let finished = async {
                    let mut tx = match tx {
                        Some(tx) => tx,
                        None => pool.begin_with("BEGIN IMMEDIATE").await?,
                    };
                    sqlite::ops::finish_import(&mut tx, &mut self.state, self.skipped).await?;
                    tx.commit().await?;
                    Ok::<(), StoreError>(())
                }
                .await;
                if let Err(e) = finished {
                    let _ = sqlite::ops::undo_import(&pool, self.actor, self.state.import_id.unwrap_or_default()).await;
                    return Err(e);
                }
            }
            SessionTx::Pg(mut tx) => {
                pg::ops::finish_import(&mut tx, &mut self.state, self.skipped).await?;
                tx.commit().await?;
            }
        }
        let written = self.state.outcome.created + self.state.outcome.updated;
        if written >= ANALYZE_AFTER {
            match &self.db {
                Db::Sqlite(p) => sqlite::ops::after_import(p).await?,
                Db::Pg(p) => pg::ops::after_import(p).await?,
            }
        }
        Ok(self.state.outcome)
    }

    /// Drops everything written.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.tx {
            SessionTx::Sqlite { pool, tx, .. } => {
                if let Some(tx) = tx {
                    tx.rollback().await?;
                }
                sqlite::ops::undo_import(&pool, self.actor, self.state.import_id.unwrap_or_default()).await?;
            }
            SessionTx::Pg(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// The transaction a SQLite import is writing in, and since when.
struct Window<'a> {
    pool: &'a SqlitePool,
    tx: &'a mut Option<sqlx::Transaction<'static, sqlx::Sqlite>>,
    since: &'a mut std::time::Instant,
    every: std::time::Duration,
}

/// Writes a batch of a SQLite import in the current window, and commits the window once it has
/// held the writer `every`, then stands aside for a waiting writer.
async fn sqlite_window(
    w: Window<'_>,
    actor: Actor,
    source: &str,
    rows: Vec<ImportRow>,
    state: &mut ImportState,
) -> Result<Vec<(usize, guanxi_domain::Validation)>, StoreError> {
    if w.tx.is_none() {
        *w.tx = Some(w.pool.begin_with("BEGIN IMMEDIATE").await?);
        *w.since = std::time::Instant::now();
    }
    let Some(open) = w.tx.as_mut() else { unreachable!("a window was just opened") };
    let failures = sqlite::ops::import_rows(open, actor, source, rows, state).await?;
    if w.since.elapsed() >= w.every
        && let Some(mut window) = w.tx.take()
    {
        sqlite::ops::reindex_updated(&mut window, state).await?;
        sqlite::ops::beat(&mut window, state.import_id.unwrap_or_default()).await?;
        window.commit().await?;
        tokio::time::sleep(sqlite::ops::STAND_ASIDE).await;
    }
    Ok(failures)
}
