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

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
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

/// An opened workbook.
pub(crate) struct Book(Xlsx<Cursor<Vec<u8>>>);

impl Book {
    pub(crate) fn open(bytes: Vec<u8>, file: &str) -> Result<Book, CellProblem> {
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

    /// The sheet's cells, or a problem naming the missing sheet.
    pub(crate) fn sheet(&mut self, name: &str, missing: Rule) -> Result<Sheet, CellProblem> {
        self.0
            .worksheet_range(name)
            .map(Sheet)
            .map_err(|_| CellProblem::new(name, "", Problem::new("", missing).with("sheet", name)))
    }
}

/// The cells of one sheet, addressed by 0-based absolute row and column.
pub(crate) struct Sheet(Range<Data>);

impl Sheet {
    pub(crate) fn get(&self, row: u32, col: u16) -> &Data {
        self.0
            .get_value((row, u32::from(col)))
            .unwrap_or(&Data::Empty)
    }

    /// One past the last row holding anything.
    pub(crate) fn rows(&self) -> u32 {
        self.0.end().map(|(r, _)| r + 1).unwrap_or(0)
    }

    pub(crate) fn cols(&self) -> u16 {
        self.0
            .end()
            .map(|(_, c)| u16::try_from(c + 1).unwrap_or(u16::MAX))
            .unwrap_or(0)
    }

    /// The cell as text: numbers without a needless `.0`, dates as `YYYY-MM-DD`.
    pub(crate) fn text(&self, row: u32, col: u16) -> String {
        text(self.get(row, col))
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

/// A date in a cell: a date cell, or text `YYYY-MM-DD`.
pub(crate) fn date(d: &Data) -> Option<Result<NaiveDate, ()>> {
    match d {
        Data::Empty => None,
        Data::DateTime(dt) => Some(excel_date(dt.as_f64()).ok_or(())),
        Data::DateTimeIso(s) => {
            Some(NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map_err(|_| ()))
        }
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) => Some(NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| ())),
        _ => Some(Err(())),
    }
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
    fn serial_days_are_dates() {
        assert_eq!(excel_date(43_982.0), NaiveDate::from_ymd_opt(2020, 5, 31));
    }
}
