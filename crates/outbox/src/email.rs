//! E-mail over SMTP (lettre): a message of the outbox as a UTF-8 plain-text e-mail whose
//! Message-ID is the outbox row's own, so that a message sent again after a crash is the same
//! message to the receiving side.

use guanxi_domain::outbox::{EmailSettings, SmtpSecurity};
use guanxi_store::{OutboxMessage, SendOutcome};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, header};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How long one SMTP exchange may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections kept open between messages.
const IDLE: usize = 32;

/// The company's e-mail server, with the connections kept open to it. Each connection is made
/// with `TCP_NODELAY`: an SMTP client writes a message and then its closing `.` apart, and
/// without it the second write waits for the server's delayed acknowledgement of the first
/// (some 40 ms a message — the 12 to 19 messages a second a connection managed before).
pub struct Smtp {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<Credentials>,
    from: Mailbox,
    domain: String,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
}

impl Smtp {
    /// The server of `s`; an error says what is wrong with the settings.
    pub fn new(s: &EmailSettings) -> Result<Smtp, String> {
        if s.security != SmtpSecurity::Plain {
            TlsParameters::new(s.host.clone()).map_err(|e| e.to_string())?;
        }
        let address = s.from_address.parse().map_err(|e| format!("{}: {e}", s.from_address))?;
        let from = Mailbox::new(s.from_name.clone(), address);
        let domain = s.from_address.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_else(|| "guanxi".into());
        Ok(Smtp {
            host: s.host.clone(),
            port: s.port,
            security: s.security,
            credentials: s.username.clone().map(|u| Credentials::new(u, s.password.clone().unwrap_or_default())),
            from,
            domain,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The Message-ID of outbox message `m`: the same every time it is sent.
    pub fn message_id(&self, m: &OutboxMessage) -> String {
        format!("<guanxi.{}.{}@{}>", m.id, m.created_at.timestamp_micros(), self.domain)
    }

    /// A new connection: TCP (no Nagle), TLS at once or after STARTTLS as the settings say,
    /// EHLO, and the login when there is one.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await.map_err(|e| e.to_string())?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let hello = ClientId::default();
        let mut conn = match self.security {
            SmtpSecurity::Tls => {
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| format!("{}: {e}", self.host))?;
                let tls = crate::http::tls().connect(name, tcp).await.map_err(|e| e.to_string())?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Tls(tls)), &hello).await
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello).await,
        }
        .map_err(|e| e.to_string())?;
        if self.security == SmtpSecurity::StartTls {
            if !conn.can_starttls() {
                return Err(format!("{} does not offer STARTTLS", self.host));
            }
            let params = TlsParameters::new(self.host.clone()).map_err(|e| e.to_string())?;
            conn.starttls(params, &hello).await.map_err(|e| e.to_string())?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await.map_err(|e| e.to_string())?;
        }
        Ok(conn)
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    fn put_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE {
            idle.push(conn);
        }
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
        let (envelope, bytes) = (email.envelope().clone(), email.formatted());
        // A kept connection the server has since closed fails at once: the message is tried
        // once more on a new one.
        let mut kept = self.take_idle();
        loop {
            let reused = kept.is_some();
            let mut conn = match kept.take() {
                Some(c) => c,
                None => match tokio::time::timeout(SMTP_TIMEOUT, self.connect()).await {
                    Ok(Ok(c)) => c,
                    Ok(Err(e)) => return SendOutcome::Retry(e),
                    Err(_) => return SendOutcome::Retry(format!("no answer from {} in 30 s", self.host)),
                },
            };
            match tokio::time::timeout(SMTP_TIMEOUT, conn.send(&envelope, &bytes)).await {
                Ok(Ok(_)) => {
                    self.put_back(conn);
                    return SendOutcome::Sent(id);
                }
                Ok(Err(e)) if reused && !e.is_permanent() && !e.is_transient() => {
                    conn.abort().await;
                    continue;
                }
                Ok(Err(e)) => {
                    conn.abort().await;
                    return if e.is_permanent() {
                        SendOutcome::Refused(e.to_string())
                    } else {
                        SendOutcome::Retry(e.to_string())
                    };
                }
                Err(_) => return SendOutcome::Retry(format!("no answer from {} in 30 s", self.host)),
            }
        }
    }
}

/// A TLS connection as lettre takes it.
#[derive(Debug)]
struct Tls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for Tls {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for Tls {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tls {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
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
