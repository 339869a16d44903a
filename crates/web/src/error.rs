//! The one mapping from errors to HTTP answers: RFC 9457 `application/problem+json`. Internal
//! causes are logged, never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tuijin_store::StoreError;
use utoipa::ToSchema;

#[derive(Debug)]
pub enum ApiError {
    NotFound(String),
    BadRequest(String),
    /// A well-formed request whose field values are not acceptable.
    Unprocessable(String),
    /// Not logged in, or a bad token.
    Unauthorized(String),
    Forbidden(String),
    Conflict(String),
    /// The `If-Match` version is not the current one.
    Stale {
        current: i64,
    },
    /// A write on a versioned resource came without `If-Match`.
    PreconditionRequired,
    Internal(String),
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Invalid(msg) => ApiError::BadRequest(msg),
            StoreError::Conflict(msg) => ApiError::Conflict(msg),
            StoreError::Forbidden(msg) => ApiError::Forbidden(msg),
            StoreError::Stale { current, .. } => ApiError::Stale { current },
            StoreError::Database(err) => ApiError::Internal(format!("{err}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, title, detail) = match self {
            ApiError::NotFound(d) => (StatusCode::NOT_FOUND, "not-found", "Not found", d),
            ApiError::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request", d),
            ApiError::Conflict(d) => (StatusCode::CONFLICT, "conflict", "Conflict", d),
            ApiError::Forbidden(d) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden", d),
            ApiError::Unauthorized(d) => {
                let body = Problem {
                    kind: "urn:tuijin:problem:unauthorized".into(),
                    title: "Unauthorized".into(),
                    status: 401,
                    detail: d,
                };
                let json = serde_json::to_vec(&body).unwrap_or_default();
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::CONTENT_TYPE, "application/problem+json".to_string()), (header::WWW_AUTHENTICATE, "Bearer".to_string())],
                    json,
                )
                    .into_response();
            }
            ApiError::Unprocessable(d) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Invalid value", d),
            ApiError::Stale { current } => {
                let body = Problem {
                    kind: "urn:tuijin:problem:stale".into(),
                    title: "Precondition failed".into(),
                    status: 412,
                    detail: format!("the resource has changed; its current version is {current}: read it again and retry"),
                };
                let json = serde_json::to_vec(&body).unwrap_or_default();
                return (
                    StatusCode::PRECONDITION_FAILED,
                    [(header::CONTENT_TYPE, "application/problem+json".to_string()), (header::ETAG, etag(current))],
                    json,
                )
                    .into_response();
            }
            ApiError::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "Precondition required",
                "send If-Match with the version (ETag) you read, so a concurrent change is not overwritten".to_string(),
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the server could not complete the request; it has been logged".to_string(),
                )
            }
        };
        let body = Problem {
            kind: format!("urn:tuijin:problem:{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response()
    }
}

/// `Query` whose rejection is a problem document like every other error.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// Unknown paths under the API answer 404 as a problem document.
pub async fn api_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no API endpoint at {}", uri.path()))
}

/// The ETag of a versioned resource.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names: `"7"`, `7` or `W/"7"`.
pub fn if_match(headers: &axum::http::HeaderMap) -> Result<i64, ApiError> {
    let v = headers
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    let s = v
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match: not text".into()))?;
    s.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "If-Match: `{s}` is not a version this server gave out"
            ))
        })
}

/// `Json` whose rejection is a problem document like every other error.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}
