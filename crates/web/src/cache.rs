//! Plans kept in memory for the reads that need a whole plan (summaries, pages): the items and
//! their current progress. Every request checks the plan's two versions (one indexed lookup):
//! when the plan itself changed, the plan is loaded again; when only progress moved, just the
//! items whose progress changed since the cached copy are fetched and applied. Correct across
//! several server processes, since the versions live in the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use tuijin_core::board::Board;
use tuijin_core::positions::Positions;
use tuijin_core::progress::{Progress, ProgressList};
use tuijin_core::shape::Shape;
use tuijin_core::{Item, Plan, Text};
use tuijin_store::{BaselineStore, DirectoryStore, ItemStore, PlanStore, ProgressStore, Store};

use crate::ApiError;

pub struct CachedPlan {
    pub versions: (i64, i64),
    pub plan: Arc<Plan>,
    pub items: Arc<Vec<Item>>,
    /// The items as their status is judged: `items` itself, or with the baseline's dates when
    /// the plan judges against its baseline (`Plan::status_against`). Every board is built on
    /// these; pages show `items`' dates with the slip beside them.
    pub judged: Arc<Vec<Item>>,
    /// Each item's progress, by its position in `items` (and `judged`, in the same order).
    pub progress: Arc<ProgressList>,
    /// The items' tree (positions by code, children, expected paths), shared by every board
    /// and progress version of the same items.
    pub shape: Arc<Shape>,
    /// Unit names by code (units change only with a plan import, which moves the version).
    pub units: Arc<HashMap<String, Text>>,
    /// People (leaders) by code.
    pub people: Arc<HashMap<String, tuijin_core::Person>>,
    /// The plan's indicators with their figures, which goals are judged by (a new figure
    /// moves the plan's version, so this reloads with it).
    pub measures: Arc<tuijin_core::Measures>,
    /// The board of the last date asked for (today, nearly always).
    board: Mutex<Option<Arc<Board>>>,
    /// What anonymous visitors may learn of the plan, built on first use (it depends on the
    /// items only, so it is shared across progress updates).
    public: Arc<std::sync::OnceLock<PublicPart>>,
    /// The units that lead items, by code, built on first use (`lead_units`).
    leads: Arc<std::sync::OnceLock<Vec<String>>>,
}

/// The published part of a plan, for views shown to anonymous visitors: built from public
/// items only, so no count, parent or link betrays an item that is not published.
#[derive(Default)]
pub struct PublicPart {
    /// Codes of the public, live (not archived) items.
    pub codes: std::collections::HashSet<String>,
    /// Public children of each item, by the item's code.
    pub children: HashMap<String, i64>,
    /// Public items each unit leads, by unit code.
    pub lead: HashMap<String, i64>,
}

impl PublicPart {
    fn of(items: &[Item]) -> PublicPart {
        let mut p = PublicPart::default();
        for i in items.iter().filter(|i| i.public) {
            p.codes.insert(i.code.to_string());
        }
        for i in items.iter().filter(|i| i.public) {
            if let Some(parent) = &i.parent {
                *p.children.entry(parent.to_string()).or_default() += 1;
            }
            if let Some(u) = &i.lead {
                *p.lead.entry(u.to_string()).or_default() += 1;
            }
        }
        p
    }

    pub fn has(&self, code: &str) -> bool {
        self.codes.contains(code)
    }
}

impl CachedPlan {
    /// The plan on `date`, built once per date and version.
    pub fn board(&self, date: NaiveDate) -> Arc<Board> {
        let mut slot = self.board.lock().expect("board lock");
        if let Some(b) = slot.as_ref().filter(|b| b.date == date) {
            return b.clone();
        }
        let b = Arc::new(Board::build_on(
            &self.judged,
            self.shape.clone(),
            self.progress.clone(),
            date,
            self.plan.thresholds,
            &self.measures,
        ));
        *slot = Some(b.clone());
        b
    }

    /// The same plan with other items, unit names and indicators — the plan as it stood on a
    /// past day, for a briefing of that day (`core::rewind`): `judged` are those items as their
    /// status is judged.
    pub fn as_it_stood(
        &self,
        items: Vec<Item>,
        judged: Option<Vec<Item>>,
        units: HashMap<String, Text>,
        measures: tuijin_core::Measures,
    ) -> CachedPlan {
        let items = Arc::new(items);
        let judged = judged.map_or_else(|| items.clone(), Arc::new);
        let shape = Arc::new(Shape::of(&judged));
        CachedPlan {
            versions: self.versions,
            plan: self.plan.clone(),
            judged,
            progress: Arc::new(ProgressList::unknown(items.len())),
            shape,
            items,
            units: Arc::new(units),
            people: self.people.clone(),
            measures: Arc::new(measures),
            board: Mutex::new(None),
            public: Default::default(),
            leads: Default::default(),
        }
    }

    pub fn item(&self, board: &Board, code: &str) -> Option<&Item> {
        board.position(code).map(|n| &self.items[n])
    }

    /// An item by its code, from the tree's index (no board needed).
    pub fn item_by_code(&self, code: &str) -> Option<&Item> {
        self.shape.positions().get(code).map(|n| &self.items[n])
    }

    pub fn public_part(&self) -> &PublicPart {
        self.public.get_or_init(|| PublicPart::of(&self.items))
    }

    /// The codes of the units that lead items, sorted: a filter's choices, worked out once per
    /// loaded plan (a million items' leads, listed and sorted per view, cost 0.3 s).
    pub fn lead_units(&self) -> &[String] {
        self.leads.get_or_init(|| {
            let set: std::collections::HashSet<&str> = self
                .items
                .iter()
                .filter_map(|i| i.lead.as_ref().map(|u| u.as_str()))
                .collect();
            let mut v: Vec<String> = set.into_iter().map(str::to_string).collect();
            v.sort();
            v
        })
    }

    pub fn unit_name(&self, code: &str) -> Option<&Text> {
        self.units.get(code)
    }
}

/// Each item's progress as read by code, put at the item's position; codes no longer in the
/// plan are passed over.
fn apply(progress: &mut ProgressList, positions: &Positions, by_code: HashMap<String, Progress>) {
    if by_code.len() > positions.len() / 16 {
        // A whole plan's progress (a load): each position's code looked up in the map, rather
        // than each code found in the positions by halves (seconds for a million items).
        for n in 0..positions.len() {
            if let Some(p) = by_code.get(positions.code(n)) {
                progress.set(n, *p);
            }
        }
        return;
    }
    for (code, p) in by_code {
        if let Some(n) = positions.get(&code) {
            progress.set(n, p);
        }
    }
}

tokio::task_local! {
    /// Set while a read (GET, HEAD) is handled (`reads_may_wait_elsewhere`): a read that finds
    /// its plan still loading after the cache's loading wait is answered "loading, come back"
    /// instead of holding its connection for the whole load; a write waits for the load.
    pub static READ: ();
}

/// How long a read waits for its plan's load before it is answered "loading": a million-item
/// plan's first load takes ~20 s, which a request's 30-s limit would otherwise end in a 408.
pub const LOADING_WAIT: Duration = Duration::from_secs(10);

pub struct PlanCache {
    plans: Mutex<HashMap<String, Arc<CachedPlan>>>,
    /// Plan headers by code, with the plan version they were read at.
    headers: Mutex<HashMap<String, (i64, Arc<Plan>)>>,
    /// One loader per plan: requests that miss together wait for one load instead of each
    /// loading the whole plan (eight cold loads of a 100k-item plan at once took 17 s).
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// `LOADING_WAIT` unless set otherwise (`set_loading_wait`), in milliseconds.
    loading_wait_ms: AtomicU64,
}

impl Default for PlanCache {
    fn default() -> Self {
        PlanCache {
            plans: Default::default(),
            headers: Default::default(),
            loading: Default::default(),
            loading_wait_ms: AtomicU64::new(LOADING_WAIT.as_millis() as u64),
        }
    }
}

/// Marks the request a read while it is handled, for `PlanCache::get`.
pub async fn reads_may_wait_elsewhere(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        READ.scope((), next.run(req)).await
    } else {
        next.run(req).await
    }
}

impl PlanCache {
    async fn load(store: &Store, plan: &str, versions: (i64, i64)) -> Result<CachedPlan, ApiError> {
        let rec = store.get_plan(plan).await?;
        let items = store.plan_items(plan).await?;
        let mut progress = ProgressList::unknown(items.len());
        let units = store
            .list_units()
            .await?
            .into_iter()
            .map(|u| (u.unit.code.to_string(), u.unit.name))
            .collect();
        let people = store
            .list_people(plan)
            .await?
            .into_iter()
            .map(|p| (p.code.to_string(), p))
            .collect();
        let measures = store.measures(plan).await?;
        let items = Arc::new(items);
        let judged = match store.judged_dates(plan).await? {
            Some(dates) => Arc::new(tuijin_core::baseline::judged(&items, &dates)),
            None => items.clone(),
        };
        let shape = Arc::new(Shape::of(&judged));
        apply(
            &mut progress,
            shape.positions(),
            store.plan_progress(plan, None).await?,
        );
        Ok(CachedPlan {
            versions,
            plan: Arc::new(rec.plan),
            items,
            judged,
            progress: Arc::new(progress),
            shape,
            units: Arc::new(units),
            people: Arc::new(people),
            measures: Arc::new(measures),
            board: Mutex::new(None),
            public: Default::default(),
            leads: Default::default(),
        })
    }

    /// The plan itself (settings, time zone, thresholds) without its items or progress: for
    /// writes that need only "today" in the plan's zone, so they neither wait for a whole plan
    /// to load nor apply the progress delta of a large plan after every accepted report.
    pub async fn header(&self, store: &Store, plan: &str) -> Result<Arc<Plan>, ApiError> {
        let versions = store.versions(plan).await?;
        if let Some((_, p)) = self
            .headers
            .lock()
            .expect("cache lock")
            .get(plan)
            .filter(|(v, _)| *v == versions.0)
        {
            return Ok(p.clone());
        }
        let p = Arc::new(store.get_plan(plan).await?.plan);
        self.headers
            .lock()
            .expect("cache lock")
            .insert(plan.to_string(), (versions.0, p.clone()));
        Ok(p)
    }

    fn cached(&self, plan: &str, versions: (i64, i64)) -> Option<Arc<CachedPlan>> {
        self.plans
            .lock()
            .expect("cache lock")
            .get(plan)
            .filter(|c| c.versions == versions)
            .cloned()
    }

    pub async fn get(
        self: &Arc<Self>,
        store: &Store,
        plan: &str,
    ) -> Result<Arc<CachedPlan>, ApiError> {
        let versions = store.versions(plan).await?;
        if let Some(hit) = self.cached(plan, versions) {
            return Ok(hit);
        }
        // The load runs as a task of its own: a request that gives up (its timeout, a closed
        // connection) does not abandon it half done. A million-item plan's first load can
        // outlast a request's 30 s while the start-up warning refresh shares the cores; each
        // timed-out request dropped its load and the next began again, so the plan never loaded.
        let (this, store, plan) = (self.clone(), store.clone(), plan.to_string());
        let load = tokio::spawn(async move { this.load_or_apply(&store, &plan).await });
        let joined = if READ.try_with(|_| ()).is_ok() {
            let wait = Duration::from_millis(self.loading_wait_ms.load(Ordering::Relaxed));
            // The load goes on when the read stops waiting: the next read finds it done.
            tokio::time::timeout(wait, load)
                .await
                .map_err(|_| ApiError::Loading)?
        } else {
            load.await
        };
        joined.map_err(|e| ApiError::Internal(format!("loading a plan: {e}")))?
    }

    /// How long a read waits for its plan's load before it is answered "loading".
    pub fn set_loading_wait(&self, wait: Duration) {
        self.loading_wait_ms
            .store(wait.as_millis() as u64, Ordering::Relaxed);
    }

    async fn load_or_apply(&self, store: &Store, plan: &str) -> Result<Arc<CachedPlan>, ApiError> {
        let loader = self
            .loading
            .lock()
            .expect("cache lock")
            .entry(plan.to_string())
            .or_default()
            .clone();
        let _one = loader.lock().await;
        // Another request may have loaded it while this one waited.
        let versions = store.versions(plan).await?;
        if let Some(hit) = self.cached(plan, versions) {
            return Ok(hit);
        }
        // Only progress moved: apply what changed since the cached copy. Read after the versions,
        // so a write landing in between is either included or seen as newer next time.
        let cached = self.plans.lock().expect("cache lock").get(plan).cloned();
        let fresh = match cached.filter(|c| c.versions.0 == versions.0 && c.versions.1 < versions.1)
        {
            Some(old) => {
                let delta = store.progress_since(plan, old.versions.1).await?;
                let mut progress = ProgressList::clone(&old.progress);
                apply(&mut progress, old.shape.positions(), delta);
                Arc::new(CachedPlan {
                    versions,
                    plan: old.plan.clone(),
                    items: old.items.clone(),
                    judged: old.judged.clone(),
                    progress: Arc::new(progress),
                    shape: old.shape.clone(),
                    units: old.units.clone(),
                    people: old.people.clone(),
                    measures: old.measures.clone(),
                    board: Mutex::new(None),
                    public: old.public.clone(),
                    leads: old.leads.clone(),
                })
            }
            None => Arc::new(Self::load(store, plan, versions).await?),
        };
        self.plans
            .lock()
            .expect("cache lock")
            .insert(plan.to_string(), fresh.clone());
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuijin_store::testing::{TestDb, stamp};

    /// The cached plan once a load that went on alone has landed (a minute at most).
    async fn landed(
        cache: &PlanCache,
        plan: &str,
        versions: (i64, i64),
    ) -> Option<Arc<CachedPlan>> {
        for _ in 0..1200 {
            if let Some(hit) = cache.cached(plan, versions) {
                return Some(hit);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Each backend with a generated plan `big` of `items` items, its versions, an empty cache.
    async fn with_big_plan(items: usize) -> Vec<(TestDb, (i64, i64), Arc<PlanCache>)> {
        let doc = tuijin_core::generate::generated_plan("big", items, 5, 20);
        let mut out = Vec::new();
        for db in TestDb::all().await {
            db.store.import_plan(&doc, &stamp("test")).await.unwrap();
            let versions = db.store.versions("big").await.unwrap();
            out.push((db, versions, Arc::new(PlanCache::default())));
        }
        out
    }

    #[tokio::test]
    async fn a_load_its_request_gave_up_on_is_finished_and_kept() {
        for (db, versions, cache) in with_big_plan(2_000).await {
            // Another load of the plan holds its loader, so the request's load cannot finish
            // before the request gives up, however fast the database (a request that gives up
            // before its load is spawned starts none, which proves nothing here).
            let loader = cache
                .loading
                .lock()
                .expect("cache lock")
                .entry("big".to_string())
                .or_default()
                .clone();
            let held = loader.lock().await;
            let gave_up =
                tokio::time::timeout(Duration::from_secs(5), cache.get(&db.store, "big")).await;
            assert!(gave_up.is_err(), "{}: the request gave up", db.label());
            drop(held);
            // Its load goes on without it and lands in the cache for the next request.
            let hit = landed(&cache, "big", versions)
                .await
                .unwrap_or_else(|| panic!("{}: the load was abandoned", db.label()));
            assert_eq!(hit.items.len(), 2_000);
            let again = cache.get(&db.store, "big").await.unwrap();
            assert!(
                Arc::ptr_eq(&hit, &again),
                "the next request takes it as it is"
            );
        }
    }

    #[tokio::test]
    async fn a_read_is_told_its_plan_is_loading_and_a_write_waits_for_it() {
        for (db, versions, cache) in with_big_plan(2_000).await {
            cache.set_loading_wait(Duration::ZERO);
            // A read that will not wait: told the plan is loading, and the load goes on.
            let read = READ.scope((), cache.get(&db.store, "big")).await;
            assert!(
                matches!(read, Err(ApiError::Loading)),
                "{}: a read is told",
                db.label()
            );
            assert!(
                landed(&cache, "big", versions).await.is_some(),
                "{}",
                db.label()
            );
            let hit = READ.scope((), cache.get(&db.store, "big")).await.unwrap();
            assert_eq!(
                hit.items.len(),
                2_000,
                "{}: the next read has it",
                db.label()
            );
            // Outside a read (a write), the same cold load is waited for, whatever the wait.
            let fresh = Arc::new(PlanCache::default());
            fresh.set_loading_wait(Duration::ZERO);
            let write = fresh.get(&db.store, "big").await.unwrap();
            assert_eq!(write.items.len(), 2_000, "{}: a write waits", db.label());
        }
    }
}
