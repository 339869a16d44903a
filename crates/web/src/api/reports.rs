//! Progress reports: create, edit, submit, accept, return; versioned with ETag / If-Match.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tuijin_core::Percent;
use tuijin_core::report::{Period, ReportState};
use tuijin_store::{NewReport, ReportEdit, ReportFilter, ReportRecord, ReportStore, Stamp};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::{ApiJson, ApiQuery, etag, if_match};
use crate::views::ListView;
use crate::{ApiError, AppState};
use tuijin_core::policy::Action;

/// A progress report (进展填报).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub plan: String,
    pub item: String,
    pub period: String,
    pub unit: String,
    pub percent: Option<f64>,
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
            plan: r.plan.clone(),
            item: r.item.clone(),
            period: r.period.clone(),
            unit: r.unit.clone(),
            percent: r.percent,
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
                    value: f.value,
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
pub struct CreateReport {
    /// YYYY-MM (or YYYY-Qn for a quarterly plan).
    pub period: String,
    /// The reporting unit: the item's lead or a co-operating unit.
    pub unit: String,
    /// 0 to 100; for a milestone 0 or 100.
    pub percent: Option<f64>,
    #[serde(default)]
    pub narrative: String,
    #[serde(default)]
    pub problems: String,
    #[serde(default)]
    pub next_steps: String,
    /// Indicator figures: only for indicators the reporting unit owns.
    #[serde(default)]
    pub figures: Vec<FigureBody>,
    /// Who acts (until accounts exist).
    pub actor: Option<String>,
}

/// The value of an indicator, reported with the progress.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FigureBody {
    /// The indicator's code.
    pub indicator: String,
    pub value: f64,
}

fn figures(list: Vec<FigureBody>) -> Result<Vec<tuijin_core::report::Figure>, ApiError> {
    list.into_iter()
        .enumerate()
        .map(|(n, f)| {
            let indicator = tuijin_core::Code::parse(&f.indicator)
                .map_err(|e| ApiError::Unprocessable(format!("figures[{n}].indicator: {e}")))?;
            if !f.value.is_finite() {
                return Err(ApiError::Unprocessable(format!(
                    "figures[{n}].value: not a number"
                )));
            }
            Ok(tuijin_core::report::Figure {
                indicator,
                value: f.value,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditReport {
    /// A number to set, or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    pub percent: Option<Option<f64>>,
    pub narrative: Option<String>,
    pub problems: Option<String>,
    pub next_steps: Option<String>,
    /// Replaces the report's indicator figures.
    pub figures: Option<Vec<FigureBody>>,
    pub actor: Option<String>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Review {
    /// The reviewer's comment; required when returning.
    #[serde(default)]
    pub comment: String,
    pub actor: Option<String>,
}

fn percent(v: Option<f64>) -> Result<Option<Percent>, ApiError> {
    v.map(|p| Percent::new(p).map_err(|e| ApiError::Unprocessable(format!("percent: {e}"))))
        .transpose()
}

/// The acting user is the principal; a body's `actor` is ignored once accounts exist.
fn stamp(st: &AppState, who: &tuijin_core::policy::Principal) -> Stamp {
    Stamp {
        at: chrono::Utc::now(),
        today: st.clock.today(),
        actor: who.name.clone(),
    }
}

/// Start a report (a draft) on an item for a period.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/reports", request_body = CreateReport,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code")),
    responses((status = 201, body = ReportView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<CreateReport>,
) -> Result<Response, ApiError> {
    require(&who, Action::WriteReport { unit: &body.unit })?;
    let period =
        Period::parse(&body.period).map_err(|e| ApiError::Unprocessable(format!("period: {e}")))?;
    let new = NewReport {
        plan,
        item: code,
        period,
        unit: body.unit,
        percent: percent(body.percent)?,
        narrative: body.narrative,
        problems: body.problems,
        next_steps: body.next_steps,
        figures: figures(body.figures)?,
    };
    let r = st.store.create_report(new, &stamp(&st, &who)).await?;
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
    /// 1 to 1000 (default 100).
    pub limit: Option<u64>,
}

/// Reports, filtered (the review queue is `state=submitted`).
#[utoipa::path(get, path = "/api/v1/reports", params(ReportQuery),
    responses((status = 200, body = ListView<ReportView>), (status = 400, body = crate::error::Problem)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<ListView<ReportView>>, ApiError> {
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ReportState::parse(s).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "state: `{s}` is not one of draft, submitted, accepted, returned, superseded"
            ))
        })?),
    };
    // A unit user sees its own units' reports; the others see any unit's.
    let units: Vec<Option<String>> = match (&q.unit, who.role) {
        (Some(u), _) => {
            require(&who, Action::ReadReports { unit: u })?;
            vec![Some(u.clone())]
        }
        (None, tuijin_core::policy::Role::Unit) => {
            who.units.iter().map(|u| Some(u.to_string())).collect()
        }
        (None, _) => {
            require(&who, Action::ReadReports { unit: "" })?;
            vec![None]
        }
    };
    let limit = q.limit.unwrap_or(100);
    let mut list = Vec::new();
    for unit in units {
        let filter = ReportFilter {
            plan: q.plan.clone(),
            item: q.item.clone(),
            unit,
            state,
            period: q.period.clone(),
        };
        list.extend(st.store.list_reports(&filter, limit).await?);
    }
    list.sort_by_key(|r| r.id);
    list.truncate(limit as usize);
    Ok(Json(ListView {
        items: list.iter().map(ReportView::from).collect(),
    }))
}

/// One report; its ETag is its version.
#[utoipa::path(get, path = "/api/v1/reports/{id}", params(("id" = i64, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = st.store.get_report(id).await?;
    require(&who, Action::ReadReports { unit: &r.unit })?;
    Ok(versioned(StatusCode::OK, &r))
}

/// Edit a draft or returned report. Requires If-Match.
#[utoipa::path(patch, path = "/api/v1/reports/{id}", request_body = EditReport,
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 200, body = ReportView), (status = 409, body = crate::error::Problem),
        (status = 412, body = crate::error::Problem), (status = 428, body = crate::error::Problem)))]
pub async fn edit(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EditReport>,
) -> Result<Response, ApiError> {
    let unit = st.store.get_report(id).await?.unit;
    require(&who, Action::WriteReport { unit: &unit })?;
    let version = if_match(&headers)?;
    let edit = ReportEdit {
        percent: body.percent.map(percent).transpose()?,
        narrative: body.narrative,
        problems: body.problems,
        next_steps: body.next_steps,
        figures: body.figures.map(figures).transpose()?,
    };
    let r = st
        .store
        .edit_report(id, version, edit, &stamp(&st, &who))
        .await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// Submit a draft or returned report for review. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/reports/{id}/submit",
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 200, body = ReportView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)))]
pub async fn submit(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let unit = st.store.get_report(id).await?.unit;
    require(&who, Action::WriteReport { unit: &unit })?;
    let version = if_match(&headers)?;
    let r = st
        .store
        .submit_report(id, version, &stamp(&st, &who))
        .await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// The result of accepting a report: the report and the items whose progress moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub report: ReportView,
    /// Item ids whose progress changed, the reported item first, then its ancestors.
    pub moved: Vec<i64>,
}

/// Accept a submitted report; the item's and its ancestors' progress move. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/reports/{id}/accept", request_body = Review,
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 200, body = Accepted), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)))]
pub async fn accept(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    require(&who, Action::Review)?;
    let version = if_match(&headers)?;
    // The body is optional here: accepting needs no comment.
    let Review { comment, .. } = if body.iter().all(|b| b.is_ascii_whitespace()) {
        Review::default()
    } else {
        serde_json::from_slice::<Option<Review>>(&body)
            .map_err(|e| ApiError::BadRequest(format!("body: {e}")))?
            .unwrap_or_default()
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    let acceptance = tuijin_store::Acceptance {
        id,
        version,
        comment,
        stamp: stamp(&st, &who),
    };
    st.accepts
        .send(crate::jobs::AcceptJob { acceptance, reply })
        .await
        .map_err(|_| ApiError::Internal("the commit queue is closed".into()))?;
    let (r, changes) = answer
        .await
        .map_err(|_| ApiError::Internal("the commit task ended".into()))??;
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
    params(("id" = i64, Path, description = "report id"), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 200, body = ReportView), (status = 400, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)))]
pub async fn return_(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Review>,
) -> Result<Response, ApiError> {
    require(&who, Action::Review)?;
    let version = if_match(&headers)?;
    let r = st
        .store
        .return_report(id, version, &body.comment, &stamp(&st, &who))
        .await?;
    Ok(versioned(StatusCode::OK, &r))
}

/// Close a reporting period of a plan: its reports can no longer be started, edited or
/// submitted. Refused (409) while reports of the period await review, or when already closed.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/periods/{period}/close",
    params(("plan" = String, Path, description = "plan code"), ("period" = String, Path, description = "YYYY-MM or YYYY-Qn")),
    responses((status = 204), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn close_period(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, period)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require(&who, Action::ClosePeriod)?;
    let period =
        Period::parse(&period).map_err(|e| ApiError::Unprocessable(format!("period: {e}")))?;
    st.store
        .close_period(&plan, period, &stamp(&st, &who))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The closed reporting periods of a plan, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/periods",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = ListView<String>), (status = 404, body = crate::error::Problem)))]
pub async fn closed_periods(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<ListView<String>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    Ok(Json(ListView {
        items: st.store.closed_periods(&plan).await?,
    }))
}
