//! Progress reports: drafts, submission, review (accept or return), supersession. Accepting a
//! report moves the item's and its ancestors' progress in the same transaction.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};
use serde::Serialize;
use tuijin_core::report::{Figure, Period, ReportAction, ReportState, transition};
use tuijin_core::sample::HistoricReport;
use tuijin_core::{ItemKind, Percent};

use crate::db::{Backend, Store, all, exec, get, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::progress::{ProgressChange, Stamp, touch};

/// A new report: one item, one period, one unit.
#[derive(Clone, Debug)]
pub struct NewReport {
    pub plan: String,
    pub item: String,
    pub period: Period,
    /// The acting unit; it must lead or co-operate on the item.
    pub unit: String,
    pub percent: Option<Percent>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    /// Indicator figures, each for an indicator the reporting unit owns.
    pub figures: Vec<Figure>,
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

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRecord {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub period: String,
    pub unit: String,
    pub percent: Option<f64>,
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

#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub plan: Option<String>,
    pub item: Option<String>,
    pub unit: Option<String>,
    pub state: Option<ReportState>,
    pub period: Option<String>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait ReportStore {
    async fn create_report(&self, new: NewReport, stamp: &Stamp) -> Result<ReportRecord>;
    async fn edit_report(
        &self,
        id: i64,
        version: i64,
        edit: ReportEdit,
        stamp: &Stamp,
    ) -> Result<ReportRecord>;
    async fn submit_report(&self, id: i64, version: i64, stamp: &Stamp) -> Result<ReportRecord>;
    /// Accepts a submitted report: it supersedes an earlier accepted report of the same item
    /// and period, and the item's and its ancestors' progress move, all in one transaction.
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
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<usize>;
    async fn list_reports(&self, filter: &ReportFilter, limit: u64) -> Result<Vec<ReportRecord>>;
    /// Closes a reporting period of a plan: its reports can no longer be started, edited or
    /// submitted. Refused while reports of the period still await review (review them first)
    /// and when already closed.
    async fn close_period(&self, plan: &str, period: Period, stamp: &Stamp) -> Result<()>;
    /// The closed periods of a plan, oldest first.
    async fn closed_periods(&self, plan: &str) -> Result<Vec<String>>;
}

async fn plan_id_of<C: ConnectionTrait>(c: &C, report: i64) -> Result<i64> {
    let r = one(
        c,
        "SELECT plan_id FROM reports WHERE id = $1",
        vec![report.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("report #{report}")))?;
    get(&r, "plan_id")
}

/// Refuses a write on a report of a closed period.
async fn period_open<C: ConnectionTrait>(c: &C, plan_id: i64, period: &str) -> Result<()> {
    if one(
        c,
        "SELECT 1 AS x FROM closed_periods WHERE plan_id = $1 AND period = $2",
        vec![plan_id.into(), period.into()],
    )
    .await?
    .is_some()
    {
        return Err(StoreError::Conflict(format!(
            "period {period} is closed by the office: its reports can no longer change"
        )));
    }
    Ok(())
}

const SELECT: &str = "SELECT r.id, r.item_id, r.plan_id, r.period, r.percent, r.narrative, r.problems, r.next_steps, r.state, r.author, r.reviewer, r.review_comment, r.supersedes_id, r.submitted_at, r.reviewed_at, r.created_at, r.updated_at, r.version, r.figures, pl.code AS plan_code, i.code AS item_code, u.code AS unit_code FROM reports r \
    JOIN plans pl ON pl.id = r.plan_id JOIN items i ON i.id = r.item_id JOIN units u ON u.id = r.unit_id";

fn record(r: &sea_orm::QueryResult) -> Result<ReportRecord> {
    let state: String = get(r, "state")?;
    Ok(ReportRecord {
        id: get(r, "id")?,
        plan: get(r, "plan_code")?,
        item: get(r, "item_code")?,
        period: get(r, "period")?,
        unit: get(r, "unit_code")?,
        percent: get(r, "percent")?,
        narrative: get(r, "narrative")?,
        problems: get(r, "problems")?,
        next_steps: get(r, "next_steps")?,
        state: ReportState::parse(&state)
            .ok_or_else(|| StoreError::Invalid(format!("stored report state `{state}`")))?,
        author: get(r, "author")?,
        reviewer: get(r, "reviewer")?,
        review_comment: get(r, "review_comment")?,
        supersedes: get(r, "supersedes_id")?,
        figures: serde_json::from_str(&get::<String>(r, "figures")?)
            .map_err(|e| StoreError::Invalid(format!("stored report figures: {e}")))?,
        submitted_at: get(r, "submitted_at")?,
        reviewed_at: get(r, "reviewed_at")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        version: get(r, "version")?,
    })
}

async fn load<C: ConnectionTrait>(c: &C, id: i64) -> Result<ReportRecord> {
    let r = one(c, &format!("{SELECT} WHERE r.id = $1"), vec![id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report #{id}")))?;
    record(&r)
}

/// Checks the caller's version and the workflow, in that order (a stale copy is told so
/// before anything else).
fn check(rec: &ReportRecord, version: i64, action: ReportAction) -> Result<ReportState> {
    if rec.version != version {
        return Err(StoreError::Stale {
            expected: version,
            current: rec.version,
        });
    }
    transition(rec.state, action).map_err(|e| StoreError::Conflict(e.to_string()))
}

/// Checks a report's indicator figures: each names a live indicator of the plan, at most once,
/// with a finite value, and the reporting unit owns it (an indicator without an owner takes
/// figures from any unit that may report on the item). Returns the figures as stored.
async fn check_figures<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    unit_id: i64,
    figures: &[Figure],
) -> Result<String> {
    let mut seen = std::collections::HashSet::new();
    for (n, f) in figures.iter().enumerate() {
        if !f.value.is_finite() {
            return Err(StoreError::Invalid(format!(
                "figures[{n}].value: not a number"
            )));
        }
        if !seen.insert(f.indicator.as_str()) {
            return Err(StoreError::Invalid(format!(
                "figures[{n}].indicator: `{}` is given twice",
                f.indicator
            )));
        }
        let row = one(
            c,
            "SELECT owner_unit_id FROM indicators WHERE plan_id = $1 AND code = $2 AND NOT archived",
            vec![plan_id.into(), f.indicator.as_str().into()],
        )
        .await?
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "figures[{n}].indicator: `{}` is not an indicator of this plan",
                f.indicator
            ))
        })?;
        if get::<Option<i64>>(&row, "owner_unit_id")?.is_some_and(|o| o != unit_id) {
            return Err(StoreError::Forbidden(format!(
                "figures[{n}].indicator: `{}` is owned by another unit, which reports its figures",
                f.indicator
            )));
        }
    }
    serde_json::to_string(figures).map_err(|e| StoreError::Invalid(format!("figures: {e}")))
}

fn milestone_percent(kind: ItemKind, percent: Option<Percent>) -> Result<()> {
    if kind == ItemKind::Milestone
        && percent.is_some_and(|p| p.value() != 0.0 && p.value() != 100.0)
    {
        return Err(StoreError::Invalid(
            "percent: a milestone is either reached (100) or not (0)".into(),
        ));
    }
    Ok(())
}

/// Writes a state change guarded by the version read, so a concurrent writer makes this one
/// fail as stale instead of being overwritten.
async fn guarded<C: ConnectionTrait>(
    c: &C,
    id: i64,
    version: i64,
    set: &str,
    mut values: Vec<Value>,
) -> Result<()> {
    let n = values.len();
    values.push(id.into());
    values.push(version.into());
    let sql = format!(
        "UPDATE reports SET {set}, version = version + 1 WHERE id = ${} AND version = ${}",
        n + 1,
        n + 2
    );
    if exec(c, &sql, values).await? == 0 {
        let current = load(c, id).await?.version;
        return Err(StoreError::Stale {
            expected: version,
            current,
        });
    }
    Ok(())
}

impl ReportStore for Store {
    async fn create_report(&self, new: NewReport, stamp: &Stamp) -> Result<ReportRecord> {
        let txn = self.db.begin().await?;
        let item = one(
            &txn,
            "SELECT i.id, i.plan_id, i.kind, i.archived, u.code AS lead FROM items i JOIN plans pl ON pl.id = i.plan_id \
             LEFT JOIN units u ON u.id = i.lead_unit_id WHERE pl.code = $1 AND i.code = $2",
            vec![new.plan.clone().into(), new.item.clone().into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("item `{}` in plan `{}`", new.item, new.plan)))?;
        let (item_id, plan_id): (i64, i64) = (get(&item, "id")?, get(&item, "plan_id")?);
        if get::<bool>(&item, "archived")? {
            return Err(StoreError::Conflict(format!(
                "item `{}` is archived",
                new.item
            )));
        }
        let kind: String = get(&item, "kind")?;
        milestone_percent(
            ItemKind::parse(&kind).unwrap_or(ItemKind::Task),
            new.percent,
        )?;
        let unit = one(
            &txn,
            "SELECT id FROM units WHERE code = $1",
            vec![new.unit.clone().into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("unit `{}`", new.unit)))?;
        let unit_id: i64 = get(&unit, "id")?;
        let is_lead = get::<Option<String>>(&item, "lead")?.as_deref() == Some(new.unit.as_str());
        let is_co = one(
            &txn,
            "SELECT 1 AS x FROM item_co_units WHERE item_id = $1 AND unit_id = $2",
            vec![item_id.into(), unit_id.into()],
        )
        .await?
        .is_some();
        if !is_lead && !is_co {
            return Err(StoreError::Forbidden(format!(
                "unit `{}` neither leads nor co-operates on item `{}`, so it cannot report on it",
                new.unit, new.item
            )));
        }
        let period = new.period.to_string();
        period_open(&txn, plan_id, &period).await?;
        let open = one(
            &txn,
            "SELECT id FROM reports WHERE item_id = $1 AND period = $2 AND unit_id = $3 AND state IN ('draft', 'submitted', 'returned')",
            vec![item_id.into(), period.clone().into(), unit_id.into()],
        )
        .await?;
        if let Some(o) = open {
            let oid: i64 = get(&o, "id")?;
            return Err(StoreError::Conflict(format!(
                "report #{oid} for this item, period and unit is still open; edit it instead"
            )));
        }
        let figures = check_figures(&txn, plan_id, unit_id, &new.figures).await?;
        exec(
            &txn,
            "INSERT INTO reports (plan_id, item_id, period, unit_id, percent, narrative, problems, next_steps, state, author, \
             reviewer, review_comment, created_at, updated_at, version, figures) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'draft',$9,'','',$10,$10,1,$11)",
            vec![
                plan_id.into(),
                item_id.into(),
                period.clone().into(),
                unit_id.into(),
                new.percent.map(|p| p.value()).into(),
                new.narrative.into(),
                new.problems.into(),
                new.next_steps.into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
                figures.into(),
            ],
        )
        .await?;
        let r = one(
            &txn,
            "SELECT MAX(id) AS id FROM reports WHERE item_id = $1 AND period = $2 AND unit_id = $3",
            vec![item_id.into(), period.into(), unit_id.into()],
        )
        .await?
        .expect("just inserted");
        let rec = load(&txn, get(&r, "id")?).await?;
        event(&txn, stamp, "report.created", &rec, None, Some(plan_id)).await?;
        txn.commit().await?;
        Ok(rec)
    }

    async fn edit_report(
        &self,
        id: i64,
        version: i64,
        edit: ReportEdit,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        let txn = self.db.begin().await?;
        let before = load(&txn, id).await?;
        check(&before, version, ReportAction::Edit)?;
        period_open(&txn, plan_id_of(&txn, id).await?, &before.period).await?;
        if let Some(p) = edit.percent {
            let kind = one(
                &txn,
                "SELECT kind FROM items WHERE id = (SELECT item_id FROM reports WHERE id = $1)",
                vec![id.into()],
            )
            .await?
            .expect("report has an item");
            milestone_percent(
                ItemKind::parse(&get::<String>(&kind, "kind")?).unwrap_or(ItemKind::Task),
                p,
            )?;
        }
        let figures = match &edit.figures {
            Some(f) => {
                let ids = one(
                    &txn,
                    "SELECT plan_id, unit_id FROM reports WHERE id = $1",
                    vec![id.into()],
                )
                .await?
                .expect("the report was just read");
                check_figures(&txn, get(&ids, "plan_id")?, get(&ids, "unit_id")?, f).await?
            }
            None => serde_json::to_string(&before.figures)
                .map_err(|e| StoreError::Invalid(format!("figures: {e}")))?,
        };
        guarded(
            &txn,
            id,
            version,
            "percent = $1, narrative = $2, problems = $3, next_steps = $4, updated_at = $5, figures = $6",
            vec![
                edit.percent
                    .unwrap_or(
                        before
                            .percent
                            .map(|p| Percent::new(p).expect("stored percent")),
                    )
                    .map(|p| p.value())
                    .into(),
                edit.narrative
                    .unwrap_or_else(|| before.narrative.clone())
                    .into(),
                edit.problems
                    .unwrap_or_else(|| before.problems.clone())
                    .into(),
                edit.next_steps
                    .unwrap_or_else(|| before.next_steps.clone())
                    .into(),
                stamp.at.into(),
                figures.into(),
            ],
        )
        .await?;
        let after = load(&txn, id).await?;
        event(&txn, stamp, "report.edited", &after, Some(&before), None).await?;
        txn.commit().await?;
        Ok(after)
    }

    async fn submit_report(&self, id: i64, version: i64, stamp: &Stamp) -> Result<ReportRecord> {
        let txn = self.db.begin().await?;
        let before = load(&txn, id).await?;
        let to = check(&before, version, ReportAction::Submit)?;
        period_open(&txn, plan_id_of(&txn, id).await?, &before.period).await?;
        guarded(
            &txn,
            id,
            version,
            "state = $1, submitted_at = $2, updated_at = $2",
            vec![to.as_str().into(), stamp.at.into()],
        )
        .await?;
        let after = load(&txn, id).await?;
        event(&txn, stamp, "report.submitted", &after, Some(&before), None).await?;
        txn.commit().await?;
        Ok(after)
    }

    async fn accept_report(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<(ReportRecord, Vec<ProgressChange>)> {
        let txn = self.db.begin().await?;
        take_lock(&txn, self.backend()).await?;
        let done = accept_in(&txn, self.backend(), id, version, comment, stamp).await?;
        finish(&txn, std::slice::from_ref(&done), stamp).await?;
        txn.commit().await?;
        Ok((done.report, done.changes))
    }

    async fn accept_batch(
        &self,
        batch: &[Acceptance],
    ) -> Result<Vec<Result<(ReportRecord, Vec<ProgressChange>)>>> {
        let txn = self.db.begin().await?;
        take_lock(&txn, self.backend()).await?;
        let mut out = Vec::with_capacity(batch.len());
        let mut done = Vec::with_capacity(batch.len());
        for a in batch {
            // A refusal (not found, stale, wrong state) is found before anything is written, so
            // the others go on; any other error fails the batch, and the caller retries one by one.
            match accept_in(&txn, self.backend(), a.id, a.version, &a.comment, &a.stamp).await {
                Ok(d) => {
                    out.push(Ok((d.report.clone(), d.changes.clone())));
                    done.push(d);
                }
                Err(
                    e @ (StoreError::NotFound(_)
                    | StoreError::Stale { .. }
                    | StoreError::Conflict(_)),
                ) => out.push(Err(e)),
                Err(e) => return Err(e),
            }
        }
        if let Some(last) = batch.last() {
            finish(&txn, &done, &last.stamp).await?;
        }
        txn.commit().await?;
        Ok(out)
    }

    async fn return_report(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        if comment.trim().is_empty() {
            return Err(StoreError::Invalid(
                "comment: say why the report is returned".into(),
            ));
        }
        let txn = self.db.begin().await?;
        let before = load(&txn, id).await?;
        let to = check(&before, version, ReportAction::Return)?;
        guarded(
            &txn,
            id,
            version,
            "state = $1, reviewer = $2, review_comment = $3, reviewed_at = $4, updated_at = $4",
            vec![
                to.as_str().into(),
                stamp.actor.clone().into(),
                comment.to_string().into(),
                stamp.at.into(),
            ],
        )
        .await?;
        let after = load(&txn, id).await?;
        event(&txn, stamp, "report.returned", &after, Some(&before), None).await?;
        txn.commit().await?;
        Ok(after)
    }

    async fn get_report(&self, id: i64) -> Result<ReportRecord> {
        load(&self.db, id).await
    }

    async fn submit_batch(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<Vec<i64>> {
        let txn = self.db.begin().await?;
        let pid = self.plan_id(plan).await?;
        // Who may report on what: the lead and the co-operating units of every live item.
        let mut allowed: std::collections::HashMap<
            String,
            (i64, std::collections::HashSet<String>),
        > = std::collections::HashMap::new();
        for r in &all(&txn, "SELECT i.id, i.code, u.code AS unit FROM items i LEFT JOIN units u ON u.id = i.lead_unit_id WHERE i.plan_id = $1 AND NOT i.archived", vec![pid.into()]).await? {
            let e = allowed.entry(get(r, "code")?).or_insert((get(r, "id")?, Default::default()));
            if let Some(u) = get::<Option<String>>(r, "unit")? {
                e.1.insert(u);
            }
        }
        for r in &all(&txn, "SELECT i.code, u.code AS unit FROM item_co_units c JOIN items i ON i.id = c.item_id JOIN units u ON u.id = c.unit_id WHERE i.plan_id = $1", vec![pid.into()]).await? {
            if let Some(e) = allowed.get_mut(&get::<String>(r, "code")?) {
                e.1.insert(get(r, "unit")?);
            }
        }
        let units: std::collections::HashMap<String, i64> =
            all(&txn, "SELECT id, code FROM units", vec![])
                .await?
                .iter()
                .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
                .collect::<Result<_>>()?;
        let first = one(
            &txn,
            "SELECT COALESCE(MAX(id), 0) AS m FROM reports",
            vec![],
        )
        .await?
        .expect("one row");
        let first: i64 = get(&first, "m")?;
        let mut rows = Vec::with_capacity(reports.len());
        for r in reports {
            let (item, who) = allowed.get(r.item.as_str()).ok_or_else(|| {
                StoreError::NotFound(format!("item `{}` in plan `{plan}`", r.item))
            })?;
            if !who.contains(r.unit.as_str()) {
                return Err(StoreError::Forbidden(format!(
                    "unit `{}` neither leads nor co-operates on item `{}`",
                    r.unit, r.item
                )));
            }
            Percent::new(r.percent)
                .map_err(|e| StoreError::Invalid(format!("report on `{}`: {e}", r.item)))?;
            rows.push(report_row(
                pid,
                *item,
                units[r.unit.as_str()],
                r,
                "submitted",
                &stamp.actor,
                "",
                (stamp.at, None),
                stamp.at,
            ));
        }
        crate::plans::insert_rows(&txn, "reports", REPORT_COLUMNS, rows).await?;
        let ids: Vec<i64> = all(
            &txn,
            "SELECT id FROM reports WHERE id > $1 ORDER BY id",
            vec![first.into()],
        )
        .await?
        .iter()
        .map(|r| get(r, "id"))
        .collect::<Result<_>>()?;
        if ids.len() != reports.len() {
            return Err(StoreError::Conflict(
                "another writer added reports during the batch; try again".into(),
            ));
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![crate::events::NewEvent::on_plan(
                "reports.batch_submitted",
                plan,
                pid,
                format!("{{\"reports\":{}}}", ids.len()),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(ids)
    }

    async fn load_history(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let txn = self.db.begin().await?;
        let pid = self.plan_id(plan).await?;
        if one(
            &txn,
            "SELECT id FROM reports WHERE plan_id = $1 LIMIT 1",
            vec![pid.into()],
        )
        .await?
        .is_some()
        {
            return Err(StoreError::Conflict(format!(
                "plan `{plan}` already has reports; history loads only into a plan without any"
            )));
        }
        let ids: std::collections::HashMap<String, i64> = all(
            &txn,
            "SELECT id, code FROM items WHERE plan_id = $1 AND NOT archived",
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect::<Result<_>>()?;
        let units: std::collections::HashMap<String, i64> =
            all(&txn, "SELECT id, code FROM units", vec![])
                .await?
                .iter()
                .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
                .collect::<Result<_>>()?;
        let noon = |d: chrono::NaiveDate| {
            Utc.from_utc_datetime(&d.and_hms_opt(2, 0, 0).expect("valid time"))
        };
        let mut rows = Vec::with_capacity(reports.len());
        let mut replay = Vec::with_capacity(reports.len());
        for r in reports {
            let item = *ids.get(r.item.as_str()).ok_or_else(|| {
                StoreError::NotFound(format!("item `{}` in plan `{plan}`", r.item))
            })?;
            let unit = *units
                .get(r.unit.as_str())
                .ok_or_else(|| StoreError::NotFound(format!("unit `{}`", r.unit)))?;
            Percent::new(r.percent).map_err(|e| {
                StoreError::Invalid(format!("report on `{}` for {}: {e}", r.item, r.period))
            })?;
            rows.push(report_row(
                pid,
                item,
                unit,
                r,
                "accepted",
                actor,
                actor,
                (noon(r.submitted_on), Some(noon(r.accepted_on))),
                noon(r.accepted_on),
            ));
            replay.push((r.accepted_on, item, r.period.to_string(), r.percent));
        }
        crate::plans::insert_rows(&txn, "reports", REPORT_COLUMNS, rows).await?;
        crate::progress::replay(&txn, pid, replay, at).await?;
        append(
            &txn,
            at,
            actor,
            vec![crate::events::NewEvent::on_plan(
                "history.loaded",
                plan,
                pid,
                format!("{{\"reports\":{}}}", reports.len()),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(reports.len())
    }

    async fn close_period(&self, plan: &str, period: Period, stamp: &Stamp) -> Result<()> {
        let pid = self.plan_id(plan).await?;
        let period = period.to_string();
        let txn = self.db.begin().await?;
        period_open(&txn, pid, &period).await?;
        let waiting: i64 = get(
            &one(
                &txn,
                "SELECT COUNT(*) AS n FROM reports WHERE plan_id = $1 AND period = $2 AND state = 'submitted'",
                vec![pid.into(), period.clone().into()],
            )
            .await?
            .expect("a count"),
            "n",
        )?;
        if waiting > 0 {
            return Err(StoreError::Conflict(format!(
                "{waiting} report(s) of {period} still await review: accept or return them first"
            )));
        }
        exec(
            &txn,
            "INSERT INTO closed_periods (plan_id, period, closed_at, closed_by) VALUES ($1, $2, $3, $4)",
            vec![pid.into(), period.clone().into(), stamp.at.into(), stamp.actor.clone().into()],
        )
        .await?;
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![crate::events::NewEvent::on_plan(
                "period.closed",
                plan,
                pid,
                format!("{{\"period\":\"{period}\"}}"),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn closed_periods(&self, plan: &str) -> Result<Vec<String>> {
        let pid = self.plan_id(plan).await?;
        all(
            &self.db,
            "SELECT period FROM closed_periods WHERE plan_id = $1 ORDER BY period",
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(|r| get(r, "period"))
        .collect()
    }

    async fn list_reports(&self, f: &ReportFilter, limit: u64) -> Result<Vec<ReportRecord>> {
        let mut conds = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (col, v) in [
            ("pl.code", f.plan.clone()),
            ("i.code", f.item.clone()),
            ("u.code", f.unit.clone()),
            ("r.state", f.state.map(|s| s.as_str().to_string())),
            ("r.period", f.period.clone()),
        ] {
            if let Some(v) = v {
                values.push(v.into());
                conds.push(format!("{col} = ${}", values.len()));
            }
        }
        values.push((limit.clamp(1, 1000) as i64).into());
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let rows = all(
            &self.db,
            &format!("{SELECT}{where_} ORDER BY r.id LIMIT ${}", values.len()),
            values,
        )
        .await?;
        rows.iter().map(record).collect()
    }
}

/// The columns `report_row` fills, for reports written in bulk.
const REPORT_COLUMNS: &[&str] = &[
    "plan_id",
    "item_id",
    "period",
    "unit_id",
    "percent",
    "narrative",
    "problems",
    "next_steps",
    "state",
    "author",
    "reviewer",
    "review_comment",
    "submitted_at",
    "reviewed_at",
    "created_at",
    "updated_at",
    "version",
];

/// One report written in bulk (a batch from a spreadsheet, or history), created when it was
/// submitted and last updated at `updated`.
#[allow(clippy::too_many_arguments)] // each argument is one column group of the row
fn report_row(
    plan_id: i64,
    item_id: i64,
    unit_id: i64,
    r: &HistoricReport,
    state: &str,
    author: &str,
    reviewer: &str,
    (submitted, reviewed): (DateTime<Utc>, Option<DateTime<Utc>>),
    updated: DateTime<Utc>,
) -> Vec<Value> {
    vec![
        plan_id.into(),
        item_id.into(),
        r.period.to_string().into(),
        unit_id.into(),
        Some(r.percent).into(),
        r.narrative.clone().into(),
        r.problems.clone().into(),
        r.next_steps.clone().into(),
        state.into(),
        author.into(),
        reviewer.into(),
        String::new().into(),
        Some(submitted).into(),
        reviewed.into(),
        submitted.into(),
        updated.into(),
        1i64.into(),
    ]
}

/// One acceptance of a batch.
#[derive(Clone, Debug)]
pub struct Acceptance {
    pub id: i64,
    pub version: i64,
    pub comment: String,
    pub stamp: Stamp,
}

/// Takes SQLite's write lock at once, before reading anything the rollup depends on (SQLite
/// would otherwise start a read transaction it may be unable to upgrade). PostgreSQL locks
/// rows instead (`progress::lock_chain`).
async fn take_lock<C: ConnectionTrait>(c: &C, backend: Backend) -> Result<()> {
    if backend == Backend::Sqlite {
        exec(c, "UPDATE reports SET id = id WHERE 1 = 0", vec![]).await?;
    }
    Ok(())
}

/// An acceptance written, with what is left to do once per transaction.
struct Accepted {
    report: ReportRecord,
    changes: Vec<ProgressChange>,
    plan_id: i64,
    chain: Vec<i64>,
    event: NewEvent,
    at: DateTime<Utc>,
    today: chrono::NaiveDate,
    actor: String,
}

/// Accepts one report inside the caller's transaction: every refusal is found before the
/// first write. Events and warnings are left to `finish`, once per transaction.
async fn accept_in<C: ConnectionTrait>(
    c: &C,
    backend: Backend,
    id: i64,
    version: i64,
    comment: &str,
    stamp: &Stamp,
) -> Result<Accepted> {
    let row = one(
        c,
        "SELECT r.id, r.item_id, r.plan_id, r.period, r.percent, r.narrative, r.problems, r.next_steps, r.state, r.author, r.reviewer, r.review_comment, r.supersedes_id, r.submitted_at, r.reviewed_at, r.created_at, r.updated_at, r.version, r.figures, pl.code AS plan_code, i.code AS item_code, u.code AS unit_code, \
             (SELECT p.id FROM reports p WHERE p.item_id = r.item_id AND p.period = r.period \
               AND p.state = 'accepted' AND p.id <> r.id) AS previous_id \
             FROM reports r JOIN plans pl ON pl.id = r.plan_id JOIN items i ON i.id = r.item_id \
             JOIN units u ON u.id = r.unit_id WHERE r.id = $1",
        vec![id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("report #{id}")))?;
    let before = record(&row)?;
    let (item_id, plan_id): (i64, i64) = (get(&row, "item_id")?, get(&row, "plan_id")?);
    let to = check(&before, version, ReportAction::Accept)?;
    let supersedes: Option<i64> = get(&row, "previous_id")?;
    guarded(
        c,
        id,
        version,
        "state = $1, reviewer = $2, review_comment = $3, reviewed_at = $4, updated_at = $4, supersedes_id = $5",
        vec![to.as_str().into(), stamp.actor.clone().into(), comment.to_string().into(), stamp.at.into(), supersedes.into()],
    )
    .await?;
    if let Some(old) = supersedes {
        exec(c, "UPDATE reports SET state = 'superseded', updated_at = $1, version = version + 1 WHERE id = $2", vec![stamp.at.into(), old.into()]).await?;
    }
    let (changes, chain) = touch(c, backend, item_id, stamp).await?;
    if !before.figures.is_empty() {
        record_actuals(c, plan_id, &before, stamp.today).await?;
    }
    // What the guarded update wrote, without reading it back.
    let after = ReportRecord {
        state: to,
        reviewer: stamp.actor.clone(),
        review_comment: comment.to_string(),
        reviewed_at: Some(stamp.at),
        updated_at: stamp.at,
        supersedes,
        version: before.version + 1,
        ..before.clone()
    };
    let event = NewEvent {
        kind: "report.accepted",
        entity: "report",
        entity_code: after.id.to_string(),
        plan_id: None,
        before: serde_json::to_string(&before).ok(),
        after: serde_json::to_string(&after).ok(),
    };
    Ok(Accepted {
        report: after,
        changes,
        plan_id,
        chain,
        event,
        at: stamp.at,
        today: stamp.today,
        actor: stamp.actor.clone(),
    })
}

/// An accepted report's indicator figures become the indicators' actuals.
async fn record_actuals<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    r: &ReportRecord,
    accepted_on: chrono::NaiveDate,
) -> Result<()> {
    let period = Period::parse(&r.period).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut rows = Vec::new();
    for f in &r.figures {
        let ind = one(
            c,
            "SELECT id FROM indicators WHERE plan_id = $1 AND code = $2",
            vec![plan_id.into(), f.indicator.as_str().into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("indicator `{}`", f.indicator)))?;
        rows.push(vec![
            get::<i64>(&ind, "id")?.into(),
            r.id.into(),
            r.period.clone().into(),
            period.last_day().into(),
            f.value.into(),
            accepted_on.into(),
            format!("report #{}", r.id).into(),
        ]);
    }
    crate::directory::insert_actuals(c, rows).await
}

/// Once per transaction: the acceptances' events, then the warnings of every item they touched
/// (an item and its ancestors) re-evaluated together.
async fn finish<C: ConnectionTrait>(c: &C, done: &[Accepted], stamp: &Stamp) -> Result<()> {
    let history: Vec<Vec<Value>> = done
        .iter()
        .flat_map(|d| {
            d.changes
                .iter()
                .map(move |ch| crate::progress::history_row(ch.item_id, ch.after, d.today, d.at))
        })
        .collect();
    crate::progress::insert_history(c, history).await?;
    // One statement for the batch's events, each with its own time and actor.
    crate::events::append_each(
        c,
        done.iter()
            .map(|d| (d.at, d.actor.clone(), d.event.clone()))
            .collect(),
    )
    .await?;
    let mut by_plan: std::collections::BTreeMap<i64, std::collections::BTreeSet<i64>> =
        Default::default();
    for d in done {
        by_plan
            .entry(d.plan_id)
            .or_default()
            .extend(d.chain.iter().copied());
    }
    for (plan_id, items) in by_plan {
        let items: Vec<i64> = items.into_iter().collect();
        crate::progress::bump(c, plan_id, Some(&items)).await?;
        crate::warnings::refresh(c, plan_id, Some(&items), stamp).await?;
    }
    Ok(())
}

async fn event<C: ConnectionTrait>(
    c: &C,
    stamp: &Stamp,
    kind: &'static str,
    after: &ReportRecord,
    before: Option<&ReportRecord>,
    plan_id: Option<i64>,
) -> Result<()> {
    append(
        c,
        stamp.at,
        &stamp.actor,
        vec![NewEvent {
            kind,
            entity: "report",
            entity_code: after.id.to_string(),
            plan_id,
            before: before.and_then(|b| serde_json::to_string(b).ok()),
            after: serde_json::to_string(after).ok(),
        }],
    )
    .await
}
