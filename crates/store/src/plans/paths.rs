//! Each item's expected path (`tuijin_core::path::paths`), kept in `items.expected_path` so
//! that judging an item reads one row, not its branch: a parent's path is its children's.
//! Every import rewrites the paths that changed; a database from before the column gets them
//! at start-up (`fill_missing`).

use std::collections::HashMap;

use sea_orm::Value;
use tuijin_core::Item;

use crate::db::{Store, WriteTxn, all, exec};
use crate::error::Result;
use crate::rows::{encode_path, get};

/// Each item's expected path as stored (`encode_path`), by code; `items` are the plan's live
/// items as judged (under a baseline, with its dates).
pub(crate) fn wanted(items: &[Item]) -> Result<HashMap<&str, Option<String>>> {
    items
        .iter()
        .zip(tuijin_core::path::paths(items))
        .map(|(i, p)| Ok((i.code.as_str(), p.as_ref().map(encode_path).transpose()?)))
        .collect()
}

/// Writes the path of every live item of the plan whose stored path differs from `want`
/// (`wanted`). Returns how many were written.
pub(crate) async fn write_paths(
    txn: &WriteTxn,
    plan_id: i64,
    want: &HashMap<&str, Option<String>>,
) -> Result<usize> {
    let rows = all(
        txn,
        "SELECT id, code, expected_path FROM items WHERE plan_id = $1 AND NOT archived",
        vec![plan_id.into()],
    )
    .await?;
    let mut changed: Vec<(i64, Option<String>)> = Vec::new();
    for r in &rows {
        let code: String = get(r, "code")?;
        let stored: Option<String> = get(r, "expected_path")?;
        if let Some(w) = want.get(code.as_str())
            && *w != stored
        {
            changed.push((get(r, "id")?, w.clone()));
        }
    }
    // One statement per 400 rows: an UPDATE from a list of values, which SQLite and
    // PostgreSQL both name column1, column2.
    for chunk in changed.chunks(400) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2);
        let tuples: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(k, (id, p))| {
                values.push((*id).into());
                values.push(p.clone().into());
                format!("(${}, ${})", 2 * k + 1, 2 * k + 2)
            })
            .collect();
        exec(
            txn,
            &format!(
                "UPDATE items SET expected_path = v.column2 FROM (VALUES {}) AS v WHERE items.id = v.column1",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(changed.len())
}

/// Gives paths to the plans that have none yet (a database from before paths were kept): a
/// plan with dated items and not one stored path. (An item out of the plan's figures has no
/// path, legitimately.) Cheap when there is nothing to do: one query.
pub(crate) async fn fill_missing(store: &Store) -> Result<()> {
    let rows = all(
        &store.db(),
        // Plan by plan, each test stopping at its first row: this runs at every opening, and
        // a scan of every item for the plans' ids took 2 s at a million items.
        "SELECT p.id AS plan_id FROM plans p \
         WHERE EXISTS (SELECT 1 FROM items i WHERE i.plan_id = p.id AND NOT i.archived AND i.due_date IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM items j WHERE j.plan_id = p.id AND j.expected_path IS NOT NULL)",
        vec![],
    )
    .await?;
    for r in &rows {
        let plan_id: i64 = get(r, "plan_id")?;
        let txn = store.write().await?;
        let items = crate::items::load_plan_items(&txn, plan_id).await?;
        let n = write_paths(&txn, plan_id, &wanted(&items)?).await?;
        txn.commit().await?;
        tracing::info!(plan_id, items = n, "expected paths written");
    }
    Ok(())
}
