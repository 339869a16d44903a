//! How many open warnings there are below an item: the item page's "N warnings below",
//! which sends the office to the children that explain a parent's lag. Counted up to a cap
//! with a breadth-first walk that stops once it has enough, so that an item at the top of a
//! million-item plan does not walk its whole branch for a number shown as "1000+".

use crate::db::{Store, one};
use crate::error::{Result, StoreError};
use crate::rows::get;

impl Store {
    /// The open warnings on the items below `code` (not its own), counting no further than
    /// `cap + 1`: more than `cap` means "more than `cap`".
    pub async fn open_warnings_below(&self, plan: &str, code: &str, cap: u64) -> Result<u64> {
        let root = one(
            &self.db(),
            "SELECT i.id FROM items i JOIN plans pl ON pl.id = i.plan_id WHERE pl.code = $1 AND i.code = $2",
            vec![plan.into(), code.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("item `{code}` in plan `{plan}`")))?;
        let root: i64 = get(&root, "id")?;
        let row = one(
            &self.db(),
            "WITH RECURSIVE down(id) AS ( \
               SELECT id FROM items WHERE parent_id = $1 \
               UNION ALL SELECT i.id FROM items i JOIN down d ON i.parent_id = d.id) \
             SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM down d JOIN warnings w ON w.item_id = d.id \
               WHERE w.cleared_on IS NULL LIMIT $2) AS found",
            vec![root.into(), ((cap + 1) as i64).into()],
        )
        .await?;
        Ok(match row {
            Some(r) => get::<i64>(&r, "n")?.max(0) as u64,
            None => 0,
        })
    }
}
