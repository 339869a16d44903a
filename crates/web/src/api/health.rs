//! Liveness and readiness in one: the process answers and the database is reachable.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub today: chrono::NaiveDate,
    pub simulated_today: bool,
}

/// Health of the server and its database.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(st): State<AppState>) -> (StatusCode, Json<Health>) {
    let ok = st.store.ping().await.is_ok();
    let h = Health {
        status: if ok { "ok" } else { "unavailable" },
        database: if ok { "ok" } else { "unreachable" },
        today: st.today_default(),
        simulated_today: st.clock.is_simulated(),
    };
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(h),
    )
}
