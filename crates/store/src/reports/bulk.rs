//! Reports in bulk: a batch filed as submitted (a spreadsheet, a load test's fixture), and
//! accepted reports of the past loaded as history. Both are all or nothing, and each report
//! is judged by the same rules as one typed into the form.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::Value;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::Relation;
use tuijin_core::sample::HistoricReport;
use tuijin_core::{Code, Percent};

use super::morning;
use crate::db::{Store, WriteTxn, all, one};
use crate::error::{Result, StoreError};
use crate::events::{Count, NewEvent, append};
use crate::rows::{code, code_opt, get, insert_rows};

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
    "period_start",
    "period_end",
];

/// One report written in bulk, created when it was submitted and last updated at `updated`.
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
        r.period.first_day().into(),
        r.period.last_day().into(),
    ]
}

/// The live items of a plan with who may report on each: id, lead, co-operating units.
async fn responsibilities(
    txn: &WriteTxn,
    pid: i64,
) -> Result<HashMap<Code, (i64, Option<Code>, Vec<Code>)>> {
    let mut out: HashMap<Code, (i64, Option<Code>, Vec<Code>)> = HashMap::new();
    for r in &all(
        txn,
        "SELECT i.id, i.code, u.code AS unit FROM items i LEFT JOIN units u ON u.id = i.lead_unit_id \
         WHERE i.plan_id = $1 AND NOT i.archived",
        vec![pid.into()],
    )
    .await?
    {
        out.insert(code(r, "code")?, (get(r, "id")?, code_opt(r, "unit")?, Vec::new()));
    }
    for r in &all(
        txn,
        "SELECT i.code, u.code AS unit FROM item_co_units c JOIN items i ON i.id = c.item_id \
         JOIN units u ON u.id = c.unit_id WHERE i.plan_id = $1",
        vec![pid.into()],
    )
    .await?
    {
        if let Some(e) = out.get_mut(&code(r, "code")?) {
            e.2.push(code(r, "unit")?);
        }
    }
    Ok(out)
}

async fn unit_ids(txn: &WriteTxn) -> Result<HashMap<String, i64>> {
    all(txn, "SELECT id, code FROM units", vec![])
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect()
}

/// Judges every report of a batch before anything is written: the item exists, the unit
/// reports on it, the percent is one. Every problem at once, each naming its row.
fn judge(
    plan: &str,
    reports: &[HistoricReport],
    items: &HashMap<Code, (i64, Option<Code>, Vec<Code>)>,
    units: &HashMap<String, i64>,
) -> Result<Vec<(i64, i64)>> {
    let mut problems = Vec::new();
    let mut ids = Vec::with_capacity(reports.len());
    for (n, r) in reports.iter().enumerate() {
        let Some((item, lead, co)) = items.get(&r.item) else {
            return Err(StoreError::NotFound(format!(
                "item `{}` in plan `{plan}`",
                r.item
            )));
        };
        let Some(&unit) = units.get(r.unit.as_str()) else {
            return Err(StoreError::NotFound(format!("unit `{}`", r.unit)));
        };
        if !Relation::of(r.unit.as_str(), lead.as_ref(), co).may_report() {
            problems.push(
                Problem::new(format!("reports[{n}].unit"), Rule::NotResponsible)
                    .with("unit", &r.unit)
                    .with("item", &r.item),
            );
        }
        if Percent::new(r.percent).is_err() {
            problems.push(Problem::new(
                format!("reports[{n}].percent"),
                Rule::PercentRange,
            ));
        }
        ids.push((*item, unit));
    }
    if let Some(p) = problems.iter().find(|p| p.rule == Rule::NotResponsible) {
        // Who may report on what is a question of permission.
        return Err(StoreError::Forbidden(p.clone()));
    }
    if problems.is_empty() {
        Ok(ids)
    } else {
        Err(StoreError::Invalid(problems))
    }
}

impl Store {
    pub(super) async fn submit_batch_in(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<Vec<i64>> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let items = responsibilities(&txn, pid).await?;
        let units = unit_ids(&txn).await?;
        let ids = judge(plan, reports, &items, &units)?;
        let first: i64 = get(
            &one(
                &txn,
                "SELECT COALESCE(MAX(id), 0) AS m FROM reports",
                vec![],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("MAX gave no row".into()))?,
            "m",
        )?;
        let rows = reports
            .iter()
            .zip(&ids)
            .map(|(r, (item, unit))| {
                report_row(
                    pid,
                    *item,
                    *unit,
                    r,
                    "submitted",
                    &stamp.actor,
                    "",
                    (stamp.at, None),
                    stamp.at,
                )
            })
            .collect();
        insert_rows(&txn, "reports", REPORT_COLUMNS, rows).await?;
        // The write lock is held, so the new ids are exactly those above the old maximum.
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
            return Err(StoreError::Internal(
                "another writer added reports during the batch".into(),
            ));
        }
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![NewEvent::on_plan(
                EventKind::ReportsBatchSubmitted,
                plan,
                pid,
                &Count { count: ids.len() },
            )?],
        )
        .await?;
        txn.commit().await?;
        Ok(ids)
    }

    pub(super) async fn load_history_in(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<usize> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        if one(
            &txn,
            "SELECT id FROM reports WHERE plan_id = $1 LIMIT 1",
            vec![pid.into()],
        )
        .await?
        .is_some()
        {
            return Err(StoreError::Conflict(
                Problem::new("", Rule::HistoryOnlyIntoEmptyPlan).with("plan", plan),
            ));
        }
        let items = responsibilities(&txn, pid).await?;
        let units = unit_ids(&txn).await?;
        let ids = judge(plan, reports, &items, &units)?;
        let mut rows = Vec::with_capacity(reports.len());
        let mut replay = Vec::with_capacity(reports.len());
        let leads: HashSet<(i64, i64)> = items
            .values()
            .filter_map(|(id, lead, _)| {
                lead.as_ref()
                    .and_then(|l| units.get(l.as_str()))
                    .map(|u| (*id, *u))
            })
            .collect();
        let shared: HashSet<(i64, i64)> = all(
            &txn,
            "SELECT s.item_id, s.unit_id FROM item_shares s JOIN items i ON i.id = s.item_id WHERE i.plan_id = $1",
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(|r| Ok((get(r, "item_id")?, get(r, "unit_id")?)))
        .collect::<Result<_>>()?;
        for (r, (item, unit)) in reports.iter().zip(&ids) {
            rows.push(report_row(
                pid,
                *item,
                *unit,
                r,
                "accepted",
                &stamp.actor,
                &stamp.actor,
                (morning(r.submitted_on), Some(morning(r.accepted_on))),
                morning(r.accepted_on),
            ));
            // The lead unit's reports move an item's figure, and on an item with unit shares
            // each share's unit's.
            if leads.contains(&(*item, *unit)) || shared.contains(&(*item, *unit)) {
                replay.push((r.accepted_on, *item, *unit, r.period, r.percent));
            }
        }
        insert_rows(&txn, "reports", REPORT_COLUMNS, rows).await?;
        crate::progress::replay(&txn, pid, replay, stamp.at).await?;
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![NewEvent::on_plan(
                EventKind::HistoryLoaded,
                plan,
                pid,
                &Count {
                    count: reports.len(),
                },
            )?],
        )
        .await?;
        txn.commit().await?;
        Ok(reports.len())
    }
}
