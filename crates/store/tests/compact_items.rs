//! Items as a server holds them: the fields most items leave empty (description, leaders,
//! links, source, trajectory, target, manual figure, shares) take memory only where one is set,
//! and an item read back from the store is the item imported, on both backends.

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{ItemStore, PlanStore, Stamp};

const SEED: &str = include_str!("../../../plans/zhengzhou-ncc-2017.toml");

#[tokio::test]
async fn rare_fields_are_held_only_by_the_items_that_set_them() {
    let mut doc = read_plan("zhengzhou-ncc-2017.toml", SEED).unwrap();
    // The seed quotes its speech for every item: every other item without its quote, so that
    // the plan has items with no rare field set as well.
    for i in doc.items.iter_mut().step_by(2) {
        i.extra.source = None;
        i.extra.tidy();
    }
    let today = NaiveDate::from_ymd_opt(2017, 6, 1).unwrap();
    let stamp = Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: "office".into(),
    };
    for db in TestDb::all().await {
        let s = &db.store;
        s.import_plan(&doc, &stamp).await.unwrap();
        let items = s.plan_items(doc.plan.code.as_str()).await.unwrap();
        assert_eq!(items.len(), doc.items.len(), "{:?}", s.backend());
        let empty = tuijin_core::ItemExtra::default();
        let (mut with, mut without) = (0, 0);
        for (read, written) in items.iter().zip(&doc.items) {
            assert_eq!(read, written, "{:?}: {} read back", s.backend(), read.code);
            let set = *read.extra != empty;
            assert_eq!(
                read.extra.is_allocated(),
                set,
                "{:?}: {}",
                s.backend(),
                read.code
            );
            if set { with += 1 } else { without += 1 }
        }
        // The seed plan has both kinds: the test means something on it.
        assert!(
            with > 0 && without > 0,
            "{:?}: {with} with, {without} without",
            s.backend()
        );
    }
}
