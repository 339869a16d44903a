//! Progress reports: create, edit, submit, accept, return; versioned with ETag / If-Match; and
//! closing a reporting period. Handlers parse the request into domain types (every parse
//! problem at once, with its field), ask the policy, and call the store, whose rules
//! (`core::report`) decide the rest.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tuijin_core::Code;
use tuijin_core::Percent;
use tuijin_core::policy::{Action, Decision, Principal, Role};
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{Figure, FigureValue, Period, ReportContent, ReportState};
use tuijin_store::{
    ClosedPeriod, NewReport, ReportEdit, ReportFilter, ReportRecord, ReportStore, Stamp,
};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::{ApiJson, ApiQuery, etag, if_match};
use crate::views::{ListView, PageView};
use crate::{ApiError, AppState};

/// A progress report (进展填报).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub period: String,
    pub unit: String,
    /// How the unit stands to the item: `lead` (its report sets the item's figure) or `co`
    /// (a co-operating unit's contribution).
    pub relation: String,
    pub percent: Option<f64>,
    /// The same unit's accepted percent on the item before this report (of the latest period
    /// not after this one): what the reviewer compares the new figure with.
    pub previous_percent: Option<f64>,
    pub narrative: String,
    pub problems: String,
    pub next_steps: String,
    /// draft, submitted, accepted, returned or superseded.
    pub state: String,
    pub author: String,
    pub reviewer: String,
    pub review_comment: String,
    pub supersedes: Option<i64>,
    /// Indicator figures reported with the progress.
    pub figures: Vec<FigureBody>,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
}

impl From<&ReportRecord> for ReportView {
    fn from(r: &ReportRecord) -> Self {
        ReportView {
            id: r.id,
            plan: r.plan.to_string(),
            item: r.item.to_string(),
            period: r.period.to_string(),
            unit: r.unit.to_string(),
            relation: match r.relation {
                tuijin_core::report::Relation::Lead => "lead",
                tuijin_core::report::Relation::Co => "co",
                tuijin_core::report::Relation::None => "none",
            }
            .into(),
            percent: r.percent.map(|p| p.value()),
            previous_percent: r.previous_percent.map(|p| p.value()),
            narrative: r.narrative.clone(),
            problems: r.problems.clone(),
            next_steps: r.next_steps.clone(),
            state: r.state.as_str().into(),
            author: r.author.clone(),
            reviewer: r.reviewer.clone(),
            review_comment: r.review_comment.clone(),
            supersedes: r.supersedes,
            figures: r
                .figures
                .iter()
                .map(|f| FigureBody {
                    indicator: f.indicator.to_string(),
                    value: f.value.value(),
                })
                .collect(),
            submitted_at: r.submitted_at,
            reviewed_at: r.reviewed_at,
            version: r.version,
        }
    }
}

fn versioned(status: StatusCode, r: &ReportRecord) -> Response {
    (
        status,
        [(header::ETAG, etag(r.version))],
        Json(ReportView::from(r)),
    )
        .into_response()
}

#[derive(Debug, Deserialize, ToSchema)]
// A misspelt field (`percnet`) must be refused, not read as an empty report.
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    /// YYYY-MM for a monthly plan, YYYY-Qn for a quarterly one; not a period that has not
    /// begun.
    pub period: String,
    /// The reporting unit: the item's lead or a co-operating unit.
    pub unit: String,
    /// 0 to 100; for a milestone 0 or 100; none on an item whose progress is its children's.
    pub percent: Option<f64>,
    #[serde(default)]
    pub narrative: String,
    /// Problems met; required when the percent falls below the last accepted one.
    #[serde(default)]
    pub problems: String,
    #[serde(default)]
    pub next_steps: String,
    /// Indicator figures: only for indicators the reporting unit owns.
    #[serde(default)]
    pub figures: Vec<FigureBody>,
}

/// The value of an indicator, reported with the progress.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FigureBody {
    /// The indicator's code.
    pub indicator: String,
    pub value: f64,
}

/// Parses figures, noting every problem with its field.
fn figures(list: Vec<FigureBody>, out: &mut Vec<Problem>) -> Vec<Figure> {
    let mut figures = Vec::new();
    for (n, f) in list.into_iter().enumerate() {
        let indicator = Code::parse(&f.indicator);
        let value = FigureValue::new(f.value);
        if indicator.is_err() {
            out.push(Problem::new(
                format!("figures[{n}].indicator"),
                Rule::CodeFormat,
            ));
        }
        if value.is_err() {
            out.push(Problem::new(
                format!("figures[{n}].value"),
                Rule::NotANumber,
            ));
        }
        if let (Ok(indicator), Ok(value)) = (indicator, value) {
            figures.push(Figure { indicator, value });
        }
    }
    figures
}

fn percent(v: Option<f64>, out: &mut Vec<Problem>) -> Option<Percent> {
    v.and_then(|p| match Percent::new(p) {
        Ok(p) => Some(p),
        Err(_) => {
            out.push(Problem::new("percent", Rule::PercentRange));
            None
        }
    })
}

fn finish<T>(value: T, problems: Vec<Problem>) -> Result<T, ApiError> {
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::Invalid(problems))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
// A misspelt field (`percnet`) must be refused, not read as an empty report.
#[serde(deny_unknown_fields)]
pub struct EditReport {
    /// A number to set, or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    pub percent: Option<Option<f64>>,
    pub narrative: Option<String>,
    pub problems: Option<String>,
    pub next_steps: Option<String>,
    /// Replaces the report's indicator figures.
    pub figures: Option<Vec<FigureBody>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
// A misspelt field (`percnet`) must be refused, not read as an empty report.
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The reviewer's comment; required when returning.
    #[serde(default)]
    pub comment: String,
}

/// The stamp of a write by the principal on a plan: the plan's zone gives "today".
async fn stamp(st: &AppState, who: &Principal, plan: &str) -> Result<Stamp, ApiError> {
    let p = st.plans.header(&st.store, plan).await?;
    Ok(st.stamp(&who.name, &p))
}

/// Start a report (a draft) on an item for a period.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/reports", request_body = CreateReport,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code")),
    responses((status = 201, body = ReportView), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 503, body = crate::error::ProblemDoc)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<CreateReport>,
) -> Result<Response, ApiError> {
    require(&who, Action::ReadPlan)?;
    let mut problems = Vec::new();
    let period = Period::parse(&body.period)
        .map_err(|_| problems.push(Problem::new("period", Rule::PeriodFormat)))
        .ok();
    if Code::parse(&body.unit).is_err() {
        problems.push(Problem::new("unit", Rule::CodeFormat));
    }
    let content = ReportContent {
        percent: percent(body.percent, &mut problems),
        narrative: body.narrative,
        problems: body.problems,
        next_steps: body.next_steps,
        figures: figures(body.figures, &mut problems),
    };
    let period = finish(period, problems)?.expect("parsed when no problem");
    let relation = st.store.relation(&plan, &code, &body.unit).await?;
    require(
        &who,
        Action::WriteReport {
            unit: &body.unit,
            item: &code,
            relation,
        },
    )?;
    let stamp = stamp(&st, &who, &plan).await?;
    let new = NewReport {
        plan,
        item: code,
        period,
        unit: body.unit,
        content,
    };
    let r = st.store.create_report(new, &stamp).await?;
    Ok(versioned(StatusCode::CREATED, &r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub plan: Option<String>,
    pub item: Option<String>,
    pub unit: Option<String>,
    /// draft, submitted, accepted, returned or superseded.
    pub state: Option<String>,
    pub period: Option<String>,
    /// 1 to 1000 (default 100); more is refused.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The most reports one page holds.
pub const MAX_LIMIT: u64 = 1000;

/// Reports, filtered, in id order, a page at a time (the review queue is `state=submitted`).
#[utoipa::path(get, path = "/api/v1/reports", params(ReportQuery),
    responses((status = 200, body = PageView<ReportView>), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    ApiQuery(mut q): ApiQuery<ReportQuery>,
) -> Result<Json<PageView<ReportView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    super::code_filters(&mut [
        ("plan", &mut q.plan),
        ("item", &mut q.item),
        ("unit", &mut q.unit),
    ])?;
    let mut problems = Vec::new();
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => ReportState::parse(s).or_else(|| {
            problems.push(Problem::new("state", Rule::NotOneOf).with("value", s).with(
                "allowed",
                "draft, submitted, accepted, returned, superseded",
            ));
            None
        }),
    };
    let period = match q.period.as_deref() {
        None | Some("") => None,
        Some(p) => Period::parse(p)
            .map_err(|_| problems.push(Problem::new("period", Rule::PeriodFormat)))
            .ok(),
    };
    let (limit, after) = super::id_page(q.limit, q.cursor.as_deref(), &mut problems);
    finish((), problems)?;
    // A unit user lists its own units' reports, and of another unit only the accepted ones
    // (`Action::ReadReport`); the others see any unit's.
    let mut state = state;
    let units: Vec<Option<String>> = match (&q.unit, who.role) {
        (Some(u), Role::Unit) if !who.units.iter().any(|m| m.as_str() == u) => {
            require(
                &who,
                Action::ReadReport {
                    unit: u,
                    accepted: true,
                },
            )?;
            match state {
                None | Some(ReportState::Accepted) => state = Some(ReportState::Accepted),
                // Another unit's drafts and submissions: none to show.
                Some(_) => {
                    return Ok(Json(PageView {
                        items: Vec::new(),
                        next_cursor: None,
                    }));
                }
            }
            vec![Some(u.clone())]
        }
        (Some(u), _) => {
            require(&who, Action::ReadReports { unit: u })?;
            vec![Some(u.clone())]
        }
        (None, Role::Unit) => who.units.iter().map(|u| Some(u.to_string())).collect(),
        (None, _) => {
            require(&who, Action::ReadReports { unit: "" })?;
            vec![None]
        }
    };
    let mut list = Vec::new();
    for unit in units {
        let filter = ReportFilter {
            plan: q.plan.clone(),
            item: q.item.clone(),
            unit,
            state,
            period,
            after,
        };
        list.extend(st.store.list_reports(&filter, limit + 1).await?);
    }
    list.sort_by_key(|r| r.id);
    let more = list.len() as u64 > limit;
    list.truncate(limit as usize);
    Ok(Json(PageView {
        next_cursor: more
            .then(|| list.last().map(|r| r.id.to_string()))
            .flatten(),
        items: list.iter().map(ReportView::from).collect(),
    }))
}

/// One report; its ETag is its version.
#[utoipa::path(get, path = "/api/v1/reports/{id}", params(("id" = i64, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 401, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = readable(&st, &who, id).await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// The report, if the principal may read it. A report one may not read is answered exactly
/// as one that does not exist, so ids cannot be probed; anonymous callers are asked to log in
/// before anything is looked up.
pub(crate) async fn readable(
    st: &AppState,
    who: &Principal,
    id: i64,
) -> Result<ReportRecord, ApiError> {
    require(who, Action::ReadPlan)?;
    let missing = || ApiError::NotFound(format!("report #{id}"));
    let r = match st.store.get_report(id).await {
        Err(tuijin_store::StoreError::NotFound(_)) => return Err(missing()),
        other => other?,
    };
    let read = Action::ReadReport {
        unit: r.unit.as_str(),
        accepted: r.state == ReportState::Accepted,
    };
    if !matches!(tuijin_core::policy::decide(who, read), Decision::Allow) {
        return Err(missing());
    }
    Ok(r)
}

/// The report, if the principal may write on it (its unit and its relation to the item).
/// One it may not even read is not found; one it may read but not write is forbidden.
pub(crate) async fn writable(
    st: &AppState,
    who: &Principal,
    id: i64,
) -> Result<ReportRecord, ApiError> {
    let r = readable(st, who, id).await?;
    require(
        who,
        Action::WriteReport {
            unit: r.unit.as_str(),
            item: r.item.as_str(),
            relation: r.relation,
        },
    )?;
    Ok(r)
}

/// Edit a draft or returned report. Requires If-Match.
#[utoipa::path(patch, path = "/api/v1/reports/{id}", request_body = EditReport,
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read, e.g. `\"3\"`. Required (428 without it, 412 when the report has moved on); `*` is refused (400): a write names the version it read")),
    responses((status = 200, body = ReportView), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn edit(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EditReport>,
) -> Result<Response, ApiError> {
    let r = writable(&st, &who, id).await?;
    let version = if_match(&headers)?;
    let mut problems = Vec::new();
    let edit = ReportEdit {
        percent: body.percent.map(|p| percent(p, &mut problems)),
        narrative: body.narrative,
        problems: body.problems,
        next_steps: body.next_steps,
        figures: body.figures.map(|f| figures(f, &mut problems)),
    };
    finish((), problems)?;
    let stamp = stamp(&st, &who, r.plan.as_str()).await?;
    let r = st.store.edit_report(id, version, edit, &stamp).await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// Submit a draft or returned report for review. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/reports/{id}/submit",
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read, e.g. `\"3\"`. Required (428 without it, 412 when the report has moved on); `*` is refused (400): a write names the version it read")),
    responses((status = 200, body = ReportView), (status = 401, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 409, body = crate::error::ProblemDoc), (status = 412, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
pub async fn submit(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let r = writable(&st, &who, id).await?;
    let version = if_match(&headers)?;
    let stamp = stamp(&st, &who, r.plan.as_str()).await?;
    let r = st.store.submit_report(id, version, &stamp).await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// The result of accepting a report: the report and the items whose progress moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub report: ReportView,
    /// Item ids whose progress changed, the reported item first, then its ancestors.
    pub moved: Vec<i64>,
}

/// The review body, optional when accepting.
fn review_body(body: &[u8]) -> Result<Review, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Review::default());
    }
    Ok(serde_json::from_slice::<Option<Review>>(body)
        .map_err(|e| ApiError::BadRequest(format!("body: {e}")))?
        .unwrap_or_default())
}

/// Accept a submitted report; the item's and its ancestors' progress move. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/reports/{id}/accept", request_body = Review,
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read, e.g. `\"3\"`. Required (428 without it, 412 when the report has moved on); `*` is refused (400): a write names the version it read")),
    responses((status = 200, body = Accepted), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc),
        (status = 503, body = crate::error::ProblemDoc)))]
pub async fn accept(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    require(&who, Action::Review)?;
    let version = if_match(&headers)?;
    let Review { comment } = review_body(&body)?;
    let plan = st.store.get_report(id).await?.plan;
    let acceptance = tuijin_store::Acceptance {
        id,
        version,
        comment,
        stamp: stamp(&st, &who, plan.as_str()).await?,
    };
    let (r, changes) = crate::jobs::accept(&st, acceptance).await?;
    let body = Accepted {
        report: ReportView::from(&r),
        moved: changes.iter().map(|c| c.item_id).collect(),
    };
    Ok((
        StatusCode::OK,
        [(header::ETAG, etag(r.version))],
        Json(body),
    )
        .into_response())
}

/// Return a submitted report to its unit with a comment (required). Requires If-Match.
#[utoipa::path(post, path = "/api/v1/reports/{id}/return", request_body = Review,
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read, e.g. `\"3\"`. Required (428 without it, 412 when the report has moved on); `*` is refused (400): a write names the version it read")),
    responses((status = 200, body = ReportView), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn return_(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Review>,
) -> Result<Response, ApiError> {
    require(&who, Action::Review)?;
    let version = if_match(&headers)?;
    let plan = st.store.get_report(id).await?.plan;
    let stamp = stamp(&st, &who, plan.as_str()).await?;
    let r = st
        .store
        .return_report(id, version, &body.comment, &stamp)
        .await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// Close a reporting period of a plan: its reports can no longer be started, edited or
/// submitted, and they are sealed. Refused (409) while reports of the period await review, or
/// when already closed.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/periods/{period}/close",
    params(("plan" = String, Path, description = "plan code"), ("period" = String, Path, description = "YYYY-MM or YYYY-Qn")),
    responses((status = 204), (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn close_period(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, period)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require(&who, Action::ClosePeriod)?;
    let period = Period::parse(&period)
        .map_err(|_| ApiError::invalid(Problem::new("period", Rule::PeriodFormat)))?;
    let stamp = stamp(&st, &who, &plan).await?;
    st.store.close_period(&plan, period, &stamp).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The closed reporting periods of a plan, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/periods",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = ListView<String>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn closed_periods(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<ListView<String>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    Ok(Json(ListView {
        items: st
            .store
            .closed_periods(&plan)
            .await?
            .iter()
            .map(|c: &ClosedPeriod| c.period.to_string())
            .collect(),
    }))
}
