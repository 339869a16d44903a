//! Change requests (调整申请) in the API: a lead unit asks for a later deadline, another target
//! value or other co-operating units, with its reason; the office lists them and approves
//! (the change applied as an edit citing the request) or refuses with its reason.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tuijin_core::Code;
use tuijin_core::edit::{RequestState, RequestedChange};
use tuijin_core::policy::{Action, Role};
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{RequestRecord, RequestStore};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::{ApiJson, ApiQuery, etag, if_match};
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: i64,
    pub item: String,
    pub unit: String,
    /// The deadline asked for, if one is.
    pub due: Option<NaiveDate>,
    /// The target value asked for, if one is.
    pub target_value: Option<f64>,
    /// The co-operating units asked for, if they are.
    pub co: Option<Vec<String>>,
    pub reason: String,
    pub evidence: String,
    /// pending, approved or refused.
    pub state: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision: Option<String>,
    pub version: i64,
}

impl From<&RequestRecord> for RequestView {
    fn from(r: &RequestRecord) -> Self {
        RequestView {
            id: r.id,
            item: r.item.clone(),
            unit: r.unit.clone(),
            due: r.change.due,
            target_value: r.change.target_value,
            co: r
                .change
                .co
                .as_ref()
                .map(|c| c.iter().map(|x| x.to_string()).collect()),
            reason: r.reason.clone(),
            evidence: r.evidence.clone(),
            state: r.state.as_str().into(),
            filed_by: r.filed_by.clone(),
            filed_at: r.filed_at,
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at,
            decision: r.decision.clone(),
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The unit asking: one the caller is bound to, leading the item.
    pub unit: String,
    pub due: Option<NaiveDate>,
    pub target_value: Option<f64>,
    pub co: Option<Vec<String>>,
    pub reason: String,
    #[serde(default)]
    pub evidence: String,
}

/// Ask for a change to an item the unit leads (调整申请).
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/change-requests", request_body = NewRequest,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code")),
    responses((status = 201, body = RequestView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn file(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<NewRequest>,
) -> Result<Response, ApiError> {
    require(&who, Action::RequestChange { unit: &body.unit })?;
    // A bad unit code in `co` is a value breaking a rule (422, with its place in the list),
    // not a malformed request.
    let co = match &body.co {
        None => None,
        Some(list) => {
            let mut problems = Vec::new();
            let mut codes = Vec::with_capacity(list.len());
            for (n, c) in list.iter().enumerate() {
                match Code::parse(c) {
                    Ok(code) => codes.push(code),
                    Err(_) => problems.push(Problem::new(format!("co[{n}]"), Rule::CodeFormat)),
                }
            }
            if !problems.is_empty() {
                return Err(ApiError::Invalid(problems));
            }
            Some(codes)
        }
    };
    let change = RequestedChange {
        due: body.due,
        target_value: body.target_value,
        co,
    };
    let header = st.plans.header(&st.store, &plan).await?;
    let r = st
        .store
        .file_request(
            &tuijin_store::NewRequest {
                plan: plan.clone(),
                item: code.clone(),
                unit: body.unit.clone(),
                change,
                reason: body.reason.clone(),
                evidence: body.evidence.clone(),
            },
            Vec::new(),
            st.evidence_max,
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        [(header::ETAG, etag(r.version))],
        Json(RequestView::from(&r)),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// pending, approved or refused.
    pub state: Option<String>,
}

/// A plan's change requests, the newest first: all for the office and leaders, a unit's own
/// for a unit.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/change-requests", params(("plan" = String, Path, description = "plan code"), RequestQuery),
    responses((status = 200, body = Vec<RequestView>), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(s.parse::<RequestState>().map_err(|_| {
            ApiError::Invalid(vec![
                tuijin_core::problem::Problem::new("state", tuijin_core::problem::Rule::NotOneOf)
                    .with("value", s)
                    .with("allowed", "pending, approved, refused, withdrawn"),
            ])
        })?),
    };
    let mine: Vec<&str> = who.units.iter().map(|u| u.as_str()).collect();
    let units = (who.role == Role::Unit).then_some(mine.as_slice());
    let all = st.store.list_requests(&plan, state, units).await?;
    Ok(Json(all.iter().map(RequestView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Why refused (required), or a word on the approval.
    #[serde(default)]
    pub text: String,
}

async fn decide(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    id: i64,
    headers: &HeaderMap,
    approve: bool,
    text: &str,
) -> Result<Response, ApiError> {
    require(who, Action::EditPlan)?;
    let version = if_match(headers)?;
    let r = st.store.get_request(id).await?;
    let header = st.plans.header(&st.store, &r.plan).await?;
    let r = st
        .store
        .decide_request(id, version, approve, text, &st.stamp(&who.name, &header))
        .await?;
    Ok((
        [(header::ETAG, etag(r.version))],
        Json(RequestView::from(&r)),
    )
        .into_response())
}

/// Approve a request (the office): the change is applied as an edit citing it, checked by the
/// plan file's rules. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/approve", request_body = Decision,
    params(("id" = i64, Path, description = "request id"), ("If-Match" = String, Header, description = "the request's ETag. Required")),
    responses((status = 200, body = RequestView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn approve(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Decision>,
) -> Result<Response, ApiError> {
    decide(&st, &who, id, &headers, true, &body.text).await
}

/// Refuse a request with the reason (the office). Requires If-Match.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/refuse", request_body = Decision,
    params(("id" = i64, Path, description = "request id"), ("If-Match" = String, Header, description = "the request's ETag. Required")),
    responses((status = 200, body = RequestView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn refuse(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Decision>,
) -> Result<Response, ApiError> {
    decide(&st, &who, id, &headers, false, &body.text).await
}

/// Take a pending request back (the unit that asked). Requires If-Match.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/withdraw",
    params(("id" = i64, Path, description = "request id"), ("If-Match" = String, Header, description = "the request's ETag. Required")),
    responses((status = 200, body = RequestView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
pub async fn withdraw(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // A unit's act: any other role is refused before the request is looked up.
    let first = who.units.first().map(|u| u.as_str()).unwrap_or("");
    require(&who, Action::RequestChange { unit: first })?;
    let r = st.store.get_request(id).await?;
    // Only the unit that asked.
    require(&who, Action::RequestChange { unit: &r.unit })?;
    let version = if_match(&headers)?;
    let header = st.plans.header(&st.store, &r.plan).await?;
    let r = st
        .store
        .withdraw_request(id, version, &r.unit, &st.stamp(&who.name, &header))
        .await?;
    Ok((
        [(header::ETAG, etag(r.version))],
        Json(RequestView::from(&r)),
    )
        .into_response())
}

/// A request the caller may read: every role that reads the plan, but a unit only its own
/// (any other is not there).
pub async fn readable(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    id: i64,
) -> Result<tuijin_store::RequestRecord, ApiError> {
    require(who, Action::ReadPlan)?;
    let r = st.store.get_request(id).await?;
    if who.role == Role::Unit && !who.units.iter().any(|u| u.as_str() == r.unit) {
        return Err(ApiError::NotFound(format!("change request #{id}")));
    }
    Ok(r)
}
