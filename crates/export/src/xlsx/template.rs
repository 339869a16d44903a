//! The report template (填报模板) handed down to a unit for one period, and read back.
//!
//! Sheet `填报`: a header row naming the columns, then one row per item the unit must report
//! on, with the last accepted figures beside the cells it fills in. The sheet is protected:
//! only the input columns (percent, narrative, problems, next steps, indicator value) are
//! unlocked; the percent and value cells carry data validation. Sheet `说明`: instructions in
//! Chinese. A hidden sheet `_key` keeps the plan, unit and period and a copy of each row's
//! locked cells, so that a changed item code, title or unit is found on the way back in
//! (`docs/excel.md`).

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use tuijin_core::Percent;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{Figure, FigureValue, Period, ReportContent};

use super::{Book, CellProblem, Number, cell_name, number, to_excel};

/// The sheet a unit fills in.
pub const SHEET: &str = "填报";
/// The instructions.
pub const HELP: &str = "说明";
/// The hidden copy of what the unit must not change.
pub const KEY: &str = "_key";
/// The first cell of the key sheet, naming the kind of workbook.
pub const MARK: &str = "tuijin-report-template/1";

/// The columns of the report sheet, in order: header text, and whether the unit fills it in.
pub const COLUMNS: &[(&str, bool)] = &[
    ("事项编码", false),
    ("事项名称", false),
    ("牵头单位", false),
    ("完成时限", false),
    ("报送截止", false),
    ("上次采纳进度（%）", false),
    ("上次采纳期次", false),
    ("本期状态", false),
    ("本期进度（%）", true),
    ("本期进展情况", true),
    ("存在问题", true),
    ("下步打算", true),
    ("指标编码", false),
    ("指标名称", false),
    ("上次指标值", false),
    ("本期指标值", true),
];

const ITEM: u16 = 0;
const TITLE: u16 = 1;
const UNIT: u16 = 2;
const PERCENT: u16 = 8;
const NARRATIVE: u16 = 9;
const PROBLEMS: u16 = 10;
const NEXT_STEPS: u16 = 11;
const INDICATOR: u16 = 12;
const VALUE: u16 = 15;
/// The columns whose copy is kept in the key sheet and must come back unchanged.
const LOCKED_CHECKED: &[u16] = &[ITEM, TITLE, UNIT, INDICATOR];

/// What the template is for.
#[derive(Clone, Debug)]
pub struct Template {
    pub plan: String,
    pub plan_title: String,
    pub unit: String,
    pub unit_name: String,
    pub period: Period,
    pub rows: Vec<TemplateRow>,
}

/// One item the unit reports on.
#[derive(Clone, Debug, Default)]
pub struct TemplateRow {
    pub item: String,
    pub title: String,
    pub due: Option<chrono::NaiveDate>,
    pub report_due: Option<chrono::NaiveDate>,
    pub last_percent: Option<f64>,
    pub last_period: Option<Period>,
    /// The state of the unit's report for this period, if it has one (in words).
    pub state: String,
    /// The item's figure is not typed in (rolled up, or measured by its indicator): the percent
    /// cell stays locked.
    pub percent_locked: bool,
    /// The indicator whose value the unit reports with the item: code, name with its unit.
    pub indicator: Option<(String, String)>,
    pub last_value: Option<f64>,
    /// What the unit's open draft or returned report says already.
    pub draft: Option<ReportContent>,
}

/// Writes the template workbook.
pub fn write_template(t: &Template) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let locked = Format::new()
        .set_text_wrap()
        .set_background_color("#F2F2F2");
    let locked_date = locked.clone().set_num_format("yyyy-mm-dd");
    let input = Format::new()
        .set_unlocked()
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    {
        let help = wb.add_worksheet();
        help.set_name(HELP)?;
        write_help(help, t)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (c, (name, _)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &head)?;
    }
    for (c, w) in [
        12, 36, 10, 11, 11, 10, 10, 10, 10, 40, 30, 30, 12, 20, 11, 11,
    ]
    .into_iter()
    .enumerate()
    {
        ws.set_column_width(c as u16, w)?;
    }
    for (n, r) in t.rows.iter().enumerate() {
        let row = n as u32 + 1;
        ws.write_string_with_format(row, ITEM, &r.item, &locked)?;
        ws.write_string_with_format(row, TITLE, &r.title, &locked)?;
        ws.write_string_with_format(row, UNIT, &t.unit, &locked)?;
        for (col, d) in [(3, r.due), (4, r.report_due)] {
            match d {
                Some(d) => ws.write_date_with_format(row, col, to_excel(d), &locked_date)?,
                None => ws.write_blank(row, col, &locked)?,
            };
        }
        match r.last_percent {
            Some(p) => ws.write_number_with_format(row, 5, p, &locked)?,
            None => ws.write_blank(row, 5, &locked)?,
        };
        let last = r.last_period.map(|p| p.to_string()).unwrap_or_default();
        ws.write_string_with_format(row, 6, &last, &locked)?;
        ws.write_string_with_format(row, 7, &r.state, &locked)?;
        let d = r.draft.clone().unwrap_or_default();
        let pct = if r.percent_locked { &locked } else { &input };
        match d.percent {
            Some(p) => ws.write_number_with_format(row, PERCENT, p.value(), pct)?,
            None => ws.write_blank(row, PERCENT, pct)?,
        };
        ws.write_string_with_format(row, NARRATIVE, &d.narrative, &input)?;
        ws.write_string_with_format(row, PROBLEMS, &d.problems, &input)?;
        ws.write_string_with_format(row, NEXT_STEPS, &d.next_steps, &input)?;
        let (code, name) = r.indicator.clone().unwrap_or_default();
        ws.write_string_with_format(row, INDICATOR, &code, &locked)?;
        ws.write_string_with_format(row, 13, &name, &locked)?;
        match r.last_value {
            Some(v) => ws.write_number_with_format(row, 14, v, &locked)?,
            None => ws.write_blank(row, 14, &locked)?,
        };
        let value_format = if r.indicator.is_some() {
            &input
        } else {
            &locked
        };
        match d.figures.first() {
            Some(f) => ws.write_number_with_format(row, VALUE, f.value.value(), value_format)?,
            None => ws.write_blank(row, VALUE, value_format)?,
        };
    }
    let last = t.rows.len().max(1) as u32;
    let percent = DataValidation::new()
        .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
        .set_input_title("本期进度（%）")?
        .set_input_message("填写 0 到 100 之间的数；低于上次采纳进度时请在“存在问题”中说明原因。")?
        .set_error_title("进度须在 0 到 100 之间")?
        .set_error_message("请填写 0 到 100 之间的数（可带小数），不要带 % 号。")?;
    ws.add_data_validation(1, PERCENT, last, PERCENT, &percent)?;
    let value = DataValidation::new()
        .allow_decimal_number(DataValidationRule::Between(-1e15, 1e15))
        .set_error_title("指标值须为数字")?
        .set_error_message("请填写数字，单位见“指标名称”。")?;
    ws.add_data_validation(1, VALUE, last, VALUE, &value)?;
    ws.set_freeze_panes(1, 2)?;
    ws.protect();
    ws.set_active(true);

    let key = wb.add_worksheet();
    key.set_name(KEY)?;
    key.write_string(0, 0, MARK)?;
    key.write_string(0, 1, &t.plan)?;
    key.write_string(0, 2, &t.unit)?;
    key.write_string(0, 3, t.period.to_string())?;
    for (n, r) in t.rows.iter().enumerate() {
        let row = n as u32 + 1;
        key.write_string(row, ITEM, &r.item)?;
        key.write_string(row, TITLE, &r.title)?;
        key.write_string(row, UNIT, &t.unit)?;
        let code = r.indicator.as_ref().map(|i| i.0.as_str()).unwrap_or("");
        key.write_string(row, INDICATOR, code)?;
    }
    key.write_string(0, DIGEST, key_digest(t))?;
    key.set_hidden(true);
    key.protect();
    wb.save_to_buffer()
}

/// The column of `_key`'s first row that holds the digest of the key.
const DIGEST: u16 = 4;

/// A digest of what the key sheet holds (the mark, plan, unit and period, and each row's
/// code, title, unit and indicator): a key edited by hand no longer matches it. It catches
/// slips and casual edits, as the sheet's protection does; it is no signature.
fn digest_of(head: [&str; 4], rows: &[[String; 4]]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in head {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    for row in rows {
        for cell in row {
            h.update(cell.as_bytes());
            h.update([0x1f]);
        }
        h.update([0x1e]);
    }
    h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn key_digest(t: &Template) -> String {
    let rows: Vec<[String; 4]> = t
        .rows
        .iter()
        .map(|r| {
            [
                r.item.clone(),
                r.title.clone(),
                t.unit.clone(),
                r.indicator
                    .as_ref()
                    .map(|i| i.0.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    digest_of([MARK, &t.plan, &t.unit, &t.period.to_string()], &rows)
}

fn write_help(ws: &mut Worksheet, t: &Template) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 90)?;
    ws.write_string_with_format(0, 0, "进展填报模板", &title)?;
    let facts = [
        ("规划", format!("{}（{}）", t.plan_title, t.plan)),
        ("填报单位", format!("{}（{}）", t.unit_name, t.unit)),
        ("填报期次", t.period.to_string()),
        ("事项数", t.rows.len().to_string()),
    ];
    for (n, (k, v)) in facts.iter().enumerate() {
        ws.write_string_with_format(n as u32 + 2, 0, *k, &bold)?;
        ws.write_string(n as u32 + 2, 1, v)?;
    }
    let steps = [
        "在“填报”表中逐行填写本单位牵头事项的本期进展：本期进度（%）、本期进展情况、存在问题、下步打算；事项有指标的，填写本期指标值。",
        "灰色单元格（事项编码、名称、牵头单位、时限、上次采纳情况、指标编码等）已锁定，请勿修改；导入时会逐格核对，改动的单元格将被指出。",
        "本期进度填 0 到 100 之间的数，可带小数，不带 % 号。里程碑事项只填 0 或 100。进度低于上次采纳进度时，须在“存在问题”中说明原因。",
        "不报送的事项整行留空即可，导入时跳过。若需为配合事项报送，可在表末新增一行，填写事项编码及各项内容。",
        "提交审核时“本期进展情况”不能为空。本期已提交待审或期次已关闭的事项不能再导入。",
        "填好后在系统“单位工作台”页面上传本文件（可选择存为草稿或直接提交），或由管理员执行：tuijin excel import 文件.xlsx --plan 规划 --unit 单位 [--submit]。",
        "文件中任何一处有误，整份文件都不会导入；系统会列出每个错误所在的表、单元格（如 填报!I7）和修改办法，改正后重新上传即可。",
        "请勿删除、插入或重排列，请勿修改表头；隐藏的“_key”表用于核对，请勿删除。",
    ];
    ws.write_string_with_format(7, 0, "填写说明", &bold)?;
    for (n, s) in steps.iter().enumerate() {
        ws.write_string(n as u32 + 8, 0, format!("{}.", n + 1))?;
        ws.write_string_with_format(n as u32 + 8, 1, *s, &wrap)?;
    }
    let at = steps.len() as u32 + 9;
    ws.write_string_with_format(at, 0, "列", &bold)?;
    ws.write_string_with_format(at, 1, "说明", &bold)?;
    for (n, (name, input)) in COLUMNS.iter().enumerate() {
        ws.write_string(at + 1 + n as u32, 0, *name)?;
        ws.write_string(
            at + 1 + n as u32,
            1,
            if *input {
                "由单位填写"
            } else {
                "锁定，仅供参考"
            },
        )?;
    }
    ws.protect();
    Ok(())
}

/// A filled template, read back: what it is for and each filled row.
#[derive(Clone, Debug)]
pub struct Filled {
    pub plan: String,
    pub unit: String,
    pub period: Period,
    pub rows: Vec<FilledRow>,
    /// What the file shows wrong on its own, each at its cell: with any, nothing may be
    /// written, but the rows are still judged so that every problem is listed at once.
    pub problems: Vec<CellProblem>,
}

#[derive(Clone, Debug)]
pub struct FilledRow {
    /// The row's number in the sheet (1-based, as Excel shows it).
    pub row: u32,
    pub item: String,
    pub content: ReportContent,
}

/// Reads a filled template. A file that is not a template at all (no key sheet, a missing
/// column) is refused outright; the problems of its rows (a changed locked cell, a percent that
/// is not one) are kept in `Filled::problems`, each at its cell, beside the rows read. What only
/// the stored plan can judge (the item, the unit, the period, the report rules) is judged on
/// import, and located with `locate_all`.
pub fn read_template(bytes: Vec<u8>, file: &str) -> Result<Filled, Vec<CellProblem>> {
    let mut book = Book::open(bytes, file).map_err(|p| vec![p])?;
    let key = book.sheet(KEY, Rule::NotATemplate).map_err(|p| vec![p])?;
    if key.text(0, 0) != MARK {
        return Err(vec![CellProblem::new(
            KEY,
            "A1",
            Problem::new("", Rule::KeyChanged).with("sheet", KEY),
        )]);
    }
    let sheet = book.sheet(SHEET, Rule::NotATemplate).map_err(|p| vec![p])?;
    let mut out = Vec::new();
    for (c, (name, _)) in COLUMNS.iter().enumerate() {
        if sheet.text(0, c as u16).trim() != *name {
            out.push(CellProblem::new(
                SHEET,
                cell_name(0, c as u16),
                Problem::new("", Rule::MissingColumn).with("column", name),
            ));
        }
    }
    let rows: Vec<[String; 4]> = (1..key.rows())
        .map(|r| [ITEM, TITLE, UNIT, INDICATOR].map(|c| key.text(r, c)))
        .collect();
    let (a, b, c, d) = (
        key.text(0, 0),
        key.text(0, 1),
        key.text(0, 2),
        key.text(0, 3),
    );
    if key.text(0, DIGEST) != digest_of([&a, &b, &c, &d], &rows) {
        return Err(vec![CellProblem::new(
            KEY,
            "",
            Problem::new("", Rule::KeyChanged).with("sheet", KEY),
        )]);
    }
    let period = match Period::parse(key.text(0, 3).trim()) {
        Ok(p) => p,
        Err(_) => {
            out.push(CellProblem::new(
                KEY,
                "D1",
                Problem::new("", Rule::KeyChanged).with("sheet", KEY),
            ));
            return Err(out);
        }
    };
    if !out.is_empty() {
        return Err(out);
    }
    let unit = key.text(0, 2);
    let keyed = key.rows();
    // A row deleted, inserted or sorted shifts every row below it: said once, at the first
    // row that holds another row's item, rather than as every locked cell of every row after.
    let handed: std::collections::HashSet<String> = (1..keyed).map(|r| key.text(r, ITEM)).collect();
    // (A row left with no code where the key has one was deleted, the last row included.)
    if let Some(row) = (1..keyed).find(|&r| {
        let found = sheet.text(r, ITEM);
        let found = found.trim();
        found != key.text(r, ITEM).trim()
            && (handed.contains(found) || sheet.is_empty_row(r, 0..sheet.cols().max(1)))
    }) {
        let found = sheet.text(row, ITEM);
        return Err(vec![CellProblem::new(
            SHEET,
            cell_name(row, ITEM),
            Problem::new("", Rule::RowsMoved)
                .with("expected", key.text(row, ITEM))
                .with(
                    "found",
                    if found.trim().is_empty() {
                        "—"
                    } else {
                        found.trim()
                    },
                ),
        )]);
    }
    let mut rows = Vec::new();
    for row in 1..sheet.rows().max(keyed) {
        // The locked cells come back as they went out.
        if row < keyed {
            for &c in LOCKED_CHECKED {
                let expected = key.text(row, c);
                if sheet.text(row, c) != expected {
                    out.push(CellProblem::new(
                        SHEET,
                        cell_name(row, c),
                        Problem::new("", Rule::CellLocked).with("expected", &expected),
                    ));
                }
            }
        }
        let inputs = [PERCENT, NARRATIVE, PROBLEMS, NEXT_STEPS, VALUE];
        if inputs.iter().all(|&c| sheet.text(row, c).trim().is_empty()) {
            continue;
        }
        let item = sheet.text(row, ITEM).trim().to_string();
        if item.is_empty() {
            out.push(CellProblem::new(
                SHEET,
                cell_name(row, ITEM),
                Problem::new("item", Rule::Required),
            ));
            continue;
        }
        // A changed item code is reported once, as a changed cell.
        let item = if row < keyed && item != key.text(row, ITEM) {
            key.text(row, ITEM)
        } else {
            item
        };
        let row_unit = sheet.text(row, UNIT).trim().to_string();
        if row >= keyed && !row_unit.is_empty() && row_unit != unit {
            out.push(CellProblem::new(
                SHEET,
                cell_name(row, UNIT),
                Problem::new("unit", Rule::TemplateMismatch)
                    .with("what", "@excel.what.unit")
                    .with("template", &unit)
                    .with("asked", &row_unit),
            ));
        }
        let percent = match number(sheet.get(row, PERCENT)) {
            Number::Empty => None,
            Number::Value(v) => match Percent::new(v) {
                Ok(p) => Some(p),
                Err(_) => {
                    out.push(CellProblem::new(
                        SHEET,
                        cell_name(row, PERCENT),
                        Problem::new("percent", Rule::PercentRange),
                    ));
                    None
                }
            },
            Number::Unreadable => {
                out.push(CellProblem::new(
                    SHEET,
                    cell_name(row, PERCENT),
                    Problem::new("percent", Rule::PercentRange),
                ));
                None
            }
        };
        let mut figures = Vec::new();
        match number(sheet.get(row, VALUE)) {
            Number::Empty => {}
            Number::Unreadable => out.push(CellProblem::new(
                SHEET,
                cell_name(row, VALUE),
                Problem::new("figures[0].value", Rule::NotANumber),
            )),
            Number::Value(v) => {
                let code = sheet.text(row, INDICATOR).trim().to_string();
                match (tuijin_core::Code::parse(&code), FigureValue::new(v)) {
                    (Ok(indicator), Ok(value)) => figures.push(Figure { indicator, value }),
                    _ => out.push(CellProblem::new(
                        SHEET,
                        cell_name(row, INDICATOR),
                        Problem::new("figures[0].indicator", Rule::FigureUnknownIndicator)
                            .with("indicator", &code),
                    )),
                }
            }
        }
        rows.push(FilledRow {
            row: row + 1,
            item,
            content: ReportContent {
                percent,
                narrative: sheet.text(row, NARRATIVE),
                problems: sheet.text(row, PROBLEMS),
                next_steps: sheet.text(row, NEXT_STEPS),
                figures,
            },
        });
    }
    if rows.is_empty() && out.is_empty() {
        return Err(vec![CellProblem::new(
            SHEET,
            "",
            Problem::new("", Rule::NothingFilled),
        )]);
    }
    Ok(Filled {
        plan: key.text(0, 1),
        unit,
        period,
        rows,
        problems: out,
    })
}

/// The cell of a filled row that a report rule's problem is about (`percent` → the percent
/// cell; `figures[0].value` → the value; the item, unit, period or state → the item code).
pub fn locate(row: &FilledRow, p: Problem) -> CellProblem {
    let col = match p.field.as_str() {
        "percent" => PERCENT,
        "narrative" => NARRATIVE,
        "problems" => PROBLEMS,
        "next_steps" => NEXT_STEPS,
        f if f.starts_with("figures[") && f.ends_with(".value") => VALUE,
        f if f.starts_with("figures[") => INDICATOR,
        _ => ITEM,
    };
    CellProblem::new(SHEET, cell_name(row.row - 1, col), p)
}

/// Places the problems of a batch (fields `rows[n].…`, as the store answers) at their cells.
pub fn locate_all(filled: &Filled, problems: Vec<Problem>) -> Vec<CellProblem> {
    problems
        .into_iter()
        .map(|mut p| {
            let Some(rest) = p.field.strip_prefix("rows[") else {
                return CellProblem::new(SHEET, "", p);
            };
            let (n, field) = rest.split_once(']').unwrap_or((rest, ""));
            let field = field.trim_start_matches('.').to_string();
            match n.parse::<usize>().ok().and_then(|n| filled.rows.get(n)) {
                Some(row) => {
                    p.field = field;
                    locate(row, p)
                }
                None => CellProblem::new(SHEET, "", p),
            }
        })
        .collect()
}
