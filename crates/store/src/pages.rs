//! SQLite's own check of the file's pages (`PRAGMA quick_check`) when a database is opened.
//!
//! The check reads the whole file: ~0.1 s for the demo, 19 s for a 2.4 GB file holding a
//! million items with warm caches, minutes from a cold disk. A file up to `CHECK_FIRST_UP_TO`
//! is checked before opening returns, so a damaged one is refused at start-up with the way out.
//! A larger file is checked in the background while it is read: a read that meets a damaged
//! page fails on its own (SQLite reports it, `Unavailable::Damaged`), and nothing is written
//! to the file before the check has passed — a writer waits for the verdict, and after a
//! damaged one every write is refused with the way out and `/healthz` reports the storage as
//! degraded. So "start-up trusts nothing" holds for writes at every size, while a server or a
//! command on a large file need not wait the whole read before its first answer.

use std::time::Instant;

use crate::db::{Backend, Store, all};
use crate::error::{Result, StoreError, Unavailable};
use crate::url::DatabaseUrl;
use crate::verdict::{PageCheck, Pages};

/// Files (with their write-ahead log) up to this size are checked before opening returns:
/// about 1–2 s of reading at most on the machines measured (BENCHMARKS.md).
pub const CHECK_FIRST_UP_TO: u64 = 256 * 1024 * 1024;

impl Store {
    /// Checks the pages of a SQLite file now or starts checking them in the background, as
    /// `when` says (see the module's comment). Does nothing on PostgreSQL.
    pub(crate) async fn check_pages(&self, when: PageCheck) -> Result<()> {
        let DatabaseUrl::Sqlite(path) = self.url() else {
            return Ok(());
        };
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        let size = file_size(path);
        let first = match when {
            PageCheck::First => true,
            PageCheck::Background => false,
            PageCheck::BySize => size <= CHECK_FIRST_UP_TO,
        };
        if first {
            return match self.quick_check().await? {
                None => {
                    self.pages().send_replace(Pages::Sound);
                    Ok(())
                }
                Some(found) => Err(self.damaged(&found)),
            };
        }
        self.pages().send_replace(Pages::Checking);
        tracing::info!(
            bytes = size,
            "checking the database file's pages in the background; writes wait for the verdict"
        );
        let store = self.clone();
        tokio::spawn(async move {
            let began = Instant::now();
            let verdict = match store.quick_check().await {
                Ok(None) => Pages::Sound,
                Ok(Some(found)) => Pages::Damaged(found),
                Err(StoreError::Corrupt(m)) => Pages::Damaged(m),
                // The check could not run to the end (the disk, the connection): the file is
                // not known to be damaged, and a write meets the same failure on its own.
                Err(e) => {
                    tracing::warn!(error = %e, "the page check could not finish; writes go ahead");
                    Pages::Sound
                }
            };
            match &verdict {
                Pages::Damaged(found) => {
                    tracing::error!(
                        "{}",
                        store
                            .damaged(found)
                            .to_string()
                            .trim_start_matches("corrupt stored data: ")
                    );
                    store.note_damaged();
                }
                _ => tracing::info!(
                    seconds = began.elapsed().as_secs_f64(),
                    "the database file's pages are sound"
                ),
            }
            store.pages().send_replace(verdict);
        });
        Ok(())
    }

    /// What is known of the file's pages now.
    pub fn pages_state(&self) -> Pages {
        self.pages().borrow().clone()
    }

    /// Waits for the page check's verdict: Ok when the pages are sound, the refusal with the
    /// way out when they are damaged. Every write asks this before it begins.
    pub(crate) async fn pages_sound(&self) -> Result<()> {
        let mut rx = self.pages().subscribe();
        let wait = rx.wait_for(|p| *p != Pages::Checking);
        let verdict = match self.pages_wait() {
            None => wait.await,
            Some(at_most) => tokio::time::timeout(at_most, wait)
                .await
                .map_err(|_| StoreError::Unavailable(Unavailable::Checking))?,
        }
        .map_err(|_| StoreError::Internal("the page check ended without a verdict".into()))?
        .clone();
        match verdict {
            Pages::Damaged(found) => Err(self.damaged(&found)),
            _ => Ok(()),
        }
    }

    /// Waits, however long it takes, until the page check has its verdict (at once when there
    /// is none to wait for). Background work that writes waits here rather than take the
    /// bounded wait a request has (a scheduled job refused while a cold file is checked would
    /// not run until its next period).
    pub async fn page_verdict(&self) -> Pages {
        let mut rx = self.pages().subscribe();
        match rx.wait_for(|p| *p != Pages::Checking).await {
            Ok(p) => p.clone(),
            Err(_) => self.pages_state(),
        }
    }

    /// Whether a write may begin now without waiting: `None` while the check runs.
    pub(crate) fn pages_sound_now(&self) -> Option<Result<()>> {
        match &*self.pages().borrow() {
            Pages::Checking => None,
            Pages::Sound => Some(Ok(())),
            Pages::Damaged(found) => Some(Err(self.damaged(found))),
        }
    }

    /// SQLite's own page check: `None` when sound, else what it found.
    async fn quick_check(&self) -> Result<Option<String>> {
        let rows = match all(&self.db(), "PRAGMA quick_check", vec![]).await {
            Ok(rows) => rows,
            Err(StoreError::Unavailable(Unavailable::Damaged)) => {
                return Ok(Some("its pages cannot be read".into()));
            }
            Err(e) => return Err(e),
        };
        let findings: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .filter(|s| s != "ok")
            .collect();
        Ok((!findings.is_empty()).then(|| {
            format!(
                "SQLite's quick_check finds: {}",
                findings.into_iter().take(3).collect::<Vec<_>>().join("; ")
            )
        }))
    }
}

/// The file's size with its write-ahead log (what a check reads); 0 when it cannot be read
/// (the check then runs first and reports what is wrong).
fn file_size(path: &std::path::Path) -> u64 {
    let len = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    len(path) + len(std::path::Path::new(&wal))
}
