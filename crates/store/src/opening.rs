//! Opening a database: connect, check it is ours, bring its schema and what is derived from
//! it up to date. Apart from `db` because bringing derived data up to date uses the plan
//! modules, which use `db`.

use crate::db::{Create, Store};
use crate::error::Result;
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
