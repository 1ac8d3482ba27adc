//! Guanxi's domain: the customer archive as types that validate on construction, the
//! messages users see (zh-CN and en), and the Chinese-first search-token builder.
//!
//! No I/O, no async, no SQL, no HTML: everything here is a pure function of its input.

pub mod archive;
pub mod cadences;
pub mod china;
pub mod competitors;
pub mod dedupe;
pub mod enums;
pub mod error;
pub mod festivals;
pub mod fields;
pub mod health;
pub mod i18n;
pub mod lunar;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod password;
pub mod raw;
pub mod relationship;
pub mod sales;
pub mod search;
pub mod settings;
pub mod standing;
pub mod tasks;
pub mod throttle;
pub mod users;
pub mod value;
pub mod values;
pub mod winback;

pub use archive::*;
pub use enums::*;
pub use error::{Field, FieldError, Problem, Validation};
pub use i18n::Lang;
pub use raw::Raw;
pub use values::*;
