//! A unit's responsibility list (责任清单) as a workbook: every item it leads or co-operates on,
//! with its place in the plan, dates, partners and where it stands. Read-only: the sheet is
//! protected; the report template (`template`) is the file a unit fills in.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::to_excel;

pub const SHEET: &str = "责任清单";

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "序号",
    "事项编码",
    "层级",
    "事项名称",
    "上级事项",
    "本单位职责",
    "牵头单位",
    "配合单位",
    "开始日期",
    "完成时限",
    "当前进度（%）",
    "状态",
    "本期须报送",
];

/// The list's heading facts and rows.
#[derive(Clone, Debug)]
pub struct Duties {
    pub plan: String,
    pub plan_title: String,
    pub unit: String,
    pub unit_name: String,
    /// The day the list was drawn up.
    pub as_of: chrono::NaiveDate,
    pub rows: Vec<DutyRow>,
}

#[derive(Clone, Debug, Default)]
pub struct DutyRow {
    pub item: String,
    /// The level's label (定位, 重大任务…).
    pub level: String,
    pub title: String,
    pub parent: String,
    /// 牵头 or 配合.
    pub role: String,
    pub lead: String,
    pub co: String,
    pub start: Option<chrono::NaiveDate>,
    pub due: Option<chrono::NaiveDate>,
    pub progress: Option<f64>,
    pub status: String,
    pub reports: bool,
}

pub fn write_duties(d: &Duties) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let wrap = Format::new().set_text_wrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{}责任清单 — {}", d.unit_name, d.plan_title),
        &title,
    )?;
    ws.write_string(
        1,
        0,
        format!("单位 {} · 规划 {} · 截至 {}", d.unit, d.plan, d.as_of),
    )?;
    for (c, name) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *name, &head)?;
    }
    for (c, w) in [6, 12, 10, 40, 12, 10, 10, 20, 11, 11, 10, 10, 10]
        .into_iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, w)?;
    }
    for (n, r) in d.rows.iter().enumerate() {
        let row = n as u32 + 4;
        ws.write_number(row, 0, n as f64 + 1.0)?;
        ws.write_string(row, 1, &r.item)?;
        ws.write_string(row, 2, &r.level)?;
        ws.write_string_with_format(row, 3, &r.title, &wrap)?;
        ws.write_string(row, 4, &r.parent)?;
        ws.write_string(row, 5, &r.role)?;
        ws.write_string(row, 6, &r.lead)?;
        ws.write_string_with_format(row, 7, &r.co, &wrap)?;
        for (col, v) in [(8, r.start), (9, r.due)] {
            if let Some(v) = v {
                ws.write_date_with_format(row, col, to_excel(v), &date)?;
            }
        }
        if let Some(p) = r.progress {
            ws.write_number(row, 10, p)?;
        }
        ws.write_string(row, 11, &r.status)?;
        ws.write_string(row, 12, if r.reports { "是" } else { "" })?;
    }
    ws.set_freeze_panes(4, 2)?;
    if !d.rows.is_empty() {
        ws.autofilter(3, 0, 3 + d.rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    }
    ws.protect();
    wb.save_to_buffer()
}
