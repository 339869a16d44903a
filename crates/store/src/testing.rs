//! Fresh databases for tests: a SQLite file in a temporary folder always, and a new PostgreSQL
//! database on the server named by `TUIJIN_TEST_DATABASE_URL` when it is set. Each test gets
//! its own database; it is removed when the `TestDb` is dropped.

use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::{DatabaseUrl, Store};

/// The environment variable naming a PostgreSQL server for tests.
pub const PG_ENV: &str = "TUIJIN_TEST_DATABASE_URL";

/// Set (to anything but empty) beside `PG_ENV`: `TestDb::all` gives PostgreSQL alone. CI's
/// PostgreSQL step sets it, as the step before it ran every test on SQLite already.
pub const ONLY_PG_ENV: &str = "TUIJIN_TEST_ONLY_POSTGRES";

/// Whether an environment variable is set to something (set but empty counts as not set).
pub fn env_is_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty())
}

pub struct TestDb {
    pub store: Store,
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = DatabaseUrl::in_data_dir(dir.path());
        let store = Store::open(&url).await.expect("open SQLite");
        TestDb {
            store,
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A new, empty PostgreSQL database, or `None` when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let admin = std::env::var(PG_ENV).ok().filter(|s| !s.is_empty())?;
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "tuijin_t_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let conn = Database::connect(&admin)
            .await
            .expect("connect to the test PostgreSQL");
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE (the role needs CREATEDB)");
        conn.close().await.ok();
        let (base, _) = admin
            .rsplit_once('/')
            .expect("a database URL ends in /dbname");
        let url = DatabaseUrl::parse(&format!("{base}/{name}")).expect("postgres url");
        let store = Store::open(&url).await.expect("open PostgreSQL");
        Some(TestDb {
            store,
            url,
            _dir: None,
            pg: Some((admin, name)),
        })
    }

    /// Every backend available here: SQLite always, PostgreSQL when configured — or
    /// PostgreSQL alone when `ONLY_PG_ENV` says so.
    pub async fn all() -> Vec<TestDb> {
        let only_pg = env_is_set(ONLY_PG_ENV);
        let pg = TestDb::postgres().await;
        if only_pg {
            let pg = pg.unwrap_or_else(|| panic!("{ONLY_PG_ENV} is set but {PG_ENV} is not"));
            return vec![pg];
        }
        let mut v = vec![TestDb::sqlite().await];
        v.extend(pg);
        v
    }

    pub fn label(&self) -> &'static str {
        match self.url {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs outside async code: use a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async move {
                    let conn = Database::connect(&admin).await.ok()?;
                    conn.execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    ))
                    .await
                    .ok()?;
                    conn.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// The stamp of a write by `actor` now, on the system clock, in the default zone.
pub fn stamp(actor: &str) -> tuijin_core::clock::Stamp {
    use tuijin_core::clock::Clock;
    crate::clock::SystemClock.stamp(actor, tuijin_core::clock::DEFAULT_TZ)
}

/// The instant now, on the system clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use tuijin_core::clock::Clock;
    crate::clock::SystemClock.now()
}

impl TestDb {
    /// Runs a statement directly, behind the store's back: for tests that damage stored data
    /// on purpose (a corrupt value must be reported as a system fault, never shown).
    pub async fn execute(&self, sql: &str) -> crate::error::Result<u64> {
        crate::db::exec(&self.store.db(), sql, vec![]).await
    }
}

/// A write transaction a test holds open, so that it can check what goes on while the store's
/// one writer is taken, and write behind a waiting writer's back.
pub struct HeldWrite(crate::db::WriteTxn);

impl TestDb {
    /// Takes the store's write lock and holds it until the `HeldWrite` is committed or dropped.
    pub async fn hold_write(&self) -> crate::error::Result<HeldWrite> {
        Ok(HeldWrite(self.store.write().await?))
    }
}

impl HeldWrite {
    /// Runs a statement in the held transaction.
    pub async fn execute(&self, sql: &str) -> crate::error::Result<u64> {
        crate::db::exec(&self.0, sql, vec![]).await
    }

    /// Appends a note on `item` to the event chain, as every write that changes a plan does.
    pub async fn note(
        &self,
        item: &str,
        stamp: &tuijin_core::clock::Stamp,
    ) -> crate::error::Result<()> {
        let e = crate::events::NewEvent::new(tuijin_core::event::EventKind::NoteAdded, item)
            .after(&"a write held open by a test")?;
        crate::events::append(&self.0, stamp.at, &stamp.actor, vec![e]).await
    }

    pub async fn commit(self) -> crate::error::Result<()> {
        self.0.commit().await
    }
}

/// Pads a closed SQLite file with half a million rows and an index, so that its page check
/// (`PageCheck::Background`) takes long enough to outlast a bounded wait. By Python's sqlite3,
/// a reader independent of the store.
pub fn pad_sqlite_file(file: &std::path::Path) {
    let script = format!(
        "import sqlite3\n\
         c = sqlite3.connect('{}')\n\
         c.execute('CREATE TABLE padding (a INTEGER, b TEXT)')\n\
         c.execute('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000) INSERT INTO padding SELECT i, hex(randomblob(8)) FROM n')\n\
         c.execute('CREATE INDEX padding_b ON padding (b)')\n\
         c.commit()\n\
         c.execute('PRAGMA wal_checkpoint(TRUNCATE)')\n\
         c.close()\n",
        file.display()
    );
    let ok = std::process::Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3 runs");
    assert!(ok.success(), "padding {} failed", file.display());
}
