//! SMS and WeChat go out through a provider's HTTP gateway (in the shape of the Chinese SMS
//! gateways: a template id approved at the provider and its parameters, a signature 短信签名,
//! requests signed with an access key). Here: a gateway's settings as an admin enters them, and
//! the sending rules every message passes (quiet hours for SMS and WeChat, a weekly cap of
//! marketing messages per customer), and what counts as a "回复TD" opt-out reply.

use super::MessageChannel;
use crate::raw::Raw;
use crate::tasks::parse_time;
use crate::values::{required_text, text};
use crate::{Field, FieldError, Problem, Validation};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// A provider's HTTP gateway for one channel (SMS or WeChat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewaySettings {
    /// Where messages are posted, `http://` or `https://`.
    pub url: String,
    pub key_id: String,
    /// Signs every request; kept in the database, never shown back.
    pub secret: Option<String>,
    /// The signature 短信签名 the provider approved (【关系咖啡】 shows as 关系咖啡).
    pub sign_name: Option<String>,
}

pub const GATEWAY_FIELDS: &[Field] = &[Field::GatewayUrl, Field::GatewayKey, Field::GatewaySecret, Field::SignName];

/// A gateway address: `http://` or `https://`, a host (and port), a path; no spaces.
pub fn parse_gateway_url(input: &str) -> Result<String, FieldError> {
    let s = input.trim();
    if s.chars().count() > 500 {
        let shown: String = s.chars().take(40).collect();
        return Err(FieldError::new(Field::GatewayUrl, &shown, Problem::TooLong { max: 500 }));
    }
    let bad = || FieldError::new(Field::GatewayUrl, s, Problem::InvalidUrl);
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or_else(bad)?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok_and(|n| n > 0) => h,
        Some(_) => return Err(bad()),
        None => authority,
    };
    let host_ok = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-']);
    if host_ok && s.len() <= 500 && s.chars().all(|c| c.is_ascii_graphic()) && !s.contains('#') {
        Ok(s.to_string())
    } else {
        Err(bad())
    }
}

impl GatewaySettings {
    /// Reads the gateway's form; an empty secret keeps `kept`'s (the one saved before), and a
    /// first save needs one.
    pub fn parse(raw: &Raw, kept: Option<&GatewaySettings>) -> Result<GatewaySettings, Validation> {
        let mut v = Validation::default();
        let url = match raw.get(Field::GatewayUrl).trim() {
            "" => {
                v.push(Field::GatewayUrl, "", Problem::Required);
                None
            }
            u => v.take(parse_gateway_url(u)),
        };
        let key_id = v.take(required_text(Field::GatewayKey, raw.get(Field::GatewayKey), 128));
        let secret = v.take(text(Field::GatewaySecret, raw.get(Field::GatewaySecret), 256)).flatten();
        let secret = secret.or_else(|| kept.and_then(|k| k.secret.clone()));
        if secret.is_none() {
            v.push(Field::GatewaySecret, "", Problem::Required);
        }
        let sign_name = v
            .take(text(Field::SignName, raw.get(Field::SignName), 32))
            .flatten()
            .map(|s| s.trim().trim_start_matches('【').trim_end_matches('】').trim().to_string())
            .filter(|s| !s.is_empty());
        // Gateways approve signatures of 2 to 12 Chinese characters, letters and digits.
        if let Some(s) = &sign_name {
            if !s.chars().all(|c| c.is_alphanumeric() || c == ' ') {
                v.push(Field::SignName, s, only_letters_digits());
            } else if s.chars().count() > 12 {
                v.push(Field::SignName, s, Problem::TooLong { max: 12 });
            }
        }
        v.into_result(())?;
        Ok(GatewaySettings { url: url.unwrap_or_default(), key_id: key_id.unwrap_or_default(), secret, sign_name })
    }

    /// The settings as the form shows them: the secret never.
    pub fn to_raw(&self) -> Raw {
        let mut raw = Raw::default();
        raw.set(Field::GatewayUrl, &self.url);
        raw.set(Field::GatewayKey, &self.key_id);
        raw.set(Field::SignName, self.sign_name.as_deref().unwrap_or(""));
        raw
    }
}

/// The settings key of a channel's gateway.
pub fn gateway_key(channel: MessageChannel) -> Option<&'static str> {
    match channel {
        MessageChannel::Sms => Some("sms_gateway"),
        MessageChannel::Wechat => Some("wechat_gateway"),
        MessageChannel::Email | MessageChannel::Letter => None,
    }
}

/// The rules every message passes before it is sent (PIPL, and plain courtesy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingRules {
    /// No SMS or WeChat to customers from this time (China time)…
    pub quiet_from: Option<NaiveTime>,
    /// …until this one: held until then. Both empty: no quiet hours.
    pub quiet_until: Option<NaiveTime>,
    /// At most this many marketing messages to one customer in any 7 days (0: no cap); more are
    /// held until one of the week's leaves the window.
    pub weekly_cap: u32,
}

pub const RULES_FIELDS: &[Field] = &[Field::QuietFrom, Field::QuietUntil, Field::WeeklyCap];

/// The largest weekly cap that can be set.
pub const MAX_WEEKLY_CAP: u32 = 100;

impl Default for SendingRules {
    /// 21:00–08:00 quiet, three marketing messages a week.
    fn default() -> Self {
        SendingRules {
            quiet_from: NaiveTime::from_hms_opt(21, 0, 0),
            quiet_until: NaiveTime::from_hms_opt(8, 0, 0),
            weekly_cap: 3,
        }
    }
}

/// An SMS signature (短信签名) must be Chinese characters, letters and digits only.
fn only_letters_digits() -> Problem {
    Problem::rule(
        "only_letters_digits",
        "只能包含汉字、字母和数字",
        "may contain only Chinese characters, letters and digits",
    )
}

/// Quiet hours that end when they start (21:00–21:00) would mean none: said, not guessed.
fn same_as_start() -> Problem {
    Problem::rule(
        "same_as_start",
        "与开始时间相同：不需要免打扰时段，请把两项都留空",
        "is the same as the start: for no quiet hours, leave both empty",
    )
}

impl SendingRules {
    pub fn parse(raw: &Raw) -> Result<SendingRules, Validation> {
        let mut v = Validation::default();
        let quiet_from = v.take(parse_time(Field::QuietFrom, raw.get(Field::QuietFrom))).flatten();
        let quiet_until = v.take(parse_time(Field::QuietUntil, raw.get(Field::QuietUntil))).flatten();
        match (quiet_from, quiet_until, v.is_empty()) {
            (Some(_), None, true) => v.push(Field::QuietUntil, "", Problem::Required),
            (None, Some(_), true) => v.push(Field::QuietFrom, "", Problem::Required),
            // 21:00 to 21:00 would be read as no quiet hours at all: said, not guessed.
            (Some(f), Some(u), true) if f == u => {
                v.push(Field::QuietUntil, raw.get(Field::QuietUntil).trim(), same_as_start())
            }
            _ => {}
        }
        let cap_text = raw.get(Field::WeeklyCap).trim();
        let weekly_cap = if cap_text.is_empty() {
            // Empty is not "no limit" by accident: 0 says that.
            v.push(Field::WeeklyCap, "", Problem::Required);
            0
        } else {
            match cap_text.parse::<i64>() {
                Ok(n) if (0..=i64::from(MAX_WEEKLY_CAP)).contains(&n) => n as u32,
                Err(_) => {
                    v.push(Field::WeeklyCap, cap_text, Problem::NotAWholeNumber);
                    0
                }
                _ => {
                    v.push(
                        Field::WeeklyCap,
                        cap_text,
                        Problem::OutOfRange { min: "0".into(), max: MAX_WEEKLY_CAP.to_string() },
                    );
                    0
                }
            }
        };
        v.into_result(())?;
        Ok(SendingRules { quiet_from, quiet_until, weekly_cap })
    }

    pub fn to_raw(&self) -> Raw {
        let mut raw = Raw::default();
        let t = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
        raw.set(Field::QuietFrom, t(self.quiet_from));
        raw.set(Field::QuietUntil, t(self.quiet_until));
        raw.set(Field::WeeklyCap, self.weekly_cap.to_string());
        raw
    }

    /// Whether `channel` keeps quiet hours (SMS and WeChat reach a phone at night; e-mail waits
    /// in an inbox).
    pub fn keeps_quiet(channel: MessageChannel) -> bool {
        matches!(channel, MessageChannel::Sms | MessageChannel::Wechat)
    }

    /// If `at` falls in the quiet hours (China time), when they end.
    pub fn quiet_until_at(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (from, until) = (self.quiet_from?, self.quiet_until?);
        if from == until {
            return None;
        }
        let local = crate::china::local(at);
        let t = local.time();
        let quiet = if from < until { t >= from && t < until } else { t >= from || t < until };
        if !quiet {
            return None;
        }
        let mut end = local.date().and_time(until);
        if end <= local {
            end += Duration::days(1);
        }
        Some(crate::china::from_local(end))
    }
}

/// What a customer's SMS reply says when it asks for no more messages: 回复TD (or T, 退订,
/// STOP, …), alone, in any case, with punctuation or spaces around it.
pub fn is_opt_out_reply(text: &str) -> bool {
    let word: String =
        text.chars().filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !"。，！、".contains(*c)).collect();
    matches!(word.to_uppercase().as_str(), "TD" | "T" | "N" | "退订" | "退" | "STOP" | "UNSUBSCRIBE" | "取消订阅")
}

/// What a marketing SMS ends with: how to stop them.
pub const SMS_OPT_OUT: &str = "回复TD退订";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).unwrap()
    }

    #[test]
    fn quiet_hours_hold_until_morning_china_time() {
        let r = SendingRules::default();
        // 12:59 UTC = 20:59 in China: not quiet; 13:00 UTC = 21:00: quiet until 08:00 next day.
        assert_eq!(r.quiet_until_at(utc(12, 59)), None);
        assert_eq!(r.quiet_until_at(utc(13, 0)), Some(Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()));
        // 23:30 UTC = 07:30 the next day in China: quiet until 08:00 that day (00:00 UTC on the 7th).
        assert_eq!(r.quiet_until_at(utc(23, 30)), Some(Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()));
        assert_eq!(r.quiet_until_at(Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()), None, "08:00 is morning");
        let day = SendingRules {
            quiet_from: NaiveTime::from_hms_opt(12, 0, 0),
            quiet_until: NaiveTime::from_hms_opt(14, 0, 0),
            weekly_cap: 0,
        };
        assert_eq!(day.quiet_until_at(utc(4, 30)), Some(utc(6, 0)), "a lunch break 12–14 China time");
        assert_eq!(day.quiet_until_at(utc(6, 0)), None);
        let same =
            Raw::new().with(Field::QuietFrom, "21:00").with(Field::QuietUntil, "21:00").with(Field::WeeklyCap, "3");
        let e = SendingRules::parse(&same).unwrap_err();
        assert_eq!((e.0[0].field, e.0[0].problem.code()), (Field::QuietUntil, "same_as_start"));
        let none = SendingRules { quiet_from: None, quiet_until: None, weekly_cap: 0 };
        assert_eq!(none.quiet_until_at(utc(15, 0)), None);
    }

    #[test]
    fn rules_and_gateways_name_what_is_wrong() {
        let raw =
            Raw::new().with(Field::QuietFrom, "25:00").with(Field::QuietUntil, "8点").with(Field::WeeklyCap, "-1");
        let fields: Vec<Field> = SendingRules::parse(&raw).unwrap_err().0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::QuietFrom, Field::WeeklyCap]);
        let e = SendingRules::parse(&Raw::new().with(Field::WeeklyCap, "3.5")).unwrap_err();
        assert_eq!(e.0[0].problem, Problem::NotAWholeNumber);
        let e = SendingRules::parse(&Raw::new()).unwrap_err();
        assert_eq!((e.0[0].field, &e.0[0].problem), (Field::WeeklyCap, &Problem::Required), "empty is not 'no limit'");
        let signed = Raw::new()
            .with(Field::GatewayUrl, "https://x.example/s")
            .with(Field::GatewayKey, "k")
            .with(Field::GatewaySecret, "s");
        let e =
            GatewaySettings::parse(&signed.clone().with(Field::SignName, "【关系咖啡】<b>x</b>"), None).unwrap_err();
        assert_eq!(e.0[0].problem, only_letters_digits());
        let half = Raw::new().with(Field::QuietFrom, "22:00").with(Field::WeeklyCap, "3");
        assert_eq!(SendingRules::parse(&half).unwrap_err().0[0].field, Field::QuietUntil);
        let ok = SendingRules::parse(&SendingRules::default().to_raw()).unwrap();
        assert_eq!(ok, SendingRules::default());

        let bad = Raw::new().with(Field::GatewayUrl, "sms.example.com/send").with(Field::GatewayKey, "");
        let e = GatewaySettings::parse(&bad, None).unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::GatewayUrl, Field::GatewayKey, Field::GatewaySecret]);
        assert_eq!(e.0[0].problem, Problem::InvalidUrl);
        let good = Raw::new()
            .with(Field::GatewayUrl, "https://sms.example.com:8443/v1/send")
            .with(Field::GatewayKey, "LTAI5t")
            .with(Field::GatewaySecret, "s3cret")
            .with(Field::SignName, "【关系咖啡】");
        let g = GatewaySettings::parse(&good, None).unwrap();
        assert_eq!(g.sign_name.as_deref(), Some("关系咖啡"));
        let again = GatewaySettings::parse(&g.to_raw(), Some(&g)).unwrap();
        assert_eq!(again.secret.as_deref(), Some("s3cret"), "an empty secret keeps the saved one");
        assert!(!format!("{:?}", g.to_raw()).contains("s3cret"));
        for u in ["http://", "ftp://x", "http://a b/", "http://x:0/", "https://-x/"] {
            assert!(parse_gateway_url(u).is_err(), "{u}");
        }
    }

    #[test]
    fn td_replies() {
        for yes in ["TD", "td", " T ", "退订", "TD。", "Stop!", "t d"] {
            assert!(is_opt_out_reply(yes), "{yes}");
        }
        for no in ["好的", "谢谢，TD什么意思", "today", ""] {
            assert!(!is_opt_out_reply(no), "{no}");
        }
    }
}
