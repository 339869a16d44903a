//! Checks that the stored data is sound: the database's own integrity (SQLite's page check and
//! foreign keys; PostgreSQL checks its pages and keys itself), every rollup against a full
//! recompute, the event chain, and the seals of closed periods. `tuijin check integrity` runs
//! all of them; `tuijin audit verify` the last two.

use serde::Serialize;
use tuijin_core::audit::Break;

use crate::db::{Backend, Store, all};
use crate::error::Result;
use crate::events::EventStore;
use crate::plans::PlanStore;
use crate::progress::{Mismatch, ProgressStore};

/// What the audit found: the chain, and each closed period's seal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditReport {
    /// Events whose chain was checked.
    pub events: u64,
    /// The first broken link, if any.
    pub broken: Option<Break>,
    pub seals: Vec<SealCheck>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.broken.is_none() && self.seals.iter().all(|s| s.holds != Some(false))
    }
}

/// A closed period's reports against the seal kept when it was closed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SealCheck {
    pub plan: String,
    pub period: String,
    pub sealed: String,
    pub now: String,
    /// `None` for a period closed before seals were kept.
    pub holds: Option<bool>,
}

/// What the integrity check found; empty lists and no break mean sound.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntegrityReport {
    /// The database's own check (SQLite `PRAGMA integrity_check`).
    pub database: Vec<String>,
    /// Rows whose foreign keys point nowhere (SQLite `PRAGMA foreign_key_check`).
    pub foreign_keys: Vec<String>,
    /// Per plan, every stored rollup that differs from a full recompute.
    pub rollups: Vec<(String, Vec<Mismatch>)>,
    pub audit: AuditReport,
}

impl IntegrityReport {
    pub fn ok(&self) -> bool {
        self.database.is_empty()
            && self.foreign_keys.is_empty()
            && self.rollups.iter().all(|(_, m)| m.is_empty())
            && self.audit.ok()
    }
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait CheckStore {
    /// The chain of events and the seals of closed periods.
    async fn audit(&self) -> Result<AuditReport>;
    /// Everything: the database, foreign keys, rollups, and the audit.
    async fn check_integrity(&self) -> Result<IntegrityReport>;
}

impl CheckStore for Store {
    async fn audit(&self) -> Result<AuditReport> {
        let (events, broken) = self.verify_chain().await?;
        let txn = self.snapshot().await?;
        let seals = crate::reports::reseal_closed(&txn)
            .await?
            .into_iter()
            .map(|(plan, period, sealed, now)| SealCheck {
                holds: (!sealed.is_empty()).then(|| sealed == now),
                plan,
                period,
                sealed,
                now,
            })
            .collect();
        Ok(AuditReport {
            events,
            broken,
            seals,
        })
    }

    async fn check_integrity(&self) -> Result<IntegrityReport> {
        let (database, foreign_keys) = match self.backend() {
            Backend::Sqlite => {
                let db = self.db();
                let database = all(&db, "PRAGMA integrity_check", vec![])
                    .await?
                    .iter()
                    .filter_map(|r| r.try_get_by_index::<String>(0).ok())
                    .filter(|s| s != "ok")
                    .collect();
                let foreign_keys = all(&db, "PRAGMA foreign_key_check", vec![])
                    .await?
                    .iter()
                    .map(|r| {
                        let table = r.try_get_by_index::<String>(0).unwrap_or_default();
                        let row = r.try_get_by_index::<i64>(1).unwrap_or_default();
                        let parent = r.try_get_by_index::<String>(2).unwrap_or_default();
                        format!("{table} row {row} refers to a missing {parent} row")
                    })
                    .collect();
                (database, foreign_keys)
            }
            Backend::Postgres => (Vec::new(), Vec::new()),
        };
        let mut rollups = Vec::new();
        for p in self.list_plans().await? {
            let code = p.plan.code.to_string();
            let m = self.check_rollups(&code).await?;
            rollups.push((code, m));
        }
        Ok(IntegrityReport {
            database,
            foreign_keys,
            rollups,
            audit: self.audit().await?,
        })
    }
}
