//! Progress reports: drafts, submission, review (accept or return), supersession, closed
//! periods. The rules are `tuijin_core::report`'s; this module loads the facts they judge by,
//! inside the write transaction, and records what they allow. Split by path: the unit's
//! workflow (`workflow.rs`), acceptance with its rollup (`accept.rs`), reports in bulk
//! (`bulk.rs`).

mod accept;
mod bulk;
mod facts;
mod filing;
mod workflow;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tuijin_core::Code;
use tuijin_core::clock::Stamp;
use tuijin_core::report::{Figure, Period, ReportContent, ReportState};
use tuijin_core::sample::HistoricReport;
use tuijin_core::{Percent, report::Relation};

use crate::db::{Store, all, one};
use crate::error::{Result, StoreError};
use crate::progress::ProgressChange;
use crate::rows::{code, get, json, named, percent_opt};

pub use accept::Acceptance;
pub use filing::Filing;
pub(crate) use workflow::reseal_closed;

/// A new report: one item, one period, one unit, and what it says.
#[derive(Clone, Debug)]
pub struct NewReport {
    pub plan: String,
    pub item: String,
    pub period: Period,
    /// The acting unit; it must lead or co-operate on the item.
    pub unit: String,
    pub content: ReportContent,
}

/// Changes to a draft or returned report; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ReportEdit {
    pub percent: Option<Option<Percent>>,
    pub narrative: Option<String>,
    pub problems: Option<String>,
    pub next_steps: Option<String>,
    pub figures: Option<Vec<Figure>>,
}

impl ReportEdit {
    /// The content after the edit.
    pub fn apply(self, to: &ReportContent) -> ReportContent {
        ReportContent {
            percent: self.percent.unwrap_or(to.percent),
            narrative: self.narrative.unwrap_or_else(|| to.narrative.clone()),
            problems: self.problems.unwrap_or_else(|| to.problems.clone()),
            next_steps: self.next_steps.unwrap_or_else(|| to.next_steps.clone()),
            figures: self.figures.unwrap_or_else(|| to.figures.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRecord {
    pub id: i64,
    pub plan: Code,
    pub item: Code,
    pub period: Period,
    pub unit: Code,
    /// How the unit stood to the item when the report was read.
    pub relation: Relation,
    pub percent: Option<Percent>,
    /// The same unit's accepted percent on the item before this report: of the latest period
    /// not after this one (the report a correction replaces, for a correction). What the
    /// reviewer compares the new figure with.
    pub previous_percent: Option<Percent>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    pub state: ReportState,
    pub author: String,
    pub reviewer: String,
    pub review_comment: String,
    /// The accepted report this one replaced, if it is a correction.
    pub supersedes: Option<i64>,
    pub figures: Vec<Figure>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ReportRecord {
    /// What the report says, as the rules see it.
    pub fn content(&self) -> ReportContent {
        ReportContent {
            percent: self.percent,
            narrative: self.narrative.clone(),
            problems: self.problems.clone(),
            next_steps: self.next_steps.clone(),
            figures: self.figures.clone(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub plan: Option<String>,
    pub item: Option<String>,
    pub unit: Option<String>,
    pub state: Option<ReportState>,
    pub period: Option<Period>,
    /// Only reports with a larger id: the cursor of the previous page.
    pub after: Option<i64>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait ReportStore {
    /// Starts a draft. Refused (nothing written) when the unit does not report on the item, the
    /// item or period takes no reports, an open report exists, or the content breaks a rule.
    async fn create_report(&self, new: NewReport, stamp: &Stamp) -> Result<ReportRecord>;
    async fn edit_report(
        &self,
        id: i64,
        version: i64,
        edit: ReportEdit,
        stamp: &Stamp,
    ) -> Result<ReportRecord>;
    async fn submit_report(&self, id: i64, version: i64, stamp: &Stamp) -> Result<ReportRecord>;
    /// Accepts a submitted report: it supersedes an earlier accepted report of the same item,
    /// period and unit, and the item's and its ancestors' progress move, in one transaction.
    async fn accept_report(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<(ReportRecord, Vec<ProgressChange>)>;
    /// Accepts several reports in one transaction, committed (and fsync'd) once: group commit
    /// for a busy review desk. Each acceptance succeeds or fails on its own; an error of the
    /// database itself fails the whole batch.
    async fn accept_batch(
        &self,
        batch: &[Acceptance],
    ) -> Result<Vec<Result<(ReportRecord, Vec<ProgressChange>)>>>;
    /// Returns a submitted report to its unit with a comment (required).
    async fn return_report(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<ReportRecord>;
    async fn get_report(&self, id: i64) -> Result<ReportRecord>;
    /// Files a batch of reports as submitted, in one transaction (a batch arriving from a
    /// spreadsheet, or a load test's fixture). Each unit must lead or co-operate on its item.
    /// Returns the new reports' ids in the order given.
    async fn submit_batch(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<Vec<i64>>;
    /// Loads accepted reports of the past in one transaction (a migration from another
    /// system, or the demo's sample history) and rebuilds the progress history date by date.
    /// Refused if the plan already has reports.
    async fn load_history(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<usize>;
    /// Files a unit's reports for one period together (a filled template read back): each row
    /// starts a draft or edits the unit's open draft or returned report on its item, and is
    /// submitted when `submit`; every row judged by the same rules as a single report. One
    /// transaction: on any problem nothing is kept, and every row's problems are returned, each
    /// field prefixed with its row (`rows[3].percent`). With `check_only`, every row is judged
    /// and nothing is kept even when all pass.
    #[allow(clippy::too_many_arguments)] // each is one fact of the batch
    async fn file_reports(
        &self,
        plan: &str,
        unit: &str,
        period: Period,
        rows: &[Filing],
        submit: bool,
        check_only: bool,
        stamp: &Stamp,
    ) -> Result<Vec<ReportRecord>>;
    /// Reports in id order, `limit` at most (1 to 1,000).
    async fn list_reports(&self, filter: &ReportFilter, limit: u64) -> Result<Vec<ReportRecord>>;
    /// What units other than the lead contribute to the given items (at most 1,000): each
    /// such unit's latest accepted report on each item, in plan order.
    async fn contributions(&self, plan: &str, items: &[String]) -> Result<Vec<ReportRecord>>;
    /// Closes a reporting period of a plan: its reports can no longer be started, edited or
    /// submitted. Refused while reports of the period still await review (review them first)
    /// and when already closed. The period's reports are sealed (`core::audit::seal`).
    async fn close_period(&self, plan: &str, period: Period, stamp: &Stamp) -> Result<()>;
    /// The closed periods of a plan, oldest first.
    async fn closed_periods(&self, plan: &str) -> Result<Vec<ClosedPeriod>>;
    /// The relation of a unit to an item, for the policy to decide who may report on what.
    async fn relation(&self, plan: &str, item: &str, unit: &str) -> Result<Relation>;
}

/// A period the office closed, with the seal of its reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClosedPeriod {
    pub period: Period,
    pub closed_at: DateTime<Utc>,
    pub closed_by: String,
    pub seal: String,
}

/// Every column a report is read with, with its item's lead and co-operating units (for the
/// unit's relation to the item). Macros only so that `concat!` can join the pieces into
/// constant statements.
macro_rules! report_columns {
    () => {
        "r.id, r.item_id, r.plan_id, r.unit_id, r.period, r.percent, r.narrative, \
         r.problems, r.next_steps, r.state, r.author, r.reviewer, r.review_comment, r.supersedes_id, r.submitted_at, \
         r.reviewed_at, r.created_at, r.updated_at, r.version, r.figures, pl.code AS plan_code, i.code AS item_code, \
         u.code AS unit_code, CASE WHEN i.lead_unit_id = r.unit_id THEN 'lead' \
         WHEN EXISTS (SELECT 1 FROM item_co_units c WHERE c.item_id = r.item_id AND c.unit_id = r.unit_id) THEN 'co' \
         ELSE 'none' END AS relation, \
         (SELECT p.percent FROM reports p WHERE p.item_id = r.item_id AND p.unit_id = r.unit_id \
           AND p.id <> r.id AND p.state IN ('accepted', 'superseded') AND p.percent IS NOT NULL \
           AND p.period_end <= r.period_end \
           ORDER BY p.period_end DESC, p.reviewed_at DESC, p.id DESC LIMIT 1) AS previous_percent"
    };
}
macro_rules! report_from {
    () => {
        " FROM reports r JOIN plans pl ON pl.id = r.plan_id JOIN items i ON i.id = r.item_id \
         JOIN units u ON u.id = r.unit_id"
    };
}
pub(crate) use {report_columns, report_from};

pub(crate) const SELECT: &str = concat!("SELECT ", report_columns!(), report_from!());

pub(crate) fn record(r: &sea_orm::QueryResult) -> Result<ReportRecord> {
    let relation = match get::<String>(r, "relation")?.as_str() {
        "lead" => Relation::Lead,
        "co" => Relation::Co,
        _ => Relation::None,
    };
    let period: String = get(r, "period")?;
    Ok(ReportRecord {
        id: get(r, "id")?,
        plan: code(r, "plan_code")?,
        item: code(r, "item_code")?,
        period: Period::parse(&period)
            .map_err(|e| StoreError::Corrupt(format!("reports.period: {e}")))?,
        unit: code(r, "unit_code")?,
        relation,
        percent: percent_opt(r, "percent")?,
        previous_percent: percent_opt(r, "previous_percent")?,
        narrative: get(r, "narrative")?,
        problems: get(r, "problems")?,
        next_steps: get(r, "next_steps")?,
        state: named(r, "state")?,
        author: get(r, "author")?,
        reviewer: get(r, "reviewer")?,
        review_comment: get(r, "review_comment")?,
        supersedes: get(r, "supersedes_id")?,
        figures: json(r, "figures")?,
        submitted_at: get(r, "submitted_at")?,
        reviewed_at: get(r, "reviewed_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        version: get(r, "version")?,
    })
}

pub(crate) async fn load<C: ConnectionTrait>(c: &C, id: i64) -> Result<ReportRecord> {
    let r = one(c, &format!("{SELECT} WHERE r.id = $1"), vec![id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report #{id}")))?;
    record(&r)
}

impl Store {
    pub(crate) async fn list_reports_in(
        &self,
        f: &ReportFilter,
        limit: u64,
    ) -> Result<Vec<ReportRecord>> {
        let mut conds = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (col, v) in [
            ("pl.code", f.plan.clone()),
            ("i.code", f.item.clone()),
            ("u.code", f.unit.clone()),
            ("r.state", f.state.map(|s| s.as_str().to_string())),
            ("r.period", f.period.map(|p| p.to_string())),
        ] {
            if let Some(v) = v {
                values.push(v.into());
                conds.push(format!("{col} = ${}", values.len()));
            }
        }
        if let Some(after) = f.after {
            values.push(after.into());
            conds.push(format!("r.id > ${}", values.len()));
        }
        // Callers ask for one row more than a page to tell whether more follow: a page of the
        // API's largest size (1,000) takes 1,001 rows.
        values.push((limit.clamp(1, 10_001) as i64).into());
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let rows = all(
            &self.db(),
            &format!("{SELECT}{where_} ORDER BY r.id LIMIT ${}", values.len()),
            values,
        )
        .await?;
        rows.iter().map(record).collect()
    }
}

/// The calendar date a report of the past was accepted on, as an instant (early morning UTC,
/// so the date is the same in the plan's zone).
pub(crate) fn morning(d: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.from_utc_datetime(&d.and_hms_opt(2, 0, 0).expect("valid time"))
}

impl ReportStore for Store {
    async fn create_report(&self, new: NewReport, stamp: &Stamp) -> Result<ReportRecord> {
        self.create_report_in(new, stamp).await
    }

    async fn edit_report(
        &self,
        id: i64,
        version: i64,
        edit: ReportEdit,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        self.edit_report_in(id, version, edit, stamp).await
    }

    async fn submit_report(&self, id: i64, version: i64, stamp: &Stamp) -> Result<ReportRecord> {
        self.submit_report_in(id, version, stamp).await
    }

    async fn accept_report(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<(ReportRecord, Vec<ProgressChange>)> {
        self.accept_report_in(id, version, comment, stamp).await
    }

    async fn accept_batch(
        &self,
        batch: &[Acceptance],
    ) -> Result<Vec<Result<(ReportRecord, Vec<ProgressChange>)>>> {
        self.accept_batch_in(batch).await
    }

    async fn return_report(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        self.return_report_in(id, version, comment, stamp).await
    }

    async fn get_report(&self, id: i64) -> Result<ReportRecord> {
        load(&self.db(), id).await
    }

    async fn submit_batch(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<Vec<i64>> {
        self.submit_batch_in(plan, reports, stamp).await
    }

    async fn load_history(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<usize> {
        self.load_history_in(plan, reports, stamp).await
    }

    async fn file_reports(
        &self,
        plan: &str,
        unit: &str,
        period: Period,
        rows: &[Filing],
        submit: bool,
        check_only: bool,
        stamp: &Stamp,
    ) -> Result<Vec<ReportRecord>> {
        self.file_reports_in(plan, unit, period, rows, (submit, check_only), stamp)
            .await
    }

    async fn contributions(&self, plan: &str, items: &[String]) -> Result<Vec<ReportRecord>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let items = &items[..items.len().min(1000)];
        let mut values: Vec<Value> = vec![plan.into()];
        let marks: Vec<String> = items
            .iter()
            .map(|c| {
                values.push(c.clone().into());
                format!("${}", values.len())
            })
            .collect();
        let rows = all(
            &self.db(),
            &format!(
                "{SELECT} WHERE pl.code = $1 AND i.code IN ({}) AND r.state = 'accepted' \
                 AND r.unit_id <> COALESCE(i.lead_unit_id, -1) \
                 AND r.id = (SELECT r2.id FROM reports r2 WHERE r2.item_id = r.item_id AND r2.unit_id = r.unit_id \
                 AND r2.state = 'accepted' ORDER BY r2.period_end DESC, r2.period_start DESC, r2.id DESC LIMIT 1) \
                 ORDER BY i.position, u.code",
                marks.join(", ")
            ),
            values,
        )
        .await?;
        rows.iter().map(record).collect()
    }

    async fn list_reports(&self, filter: &ReportFilter, limit: u64) -> Result<Vec<ReportRecord>> {
        self.list_reports_in(filter, limit).await
    }

    async fn close_period(&self, plan: &str, period: Period, stamp: &Stamp) -> Result<()> {
        self.close_period_in(plan, period, stamp).await
    }

    async fn closed_periods(&self, plan: &str) -> Result<Vec<ClosedPeriod>> {
        self.closed_periods_in(plan).await
    }

    async fn relation(&self, plan: &str, item: &str, unit: &str) -> Result<Relation> {
        let r = one(
            &self.db(),
            "SELECT lu.code AS lead, \
               (SELECT COUNT(*) FROM item_co_units c JOIN units u ON u.id = c.unit_id \
                WHERE c.item_id = i.id AND u.code = $3) AS co \
             FROM items i JOIN plans pl ON pl.id = i.plan_id LEFT JOIN units lu ON lu.id = i.lead_unit_id \
             WHERE pl.code = $1 AND i.code = $2",
            vec![plan.into(), item.into(), unit.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("item `{item}` in plan `{plan}`")))?;
        Ok(
            if get::<Option<String>>(&r, "lead")?.as_deref() == Some(unit) {
                Relation::Lead
            } else if get::<i64>(&r, "co")? > 0 {
                Relation::Co
            } else {
                Relation::None
            },
        )
    }
}
