//! Errors of the web app. A handler returns an [`AppError`]; the response carries it as a
//! marker, and the `context` middleware, which knows whether the request was for the API or a
//! page and the viewer's language, turns it into `application/problem+json` or an HTML page.

use crate::i18n::T;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    /// Too many password checks at once; try again in a moment.
    #[error("busy")]
    Busy,
    /// Managing users needs the password entered in the last minutes.
    #[error("re-authentication required")]
    Reauthenticate,
    /// A generated password must be replaced before anything else.
    #[error("the password must be changed first")]
    MustChangePassword,
    /// A read-only API token asked to change something.
    #[error("read-only token")]
    ReadOnlyToken,
    /// Too many records read in the last hour.
    #[error("too many records read")]
    TooManyReads { minutes: i64 },
    /// A request the framework could not take apart (a path, a query string, a body): its status
    /// and what to tell the user.
    #[error("rejected: {en}")]
    Rejected { status: StatusCode, zh: String, en: String },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a request was refused, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub zh: String,
    pub en: String,
}

impl Denied {
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
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
            AppError::TooManyAttempts { .. } | AppError::TooManyReads { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy | AppError::Store(StoreError::Unavailable(..)) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Reauthenticate | AppError::MustChangePassword | AppError::ReadOnlyToken => StatusCode::FORBIDDEN,
            AppError::Rejected { status, .. } => *status,
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
            AppError::TooManyReads { .. } => "too_many_reads",
            AppError::Busy => "busy",
            AppError::Store(StoreError::Unavailable(guanxi_store::Unavailable::DiskFull, _)) => "disk_full",
            AppError::Store(StoreError::Unavailable(guanxi_store::Unavailable::ReadOnly, _)) => "read_only_database",
            AppError::Store(StoreError::Unavailable(..)) => "unavailable",
            AppError::Reauthenticate => "reauthentication_required",
            AppError::MustChangePassword => "password_change_required",
            AppError::ReadOnlyToken => "read_only_token",
            AppError::Rejected { status, .. } if *status == StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            AppError::Rejected { status, .. } if *status == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "unsupported_media_type"
            }
            AppError::Rejected { status, .. } if *status == StatusCode::NOT_FOUND => "not_found",
            AppError::Rejected { status, .. } if *status == StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            AppError::Rejected { status, .. } if *status == StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            AppError::Rejected { .. } => "bad_request",
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
            AppError::Store(StoreError::NotFound { entity, id }) => match lang {
                Lang::ZhCn => format!("找不到{} {id}", t.entity(entity)),
                Lang::En => format!("No {} {id}", t.entity(entity)),
            },
            AppError::Store(
                e @ (StoreError::Invalid(_)
                | StoreError::Conflict { .. }
                | StoreError::Unavailable(..)),
            ) => e.message(lang),
            AppError::BadRequest { zh, en } => lang.pick(zh, en).into(),
            AppError::UnknownField(f) => match lang {
                Lang::ZhCn => format!("未知字段「{f}」"),
                Lang::En => format!("Unknown field {f:?}"),
            },
            AppError::TooManyAttempts { minutes } => match lang {
                Lang::ZhCn => format!("该账号登录失败次数过多，请 {minutes} 分钟后再试。"),
                Lang::En => format!("Too many failed sign-ins for this account. Try again in {minutes} minutes."),
            },
            AppError::TooManyReads { minutes } => match lang {
                Lang::ZhCn => format!(
                    "一小时内读取的客户记录太多，已暂停并记录在审计日志中。请 {minutes} 分钟后再试；需要整批数据请找经理导出。"
                ),
                Lang::En => format!(
                    "Too many customer records read in an hour; paused and recorded in the audit log. Try again in {minutes} minutes, or ask a manager for an export."
                ),
            },
            AppError::Busy => lang
                .pick("服务器正忙（同时登录的人太多），请几秒钟后再试。", "The server is busy (too many sign-ins at once); please try again in a few seconds.")
                .into(),
            AppError::Reauthenticate => lang
                .pick("管理用户之前，请再输入一次你的密码。", "Please enter your password again before managing users.")
                .into(),
            AppError::MustChangePassword => lang
                .pick(
                    "你的密码是别人为你生成的，请先在“我的账户”里设置自己的新密码。",
                    "Your password was generated for you; please set your own on your account page first.",
                )
                .into(),
            AppError::ReadOnlyToken => lang
                .pick("这个 API 令牌是只读的，不能修改数据。", "This API token is read-only and cannot change anything.")
                .into(),
            AppError::Rejected { zh, en, .. } => lang.pick(zh, en).into(),
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
        if matches!(self.status(), StatusCode::INTERNAL_SERVER_ERROR | StatusCode::SERVICE_UNAVAILABLE) {
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
    retry_after(err, &mut r);
    r
}

/// Tells a client how long to wait when the answer is "not now".
pub(crate) fn retry_after(err: &AppError, r: &mut Response) {
    let seconds = match err {
        AppError::Busy => 5,
        AppError::Store(StoreError::Unavailable(k, _)) => i64::from(k.retry_after()),
        AppError::TooManyAttempts { minutes } | AppError::TooManyReads { minutes } => minutes * 60,
        _ => return,
    };
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// A multipart upload that could not be read: over the size limit (413), or broken.
pub fn upload_failed(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::Rejected {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            zh: "文件太大，超过了上传的上限。".into(),
            en: "The file is larger than an upload may be.".into(),
        };
    }
    AppError::bad_request(format!("上传失败：{}", e.body_text()), format!("The upload failed: {}", e.body_text()))
}

/// A body over the limit of its route.
pub fn too_large(limit: usize) -> AppError {
    let mb = limit as f64 / (1024.0 * 1024.0);
    let size = if mb >= 1.0 { format!("{mb:.0} MB") } else { format!("{} KB", limit / 1024) };
    AppError::Rejected {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        zh: format!("提交的内容太大，最多 {size}。"),
        en: format!("The request is too large; at most {size}."),
    }
}

/// What a query value's parse failure means, in words (the parser's own text is for
/// programmers: "invalid digit found in string").
fn query_problem(why: &str) -> (String, String) {
    if why.contains("too large") || why.contains("too small") {
        ("数字太大了。".into(), "the number is too large.".into())
    } else if why.contains("digit") || why.contains("integer") {
        ("应当是一个整数。".into(), "it should be a whole number.".into())
    } else if why.contains("float") {
        ("应当是一个数字。".into(), "it should be a number.".into())
    } else if let Some(rest) = why.strip_prefix("unknown variant") {
        let options: Vec<&str> =
            rest.split_once("expected").map_or(vec![], |(_, o)| o.split('`').skip(1).step_by(2).collect());
        (format!("可选的值是 {}。", options.join("、")), format!("it should be one of {}.", options.join(", ")))
    } else if why.contains("bool") {
        ("应当是 true 或 false。".into(), "it should be true or false.".into())
    } else {
        ("格式不对。".into(), format!("{why}."))
    }
}

/// What the framework answered by itself before a handler ran — a path segment that is not a
/// number (`/customers/abc`, an id past 2⁶³), a query string it cannot read (`per_page=abc`), a
/// body of the wrong type or over the limit, a method the route does not take — as one of our
/// errors, so that it reaches the user as a page or a problem document in their language like
/// every other error. `None` for our own responses.
pub async fn framework_rejection(r: &mut Response) -> Option<AppError> {
    let status = r.status();
    if !status.is_client_error() {
        return None;
    }
    let ours = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| !ct.starts_with("text/plain"));
    if ours {
        return None;
    }
    let body = std::mem::take(r.body_mut());
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).into_owned();
    let rejected = |status, zh: String, en: String| AppError::Rejected { status, zh, en };
    Some(match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            rejected(status, "提交的内容太大。".into(), "The request is too large.".into())
        }
        // A path that names no record we could have (not a number, out of range).
        StatusCode::BAD_REQUEST if text.starts_with("Invalid URL") => AppError::NotFound,
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => rejected(
            status,
            "这个地址不接受这种请求方法。".into(),
            "This address does not take this request method.".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => rejected(
            status,
            "请求体的类型不对（JSON 接口要 Content-Type: application/json，表单要 application/x-www-form-urlencoded 或 multipart/form-data）。".into(),
            "The request body has the wrong type (the JSON API takes Content-Type: application/json; forms take application/x-www-form-urlencoded or multipart/form-data).".into(),
        ),
        _ => match text.strip_prefix("Failed to deserialize query string: ") {
            Some(detail) => {
                let (name, why) = detail.split_once(": ").unwrap_or(("", detail));
                let (zh, en) = query_problem(why);
                rejected(
                    StatusCode::BAD_REQUEST,
                    format!("网址里的参数 {name} 的值无法识别：{zh}"),
                    format!("The query parameter {name} has a value that cannot be read: {en}"),
                )
            }
            None => rejected(
                StatusCode::BAD_REQUEST,
                format!("请求无法识别：{text}"),
                format!("The request cannot be read: {text}"),
            ),
        },
    })
}
