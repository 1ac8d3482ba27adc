//! The store's types for customers and customer lists.

use chrono::{DateTime, Utc};
use guanxi_domain::{CustomerDraft, CustomerKind, CustomerStatus};
use serde::Serialize;

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

/// A customer-list query a user saved under a name (the list page's query string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub query: String,
}
