//! Progress: why an item has its figures (explain), and the whole plan's progress now or on a
//! past date.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuijin_core::progress::{ChildShare, Progress, explain as explain_item};
use tuijin_core::summary::{Scope, summarise, summarise_on};
use tuijin_store::{BaselineStore, ItemFilter, ItemStore, PlanStore, ProgressStore};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::ApiQuery;
use crate::{ApiError, AppState};
use tuijin_core::ItemKind;
use tuijin_core::policy::Action;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// The date to judge on (default: today); a day to come is refused (422
    /// `date_after_today`). Progress is as recorded on that date.
    pub date: Option<NaiveDate>,
}

/// Progress of one item: percent of the known part, and the share of its weight unreported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    /// Percent complete of the part of the weight that is reported.
    pub percent: Option<f64>,
    /// Share (0 to 1) of the weight with no accepted report.
    pub unknown_share: f64,
    /// What accepted reports vouch for over the whole weight (the unreported part counted as
    /// not yet done): the figure the pages show as "≥ x %" and status is judged on.
    pub at_least: Option<f64>,
}

impl From<Progress> for ProgressView {
    fn from(p: Progress) -> Self {
        ProgressView {
            percent: p.percent,
            unknown_share: p.unknown_share,
            at_least: p.vouched(),
        }
    }
}

/// Why the item has its progress and status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainView {
    pub item: String,
    pub date: NaiveDate,
    pub progress: ProgressView,
    /// manual, children, report, shares (the units' reports, each for its share), indicator
    /// (the target's indicator: see `indicator_source`), served (the items that serve a
    /// positioning or a goal with no work below it) or nothing.
    pub progress_source: String,
    /// For progress from an indicator: its latest figure known on `date` against the way
    /// from the indicator's baseline to the item's target.
    pub indicator_source: Option<IndicatorSourceView>,
    /// For a manual figure, the reason given.
    pub manual_reason: Option<String>,
    pub rollup_rule: String,
    pub children: Vec<ChildView>,
    pub status: String,
    pub expected: Option<f64>,
    /// Expected minus actual in percentage points; positive is behind.
    pub gap: Option<f64>,
    pub threshold: Option<f64>,
    /// The rule that decided the status, with its numbers.
    pub rule: String,
}

/// The indicator figure an item's progress comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorSourceView {
    pub indicator: String,
    /// The latest figure known, and the day it stands for; none yet when absent.
    pub value: Option<f64>,
    pub on: Option<NaiveDate>,
    pub baseline: f64,
    pub target: f64,
    pub unit: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildView {
    pub code: String,
    pub title: String,
    pub weight: f64,
    pub cancelled: bool,
    pub progress: ProgressView,
}

/// Explain an item's progress and status on a date.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/items/{code}/explain",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"), DateQuery),
    responses((status = 200, body = ExplainView), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn explain(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> Result<Json<ExplainView>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let plan_rec = st.store.get_plan(&plan).await?;
    let today = st.today(&plan_rec.plan);
    super::not_after_today("date", q.date, today)?;
    let date = q.date.unwrap_or(today);
    let item = st.store.get_item(&plan, &code).await?;
    let filter = ItemFilter {
        plan: Some(plan.clone()),
        parent: Some(code.clone()),
        ..Default::default()
    };
    let kids = st.store.list_items(&filter, 1000, None).await?.items;
    // Only the item and its children are read: the cost does not grow with the plan.
    let ids: Vec<i64> = std::iter::once(item.id)
        .chain(kids.iter().map(|k| k.id))
        .collect();
    let progress = st
        .store
        .progress_of_items(&ids, (date < today).then_some(date))
        .await?;
    let of = |id: i64| progress.get(&id).copied().unwrap_or(Progress::UNKNOWN);
    let children: Vec<ChildShare> = kids
        .iter()
        .map(|c| ChildShare {
            code: c.item.code.to_string(),
            title: c.item.title.zh().to_string(),
            weight: c.item.weight.value(),
            cancelled: c.item.cancelled,
            progress: of(c.id),
        })
        .collect();
    // Judged by the baseline's dates when the plan says so (the stored path is already).
    let judged = match st.store.judged_dates(&plan).await? {
        Some(dates) => tuijin_core::baseline::judged_item(&item.item, &dates),
        None => item.item.clone(),
    };
    let i = &judged;
    // Out of the plan's figures when it or an ancestor is cancelled: walk up (a path of at
    // most 32 levels, never the plan).
    let mut cancelled = i.cancelled;
    let mut up = i.parent.clone();
    while let (false, Some(p)) = (cancelled, up) {
        let parent = st.store.get_item(&plan, p.as_str()).await?;
        cancelled = parent.item.cancelled;
        up = parent.item.parent;
    }
    let rule = i.rollup.unwrap_or(plan_rec.plan.rollup);
    let e = explain_item(
        of(item.id),
        cancelled,
        rule,
        i.extra.manual.as_ref().map(|m| m.reason.as_str()),
        children,
        i.start,
        i.due,
        item.expected_path.as_ref(),
        date,
        plan_rec.plan.thresholds,
    )
    .shared(!i.extra.shares.is_empty());
    let e = {
        let cached = st.plans.get(&st.store, &plan).await?;
        e.from_indicator(i, &cached.measures, date)
    };
    // A positioning or a goal may be measured by what serves it rather than reported: judged
    // on the board of that date (the whole plan, for these few items only).
    let e = if matches!(i.kind, ItemKind::Positioning | ItemKind::Goal) {
        let cached = st.plans.get(&st.store, &plan).await?;
        let board = if date >= today {
            cached.board(date)
        } else {
            let then = st.store.plan_progress(&plan, Some(date)).await?;
            std::sync::Arc::new(tuijin_core::board::Board::build(
                &cached.judged,
                &then,
                date,
                cached.plan.thresholds,
                &cached.measures,
            ))
        };
        let measured = board.position(&code).and_then(|n| board.measured(n));
        e.measured(measured)
    } else {
        e
    };
    let (source, manual_reason) = match &e.source {
        tuijin_core::progress::ProgressSource::Manual { reason } => {
            ("manual", Some(reason.clone()))
        }
        tuijin_core::progress::ProgressSource::Children => ("children", None),
        tuijin_core::progress::ProgressSource::Report => ("report", None),
        tuijin_core::progress::ProgressSource::Shares => ("shares", None),
        tuijin_core::progress::ProgressSource::Indicator { .. } => ("indicator", None),
        tuijin_core::progress::ProgressSource::Served => ("served", None),
        tuijin_core::progress::ProgressSource::Nothing => ("nothing", None),
    };
    let indicator_source = match &e.source {
        tuijin_core::progress::ProgressSource::Indicator {
            indicator,
            value,
            on,
            baseline,
            target,
            unit,
        } => Some(IndicatorSourceView {
            indicator: indicator.clone(),
            value: *value,
            on: *on,
            baseline: *baseline,
            target: *target,
            unit: unit.clone(),
        }),
        _ => None,
    };
    Ok(Json(ExplainView {
        item: code,
        date,
        progress: e.progress.into(),
        progress_source: source.into(),
        indicator_source,
        manual_reason,
        rollup_rule: e.rule.as_str().into(),
        children: e
            .children
            .into_iter()
            .map(|c| ChildView {
                code: c.code,
                title: c.title,
                weight: c.weight,
                cancelled: c.cancelled,
                progress: c.progress.into(),
            })
            .collect(),
        status: e.status.status.as_str().into(),
        expected: e.status.expected,
        gap: e.status.gap,
        threshold: e.status.threshold,
        rule: e.status.rule,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// A past date: progress as it was recorded then; a day to come is refused (422
    /// `date_after_today`).
    pub as_of: Option<NaiveDate>,
}

/// Progress of every item of a plan by code, now or as of a past date.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/progress",
    params(("plan" = String, Path, description = "plan code"), AsOfQuery),
    responses((status = 200, body = BTreeMap<String, ProgressView>), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn plan_progress(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<BTreeMap<String, ProgressView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let header = st.plans.header(&st.store, &plan).await?;
    super::not_after_today("as_of", q.as_of, st.today(&header))?;
    let map = st.store.plan_progress(&plan, q.as_of).await?;
    Ok(Json(map.into_iter().map(|(k, v)| (k, v.into())).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Summarise this item and everything below it.
    pub branch: Option<String>,
    /// Summarise the items this unit leads.
    pub unit: Option<String>,
    /// Judge on this date (default today); a past date uses progress as recorded then, a day
    /// to come is refused (422 `date_after_today`).
    pub date: Option<NaiveDate>,
}

/// Counts per status, weighted progress and expected progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub date: NaiveDate,
    pub items: usize,
    pub by_status: BTreeMap<String, usize>,
    pub progress: ProgressView,
    pub expected: Option<f64>,
    /// For a unit's summary: the items it co-operates on (not its own), per status.
    pub co_operated: Option<BTreeMap<String, usize>>,
}

/// Summary of a plan, a branch (`branch=CODE`) or a unit's items (`unit=CODE`).
#[utoipa::path(get, path = "/api/v1/plans/{plan}/summary",
    params(("plan" = String, Path, description = "plan code"), SummaryQuery),
    responses((status = 200, body = SummaryView), (status = 400, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn summary(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiQuery(mut q): ApiQuery<SummaryQuery>,
) -> Result<Json<SummaryView>, ApiError> {
    require(&who, Action::ReadPlan)?;
    super::code_filters(&mut [("branch", &mut q.branch), ("unit", &mut q.unit)])?;
    let cached = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&cached.plan);
    super::not_after_today("date", q.date, today)?;
    let date = q.date.unwrap_or(today);
    let items = &cached.items;
    let scope = match (&q.branch, &q.unit) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                tuijin_core::problem::Problem::new("branch", tuijin_core::problem::Rule::EitherOr)
                    .with("a", "branch")
                    .with("b", "unit"),
            ));
        }
        (Some(b), None) => {
            if !items.iter().any(|i| i.code.as_str() == b) {
                return Err(ApiError::NotFound(format!("item `{b}` in plan `{plan}`")));
            }
            Scope::Branch(b)
        }
        (None, Some(u)) => {
            if !cached.units.contains_key(u.as_str()) {
                return Err(ApiError::NotFound(format!("unit `{u}` in plan `{plan}`")));
            }
            Scope::Unit(u)
        }
        (None, None) => Scope::Plan,
    };
    // Judged as the pages judge (`CachedPlan::judged`: against the baseline when the plan
    // says so), so the summary and the cockpit agree. Today's figures come from memory, on the
    // board kept for the day; a past date reads the history.
    let s = if date < today {
        let past = st.store.plan_progress(&plan, Some(date)).await?;
        summarise(
            &cached.judged,
            &past,
            scope,
            date,
            cached.plan.thresholds,
            &cached.measures,
        )
    } else {
        let board = cached.board(date);
        summarise_on(&board, &cached.judged, scope)
    };
    Ok(Json(SummaryView {
        date: s.date,
        items: s.items,
        by_status: s.by_status,
        progress: s.progress.into(),
        expected: s.expected,
        co_operated: s.co_operated,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The earlier date.
    pub from: NaiveDate,
    /// The later date (default today).
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    pub code: String,
    pub title: crate::views::TextView,
    pub from: ProgressView,
    pub to: ProgressView,
    pub from_status: String,
    pub to_status: String,
    /// Progress went up.
    pub moved: bool,
    /// Progress went down.
    pub fell: bool,
    /// The status got worse.
    pub slipped: bool,
}

/// What moved and what slipped between two dates (a baseline comparison).
#[utoipa::path(get, path = "/api/v1/plans/{plan}/compare",
    params(("plan" = String, Path, description = "plan code"), CompareQuery),
    responses((status = 200, body = crate::views::ListView<MovementView>), (status = 400, body = crate::error::ProblemDoc)))]
pub async fn compare(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<crate::views::ListView<MovementView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let rec = st.store.get_plan(&plan).await?;
    let today = st.today(&rec.plan);
    let to = q.to.unwrap_or(today);
    if q.from > to {
        return Err(ApiError::invalid(
            tuijin_core::problem::Problem::new("from", tuijin_core::problem::Rule::FromAfterTo)
                .with("from", q.from)
                .with("to", to),
        ));
    }
    let items = st.store.plan_items(&plan).await?;
    let a = st.store.plan_progress(&plan, Some(q.from)).await?;
    let b = st
        .store
        .plan_progress(&plan, (to < today).then_some(to))
        .await?;
    let list = tuijin_core::summary::compare(&items, &a, &b, q.from, to, rec.plan.thresholds);
    Ok(Json(crate::views::ListView {
        items: list
            .into_iter()
            .map(|m| MovementView {
                code: m.code,
                title: (&m.title).into(),
                from: m.from.into(),
                to: m.to.into(),
                from_status: m.from_status.as_str().into(),
                to_status: m.to_status.as_str().into(),
                moved: m.moved,
                fell: m.fell,
                slipped: m.slipped,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub kind: String,
    pub entity: String,
    pub entity_code: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// Everything that happened to an item, oldest first: plan edits, reports, warnings.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/items/{code}/timeline",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code")),
    responses((status = 200, body = crate::views::ListView<EventView>), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn timeline(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Json<crate::views::ListView<EventView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    use tuijin_store::EventStore;
    let events = st.store.item_timeline(&plan, &code, 1000).await?;
    Ok(Json(crate::views::ListView {
        items: events
            .into_iter()
            .filter(|e| crate::auth::may_see_event(&who, e))
            .map(|e| EventView {
                id: e.id,
                at: e.at,
                actor: e.actor,
                kind: e.kind.as_str().into(),
                entity: e.entity.as_str().into(),
                entity_code: e.entity_code,
                before: e.before,
                after: e.after,
            })
            .collect(),
    }))
}
