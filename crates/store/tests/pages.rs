//! The check of a SQLite file's pages at opening: a small file is checked before opening
//! returns; a large one in the background, and nothing is written to it before the verdict —
//! after a damaged one, every write is refused and the storage's health says so.

use std::process::Command;

use tuijin_core::clock::{Clock, FixedClock};
use tuijin_core::policy::Role;
use tuijin_store::{
    AccountStore, Create, DatabaseUrl, PageCheck, Pages, PlanStore, Store, StoreError, Unavailable,
};

fn stamp() -> tuijin_core::clock::Stamp {
    let day = chrono::NaiveDate::from_ymd_opt(2020, 7, 3).unwrap();
    FixedClock::on(day).stamp("office", tuijin_core::clock::DEFAULT_TZ)
}

/// A database holding the small fixture plan, closed.
async fn filled(dir: &std::path::Path) -> DatabaseUrl {
    let url = DatabaseUrl::in_data_dir(dir);
    let store = Store::open(&url).await.unwrap();
    let path = format!(
        "{}/../../tests/fixtures/small.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc =
        tuijin_export::read_plan("small.toml", &std::fs::read_to_string(path).unwrap()).unwrap();
    store.import_plan(&doc, &stamp()).await.unwrap();
    store.close().await.unwrap();
    url
}

/// Overwrites every page of one table (found with SQLite's `dbstat`), after moving the
/// write-ahead log into the file, so that the damage is what is read — and only that table's.
fn damage_table(url: &DatabaseUrl, table: &str) {
    let DatabaseUrl::Sqlite(file) = url else {
        panic!("a SQLite file")
    };
    let script = format!(
        "import sqlite3\n\
         c = sqlite3.connect('{file}')\n\
         c.execute('PRAGMA wal_checkpoint(TRUNCATE)')\n\
         size = c.execute('PRAGMA page_size').fetchone()[0]\n\
         pages = [r[0] for r in c.execute(\"SELECT pageno FROM dbstat WHERE name = '{table}'\")]\n\
         c.close()\n\
         assert pages, 'no pages'\n\
         with open('{file}', 'r+b') as h:\n\
         \x20   for p in pages:\n\
         \x20       h.seek((p - 1) * size)\n\
         \x20       h.write(b'\\x5a' * size)\n",
        file = file.display()
    );
    let ok = Command::new("python3")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(ok.success());
}

async fn verdict(store: &Store) -> Pages {
    for _ in 0..500 {
        let p = store.pages_state();
        if p != Pages::Checking {
            return p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no verdict after 5 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_file_checked_in_the_background_takes_no_write() {
    let dir = tempfile::tempdir().unwrap();
    let url = filled(dir.path()).await;
    // Only the items' pages: a new user touches none of them, so without the check the write
    // below would go through into a damaged file.
    damage_table(&url, "items");

    // Checked first (a small file, or asked): refused at opening with the way out.
    let e = Store::connect(&url, Create::Never).await.unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("is damaged") && m.contains("tuijin restore"),
        "{m}"
    );

    // Checked in the background: opening answers, the write waits for the verdict and is
    // refused as storage that cannot take writes; the health says why.
    let store = Store::connect_checking(&url, Create::Never, PageCheck::Background)
        .await
        .unwrap();
    let jtw = [tuijin_core::Code::parse("JTW").unwrap()];
    let r = store
        .add_user(
            "jtw",
            Role::Unit,
            &jtw,
            Some("a long enough pass"),
            &stamp(),
        )
        .await;
    assert!(
        matches!(r, Err(StoreError::Unavailable(Unavailable::Damaged))),
        "{r:?}"
    );
    let Pages::Damaged(found) = verdict(&store).await else {
        panic!("the check found nothing")
    };
    assert!(
        found.contains("quick_check") || found.contains("cannot be read"),
        "{found}"
    );
    let h = store.storage_health();
    assert!(h.writes_failing);
    assert_eq!(h.last_failure.map(|(u, _)| u), Some(Unavailable::Damaged));
    assert_eq!(h.pages.word(), "damaged");
    // Nothing was written: the users' table is as the import left it.
    drop(store);
    let python = Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sqlite3; print(sqlite3.connect('{}').execute('SELECT count(*) FROM users').fetchone()[0])",
                match &url {
                    DatabaseUrl::Sqlite(p) => p.display().to_string(),
                    _ => unreachable!(),
                }
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&python.stdout).trim(), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sound_file_checked_in_the_background_takes_writes_after_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let url = filled(dir.path()).await;
    let store = Store::connect_checking(&url, Create::Never, PageCheck::Background)
        .await
        .unwrap();
    let jtw = [tuijin_core::Code::parse("JTW").unwrap()];
    store
        .add_user(
            "jtw",
            Role::Unit,
            &jtw,
            Some("a long enough pass"),
            &stamp(),
        )
        .await
        .unwrap();
    assert_eq!(verdict(&store).await, Pages::Sound);
    let h = store.storage_health();
    assert!(!h.writes_failing && h.last_failure.is_none());
    assert_eq!(store.list_users().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_bounded_in_its_wait_is_refused_while_the_check_runs() {
    let dir = tempfile::tempdir().unwrap();
    let url = filled(dir.path()).await;
    // Half a million rows and an index for the check to read, so that it outlasts the writer's
    // bound.
    let DatabaseUrl::Sqlite(file) = &url else {
        panic!("a SQLite file")
    };
    tuijin_store::testing::pad_sqlite_file(file);
    let store = Store::connect_checking(&url, Create::Never, PageCheck::Background)
        .await
        .unwrap();
    store.bound_page_check_wait(std::time::Duration::from_millis(1));
    let jtw = [tuijin_core::Code::parse("JTW").unwrap()];
    let r = store
        .add_user(
            "jtw",
            Role::Unit,
            &jtw,
            Some("a long enough pass"),
            &stamp(),
        )
        .await;
    assert!(
        matches!(r, Err(StoreError::Unavailable(Unavailable::Checking))),
        "{r:?}"
    );
    // Not a storage failure: the health stays clean, and after the verdict the write goes.
    // Background work waits for the verdict however long the check takes.
    assert_eq!(
        store.pages_state(),
        Pages::Checking,
        "the check outlasts the write"
    );
    assert_eq!(store.page_verdict().await, Pages::Sound);
    let h = store.storage_health();
    assert!(!h.writes_failing && h.last_failure.is_none(), "{h:?}");
    store
        .add_user(
            "jtw",
            Role::Unit,
            &jtw,
            Some("a long enough pass"),
            &stamp(),
        )
        .await
        .unwrap();
}
