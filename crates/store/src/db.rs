//! Opening the database and the small helpers every capability module uses to run portable SQL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult,
    Statement, Value,
};
use sea_orm_migration::MigratorTrait;

use crate::error::Result;
use crate::migrations::Migrator;
use crate::url::DatabaseUrl;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The handle to the database; cheap to clone (a pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    backend: Backend,
}

impl Store {
    /// Connects and applies any pending migrations.
    pub async fn open(url: &DatabaseUrl) -> Result<Store> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating (for `tuijin migrate --status` and tests of migrations).
    pub async fn connect(url: &DatabaseUrl) -> Result<Store> {
        let (opts, backend) = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        crate::StoreError::Invalid(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                let mut o = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
                // WAL lets readers run beside the writer; synchronous=FULL makes every commit
                // durable (fsync'd) before it is acknowledged; foreign keys are off by default
                // in SQLite and must be asked for.
                o.map_sqlx_sqlite_opts(|s| {
                    s.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Full)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(10))
                });
                o.max_connections(8);
                (o, Backend::Sqlite)
            }
            DatabaseUrl::Postgres(u) => {
                let mut o = ConnectOptions::new(u.clone());
                o.max_connections(16);
                (o, Backend::Postgres)
            }
        };
        let mut opts = opts;
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(30));
        let db = Database::connect(opts).await?;
        Ok(Store { db, backend })
    }

    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Names of the migrations applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        let rows = Migrator::get_applied_migrations(&self.db).await?;
        Ok(rows.into_iter().map(|m| m.name().to_string()).collect())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }
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

/// Runs a sea-query statement built for whichever backend `c` is.
pub(crate) async fn exec_built<C, S>(c: &C, s: &S) -> Result<u64>
where
    C: ConnectionTrait,
    S: sea_orm::StatementBuilder,
{
    let backend: DbBackend = c.get_database_backend();
    Ok(c.execute(backend.build(s)).await?.rows_affected())
}

/// Reads a column, mapping decode errors to the store's error.
pub(crate) fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> Result<T> {
    Ok(row.try_get::<T>("", col)?)
}

impl Store {
    /// Every table and its columns (lower-case, sorted), read from the database's own catalogue:
    /// the one place that asks each dialect differently. Used to check that migrations give
    /// both backends the same schema.
    pub async fn schema_columns(&self) -> Result<Vec<(String, Vec<String>)>> {
        let (tables_sql, columns_sql) = match self.backend {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                "SELECT name FROM pragma_table_info($1)",
            ),
            Backend::Postgres => (
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
                "SELECT column_name AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            ),
        };
        let names = |rows: Vec<QueryResult>| -> Result<Vec<String>> {
            rows.iter().map(|r| get::<String>(r, "name")).collect()
        };
        let mut out = Vec::new();
        for t in names(all(&self.db, tables_sql, vec![]).await?)? {
            let mut cols = names(all(&self.db, columns_sql, vec![t.clone().into()]).await?)?;
            cols.sort();
            out.push((t.to_lowercase(), cols));
        }
        out.sort();
        Ok(out)
    }
}
