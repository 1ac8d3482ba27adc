//! E-mail over SMTP (lettre): a message of the outbox as a UTF-8 plain-text e-mail whose
//! Message-ID is the outbox row's own, so that a message sent again after a crash is the same
//! message to the receiving side.

use guanxi_domain::outbox::{EmailSettings, SmtpSecurity};
use guanxi_store::{OutboxMessage, SendOutcome};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP exchange may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection (pool) to the company's e-mail server.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl Smtp {
    /// The transport for `s`; an error says what is wrong with the settings.
    pub fn new(s: &EmailSettings) -> Result<Smtp, String> {
        let builder = match s.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| e.to_string())?,
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host).map_err(|e| e.to_string())?
            }
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        };
        let mut builder = builder.port(s.port).timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &s.username {
            builder = builder.credentials(Credentials::new(user.clone(), s.password.clone().unwrap_or_default()));
        }
        let address = s.from_address.parse().map_err(|e| format!("{}: {e}", s.from_address))?;
        let from = Mailbox::new(s.from_name.clone(), address);
        let domain = s.from_address.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_else(|| "guanxi".into());
        Ok(Smtp { transport: builder.build(), from, domain })
    }

    /// The Message-ID of outbox message `m`: the same every time it is sent.
    pub fn message_id(&self, m: &OutboxMessage) -> String {
        format!("<guanxi.{}.{}@{}>", m.id, m.created_at.timestamp_micros(), self.domain)
    }

    /// Sends `m`, with `unsubscribe` (a link) in the text and the List-Unsubscribe header when
    /// given. A refusal the server calls permanent (5xx) is not tried again; anything else is.
    pub async fn send(&self, m: &OutboxMessage, unsubscribe: Option<&str>) -> SendOutcome {
        let to = match m.recipient.parse() {
            Ok(address) => Mailbox::new((!m.recipient_name.is_empty()).then(|| m.recipient_name.clone()), address),
            Err(e) => return SendOutcome::Refused(format!("{}: {e}", m.recipient)),
        };
        let id = self.message_id(m);
        let mut body = m.body.clone();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(id.clone()))
            .header(ContentType::TEXT_PLAIN);
        if let Some(link) = unsubscribe {
            body.push_str(&format!("\n\n——\n不想再收到这类邮件？退订：{link}\nTo stop these e-mails: {link}\n"));
            builder = builder.header(ListUnsubscribe(format!("<{link}>"))).header(ListUnsubscribePost);
        }
        let email = match builder.body(body) {
            Ok(e) => e,
            Err(e) => return SendOutcome::Refused(e.to_string()),
        };
        match self.transport.send(email).await {
            Ok(_) => SendOutcome::Sent(id),
            Err(e) if e.is_permanent() => SendOutcome::Refused(e.to_string()),
            Err(e) => SendOutcome::Retry(e.to_string()),
        }
    }
}

/// `List-Unsubscribe: <link>` (RFC 2369): mail programs show an unsubscribe button.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl header::Header for ListUnsubscribe {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the button works at once.
#[derive(Clone)]
struct ListUnsubscribePost;

impl header::Header for ListUnsubscribePost {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}
