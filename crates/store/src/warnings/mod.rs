//! Early warnings as stored: refreshed from the rules in `tuijin_core::warning`, one open row
//! per item and kind while its condition holds, cleared when it ends, every change an event.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tuijin_core::clock::Stamp;
use tuijin_core::progress::{Progress, status};
use tuijin_core::report::Period;
use tuijin_core::warning::{Condition, ItemFacts, Severity, WarningKind, conditions};
use tuijin_core::{Cadence, Code, Reporting, Thresholds};

use crate::db::{Store, all, one};
use crate::error::{Result, StoreError};
use crate::rows::{code, decode_path, get, id_list, named};

mod apply;
mod below;
mod lags;
mod notices;
use apply::{Judged, Raised, judged_by};
use lags::explained_lags;
pub(crate) use notices::notice_chains;
use notices::notice_conditions;

/// What a `warning.cleared` event records.
#[derive(Serialize)]
struct Cleared {
    kind: WarningKind,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WarningRecord {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub item_title: String,
    pub lead: Option<String>,
    /// The item's responsible leader (责任领导), a person code: who the office calls.
    pub leader: Option<String>,
    pub kind: WarningKind,
    pub severity: Severity,
    pub details: String,
    /// The day the condition began (a lag is dated back to it), which may be before the
    /// warning was first recorded.
    pub raised_on: NaiveDate,
    /// When the warning was recorded: what an as-of reading (a briefing) goes by.
    #[serde(skip)]
    pub raised_at: chrono::DateTime<chrono::Utc>,
    pub cleared_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default)]
pub struct WarningFilter {
    pub plan: Option<String>,
    /// Items this unit leads.
    pub unit: Option<String>,
    pub kind: Option<WarningKind>,
    pub severity: Option<Severity>,
    /// This item and everything below it.
    pub branch: Option<String>,
    /// This one item's warnings (with `plan`).
    pub item: Option<String>,
    /// Open warnings only (the default), or cleared ones too.
    pub include_cleared: bool,
    /// Raised on or before this day: warnings at least so old.
    pub raised_by: Option<NaiveDate>,
    /// Newest first (the cockpit's "latest"), instead of the chase list's order: most severe
    /// first, then the oldest.
    pub newest_first: bool,
    /// Resume after this warning (a page's `WarningCursor`), in the chase list's order.
    pub after: Option<WarningCursor>,
    /// Only these warnings, by id (the page of a queue that is shown); none when empty.
    pub ids: Option<Vec<i64>>,
}

/// Where a page of the chase list ended: severity rank, raising day, id. Written as text
/// `RANK-DAY-ID`, the day counted from 1 January of year 1 (`WARNING_CURSOR_PATTERN`), so that
/// every string of that shape is a place to resume from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarningCursor {
    pub rank: u8,
    pub raised_on: NaiveDate,
    pub id: i64,
}

pub const WARNING_CURSOR_PATTERN: &str = "^[0-2]-[0-9]{1,7}-[0-9]{1,18}$";

impl WarningCursor {
    pub fn of(w: &WarningRecord) -> WarningCursor {
        WarningCursor {
            rank: severity_rank(w.severity),
            raised_on: w.raised_on,
            id: w.id,
        }
    }
    pub fn parse(s: &str) -> Option<WarningCursor> {
        let mut parts = s.splitn(3, '-');
        let rank: u8 = parts.next()?.parse().ok().filter(|r| *r <= 2)?;
        let day = parts.next()?;
        let id = parts.next()?;
        use crate::rows::cursor_digits as digits;
        if !digits(day, 7) || !digits(id, 18) {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        let raised_on = NaiveDate::from_num_days_from_ce_opt(day.parse().ok()?)?;
        Some(WarningCursor {
            rank,
            raised_on,
            id,
        })
    }
}

impl std::fmt::Display for WarningCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}-{}",
            self.rank,
            self.raised_on.num_days_from_ce(),
            self.id
        )
    }
}

/// Most severe first: 0 for high.
fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
    }
}

/// The most warnings one list returns: the proposal queue's scan (`proposals::QUEUE_SCAN`)
/// and one more, which tells it there are more.
pub const MOST_LISTED: u64 = 10_001;

/// A severity's rank in the chase list; the same expression as the index that serves the
/// list in this order (`m0025_chase_order::RANK`, there without the table's alias).
pub(crate) const RANK_SQL: &str =
    "CASE w.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END";

#[cfg(test)]
mod rank {
    #[test]
    fn the_chase_order_is_the_index_order() {
        assert_eq!(
            super::RANK_SQL.replace("w.", ""),
            crate::migrations::m0025_chase_order::RANK
        );
    }
}

/// What a refresh did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Refresh {
    pub raised: usize,
    pub cleared: usize,
    pub updated: usize,
    pub open: usize,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait WarningStore {
    /// Re-evaluates every item of a plan on `stamp.today`: raises what newly holds, clears
    /// what ended. Idempotent: running it twice changes nothing the second time.
    async fn refresh_warnings(&self, plan: &str, stamp: &Stamp) -> Result<Refresh>;
    async fn list_warnings(&self, filter: &WarningFilter, limit: u64)
    -> Result<Vec<WarningRecord>>;
}

struct Row {
    id: i64,
    /// In line for codes of up to 15 characters: a map of a million `String` codes beside the
    /// rows was a million small allocations at every whole-plan refresh.
    code: Code,
    parent: Option<i64>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    progress: Progress,
    leaf: bool,
    has_lead: bool,
    cancelled: bool,
    reported_on: Option<NaiveDate>,
    /// The indicator of the item's target, if it has one.
    indicator: Option<i64>,
}

/// Adds the indicator warnings of the items given (`warning::indicators`): each item whose
/// target names an indicator is judged by that indicator's figures as known on `today` — off
/// the path, forecast to miss, a figure overdue. Nothing is read when none of the items has a
/// target indicator.
async fn indicator_conditions<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    items: &[Row],
    thresholds: Thresholds,
    today: NaiveDate,
    want: &mut HashMap<(i64, WarningKind), Condition>,
) -> Result<()> {
    let ids: HashSet<i64> = items
        .iter()
        .filter(|r| !r.cancelled)
        .filter_map(|r| r.indicator)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    // Ids are integers the store read itself, so listing them inline is safe.
    let ids: Vec<i64> = ids.into_iter().collect();
    let list = id_list(&ids);
    let mut code_of: HashMap<i64, String> = HashMap::new();
    for r in &all(
        c,
        &format!("SELECT id, code FROM indicators WHERE id IN ({list})"),
        vec![],
    )
    .await?
    {
        code_of.insert(get(r, "id")?, get(r, "code")?);
    }
    let mut figures: HashMap<i64, Vec<tuijin_core::Figure>> = HashMap::new();
    for r in &all(
        c,
        &format!(
            "SELECT indicator_id, period, period_end, value, accepted_on FROM indicator_actuals \
             WHERE indicator_id IN ({list}) AND state = 'accepted' ORDER BY id"
        ),
        vec![],
    )
    .await?
    {
        figures
            .entry(get(r, "indicator_id")?)
            .or_default()
            .push(tuijin_core::Figure {
                period: get(r, "period")?,
                on: get(r, "period_end")?,
                value: get(r, "value")?,
                known: get(r, "accepted_on")?,
            });
    }
    let start: NaiveDate = one(
        c,
        "SELECT start_date FROM plans WHERE id = $1",
        vec![plan_id.into()],
    )
    .await?
    .map(|r| get(&r, "start_date"))
    .transpose()?
    .ok_or_else(|| StoreError::NotFound(format!("plan #{plan_id}")))?;
    let indicators: HashMap<String, tuijin_core::Indicator> =
        crate::plans::indicators_of(c, plan_id)
            .await?
            .into_iter()
            .map(|i| (i.code.to_string(), i))
            .collect();
    let mut by_indicator: HashMap<i64, Vec<Condition>> = HashMap::new();
    for it in items.iter().filter(|r| !r.cancelled) {
        let Some(ind_id) = it.indicator else { continue };
        let Some(ind) = code_of.get(&ind_id).and_then(|code| indicators.get(code)) else {
            continue;
        };
        let conds = by_indicator.entry(ind_id).or_insert_with(|| {
            let figs = figures.get(&ind_id).map(Vec::as_slice).unwrap_or_default();
            tuijin_core::warning::indicators::indicator_conditions(
                ind, figs, today, start, thresholds,
            )
        });
        for cond in conds.iter() {
            want.insert((it.id, cond.kind), cond.clone());
        }
    }
    Ok(())
}

/// Re-evaluates a plan's items, or only `only` (an item and its ancestors after a report).
pub(crate) async fn refresh<C: crate::db::EachRow>(
    c: &C,
    plan_id: i64,
    only: Option<&[i64]>,
    stamp: &Stamp,
) -> Result<Refresh> {
    judge(c, plan_id, only, stamp).await?.apply(c, stamp).await
}

/// What a refresh would change (`refresh`'s reading half): worked out from reads alone, so a
/// whole plan's can be judged in a read snapshot, outside the write lock (`refresh_warnings`).
pub(crate) async fn judge<C: crate::db::EachRow>(
    c: &C,
    plan_id: i64,
    only: Option<&[i64]>,
    stamp: &Stamp,
) -> Result<Judged> {
    // In subset mode the plan condition is written `+col = $1`: the unary plus keeps SQLite
    // from choosing the plan-wide index over the primary key for the few ids listed (valid SQL
    // on PostgreSQL too, whose planner has statistics to go by).
    let plan_is = |col: &str| match only {
        Some(_) => format!("+{col} = $1"),
        None => format!("{col} = $1"),
    };
    // Ids are integers from our own queries, so listing them inline is safe.
    let subset = |col: &str| match only {
        Some(ids) => format!(" AND {col} IN ({})", id_list(ids)),
        None => String::new(),
    };
    if only.is_some_and(|ids| ids.is_empty()) {
        return Ok(Judged::nothing(plan_id));
    }
    let plan = one(c, "SELECT cadence, at_risk, off_track, forecast_miss, report_due_day, report_grace_days, stale_days FROM plans WHERE id = $1", vec![plan_id.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan #{plan_id}")))?;
    let cadence: Cadence = named(&plan, "cadence")?;
    let thresholds = Thresholds {
        at_risk: get(&plan, "at_risk")?,
        off_track: get(&plan, "off_track")?,
        forecast_miss: get(&plan, "forecast_miss")?,
    };
    let reporting = Reporting {
        due_day: get::<i32>(&plan, "report_due_day")?.max(1) as u32,
        grace_days: get::<i32>(&plan, "report_grace_days")?.max(0) as u32,
        stale_days: get::<i32>(&plan, "stale_days")?.max(1) as u32,
    };
    let last_closed = Period::containing(cadence, stamp.today).previous();
    // Under a baseline, items are judged by the dates the plan was approved with.
    let judged = crate::judging::judging_dates(c, plan_id).await?;
    let mut reported: HashSet<i64> = HashSet::new();
    // Sized once for a whole plan: grown by doubling, a million rows' vector (~100 MB) was
    // copied at each step and left up to half of it unused.
    let mut items = match only {
        Some(ids) => Vec::with_capacity(ids.len()),
        None => {
            let n = one(
                c,
                "SELECT COUNT(*) AS n FROM items WHERE plan_id = $1 AND NOT archived",
                vec![plan_id.into()],
            )
            .await?
            .map(|r| get::<i64>(&r, "n"))
            .transpose()?
            .unwrap_or(0);
            Vec::with_capacity(usize::try_from(n).unwrap_or(0))
        }
    };
    let t = std::time::Instant::now();
    // Whether an item has live children, and whether its lead reported for the last closed
    // period: asked per row for the few rows of a chain; for a whole plan, worked out from
    // the rows themselves and one query for the reports (two subqueries per row cost a
    // million-item import 10 s).
    let (per_row, reported_sql) = match only {
        Some(_) => (
            "EXISTS (SELECT 1 FROM items c WHERE c.parent_id = i.id AND NOT c.archived AND NOT c.cancelled) AS has_children, \
             EXISTS (SELECT 1 FROM reports r WHERE r.item_id = i.id AND r.period = $2 \
               AND r.unit_id = i.lead_unit_id \
               AND r.state IN ('submitted', 'accepted', 'superseded')) AS reported_last",
            None,
        ),
        None => (
            "TRUE AS has_children, FALSE AS reported_last",
            Some(
                "SELECT DISTINCT r.item_id FROM reports r JOIN items i ON i.id = r.item_id \
                 WHERE i.plan_id = $1 AND NOT i.archived AND r.period = $2 \
                 AND r.unit_id = i.lead_unit_id AND r.state IN ('submitted', 'accepted', 'superseded')",
            ),
        ),
    };
    let sql = format!(
        "SELECT i.id, i.code, i.parent_id, i.start_date, i.due_date, i.lead_unit_id, i.cancelled, i.target_indicator_id, p.percent, p.unknown_share, p.reported_on, \
         {per_row} \
         FROM items i LEFT JOIN item_progress p ON p.item_id = i.id WHERE {} AND NOT i.archived{}",
        plan_is("i.plan_id"),
        subset("i.id")
    );
    // Row by row: a whole plan's rows held at once cost several times the rows made of them.
    let values = match only {
        Some(_) => vec![plan_id.into(), last_closed.to_string().into()],
        None => vec![plan_id.into()],
    };
    c.each_row(&sql, values, |row| {
        let r = &row;
        let id: i64 = get(r, "id")?;
        if get::<bool>(r, "reported_last")? {
            reported.insert(id);
        }
        let code = code(r, "code")?;
        let (start, due) = match judged.as_ref().and_then(|d| d.get(code.as_str())) {
            Some(&dates) => dates,
            None => (get(r, "start_date")?, get(r, "due_date")?),
        };
        items.push(Row {
            id,
            code,
            parent: get(r, "parent_id")?,
            start,
            due,
            progress: match get::<Option<f64>>(r, "percent")? {
                Some(p) => Progress {
                    percent: Some(p),
                    unknown_share: get::<Option<f64>>(r, "unknown_share")?.unwrap_or(0.0),
                },
                None => Progress::UNKNOWN,
            },
            leaf: !get::<bool>(r, "has_children")?,
            has_lead: get::<Option<i64>>(r, "lead_unit_id")?.is_some(),
            cancelled: get(r, "cancelled")?,
            reported_on: get(r, "reported_on")?,
            indicator: get(r, "target_indicator_id")?,
        });
        Ok(())
    })
    .await?;
    if let Some(sql) = reported_sql {
        let values = vec![plan_id.into(), last_closed.to_string().into()];
        c.each_row(sql, values, |r| {
            reported.insert(get(&r, "item_id")?);
            Ok(())
        })
        .await?;
        let parents: HashSet<i64> = items
            .iter()
            .filter(|r| !r.cancelled)
            .filter_map(|r| r.parent)
            .collect();
        for r in &mut items {
            r.leaf = !parents.contains(&r.id);
        }
    }
    tracing::debug!(elapsed = ?t.elapsed(), items = items.len(), "refresh: items read");
    let t = std::time::Instant::now();
    // Since when each item's figure has been what it is: its last change in the history, as of
    // today (a lag is dated back to the day it began, not to the refresh).
    let mut changed_on: HashMap<i64, NaiveDate> = HashMap::new();
    let sql = format!(
        "SELECT h.item_id, MAX(h.effective_date) AS d FROM progress_history h JOIN items i ON i.id = h.item_id \
         WHERE {}{} AND h.effective_date <= $2 GROUP BY h.item_id",
        plan_is("i.plan_id"),
        subset("i.id")
    );
    c.each_row(&sql, vec![plan_id.into(), stamp.today.into()], |r| {
        if let Some(d) = get::<Option<NaiveDate>>(&r, "d")? {
            changed_on.insert(get(&r, "item_id")?, d);
        }
        Ok(())
    })
    .await?;
    // Levels need every ancestor: a subset is always an item with all its ancestors (the chain
    // a report touched), so the rows read above hold them.
    // One index by id serves the walks up (a map per question — parents, cancelled — was
    // two more maps of a million entries at every whole-plan refresh).
    let at: HashMap<i64, u32> = items
        .iter()
        .enumerate()
        .map(|(n, r)| (r.id, n as u32))
        .collect();
    let row = |id: i64| at.get(&id).map(|&n| &items[n as usize]);
    let level = |mut id: i64| {
        let mut n = 0u32;
        while let Some(p) = row(id).and_then(|r| r.parent) {
            n += 1;
            id = p;
            if n > 64 {
                break;
            }
        }
        n
    };
    // A cancelled item takes its branch out of the figures, and out of the warnings.
    let out = |mut id: i64| {
        for _ in 0..=64 {
            match row(id) {
                Some(r) if r.cancelled => return true,
                Some(Row {
                    parent: Some(p), ..
                }) => id = *p,
                _ => return false,
            }
        }
        false
    };
    tracing::debug!(elapsed = ?t.elapsed(), "refresh: changes read");
    let t = std::time::Instant::now();
    let mut want: HashMap<(i64, WarningKind), Condition> = HashMap::new();
    // Each item is judged as its expected path is read, row by row: a parent's path is its
    // children's (hundreds of points near the top of a large plan), and a million paths held
    // in a map were the largest part of a whole-plan refresh's memory. The rows are every
    // item of the plan (or of the subset): archived ones, not among the rows above, are passed.
    let sql = format!(
        "SELECT i.id, i.expected_path FROM items i WHERE {}{}",
        plan_is("i.plan_id"),
        subset("i.id")
    );
    c.each_row(&sql, vec![plan_id.into()], |r| {
        let Some(it) = row(get(&r, "id")?) else {
            return Ok(());
        };
        if out(it.id) {
            return Ok(());
        }
        let path = match get::<Option<String>>(&r, "expected_path")? {
            Some(text) => Some(decode_path(&text)?),
            None => None,
        };
        let facts = ItemFacts {
            status: status(
                it.progress,
                it.start,
                it.due,
                path.as_ref(),
                stamp.today,
                thresholds,
            ),
            reports_expected: it.leaf && it.has_lead,
            start: it.start,
            level: level(it.id),
            reported_periods: if reported.contains(&it.id) {
                vec![last_closed]
            } else {
                Vec::new()
            },
            last_accepted: it.reported_on,
            due: it.due,
            path,
            progress_since: changed_on.get(&it.id).copied().or(it.reported_on),
            thresholds,
        };
        for cond in conditions(&facts, stamp.today, cadence, reporting) {
            want.insert((it.id, cond.kind), cond);
        }
        Ok(())
    })
    .await?;
    indicator_conditions(c, plan_id, &items, thresholds, stamp.today, &mut want).await?;
    let live = |id: i64| row(id).is_some() && !out(id);
    notice_conditions(c, plan_id, &live, stamp.today, &mut want).await?;
    let parent_of = |id: i64| row(id).and_then(|r| r.parent);
    explained_lags(c, only, &items, &parent_of, &mut want).await?;
    tracing::debug!(elapsed = ?t.elapsed(), wanted = want.len(), "refresh: conditions judged");
    let t = std::time::Instant::now();
    // Row by row, keeping only what must change: a million-item plan has ~2 million open
    // warnings, and holding them all as rows cost over a gigabyte that the server kept.
    let mut seen = HashSet::new();
    let mut changed: Vec<(i64, (i64, WarningKind))> = Vec::new();
    let mut ended: Vec<(i64, String, WarningKind)> = Vec::new();
    let mut open = 0usize;
    c.each_row(
        &format!(
            "SELECT w.id, w.item_id, w.kind, w.severity, w.details, i.code FROM warnings w JOIN items i ON i.id = w.item_id \
             WHERE {} AND w.cleared_on IS NULL{}",
            plan_is("w.plan_id"),
            subset("w.item_id")
        ),
        vec![plan_id.into()],
        |w| {
            open += 1;
            let (id, item): (i64, i64) = (get(&w, "id")?, get(&w, "item_id")?);
            let kind: WarningKind = named(&w, "kind")?;
            match want.get_key_value(&(item, kind)) {
                Some((key, cond)) => {
                    seen.insert(*key);
                    let (sev, details): (String, String) =
                        (get(&w, "severity")?, get(&w, "details")?);
                    if sev != cond.severity.as_str() || details != cond.details {
                        changed.push((id, *key));
                    }
                }
                None => ended.push((id, get(&w, "code")?, kind)),
            }
            Ok(())
        },
    )
    .await?;
    tracing::debug!(elapsed = ?t.elapsed(), open, "refresh: open warnings compared");
    let changed = changed
        .into_iter()
        .filter_map(|(id, key)| want.get(&key).map(|cond| (id, cond.clone())))
        .collect();
    let wanted = want.len();
    let raised = want
        .into_iter()
        .filter(|(key, _)| !seen.contains(key))
        .map(|((item, kind), cond)| {
            let code = row(item).map(|r| r.code.to_string()).unwrap_or_default();
            Raised {
                item,
                kind,
                code,
                cond,
            }
        })
        .collect();
    Ok(Judged {
        plan_id,
        wanted,
        changed,
        ended,
        raised,
    })
}

impl WarningStore for Store {
    async fn refresh_warnings(&self, plan: &str, stamp: &Stamp) -> Result<Refresh> {
        // Judged in a read snapshot: a whole plan's judging reads every item (40 s at a
        // million), and under the write lock it held every other write back that long, on
        // every scheduled refresh, even when nothing changed.
        let (judged, head) = {
            let snap = self.snapshot().await?;
            let pid = crate::items::plan_id_in(&snap, plan).await?;
            let head = judged_by(&snap, pid, false).await?;
            (judge(&snap, pid, None, stamp).await?, head)
        };
        // Nothing to change as of the snapshot: any write since brought its own warnings up
        // to date (a report's refreshes its chain), as if this refresh had run before it.
        if judged.is_empty() {
            return Ok(judged.unchanged());
        }
        let txn = self.write().await?;
        // Nothing it was judged by has moved since the snapshot: its judgement still holds;
        // otherwise judge again, under the lock.
        let pid = crate::items::plan_id_in(&txn, plan).await?;
        let judged = if judged_by(&txn, pid, true).await? == head {
            judged
        } else {
            judge(&txn, pid, None, stamp).await?
        };
        let r = judged.apply(&txn, stamp).await?;
        txn.commit().await?;
        Ok(r)
    }

    async fn list_warnings(&self, f: &WarningFilter, limit: u64) -> Result<Vec<WarningRecord>> {
        let (sql, values) = self.warnings_query(f, limit).await?;
        let rows = all(&self.db(), &sql, values).await?;
        rows.iter()
            .map(|r| {
                Ok(WarningRecord {
                    id: get(r, "id")?,
                    plan: get(r, "plan_code")?,
                    item: get(r, "item_code")?,
                    item_title: get(r, "title_zh")?,
                    lead: get(r, "lead")?,
                    leader: get(r, "leader")?,
                    kind: named(r, "kind")?,
                    severity: named(r, "severity")?,
                    details: get(r, "details")?,
                    raised_on: get(r, "raised_on")?,
                    raised_at: get(r, "raised_at")?,
                    cleared_on: get(r, "cleared_on")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// How the database runs a list of warnings (for the query-plan tests).
    pub async fn explain_list_warnings(&self, f: &WarningFilter, limit: u64) -> Result<String> {
        let (sql, values) = self.warnings_query(f, limit).await?;
        self.explain(&sql, values).await
    }

    async fn warnings_query(&self, f: &WarningFilter, limit: u64) -> Result<(String, Vec<Value>)> {
        let mut conds: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let push = |v: Value, values: &mut Vec<Value>| {
            values.push(v);
            format!("${}", values.len())
        };
        match (&f.plan, &f.item) {
            // One item's warnings: by the item's id, from its own index (a plan condition
            // beside it lures the planner into the plan's million warnings).
            (Some(p), Some(code)) => {
                let p = push(p.clone().into(), &mut values);
                let code = push(code.clone().into(), &mut values);
                conds.push(format!(
                    "w.item_id = (SELECT i2.id FROM items i2 JOIN plans p2 ON p2.id = i2.plan_id WHERE p2.code = {p} AND i2.code = {code})"
                ));
            }
            // The plan's id as a value of its own (not through the join), so that both
            // planners read the plan's open warnings in the chase index's order.
            (Some(p), None) => conds.push(format!(
                "w.plan_id = (SELECT id FROM plans WHERE code = {})",
                push(p.clone().into(), &mut values)
            )),
            (None, Some(code)) => conds.push(format!(
                "i.code = {}",
                push(code.clone().into(), &mut values)
            )),
            (None, None) => {}
        }
        if let Some(u) = &f.unit {
            conds.push(format!("lu.code = {}", push(u.clone().into(), &mut values)));
        }
        if let Some(k) = f.kind {
            conds.push(format!("w.kind = {}", push(k.as_str().into(), &mut values)));
        }
        if let Some(s) = f.severity {
            conds.push(format!(
                "w.severity = {}",
                push(s.as_str().into(), &mut values)
            ));
        }
        if !f.include_cleared {
            conds.push("w.cleared_on IS NULL".into());
        }
        if let Some(d) = f.raised_by {
            conds.push(format!("w.raised_on <= {}", push(d.into(), &mut values)));
        }
        if let Some(ids) = &f.ids {
            let list: Vec<String> = ids.iter().map(|i| push((*i).into(), &mut values)).collect();
            conds.push(if list.is_empty() {
                "1 = 0".into()
            } else {
                format!("w.id IN ({})", list.join(", "))
            });
        }
        if let Some(a) = f.after.filter(|_| !f.newest_first) {
            let r = push(i64::from(a.rank).into(), &mut values);
            let d = push(a.raised_on.into(), &mut values);
            let i = push(a.id.into(), &mut values);
            // A row comparison, which both databases read as a range of the chase index.
            conds.push(format!("({RANK_SQL}, w.raised_on, w.id) > ({r}, {d}, {i})"));
        }
        let mut with = String::new();
        if let Some(b) = &f.branch {
            let plan = f.plan.clone().ok_or_else(|| {
                StoreError::invalid(tuijin_core::problem::Problem::new(
                    "plan",
                    tuijin_core::problem::Rule::Required,
                ))
            })?;
            let root = one(&self.db(), "SELECT i.id FROM items i JOIN plans pl ON pl.id = i.plan_id WHERE pl.code = $1 AND i.code = $2", vec![plan.clone().into(), b.clone().into()])
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("item `{b}` in plan `{plan}`")))?;
            let root_id: i64 = get(&root, "id")?;
            with = format!(
                "WITH RECURSIVE sub(id) AS (SELECT id FROM items WHERE id = {} UNION ALL SELECT c.id FROM items c JOIN sub ON c.parent_id = sub.id) ",
                push(root_id.into(), &mut values)
            );
            conds.push("w.item_id IN (SELECT id FROM sub)".into());
        }
        let lim = push((limit.clamp(1, MOST_LISTED) as i64).into(), &mut values);
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let order = if f.newest_first {
            "w.raised_on DESC, w.id DESC".to_string()
        } else {
            format!("{RANK_SQL}, w.raised_on, w.id")
        };
        let sql = format!(
            "{with}SELECT w.id, pl.code AS plan_code, i.code AS item_code, i.title_zh, lu.code AS lead, pe.code AS leader, w.kind, w.severity, w.details, w.raised_on, w.raised_at, w.cleared_on \
             FROM warnings w JOIN plans pl ON pl.id = w.plan_id JOIN items i ON i.id = w.item_id LEFT JOIN units lu ON lu.id = i.lead_unit_id \
             LEFT JOIN people pe ON pe.id = i.leader_id{where_} \
             ORDER BY {order} LIMIT {lim}"
        );
        Ok((sql, values))
    }
}
