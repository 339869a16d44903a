//! `PlanStore` for the store: an import is the plan's writes (`plans::import_in`) and, in the
//! same transaction, its warnings re-evaluated against the new plan — a moved date, an
//! archived item or new shares change what is late — so nothing warns on a plan that no
//! longer holds. Apart from `plans` because the warnings read the plan modules.

use tuijin_core::PlanDocument;
use tuijin_core::clock::Stamp;

use crate::db::Store;
use crate::error::Result;
use crate::plans::{ImportSummary, PlanRecord, PlanStore};

impl PlanStore for Store {
    async fn import_plan(&self, doc: &PlanDocument, stamp: &Stamp) -> Result<ImportSummary> {
        let (txn, summary, plan_id) = crate::plans::import_in(self, doc, stamp).await?;
        crate::baselines::first_baseline(&txn, plan_id, doc, stamp).await?;
        txn.step("warnings", 0, 0);
        let t = std::time::Instant::now();
        let judged = crate::warnings::refresh(&txn, plan_id, None, stamp).await?;
        tracing::debug!(elapsed = ?t.elapsed(), raised = judged.raised, "import: warnings judged");
        txn.step("commit", 0, 0);
        let t = std::time::Instant::now();
        txn.commit().await?;
        tracing::debug!(elapsed = ?t.elapsed(), "import: committed");
        Ok(summary)
    }

    async fn export_plan(&self, code: &str) -> Result<PlanDocument> {
        self.export_plan_in(code).await
    }

    async fn list_plans(&self) -> Result<Vec<PlanRecord>> {
        self.list_plans_in().await
    }

    async fn get_plan(&self, code: &str) -> Result<PlanRecord> {
        self.get_plan_in(code).await
    }
}
