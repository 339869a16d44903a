//! Acceptance: the report becomes the unit's current word on the item, superseding its earlier
//! accepted report for the period; the item and its ancestors move (`progress::touch`); its
//! indicator figures become actuals; events and warnings follow once per transaction. Batches
//! of acceptances share one transaction and one fsync (group commit, `web::jobs`).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::report::{self, ReportAction};

use super::workflow::{check_version, guarded};
use super::{ReportRecord, record, report_columns, report_from};
use crate::db::{Backend, Store, WriteTxn, exec, one};
use crate::error::{Result, StoreError};
use crate::events::NewEvent;
use crate::progress::{ProgressChange, touch};
use crate::rows::get;

/// One acceptance of a batch.
#[derive(Clone, Debug)]
pub struct Acceptance {
    pub id: i64,
    pub version: i64,
    pub comment: String,
    pub stamp: Stamp,
}

/// An acceptance written, with what is left to do once per transaction.
struct Accepted {
    report: ReportRecord,
    changes: Vec<ProgressChange>,
    plan_id: i64,
    chain: Vec<i64>,
    event: NewEvent,
    at: DateTime<Utc>,
    today: NaiveDate,
    actor: String,
}

impl Store {
    pub(super) async fn accept_report_in(
        &self,
        id: i64,
        version: i64,
        comment: &str,
        stamp: &Stamp,
    ) -> Result<(ReportRecord, Vec<ProgressChange>)> {
        let txn = self.write().await?;
        let done = accept_in(&txn, self.backend(), id, version, comment, stamp).await?;
        finish(&txn, std::slice::from_ref(&done), stamp).await?;
        txn.commit().await?;
        Ok((done.report, done.changes))
    }

    pub(super) async fn accept_batch_in(
        &self,
        batch: &[Acceptance],
    ) -> Result<Vec<Result<(ReportRecord, Vec<ProgressChange>)>>> {
        let txn = self.write().await?;
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
                    | StoreError::Conflict(_)
                    | StoreError::Invalid(_)),
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
}

/// A report with the id of the accepted report of the same item, period and unit that it will
/// supersede.
const ACCEPT_SELECT: &str = concat!(
    "SELECT ",
    report_columns!(),
    ", (SELECT p.id FROM reports p WHERE p.item_id = r.item_id AND p.period = r.period \
       AND p.unit_id = r.unit_id AND p.state = 'accepted' AND p.id <> r.id) AS previous_id",
    report_from!(),
    " WHERE r.id = $1"
);

/// Accepts one report inside the caller's transaction: every refusal is found before the
/// first write. Events and warnings are left to `finish`, once per transaction.
async fn accept_in(
    c: &WriteTxn,
    backend: Backend,
    id: i64,
    version: i64,
    comment: &str,
    stamp: &Stamp,
) -> Result<Accepted> {
    let row = one(c, ACCEPT_SELECT, vec![id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report #{id}")))?;
    let before = record(&row)?;
    let (item_id, plan_id): (i64, i64) = (get(&row, "item_id")?, get(&row, "plan_id")?);
    check_version(&before, version)?;
    let to = report::check_review(before.state, ReportAction::Accept, comment)?;
    let supersedes: Option<i64> = get(&row, "previous_id")?;
    guarded(
        c,
        id,
        version,
        "state = $1, reviewer = $2, review_comment = $3, reviewed_at = $4, updated_at = $4, supersedes_id = $5",
        vec![
            to.as_str().into(),
            stamp.actor.clone().into(),
            comment.to_string().into(),
            stamp.at.into(),
            supersedes.into(),
        ],
    )
    .await?;
    if let Some(old) = supersedes {
        exec(
            c,
            "UPDATE reports SET state = 'superseded', updated_at = $1, version = version + 1 WHERE id = $2",
            vec![stamp.at.into(), old.into()],
        )
        .await?;
    }
    let (mut changes, mut chain) = touch(c, backend, item_id, stamp).await?;
    if !before.figures.is_empty() {
        let indicators = record_actuals(c, plan_id, &before, stamp).await?;
        // Items measured by those indicators move too.
        let (more, chains) =
            crate::progress::touch_measured(c, backend, &indicators, stamp).await?;
        changes.extend(more);
        chain.extend(chains);
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
    let event = NewEvent::new(EventKind::ReportAccepted, after.id.to_string())
        .before(&before)?
        .after(&after)?;
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

/// An accepted report's indicator figures become the indicators' actuals, known from the day
/// of the acceptance.
async fn record_actuals<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    r: &ReportRecord,
    stamp: &Stamp,
) -> Result<Vec<i64>> {
    let mut rows = Vec::new();
    for f in &r.figures {
        let ind = one(
            c,
            "SELECT id, unit, scope, basis FROM indicators WHERE plan_id = $1 AND code = $2",
            vec![plan_id.into(), f.indicator.as_str().into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("indicator `{}`", f.indicator)))?;
        // In the indicator's own unit, scope and basis (a report names only the indicator);
        // a later report's figure for the period revises the earlier, its report the reason.
        let entry = crate::directory::Entry {
            unit: Some(get(&ind, "unit")?),
            scope: Some(get(&ind, "scope")?),
            basis: Some(get(&ind, "basis")?),
            reason: Some(format!("report #{}", r.id)),
            ..Default::default()
        };
        let value = f.value;
        rows.push((
            get::<i64>(&ind, "id")?,
            crate::directory::Actual {
                indicator: f.indicator.clone(),
                period: r.period.to_string(),
                period_end: r.period.last_day(),
                value,
                source: format!("report #{}", r.id),
                report: Some(r.id),
                entry,
            },
        ));
    }
    let refs: Vec<(i64, &crate::directory::Actual)> = rows.iter().map(|(i, a)| (*i, a)).collect();
    crate::directory::insert_actuals(c, plan_id, &refs, stamp).await?;
    Ok(rows.iter().map(|(i, _)| *i).collect())
}

/// Once per transaction: the acceptances' progress history and events, then the warnings of
/// every item they touched (an item and its ancestors) re-evaluated together.
async fn finish(c: &WriteTxn, done: &[Accepted], stamp: &Stamp) -> Result<()> {
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
