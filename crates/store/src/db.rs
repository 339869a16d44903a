//! Opening the database and the connections every capability module runs its SQL on.
//!
//! Three things here keep acknowledged writes safe:
//! - **Writers wait, never fail.** Every write runs in `Store::write`: on SQLite, writers of
//!   this process queue for one permit (bounded: past `MAX_WAITING` waiting writers the request
//!   is shed with "overloaded"), then the transaction takes SQLite's write lock with its first
//!   statement, before it reads anything (so it never has to upgrade a read lock, which SQLite
//!   refuses without waiting); other processes are waited for by the busy timeout.
//! - **A failed connection is never reused.** Every statement's result passes through
//!   `Health::watch`: after a storage failure (disk full, I/O error, a lost server, a failed
//!   commit) the pool is replaced by a fresh one before the next request, so no connection
//!   carries a half-finished transaction into someone else's request.
//! - **Start-up trusts nothing.** `Store::open` refuses a damaged SQLite file
//!   (`PRAGMA quick_check`), a database that is not Tuijin's, and a schema newer than this
//!   program; a data folder that does not exist is created only when asked to.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqlxPostgresConnector, SqlxSqliteConnector, Statement, TransactionTrait, Value,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::error::{Result, StoreError, Unavailable, classify};
use crate::migrations::Migrator;
use crate::url::DatabaseUrl;
use crate::verdict::{PageCheck, Pages};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `PRAGMA application_id` of a Tuijin SQLite file ("TJ01"): another program's file is told
/// apart from ours before anything is written to it.
pub const APPLICATION_ID: i64 = 0x544a_3031;

/// Writers of one process that may wait for the write permit before new ones are shed.
const MAX_WAITING: usize = 512;

/// How long a writer waits for the permit (SQLite) before the request fails as busy.
const WRITE_WAIT: Duration = Duration::from_secs(30);

/// Whether a missing database may be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Create the SQLite file and its folder when absent (`demo`, `--init`, tests).
    IfMissing,
    /// The database must already exist (`serve`): a mistyped folder is an error, not a new
    /// empty server.
    Never,
}

/// The handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    steps: Option<Steps>,
}

/// What a long write tells while it runs: the step it is on and how far (`done` of `total`; a
/// total of 0 is a step without a count). The command line shows it as a progress bar.
pub type Steps = Arc<dyn Fn(&str, u64, u64) + Send + Sync>;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.inner.url)
    }
}

struct Inner {
    url: DatabaseUrl,
    backend: Backend,
    /// The current pool; replaced after a storage failure.
    pool: RwLock<DatabaseConnection>,
    health: Arc<Health>,
    /// SQLite: one writer of this process at a time.
    writer: Option<Arc<Semaphore>>,
    waiting: AtomicUsize,
    /// What is known of the SQLite file's pages (`pages.rs`); writers wait for a verdict.
    pages: watch::Sender<Pages>,
    /// How long a writer waits for that verdict, in milliseconds; 0 for as long as it takes.
    pages_wait_ms: std::sync::atomic::AtomicU64,
}

/// What the connections have seen: whether the pool must be replaced, and the last failure.
#[derive(Default)]
pub(crate) struct Health {
    reset: AtomicBool,
    state: Mutex<HealthState>,
}

#[derive(Default)]
struct HealthState {
    last_failure: Option<(Instant, Unavailable)>,
    /// Set by a failed write, cleared by the next committed one.
    writes_failing: bool,
}

/// What `/healthz` reports of the storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageHealth {
    /// Writes are failing now (the last write failed and none has succeeded since).
    pub writes_failing: bool,
    /// The last storage failure and how long ago, if any in this process's life.
    pub last_failure: Option<(Unavailable, Duration)>,
    /// What the check of the SQLite file's pages found so far.
    pub pages: Pages,
}

impl Health {
    /// Passes a statement's result through, noting a storage failure.
    fn watch<T>(&self, r: std::result::Result<T, DbErr>) -> std::result::Result<T, DbErr> {
        if let Err(e) = &r {
            self.failed(e);
        }
        r
    }

    fn failed(&self, e: &DbErr) {
        let Some(why) = classify(e) else { return };
        if matches!(
            why,
            Unavailable::Busy | Unavailable::Overloaded | Unavailable::Checking
        ) {
            return;
        }
        tracing::warn!(error = %e, "storage failure: connections will be replaced");
        self.reset.store(true, Ordering::SeqCst);
        let mut s = self.state.lock().expect("health lock");
        s.last_failure = Some((Instant::now(), why));
    }

    fn write_failed(&self) {
        self.state.lock().expect("health lock").writes_failing = true;
    }

    fn write_committed(&self) {
        self.state.lock().expect("health lock").writes_failing = false;
    }
}

/// A connection (pooled, or a transaction) whose every result is watched for storage failures.
pub(crate) struct Conn<C> {
    c: C,
    health: Arc<Health>,
    steps: Option<Steps>,
    /// Held by a write transaction on SQLite: the process's write permit.
    _permit: Option<OwnedSemaphorePermit>,
}

/// A write transaction: it began as a writer and holds the write permit until it ends.
pub(crate) type WriteTxn = Conn<DatabaseTransaction>;

#[sea_orm::prelude::async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> ConnectionTrait for Conn<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.c.get_database_backend()
    }
    async fn execute(&self, stmt: Statement) -> std::result::Result<ExecResult, DbErr> {
        self.health.watch(self.c.execute(stmt).await)
    }
    async fn execute_unprepared(&self, sql: &str) -> std::result::Result<ExecResult, DbErr> {
        self.health.watch(self.c.execute_unprepared(sql).await)
    }
    async fn query_one(&self, stmt: Statement) -> std::result::Result<Option<QueryResult>, DbErr> {
        self.health.watch(self.c.query_one(stmt).await)
    }
    async fn query_all(&self, stmt: Statement) -> std::result::Result<Vec<QueryResult>, DbErr> {
        self.health.watch(self.c.query_all(stmt).await)
    }
}

impl<C> Conn<C> {
    /// The connection itself, for what the wrapper does not pass through (streaming rows).
    pub(crate) fn inner(&self) -> &C {
        &self.c
    }

    /// Tells whoever watches the store how far a long write is (`Store::with_steps`).
    pub(crate) fn step(&self, what: &str, done: u64, total: u64) {
        if let Some(s) = &self.steps {
            s(what, done, total);
        }
    }
}

/// A statement whose rows are read one at a time: for results too large to hold at once as
/// the driver's rows. A whole plan's items held as rows took ~370 MB at 100,000 items (every
/// value copied by the driver), beside the 70 MB of items made from them (heaptrack,
/// BENCHMARKS.md "memory per item"); read row by row the rows never pile up.
pub(crate) trait EachRow: ConnectionTrait {
    fn each_row<'a, F>(
        &'a self,
        sql: &'a str,
        values: Vec<Value>,
        f: F,
    ) -> futures_util::future::BoxFuture<'a, Result<()>>
    where
        F: FnMut(QueryResult) -> Result<()> + Send + 'a;
}

impl<C: ConnectionTrait + sea_orm::StreamTrait + Send + Sync> EachRow for Conn<C> {
    fn each_row<'a, F>(
        &'a self,
        sql: &'a str,
        values: Vec<Value>,
        mut f: F,
    ) -> futures_util::future::BoxFuture<'a, Result<()>>
    where
        F: FnMut(QueryResult) -> Result<()> + Send + 'a,
    {
        // Boxed: an opaque future here is not seen to be `Send` by the generic callers'
        // futures (the compiler's "not general enough" limit with lifetimes in trait futures).
        Box::pin(async move {
            use futures_util::StreamExt;
            let statement = stmt(&self.c, sql, values);
            let rows = self.health.watch(self.c.stream(statement).await)?;
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.next().await {
                f(self.health.watch(row)?)?;
            }
            Ok(())
        })
    }
}

impl Conn<DatabaseTransaction> {
    /// Commits. A failed commit leaves the connection in a state nobody can vouch for: it is
    /// discarded with its pool, and the caller is told nothing was written.
    pub(crate) async fn commit(self) -> Result<()> {
        let Conn {
            c, health, _permit, ..
        } = self;
        match c.commit().await {
            Ok(()) => {
                health.write_committed();
                Ok(())
            }
            Err(e) => {
                health.failed(&e);
                health.reset.store(true, Ordering::SeqCst);
                health.write_failed();
                Err(match StoreError::from(e) {
                    StoreError::Internal(m) => {
                        tracing::error!(error = %m, "commit failed");
                        StoreError::Unavailable(Unavailable::Io)
                    }
                    other => other,
                })
            }
        }
    }
}

impl Store {
    /// Connects and checks the file without migrating (for `tuijin migrate --status`, checks
    /// and tests of migrations); the file's pages are checked as their size says (`pages.rs`).
    pub async fn connect(url: &DatabaseUrl, create: Create) -> Result<Store> {
        Self::connect_checking(url, create, PageCheck::BySize).await
    }

    /// Connects, checking the SQLite file's pages when `check` says.
    pub async fn connect_checking(
        url: &DatabaseUrl,
        create: Create,
        check: PageCheck,
    ) -> Result<Store> {
        let (pool, backend, writer) = match url {
            DatabaseUrl::Sqlite(path) => {
                prepare_sqlite_file(path, create)?;
                (
                    sqlite_pool(path),
                    Backend::Sqlite,
                    Some(Arc::new(Semaphore::new(1))),
                )
            }
            DatabaseUrl::Postgres(u) => (postgres_pool(u)?, Backend::Postgres, None),
        };
        let store = Store {
            inner: Arc::new(Inner {
                url: url.clone(),
                backend,
                pool: RwLock::new(pool),
                health: Arc::new(Health::default()),
                writer,
                waiting: AtomicUsize::new(0),
                pages: watch::Sender::new(Pages::Sound),
                pages_wait_ms: std::sync::atomic::AtomicU64::new(0),
            }),
            steps: None,
        };
        match store.ping().await {
            Err(StoreError::Unavailable(Unavailable::Damaged)) => {
                return Err(store.damaged("it cannot be read"));
            }
            other => other?,
        }
        store.check_pages(check).await?;
        Ok(store)
    }

    /// The state of the page check, for `pages.rs`.
    pub(crate) fn pages(&self) -> &watch::Sender<Pages> {
        &self.inner.pages
    }

    /// How long a writer waits for the page check's verdict (`None`: as long as it takes).
    pub(crate) fn pages_wait(&self) -> Option<Duration> {
        match self.inner.pages_wait_ms.load(Ordering::SeqCst) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// Bounds how long a writer waits for the page check's verdict: past it, the write is
    /// refused as `Unavailable::Checking` (a server answers `503` with `Retry-After` before
    /// its request timeout, instead of holding the request). Commands wait as long as it takes.
    pub fn bound_page_check_wait(&self, at_most: Duration) {
        let ms = u64::try_from(at_most.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.inner.pages_wait_ms.store(ms, Ordering::SeqCst);
    }

    /// Notes a damaged file in the storage's health: writes are failing from now on.
    pub(crate) fn note_damaged(&self) {
        let mut s = self.inner.health.state.lock().expect("health lock");
        s.last_failure = Some((Instant::now(), Unavailable::Damaged));
        s.writes_failing = true;
    }

    /// A connection for reads (and for statements that need no transaction).
    pub(crate) fn db(&self) -> Conn<DatabaseConnection> {
        let i = &self.inner;
        if i.health.reset.swap(false, Ordering::SeqCst) {
            let fresh = match &i.url {
                DatabaseUrl::Sqlite(p) => Some(sqlite_pool(p)),
                DatabaseUrl::Postgres(u) => postgres_pool(u).ok(),
            };
            if let Some(fresh) = fresh {
                // The old pool closes when the last request holding it is done.
                *i.pool.write().expect("pool lock") = fresh;
                tracing::warn!("storage: the connection pool was replaced after a failure");
            }
        }
        Conn {
            c: i.pool.read().expect("pool lock").clone(),
            health: i.health.clone(),
            steps: self.steps.clone(),
            _permit: None,
        }
    }

    /// Begins a write transaction that holds the write lock from its first statement: writers
    /// queue instead of failing. Past `MAX_WAITING` queued writers, the request is refused as
    /// overloaded; after `WRITE_WAIT` in the queue, as busy. Nothing is written in either case.
    pub(crate) async fn write(&self) -> Result<WriteTxn> {
        // Nothing is written to a file whose pages are not known to be sound (`pages.rs`); a
        // damaged one is refused as storage that cannot take writes (a 503, not a 500).
        self.pages_sound().await.map_err(|e| match e {
            StoreError::Corrupt(_) => StoreError::Unavailable(Unavailable::Damaged),
            other => other,
        })?;
        let i = &self.inner;
        let permit = match &i.writer {
            None => None,
            Some(sem) => {
                if i.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
                    i.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(StoreError::Unavailable(Unavailable::Overloaded));
                }
                let got = tokio::time::timeout(WRITE_WAIT, sem.clone().acquire_owned()).await;
                i.waiting.fetch_sub(1, Ordering::SeqCst);
                match got {
                    Ok(Ok(p)) => Some(p),
                    Ok(Err(_)) => return Err(StoreError::Internal("write queue closed".into())),
                    Err(_) => return Err(StoreError::Unavailable(Unavailable::Busy)),
                }
            }
        };
        let db = self.db();
        let txn = db.health.watch(db.c.begin().await)?;
        let txn = Conn {
            c: txn,
            health: db.health.clone(),
            steps: db.steps,
            _permit: permit,
        };
        if self.backend() == Backend::Sqlite {
            // A statement that writes nothing but takes SQLite's write lock now (waiting for
            // other processes by the busy timeout), before any read: SQLite would otherwise
            // begin the transaction as a reader and refuse to upgrade it at the first write.
            if let Err(e) = exec(&txn, "DELETE FROM closed_periods WHERE 1 = 0", vec![]).await {
                txn.health.write_failed();
                return Err(e);
            }
        }
        Ok(txn)
    }

    /// A write transaction if the write permit is free right now, else `None`: for bookkeeping
    /// writes (a token's last use) that a request must never wait for.
    pub(crate) async fn try_write(&self) -> Result<Option<WriteTxn>> {
        match self.pages_sound_now() {
            None => return Ok(None),
            Some(sound) => sound.map_err(|_| StoreError::Unavailable(Unavailable::Damaged))?,
        }
        let permit = match &self.inner.writer {
            None => None,
            Some(sem) => match sem.clone().try_acquire_owned() {
                Ok(p) => Some(p),
                Err(_) => return Ok(None),
            },
        };
        let db = self.db();
        let txn = db.health.watch(db.c.begin().await)?;
        let txn = Conn {
            c: txn,
            health: db.health.clone(),
            steps: db.steps,
            _permit: permit,
        };
        if self.backend() == Backend::Sqlite
            && exec(&txn, "DELETE FROM closed_periods WHERE 1 = 0", vec![])
                .await
                .is_err()
        {
            return Ok(None);
        }
        Ok(Some(txn))
    }

    /// A read-only transaction that sees one consistent snapshot (backups, checks).
    pub(crate) async fn snapshot(&self) -> Result<Conn<DatabaseTransaction>> {
        let db = self.db();
        let txn = match self.backend() {
            Backend::Postgres => db.health.watch(
                db.c.begin_with_config(
                    Some(sea_orm::IsolationLevel::RepeatableRead),
                    Some(sea_orm::AccessMode::ReadOnly),
                )
                .await,
            )?,
            Backend::Sqlite => db.health.watch(db.c.begin().await)?,
        };
        Ok(Conn {
            c: txn,
            health: db.health.clone(),
            steps: db.steps,
            _permit: None,
        })
    }

    pub async fn migrate(&self) -> Result<()> {
        let db = self.db();
        db.health.watch(Migrator::up(&db.c, None).await)?;
        Ok(())
    }

    /// Applies pending migrations until `count` are applied (for restoring a backup made at
    /// that schema).
    pub(crate) async fn migrate_to(&self, count: u32) -> Result<()> {
        let applied = self.applied_migrations().await?.len() as u32;
        if applied > count {
            return Err(StoreError::Conflict(
                tuijin_core::problem::Problem::new(
                    "",
                    tuijin_core::problem::Rule::RestoreIntoEmpty,
                )
                .with("table", "seaql_migrations"),
            ));
        }
        if applied < count {
            let db = self.db();
            db.health
                .watch(Migrator::up(&db.c, Some(count - applied)).await)?;
        }
        Ok(())
    }

    /// Whether migrations are waiting to be applied.
    pub(crate) async fn migrations_pending(&self) -> Result<bool> {
        let db = self.db();
        let pending = db
            .health
            .watch(Migrator::get_pending_migrations(&db.c).await)?;
        Ok(!pending.is_empty())
    }

    /// Names of the migrations applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        let db = self.db();
        let rows = db
            .health
            .watch(Migrator::get_applied_migrations(&db.c).await)?;
        Ok(rows.into_iter().map(|m| m.name().to_string()).collect())
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.inner.url
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        one(&self.db(), "SELECT 1 AS one", vec![]).await?;
        Ok(())
    }

    /// Bytes free on the file system of the SQLite file (`None` on PostgreSQL, whose disk this
    /// process cannot see).
    pub fn free_space(&self) -> Option<u64> {
        match &self.inner.url {
            DatabaseUrl::Sqlite(p) => {
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty())?;
                fs4::available_space(dir).ok()
            }
            DatabaseUrl::Postgres(_) => None,
        }
    }

    /// The state of the storage as this process has seen it.
    pub fn storage_health(&self) -> StorageHealth {
        let s = self.inner.health.state.lock().expect("health lock");
        StorageHealth {
            writes_failing: s.writes_failing,
            last_failure: s.last_failure.map(|(at, why)| (why, at.elapsed())),
            pages: self.pages_state(),
        }
    }

    pub async fn close(self) -> Result<()> {
        let db = self.db();
        db.c.close().await?;
        Ok(())
    }

    /// The refusal of a damaged database, with the way out.
    pub(crate) fn damaged(&self, why: &str) -> StoreError {
        StoreError::Corrupt(format!(
            "{} is damaged ({why}); Tuijin will not serve it: restore the latest backup into a new \
             data folder with `tuijin restore FILE --data DIR` (see docs/operations.md)",
            self.inner.url
        ))
    }
}

/// Checks (and if allowed creates) a SQLite file before connecting: its folder (mode 0700) and
/// the file itself (mode 0600: reports and password hashes are not for other local users);
/// an existing file must be a SQLite database.
fn prepare_sqlite_file(path: &Path, create: Create) -> Result<()> {
    let missing = !path.exists();
    if missing && create == Create::Never {
        return Err(StoreError::NotFound(format!(
            "database {}: there is no such file, so the data folder holds no plan yet \
             (check --data, or create a new database with --init)",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| {
            StoreError::Internal(format!("cannot create the folder {}: {e}", dir.display()))
        })?;
    }
    if missing {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(path)
            .map_err(|e| StoreError::Internal(format!("cannot create {}: {e}", path.display())))?;
        return Ok(());
    }
    let mut head = [0u8; 16];
    let n = std::io::Read::read(
        &mut std::fs::File::open(path)
            .map_err(|e| StoreError::Internal(format!("cannot open {}: {e}", path.display())))?,
        &mut head,
    )
    .unwrap_or(0);
    if n > 0 && head[..n.min(16)] != b"SQLite format 3\0"[..n.min(16)] {
        return Err(StoreError::Corrupt(format!(
            "{} is not a SQLite database; Tuijin will not change it",
            path.display()
        )));
    }
    Ok(())
}

fn sqlite_pool(path: &Path) -> DatabaseConnection {
    // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable
    // (fsync'd) before it is acknowledged; foreign keys are off by default in SQLite and must
    // be asked for; other processes' writers are waited for, not failed. Each connection keeps
    // a page cache of its own over what the system already caches of the file: 512 KiB each
    // (SQLite's default is 2 MiB) keeps eight connections' copies under 4 MiB, where the
    // default held ~10 MiB of a million-item plan's pages after a few page views.
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("cache_size", "-512");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect_lazy_with(opts);
    SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
}

fn postgres_pool(url: &str) -> Result<DatabaseConnection> {
    let opts: PgConnectOptions = url
        .parse()
        .map_err(|e| StoreError::Internal(format!("bad PostgreSQL URL: {e}")))?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(opts);
    Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

pub(crate) fn stmt<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(c.get_database_backend(), sql, values)
}

pub(crate) async fn all<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>> {
    Ok(c.query_all(stmt(c, sql, values)).await?)
}

pub(crate) async fn one<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<QueryResult>> {
    Ok(c.query_one(stmt(c, sql, values)).await?)
}

pub(crate) async fn exec<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<u64> {
    Ok(c.execute(stmt(c, sql, values)).await?.rows_affected())
}

use crate::rows::get;

impl Store {
    /// The same store, telling `steps` how far its long writes are (a plan import: the items
    /// written, the warnings judged, the commit).
    pub fn with_steps(mut self, steps: Steps) -> Store {
        self.steps = Some(steps);
        self
    }
}

impl Store {
    /// Every table and its columns (lower-case, sorted), read from the database's own catalogue:
    /// the one place that asks each dialect differently. Used to check that migrations give
    /// both backends the same schema.
    pub async fn schema_columns(&self) -> Result<Vec<(String, Vec<String>)>> {
        let columns_sql = match self.backend() {
            Backend::Sqlite => "SELECT name FROM pragma_table_info($1)",
            Backend::Postgres => {
                "SELECT column_name AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        };
        let mut out = Vec::new();
        for t in self.table_names().await? {
            let mut cols: Vec<String> = all(&self.db(), columns_sql, vec![t.clone().into()])
                .await?
                .iter()
                .map(|r| get::<String>(r, "name"))
                .collect::<Result<_>>()?;
            cols.sort();
            out.push((t, cols));
        }
        Ok(out)
    }
}
