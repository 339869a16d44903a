//! The unit's side of the workflow and the office's return and period closing: each loads the
//! facts, asks the rule in `core::report`, and writes what it allows with a version guard, an
//! event and nothing else.

use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::report::{self, Period, ReportAction, ReportState};

use super::facts::{self, Subject};
use super::{ClosedPeriod, NewReport, ReportEdit, ReportRecord, load};
use crate::Store;
use crate::db::{WriteTxn, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{get, to_json};

/// The ids a report's rules need, read from its row.
async fn ids<C: ConnectionTrait>(c: &C, id: i64) -> Result<(i64, i64, i64)> {
    let r = one(
        c,
        "SELECT item_id, unit_id, plan_id FROM reports WHERE id = $1",
        vec![id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("report #{id}")))?;
    Ok((
        get(&r, "item_id")?,
        get(&r, "unit_id")?,
        get(&r, "plan_id")?,
    ))
}

/// Refuses a stale copy before anything else: the caller is told to read again.
/// The facts the rules need about a stored report, as `content` would change it.
async fn facts_of_existing<C: ConnectionTrait>(
    c: &C,
    before: &ReportRecord,
    content: &tuijin_core::report::ReportContent,
    stamp: &Stamp,
) -> Result<tuijin_core::report::ReportFacts> {
    let (item_id, unit_id, _) = ids(c, before.id).await?;
    facts::load(
        c,
        &Subject {
            item_id,
            unit_id,
            period: before.period,
            report: Some(before.id),
            figures: &content.figures,
            today: stamp.today,
        },
    )
    .await
}

pub(super) fn check_version(rec: &ReportRecord, version: i64) -> Result<()> {
    if rec.version != version {
        return Err(StoreError::Stale {
            expected: version,
            current: rec.version,
        });
    }
    Ok(())
}

/// Writes a state change guarded by the version read, so a concurrent writer makes this one
/// fail as stale instead of being overwritten.
pub(super) async fn guarded<C: ConnectionTrait>(
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

async fn event(
    txn: &WriteTxn,
    stamp: &Stamp,
    kind: EventKind,
    after: &ReportRecord,
    before: Option<&ReportRecord>,
    plan_id: Option<i64>,
) -> Result<()> {
    let mut e = NewEvent::new(kind, after.id.to_string()).after(after)?;
    if let Some(b) = before {
        e = e.before(b)?;
    }
    if let Some(p) = plan_id {
        e = e.in_plan(p);
    }
    append(txn, stamp.at, &stamp.actor, vec![e]).await
}

/// What the seal of a closed period covers, one line per report.
#[derive(Serialize)]
struct SealLine<'a> {
    id: i64,
    item: &'a str,
    unit: &'a str,
    state: &'a str,
    percent: Option<f64>,
    version: i64,
    narrative: &'a str,
    problems: &'a str,
    next_steps: &'a str,
    figures: &'a str,
}

/// The seal of a period's reports as they are now.
pub(crate) async fn period_seal<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    period: &str,
) -> Result<String> {
    let rows = all(
        c,
        "SELECT r.id, i.code AS item, u.code AS unit, r.state, r.percent, r.version, r.narrative, r.problems, \
         r.next_steps, r.figures FROM reports r JOIN items i ON i.id = r.item_id JOIN units u ON u.id = r.unit_id \
         WHERE r.plan_id = $1 AND r.period = $2 ORDER BY r.id",
        vec![plan_id.into(), period.into()],
    )
    .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let (item, unit, state, narrative, problems, next_steps, figures): (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
        ) = (
            get(r, "item")?,
            get(r, "unit")?,
            get(r, "state")?,
            get(r, "narrative")?,
            get(r, "problems")?,
            get(r, "next_steps")?,
            get(r, "figures")?,
        );
        lines.push(to_json(&SealLine {
            id: get(r, "id")?,
            item: &item,
            unit: &unit,
            state: &state,
            percent: get(r, "percent")?,
            version: get(r, "version")?,
            narrative: &narrative,
            problems: &problems,
            next_steps: &next_steps,
            figures: &figures,
        })?);
    }
    Ok(tuijin_core::audit::seal(lines))
}

/// What the `period.closed` event records.
#[derive(Serialize)]
struct Closing<'a> {
    period: &'a str,
    seal: &'a str,
}

impl Store {
    pub(super) async fn create_report_in(
        &self,
        new: NewReport,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        let txn = self.write().await?;
        let rec = create(&txn, new, stamp).await?;
        txn.commit().await?;
        Ok(rec)
    }

    pub(super) async fn edit_report_in(
        &self,
        id: i64,
        version: i64,
        edit: ReportEdit,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        let txn = self.write().await?;
        let after = edit_in(&txn, id, version, edit, stamp).await?;
        txn.commit().await?;
        Ok(after)
    }

    pub(super) async fn submit_report_in(
        &self,
        id: i64,
        version: i64,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        let txn = self.write().await?;
        let after = submit_in(&txn, id, version, stamp).await?;
        txn.commit().await?;
        Ok(after)
    }
}

/// Starts a draft inside the caller's transaction: the rules of `core::report::check_new`,
/// then the row and its event.
pub(super) async fn create(txn: &WriteTxn, new: NewReport, stamp: &Stamp) -> Result<ReportRecord> {
    let item = one(
        txn,
        "SELECT i.id, i.plan_id FROM items i JOIN plans pl ON pl.id = i.plan_id \
             WHERE pl.code = $1 AND i.code = $2",
        vec![new.plan.clone().into(), new.item.clone().into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("item `{}` in plan `{}`", new.item, new.plan)))?;
    let (item_id, plan_id): (i64, i64) = (get(&item, "id")?, get(&item, "plan_id")?);
    let unit = one(
        txn,
        "SELECT id FROM units WHERE code = $1",
        vec![new.unit.clone().into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("unit `{}`", new.unit)))?;
    let unit_id: i64 = get(&unit, "id")?;
    let f = facts::load(
        txn,
        &Subject {
            item_id,
            unit_id,
            period: new.period,
            report: None,
            figures: &new.content.figures,
            today: stamp.today,
        },
    )
    .await?;
    report::check_new(&new.content, &f)?;
    let c = &new.content;
    let r = one(
            txn,
            "INSERT INTO reports (plan_id, item_id, period, unit_id, percent, narrative, problems, next_steps, state, author, \
             reviewer, review_comment, created_at, updated_at, version, figures, period_start, period_end) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'draft',$9,'','',$10,$10,1,$11,$12,$13) RETURNING id",
            vec![
                plan_id.into(),
                item_id.into(),
                new.period.to_string().into(),
                unit_id.into(),
                c.percent.map(|p| p.value()).into(),
                c.narrative.clone().into(),
                c.problems.clone().into(),
                c.next_steps.clone().into(),
                stamp.actor.clone().into(),
                stamp.at.into(),
                to_json(&c.figures)?.into(),
                new.period.first_day().into(),
                new.period.last_day().into(),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Internal("INSERT … RETURNING gave no row".into()))?;
    let rec = load(txn, get(&r, "id")?).await?;
    event(
        txn,
        stamp,
        EventKind::ReportCreated,
        &rec,
        None,
        Some(plan_id),
    )
    .await?;
    Ok(rec)
}

/// Edits a draft or returned report inside the caller's transaction.
pub(super) async fn edit_in(
    txn: &WriteTxn,
    id: i64,
    version: i64,
    edit: ReportEdit,
    stamp: &Stamp,
) -> Result<ReportRecord> {
    let before = load(txn, id).await?;
    check_version(&before, version)?;
    let content = edit.apply(&before.content());
    let f = facts_of_existing(txn, &before, &content, stamp).await?;
    report::check_edit(before.state, &content, &f)?;
    guarded(
            txn,
            id,
            version,
            "percent = $1, narrative = $2, problems = $3, next_steps = $4, updated_at = $5, figures = $6",
            vec![
                content.percent.map(|p| p.value()).into(),
                content.narrative.clone().into(),
                content.problems.clone().into(),
                content.next_steps.clone().into(),
                stamp.at.into(),
                to_json(&content.figures)?.into(),
            ],
        )
        .await?;
    let after = load(txn, id).await?;
    event(
        txn,
        stamp,
        EventKind::ReportEdited,
        &after,
        Some(&before),
        None,
    )
    .await?;
    Ok(after)
}

/// Submits a draft or returned report inside the caller's transaction.
pub(super) async fn submit_in(
    txn: &WriteTxn,
    id: i64,
    version: i64,
    stamp: &Stamp,
) -> Result<ReportRecord> {
    let before = load(txn, id).await?;
    check_version(&before, version)?;
    let content = before.content();
    let f = facts_of_existing(txn, &before, &content, stamp).await?;
    let to = report::check_submit(before.state, &content, &f)?;
    guarded(
        txn,
        id,
        version,
        "state = $1, submitted_at = $2, updated_at = $2",
        vec![to.as_str().into(), stamp.at.into()],
    )
    .await?;
    let after = load(txn, id).await?;
    event(
        txn,
        stamp,
        EventKind::ReportSubmitted,
        &after,
        Some(&before),
        None,
    )
    .await?;
    Ok(after)
}

impl Store {
    pub(super) async fn return_report_in(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<ReportRecord> {
        let txn = self.write().await?;
        let before = load(&txn, id).await?;
        check_version(&before, version)?;
        let to = report::check_review(before.state, ReportAction::Return, comment)?;
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
        event(
            &txn,
            stamp,
            EventKind::ReportReturned,
            &after,
            Some(&before),
            None,
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    pub(super) async fn close_period_in(
        &self,
        plan: &str,
        period: Period,
        stamp: &Stamp,
    ) -> Result<()> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let p = period.to_string();
        let closed = one(
            &txn,
            "SELECT 1 AS x FROM closed_periods WHERE plan_id = $1 AND period = $2",
            vec![pid.into(), p.clone().into()],
        )
        .await?
        .is_some();
        let waiting: i64 = get(
            &one(
                &txn,
                "SELECT COUNT(*) AS n FROM reports WHERE plan_id = $1 AND period = $2 AND state = $3",
                vec![
                    pid.into(),
                    p.clone().into(),
                    ReportState::Submitted.as_str().into(),
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("COUNT gave no row".into()))?,
            "n",
        )?;
        report::check_close(period, closed, waiting.max(0) as u64)?;
        let seal = period_seal(&txn, pid, &p).await?;
        exec(
            &txn,
            "INSERT INTO closed_periods (plan_id, period, closed_at, closed_by, seal) VALUES ($1, $2, $3, $4, $5)",
            vec![
                pid.into(),
                p.clone().into(),
                stamp.at.into(),
                stamp.actor.clone().into(),
                seal.clone().into(),
            ],
        )
        .await?;
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::PeriodClosed, format!("{plan}/{p}"))
                    .in_plan(pid)
                    .after(&Closing {
                        period: &p,
                        seal: &seal,
                    })?,
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub(super) async fn closed_periods_in(&self, plan: &str) -> Result<Vec<ClosedPeriod>> {
        let pid = self.plan_id(plan).await?;
        let mut out: Vec<ClosedPeriod> = all(
            &self.db(),
            "SELECT period, closed_at, closed_by, seal FROM closed_periods WHERE plan_id = $1",
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(|r| {
            let p: String = get(r, "period")?;
            Ok(ClosedPeriod {
                period: Period::parse(&p)
                    .map_err(|e| StoreError::Corrupt(format!("closed_periods.period: {e}")))?,
                closed_at: get(r, "closed_at")?,
                closed_by: get(r, "closed_by")?,
                seal: get(r, "seal")?,
            })
        })
        .collect::<Result<_>>()?;
        out.sort_by_key(|c| c.period);
        Ok(out)
    }
}

/// The seal a closed period's reports have now, beside the one kept when it was closed: the
/// check `tuijin audit verify` runs for every closed period.
pub(crate) async fn reseal_closed<C: ConnectionTrait>(
    c: &C,
) -> Result<Vec<(String, String, String, String)>> {
    let mut out = Vec::new();
    for r in &all(
        c,
        "SELECT cp.plan_id, pl.code, cp.period, cp.seal FROM closed_periods cp JOIN plans pl ON pl.id = cp.plan_id \
         ORDER BY pl.code, cp.period",
        vec![],
    )
    .await?
    {
        let (pid, plan, period, seal): (i64, String, String, String) = (
            get(r, "plan_id")?,
            get(r, "code")?,
            get(r, "period")?,
            get(r, "seal")?,
        );
        let now = period_seal(c, pid, &period).await?;
        out.push((plan, period, seal, now));
    }
    Ok(out)
}
