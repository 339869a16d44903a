//! The whole plan as a workbook, equivalent to the plan file: a sheet `计划` of the plan's own
//! settings (field, value), and one sheet per kind of entry — stages, levels, units, people,
//! indicators, items (one sheet, with a `kind` column for the level) — whose header row names
//! the plan file's fields (`docs/plan-format.md`). A target's and a manual figure's parts have a
//! column each (`target.value`); lists of codes are written `A, B`; lists of points as the plan
//! file writes them (`[{ date = 2019-12-31, percent = 50 }]`).
//!
//! Writing goes through the plan file (`write_plan`), and reading builds a plan file from the
//! cells and reads it with `read_plan`, keeping for each line the cell it came from: so the
//! workbook holds exactly what the plan file holds, and every problem `read_plan` finds is
//! reported at its sheet and cell.

use std::collections::HashMap;

use calamine::Data;
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError,
};
use toml::Value;
use tuijin_core::PlanDocument;
use tuijin_core::text::Lang;

use super::{Book, cell_name, number_text, to_excel};
use crate::planfile::{FIELDS, Located, PlanFileErrors, read_plan, write_plan};

/// The sheet of the plan's own settings.
pub const PLAN_SHEET: &str = "计划";
/// Each array of the plan file and its sheet.
pub const SHEETS: &[(&str, &str)] = &[
    ("stage", "阶段"),
    ("level", "层级"),
    ("unit", "单位"),
    ("person", "人员"),
    ("indicator", "指标"),
    ("item", "事项"),
];
/// Inline tables whose parts get a column each.
const SPLIT: &[(&str, &str)] = &[("item", "target"), ("item", "manual")];
/// Lists of codes, written `A, B`.
const CODE_LISTS: &[&str] = &["co", "supports"];
/// Fields whose values are lists or tables, written in the plan file's notation
/// (`[{ year = 2020, value = 1.2 }]`) and read back as such; any other text is text, even when
/// it starts with `[` (a title `[试点]…`).
const STRUCTURED: &[&str] = &["targets", "points", "trajectory", "shares", "levels"];
/// Fields that hold dates.
const DATES: &[&str] = &["start", "end", "due", "date", "target.by"];

fn fields(section: &str) -> &'static [&'static str] {
    FIELDS
        .iter()
        .find(|(s, _)| *s == section)
        .map(|(_, f)| *f)
        .unwrap_or(&[])
}

/// The columns of a section's sheet.
fn columns(section: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields(section) {
        if SPLIT.contains(&(section, f)) {
            for part in fields(&format!("{section}.{f}")) {
                out.push(format!("{f}.{part}"));
            }
        } else {
            out.push(f.to_string());
        }
    }
    out
}

/// The rows of the plan sheet: the plan's fields, then each sub-table's as `source.title`.
fn plan_keys() -> Vec<String> {
    let mut out = Vec::new();
    for f in fields("plan") {
        let sub = fields(&format!("plan.{f}"));
        if sub.is_empty() {
            out.push(f.to_string());
        } else {
            out.extend(sub.iter().map(|s| format!("{f}.{s}")));
        }
    }
    out
}

fn lookup<'a>(t: &'a toml::Table, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut v = t.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// Writes the plan as a workbook.
pub fn write_plan_xlsx(doc: &PlanDocument) -> Result<Vec<u8>, XlsxError> {
    let table: toml::Table = toml::from_str(&write_plan(doc))
        .map_err(|e| XlsxError::ParameterError(format!("plan file: {e}")))?;
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let empty = toml::Table::new();
    let plan = table
        .get("plan")
        .and_then(Value::as_table)
        .unwrap_or(&empty);
    let ws = wb.add_worksheet();
    ws.set_name(PLAN_SHEET)?;
    ws.write_string_with_format(0, 0, "field", &head)?;
    ws.write_string_with_format(0, 1, "value", &head)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 80)?;
    for (n, key) in plan_keys().iter().enumerate() {
        let row = n as u32 + 1;
        ws.write_string(row, 0, key)?;
        if let Some(v) = lookup(plan, key) {
            write_value(ws, row, 1, key, v, &date)?;
        }
    }
    for (section, name) in SHEETS {
        let ws = wb.add_worksheet();
        ws.set_name(*name)?;
        let cols = columns(section);
        for (c, col) in cols.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, col, &head)?;
            ws.set_column_width(c as u16, 14)?;
        }
        ws.set_freeze_panes(1, 1)?;
        // Date columns take dates only, so a typo is caught as it is typed (and on import).
        for (c, col) in cols.iter().enumerate() {
            let last = col.rsplit('.').next().unwrap_or(col);
            if DATES.contains(&col.as_str()) || DATES.contains(&last) {
                ws.add_data_validation(1, c as u16, 1_048_575, c as u16, &date_rule()?)?;
            }
        }
        let entries = table.get(*section).and_then(Value::as_array);
        for (n, e) in entries.into_iter().flatten().enumerate() {
            let Some(e) = e.as_table() else { continue };
            for (c, col) in cols.iter().enumerate() {
                if let Some(v) = lookup(e, col) {
                    write_value(ws, n as u32 + 1, c as u16, col, v, &date)?;
                }
            }
        }
    }
    wb.save_to_buffer()
}

/// Data validation of a date column: a date from 1900 to 2200.
fn date_rule() -> Result<DataValidation, XlsxError> {
    let from = ExcelDateTime::from_ymd(1900, 1, 1)?;
    let to = ExcelDateTime::from_ymd(2200, 12, 31)?;
    DataValidation::new()
        .allow_date(DataValidationRule::Between(from, to))
        .set_error_title("请填写日期")?
        .set_error_message("请填写日期，格式 YYYY-MM-DD（如 2020-12-31）。")
}

fn write_value(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    key: &str,
    v: &Value,
    date: &Format,
) -> Result<(), XlsxError> {
    let last = key.rsplit('.').next().unwrap_or(key);
    match v {
        Value::String(s) => ws.write_string(row, col, s)?,
        Value::Integer(i) => ws.write_number(row, col, *i as f64)?,
        Value::Float(f) => ws.write_number(row, col, *f)?,
        Value::Boolean(b) => ws.write_boolean(row, col, *b)?,
        Value::Datetime(d) => match d.to_string().parse::<chrono::NaiveDate>() {
            Ok(day) => ws.write_date_with_format(row, col, to_excel(day), date)?,
            Err(_) => ws.write_string(row, col, d.to_string())?,
        },
        Value::Array(a) if CODE_LISTS.contains(&last) => {
            let codes: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            ws.write_string(row, col, codes.join(", "))?
        }
        other => ws.write_string(row, col, other.to_string())?,
    };
    Ok(())
}

/// One problem of a plan workbook, at its sheet and cell.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanCell {
    pub sheet: String,
    pub cell: String,
    pub located: Located,
}

/// Every problem of a plan workbook.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanWorkbookErrors {
    pub file: String,
    pub problems: Vec<PlanCell>,
}

impl PlanWorkbookErrors {
    /// `file: 事项!C12: message [path]`, one per line.
    pub fn render(&self, lang: Lang) -> String {
        let mut s = String::new();
        for p in &self.problems {
            let at = match (&p.located.path, &p.located.entry) {
                (Some(path), Some(e)) => format!(" [{path}, {e}]"),
                (Some(path), None) => format!(" [{path}]"),
                _ => String::new(),
            };
            let place = match (p.sheet.is_empty(), p.cell.is_empty()) {
                (true, _) => String::new(),
                (false, true) => format!("{}: ", p.sheet),
                (false, false) => format!("{}!{}: ", p.sheet, p.cell),
            };
            s.push_str(&format!(
                "{}: {place}{}{at}\n",
                self.file,
                p.located.kind.message(lang)
            ));
        }
        s
    }
}

impl std::fmt::Display for PlanWorkbookErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for PlanWorkbookErrors {}

/// A plan file being built from cells, remembering the cell of each line.
struct Builder {
    text: String,
    cells: Vec<(String, String)>,
}

impl Builder {
    fn line(&mut self, s: &str, sheet: &str, cell: String) {
        self.text.push_str(s);
        self.text.push('\n');
        self.cells.push((sheet.to_string(), cell));
    }
}

/// One line of the plan table: field, TOML value, and the cell it came from.
type PlanLine = (String, String, String);

/// A cell as a TOML value for `key`, or `None` when empty.
fn toml_value(sheet: &super::Sheet, d: &Data, key: &str) -> Option<String> {
    let last = key.rsplit('.').next().unwrap_or(key);
    let text = super::text(d);
    if text.trim().is_empty() {
        return None;
    }
    let date_key = DATES.contains(&key) || DATES.contains(&last);
    Some(match d {
        // A date pasted as its serial number (the cell lost its date format).
        Data::Float(f) if date_key => sheet
            .serial_date(*f)
            .map_or(number_text(*f), |d| d.to_string()),
        Data::Int(i) if date_key => sheet
            .serial_date(*i as f64)
            .map_or(i.to_string(), |d| d.to_string()),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::DateTime(_) => text,
        _ if CODE_LISTS.contains(&last) => {
            let codes: Vec<String> = text
                .split([',', '，', '、', ';', '；', ' ', '\n'])
                .filter(|s| !s.trim().is_empty())
                .map(|s| Value::String(s.trim().to_string()).to_string())
                .collect();
            format!("[{}]", codes.join(", "))
        }
        _ if date_key => {
            let t = text.trim();
            if t.parse::<chrono::NaiveDate>().is_ok() {
                t.to_string()
            } else {
                Value::String(text).to_string()
            }
        }
        // Lists of points and tables are written in the plan file's own notation.
        _ if STRUCTURED.contains(&last) => text.replace(['\n', '\r'], " "),
        _ => Value::String(text).to_string(),
    })
}

/// Reads a plan workbook: the same document the plan file would give, or every problem at its
/// sheet and cell.
pub fn read_plan_xlsx(file: &str, bytes: Vec<u8>) -> Result<PlanDocument, PlanWorkbookErrors> {
    let fail_at = |sheet: &str, cell: &str, message: String| PlanWorkbookErrors {
        file: file.to_string(),
        problems: vec![PlanCell {
            sheet: sheet.to_string(),
            cell: cell.to_string(),
            located: Located {
                line: 0,
                column: 0,
                path: None,
                entry: None,
                class: "syntax",
                kind: tuijin_core::validate::ProblemKind::Syntax {
                    message: message.clone(),
                },
                message,
            },
        }],
    };
    let fail = |sheet: &str, message: String| fail_at(sheet, "", message);
    // A problem of the file or of a cell, at its place (the file itself when it is the file's).
    let at = |p: super::CellProblem| {
        let sheet = if p.sheet == file {
            ""
        } else {
            p.sheet.as_str()
        };
        fail_at(sheet, &p.cell, p.problem.message(Lang::En))
    };
    let mut book = Book::open(bytes, file).map_err(at)?;
    let mut b = Builder {
        text: String::new(),
        cells: Vec::new(),
    };
    let plan = book
        .sheet(PLAN_SHEET, tuijin_core::problem::Rule::NotATemplate)
        .map_err(|p| {
            if p.problem.rule == tuijin_core::problem::Rule::NotATemplate {
                fail(PLAN_SHEET, format!("the sheet `{PLAN_SHEET}` is missing"))
            } else {
                at(p)
            }
        })?;
    let mut tables: Vec<(String, Vec<PlanLine>)> = vec![(String::new(), Vec::new())];
    for row in 1..plan.rows() {
        let key = plan.text(row, 0).trim().to_string();
        let Some(v) = toml_value(&plan, plan.get(row, 1), &key) else {
            continue;
        };
        let (table, field) = match key.split_once('.') {
            Some((t, f)) => (t.to_string(), f.to_string()),
            None => (String::new(), key.clone()),
        };
        let at = cell_name(row, 1);
        match tables.iter_mut().find(|(t, _)| *t == table) {
            Some((_, lines)) => lines.push((field, v, at)),
            None => tables.push((table, vec![(field, v, at)])),
        }
    }
    for (table, lines) in &tables {
        let header = if table.is_empty() {
            "[plan]".to_string()
        } else {
            format!("[plan.{table}]")
        };
        b.line(&header, PLAN_SHEET, String::new());
        for (field, v, at) in lines {
            b.line(&format!("{field} = {v}"), PLAN_SHEET, at.clone());
        }
    }
    // The workbook is written with every sheet, empty ones included: a sheet renamed or deleted
    // is refused, never read as "no items" (which an import would take as archiving them all).
    let mut missing = Vec::new();
    for (_, name) in SHEETS {
        if !book.names().iter().any(|n| n == name) {
            missing.push(*name);
        }
    }
    if let Some(name) = missing.first() {
        return Err(fail(name, format!("the sheet `{name}` is missing")));
    }
    for (section, name) in SHEETS {
        let sheet = book
            .sheet(name, tuijin_core::problem::Rule::NotATemplate)
            .map_err(at)?;
        let cols: Vec<String> = (0..sheet.cols())
            .map(|c| sheet.text(0, c).trim().to_string())
            .collect();
        for row in 1..sheet.rows() {
            if sheet.is_empty_row(row, 0..sheet.cols()) {
                continue;
            }
            b.line(&format!("[[{section}]]"), name, cell_name(row, 0));
            let mut split: HashMap<String, (Vec<String>, String)> = HashMap::new();
            let mut order = Vec::new();
            for (c, key) in cols.iter().enumerate() {
                let Some(v) = toml_value(&sheet, sheet.get(row, c as u16), key) else {
                    continue;
                };
                let at = cell_name(row, c as u16);
                match key.split_once('.') {
                    Some((t, f)) => {
                        let e = split.entry(t.to_string()).or_insert_with(|| {
                            order.push(t.to_string());
                            (Vec::new(), at.clone())
                        });
                        e.0.push(format!("{f} = {v}"));
                    }
                    None => b.line(&format!("{key} = {v}"), name, at),
                }
            }
            for t in order {
                let (parts, at) = &split[&t];
                b.line(
                    &format!("{t} = {{ {} }}", parts.join(", ")),
                    name,
                    at.clone(),
                );
            }
        }
    }
    read_plan(file, &b.text).map_err(|e: PlanFileErrors| PlanWorkbookErrors {
        file: file.to_string(),
        problems: e
            .problems
            .into_iter()
            .map(|located| {
                let (sheet, cell) = b
                    .cells
                    .get(located.line.saturating_sub(1))
                    .cloned()
                    .unwrap_or_default();
                PlanCell {
                    sheet,
                    cell,
                    located,
                }
            })
            .collect(),
    })
}
