//! Progress as stored: one row per item in `item_progress`, maintained incrementally when a
//! report is accepted (the item and its ancestors only, in the same transaction) and fully
//! when a plan changes; a history row for every change, so any past date can be shown.
//! The rules themselves are `tuijin_core::progress`; this module only loads and saves.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tuijin_core::progress::{
    ChildProgress, Node, Progress, RollupRule, node_progress, roll_up_tree, same,
};

use tuijin_core::clock::Stamp;
use tuijin_core::report::Period;

use crate::db::{Backend, Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::rows::{get, id_list, insert_rows, named, named_opt};

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

struct NodeRow {
    id: i64,
    parent: Option<i64>,
    node: Node,
    stored: Option<Progress>,
}

/// An item's own rollup rule, or the plan's default when it names none.
fn rule(r: &sea_orm::QueryResult, default: RollupRule) -> Result<RollupRule> {
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

fn progress_of(percent: Option<f64>, unknown: Option<f64>) -> Option<Progress> {
    unknown.map(|u| Progress {
        percent,
        unknown_share: u,
    })
}

/// Loads the live tree of a plan, parents before children.
async fn load_tree<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    from_reports: bool,
) -> Result<Vec<NodeRow>> {
    let default = plan_default_rule(c, plan_id).await?;
    let rows = all(
        c,
        concat!(
            "SELECT i.id, i.parent_id, i.weight, i.rollup_rule, i.cancelled, i.manual_percent, \
             p.percent, p.unknown_share, p.reported, ",
            lead_latest!("i.id"),
            " AS from_reports FROM items i LEFT JOIN item_progress p ON p.item_id = i.id \
             WHERE i.plan_id = $1 AND NOT i.archived ORDER BY i.position"
        ),
        vec![plan_id.into()],
    )
    .await?;
    let mut nodes: Vec<NodeRow> = Vec::with_capacity(rows.len());
    for r in &rows {
        let reported: Option<f64> = if from_reports {
            get(r, "from_reports")?
        } else {
            get(r, "reported")?
        };
        nodes.push(NodeRow {
            id: get(r, "id")?,
            parent: get(r, "parent_id")?,
            node: Node {
                parent: None,
                weight: get(r, "weight")?,
                rule: rule(r, default)?,
                cancelled: get(r, "cancelled")?,
                manual: get(r, "manual_percent")?,
                reported,
            },
            stored: progress_of(get(r, "percent")?, get(r, "unknown_share")?),
        });
    }
    // Parents first: order by depth, keeping plan order within a depth.
    let index: HashMap<i64, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut depth = vec![usize::MAX; nodes.len()];
    for i in 0..nodes.len() {
        let mut chain = vec![i];
        let mut base = 0;
        while let Some(p) = nodes[*chain.last().expect("non-empty")]
            .parent
            .and_then(|p| index.get(&p).copied())
        {
            if depth[p] != usize::MAX {
                base = depth[p] + 1;
                break;
            }
            chain.push(p);
        }
        for (k, &c) in chain.iter().rev().enumerate() {
            depth[c] = base + k;
        }
    }
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| (depth[i], i));
    let mut sorted: Vec<Option<NodeRow>> = nodes.into_iter().map(Some).collect();
    let mut out: Vec<NodeRow> = order
        .iter()
        .map(|&i| sorted[i].take().expect("each once"))
        .collect();
    let pos: HashMap<i64, usize> = out.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    for n in &mut out {
        n.node.parent = n.parent.and_then(|p| pos.get(&p).copied());
    }
    Ok(out)
}

/// Recomputes every item of a plan from the accepted reports and writes what differs (with
/// history). Used after a plan import, inside its transaction.
pub(crate) async fn recompute_plan<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    stamp: &Stamp,
) -> Result<Vec<ProgressChange>> {
    let tree = load_tree(c, plan_id, true).await?;
    let nodes: Vec<Node> = tree.iter().map(|n| n.node).collect();
    let computed = roll_up_tree(&nodes);
    let mut changes = Vec::new();
    let mut inserts: Vec<Vec<Value>> = Vec::new();
    for (n, p) in tree.iter().zip(computed) {
        match n.stored {
            None => {
                inserts.push(vec![
                    n.id.into(),
                    p.percent.into(),
                    p.unknown_share.into(),
                    n.node.reported.into(),
                    stamp.at.into(),
                ]);
                if p.percent.is_some() {
                    changes.push(ProgressChange {
                        item_id: n.id,
                        before: None,
                        after: p,
                    });
                }
            }
            Some(old) if !same(old, p) => {
                write_progress(c, n.id, p, n.node.reported, stamp).await?;
                changes.push(ProgressChange {
                    item_id: n.id,
                    before: Some(old),
                    after: p,
                });
            }
            Some(_) => {}
        }
    }
    insert_rows(
        c,
        "item_progress",
        &[
            "item_id",
            "percent",
            "unknown_share",
            "reported",
            "updated_at",
        ],
        inserts,
    )
    .await?;
    write_history(c, &changes, stamp).await?;
    let ids: Vec<i64> = changes.iter().map(|ch| ch.item_id).collect();
    bump(c, plan_id, Some(&ids)).await?;
    Ok(changes)
}

async fn write_progress<C: ConnectionTrait>(
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

/// Locks the progress rows of an item and its ancestors, so that two reports on sibling
/// leaves cannot both compute their parent from stale values. Dialect-specific: PostgreSQL
/// locks the rows; SQLite has one writer at a time and its write transaction already excludes
/// every other.
async fn lock_chain<C: ConnectionTrait>(c: &C, backend: Backend, chain: &[i64]) -> Result<()> {
    if backend == Backend::Postgres && !chain.is_empty() {
        // One statement, rows in id order: every transaction locks in the same order, so two
        // of them can wait on each other but never deadlock.
        all(
            c,
            &format!(
                "SELECT item_id FROM item_progress WHERE item_id IN ({}) ORDER BY item_id FOR UPDATE",
                id_list(chain)
            ),
            vec![],
        )
        .await?;
    }
    Ok(())
}

/// The chain of an item up to its root, each node with what its rule needs and its children's
/// figures as a JSON array of `[id, weight, cancelled, percent, unknown_share]`. The JSON
/// aggregate is the one part that differs between the dialects.
fn chain_sql(backend: Backend) -> &'static str {
    // One text with the aggregate spliced in, so the two dialects cannot drift apart.
    macro_rules! chain {
        ($children:literal) => {
            concat!(
                "WITH RECURSIVE up(id, parent_id, depth) AS ( \
                   SELECT id, parent_id, 0 FROM items WHERE id = $1 \
                   UNION ALL SELECT i.id, i.parent_id, up.depth + 1 FROM items i JOIN up ON i.id = up.parent_id) \
                 SELECT up.id, up.depth, i.weight, i.rollup_rule, i.cancelled, i.manual_percent, p.percent, p.unknown_share, \
                   p.reported, pl.rollup_rule AS plan_rule, \
                   CASE WHEN up.depth = 0 THEN ",
                lead_latest!("up.id"),
                " END AS latest, (SELECT ",
                $children,
                " FROM items c JOIN item_progress cp ON cp.item_id = c.id WHERE c.parent_id = up.id AND NOT c.archived) AS kids \
                 FROM up JOIN items i ON i.id = up.id JOIN item_progress p ON p.item_id = up.id \
                 JOIN plans pl ON pl.id = i.plan_id ORDER BY up.depth"
            )
        };
    }
    match backend {
        Backend::Sqlite => chain!(
            "json_group_array(json_array(c.id, c.weight, c.cancelled, cp.percent, cp.unknown_share))"
        ),
        Backend::Postgres => chain!(
            "CAST(json_agg(json_build_array(c.id, c.weight, c.cancelled, cp.percent, cp.unknown_share)) AS TEXT)"
        ),
    }
}

/// Children's figures from `chain_sql`'s JSON arrays (SQLite writes booleans as 0/1).
fn parse_kids(json: &str) -> Result<Vec<(i64, ChildProgress)>> {
    let bad = |e: String| StoreError::Corrupt(format!("children of a chain node: {e}"));
    let rows: Vec<(i64, f64, serde_json::Value, Option<f64>, f64)> =
        serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    rows.into_iter()
        .map(|(id, weight, cancelled, percent, unknown_share)| {
            let cancelled = match cancelled {
                serde_json::Value::Bool(b) => b,
                serde_json::Value::Number(n) => n.as_i64() != Some(0),
                other => return Err(bad(format!("cancelled = {other}"))),
            };
            Ok((
                id,
                ChildProgress {
                    weight,
                    cancelled,
                    progress: Progress {
                        percent,
                        unknown_share,
                    },
                },
            ))
        })
        .collect()
}

/// After the item's own accepted figure changed: recompute it and each ancestor from their
/// children's stored values — O(depth) rows read and written. Returns what changed and the
/// chain itself (the item, then its ancestors).
pub(crate) async fn touch<C: ConnectionTrait>(
    c: &C,
    backend: Backend,
    item_id: i64,
    stamp: &Stamp,
) -> Result<(Vec<ProgressChange>, Vec<i64>)> {
    const CHAIN: &str = "WITH RECURSIVE up(id, parent_id, depth) AS ( \
           SELECT id, parent_id, 0 FROM items WHERE id = $1 \
           UNION ALL SELECT i.id, i.parent_id, up.depth + 1 FROM items i JOIN up ON i.id = up.parent_id)";
    if backend == Backend::Postgres {
        // Lock first, then read: under READ COMMITTED the reads below then see every commit
        // that held these rows before us.
        let ids: Vec<i64> = all(
            c,
            &format!("{CHAIN} SELECT id FROM up"),
            vec![item_id.into()],
        )
        .await?
        .iter()
        .map(|r| get(r, "id"))
        .collect::<Result<_>>()?;
        lock_chain(c, backend, &ids).await?;
    }
    // The chain (item first) with everything the rule needs, each node with its children's
    // figures folded into one JSON array: one statement, one row per level (rows cost a
    // hand-off each from the database worker; a level has a handful of children).
    let rows = all(c, chain_sql(backend), vec![item_id.into()]).await?;
    let chain: Vec<i64> = rows.iter().map(|r| get(r, "id")).collect::<Result<_>>()?;
    let Some(first) = rows.first() else {
        return Err(StoreError::NotFound(format!("progress of item #{item_id}")));
    };
    let default: RollupRule = named(first, "plan_rule")?;
    let mut children: HashMap<i64, Vec<(i64, ChildProgress)>> = HashMap::new();
    for (k, r) in rows.iter().enumerate() {
        let kids: Option<String> = get(r, "kids")?;
        children.insert(chain[k], parse_kids(kids.as_deref().unwrap_or("[]"))?);
    }
    let mut changes = Vec::new();
    let mut below: Option<(i64, Progress)> = None;
    // Rows to write: (item, progress, own reported figure, reported on).
    let mut writes: Vec<Vec<Value>> = Vec::new();
    for (k, r) in rows.iter().enumerate() {
        let id = chain[k];
        let own_reported: Option<f64> = if k == 0 {
            get(r, "latest")?
        } else {
            get(r, "reported")?
        };
        let node = Node {
            parent: None,
            weight: get(r, "weight")?,
            rule: rule(r, default)?,
            cancelled: get(r, "cancelled")?,
            manual: get(r, "manual_percent")?,
            reported: own_reported,
        };
        let mut kids: Vec<ChildProgress> = children
            .get(&id)
            .map(|v| v.iter().map(|(_, c)| *c).collect())
            .unwrap_or_default();
        if let Some((child, p)) = below
            && let Some(pos) = children
                .get(&id)
                .and_then(|v| v.iter().position(|(cid, _)| *cid == child))
        {
            kids[pos].progress = p;
        }
        let before = Progress {
            percent: get(r, "percent")?,
            unknown_share: get(r, "unknown_share")?,
        };
        let after = node_progress(&node, &kids);
        if k == 0 || !same(before, after) {
            let on: Option<NaiveDate> = (k == 0).then_some(stamp.today);
            writes.push(vec![
                id.into(),
                after.percent.into(),
                after.unknown_share.into(),
                own_reported.into(),
                stamp.at.into(),
                on.into(),
            ]);
        }
        if !same(before, after) {
            changes.push(ProgressChange {
                item_id: id,
                before: Some(before),
                after,
            });
        } else if k > 0 {
            // Nothing above can change either.
            break;
        }
        below = Some((id, after));
    }
    // All of the chain's new figures in one statement.
    let n = writes.len();
    let placeholders: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                i * 6 + 1,
                i * 6 + 2,
                i * 6 + 3,
                i * 6 + 4,
                i * 6 + 5,
                i * 6 + 6
            )
        })
        .collect();
    exec(
        c,
        &format!(
            "INSERT INTO item_progress (item_id, percent, unknown_share, reported, updated_at, reported_on) VALUES {} \
             ON CONFLICT (item_id) DO UPDATE SET percent = excluded.percent, unknown_share = excluded.unknown_share, \
             reported = excluded.reported, updated_at = excluded.updated_at, \
             reported_on = COALESCE(excluded.reported_on, item_progress.reported_on)",
            placeholders.join(", ")
        ),
        writes.into_iter().flatten().collect(),
    )
    .await?;
    Ok((changes, chain))
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
        let rows = all(
            &self.db(),
            "SELECT i.code, p.percent, p.unknown_share FROM item_progress p JOIN items i ON i.id = p.item_id \
             WHERE p.changed_in > $1 AND i.plan_id = $2 AND NOT i.archived",
            vec![since.into(), pid.into()],
        )
        .await?;
        by_code(&rows)
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
        let rows = match as_of {
            None => all(
                &self.db(),
                "SELECT i.code, p.percent, p.unknown_share FROM items i JOIN item_progress p ON p.item_id = i.id \
                 WHERE i.plan_id = $1 AND NOT i.archived",
                vec![pid.into()],
            )
            .await?,
            Some(d) => all(
                &self.db(),
                "SELECT i.code, h.percent, h.unknown_share FROM items i JOIN progress_history h ON h.item_id = i.id \
                 WHERE i.plan_id = $1 AND NOT i.archived AND h.id = ( \
                   SELECT h2.id FROM progress_history h2 WHERE h2.item_id = i.id AND h2.effective_date <= $2 \
                   ORDER BY h2.effective_date DESC, h2.id DESC LIMIT 1)",
                vec![pid.into(), d.into()],
            )
            .await?,
        };
        by_code(&rows)
    }
}

/// Replays accepted reports of the past, date by date, writing the progress history as it
/// would have been recorded and leaving `item_progress` at the final state. `accepted` holds
/// (effective date, item id, period, percent) of the lead units' reports. The plan must have
/// no accepted report yet.
pub(crate) async fn replay<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    mut accepted: Vec<(NaiveDate, i64, Period, f64)>,
    at: DateTime<Utc>,
) -> Result<usize> {
    let tree = load_tree(c, plan_id, false).await?;
    let mut nodes: Vec<Node> = tree.iter().map(|n| n.node).collect();
    for n in &mut nodes {
        n.reported = None;
    }
    let index: HashMap<i64, usize> = tree.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut current = roll_up_tree(&nodes);
    let mut latest: HashMap<usize, Period> = HashMap::new();
    let mut reported_on: HashMap<usize, NaiveDate> = HashMap::new();
    accepted.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut history: Vec<Vec<Value>> = Vec::new();
    let mut i = 0;
    while i < accepted.len() {
        let date = accepted[i].0;
        while i < accepted.len() && accepted[i].0 == date {
            let (_, item, period, percent) = &accepted[i];
            let k = *index.get(item).ok_or_else(|| {
                StoreError::Internal(format!("item #{item} is not a live item of the plan"))
            })?;
            // A report of an older period never overrides a newer one.
            if latest.get(&k).is_none_or(|p| p <= period) {
                latest.insert(k, *period);
                nodes[k].reported = Some(*percent);
            }
            reported_on.insert(k, date);
            i += 1;
        }
        let next = roll_up_tree(&nodes);
        for (k, (old, new)) in current.iter().zip(&next).enumerate() {
            if !same(*old, *new) {
                history.push(history_row(tree[k].id, *new, date, at));
            }
        }
        current = next;
    }
    insert_history(c, history).await?;
    let mut changed = Vec::new();
    for (k, n) in tree.iter().enumerate() {
        if !n.stored.is_some_and(|s| same(s, current[k])) || n.node.reported != nodes[k].reported {
            write_progress(
                c,
                n.id,
                current[k],
                nodes[k].reported,
                &Stamp {
                    at,
                    today: at.date_naive(),
                    actor: String::new(),
                },
            )
            .await?;
            changed.push(n.id);
        }
    }
    for (k, on) in reported_on {
        exec(
            c,
            "UPDATE item_progress SET reported_on = $1 WHERE item_id = $2",
            vec![on.into(), tree[k].id.into()],
        )
        .await?;
    }
    bump(c, plan_id, Some(&changed)).await?;
    Ok(changed.len())
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

/// Rows of `code, percent, unknown_share` as progress by item code.
fn by_code(rows: &[sea_orm::QueryResult]) -> Result<HashMap<String, Progress>> {
    rows.iter()
        .map(|r| {
            Ok((
                get::<String>(r, "code")?,
                Progress {
                    percent: get(r, "percent")?,
                    unknown_share: get(r, "unknown_share")?,
                },
            ))
        })
        .collect()
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
