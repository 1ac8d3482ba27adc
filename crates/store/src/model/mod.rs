//! What the store hands back: stored records around the domain's validated drafts. The few
//! types every feature uses are here; each feature's own are in `model/<feature>.rs`.

use serde::Serialize;

mod audit;
mod auth;
mod cadences;
mod competitors;
mod customers;
mod duplicates;
mod imports;
mod jobs;
mod notifications;
mod occasions;
mod orders;
mod outbox;
mod people;
mod relationships;
mod sales;
mod standing;
mod surveys;
mod tasks;
mod value;
mod winback;

pub use audit::*;
pub use auth::*;
pub use cadences::*;
pub use competitors::*;
pub use customers::*;
pub use duplicates::*;
pub use imports::*;
pub use jobs::*;
pub use notifications::*;
pub use occasions::*;
pub use orders::*;
pub use outbox::*;
pub use people::*;
pub use relationships::*;
pub use sales::*;
pub use standing::*;
pub use surveys::*;
pub use tasks::*;
pub use value::*;
pub use winback::*;

/// Who is making a change: a user id. The audit log records it with every write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Actor(pub i64);

impl Actor {
    /// The built-in `system` user (id 1), for changes made from the command line without `--as`.
    pub const SYSTEM: Actor = Actor(1);
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

pub use guanxi_domain::china::end_of_day as end_of_china_day;

/// Today in China, for validating birthdays and founding dates.
pub use guanxi_domain::china::today as today_in_china;

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
