//! Persistence for Tuijin on SQLite (the embedded default) and PostgreSQL, through one code
//! path: portable SQL with `$N` placeholders run by sea-orm's connection, and sea-query for the
//! statements it builds better than we would (multi-row inserts, DDL). Only queries that truly
//! differ between the two dialects fork, in functions named for it.
//!
//! Capabilities are split into traits (`PlanStore`, `ItemStore`, `DirectoryStore`,
//! `EventStore`, `ReportStore`, `ProgressStore`, `WarningStore`, `AccountStore`,
//! `SessionStore`) that take and return domain types from `tuijin-core`, never rows. The rules
//! they enforce are `tuijin-core`'s: a capability loads the facts, asks the rule, and writes
//! what it allows. Shared plumbing lives apart: `db.rs` (connections, write transactions),
//! `rows.rs` (decoding and bulk inserts), `error.rs`, `events.rs` (the chained event log).

mod accounts;
mod assessments;
pub mod backup;
mod baselines;
mod breached;
mod check;
mod claims;
pub use claims::JobRun;
pub mod clock;
mod db;
mod directory;
mod edits;
mod error;
mod events;
mod evidence;
mod figures;
mod items;
mod judging;
mod migrations;
mod notices;
mod opening;
mod pages;
mod plan_store;
mod plans;
mod progress;
mod proposals;
mod reports;
mod requests;
mod rows;
mod sessions;
mod settings;
mod url;
mod verdict;
mod warnings;

pub use accounts::{AccountStore, TOKEN_PREFIX, TokenRecord, UserRecord, hash_password};
pub use assessments::{AssessStore, AssessmentRecord, ObjectionRecord, SchemeRecord};
pub use baselines::{BaselineName, BaselineRecord, BaselineStore, NOTE_MAX_CHARS, NoteRecord};
pub use breached::is_breached;
pub use check::{AuditReport, CheckStore, IntegrityReport, SealCheck};
pub use db::{APPLICATION_ID, Backend, Create, Steps, StorageHealth, Store};
pub use directory::{Actual, DirectoryStore, Entry, UnitRecord};
pub use edits::{EditOutcome, EditStore};
pub use error::{StoreError, Unavailable};
pub use events::{DirectoryChanges, Event, EventStore};
pub use evidence::{EvidenceOn, EvidenceRecord, EvidenceStore, NewEvidence};
pub use figures::FigureStore;
pub use items::{ITEM_CURSOR_PATTERN, ItemFilter, ItemRecord, ItemStore, LinkRecord, Page};
pub use notices::{NewNotice, NoticeFact, NoticeFilter, NoticeRecord, NoticeStore, NoticeUnit};
pub use pages::CHECK_FIRST_UP_TO;
pub use plans::{ImportSummary, PlanRecord, PlanStore, SectionCounts};
pub use progress::{ItemProgress, Mismatch, ProgressChange, ProgressStore};
pub use proposals::{Dismissal, ProposalRecord, ProposalStore, QUEUE_SCAN, Queue};
pub use reports::{
    Acceptance, ClosedPeriod, Filing, NewReport, ReportEdit, ReportFilter, ReportRecord,
    ReportStore,
};
pub use requests::{NewRequest, RequestRecord, RequestStore};
pub use sessions::{LoginOutcome, SessionInfo, SessionStore};
pub use tuijin_core::clock::Stamp;
pub use url::DatabaseUrl;
pub use verdict::{PageCheck, Pages};
pub use warnings::{
    Refresh, WARNING_CURSOR_PATTERN, WarningCursor, WarningFilter, WarningRecord, WarningStore,
};

#[cfg(feature = "testing")]
pub mod testing;
