//! Units and indicators as the API lists them.

use serde::Serialize;
use tuijin_core::{Indicator, Unit, UnitKind};

use crate::db::{Store, all, get};
use crate::error::Result;
use crate::plans::{code_col, opt_code_col, text};

/// A unit with the number of items it leads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitRecord {
    #[serde(flatten)]
    pub unit: Unit,
    pub lead_count: i64,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait DirectoryStore {
    async fn list_units(&self) -> Result<Vec<UnitRecord>>;
    async fn list_indicators(&self, plan: &str) -> Result<Vec<Indicator>>;
    /// The people named on a plan's items (responsible leaders, leaders in charge).
    async fn list_people(&self, plan: &str) -> Result<Vec<tuijin_core::Person>>;
}

impl DirectoryStore for Store {
    async fn list_people(&self, plan: &str) -> Result<Vec<tuijin_core::Person>> {
        let pid = self.plan_id(plan).await?;
        crate::plans::people_of(&self.db, pid).await
    }

    async fn list_units(&self) -> Result<Vec<UnitRecord>> {
        let rows = all(
            &self.db,
            "SELECT u.code, u.name_zh, u.name_en, u.kind, p.code AS parent, u.assumed, COALESCE(n.lead_count, 0) AS lead_count \
             FROM units u LEFT JOIN units p ON p.id = u.parent_id \
             LEFT JOIN (SELECT lead_unit_id, COUNT(*) AS lead_count FROM items WHERE NOT archived GROUP BY lead_unit_id) n \
               ON n.lead_unit_id = u.id ORDER BY u.id",
            vec![],
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitRecord {
                    unit: Unit {
                        code: code_col(r, "code")?,
                        name: text(r, "name")?,
                        kind: UnitKind::parse(&get::<String>(r, "kind")?)
                            .unwrap_or(UnitKind::Other),
                        parent: opt_code_col(r, "parent")?,
                        assumed: get(r, "assumed")?,
                    },
                    lead_count: get(r, "lead_count")?,
                })
            })
            .collect()
    }

    async fn list_indicators(&self, plan: &str) -> Result<Vec<Indicator>> {
        use crate::plans::PlanStore;
        let rec = self.get_plan(plan).await?;
        crate::plans::indicators_of(&self.db, rec.id).await
    }
}
