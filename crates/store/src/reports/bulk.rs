//! Reports in bulk: a batch filed as submitted (a spreadsheet, a load test's fixture), and
//! accepted reports of the past loaded as history. Both are all or nothing, and each report
//! is judged by the same rules as one typed into the form.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use sea_orm::Value;
use tuijin_core::Cadence;
use tuijin_core::Code;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{PastFacts, Relation, check_past_report, repeated_reports};
use tuijin_core::sample::HistoricReport;

use super::morning;
use crate::db::{Store, WriteTxn, all, one};
use crate::error::{Result, StoreError};
use crate::events::{Count, NewEvent, append};
use crate::rows::{code, code_opt, get, insert_rows, named, to_json};

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
    "figures",
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
) -> Result<Vec<Value>> {
    Ok(vec![
        plan_id.into(),
        item_id.into(),
        r.period.to_string().into(),
        unit_id.into(),
        r.percent.into(),
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
        to_json(&r.figures)?.into(),
    ])
}

/// What the report rules need to know of one live item of a plan.
struct ItemFacts {
    id: i64,
    lead: Option<Code>,
    co: Vec<Code>,
    kind: tuijin_core::ItemKind,
    has_children: bool,
    measured: bool,
}

/// One live indicator of the plan, as a report's figure needs it.
struct IndicatorFacts {
    id: i64,
    code: Code,
    owner: Option<Code>,
    /// The frequency of an indicator counted within a period (`per_period`).
    per_period: Option<tuijin_core::Frequency>,
    unit: String,
    scope: String,
    basis: String,
}

/// What the rules judge a batch of reports by.
struct BatchFacts {
    cadence: Cadence,
    plan_start: NaiveDate,
    items: HashMap<Code, ItemFacts>,
    indicators: Vec<IndicatorFacts>,
}

/// The plan's cadence and first day, its live items with who may report on each, and its live
/// indicators, read in four queries whatever the batch's size.
async fn responsibilities(txn: &WriteTxn, pid: i64) -> Result<BatchFacts> {
    let plan = one(
        txn,
        "SELECT cadence, start_date FROM plans WHERE id = $1",
        vec![pid.into()],
    )
    .await?
    .ok_or_else(|| StoreError::Internal("the plan vanished".into()))?;
    let mut out: HashMap<Code, ItemFacts> = HashMap::new();
    for r in &all(
        txn,
        "SELECT i.id, i.code, i.kind, i.progress_from, u.code AS unit, \
           EXISTS (SELECT 1 FROM items k WHERE k.parent_id = i.id AND NOT k.archived AND NOT k.cancelled) AS parent \
         FROM items i LEFT JOIN units u ON u.id = i.lead_unit_id \
         WHERE i.plan_id = $1 AND NOT i.archived",
        vec![pid.into()],
    )
    .await?
    {
        out.insert(
            code(r, "code")?,
            ItemFacts {
                id: get(r, "id")?,
                lead: code_opt(r, "unit")?,
                co: Vec::new(),
                kind: named(r, "kind")?,
                has_children: get(r, "parent")?,
                measured: get::<String>(r, "progress_from")? == "indicator",
            },
        );
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
            e.co.push(code(r, "unit")?);
        }
    }
    let mut indicators = Vec::new();
    for r in &all(
        txn,
        "SELECT x.id, x.code, u.code AS owner, x.unit, x.scope, x.basis, x.frequency FROM indicators x \
         LEFT JOIN units u ON u.id = x.owner_unit_id WHERE x.plan_id = $1 AND NOT x.archived",
        vec![pid.into()],
    )
    .await?
    {
        let basis: String = get(r, "basis")?;
        indicators.push(IndicatorFacts {
            id: get(r, "id")?,
            code: code(r, "code")?,
            owner: code_opt(r, "owner")?,
            per_period: if basis == "per_period" {
                Some(named(r, "frequency")?)
            } else {
                None
            },
            unit: get(r, "unit")?,
            scope: get(r, "scope")?,
            basis,
        });
    }
    Ok(BatchFacts {
        cadence: named(&plan, "cadence")?,
        plan_start: get(&plan, "start_date")?,
        items: out,
        indicators,
    })
}

async fn unit_ids(txn: &WriteTxn) -> Result<HashMap<String, i64>> {
    all(txn, "SELECT id, code FROM units", vec![])
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect()
}

/// Judges every report of a batch before anything is written, by the rules of one typed into
/// the form (`core::report::check_past`): the item exists and the unit reports on it; the
/// period is of the plan's cadence, has begun and is not before the plan; a milestone is 0 or
/// 100; a parent's or a measured item's percent is not typed; the words are clean; and no
/// item, unit and period comes twice. Every problem at once, each naming its report.
fn judge(
    plan: &str,
    reports: &[HistoricReport],
    batch: &BatchFacts,
    units: &HashMap<String, i64>,
    today: NaiveDate,
) -> Result<Vec<(i64, i64)>> {
    let mut problems = repeated_reports(reports);
    let mut ids = Vec::with_capacity(reports.len());
    let indicators: Vec<(Code, Option<Code>)> = batch
        .indicators
        .iter()
        .map(|x| (x.code.clone(), x.owner.clone()))
        .collect();
    let per_period: Vec<(Code, tuijin_core::Frequency)> = batch
        .indicators
        .iter()
        .filter_map(|x| x.per_period.map(|f| (x.code.clone(), f)))
        .collect();
    for (n, r) in reports.iter().enumerate() {
        let Some(item) = batch.items.get(&r.item) else {
            return Err(StoreError::NotFound(format!(
                "item `{}` in plan `{plan}`",
                r.item
            )));
        };
        let Some(&unit) = units.get(r.unit.as_str()) else {
            return Err(StoreError::NotFound(format!("unit `{}`", r.unit)));
        };
        let relation = Relation::of(r.unit.as_str(), item.lead.as_ref(), &item.co);
        if !relation.may_report() {
            problems.push(
                Problem::new(format!("reports[{n}].unit"), Rule::NotResponsible)
                    .with("unit", &r.unit)
                    .with("item", &r.item),
            );
        }
        problems.extend(check_past_report(
            n,
            r,
            &PastFacts {
                item_kind: item.kind,
                item_has_children: item.has_children,
                item_measured: item.measured,
                relation,
                cadence: batch.cadence,
                plan_start: batch.plan_start,
                today,
                indicators: &indicators,
                per_period: &per_period,
            },
        ));
        ids.push((item.id, unit));
    }
    if let Some(p) = problems
        .iter()
        .find(|p| matches!(p.rule, Rule::NotResponsible | Rule::FigureNotOwner))
    {
        // Who may report on what is a question of permission.
        return Err(StoreError::Forbidden(p.clone()));
    }
    if problems.is_empty() {
        Ok(ids)
    } else {
        Err(StoreError::Invalid(problems))
    }
}

async fn max_report_id(txn: &WriteTxn) -> Result<i64> {
    get(
        &one(txn, "SELECT COALESCE(MAX(id), 0) AS m FROM reports", vec![])
            .await?
            .ok_or_else(|| StoreError::Internal("MAX gave no row".into()))?,
        "m",
    )
}

/// The ids of the `n` reports just inserted in a batch. The write lock is held, so they are
/// exactly those above the maximum before it, in the batch's order.
async fn ids_above(txn: &WriteTxn, first: i64, n: usize) -> Result<Vec<i64>> {
    let ids: Vec<i64> = all(
        txn,
        "SELECT id FROM reports WHERE id > $1 ORDER BY id",
        vec![first.into()],
    )
    .await?
    .iter()
    .map(|r| get(r, "id"))
    .collect::<Result<_>>()?;
    if ids.len() != n {
        return Err(StoreError::Internal(
            "another writer added reports during the batch".into(),
        ));
    }
    Ok(ids)
}

impl Store {
    /// The figures of past reports become the indicators' actuals, each known from its
    /// report's day of acceptance (as an accepted report's figures are), and the items those
    /// indicators measure move.
    async fn record_past_figures(
        &self,
        txn: &WriteTxn,
        pid: i64,
        reports: &[HistoricReport],
        ids: &[i64],
        indicators: &[IndicatorFacts],
        stamp: &Stamp,
    ) -> Result<()> {
        use crate::directory::{Actual, Entry, insert_actuals};
        let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<(i64, Actual)>> =
            Default::default();
        for (r, id) in reports.iter().zip(ids) {
            for f in &r.figures {
                let x = indicators
                    .iter()
                    .find(|x| x.code == f.indicator)
                    .ok_or_else(|| StoreError::NotFound(format!("indicator `{}`", f.indicator)))?;
                by_day.entry(r.accepted_on).or_default().push((
                    x.id,
                    Actual {
                        indicator: f.indicator.clone(),
                        period: r.period.to_string(),
                        period_end: r.period.last_day(),
                        value: f.value,
                        source: format!("report #{id}"),
                        report: Some(*id),
                        entry: Entry {
                            unit: Some(x.unit.clone()),
                            scope: Some(x.scope.clone()),
                            basis: Some(x.basis.clone()),
                            reason: Some(format!("report #{id}")),
                            ..Default::default()
                        },
                    },
                ));
            }
        }
        let mut touched = Vec::new();
        for (day, actuals) in &by_day {
            let on = Stamp {
                at: morning(*day),
                today: *day,
                actor: stamp.actor.clone(),
            };
            let refs: Vec<(i64, &Actual)> = actuals.iter().map(|(i, a)| (*i, a)).collect();
            insert_actuals(txn, pid, &refs, &on).await?;
            touched.extend(actuals.iter().map(|(i, _)| *i));
        }
        touched.sort_unstable();
        touched.dedup();
        crate::progress::touch_measured_and_record(txn, self.backend(), pid, &touched, stamp).await
    }

    pub(super) async fn submit_batch_in(
        &self,
        plan: &str,
        reports: &[HistoricReport],
        stamp: &Stamp,
    ) -> Result<Vec<i64>> {
        let txn = self.write().await?;
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let facts = responsibilities(&txn, pid).await?;
        let units = unit_ids(&txn).await?;
        let ids = judge(plan, reports, &facts, &units, stamp.today)?;
        let first = max_report_id(&txn).await?;
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
            .collect::<Result<_>>()?;
        insert_rows(&txn, "reports", REPORT_COLUMNS, rows).await?;
        let ids = ids_above(&txn, first, reports.len()).await?;
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
        let facts = responsibilities(&txn, pid).await?;
        let units = unit_ids(&txn).await?;
        let ids = judge(plan, reports, &facts, &units, stamp.today)?;
        let mut rows = Vec::with_capacity(reports.len());
        let mut replay = Vec::with_capacity(reports.len());
        let leads: HashSet<(i64, i64)> = facts
            .items
            .values()
            .filter_map(|i| {
                i.lead
                    .as_ref()
                    .and_then(|l| units.get(l.as_str()))
                    .map(|u| (i.id, *u))
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
            )?);
            // The lead unit's reports move an item's figure, and on an item with unit shares
            // each share's unit's.
            // (A report without a percent — on a parent, or a measured item — moves nothing.)
            if let Some(percent) = r.percent
                && (leads.contains(&(*item, *unit)) || shared.contains(&(*item, *unit)))
            {
                replay.push((r.accepted_on, *item, *unit, r.period, percent));
            }
        }
        let first = max_report_id(&txn).await?;
        insert_rows(&txn, "reports", REPORT_COLUMNS, rows).await?;
        crate::progress::replay(&txn, pid, replay, stamp.at).await?;
        if reports.iter().any(|r| !r.figures.is_empty()) {
            let ids = ids_above(&txn, first, reports.len()).await?;
            self.record_past_figures(&txn, pid, reports, &ids, &facts.indicators, stamp)
                .await?;
        }
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
