//! The store's types for occasions: birthdays coming up, of customers and the people around them.

use chrono::NaiveDate;
use guanxi_domain::Relation;
use guanxi_domain::values::Preference;
use serde::Serialize;

/// Whose birthday it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "who", rename_all = "snake_case")]
pub enum Celebrant {
    /// The customer (an individual).
    Customer,
    /// A key person of an organization, with their title.
    KeyPerson { job_title: Option<String> },
    /// Someone around the customer or around one of its key people (then named).
    Around { relation: Relation, of_key_person: Option<String> },
}

/// A birthday on a day ahead: whose, when, how old they turn (when the year is known), and
/// what they like — "投其周围人所好".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Birthday {
    pub on: NaiveDate,
    pub name: String,
    pub celebrant: Celebrant,
    pub customer_id: i64,
    pub customer_name: String,
    pub turns: Option<i32>,
    /// For a birthday kept by the lunar calendar, its lunar day: 「八月十六」.
    pub lunar: Option<String>,
    pub interests: Option<String>,
    pub preferences: Vec<Preference>,
}

/// A customer not met face to face for longer than their tier's visit interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitDue {
    pub customer_id: i64,
    pub customer_name: String,
    pub tier: guanxi_domain::ValueTier,
    /// The interval of the tier, in days.
    pub every_days: u32,
    /// The last face-to-face contact, if there ever was one.
    pub last_visit: Option<chrono::DateTime<chrono::Utc>>,
    /// How many days past the interval (from the last visit, or from when the customer was
    /// entered when never visited).
    pub days_over: i64,
}
