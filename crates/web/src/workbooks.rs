//! Excel hand-down and read-back, wired to the store: the report template and responsibility
//! list of a unit drawn from the stored plan and the unit's reports; a filled template filed
//! through the report workflow (`ReportStore::file_reports`, the rules of `core::report`);
//! past reports loaded as history (`ReportStore::load_history`). Used by the API, the pages and
//! the command line alike, so all three answer the same file the same way.

use std::collections::HashMap;

use chrono::NaiveDate;
use tuijin_core::clock::Stamp;
use tuijin_core::duties::{check_past_reports, duties, expects_report};
use tuijin_core::i18n::Lang;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{Period, Relation, ReportState};
use tuijin_core::{PlanDocument, ProgressFrom};
use tuijin_export::xlsx::CellProblem;
use tuijin_export::xlsx::duties::{Duties, DutyRow, write_duties};
use tuijin_export::xlsx::history::read_history;
use tuijin_export::xlsx::template::{
    Template, TemplateRow, locate_all, read_template, write_template,
};
use tuijin_store::{Filing, PlanStore, ReportFilter, ReportRecord, ReportStore, Store, StoreError};

/// Why a workbook was not produced or not taken.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    /// The file has problems, each at its cell: nothing was written.
    #[error("{} problem(s) in the file", .0.len())]
    Cells(Vec<CellProblem>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the workbook: {0}")]
    Write(String),
}

impl WorkbookError {
    /// Every problem, one per line, as `sheet!cell: message`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            WorkbookError::Cells(ps) => tuijin_export::xlsx::render(ps, lang),
            other => format!("{other}\n"),
        }
    }
}

/// Parses an uploaded file on the blocking pool, two files at a time across the server: a
/// parse takes the CPU for as long as the file asks, and must not hold up other requests.
async fn parse<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let _turn = SLOTS
        .get_or_init(|| tokio::sync::Semaphore::new(2))
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// The file's problems, the first `MAX_LISTED` of them in reading order and then how many
/// more: a file of 300,000 bad rows is answered with a page a person can read, not 30 MB.
fn cells(mut problems: Vec<CellProblem>) -> WorkbookError {
    const MAX_LISTED: usize = 1000;
    if problems.len() > MAX_LISTED {
        let more = problems.len() - MAX_LISTED;
        let file = problems[0].sheet.clone();
        problems.truncate(MAX_LISTED);
        problems.push(CellProblem::new(
            &file,
            "",
            Problem::new("", Rule::MoreProblems).with("count", more),
        ));
    }
    WorkbookError::Cells(problems)
}

fn write_err(e: tuijin_export::xlsx::XlsxError) -> WorkbookError {
    WorkbookError::Write(e.to_string())
}

/// A period of the plan's cadence, or the problem with it.
pub fn parse_period(doc_cadence: tuijin_core::Cadence, s: &str) -> Result<Period, Problem> {
    let p = Period::parse(s.trim()).map_err(|_| Problem::new("period", Rule::PeriodFormat))?;
    if !p.is_of(doc_cadence) {
        return Err(Problem::new("period", Rule::PeriodCadence)
            .with("cadence", format!("@cadence.{}", doc_cadence.as_str()))
            // An example of the plan's own cadence for the same time, not the input again.
            .with("example", Period::containing(doc_cadence, p.last_day())));
    }
    Ok(p)
}

/// Every report of a unit in a plan, oldest first.
async fn unit_reports(
    store: &Store,
    plan: &str,
    unit: &str,
) -> Result<Vec<ReportRecord>, StoreError> {
    let mut out: Vec<ReportRecord> = Vec::new();
    loop {
        let page = store
            .list_reports(
                &ReportFilter {
                    plan: Some(plan.into()),
                    unit: Some(unit.into()),
                    after: out.last().map(|r| r.id),
                    ..Default::default()
                },
                1000,
            )
            .await?;
        let done = page.len() < 1000;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

fn unit_name(doc: &PlanDocument, unit: &str) -> Result<String, StoreError> {
    doc.units
        .iter()
        .find(|u| u.code.as_str() == unit)
        .map(|u| u.name.zh().to_string())
        .ok_or_else(|| StoreError::NotFound(format!("unit `{unit}` in plan `{}`", doc.plan.code)))
}

/// The unit's latest accepted report on each item (latest period, then latest id).
fn last_accepted(reports: &[ReportRecord]) -> HashMap<&str, &ReportRecord> {
    let mut out: HashMap<&str, &ReportRecord> = HashMap::new();
    for r in reports.iter().filter(|r| r.state == ReportState::Accepted) {
        let e = out.entry(r.item.as_str()).or_insert(r);
        if (r.period, r.id) > (e.period, e.id) {
            *e = r;
        }
    }
    out
}

/// The report template of a unit for a period: one row per item it must report on.
pub async fn template(
    store: &Store,
    plan: &str,
    unit: &str,
    period: Period,
) -> Result<Vec<u8>, WorkbookError> {
    let doc = store.export_plan(plan).await?;
    let unit_name = unit_name(&doc, unit)?;
    let reports = unit_reports(store, plan, unit).await?;
    let last = last_accepted(&reports);
    let mut rows = Vec::new();
    for d in duties(&doc, unit) {
        let code = d.item.code.as_str();
        let prev = last.get(code).copied();
        let done = prev
            .and_then(|r| r.percent)
            .is_some_and(|p| p.value() >= 100.0);
        if !expects_report(&d, period, done) {
            continue;
        }
        let this = reports
            .iter()
            .filter(|r| r.item.as_str() == code && r.period == period)
            .filter(|r| r.state != ReportState::Superseded)
            .max_by_key(|r| r.id);
        let indicator = d
            .item
            .extra
            .target
            .as_ref()
            .and_then(|t| t.indicator.as_ref())
            .and_then(|c| doc.indicators.iter().find(|i| &i.code == c))
            .filter(|i| i.owner.as_ref().is_none_or(|o| o.as_str() == unit));
        let last_value = indicator.and_then(|ind| {
            reports
                .iter()
                .filter(|r| r.state == ReportState::Accepted)
                .filter_map(|r| {
                    r.figures
                        .iter()
                        .find(|f| f.indicator == ind.code)
                        .map(|f| (r.period, r.id, f.value.value()))
                })
                .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))
                .map(|x| x.2)
        });
        rows.push(TemplateRow {
            item: code.to_string(),
            title: d.item.title.zh().to_string(),
            due: d.item.due,
            report_due: Some(period.due_date(doc.plan.reporting.due_day, d.level)),
            last_percent: prev.and_then(|r| r.percent).map(|p| p.value()),
            last_period: prev.map(|r| r.period),
            state: this
                .and_then(|r| Lang::Zh.lookup(&format!("report.{}", r.state.as_str())))
                .unwrap_or("")
                .to_string(),
            percent_locked: d.item.progress_from == ProgressFrom::Indicator,
            indicator: indicator.map(|i| {
                let unit = tuijin_core::i18n::unit_of_measure(Lang::Zh, &i.unit);
                (i.code.to_string(), format!("{}（{unit}）", i.name.zh()))
            }),
            last_value,
            draft: this
                .filter(|r| matches!(r.state, ReportState::Draft | ReportState::Returned))
                .map(|r| r.content()),
        });
    }
    let t = Template {
        plan: plan.to_string(),
        plan_title: doc.plan.title.zh().to_string(),
        unit: unit.to_string(),
        unit_name,
        period,
        rows,
    };
    write_template(&t).map_err(write_err)
}

/// The responsibility list of a unit: every item it leads or co-operates on.
pub async fn duties_list(
    store: &Store,
    plan: &str,
    unit: &str,
    today: NaiveDate,
) -> Result<Vec<u8>, WorkbookError> {
    let doc = store.export_plan(plan).await?;
    let unit_name = unit_name(&doc, unit)?;
    let progress = tuijin_store::ProgressStore::plan_progress(store, plan, None).await?;
    let paths = tuijin_core::path::paths(&doc.items);
    let path_of: HashMap<&str, Option<&tuijin_core::path::Path>> = doc
        .items
        .iter()
        .zip(&paths)
        .map(|(i, p)| (i.code.as_str(), p.as_ref()))
        .collect();
    let period = Period::containing(doc.plan.cadence, today);
    let name = |c: &tuijin_core::Code| {
        doc.units
            .iter()
            .find(|u| &u.code == c)
            .map(|u| u.name.zh().to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let label = |k: tuijin_core::ItemKind| {
        doc.plan
            .levels
            .iter()
            .find(|l| l.kind == k)
            .map(|l| l.label.zh().to_string())
            .unwrap_or_else(|| {
                Lang::Zh
                    .lookup(&format!("kind.{}", k.as_str()))
                    .unwrap_or(k.as_str())
                    .to_string()
            })
    };
    let rows = duties(&doc, unit)
        .into_iter()
        .map(|d| {
            let p = progress.get(d.item.code.as_str()).copied();
            let pct = p.and_then(|p| p.percent);
            let status = p.map(|p| {
                tuijin_core::progress::status(
                    p,
                    d.item.start,
                    d.item.due,
                    path_of.get(d.item.code.as_str()).copied().flatten(),
                    today,
                    doc.plan.thresholds,
                )
                .status
            });
            DutyRow {
                item: d.item.code.to_string(),
                level: label(d.item.kind),
                title: d.item.title.zh().to_string(),
                parent: d
                    .item
                    .parent
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                role: if d.relation == Relation::Lead {
                    "牵头"
                } else {
                    "配合"
                }
                .to_string(),
                lead: d.item.lead.as_ref().map(&name).unwrap_or_default(),
                co: d.item.co.iter().map(&name).collect::<Vec<_>>().join("、"),
                start: d.item.start,
                due: d.item.due,
                progress: pct.map(|p| (p * 10.0).round() / 10.0),
                status: status
                    .and_then(|s| Lang::Zh.lookup(&format!("status.{}", s.as_str())))
                    .unwrap_or("")
                    .to_string(),
                reports: expects_report(&d, period, pct.is_some_and(|v| v >= 100.0)),
            }
        })
        .collect();
    write_duties(&Duties {
        plan: plan.to_string(),
        plan_title: doc.plan.title.zh().to_string(),
        unit: unit.to_string(),
        unit_name,
        as_of: today,
        rows,
    })
    .map_err(write_err)
}

/// Files a filled template as the unit's reports for its period (drafts, or submitted), all or
/// nothing. `plan` and `unit` are what the caller means to import for: a template made for
/// another is refused.
pub async fn import_template(
    store: &Store,
    plan: &str,
    unit: &str,
    file: &str,
    bytes: Vec<u8>,
    submit: bool,
    stamp: &Stamp,
) -> Result<Vec<ReportRecord>, WorkbookError> {
    let name = file.to_string();
    let filled = parse(move || read_template(bytes, &name))
        .await
        .map_err(cells)?;
    let mut wrong = filled.problems.clone();
    for (what, cell, template, asked) in [
        ("plan", "B1", &filled.plan, plan),
        ("unit", "C1", &filled.unit, unit),
    ] {
        if template != asked {
            wrong.push(CellProblem::new(
                tuijin_export::xlsx::template::KEY,
                cell,
                Problem::new(what, Rule::TemplateMismatch)
                    .with("what", format!("@excel.what.{what}"))
                    .with("template", template)
                    .with("asked", asked),
            ));
        }
    }
    if wrong
        .iter()
        .any(|p| p.sheet == tuijin_export::xlsx::template::KEY)
    {
        return Err(cells(wrong));
    }
    let rows: Vec<Filing> = filled
        .rows
        .iter()
        .map(|r| Filing {
            item: r.item.clone(),
            content: r.content.clone(),
        })
        .collect();
    // With problems in the file already, the rows are still judged (and nothing kept), so
    // that every problem is listed at once.
    let check_only = !wrong.is_empty();
    match store
        .file_reports(plan, unit, filled.period, &rows, submit, check_only, stamp)
        .await
    {
        Ok(done) if !check_only => Ok(done),
        Ok(_) => Err(cells(wrong)),
        Err(StoreError::Invalid(ps)) => {
            wrong.extend(locate_all(&filled, ps));
            wrong.sort_by_key(|p| cell_order(&p.cell));
            Err(cells(wrong))
        }
        Err(e) => Err(e.into()),
    }
}

/// Where a problem of a past-reports file is, in reading order: a CSV file's `line:column`, or
/// a sheet's cell name.
fn place_order(cell: &str) -> (u32, usize, String) {
    match cell.split_once(':') {
        Some((line, col)) => (
            line.parse().unwrap_or(0),
            col.parse().unwrap_or(0),
            String::new(),
        ),
        None if cell.bytes().all(|b| b.is_ascii_digit()) => {
            (cell.parse().unwrap_or(0), 0, String::new())
        }
        None => cell_order(cell),
    }
}

/// Row, then column, of a cell name (`I7` → (7, "I")): problems listed in reading order.
fn cell_order(cell: &str) -> (u32, usize, String) {
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let row = cell[letters.len()..].parse().unwrap_or(0);
    (row, letters.len(), letters)
}

/// Loads past reports (CSV or XLSX) as accepted history of a plan that has no reports yet, all
/// or nothing; returns how many.
pub async fn import_history(
    store: &Store,
    plan: &str,
    file: &str,
    bytes: Vec<u8>,
    stamp: &Stamp,
) -> Result<usize, WorkbookError> {
    let (name, today) = (file.to_string(), stamp.today);
    let h = parse(move || read_history(&name, bytes, today))
        .await
        .map_err(cells)?;
    let doc = store.export_plan(plan).await?;
    let mut problems = h.problems.clone();
    problems.extend(h.locate(check_past_reports(&doc, &h.reports, stamp.today)));
    problems.sort_by_key(|p| place_order(&p.cell));
    if !problems.is_empty() {
        return Err(cells(problems));
    }
    match store.load_history(plan, &h.reports, stamp).await {
        Ok(n) => Ok(n),
        Err(StoreError::Invalid(ps)) => Err(cells(h.locate(ps))),
        Err(StoreError::Conflict(p) | StoreError::Forbidden(p)) => {
            Err(cells(vec![CellProblem::new(file, "", p)]))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod period_tests {
    use super::*;

    #[test]
    fn a_period_of_another_cadence_is_answered_with_one_of_the_plans() {
        let e = parse_period(tuijin_core::Cadence::Monthly, "2020-Q2").unwrap_err();
        assert_eq!(e.rule, Rule::PeriodCadence);
        assert!(
            e.args
                .iter()
                .any(|(k, v)| *k == "example" && v == "2020-06"),
            "{:?}",
            e.args
        );
        assert_eq!(
            parse_period(tuijin_core::Cadence::Monthly, " 2020-06 ").unwrap(),
            Period::parse("2020-06").unwrap()
        );
    }
}
