//! The audit log for admins (F-15): every change, import and export, sign-in, failure, block,
//! sign-out and token use, filtered by user, action, record and period, newest first.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Nav, china_time, query_day, query_string, query_text, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use guanxi_store::AuditFilter;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

const PER_PAGE: i64 = 100;

/// Which entries to read, on the page and through `GET /api/v1/audit`.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Who acted (username).
    pub user: Option<String>,
    /// login, login_failed, login_blocked, logout, token_used, create, update, delete, restore, merge, export, …
    pub action: Option<String>,
    /// customer, user, api_token, order, opportunity, …
    pub entity: Option<String>,
    /// First China day, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last China day, YYYY-MM-DD.
    pub to: Option<String>,
    /// Entries older than this id (the next page).
    pub before: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

impl AuditQuery {
    /// The store's filter: China days `from`..=`to`, the rest as typed.
    pub fn filter(&self) -> Result<AuditFilter, AppError> {
        let from = query_day("from", "开始日期", &self.from)?;
        let to = query_day("to", "结束日期", &self.to)?;
        Ok(AuditFilter {
            user: query_text(&self.user),
            action: query_text(&self.action),
            entity: query_text(&self.entity),
            from: from.map(|d| guanxi_domain::china::end_of_day(d) - chrono::Duration::days(1)),
            until: to.map(guanxi_domain::china::end_of_day),
            before_id: self.before.filter(|b| *b > 0),
            limit: self.limit.unwrap_or(PER_PAGE).clamp(1, 1000),
        })
    }
}

pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub who: String,
    pub what: String,
    pub record: String,
    pub client: String,
    pub note: String,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    q: (String, String, String, String, String),
    /// (who, username) for the filter.
    users: Vec<(String, String)>,
    actions: Vec<(&'static str, String)>,
    rows: Vec<AuditRow>,
    older: Option<String>,
}

/// Actions offered in the filter (others may still be typed in the address).
const ACTIONS: &[&str] = &[
    "login",
    "login_failed",
    "login_blocked",
    "logout",
    "token_used",
    "reauth_failed",
    "bulk_read",
    "create",
    "update",
    "delete",
    "restore",
    "merge",
    "unmerge",
    "import",
    "export",
];

async fn audit(State(state): State<AppState>, v: Viewer, Query(q): Query<AuditQuery>) -> Result<Response, AppError> {
    v.may(Action::ManageUsers)?;
    let t = T(v.lang());
    let f = AuditFilter { limit: PER_PAGE, ..q.filter()? };
    let entries = state.store().audit_entries(&f).await?;
    let names = crate::html::Names::load(state.store()).await?;
    let older = (entries.len() as i64 == PER_PAGE).then(|| {
        let last = entries.last().map(|e| e.id.to_string());
        query_string(&[
            ("user", q.user.as_deref()),
            ("action", q.action.as_deref()),
            ("entity", q.entity.as_deref()),
            ("from", q.from.as_deref()),
            ("to", q.to.as_deref()),
            ("before", last.as_deref()),
        ])
    });
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            id: e.id,
            at: china_time(&e.at),
            who: names.labelled(&e.actor),
            what: super::history::action_label(&e.action, &e.entity, t),
            record: match (e.customer_id, e.entity_id) {
                (Some(c), _) => format!("{} {c}", t.ent_customer()),
                (None, Some(id)) => format!("#{id}"),
                _ => String::new(),
            },
            client: e.client.clone().unwrap_or_default(),
            note: e.note.as_deref().map(|n| super::history::note_text(n, t)).unwrap_or_default(),
            changes: super::history::changes_of(&e.entity, e.before.as_ref(), e.after.as_ref(), &names, v.lang()),
        })
        .collect();
    let users = state.store().users().await?.into_iter().map(|u| (names.labelled(&u.username), u.username)).collect();
    let actions = ACTIONS.iter().map(|a| (*a, super::history::action_label(a, "", t))).collect();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let c = Chrome::new(&v, Nav::Audit, None, "/audit".into());
    Ok(render(&AuditPage {
        c,
        q: (text(&q.user), text(&q.action), text(&q.entity), text(&q.from), text(&q.to)),
        users,
        actions,
        rows,
        older,
    }))
}
