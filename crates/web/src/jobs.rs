//! Background jobs. Today one: re-evaluating every plan's warnings on a schedule, because some
//! conditions (a deadline passing, silence growing stale) arise with time and no write. The
//! refresh is idempotent, so running it in several processes at once is harmless.

use std::time::Duration;

use tuijin_store::{PlanStore, Stamp, WarningStore};

use crate::AppState;

/// Refreshes the warnings of every plan now, then every `every`, until the process ends.
pub fn spawn_warning_refresh(st: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            refresh_all(&st).await;
        }
    })
}

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
        let stamp = Stamp {
            at: chrono::Utc::now(),
            today: st.clock.today(),
            actor: "warning-job".into(),
        };
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
