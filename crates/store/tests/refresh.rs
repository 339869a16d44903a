//! The scheduled warning refresh judges a whole plan in a read snapshot, outside the write
//! lock, and takes the lock only to write what changed — judging again under it when another
//! write came in between. Both databases.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use tuijin_core::PlanDocument;
use tuijin_core::warning::WarningKind;
use tuijin_export::read_plan;
use tuijin_store::testing::TestDb;
use tuijin_store::{PlanStore, Stamp, WarningFilter, WarningStore};

fn stamp(actor: &str, today: &str) -> Stamp {
    let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
    Stamp {
        at: Utc.from_utc_datetime(&today.and_hms_opt(2, 0, 0).unwrap()),
        today,
        actor: actor.into(),
    }
}

fn small() -> PlanDocument {
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn setup() -> Vec<TestDb> {
    let dbs = TestDb::all().await;
    for db in &dbs {
        db.store
            .import_plan(&small(), &stamp("office", "2017-06-01"))
            .await
            .unwrap();
    }
    dbs
}

fn open() -> WarningFilter {
    WarningFilter {
        plan: Some("demo-small".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_refresh_with_nothing_to_change_does_not_wait_for_the_writer() {
    for db in setup().await {
        let s = &db.store;
        let day = stamp("job", "2018-01-20");
        let first = s.refresh_warnings("demo-small", &day).await.unwrap();
        assert!(first.raised > 0, "{}: {first:?}", db.label());
        // Another write holds the lock (a long import, a batch of reports): the same day's
        // refresh has nothing to write, so it answers without waiting for it.
        let held = db.hold_write().await.unwrap();
        let again = tokio::time::timeout(
            Duration::from_secs(20),
            s.refresh_warnings("demo-small", &day),
        )
        .await
        .unwrap_or_else(|_| panic!("{}: the refresh waited for the writer", db.label()))
        .unwrap();
        assert_eq!(
            (again.raised, again.cleared, again.updated, again.open),
            (0, 0, 0, first.open),
            "{}",
            db.label()
        );
        drop(held);
    }
}

#[tokio::test]
async fn a_write_between_the_judging_and_the_lock_is_judged_again() {
    for db in setup().await {
        let s = db.store.clone();
        // Another write, not yet committed, cancels the milestone E1.2 (out of the figures and
        // the warnings) and appends its event.
        let held = db.hold_write().await.unwrap();
        held.execute("UPDATE items SET cancelled = TRUE WHERE code = 'E1.2'")
            .await
            .unwrap();
        held.note("E1.2", &stamp("office", "2018-01-20"))
            .await
            .unwrap();
        // The refresh judges without it: on 2018-01-20 the milestone (due 2017-12-31) is
        // overdue. It has something to write, so it waits for the writer.
        let day = stamp("job", "2018-01-20");
        let refresh = tokio::spawn(async move { s.refresh_warnings("demo-small", &day).await });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!refresh.is_finished(), "{}", db.label());
        held.commit().await.unwrap();
        let r = refresh.await.unwrap().unwrap();
        assert!(r.raised > 0, "{}: {r:?}", db.label());
        let list = db.store.list_warnings(&open(), 100).await.unwrap();
        assert!(
            !list.iter().any(|w| w.item == "E1.2"),
            "{}: a warning judged before the cancellation was written: {list:?}",
            db.label()
        );
        assert!(
            list.iter()
                .any(|w| w.item == "E1.1" && w.kind == WarningKind::ReportMissing),
            "{}: {list:?}",
            db.label()
        );
    }
}
