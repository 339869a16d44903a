//! Excel workbooks in the API: a unit's report template and responsibility list to download,
//! a filled template to upload (the body is the .xlsx file itself), and the whole plan as a
//! workbook. A refused upload answers 422 with every problem, its `field` the sheet and cell
//! (`填报!I7`). Layout of the files: `docs/excel.md`.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use tuijin_core::policy::Action;
use tuijin_core::problem::Problem;
use tuijin_core::report::{Period, Relation};
use utoipa::{IntoParams, ToSchema};

use super::reports::ReportView;
use crate::auth::{Auth, require};
use crate::error::ApiQuery;
use crate::workbooks::{self, WorkbookError};
use crate::{ApiError, AppState};

/// The media type of an .xlsx workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook as a download, named `name` (in UTF-8, with an ASCII stand-in).
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
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
        utf8_percent_encode(name, NON_ALPHANUMERIC)
    );
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// A refused file as the API answers it: each problem's field is its sheet and cell.
pub fn refusal(e: WorkbookError) -> ApiError {
    match e {
        WorkbookError::Cells(ps) => ApiError::Invalid(
            ps.into_iter()
                .map(|c| {
                    let mut p: Problem = c.problem.clone();
                    p.field = c.at();
                    p
                })
                .collect(),
        ),
        WorkbookError::Store(s) => s.into(),
        WorkbookError::Write(w) => ApiError::Internal(w),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// YYYY-MM (or YYYY-Qn for a quarterly plan); default: the current period.
    pub period: Option<String>,
}

/// A unit's report template for a period (填报模板), as an .xlsx workbook: one row per item it
/// must report on, with its last accepted figures. For the office, leaders, and the unit's
/// own users.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/units/{unit}/template.xlsx", params(
        ("plan" = String, Path, description = "plan code"), ("unit" = String, Path, description = "unit code"), TemplateQuery),
    responses((status = 200, description = "the workbook", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = crate::error::ProblemDoc), (status = 401, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn template(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, unit)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> Result<Response, ApiError> {
    require(&who, Action::ReadReports { unit: &unit })?;
    let p = st.plans.header(&st.store, &plan).await?;
    let period = match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => workbooks::parse_period(p.cadence, s).map_err(ApiError::invalid)?,
        None => Period::containing(p.cadence, st.today(&p)),
    };
    let bytes = workbooks::template(&st.store, &plan, &unit, period)
        .await
        .map_err(refusal)?;
    Ok(xlsx_download(
        &format!("{plan}-{unit}-{period}-填报模板.xlsx"),
        bytes,
    ))
}

/// A unit's responsibility list (责任清单), as an .xlsx workbook: every item it leads or
/// co-operates on. For the office, leaders, and the unit's own users.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/units/{unit}/duties.xlsx", params(
        ("plan" = String, Path, description = "plan code"), ("unit" = String, Path, description = "unit code")),
    responses((status = 200, description = "the workbook", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn duties(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, unit)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    require(&who, Action::ReadReports { unit: &unit })?;
    let p = st.plans.header(&st.store, &plan).await?;
    let bytes = workbooks::duties_list(&st.store, &plan, &unit, st.today(&p))
        .await
        .map_err(refusal)?;
    Ok(xlsx_download(
        &format!("{plan}-{unit}-责任清单.xlsx"),
        bytes,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Submit the reports for review (default: keep them as drafts).
    #[serde(default)]
    pub submit: bool,
}

/// The reports filed from an uploaded template.
#[derive(Debug, Serialize, ToSchema)]
pub struct Filed {
    pub reports: Vec<ReportView>,
}

/// Upload a filled report template (the body is the .xlsx file): the unit's reports for the
/// template's period, as drafts or submitted. All or nothing: any problem answers 422 with
/// every problem, its `field` the sheet and cell (`填报!I7`). By the unit's own users.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/units/{unit}/template", params(
        ("plan" = String, Path, description = "plan code"), ("unit" = String, Path, description = "unit code"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "the .xlsx file itself (sent as application/octet-stream or as the xlsx media type)"),
    responses((status = 201, body = Filed), (status = 400, body = crate::error::ProblemDoc),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 413, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 503, body = crate::error::ProblemDoc)))]
pub async fn upload(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, unit)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require(
        &who,
        Action::WriteReport {
            unit: &unit,
            item: "",
            relation: Relation::Lead,
        },
    )?;
    let p = st.plans.header(&st.store, &plan).await?;
    let stamp = st.stamp(&who.name, &p);
    let done = workbooks::import_template(
        &st.store,
        &plan,
        &unit,
        "upload.xlsx",
        body.to_vec(),
        q.submit,
        &stamp,
    )
    .await
    .map_err(refusal)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Filed {
            reports: done.iter().map(ReportView::from).collect(),
        }),
    )
        .into_response())
}

/// The whole plan as an .xlsx workbook, equivalent to the plan file (`tuijin plan import` reads
/// it back). For the office, leaders and administrators.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/workbook.xlsx", params(
        ("plan" = String, Path, description = "plan code")),
    responses((status = 200, description = "the workbook", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = crate::error::ProblemDoc), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn plan_workbook(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Response, ApiError> {
    require(&who, Action::ReadReports { unit: "" })?;
    let doc = tuijin_store::PlanStore::export_plan(&st.store, &plan).await?;
    let bytes = tuijin_export::xlsx::plan::write_plan_xlsx(&doc)
        .map_err(|e| ApiError::Internal(format!("plan workbook: {e}")))?;
    Ok(xlsx_download(&format!("{plan}.xlsx"), bytes))
}
