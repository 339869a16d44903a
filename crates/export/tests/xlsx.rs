//! Excel workbooks: the plan workbook round trips (plan → xlsx → plan and xlsx → plan → xlsx
//! give the same), the report template reads back what a unit filled in and refuses each kind
//! of broken file at its cell, and past reports read from CSV and XLSX with every problem
//! located. (The Python test in `.ci/excel_roundtrip.py` opens the same files with openpyxl.)

use calamine::Data;
use rust_xlsxwriter::Workbook;
use tuijin_core::problem::Rule;
use tuijin_core::report::Period;
use tuijin_export::xlsx::plan::{read_plan_xlsx, write_plan_xlsx};
use tuijin_export::xlsx::template::{
    Filled, SHEET, Template, TemplateRow, locate_all, read_template, write_template,
};

const SEED: &str = include_str!("../../../plans/zhengzhou-ncc-2017.toml");

fn seed() -> tuijin_core::PlanDocument {
    tuijin_export::read_plan("seed.toml", SEED).expect("the seed plan reads")
}

/// Every sheet's cells, as calamine reads them.
use tuijin_export::xlsx::testing::{rewrite, sheets as cells};

#[test]
fn the_plan_workbook_round_trips_exactly() {
    let doc = seed();
    let t = std::time::Instant::now();
    let xlsx = write_plan_xlsx(&doc).unwrap();
    let written = t.elapsed();
    let t = std::time::Instant::now();
    let back = read_plan_xlsx("seed.xlsx", xlsx.clone()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "seed plan: xlsx written in {:?}, read in {:?} ({} bytes)",
        written,
        t.elapsed(),
        xlsx.len()
    );
    assert_eq!(back, doc, "plan → xlsx → plan");
    assert_eq!(
        tuijin_export::write_plan(&back),
        tuijin_export::write_plan(&doc),
        "the plan file is the same text"
    );
    let again = write_plan_xlsx(&back).unwrap();
    assert_eq!(cells(&again), cells(&xlsx), "xlsx → plan → xlsx");
    let sheets: Vec<String> = cells(&xlsx).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        sheets,
        ["计划", "阶段", "层级", "单位", "人员", "指标", "事项"]
    );
}

#[test]
fn a_broken_plan_workbook_is_refused_at_its_cells() {
    let doc = seed();
    let xlsx = write_plan_xlsx(&doc).unwrap();
    // Rewrite the items sheet by hand: a parent that does not exist, and a bad date.
    let broken = rewrite(&xlsx, &|name, rows| {
        if name == "事项" {
            let column = |h: &str| {
                rows[0]
                    .iter()
                    .position(|c| c == &Data::String(h.into()))
                    .unwrap()
            };
            let (parent, due) = (column("parent"), column("due"));
            rows[9][parent] = Data::String("NO-SUCH".into());
            rows[11][due] = Data::String("2020-13-45".into());
        }
    });
    let e = read_plan_xlsx("broken.xlsx", broken).unwrap_err();
    let text = e.render(tuijin_core::text::Lang::En);
    assert!(text.contains("事项!C10"), "{text}");
    assert!(text.contains("事项!"), "{text}");
    assert!(e.problems.len() >= 2, "{text}");
}

fn template() -> Template {
    Template {
        plan: "zz-ncc-2017".into(),
        plan_title: "郑州建设国家中心城市".into(),
        unit: "JTW".into(),
        unit_name: "市交通运输局".into(),
        period: Period::parse("2020-06").unwrap(),
        rows: vec![
            TemplateRow {
                item: "T1.1".into(),
                title: "航空枢纽".into(),
                last_percent: Some(40.0),
                last_period: Some(Period::parse("2020-05").unwrap()),
                ..Default::default()
            },
            TemplateRow {
                item: "T1.2".into(),
                title: "铁路枢纽".into(),
                indicator: Some(("metro_km".into(), "地铁运营里程（km）".into())),
                ..Default::default()
            },
        ],
    }
}

/// Writes `edits` (row, col, value) over a template's report sheet, keeping the other sheets.
fn edited(bytes: &[u8], edits: &[(u32, u16, Data)]) -> Vec<u8> {
    tuijin_export::xlsx::testing::set_cells(bytes, SHEET, edits)
}

#[test]
fn a_filled_template_reads_back_what_the_unit_wrote() {
    let bytes = write_template(&template()).unwrap();
    let filled = edited(
        &bytes,
        &[
            (1, 8, Data::Float(55.5)),
            (1, 9, Data::String("完成航站楼主体".into())),
            (2, 8, Data::String("60%".into())),
            (2, 9, Data::String("新开一条线".into())),
            (2, 15, Data::Float(151.0)),
        ],
    );
    let f: Filled = read_template(filled, "t.xlsx").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((f.plan.as_str(), f.unit.as_str()), ("zz-ncc-2017", "JTW"));
    assert_eq!(f.period.to_string(), "2020-06");
    assert_eq!(f.rows.len(), 2);
    assert_eq!(f.rows[0].row, 2);
    assert_eq!(f.rows[0].content.percent.unwrap().value(), 55.5);
    assert_eq!(f.rows[1].content.percent.unwrap().value(), 60.0);
    assert_eq!(f.rows[1].content.figures[0].indicator.as_str(), "metro_km");
    assert_eq!(f.rows[1].content.figures[0].value.value(), 151.0);
    // A rule's problem on a row lands on its cell.
    let at = locate_all(
        &f,
        vec![tuijin_core::problem::Problem::new(
            "rows[1].problems",
            Rule::FallNeedsReason,
        )],
    );
    assert_eq!(at[0].at(), "填报!K3");
}

#[test]
fn a_broken_template_is_refused_with_every_error_at_its_cell() {
    let bytes = write_template(&template()).unwrap();
    let broken = edited(
        &bytes,
        &[
            (1, 8, Data::Float(120.0)),
            (1, 1, Data::String("改过的名称".into())),
            (2, 8, Data::String("大约一半".into())),
            (2, 0, Data::String("T9.9".into())),
            (3, 0, Data::String("X1".into())),
            (3, 2, Data::String("FGW".into())),
            (3, 9, Data::String("另一单位的事项".into())),
        ],
    );
    let e = read_template(broken, "t.xlsx").unwrap().problems;
    let found: Vec<(String, Rule)> = e.iter().map(|p| (p.at(), p.problem.rule)).collect();
    for want in [
        ("填报!I2", Rule::PercentRange),
        ("填报!B2", Rule::CellLocked),
        ("填报!I3", Rule::PercentRange),
        ("填报!A3", Rule::CellLocked),
        ("填报!C4", Rule::TemplateMismatch),
    ] {
        assert!(
            found.contains(&(want.0.to_string(), want.1)),
            "{want:?} in {found:?}"
        );
    }
    let msg = e[0].render(tuijin_core::i18n::Lang::Zh);
    assert!(msg.starts_with("填报!"), "{msg}");
}

#[test]
fn a_template_with_nothing_filled_or_not_a_template_is_refused() {
    let bytes = write_template(&template()).unwrap();
    let e = read_template(bytes, "t.xlsx").unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::NothingFilled);
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "x").unwrap();
    let e = read_template(wb.save_to_buffer().unwrap(), "t.xlsx").unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::NotATemplate);
    let e = read_template(b"not a zip".to_vec(), "t.xlsx").unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::NotAWorkbook);
}

#[test]
fn past_reports_read_from_csv_and_xlsx_with_every_problem_located() {
    use tuijin_export::xlsx::history::read_history;
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let csv = "\u{feff}item,unit,period,percent,narrative,problems,next_steps\n\
               T1.1,JTW,2019-12,40,推进,,\n\
               T1.1,JTW,2020-03,55,继续,,\n";
    let h = read_history("past.csv", csv.as_bytes().to_vec(), today).unwrap();
    assert_eq!(h.reports.len(), 2);
    assert_eq!(h.reports[0].accepted_on.to_string(), "2019-12-31");
    let bad = "事项编码,单位编码,期次,进度,采纳日期\n\
               T1.1,JTW,2019-13,40,\n\
               T1.1,JTW,2020-03,140,2021-01-01\n";
    let e = read_history("past.csv", bad.as_bytes().to_vec(), today)
        .unwrap()
        .problems;
    let at: Vec<String> = e.iter().map(|p| p.at()).collect();
    assert_eq!(
        at,
        ["past.csv!2:3", "past.csv!3:4", "past.csv!3:5"],
        "{e:?}"
    );
    let e = read_history("past.csv", b"item,unit\nT1,JTW\n".to_vec(), today).unwrap_err();
    assert!(e.iter().all(|p| p.problem.rule == Rule::MissingColumn));

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("历史").unwrap();
    for (c, h) in ["事项编码", "单位编码", "期次", "进度", "进展情况"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "T1.1").unwrap();
    ws.write_string(1, 1, "JTW").unwrap();
    ws.write_string(1, 2, "2020-01").unwrap();
    ws.write_number(1, 3, 50.0).unwrap();
    ws.write_string(2, 0, "T1.1").unwrap();
    ws.write_string(2, 1, "JTW").unwrap();
    ws.write_string(2, 2, "2020-02").unwrap();
    ws.write_string(2, 3, "很多").unwrap();
    let h = read_history("past.xlsx", wb.save_to_buffer().unwrap(), today).unwrap();
    assert_eq!(
        h.reports.len(),
        1,
        "the good row is kept for the plan's checks"
    );
    let e = h.problems;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].at(), "历史!D3");
    // A problem the plan finds (here: an item it does not have) is placed the same way.
    let csv = "item,unit,period,percent\nT1.1,JTW,2019-12,40\nNOPE,JTW,2019-12,40\n";
    let h = read_history("p.csv", csv.as_bytes().to_vec(), today).unwrap();
    let at = h.locate(vec![tuijin_core::problem::Problem::new(
        "reports[1].item",
        Rule::UnknownItem,
    )]);
    assert_eq!(at[0].at(), "p.csv!3:1");
}

/// One value in the last cell of a sheet (XFD1048576) made the reader allocate every cell in
/// between — 512 GiB for an 11 KB file — and the server aborted. Now the stray cell is refused
/// at its place; a value far down in a usable column is read without a dense grid.
#[test]
fn a_stray_cell_at_the_end_of_a_sheet_is_refused_not_allocated() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("_key").unwrap();
    ws.write_string(0, 0, "x").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let e = read_template(wb.save_to_buffer().unwrap(), "bomb.xlsx").unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].problem.rule, Rule::SheetTooLarge, "{e:?}");
    assert_eq!(e[0].at(), "_key!XFD1048576");
    // A value far down a usable column is read (sparsely), and the file judged on its merits.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("_key").unwrap();
    ws.write_string(0, 0, "x").unwrap();
    ws.write_string(1_048_575, 3, "x").unwrap();
    let e = read_template(wb.save_to_buffer().unwrap(), "deep.xlsx").unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::KeyChanged, "{e:?}");
}

/// A plan workbook whose items sheet was renamed is refused, never read as a plan without
/// items (an import would archive every item).
#[test]
fn a_plan_workbook_without_one_of_its_sheets_is_refused() {
    let xlsx = write_plan_xlsx(&seed()).unwrap();
    let sheets = cells(&xlsx);
    let mut wb = Workbook::new();
    for (name, rows) in &sheets {
        let ws = wb.add_worksheet();
        ws.set_name(if name == "事项" { "Sheet6" } else { name })
            .unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if let Data::String(s) = v {
                    ws.write_string(r as u32, c as u16, s).unwrap();
                }
            }
        }
    }
    let e = read_plan_xlsx("renamed.xlsx", wb.save_to_buffer().unwrap()).unwrap_err();
    let text = e.render(tuijin_core::text::Lang::En);
    assert!(text.contains("the sheet `事项` is missing"), "{text}");
}

/// `60%` typed into a cell is kept by Excel as 0.6 with a percent format: it is read as the
/// 60 the person typed, not filed as 0.6 %.
#[test]
fn a_percent_typed_with_its_sign_is_read_as_typed() {
    let bytes = write_template(&template()).unwrap();
    let sheets = cells(&bytes);
    let mut wb = Workbook::new();
    let pct = rust_xlsxwriter::Format::new().set_num_format("0%");
    let pct1 = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    for (name, rows) in &sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    Data::String(s) => ws.write_string(r, c, s).map(|_| ()),
                    Data::Float(f) => ws.write_number(r, c, *f).map(|_| ()),
                    _ => Ok(()),
                }
                .unwrap();
            }
        }
        if name == SHEET {
            ws.write_number_with_format(1, 8, 0.6, &pct).unwrap();
            ws.write_string(1, 9, "过半").unwrap();
            ws.write_number_with_format(2, 8, 0.855, &pct1).unwrap();
            ws.write_string(2, 9, "大部").unwrap();
        }
    }
    let f = read_template(wb.save_to_buffer().unwrap(), "t.xlsx").unwrap();
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.rows[0].content.percent.unwrap().value(), 60.0);
    assert_eq!(f.rows[1].content.percent.unwrap().value(), 85.5);
}

/// Text that starts with `[` is text: a title `[试点]…` round-trips, not read as TOML.
#[test]
fn a_title_in_brackets_round_trips_through_the_plan_workbook() {
    let mut doc = seed();
    doc.items[3].title =
        tuijin_core::Text::new("[试点]航空港区{先行}示范", doc.items[3].title.en());
    let back =
        read_plan_xlsx("t.xlsx", write_plan_xlsx(&doc).unwrap()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.items[3].title.zh(), "[试点]航空港区{先行}示范");
    assert_eq!(back, doc);
}

/// A template whose rows were deleted, inserted or sorted is refused once, at the first row
/// that moved — not as every locked cell of every row below it; a changed key sheet and an
/// Excel 97–2003 file are each named for what they are.
#[test]
fn moved_rows_a_changed_key_and_an_old_format_are_named() {
    let mut t = template();
    t.rows.push(TemplateRow {
        item: "T1.3".into(),
        title: "公路枢纽".into(),
        ..Default::default()
    });
    let bytes = write_template(&t).unwrap();
    let rewrite = |edit: &dyn Fn(&str, &mut Vec<Vec<Data>>)| rewrite(&bytes, edit);
    // The first item's row deleted, a percent filled in the row now first.
    let deleted = rewrite(&|name, rows| {
        if name == SHEET {
            rows.remove(1);
            while rows[1].len() <= 9 {
                rows[1].push(Data::Empty);
            }
            rows[1][8] = Data::Float(50.0);
            rows[1][9] = Data::String("推进".into());
        }
    });
    let e = read_template(deleted, "t.xlsx").unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].problem.rule, Rule::RowsMoved);
    assert_eq!(e[0].at(), "填报!A2");
    let msg = e[0].render(tuijin_core::i18n::Lang::Zh);
    assert!(msg.contains("T1.1") && msg.contains("T1.2"), "{msg}");
    let key = rewrite(&|name, rows| {
        if name == tuijin_export::xlsx::template::KEY {
            rows[0][0] = Data::String("something else".into());
        }
    });
    let e = read_template(key, "t.xlsx").unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::KeyChanged, "{e:?}");
    // The period or an item code changed in the key: the key no longer matches its digest.
    for (r, c, v) in [(0, 3, "2019-01"), (2, 0, "T9.9")] {
        let key = rewrite(&|name, rows| {
            if name == tuijin_export::xlsx::template::KEY {
                rows[r][c] = Data::String(v.into());
            }
        });
        let e = read_template(key, "t.xlsx").unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].problem.rule, Rule::KeyChanged, "{v}: {e:?}");
    }
    // The last row deleted: said as a moved row, not as its locked cells to type back.
    let last = rewrite(&|name, rows| {
        if name == SHEET {
            rows.pop();
            rows[1].resize(10, Data::Empty);
            rows[1][8] = Data::Float(50.0);
            rows[1][9] = Data::String("推进".into());
        }
    });
    let e = read_template(last, "t.xlsx").unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].problem.rule, e[0].at().as_str()),
        (Rule::RowsMoved, "填报!A4")
    );
    // A space after a code is not a moved row.
    let spaced = rewrite(&|name, rows| {
        if name == SHEET {
            rows[2][0] = Data::String("T1.2 ".into());
        }
    });
    let e = read_template(spaced, "t.xlsx").map_or_else(|e| e, |f| f.problems);
    assert!(e.iter().all(|p| p.problem.rule != Rule::RowsMoved), "{e:?}");
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.extend([0; 504]);
    let e = read_template(xls, "old.xls").unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::OldExcelFormat, "{e:?}");
    assert!(
        e[0].render(tuijin_core::i18n::Lang::Zh).contains(".xlsx"),
        "{e:?}"
    );
}

/// Excel turns `2020-06` typed in the period column into 1 June 2020, and a date column that
/// lost its format holds a serial number: both read back as what was meant.
#[test]
fn periods_and_days_that_excel_made_dates_read_back() {
    use tuijin_export::xlsx::history::read_history;
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let month = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm");
    for (c, h) in ["事项编码", "单位编码", "期次", "进度", "采纳日期"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "T1.1").unwrap();
    ws.write_string(1, 1, "JTW").unwrap();
    ws.write_datetime_with_format(
        1,
        2,
        rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 3, 1).unwrap(),
        &month,
    )
    .unwrap();
    ws.write_number(1, 3, 40.0).unwrap();
    // 2020-04-03 as Excel's serial day number, its date format lost.
    ws.write_number(1, 4, 43_924.0).unwrap();
    let h = read_history("past.xlsx", wb.save_to_buffer().unwrap(), today).unwrap();
    assert!(h.problems.is_empty(), "{:?}", h.problems);
    assert_eq!(h.reports[0].period.to_string(), "2020-03");
    assert_eq!(h.reports[0].accepted_on.to_string(), "2020-04-03");
}

/// A CSV file saved by Excel on Windows ends its lines with CRLF: problems are still placed on
/// their own lines. A file is read as what it is, whatever its name: an Excel 97–2003 file is
/// named as such, a workbook called `.csv` is read as a workbook.
#[test]
fn past_report_files_are_read_as_what_they_are() {
    use tuijin_export::xlsx::history::read_history;
    let today = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let crlf = "item,unit,period,percent\r\nT1.1,JTW,2019-06,x\r\nT1.1,JTW,2019-07,50\r\nT1.1,JTW,2019-08,y\r\n";
    let e = read_history("crlf.csv", crlf.as_bytes().to_vec(), today)
        .unwrap()
        .problems;
    let at: Vec<String> = e.iter().map(|p| p.at()).collect();
    assert_eq!(at, ["crlf.csv!2:4", "crlf.csv!4:4"]);
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.extend([0; 504]);
    let e = read_history("old.xls", xls.clone(), today).unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::OldExcelFormat);
    let e = read_history("old.csv", xls, today).unwrap_err();
    assert_eq!(e[0].problem.rule, Rule::OldExcelFormat);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["item", "unit", "period", "percent"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["T1.1", "JTW", "2019-06"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_number(1, 3, 40.0).unwrap();
    let h = read_history("named.csv", wb.save_to_buffer().unwrap(), today).unwrap();
    assert_eq!(h.reports.len(), 1);
    assert_eq!(h.reports[0].percent, Some(40.0));
}
