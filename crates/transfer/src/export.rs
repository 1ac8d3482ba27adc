//! Writing customers out: CSV as UTF-8 with a BOM (so Excel opens it as Chinese text) and
//! XLSX. Cells that a spreadsheet would run as a formula are neutralized.

use guanxi_domain::{CustomerDraft, Field, Lang};

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn from_file_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(Format::Xlsx)
        } else {
            None
        }
    }
}

/// The columns of a customer export, in order, after the Guanxi id.
pub const EXPORT_FIELDS: &[Field] = &[
    Field::Name,
    Field::Kind,
    Field::Status,
    Field::Purpose,
    Field::NeedsOrientation,
    Field::Phone,
    Field::Email,
    Field::Wechat,
    Field::City,
    Field::Address,
    Field::Employer,
    Field::JobTitle,
    Field::Gender,
    Field::Birthday,
    Field::Industry,
    Field::Size,
    Field::FoundedOn,
    Field::CreditRating,
    Field::Closeness,
    Field::TradingTerms,
    Field::Owner,
    Field::Source,
    Field::Tags,
    Field::ExternalId,
    Field::Preferences,
    Field::PreferencesNote,
    Field::Family,
    Field::Motives,
    Field::Personality,
    Field::Beliefs,
    Field::Attitudes,
    Field::Interests,
    Field::SalesCapacity,
    Field::BusinessResults,
    Field::Potential,
    Field::Prospects,
    Field::Notes,
];

pub fn header(lang: Lang) -> Vec<String> {
    let mut h = vec![Field::Id.label(lang).to_string()];
    h.extend(EXPORT_FIELDS.iter().map(|f| f.label(lang).to_string()));
    h
}

/// A cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'` so that
/// a spreadsheet shows it as text instead of running it; our import removes it again.
pub fn neutralize(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

pub fn customer_row(id: i64, draft: &CustomerDraft, lang: Lang) -> Vec<String> {
    let fields = draft.to_fields();
    let mut row = vec![id.to_string()];
    row.extend(EXPORT_FIELDS.iter().map(|f| neutralize(&f.display(fields.get(*f), lang))));
    row
}

/// Streams CSV: a BOM, the header, then one line per customer.
pub struct CsvExport<W: std::io::Write> {
    writer: csv::Writer<W>,
    lang: Lang,
}

impl<W: std::io::Write> CsvExport<W> {
    pub fn new(mut out: W, lang: Lang) -> std::io::Result<CsvExport<W>> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(header(lang)).map_err(std::io::Error::other)?;
        Ok(CsvExport { writer, lang })
    }

    pub fn write(&mut self, id: i64, draft: &CustomerDraft) -> std::io::Result<()> {
        self.writer.write_record(customer_row(id, draft, self.lang)).map_err(std::io::Error::other)
    }

    /// Hands everything written so far to the output (for streaming it in chunks).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// The rows of a file that could not be imported, to fix and import again: a column with each
/// row's problems and one with its line in the file, then its cells as they were (formula-like
/// ones neutralized, which the import undoes). The import ignores the two added columns.
pub fn problem_rows_csv<'a>(
    lang: Lang,
    headers: &[String],
    rows: impl IntoIterator<Item = (String, usize, &'a [String])>,
) -> std::io::Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut header = vec![lang.pick("问题", "Problem").to_string(), lang.pick("原行号", "Line").to_string()];
        header.extend(headers.iter().cloned());
        w.write_record(&header).map_err(std::io::Error::other)?;
        for (problem, line, cells) in rows {
            let mut record = vec![problem, line.to_string()];
            record.extend(cells.iter().map(|c| neutralize(c)));
            // A short row (a CSV line with fewer cells) keeps the columns in line.
            record.resize(header.len().max(record.len()), String::new());
            w.write_record(&record).map_err(std::io::Error::other)?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// A file to fill in for an import, as CSV: a BOM and the header (for customers, the
/// export's columns: an export is a filled-in template).
pub fn template_csv(headers: &[String]) -> std::io::Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers).map_err(std::io::Error::other)?;
        w.flush()?;
    }
    Ok(out)
}

/// The same as a workbook: a sheet named `sheet` with the header, and a second sheet that says
/// how to fill in each column: `guide` holds (column, required, how).
pub fn template_xlsx(
    lang: Lang,
    sheet: &str,
    headers: &[String],
    guide: &[(String, bool, String)],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let first = book.add_worksheet();
    first.set_name(sheet)?;
    for (i, h) in headers.iter().enumerate() {
        first.write_string_with_format(0, i as u16, h, &bold)?;
    }
    first.set_column_range_width(0, headers.len() as u16, 14)?;
    first.set_freeze_panes(1, 0)?;
    let help = book.add_worksheet();
    help.set_name(lang.pick("填写说明", "How to fill in"))?;
    let titles = [lang.pick("列", "Column"), lang.pick("必填", "Required"), lang.pick("怎么填", "What to write")];
    for (i, t) in titles.iter().enumerate() {
        help.write_string_with_format(0, i as u16, *t, &bold)?;
    }
    help.set_column_width(0, 22)?;
    help.set_column_width(1, 8)?;
    help.set_column_width(2, 90)?;
    for (r, (column, required, how)) in guide.iter().enumerate() {
        let r = r as u32 + 1;
        help.write_string(r, 0, column)?;
        if *required {
            help.write_string(r, 1, lang.pick("是", "yes"))?;
        }
        help.write_string_with_format(r, 2, how, &wrap)?;
    }
    book.save_to_buffer()
}

/// The most rows one worksheet holds.
pub const XLSX_MAX_ROWS: usize = 1_048_575;

/// Builds a workbook in memory.
pub struct XlsxExport {
    book: rust_xlsxwriter::Workbook,
    next_row: u32,
    lang: Lang,
}

impl XlsxExport {
    pub fn new(lang: Lang) -> Result<XlsxExport, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(lang.pick("客户", "Customers"))?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (i, h) in header(lang).iter().enumerate() {
            sheet.write_string_with_format(0, i as u16, h, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxExport { book, next_row: 1, lang })
    }

    pub fn write(&mut self, id: i64, draft: &CustomerDraft) -> Result<(), rust_xlsxwriter::XlsxError> {
        if self.next_row as usize > XLSX_MAX_ROWS {
            return Err(rust_xlsxwriter::XlsxError::RowColumnLimitError);
        }
        let row = customer_row(id, draft, self.lang);
        let sheet = self.book.worksheet_from_index(0)?;
        for (i, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(self.next_row, i as u16, cell)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        self.book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mapping, read_table, validate_row};
    use guanxi_domain::Raw;

    fn draft() -> CustomerDraft {
        CustomerDraft::parse(
            &Raw::new()
                .with(Field::Name, "=cmd|' /C calc'!A0")
                .with(Field::Phone, "13800000000")
                .with(Field::Preferences, "座位: 角落")
                .with(Field::Notes, "@SUM(1,1)")
                .with(Field::Tags, "VIP, 老客户"),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn formulas_are_neutralized() {
        let row = customer_row(7, &draft(), Lang::ZhCn);
        assert_eq!(row[1], "'=cmd|' /C calc'!A0");
        assert!(row.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])));
    }

    /// What we export, we import back unchanged, in both formats.
    #[test]
    fn round_trip() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut buf = Vec::new();
        let mut csv = CsvExport::new(&mut buf, Lang::ZhCn).unwrap();
        csv.write(1, &draft()).unwrap();
        csv.finish().unwrap();
        assert!(buf.starts_with(b"\xEF\xBB\xBF"));
        let mut x = XlsxExport::new(Lang::En).unwrap();
        x.write(1, &draft()).unwrap();
        let xlsx = x.finish().unwrap();
        for (name, bytes) in [("a.csv", buf), ("a.xlsx", xlsx)] {
            let t = read_table(name, &bytes, crate::Limits::COMMAND_LINE, crate::Encoding::Auto).unwrap();
            let m = Mapping::detect(&t.headers, &[]).unwrap();
            assert!(m.ignored().is_empty(), "{name}: every column maps back");
            let back = validate_row(&m, &t, 0, today, &Default::default()).unwrap();
            assert_eq!(back.id, Some(1));
            assert_eq!(back.draft, draft(), "{name}");
            assert!(back.kind_given);
        }
    }
}
