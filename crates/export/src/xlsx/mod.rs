//! Excel workbooks in and out (written with `rust_xlsxwriter`, read with `calamine`): the report
//! template handed down to a unit and read back (`template`), the unit's responsibility list
//! (`duties`), the whole plan as a workbook equivalent to the plan file (`plan`), and past
//! reports loaded in bulk from a workbook or CSV (`history`).
//!
//! Every problem found in a file is located at its sheet and cell in Excel's own notation
//! (`填报!I7`), or at file:line for CSV, with the rule that refuses it — so a person can go
//! straight to the cell and see what to fix.

pub mod duties;
pub mod history;
pub mod plan;
pub mod template;
#[doc(hidden)]
pub mod testing;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use serde::Serialize;
use tuijin_core::i18n::Lang;
use tuijin_core::problem::{Problem, Rule};

/// What writing a workbook can fail with.
pub use rust_xlsxwriter::XlsxError;

/// One problem at a cell of a workbook (or a line of a CSV file: `sheet` is the file name and
/// `cell` the line).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellProblem {
    pub sheet: String,
    /// `D7`; empty when the problem is with the sheet or file as a whole.
    pub cell: String,
    #[serde(flatten)]
    pub problem: Problem,
}

impl CellProblem {
    pub fn new(sheet: &str, cell: impl Into<String>, problem: Problem) -> CellProblem {
        CellProblem {
            sheet: sheet.to_string(),
            cell: cell.into(),
            problem,
        }
    }

    /// `填报!I7`, or the sheet alone.
    pub fn at(&self) -> String {
        if self.cell.is_empty() {
            self.sheet.clone()
        } else {
            format!("{}!{}", self.sheet, self.cell)
        }
    }

    /// `填报!I7: message`, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        format!("{}: {}", self.at(), self.problem.message(lang))
    }
}

/// How many problems a list stands for: its entries, or, when it ends with "and N more"
/// (`more_problems`), the entries before it and those N.
pub fn problem_count(problems: &[CellProblem]) -> usize {
    match problems.last() {
        Some(last) if last.problem.rule == Rule::MoreProblems => {
            let more = last
                .problem
                .args
                .iter()
                .find(|(k, _)| *k == "count")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            problems.len() - 1 + more
        }
        _ => problems.len(),
    }
}

/// Every problem, one per line.
pub fn render(problems: &[CellProblem], lang: Lang) -> String {
    problems
        .iter()
        .map(|p| p.render(lang) + "\n")
        .collect::<String>()
}

/// Excel's letters for a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// Excel's name of a cell from 0-based row and column: (6, 3) → `D7`.
pub fn cell_name(row: u32, col: u16) -> String {
    format!("{}{}", column_letters(col), row + 1)
}

/// What a file is, by its first bytes (whatever its name says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A zip: an .xlsx workbook (or something else zipped, refused when opened).
    Workbook,
    /// An OLE compound file: an Excel 97–2003 workbook (.xls).
    OldExcel,
    /// Anything else: read as text (CSV, TOML).
    Text,
}

/// The kind of a file by its first bytes.
pub fn file_kind(bytes: &[u8]) -> FileKind {
    if bytes.starts_with(&OLE_MAGIC) {
        FileKind::OldExcel
    } else if bytes.starts_with(b"PK\x03\x04") {
        FileKind::Workbook
    } else {
        FileKind::Text
    }
}

/// The refusal of an Excel 97–2003 file, at the file.
pub fn old_excel(file: &str) -> CellProblem {
    CellProblem::new(file, "", Problem::new("", Rule::OldExcelFormat))
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// An opened workbook.
pub(crate) struct Book(Xlsx<Cursor<Vec<u8>>>);

impl Book {
    pub(crate) fn open(bytes: Vec<u8>, file: &str) -> Result<Book, CellProblem> {
        // An Excel 97–2003 file is an OLE compound document, not a zip: say so, rather than
        // pass on the zip reader's complaint.
        if file_kind(&bytes) == FileKind::OldExcel {
            return Err(old_excel(file));
        }
        unpacked_size(&bytes, file, MAX_UNPACKED)?;
        open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes))
            .map(Book)
            .map_err(|e| {
                CellProblem::new(
                    file,
                    "",
                    Problem::new("", Rule::NotAWorkbook).with("reason", e),
                )
            })
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.0.sheet_names().to_vec()
    }

    /// The sheet's cells, or a problem naming the missing sheet. Read cell by cell and kept
    /// sparse: calamine's `worksheet_range` allocates every cell between A1 and the last used
    /// one, so one stray value in XFD1048576 of an 11 KB upload asked for 512 GiB and aborted
    /// the server. A value beyond column `MAX_COLS` is refused at its cell.
    pub(crate) fn sheet(&mut self, name: &str, missing: Rule) -> Result<Sheet, CellProblem> {
        let epoch_1904 = self.0.has_1904_epoch();
        let mut reader = self.0.worksheet_cells_reader(name).map_err(|_| {
            CellProblem::new(name, "", Problem::new("", missing).with("sheet", name))
        })?;
        let mut cells = std::collections::HashMap::new();
        let (mut rows, mut cols) = (0u32, 0u16);
        loop {
            let (cell, style) = match reader.next_cell_with_style_id() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    return Err(CellProblem::new(
                        name,
                        "",
                        Problem::new("", Rule::NotAWorkbook).with("reason", e),
                    ));
                }
            };
            let (r, c) = cell.get_position();
            let mut value = Data::from(cell.get_value().clone());
            if value == Data::Empty {
                continue;
            }
            // A workbook kept in the 1904 date system: its dates as the 1900 system counts.
            if let Data::DateTime(dt) = &value
                && epoch_1904
            {
                let kind = if dt.is_datetime() {
                    calamine::ExcelDateTimeType::DateTime
                } else {
                    calamine::ExcelDateTimeType::TimeDelta
                };
                value = Data::DateTime(calamine::ExcelDateTime::new(
                    dt.as_f64() + EPOCH_1904_DAYS,
                    kind,
                    false,
                ));
            }
            // `60%` typed into a cell is kept as 0.6 shown with a percent format: read it as
            // the number the person sees and typed (60), in a percent column or any other.
            if let Data::Float(_) | Data::Int(_) = value
                && reader
                    .styles()
                    .get(style)
                    .and_then(|s| s.number_format.as_ref())
                    .is_some_and(|f| is_percent_format(&f.format_code))
            {
                let v = match value {
                    Data::Int(i) => i as f64,
                    Data::Float(f) => f,
                    _ => unreachable!("matched above"),
                };
                value = Data::Float(shown_percent(v));
            }
            if c >= MAX_COLS {
                return Err(CellProblem::new(
                    name,
                    cell_name(r, u16::try_from(c).unwrap_or(u16::MAX)),
                    Problem::new("", Rule::SheetTooLarge)
                        .with("sheet", name)
                        .with("cols", column_letters(MAX_COLS as u16 - 1)),
                ));
            }
            let c = c as u16;
            rows = rows.max(r + 1);
            cols = cols.max(c + 1);
            cells.insert((r, c), value);
        }
        drop(reader);
        self.formulas_have_values(name)?;
        Ok(Sheet {
            cells,
            rows,
            cols,
            epoch_1904,
        })
    }

    /// A formula is read by the result the file saved with it. Excel and WPS always save one;
    /// a file written by a script may not, and its cell would read as empty — so such a file
    /// is refused at the first formula without a result, with what to do.
    fn formulas_have_values(&mut self, name: &str) -> Result<(), CellProblem> {
        let Ok(mut reader) = self.0.worksheet_cells_reader(name) else {
            return Ok(());
        };
        while let Ok(Some(cell)) = reader.next_cell_with_formula_metadata() {
            if cell.formula.is_some() && cell.value == calamine::DataRef::Empty {
                let (r, c) = cell.pos;
                return Err(CellProblem::new(
                    name,
                    cell_name(r, u16::try_from(c).unwrap_or(u16::MAX)),
                    Problem::new("", Rule::FormulaNoValue),
                ));
            }
        }
        Ok(())
    }
}

/// Whether a number format shows its value as a percent (`0%`, `0.0%`, `#,##0.00%;[Red]-0%`):
/// a `%` in its first section outside quotes and escapes.
fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if !quoted => {
                chars.next();
            }
            ';' if !quoted => return false,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// The percent a person sees for a value shown with a percent format: 0.6 → 60, without the
/// binary fraction's noise (0.07 × 100 is 7.000000000000001).
fn shown_percent(v: f64) -> f64 {
    let p = v * 100.0;
    let rounded = (p * 1e9).round() / 1e9;
    if rounded.is_finite() { rounded } else { p }
}

/// The most a workbook may hold unpacked: far beyond any of Tuijin's workbooks (the seed plan's
/// is under 1 MiB, a 100,000-item plan's about 40 MiB), and small enough that a file of a few
/// hundred kilobytes that unpacks to gigabytes (one cell of 300 MB of text) is refused before
/// it is parsed.
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;

/// Unpacks every part of the file without keeping it, and refuses the file when the parts
/// together hold more than `MAX_UNPACKED` — counting what the parts really unpack to, not what
/// the file says they hold.
fn unpacked_size(bytes: &[u8], file: &str, limit: u64) -> Result<(), CellProblem> {
    use std::io::Read;
    let unreadable = |e: &dyn std::fmt::Display| {
        CellProblem::new(
            file,
            "",
            Problem::new("", Rule::NotAWorkbook).with("reason", e),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let left = limit - total;
        total += std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        if total > limit {
            return Err(CellProblem::new(
                file,
                "",
                Problem::new("", Rule::WorkbookTooLarge).with("mib", limit >> 20),
            ));
        }
    }
    Ok(())
}

/// Columns read from a sheet: far more than any of Tuijin's workbooks has.
const MAX_COLS: u32 = 256;

/// The cells of one sheet that hold something, by 0-based absolute row and column.
pub(crate) struct Sheet {
    cells: std::collections::HashMap<(u32, u16), Data>,
    rows: u32,
    cols: u16,
    /// The workbook counts days from 1904 (an option of Excel for Mac): a bare serial number
    /// in a date column is a day of that system.
    epoch_1904: bool,
}

/// Days between the 1900 and 1904 date systems' day 0.
const EPOCH_1904_DAYS: f64 = 1462.0;

impl Sheet {
    pub(crate) fn get(&self, row: u32, col: u16) -> &Data {
        self.cells.get(&(row, col)).unwrap_or(&Data::Empty)
    }

    /// One past the last row holding anything.
    pub(crate) fn rows(&self) -> u32 {
        self.rows
    }

    pub(crate) fn cols(&self) -> u16 {
        self.cols
    }

    /// The cell as text: numbers without a needless `.0`, dates as `YYYY-MM-DD`.
    pub(crate) fn text(&self, row: u32, col: u16) -> String {
        text(self.get(row, col))
    }

    /// The calendar date of a bare serial number in a date column of this sheet.
    pub(crate) fn serial_date(&self, serial: f64) -> Option<NaiveDate> {
        excel_date(
            serial
                + if self.epoch_1904 {
                    EPOCH_1904_DAYS
                } else {
                    0.0
                },
        )
    }

    pub(crate) fn is_empty_row(&self, row: u32, cols: std::ops::Range<u16>) -> bool {
        cols.into_iter()
            .all(|c| self.text(row, c).trim().is_empty())
    }
}

/// A cell as text, trimmed of nothing (text is the unit's own words).
pub(crate) fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_else(|| dt.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Whole numbers without a fraction; others in the shortest form that reads back the same.
pub(crate) fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A number in a cell: a number, or text that reads as one (`85`, `85.5`, `85%`).
pub(crate) enum Number {
    Empty,
    Value(f64),
    Unreadable,
}

pub(crate) fn number(d: &Data) -> Number {
    match d {
        Data::Empty => Number::Empty,
        Data::Int(i) => Number::Value(*i as f64),
        Data::Float(f) if f.is_finite() => Number::Value(*f),
        Data::String(s) => {
            let t = s.trim().trim_end_matches(['%', '％']).trim();
            if t.is_empty() && s.trim().is_empty() {
                Number::Empty
            } else {
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map_or(Number::Unreadable, Number::Value)
            }
        }
        _ => Number::Unreadable,
    }
}

/// The calendar date of an Excel serial day number (the 1900 system, after 1 March 1900).
pub(crate) fn excel_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

/// Excel's date for a calendar date.
pub(crate) fn to_excel(d: NaiveDate) -> rust_xlsxwriter::ExcelDateTime {
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
        .expect("a date of the plan's range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        for (col, name) in [
            (0, "A"),
            (3, "D"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_letters(col), name);
        }
        assert_eq!(cell_name(6, 3), "D7");
    }

    #[test]
    fn percent_formats_are_told_from_others() {
        for (code, percent) in [
            ("0%", true),
            ("0.00%", true),
            ("#,##0.0%;[Red]-#,##0.0%", true),
            ("General", false),
            ("0.00", false),
            ("0.0\"%\"", false),
            ("0\\%", false),
            ("0;0%", false),
            ("yyyy-mm-dd", false),
        ] {
            assert_eq!(is_percent_format(code), percent, "{code}");
        }
        assert_eq!(shown_percent(0.6), 60.0);
        assert_eq!(shown_percent(0.07), 7.0);
        assert_eq!(shown_percent(0.855), 85.5);
    }

    /// A small file that unpacks to far more than it weighs (one part of 3 MiB of the same
    /// letter, a few kilobytes packed) is refused before anything parses it.
    #[test]
    fn a_file_that_unpacks_beyond_the_limit_is_refused() {
        use std::io::Write;
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let deflate = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", deflate).unwrap();
        zip.write_all(&vec![b'A'; 3 << 20]).unwrap();
        zip.finish().unwrap();
        let bytes = out.into_inner();
        assert!(bytes.len() < 64 << 10, "{} bytes packed", bytes.len());
        let e = unpacked_size(&bytes, "bomb.xlsx", 2 << 20).unwrap_err();
        assert_eq!(e.problem.rule, Rule::WorkbookTooLarge);
        assert!(unpacked_size(&bytes, "ok.xlsx", 4 << 20).is_ok());
        let e = Book::open(b"PK\x03\x04 not really".to_vec(), "x.xlsx")
            .err()
            .unwrap();
        assert_eq!(e.problem.rule, Rule::NotAWorkbook);
    }

    #[test]
    fn serial_days_are_dates() {
        assert_eq!(excel_date(43_982.0), NaiveDate::from_ymd_opt(2020, 5, 31));
    }
}
