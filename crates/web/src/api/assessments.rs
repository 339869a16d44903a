//! Unit assessment (目标考核) in the API: the plan's scheme, runs over a period (computed by
//! `core::assess` on the facts as of the period's end), lock and publish, objections. A unit
//! sees published runs only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tuijin_core::assess::{AssessPeriod, RunAction, RunState};
use tuijin_core::policy::Action;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{AssessStore, AssessmentRecord, ObjectionRecord};
use utoipa::ToSchema;

use crate::auth::{Auth, require};
use crate::error::ApiJson;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeView {
    pub code: String,
    pub title: String,
    pub title_en: String,
    /// The scheme file as loaded (`docs/assessment-format.md`).
    pub source: String,
    pub loaded_by: String,
    pub loaded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub points: f64,
    /// Whether the entry earned its part (absent for deductions, caps and bonuses).
    pub met: Option<bool>,
    /// What the points rest on: `type` (item, milestone, report, notice_sign, notice_reply,
    /// notice_level, indicator, adjustment, nothing_due, cap, floor) and the records it names.
    #[schema(value_type = Object)]
    pub basis: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionView {
    /// completion, milestones, reports, notices, indicators or adjustments.
    pub kind: String,
    pub weight: f64,
    pub points: f64,
    pub lines: Vec<LineView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreView {
    pub unit: String,
    pub score: f64,
    /// Equal scores share a rank; the next rank skips (1, 2, 2, 4).
    pub rank: u32,
    pub grade: Option<String>,
    pub grade_en: Option<String>,
    pub criteria: Vec<CriterionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub total: f64,
    pub units: Vec<ScoreView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub unit: String,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The corrected run made in answer.
    pub rerun: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: i64,
    pub plan: String,
    pub period: String,
    /// The day the facts were taken as of: the period's last day.
    pub as_of: NaiveDate,
    pub scheme: String,
    /// draft, locked or published.
    pub state: String,
    /// SHA-256 of the stored result: unchanged for as long as the run exists.
    pub digest: String,
    pub supersedes: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub categories: Vec<CategoryView>,
    pub objections: Vec<ObjectionView>,
}

fn objection_view(o: &ObjectionRecord) -> ObjectionView {
    ObjectionView {
        id: o.id,
        unit: o.unit.clone(),
        reason: o.reason.clone(),
        filed_by: o.filed_by.clone(),
        filed_at: o.filed_at,
        answer: o.answer.clone(),
        answered_by: o.answered_by.clone(),
        answered_at: o.answered_at,
        rerun: o.rerun,
    }
}

pub fn view(a: &AssessmentRecord, lines: bool) -> AssessmentView {
    let categories = a
        .outcome
        .categories
        .iter()
        .zip(&a.scheme.category)
        .map(|(c, cat)| CategoryView {
            code: c.code.clone(),
            name: cat.name.clone(),
            name_en: cat.name_en.clone(),
            total: c.total.as_f64(),
            units: c
                .units
                .iter()
                .map(|u| {
                    let grade = u.grade.and_then(|g| a.scheme.grade.get(g));
                    ScoreView {
                        unit: u.unit.clone(),
                        score: u.score.as_f64(),
                        rank: u.rank,
                        grade: grade.map(|g| g.name.clone()),
                        grade_en: grade.map(|g| g.name_en.clone()),
                        criteria: u
                            .criteria
                            .iter()
                            .map(|c| CriterionView {
                                kind: c.kind.as_str().into(),
                                weight: c.weight.as_f64(),
                                points: c.points.as_f64(),
                                lines: if lines {
                                    c.lines
                                        .iter()
                                        .map(|l| LineView {
                                            points: l.points.as_f64(),
                                            met: l.met,
                                            basis: serde_json::to_value(&l.basis)
                                                .unwrap_or_default(),
                                        })
                                        .collect()
                                } else {
                                    Vec::new()
                                },
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    AssessmentView {
        id: a.id,
        plan: a.plan.clone(),
        period: a.period.clone(),
        as_of: a.as_of,
        scheme: a.scheme_code.clone(),
        state: a.state.as_str().into(),
        digest: a.digest.clone(),
        supersedes: a.supersedes,
        created_by: a.created_by.clone(),
        created_at: a.created_at,
        locked_by: a.locked_by.clone(),
        locked_at: a.locked_at,
        published_by: a.published_by.clone(),
        published_at: a.published_at,
        categories,
        objections: a.objections.iter().map(objection_view).collect(),
    }
}

/// A run the caller may read: a unit reads published runs only (others are not found).
pub async fn readable(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    id: i64,
) -> Result<AssessmentRecord, ApiError> {
    let a = st.store.get_assessment(id).await?;
    let published = a.state == RunState::Published;
    if require(who, Action::ReadAssessment { published }).is_err() {
        require(who, Action::ReadPlan)?;
        return Err(ApiError::NotFound(format!("assessment #{id}")));
    }
    Ok(a)
}

fn scheme_view(s: tuijin_store::SchemeRecord) -> SchemeView {
    SchemeView {
        code: s.code,
        title: s.scheme.scheme.title.clone(),
        title_en: s.scheme.scheme.title_en.clone(),
        source: s.source,
        loaded_by: s.loaded_by,
        loaded_at: s.loaded_at,
    }
}

/// The plan's assessment scheme, as loaded.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/assessment-scheme",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = SchemeView), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get_scheme(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<SchemeView>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let s = st
        .store
        .scheme_of(&plan)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("an assessment scheme for plan `{plan}`")))?;
    Ok(Json(scheme_view(s)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadScheme {
    /// The scheme file's text (TOML).
    pub source: String,
}

/// Load a scheme file as the plan's scheme (the office): every problem answered at once with
/// its field path, line and column.
#[utoipa::path(put, path = "/api/v1/plans/{plan}/assessment-scheme", request_body = LoadScheme,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = SchemeView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn put_scheme(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<LoadScheme>,
) -> Result<Json<SchemeView>, ApiError> {
    require(&who, Action::Assess)?;
    let doc = tuijin_store::PlanStore::export_plan(&st.store, &plan).await?;
    let scheme =
        tuijin_export::read_scheme("source", &body.source, &doc.units, &doc.plan.notices.levels)
            .map_err(|e| ApiError::Invalid(e.problems.iter().map(|p| p.to_problem()).collect()))?;
    let s = st
        .store
        .load_scheme(
            &plan,
            &body.source,
            &scheme,
            &st.stamp(&who.name, &doc.plan),
        )
        .await?;
    Ok(Json(scheme_view(s)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// `2019-Q2`, `2019-H1` or `2019`; its last day must have passed. A new run of a period
    /// with a published result is a correction of it.
    #[schema(pattern = "^(19[0-9]{2}|2[01][0-9]{2}|2200)(-(Q[1-4]|H[12]))?$")]
    pub period: String,
}

fn period_of(s: &str) -> Result<AssessPeriod, ApiError> {
    AssessPeriod::parse(s)
        .map_err(|_| ApiError::Invalid(vec![Problem::new("period", Rule::AssessPeriodFormat)]))
}

/// Run the plan's scheme over an ended period (the office): a new draft, on the facts as they
/// stood at the period's end.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/assessments", request_body = NewRun,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = AssessmentView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<NewRun>,
) -> Result<Response, ApiError> {
    require(&who, Action::Assess)?;
    let period = period_of(&body.period)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let a = st
        .store
        .create_assessment(&plan, period, None, &st.stamp(&who.name, &header))
        .await?;
    Ok((StatusCode::CREATED, Json(view(&a, true))).into_response())
}

/// The plan's runs, newest period first, without their lines; a unit sees published runs.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/assessments",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = Vec<AssessmentView>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<Vec<AssessmentView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let all = require(&who, Action::ReadAssessment { published: false }).is_ok();
    let runs = st.store.list_assessments(&plan, !all).await?;
    Ok(Json(runs.iter().map(|a| view(a, false)).collect()))
}

/// One run: categories, ranks, grades, each unit's points by criterion and every line.
#[utoipa::path(get, path = "/api/v1/assessments/{run}",
    params(("run" = i64, Path, description = "run id")),
    responses((status = 200, body = AssessmentView), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(run): Path<i64>,
) -> Result<Json<AssessmentView>, ApiError> {
    Ok(Json(view(&readable(&st, &who, run).await?, true)))
}

async fn act(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    run: i64,
    action: RunAction,
) -> Result<Option<AssessmentRecord>, ApiError> {
    require(who, Action::Assess)?;
    let a = st.store.get_assessment(run).await?;
    let header = st.plans.header(&st.store, &a.plan).await?;
    Ok(st
        .store
        .act_on_assessment(run, action, None, &st.stamp(&who.name, &header))
        .await?)
}

/// Lock a draft run (the office): it never changes again.
#[utoipa::path(post, path = "/api/v1/assessments/{run}/lock",
    params(("run" = i64, Path, description = "run id")),
    responses((status = 200, body = AssessmentView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc)))]
pub async fn lock(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(run): Path<i64>,
) -> Result<Response, ApiError> {
    let a = act(&st, &who, run, RunAction::Lock).await?;
    Ok(Json(a.map(|a| view(&a, true))).into_response())
}

/// Publish a locked run (the office): the units see their scorecards and may object.
#[utoipa::path(post, path = "/api/v1/assessments/{run}/publish",
    params(("run" = i64, Path, description = "run id")),
    responses((status = 200, body = AssessmentView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc)))]
pub async fn publish(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(run): Path<i64>,
) -> Result<Response, ApiError> {
    let a = act(&st, &who, run, RunAction::Publish).await?;
    Ok(Json(a.map(|a| view(&a, true))).into_response())
}

/// Discard a draft run (the office); a locked run cannot be.
#[utoipa::path(delete, path = "/api/v1/assessments/{run}",
    params(("run" = i64, Path, description = "run id")),
    responses((status = 204), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc)))]
pub async fn discard(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(run): Path<i64>,
) -> Result<StatusCode, ApiError> {
    act(&st, &who, run, RunAction::Discard).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjection {
    /// The unit objecting: one the caller is bound to, scored in the run.
    pub unit: String,
    pub reason: String,
}

/// Object to a published run (申诉), as a scored unit, saying why.
#[utoipa::path(post, path = "/api/v1/assessments/{run}/objections", request_body = NewObjection,
    params(("run" = i64, Path, description = "run id")),
    responses((status = 201, body = ObjectionView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn object(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(run): Path<i64>,
    ApiJson(body): ApiJson<NewObjection>,
) -> Result<Response, ApiError> {
    require(&who, Action::ObjectToAssessment { unit: &body.unit })?;
    let a = readable(&st, &who, run).await?;
    let header = st.plans.header(&st.store, &a.plan).await?;
    let o = st
        .store
        .file_objection(run, &body.unit, &body.reason, &st.stamp(&who.name, &header))
        .await?;
    Ok((StatusCode::CREATED, Json(objection_view(&o))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub answer: String,
    /// Make a corrected run of the same period (the facts as of its end, by the scheme as it
    /// now stands), named in the answer; it replaces the result standing once published.
    #[serde(default)]
    pub rerun: bool,
}

/// Answer an objection (the office), with a corrected re-run when it is upheld.
#[utoipa::path(post, path = "/api/v1/assessments/{run}/objections/{objection}/answer", request_body = Answer,
    params(("run" = i64, Path, description = "run id"), ("objection" = i64, Path, description = "objection id")),
    responses((status = 200, body = ObjectionView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn answer(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((run, objection)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<Answer>,
) -> Result<Json<ObjectionView>, ApiError> {
    require(&who, Action::Assess)?;
    let a = st.store.get_assessment(run).await?;
    if !a.objections.iter().any(|o| o.id == objection) {
        return Err(ApiError::NotFound(format!(
            "objection #{objection} to assessment #{run}"
        )));
    }
    let header = st.plans.header(&st.store, &a.plan).await?;
    let o = st
        .store
        .answer_objection(
            objection,
            &body.answer,
            body.rerun,
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok(Json(objection_view(&o)))
}
