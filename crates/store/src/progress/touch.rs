//! The incremental path: after an item's own accepted figure changed, the item and each
//! ancestor are recomputed from their children's stored values — O(depth) rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Value};
use tuijin_core::clock::Stamp;
use tuijin_core::progress::{ChildProgress, Node, Progress, RollupRule, node_progress, same};

use super::{ProgressChange, rule};
use crate::db::{Backend, all, exec};
use crate::error::{Result, StoreError};
use crate::rows::{get, id_list, named};

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
    // The item's own figure from its units' shares, when it has shares.
    let shared = match super::shared_figures(c, None, Some(&[item_id]))
        .await?
        .remove(&item_id)
    {
        Some(s) => Some(s),
        None => super::measured_figures(c, None, Some(&[item_id]))
            .await?
            .remove(&item_id),
    };
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
            shared: if k == 0 { shared } else { None },
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
