//! Liveness and readiness in one: the process answers, the database is reachable, and the
//! storage can take writes (none has failed since the last that did, and the data folder has
//! room). Reads keep working while writes fail; the status says which.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `degraded` (reads work, writes fail or will: see `storage`) or `unavailable`
    /// (the database cannot be reached).
    pub status: &'static str,
    pub database: &'static str,
    pub storage: StorageView,
    /// The last scheduled backup, when backups are scheduled.
    pub last_backup: Option<crate::jobs::BackupOutcome>,
    pub today: chrono::NaiveDate,
    pub simulated_today: bool,
}

#[derive(Serialize, ToSchema)]
pub struct StorageView {
    /// The last write failed and none has succeeded since.
    pub writes_failing: bool,
    /// The last storage failure this process saw (`disk full`, …), if any.
    pub last_failure: Option<String>,
    /// Seconds since that failure.
    pub seconds_since_failure: Option<u64>,
    /// Bytes free where the SQLite file lives (absent on PostgreSQL).
    pub free_bytes: Option<u64>,
    /// Below this much free space the storage counts as degraded.
    pub min_free_bytes: u64,
    /// SQLite's check of the file's pages: `checking` (a large file is checked in the
    /// background after start; writes wait for it), `sound`, or `damaged` (writes are refused:
    /// restore the latest backup, see docs/operations.md).
    pub pages: &'static str,
}

/// Health of the server, its database and its storage.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(st): State<AppState>) -> (StatusCode, Json<Health>) {
    let reachable = st.store.ping().await.is_ok();
    let seen = st.store.storage_health();
    let free = st.store.free_space();
    let low = free.is_some_and(|f| f < st.min_free_bytes);
    // A damaged file, found by the page check or by a read that met a damaged page.
    let damaged = matches!(seen.pages, tuijin_store::Pages::Damaged(_))
        || matches!(
            seen.last_failure,
            Some((tuijin_store::Unavailable::Damaged, _))
        );
    let status = match (reachable, seen.writes_failing || low || damaged) {
        (false, _) => "unavailable",
        (true, true) => "degraded",
        (true, false) => "ok",
    };
    let h = Health {
        status,
        database: if reachable { "ok" } else { "unreachable" },
        storage: StorageView {
            writes_failing: seen.writes_failing,
            last_failure: seen.last_failure.map(|(u, _)| u.to_string()),
            seconds_since_failure: seen.last_failure.map(|(_, d)| d.as_secs()),
            free_bytes: free,
            min_free_bytes: st.min_free_bytes,
            pages: seen.pages.word(),
        },
        last_backup: st.last_backup.lock().expect("backup lock").clone(),
        today: st.today_default(),
        simulated_today: st.clock.is_simulated(),
    };
    let code = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(h))
}
