//! Early warnings (预警): derived, never typed in; filter by plan, unit, kind, severity, branch.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuijin_core::VariantArray;
use tuijin_core::warning::{Severity, WarningKind};
use tuijin_store::{WarningFilter, WarningRecord, WarningStore};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::ApiQuery;
use crate::views::ListView;
use crate::{ApiError, AppState};
use tuijin_core::policy::Action;

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub item_title: String,
    pub lead: Option<String>,
    /// overdue, behind_trajectory, report_missing or stale.
    pub kind: String,
    /// high, medium or low.
    pub severity: String,
    /// The numbers behind it.
    pub details: String,
    pub raised_on: NaiveDate,
    pub cleared_on: Option<NaiveDate>,
}

impl From<&WarningRecord> for WarningView {
    fn from(w: &WarningRecord) -> Self {
        WarningView {
            id: w.id,
            plan: w.plan.clone(),
            item: w.item.clone(),
            item_title: w.item_title.clone(),
            lead: w.lead.clone(),
            kind: w.kind.as_str().into(),
            severity: w.severity.as_str().into(),
            details: w.details.clone(),
            raised_on: w.raised_on,
            cleared_on: w.cleared_on,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningQuery {
    pub plan: Option<String>,
    /// Warnings on items this unit leads.
    pub unit: Option<String>,
    pub kind: Option<String>,
    pub severity: Option<String>,
    /// An item code (needs `plan`): it and everything below it.
    pub branch: Option<String>,
    /// Include cleared warnings (default false: open ones only).
    pub cleared: Option<bool>,
    /// 1 to 10000 (default 500).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u64>,
}

/// Warnings, most severe first.
#[utoipa::path(get, path = "/api/v1/warnings", params(WarningQuery),
    responses((status = 200, body = ListView<WarningView>), (status = 400, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    ApiQuery(mut q): ApiQuery<WarningQuery>,
) -> Result<Json<ListView<WarningView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    super::code_filters(&mut [
        ("plan", &mut q.plan),
        ("unit", &mut q.unit),
        ("branch", &mut q.branch),
    ])?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: {limit} is not between 1 and 10000"
        )));
    }
    let kind = q
        .kind
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|k| {
            WarningKind::parse(k).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "kind: `{k}` is not one of {}",
                    WarningKind::VARIANTS
                        .iter()
                        .map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
        })
        .transpose()?;
    let severity = q
        .severity
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|k| {
            Severity::parse(k).ok_or_else(|| {
                ApiError::BadRequest(format!("severity: `{k}` is not one of high, medium, low"))
            })
        })
        .transpose()?;
    if q.branch.is_some() && q.plan.is_none() {
        // An item code means something only within its plan.
        return Err(ApiError::invalid(
            tuijin_core::problem::Problem::new("plan", tuijin_core::problem::Rule::Required)
                .with("with", "branch"),
        ));
    }
    let filter = WarningFilter {
        plan: q.plan,
        unit: q.unit,
        kind,
        severity,
        branch: q.branch,
        include_cleared: q.cleared.unwrap_or(false),
    };
    let list = st.store.list_warnings(&filter, limit).await?;
    Ok(Json(ListView {
        items: list.iter().map(WarningView::from).collect(),
    }))
}
