//! The CJK font letters are printed in: found on the machine at run time (Debian's
//! fonts-noto-cjk, or another Chinese font, or the file `GUANXI_CJK_FONT` names), measured with
//! ttf-parser and cut down to the characters a PDF uses with subsetter.

use std::path::{Path, PathBuf};

/// Where Debian and most Linux systems keep Chinese fonts, the most fitting for a letter first
/// (a serif 宋体 style reads as formal).
const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// The environment variable that names a font file to print letters in.
pub const FONT_VARIABLE: &str = "GUANXI_CJK_FONT";

/// Why letters cannot be printed: no Chinese font, a file that is not one, or (out of memory)
/// the PDF could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FontError {
    /// None of the usual places has a Chinese font.
    Missing { looked_in: Vec<String> },
    /// The file named cannot be read or is not a font with Chinese characters.
    Unusable { path: String, why: String },
    /// Writing the PDF failed.
    Pdf(String),
}

impl FontError {
    pub fn message(&self, lang: guanxi_domain::Lang) -> String {
        use guanxi_domain::Lang;
        match (self, lang) {
            (FontError::Missing { looked_in }, Lang::ZhCn) => format!(
                "找不到打印信函用的中文字体（查找了 {}）。请安装 fonts-noto-cjk（sudo apt install fonts-noto-cjk），\
                 或用环境变量 {FONT_VARIABLE} 指定一个中文字体文件，然后再试。",
                looked_in.join("、")
            ),
            (FontError::Missing { looked_in }, Lang::En) => format!(
                "No Chinese font to print letters in was found (looked in {}). Install fonts-noto-cjk \
                 (sudo apt install fonts-noto-cjk) or name a Chinese font file in the environment variable \
                 {FONT_VARIABLE}, then try again.",
                looked_in.join(", ")
            ),
            (FontError::Unusable { path, why }, Lang::ZhCn) => {
                format!("字体文件 {path} 不能用来打印信函：{why}。请换一个中文字体（{FONT_VARIABLE}）。")
            }
            (FontError::Pdf(why), Lang::ZhCn) => format!("生成 PDF 失败：{why}。请稍后再试。"),
            (FontError::Pdf(why), Lang::En) => format!("The PDF could not be made: {why}. Try again in a moment."),
            (FontError::Unusable { path, why }, Lang::En) => {
                format!(
                    "The font file {path} cannot be used to print letters: {why}. Name another Chinese font ({FONT_VARIABLE})."
                )
            }
        }
    }
}

/// A font file read into memory, with the face in it to use.
pub struct FontFile {
    pub path: PathBuf,
    pub data: Vec<u8>,
    pub index: u32,
}

impl FontFile {
    /// The font named by `GUANXI_CJK_FONT`, else the first of the usual places that has one.
    pub fn find() -> Result<FontFile, FontError> {
        let named = std::env::var_os(FONT_VARIABLE).filter(|v| !v.is_empty()).map(PathBuf::from);
        let places: Vec<PathBuf> = CANDIDATES.iter().map(PathBuf::from).collect();
        FontFile::find_in(named.as_deref(), &places)
    }

    /// Where the font would be taken from, without reading it: for a warning before printing.
    pub fn locate() -> Result<PathBuf, FontError> {
        let named = std::env::var_os(FONT_VARIABLE).filter(|v| !v.is_empty()).map(PathBuf::from);
        match named {
            Some(p) if p.is_file() => Ok(p),
            Some(p) => Err(FontError::Unusable { path: p.display().to_string(), why: "no such file".into() }),
            None => CANDIDATES
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .ok_or_else(|| FontError::Missing { looked_in: CANDIDATES.iter().map(|p| p.to_string()).collect() }),
        }
    }

    /// `named` if given (it must work), else the first of `places` that exists.
    pub fn find_in(named: Option<&Path>, places: &[PathBuf]) -> Result<FontFile, FontError> {
        if let Some(path) = named {
            return FontFile::open(path);
        }
        match places.iter().find(|p| p.is_file()) {
            Some(p) => FontFile::open(p),
            None => Err(FontError::Missing { looked_in: places.iter().map(|p| p.display().to_string()).collect() }),
        }
    }

    /// Reads `path` and picks its Simplified Chinese face (a collection holds JP, KR, SC, TC…).
    pub fn open(path: &Path) -> Result<FontFile, FontError> {
        let unusable = |why: String| FontError::Unusable { path: path.display().to_string(), why };
        let data = std::fs::read(path).map_err(|e| unusable(e.to_string()))?;
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let mut chosen = None;
        for i in 0..faces {
            let Ok(face) = ttf_parser::Face::parse(&data, i) else { continue };
            if face.glyph_index('中').is_none() {
                continue;
            }
            let simplified = face
                .names()
                .into_iter()
                .any(|n| n.name_id == ttf_parser::name_id::FAMILY && n.to_string().is_some_and(|s| s.ends_with(" SC")));
            if chosen.is_none() || simplified {
                chosen = Some(i);
            }
            if simplified {
                break;
            }
        }
        let Some(index) = chosen else {
            return Err(unusable("it has no Chinese characters, or is not a font".into()));
        };
        Ok(FontFile { path: path.to_path_buf(), data, index })
    }

    /// The face to print in (`open` checked it parses; a file changed since says so).
    pub fn face(&self) -> Result<ttf_parser::Face<'_>, FontError> {
        ttf_parser::Face::parse(&self.data, self.index)
            .map_err(|e| FontError::Unusable { path: self.path.display().to_string(), why: e.to_string() })
    }
}

/// Measures text in a face: advance widths in points at a size.
pub struct Metrics<'a> {
    pub face: ttf_parser::Face<'a>,
    units: f32,
}

impl<'a> Metrics<'a> {
    pub fn new(face: ttf_parser::Face<'a>) -> Metrics<'a> {
        let units = f32::from(face.units_per_em().max(1));
        Metrics { face, units }
    }

    /// The glyph a character is drawn with (0, the empty box, when the font lacks it).
    pub fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    /// A glyph's advance in thousandths of the size (PDF's unit for widths).
    pub fn advance_thousandths(&self, glyph: u16) -> f32 {
        let adv = self.face.glyph_hor_advance(ttf_parser::GlyphId(glyph)).unwrap_or(0);
        f32::from(adv) * 1000.0 / self.units
    }

    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance_thousandths(self.glyph(c))).sum::<f32>() * size / 1000.0
    }

    /// In thousandths of the size: ascender, descender (negative), cap height, bounding box.
    pub fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) * 1000.0 / self.units
    }

    pub fn descent(&self) -> f32 {
        f32::from(self.face.descender()) * 1000.0 / self.units
    }

    pub fn cap_height(&self) -> f32 {
        f32::from(self.face.capital_height().unwrap_or(self.face.ascender())) * 1000.0 / self.units
    }

    pub fn bbox(&self) -> [f32; 4] {
        let b = self.face.global_bounding_box();
        let k = 1000.0 / self.units;
        [f32::from(b.x_min) * k, f32::from(b.y_min) * k, f32::from(b.x_max) * k, f32::from(b.y_max) * k]
    }

    /// Whether the outlines are CFF (embedded as OpenType, CIDFontType0) rather than TrueType.
    pub fn is_cff(&self) -> bool {
        self.face.raw_face().table(ttf_parser::Tag::from_bytes(b"CFF ")).is_some()
    }

    /// The PostScript name, for the PDF's font name.
    pub fn postscript_name(&self) -> String {
        self.face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(c)))
            .unwrap_or_else(|| "GuanxiCJK".to_string())
    }
}
