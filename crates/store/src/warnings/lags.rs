//! Lags explained below: a parent whose lag is explained by warnings on items below it carries
//! no lag warning of its own (the office chases the children).

use std::collections::{HashMap, HashSet};

use sea_orm::ConnectionTrait;
use tuijin_core::warning::{Condition, WarningKind};

use super::Row;
use crate::db::one;
use crate::error::Result;
use crate::rows::id_list;

/// A warning is raised where someone must act. A parent whose lag is explained by warnings
/// below it (a late child, a missing report, an indicator off its path) carries no lag
/// warning of its own: the page shows "N warnings below" instead, and the office chases the
/// children. A parent lagging with nothing warned below keeps its warning.
pub(super) async fn explained_lags<C: ConnectionTrait>(
    c: &C,
    only: Option<&[i64]>,
    items: &[Row],
    parent_of: &(dyn Fn(i64) -> Option<i64> + Sync),
    want: &mut HashMap<(i64, WarningKind), Condition>,
) -> Result<()> {
    use tuijin_core::warning::Family;
    // Looked up by key, kind by kind: a scan of every wanted warning per parent was
    // quadratic (a million-item import spent 11 minutes here).
    let lags: Vec<WarningKind> = WarningKind::of_family(Family::Lag).collect();
    let lagging_parents: Vec<i64> = items
        .iter()
        .filter(|r| !r.leaf)
        .filter(|r| lags.iter().any(|&k| want.contains_key(&(r.id, k))))
        .map(|r| r.id)
        .collect();
    if lagging_parents.is_empty() {
        return Ok(());
    }
    let below = match only {
        Some(_) => warned_below_chain(c, &lagging_parents, items, want).await?,
        None => warned_below_plan(parent_of, want),
    };
    for p in lagging_parents {
        if below.contains(&p) {
            for &k in &lags {
                want.remove(&(p, k));
            }
        }
    }
    Ok(())
}

/// The items with a warning below them, in a refresh of the whole plan: every ancestor of an
/// item with a warning just worked out, from the plan's tree as the refresh read it (`parent_of`
/// answers from its rows, every item not archived; reading the tree again held a million
/// driver rows at once).
fn warned_below_plan(
    parent_of: &(dyn Fn(i64) -> Option<i64> + Sync),
    want: &HashMap<(i64, WarningKind), Condition>,
) -> HashSet<i64> {
    let warned: HashSet<i64> = want.keys().map(|(i, _)| *i).collect();
    let mut below: HashSet<i64> = HashSet::new();
    for &w in &warned {
        let mut id = w;
        for _ in 0..=64 {
            match parent_of(id) {
                Some(p) => {
                    if !below.insert(p) {
                        break;
                    }
                    id = p;
                }
                None => break,
            }
        }
    }
    below
}

/// Which of `parents` have a warning below them, in a refresh of one chain (an item and its
/// ancestors, after a report): the chain's own items by what was just worked out, every other
/// item by its stored open warnings, found by walking down from each parent breadth first and
/// stopping at the first one. Reading the plan's whole tree and every open warning here made
/// each accepted report cost O(plan) (21,100 items: 47 ms of a 50 ms batch).
async fn warned_below_chain<C: ConnectionTrait>(
    c: &C,
    parents: &[i64],
    items: &[Row],
    want: &HashMap<(i64, WarningKind), Condition>,
) -> Result<HashSet<i64>> {
    let parent_of: HashMap<i64, Option<i64>> = items.iter().map(|r| (r.id, r.parent)).collect();
    let mut below: HashSet<i64> = HashSet::new();
    for &(w, _) in want.keys() {
        let mut id = w;
        for _ in 0..=64 {
            match parent_of.get(&id) {
                Some(Some(p)) => {
                    below.insert(*p);
                    id = *p;
                }
                _ => break,
            }
        }
    }
    let read: Vec<i64> = items.iter().map(|r| r.id).collect();
    let sql = format!(
        "WITH RECURSIVE down(id) AS ( \
           SELECT id FROM items WHERE parent_id = $1 AND NOT archived \
           UNION ALL SELECT i.id FROM items i JOIN down d ON i.parent_id = d.id WHERE NOT i.archived) \
         SELECT d.id FROM down d WHERE d.id NOT IN ({}) \
           AND EXISTS (SELECT 1 FROM warnings w WHERE w.item_id = d.id AND w.cleared_on IS NULL) \
         LIMIT 1",
        id_list(&read)
    );
    for &p in parents {
        if !below.contains(&p) && one(c, &sql, vec![p.into()]).await?.is_some() {
            below.insert(p);
        }
    }
    Ok(below)
}
