//! Reading a file into a table of text cells.

use guanxi_domain::Lang;
use std::io::Cursor;

/// What a file gave: its header and its rows, every cell as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    /// Data rows; row `i` is line `i + 2` as a spreadsheet shows it (the header is line 1).
    pub rows: Vec<Vec<String>>,
    /// How the text was encoded (`UTF-8`, `UTF-8 with BOM`, `GB18030`, `UTF-16LE`, `xlsx`).
    pub encoding: &'static str,
}

impl Table {
    pub fn line_of(index: usize) -> usize {
        index + 2
    }
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("unsupported file type {0:?}: use .csv or .xlsx")]
    UnsupportedType(String),
    #[error("old Excel workbooks (.xls) are not read: save the file as .xlsx or CSV in Excel or WPS and import that")]
    LegacyXls,
    #[error("the text is neither UTF-8 nor GB18030")]
    Encoding,
    #[error(
        "line {line} is not valid UTF-8 although the rest of the file is; fix that line, or choose the file's encoding"
    )]
    NotUtf8 { line: usize },
    #[error("line {line} is not valid GB18030/GBK; choose UTF-8 if the file was saved as UTF-8")]
    NotGb18030 { line: usize },
    #[error(
        "the encoding cannot be told for sure (line {line} reads as rare characters in GB18030): choose UTF-8 or GB18030"
    )]
    UnsureEncoding { line: usize },
    #[error("the file has no header row")]
    NoHeader,
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    #[error("the workbook is too large to read safely: {0} parts")]
    TooManyParts(usize),
    #[error("the workbook is too large to read safely: its part {part} unpacks to more than {max_mb} MB")]
    PartTooLarge { part: String, max_mb: u64 },
    #[error("column {column}: the header {header:?} appears twice")]
    DuplicateHeader { column: usize, header: String },
    #[error("columns {first:?} and {second:?} both map to the same field")]
    DuplicateField { first: String, second: String },
    #[error("no column gives the customer's name")]
    NoNameColumn,
    /// Each missing column with the fields any of which would do.
    #[error("an orders file needs columns for: {}", missing_columns(.0, Lang::En))]
    MissingColumns(Vec<Vec<guanxi_domain::Field>>),
    #[error("the mapping names a column {0:?} that the file does not have")]
    UnknownMappedColumn(String),
    #[error("the mapping names a field {0:?} that this file cannot fill")]
    UnknownMappedField(String),
    #[error("the file has {0} columns; at most 200 are read")]
    TooManyColumns(usize),
    #[error("the file has more than {max} rows; split it into several files")]
    TooManyRows { max: usize },
    #[error("the workbook has more than {max} filled cells")]
    TooManyCells { max: usize },
    #[error("a cell is longer than 32,767 characters (line {0})")]
    HugeCell(usize),
}

impl FileError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (FileError::Empty, _) => "文件是空的".into(),
            (FileError::MissingColumns(c), _) => format!("订单文件缺少这些列：{}", missing_columns(c, lang)),
            (FileError::UnsupportedType(t), _) => format!("不支持的文件类型 “{t}”：请用 .csv 或 .xlsx"),
            (FileError::LegacyXls, _) => {
                "不读取旧版 Excel 文件（.xls）：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入".into()
            }
            (FileError::Encoding, _) => "无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK".into(),
            (FileError::NotUtf8 { line }, _) => {
                format!("第 {line} 行不是有效的 UTF-8，而文件其余部分是 UTF-8：请改正这一行，或者选择文件的编码")
            }
            (FileError::NotGb18030 { line }, _) => {
                format!("第 {line} 行不是有效的 GB18030/GBK 文字；如果文件是 UTF-8 保存的，请选择 UTF-8")
            }
            (FileError::UnsureEncoding { line }, _) => {
                format!("无法确定文件编码（按 GB18030 读，第 {line} 行会变成生僻字）：请选择 UTF-8 或 GB18030")
            }
            (FileError::NoHeader, _) => "文件没有表头行".into(),
            (FileError::Malformed { line, message }, _) => format!("第 {line} 行格式错误：{message}"),
            (FileError::Workbook(m), _) => format!("无法读取 Excel 文件：{m}"),
            (FileError::TooManyParts(n), _) => format!("Excel 文件太大，无法安全读取：有 {n} 个部件"),
            (FileError::PartTooLarge { part, max_mb }, _) => {
                format!("Excel 文件太大，无法安全读取：其中的 {part} 解压后超过 {max_mb} MB")
            }
            (FileError::DuplicateHeader { column, header }, _) => format!("第 {column} 列：表头 “{header}” 重复"),
            (FileError::DuplicateField { first, second }, _) => format!("“{first}” 和 “{second}” 两列对应同一个字段"),
            (FileError::NoNameColumn, _) => "没有找到客户名称列（姓名/名称/name）".into(),
            (FileError::UnknownMappedColumn(c), _) => format!("映射中的列 “{c}” 在文件中不存在"),
            (FileError::UnknownMappedField(f), _) => format!("映射中的字段 “{f}” 不存在，或不能由这种文件导入"),
            (FileError::TooManyColumns(n), _) => format!("文件有 {n} 列，最多读取 200 列"),
            (FileError::TooManyRows { max }, _) => {
                format!("文件超过 {max} 行；请拆成几个文件分别导入")
            }
            (FileError::TooManyCells { max }, _) => format!("Excel 文件里有内容的单元格超过 {max} 个"),
            (FileError::HugeCell(line), _) => format!("第 {line} 行有超过 32767 个字符的单元格"),
        }
    }
}

/// 「关系编号 / 外部编号 / 手机、下单时间」: the labels in `lang`.
fn missing_columns(columns: &[Vec<guanxi_domain::Field>], lang: Lang) -> String {
    let one = |fields: &Vec<guanxi_domain::Field>| fields.iter().map(|f| f.label(lang)).collect::<Vec<_>>().join(" / ");
    columns.iter().map(one).collect::<Vec<_>>().join(lang.pick("、", ", "))
}

const MAX_COLUMNS: usize = 200;
const MAX_CELL: usize = 32_767;

/// How a text file's bytes become text: found out from the bytes, or as the user said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Encoding {
    #[default]
    Auto,
    Utf8,
    Gb18030,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" => Some(Encoding::Gb18030),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

/// What an import reads at most, checked while reading — before the work, not after (F-01,
/// F-10 of the security review): rows, filled cells, and the unpacked size of each part of a
/// workbook (a 20 MB .xlsx can unpack to gigabytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_rows: usize,
    pub max_cells: usize,
    pub max_part_bytes: u64,
}

impl Limits {
    /// A file uploaded through the browser, with at most `max_rows` rows.
    pub fn upload(max_rows: usize) -> Limits {
        Limits { max_rows, max_cells: max_rows.saturating_mul(50).min(10_000_000), max_part_bytes: 512 << 20 }
    }

    /// A file given to `guanxi import` (rows stream; a workbook is bounded by Excel's own
    /// 1,048,576 rows).
    pub const COMMAND_LINE: Limits = Limits { max_rows: 100_000_000, max_cells: 100_000_000, max_part_bytes: 4 << 30 };
}

/// Reads a whole file by its name's extension.
pub fn read_table(file_name: &str, bytes: &[u8], limits: Limits, encoding: Encoding) -> Result<Table, FileError> {
    let mut reader = open_rows(file_name, bytes.to_vec(), limits, encoding)?;
    let mut rows = Vec::new();
    for row in &mut reader {
        rows.push(row?.1);
    }
    Ok(Table { headers: reader.headers, rows, encoding: reader.encoding })
}

/// A file's rows one at a time, so a file of millions of rows is never held as cells: only its
/// bytes (decoded once when they are not UTF-8). Each item is (line, cells) with the line as a
/// spreadsheet shows it; empty rows at the end of the file are dropped. A malformed row ends
/// the rows with its error, and so does a row past the limits.
pub struct RowReader {
    pub headers: Vec<String>,
    /// How the text was encoded (`UTF-8`, `UTF-8 with BOM`, `GB18030`, `UTF-16LE`, `xlsx`).
    pub encoding: &'static str,
    source: Source,
    limits: Limits,
    /// Rows read but not yet given out: empty ones wait until a non-empty one follows.
    held: std::collections::VecDeque<(usize, Vec<String>)>,
    ready: std::collections::VecDeque<(usize, Vec<String>)>,
    done: bool,
}

/// Rows handed over by the thread that reads a workbook.
type RowsFromThread = std::sync::mpsc::Receiver<Result<(usize, Vec<String>), FileError>>;

enum Source {
    Csv {
        reader: csv::Reader<Cursor<Vec<u8>>>,
        record: csv::StringRecord,
        index: usize,
    },
    /// Rows of a workbook, read on their own thread (see [`stream_workbook`]).
    Cells(RowsFromThread),
}

/// Opens a file's rows by its name's extension.
pub fn open_rows(file_name: &str, bytes: Vec<u8>, limits: Limits, encoding: Encoding) -> Result<RowReader, FileError> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let (headers, encoding, source) = match ext.as_str() {
        "csv" | "txt" | "tsv" => open_csv(bytes, encoding)?,
        "xlsx" | "xlsm" => {
            let (headers, rows) = stream_workbook(bytes, limits)?;
            (headers, "xlsx", Source::Cells(rows))
        }
        // The legacy format is parsed whole, sized by counts the file declares (calamine #714
        // among others): not safe for a file from outside.
        "xls" | "xlsb" => return Err(FileError::LegacyXls),
        _ => return Err(FileError::UnsupportedType(file_name.to_string())),
    };
    Ok(RowReader {
        headers,
        encoding,
        source,
        limits,
        held: Default::default(),
        ready: Default::default(),
        done: false,
    })
}

impl RowReader {
    fn read_one(&mut self) -> Option<Result<(usize, Vec<String>), FileError>> {
        let (line, cells) = match &mut self.source {
            Source::Csv { reader, record, index } => {
                let line = Table::line_of(*index);
                *index += 1;
                match reader.read_record(record) {
                    Ok(false) => return None,
                    Err(e) => return Some(Err(FileError::Malformed { line, message: csv_message(&e) })),
                    Ok(true) if record.len() > MAX_COLUMNS => {
                        return Some(Err(FileError::TooManyColumns(record.len())));
                    }
                    Ok(true) => (line, record.iter().map(str::to_string).collect::<Vec<_>>()),
                }
            }
            Source::Cells(rows) => match rows.recv() {
                Err(_) => return None,
                Ok(Err(e)) => return Some(Err(e)),
                Ok(Ok(row)) => row,
            },
        };
        if line > self.limits.max_rows + 1 {
            return Some(Err(FileError::TooManyRows { max: self.limits.max_rows }));
        }
        if cells.iter().any(|c| c.len() > MAX_CELL && c.chars().count() > MAX_CELL) {
            return Some(Err(FileError::HugeCell(line)));
        }
        Some(Ok((line, cells)))
    }
}

impl Iterator for RowReader {
    type Item = Result<(usize, Vec<String>), FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.ready.pop_front() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            match self.read_one() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Some(Ok(row)) => {
                    let blank = row.1.iter().all(|c| c.trim().is_empty());
                    self.held.push_back(row);
                    if !blank {
                        self.ready = std::mem::take(&mut self.held);
                    }
                }
            }
        }
    }
}

/// Decodes text the way Chinese Excel may have saved it (see [`Encoding`]).
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<(String, &'static str), FileError> {
    let (text, start, name) = decode_owned(bytes.to_vec(), encoding)?;
    let text = String::from_utf8(text).map_err(|_| FileError::Encoding)?;
    Ok((text[start..].to_string(), name))
}

/// The line (1-based) holding byte `offset`.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// The same, keeping UTF-8 bytes as they are: (UTF-8 bytes, where the text starts, encoding).
///
/// Decided on evidence (problem 3 of the reliability review): a file that is UTF-8 but for a
/// few bytes is not GB18030 — almost any bytes decode as GB18030, so reading it so would garble
/// every name silently — and the line that breaks UTF-8 is named. A file is taken for GB18030
/// only when none of it reads as UTF-8 beyond ASCII, it decodes cleanly as GB18030, and what
/// that gives looks like Chinese (mostly the common characters of GB2312, not the rare ones a
/// Latin-1 `é` followed by a letter becomes); otherwise the user is asked to choose.
fn decode_owned(bytes: Vec<u8>, choice: Encoding) -> Result<(Vec<u8>, usize, &'static str), FileError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(&bytes[3..]) {
            Ok(_) => Ok((bytes, 3, "UTF-8 with BOM")),
            Err(e) => Err(FileError::NotUtf8 { line: line_at(&bytes, 3 + e.valid_up_to()) }),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, name) =
            if bytes[0] == 0xFF { (encoding_rs::UTF_16LE, "UTF-16LE") } else { (encoding_rs::UTF_16BE, "UTF-16BE") };
        let (text, _, bad) = enc.decode(&bytes);
        return if bad { Err(FileError::Encoding) } else { Ok((text.into_owned().into_bytes(), 0, name)) };
    }
    let utf8 = std::str::from_utf8(&bytes).err();
    match (choice, utf8) {
        (Encoding::Utf8 | Encoding::Auto, None) => Ok((bytes, 0, "UTF-8")),
        (Encoding::Utf8, Some(e)) => Err(FileError::NotUtf8 { line: line_at(&bytes, e.valid_up_to()) }),
        (Encoding::Gb18030, _) => match gb18030(&bytes) {
            Ok(text) => Ok((text.into_bytes(), 0, "GB18030")),
            Err(offset) => Err(FileError::NotGb18030 { line: line_at(&bytes, offset) }),
        },
        (Encoding::Auto, Some(e)) => {
            let first_bad = e.valid_up_to();
            if has_utf8_beyond_ascii(&bytes) {
                return Err(FileError::NotUtf8 { line: line_at(&bytes, first_bad) });
            }
            let text = gb18030(&bytes).map_err(|_| FileError::Encoding)?;
            if let Some(offset) = unlike_chinese(&bytes) {
                return Err(FileError::UnsureEncoding { line: line_at(&bytes, offset) });
            }
            Ok((text.into_bytes(), 0, "GB18030"))
        }
    }
}

/// The text as GB18030, or the offset of the first byte that is not.
fn gb18030(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 / 2 + 16);
    let mut read = 0;
    loop {
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], &mut out, true);
        read += n;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(out),
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len() - read + 16),
            encoding_rs::DecoderResult::Malformed(_, _) => return Err(read.saturating_sub(1)),
        }
    }
}

/// Does any non-ASCII character read as UTF-8? (GBK text almost never forms a valid UTF-8
/// sequence of three bytes; a UTF-8 file with one stray byte is full of them.)
fn has_utf8_beyond_ascii(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => return s.bytes().any(|b| b >= 0x80),
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // Safe: `good` is exactly the valid prefix.
                if std::str::from_utf8(good).is_ok_and(|s| s.chars().any(|c| c.len_utf8() >= 3)) {
                    return true;
                }
                let skip = e.error_len().unwrap_or(bad.len()).max(1);
                rest = &bad[skip.min(bad.len())..];
                if rest.is_empty() {
                    return false;
                }
            }
        }
    }
}

/// The offset of the first two-byte GBK character outside GB2312's common area, when such
/// characters are more than a third of all of them — the mark of Latin-1 or another encoding
/// read as GBK; None when the text looks Chinese.
fn unlike_chinese(bytes: &[u8]) -> Option<usize> {
    let (mut common, mut rare, mut first_rare) = (0usize, 0usize, None);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        // GB18030 four-byte sequences (a digit in second place) are rare characters too.
        let four = bytes.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        let trail = bytes.get(i + 1).copied().unwrap_or(0);
        if (0xA1..=0xF7).contains(&b) && trail >= 0xA1 && !four {
            common += 1;
        } else {
            rare += 1;
            first_rare.get_or_insert(i);
        }
        i += if four { 4 } else { 2 };
    }
    (rare * 3 > common + rare).then_some(first_rare).flatten()
}

fn open_csv(bytes: Vec<u8>, choice: Encoding) -> Result<(Vec<String>, &'static str, Source), FileError> {
    let (text, start, encoding) = decode_owned(bytes, choice)?;
    let body = std::str::from_utf8(&text[start..]).map_err(|_| FileError::Encoding)?;
    if body.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let first_line = body.lines().next().unwrap_or("");
    // Excel's "Unicode text" is tab-separated; so are files saved as .tsv.
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() { b'\t' } else { b',' };
    let mut cursor = Cursor::new(text);
    cursor.set_position(start as u64);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(cursor);
    let mut record = csv::StringRecord::new();
    let headers: Vec<String> = match reader.read_record(&mut record) {
        Ok(false) => return Err(FileError::NoHeader),
        Err(e) => return Err(FileError::Malformed { line: 1, message: e.to_string() }),
        Ok(true) => record.iter().map(|h| h.trim().to_string()).collect(),
    };
    let headers = trim_headers(headers)?;
    Ok((headers, encoding, Source::Csv { reader, record, index: 0 }))
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "invalid text encoding".into(),
        _ => e.to_string(),
    }
}

/// Drops empty trailing header cells (Excel leaves them) and rejects duplicates.
fn trim_headers(mut headers: Vec<String>) -> Result<Vec<String>, FileError> {
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    if headers.is_empty() {
        return Err(FileError::NoHeader);
    }
    if headers.len() > MAX_COLUMNS {
        return Err(FileError::TooManyColumns(headers.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        if !h.is_empty() && !seen.insert(h.to_lowercase()) {
            return Err(FileError::DuplicateHeader { column: i + 1, header: h.clone() });
        }
    }
    Ok(headers)
}

/// Checks a workbook before anything sizes memory by what it declares (F-01): each part, once
/// unpacked, within `max_part_bytes` (counted by unpacking, since the sizes in the archive can
/// lie), and the shared strings declaring no more entries than their part could hold or the
/// limits allow. calamine reserves room for every string `uniqueCount` announces, and an
/// allocation that fails aborts the whole process.
fn check_workbook(bytes: &[u8], limits: Limits) -> Result<(), FileError> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| FileError::Workbook(e.to_string()))?;
    if zip.len() > 10_000 {
        return Err(FileError::TooManyParts(zip.len()));
    }
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| FileError::Workbook(e.to_string()))?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let shared = name.ends_with("sharedStrings.xml");
        let mut head = Vec::new();
        let mut total: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = part.read(&mut buf).map_err(|e| FileError::Workbook(e.to_string()))?;
            if n == 0 {
                break;
            }
            if shared && head.len() < 4096 {
                head.extend_from_slice(&buf[..n.min(4096 - head.len())]);
            }
            total += n as u64;
            if total > limits.max_part_bytes {
                return Err(FileError::PartTooLarge { part: name, max_mb: limits.max_part_bytes >> 20 });
            }
        }
        if shared {
            let head = String::from_utf8_lossy(&head);
            for attr in ["uniqueCount=\"", "count=\""] {
                let declared = head.find(attr).and_then(|at| {
                    let rest = &head[at + attr.len()..];
                    rest[..rest.find('"')?].parse::<u128>().ok()
                });
                // Each string takes at least `<si/>` (5 bytes) of the part.
                if let Some(n) = declared
                    && (n > limits.max_cells as u128 || n > (total as u128) / 5 + 1)
                {
                    return Err(FileError::TooManyCells { max: limits.max_cells });
                }
            }
        }
    }
    Ok(())
}

/// The rows of a workbook's first sheet, read cell by cell on a thread of their own and handed
/// over a few at a time, so that memory holds one row, not the sheet (calamine's dense range
/// sizes a vector by the two outermost cells: one in A1 and one in XFD1048576 asked for 512 GiB).
/// Every filled cell is checked against the limits as it comes: a column past 200, a row past
/// `max_rows`, more than `max_cells` filled cells. Rows without a filled cell are skipped.
fn stream_workbook(bytes: Vec<u8>, limits: Limits) -> Result<(Vec<String>, RowsFromThread), FileError> {
    use calamine::Reader;
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    check_workbook(&bytes, limits)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(usize, Vec<String>), FileError>>(64);
    let (head_tx, head_rx) = std::sync::mpsc::sync_channel::<Result<Vec<String>, FileError>>(1);
    std::thread::Builder::new()
        .name("guanxi-xlsx".into())
        .spawn(move || {
            let result = (|| -> Result<(), FileError> {
                let mut book =
                    calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Workbook(e.to_string()))?;
                let Some(sheet) = book.sheet_names().into_iter().next() else { return Err(FileError::Empty) };
                let mut cells = book.worksheet_cells_reader(&sheet).map_err(|e| FileError::Workbook(e.to_string()))?;
                let mut current: Option<(u32, Vec<String>)> = None;
                let mut header_sent = false;
                let (mut filled, mut seen) = (0usize, 0usize);
                let send = |row: u32, values: Vec<String>, header_sent: &mut bool| -> Result<bool, FileError> {
                    if !*header_sent {
                        *header_sent = true;
                        let headers = trim_headers(values.into_iter().map(|h| h.trim().to_string()).collect())?;
                        return Ok(head_tx.send(Ok(headers)).is_ok());
                    }
                    Ok(tx.send(Ok((row as usize + 1, values))).is_ok())
                };
                loop {
                    let cell = cells.next_cell().map_err(|e| FileError::Workbook(e.to_string()))?;
                    let Some(cell) = cell else { break };
                    seen += 1;
                    if seen > limits.max_cells.saturating_mul(4) {
                        return Err(FileError::TooManyCells { max: limits.max_cells });
                    }
                    let text = cell_text(cell.get_value());
                    if text.is_empty() {
                        continue;
                    }
                    let (row, col) = cell.get_position();
                    if col as usize >= MAX_COLUMNS {
                        return Err(FileError::TooManyColumns(col as usize + 1));
                    }
                    if row as usize > limits.max_rows {
                        return Err(FileError::TooManyRows { max: limits.max_rows });
                    }
                    filled += 1;
                    if filled > limits.max_cells {
                        return Err(FileError::TooManyCells { max: limits.max_cells });
                    }
                    match &mut current {
                        Some((r, values)) if *r == row => {
                            if values.len() <= col as usize {
                                values.resize(col as usize + 1, String::new());
                            }
                            values[col as usize] = text;
                        }
                        Some((r, _)) if *r > row => {
                            return Err(FileError::Malformed {
                                line: row as usize + 1,
                                message: "rows out of order".into(),
                            });
                        }
                        _ => {
                            if let Some((r, values)) = current.take()
                                && !send(r, values, &mut header_sent)?
                            {
                                return Ok(());
                            }
                            let mut values = vec![String::new(); col as usize + 1];
                            values[col as usize] = text;
                            current = Some((row, values));
                        }
                    }
                }
                match current.take() {
                    Some((r, values)) => {
                        send(r, values, &mut header_sent)?;
                    }
                    None if !header_sent => return Err(FileError::Empty),
                    None => {}
                }
                Ok(())
            })();
            if let Err(e) = result {
                // Before the header: the caller waits for it; after: the rows end with it.
                let _ = head_tx.try_send(Err(e.clone()));
                let _ = tx.send(Err(e));
            }
        })
        .map_err(|e| FileError::Workbook(e.to_string()))?;
    let headers = head_rx.recv().map_err(|_| FileError::Empty)??;
    Ok((headers, rx))
}

/// A cell as the text a person sees: phone numbers stored as numbers lose no digits and get
/// no `.0`; dates become `YYYY-MM-DD`.
fn cell_text(c: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match c {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => excel_serial_to_date(d.as_f64()),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

fn excel_serial_to_date(serial: f64) -> String {
    let Some(epoch) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return serial.to_string();
    };
    let days = serial.floor() as i64;
    match epoch.checked_add_signed(chrono::Duration::days(days)) {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => serial.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_table_(name: &str, bytes: &[u8]) -> Result<Table, FileError> {
        read_table(name, bytes, Limits::COMMAND_LINE, Encoding::Auto)
    }

    /// A workbook of the given worksheet XML (and shared strings), as the review's script made.
    fn book(sheet: &str, sst: Option<&str>) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut put = |name: &str, text: &str| {
            z.start_file(name, o).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        };
        let sst_type = if sst.is_some() {
            r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
        } else {
            ""
        };
        put(
            "[Content_Types].xml",
            &format!(
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{sst_type}</Types>"#
            ),
        );
        put(
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        put(
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        let sst_rel = if sst.is_some() {
            r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
        } else {
            ""
        };
        put(
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{sst_rel}</Relationships>"#
            ),
        );
        put(
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>"#
            ),
        );
        if let Some(sst) = sst {
            put("xl/sharedStrings.xml", sst);
        }
        z.finish().unwrap().into_inner()
    }

    fn inline(r: &str, text: &str) -> String {
        format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    /// F-01 of the security review: crafted workbooks of about 1.5 KB asked calamine for 512 GiB
    /// (a cell in A1 and one in XFD1048576) and 2.4 TB (a shared-strings count of 10^11), and the
    /// failed allocation aborted the process. Now they are refused, having allocated little.
    #[test]
    fn crafted_workbooks_are_refused_without_allocating() {
        let dense = book(
            &format!(
                r#"<row r="1">{}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
                inline("A1", "姓名")
            ),
            None,
        );
        assert!(dense.len() < 4096);
        assert!(matches!(read_table_("dense.xlsx", &dense), Err(FileError::TooManyColumns(16384))));
        // A far row within the columns: refused by the row limit of a browser upload.
        let far = book(
            &format!(r#"<row r="1">{}</row><row r="1048576"><c r="B1048576"><v>1</v></c></row>"#, inline("A1", "姓名")),
            None,
        );
        let limits = Limits::upload(100_000);
        assert_eq!(read_table("far.xlsx", &far, limits, Encoding::Auto), Err(FileError::TooManyRows { max: 100_000 }));
        // On the command line it is one header and one row, not a million empty ones.
        let t = read_table_("far.xlsx", &far).unwrap();
        assert_eq!((t.headers.len(), t.rows.len()), (1, 1));
        let sst = book(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
            Some(
                r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="100000000000"><si><t>姓名</t></si></sst>"#,
            ),
        );
        assert!(matches!(read_table_("sst.xlsx", &sst), Err(FileError::TooManyCells { .. })));
        // Legacy workbooks are not parsed at all.
        assert_eq!(read_table_("old.xls", b"\xD0\xCF\x11\xE0"), Err(FileError::LegacyXls));
    }

    #[test]
    fn workbooks_stream_with_their_limits() {
        let ok = book(
            &format!(
                r#"<row r="1">{}{}</row><row r="2">{}<c r="B2"><v>13812345678</v></c></row><row r="4">{}</row>"#,
                inline("A1", "姓名"),
                inline("B1", "手机"),
                inline("A2", "张三"),
                inline("A4", "李四")
            ),
            None,
        );
        let t = read_table_("ok.xlsx", &ok).unwrap();
        assert_eq!(t.headers, ["姓名", "手机"]);
        assert_eq!(t.rows, vec![vec!["张三".to_string(), "13812345678".into()], vec!["李四".to_string()]]);
        let mut rows = open_rows("ok.xlsx", ok, Limits::COMMAND_LINE, Encoding::Auto).unwrap();
        assert_eq!(rows.next().unwrap().unwrap().0, 2);
        assert_eq!(rows.next().unwrap().unwrap().0, 4, "lines as the sheet numbers them");
        // More rows than allowed: refused while reading, whatever follows.
        let many: String =
            (2..=20).map(|r| format!(r#"<row r="{r}">{}</row>"#, inline(&format!("A{r}"), "x"))).collect();
        let big = book(&format!(r#"<row r="1">{}</row>{many}"#, inline("A1", "姓名")), None);
        let e = read_table("big.xlsx", &big, Limits::upload(10), Encoding::Auto).unwrap_err();
        assert_eq!(e, FileError::TooManyRows { max: 10 });
        assert!(e.message(Lang::ZhCn).contains("拆成几个文件") && !e.message(Lang::ZhCn).contains("guanxi"));
        // A zip bomb: a part that unpacks past the limit.
        let bomb = book(&format!(r#"<row r="1">{}</row><!--{}-->"#, inline("A1", "姓名"), " ".repeat(2_000_000)), None);
        assert!(bomb.len() < 100_000);
        let tight = Limits { max_part_bytes: 1 << 20, ..Limits::upload(10) };
        assert!(matches!(read_table("bomb.xlsx", &bomb, tight, Encoding::Auto), Err(FileError::PartTooLarge { .. })));
    }

    /// F-10: a CSV of tiny rows past the browser's row limit is refused while reading.
    #[test]
    fn csv_rows_past_the_limit_are_refused() {
        let text = format!("姓名,手机\n{}", "a,1\n".repeat(200_000));
        let e = read_table("rows.csv", text.as_bytes(), Limits::upload(100_000), Encoding::Auto).unwrap_err();
        assert_eq!(e, FileError::TooManyRows { max: 100_000 });
        assert_eq!(read_table_("rows.csv", text.as_bytes()).unwrap().rows.len(), 200_000);
    }

    /// Problem 3 of the reliability review: a UTF-8 file with one Latin-1 byte was decoded whole
    /// as GB18030 and imported garbled. Now the line that breaks UTF-8 is named, a file that is
    /// no language's GB18030 is not guessed, and the user may say which encoding it is.
    #[test]
    fn encodings_are_decided_on_evidence() {
        let latin =
            b"name,kind,phone\n\xe5\xbc\xa0\xe4\xb8\x89,individual,13800000001\nRen\xe9e,individual,13800000003\n";
        assert_eq!(read_table_("l.csv", latin), Err(FileError::NotUtf8 { line: 3 }));
        assert!(FileError::NotUtf8 { line: 3 }.message(Lang::ZhCn).contains("第 3 行"));
        // All Latin-1 (no UTF-8 at all): not taken for Chinese either.
        let pure = b"name,city\nRen\xe9e,Z\xfcrich\nM\xfcller,K\xf6ln\n";
        assert!(matches!(read_table_("p.csv", pure), Err(FileError::UnsureEncoding { .. })));
        // Real GBK, with a rare character in a name, still reads by itself.
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,城市\n张喆,北京\n李四,上海\n王五,广州\n");
        let t = read_table_("g.csv", &gbk).unwrap();
        assert_eq!((t.encoding, t.rows[0][0].as_str()), ("GB18030", "张喆"));
        // Told the encoding, the reader uses it and names a line that does not fit.
        let t = read_table("g.csv", &gbk, Limits::COMMAND_LINE, Encoding::Gb18030).unwrap();
        assert_eq!(t.rows[1][0], "李四");
        assert!(matches!(
            read_table("g.csv", &gbk, Limits::COMMAND_LINE, Encoding::Utf8),
            Err(FileError::NotUtf8 { line: 1 })
        ));
        let t = read_table("p.csv", pure, Limits::COMMAND_LINE, Encoding::Gb18030).unwrap();
        assert_eq!(t.encoding, "GB18030", "the user's word is taken");
        assert_eq!(Encoding::parse("GBK"), Some(Encoding::Gb18030));
        assert_eq!(Encoding::parse("latin1"), None);
    }

    #[test]
    fn encodings_are_detected() {
        let text = "姓名,手机\n张三,13800000000\n";
        let (s, e) = decode(text.as_bytes(), Encoding::Auto).unwrap();
        assert_eq!((s.as_str(), e), (text, "UTF-8"));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom, Encoding::Auto).unwrap(), (text.to_string(), "UTF-8 with BOM"));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk, Encoding::Auto).unwrap(), (text.to_string(), "GB18030"));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&utf16, Encoding::Auto).unwrap().0, text);
        assert_eq!(decode(b"\x81\x20\xff\xfe\xfd", Encoding::Auto), Err(FileError::Encoding));
    }

    #[test]
    fn csv_reads_with_quotes_and_ragged_rows() {
        let t = read_table_("a.csv", "姓名,备注,\n\"张,三\",\"说 \"\"你好\"\"\"\n李四\n,,\n".as_bytes()).unwrap();
        assert_eq!(t.headers, vec!["姓名", "备注"]);
        assert_eq!(t.rows, vec![vec!["张,三".to_string(), "说 \"你好\"".into()], vec!["李四".into()]]);
    }

    #[test]
    fn bad_files() {
        assert_eq!(read_table_("a.csv", b""), Err(FileError::Empty));
        assert_eq!(read_table_("a.csv", b"  \n "), Err(FileError::Empty));
        assert_eq!(read_table_("a.pdf", b"x"), Err(FileError::UnsupportedType("a.pdf".into())));
        assert!(matches!(
            read_table_("a.csv", "name,Name\nx,y\n".as_bytes()),
            Err(FileError::DuplicateHeader { column: 2, .. })
        ));
        assert!(matches!(read_table_("a.xlsx", b"not a zip"), Err(FileError::Workbook(_))));
        let huge = format!("name\n{}\n", "x".repeat(40_000));
        assert_eq!(read_table_("a.csv", huge.as_bytes()), Err(FileError::HugeCell(2)));
        assert!(FileError::NoNameColumn.message(Lang::ZhCn).contains("姓名"));
    }

    #[test]
    fn rows_stream_one_at_a_time() {
        let text = format!("订单号,金额\nA,1\n,\nB,2\n{},3\n,\n\n", "x".repeat(40_000));
        let mut rows = open_rows("o.csv", text.into_bytes(), Limits::COMMAND_LINE, Encoding::Auto).unwrap();
        assert_eq!(rows.headers, ["订单号", "金额"]);
        assert_eq!(rows.next(), Some(Ok((2, vec!["A".to_string(), "1".into()]))));
        // An empty row between rows is kept (and reported by whoever validates it)…
        assert_eq!(rows.next(), Some(Ok((3, vec![String::new(), String::new()]))));
        assert_eq!(rows.next().unwrap().unwrap().0, 4);
        // …a bad row ends the rows with its line.
        assert_eq!(rows.next(), Some(Err(FileError::HugeCell(5))));
        assert_eq!(rows.next(), None);
        // Empty rows at the end are dropped; BOM and GB18030 files stream too.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("订单号\nA\n,\n".as_bytes());
        let rows = open_rows("o.csv", bom, Limits::COMMAND_LINE, Encoding::Auto).unwrap();
        assert_eq!((rows.headers.clone(), rows.encoding), (vec!["订单号".to_string()], "UTF-8 with BOM"));
        assert_eq!(rows.map(|r| r.unwrap().0).collect::<Vec<_>>(), [2]);
        let (gbk, _, _) = encoding_rs::GBK.encode("订单号\n甲\n");
        let rows = open_rows("o.csv", gbk.into_owned(), Limits::COMMAND_LINE, Encoding::Auto).unwrap();
        assert_eq!(rows.encoding, "GB18030");
        assert_eq!(rows.map(|r| r.unwrap().1).collect::<Vec<_>>(), [vec!["甲".to_string()]]);
    }

    #[test]
    fn tab_separated_text() {
        let t = read_table_("a.txt", "姓名\t手机\n张三\t13800000000\n".as_bytes()).unwrap();
        assert_eq!(t.rows[0], vec!["张三", "13800000000"]);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_to_date(45366.0), "2024-03-15");
        assert_eq!(cell_text(&calamine::DataRef::Float(13812345678.0)), "13812345678");
    }
}
