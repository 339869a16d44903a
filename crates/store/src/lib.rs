//! Persistence for Tuijin on SQLite (the embedded default) and PostgreSQL, through one code
//! path: portable SQL with `$N` placeholders run by sea-orm's connection, and sea-query for the
//! statements it builds better than we would (multi-row inserts, DDL). Only queries that truly
//! differ between the two dialects fork, in functions named for it.
//!
//! Capabilities are split into traits (`PlanStore`, `ItemStore`, `DirectoryStore`,
//! `EventStore`) that take and return domain types from `tuijin-core`, never rows.

mod accounts;
mod db;
mod directory;
mod error;
mod events;
mod items;
mod migrations;
mod plans;
mod progress;
mod reports;
mod sessions;
mod url;
mod warnings;

pub use accounts::{AccountStore, TOKEN_PREFIX, TokenRecord, UserRecord, hash_password};
pub use db::{Backend, Store};
pub use directory::{Actual, DirectoryStore, UnitRecord};
pub use error::StoreError;
pub use events::{Event, EventStore};
pub use items::{ItemFilter, ItemRecord, ItemStore, LinkRecord, Page};
pub use plans::{ImportSummary, PlanRecord, PlanStore, SectionCounts};
pub use progress::{ItemProgress, Mismatch, ProgressChange, ProgressStore, Stamp};
pub use reports::{Acceptance, NewReport, ReportEdit, ReportFilter, ReportRecord, ReportStore};
pub use sessions::{LoginOutcome, SessionInfo, SessionStore};
pub use url::DatabaseUrl;
pub use warnings::{Refresh, WarningFilter, WarningRecord, WarningStore};

#[cfg(feature = "testing")]
pub mod testing;
