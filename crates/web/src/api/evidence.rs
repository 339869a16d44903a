//! Evidence files (佐证材料) in the API: uploaded (multipart, one or more `file` parts) to a
//! report by its unit while the report can change, or to a notice by an addressed unit while
//! it awaits the reply; listed with the report or notice; downloaded by whoever may read it,
//! always as an attachment that no browser renders or sniffs.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use tuijin_core::policy::Action;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{EvidenceOn, EvidenceRecord, EvidenceStore, NewEvidence};
use utoipa::ToSchema;

use crate::auth::{Auth, require};
use crate::{ApiError, AppState};

/// An evidence file as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub report: Option<i64>,
    pub notice: Option<i64>,
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Judged from the content, and the type it is downloaded as.
    pub content_type: String,
    pub sha256: String,
    pub unit: Option<String>,
    pub uploaded_by: String,
    pub uploaded_on: NaiveDate,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it.
    pub href: String,
}

pub fn view(e: &EvidenceRecord) -> EvidenceView {
    EvidenceView {
        id: e.id,
        report: e.report,
        notice: e.notice,
        name: e.name.clone(),
        size: e.size,
        content_type: e.content_type.clone(),
        sha256: e.sha256.clone(),
        unit: e.unit.clone(),
        uploaded_by: e.uploaded_by.clone(),
        uploaded_on: e.uploaded_on,
        uploaded_at: e.uploaded_at,
        href: format!("/api/v1/evidence/{}", e.id),
    }
}

/// The upload: one or more files, each a `file` part with its file name; no other parts.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the document's description of the multipart body
pub struct EvidenceUpload {
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// The files of a multipart body: every `file` part, with its name. Read only once the caller
/// may add them: a refusal comes before any of the body is read.
pub async fn files(req: Request) -> Result<Vec<NewEvidence>, ApiError> {
    let mut m = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart body: {}", e.body_text())))?;
    let mut out = Vec::new();
    while let Some(field) = m.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest(format!("multipart body: {e}"))
        }
    })? {
        if field.name() != Some("file") {
            return Err(ApiError::BadRequest(format!(
                "multipart body: a part named `{}`; only `file` parts are taken",
                field.name().unwrap_or_default()
            )));
        }
        // Counted as they come: a body of countless parts is refused before it is all read.
        if out.len() == tuijin_core::evidence::MAX_FILES {
            return Err(ApiError::invalid(
                Problem::new("file", Rule::TooManyFiles)
                    .with("max", tuijin_core::evidence::MAX_FILES),
            ));
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest(format!("multipart body: {e}"))
            }
        })?;
        out.push(NewEvidence {
            name,
            bytes: bytes.to_vec(),
        });
    }
    if out.is_empty() {
        return Err(ApiError::invalid(Problem::new("file", Rule::Required)));
    }
    Ok(out)
}

/// The unit a unit user adds evidence for: the report's unit, or its own addressed unit.
fn acting_unit<'a>(who: &'a tuijin_core::policy::Principal, wanted: &[&str]) -> Option<&'a str> {
    who.units
        .iter()
        .map(|u| u.as_str())
        .find(|u| wanted.contains(u))
}

/// Add evidence to a report (its unit, while draft or returned).
#[utoipa::path(post, path = "/api/v1/reports/{id}/evidence",
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "report id")),
    responses((status = 201, body = Vec<EvidenceView>), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 413, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn add_to_report(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let r = super::reports::writable(&st, &who, id).await?;
    let unit = acting_unit(&who, &[r.unit.as_str()]).unwrap_or_default();
    add(
        &st,
        &who,
        EvidenceOn::Report(id),
        unit,
        r.plan.as_str(),
        req,
    )
    .await
}

/// Reads the upload (once the caller may add it) and keeps its files for `unit`: 201 with
/// what was kept.
async fn add(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    on: EvidenceOn,
    unit: &str,
    plan: &str,
    req: Request,
) -> Result<Response, ApiError> {
    let files = files(req).await?;
    let header = st.plans.header(&st.store, plan).await?;
    let added = st
        .store
        .add_evidence(
            on,
            unit,
            files,
            st.evidence_max,
            &st.stamp(&who.name, &header),
        )
        .await?;
    let views: Vec<EvidenceView> = added.iter().map(view).collect();
    Ok((StatusCode::CREATED, Json(views)).into_response())
}

/// The evidence on a report (whoever may read it).
#[utoipa::path(get, path = "/api/v1/reports/{id}/evidence",
    params(("id" = i64, Path, description = "report id")),
    responses((status = 200, body = Vec<EvidenceView>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn on_report(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EvidenceView>>, ApiError> {
    super::reports::readable(&st, &who, id).await?;
    let list = st.store.list_evidence(EvidenceOn::Report(id)).await?;
    Ok(Json(list.iter().map(view).collect()))
}

/// Add evidence to a notice (an addressed unit, while it awaits the reply).
#[utoipa::path(post, path = "/api/v1/notices/{id}/evidence",
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "notice id")),
    responses((status = 201, body = Vec<EvidenceView>), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 413, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn add_to_notice(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let n = super::notices::readable(&st, &who, id).await?;
    let addressed: Vec<&str> = n.units.iter().map(|u| u.code.as_str()).collect();
    require(
        &who,
        Action::ActOnNotice {
            action: tuijin_core::notice::NoticeAction::Reply,
            addressed: acting_unit(&who, &addressed).is_some(),
        },
    )?;
    let unit = acting_unit(&who, &addressed).unwrap_or_default();
    add(&st, &who, EvidenceOn::Notice(id), unit, &n.plan, req).await
}

/// Add evidence to a change request (the unit that asked, while it is pending).
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/evidence",
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "request id")),
    responses((status = 201, body = Vec<EvidenceView>), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 413, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn add_to_request(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    // A unit's act: any other role is refused before the request is looked up.
    let first = who.units.first().map(|u| u.as_str()).unwrap_or("");
    require(&who, Action::RequestChange { unit: first })?;
    let r = super::requests::readable(&st, &who, id).await?;
    require(&who, Action::RequestChange { unit: &r.unit })?;
    add(
        &st,
        &who,
        EvidenceOn::Request(id),
        &r.unit,
        r.plan.as_str(),
        req,
    )
    .await
}

/// The evidence on a change request (whoever may read it).
#[utoipa::path(get, path = "/api/v1/change-requests/{id}/evidence",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = Vec<EvidenceView>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn on_request(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EvidenceView>>, ApiError> {
    super::requests::readable(&st, &who, id).await?;
    let list = st.store.list_evidence(EvidenceOn::Request(id)).await?;
    Ok(Json(list.iter().map(view).collect()))
}

/// The evidence on a notice (whoever may read it).
#[utoipa::path(get, path = "/api/v1/notices/{id}/evidence",
    params(("id" = i64, Path, description = "notice id")),
    responses((status = 200, body = Vec<EvidenceView>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn on_notice(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EvidenceView>>, ApiError> {
    super::notices::readable(&st, &who, id).await?;
    let list = st.store.list_evidence(EvidenceOn::Notice(id)).await?;
    Ok(Json(list.iter().map(view).collect()))
}

/// Download an evidence file (whoever may read its report or notice): always an attachment,
/// with the type judged from its content, never sniffed, never run.
#[utoipa::path(get, path = "/api/v1/evidence/{id}",
    params(("id" = i64, Path, description = "evidence id")),
    responses((status = 200, description = "the file, as the type its content was judged to be", content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/gif"),
            (Vec<u8> = "image/webp"), (Vec<u8> = "image/bmp"), (Vec<u8> = "image/tiff"),
            (Vec<u8> = "image/heif"), (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            (Vec<u8> = "application/msword"), (Vec<u8> = "application/vnd.ms-excel"),
            (Vec<u8> = "application/vnd.ms-powerpoint"), (String = "text/plain"))),
        (status = 401, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn download(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    require(&who, Action::ReadPlan)?;
    let missing = || ApiError::NotFound(format!("evidence #{id}"));
    let e = match st.store.get_evidence(id).await {
        Err(tuijin_store::StoreError::NotFound(_)) => return Err(missing()),
        other => other?,
    };
    // Readable only with what it is attached to; otherwise it is not there.
    let readable = match (e.report, e.notice, e.request) {
        (Some(r), _, _) => super::reports::readable(&st, &who, r).await.is_ok(),
        (_, Some(n), _) => super::notices::readable(&st, &who, n).await.is_ok(),
        (_, _, Some(q)) => super::requests::readable(&st, &who, q).await.is_ok(),
        _ => false,
    };
    if !readable {
        return Err(missing());
    }
    let (e, bytes) = st.store.evidence_content(id).await?;
    Ok(attachment(&e, bytes))
}

/// A file as an attachment: `Content-Disposition: attachment` with the name in UTF-8 (RFC
/// 6266/8187) and an ASCII stand-in, `nosniff`, and a policy that lets nothing in it run.
pub fn attachment(e: &EvidenceRecord, bytes: Vec<u8>) -> Response {
    let ascii: String = e
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&e.name, NON_ALPHANUMERIC)
    );
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&e.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    res
}
