//! Chinese-first search keys (DESIGN.md "Search").
//!
//! People type 张, 张三, zhangsan, zs, a phone fragment, an e-mail or the company. We compute
//! every key a record can be found by, once, on each write; the store indexes them (FTS5 on
//! SQLite, a tsvector on PostgreSQL) and matches query terms as exact keys or key prefixes.
//! Keys contain only lowercase ASCII letters, digits and Han characters, so they need no
//! escaping in either index.

use pinyin::ToPinyinMulti;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// At most this many pinyin spellings per name: a name of polyphonic characters would
/// otherwise multiply out.
const MAX_READINGS: usize = 16;
/// Whole Han runs up to this length are keys themselves (names, short company names).
const MAX_WHOLE_RUN: usize = 8;

/// Two-character surnames, read as one unit.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
    "端木", "万俟", "澹台", "单于", "轩辕", "呼延", "南宫", "西门", "独孤", "申屠", "闻人", "钟离", "东郭", "百里",
];

/// Surname readings that differ from the character's everyday reading (曾 is zēng as a
/// surname, not céng; 单 is shàn, not dān).
fn surname_reading(surname: &str) -> Option<&'static str> {
    Some(match surname {
        "曾" => "zeng",
        "单" => "shan",
        "解" => "xie",
        "仇" => "qiu",
        "区" => "ou",
        "查" => "zha",
        "朴" => "piao",
        "盖" => "ge",
        "华" => "hua",
        "乐" => "yue",
        "种" => "chong",
        "繁" => "po",
        "员" => "yun",
        "召" => "shao",
        "缪" => "miao",
        "翟" => "zhai",
        "覃" => "qin",
        "秘" => "bi",
        "沈" => "shen",
        "宿" => "su",
        "柏" => "bai",
        "薄" => "bo",
        "祭" => "zhai",
        "那" => "na",
        "藏" => "zang",
        "句" => "gou",
        "阚" => "kan",
        "厍" => "she",
        "能" => "nai",
        "冼" => "xian",
        "折" => "she",
        "朝" => "chao",
        "尉" => "yu",
        "重" => "chong",
        "长" => "chang",
        "隗" => "wei",
        "谌" => "chen",
        "黑" => "he",
        "便" => "pian",
        "过" => "guo",
        "任" => "ren",
        "燕" => "yan",
        "纪" => "ji",
        "石" => "shi",
        "尉迟" => "yuchi",
        "万俟" => "moqi",
        "长孙" => "zhangsun",
        "澹台" => "tantai",
        "单于" => "chanyu",
        _ => return None,
    })
}

/// Words whose characters read otherwise than their most common reading: place names and
/// words frequent in company names (长沙 is changsha, not zhangsha; 银行 is yinhang).
const WORD_READINGS: &[(&str, [&str; 2])] = &[
    ("长沙", ["chang", "sha"]),
    ("长春", ["chang", "chun"]),
    ("长江", ["chang", "jiang"]),
    ("长城", ["chang", "cheng"]),
    ("长安", ["chang", "an"]),
    ("长治", ["chang", "zhi"]),
    ("长虹", ["chang", "hong"]),
    ("重庆", ["chong", "qing"]),
    ("厦门", ["xia", "men"]),
    ("乐山", ["le", "shan"]),
    ("蚌埠", ["beng", "bu"]),
    ("六安", ["lu", "an"]),
    ("银行", ["yin", "hang"]),
    ("行业", ["hang", "ye"]),
    ("商行", ["shang", "hang"]),
    ("重工", ["zhong", "gong"]),
    ("音乐", ["yin", "yue"]),
    ("快乐", ["kuai", "le"]),
    ("传媒", ["chuan", "mei"]),
    ("调查", ["diao", "cha"]),
];

/// Moves the readings a known word asks for to the front of its characters' readings.
fn apply_word_readings(chars: &[char], readings: &mut [Vec<Reading>]) {
    for i in 0..chars.len().saturating_sub(1) {
        let pair: String = chars[i..i + 2].iter().collect();
        if let Some((_, want)) = WORD_READINGS.iter().find(|(w, _)| *w == pair) {
            for (k, r) in want.iter().enumerate() {
                let unit = &mut readings[i + k];
                unit.retain(|x| x != r);
                unit.insert(0, Cow::Borrowed(*r));
            }
        }
    }
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Folds full-width letters and digits to ASCII and lowercases.
fn fold_char(c: char) -> char {
    let c = match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Splits text into runs of Han characters and runs of ASCII letters/digits; everything else
/// separates. `Huawei 华为(深圳)` → [`huawei`, `华为`, `深圳`].
pub fn runs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_han = false;
    for c in text.chars().map(fold_char) {
        let han = is_han(c);
        let latin = c.is_ascii_alphanumeric();
        if (!(han || latin) || han != cur_han) && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if han || latin {
            cur_han = han;
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One syllable's spelling; almost always borrowed from the pinyin tables.
type Reading = Cow<'static, str>;

/// All readings of one character, most common first, plain, `ü` written `v` as pinyin
/// keyboards do. Empty for a character the tables do not know.
fn char_readings(c: char) -> Vec<Reading> {
    let mut out: Vec<Reading> = Vec::new();
    if let Some(multi) = c.to_pinyin_multi() {
        for p in multi {
            let plain = p.plain();
            let r: Reading =
                if plain.contains('ü') { Cow::Owned(plain.replace('ü', "v")) } else { Cow::Borrowed(plain) };
            if !r.is_empty() && !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

/// The readings of each syllable of a Han run; a surname reads as the surname table says.
/// `None` if a character has no known reading.
fn units(chars: &[char], surname: bool) -> Option<Vec<Vec<Reading>>> {
    let mut units: Vec<Vec<Reading>> = Vec::with_capacity(chars.len());
    let mut i = 0;
    if surname {
        let len = surname_len_chars(chars);
        let s: String = chars.iter().take(len).collect();
        if let Some(r) = surname_reading(&s) {
            units.push(vec![Cow::Borrowed(r)]);
            i = len;
        }
    }
    for c in &chars[i..] {
        let r = char_readings(*c);
        if r.is_empty() {
            return None;
        }
        units.push(r);
    }
    Some(units)
}

/// Choices of one reading per syllable, the most likely (every first reading) first, at most
/// `max` of them.
fn combos(units: &[Vec<Reading>], max: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::with_capacity(units.len())];
    for unit in units {
        let mut next = Vec::with_capacity(max.min(out.len() * unit.len()));
        'outer: for c in &out {
            for r in 0..unit.len() {
                if next.len() >= max {
                    break 'outer;
                }
                let mut c2 = c.clone();
                c2.push(r);
                next.push(c2);
            }
        }
        out = next;
    }
    out
}

/// The full spelling and the initials of one choice of readings.
fn spell(units: &[Vec<Reading>], choice: &[usize]) -> (String, String) {
    let mut full = String::with_capacity(units.len() * 5);
    let mut initials = String::with_capacity(units.len());
    for (u, &r) in units.iter().zip(choice) {
        let syllable = &units_reading(u, r);
        full.push_str(syllable);
        if let Some(c) = syllable.chars().next() {
            initials.push(c);
        }
    }
    (full, initials)
}

fn units_reading(unit: &[Reading], r: usize) -> &str {
    unit.get(r).map(|c| c.as_ref()).unwrap_or("")
}

/// The pinyin spellings of a Han run, each as its syllables, the most likely first. `surname`
/// marks that the run starts with a surname, read from the surname table where it has one.
pub fn spellings(run: &str, surname: bool) -> Vec<Vec<String>> {
    let chars: Vec<char> = run.chars().collect();
    let Some(units) = units(&chars, surname) else {
        return Vec::new();
    };
    combos(&units, MAX_READINGS)
        .iter()
        .map(|choice| units.iter().zip(choice).map(|(u, &r)| units_reading(u, r).to_string()).collect())
        .collect()
}

/// The first, most likely spelling of a name as one string: `张三` → `zhangsan`. Used to find
/// pinyin-equal names when looking for duplicates.
pub fn name_pinyin(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 2);
    for (i, run) in runs(name).iter().enumerate() {
        let chars: Vec<char> = run.chars().collect();
        if !is_han(chars[0]) {
            out.push_str(run);
            continue;
        }
        match units(&chars, i == 0) {
            Some(units) => {
                for u in &units {
                    out.push_str(units_reading(u, 0));
                }
            }
            None => out.push_str(run),
        }
    }
    out
}

/// A record's keys ready to store: each rank's keys separated by single spaces.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SearchText {
    pub name: String,
    pub parts: String,
    pub other: String,
}

impl SearchText {
    /// The name keys, then the part keys, then the others, as one text (for an index that
    /// matches a rank and everything above it).
    pub fn cumulative(&self) -> (String, String) {
        let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
            (true, _) => b.to_string(),
            (_, true) => a.to_string(),
            _ => format!("{a} {b}"),
        };
        let with_parts = join(&self.name, &self.parts);
        let all = join(&with_parts, &self.other);
        (with_parts, all)
    }
}

/// Search keys of one record in three ranks: keys of the whole name (张三, zhangsan, zs),
/// keys of parts of the name (三, 华为, huawei), and everything else (phone, e-mail, company,
/// key people). A match on a higher rank is a better match.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Keys {
    pub name: BTreeSet<String>,
    pub parts: BTreeSet<String>,
    pub other: BTreeSet<String>,
}

impl Keys {
    /// A person's or an organization's name: characters, pairs, the whole name, full pinyin
    /// and initials of every spelling, and the same for the given name alone.
    pub fn add_name(&mut self, name: &str, person: bool) {
        let (whole, parts) = name_keys(name, person);
        self.name.extend(whole);
        self.parts.extend(parts);
    }

    /// Text that should find the record but rank below the name (a company, a key person).
    pub fn add_text(&mut self, text: &str, person: bool) {
        let (whole, parts) = name_keys(text, person);
        self.other.extend(whole);
        self.other.extend(parts);
    }

    /// A phone: its digits and every suffix of three or more, so any fragment is a key prefix.
    pub fn add_phone(&mut self, digits: &str) {
        let d: String = digits.chars().filter(char::is_ascii_digit).collect();
        for i in 0..d.len().saturating_sub(2) {
            self.other.insert(d[i..].to_string());
        }
    }

    /// An e-mail: the whole address without punctuation, the local part, and its pieces.
    pub fn add_email(&mut self, email: &str) {
        let folded: String = email.chars().map(fold_char).collect();
        let whole: String = folded.chars().filter(char::is_ascii_alphanumeric).collect();
        if !whole.is_empty() {
            self.other.insert(whole);
        }
        if let Some((local, _)) = folded.split_once('@') {
            let l: String = local.chars().filter(char::is_ascii_alphanumeric).collect();
            if !l.is_empty() {
                self.other.insert(l);
            }
            for piece in runs(local) {
                self.other.insert(piece);
            }
        }
    }

    /// An identifier (WeChat id, external id): as one key without punctuation.
    pub fn add_identifier(&mut self, id: &str) {
        let k: String = id.chars().map(fold_char).filter(|c| c.is_ascii_alphanumeric() || is_han(*c)).collect();
        if !k.is_empty() && k.chars().count() <= 64 {
            self.other.insert(k);
        }
    }

    /// The keys as the three space-separated texts the index stores.
    pub fn texts(&self) -> SearchText {
        SearchText { name: self.name_text(), parts: self.parts_text(), other: self.other_text() }
    }

    pub fn name_text(&self) -> String {
        self.name.iter().cloned().collect::<Vec<_>>().join(" ")
    }

    /// Part keys, without those already among the whole-name keys.
    pub fn parts_text(&self) -> String {
        self.parts.difference(&self.name).cloned().collect::<Vec<_>>().join(" ")
    }

    /// Other keys, without those already among the name's keys.
    pub fn other_text(&self) -> String {
        self.other
            .iter()
            .filter(|k| !self.name.contains(*k) && !self.parts.contains(*k))
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The keys of a name: (keys of the whole name, keys of its parts).
fn name_keys(name: &str, person: bool) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut whole = BTreeSet::new();
    let mut parts = BTreeSet::new();
    let runs = runs(name);
    let single_run = runs.len() == 1;
    for (ri, run) in runs.iter().enumerate() {
        let chars: Vec<char> = run.chars().collect();
        if !is_han(chars[0]) {
            if run.len() <= 64 {
                if single_run || ri == 0 {
                    whole.insert(run.clone());
                } else {
                    parts.insert(run.clone());
                }
            }
            continue;
        }
        for c in &chars {
            parts.insert(c.to_string());
        }
        for w in chars.windows(2) {
            parts.insert(w.iter().collect());
        }
        if chars.len() <= MAX_WHOLE_RUN {
            if ri == 0 {
                whole.insert(run.clone());
            } else {
                parts.insert(run.clone());
            }
        }
        let is_person_name = person && ri == 0 && chars.len() <= 4;
        if is_person_name {
            let Some(units) = units(&chars, true) else { continue };
            // The syllables of the given name: 三 / san for 张三; 三丰 / sanfeng for 张三丰.
            let given_from =
                if surname_reading(&chars[..surname_len_chars(&chars)].iter().collect::<String>()).is_some() {
                    1
                } else {
                    surname_len_chars(&chars)
                };
            // The most likely spelling is the name itself; the others (a given name of
            // polyphonic characters) still find it, one rank lower.
            for (i, choice) in combos(&units, MAX_READINGS).iter().enumerate() {
                let (full, initials) = spell(&units, choice);
                let target = if i == 0 { &mut whole } else { &mut parts };
                target.insert(full);
                target.insert(initials);
                if given_from < units.len() {
                    let (gf, gi) = spell(&units[given_from..], &choice[given_from..]);
                    parts.insert(gf);
                    parts.insert(gi);
                }
            }
        } else {
            // A company or a long name: pinyin of each pair (华为 → huawei, hw) and the
            // initials of the whole run (北京华为 → bjhw). Readings are looked up once per character.
            let mut readings: Vec<Vec<Reading>> = chars.iter().map(|c| char_readings(*c)).collect();
            apply_word_readings(&chars, &mut readings);
            for pair in readings.windows(2) {
                if pair.iter().any(|r| r.is_empty()) {
                    continue;
                }
                // The first reading of each character; alternatives would double the keys of
                // every company name for little gain.
                for choice in combos(pair, 1) {
                    let (full, initials) = spell(pair, &choice);
                    parts.insert(full);
                    parts.insert(initials);
                }
            }
            if readings.iter().all(|r| !r.is_empty()) {
                let first = vec![0; readings.len()];
                let (full, initials) = spell(&readings, &first);
                let target = if ri == 0 { &mut whole } else { &mut parts };
                target.insert(initials);
                if chars.len() <= MAX_WHOLE_RUN {
                    target.insert(full);
                }
            }
        }
    }
    whole.retain(|k| !k.is_empty());
    parts.retain(|k| !k.is_empty());
    (whole, parts)
}

/// How many characters the surname at the start of a person's name takes: 2 for a compound
/// surname (欧阳娜娜), else 1.
fn surname_len_chars(chars: &[char]) -> usize {
    if chars.len() > 2 {
        let two: String = chars[..2].iter().collect();
        if COMPOUND_SURNAMES.contains(&two.as_str()) {
            return 2;
        }
    }
    1
}

/// The keys a customer is found by: its name; an individual's employer; phone, e-mail, WeChat
/// id and external id; and its key people's names and phones.
pub fn customer_keys(draft: &crate::CustomerDraft, key_people: &[(String, Option<String>)]) -> Keys {
    let mut k = Keys::default();
    k.add_name(&draft.name, draft.kind == crate::CustomerKind::Individual);
    if let Some(company) = draft.individual().and_then(|p| p.employer.as_deref()) {
        k.add_text(company, false);
    }
    if let Some(p) = &draft.phone {
        k.add_phone(&p.digits());
    }
    if let Some(e) = &draft.email {
        k.add_email(e.as_str());
    }
    if let Some(w) = &draft.wechat {
        k.add_identifier(w);
    }
    if let Some(x) = &draft.external_id {
        k.add_identifier(x);
    }
    for (name, phone) in key_people {
        k.add_text(name, true);
        if let Some(p) = phone {
            k.add_phone(p);
        }
    }
    k
}

/// A query term and how it may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Matches a key exactly or as its prefix (`zs`, `138`, `张`).
    Key(String),
    /// A Han run longer than two characters: matches its whole key, or else all its pairs
    /// (`华为技术` inside `北京华为技术有限公司`).
    HanRun { whole: String, pairs: Vec<String> },
}

/// Splits what the user typed into terms; every term must match for a record to be found.
/// Returns no terms for input with nothing searchable (punctuation only).
pub fn query_terms(input: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    let mut pieces: Vec<String> = Vec::new();
    for chunk in input.split_whitespace() {
        if chunk.contains(['@', '＠']) {
            // An e-mail (or part of one) is one key without its punctuation.
            let k: String = chunk.chars().map(fold_char).filter(char::is_ascii_alphanumeric).collect();
            if !k.is_empty() {
                pieces.push(k);
            }
        } else {
            pieces.extend(runs(chunk));
        }
    }
    for run in pieces.into_iter().take(8) {
        let run: String = run.chars().take(64).collect();
        let chars: Vec<char> = run.chars().collect();
        let term = if is_han(chars[0]) && chars.len() > 2 {
            Term::HanRun { whole: run.clone(), pairs: chars.windows(2).map(|w| w.iter().collect()).collect() }
        } else {
            Term::Key(run)
        };
        if !out.contains(&term) {
            out.push(term);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// All keys of a person's name, whole and parts.
    fn keys_of(name: &str) -> BTreeSet<String> {
        let mut k = Keys::default();
        k.add_name(name, true);
        k.name.union(&k.parts).cloned().collect()
    }

    #[test]
    fn person_name_keys() {
        let mut k = Keys::default();
        k.add_name("张三", true);
        for want in ["张三", "zhangsan", "zs"] {
            assert!(k.name.contains(want), "{want} missing from whole-name keys {:?}", k.name);
        }
        for want in ["张", "三", "san", "s"] {
            assert!(k.parts.contains(want), "{want} missing from part keys {:?}", k.parts);
        }
    }

    #[test]
    fn polyphonic_surnames_use_the_surname_reading() {
        let k = keys_of("曾小贤");
        assert!(k.contains("zengxiaoxian"), "{k:?}");
        assert!(k.contains("zxx"));
        assert!(!k.contains("cengxiaoxian"));
        assert!(keys_of("单田芳").contains("shantianfang"));
        assert!(keys_of("解晓东").contains("xiexiaodong"));
        assert!(keys_of("欧阳娜娜").contains("ouyangnana"));
        assert!(keys_of("欧阳娜娜").contains("oynn"));
        assert!(keys_of("吕布").contains("lvbu"));
    }

    #[test]
    fn given_name_polyphones_give_alternatives() {
        // 乐 in a given name may be le or yue.
        let k = keys_of("王乐");
        assert!(k.contains("wangle") && k.contains("wangyue"), "{k:?}");
    }

    #[test]
    fn company_keys_find_inner_words() {
        let mut k = Keys::default();
        k.add_name("北京华为技术有限公司", false);
        assert!(k.name.contains("bjhwjsyxgs"));
        for want in ["华为", "huawei", "hw", "技术"] {
            assert!(k.parts.contains(want), "{want} missing");
        }
    }

    #[test]
    fn place_names_and_common_words_read_right() {
        let mut k = Keys::default();
        k.add_name("长沙远景银行", false);
        assert!(k.name.contains("csyjyh"), "{:?}", k.name);
        assert!(!k.name.iter().any(|x| x.starts_with("zs")));
        assert!(k.parts.contains("changsha") && k.parts.contains("yinhang"));
    }

    #[test]
    fn phone_fragments() {
        let mut k = Keys::default();
        k.add_phone("13812345678");
        assert!(k.other.contains("13812345678"));
        assert!(k.other.contains("5678"));
        assert!(k.other.contains("678"));
        assert!(!k.other.contains("78"));
    }

    #[test]
    fn emails() {
        let mut k = Keys::default();
        k.add_email("Zhang.San@qq.com");
        assert!(k.other.contains("zhangsanqqcom"));
        assert!(k.other.contains("zhangsan"));
        assert!(k.other.contains("zhang"));
    }

    #[test]
    fn query_terms_split_scripts() {
        assert_eq!(query_terms("张三 zs"), vec![Term::Key("张三".into()), Term::Key("zs".into())]);
        assert_eq!(query_terms("张san"), vec![Term::Key("张".into()), Term::Key("san".into())]);
        assert_eq!(query_terms("'; DROP TABLE--"), vec![Term::Key("drop".into()), Term::Key("table".into())]);
        assert_eq!(query_terms("%_*\""), vec![]);
        assert!(matches!(&query_terms("华为技术")[0], Term::HanRun { pairs, .. } if pairs.len() == 3));
        assert_eq!(query_terms("ＺＳ"), vec![Term::Key("zs".into())]);
        assert_eq!(query_terms("zhang.san@qq"), vec![Term::Key("zhangsanqq".into())]);
    }

    #[test]
    fn name_pinyin_for_duplicates() {
        assert_eq!(name_pinyin("张三"), "zhangsan");
        assert_eq!(name_pinyin("张叁"), "zhangsan");
        assert_eq!(name_pinyin("曾伟"), "zengwei");
    }

    fn key_is_clean(k: &str) -> bool {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || is_han(c))
    }

    proptest! {
        #[test]
        fn keys_are_always_clean(name in "\\PC{0,30}", phone in "[0-9 +-]{0,20}", email in "\\PC{0,30}") {
            let mut k = Keys::default();
            k.add_name(&name, true);
            k.add_text(&name, false);
            k.add_phone(&phone);
            k.add_email(&email);
            k.add_identifier(&email);
            for key in k.name.iter().chain(k.parts.iter()).chain(k.other.iter()) {
                prop_assert!(key_is_clean(key), "unclean key {:?}", key);
            }
        }

        #[test]
        fn a_han_name_is_found_by_itself_and_its_initials(name in "[\u{4e00}-\u{9fa5}]{2,4}") {
            let k = keys_of(&name);
            for t in query_terms(&name) {
                match t {
                    Term::Key(key) => prop_assert!(k.contains(&key)),
                    Term::HanRun { whole, pairs } => {
                        prop_assert!(k.contains(&whole));
                        for p in pairs { prop_assert!(k.contains(&p)); }
                    }
                }
            }
            for c in name.chars() {
                prop_assert!(k.contains(&c.to_string()));
            }
        }

        #[test]
        fn query_terms_never_panic_and_are_clean(q in "\\PC{0,80}") {
            for t in query_terms(&q) {
                match t {
                    Term::Key(k) => prop_assert!(key_is_clean(&k)),
                    Term::HanRun { whole, pairs } => {
                        prop_assert!(key_is_clean(&whole));
                        prop_assert!(pairs.iter().all(|p| key_is_clean(p)));
                    }
                }
            }
        }
    }
}
