//! Every page of the demo, in both languages (issue #22, item 10): no page shows a raw code
//! (`approach`, `moveopportunity`, `true`), a machine time or JSON, or the other language's
//! words and punctuation. The walk follows every link from the home page as the admin (who sees
//! every page), a few of each kind, once in Chinese and then the same pages in English. Text
//! that reads the same in both is the archive's data and is left alone; what differs is the
//! interface, and is checked.

use super::{databases, ok, workdir};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

/// A browser enough for server-rendered pages: cookies, form posts, redirects by hand.
struct Client {
    addr: String,
    cookies: BTreeMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    html: bool,
    body: String,
}

impl Client {
    fn send(&mut self, method: &str, path: &str, form: Option<&str>) -> Page {
        let mut s = std::net::TcpStream::connect(&self.addr).expect("connect");
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let body = form.unwrap_or("");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nOrigin: http://{}\r\nCookie: {}\r\n",
            self.addr,
            self.addr,
            cookie.join("; ")
        );
        if form.is_some() {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).and_then(|_| s.write_all(body.as_bytes())).expect("write");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read");
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut content = raw[split + 4..].to_vec();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
        let mut location = None;
        let mut html = false;
        let mut chunked = false;
        for line in head.lines().skip(1) {
            let Some((k, v)) = line.split_once(':') else { continue };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "location" => location = Some(v.to_string()),
                "content-type" => html = v.starts_with("text/html"),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "set-cookie" => {
                    if let Some((name, rest)) = v.split_once('=') {
                        let value = rest.split(';').next().unwrap_or("");
                        self.cookies.insert(name.to_string(), value.to_string());
                    }
                }
                _ => {}
            }
        }
        if chunked {
            content = dechunk(&content);
        }
        Page { status, location, html, body: String::from_utf8_lossy(&content).into_owned() }
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text a person reads on a page: its text between tags (scripts and styles left out) and
/// the placeholders and titles of its elements, each a node.
fn visible_text(html: &str) -> Vec<String> {
    let mut nodes = Vec::new();
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            let text = decode(rest[..lt].trim());
            if !text.is_empty() {
                nodes.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        let Some(gt) = rest[lt..].find('>') else { break };
        let tag = &rest[lt + 1..lt + gt];
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').find(|s| !s.is_empty()).unwrap_or("");
        let name = name.to_ascii_lowercase();
        if let Some(end) = skip_until {
            if tag.eq_ignore_ascii_case(end) {
                skip_until = None;
            }
        } else if name == "script" || name == "style" || name == "title" {
            skip_until = Some(if name == "script" {
                "/script"
            } else if name == "style" {
                "/style"
            } else {
                "/title"
            });
        } else {
            for attr in ["placeholder=\"", "title=\"", "aria-label=\""] {
                if let Some(i) = tag.find(attr) {
                    let v = &tag[i + attr.len()..];
                    let v = decode(&v[..v.find('"').unwrap_or(v.len())]);
                    if !v.trim().is_empty() {
                        nodes.push(v);
                    }
                }
            }
        }
        rest = &rest[lt + gt + 1..];
    }
    nodes
}

/// Links on the page to other pages of the site.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let href = decode(&part[..part.find('"').unwrap_or(0)]);
        if href.starts_with('/') && !href.starts_with("//") {
            out.push(href.split('#').next().unwrap_or("").to_string());
        }
    }
    out
}

/// Pages of one kind: the path with its numbers as N, and the query's names.
fn kind_of(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path: String = path
        .split('/')
        .map(|s| if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() { "N" } else { s })
        .collect::<Vec<_>>()
        .join("/");
    let mut names: Vec<&str> = query.split('&').filter_map(|p| p.split('=').next()).filter(|n| !n.is_empty()).collect();
    names.sort();
    format!("{path}?{}", names.join("&"))
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Chinese punctuation (curly quotes are English too, and left out).
const CJK_PUNCTUATION: &[char] = &['，', '。', '：', '；', '（', '）', '、', '！', '？', '「', '」'];

/// ASCII words that may stand in Chinese text: names of formats, products and standards.
const ALLOWED_WORDS: &[&str] = &[
    "guanxi",
    "csv",
    "xlsx",
    "xls",
    "excel",
    "wps",
    "utf",
    "bom",
    "gbk",
    "gb",
    "rfm",
    "clv",
    "abc",
    "vip",
    "api",
    "http",
    "https",
    "www",
    "com",
    "cn",
    "url",
    "json",
    "openapi",
    "email",
    "wechat",
    "id",
    "accesskey",
    "pdf",
    "nbd",
    "gamma",
    "bg",
    "log",
    "likelihood",
    "alpha",
    "beta",
    "hstore",
    "sqlite",
    "postgresql",
    "token",
    "pareto",
    // The language switch names the other language in it.
    "english",
];

/// What is wrong with the interface text of a page in `lang` (nodes the other language shows
/// the same are data and not passed here).
fn problems(lang: &str, node: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = node.chars().collect();
    if lang == "zh" {
        // A code or an English word in Chinese text (web addresses are neither).
        let without_urls: String = node
            .split_inclusive(|c: char| c.is_whitespace() || !c.is_ascii())
            .filter(|w| !w.starts_with("http://") && !w.starts_with("https://"))
            .collect();
        for word in without_urls.split(|c: char| !(c.is_ascii_alphabetic() || c == '_')) {
            let lower = word.to_ascii_lowercase();
            if word.len() >= 3
                && word.chars().any(|c| c.is_ascii_lowercase())
                && !ALLOWED_WORDS.contains(&lower.as_str())
            {
                out.push(format!("English word or code {word:?}"));
            }
        }
        // Western punctuation right after Chinese.
        for w in chars.windows(2) {
            if is_han(w[0]) && [',', ':', ';', '(', '!', '?'].contains(&w[1]) {
                out.push(format!("{:?} after Chinese", w[1]));
            }
        }
    } else {
        // Chinese punctuation next to English, or a node of Chinese only.
        for (i, c) in chars.iter().enumerate() {
            if CJK_PUNCTUATION.contains(c) {
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + 1).copied();
                let latin = |x: Option<char>| x.is_some_and(|x| x.is_ascii_alphanumeric() || x == ' ');
                if latin(before) || latin(after) {
                    out.push(format!("{c:?} in English text"));
                }
            }
        }
        // Chinese words alone, without a letter or the punctuation that joins labels to data.
        let joined = chars.iter().any(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation());
        if chars.iter().any(|c| is_han(*c)) && !joined && chars.len() >= 3 {
            out.push("Chinese text in the English interface".into());
        }
    }
    out
}

/// Whether `word` stands in `text` as a word of its own.
fn shows_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let part_of_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        !part_of_word(before) && !part_of_word(after)
    })
}

/// Machine text in any node, data or not: `true`/`false`, an ISO time, JSON.
fn machine_text(node: &str) -> Option<String> {
    let words: Vec<&str> = node.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.iter().any(|w| *w == "true" || *w == "false" || *w == "null") {
        return Some("true/false/null".into());
    }
    let b = node.as_bytes();
    for i in 0..b.len().saturating_sub(13) {
        let digits = |r: std::ops::Range<usize>| r.clone().all(|j| b[j].is_ascii_digit());
        if digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
            && b[i + 10] == b'T'
        {
            return Some("an ISO time".into());
        }
    }
    if node.contains("[\"") || node.contains("{\"") {
        return Some("JSON".into());
    }
    None
}

#[tokio::test]
async fn every_demo_page_reads_in_the_users_language() {
    let dir = workdir();
    for (backend, db) in databases(&dir).await {
        ok(&db, &dir, &["demo", "--customers", "120"]);
        ok(&db, &dir, &["user", "add", "admin", "--name", "管理员", "--role", "admin"]);
        let mut set = Command::new(env!("CARGO_BIN_EXE_guanxi"))
            .args(["--database", &db, "user", "passwd", "admin", "--password-stdin"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("passwd");
        set.stdin.take().unwrap().write_all(b"Walk-every-page-2026\n").unwrap();
        assert!(set.wait().unwrap().success(), "{backend}");
        let mut server = Command::new(env!("CARGO_BIN_EXE_guanxi"))
            .args(["--database", &db, "serve", "--listen", "127.0.0.1:0", "--no-jobs"])
            .current_dir(&dir)
            .env_remove("GUANXI_LANG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let mut out = BufReader::new(server.stdout.take().unwrap());
        let mut addr = String::new();
        for _ in 0..30 {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some((_, u)) = line.split_once("http://") {
                addr = u.trim().trim_end_matches('/').to_string();
                break;
            }
        }
        assert!(!addr.is_empty(), "{backend}: no address printed");
        let mut c = Client { addr, cookies: BTreeMap::new() };
        let r = c.send("POST", "/login", Some("username=admin&password=Walk-every-page-2026"));
        assert_eq!(r.status, 303, "{backend}: sign-in: {}", r.body);

        let usernames = ["admin", "zhang.wei", "li.na", "wang.qiang", "liu.yang", "chen.jing"];
        // Chinese first: every page reachable, a few of each kind.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut per_kind: HashMap<String, usize> = HashMap::new();
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
        let mut pages: Vec<(String, Vec<String>)> = Vec::new();
        let mut failures: Vec<String> = Vec::new();
        while let Some(url) = queue.pop_front() {
            if pages.len() >= 400 || !seen.insert(url.clone()) {
                continue;
            }
            let r = c.send("GET", &url, None);
            if let Some(to) = r.location.filter(|_| (300..400).contains(&r.status)) {
                queue.push_front(to);
                continue;
            }
            if r.status >= 500 {
                failures.push(format!("{url}: status {}", r.status));
            }
            if !r.html {
                continue;
            }
            for link in links(&r.body) {
                let kind = kind_of(&link);
                let n = per_kind.entry(kind).or_default();
                if *n < 3 && !link.starts_with("/logout") && !seen.contains(&link) {
                    *n += 1;
                    queue.push_back(link);
                }
            }
            pages.push((url, visible_text(&r.body)));
        }
        assert!(pages.len() > 40, "{backend}: only {} pages reached", pages.len());
        // Every notice a form leaves on the page it returns to.
        for code in guanxi_web::html::Done::codes() {
            let url = format!("/customers?done={code}");
            let r = c.send("GET", &url, None);
            assert_eq!(r.status, 200, "{backend}: {url}");
            pages.push((url, visible_text(&r.body)));
        }

        // The same pages in English.
        let r = c.send("POST", "/account/language", Some("lang=en&next=/customers"));
        assert!(r.status < 400, "{backend}: {}", r.status);
        for (url, zh) in &pages {
            let r = c.send("GET", url, None);
            let en = visible_text(&r.body);
            let zh_set: BTreeSet<&String> = zh.iter().collect();
            let en_set: BTreeSet<&String> = en.iter().collect();
            for (lang, nodes, other) in [("zh", zh, &en_set), ("en", &en, &zh_set)] {
                for node in nodes {
                    if let Some(what) = machine_text(node) {
                        failures.push(format!("{url} [{lang}] {what}: {node:?}"));
                    }
                    // People are shown by their names; sign-in names belong on the users' and
                    // the account's pages, and in the audit log's records of users.
                    let sign_in_page = ["/users", "/account", "/audit"].iter().any(|p| url.starts_with(p));
                    // 「张伟 (zhang.wei)」 tells two people of one name apart in pickers.
                    let by_name = |u: &str| node.contains(&format!(" ({u})"));
                    if !sign_in_page && let Some(u) = usernames.iter().find(|u| shows_word(node, u) && !by_name(u)) {
                        failures.push(format!("{url} [{lang}] the username {u} for a person: {node:?}"));
                    }
                    if other.contains(node) {
                        continue;
                    }
                    // Sign-in names belong on the users' and the account's pages.
                    let node = &if url.starts_with("/users") || url.starts_with("/account") {
                        usernames.iter().fold(node.clone(), |n, u| n.replace(u, ""))
                    } else {
                        node.clone()
                    };
                    for p in problems(lang, node) {
                        failures.push(format!("{url} [{lang}] {p}: {node:?}"));
                    }
                }
            }
        }
        server.kill().ok();
        server.wait().ok();
        failures.sort();
        failures.dedup();
        assert!(
            failures.is_empty(),
            "{backend}: {} problems on {} pages:\n{}",
            failures.len(),
            pages.len(),
            failures.join("\n")
        );
    }
}
