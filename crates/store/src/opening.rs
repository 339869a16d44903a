//! Opening a database: connect, check it is ours, bring its schema and what is derived from
//! it up to date. Apart from `db` because bringing derived data up to date uses the plan
//! modules, which use `db`.

use sea_orm_migration::MigratorTrait;

use crate::db::{APPLICATION_ID, Backend, Create, Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::migrations::Migrator;
use crate::rows::get;
use crate::url::DatabaseUrl;

impl Store {
    /// Opens the database, creating it (and its folder) when absent, checks it and applies any
    /// pending migrations.
    pub async fn open(url: &DatabaseUrl) -> Result<Store> {
        Self::open_with(url, Create::IfMissing).await
    }

    /// Opens the database, which must exist unless `create` says otherwise; refuses a damaged
    /// file, another program's database and a schema newer than this program; migrates.
    pub async fn open_with(url: &DatabaseUrl, create: Create) -> Result<Store> {
        let store = Self::connect(url, create).await?;
        store.check_identity(create).await?;
        store.upgrade().await?;
        store.mark_ours().await?;
        Ok(store)
    }

    /// Applies pending migrations, then fills what a new migration left to compute: the
    /// expected paths of items imported before they were kept (`plans::paths`).
    pub async fn upgrade(&self) -> Result<()> {
        if self.migrations_pending().await? {
            // Migrating writes: not before the file's pages are known to be sound.
            self.pages_sound().await?;
            self.migrate().await?;
        }
        crate::plans::paths::fill_missing(self).await
    }
}

impl Store {
    /// Refuses a database that holds another program's tables, or a schema newer than ours.
    pub(crate) async fn check_identity(&self, create: Create) -> Result<()> {
        let db = self.db();
        let tables = self.table_names().await?;
        if tables.is_empty() {
            // An empty file (cut to nothing, or made by hand) or an empty PostgreSQL database is
            // no Tuijin data: made into a new server only when asked, like a missing file.
            if create == Create::Never {
                return Err(StoreError::NotFound(format!(
                    "database {}: it is empty, so it holds no plan yet \
                     (check --data or the database URL, or make it a new database with --init)",
                    self.url()
                )));
            }
            return Ok(());
        }
        if self.backend() == Backend::Sqlite {
            let id: i64 = get(
                &one(&db, "PRAGMA application_id", vec![])
                    .await?
                    .ok_or_else(|| StoreError::Internal("no application_id".into()))?,
                "application_id",
            )?;
            if id != 0 && id != APPLICATION_ID {
                return Err(StoreError::Corrupt(format!(
                    "{} belongs to another program (application_id {id:#x}); Tuijin will not change it",
                    self.url()
                )));
            }
        }
        let ours = tables.iter().any(|t| t == "seaql_migrations")
            && all(
                &db,
                "SELECT version FROM seaql_migrations WHERE version = 'm0001_plans'",
                vec![],
            )
            .await
            .map(|r| !r.is_empty())
            .unwrap_or(false);
        if !ours {
            let some: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
            return Err(StoreError::Corrupt(format!(
                "{} is not a Tuijin database (it holds other tables: {}); Tuijin will not change it",
                self.url(),
                some.join(", ")
            )));
        }
        let known: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let newer: Vec<String> = self
            .applied_migrations()
            .await?
            .into_iter()
            .filter(|m| !known.contains(m))
            .collect();
        if !newer.is_empty() {
            return Err(StoreError::Corrupt(format!(
                "{} was written by a newer Tuijin (migrations {}); run that version, or restore a backup made by this one",
                self.url(),
                newer.join(", ")
            )));
        }
        Ok(())
    }

    /// Marks a SQLite file as Tuijin's.
    pub(crate) async fn mark_ours_pub(&self) -> Result<()> {
        self.mark_ours().await
    }

    pub(crate) async fn mark_ours(&self) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            let id: i64 = get(
                &one(&self.db(), "PRAGMA application_id", vec![])
                    .await?
                    .ok_or_else(|| StoreError::Internal("no application_id".into()))?,
                "application_id",
            )?;
            if id == APPLICATION_ID {
                return Ok(());
            }
            self.pages_sound().await?;
            exec(
                &self.db(),
                &format!("PRAGMA application_id = {APPLICATION_ID}"),
                vec![],
            )
            .await?;
        }
        Ok(())
    }

    /// The tables of the database (lower-case), from its own catalogue.
    pub(crate) async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres => {
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
            }
        };
        let mut names: Vec<String> = all(&self.db(), sql, vec![])
            .await?
            .iter()
            .map(|r| get::<String>(r, "name").map(|s| s.to_lowercase()))
            .collect::<Result<_>>()?;
        names.sort();
        Ok(names)
    }
}
