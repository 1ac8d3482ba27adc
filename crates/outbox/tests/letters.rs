//! A batch of letters printed to one PDF and read back with poppler's `pdftotext` (an
//! independent reader): every letter's address, recipient, heading and text in Chinese, the
//! pages a long letter runs to, the label sheets, and the font cut down to what is used.

use chrono::NaiveDate;
use guanxi_domain::Lang;
use guanxi_outbox::font::FontFile;
use guanxi_outbox::letters::{Letter, Part, print};
use guanxi_store::scratch::Scratch;
use std::process::Command;

/// Whether poppler's tools are here; under `CI=true` they must be (the test command installs them).
fn have_poppler() -> bool {
    let ok = Command::new("pdftotext").arg("-v").output().is_ok();
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "CI=true but pdftotext (poppler-utils) is missing");
    ok
}

/// The text of `pdf`, page by page.
fn read_back(scratch: &Scratch, pdf: &[u8]) -> Vec<String> {
    let path = scratch.file("guanxi-letters", "batch", "pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn letter(id: i64, name: &str, address: &str, subject: &str, body: &str) -> Letter {
    Letter { id, recipient_name: name.into(), address: address.into(), subject: subject.into(), body: body.into() }
}

/// Whitespace out, so that text laid out in columns can be searched.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn a_batch_prints_letters_and_labels_that_read_back_in_chinese() {
    let font = match FontFile::find() {
        Ok(f) => f,
        Err(e) => {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true but {}", e.message(Lang::En));
            return;
        }
    };
    if !have_poppler() {
        return;
    }
    let scratch = Scratch::new();
    let long: String =
        (1..=80).map(|i| format!("第{i}段：感谢您一直以来对我们咖啡馆的支持，这是本季的新豆。\n")).collect();
    let mut letters = vec![
        letter(
            11,
            "王伟",
            "上海市徐汇区漕溪北路 88 号 2 号楼 1203 室 200030",
            "新春问候",
            "王先生：\n\n新春快乐！您常点的耶加雪菲本周到了新货。\n\n张伟 敬上",
        ),
        letter(12, "Li Na", "12 Nanjing Road, Shanghai", "A guide to choosing beans", &long),
    ];
    for i in 0..28 {
        letters.push(letter(100 + i, &format!("客户{i}"), &format!("北京市朝阳区建国路 {i} 号"), "问候", "您好"));
    }
    let date = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let pdf = print(&letters, date, Part::All, &font, "信函 第 1 批").unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // The font is cut down to the characters used: a whole Noto CJK face is over 15 MB.
    assert!(pdf.len() < 400_000, "the PDF is {} bytes: is the font subset?", pdf.len());
    let pages = read_back(&scratch, &pdf);
    // Letter 11 on one page, letter 12's 80 paragraphs on several, 28 one-page letters, then
    // 30 labels on two sheets of 24.
    let long_pages = pages.iter().filter(|p| squeeze(p).contains("信函#12·")).count();
    assert!(long_pages >= 3, "a long letter runs on: {long_pages} pages");
    assert_eq!(pages.len(), 1 + long_pages + 28 + 2, "pages");

    let first = squeeze(&pages[0]);
    for expected in [
        "上海市徐汇区漕溪北路88号2号楼1203室200030",
        "王伟收",
        "2027年2月1日",
        "新春问候",
        "王先生：",
        "新春快乐！您常点的耶加雪菲本周到了新货。",
        "张伟敬上",
        "信函#11·第1页",
    ] {
        assert!(first.contains(expected), "page 1 lacks {expected}: {}", pages[0]);
    }
    // The long letter goes on page after page, in order, to its last paragraph.
    let all_of_12: String = pages.iter().filter(|p| squeeze(p).contains("信函#12·")).map(|p| squeeze(p)).collect();
    for i in [1, 40, 80] {
        assert!(all_of_12.contains(&format!("第{i}段：感谢您一直以来对我们咖啡馆的支持")), "paragraph {i} is missing");
    }
    assert!(all_of_12.find("第1段").unwrap() < all_of_12.find("第80段").unwrap());
    assert!(all_of_12.contains(&format!("信函#12·第{long_pages}页")));

    // The labels: the first sheet has 24, the second the last 6, each address with its name.
    let labels = squeeze(&pages[pages.len() - 2]);
    assert!(labels.contains("上海市徐汇区漕溪北路88号") && labels.contains("王伟收") && labels.contains("#11"));
    assert!(labels.contains("LiNa") && labels.contains("客户21收"), "{labels}");
    assert!(!labels.contains("客户22收"), "24 labels a sheet: {labels}");
    let last = squeeze(&pages[pages.len() - 1]);
    assert!(last.contains("客户27收") && last.contains("北京市朝阳区建国路27号"), "{last}");

    // Only the labels, for the label sheets; only the letters, for plain paper.
    let labels_only = read_back(&scratch, &print(&letters, date, Part::Labels, &font, "labels").unwrap());
    assert_eq!(labels_only.len(), 2);
    let letters_only = read_back(&scratch, &print(&letters, date, Part::Letters, &font, "x").unwrap());
    assert_eq!(letters_only.len(), pages.len() - 2);

    // A letter in English is dated and footed in English, whoever prints it.
    let english = letter(13, "Tom Smith", "12 Nanjing Road, Shanghai", "Thank you", "Dear Tom, thank you.");
    let en = read_back(&scratch, &print(&[english], date, Part::Letters, &font, "x").unwrap());
    assert!(squeeze(&en[0]).contains("1February2027") && squeeze(&en[0]).contains("Letter#13·page1"), "{}", en[0]);

    // A long name keeps its 收 on the label (set smaller); an address too long for three lines
    // is cut with "…", never silently.
    let long_name = "西安中联医疗器械股份有限公司华北区域销售服务中心";
    let long_address = "内蒙古自治区呼和浩特市赛罕区大学东街 1 号 ".repeat(6);
    let crowded = letter(14, long_name, &long_address, "问候", "您好");
    let label = squeeze(
        &read_back(&scratch, &print(std::slice::from_ref(&crowded), date, Part::Labels, &font, "x").unwrap())[0],
    );
    assert!(label.contains("收") && label.contains("…") && label.contains("西安中联"), "{label}");
    let page = squeeze(&read_back(&scratch, &print(&[crowded], date, Part::Letters, &font, "x").unwrap())[0]);
    assert!(page.contains(&format!("{long_name}收")), "the whole name on the letter: {page}");
}

#[test]
fn hostile_text_prints_without_breaking_the_pdf() {
    let Ok(font) = FontFile::find() else { return };
    if !have_poppler() {
        return;
    }
    let scratch = Scratch::new();
    // PDF syntax, control characters, an emoji the font lacks, a word longer than the line.
    let body = format!("(unbalanced \\ ) <</Type /Page>> endstream\u{7}\t😀 {}", "x".repeat(400));
    let pdf = print(&[letter(1, "Tom (Jr.) 😀", "", "", &body)], NaiveDate::MIN, Part::All, &font, "(").unwrap();
    let text = squeeze(&read_back(&scratch, &pdf).concat());
    assert!(text.contains("(unbalanced\\)<</Type/Page>>endstream"), "{text}");
    assert!(text.contains(&"x".repeat(400)), "the long word is all there, cut over lines");
}

#[test]
fn no_font_says_where_it_looked_and_what_to_install() {
    use guanxi_outbox::font::{FONT_VARIABLE, FontError};
    use std::path::PathBuf;
    let Err(e) = FontFile::find_in(None, &[PathBuf::from("/nowhere/font.ttc")]) else { panic!("found a font") };
    let zh = e.message(Lang::ZhCn);
    assert!(zh.contains("/nowhere/font.ttc") && zh.contains("fonts-noto-cjk") && zh.contains(FONT_VARIABLE), "{zh}");
    assert!(e.message(Lang::En).starts_with("No Chinese font"), "{}", e.message(Lang::En));
    // A file that is not a font, and one that is not there, are named.
    let scratch = Scratch::new();
    let dir = scratch.folder("guanxi-font");
    let bad = dir.join("not-a-font.ttf");
    std::fs::write(&bad, b"hello").unwrap();
    let Err(e) = FontFile::find_in(Some(&bad), &[]) else { panic!("read a non-font") };
    assert!(matches!(&e, FontError::Unusable { path, .. } if path.ends_with("not-a-font.ttf")), "{e:?}");
    assert!(matches!(FontFile::find_in(Some(&dir.join("gone.ttf")), &[]), Err(FontError::Unusable { .. })));
}
