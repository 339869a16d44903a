//! Progress as stored: one row per item in `item_progress`, maintained incrementally when a
//! report is accepted (the item and its ancestors only, in the same transaction) and fully
//! when a plan changes; a history row for every change, so any past date can be shown.
//! The rules themselves are `tuijin_core::progress`; this module only loads and saves.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tuijin_core::progress::{Node, Progress, RollupRule, roll_up_tree, same};

use tuijin_core::clock::Stamp;

/// The item's latest accepted percent from its lead unit: only the lead's word sets an item's
/// figure (a co-operating unit's report is a contribution), and "latest" is by the period's
/// time, never its text.
macro_rules! lead_latest {
    ($item:literal) => {
        concat!(
            "(SELECT r.percent FROM reports r JOIN items ri ON ri.id = r.item_id WHERE r.item_id = ",
            $item,
            " AND r.unit_id = ri.lead_unit_id AND r.state = 'accepted' AND r.percent IS NOT NULL \
             ORDER BY r.period_end DESC, r.period_start DESC, r.id DESC LIMIT 1)"
        )
    };
}

mod full;
mod touch;

use full::load_tree;
pub(crate) use full::{recompute_plan, replay};
pub(crate) use touch::touch;

use crate::db::{EachRow, Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::rows::{get, id_list, insert_rows, named, named_opt};

/// The figures of items with unit shares (`Item::shares`), by item id: each share's unit's
/// latest accepted percent (by period, like the lead's), weighted by its share
/// (`progress::shared`). Of the plan's live items, or only of `only`.
pub(crate) async fn shared_figures<C: sea_orm::ConnectionTrait>(
    c: &C,
    plan_id: Option<i64>,
    only: Option<&[i64]>,
) -> Result<std::collections::HashMap<i64, tuijin_core::Progress>> {
    let mut cond = vec!["NOT i.archived".to_string()];
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let Some(p) = plan_id {
        values.push(p.into());
        cond.push("i.plan_id = $1".into());
    }
    if let Some(ids) = only {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        cond.push(format!("s.item_id IN ({})", id_list(ids)));
    }
    let rows = all(
        c,
        &format!(
            "SELECT s.item_id, s.percent AS share, (SELECT r.percent FROM reports r WHERE r.item_id = s.item_id \
             AND r.unit_id = s.unit_id AND r.state = 'accepted' AND r.percent IS NOT NULL \
             ORDER BY r.period_end DESC, r.period_start DESC, r.id DESC LIMIT 1) AS latest \
             FROM item_shares s JOIN items i ON i.id = s.item_id WHERE {} ORDER BY s.item_id, s.position",
            cond.join(" AND ")
        ),
        values,
    )
    .await?;
    let mut parts: std::collections::BTreeMap<i64, Vec<(f64, Option<f64>)>> = Default::default();
    for r in &rows {
        parts
            .entry(get(r, "item_id")?)
            .or_default()
            .push((get(r, "share")?, get(r, "latest")?));
    }
    Ok(parts
        .into_iter()
        .map(|(id, p)| (id, tuijin_core::progress::shared(&p)))
        .collect())
}

/// The figures of items whose progress comes from their target's indicator
/// (`ProgressFrom::Indicator`), by item id: the latest figure entered so far (the last revision
/// of the latest period) as the share of the way from the indicator's baseline to the item's
/// target (`indicator::measured_percent`); unknown while the indicator has none. Of a plan's
/// live items, or only of `only`. Figures are entered on the day they become known, so
/// "entered so far" is "known today".
pub(crate) async fn measured_figures<C: sea_orm::ConnectionTrait>(
    c: &C,
    plan_id: Option<i64>,
    only: Option<&[i64]>,
) -> Result<std::collections::HashMap<i64, tuijin_core::Progress>> {
    let mut cond = vec![
        "NOT i.archived".to_string(),
        "i.progress_from = 'indicator'".to_string(),
    ];
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let Some(p) = plan_id {
        values.push(p.into());
        cond.push("i.plan_id = $1".into());
    }
    if let Some(ids) = only {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        cond.push(format!("i.id IN ({})", id_list(ids)));
    }
    let items = all(
        c,
        &format!(
            "SELECT i.id, i.target_value, i.target_indicator_id, x.baseline FROM items i \
             JOIN indicators x ON x.id = i.target_indicator_id WHERE {}",
            cond.join(" AND ")
        ),
        values,
    )
    .await?;
    if items.is_empty() {
        return Ok(Default::default());
    }
    let indicators: Vec<i64> = items
        .iter()
        .map(|r| get(r, "target_indicator_id"))
        .collect::<Result<_>>()?;
    // The latest period's last revision, per indicator.
    let mut latest: std::collections::HashMap<i64, (NaiveDate, f64)> = Default::default();
    for r in &all(
        c,
        &format!(
            "SELECT indicator_id, period_end, value FROM indicator_actuals \
             WHERE indicator_id IN ({}) AND state = 'accepted' ORDER BY period_end, id",
            id_list(&indicators)
        ),
        vec![],
    )
    .await?
    {
        let (on, v): (NaiveDate, f64) = (get(r, "period_end")?, get(r, "value")?);
        latest.insert(get(r, "indicator_id")?, (on, v));
    }
    let mut out = std::collections::HashMap::new();
    for r in &items {
        let ind: i64 = get(r, "target_indicator_id")?;
        let target: Option<f64> = get(r, "target_value")?;
        let base: Option<f64> = get(r, "baseline")?;
        let p = match (latest.get(&ind), target) {
            (Some(&(_, v)), Some(t)) => tuijin_core::indicator::measured_percent(base, t, v)
                .map_or(Progress::UNKNOWN, Progress::known),
            _ => Progress::UNKNOWN,
        };
        out.insert(get(r, "id")?, p);
    }
    Ok(out)
}

/// After figures of `indicators` were entered: each item those indicators measure
/// (`ProgressFrom::Indicator`) moves with its ancestors (`touch`, O(depth) each). Returns the
/// changes and every item of the chains, for the caller's history, versions and warnings.
pub(crate) async fn touch_measured<C: ConnectionTrait>(
    c: &C,
    backend: crate::db::Backend,
    indicators: &[i64],
    stamp: &Stamp,
) -> Result<(Vec<ProgressChange>, Vec<i64>)> {
    if indicators.is_empty() {
        return Ok(Default::default());
    }
    let items: Vec<i64> = all(
        c,
        &format!(
            "SELECT id FROM items WHERE target_indicator_id IN ({}) \
             AND progress_from = 'indicator' AND NOT archived ORDER BY id",
            id_list(indicators)
        ),
        vec![],
    )
    .await?
    .iter()
    .map(|r| get(r, "id"))
    .collect::<Result<_>>()?;
    let (mut changes, mut chains) = (Vec::new(), Vec::new());
    for id in items {
        let (ch, chain) = touch(c, backend, id, stamp).await?;
        changes.extend(ch);
        chains.extend(chain);
    }
    Ok((changes, chains))
}

/// `touch_measured` with its history written and the versions of what moved bumped.
pub(crate) async fn touch_measured_and_record<C: ConnectionTrait>(
    c: &C,
    backend: crate::db::Backend,
    plan_id: i64,
    indicators: &[i64],
    stamp: &Stamp,
) -> Result<()> {
    let (changes, chain) = touch_measured(c, backend, indicators, stamp).await?;
    write_history(c, &changes, stamp).await?;
    if !chain.is_empty() {
        bump(c, plan_id, Some(&chain)).await?;
    }
    Ok(())
}

/// One item's progress changing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgressChange {
    pub item_id: i64,
    pub before: Option<Progress>,
    pub after: Progress,
}

/// A difference found by a full recompute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mismatch {
    pub item: String,
    pub stored: Option<Progress>,
    pub computed: Progress,
}

pub(super) struct NodeRow {
    id: i64,
    parent: Option<i64>,
    node: Node,
    stored: Option<Progress>,
}

/// An item's own rollup rule, or the plan's default when it names none.
pub(super) fn rule(r: &sea_orm::QueryResult, default: RollupRule) -> Result<RollupRule> {
    Ok(named_opt(r, "rollup_rule")?.unwrap_or(default))
}

pub(crate) async fn plan_default_rule<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
) -> Result<RollupRule> {
    let r = one(
        c,
        "SELECT rollup_rule FROM plans WHERE id = $1",
        vec![plan_id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("plan #{plan_id}")))?;
    named(&r, "rollup_rule")
}

pub(super) async fn write_progress<C: ConnectionTrait>(
    c: &C,
    id: i64,
    p: Progress,
    reported: Option<f64>,
    stamp: &Stamp,
) -> Result<()> {
    exec(
        c,
        "UPDATE item_progress SET percent = $1, unknown_share = $2, reported = $3, updated_at = $4 WHERE item_id = $5",
        vec![p.percent.into(), p.unknown_share.into(), reported.into(), stamp.at.into(), id.into()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn write_history<C: ConnectionTrait>(
    c: &C,
    changes: &[ProgressChange],
    stamp: &Stamp,
) -> Result<()> {
    let rows = changes
        .iter()
        .map(|ch| history_row(ch.item_id, ch.after, stamp.today, stamp.at))
        .collect();
    insert_history(c, rows).await
}

/// One row of `progress_history`: an item's figure from a date on.
pub(crate) fn history_row(
    item_id: i64,
    p: Progress,
    effective: NaiveDate,
    at: DateTime<Utc>,
) -> Vec<Value> {
    vec![
        item_id.into(),
        effective.into(),
        at.into(),
        p.percent.into(),
        p.unknown_share.into(),
    ]
}

pub(crate) async fn insert_history<C: ConnectionTrait>(c: &C, rows: Vec<Vec<Value>>) -> Result<()> {
    insert_rows(
        c,
        "progress_history",
        &[
            "item_id",
            "effective_date",
            "at",
            "percent",
            "unknown_share",
        ],
        rows,
    )
    .await
}

/// An item's progress now, or on a past date (from the history).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemProgress {
    pub progress: Progress,
    /// The latest accepted percent reported on the item itself.
    pub reported: Option<f64>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait ProgressStore {
    /// Recomputes a whole plan from its accepted reports and compares with what is stored;
    /// returns every difference (none when incremental maintenance is right).
    async fn check_rollups(&self, plan: &str) -> Result<Vec<Mismatch>>;
    /// The plan's version (moved by plan edits) and progress version (moved by every write of
    /// progress): a reader that keeps figures in memory reloads when either moved.
    async fn versions(&self, plan: &str) -> Result<(i64, i64)>;
    /// Progress as of a past date of every item of a plan that had a figure by then, the
    /// items archived since included (a document of that day shows the plan as it stood).
    async fn plan_progress_then(
        &self,
        plan: &str,
        date: NaiveDate,
    ) -> Result<HashMap<String, Progress>>;
    /// Progress of every live item of a plan by item code, now or as of a past date.
    async fn plan_progress(
        &self,
        plan: &str,
        as_of: Option<NaiveDate>,
    ) -> Result<HashMap<String, Progress>>;
    /// The progress of the items whose figures changed after progress version `since`, by
    /// code: what a reader holding the plan as of that version must apply to be current.
    async fn progress_since(&self, plan: &str, since: i64) -> Result<HashMap<String, Progress>>;
    /// The progress of the given items (by id), now or as of a past date: what one item's
    /// explanation needs, without reading the plan.
    async fn progress_of_items(
        &self,
        ids: &[i64],
        as_of: Option<NaiveDate>,
    ) -> Result<HashMap<i64, Progress>>;
    /// An item's progress over time: one point per date it changed (the last of the day).
    async fn item_history(&self, plan: &str, code: &str) -> Result<Vec<(NaiveDate, Progress)>>;
}

impl ProgressStore for Store {
    async fn progress_of_items(
        &self,
        ids: &[i64],
        as_of: Option<NaiveDate>,
    ) -> Result<HashMap<i64, Progress>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = id_list(ids);
        let rows = match as_of {
            None => {
                all(
                    &self.db(),
                    &format!(
                        "SELECT item_id, percent, unknown_share FROM item_progress WHERE item_id IN ({list})"
                    ),
                    vec![],
                )
                .await?
            }
            Some(d) => {
                all(
                    &self.db(),
                    &format!(
                        "SELECT h.item_id, h.percent, h.unknown_share FROM progress_history h WHERE h.item_id IN ({list}) \
                         AND h.id = (SELECT h2.id FROM progress_history h2 WHERE h2.item_id = h.item_id \
                         AND h2.effective_date <= $1 ORDER BY h2.effective_date DESC, h2.id DESC LIMIT 1)"
                    ),
                    vec![d.into()],
                )
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok((
                    get::<i64>(r, "item_id")?,
                    Progress {
                        percent: get(r, "percent")?,
                        unknown_share: get(r, "unknown_share")?,
                    },
                ))
            })
            .collect()
    }

    async fn check_rollups(&self, plan: &str) -> Result<Vec<Mismatch>> {
        let pid = self.plan_id(plan).await?;
        let tree = load_tree(&self.db(), pid, true).await?;
        let codes: HashMap<i64, String> = all(
            &self.db(),
            "SELECT id, code FROM items WHERE plan_id = $1",
            vec![pid.into()],
        )
        .await?
        .iter()
        .map(|r| Ok((get::<i64>(r, "id")?, get::<String>(r, "code")?)))
        .collect::<Result<_>>()?;
        let nodes: Vec<Node> = tree.iter().map(|n| n.node).collect();
        let computed = roll_up_tree(&nodes);
        Ok(tree
            .iter()
            .zip(computed)
            .filter(|(n, p)| !n.stored.is_some_and(|s| same(s, *p)))
            .map(|(n, p)| Mismatch {
                item: codes.get(&n.id).cloned().unwrap_or_default(),
                stored: n.stored,
                computed: p,
            })
            .collect())
    }

    async fn versions(&self, plan: &str) -> Result<(i64, i64)> {
        let r = one(
            &self.db(),
            "SELECT version, progress_version FROM plans WHERE code = $1",
            vec![plan.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan `{plan}`")))?;
        Ok((get(&r, "version")?, get(&r, "progress_version")?))
    }

    async fn progress_since(&self, plan: &str, since: i64) -> Result<HashMap<String, Progress>> {
        let pid = self.plan_id(plan).await?;
        let mut out = HashMap::new();
        self.db()
            .each_row(SINCE_SQL, vec![since.into(), pid.into()], by_code(&mut out))
            .await?;
        Ok(out)
    }

    async fn item_history(&self, plan: &str, code: &str) -> Result<Vec<(NaiveDate, Progress)>> {
        let pid = self.plan_id(plan).await?;
        let rows = all(
            &self.db(),
            "SELECT h.effective_date, h.percent, h.unknown_share FROM progress_history h \
             JOIN items i ON i.id = h.item_id WHERE i.plan_id = $1 AND i.code = $2 \
             ORDER BY h.effective_date, h.id",
            vec![pid.into(), code.into()],
        )
        .await?;
        let mut out: Vec<(NaiveDate, Progress)> = Vec::new();
        for r in &rows {
            let d: NaiveDate = get(r, "effective_date")?;
            let p = Progress {
                percent: get(r, "percent")?,
                unknown_share: get(r, "unknown_share")?,
            };
            match out.last_mut() {
                Some(last) if last.0 == d => last.1 = p,
                _ => out.push((d, p)),
            }
        }
        Ok(out)
    }

    async fn plan_progress(
        &self,
        plan: &str,
        as_of: Option<NaiveDate>,
    ) -> Result<HashMap<String, Progress>> {
        let pid = self.plan_id(plan).await?;
        let mut out = HashMap::new();
        let add = by_code(&mut out);
        match as_of {
            None => {
                self.db()
                    .each_row(
                        "SELECT i.code, p.percent, p.unknown_share FROM items i JOIN item_progress p ON p.item_id = i.id \
                         WHERE i.plan_id = $1 AND NOT i.archived",
                        vec![pid.into()],
                        add,
                    )
                    .await?
            }
            Some(d) => progress_on(self, pid, d, "AND NOT i.archived", add).await?,
        };
        Ok(out)
    }

    async fn plan_progress_then(
        &self,
        plan: &str,
        date: NaiveDate,
    ) -> Result<HashMap<String, Progress>> {
        let pid = self.plan_id(plan).await?;
        let mut out = HashMap::new();
        progress_on(self, pid, date, "", by_code(&mut out)).await?;
        Ok(out)
    }
}

/// Each item's last figure on or before `d` (`only`: a further condition on the item `i`), row
/// by row to `f`.
async fn progress_on(
    store: &Store,
    pid: i64,
    d: NaiveDate,
    only: &str,
    f: impl FnMut(sea_orm::QueryResult) -> Result<()> + Send,
) -> Result<()> {
    let sql = format!(
        "SELECT i.code, h.percent, h.unknown_share FROM items i JOIN progress_history h ON h.item_id = i.id \
         WHERE i.plan_id = $1 {only} AND h.id = ( \
           SELECT h2.id FROM progress_history h2 WHERE h2.item_id = i.id AND h2.effective_date <= $2 \
           ORDER BY h2.effective_date DESC, h2.id DESC LIMIT 1)"
    );
    store
        .db()
        .each_row(&sql, vec![pid.into(), d.into()], f)
        .await
}

/// The items whose progress changed after a version: what a server applies to its copy of the
/// plan after each accepted report. From the changes' index outwards (`CROSS JOIN` keeps
/// SQLite from walking the plan's items and looking each one up: 1M lookups per report on a
/// million-item plan); PostgreSQL plans a cross join with conditions like any other join.
const SINCE_SQL: &str = "SELECT i.code, p.percent, p.unknown_share FROM item_progress p \
     CROSS JOIN items i WHERE i.id = p.item_id AND p.changed_in > $1 AND i.plan_id = $2 \
     AND NOT i.archived";

impl Store {
    /// How the database runs `progress_since` (the query-plan test).
    pub async fn explain_progress_since(&self, plan: &str, since: i64) -> Result<String> {
        let pid = self.plan_id(plan).await?;
        self.explain(SINCE_SQL, vec![since.into(), pid.into()])
            .await
    }
}

async fn bump_items_of_plan<C: ConnectionTrait>(c: &C, plan_id: i64, version: i64) -> Result<()> {
    exec(
        c,
        "UPDATE item_progress SET changed_in = $1 WHERE item_id IN (SELECT id FROM items WHERE plan_id = $2)",
        vec![version.into(), plan_id.into()],
    )
    .await?;
    Ok(())
}

/// A row handler that files rows of `code, percent, unknown_share` as progress by item code.
fn by_code(
    out: &mut HashMap<String, Progress>,
) -> impl FnMut(sea_orm::QueryResult) -> Result<()> + Send + '_ {
    |r| {
        out.insert(
            get::<String>(&r, "code")?,
            Progress {
                percent: get(&r, "percent")?,
                unknown_share: get(&r, "unknown_share")?,
            },
        );
        Ok(())
    }
}

/// Marks a plan's progress as changed, for in-memory readers (`ProgressStore::versions`), and
/// stamps the items whose progress was written (`None`: every item of the plan) with the new
/// version (`ProgressStore::progress_since`). Called once per transaction, after its writes:
/// the plan row stays locked until the commit, so versions follow the order of commits.
pub(crate) async fn bump<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    items: Option<&[i64]>,
) -> Result<()> {
    let row = one(
        c,
        "UPDATE plans SET progress_version = progress_version + 1 WHERE id = $1 RETURNING progress_version",
        vec![plan_id.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("plan #{plan_id}")))?;
    let version: i64 = get(&row, "progress_version")?;
    match items {
        None => bump_items_of_plan(c, plan_id, version).await?,
        Some([]) => {}
        Some(ids) if ids.len() > 10_000 => bump_items_of_plan(c, plan_id, version).await?,
        Some(ids) => {
            // Ids are integers the store read itself, so listing them inline is safe.
            exec(
                c,
                &format!(
                    "UPDATE item_progress SET changed_in = $1 WHERE item_id IN ({})",
                    id_list(ids)
                ),
                vec![version.into()],
            )
            .await?;
        }
    }
    Ok(())
}
