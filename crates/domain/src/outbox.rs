//! The outbox 发件箱 (PRODUCT.md §7): every message that leaves Guanxi — e-mail, SMS, WeChat, a
//! printed letter — is first a row written in the same transaction as what caused it, then sent
//! by the job worker, retried with exponential backoff, each attempt kept. Here: the
//! vocabularies, the retry schedule, the e-mail server's settings and a message as drafted.

pub mod fields;
pub mod gateway;

use crate::enums::vocabulary;
use crate::raw::Raw;
use crate::values::{choice, required_text, text};
use crate::{Email, Field, FieldError, Lang, Problem, Validation};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

vocabulary! {
    /// How a message leaves.
    MessageChannel {
        Email = "email", "电子邮件", "E-mail", ["邮件", "e-mail", "mail"];
        Sms = "sms", "短信", "SMS", ["text"];
        Wechat = "wechat", "微信", "WeChat", ["weixin"];
        Letter = "letter", "信函", "Letter", ["信件", "post"];
    }
}

impl MessageChannel {
    /// The channel of the contact a sent message becomes on the customer's timeline.
    pub fn contact_channel(self) -> crate::Channel {
        match self {
            MessageChannel::Email => crate::Channel::Email,
            MessageChannel::Sms | MessageChannel::Wechat => crate::Channel::WechatSms,
            MessageChannel::Letter => crate::Channel::Letter,
        }
    }
}

vocabulary! {
    /// Where a message is on its way out.
    MessageState {
        /// A cadence's message waiting for the customer's owner or a manager to approve it.
        Approval = "approval", "待审批", "Awaiting approval", ["待批准"];
        /// Waiting for the worker (or for its next attempt).
        Queued = "queued", "待发送", "Queued", [];
        /// A worker holds it and is sending it now.
        Sending = "sending", "发送中", "Sending", [];
        Sent = "sent", "已发送", "Sent", [];
        /// Every attempt failed, or the server refused it for good.
        Failed = "failed", "发送失败", "Failed", [];
        Cancelled = "cancelled", "已取消", "Cancelled", [];
    }
}

vocabulary! {
    /// Why a message is sent: marketing needs the customer's consent (PIPL); service messages
    /// and notifications to our own users do not.
    MessagePurpose {
        Marketing = "marketing", "营销", "Marketing", [];
        Service = "service", "服务", "Service", [];
        Notice = "notice", "内部通知", "Notification", [];
    }
}

vocabulary! {
    /// How the connection to the e-mail server is protected.
    SmtpSecurity {
        /// TLS from the first byte (port 465).
        Tls = "tls", "SSL/TLS", "SSL/TLS", ["ssl", "smtps"];
        /// Plain, then upgraded with STARTTLS (port 587); refused if the server cannot.
        StartTls = "starttls", "STARTTLS", "STARTTLS", [];
        /// No encryption: only for a server on this machine or a trusted network.
        Plain = "none", "不加密", "None", ["plain", "无"];
    }
}

/// How many times a message is tried before it fails for good.
pub const MAX_ATTEMPTS: u32 = 6;

/// How long to wait after failed attempt `attempt` (1-based): one minute, then five times
/// longer each time (1 min, 5 min, 25 min, about 2 h, about 10 h), never more than 12 hours.
pub fn backoff(attempt: u32) -> Duration {
    let minutes = 5i64.saturating_pow(attempt.saturating_sub(1)).min(12 * 60);
    Duration::minutes(minutes)
}

/// How long a worker may hold a message it is sending before another takes it again (a
/// worker killed mid-send). Longer than any one SMTP exchange is allowed to take.
pub const SEND_LEASE: Duration = Duration::minutes(5);

pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 20_000;

/// The company's e-mail server, as an admin sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Kept in the database, never shown back (the form leaves it empty to keep it).
    pub password: Option<String>,
    pub from_address: String,
    pub from_name: Option<String>,
}

impl EmailSettings {
    /// Reads the settings form; an empty password keeps `kept` (the one saved before).
    pub fn parse(raw: &Raw, kept: Option<&EmailSettings>) -> Result<EmailSettings, Validation> {
        let mut v = Validation::default();
        let host = v.take(required_text(Field::SmtpHost, raw.get(Field::SmtpHost), 253)).unwrap_or_default();
        if !host.is_empty()
            && (host.contains("://") || !host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        {
            v.push(Field::SmtpHost, &host, Problem::InvalidHost);
        }
        let security = v
            .take(choice(
                Field::SmtpSecurity,
                raw.get(Field::SmtpSecurity),
                SmtpSecurity::parse,
                &SmtpSecurity::codes(),
            ))
            .flatten();
        if raw.get(Field::SmtpSecurity).trim().is_empty() {
            v.push(Field::SmtpSecurity, "", Problem::Required);
        }
        let port_text = raw.get(Field::SmtpPort).trim();
        let port = if port_text.is_empty() {
            security.map(|s| match s {
                SmtpSecurity::Tls => 465,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::Plain => 25,
            })
        } else {
            match port_text.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => {
                    v.push(Field::SmtpPort, port_text, Problem::OutOfRange { min: "1".into(), max: "65535".into() });
                    None
                }
            }
        };
        let username = v.take(text(Field::SmtpUsername, raw.get(Field::SmtpUsername), 254)).flatten();
        let password = v.take(text(Field::SmtpPassword, raw.get(Field::SmtpPassword), 254)).flatten();
        let password = password.or_else(|| kept.and_then(|k| k.password.clone()));
        let from = raw.get(Field::FromAddress);
        let from_address = if from.trim().is_empty() {
            v.push(Field::FromAddress, "", Problem::Required);
            None
        } else {
            v.take(
                Email::parse(from)
                    .map(|e| e.as_str().to_string())
                    .map_err(|e| FieldError { field: Field::FromAddress, ..e }),
            )
        };
        let from_name = v.take(text(Field::FromName, raw.get(Field::FromName), 100)).flatten();
        v.into_result(())?;
        Ok(EmailSettings {
            host,
            port: port.unwrap_or(25),
            security: security.unwrap_or(SmtpSecurity::StartTls),
            username,
            password,
            from_address: from_address.unwrap_or_default(),
            from_name,
        })
    }

    /// The settings as the form shows them: the password never.
    pub fn to_raw(&self) -> Raw {
        let mut raw = Raw::default();
        raw.set(Field::SmtpHost, &self.host);
        raw.set(Field::SmtpPort, self.port.to_string());
        raw.set(Field::SmtpSecurity, self.security.code());
        raw.set(Field::SmtpUsername, self.username.as_deref().unwrap_or(""));
        raw.set(Field::FromAddress, &self.from_address);
        raw.set(Field::FromName, self.from_name.as_deref().unwrap_or(""));
        raw
    }
}

/// An SMS or WeChat text cannot be corrected before it goes: it is the provider's approved
/// template, filled in.
pub fn fixed_by_provider() -> crate::Problem {
    crate::Problem::rule(
        "fixed_by_provider",
        "不能修改：短信和微信按服务商审核过的模板发送",
        "cannot be changed: SMS and WeChat go as the provider's approved template says",
    )
}

/// A message as a feature drafts it, written to the outbox in the feature's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageDraft {
    pub channel: MessageChannel,
    pub purpose: MessagePurpose,
    /// The customer it goes to (its contact lands on their timeline), if a customer.
    pub customer_id: Option<i64>,
    /// The user it goes to, for notifications.
    pub user_id: Option<i64>,
    /// An e-mail address, a mobile number, a WeChat id or a postal address.
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body: String,
    /// What made it: `manual`, `cadence`, `notification`, … with the record's id.
    pub cause: String,
    pub cause_id: Option<i64>,
    /// Makes the same message from the same cause one row however often it is written (a
    /// cadence step run twice, a retried request).
    pub key: String,
    /// Not before this instant (quiet hours, a step's day).
    pub not_before: Option<DateTime<Utc>>,
    /// For SMS and WeChat: the provider's template id, and its parameters (merge field code →
    /// value) — the gateway fills the approved template; `body` is what the customer reads.
    pub template_ref: Option<String>,
    pub params: Vec<(String, String)>,
}

impl MessageDraft {
    /// Checks what a person typed for a one-off message (the recipient for its channel, a
    /// subject for an e-mail or letter, a body), naming each field that is wrong.
    pub fn check(&self) -> Result<(), Validation> {
        let mut v = Validation::default();
        if self.recipient.trim().is_empty() {
            v.push(Field::Recipient, "", Problem::Required);
        } else if self.channel == MessageChannel::Email {
            v.take(Email::parse(&self.recipient).map_err(|e| FieldError { field: Field::Recipient, ..e }));
        } else if self.channel == MessageChannel::Sms {
            v.take(crate::Phone::parse(&self.recipient).map_err(|e| FieldError { field: Field::Recipient, ..e }));
        }
        if matches!(self.channel, MessageChannel::Email | MessageChannel::Letter) {
            v.take(required_text(Field::Subject, &self.subject, MAX_SUBJECT));
        }
        v.take(required_text(Field::Body, &self.body, MAX_BODY));
        v.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_five_times_and_stops_at_twelve_hours() {
        let m = |a| backoff(a).num_minutes();
        assert_eq!([m(1), m(2), m(3), m(4), m(5), m(6)], [1, 5, 25, 125, 625, 720]);
        assert_eq!(m(100), 720, "no overflow");
        assert_eq!(m(0), 1);
    }

    #[test]
    fn email_settings_are_checked_and_the_password_kept() {
        let mut raw = Raw::default();
        raw.set(Field::SmtpHost, "smtp.example.com");
        raw.set(Field::SmtpSecurity, "starttls");
        raw.set(Field::FromAddress, "sales@example.com");
        raw.set(Field::SmtpPassword, "s3cret");
        let s = EmailSettings::parse(&raw, None).unwrap();
        assert_eq!((s.port, s.password.as_deref()), (587, Some("s3cret")));
        raw.set(Field::SmtpPassword, "");
        let again = EmailSettings::parse(&raw, Some(&s)).unwrap();
        assert_eq!(again.password.as_deref(), Some("s3cret"), "an empty password keeps the saved one");
        assert!(!format!("{:?}", s.to_raw()).contains("s3cret"), "the form never shows it");

        let mut bad = Raw::default();
        bad.set(Field::SmtpHost, "smtp example");
        bad.set(Field::SmtpPort, "70000");
        bad.set(Field::SmtpSecurity, "rot13");
        bad.set(Field::FromAddress, "not-an-address");
        let fields: Vec<Field> = EmailSettings::parse(&bad, None).unwrap_err().0.iter().map(|e| e.field).collect();
        for f in [Field::SmtpHost, Field::SmtpPort, Field::SmtpSecurity, Field::FromAddress] {
            assert!(fields.contains(&f), "{f:?} in {fields:?}");
        }
    }

    #[test]
    fn a_message_names_what_is_missing() {
        let d = MessageDraft {
            channel: MessageChannel::Email,
            purpose: MessagePurpose::Service,
            customer_id: None,
            user_id: None,
            recipient: "nobody".into(),
            recipient_name: String::new(),
            subject: String::new(),
            body: String::new(),
            cause: "manual".into(),
            cause_id: None,
            key: "k".into(),
            not_before: None,
            template_ref: None,
            params: Vec::new(),
        };
        let fields: Vec<Field> = d.check().unwrap_err().0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::Recipient, Field::Subject, Field::Body]);
    }
}
