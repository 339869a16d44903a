//! Plans.

use axum::Json;
use axum::extract::{Path, State};
use tuijin_store::PlanStore;

use crate::auth::{Auth, require};
use crate::views::{ListView, PlanView};
use crate::{ApiError, AppState};
use tuijin_core::policy::Action;

/// All plans.
#[utoipa::path(get, path = "/api/v1/plans", responses((status = 200, body = ListView<PlanView>)))]
pub async fn list_plans(
    State(st): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<ListView<PlanView>>, ApiError> {
    require(&who, Action::ReadPublic)?;
    let plans = st.store.list_plans().await?;
    Ok(Json(ListView {
        items: plans.iter().map(PlanView::from).collect(),
    }))
}

/// One plan with its stages and level names.
#[utoipa::path(get, path = "/api/v1/plans/{plan}",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = PlanView), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get_plan(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    require(&who, Action::ReadPublic)?;
    Ok(Json(PlanView::from(&st.store.get_plan(&plan).await?)))
}
