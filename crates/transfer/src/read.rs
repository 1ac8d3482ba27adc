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
    #[error("unsupported file type {0:?}: use .csv, .xlsx or .xls")]
    UnsupportedType(String),
    #[error("the text is neither UTF-8 nor GB18030")]
    Encoding,
    #[error("the file has no header row")]
    NoHeader,
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    #[error("column {column}: the header {header:?} appears twice")]
    DuplicateHeader { column: usize, header: String },
    #[error("columns {first:?} and {second:?} both map to the same field")]
    DuplicateField { first: String, second: String },
    #[error("no column gives the customer's name")]
    NoNameColumn,
    #[error("an orders file needs columns for: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("the mapping names a column {0:?} that the file does not have")]
    UnknownMappedColumn(String),
    #[error("the mapping names an unknown field {0:?}")]
    UnknownMappedField(String),
    #[error("the file has {0} columns; at most 200 are read")]
    TooManyColumns(usize),
    #[error("a cell is longer than 32,767 characters (line {0})")]
    HugeCell(usize),
}

impl FileError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (FileError::Empty, _) => "文件是空的".into(),
            (FileError::MissingColumns(c), _) => format!("订单文件缺少这些列：{}", c.join("、")),
            (FileError::UnsupportedType(t), _) => {
                format!("不支持的文件类型 “{t}”：请用 .csv、.xlsx 或 .xls")
            }
            (FileError::Encoding, _) => "无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK".into(),
            (FileError::NoHeader, _) => "文件没有表头行".into(),
            (FileError::Malformed { line, message }, _) => {
                format!("第 {line} 行格式错误：{message}")
            }
            (FileError::Workbook(m), _) => format!("无法读取 Excel 文件：{m}"),
            (FileError::DuplicateHeader { column, header }, _) => {
                format!("第 {column} 列：表头 “{header}” 重复")
            }
            (FileError::DuplicateField { first, second }, _) => {
                format!("“{first}” 和 “{second}” 两列对应同一个字段")
            }
            (FileError::NoNameColumn, _) => "没有找到客户名称列（姓名/名称/name）".into(),
            (FileError::UnknownMappedColumn(c), _) => format!("映射中的列 “{c}” 在文件中不存在"),
            (FileError::UnknownMappedField(f), _) => format!("映射中的字段 “{f}” 不存在"),
            (FileError::TooManyColumns(n), _) => format!("文件有 {n} 列，最多读取 200 列"),
            (FileError::HugeCell(line), _) => format!("第 {line} 行有超过 32767 个字符的单元格"),
        }
    }
}

const MAX_COLUMNS: usize = 200;
const MAX_CELL: usize = 32_767;

/// Reads a whole file by its name's extension.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, FileError> {
    let mut reader = open_rows(file_name, bytes.to_vec())?;
    let mut rows = Vec::new();
    for row in &mut reader {
        rows.push(row?.1);
    }
    Ok(Table { headers: reader.headers, rows, encoding: reader.encoding })
}

/// A file's rows one at a time, so a file of millions of rows is never held as cells: only its
/// bytes (decoded once when they are not UTF-8). Each item is (line, cells) with the line as a
/// spreadsheet shows it; empty rows at the end of the file are dropped. A malformed row ends
/// the rows with its error.
pub struct RowReader {
    pub headers: Vec<String>,
    /// How the text was encoded (`UTF-8`, `UTF-8 with BOM`, `GB18030`, `UTF-16LE`, `xlsx`).
    pub encoding: &'static str,
    source: Source,
    /// Rows read but not yet given out: empty ones wait until a non-empty one follows.
    held: std::collections::VecDeque<(usize, Vec<String>)>,
    ready: std::collections::VecDeque<(usize, Vec<String>)>,
    done: bool,
}

enum Source {
    Csv { reader: csv::Reader<Cursor<Vec<u8>>>, record: csv::StringRecord, index: usize },
    Cells(std::iter::Enumerate<std::vec::IntoIter<Vec<String>>>),
}

/// Opens a file's rows by its name's extension.
pub fn open_rows(file_name: &str, bytes: Vec<u8>) -> Result<RowReader, FileError> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let (headers, encoding, source) = match ext.as_str() {
        "csv" | "txt" | "tsv" => open_csv(bytes)?,
        "xlsx" | "xlsm" | "xls" => {
            let (headers, rows) = read_workbook(&bytes)?;
            (headers, "xlsx", Source::Cells(rows.into_iter().enumerate()))
        }
        _ => return Err(FileError::UnsupportedType(file_name.to_string())),
    };
    Ok(RowReader { headers, encoding, source, held: Default::default(), ready: Default::default(), done: false })
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
                    Ok(true) => (line, record.iter().map(str::to_string).collect::<Vec<_>>()),
                }
            }
            Source::Cells(rows) => {
                let (i, cells) = rows.next()?;
                (Table::line_of(i), cells)
            }
        };
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

/// Decodes text the way Chinese Excel may have saved it.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), FileError> {
    let (text, start, encoding) = decode_owned(bytes.to_vec())?;
    let text = String::from_utf8(text).map_err(|_| FileError::Encoding)?;
    Ok((text[start..].to_string(), encoding))
}

/// The same, keeping UTF-8 bytes as they are: (UTF-8 bytes, where the text starts, encoding).
fn decode_owned(bytes: Vec<u8>) -> Result<(Vec<u8>, usize, &'static str), FileError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(&bytes[3..]) {
            Ok(_) => Ok((bytes, 3, "UTF-8 with BOM")),
            Err(_) => Err(FileError::Encoding),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, name) =
            if bytes[0] == 0xFF { (encoding_rs::UTF_16LE, "UTF-16LE") } else { (encoding_rs::UTF_16BE, "UTF-16BE") };
        let (text, _, bad) = enc.decode(&bytes);
        return if bad { Err(FileError::Encoding) } else { Ok((text.into_owned().into_bytes(), 0, name)) };
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok((bytes, 0, "UTF-8"));
    }
    let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    if bad {
        return Err(FileError::Encoding);
    }
    Ok((text.into_owned().into_bytes(), 0, "GB18030"))
}

fn open_csv(bytes: Vec<u8>) -> Result<(Vec<String>, &'static str, Source), FileError> {
    let (text, start, encoding) = decode_owned(bytes)?;
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
    for (i, h) in headers.iter().enumerate() {
        if !h.is_empty() && headers[..i].iter().any(|o| o.eq_ignore_ascii_case(h)) {
            return Err(FileError::DuplicateHeader { column: i + 1, header: h.clone() });
        }
    }
    Ok(headers)
}

fn read_workbook(bytes: &[u8]) -> Result<(Vec<String>, Vec<Vec<String>>), FileError> {
    use calamine::Reader;
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| FileError::Workbook(e.to_string()))?;
    let range = match book.worksheet_range_at(0) {
        None => return Err(FileError::Empty),
        Some(r) => r.map_err(|e| FileError::Workbook(e.to_string()))?,
    };
    let mut iter = range.rows();
    let headers: Vec<String> = match iter.next() {
        None => return Err(FileError::Empty),
        Some(r) => r.iter().map(|c| cell_text(c).trim().to_string()).collect(),
    };
    let headers = trim_headers(headers)?;
    let mut rows = Vec::new();
    for r in iter {
        rows.push(r.iter().map(cell_text).collect());
    }
    Ok((headers, rows))
}

/// A cell as the text a person sees: phone numbers stored as numbers lose no digits and get
/// no `.0`; dates become `YYYY-MM-DD`.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_serial_to_date(d.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
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

    #[test]
    fn encodings_are_detected() {
        let text = "姓名,手机\n张三,13800000000\n";
        let (s, e) = decode(text.as_bytes()).unwrap();
        assert_eq!((s.as_str(), e), (text, "UTF-8"));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom).unwrap(), (text.to_string(), "UTF-8 with BOM"));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), (text.to_string(), "GB18030"));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&utf16).unwrap().0, text);
        assert_eq!(decode(b"\x81\x20\xff\xfe\xfd"), Err(FileError::Encoding));
    }

    #[test]
    fn csv_reads_with_quotes_and_ragged_rows() {
        let t = read_table("a.csv", "姓名,备注,\n\"张,三\",\"说 \"\"你好\"\"\"\n李四\n,,\n".as_bytes()).unwrap();
        assert_eq!(t.headers, vec!["姓名", "备注"]);
        assert_eq!(t.rows, vec![vec!["张,三".to_string(), "说 \"你好\"".into()], vec!["李四".into()]]);
    }

    #[test]
    fn bad_files() {
        assert_eq!(read_table("a.csv", b""), Err(FileError::Empty));
        assert_eq!(read_table("a.csv", b"  \n "), Err(FileError::Empty));
        assert_eq!(read_table("a.pdf", b"x"), Err(FileError::UnsupportedType("a.pdf".into())));
        assert!(matches!(
            read_table("a.csv", "name,Name\nx,y\n".as_bytes()),
            Err(FileError::DuplicateHeader { column: 2, .. })
        ));
        assert!(matches!(read_table("a.xlsx", b"not a zip"), Err(FileError::Workbook(_))));
        let huge = format!("name\n{}\n", "x".repeat(40_000));
        assert_eq!(read_table("a.csv", huge.as_bytes()), Err(FileError::HugeCell(2)));
        assert!(FileError::NoNameColumn.message(Lang::ZhCn).contains("姓名"));
    }

    #[test]
    fn rows_stream_one_at_a_time() {
        let text = format!("订单号,金额\nA,1\n,\nB,2\n{},3\n,\n\n", "x".repeat(40_000));
        let mut rows = open_rows("o.csv", text.into_bytes()).unwrap();
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
        let rows = open_rows("o.csv", bom).unwrap();
        assert_eq!((rows.headers.clone(), rows.encoding), (vec!["订单号".to_string()], "UTF-8 with BOM"));
        assert_eq!(rows.map(|r| r.unwrap().0).collect::<Vec<_>>(), [2]);
        let (gbk, _, _) = encoding_rs::GBK.encode("订单号\n甲\n");
        let rows = open_rows("o.csv", gbk.into_owned()).unwrap();
        assert_eq!(rows.encoding, "GB18030");
        assert_eq!(rows.map(|r| r.unwrap().1).collect::<Vec<_>>(), [vec!["甲".to_string()]]);
    }

    #[test]
    fn tab_separated_text() {
        let t = read_table("a.txt", "姓名\t手机\n张三\t13800000000\n".as_bytes()).unwrap();
        assert_eq!(t.rows[0], vec!["张三", "13800000000"]);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_to_date(45366.0), "2024-03-15");
        assert_eq!(cell_text(&calamine::Data::Float(13812345678.0)), "13812345678");
    }
}
