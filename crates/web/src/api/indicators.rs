//! One indicator whole, as known on a day: its definition, every figure with its revisions,
//! the path and the gap to it, the targets met, the forecast with every number behind it, the
//! items it measures; and its chart as SVG. `?as_of=` answers as the figures stood then: a
//! figure counts from the day it became known, and a revision from the day it was entered.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuijin_core::Indicator;
use tuijin_core::forecast::{Forecast, forecast};
use tuijin_core::indicator::Gap;
use tuijin_core::policy::Action;
use tuijin_store::{Actual, DirectoryStore};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, public_only, require};
use crate::cache::CachedPlan;
use crate::error::ApiQuery;
use crate::views::IndicatorView;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// Answer as the figures were known on this date (default today).
    pub as_of: Option<NaiveDate>,
}

/// A figure as recorded, with what the record says about it on the day asked about.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FigureView {
    /// The record's id, to review it by.
    pub id: Option<i64>,
    /// `submitted` (a unit's figure waiting for the office's review), `accepted` (counted from
    /// `known_on`) or `returned` (with `review_comment`; never counted).
    pub state: String,
    pub review_comment: Option<String>,
    pub period: String,
    pub period_end: NaiveDate,
    pub value: f64,
    pub source: String,
    /// The source when it is a web address, to link to.
    pub source_url: Option<String>,
    /// The accepted report it came with, if any.
    pub report: Option<i64>,
    /// The day it became known: it counts from then.
    pub known_on: Option<NaiveDate>,
    /// Who entered it (hidden from anonymous readers) and when.
    pub entered_by: Option<String>,
    pub entered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it revises the figure before it for the same period.
    pub reason: Option<String>,
    pub unit: Option<String>,
    pub scope: Option<String>,
    pub basis: Option<String>,
    /// 0 for the first figure of its period, 1 for its first revision, …
    pub revision: usize,
    /// Whether it is the figure counted for its period on the day asked about (a later
    /// revision known by then replaces it).
    pub counted: bool,
}

/// A target and the first figure known to meet it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TargetMet {
    pub year: i32,
    pub target: f64,
    /// The day the first figure meeting it stands for, and that figure; `None` when none has.
    pub met_on: Option<NaiveDate>,
    pub met_value: Option<f64>,
}

/// Where the path expects the indicator on a day.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PathPointView {
    pub on: NaiveDate,
    pub value: f64,
}

/// The latest counted figure against the path.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GapView {
    pub on: NaiveDate,
    pub actual: f64,
    pub expected: f64,
    /// actual − expected, in the indicator's unit.
    pub absolute: f64,
    /// `absolute` in percent of the expected value.
    pub relative: Option<f64>,
    /// On the wrong side of the path for the indicator's direction.
    pub behind: bool,
}

impl From<Gap> for GapView {
    fn from(g: Gap) -> Self {
        GapView {
            on: g.on,
            actual: g.actual,
            expected: g.expected,
            absolute: g.absolute,
            relative: g.relative,
            behind: g.behind,
        }
    }
}

/// One indicator as known on `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDetail {
    pub indicator: IndicatorView,
    pub as_of: NaiveDate,
    /// Every figure known by `as_of`, revisions included: oldest period first, a period's
    /// revisions in the order entered.
    pub figures: Vec<FigureView>,
    /// The points the path runs through (baseline, the plan's points, targets).
    pub path: Vec<PathPointView>,
    /// Where the path expects the indicator on `as_of`.
    pub expected: Option<f64>,
    pub gap: Option<GapView>,
    pub targets: Vec<TargetMet>,
    /// The forecast from the figures counted on `as_of`: `state` `too_few` (with `points`
    /// and `needed`) or `made` (the figures fitted, each trend fitted with its intercept,
    /// slope, residual standard deviation, R² and squared error in the indicator's unit, the
    /// trend chosen — the smaller squared error —, the interval's level, degrees of freedom
    /// and t quantile, and for each target year after the last figure the value, the
    /// interval and the probability of meeting it).
    #[schema(value_type = Object)]
    pub forecast: Forecast,
    /// Codes of the items whose target it measures.
    pub items: Vec<String>,
    /// The definition's version, to send back in `If-Match` with a change (also the ETag).
    pub version: i64,
    /// What the indicator says on `as_of` that the office should chase, whether or not an
    /// item's target names it (the warnings list shows these on the items it measures).
    pub warnings: Vec<IndicatorWarning>,
}

/// A condition an indicator's figures raise: off its path, forecast to miss, a figure overdue.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IndicatorWarning {
    /// indicator_off_path, indicator_forecast_miss or indicator_figure_overdue.
    pub kind: String,
    pub severity: String,
    /// Since when it holds.
    pub since: NaiveDate,
    /// In English; the pages show it in the reader's language.
    pub message: String,
    #[serde(skip)]
    pub details: String,
}

/// The office's decision on a figure a unit filed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureReview {
    /// `true` to accept (it counts from today), `false` to return it.
    pub accept: bool,
    /// Why, when returning; optional when accepting.
    #[serde(default)]
    pub comment: String,
}

/// Accept or return a figure a unit filed (the office): accepted, it counts from today.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/indicators/{code}/actuals/{id}/review", request_body = FigureReview,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "indicator code"),
        ("id" = i64, Path, description = "the figure's id")),
    responses((status = 200, body = FigureView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn review_figure(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code, id)): Path<(String, String, i64)>,
    crate::error::ApiJson(body): crate::error::ApiJson<FigureReview>,
) -> Result<axum::Json<FigureView>, ApiError> {
    require(&who, Action::Review)?;
    let (c, ind) = readable(&st, &who, &plan, &code).await?;
    let stamp = st.stamp(&who.name, &c.plan);
    let a = tuijin_store::FigureStore::review_figure(
        &st.store,
        &plan,
        Some(&code),
        id,
        body.accept,
        &body.comment,
        &stamp,
    )
    .await?;
    let d = detail(&c, &ind, std::slice::from_ref(&a), stamp.today, false);
    d.figures
        .into_iter()
        .next()
        .map(axum::Json)
        .ok_or_else(|| ApiError::Internal("the reviewed figure is missing".into()))
}

/// Whether a source is a web address to link to.
pub fn source_url(source: &str) -> Option<String> {
    let s = source.trim();
    let first = s.split_whitespace().next()?;
    (first.starts_with("https://") || first.starts_with("http://")).then(|| first.to_string())
}

/// The indicator `ind` of `c` as known on `as_of`, from its records `actuals` (every
/// revision; a period's in the order entered); `public` hides who entered figures and unpublished items.
pub fn detail(
    c: &CachedPlan,
    ind: &Indicator,
    actuals: &[Actual],
    as_of: NaiveDate,
    public: bool,
) -> IndicatorDetail {
    // Accepted figures count from the day they became known; a unit's figures waiting for
    // review (or returned) are listed from the day they were filed, never counted.
    // Anonymous readers see only what counts.
    let accepted = |a: &Actual| a.entry.state == tuijin_core::indicator::FigureState::Accepted;
    let known: Vec<&Actual> = actuals
        .iter()
        .filter(|a| a.entry.known_on.is_none_or(|k| k <= as_of) && a.period_end <= as_of)
        .filter(|a| !public || accepted(a))
        .collect();
    let figures: Vec<FigureView> = known
        .iter()
        .enumerate()
        .map(|(k, a)| FigureView {
            id: a.entry.id,
            state: a.entry.state.as_str().into(),
            review_comment: if public {
                None
            } else {
                a.entry.review_comment.clone()
            },
            period: a.period.clone(),
            period_end: a.period_end,
            value: a.value.value(),
            source: a.source.clone(),
            source_url: source_url(&a.source),
            report: a.report,
            known_on: a.entry.known_on,
            entered_by: if public {
                None
            } else {
                a.entry.entered_by.clone()
            },
            entered_at: a.entry.entered_at,
            reason: a.entry.reason.clone(),
            unit: a.entry.unit.clone(),
            scope: a.entry.scope.clone(),
            basis: a.entry.basis.clone(),
            revision: known[..k]
                .iter()
                .filter(|b| accepted(b) && b.period == a.period)
                .count(),
            counted: accepted(a)
                && !known[k + 1..]
                    .iter()
                    .any(|b| accepted(b) && b.period == a.period),
        })
        .collect();
    let counted = c.measures.known(ind.code.as_str(), as_of);
    let targets = ind
        .targets
        .iter()
        .map(|t| {
            let met = counted.iter().find(|(_, v)| ind.meets(*v, t.value));
            TargetMet {
                year: t.year,
                target: t.value,
                met_on: met.map(|m| m.0),
                met_value: met.map(|m| m.1),
            }
        })
        .collect();
    let items = c
        .items
        .iter()
        .filter(|i| !public || i.public)
        .filter(|i| {
            i.extra
                .target
                .as_ref()
                .and_then(|t| t.indicator.as_ref())
                .is_some_and(|x| x == &ind.code)
        })
        .map(|i| i.code.to_string())
        .collect();
    IndicatorDetail {
        indicator: IndicatorView::from(ind),
        as_of,
        figures,
        path: ind
            .path_points()
            .into_iter()
            .map(|(on, value)| PathPointView { on, value })
            .collect(),
        expected: ind.expected_at(as_of),
        gap: counted
            .last()
            .and_then(|&(on, v)| ind.gap_now(v, on))
            .map(GapView::from),
        targets,
        forecast: forecast(ind, &counted),
        items,
        version: tuijin_core::edit::content_version(ind),
        warnings: tuijin_core::warning::indicators::indicator_conditions(
            ind,
            c.measures
                .indicators
                .get(ind.code.as_str())
                .map(|(_, f)| f.as_slice())
                .unwrap_or_default(),
            as_of,
            c.plan.start,
            c.plan.thresholds,
        )
        .into_iter()
        .map(|w| IndicatorWarning {
            kind: w.kind.as_str().into(),
            severity: w.severity.as_str().into(),
            since: w.since,
            message: tuijin_core::warning::render_details(&w.details, tuijin_core::i18n::Lang::En),
            details: w.details,
        })
        .collect(),
    }
}

/// The chart of `d` in `l`.
pub fn chart(l: crate::i18n::Lang, ind: &Indicator, d: &IndicatorDetail) -> Option<String> {
    let known: Vec<(NaiveDate, f64)> = d
        .figures
        .iter()
        .filter(|f| f.counted)
        .map(|f| (f.period_end, f.value))
        .collect();
    let revised: Vec<(NaiveDate, f64)> = d
        .figures
        .iter()
        .filter(|f| !f.counted && f.state == "accepted")
        .map(|f| (f.period_end, f.value))
        .collect();
    let mut known = known;
    known.sort_by_key(|k| k.0);
    crate::charts::indicator::indicator_chart(
        l,
        &crate::charts::indicator::ChartData {
            indicator: ind,
            known: &known,
            revised: &revised,
            forecast: &d.forecast,
            as_of: d.as_of,
        },
    )
}

/// The indicator `code` of `plan` that `who` may read, with the plan.
async fn readable(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    plan: &str,
    code: &str,
) -> Result<(std::sync::Arc<CachedPlan>, Indicator), ApiError> {
    require(who, Action::ReadPublic)?;
    let c = st.plans.get(&st.store, plan).await?;
    let ind = c
        .measures
        .indicators
        .get(code)
        .map(|(i, _)| i.clone())
        .filter(|i| i.public || !public_only(who))
        .ok_or_else(|| {
            ApiError::from(tuijin_store::StoreError::NotFound(format!(
                "indicator `{code}` in plan `{plan}`"
            )))
        })?;
    Ok((c, ind))
}

/// One indicator as known on a day: definition, figures with revisions, path, gap, targets
/// met, forecast and the items it measures.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/indicators/{code}",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "indicator code"), IndicatorQuery),
    responses((status = 200, body = IndicatorDetail), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get_indicator(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
) -> Result<Response, ApiError> {
    let (c, ind) = readable(&st, &who, &plan, &code).await?;
    let actuals = st.store.indicator_actuals(&plan, &code).await?;
    // Nothing is known of days to come: a later day answers as today.
    let as_of = q
        .as_of
        .unwrap_or_else(|| st.today(&c.plan))
        .min(st.today(&c.plan));
    let d = detail(&c, &ind, &actuals, as_of, public_only(&who));
    Ok(super::directory_edits::entry(
        axum::http::StatusCode::OK,
        d.version,
        d,
    ))
}

/// A change to an indicator's definition: the fields named change (a JSON merge patch), the
/// others stay; `reason` is required and kept in the indicator's history with the
/// definition before and after. Unit, scope, basis and frequency do not change once the
/// indicator keeps figures (409 `indicator_has_figures`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // the schema of the merge patch; the body is read as JSON and merged
pub struct IndicatorChange {
    pub reason: String,
    pub name: Option<crate::views::TextView>,
    pub unit: Option<String>,
    /// increase, decrease or target.
    pub direction: Option<String>,
    /// monthly, quarterly or annual.
    pub frequency: Option<String>,
    pub baseline: Option<f64>,
    pub baseline_year: Option<i32>,
    /// `[{year, value}]`: re-basing a target replaces the list.
    pub targets: Option<Vec<crate::views::IndicatorTargetView>>,
    /// The owner unit's code.
    pub owner: Option<String>,
    pub scope: Option<String>,
    pub public: Option<bool>,
    /// cumulative or per_period.
    pub basis: Option<String>,
    /// Days after a period ends before its figure is due (0–366).
    pub publication_lag: Option<u32>,
    /// linear, compound or points.
    pub path: Option<String>,
    /// `[{on, value}]` for a path of kind points.
    pub points: Option<Vec<crate::views::IndicatorPointView>>,
    pub source: Option<String>,
}

/// The fields of an indicator's definition a change may name: all but its code.
pub const INDICATOR_FIELDS: &[&str] = &[
    "name",
    "unit",
    "direction",
    "frequency",
    "baseline",
    "baseline_year",
    "targets",
    "owner",
    "scope",
    "public",
    "basis",
    "publication_lag",
    "path",
    "points",
    "source",
];

/// Change an indicator's definition (the office): re-base a target, change the path or the
/// publication lag. Only the fields named change (a JSON merge patch), with the reason, kept
/// in the history with the definition before and after. Requires If-Match (the `version`).
#[utoipa::path(patch, path = "/api/v1/plans/{plan}/indicators/{code}", request_body = IndicatorChange,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "indicator code"),
        ("If-Match" = String, Header, description = "the ETag read. Required (428 without it, 412 when the indicator has changed)")),
    responses((status = 200, body = IndicatorDetail), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn change_indicator(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    crate::error::ApiJson(body): crate::error::ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let version = crate::error::if_match(&headers)?;
    let body = super::edits::object(body)?;
    let doc = super::directory_edits::document(&st, &plan).await?;
    let now = doc
        .indicators
        .iter()
        .find(|i| i.code.as_str() == code)
        .ok_or_else(|| ApiError::NotFound(format!("indicator `{code}` in plan `{plan}`")))?;
    let n = doc
        .indicators
        .iter()
        .position(|i| i.code == now.code)
        .unwrap_or(0);
    let changed: Indicator = super::edits::merge_as(
        now,
        tuijin_core::validate::Section::Indicator(n),
        &code,
        &body,
        INDICATOR_FIELDS,
    )?;
    super::directory_edits::edit(
        &st,
        &who,
        &plan,
        tuijin_core::edit::DirectoryEdit::Indicator(Box::new(changed)),
        Some(version),
        &super::edits::reason_of(&body),
    )
    .await?;
    let (c, ind) = readable(&st, &who, &plan, &code).await?;
    let actuals = st.store.indicator_actuals(&plan, &code).await?;
    let d = detail(&c, &ind, &actuals, st.today(&c.plan), false);
    Ok(super::directory_edits::entry(
        axum::http::StatusCode::OK,
        d.version,
        d,
    ))
}

/// The indicator's chart as SVG (figures, path, targets, forecast band, revisions), as known
/// on a day; labels in the reader's language.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/indicators/{code}/chart.svg",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "indicator code"), IndicatorQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn indicator_chart(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<IndicatorQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let (c, ind) = readable(&st, &who, &plan, &code).await?;
    let actuals = st.store.indicator_actuals(&plan, &code).await?;
    // Nothing is known of days to come: a later day answers as today.
    let as_of = q
        .as_of
        .unwrap_or_else(|| st.today(&c.plan))
        .min(st.today(&c.plan));
    let d = detail(&c, &ind, &actuals, as_of, public_only(&who));
    let lang = crate::error::api_lang(&headers);
    let svg = chart(lang, &ind, &d).unwrap_or_else(|| {
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="720" height="40" viewBox="0 0 720 40"></svg>"#
            .to_string()
    });
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}
