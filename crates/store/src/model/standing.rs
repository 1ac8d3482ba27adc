//! The store's types for a customer's standing and health.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
