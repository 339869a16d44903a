//! What an operator watches: `/healthz` telling degraded storage apart from a healthy one, and
//! scheduled backups written, checked and kept to their number.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use tuijin_web::jobs::{BackupPlan, backup_once};
use tuijin_web::{AppState, router};

async fn health(st: &AppState) -> (StatusCode, Value) {
    let res = router(st.clone())
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn health_says_when_the_storage_is_short_of_room() {
    for db in common::with_small_plan().await {
        let mut st = AppState::new(db.store.clone(), common::today(), false);
        let (s, h) = health(&st).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["database"], "ok");
        assert_eq!(h["storage"]["writes_failing"], false);
        assert_eq!(h["storage"]["pages"], "sound", "{h}");
        if db.label() == "sqlite" {
            assert_eq!(h["status"], "ok", "{h}");
            assert!(h["storage"]["free_bytes"].as_u64().unwrap() > 0);
            // Less room than the threshold: degraded, though reads still work.
            st.min_free_bytes = u64::MAX;
            let (s, h) = health(&st).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(h["status"], "degraded", "{h}");
        }
    }
}

#[tokio::test]
async fn scheduled_backups_are_checked_and_kept_to_their_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::with_small_plan().await.remove(0);
    let st = AppState::new(
        db.store.clone(),
        std::sync::Arc::new(tuijin_store::clock::SystemClock),
        false,
    );
    let plan = BackupPlan {
        dir: dir.path().join("backups"),
        every: std::time::Duration::from_secs(3600),
        keep: 2,
    };
    let mut names = Vec::new();
    for _ in 0..3 {
        let o = backup_once(&st, &plan).await;
        assert_eq!(o.error, None);
        names.push(o.file);
        // Names are by the second.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let mut kept: Vec<String> = std::fs::read_dir(&plan.dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    kept.sort();
    assert_eq!(kept, names[1..], "the oldest is deleted");
    for k in &kept {
        assert!(tuijin_store::backup::verify_backup(std::path::Path::new(k)).is_ok());
    }
}

/// A large file is checked in the background after the start. A request's write waits for the
/// verdict only so long; the scheduled warning refresh waits however long it takes, so the
/// start's refresh runs when the check ends instead of being skipped until the next period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_refresh_waits_for_the_page_check() {
    use tuijin_store::{Create, DatabaseUrl, PageCheck, Pages, PlanStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::in_data_dir(dir.path());
    {
        let store = Store::open(&url).await.unwrap();
        let path = format!(
            "{}/../../tests/fixtures/small.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let doc = tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap())
            .unwrap();
        store
            .import_plan(
                &doc,
                &common::today().stamp("office", tuijin_core::clock::DEFAULT_TZ),
            )
            .await
            .unwrap();
        store.close().await.unwrap();
    }
    // Half a million rows and an index for the check to read, so that it outlasts a bounded wait.
    let DatabaseUrl::Sqlite(file) = &url else {
        panic!("a SQLite file")
    };
    tuijin_store::testing::pad_sqlite_file(file);
    let store = Store::connect_checking(&url, Create::Never, PageCheck::Background)
        .await
        .unwrap();
    let st = AppState::new(store.clone(), common::today(), false);
    // Requests give up at once here: only a job that waits for the verdict gets its run.
    store.bound_page_check_wait(std::time::Duration::from_millis(1));
    assert_eq!(store.pages_state(), Pages::Checking);
    let every = std::time::Duration::from_secs(3600);
    let run = tuijin_web::jobs::claim(&st, tuijin_web::jobs::WARNING_REFRESH, every).await;
    assert!(run.is_some(), "the refresh's run was not claimed");
    assert_eq!(store.pages_state(), Pages::Sound);
}
