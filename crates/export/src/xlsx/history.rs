//! Past reports in bulk (历史填报), from a workbook's first sheet or a CSV file (UTF-8, with or
//! without a byte-order mark): one row per report — item, unit, period, percent, words, and
//! optionally the days it was submitted and accepted (by default the period's last day, so the
//! report is part of the history from the end of its period). Columns are found by their
//! header, in English or Chinese (`docs/excel.md`). Every problem is located at file:line or
//! sheet!cell; what only the plan can judge is placed with `History::locate`.

use chrono::NaiveDate;
use tuijin_core::Code;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{Figure, FigureValue, Period};
use tuijin_core::sample::HistoricReport;

use super::{Book, CellProblem, Number, cell_name};

/// The columns: the field, the header names it is known by, and whether it must be there.
pub const COLUMNS: &[(&str, &[&str], bool)] = &[
    ("item", &["item", "事项编码"], true),
    ("unit", &["unit", "单位编码", "填报单位"], true),
    ("period", &["period", "期次"], true),
    ("percent", &["percent", "进度", "本期进度（%）"], true),
    (
        "narrative",
        &["narrative", "进展情况", "本期进展情况"],
        false,
    ),
    ("problems", &["problems", "存在问题"], false),
    ("next_steps", &["next_steps", "下步打算"], false),
    ("submitted_on", &["submitted_on", "报送日期"], false),
    ("accepted_on", &["accepted_on", "采纳日期"], false),
    ("indicator", &["indicator", "指标编码"], false),
    ("value", &["value", "指标值", "本期指标值"], false),
];

/// Where a record came from: a CSV line, or a sheet's row.
#[derive(Clone, Debug)]
enum Place {
    Line(usize),
    Row(u32),
}

/// Past reports read from a file, each with its place.
#[derive(Clone, Debug)]
pub struct History {
    file: String,
    /// The sheet name for a workbook; `None` for CSV.
    sheet: Option<String>,
    /// The 0-based column of each field, in `COLUMNS` order.
    cols: Vec<Option<u16>>,
    places: Vec<Place>,
    /// The record each report came from (an index into `places`).
    index: Vec<usize>,
    pub reports: Vec<HistoricReport>,
    /// What the file shows wrong on its own, each at its line or cell; the records without
    /// problems are in `reports`, to be judged against the plan too.
    pub problems: Vec<CellProblem>,
}

impl History {
    fn at(&self, place: &Place, field: &str) -> (String, String) {
        let col = COLUMNS
            .iter()
            .position(|(f, _, _)| *f == field)
            .and_then(|i| self.cols[i]);
        match (place, &self.sheet) {
            (Place::Row(r), Some(sheet)) => (
                sheet.clone(),
                col.map(|c| cell_name(*r, c))
                    .unwrap_or_else(|| (r + 1).to_string()),
            ),
            (Place::Line(l), _) => (
                self.file.clone(),
                match col {
                    Some(c) => format!("{l}:{}", c + 1),
                    None => l.to_string(),
                },
            ),
            (Place::Row(r), None) => (self.file.clone(), (r + 1).to_string()),
        }
    }

    /// Places problems about the reports (fields `reports[n].…`, `n` an index into `reports`)
    /// at their cells or lines.
    pub fn locate(&self, problems: Vec<Problem>) -> Vec<CellProblem> {
        let problems = problems
            .into_iter()
            .map(|mut p| {
                let moved = p.field.strip_prefix("reports[").and_then(|rest| {
                    let (n, f) = rest.split_once(']')?;
                    let record = *self.index.get(n.parse::<usize>().ok()?)?;
                    Some(format!("reports[{record}]{f}"))
                });
                if let Some(f) = moved {
                    p.field = f;
                }
                p
            })
            .collect();
        self.locate_records(problems)
    }

    /// Places problems about records (fields `reports[n].…`, `n` an index into the file's
    /// records).
    fn locate_records(&self, problems: Vec<Problem>) -> Vec<CellProblem> {
        problems
            .into_iter()
            .map(|mut p| {
                let parsed = p.field.strip_prefix("reports[").and_then(|rest| {
                    let (n, f) = rest.split_once(']')?;
                    Some((
                        n.parse::<usize>().ok()?,
                        f.trim_start_matches('.').to_string(),
                    ))
                });
                // A row carries one figure: its indicator and value have a column each.
                let parsed = parsed.map(|(n, f)| {
                    let f = match f.split_once("].") {
                        Some((head, part)) if head.starts_with("figures[") => part.to_string(),
                        _ => f,
                    };
                    (n, f)
                });
                match parsed.and_then(|(n, f)| self.places.get(n).map(|pl| (pl.clone(), f))) {
                    Some((place, field)) => {
                        let (sheet, cell) = self.at(&place, &field);
                        p.field = field;
                        CellProblem::new(&sheet, cell, p)
                    }
                    None => CellProblem::new(&self.file, "", p),
                }
            })
            .collect()
    }
}

/// One record's cells, as text, in `COLUMNS` order.
type Cells = Vec<String>;

/// Reads a CSV or XLSX file of past reports (by its name's ending).
pub fn read_history(
    file: &str,
    bytes: Vec<u8>,
    today: NaiveDate,
) -> Result<History, Vec<CellProblem>> {
    // By what the file is, not what it is called: a workbook renamed .csv is a workbook.
    match super::file_kind(&bytes) {
        super::FileKind::Workbook => read_xlsx(file, bytes, today),
        super::FileKind::OldExcel => Err(vec![super::old_excel(file)]),
        super::FileKind::Text if file.to_ascii_lowercase().ends_with(".xlsx") => {
            read_xlsx(file, bytes, today)
        }
        super::FileKind::Text => read_csv(file, &bytes, today),
    }
}

fn header_cols(names: &[String]) -> (Vec<Option<u16>>, Vec<&'static str>) {
    let mut cols = Vec::new();
    let mut missing = Vec::new();
    for (field, known, required) in COLUMNS {
        let at = names
            .iter()
            .position(|n| known.iter().any(|k| n.trim().eq_ignore_ascii_case(k)))
            .map(|i| i as u16);
        if at.is_none() && *required {
            missing.push(*field);
        }
        cols.push(at);
    }
    (cols, missing)
}

fn read_csv(file: &str, bytes: &[u8], today: NaiveDate) -> Result<History, Vec<CellProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    // A record's line, counted from its first byte (the reader's own count is one short
    // after a CRLF line end, which is how Excel on Windows saves CSV).
    let line_at = |p: Option<&csv::Position>| {
        p.map(|p| {
            // (After a CRLF the reader may place a record at the LF before it.)
            let mut end = (p.byte() as usize).min(bytes.len());
            while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
                end += 1;
            }
            1 + bytes[..end].iter().filter(|&&b| b == b'\n').count()
        })
        .unwrap_or(0)
    };
    let mut records = Vec::new();
    for r in rdr.records() {
        match r {
            Ok(r) => {
                let line = line_at(r.position());
                records.push((line, r.iter().map(str::to_string).collect::<Vec<_>>()));
            }
            Err(e) => {
                let line = line_at(e.position());
                return Err(vec![CellProblem::new(
                    file,
                    line.to_string(),
                    Problem::new("", Rule::FileSyntax)
                        .with("line", line)
                        .with("column", 1)
                        .with("message", e),
                )]);
            }
        }
    }
    let Some((_, head)) = records.first() else {
        return Err(vec![CellProblem::new(
            file,
            "",
            Problem::new("", Rule::FileEmpty).with("name", file),
        )]);
    };
    let (cols, missing) = header_cols(head);
    let mut h = History {
        file: file.to_string(),
        sheet: None,
        cols,
        places: Vec::new(),
        index: Vec::new(),
        reports: Vec::new(),
        problems: Vec::new(),
    };
    if !missing.is_empty() {
        return Err(missing
            .iter()
            .map(|m| {
                CellProblem::new(
                    file,
                    "1",
                    Problem::new("", Rule::MissingColumn).with("column", m),
                )
            })
            .collect());
    }
    let rows: Vec<(Place, Cells)> = records
        .into_iter()
        .skip(1)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(line, r)| {
            let cells = h
                .cols
                .iter()
                .map(|c| {
                    c.and_then(|c| r.get(c as usize))
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            (Place::Line(line), cells)
        })
        .collect();
    fill(&mut h, rows, today)?;
    Ok(h)
}

fn read_xlsx(file: &str, bytes: Vec<u8>, today: NaiveDate) -> Result<History, Vec<CellProblem>> {
    let mut book = Book::open(bytes, file).map_err(|p| vec![p])?;
    let name = book.names().into_iter().next().unwrap_or_default();
    let sheet = book.sheet(&name, Rule::NotAWorkbook).map_err(|p| vec![p])?;
    let head: Vec<String> = (0..sheet.cols()).map(|c| sheet.text(0, c)).collect();
    let (cols, missing) = header_cols(&head);
    if !missing.is_empty() {
        return Err(missing
            .iter()
            .map(|m| {
                CellProblem::new(
                    &name,
                    "1",
                    Problem::new("", Rule::MissingColumn).with("column", m),
                )
            })
            .collect());
    }
    let mut h = History {
        file: file.to_string(),
        sheet: Some(name),
        cols,
        places: Vec::new(),
        index: Vec::new(),
        reports: Vec::new(),
        problems: Vec::new(),
    };
    let mut rows = Vec::new();
    for r in 1..sheet.rows() {
        if sheet.is_empty_row(r, 0..sheet.cols()) {
            continue;
        }
        let cells: Cells = h
            .cols
            .iter()
            .zip(COLUMNS)
            .map(|(c, (field, _, _))| match c {
                Some(c) => cell_text(&sheet, sheet.get(r, *c), field),
                None => String::new(),
            })
            .collect();
        rows.push((Place::Row(r), cells));
    }
    fill(&mut h, rows, today)?;
    Ok(h)
}

/// A workbook cell as the text a CSV file would hold. Excel turns what a person types into
/// dates: `2020-06` in the period column becomes 1 June 2020, read back as the month; a date
/// column whose format was lost holds the day's serial number, read back as the day.
fn cell_text(sheet: &super::Sheet, d: &calamine::Data, field: &str) -> String {
    use calamine::Data;
    let day = match d {
        Data::DateTime(dt) => super::excel_date(dt.as_f64()),
        Data::Float(f) if field.ends_with("_on") && *f >= 1.0 => sheet.serial_date(*f),
        Data::Int(i) if field.ends_with("_on") && *i >= 1 => sheet.serial_date(*i as f64),
        _ => None,
    };
    match day {
        Some(d) if field == "period" && chrono::Datelike::day(&d) == 1 => {
            d.format("%Y-%m").to_string()
        }
        Some(d) => d.to_string(),
        None => super::text(d),
    }
}

/// Parses each record's cells; every problem at once.
fn fill(
    h: &mut History,
    rows: Vec<(Place, Cells)>,
    today: NaiveDate,
) -> Result<(), Vec<CellProblem>> {
    let mut problems = Vec::new();
    for (place, cells) in rows {
        let n = h.places.len();
        h.places.push(place);
        let bad = |field: &str, rule: Rule| Problem::new(format!("reports[{n}].{field}"), rule);
        let code = |s: &str, field: &str, problems: &mut Vec<Problem>| match Code::parse(s.trim()) {
            Ok(c) => Some(c),
            Err(_) => {
                problems.push(if s.trim().is_empty() {
                    Problem::new(format!("reports[{n}].{field}"), Rule::Required)
                } else {
                    Problem::new(format!("reports[{n}].{field}"), Rule::CodeFormat)
                });
                None
            }
        };
        let item = code(&cells[0], "item", &mut problems);
        let unit = code(&cells[1], "unit", &mut problems);
        let period = Period::parse(cells[2].trim())
            .map_err(|_| problems.push(bad("period", Rule::PeriodFormat)))
            .ok();
        // A percent, or none: a report on a parent or on an item measured by its indicator
        // says what was done (or gives the figure) without one — but a row says something.
        let percent = match number(&cells[3]) {
            Number::Value(v) if (0.0..=100.0).contains(&v) => Some(Some(v)),
            Number::Empty if cells[4].trim().is_empty() && cells[9].trim().is_empty() => {
                problems.push(bad("percent", Rule::Required));
                None
            }
            Number::Empty => Some(None),
            _ => {
                problems.push(bad("percent", Rule::PercentRange));
                None
            }
        };
        let day = |i: usize, field: &str, problems: &mut Vec<Problem>| -> Option<NaiveDate> {
            let s = cells[i].trim();
            if s.is_empty() {
                return period.map(|p| p.last_day().min(today));
            }
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    problems.push(
                        bad(field, Rule::DateAfterToday)
                            .with("date", d)
                            .with("today", today),
                    );
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    problems.push(bad(field, Rule::DateFormat));
                    None
                }
            }
        };
        let accepted = day(8, "accepted_on", &mut problems);
        // Submitted by default on the period's last day, or on the day of acceptance if that
        // came first: only a date typed in can be out of order.
        let submitted = match (
            cells[7].trim().is_empty(),
            day(7, "submitted_on", &mut problems),
        ) {
            (true, Some(d)) => Some(accepted.map_or(d, |a| d.min(a))),
            (_, d) => d,
        };
        if let (Some(s), Some(a)) = (submitted, accepted)
            && a < s
        {
            problems.push(
                bad("accepted_on", Rule::FromAfterTo)
                    .with("from", s)
                    .with("to", a),
            );
        }
        for (i, field) in [(4, "narrative"), (5, "problems"), (6, "next_steps")] {
            let mut ps = tuijin_core::problem::Problems::default();
            tuijin_core::problem::check_text(field, &cells[i], &mut ps);
            problems.extend(ps.0.into_iter().map(|mut p| {
                p.field = format!("reports[{n}].{}", p.field);
                p
            }));
        }
        // One indicator figure per row, as in the template: the indicator's code and value.
        let figure = match (cells[9].trim(), number(&cells[10])) {
            ("", Number::Empty) => Ok(None),
            (_, Number::Empty) => {
                problems.push(bad("value", Rule::Required));
                Err(())
            }
            (_, Number::Unreadable) => {
                problems.push(bad("value", Rule::NotANumber));
                Err(())
            }
            (indicator, Number::Value(v)) => {
                let indicator = code(indicator, "indicator", &mut problems);
                match FigureValue::new(v) {
                    Ok(value) => indicator
                        .map(|indicator| Some(Figure { indicator, value }))
                        .ok_or(()),
                    Err(_) => {
                        problems.push(bad("value", Rule::NotANumber));
                        Err(())
                    }
                }
            }
        };
        if let (Some(item), Some(unit), Some(period), Some(percent), Some(s), Some(a), Ok(figure)) =
            (item, unit, period, percent, submitted, accepted, figure)
        {
            h.index.push(n);
            h.reports.push(HistoricReport {
                item,
                unit,
                period,
                percent,
                narrative: cells[4].clone(),
                problems: cells[5].clone(),
                next_steps: cells[6].clone(),
                submitted_on: s,
                accepted_on: a,
                figures: figure.into_iter().collect(),
            });
        }
    }
    if h.places.is_empty() {
        let file = h.file.clone();
        return Err(vec![CellProblem::new(
            &file,
            "",
            Problem::new("", Rule::NothingFilled),
        )]);
    }
    h.problems = h.locate_records(problems);
    Ok(())
}

fn number(s: &str) -> Number {
    super::number(&calamine::Data::String(s.to_string()))
}
