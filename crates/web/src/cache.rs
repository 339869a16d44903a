//! Plans kept in memory for the reads that need a whole plan (summaries): the items and their
//! current progress, reloaded only when the plan's version or progress version moved (one
//! indexed lookup per request). Correct across several server processes, since the versions
//! live in the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use tuijin_core::board::Board;
use tuijin_core::progress::Progress;
use tuijin_core::{Item, Plan, Text};
use tuijin_store::{DirectoryStore, ItemStore, PlanStore, ProgressStore, Store};

use crate::ApiError;

pub struct CachedPlan {
    pub versions: (i64, i64),
    pub plan: Plan,
    pub items: Vec<Item>,
    pub progress: HashMap<String, Progress>,
    /// Unit names by code (units change only with a plan import, which moves the version).
    pub units: HashMap<String, Text>,
    /// The board of the last date asked for (today, nearly always).
    board: Mutex<Option<Arc<Board>>>,
}

impl CachedPlan {
    /// The plan on `date`, built once per date and version.
    pub fn board(&self, date: NaiveDate) -> Arc<Board> {
        let mut slot = self.board.lock().expect("board lock");
        if let Some(b) = slot.as_ref().filter(|b| b.date == date) {
            return b.clone();
        }
        let b = Arc::new(Board::build(
            &self.items,
            &self.progress,
            date,
            self.plan.thresholds,
        ));
        *slot = Some(b.clone());
        b
    }

    pub fn item(&self, board: &Board, code: &str) -> Option<&Item> {
        board.position(code).map(|n| &self.items[n])
    }

    pub fn unit_name(&self, code: &str) -> Option<&Text> {
        self.units.get(code)
    }
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
        let units = store
            .list_units()
            .await?
            .into_iter()
            .map(|u| (u.unit.code.to_string(), u.unit.name))
            .collect();
        let fresh = Arc::new(CachedPlan {
            versions,
            plan: rec.plan,
            items,
            progress,
            units,
            board: Mutex::new(None),
        });
        self.plans
            .lock()
            .expect("cache lock")
            .insert(plan.to_string(), fresh.clone());
        Ok(fresh)
    }
}
