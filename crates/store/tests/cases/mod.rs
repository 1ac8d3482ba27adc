//! Store cases grouped by capability (the archive and value cases are in store.rs).

mod cadence_rules;
mod cadences;
mod concurrency;
mod greetings;
mod imports;
mod letters;
mod relationships;
mod reminders;
mod sales;
mod standing;
mod tasks;
