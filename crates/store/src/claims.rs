//! Background jobs shared by several server processes on one database. Each run of a periodic
//! job (the warnings' re-evaluation, a scheduled backup) belongs to a time slot — the number
//! of whole periods since the Unix epoch, the same in every process — and the process that
//! inserts the claim row for the job and its slot runs it; the others find the row there and
//! skip. A process that dies mid-run loses that run; the next slot's runs as usual.

use chrono::{DateTime, Utc};

use crate::db::{Store, all, exec};
use crate::error::Result;
use crate::rows::get;

/// Claims older than this many slots are deleted as new ones are made.
const KEEP_SLOTS: i64 = 1000;

impl Store {
    /// Claims the run of `job` for `slot`: `true` for exactly one of the processes that ask.
    pub async fn claim_job(
        &self,
        job: &str,
        slot: i64,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let txn = self.write().await?;
        let n = exec(
            &txn,
            "INSERT INTO job_claims (job, slot, claimed_by, claimed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job, slot) DO NOTHING",
            vec![job.into(), slot.into(), by.into(), at.into()],
        )
        .await?;
        exec(
            &txn,
            "DELETE FROM job_claims WHERE job = $1 AND slot < $2",
            vec![job.into(), (slot - KEEP_SLOTS).into()],
        )
        .await?;
        txn.commit().await?;
        Ok(n == 1)
    }

    /// The claims of `job`, oldest slot first: (slot, the process that ran it).
    pub async fn job_claims(&self, job: &str) -> Result<Vec<(i64, String)>> {
        all(
            &self.db(),
            "SELECT slot, claimed_by FROM job_claims WHERE job = $1 ORDER BY slot",
            vec![job.into()],
        )
        .await?
        .iter()
        .map(|r| Ok((get(r, "slot")?, get(r, "claimed_by")?)))
        .collect()
    }
}
