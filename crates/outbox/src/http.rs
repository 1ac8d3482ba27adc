//! A small HTTP/1.1 client for posting to providers' gateways: one request a connection, over
//! TLS (rustls with the webpki roots, as e-mail uses) for `https://`, plain for `http://`.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, pki_types::ServerName};

/// The most of a gateway's answer that is read.
const MAX_ANSWER: usize = 64 * 1024;

/// What went wrong before an answer came: said in words, all worth trying again later.
#[derive(Debug)]
pub struct NoAnswer(pub String);

/// A gateway's answer: its status and (up to 64 KiB of) its body.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

pub(crate) fn tls() -> TlsConnector {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        // ring, as lettre's e-mail uses (no post-quantum key exchange: rustls marks it so).
        #[allow(deprecated)]
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .unwrap_or_else(|_| {
                ClientConfig::builder_with_protocol_versions(&[&tokio_rustls::rustls::version::TLS13])
                    .with_root_certificates(RootCertStore::empty())
                    .with_no_client_auth()
            });
        Arc::new(config)
    });
    TlsConnector::from(config.clone())
}

/// The parts of a URL a request needs.
struct Target {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

fn target(url: &str) -> Result<Target, NoAnswer> {
    let bad = || NoAnswer(format!("not an address to post to: {url}"));
    let (https, rest) = match url.split_once("://") {
        Some(("https", r)) => (true, r),
        Some(("http", r)) => (false, r),
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| bad())?),
        None => (authority, if https { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
    Ok(Target { https, host: host.to_string(), port, path })
}

/// Posts `body` (JSON) to `url` with `headers`; the whole exchange within `timeout`.
pub async fn post_json(
    url: &str,
    headers: &[(&str, String)],
    body: String,
    timeout: Duration,
) -> Result<Answer, NoAnswer> {
    match tokio::time::timeout(timeout, exchange(url, headers, body)).await {
        Ok(answer) => answer,
        Err(_) => Err(NoAnswer(format!("no answer within {} s", timeout.as_secs()))),
    }
}

async fn exchange(url: &str, headers: &[(&str, String)], body: String) -> Result<Answer, NoAnswer> {
    let t = target(url)?;
    let tcp = TcpStream::connect((t.host.as_str(), t.port))
        .await
        .map_err(|e| NoAnswer(format!("cannot connect to {}:{}: {e}", t.host, t.port)))?;
    let _ = tcp.set_nodelay(true);
    let host_header = if (t.https && t.port == 443) || (!t.https && t.port == 80) {
        t.host.clone()
    } else {
        format!("{}:{}", t.host, t.port)
    };
    let mut request = hyper::Request::post(&t.path)
        .header(hyper::header::HOST, host_header)
        .header(hyper::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(hyper::header::USER_AGENT, concat!("guanxi/", env!("CARGO_PKG_VERSION")));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request.body(Full::new(Bytes::from(body))).map_err(|e| NoAnswer(e.to_string()))?;
    if t.https {
        let name = ServerName::try_from(t.host.clone()).map_err(|e| NoAnswer(format!("{}: {e}", t.host)))?;
        let stream = tls().connect(name, tcp).await.map_err(|e| NoAnswer(format!("TLS with {}: {e}", t.host)))?;
        send(TokioIo::new(stream), request).await
    } else {
        send(TokioIo::new(tcp), request).await
    }
}

async fn send<IO>(io: IO, request: hyper::Request<Full<Bytes>>) -> Result<Answer, NoAnswer>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(io).await.map_err(|e| NoAnswer(e.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await.map_err(|e| NoAnswer(e.to_string()))?;
    let status = response.status().as_u16();
    let bytes = Limited::new(response.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| NoAnswer(format!("HTTP {status}, answer cut off: {e}")))?
        .to_bytes();
    Ok(Answer { status, body: String::from_utf8_lossy(&bytes).into_owned() })
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn targets() {
        let t = target("https://sms.example.com/v1/send?x=1").unwrap();
        assert_eq!((t.https, t.host.as_str(), t.port, t.path.as_str()), (true, "sms.example.com", 443, "/v1/send?x=1"));
        let t = target("http://127.0.0.1:8080").unwrap();
        assert_eq!((t.https, t.port, t.path.as_str()), (false, 8080, "/"));
        assert!(target("ftp://x/").is_err());
        assert!(target("http://:80/").is_err());
    }
}
