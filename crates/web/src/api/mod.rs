//! The JSON API under `/api/v1`. Every route is registered here and documented in the OpenAPI
//! spec (`GET /api/v1/openapi.json`), generated from the handlers' annotations.

pub mod assessments;
pub mod baselines;
pub mod directory;
pub mod directory_edits;
pub mod edits;
pub mod evidence;
pub mod health;
pub mod indicators;
pub mod items;
pub mod notices;
pub mod plans;
pub mod progress;
pub mod proposals;
pub mod reports;
pub mod requests;
pub mod spec;
pub mod warnings;
pub mod workbooks;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::{ApiError, AppState};
use spec::Complete;
use tuijin_core::Code;
use tuijin_core::problem::{Problem, Rule};

/// Filters by code from a query string, checked once: left out or empty means "no filter"
/// (`?unit=` as a form sends it); anything else must be a code, so `?unit=财政局` or a typo
/// is refused (422, naming the parameter) rather than answered with an empty list.
pub(crate) fn code_filters(
    filters: &mut [(&'static str, &mut Option<String>)],
) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (name, value) in filters.iter_mut() {
        match value.as_deref() {
            None => {}
            Some("") => **value = None,
            Some(v) if Code::parse(v).is_err() => {
                problems.push(Problem::new(*name, Rule::CodeFormat).with("value", v));
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// A day to come is refused, under the name of the parameter that gave it: figures are as
/// recorded on a day, and judging today's figures against a later day's expected path would
/// show lags that do not exist yet. One rule for every read that takes a date.
pub(crate) fn not_after_today(
    name: &'static str,
    date: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Result<(), ApiError> {
    match date {
        Some(d) if d > today => Err(ApiError::invalid(
            Problem::new(name, Rule::DateAfterToday)
                .with("date", d)
                .with("today", today),
        )),
        _ => Ok(()),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tuijin API",
        description = "Plans, items, units and indicators of a delivery office's strategic plan."
    ),
    paths(
        health::healthz,
        plans::list_plans,
        plans::get_plan,
        items::list_items,
        items::get_item,
        items::subtree,
        edits::create,
        edits::change,
        edits::move_item,
        edits::cancel,
        edits::restore,
        edits::archive,
        directory_edits::list_units,
        directory_edits::create_unit,
        directory_edits::change_unit,
        directory_edits::list_people,
        directory_edits::create_person,
        directory_edits::change_person,
        directory_edits::settings,
        directory_edits::change_settings,
        baselines::list,
        baselines::create,
        baselines::slips,
        baselines::notes,
        baselines::add_note,
        requests::file,
        requests::list,
        requests::approve,
        requests::refuse,
        requests::withdraw,
        evidence::add_to_request,
        evidence::on_request,
        directory::list_units,
        directory::list_indicators,
        directory::list_actuals,
        directory::file_actual,
        indicators::get_indicator,
        indicators::indicator_chart,
        indicators::change_indicator,
        indicators::review_figure,
        reports::create,
        reports::list,
        reports::get,
        reports::edit,
        reports::submit,
        reports::accept,
        reports::return_,
        reports::close_period,
        reports::closed_periods,
        progress::explain,
        progress::plan_progress,
        progress::summary,
        progress::compare,
        progress::timeline,
        warnings::list,
        notices::issue,
        notices::list,
        notices::get,
        notices::sign,
        notices::reply,
        notices::extend,
        notices::return_,
        notices::close,
        notices::grant,
        notices::refuse,
        proposals::list,
        evidence::add_to_report,
        evidence::on_report,
        evidence::add_to_notice,
        evidence::on_notice,
        evidence::download,
        proposals::dismiss,
        proposals::issue,
        assessments::get_scheme,
        assessments::put_scheme,
        assessments::create,
        assessments::list,
        assessments::get,
        assessments::lock,
        assessments::publish,
        assessments::discard,
        assessments::object,
        assessments::answer,
        workbooks::template,
        workbooks::duties,
        workbooks::upload,
        workbooks::plan_workbook,
    ),
    components(schemas(crate::error::ProblemDoc)),
    modifiers(&Complete)
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/plans", get(plans::list_plans))
        .route("/plans/{plan}", get(plans::get_plan))
        .route("/plans/{plan}/items", axum::routing::post(edits::create))
        .route(
            "/plans/{plan}/items/{code}",
            get(items::get_item).patch(edits::change),
        )
        .route(
            "/plans/{plan}/items/{code}/move",
            axum::routing::post(edits::move_item),
        )
        .route(
            "/plans/{plan}/items/{code}/cancel",
            axum::routing::post(edits::cancel),
        )
        .route(
            "/plans/{plan}/items/{code}/restore",
            axum::routing::post(edits::restore),
        )
        .route(
            "/plans/{plan}/items/{code}/archive",
            axum::routing::post(edits::archive),
        )
        .route(
            "/plans/{plan}/items/{code}/notes",
            get(baselines::notes).post(baselines::add_note),
        )
        .route(
            "/plans/{plan}/units",
            get(directory_edits::list_units).post(directory_edits::create_unit),
        )
        .route(
            "/plans/{plan}/units/{unit}",
            axum::routing::patch(directory_edits::change_unit),
        )
        .route(
            "/plans/{plan}/people",
            get(directory_edits::list_people).post(directory_edits::create_person),
        )
        .route(
            "/plans/{plan}/people/{person}",
            axum::routing::patch(directory_edits::change_person),
        )
        .route(
            "/plans/{plan}/settings",
            get(directory_edits::settings).patch(directory_edits::change_settings),
        )
        .route(
            "/plans/{plan}/baselines",
            get(baselines::list).post(baselines::create),
        )
        .route("/plans/{plan}/baselines/{id}", get(baselines::slips))
        .route(
            "/plans/{plan}/items/{code}/change-requests",
            axum::routing::post(requests::file),
        )
        .route("/plans/{plan}/change-requests", get(requests::list))
        .route(
            "/change-requests/{id}/withdraw",
            axum::routing::post(requests::withdraw),
        )
        .route(
            "/change-requests/{id}/evidence",
            get(evidence::on_request).post(evidence::add_to_request),
        )
        .route(
            "/change-requests/{id}/approve",
            axum::routing::post(requests::approve),
        )
        .route(
            "/change-requests/{id}/refuse",
            axum::routing::post(requests::refuse),
        )
        .route("/plans/{plan}/items/{code}/subtree", get(items::subtree))
        .route("/plans/{plan}/indicators", get(directory::list_indicators))
        .route(
            "/plans/{plan}/indicators/{code}",
            get(indicators::get_indicator).patch(indicators::change_indicator),
        )
        .route(
            "/plans/{plan}/indicators/{code}/actuals/{id}/review",
            axum::routing::post(indicators::review_figure),
        )
        .route(
            "/plans/{plan}/indicators/{code}/chart.svg",
            get(indicators::indicator_chart),
        )
        .route(
            "/plans/{plan}/indicators/{code}/actuals",
            get(directory::list_actuals).post(directory::file_actual),
        )
        .route("/items", get(items::list_items))
        .route("/units", get(directory::list_units))
        .route(
            "/plans/{plan}/items/{code}/reports",
            axum::routing::post(reports::create),
        )
        .route("/plans/{plan}/items/{code}/explain", get(progress::explain))
        .route("/plans/{plan}/progress", get(progress::plan_progress))
        .route("/plans/{plan}/summary", get(progress::summary))
        .route("/plans/{plan}/compare", get(progress::compare))
        .route(
            "/plans/{plan}/items/{code}/timeline",
            get(progress::timeline),
        )
        .route("/plans/{plan}/periods", get(reports::closed_periods))
        .route(
            "/plans/{plan}/units/{unit}/template.xlsx",
            get(workbooks::template),
        )
        .route(
            "/plans/{plan}/units/{unit}/template",
            axum::routing::post(workbooks::upload),
        )
        .route(
            "/plans/{plan}/units/{unit}/duties.xlsx",
            get(workbooks::duties),
        )
        .route("/plans/{plan}/workbook.xlsx", get(workbooks::plan_workbook))
        .route(
            "/plans/{plan}/periods/{period}/close",
            axum::routing::post(reports::close_period),
        )
        .route("/reports", get(reports::list))
        .route("/warnings", get(warnings::list))
        .route("/plans/{plan}/notices", axum::routing::post(notices::issue))
        .route("/plans/{plan}/notice-proposals", get(proposals::list))
        .route(
            "/plans/{plan}/notice-proposals/issue",
            axum::routing::post(proposals::issue),
        )
        .route(
            "/plans/{plan}/notice-proposals/{item}/dismiss",
            axum::routing::post(proposals::dismiss),
        )
        .route(
            "/reports/{id}/evidence",
            get(evidence::on_report).post(evidence::add_to_report),
        )
        .route(
            "/notices/{id}/evidence",
            get(evidence::on_notice).post(evidence::add_to_notice),
        )
        .route("/evidence/{id}", get(evidence::download))
        .route(
            "/plans/{plan}/assessment-scheme",
            get(assessments::get_scheme).put(assessments::put_scheme),
        )
        .route(
            "/plans/{plan}/assessments",
            get(assessments::list).post(assessments::create),
        )
        .route(
            "/assessments/{run}",
            get(assessments::get).delete(assessments::discard),
        )
        .route(
            "/assessments/{run}/lock",
            axum::routing::post(assessments::lock),
        )
        .route(
            "/assessments/{run}/publish",
            axum::routing::post(assessments::publish),
        )
        .route(
            "/assessments/{run}/objections",
            axum::routing::post(assessments::object),
        )
        .route(
            "/assessments/{run}/objections/{objection}/answer",
            axum::routing::post(assessments::answer),
        )
        .route("/notices", get(notices::list))
        .route("/notices/{id}", get(notices::get))
        .route("/notices/{id}/sign", axum::routing::post(notices::sign))
        .route("/notices/{id}/reply", axum::routing::post(notices::reply))
        .route("/notices/{id}/extend", axum::routing::post(notices::extend))
        .route(
            "/notices/{id}/return",
            axum::routing::post(notices::return_),
        )
        .route("/notices/{id}/close", axum::routing::post(notices::close))
        .route(
            "/notices/{id}/extension/grant",
            axum::routing::post(notices::grant),
        )
        .route(
            "/notices/{id}/extension/refuse",
            axum::routing::post(notices::refuse),
        )
        .route("/reports/{id}", get(reports::get).patch(reports::edit))
        .route("/reports/{id}/submit", axum::routing::post(reports::submit))
        .route("/reports/{id}/accept", axum::routing::post(reports::accept))
        .route(
            "/reports/{id}/return",
            axum::routing::post(reports::return_),
        )
        .fallback(crate::error::api_not_found)
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// The page a list resumed by id asks for: `limit` (1 to `reports::MAX_LIMIT`, default 100)
/// and the id a `cursor` names; each bad one noted in `problems`.
pub(crate) fn id_page(
    limit: Option<u64>,
    cursor: Option<&str>,
    problems: &mut Vec<tuijin_core::problem::Problem>,
) -> (u64, Option<i64>) {
    use tuijin_core::problem::{Problem, Rule};
    let limit = limit.unwrap_or(100);
    if !(1..=reports::MAX_LIMIT).contains(&limit) {
        problems.push(
            Problem::new("limit", Rule::OutOfRange)
                .with("min", 1)
                .with("max", reports::MAX_LIMIT),
        );
    }
    let after = match cursor {
        None | Some("") => None,
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| problems.push(Problem::new("cursor", Rule::BadCursor)))
            .ok(),
    };
    (limit, after)
}
