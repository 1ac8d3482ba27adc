//! Reading the archive in bulk (F-17 of the security review). Every role reads every customer
//! until data scopes arrive with the ownership issue; meanwhile a user who is neither a manager
//! nor an admin may read at most `Config::reads_per_hour` customer records an hour through the
//! lists and the record API, and passing that is refused (429) and recorded once an hour in the
//! audit log. Managers and admins export anyway (audited), so they are not counted.
//!
//! Counts live in this server's memory: with several servers behind one database a user gets
//! the allowance on each, which still bounds a harvest; nothing is written per request.

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use guanxi_domain::Role;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(3600);

/// Per user: when the hour began, records read in it, whether the refusal was audited.
#[derive(Default)]
pub struct ReadMeter(Mutex<HashMap<i64, (Instant, usize, bool)>>);

/// The most customers a list page may hold for someone counted.
pub const COUNTED_PER_PAGE: i64 = 100;

/// Is this viewer's reading counted?
pub fn counted(v: &Viewer) -> bool {
    !matches!(v.role(), Role::Admin | Role::Manager)
}

/// Counts `n` customer records about to be shown to `v`; refuses when the hour's allowance is
/// used up.
pub async fn count(state: &AppState, v: &Viewer, n: usize, client: &str) -> Result<(), AppError> {
    if !counted(v) || n == 0 {
        return Ok(());
    }
    let limit = state.config().reads_per_hour;
    let now = Instant::now();
    let (over, audit, minutes) = {
        let mut map = state.reads().0.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.entry(v.user.id).or_insert((now, 0, false));
        if now.duration_since(e.0) >= WINDOW {
            *e = (now, 0, false);
        }
        let over = e.1 + n > limit;
        if !over {
            e.1 += n;
        }
        let audit = over && !e.2;
        if over {
            e.2 = true;
        }
        let left = WINDOW.saturating_sub(now.duration_since(e.0));
        (over, audit, (left.as_secs() / 60 + 1) as i64)
    };
    if !over {
        return Ok(());
    }
    if audit {
        let note = format!("more than {limit} customer records in an hour");
        state.store().audit_event(v.actor(), "bulk_read", "customer", None, Some(&note), client).await?;
    }
    Err(AppError::TooManyReads { minutes })
}
