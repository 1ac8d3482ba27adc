//! The messages the test SMTP server (scripts/smtp-sink.py) received, read back from its folder:
//! headers unfolded and decoded (RFC 2047), the body decoded (base64 or quoted-printable).

use base64::Engine;

pub struct Mailbox {
    pub addr: String,
    dir: std::path::PathBuf,
}

pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub envelope_to: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> String {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

impl Mailbox {
    /// The server the test command started; `None` (a skip) only outside CI.
    pub fn from_env() -> Option<Mailbox> {
        match (std::env::var("GUANXI_TEST_SMTP"), std::env::var("GUANXI_TEST_MAILDIR")) {
            (Ok(addr), Ok(dir)) if !addr.is_empty() => Some(Mailbox { addr, dir: dir.into() }),
            _ => {
                assert_ne!(
                    std::env::var("CI").as_deref(),
                    Ok("true"),
                    "CI=true but GUANXI_TEST_SMTP is not set: the e-mail tests cannot be skipped"
                );
                eprintln!("no test SMTP server (run the tests with scripts/test.sh): e-mail tests skipped");
                None
            }
        }
    }

    /// The messages to `to` so far.
    pub fn to(&self, to: &str) -> Vec<Mail> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.ends_with(".eml") {
                continue;
            }
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            let mail = parse(&String::from_utf8_lossy(&bytes));
            if mail.envelope_to.split(", ").any(|a| a.eq_ignore_ascii_case(to)) {
                out.push(mail);
            }
        }
        out
    }

    /// Waits (up to 10 s) until `n` messages to `to` arrived, and a moment for any more.
    pub async fn wait_for(&self, to: &str, n: usize) -> Vec<Mail> {
        for _ in 0..100 {
            if self.to(to).len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        self.to(to)
    }
}

fn parse(text: &str) -> Mail {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(line.trim_start());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    for h in &mut headers {
        h.1 = decode_words(&h.1);
    }
    let envelope_to = headers.iter().find(|(k, _)| k == "X-Envelope-To").map(|(_, v)| v.clone()).unwrap_or_default();
    let encoding = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-transfer-encoding"))
        .map(|(_, v)| v.to_lowercase())
        .unwrap_or_default();
    let body = match encoding.as_str() {
        "base64" => String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(body.chars().filter(|c| !c.is_whitespace()).collect::<String>())
                .unwrap_or_default(),
        )
        .into_owned(),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_string(),
    };
    Mail { headers, body, envelope_to }
}

/// `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words, adjacent ones joined.
fn decode_words(v: &str) -> String {
    let mut out = Vec::new();
    let mut rest = v;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(last_was_word && before.trim().is_empty()) {
            out.extend_from_slice(before.as_bytes());
        }
        let Some(end) = rest[start + 2..].find("?=").map(|e| start + 2 + e) else { break };
        let word = &rest[start + 2..end];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        if parts.len() == 3 {
            if parts[1].eq_ignore_ascii_case("b") {
                out.extend(base64::engine::general_purpose::STANDARD.decode(parts[2]).unwrap_or_default());
            } else {
                out.extend(quoted_printable(&parts[2].replace('_', " ")).into_bytes());
            }
        }
        rest = &rest[end + 2..];
        last_was_word = true;
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

fn quoted_printable(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(hex) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(hex);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
