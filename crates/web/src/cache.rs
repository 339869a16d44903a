//! Plans kept in memory for the reads that need a whole plan (summaries): the items and their
//! current progress, reloaded only when the plan's version or progress version moved (one
//! indexed lookup per request). Correct across several server processes, since the versions
//! live in the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tuijin_core::progress::Progress;
use tuijin_core::{Item, Plan};
use tuijin_store::{ItemStore, PlanStore, ProgressStore, Store};

use crate::ApiError;

pub struct CachedPlan {
    pub versions: (i64, i64),
    pub plan: Plan,
    pub items: Vec<Item>,
    pub progress: HashMap<String, Progress>,
}

#[derive(Default)]
pub struct PlanCache {
    plans: Mutex<HashMap<String, Arc<CachedPlan>>>,
}

impl PlanCache {
    pub async fn get(&self, store: &Store, plan: &str) -> Result<Arc<CachedPlan>, ApiError> {
        let versions = store.versions(plan).await?;
        if let Some(hit) = self
            .plans
            .lock()
            .expect("cache lock")
            .get(plan)
            .filter(|c| c.versions == versions)
        {
            return Ok(hit.clone());
        }
        // Loaded after the versions were read: if a write lands in between, the next request
        // sees newer versions and loads again, so a stale copy is never kept as current.
        let rec = store.get_plan(plan).await?;
        let items = store.plan_items(plan).await?;
        let progress = store.plan_progress(plan, None).await?;
        let fresh = Arc::new(CachedPlan {
            versions,
            plan: rec.plan,
            items,
            progress,
        });
        self.plans
            .lock()
            .expect("cache lock")
            .insert(plan.to_string(), fresh.clone());
        Ok(fresh)
    }
}
