//! Guanxi's storage: the only crate with SQL in it.
//!
//! One [`Store`] over either an embedded SQLite file or a PostgreSQL server. Each operation is
//! written once, in `ops/`, against a type alias `DB`; that module is compiled twice — once
//! with `DB = Sqlite`, once with `DB = Postgres` — so every query body is checked against both
//! drivers without generic bounds, and nothing above this crate knows which database is there.
//! Where the dialects differ (full-text search, a few functions) `ops` asks `DIALECT`.

mod error;
mod migrations;
mod model;

pub use error::{StoreError, Unavailable};
pub use guanxi_domain::ImportRow;
pub use model::*;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

mod pg;
mod sqlite;
mod sqlite_raw;

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs the same operation on whichever backend is open.
macro_rules! dispatch {
    ($self:ident, $f:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.db {
            Db::Sqlite(pool) => sqlite::ops::$f(pool, $($arg),*).await,
            Db::Pg(pool) => pg::ops::$f(pool, $($arg),*).await,
        }
    };
}

// Each feature's `impl Store` block, beside its SQL in `ops/`.
mod auth;
mod jobs;

/// Creates an empty PostgreSQL database `name` through `admin_url` (a URL of the server's
/// maintenance database) and returns the new database's URL. For tests and benchmarks that
/// need a fresh database each run.
/// The next instant after `now` when it is `hour`:00 in China.
pub fn next_china_time(now: chrono::DateTime<chrono::Utc>, hour: u32) -> chrono::DateTime<chrono::Utc> {
    let today = guanxi_domain::china::day(now);
    let at = |d: chrono::NaiveDate| end_of_china_day(d) - chrono::Duration::hours(24 - hour as i64);
    if at(today) > now { at(today) } else { at(today + chrono::Duration::days(1)) }
}

/// What background jobs there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A recompute of every customer's value that someone asked for.
    RecomputeValues,
    /// The same every night; each run schedules the next. Value runs recompute every
    /// customer's relationship standing after them (it uses their tiers and P(alive)).
    NightlyValues,
    /// A recompute of every customer's relationship standing that someone asked for.
    RecomputeStanding,
}

impl JobKind {
    pub fn code(self) -> &'static str {
        match self {
            JobKind::RecomputeValues => "value.recompute",
            JobKind::NightlyValues => "value.nightly",
            JobKind::RecomputeStanding => "relationships.recompute",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        [JobKind::RecomputeValues, JobKind::NightlyValues, JobKind::RecomputeStanding]
            .into_iter()
            .find(|k| k.code() == s)
    }

    pub(crate) fn max_attempts(self) -> u32 {
        3
    }
}

pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Connect(format!("invalid database name {name:?}")));
    }
    let pool = PgPool::connect(admin_url).await.map_err(|e| StoreError::Connect(e.to_string()))?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await?;
    pool.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    Ok(format!("{base}/{name}"))
}

/// Why a SQLite file may not open, in words (problem 12 of the reliability review: "unable to
/// open database file (code 14)" said nothing of a read-only file or file system). SQLite writes
/// its journal (`-wal`, `-shm`) beside the file, so the folder must be writable too.
/// Why a SQLite file cannot be written, in Chinese and English, if it cannot.
fn unwritable(path: &str) -> Option<(String, String)> {
    let file = std::path::Path::new(path);
    if std::fs::metadata(file).is_ok_and(|m| m.permissions().readonly()) {
        return Some((
            format!("数据库文件 {path} 是只读的，Guanxi 需要写入它"),
            format!("the file {path} is read-only; Guanxi needs to write to it"),
        ));
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let probe = dir.join(format!(".guanxi-write-test-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => Some((
            format!("文件夹 {} 无法写入（{e}；只读的文件系统？）：SQLite 要在数据库文件旁边写日志", dir.display()),
            format!(
                "the folder {} cannot be written ({e}; a read-only file system?): SQLite keeps its journal beside the file",
                dir.display()
            ),
        )),
    }
}

/// The database, opened and migrated.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens `url` and applies pending migrations. `postgres://…` (or `postgresql://…`) is
    /// PostgreSQL; anything else is a SQLite file path or `sqlite:` URL, created if missing.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens without migrating (for `guanxi migrate --status`).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Connect(e.to_string()))?;
            // While PostgreSQL is away a request waits three seconds at most, then the user is
            // told to try again (503) rather than kept ten seconds for "internal error".
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(3))
                .after_release(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .before_acquire(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            Ok(Store { db: Db::Pg(pool) })
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory");
            // A connection whose COMMIT failed (a full disk) still counts itself inside a
            // transaction and would refuse every later BEGIN: it is closed instead of reused
            // (problem 5 of the reliability review).
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .after_release(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .before_acquire(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                .connect_with(opts)
                .await
                .map_err(|e| match unwritable(path) {
                    Some((zh, en)) => StoreError::Unwritable {
                        zh: format!("{path}：{e}——{zh}"),
                        en: format!("{path}: {e} — {en}"),
                    },
                    None => StoreError::Connect(format!("{path}: {e}")),
                })?;
            Ok(Store { db: Db::Sqlite(pool) })
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.db {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Pg(_) => Dialect::Postgres,
        }
    }

    /// Applies every migration not yet applied; returns the versions it applied.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let before = self.applied_migrations().await.unwrap_or_default();
        match &self.db {
            Db::Sqlite(pool) => migrations::migrator(Dialect::Sqlite).run(pool).await?,
            Db::Pg(pool) => migrations::migrator(Dialect::Postgres).run(pool).await?,
        }
        let after = self.applied_migrations().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Versions applied to this database.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, applied_migrations())
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }

    // ----- orders -----

    /// Writes orders in one transaction (see `ops::import_orders`); returns what was written
    /// and the rows refused by line. Without `partial`, a refused row writes nothing.
    pub async fn import_orders(
        &self,
        actor: Actor,
        source: &str,
        rows: &[(usize, guanxi_domain::orders::OrderDraft)],
        partial: bool,
    ) -> Result<(OrderOutcome, Vec<(usize, guanxi_domain::Validation)>), StoreError> {
        dispatch!(self, import_orders(actor, source, rows, partial))
    }

    /// Writes orders from a source of batches in one transaction (see
    /// `ops::import_order_batches`): what a large file's import uses.
    pub async fn import_order_batches(
        &self,
        actor: Actor,
        source: &str,
        batches: &mut dyn OrderBatches,
        partial: bool,
    ) -> Result<(OrderOutcome, Vec<(usize, guanxi_domain::Validation)>), StoreError> {
        dispatch!(self, import_order_batches(actor, source, batches, partial))
    }

    /// What importing these orders would do, row by row, without writing.
    pub async fn preview_orders(
        &self,
        rows: &[(usize, guanxi_domain::orders::OrderDraft)],
    ) -> Result<Vec<OrderPreview>, StoreError> {
        dispatch!(self, preview_orders(rows))
    }

    /// Orders across all customers, newest first (see `OrderFilter`).
    pub async fn list_orders(&self, filter: &OrderFilter) -> Result<OrderPage, StoreError> {
        dispatch!(self, list_orders(filter))
    }

    /// Records one order for a customer: creates it, or — only for this customer's own order
    /// number and with `may_update` — updates it; another customer's number is a conflict.
    /// Returns the order and whether it was created.
    pub async fn record_order(
        &self,
        actor: Actor,
        customer_id: i64,
        draft: &guanxi_domain::orders::OrderDraft,
        may_update: bool,
    ) -> Result<(OrderRecord, bool), StoreError> {
        dispatch!(self, record_order(actor, customer_id, draft, may_update))
    }

    pub async fn orders_of(&self, customer_id: i64) -> Result<Vec<OrderRecord>, StoreError> {
        dispatch!(self, orders_of(customer_id))
    }

    pub async fn rollup(&self, customer_id: i64) -> Result<Option<Rollup>, StoreError> {
        dispatch!(self, rollup(customer_id))
    }

    /// Every live customer's purchase history as of `period.as_of`, summed for the assessment.
    /// As of today (after the last purchase, at the rate of the settings' summaries) this reads
    /// one summary a customer and the window's sums; other dates aggregate every purchase day.
    pub async fn histories(
        &self,
        period: &guanxi_domain::value::Period,
    ) -> Result<Vec<guanxi_domain::value::History>, StoreError> {
        if let Some(h) = self.histories_from_summaries(period).await? {
            return Ok(h);
        }
        dispatch!(self, histories(period))
    }

    /// Histories from the purchase summaries, or None when they cannot answer for `period`.
    pub async fn histories_from_summaries(
        &self,
        period: &guanxi_domain::value::Period,
    ) -> Result<Option<Vec<guanxi_domain::value::History>>, StoreError> {
        dispatch!(self, histories_from_summaries(period))
    }

    /// Rewrites purchase summaries that are missing or at another rate (see `histories`).
    pub async fn ensure_summaries(&self, rate: f64) -> Result<usize, StoreError> {
        dispatch!(self, ensure_summaries(rate))
    }

    /// Assesses every customer with `cfg` (the models' fits run off the async threads).
    /// Returns the assessment and its report (with the holdout check when `cfg` has one).
    pub async fn assess(
        &self,
        cfg: &guanxi_domain::value::AssessConfig,
    ) -> Result<(guanxi_domain::value::Assessment, serde_json::Value), StoreError> {
        use guanxi_domain::value::{assess, holdout};
        let histories = self.histories(&cfg.period).await?;
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || {
            let a = assess(&histories, &cfg);
            let rows = match &a.bg_nbd {
                Some(b) => holdout(&histories, &b.params, &cfg.period, cfg.unit_days),
                None => Vec::new(),
            };
            let report = a.report(&cfg, &rows);
            (a, report)
        })
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Assesses every customer as of today (China time) with the company's value settings and
    /// saves the result: what the nightly job, a manager's recompute and `serve --demo` run.
    /// Returns the run's id (None when nobody has bought yet) and how many were assessed.
    pub async fn assess_today(&self, actor: Actor) -> Result<(Option<i64>, usize), StoreError> {
        let settings = self.value_settings().await?;
        let cfg = settings.config(today_in_china());
        self.ensure_summaries(cfg.period.annual_rate).await?;
        let (a, report) = self.assess(&cfg).await?;
        if a.values.is_empty() {
            return Ok((None, 0));
        }
        let run = self.save_assessment(actor, cfg.period.as_of, settings.unit.code(), &report, &a.values).await?;
        Ok((Some(run), a.values.len()))
    }

    // ----- relationships -----

    /// A customer's relationship stage and its history.
    pub async fn relationship(
        &self,
        customer_id: i64,
    ) -> Result<(guanxi_domain::relationship::RelationshipStage, Vec<RelationshipChange>), StoreError> {
        dispatch!(self, relationship(customer_id))
    }

    /// Moves a customer's relationship to another stage, with why (audited).
    pub async fn set_relationship(
        &self,
        actor: Actor,
        customer_id: i64,
        m: &guanxi_domain::relationship::StageMove,
    ) -> Result<(), StoreError> {
        dispatch!(self, set_relationship(actor, customer_id, m))
    }

    /// The confirmed relationship level and its confirmations.
    pub async fn relationship_level(
        &self,
        customer_id: i64,
    ) -> Result<(Option<guanxi_domain::relationship::RelationshipLevel>, Vec<LevelChange>), StoreError> {
        dispatch!(self, relationship_level(customer_id))
    }

    /// A person confirms the relationship level (audited).
    pub async fn confirm_level(
        &self,
        actor: Actor,
        customer_id: i64,
        to: guanxi_domain::relationship::RelationshipLevel,
        why: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, confirm_level(actor, customer_id, to, why))
    }

    // ----- standing: 4R phase, level proposal, signs, satisfaction, loyalty, quadrant -----

    /// The thresholds of the company's value settings that the lifecycle uses.
    pub async fn standing_thresholds(&self) -> Result<guanxi_domain::standing::Thresholds, StoreError> {
        let v = self.value_settings().await?;
        Ok(guanxi_domain::standing::Thresholds {
            churn_below: v.churn_below,
            overdue_factor: v.overdue_factor,
            lifetime_years: v.lifetime_years,
            annual_rate: v.annual_rate,
        })
    }

    /// One customer's standing now, with its inputs; their row in the lists is brought up to date.
    pub async fn standing(&self, customer_id: i64) -> Result<StandingRecord, StoreError> {
        let t = self.standing_thresholds().await?;
        dispatch!(self, refresh_standing(customer_id, chrono::Utc::now(), t))
    }

    /// Every customer's standing as of `now`, written where it changed; returns the run's id
    /// and how many rows changed.
    pub async fn recompute_standing(&self, now: chrono::DateTime<chrono::Utc>) -> Result<StandingRunStats, StoreError> {
        let t = self.standing_thresholds().await?;
        dispatch!(self, recompute_standing(now, t))
    }

    /// When the latest recompute ran, for how many customers, and its counts.
    pub async fn latest_standing_run(
        &self,
    ) -> Result<Option<(chrono::DateTime<chrono::Utc>, i64, StandingReport)>, StoreError> {
        dispatch!(self, latest_standing_run())
    }

    /// Records a health check (audited); the customer's health score follows it.
    pub async fn save_health_check(
        &self,
        actor: Actor,
        customer_id: i64,
        check: &guanxi_domain::health::HealthCheck,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, save_health_check(actor, customer_id, check))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    /// A customer's health checks, newest first.
    pub async fn health_checks(&self, customer_id: i64) -> Result<Vec<HealthCheckRecord>, StoreError> {
        dispatch!(self, health_checks(customer_id))
    }

    /// A page of the relationship-health list.
    pub async fn health_list(
        &self,
        order: HealthOrder,
        owner: Option<i64>,
        team: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HealthRow>, StoreError> {
        dispatch!(self, health_list(order, owner, team, limit, offset))
    }

    /// A page of the customers in one quadrant, least satisfied first.
    pub async fn in_quadrant(
        &self,
        quadrant: guanxi_domain::standing::Quadrant,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HealthRow>, StoreError> {
        dispatch!(self, in_quadrant(quadrant, limit, offset))
    }

    /// Records our share of the customer's spending (audited); `None` clears it.
    pub async fn set_wallet_share(&self, actor: Actor, customer_id: i64, share: Option<u8>) -> Result<(), StoreError> {
        dispatch!(self, set_wallet_share(actor, customer_id, share))?;
        self.standing(customer_id).await.map(|_| ())
    }

    pub async fn wallet_share(&self, customer_id: i64) -> Result<Option<u8>, StoreError> {
        dispatch!(self, wallet_share(customer_id))
    }

    // ----- surveys -----

    /// Records a survey a person took down (`via`: form or api), answered now (audited).
    pub async fn record_survey(
        &self,
        actor: Actor,
        customer_id: i64,
        request: &guanxi_domain::standing::SurveyRequest,
        via: &str,
        answers: &guanxi_domain::standing::SurveyAnswers,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, record_survey(actor, customer_id, request, via, answers))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    /// A survey to be answered through a link until `expires_at` (audited).
    pub async fn create_survey_link(
        &self,
        actor: Actor,
        customer_id: i64,
        request: &guanxi_domain::standing::SurveyRequest,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_survey_link(actor, customer_id, request, expires_at))
    }

    /// The answers given through a link, taken once and only before it expires.
    /// Withdraws an open survey link; returns the customer's id.
    pub async fn cancel_survey_link(&self, actor: Actor, id: i64) -> Result<i64, StoreError> {
        dispatch!(self, cancel_survey_link(actor, id))
    }

    pub async fn answer_survey_link(
        &self,
        id: i64,
        answers: &guanxi_domain::standing::SurveyAnswers,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<i64, LinkRefusal>, StoreError> {
        let taken = dispatch!(self, answer_survey_link(id, answers, at))?;
        if let Ok(customer) = taken {
            self.standing(customer).await?;
        }
        Ok(taken)
    }

    pub async fn survey(&self, id: i64) -> Result<SurveyRecord, StoreError> {
        dispatch!(self, survey(id))
    }

    /// A customer's surveys, newest first.
    pub async fn surveys(&self, customer_id: i64) -> Result<Vec<SurveyRecord>, StoreError> {
        dispatch!(self, surveys(customer_id))
    }

    /// Writes many answered surveys at once (one transaction, one audit entry); the
    /// customers' standing follows at the next recompute.
    pub async fn import_surveys(
        &self,
        actor: Actor,
        source: &str,
        rows: &[(
            i64,
            guanxi_domain::standing::SurveyRequest,
            guanxi_domain::standing::SurveyAnswers,
            chrono::DateTime<chrono::Utc>,
        )],
    ) -> Result<usize, StoreError> {
        dispatch!(self, import_surveys(actor, source, rows))
    }

    /// Writes many contacts at once (one transaction, one audit entry); the customers'
    /// standing follows at the next recompute.
    pub async fn import_interactions(
        &self,
        actor: Actor,
        source: &str,
        rows: &[(i64, guanxi_domain::InteractionDraft)],
    ) -> Result<usize, StoreError> {
        dispatch!(self, import_interactions(actor, source, rows))
    }

    /// The installation's secret `name`, made from `fresh` the first time.
    pub async fn ensure_secret(&self, name: &str, fresh: &str) -> Result<String, StoreError> {
        dispatch!(self, ensure_secret(name, fresh))
    }

    // ----- referrals and win-back -----

    /// Records who referred a customer (audited); both customers' standing follows.
    pub async fn add_referral(
        &self,
        actor: Actor,
        referred_id: i64,
        d: &guanxi_domain::winback::ReferralDraft,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, add_referral(actor, referred_id, d))?;
        let (by, _) = dispatch!(self, referrals_of(referred_id))?;
        if let Some(r) = by {
            self.standing(r.referrer_id).await?;
        }
        Ok(id)
    }

    /// Takes a referral back (audited); returns the referred customer.
    /// The customer a live referral brought.
    pub async fn referred_by_referral(&self, id: i64) -> Result<i64, StoreError> {
        dispatch!(self, referred_by_referral(id))
    }

    pub async fn remove_referral(&self, actor: Actor, id: i64) -> Result<i64, StoreError> {
        let (referred, referrer) = dispatch!(self, remove_referral(actor, id))?;
        self.standing(referrer).await?;
        Ok(referred)
    }

    /// Who referred the customer, and whom they referred.
    pub async fn referrals_of(
        &self,
        customer_id: i64,
    ) -> Result<(Option<ReferralRecord>, Vec<ReferralRecord>), StoreError> {
        dispatch!(self, referrals_of(customer_id))
    }

    /// The referrals report since a day (all when `None`).
    pub async fn referral_report(&self, since: Option<chrono::NaiveDate>) -> Result<ReferralReport, StoreError> {
        dispatch!(self, referral_report(since))
    }

    /// Opens a win-back case by hand, with the customer's lifetime figure now (audited).
    pub async fn open_winback_case(&self, actor: Actor, customer_id: i64) -> Result<i64, StoreError> {
        let s = self.standing(customer_id).await?;
        let t = self.standing_thresholds().await?;
        let (Some(first), Some(last)) = (s.inputs.first_order, s.inputs.last_order) else {
            return Err(StoreError::conflict(
                "这位客户还没有购买记录，谈不上挽回",
                "the customer has never bought: there is nothing to win back",
            ));
        };
        let figure = guanxi_domain::winback::LifetimeFigure::of(
            s.inputs.revenue_fen,
            first,
            last,
            t.lifetime_years,
            t.annual_rate,
        );
        dispatch!(self, open_case(actor, customer_id, guanxi_domain::winback::Trigger::Manual, figure))
    }

    /// Win-back cases, open first, then by what is at stake.
    pub async fn winback_cases(
        &self,
        status: Option<guanxi_domain::winback::CaseStatus>,
        owner: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        dispatch!(self, cases(status, owner, limit, offset))
    }

    /// One win-back case with its attempts.
    pub async fn winback_case(&self, id: i64) -> Result<CaseRecord, StoreError> {
        dispatch!(self, case(id))
    }

    /// The customer's open win-back case, if any.
    pub async fn open_winback_case_of(&self, customer_id: i64) -> Result<Option<i64>, StoreError> {
        dispatch!(self, open_case_of(customer_id))
    }

    /// Records an attempt on an open case (audited).
    pub async fn add_winback_attempt(
        &self,
        actor: Actor,
        case_id: i64,
        d: &guanxi_domain::winback::AttemptDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_attempt(actor, case_id, d))
    }

    /// Closes a case: won back or lost for good; the customer's status follows (audited).
    pub async fn close_winback_case(
        &self,
        actor: Actor,
        case_id: i64,
        outcome: &guanxi_domain::winback::CaseOutcome,
    ) -> Result<(), StoreError> {
        let customer = dispatch!(self, close_case(actor, case_id, outcome))?;
        self.standing(customer).await.map(|_| ())
    }

    // ----- competitors -----

    pub async fn create_competitor(
        &self,
        actor: Actor,
        d: &guanxi_domain::competitors::CompetitorDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_competitor(actor, d))
    }

    pub async fn update_competitor(
        &self,
        actor: Actor,
        id: i64,
        d: &guanxi_domain::competitors::CompetitorDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_competitor(actor, id, d))
    }

    pub async fn competitors(&self) -> Result<Vec<CompetitorRecord>, StoreError> {
        dispatch!(self, competitors())
    }

    pub async fn competitor(&self, id: i64) -> Result<CompetitorRecord, StoreError> {
        dispatch!(self, competitor(id))
    }

    /// Records a customer's engagement with a competitor (audited).
    pub async fn add_engagement(
        &self,
        actor: Actor,
        customer_id: i64,
        d: &guanxi_domain::competitors::EngagementDraft,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, add_engagement(actor, customer_id, d))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    /// Ends an engagement on a day; returns its customer.
    /// The customer an engagement belongs to.
    pub async fn engagement_customer(&self, id: i64) -> Result<i64, StoreError> {
        dispatch!(self, engagement_customer(id))
    }

    pub async fn end_engagement(&self, actor: Actor, id: i64, until: chrono::NaiveDate) -> Result<i64, StoreError> {
        let customer = dispatch!(self, end_engagement(actor, id, until))?;
        self.standing(customer).await?;
        Ok(customer)
    }

    pub async fn engagements_of(&self, customer_id: i64) -> Result<Vec<EngagementRecord>, StoreError> {
        dispatch!(self, engagements_of(customer_id))
    }

    pub async fn engagements_with(&self, competitor_id: i64) -> Result<Vec<EngagementRecord>, StoreError> {
        dispatch!(self, engagements_with(competitor_id))
    }

    // ----- sales -----

    /// Opens an opportunity for a customer at the first stage (see `ops::create_opportunity`).
    pub async fn create_opportunity(
        &self,
        actor: Actor,
        customer_id: i64,
        d: &guanxi_domain::sales::OpportunityDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_opportunity(actor, customer_id, d))
    }

    pub async fn update_opportunity(
        &self,
        actor: Actor,
        id: i64,
        changes: &guanxi_domain::Raw,
        expected_version: Option<i64>,
    ) -> Result<OpportunityRecord, StoreError> {
        dispatch!(self, update_opportunity(actor, id, changes, expected_version))
    }

    pub async fn opportunity(&self, id: i64) -> Result<OpportunityRecord, StoreError> {
        dispatch!(self, opportunity(id))
    }

    pub async fn list_opportunities(&self, f: &OpportunityFilter) -> Result<OpportunityPage, StoreError> {
        dispatch!(self, list_opportunities(f))
    }

    /// Every stage's standard actions on an opportunity, and which are done.
    pub async fn opportunity_checklist(&self, id: i64) -> Result<Vec<guanxi_domain::sales::CheckItem>, StoreError> {
        dispatch!(self, opportunity_checklist(id))
    }

    /// Moves an open deal to a stage; forward only with the mandatory actions done, or with an
    /// override reason (the caller checks the actor may override).
    pub async fn move_opportunity(
        &self,
        actor: Actor,
        id: i64,
        to: guanxi_domain::sales::Stage,
        override_reason: Option<&str>,
    ) -> Result<OpportunityRecord, StoreError> {
        dispatch!(self, move_opportunity(actor, id, to, override_reason))
    }

    /// Wins or loses an open deal (see `ops::close_opportunity`).
    /// Wins or loses a deal. A win with `record_order` records its amount as the customer's
    /// order (number `DEAL-{id}`, on the day it was won) in the same transaction.
    pub async fn close_opportunity(
        &self,
        actor: Actor,
        id: i64,
        outcome: &guanxi_domain::sales::Outcome,
        override_reason: Option<&str>,
        record_order: bool,
    ) -> Result<OpportunityRecord, StoreError> {
        let o = dispatch!(self, close_opportunity(actor, id, outcome, override_reason, record_order))?;
        // The order moves the customer's standing (first purchase, 4R phase).
        if record_order && matches!(outcome, guanxi_domain::sales::Outcome::Won { .. }) {
            self.standing(o.customer_id).await?;
        }
        Ok(o)
    }

    pub async fn tick_action(
        &self,
        actor: Actor,
        id: i64,
        stage: guanxi_domain::sales::Stage,
        key: &str,
        done: bool,
    ) -> Result<(), StoreError> {
        dispatch!(self, tick_action(actor, id, stage, key, done))
    }

    pub async fn opportunity_changes(&self, id: i64) -> Result<Vec<StageChange>, StoreError> {
        dispatch!(self, opportunity_changes(id))
    }

    pub async fn add_objection(
        &self,
        actor: Actor,
        id: i64,
        d: &guanxi_domain::sales::ObjectionDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_objection(actor, id, d))
    }

    pub async fn update_objection(
        &self,
        actor: Actor,
        objection_id: i64,
        d: &guanxi_domain::sales::ObjectionDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_objection(actor, objection_id, d))
    }

    pub async fn objections(&self, id: i64) -> Result<Vec<ObjectionRecord>, StoreError> {
        dispatch!(self, objections(id))
    }

    pub async fn set_chain_member(
        &self,
        actor: Actor,
        id: i64,
        key_person_id: i64,
        engaged: bool,
        plan: Option<&str>,
    ) -> Result<(), StoreError> {
        dispatch!(self, set_chain_member(actor, id, key_person_id, engaged, plan))
    }

    pub async fn remove_chain_member(&self, actor: Actor, id: i64, key_person_id: i64) -> Result<(), StoreError> {
        dispatch!(self, remove_chain_member(actor, id, key_person_id))
    }

    pub async fn decision_chain(&self, id: i64) -> Result<Vec<ChainRecord>, StoreError> {
        dispatch!(self, decision_chain(id))
    }

    pub async fn opportunity_tasks(&self, id: i64) -> Result<Vec<TaskRecord>, StoreError> {
        dispatch!(self, opportunity_tasks(id))
    }

    pub async fn complete_task(&self, actor: Actor, task_id: i64, done: bool) -> Result<TaskRecord, StoreError> {
        dispatch!(self, complete_task(actor, task_id, done))
    }

    /// Attaches a file to an opportunity (see `ops::add_attachment`).
    pub async fn add_attachment(
        &self,
        actor: Actor,
        id: i64,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_attachment(actor, id, name, content_type, content))
    }

    pub async fn attachments(&self, id: i64) -> Result<Vec<AttachmentInfo>, StoreError> {
        dispatch!(self, attachments(id))
    }

    pub async fn attachment(&self, id: i64, attachment: i64) -> Result<(AttachmentInfo, Vec<u8>), StoreError> {
        dispatch!(self, attachment(id, attachment))
    }

    pub async fn delete_attachment(&self, actor: Actor, id: i64, attachment: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_attachment(actor, id, attachment))
    }

    /// Writes deals with their past in one transaction (see `ops::import_deals`).
    pub async fn import_deals(&self, actor: Actor, source: &str, deals: &[DealImport]) -> Result<usize, StoreError> {
        dispatch!(self, import_deals(actor, source, deals))
    }

    /// The sales reports for a scope and a period (see `ops::sales_report`).
    pub async fn sales_report(&self, f: &ReportFilter) -> Result<SalesReport, StoreError> {
        dispatch!(self, sales_report(f))
    }

    /// The company's sales settings (the defaults until an admin saves some).
    pub async fn sales_settings(&self) -> Result<guanxi_domain::sales::SalesSettings, StoreError> {
        let stored = dispatch!(self, setting("sales"))?;
        Ok(match stored {
            Some(v) => serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("sales settings: {e}")))?,
            None => guanxi_domain::sales::SalesSettings::default(),
        })
    }

    /// Saves the sales settings after checking them, audited.
    pub async fn save_sales_settings(
        &self,
        actor: Actor,
        settings: &guanxi_domain::sales::SalesSettings,
    ) -> Result<(), StoreError> {
        settings.validate().map_err(StoreError::Invalid)?;
        let value = serde_json::to_value(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, "sales", &value))
    }

    // ----- settings -----

    /// The address customers reach Guanxi at, if an admin (or `serve --public-url`) set one.
    pub async fn public_url(&self) -> Result<Option<String>, StoreError> {
        Ok(dispatch!(self, setting("public_url"))?.and_then(|v| v.as_str().map(str::to_string)))
    }

    /// Sets the public address after checking it (see `values::parse_public_url`), audited;
    /// an empty one clears it (links then use each server's own address).
    pub async fn save_public_url(&self, actor: Actor, input: &str) -> Result<Option<String>, StoreError> {
        if input.trim().is_empty() {
            dispatch!(self, save_setting(actor, "public_url", &serde_json::Value::Null))?;
            return Ok(None);
        }
        let url = guanxi_domain::values::parse_public_url(input)
            .map_err(|e| StoreError::Invalid(guanxi_domain::Validation(vec![e])))?;
        dispatch!(self, save_setting(actor, "public_url", &serde_json::Value::String(url.clone())))?;
        Ok(Some(url))
    }

    /// The company's value settings (the defaults until an admin saves some).
    pub async fn value_settings(&self) -> Result<guanxi_domain::value::ValueSettings, StoreError> {
        let stored = dispatch!(self, setting("value"))?;
        Ok(match stored {
            Some(v) => serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("value settings: {e}")))?,
            None => guanxi_domain::value::ValueSettings::default(),
        })
    }

    /// Saves the value settings, audited.
    pub async fn save_value_settings(
        &self,
        actor: Actor,
        settings: &guanxi_domain::value::ValueSettings,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_value(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, save_setting(actor, "value", &value))
    }

    /// Replaces the saved customer values with a new assessment; returns the run's id.
    pub async fn save_assessment(
        &self,
        actor: Actor,
        as_of: chrono::NaiveDate,
        unit: &str,
        report: &serde_json::Value,
        values: &[guanxi_domain::value::CustomerValue],
    ) -> Result<i64, StoreError> {
        dispatch!(self, save_assessment(actor, as_of, unit, report, values))
    }

    pub async fn customer_value(
        &self,
        customer_id: i64,
    ) -> Result<Option<guanxi_domain::value::CustomerValue>, StoreError> {
        dispatch!(self, customer_value(customer_id))
    }

    pub async fn latest_value_run(&self) -> Result<Option<ValueRun>, StoreError> {
        dispatch!(self, latest_value_run())
    }

    /// The names of customers by id (those that exist).
    pub async fn customer_names(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, StoreError> {
        dispatch!(self, customer_names(ids))
    }

    pub async fn churn_watch(&self, threshold: f64, limit: i64) -> Result<Vec<ChurnRow>, StoreError> {
        dispatch!(self, churn_watch(threshold, limit))
    }

    /// Customers whose last order is more than `factor` × their own rhythm ago.
    pub async fn overdue(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        factor: f64,
        limit: i64,
    ) -> Result<Vec<OverdueRow>, StoreError> {
        dispatch!(self, overdue(now, factor, limit))
    }

    // ----- customers -----

    pub async fn create_customer(&self, actor: Actor, draft: &guanxi_domain::CustomerDraft) -> Result<i64, StoreError> {
        dispatch!(self, create_customer(actor, draft))
    }

    /// The customer, including a soft-deleted one (see `deleted_at`).
    pub async fn customer(&self, id: i64) -> Result<CustomerRecord, StoreError> {
        dispatch!(self, customer(id))
    }

    /// Applies a partial change. With `expected_version`, refuses if someone changed the
    /// customer in between.
    pub async fn update_customer(
        &self,
        actor: Actor,
        id: i64,
        changes: &guanxi_domain::Raw,
        expected_version: Option<i64>,
    ) -> Result<CustomerRecord, StoreError> {
        let r = dispatch!(self, update_customer(actor, id, changes, expected_version))?;
        // The owner and the status feed the relationship lists.
        if changes.has(guanxi_domain::Field::Owner) || changes.has(guanxi_domain::Field::Status) {
            self.standing(id).await?;
        }
        Ok(r)
    }

    /// Moves the customer to the recycle bin.
    pub async fn delete_customer(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_customer(actor, id))
    }

    pub async fn restore_customer(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, restore_customer(actor, id))
    }

    pub async fn list_customers(&self, filter: &CustomerFilter) -> Result<Page<CustomerSummary>, StoreError> {
        dispatch!(self, list_customers(filter))
    }

    /// Tags in use, with how many customers carry each, most used first.
    pub async fn tags(&self) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, tags())
    }

    pub async fn count_customers(&self) -> Result<i64, StoreError> {
        dispatch!(self, count_customers())
    }

    // ----- key people, people around, interactions -----

    pub async fn add_key_person(
        &self,
        actor: Actor,
        customer_id: i64,
        draft: &guanxi_domain::KeyPersonDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_key_person(actor, customer_id, draft))
    }

    pub async fn update_key_person(
        &self,
        actor: Actor,
        id: i64,
        draft: &guanxi_domain::KeyPersonDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_key_person(actor, id, draft))
    }

    pub async fn delete_key_person(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_key_person(actor, id))
    }

    pub async fn key_people(&self, customer_id: i64) -> Result<Vec<KeyPersonRecord>, StoreError> {
        dispatch!(self, key_people(customer_id))
    }

    pub async fn add_person_around(
        &self,
        actor: Actor,
        customer_id: i64,
        key_person_id: Option<i64>,
        draft: &guanxi_domain::PersonAroundDraft,
    ) -> Result<i64, StoreError> {
        dispatch!(self, add_person_around(actor, customer_id, key_person_id, draft))
    }

    pub async fn delete_person_around(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_person_around(actor, id))
    }

    pub async fn people_around(&self, customer_id: i64) -> Result<Vec<PersonAroundRecord>, StoreError> {
        dispatch!(self, people_around(customer_id))
    }

    /// Brings back a removed key person, person around or interaction.
    pub async fn restore_part(&self, actor: Actor, part: Part, id: i64) -> Result<(), StoreError> {
        dispatch!(self, restore_part(actor, part, id))
    }

    pub async fn update_person_around(
        &self,
        actor: Actor,
        id: i64,
        draft: &guanxi_domain::PersonAroundDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_person_around(actor, id, draft))
    }

    /// Corrects a logged interaction (its fields and participants).
    pub async fn update_interaction(
        &self,
        actor: Actor,
        id: i64,
        draft: &guanxi_domain::InteractionDraft,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_interaction(actor, id, draft))
    }

    /// Removes a key person, person around or interaction.
    pub async fn delete_part(&self, actor: Actor, part: Part, id: i64) -> Result<(), StoreError> {
        match part {
            Part::KeyPerson => self.delete_key_person(actor, id).await,
            Part::PersonAround => self.delete_person_around(actor, id).await,
            Part::Interaction => self.delete_interaction(actor, id).await,
        }
    }

    /// The customer a key person, person around or interaction belongs to.
    pub async fn customer_of(&self, part: Part, id: i64) -> Result<Option<i64>, StoreError> {
        dispatch!(self, customer_of(part, id))
    }

    pub async fn add_interaction(
        &self,
        actor: Actor,
        customer_id: i64,
        draft: &guanxi_domain::InteractionDraft,
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, add_interaction(actor, customer_id, draft))?;
        self.standing(customer_id).await?;
        Ok(id)
    }

    pub async fn delete_interaction(&self, actor: Actor, id: i64) -> Result<(), StoreError> {
        dispatch!(self, delete_interaction(actor, id))
    }

    /// Newest first.
    pub async fn interactions(&self, customer_id: i64) -> Result<Vec<InteractionRecord>, StoreError> {
        dispatch!(self, interactions(customer_id))
    }

    // ----- audit -----

    /// The customer's history, newest first, including that of customers merged into it.
    pub async fn history(&self, customer_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, history(customer_id))
    }

    /// The newest audit entries across the archive.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, audit_log(limit))
    }

    // ----- search -----

    /// Best matches first: the whole name exactly (张三, zhangsan, zs), then the start of the
    /// name (张), then a part of it (华为 in 北京华为…), then anything else (phone, e-mail,
    /// company, key people); within each, oldest customer first. Deleted customers are not found.
    pub async fn search(&self, query: &str, limit: i64) -> Result<Vec<CustomerSummary>, StoreError> {
        dispatch!(self, search(query, limit))
    }

    // ----- import / export -----

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

    // ----- duplicates -----

    pub async fn duplicate_candidates(&self, limit: i64) -> Result<Vec<DuplicatePair>, StoreError> {
        dispatch!(self, duplicate_candidates(limit))
    }

    pub async fn dismiss_duplicate(&self, actor: Actor, a: i64, b: i64) -> Result<(), StoreError> {
        dispatch!(self, dismiss_duplicate(actor, a, b))
    }

    /// Merges `drop` into `keep`; returns the merge id, which `unmerge` takes.
    /// Merges `drop` into `keep`; the kept customer's standing follows what moved.
    /// Live customers `draft` looks like (same phone, e-mail, or name and company), other than
    /// `except`: (id, name, why).
    pub async fn similar_customers(
        &self,
        draft: &guanxi_domain::CustomerDraft,
        except: Option<i64>,
    ) -> Result<Vec<(i64, String, guanxi_domain::dedupe::DuplicateReason)>, StoreError> {
        dispatch!(self, similar_customers(draft, except))
    }

    /// Merges `drop` into `keep` (see `ops::merge`); `from_drop` names the fields where
    /// `drop`'s value wins.
    pub async fn merge(
        &self,
        actor: Actor,
        keep: i64,
        drop: i64,
        from_drop: &[guanxi_domain::Field],
    ) -> Result<i64, StoreError> {
        let id = dispatch!(self, merge(actor, keep, drop, from_drop))?;
        self.standing(keep).await?;
        Ok(id)
    }

    /// Undoes a merge; both customers' standing follows.
    pub async fn unmerge(&self, actor: Actor, merge_id: i64) -> Result<(), StoreError> {
        dispatch!(self, unmerge(actor, merge_id))?;
        let m = self.merge_record(merge_id).await?;
        self.standing(m.kept_id).await?;
        self.standing(m.dropped_id).await.map(|_| ())
    }

    pub async fn merge_record(&self, id: i64) -> Result<MergeRecord, StoreError> {
        dispatch!(self, merge_record(id))
    }

    pub async fn merges(&self, customer_id: i64) -> Result<Vec<MergeRecord>, StoreError> {
        dispatch!(self, merges(customer_id))
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_read_only_file_is_named() {
        let path = std::env::temp_dir().join(format!("guanxi-ro-{}.db", std::process::id()));
        std::fs::write(&path, b"").unwrap();
        let mut p = std::fs::metadata(&path).unwrap().permissions();
        p.set_readonly(true);
        std::fs::set_permissions(&path, p.clone()).unwrap();
        let (zh, en) = super::unwritable(path.to_str().unwrap()).expect("a read-only file is named");
        assert!(en.contains("read-only") && zh.contains("只读"), "{en} / {zh}");
        #[allow(clippy::permissions_set_readonly_false)]
        p.set_readonly(false);
        std::fs::set_permissions(&path, p).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(super::unwritable(path.to_str().unwrap()), None, "a writable folder says nothing");
    }
}
