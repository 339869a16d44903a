//! Early warnings (预警): derived, never typed in; filter by plan, unit, kind, severity, branch.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuijin_core::VariantArray;
use tuijin_core::warning::{Severity, WarningKind};
use tuijin_store::{WarningCursor, WarningFilter, WarningRecord, WarningStore};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::ApiQuery;
use crate::views::PageView;
use crate::{ApiError, AppState};
use tuijin_core::policy::Action;

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub item_title: String,
    pub lead: Option<String>,
    /// The item's responsible leader (a person code): who the office calls.
    pub leader: Option<String>,
    /// overdue, behind_trajectory, report_missing, stale or indicator_off_path.
    pub kind: String,
    /// high, medium or low.
    pub severity: String,
    /// The numbers behind it.
    pub details: String,
    /// The day the condition began (as the history tells), not the day it was noticed.
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
            leader: w.leader.clone(),
            kind: w.kind.as_str().into(),
            severity: w.severity.as_str().into(),
            details: tuijin_core::warning::render_details(&w.details, tuijin_core::i18n::Lang::En),
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
    /// Only warnings at least this many days old (raised that many days before the plan's
    /// today, or earlier).
    #[param(minimum = 0, maximum = 100000)]
    pub age: Option<u32>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Warnings as a chase list: most severe first, then the longest outstanding; a page at a time.
#[utoipa::path(get, path = "/api/v1/warnings", params(WarningQuery),
    responses((status = 200, body = PageView<WarningView>), (status = 400, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    ApiQuery(mut q): ApiQuery<WarningQuery>,
) -> Result<Json<PageView<WarningView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    super::code_filters(&mut [
        ("plan", &mut q.plan),
        ("unit", &mut q.unit),
        ("branch", &mut q.branch),
    ])?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: {limit} is not between 1 and 1000"
        )));
    }
    if let Some(age) = q.age.filter(|a| *a > 100_000) {
        return Err(ApiError::invalid(
            tuijin_core::problem::Problem::new("age", tuijin_core::problem::Rule::OutOfRange)
                .with("min", 0)
                .with("max", 100_000)
                .with("value", age),
        ));
    }
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(WarningCursor::parse(c).ok_or_else(|| {
            ApiError::invalid(tuijin_core::problem::Problem::new(
                "cursor",
                tuijin_core::problem::Rule::BadCursor,
            ))
        })?),
    };
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
        item: None,
        include_cleared: q.cleared.unwrap_or(false),
        raised_by: q
            .age
            .map(|days| st.today_default() - chrono::Duration::days(i64::from(days))),
        newest_first: false,
        after,
        ids: None,
    };
    let mut list = st.store.list_warnings(&filter, limit + 1).await?;
    let more = list.len() as u64 > limit;
    list.truncate(limit as usize);
    Ok(Json(PageView {
        next_cursor: more
            .then(|| list.last().map(|w| WarningCursor::of(w).to_string()))
            .flatten(),
        items: list.iter().map(WarningView::from).collect(),
    }))
}
