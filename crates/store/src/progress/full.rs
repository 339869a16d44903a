//! The full path: a plan's whole tree loaded and rolled up from its accepted reports (after an
//! import, and for `check rollups`), and the replay of past reports date by date.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};
use tuijin_core::clock::Stamp;
use tuijin_core::progress::{Node, Progress, roll_up_tree, same};
use tuijin_core::report::Period;

use super::{
    NodeRow, ProgressChange, bump, history_row, insert_history, plan_default_rule, rule,
    write_history, write_progress,
};
use crate::db::{all, exec};
use crate::error::{Result, StoreError};
use crate::rows::{get, insert_rows};

fn progress_of(percent: Option<f64>, unknown: Option<f64>) -> Option<Progress> {
    unknown.map(|u| Progress {
        percent,
        unknown_share: u,
    })
}

/// Loads the live tree of a plan, parents before children.
pub(super) async fn load_tree<C: ConnectionTrait>(
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
                shared: None,
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
    if from_reports {
        let mut shared = super::shared_figures(c, Some(plan_id), None).await?;
        shared.extend(super::measured_figures(c, Some(plan_id), None).await?);
        for n in &mut nodes {
            n.node.shared = shared.get(&n.id).copied();
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

/// Replays accepted reports of the past, date by date, writing the progress history as it
/// would have been recorded and leaving `item_progress` at the final state. `accepted` holds
/// (effective date, item id, unit id, period, percent) of the reports that move items: the
/// lead units', and on an item with unit shares each share's unit's. The plan must have no
/// accepted report yet.
pub(crate) async fn replay<C: ConnectionTrait>(
    c: &C,
    plan_id: i64,
    mut accepted: Vec<(NaiveDate, i64, i64, Period, f64)>,
    at: DateTime<Utc>,
) -> Result<usize> {
    let tree = load_tree(c, plan_id, false).await?;
    let mut nodes: Vec<Node> = tree.iter().map(|n| n.node).collect();
    for n in &mut nodes {
        n.reported = None;
        n.shared = None;
    }
    // Items measured by their indicator take its latest figure: reports do not move them.
    let measured: HashMap<i64, tuijin_core::Progress> =
        super::measured_figures(c, Some(plan_id), None).await?;
    for (k, t) in tree.iter().enumerate() {
        if let Some(p) = measured.get(&t.id) {
            nodes[k].shared = Some(*p);
        }
    }
    let index: HashMap<i64, usize> = tree.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    // Items with unit shares: (unit, share) in order, and each unit's latest (period, percent).
    let mut shares: HashMap<usize, Vec<(i64, f64)>> = HashMap::new();
    for r in &all(
        c,
        "SELECT s.item_id, s.unit_id, s.percent FROM item_shares s JOIN items i ON i.id = s.item_id \
         WHERE i.plan_id = $1 AND NOT i.archived ORDER BY s.item_id, s.position",
        vec![plan_id.into()],
    )
    .await?
    {
        if let Some(&k) = index.get(&get::<i64>(r, "item_id")?) {
            shares
                .entry(k)
                .or_default()
                .push((get(r, "unit_id")?, get(r, "percent")?));
        }
    }
    let mut by_unit: HashMap<(usize, i64), (Period, f64)> = HashMap::new();
    let mut current = roll_up_tree(&nodes);
    let mut latest: HashMap<usize, Period> = HashMap::new();
    let mut reported_on: HashMap<usize, NaiveDate> = HashMap::new();
    accepted.sort_by(|a, b| a.0.cmp(&b.0).then(a.3.cmp(&b.3)));
    let mut history: Vec<Vec<Value>> = Vec::new();
    let mut i = 0;
    while i < accepted.len() {
        let date = accepted[i].0;
        while i < accepted.len() && accepted[i].0 == date {
            let (_, item, unit, period, percent) = &accepted[i];
            let k = *index.get(item).ok_or_else(|| {
                StoreError::Internal(format!("item #{item} is not a live item of the plan"))
            })?;
            match shares.get(&k) {
                Some(parts) => {
                    // A report of an older period never overrides a newer one of its unit.
                    let slot = by_unit.entry((k, *unit)).or_insert((*period, *percent));
                    if slot.0 <= *period {
                        *slot = (*period, *percent);
                    }
                    let figures: Vec<(f64, Option<f64>)> = parts
                        .iter()
                        .map(|(u, share)| (*share, by_unit.get(&(k, *u)).map(|x| x.1)))
                        .collect();
                    nodes[k].shared = Some(tuijin_core::progress::shared(&figures));
                }
                // A report of an older period never overrides a newer one.
                None => {
                    if latest.get(&k).is_none_or(|p| p <= period) {
                        latest.insert(k, *period);
                        nodes[k].reported = Some(*percent);
                    }
                }
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
