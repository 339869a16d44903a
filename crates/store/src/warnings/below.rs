//! How many open warnings there are below an item: the item page's "N warnings below",
//! which sends the office to the children that explain a parent's lag. Counted up to a cap
//! with a walk that stops once it has enough, so that an item at the top of a million-item
//! plan does not walk its whole branch for a number shown as "1000+".

use crate::db::{Backend, Store, one};
use crate::error::{Result, StoreError};
use crate::rows::get;

impl Store {
    /// The open warnings on the items below `code` (not its own), exact up to `cap`; more
    /// than `cap` means "more than `cap`" (the count stops soon after).
    pub async fn open_warnings_below(&self, plan: &str, code: &str, cap: u64) -> Result<u64> {
        let root = one(
            &self.db(),
            "SELECT i.id FROM items i JOIN plans pl ON pl.id = i.plan_id WHERE pl.code = $1 AND i.code = $2",
            vec![plan.into(), code.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("item `{code}` in plan `{plan}`")))?;
        let root: i64 = get(&root, "id")?;
        // Depth first on SQLite (its recursive queue can be ordered): warnings sit mostly on
        // the leaves, and a breadth-first walk from the top of a million-item plan passed
        // every item of the levels above them first (12,000 lookups, 60 ms, for a root of
        // 50,000). PostgreSQL evaluates a recursive query a level at a time whatever the order.
        let (depth, deeper, order) = match self.backend() {
            Backend::Sqlite => (", 1", ", d.depth + 1", " ORDER BY 2 DESC"),
            Backend::Postgres => ("", "", ""),
        };
        let columns = if depth.is_empty() { "id" } else { "id, depth" };
        // The warnings of the first `cap + 1` warned items found: past `cap` items there are
        // past `cap` warnings. Read from the walk alone (a join with it made SQLite walk the
        // whole branch first).
        let sql = format!(
            "WITH RECURSIVE down({columns}) AS ( \
               SELECT id{depth} FROM items WHERE parent_id = $1 \
               UNION ALL SELECT i.id{deeper} FROM items i JOIN down d ON i.parent_id = d.id{order}) \
             SELECT CAST(COALESCE(SUM(k), 0) AS BIGINT) AS n FROM ( \
               SELECT (SELECT COUNT(*) FROM warnings w WHERE w.item_id = d.id AND w.cleared_on IS NULL) AS k \
               FROM down d \
               WHERE EXISTS (SELECT 1 FROM warnings w WHERE w.item_id = d.id AND w.cleared_on IS NULL) \
               LIMIT $2) AS found"
        );
        let row = one(
            &self.db(),
            &sql,
            vec![root.into(), ((cap + 1) as i64).into()],
        )
        .await?;
        Ok(match row {
            Some(r) => get::<i64>(&r, "n")?.max(0) as u64,
            None => 0,
        })
    }
}
