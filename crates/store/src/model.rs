//! What the store hands back: stored records around the domain's validated drafts.

use chrono::{DateTime, NaiveDate, Utc};
use guanxi_domain::dedupe::DuplicateReason;
use guanxi_domain::{
    CustomerDraft, CustomerKind, CustomerStatus, InteractionDraft, KeyPersonDraft, Lang, PersonAroundDraft, Role,
};
use serde::Serialize;

/// Who is making a change: a user id. The audit log records it with every write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Actor(pub i64);

impl Actor {
    /// The built-in `system` user (id 1), for changes made from the command line without `--as`.
    pub const SYSTEM: Actor = Actor(1);
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The language the user chose for the web app.
    pub lang: Lang,
    /// The password was generated (new user, reset): it must be replaced before anything else.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRecord {
    pub id: i64,
    #[serde(flatten)]
    pub draft: CustomerDraft,
    pub owner_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub merged_into_id: Option<i64>,
    pub version: i64,
}

/// A line in a list or a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerSummary {
    pub id: i64,
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Search text (Han, pinyin, initials, phone, e-mail, company): best matches first, at
    /// most [`SEARCH_LIMIT`] of them, then the other filters.
    pub query: Option<String>,
    pub kind: Option<CustomerKind>,
    pub status: Option<CustomerStatus>,
    pub needs_orientation: Option<guanxi_domain::NeedsOrientation>,
    /// The owner's username, or [`NO_OWNER`] for the customers nobody looks after.
    pub owner: Option<String>,
    pub tag: Option<String>,
    /// From the latest value assessment.
    pub tier: Option<guanxi_domain::ValueTier>,
    pub segment: Option<guanxi_domain::value::RfmSegment>,
    /// Only customers whose P(alive) is below this (0–1).
    pub alive_below: Option<f64>,
    /// The relationship: stage, the level a person confirmed, and from the latest relationship
    /// recompute the 4R phase and the quadrant.
    pub relationship_stage: Option<guanxi_domain::relationship::RelationshipStage>,
    pub relationship_level: Option<guanxi_domain::relationship::RelationshipLevel>,
    pub lifecycle: Option<guanxi_domain::standing::Phase>,
    pub quadrant: Option<guanxi_domain::standing::Quadrant>,
    /// Only the customers an import wrote (created or changed): the import's audit record.
    pub imported: Option<i64>,
    pub sort: CustomerSort,
    /// Only the recycle bin.
    pub deleted: bool,
    pub page: i64,
    pub per_page: i64,
}

/// The owner filter for customers without an owner (not a possible username: usernames have
/// no brackets).
pub const NO_OWNER: &str = "(none)";

/// How many search matches a filtered list considers.
pub const SEARCH_LIMIT: i64 = 200;

/// Lists count matching customers up to this many; beyond it `Page::total_capped` is set.
pub const COUNT_LIMIT: i64 = 10_000;

/// The order of a customer list without search text (with it, best matches come first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    /// Oldest first: the order customers were entered.
    #[default]
    Oldest,
    Newest,
    /// By name in pinyin order.
    Name,
    /// Most recently changed first.
    Updated,
}

impl CustomerSort {
    pub const ALL: &[CustomerSort] =
        &[CustomerSort::Updated, CustomerSort::Newest, CustomerSort::Oldest, CustomerSort::Name];

    pub fn code(self) -> &'static str {
        match self {
            CustomerSort::Oldest => "oldest",
            CustomerSort::Newest => "newest",
            CustomerSort::Name => "name",
            CustomerSort::Updated => "updated",
        }
    }

    pub fn parse(s: &str) -> Option<CustomerSort> {
        CustomerSort::ALL.iter().copied().find(|c| c.code() == s.trim())
    }

    /// The ORDER BY clause of a list in this order.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            CustomerSort::Oldest => "c.id",
            CustomerSort::Newest => "c.id DESC",
            CustomerSort::Name => "c.name_pinyin, c.id",
            CustomerSort::Updated => "c.updated_at DESC, c.id DESC",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match; when `total_capped`, at least this many.
    pub total: i64,
    pub total_capped: bool,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyPersonRecord {
    pub id: i64,
    pub customer_id: i64,
    #[serde(flatten)]
    pub draft: KeyPersonDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonAroundRecord {
    pub id: i64,
    pub customer_id: i64,
    /// Set when the person is around a key person rather than the customer itself.
    pub key_person_id: Option<i64>,
    #[serde(flatten)]
    pub draft: PersonAroundDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub name: String,
    pub user_id: Option<i64>,
    pub key_person_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractionRecord {
    pub id: i64,
    pub customer_id: i64,
    #[serde(flatten)]
    pub draft: InteractionDraft,
    pub ours: Vec<Participant>,
    pub theirs: Vec<Participant>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub note: Option<String>,
    /// The client's address, for sign-ins and other security events.
    pub client: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    /// Rows identical to what is stored already.
    pub unchanged: usize,
}

/// What taking an import back did (see `Store::take_back_abandoned_imports`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Undone {
    /// Customers it created, removed again.
    pub removed: usize,
    /// Customers it changed, whose fields were put back.
    pub restored: usize,
    /// Customers it created that someone touched meanwhile (changed, or added a contact, an
    /// order, a deal to): moved to the recycle bin instead of removed, so nothing of theirs is lost.
    pub binned: usize,
}

impl Undone {
    /// "Import 3 never finished …" in the reader's language, for a log line or the CLI.
    pub fn message(&self, import_id: i64, lang: guanxi_domain::Lang) -> String {
        match lang {
            guanxi_domain::Lang::ZhCn => format!(
                "导入 {import_id} 没有完成（它的进程已停止），已撤回：删除 {} 条，改回 {} 条，移入回收站 {} 条",
                self.removed, self.restored, self.binned
            ),
            guanxi_domain::Lang::En => format!(
                "import {import_id} never finished (its process stopped); taken back: {} removed, {} put back, {} to the recycle bin",
                self.removed, self.restored, self.binned
            ),
        }
    }
}

/// What an import would do with a row that names a stored customer: change it (the fields
/// that would change, as now and then), or refuse the row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowPreview {
    Update { line: usize, id: i64, name: String, changes: Vec<(guanxi_domain::Field, String, String)> },
    Refused(usize, guanxi_domain::Validation),
}

/// What an orders import would do with a row (see `Store::preview_orders`).
#[derive(Debug, Clone, PartialEq)]
pub enum OrderPreview {
    /// A new order for this customer.
    New {
        line: usize,
        customer: i64,
    },
    /// A change to a stored order: each changing field, as text before and after.
    Update {
        line: usize,
        order: i64,
        customer: i64,
        order_no: String,
        changes: Vec<(guanxi_domain::Field, String, String)>,
    },
    /// The stored order already holds what the row says.
    Unchanged {
        line: usize,
        order: i64,
    },
    Refused(usize, guanxi_domain::Validation),
}

/// What an import in progress has written so far, and the owners it has looked up.
#[derive(Debug, Default)]
pub struct ImportState {
    pub outcome: ImportOutcome,
    pub(crate) owners: std::collections::HashMap<String, i64>,
    /// Stored customers the import changed, whose search keys are rewritten when it finishes:
    /// on SQLite a removal from FTS5 in between would flush the keys it is buffering.
    pub(crate) reindex: std::collections::BTreeSet<i64>,
    /// The import's own audit record, named by those of the customers it writes.
    pub(crate) import_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicatePair {
    pub a: CustomerSummary,
    pub b: CustomerSummary,
    pub reasons: Vec<DuplicateReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_id: i64,
    pub dropped_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub undone_at: Option<DateTime<Utc>>,
}

pub use guanxi_domain::china::end_of_day as end_of_china_day;
/// Today in China, for validating birthdays and founding dates.
pub use guanxi_domain::china::today as today_in_china;

/// An API token as its owner sees it in the list: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    /// The owner's username (for the admins' list of everyone's tokens).
    pub username: String,
    pub name: String,
    /// The token's last four characters, to tell tokens apart.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it stops working (tokens made before expiries existed: 90 days after creation).
    pub expires_at: DateTime<Utc>,
    pub scope: TokenScope,
}

impl ApiToken {
    /// How long a token made before expiries existed works.
    pub const LEGACY_LIFETIME: chrono::Duration = chrono::Duration::days(90);

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenScope {
    /// Whatever its user may do.
    Full,
    /// Only read (GET); anything else is refused.
    Read,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Full => "full",
            TokenScope::Read => "read",
        }
    }

    pub fn parse(s: &str) -> Option<TokenScope> {
        match s.trim() {
            "full" => Some(TokenScope::Full),
            "read" | "read_only" => Some(TokenScope::Read),
            _ => None,
        }
    }
}

/// The token a request came with, as the server needs it: its id, scope and last use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    pub id: i64,
    pub scope: TokenScope,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A signed-in browser session as the server needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub user: User,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the password was last entered in this session.
    pub authenticated_at: DateTime<Utc>,
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session ends after this long without a request…
    pub idle: chrono::Duration,
    /// …and this long after sign-in, however busy.
    pub absolute: chrono::Duration,
    /// How stale `last_seen_at` may be before a request slides the expiry forward (saves a
    /// write per request).
    pub refresh_after: chrono::Duration,
}

/// Which audit entries to read (admins' audit page, `GET /api/v1/audit`, `guanxi audit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// A username (the actor).
    pub user: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// A customer-list query a user saved under a name (the list page's query string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub query: String,
}

/// The records that belong to one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    KeyPerson,
    PersonAround,
    Interaction,
}

impl Part {
    /// The entity name the audit log uses.
    pub fn entity(self) -> &'static str {
        match self {
            Part::KeyPerson => "key_person",
            Part::PersonAround => "person_around",
            Part::Interaction => "interaction",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Part::KeyPerson => "key_people",
            Part::PersonAround => "people_around",
            Part::Interaction => "interactions",
        }
    }
}

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

/// A saved value assessment: when, as of which day, and its report (fitted models).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRun {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub as_of: NaiveDate,
    pub unit: String,
    pub customers: i64,
    pub report: serde_json::Value,
}

/// A customer whose P(alive) has fallen, with what is at stake.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnRow {
    pub customer_id: i64,
    pub name: String,
    pub tier: guanxi_domain::ValueTier,
    pub p_alive: f64,
    pub clv_history_fen: i64,
    pub revenue_window_fen: i64,
    pub last_order_at: Option<DateTime<Utc>>,
}

/// A customer who has not bought for much longer than they usually do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueRow {
    pub customer_id: i64,
    pub name: String,
    pub rhythm_days: f64,
    pub days_since: f64,
    pub revenue_fen: i64,
    pub last_order_at: Option<DateTime<Utc>>,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn code(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed].into_iter().find(|j| j.code() == s)
    }
}

/// A piece of background work (see `Store::run_due_jobs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub state: JobState,
    pub run_at: DateTime<Utc>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub result: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: i64,
    pub finished_at: Option<DateTime<Utc>>,
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

/// An opportunity 商机 as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpportunityRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: i64,
    /// The owner's username.
    pub owner_name: String,
    #[serde(flatten)]
    pub draft: guanxi_domain::sales::OpportunityDraft,
    pub stage: guanxi_domain::sales::Stage,
    pub status: guanxi_domain::sales::DealStatus,
    /// The win probability in effect (set by hand, or the stage's).
    pub probability_pct: u8,
    pub won_amount_fen: Option<i64>,
    pub closed_on: Option<chrono::NaiveDate>,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub stage_entered_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One change of an opportunity's stage or status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    pub id: i64,
    pub from_stage: Option<guanxi_domain::sales::Stage>,
    pub to_stage: guanxi_domain::sales::Stage,
    pub status: guanxi_domain::sales::DealStatus,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    /// Set when a manager moved past missing mandatory actions.
    pub override_reason: Option<String>,
    pub skipped: Vec<String>,
}

/// A logged objection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectionRecord {
    pub id: i64,
    pub opportunity_id: i64,
    pub objection: String,
    pub cause: guanxi_domain::sales::ObjectionCause,
    pub answer: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A key person on an opportunity's decision chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainRecord {
    pub key_person_id: i64,
    #[serde(flatten)]
    pub member: guanxi_domain::sales::ChainMember,
}

/// A task: something to do for a customer by a date (after-sales follow-ups so far).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskRecord {
    pub id: i64,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub title: String,
    pub due_on: chrono::NaiveDate,
    pub assignee: String,
    pub done_at: Option<DateTime<Utc>>,
}

/// Which opportunities a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityFilter {
    pub owner_id: Option<i64>,
    pub team: Option<String>,
    pub customer_id: Option<i64>,
    pub status: Option<guanxi_domain::sales::DealStatus>,
    pub stage: Option<guanxi_domain::sales::Stage>,
    /// Words of the title or the customer's name.
    pub q: Option<String>,
    /// Open deals without activity since this moment.
    pub quiet_since: Option<DateTime<Utc>>,
    pub page: u32,
    pub per_page: u32,
}

/// A page of opportunities, with how many match and their total amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpportunityPage {
    pub items: Vec<OpportunityRecord>,
    pub total: i64,
    pub amount_fen: i64,
}

/// What the sales reports look at: whose deals, and which China days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFilter {
    pub owner_id: Option<i64>,
    pub team: Option<String>,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    /// Open deals quiet since before this moment are stalled.
    pub stalled_before: DateTime<Utc>,
}

/// One owner's pipeline (open deals now) and results (deals closed in the period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerLine {
    pub owner: String,
    pub open: i64,
    pub pipeline_fen: i64,
    /// Σ amount × probability.
    pub weighted_fen: i64,
    pub won: i64,
    pub lost: i64,
    pub won_fen: i64,
}

/// Open deals by the month they are expected to close (`""`: no date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthLine {
    pub month: String,
    pub open: i64,
    pub pipeline_fen: i64,
    pub weighted_fen: i64,
}

/// The sales reports (see `ops::sales_report` for what each number counts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesReport {
    pub by_owner: Vec<OwnerLine>,
    pub by_month: Vec<MonthLine>,
    /// Deals opened in the period, by how far they got: (stage, how many reached it).
    pub funnel: Vec<(guanxi_domain::sales::Stage, i64)>,
    /// (stage, average days spent in it, stays counted) over stage stays that ended in the period.
    pub stage_days: Vec<(guanxi_domain::sales::Stage, f64, i64)>,
    /// Average days from opening to winning, over deals won in the period.
    pub cycle_days: Option<f64>,
    pub won: i64,
    pub lost: i64,
    pub stalled: i64,
    /// The largest stalled deals.
    pub stalled_deals: Vec<OpportunityRecord>,
    /// Objections logged in the period: (cause, logged, still open).
    pub objections: Vec<(guanxi_domain::sales::ObjectionCause, i64, i64)>,
    /// Deals lost in the period by the competitor they went to (`""`: not recorded).
    pub lost_to: Vec<(String, i64, i64)>,
}

/// A deal with its past, as an import from another system (or the demo and the benchmark)
/// gives it: opened at `created_at` at the first stage, then each stage entered and when (the
/// last is where it stands), then how it ended, if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealImport {
    pub customer_id: i64,
    pub owner_id: i64,
    pub draft: guanxi_domain::sales::OpportunityDraft,
    pub created_at: DateTime<Utc>,
    pub moves: Vec<(guanxi_domain::sales::Stage, DateTime<Utc>)>,
    pub outcome: Option<(guanxi_domain::sales::Outcome, DateTime<Utc>)>,
    pub objections: Vec<(guanxi_domain::sales::ObjectionDraft, DateTime<Utc>)>,
}

/// A file attached to an opportunity (its proposal), without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub opportunity_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One change of a customer's relationship stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationshipChange {
    pub from: guanxi_domain::relationship::RelationshipStage,
    pub to: guanxi_domain::relationship::RelationshipStage,
    pub why: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// One confirmation of a customer's relationship level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelChange {
    pub from: Option<guanxi_domain::relationship::RelationshipLevel>,
    pub to: guanxi_domain::relationship::RelationshipLevel,
    pub why: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// A competitor as stored, with how many customers engage with it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompetitorRecord {
    pub id: i64,
    #[serde(flatten)]
    pub draft: guanxi_domain::competitors::CompetitorDraft,
    pub engaged_customers: i64,
    pub updated_at: DateTime<Utc>,
}

/// A customer's engagement with a competitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngagementRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub competitor_id: i64,
    pub competitor: String,
    pub kind: guanxi_domain::competitors::EngagementKind,
    pub since: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    pub note: Option<String>,
}

/// A health check as saved: who, when, the score and the ten answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckRecord {
    pub id: i64,
    pub customer_id: i64,
    pub checked_at: DateTime<Utc>,
    pub checked_by: String,
    pub score: guanxi_domain::health::Score,
    pub note: Option<String>,
    pub signs: Vec<guanxi_domain::health::SignAnswer>,
}

/// A line of the relationship-health list (and of a quadrant's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthRow {
    pub customer_id: i64,
    pub name: String,
    pub owner: Option<String>,
    pub tier: Option<guanxi_domain::ValueTier>,
    /// The latest check's score, or the data's when never checked; `None`: nothing known.
    pub score: Option<i32>,
    pub change: Option<i32>,
    /// When the latest check was made; `None`: the score is the data's.
    pub checked_at: Option<DateTime<Utc>>,
    /// The data's ten answers (`y`, `n`, `?`).
    pub signs: String,
    pub phase: guanxi_domain::standing::Phase,
    pub quadrant: Option<guanxi_domain::standing::Quadrant>,
    pub satisfaction: Option<i32>,
    pub loyalty: Option<i32>,
    /// How many of the ten signs the score stands on.
    pub known: Option<i32>,
}

/// One customer's standing now, the inputs it came from, and their health score.
#[derive(Debug, Clone, PartialEq)]
pub struct StandingRecord {
    pub standing: guanxi_domain::standing::Standing,
    pub inputs: guanxi_domain::standing::Inputs,
    pub health_score: Option<i32>,
    pub health_change: Option<i32>,
    pub health_known: Option<i32>,
    pub health_checked_at: Option<DateTime<Utc>>,
}

/// The counts of a relationship recompute, read by the overview pages instead of a million rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StandingReport {
    /// Proposed levels, 4R phases and quadrants by code.
    pub levels: std::collections::BTreeMap<String, i64>,
    pub phases: std::collections::BTreeMap<String, i64>,
    pub quadrants: std::collections::BTreeMap<String, i64>,
    /// Customers by satisfaction (row) and loyalty (column) in tenths: `grid[s][l]`, each
    /// index `min(value / 10, 9)`.
    pub grid: Vec<Vec<i64>>,
    /// Customers with a satisfaction (a survey answered in the last two years).
    pub surveyed: i64,
    /// Customers with a loyalty (a purchase).
    pub with_loyalty: i64,
    /// Customers on the health list, and those of them whose health nothing answers yet.
    pub watched: i64,
    pub watched_unknown: i64,
    /// Win-back cases this run opened.
    #[serde(default)]
    pub winback_opened: i64,
}

impl StandingReport {
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        level: &guanxi_domain::relationship::RelationshipLevel,
        phase: guanxi_domain::standing::Phase,
        quadrant: Option<guanxi_domain::standing::Quadrant>,
        satisfaction: Option<i32>,
        loyalty: Option<i32>,
        watched: bool,
        health: Option<i32>,
    ) {
        *self.levels.entry(level.code().to_string()).or_default() += 1;
        *self.phases.entry(phase.code().to_string()).or_default() += 1;
        if let Some(q) = quadrant {
            *self.quadrants.entry(q.code().to_string()).or_default() += 1;
        }
        if self.grid.is_empty() {
            self.grid = vec![vec![0; 10]; 10];
        }
        if let (Some(s), Some(l)) = (satisfaction, loyalty) {
            self.grid[(s / 10).clamp(0, 9) as usize][(l / 10).clamp(0, 9) as usize] += 1;
        }
        self.surveyed += satisfaction.is_some() as i64;
        self.with_loyalty += loyalty.is_some() as i64;
        if watched {
            self.watched += 1;
            self.watched_unknown += health.is_none() as i64;
        }
    }
}

/// Which part of the health list, in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthOrder {
    /// Lowest score first, the steepest fall first among equals.
    Worst,
    /// Steepest fall first.
    Falling,
    /// Watched customers whose health nothing answers yet.
    Unknown,
}

/// A satisfaction survey: recorded by a person, or a link waiting for (or given) an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub about: guanxi_domain::standing::SurveyAbout,
    pub reference: Option<String>,
    /// `form`, `api` or `link`.
    pub via: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub link_expires_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answers: Option<guanxi_domain::standing::SurveyAnswers>,
}

/// Why a survey link takes no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// No such link (or its signature does not match).
    Invalid,
    /// Answered already, then.
    Used(DateTime<Utc>),
    /// Expired then.
    Expired(DateTime<Utc>),
}

/// A referral: who brought whom, the reward, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: i64,
    pub referrer_id: i64,
    pub referrer_name: String,
    pub referrer_person: Option<String>,
    pub referred_id: i64,
    pub referred_name: String,
    pub referred_status: guanxi_domain::CustomerStatus,
    pub referred_on: NaiveDate,
    pub reward_kind: Option<guanxi_domain::winback::RewardKind>,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub note: Option<String>,
    pub created_by: String,
    /// What the referred customer bought since the referral.
    pub revenue_fen: i64,
}

impl ReferralRecord {
    /// The referred customer became a customer: bought, or is marked a customer.
    pub fn converted(&self) -> bool {
        self.revenue_fen > 0 || self.referred_status == guanxi_domain::CustomerStatus::Customer
    }
}

/// A referrer's line in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TopReferrer {
    pub customer_id: i64,
    pub name: String,
    pub referred: i64,
    pub converted: i64,
    pub revenue_fen: i64,
    pub rewards_fen: i64,
}

/// The referrals report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralReport {
    pub referrals: i64,
    pub converted: i64,
    pub revenue_fen: i64,
    pub rewards_fen: i64,
    pub top: Vec<TopReferrer>,
    pub recent: Vec<ReferralRecord>,
}

/// A win-back case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub trigger: guanxi_domain::winback::Trigger,
    pub figure: guanxi_domain::winback::LifetimeFigure,
    pub status: guanxi_domain::winback::CaseStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub outcome_reason: Option<String>,
    pub attempt_count: i64,
    /// Filled when one case is read.
    pub attempts: Vec<AttemptRecord>,
}

/// One attempt to win a customer back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub channel: guanxi_domain::Channel,
    pub what: String,
    pub response: Option<String>,
    pub by: String,
}

/// What a relationship recompute did, and how long each part took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StandingRunStats {
    pub run: i64,
    pub customers: usize,
    /// Rows written because something changed.
    pub changed: usize,
    pub winback_opened: i64,
    pub read_ms: f64,
    pub compute_ms: f64,
    /// Writing the changed rows, and opening win-back cases.
    pub write_ms: f64,
    pub open_ms: f64,
}
