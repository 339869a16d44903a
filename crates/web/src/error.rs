//! The one mapping from errors to HTTP answers, for the API and the pages alike.
//!
//! Every error a handler returns (`ApiError` from the API, `PageError` from the pages, each
//! built from the store's `StoreError` or a rule's refusal) becomes a `Failure`: its status, its
//! kind, and what may be told to the caller. The caller's mistakes carry their fields and rule
//! codes, shown in the caller's language from the catalogue; failures of the system are logged
//! with their cause and shown as a generic message, never as internal text. `render_failures`
//! (a layer over the whole router) turns a `Failure` into an RFC 9457 problem document for the
//! API and a page in the layout for the pages, in the language of the request.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tuijin_core::PlanProblem;
use tuijin_core::i18n::Lang;
use tuijin_core::problem::{Problem, Refusal};
use tuijin_store::{StoreError, Unavailable};
use utoipa::ToSchema;

use crate::AppState;

/// What an API handler answers when it cannot do what was asked.
#[derive(Debug)]
pub enum ApiError {
    NotFound(String),
    /// The request itself is malformed (not JSON, a bad query string): the parser's words.
    BadRequest(String),
    /// Well-formed, but its values break rules: every problem with its field.
    Invalid(Vec<Problem>),
    /// A plan document breaks the plan rules.
    PlanInvalid(Vec<PlanProblem>),
    /// Not logged in, or a bad token.
    Unauthorized(String),
    Forbidden(Problem),
    Conflict(Problem),
    /// The `If-Match` version is not the current one.
    Stale {
        current: i64,
    },
    /// A write on a versioned resource came without `If-Match`.
    PreconditionRequired,
    /// The storage cannot take the request now.
    Unavailable(Unavailable),
    /// The body is larger than the route takes.
    TooLarge,
    /// The plan a read needs is still loading into memory (a large plan after a start or a
    /// change): nothing is wrong, the same request will be answered shortly.
    Loading,
    /// The system is wrong; the cause is logged, never sent.
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Invalid(p) => ApiError::Invalid(p),
            StoreError::PlanInvalid(p) => ApiError::PlanInvalid(p),
            StoreError::Conflict(p) => ApiError::Conflict(p),
            StoreError::Forbidden(p) => ApiError::Forbidden(p),
            StoreError::Stale { current, .. } => ApiError::Stale { current },
            StoreError::Unavailable(u) => ApiError::Unavailable(u),
            StoreError::Corrupt(m) => ApiError::Internal(format!("corrupt stored data: {m}")),
            StoreError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::from(StoreError::from(r))
    }
}

impl ApiError {
    pub fn invalid(p: Problem) -> ApiError {
        ApiError::Invalid(vec![p])
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDoc {
    /// `urn:tuijin:problem:<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in the request's language (`Accept-Language`: zh or en).
    pub detail: String,
    /// For 422: every field problem, with the rule's code and its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field's problem in a problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The field as the request named it (`percent`, `figures[1].indicator`).
    pub field: String,
    /// The rule's stable code (`milestone_binary`).
    pub code: String,
    pub message: String,
}

/// A classified failure, waiting to be rendered in the request's language.
#[derive(Clone, Debug)]
pub struct Failure {
    pub status: StatusCode,
    /// The stable kind (`invalid`, `not-found`…) of the problem type.
    pub kind: &'static str,
    pub detail: Detail,
    /// For 412: the current version, sent as the ETag.
    pub current: Option<i64>,
}

/// What a failure may tell the caller.
#[derive(Clone, Debug)]
pub enum Detail {
    /// Language-neutral text about the caller's request (a code, a parser's message).
    Text(String),
    /// A catalogue key.
    Key(&'static str),
    /// Rule problems, each with its field.
    Problems(Vec<Problem>),
    /// Plan-document problems, each with its place.
    PlanProblems(Vec<PlanProblem>),
}

/// Whether a failure is answered as a problem document or as a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Api,
    Page,
}

/// The failure and its face, carried in the response until `render_failures` renders it.
#[derive(Clone, Debug)]
pub struct Pending(pub Failure, pub Face);

impl Failure {
    fn new(status: StatusCode, kind: &'static str, detail: Detail) -> Failure {
        Failure {
            status,
            kind,
            detail,
            current: None,
        }
    }

    /// The title of the failure's kind, from the catalogue.
    pub fn title(&self, l: Lang) -> &'static str {
        l.lookup(&format!("error.{}", self.kind))
            .unwrap_or(l.t("error.internal"))
    }

    /// The detail in `l`: joined messages for problems.
    pub fn detail(&self, l: Lang) -> String {
        match &self.detail {
            Detail::Text(t) => t.clone(),
            Detail::Key(k) => l.t(k).to_string(),
            Detail::Problems(ps) => ps
                .iter()
                .map(|p| {
                    if p.field.is_empty() {
                        p.message(l)
                    } else {
                        format!("{}: {}", p.field, p.message(l))
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            Detail::PlanProblems(ps) => ps
                .iter()
                .map(|p| format!("{}: {}", p.field_name(), p.kind.message(l)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// Field problems, for 422 answers and for forms.
    pub fn field_errors(&self, l: Lang) -> Vec<FieldError> {
        match &self.detail {
            Detail::Problems(ps) => ps
                .iter()
                .map(|p| FieldError {
                    field: p.field.clone(),
                    code: p.rule.code().to_string(),
                    message: p.message(l),
                })
                .collect(),
            Detail::PlanProblems(ps) => ps
                .iter()
                .map(|p| FieldError {
                    field: p.field_name(),
                    code: p.kind.class().to_string(),
                    message: p.kind.message(l),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The problem document in `l`.
    pub fn document(&self, l: Lang) -> ProblemDoc {
        ProblemDoc {
            kind: format!("urn:tuijin:problem:{}", self.kind),
            title: self.title(l).to_string(),
            status: self.status.as_u16(),
            detail: self.detail(l),
            errors: if self.status == StatusCode::UNPROCESSABLE_ENTITY {
                self.field_errors(l)
            } else {
                Vec::new()
            },
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        use Detail::*;
        match e {
            ApiError::NotFound(w) => Failure::new(StatusCode::NOT_FOUND, "not-found", Text(w)),
            ApiError::BadRequest(d) => {
                Failure::new(StatusCode::BAD_REQUEST, "bad-request", Text(d))
            }
            ApiError::Invalid(p) if p.iter().all(|x| x.rule.is_malformed()) => {
                Failure::new(StatusCode::BAD_REQUEST, "bad-request", Problems(p))
            }
            ApiError::Invalid(p) => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Problems(p))
            }
            ApiError::PlanInvalid(p) => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", PlanProblems(p))
            }
            ApiError::Unauthorized(d) => {
                Failure::new(StatusCode::UNAUTHORIZED, "unauthorized", Text(d))
            }
            ApiError::Forbidden(p) => {
                Failure::new(StatusCode::FORBIDDEN, "forbidden", Problems(vec![p]))
            }
            ApiError::Conflict(p) => {
                Failure::new(StatusCode::CONFLICT, "conflict", Problems(vec![p]))
            }
            ApiError::Stale { current } => Failure {
                current: Some(current),
                ..Failure::new(
                    StatusCode::PRECONDITION_FAILED,
                    "stale",
                    Key("error.stale_detail"),
                )
            },
            ApiError::PreconditionRequired => Failure::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                Key("error.precondition_required_detail"),
            ),
            ApiError::Unavailable(u) => {
                tracing::warn!(reason = %u, "storage unavailable");
                Failure::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    Key(unavailable_key(u)),
                )
            }
            ApiError::Loading => Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "loading",
                Key("error.loading_detail"),
            ),
            ApiError::TooLarge => Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                Key("error.too_large_detail"),
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    Key("error.internal_detail"),
                )
            }
        }
    }
}

fn unavailable_key(u: Unavailable) -> &'static str {
    match u {
        Unavailable::DiskFull => "error.unavailable.disk_full",
        Unavailable::ReadOnly => "error.unavailable.read_only",
        Unavailable::Io => "error.unavailable.io",
        Unavailable::Damaged => "error.unavailable.damaged",
        Unavailable::Checking => "error.unavailable.checking",
        Unavailable::Connection => "error.unavailable.connection",
        Unavailable::Busy => "error.unavailable.busy",
        Unavailable::Overloaded => "error.unavailable.overloaded",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        pending(Failure::from(self), Face::Api)
    }
}

/// A response whose body `render_failures` writes.
pub fn pending(f: Failure, face: Face) -> Response {
    let mut r = f.status.into_response();
    r.extensions_mut().insert(Pending(f, face));
    r
}

/// The language an API request asks for: `Accept-Language`, Chinese by default.
pub fn api_lang(headers: &axum::http::HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept)
        .unwrap_or_default()
}

/// Renders every pending failure of a response: a problem document for the API, a page in the
/// layout for the pages, in the request's language.
/// Whether an error answer is already a problem document or a page.
fn rendered(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/problem+json") || t.starts_with("text/html"))
}

pub async fn render_failures(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let saved = crate::pages::SavedRequest::of(&req);
    let lang = api_lang(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let (failure, face, parts) = match res.extensions().get::<Pending>().cloned() {
        Some(Pending(failure, face)) => {
            let (mut parts, _) = res.into_parts();
            parts.extensions.remove::<Pending>();
            (failure, face, parts)
        }
        // A refusal the framework made itself (a body over the limit, a path parameter that
        // does not parse, a method the route lacks) answers like every other failure, not in
        // plain text or with an empty body.
        None if res.status().is_client_error() && !rendered(&res) => {
            let status = res.status();
            let (parts, body) = res.into_parts();
            let text = axum::body::to_bytes(body, 4096)
                .await
                .map(|b| String::from_utf8_lossy(&b).trim().to_string())
                .unwrap_or_default();
            let kind = match status {
                StatusCode::NOT_FOUND => "not-found",
                StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
                StatusCode::PAYLOAD_TOO_LARGE => "too-large",
                StatusCode::UNAUTHORIZED => "unauthorized",
                StatusCode::FORBIDDEN => "forbidden",
                _ => "bad-request",
            };
            let detail = if text.is_empty() {
                Detail::Key("error.framework_detail")
            } else {
                Detail::Text(text)
            };
            let face = if api { Face::Api } else { Face::Page };
            (Failure::new(status, kind, detail), face, parts)
        }
        None => return res,
    };
    let mut out = match face {
        Face::Api => {
            let json = serde_json::to_vec(&failure.document(lang)).unwrap_or_default();
            let mut r = (failure.status, json).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            r
        }
        Face::Page => crate::pages::failure_page(&st, saved, &failure).await,
    };
    // Headers the handler set (cookies, for one) are kept.
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().append(k, v.clone());
        }
    }
    match failure.status {
        StatusCode::UNAUTHORIZED if face == Face::Api => {
            out.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        StatusCode::PRECONDITION_FAILED => {
            if let Some(v) = failure
                .current
                .and_then(|c| HeaderValue::from_str(&etag(c)).ok())
            {
                out.headers_mut().insert(header::ETAG, v);
            }
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            out.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            // A page still loading asks the browser to come back by itself.
            if failure.kind == "loading" && face == Face::Page {
                out.headers_mut()
                    .insert(header::REFRESH, HeaderValue::from_static("5"));
            }
        }
        _ => {}
    }
    out
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
    // Exactly a strong tag as the ETag gave it: `"3"`. A weak tag (`W/"3"`) never matches
    // (RFC 9110 §13.1.1), `*` names no version, and a bare number is not a tag.
    let bad = || {
        ApiError::BadRequest(format!(
            "If-Match: `{s}` is not a version this server gave out"
        ))
    };
    let inner = s
        .trim()
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(bad)?;
    if inner.is_empty() || inner.len() > 18 || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    inner.parse().map_err(|_| bad())
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

/// Refuses a request whose path or query holds a control character once decoded (`%00`,
/// `%0A`): no handler, no database and no log line ever sees one. PostgreSQL would refuse NUL
/// in text where SQLite would store it; both are answered the same, here.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let decoded = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let bad = |bytes: Vec<u8>| bytes.iter().any(|&b| b < 0x20 || b == 0x7f);
    if bad(decoded(uri.path())) || uri.query().is_some_and(|q| bad(decoded(q))) {
        let face = if uri.path().starts_with("/api/") {
            Face::Api
        } else {
            Face::Page
        };
        return pending(
            Failure::from(ApiError::invalid(Problem::new(
                "uri",
                tuijin_core::problem::Rule::UriControlCharacter,
            ))),
            face,
        );
    }
    next.run(req).await
}
