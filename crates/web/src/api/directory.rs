//! Units and indicators.

use axum::Json;
use axum::extract::{Path, State};
use tuijin_store::DirectoryStore;

use crate::auth::{Auth, public_only, require};
use crate::views::{IndicatorView, ListView, UnitView};
use crate::{ApiError, AppState};
use tuijin_core::policy::Action;

/// All units, with how many items each leads.
#[utoipa::path(get, path = "/api/v1/units", responses((status = 200, body = ListView<UnitView>)))]
pub async fn list_units(
    State(st): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<ListView<UnitView>>, ApiError> {
    require(&who, Action::ReadPublic)?;
    let units = st.store.list_units().await?;
    let mut items: Vec<UnitView> = units.iter().map(UnitView::from).collect();
    if public_only(&who) {
        // Count published items only, over every plan.
        use tuijin_store::PlanStore;
        let mut lead: std::collections::HashMap<String, i64> = Default::default();
        for p in st.store.list_plans().await? {
            let c = st.plans.get(&st.store, p.plan.code.as_str()).await?;
            for (u, n) in &c.public_part().lead {
                *lead.entry(u.clone()).or_default() += n;
            }
        }
        for u in &mut items {
            u.lead_count = lead.get(&u.code).copied().unwrap_or(0);
        }
    }
    Ok(Json(ListView { items }))
}

/// A plan's indicators with baselines and yearly targets.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/indicators",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = ListView<IndicatorView>), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list_indicators(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<ListView<IndicatorView>>, ApiError> {
    require(&who, Action::ReadPublic)?;
    let mut list = st.store.list_indicators(&plan).await?;
    if public_only(&who) {
        list.retain(|i| i.public);
    }
    Ok(Json(ListView {
        items: list.iter().map(IndicatorView::from).collect(),
    }))
}
