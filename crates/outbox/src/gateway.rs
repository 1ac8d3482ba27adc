//! SMS and WeChat through a provider. Every provider is a [`Provider`]: it gets a message of the
//! outbox (recipient, the provider's template id and its parameters, the text) and says how it
//! went. [`HttpGateway`] is the one adapter built in: the shape of the Chinese SMS gateways, a
//! signed JSON post. Adding Aliyun SMS or WeChat Work is one more `Provider`.
//!
//! The request (`POST` to the gateway's address):
//!
//! ```text
//! X-Guanxi-Key: <access key id>
//! X-Guanxi-Timestamp: <unix seconds>
//! X-Guanxi-Nonce: <32 hex digits, new each request>
//! X-Guanxi-Signature: hex(HMAC-SHA-256(secret, timestamp + "\n" + nonce + "\n" + body))
//!
//! {"message_id": "guanxi-17-1733…", "channel": "sms", "to": "13800138000",
//!  "sign_name": "关系咖啡", "template_id": "SMS_100", "params": {"honorific": "王先生"},
//!  "text": "王先生您好…回复TD退订"}
//! ```
//!
//! The answer: HTTP 2xx with `{"code": "OK"}` (or `0`, or no code) is sent — its `id`,
//! `biz_id` or `request_id` kept; any other code is refused with the gateway's code and message,
//! except throttling (a code with LIMIT, THROTTL or BUSY), which is tried again; HTTP 429 and 5xx,
//! no answer in 10 s, or no connection are tried again; other 4xx are refused. The
//! `message_id` is the same on every attempt, so a gateway can drop a repeat.
//!
//! Replies come back the other way, signed the same way with the same secret (see [`verify`]).

use crate::http::{NoAnswer, post_json};
use crate::links::{hex, hmac_sha256, same, unhex};
use guanxi_domain::outbox::MessageChannel;
use guanxi_domain::outbox::gateway::GatewaySettings;
use guanxi_store::{OutboxMessage, SendOutcome};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How long a gateway has to answer.
pub const GATEWAY_TIMEOUT: Duration = Duration::from_secs(10);

/// How far a signed request's timestamp may be from now (a replayed request is refused).
pub const SIGNATURE_WINDOW_SECS: i64 = 300;

/// A provider that sends SMS or WeChat messages.
pub trait Provider: Send + Sync {
    /// Sends `m` with `text` (its body, with the opt-out line when it is marketing).
    fn send<'a>(
        &'a self,
        m: &'a OutboxMessage,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = SendOutcome> + Send + 'a>>;
}

/// A provider's HTTP gateway (see the module's documentation for the request and answer).
pub struct HttpGateway {
    settings: GatewaySettings,
    timeout: Duration,
}

impl HttpGateway {
    pub fn new(settings: GatewaySettings) -> HttpGateway {
        HttpGateway { settings, timeout: GATEWAY_TIMEOUT }
    }

    /// The same, answering within `timeout` (tests).
    pub fn with_timeout(settings: GatewaySettings, timeout: Duration) -> HttpGateway {
        HttpGateway { settings, timeout }
    }

    /// The id a gateway knows message `m` by: the same on every attempt.
    pub fn message_id(m: &OutboxMessage) -> String {
        format!("guanxi-{}-{}", m.id, m.created_at.timestamp_micros())
    }

    async fn post(&self, m: &OutboxMessage, text: &str) -> SendOutcome {
        let params: serde_json::Map<String, serde_json::Value> =
            m.params.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        let body = serde_json::json!({
            "message_id": Self::message_id(m),
            "channel": m.channel.code(),
            "to": m.recipient,
            "sign_name": self.settings.sign_name,
            "template_id": m.template_ref,
            "params": params,
            "text": text,
        })
        .to_string();
        let headers = sign(&self.settings.key_id, self.settings.secret.as_deref().unwrap_or(""), &body);
        match post_json(&self.settings.url, &headers, body, self.timeout).await {
            Ok(a) => outcome(a.status, &a.body),
            Err(NoAnswer(why)) => SendOutcome::Retry(why),
        }
    }
}

impl Provider for HttpGateway {
    fn send<'a>(
        &'a self,
        m: &'a OutboxMessage,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = SendOutcome> + Send + 'a>> {
        Box::pin(self.post(m, text))
    }
}

/// The four signing headers of a request with `body`.
pub fn sign(key_id: &str, secret: &str, body: &str) -> Vec<(&'static str, String)> {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let mut nonce = [0u8; 16];
    let _ = getrandom::fill(&mut nonce);
    let nonce = hex(&nonce);
    let signature = signature(secret, &timestamp, &nonce, body);
    vec![
        ("x-guanxi-key", key_id.to_string()),
        ("x-guanxi-timestamp", timestamp),
        ("x-guanxi-nonce", nonce),
        ("x-guanxi-signature", signature),
    ]
}

/// hex(HMAC-SHA-256(secret, timestamp \n nonce \n body)).
pub fn signature(secret: &str, timestamp: &str, nonce: &str, body: &str) -> String {
    let message = format!("{timestamp}\n{nonce}\n{body}");
    hex(&hmac_sha256(secret.as_bytes(), message.as_bytes()))
}

/// Why a signed request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsigned {
    /// A header is missing.
    Missing,
    /// The timestamp is more than five minutes from `now` (or not a number).
    Stale,
    /// The signature does not match.
    Wrong,
}

/// Checks a request signed as [`sign`] does, at `now` (unix seconds).
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    nonce: Option<&str>,
    given: Option<&str>,
    body: &str,
    now: i64,
) -> Result<(), Unsigned> {
    let (Some(timestamp), Some(nonce), Some(given)) = (timestamp, nonce, given) else {
        return Err(Unsigned::Missing);
    };
    let at: i64 = timestamp.trim().parse().map_err(|_| Unsigned::Stale)?;
    if now.abs_diff(at) > SIGNATURE_WINDOW_SECS as u64 {
        return Err(Unsigned::Stale);
    }
    let expected = hmac_sha256(secret.as_bytes(), format!("{timestamp}\n{nonce}\n{body}").as_bytes());
    match unhex(given.trim()) {
        Some(g) if same(&g, &expected) => Ok(()),
        _ => Err(Unsigned::Wrong),
    }
}

/// What a gateway's answer means (see the module's documentation).
pub fn outcome(status: u16, body: &str) -> SendOutcome {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let field = |names: &[&str]| -> Option<String> {
        let j = json.as_ref()?;
        names.iter().find_map(|n| match j.get(*n)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let code = field(&["code", "Code"]);
    let message = field(&["message", "Message", "msg"]).unwrap_or_default();
    let said = |code: &str| {
        let short: String = body.chars().take(300).collect();
        match (code.is_empty(), message.is_empty()) {
            (true, true) => format!("HTTP {status}: {short}"),
            (true, false) => format!("HTTP {status}: {message}"),
            (false, true) => format!("{code} (HTTP {status})"),
            (false, false) => format!("{code}: {message} (HTTP {status})"),
        }
    };
    match status {
        200..=299 => match code.as_deref() {
            None | Some("OK" | "ok" | "0" | "200" | "success" | "SUCCESS") => SendOutcome::Sent(
                field(&["id", "biz_id", "BizId", "request_id", "RequestId"])
                    .unwrap_or_else(|| format!("HTTP {status}")),
            ),
            Some(c) => {
                let upper = c.to_uppercase();
                if ["LIMIT", "THROTTL", "BUSY"].iter().any(|w| upper.contains(w)) {
                    SendOutcome::Retry(said(c))
                } else {
                    SendOutcome::Refused(said(c))
                }
            }
        },
        429 | 500..=599 => SendOutcome::Retry(said(code.as_deref().unwrap_or(""))),
        _ => SendOutcome::Refused(said(code.as_deref().unwrap_or(""))),
    }
}

/// The settings of `channel`'s gateway as a provider.
pub fn provider(channel: MessageChannel, settings: GatewaySettings) -> Option<Box<dyn Provider>> {
    matches!(channel, MessageChannel::Sms | MessageChannel::Wechat)
        .then(|| Box::new(HttpGateway::new(settings)) as Box<dyn Provider>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let sent = |s: SendOutcome| matches!(s, SendOutcome::Sent(_));
        assert!(sent(outcome(200, r#"{"code":"OK","biz_id":"b-1"}"#)));
        assert!(matches!(outcome(200, r#"{"Code":"OK","BizId":"b-1"}"#), SendOutcome::Sent(r) if r == "b-1"));
        assert!(sent(outcome(200, r#"{"code":0}"#)));
        assert!(sent(outcome(202, "")));
        assert!(matches!(outcome(200, r#"{"code":"isv.MOBILE_NUMBER_ILLEGAL","message":"非法手机号"}"#),
            SendOutcome::Refused(w) if w.contains("isv.MOBILE_NUMBER_ILLEGAL: 非法手机号")));
        assert!(matches!(outcome(200, r#"{"code":"isv.BUSINESS_LIMIT_CONTROL"}"#), SendOutcome::Retry(_)));
        assert!(matches!(outcome(503, "down"), SendOutcome::Retry(w) if w == "HTTP 503: down"));
        assert!(matches!(outcome(429, ""), SendOutcome::Retry(_)));
        assert!(
            matches!(outcome(401, r#"{"message":"bad signature"}"#), SendOutcome::Refused(w) if w == "HTTP 401: bad signature")
        );
    }

    #[test]
    fn signatures() {
        let headers = sign("key", "secret", "{}");
        let get = |n: &str| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        let now = chrono::Utc::now().timestamp();
        let check = |secret: &str, body: &str, now: i64| {
            verify(secret, get("x-guanxi-timestamp"), get("x-guanxi-nonce"), get("x-guanxi-signature"), body, now)
        };
        assert_eq!(check("secret", "{}", now), Ok(()));
        assert_eq!(check("other", "{}", now), Err(Unsigned::Wrong));
        assert_eq!(check("secret", "{ }", now), Err(Unsigned::Wrong));
        assert_eq!(check("secret", "{}", now + 301), Err(Unsigned::Stale));
        assert_eq!(verify("secret", None, None, None, "{}", now), Err(Unsigned::Missing));
        // A known value: HMAC-SHA-256("key", "1\nn\nb").
        assert_eq!(signature("key", "1", "n", "b"), hex(&hmac_sha256(b"key", b"1\nn\nb")));
    }
}
