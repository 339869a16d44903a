//! A long import tells how far it is (`Store::with_steps`, shown by `tuijin plan import` as a
//! progress bar): every step in the order it runs, the items counted up to all of them.

use std::sync::{Arc, Mutex};

use tuijin_store::PlanStore;
use tuijin_store::testing::{TestDb, stamp};

#[tokio::test]
async fn an_import_tells_its_steps_in_order() {
    let doc = tuijin_core::generate::plan_of_shape("steps", &[10, 10, 20], 20);
    for db in TestDb::all().await {
        let seen: Arc<Mutex<Vec<(String, u64, u64)>>> = Arc::default();
        let log = seen.clone();
        let store = db
            .store
            .clone()
            .with_steps(Arc::new(move |what, done, total| {
                log.lock().unwrap().push((what.to_string(), done, total))
            }));
        store.import_plan(&doc, &stamp("test")).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let mut order: Vec<&str> = seen.iter().map(|(w, _, _)| w.as_str()).collect();
        order.dedup();
        assert_eq!(
            order,
            ["check", "items", "progress", "events", "warnings", "commit"],
            "{}",
            db.label()
        );
        let items: Vec<(u64, u64)> = seen
            .iter()
            .filter(|(w, _, _)| w == "items")
            .map(|(_, d, t)| (*d, *t))
            .collect();
        assert_eq!(items.first(), Some(&(0, 2_110)), "{}", db.label());
        assert_eq!(items.last(), Some(&(2_110, 2_110)), "{}", db.label());
        assert!(
            items.windows(2).all(|w| w[0].0 <= w[1].0),
            "{}: counted up",
            db.label()
        );
    }
}
