//! Background jobs shared by several server processes on one database. Each run of a periodic
//! job (the warnings' re-evaluation, a scheduled backup) belongs to a time slot — the number
//! of whole periods since the Unix epoch, the same in every process — and the process that
//! inserts the claim row for the job, its period and its slot runs it; the others find the row
//! there and skip. No run starts while another run of the same job is unfinished (by any
//! process, whatever its period), unless that run has held on longer than its lease (its
//! process died): the claim is judged and made in one transaction that the processes take in
//! turn (SQLite's write lock; on PostgreSQL a transaction-level advisory lock on the job).

use chrono::{DateTime, Utc};

use crate::db::{Backend, Store, all, exec, one};
use crate::error::Result;
use crate::rows::get;

/// Claims older than this many slots of the same job and period are deleted as new ones come.
const KEEP_SLOTS: i64 = 1000;

/// A job's run: the job, the period of its schedule and the slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRun {
    /// The job and its period, as stored: `warning-refresh@900000ms`.
    pub key: String,
    pub slot: i64,
}

impl Store {
    /// Claims the run of `job` (on a schedule of `every_ms`) for `slot`: the run, for exactly
    /// one of the processes that ask, and none while a run of the job started less than
    /// `lease` ago is unfinished. `finish_job` ends the run.
    pub async fn claim_job(
        &self,
        job: &str,
        every_ms: i64,
        slot: i64,
        by: &str,
        (now, lease): (DateTime<Utc>, chrono::Duration),
    ) -> Result<Option<JobRun>> {
        let key = format!("{job}@{every_ms}ms");
        let txn = self.write().await?;
        if self.backend() == Backend::Postgres {
            // Held to the commit: the processes judge and claim one after the other.
            one(
                &txn,
                "SELECT pg_advisory_xact_lock($1) AS locked",
                vec![lock_key(job).into()],
            )
            .await?;
        }
        let running = one(
            &txn,
            "SELECT slot FROM job_claims WHERE job LIKE $1 AND done_at IS NULL AND claimed_at > $2 LIMIT 1",
            vec![format!("{job}@%").into(), (now - lease).into()],
        )
        .await?
        .is_some();
        if running {
            txn.commit().await?;
            return Ok(None);
        }
        let n = exec(
            &txn,
            "INSERT INTO job_claims (job, slot, claimed_by, claimed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job, slot) DO NOTHING",
            vec![key.clone().into(), slot.into(), by.into(), now.into()],
        )
        .await?;
        exec(
            &txn,
            "DELETE FROM job_claims WHERE job = $1 AND slot < $2",
            vec![key.clone().into(), (slot - KEEP_SLOTS).into()],
        )
        .await?;
        txn.commit().await?;
        Ok((n == 1).then_some(JobRun { key, slot }))
    }

    /// Marks a claimed run as finished, so the next may start.
    pub async fn finish_job(&self, run: &JobRun, at: DateTime<Utc>) -> Result<()> {
        let txn = self.write().await?;
        exec(
            &txn,
            "UPDATE job_claims SET done_at = $1 WHERE job = $2 AND slot = $3",
            vec![at.into(), run.key.clone().into(), run.slot.into()],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The claims of `job` (whatever its period), oldest first: (slot, the process that ran
    /// it, when it started, when it finished).
    #[allow(clippy::type_complexity)] // one row of the table
    pub async fn job_claims(
        &self,
        job: &str,
    ) -> Result<Vec<(i64, String, DateTime<Utc>, Option<DateTime<Utc>>)>> {
        all(
            &self.db(),
            "SELECT slot, claimed_by, claimed_at, done_at FROM job_claims WHERE job LIKE $1 ORDER BY claimed_at, slot",
            vec![format!("{job}@%").into()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                get(r, "slot")?,
                get(r, "claimed_by")?,
                get(r, "claimed_at")?,
                get(r, "done_at")?,
            ))
        })
        .collect()
    }
}

/// The advisory lock of a job on PostgreSQL: a fixed number from its name (FNV-1a), so every
/// process takes the same one.
fn lock_key(job: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in job.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}
