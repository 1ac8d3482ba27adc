//! Errors of the web app. A handler returns an [`AppError`]; the response carries it as a
//! marker, and the `context` middleware, which knows whether the request was for the API or a
//! page and the viewer's language, turns it into `application/problem+json` or an HTML page.

use crate::auth::Denied;
use crate::i18n::T;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guanxi_domain::{Lang, Validation};
use guanxi_store::StoreError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("session expired")]
    SessionExpired,
    #[error("forbidden: {}", .0.en)]
    Forbidden(Denied),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A request that cannot be understood: the message in both languages.
    #[error("bad request: {en}")]
    BadRequest { zh: String, en: String },
    /// A JSON body named a field this endpoint does not have.
    #[error("unknown field {0}")]
    UnknownField(String),
    #[error("too many failed sign-ins")]
    TooManyAttempts { minutes: i64 },
    #[error("unsafe request without a matching Origin")]
    CrossSite,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Validation> for AppError {
    fn from(v: Validation) -> AppError {
        AppError::Store(StoreError::Invalid(v))
    }
}

impl AppError {
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::BadRequest { zh: zh.into(), en: en.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::SessionExpired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            AppError::Store(StoreError::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(StoreError::Conflict { .. }) => StatusCode::CONFLICT,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::UnknownField(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code an integration can match on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::SessionExpired => "session_expired",
            AppError::Forbidden(_) => "forbidden",
            AppError::CrossSite => "cross_site_request",
            AppError::NotFound | AppError::Store(StoreError::NotFound { .. }) => "not_found",
            AppError::Store(StoreError::Invalid(_)) => "validation_failed",
            AppError::Store(StoreError::Conflict { .. }) => "conflict",
            AppError::BadRequest { .. } => "bad_request",
            AppError::UnknownField(_) => "unknown_field",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }

    /// What to tell the user, in their language. Internal details stay in the server's log.
    pub fn message(&self, lang: Lang) -> String {
        let t = T(lang);
        match self {
            AppError::Unauthenticated => t.login_required().into(),
            AppError::SessionExpired => t.session_expired().into(),
            AppError::Forbidden(d) => d.message(lang).into(),
            AppError::CrossSite => lang
                .pick(
                    "请求来源不明，已拒绝（可能是跨站请求伪造）。请从 Guanxi 页面上重新提交。",
                    "Refused a request that did not come from a Guanxi page (possible cross-site request forgery). Please submit it again from the page.",
                )
                .into(),
            AppError::NotFound => lang.pick("找不到这个页面或记录。", "No such page or record.").into(),
            AppError::Store(e @ (StoreError::Invalid(_) | StoreError::NotFound { .. } | StoreError::Conflict { .. })) => {
                e.message(lang)
            }
            AppError::BadRequest { zh, en } => lang.pick(zh, en).into(),
            AppError::UnknownField(f) => match lang {
                Lang::ZhCn => format!("未知字段「{f}」"),
                Lang::En => format!("Unknown field {f:?}"),
            },
            AppError::TooManyAttempts { minutes } => match lang {
                Lang::ZhCn => format!("该账号登录失败次数过多，请 {minutes} 分钟后再试。"),
                Lang::En => format!("Too many failed sign-ins for this account. Try again in {minutes} minutes."),
            },
            AppError::Store(_) | AppError::Internal(_) => lang
                .pick("服务器内部错误，已记录。请稍后再试。", "Internal server error; it has been logged. Please try again later.")
                .into(),
        }
    }

    /// The problem document of RFC 9457, with field-level errors for validation failures.
    pub fn problem(&self, lang: Lang) -> serde_json::Value {
        let mut doc = json!({
            "type": format!("/api/v1/problems/{}", self.code()),
            "title": self.code(),
            "status": self.status().as_u16(),
            "code": self.code(),
            "detail": self.message(lang),
        });
        if let AppError::Store(StoreError::Invalid(v)) = self {
            doc["errors"] = v
                .0
                .iter()
                .map(|e| json!({"field": e.field.code(), "value": e.value, "code": e.problem.code(), "message": e.message(lang)}))
                .collect();
        }
        doc
    }
}

/// Carried in a response's extensions until the middleware renders it.
#[derive(Debug, Clone)]
pub struct Marker(pub std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("guanxi: {self}");
        }
        let mut r = self.status().into_response();
        r.extensions_mut().insert(Marker(std::sync::Arc::new(self)));
        r
    }
}

pub fn api_response(err: &AppError, lang: Lang) -> Response {
    let mut r = (err.status(), err.problem(lang).to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if matches!(err, AppError::Unauthenticated | AppError::SessionExpired) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

pub fn page_response(err: &AppError, lang: Lang, path_and_query: &str, signed_in: bool) -> Response {
    if matches!(err, AppError::Unauthenticated | AppError::SessionExpired) {
        let mut to = format!("/login?next={}", crate::html::url_encode(path_and_query));
        if matches!(err, AppError::SessionExpired) {
            to.push_str("&expired=1");
        }
        return Redirect::to(&to).into_response();
    }
    let t = T(lang);
    let title = match err.status() {
        StatusCode::FORBIDDEN => t.forbidden_title(),
        StatusCode::NOT_FOUND => t.not_found_title(),
        _ => t.error_title(),
    };
    let page = crate::pages::ErrorPage { t, title, message: err.message(lang), signed_in };
    let mut r = crate::html::render(&page);
    *r.status_mut() = err.status();
    r
}
