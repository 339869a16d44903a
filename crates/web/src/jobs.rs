//! Background work: re-evaluating every plan's warnings on a schedule (some conditions — a
//! deadline passing, silence growing stale — arise with time and no write), scheduled backups,
//! and the group-commit task that batches acceptances into one transaction, with `accept`, the
//! one way handlers hand it work. Server processes sharing one database run each periodic job
//! once among them: each run claims its time slot in the database first (`Store::claim_job`).

use std::time::Duration;

use tuijin_store::{PlanStore, WarningStore};

use crate::AppState;

/// The name the job claims of this process carry: its host and process id, and a random part
/// (a restarted process may get its old id back).
pub fn process_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".into());
        let mut r = [0u8; 2];
        getrandom::fill(&mut r).expect("the operating system gives randomness");
        format!("{host}:{}:{:02x}{:02x}", std::process::id(), r[0], r[1])
    })
}

/// The time slot of a periodic job run now: whole periods since the Unix epoch, by the
/// machine's clock (the same in every process, whatever the simulated date).
pub fn slot(every: Duration) -> i64 {
    use tuijin_core::clock::Clock;
    let now = tuijin_store::clock::SystemClock.now().timestamp_millis();
    now.div_euclid(every.as_millis().max(1) as i64)
}

/// The run of `job` this process makes in the current slot, if it claims it: not when another
/// process has, nor while a run (of any process) is unfinished — unless it started more than
/// four periods ago (its process died). A database that cannot be reached runs nothing (the
/// job is logged and tried next time).
pub async fn claim(st: &AppState, job: &str, every: Duration) -> Option<tuijin_store::JobRun> {
    use tuijin_core::clock::Clock;
    // A large file is checked in the background after the start, and writes wait for it; a
    // request's wait is bounded, a job's is not: the start's refresh runs when the check ends.
    st.store.page_verdict().await;
    let now = tuijin_store::clock::SystemClock.now();
    let every_ms = every.as_millis().max(1) as i64;
    let lease = chrono::Duration::milliseconds(every_ms.saturating_mul(4));
    match st
        .store
        .claim_job(job, every_ms, slot(every), process_name(), (now, lease))
        .await
    {
        Ok(run) => {
            if run.is_none() {
                tracing::debug!(job, "run claimed by another process, or one is unfinished");
            }
            run
        }
        Err(e) => {
            tracing::warn!(job, error = %e, "cannot claim the job's run");
            None
        }
    }
}

/// Ends a claimed run (logged if it cannot be: its lease then runs out).
async fn finish(st: &AppState, run: &tuijin_store::JobRun) {
    use tuijin_core::clock::Clock;
    let now = tuijin_store::clock::SystemClock.now();
    if let Err(e) = st.store.finish_job(run, now).await {
        tracing::warn!(job = %run.key, error = %e, "cannot mark the job's run finished");
    }
}

/// Refreshes the warnings of every plan now, then every `every`, until the process ends; of
/// the processes sharing the database, one runs each refresh.
pub fn spawn_warning_refresh(st: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Some(run) = claim(&st, WARNING_REFRESH, every).await {
                refresh_all(&st).await;
                finish(&st, &run).await;
            }
        }
    })
}

/// The claim name of the warnings' re-evaluation.
pub const WARNING_REFRESH: &str = "warning-refresh";
/// The claim name of a scheduled backup.
pub const SCHEDULED_BACKUP: &str = "scheduled-backup";

#[tracing::instrument(skip(st))]
pub async fn refresh_all(st: &AppState) {
    let plans = match st.store.list_plans().await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "warning refresh: cannot list plans");
            return;
        }
    };
    for p in plans {
        let stamp = st.stamp("warning-job", &p.plan);
        match st
            .store
            .refresh_warnings(p.plan.code.as_str(), &stamp)
            .await
        {
            Ok(r) => {
                tracing::info!(plan = %p.plan.code, raised = r.raised, cleared = r.cleared, open = r.open, "warnings refreshed")
            }
            Err(e) => tracing::warn!(plan = %p.plan.code, error = %e, "warning refresh failed"),
        }
    }
}

/// One acceptance waiting for the committer, and where to send its result.
pub struct AcceptJob {
    pub acceptance: tuijin_store::Acceptance,
    pub reply: tokio::sync::oneshot::Sender<AcceptResult>,
}

pub type AcceptResult = Result<
    (
        tuijin_store::ReportRecord,
        Vec<tuijin_store::ProgressChange>,
    ),
    tuijin_store::StoreError,
>;

/// Group commit for acceptances: one task takes every acceptance waiting in the queue, runs
/// them in one transaction (one fsync for all) and answers each. Under load, requests that
/// arrive while a batch commits form the next batch; alone, a request is a batch of one. If the
/// batch itself fails (the database, not a refused acceptance), each is retried on its own.
pub fn spawn_committer(store: tuijin_store::Store) -> tokio::sync::mpsc::Sender<AcceptJob> {
    use tuijin_store::ReportStore;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<AcceptJob>(4096);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            // Let the requests that are already being parsed join this batch: a few yields
            // cost microseconds and save a transaction (and an fsync) each.
            for _ in 0..4 {
                if !rx.is_empty() {
                    break;
                }
                tokio::task::yield_now().await;
            }
            while jobs.len() < 512 {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            let batch: Vec<tuijin_store::Acceptance> =
                jobs.iter().map(|j| j.acceptance.clone()).collect();
            let started = std::time::Instant::now();
            let outcome = store.accept_batch(&batch).await;
            tracing::debug!(
                size = batch.len(),
                micros = started.elapsed().as_micros() as u64,
                "accept batch"
            );
            match outcome {
                Ok(results) => {
                    for (job, r) in jobs.into_iter().zip(results) {
                        let _ = job.reply.send(r);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, size = jobs.len(), "accept batch failed; retrying one by one");
                    for job in jobs {
                        let a = &job.acceptance;
                        let r = store
                            .accept_report(a.id, a.version, &a.comment, &a.stamp)
                            .await;
                        let _ = job.reply.send(r);
                    }
                }
            }
        }
    });
    tx
}

/// Accepts a report through the group-commit task and waits for its answer: the one hand-off
/// from a handler (the API, the review page) to the committer.
pub async fn accept(
    st: &AppState,
    acceptance: tuijin_store::Acceptance,
) -> Result<
    (
        tuijin_store::ReportRecord,
        Vec<tuijin_store::ProgressChange>,
    ),
    crate::ApiError,
> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    st.accepts
        .try_send(AcceptJob { acceptance, reply })
        .map_err(|e| match e {
            // A full queue sheds the request rather than waiting without bound.
            tokio::sync::mpsc::error::TrySendError::Full(_) => {
                crate::ApiError::Unavailable(tuijin_store::Unavailable::Overloaded)
            }
            tokio::sync::mpsc::error::TrySendError::Closed(_) => {
                crate::ApiError::Internal("the commit queue is closed".into())
            }
        })?;
    Ok(answer
        .await
        .map_err(|_| crate::ApiError::Internal("the commit task ended".into()))??)
}

/// Where and how often scheduled backups are made, and how many are kept.
#[derive(Clone, Debug)]
pub struct BackupPlan {
    pub dir: std::path::PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// What the last scheduled backup did.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BackupOutcome {
    pub at: chrono::DateTime<chrono::Utc>,
    pub file: String,
    /// `None` when it was written and checked; else why not.
    pub error: Option<String>,
}

/// The file name of a scheduled backup made at `at`: sortable by time.
pub fn backup_name(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("tuijin-{}.tjbk", at.format("%Y%m%dT%H%M%SZ"))
}

/// Makes a backup into `plan.dir` every `plan.every` (the first one period after start),
/// checks it, and deletes the oldest beyond `plan.keep`. A failure is logged and shown on
/// `/healthz`; the next attempt comes at the next period.
pub fn spawn_backups(st: AppState, plan: BackupPlan) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(plan.every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(run) = claim(&st, SCHEDULED_BACKUP, plan.every).await else {
                continue;
            };
            let outcome = backup_once(&st, &plan).await;
            finish(&st, &run).await;
            *st.last_backup.lock().expect("backup lock") = Some(outcome);
        }
    })
}

/// One scheduled backup, with retention.
pub async fn backup_once(st: &AppState, plan: &BackupPlan) -> BackupOutcome {
    let at = st.clock.now();
    let file = plan.dir.join(backup_name(at));
    let result = async {
        std::fs::create_dir_all(&plan.dir).map_err(|e| e.to_string())?;
        st.store
            .backup(&file, at)
            .await
            .map_err(|e| e.to_string())?;
        let mut made: Vec<std::path::PathBuf> = std::fs::read_dir(&plan.dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("tuijin-") && n.ends_with(".tjbk"))
            })
            .collect();
        made.sort();
        while made.len() > plan.keep {
            let old = made.remove(0);
            std::fs::remove_file(&old).map_err(|e| format!("{}: {e}", old.display()))?;
        }
        Ok::<(), String>(())
    }
    .await;
    match &result {
        Ok(()) => tracing::info!(file = %file.display(), "scheduled backup written and checked"),
        Err(e) => tracing::error!(file = %file.display(), error = %e, "scheduled backup failed"),
    }
    BackupOutcome {
        at,
        file: file.display().to_string(),
        error: result.err(),
    }
}
