//! Helpers for HTML pages: rendering a template, the page frame every signed-in page shares,
//! one-time notices after a redirect, and form data.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::i18n::T;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guanxi_domain::{Field, Lang, Raw};
use guanxi_store::User;

pub fn render<P: Template>(page: &P) -> Response {
    match page.render() {
        Ok(body) => {
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r
        }
        Err(e) => AppError::Internal(format!("template: {e}")).into_response(),
    }
}

/// Escapes text for HTML built outside a template (SVG labels).
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Percent-encodes a query-string value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Colleagues as people read them: by the name they go by, not their sign-in name (issue #22:
/// lists, the board, reports and the history showed `zhang.wei`). Loaded once for a page.
pub struct Names {
    by_username: std::collections::HashMap<String, String>,
    by_id: std::collections::HashMap<i64, String>,
}

impl Names {
    pub async fn load(store: &guanxi_store::Store) -> Result<Names, guanxi_store::StoreError> {
        let users = store.users().await?;
        Ok(Names {
            by_username: users.iter().map(|u| (u.username.to_lowercase(), u.display_name.clone())).collect(),
            by_id: users.into_iter().map(|u| (u.id, u.display_name)).collect(),
        })
    }

    /// The name a username goes by; anything else (a name typed in, a removed user) as it is.
    pub fn of(&self, username: &str) -> String {
        self.by_username.get(&username.trim().to_lowercase()).cloned().unwrap_or_else(|| username.to_string())
    }

    pub fn of_id(&self, id: i64) -> String {
        self.by_id.get(&id).cloned().unwrap_or_default()
    }

    /// 「张伟 (zhang.wei)」: where the sign-in name matters too (the audit log).
    pub fn labelled(&self, username: &str) -> String {
        match self.by_username.get(&username.to_lowercase()) {
            Some(name) if name != username => format!("{name} ({username})"),
            _ => username.to_string(),
        }
    }

    /// Several people, by name, joined as the language joins them.
    pub fn list<'a>(&self, usernames: impl IntoIterator<Item = &'a str>, t: T) -> String {
        usernames.into_iter().map(|u| self.of(u)).collect::<Vec<_>>().join(t.pick("、", ", "))
    }

    /// A field's stored value as a person reads it: a colleague by name, a code as its label.
    pub fn display(&self, field: Field, value: &str, lang: guanxi_domain::Lang) -> String {
        if field == Field::Owner && value == guanxi_store::NO_OWNER {
            T(lang).no_owner().to_string()
        } else if field == Field::Owner {
            self.of(value)
        } else if field == Field::OurParticipants {
            self.list(value.split([',', '，', '、']).map(str::trim).filter(|s| !s.is_empty()), T(lang))
        } else {
            field.display(value, lang)
        }
    }
}

/// An amount of money in yuan with its sign first: ¥1,200.00, -¥50.00 (a refund).
pub fn yuan(fen: i64) -> String {
    let grouped = guanxi_domain::orders::format_money_grouped(fen);
    match grouped.strip_prefix('-') {
        Some(abs) => format!("-¥{abs}"),
        None => format!("¥{grouped}"),
    }
}

/// A count with its thousands grouped: 100000 → 100,000.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A response the browser saves as a file named `name` (any characters: RFC 5987), never shows.
pub fn download(name: &str, mime: &'static str, body: axum::body::Body) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let disposition = format!("attachment; filename*=UTF-8''{}", url_encode(name));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A redirect target on this site, or None: a path that starts with exactly one `/` and has no
/// control character, backslash or space. Browsers drop tabs and line breaks from a URL and read
/// `\` as `/`, so `/<TAB>/evil.example` would leave the site (F-08 of the security review), and
/// a line break cannot go into a `Location` header at all. Characters beyond ASCII are
/// percent-encoded. Every redirect to a place the request named goes through here.
pub fn local_path(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.first() != Some(&b'/') || b.get(1) == Some(&b'/') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for c in b {
        match c {
            0x00..=0x20 | 0x7f | b'\\' => return None,
            0x80..=0xff => out.push_str(&format!("%{c:02X}")),
            _ => out.push(*c as char),
        }
    }
    Some(out)
}

/// [`local_path`], or the home page (My day).
pub fn local_or_home(s: &str) -> String {
    local_path(s).unwrap_or_else(|| "/today".to_string())
}

/// The section of the app a page belongs to, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Today,
    Tasks,
    Customers,
    Orders,
    Value,
    Sales,
    Competitors,
    Relationships,
    NewCustomer,
    Import,
    Duplicates,
    Bin,
    Users,
    Audit,
    Account,
    Notifications,
    Outbox,
    Cadences,
}

/// A notice shown once on the page a form redirects to (`?done=saved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Created,
    DealCreated,
    CompetitorCreated,
    Saved,
    Deleted,
    Restored,
    Logged,
    Added,
    Removed,
    Merged,
    Unmerged,
    ViewSaved,
    LanguageSaved,
    PasswordChanged,
    OrderRecorded,
    RecomputeQueued,
    SettingsSaved,
    Moved,
    MovedBack,
    Unchanged,
    Closed,
    LinkMade,
    CaseOpened,
    TaskCreated,
    TaskDone,
    TaskLogged,
    TaskSnoozed,
    MessageRetried,
    MessageCancelled,
    LettersPrinted,
    MessageApproved,
    MessageRejected,
    LettersPosted,
    LetterBatchDiscarded,
    TestEmailQueued,
    EmailSettingsSaved,
    CadenceSaved,
    CadenceLeft,
    CadenceRan,
    ConsentSaved,
    TemplateSaved,
}

impl Done {
    const ALL: &[(Done, &'static str)] = &[
        (Done::Created, "created"),
        (Done::DealCreated, "deal_created"),
        (Done::CompetitorCreated, "competitor_created"),
        (Done::Saved, "saved"),
        (Done::Deleted, "deleted"),
        (Done::Restored, "restored"),
        (Done::Logged, "logged"),
        (Done::Added, "added"),
        (Done::Removed, "removed"),
        (Done::Merged, "merged"),
        (Done::Unmerged, "unmerged"),
        (Done::ViewSaved, "view_saved"),
        (Done::LanguageSaved, "language"),
        (Done::PasswordChanged, "password"),
        (Done::OrderRecorded, "order"),
        (Done::RecomputeQueued, "queued"),
        (Done::SettingsSaved, "settings"),
        (Done::Moved, "moved"),
        (Done::MovedBack, "moved_back"),
        (Done::Unchanged, "unchanged"),
        (Done::Closed, "closed"),
        (Done::LinkMade, "link"),
        (Done::CaseOpened, "case"),
        (Done::TaskCreated, "task_created"),
        (Done::TaskDone, "task_done"),
        (Done::TaskLogged, "task_logged"),
        (Done::TaskSnoozed, "task_snoozed"),
        (Done::MessageRetried, "message_retried"),
        (Done::MessageCancelled, "message_cancelled"),
        (Done::LettersPrinted, "letters_printed"),
        (Done::MessageApproved, "message_approved"),
        (Done::MessageRejected, "message_rejected"),
        (Done::LettersPosted, "letters_posted"),
        (Done::LetterBatchDiscarded, "letter_batch_discarded"),
        (Done::TestEmailQueued, "test_email"),
        (Done::EmailSettingsSaved, "email_settings"),
        (Done::CadenceSaved, "cadence_saved"),
        (Done::CadenceLeft, "cadence_left"),
        (Done::CadenceRan, "cadence_ran"),
        (Done::ConsentSaved, "consent"),
        (Done::TemplateSaved, "template_saved"),
    ];

    pub fn code(self) -> &'static str {
        Done::ALL.iter().find(|(d, _)| *d == self).map(|(_, c)| *c).unwrap_or("saved")
    }

    /// Every notice's code, for the walk through every page.
    pub fn codes() -> impl Iterator<Item = &'static str> {
        Done::ALL.iter().map(|(_, c)| *c)
    }

    pub fn parse(s: &str) -> Option<Done> {
        Done::ALL.iter().find(|(_, c)| *c == s).map(|(d, _)| *d)
    }

    pub fn message(self, t: T) -> &'static str {
        match self {
            Done::Created => t.created(),
            Done::DealCreated => t.deal_created(),
            Done::CompetitorCreated => t.competitor_created(),
            Done::Saved => t.saved(),
            Done::Deleted => t.deleted(),
            Done::Restored => t.restored(),
            Done::Logged => t.logged(),
            Done::Added => t.person_added(),
            Done::Removed => t.removed(),
            Done::Merged => t.merged(),
            Done::Unmerged => t.unmerged(),
            Done::ViewSaved => t.view_saved(),
            Done::LanguageSaved => t.language_saved(),
            Done::PasswordChanged => t.password_changed(),
            Done::OrderRecorded => t.order_recorded(),
            Done::RecomputeQueued => t.recompute_queued(),
            Done::SettingsSaved => t.settings_saved(),
            Done::Moved => t.deal_moved(),
            Done::MovedBack => t.deal_moved_back(),
            Done::Unchanged => t.stage_unchanged(),
            Done::Closed => t.deal_closed(),
            Done::LinkMade => t.link_made(),
            Done::CaseOpened => t.case_opened(),
            Done::TaskCreated => t.task_created(),
            Done::TaskDone => t.task_done(),
            Done::TaskLogged => t.task_logged(),
            Done::TaskSnoozed => t.task_snoozed(),
            Done::MessageRetried => t.outbox_retried(),
            Done::MessageCancelled => t.outbox_cancelled(),
            Done::LettersPrinted => t.letters_printed(),
            Done::MessageApproved => t.approvals_approved(),
            Done::MessageRejected => t.approvals_rejected(),
            Done::LettersPosted => t.letters_posted(),
            Done::LetterBatchDiscarded => t.letters_batch_discarded(),
            Done::TestEmailQueued => t.email_test_queued(),
            Done::EmailSettingsSaved => t.email_settings_saved(),
            Done::CadenceSaved => t.cadence_saved(),
            Done::CadenceLeft => t.cadence_left_done(),
            Done::CadenceRan => t.cadence_ran(),
            Done::ConsentSaved => t.consent_saved(),
            Done::TemplateSaved => t.template_saved(),
        }
    }
}

/// What every signed-in page shows around its content: who is signed in, the navigation, and
/// a notice from the last action.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub t: T,
    pub user: User,
    pub nav: Nav,
    pub notice: Option<&'static str>,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    /// Unread notifications, for the bell.
    pub unread: i64,
}

impl Chrome {
    pub fn new(v: &Viewer, nav: Nav, done: Option<&str>, here: String) -> Chrome {
        let t = T(v.lang());
        // A page read by GET comes back to exactly itself, with its filters and page number.
        let here = v.here.clone().unwrap_or(here);
        Chrome {
            t,
            user: v.user.clone(),
            nav,
            notice: done.and_then(Done::parse).map(|d| d.message(t)),
            here,
            unread: v.unread,
        }
    }

    pub fn is(&self, nav: Nav) -> bool {
        self.nav == nav
    }

    pub fn is_admin(&self) -> bool {
        crate::auth::permits(&self.user, crate::auth::Action::ManageUsers).is_ok()
    }

    pub fn is_manager(&self) -> bool {
        crate::auth::permits(&self.user, crate::auth::Action::BulkEdit).is_ok()
    }

    pub fn can_create(&self) -> bool {
        crate::auth::permits(&self.user, crate::auth::Action::CreateCustomer).is_ok()
    }

    pub fn role_label(&self) -> &'static str {
        self.user.role.label(self.t.lang())
    }
}

/// `path?query` without its `done` parameter: the notice of the last action is said once, not
/// again after switching the language.
pub fn without_notice(here: &str) -> String {
    let Some((path, query)) = here.split_once('?') else { return here.to_string() };
    let kept: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && p.split('=').next() != Some("done")).collect();
    if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) }
}

/// A submitted form: every name → value pair, in order (repeated names kept).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Result<FormData, AppError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map(FormData)
            .map_err(|_| AppError::bad_request("表单数据无法解析", "The form data could not be read"))
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The values named after fields, as the domain's raw input. Other names are skipped; a
    /// list field named several times (a tick per person, and a box for others) gets them all.
    pub fn raw(&self, allowed: &[Field]) -> Raw {
        let mut raw = Raw::new();
        for (k, v) in &self.0 {
            if let Some(f) = Field::from_code(k).filter(|f| allowed.contains(f)) {
                let list = f.is_one_of(&[Field::OurParticipants, Field::TheirParticipants]);
                if list && raw.has(f) && !v.trim().is_empty() {
                    let joined = format!("{}, {}", raw.get(f), v.trim());
                    raw.set(f, joined);
                } else if !(list && raw.has(f)) {
                    raw.set(f, v.as_str());
                }
            }
        }
        raw
    }
}

/// `a=1&b=x` from the pairs that have a value (trimmed, not empty), encoded, for page links.
pub fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| v.map(str::trim).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", url_encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query-string value as typed, trimmed; empty is `None`.
pub fn query_text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A day (YYYY-MM-DD) from the query string, or a 400 naming the parameter (`name`, `zh`) and
/// the value.
pub fn query_day(name: &str, zh: &str, v: &Option<String>) -> Result<Option<chrono::NaiveDate>, AppError> {
    match query_text(v) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").map(Some).map_err(|_| {
            AppError::bad_request(
                format!("{zh}“{s}”不是有效的日期（应为 2026-03-15 这样的格式）"),
                format!("{name} {s:?} is not a valid date (like 2026-03-15)"),
            )
        }),
    }
}

/// A `from`..`to` pair of days, refused when `from` is after `to`.
pub fn query_period(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), AppError> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(AppError::bad_request("开始日期晚于结束日期", "from is after to")),
        _ => Ok((from, to)),
    }
}

/// One of a vocabulary from the query string, or a 400 naming the parameter and listing the
/// choices.
pub fn query_choice<V>(
    name: &str,
    zh: &str,
    v: &Option<String>,
    parse: fn(&str) -> Option<V>,
    codes: Vec<&str>,
) -> Result<Option<V>, AppError> {
    match query_text(v) {
        None => Ok(None),
        Some(s) => parse(&s).map(Some).ok_or_else(|| {
            AppError::bad_request(
                format!("{zh}“{s}”不是可选值：{}", codes.join("、")),
                format!("{name} {s:?} is not one of {}", codes.join(", ")),
            )
        }),
    }
}

/// A date and time for people in China.
pub fn china_time(at: &chrono::DateTime<chrono::Utc>) -> String {
    guanxi_domain::china::minutes(*at)
}

#[derive(Template)]
#[template(path = "error.html")]
/// The page an error shows when it was not for the API.
pub struct ErrorPage {
    pub t: T,
    pub title: &'static str,
    pub message: String,
    pub signed_in: bool,
}

/// `back` is where to return after signing in or re-entering the password: the page asked
/// for, or for a form post the page it was posted from.
pub fn page_response(err: &AppError, lang: Lang, back: &str, signed_in: bool) -> Response {
    if matches!(err, AppError::Unauthenticated | AppError::SessionExpired) {
        let mut to = format!("/login?next={}", url_encode(back));
        if matches!(err, AppError::SessionExpired) {
            to.push_str("&expired=1");
        }
        return Redirect::to(&to).into_response();
    }
    if matches!(err, AppError::Reauthenticate) {
        return Redirect::to(&format!("/reauth?next={}", url_encode(back))).into_response();
    }
    if matches!(err, AppError::MustChangePassword) {
        return Redirect::to("/account?must_change=1").into_response();
    }
    let t = T(lang);
    let title = match err.status() {
        StatusCode::FORBIDDEN => t.forbidden_title(),
        StatusCode::NOT_FOUND => t.not_found_title(),
        _ => t.error_title(),
    };
    let page = ErrorPage { t, title, message: err.message(lang), signed_in };
    let mut r = render(&page);
    *r.status_mut() = err.status();
    crate::error::retry_after(err, &mut r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_and_forms() {
        assert_eq!(url_encode("/customers?q=张 三"), "%2Fcustomers%3Fq%3D%E5%BC%A0%20%E4%B8%89");
        for (n, text) in [(0, "0"), (999, "999"), (1000, "1,000"), (100_000, "100,000"), (-1_234_567, "-1,234,567")] {
            assert_eq!(thousands(n), text);
        }
    }

    /// F-08: only a path on this site, whatever a browser would make of the rest.
    #[test]
    fn redirects_stay_on_the_site() {
        for bad in [
            "/\t/evil",
            "/\n/evil",
            "/\r\n/evil",
            "/\u{0}/evil",
            "/\\evil",
            "\\\\evil",
            "//evil",
            "https://evil",
            "evil",
            "",
            "/ /evil",
            "/customers\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(local_or_home(bad), "/today", "{bad:?}");
        }
        assert_eq!(local_or_home("/opportunities/board?owner=li.na"), "/opportunities/board?owner=li.na");
        assert_eq!(local_or_home("/customers?q=张三"), "/customers?q=%E5%BC%A0%E4%B8%89");
        assert_eq!(without_notice("/customers?done=saved"), "/customers");
        assert_eq!(without_notice("/customers?q=a&done=saved&page=2"), "/customers?q=a&page=2");
        assert_eq!(without_notice("/value?doneness=1"), "/value?doneness=1");
        let f = FormData::parse(b"name=%E5%BC%A0%E4%B8%89&phone=138&name=Li&evil=1").unwrap();
        assert_eq!(f.get("name"), "Li");
        let raw = f.raw(&[Field::Name, Field::Phone]);
        assert_eq!(raw.get(Field::Name), "Li");
        assert_eq!(raw.get(Field::Phone), "138");
        assert_eq!(raw.0.len(), 2);
        for (d, c) in Done::ALL {
            assert_eq!(Done::parse(c), Some(*d));
        }
    }
}
