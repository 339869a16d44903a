//! Plans.

use axum::Json;
use axum::extract::{Path, State};
use tuijin_store::PlanStore;

use crate::auth::{Auth, public_only, require};
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
    let mut items = Vec::with_capacity(plans.len());
    for p in &plans {
        items.push(view(&st, &who, p).await?);
    }
    Ok(Json(ListView { items }))
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
    let p = st.store.get_plan(&plan).await?;
    Ok(Json(view(&st, &who, &p).await?))
}

/// The plan as the caller may see it: anonymous visitors count published items only.
async fn view(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    p: &tuijin_store::PlanRecord,
) -> Result<PlanView, ApiError> {
    let mut v = PlanView::from(p);
    if public_only(who) {
        let c = st.plans.get(&st.store, p.plan.code.as_str()).await?;
        v.item_count = c.public_part().codes.len() as i64;
    }
    Ok(v)
}
