//! Units and indicators.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tuijin_core::indicator::FiledFigure;
use tuijin_core::policy::Role;
use tuijin_store::{Actual, DirectoryStore};
use utoipa::ToSchema;

use crate::auth::{Auth, public_only, require};
use crate::error::ApiJson;
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

/// A figure of an indicator, as filed or loaded: the period it is for, the day that period
/// ends, the value in the indicator's unit, where it is published, and the accepted report it
/// came with (if any).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActualView {
    pub indicator: String,
    pub period: String,
    pub period_end: chrono::NaiveDate,
    pub value: f64,
    pub source: String,
    pub report: Option<i64>,
    /// Replaced by a later figure for the same period (a correction): kept on record, not
    /// counted.
    pub superseded: bool,
    /// The record's id, to review it by.
    pub id: Option<i64>,
    /// `submitted` (waiting for the office's review; not counted yet), `accepted` or
    /// `returned` (with `review_comment`; never counted).
    pub state: String,
    pub review_comment: Option<String>,
    /// Why it revises the figure before it for its period.
    pub reason: Option<String>,
}

/// The figures with, for each, whether a later accepted one for the same period replaced it
/// (a figure waiting for review, or returned, replaces nothing).
pub fn with_superseded(list: &[Actual]) -> Vec<(bool, &Actual)> {
    let accepted = |a: &Actual| a.entry.state == tuijin_core::indicator::FigureState::Accepted;
    list.iter()
        .enumerate()
        .map(|(k, a)| {
            let later = list[k + 1..]
                .iter()
                .any(|b| accepted(b) && b.period == a.period);
            (accepted(a) && later, a)
        })
        .collect()
}

impl From<&Actual> for ActualView {
    fn from(a: &Actual) -> Self {
        ActualView {
            indicator: a.indicator.to_string(),
            period: a.period.clone(),
            period_end: a.period_end,
            value: a.value.value(),
            source: a.source.clone(),
            report: a.report,
            superseded: false,
            id: a.entry.id,
            state: a.entry.state.as_str().into(),
            review_comment: a.entry.review_comment.clone(),
            reason: a.entry.reason.clone(),
        }
    }
}

/// A figure filed for one of an indicator's periods.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileFigure {
    /// YYYY for an annual indicator, YYYY-Qn for a quarterly one, YYYY-MM for a monthly one;
    /// a period that has ended.
    pub period: String,
    /// In the indicator's unit of measure.
    pub value: f64,
    /// Where the figure is published: a citation or an address.
    pub source: String,
    /// Why it replaces the figure already filed for its period: needed for a revision.
    #[serde(default)]
    pub reason: Option<String>,
    /// The unit of measure the figure is in; refused unless it is the indicator's.
    #[serde(default)]
    pub unit: Option<String>,
    /// What the figure covers; refused unless it is the indicator's scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// `cumulative` or `per_period`; refused unless it is the indicator's basis.
    #[serde(default)]
    pub basis: Option<String>,
}

/// An indicator's figures, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/indicators/{code}/actuals",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "indicator code")),
    responses((status = 200, body = ListView<ActualView>), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list_actuals(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Json<ListView<ActualView>>, ApiError> {
    require(&who, Action::ReadPublic)?;
    let ind = indicator(&st, &plan, &code).await?;
    if public_only(&who) && !ind.public {
        return Err(not_found(&plan, &code));
    }
    let mut list = st.store.indicator_actuals(&plan, &code).await?;
    if public_only(&who) {
        // Anonymous readers see only what counts.
        list.retain(|a| a.entry.state == tuijin_core::indicator::FigureState::Accepted);
    }
    Ok(Json(ListView {
        items: with_superseded(&list)
            .into_iter()
            .map(|(superseded, a)| ActualView {
                superseded,
                ..ActualView::from(a)
            })
            .collect(),
    }))
}

/// File a figure of an indicator: its owner unit, or the office on the owner's behalf.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/indicators/{code}/actuals", request_body = FileFigure,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "indicator code")),
    responses((status = 201, body = ActualView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn file_actual(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<FileFigure>,
) -> Result<(StatusCode, Json<ActualView>), ApiError> {
    require(&who, Action::ReadPlan)?;
    let ind = indicator(&st, &plan, &code).await?;
    let owner = ind.owner.as_ref().map(|o| o.as_str());
    require(
        &who,
        Action::FileFigure {
            indicator: &code,
            owner,
        },
    )?;
    // A unit files as the owner; the office on its behalf.
    let unit = (who.role == Role::Unit).then_some(owner).flatten();
    let header = st.plans.header(&st.store, &plan).await?;
    let stamp = st.stamp(&who.name, &header);
    let figure = FiledFigure {
        period: body.period,
        value: body.value,
        source: body.source,
        reason: body.reason,
        unit: body.unit,
        scope: body.scope,
        basis: body.basis,
    };
    let a = st
        .store
        .file_figure(&plan, &code, unit, &figure, &stamp)
        .await?;
    Ok((StatusCode::CREATED, Json(ActualView::from(&a))))
}

async fn indicator(
    st: &AppState,
    plan: &str,
    code: &str,
) -> Result<tuijin_core::Indicator, ApiError> {
    st.store
        .list_indicators(plan)
        .await?
        .into_iter()
        .find(|i| i.code.as_str() == code)
        .ok_or_else(|| not_found(plan, code))
}

fn not_found(plan: &str, code: &str) -> ApiError {
    ApiError::from(tuijin_store::StoreError::NotFound(format!(
        "indicator `{code}` in plan `{plan}`"
    )))
}
