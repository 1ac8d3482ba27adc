//! Letters 信函 on paper: a batch rendered to one PDF — each letter on A4 with the recipient's
//! address where a window envelope shows it, the date, the heading and the text — followed by
//! sheets of address labels (3 × 8 labels of 70 × 37 mm, the common A4 sheet). Chinese is set in
//! a CJK font found on the machine ([`crate::font`]), embedded cut down to the characters used.

use crate::font::{FontError, FontFile, Metrics};
use chrono::{Datelike, NaiveDate};
use guanxi_domain::Lang;
use pdf_writer::types::UnicodeCmap;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write as _;

/// One letter as it is printed.
#[derive(Debug, Clone)]
pub struct Letter {
    /// The outbox message's number, printed small at the foot so a page can be matched to it.
    pub id: i64,
    pub recipient_name: String,
    pub address: String,
    pub subject: String,
    pub body: String,
}

impl Letter {
    /// A letter of the outbox as it is printed.
    pub fn of(m: &guanxi_store::OutboxMessage) -> Letter {
        Letter {
            id: m.id,
            recipient_name: m.recipient_name.clone(),
            address: m.recipient.clone(),
            subject: m.subject.clone(),
            body: m.body.clone(),
        }
    }
}

/// A batch of the outbox as one PDF (`part` of it), in a Chinese font found on this machine,
/// dated the day it was printed (China time), titled in `lang`.
pub fn print_batch(
    batch: &guanxi_store::LetterBatch,
    messages: &[guanxi_store::OutboxMessage],
    part: Part,
    lang: Lang,
) -> Result<Vec<u8>, FontError> {
    let font = FontFile::find()?;
    let letters: Vec<Letter> = messages.iter().map(Letter::of).collect();
    let title = match lang {
        Lang::ZhCn => format!("信函 第 {} 批", batch.id),
        Lang::En => format!("Letters, batch {}", batch.id),
    };
    print(&letters, guanxi_domain::china::day(batch.created_at), part, &font, &title)
}

/// What of a batch to print: everything (letters, then labels), or one of the two (the labels
/// go on label sheets, which a printer may take from another tray).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    All,
    Letters,
    Labels,
}

impl Part {
    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "" | "all" => Some(Part::All),
            "letters" => Some(Part::Letters),
            "labels" => Some(Part::Labels),
            _ => None,
        }
    }
}

// A4 in points, and the letter's margins.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 72.0;
const BODY_SIZE: f32 = 12.0;
const BODY_LEADING: f32 = 21.0;
// Labels: 3 columns × 8 rows of 70 × 37 mm.
const MM: f32 = 72.0 / 25.4;
const LABEL_COLS: usize = 3;
const LABEL_ROWS: usize = 8;
const LABEL_W: f32 = 70.0 * MM;
const LABEL_H: f32 = 37.0 * MM;
const LABEL_PAD: f32 = 5.0 * MM;

/// A line of text placed on a page.
struct Run {
    x: f32,
    y: f32,
    size: f32,
    text: String,
    gray: bool,
}

#[derive(Default)]
struct Page {
    runs: Vec<Run>,
}

/// The batch's PDF: its letters (each starting on a new page), then its labels, as `part` says.
/// Dated `date`; each letter's date, footer and "收" in its own language.
pub fn print(
    letters: &[Letter],
    date: NaiveDate,
    part: Part,
    font: &FontFile,
    title: &str,
) -> Result<Vec<u8>, FontError> {
    let metrics = Metrics::new(font.face()?);
    let mut pages = Vec::new();
    if part != Part::Labels {
        for letter in letters {
            lay_out_letter(&metrics, letter, date, &mut pages);
        }
    }
    if part != Part::Letters {
        lay_out_labels(&metrics, letters, &mut pages);
    }
    if pages.is_empty() {
        pages.push(Page::default());
    }
    write_pdf(font, &metrics, &pages, title)
}

/// A letter is dated and addressed in its own language: Chinese if it has Chinese in it,
/// whoever prints it.
fn lang_of(l: &Letter) -> Lang {
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if han(&l.subject) || han(&l.body) || han(&l.address) { Lang::ZhCn } else { Lang::En }
}

/// `text` in the largest of `sizes` (largest first) at which it wraps into at most `lines`
/// lines of `width`; at the smallest, cut to `lines` with "…" at the end of the last.
fn fit(m: &Metrics, text: &str, sizes: &[f32], width: f32, lines: usize) -> (f32, Vec<String>) {
    for size in sizes {
        let wrapped = wrap(m, text, *size, width);
        if wrapped.len() <= lines {
            return (*size, wrapped);
        }
    }
    let size = sizes.last().copied().unwrap_or(10.0);
    let mut wrapped = wrap(m, text, size, width);
    wrapped.truncate(lines);
    if let Some(last) = wrapped.last_mut() {
        while !last.is_empty() && m.width(&format!("{last}…"), size) > width {
            last.pop();
        }
        last.push('…');
    }
    (size, wrapped)
}

/// The recipient's line fitted like [`fit`], the name cut before "收" rather than "收" lost.
fn fit_name(m: &Metrics, name: &str, lang: Lang, sizes: &[f32], width: f32, lines: usize) -> (f32, Vec<String>) {
    let whole = to_line(name, lang);
    let (size, mut fitted) = fit(m, &whole, sizes, width, lines);
    let suffix = whole.strip_prefix(name).unwrap_or("");
    if fitted.last().is_some_and(|l| l.ends_with('…')) && !suffix.is_empty() {
        let (size, mut cut) = fit(m, name, sizes, width - m.width(suffix, size), lines);
        if let Some(last) = cut.last_mut() {
            last.push_str(suffix);
        }
        return (size, cut);
    }
    if fitted.is_empty() {
        fitted.push(whole);
    }
    (size, fitted)
}

fn date_line(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{} {} {}", date.day(), MONTHS[date.month0() as usize], date.year())
        }
    }
}

/// The recipient's line under the address: "王伟 收" in Chinese.
fn to_line(name: &str, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => format!("{name} 收"),
        Lang::En => name.to_string(),
    }
}

fn lay_out_letter(m: &Metrics, l: &Letter, date: NaiveDate, pages: &mut Vec<Page>) {
    let lang = lang_of(l);
    let mut page = Page::default();
    // The address block sits where a DL window envelope shows it (about 20 mm in, 45 mm down,
    // 85 mm wide): a long address or name is set smaller to fit, and cut with "…" only past that.
    let (x, mut y) = (20.0 * MM, PAGE_H - 45.0 * MM);
    let (size, lines) = fit(m, &l.address, &[11.0, 9.5, 8.0], 85.0 * MM, 4);
    for line in lines {
        page.runs.push(Run { x, y, size, text: line, gray: false });
        y -= size + 4.0;
    }
    let (size, lines) = fit_name(m, &l.recipient_name, lang, &[13.0, 11.0, 9.0], 85.0 * MM, 2);
    for line in lines {
        page.runs.push(Run { x, y: y - 3.0, size, text: line, gray: false });
        y -= size + 5.0;
    }
    let mut y = (PAGE_H - 100.0 * MM).min(y - 30.0);
    let date = date_line(date, lang);
    page.runs.push(Run { x: PAGE_W - MARGIN - m.width(&date, 11.0), y, size: 11.0, text: date, gray: false });
    y -= 40.0;
    let width = PAGE_W - 2.0 * MARGIN;
    for line in wrap(m, &l.subject, 16.0, width) {
        let x = MARGIN + (width - m.width(&line, 16.0)).max(0.0) / 2.0;
        page.runs.push(Run { x, y, size: 16.0, text: line, gray: false });
        y -= 24.0;
    }
    y -= 12.0;
    let mut number = 1;
    for line in wrap(m, &l.body, BODY_SIZE, width) {
        if y < MARGIN {
            footer(&mut page, l.id, number, lang);
            pages.push(std::mem::take(&mut page));
            number += 1;
            y = PAGE_H - MARGIN;
        }
        if !line.is_empty() {
            page.runs.push(Run { x: MARGIN, y, size: BODY_SIZE, text: line, gray: false });
        }
        y -= BODY_LEADING;
    }
    footer(&mut page, l.id, number, lang);
    pages.push(page);
}

/// Small grey words at the foot: which letter this is, and its page.
fn footer(page: &mut Page, id: i64, number: usize, lang: Lang) {
    let text = match lang {
        Lang::ZhCn => format!("信函 #{id} · 第 {number} 页"),
        Lang::En => format!("Letter #{id} · page {number}"),
    };
    page.runs.push(Run { x: MARGIN, y: 36.0, size: 8.0, text, gray: true });
}

fn lay_out_labels(m: &Metrics, letters: &[Letter], pages: &mut Vec<Page>) {
    for sheet in letters.chunks(LABEL_COLS * LABEL_ROWS) {
        let mut page = Page::default();
        for (i, l) in sheet.iter().enumerate() {
            let (col, row) = (i % LABEL_COLS, i / LABEL_COLS);
            // The A4 sheet's 8 rows of 37 mm leave 0.5 mm above and below.
            let left = col as f32 * LABEL_W + LABEL_PAD;
            let top = PAGE_H - 0.5 * MM - row as f32 * LABEL_H - LABEL_PAD;
            let inner = LABEL_W - 2.0 * LABEL_PAD;
            let mut y = top - 10.0;
            // Three lines of address and the name (whole, with 收) on a 37 mm label: smaller
            // type for a long one, "…" only past that.
            let (size, lines) = fit(m, &l.address, &[9.5, 8.5, 7.5], inner, 3);
            for line in lines {
                page.runs.push(Run { x: left, y, size, text: line, gray: false });
                y -= size + 3.0;
            }
            let (size, lines) = fit_name(m, &l.recipient_name, lang_of(l), &[12.0, 10.0, 8.5], inner, 1);
            for line in lines {
                page.runs.push(Run { x: left, y: y - 6.0, size, text: line, gray: false });
            }
            let number = format!("#{}", l.id);
            let bottom = top - LABEL_H + 2.0 * LABEL_PAD;
            page.runs.push(Run {
                x: left + inner - m.width(&number, 6.5),
                y: bottom,
                size: 6.5,
                text: number,
                gray: true,
            });
        }
        pages.push(page);
    }
}

/// Characters that may not begin a line (禁则): they hang at the end of the one before.
fn closes(c: char) -> bool {
    "，。、；：？！）》」』】〕”’…,.;:?!)]}%".contains(c)
}

/// Splits `text` into lines no wider than `width` at `size`: Chinese may break between any two
/// characters, Latin words only at spaces (unless a word alone is wider than the line), closing
/// punctuation stays with the line before. Each line of the text starts a new line; an empty
/// one is kept (a paragraph's gap).
pub(crate) fn wrap(m: &Metrics, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph: String =
            paragraph.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| !c.is_control()).collect();
        let mut line = String::new();
        let mut line_w = 0.0;
        for token in tokens(&paragraph) {
            let w = m.width(token, size);
            if line_w + w <= width || line.is_empty() && w <= width {
                line.push_str(token);
                line_w += w;
                continue;
            }
            if token == " " {
                out.push(std::mem::take(&mut line));
                line_w = 0.0;
                continue;
            }
            if token.chars().count() == 1 && token.chars().all(closes) && !line.is_empty() {
                line.push_str(token);
                line_w += w;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line).trim_end().to_string());
                line_w = 0.0;
            }
            // A word wider than the whole line is cut where it must be.
            for c in token.chars() {
                let cw = m.width(c.encode_utf8(&mut [0; 4]), size);
                if line_w + cw > width && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// A Latin word (letters, digits and what joins them), one space, or one other character.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let wordy = c.is_ascii_alphanumeric() || "'-_@./:".contains(c) && start.is_some();
        match (start, wordy) {
            (None, true) => start = Some(i),
            (Some(_), true) => {}
            (Some(s0), false) => {
                out.push(&s[s0..i]);
                start = None;
                out.push(&s[i..i + c.len_utf8()]);
            }
            (None, false) => out.push(&s[i..i + c.len_utf8()]),
        }
    }
    if let Some(s0) = start {
        out.push(&s[s0..]);
    }
    out
}

/// `data` compressed for a `FlateDecode` stream (into memory: only running out of it fails).
fn deflate(data: &[u8]) -> Result<Vec<u8>, FontError> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).and_then(|()| e.finish()).map_err(|e| FontError::Pdf(e.to_string()))
}

fn write_pdf(font: &FontFile, m: &Metrics, pages: &[Page], title: &str) -> Result<Vec<u8>, FontError> {
    // Every character used, as the glyph it is drawn with, numbered afresh for the subset.
    let mut chars: BTreeMap<char, u16> = BTreeMap::new();
    for run in pages.iter().flat_map(|p| &p.runs) {
        for c in run.text.chars() {
            chars.entry(c).or_insert_with(|| m.glyph(c));
        }
    }
    let mut glyphs: Vec<u16> = chars.values().copied().collect();
    glyphs.sort_unstable();
    glyphs.dedup();
    let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&glyphs);
    let cid = |c: char| remapper.get(chars.get(&c).copied().unwrap_or(0)).unwrap_or(0);
    let subset = subsetter::subset(&font.data, font.index, &remapper)
        .map_err(|e| FontError::Unusable { path: font.path.display().to_string(), why: e.to_string() })?;

    let mut pdf = Pdf::new();
    let (catalog, tree, type0, cid_font, descriptor, file, cmap, info) =
        (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5), Ref::new(6), Ref::new(7), Ref::new(8));
    let font_name = Name(b"F1");
    let first_page = 10;
    let page_refs: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_refs.iter().copied()).count(pages.len() as i32);
    pdf.document_info(info).title(TextStr(title)).producer(TextStr("Guanxi"));

    // The subset's tag: six capitals from the glyphs it holds.
    let mut hash: u32 = 2_166_136_261;
    for g in &glyphs {
        hash = (hash ^ u32::from(*g)).wrapping_mul(16_777_619);
    }
    let tag: String = (0..6).map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8)).collect();
    let base = format!("{tag}+{}", m.postscript_name());
    let cff = m.is_cff();

    pdf.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(cmap);
    let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    let mut cf = pdf.cid_font(cid_font);
    cf.subtype(if cff { CidFontType::Type0 } else { CidFontType::Type2 })
        .base_font(Name(base.as_bytes()))
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(1000.0);
    if !cff {
        cf.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    let widths: Vec<f32> = remapper.remapped_gids().map(|g| m.advance_thousandths(g)).collect();
    cf.widths().consecutive(0, widths);
    cf.finish();
    let [x0, y0, x1, y1] = m.bbox();
    let mut fd = pdf.font_descriptor(descriptor);
    fd.name(Name(base.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(m.ascent())
        .descent(m.descent())
        .cap_height(m.cap_height())
        .stem_v(80.0);
    if cff {
        fd.font_file3(file);
    } else {
        fd.font_file2(file);
    }
    fd.finish();
    let packed = deflate(&subset)?;
    let mut stream = pdf.stream(file, &packed);
    stream.filter(Filter::FlateDecode);
    if cff {
        stream.pair(Name(b"Subtype"), Name(b"OpenType"));
    }
    stream.finish();
    let mut unicode = UnicodeCmap::new(Name(b"Guanxi-UTF16"), system);
    for c in chars.keys() {
        if chars.get(c).is_some_and(|g| *g != 0) {
            unicode.pair(cid(*c), *c);
        }
    }
    let unicode = deflate(&unicode.finish())?;
    pdf.cmap(cmap, &unicode).filter(Filter::FlateDecode);

    for (i, page) in pages.iter().enumerate() {
        let content_ref = Ref::new(first_page + 2 * i as i32 + 1);
        let mut p = pdf.page(page_refs[i]);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(content_ref);
        p.resources().fonts().pair(font_name, type0);
        p.finish();
        let mut content = Content::new();
        for run in &page.runs {
            let mut bytes = Vec::with_capacity(run.text.len() * 2);
            for c in run.text.chars() {
                bytes.extend_from_slice(&cid(c).to_be_bytes());
            }
            content.set_fill_gray(if run.gray { 0.45 } else { 0.0 });
            content.begin_text();
            content.set_font(font_name, run.size);
            content.next_line(run.x, run.y);
            content.show(Str(&bytes));
            content.end_text();
        }
        pdf.stream(content_ref, &deflate(&content.finish())?).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics_font() -> Option<FontFile> {
        FontFile::find().ok()
    }

    #[test]
    fn chinese_breaks_anywhere_latin_at_spaces_and_punctuation_hangs() -> Result<(), FontError> {
        let Some(font) = metrics_font() else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "no CJK font under CI");
            return Ok(());
        };
        let m = Metrics::new(font.face()?);
        // 12 pt CJK characters are 12 pt wide: a 60 pt line holds five.
        assert_eq!(wrap(&m, "一二三四五六七", 12.0, 60.0), ["一二三四五", "六七"]);
        assert_eq!(wrap(&m, "一二三四五。六", 12.0, 60.0), ["一二三四五。", "六"], "the full stop hangs");
        let lines = wrap(&m, "hello wonderful world", 12.0, 80.0);
        assert!(lines.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')), "{lines:?}");
        assert_eq!(lines.join(" "), "hello wonderful world", "words are not cut: {lines:?}");
        assert_eq!(wrap(&m, "第一段\n\n第二段", 12.0, 200.0), ["第一段", "", "第二段"]);
        let long = "x".repeat(100);
        assert!(wrap(&m, &long, 12.0, 60.0).iter().all(|l| m.width(l, 12.0) <= 60.0 + 0.01));
        Ok(())
    }

    #[test]
    fn parts_are_named() {
        assert_eq!(Part::parse(""), Some(Part::All));
        assert_eq!(Part::parse("labels"), Some(Part::Labels));
        assert_eq!(Part::parse("x"), None);
    }
}
