//! A plan's units, people and settings, read and edited (the office). Each is versioned by its
//! content (`edit::content_version`, given as the ETag): a change takes `If-Match`, names only
//! the fields it changes (a JSON merge patch, as items take) and carries a reason; the rules
//! are the plan file's, applied by the store in one transaction with the rollups and warnings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tuijin_core::edit::{DirectoryEdit, content_version};
use tuijin_core::policy::Action;
use tuijin_core::validate::Section;
use tuijin_core::{Code, Person, Plan, PlanDocument, Unit, UnitKind};
use tuijin_store::{EditStore, PlanStore};
use utoipa::ToSchema;

use super::edits::{bad_in, merge_as, object, reason_of};
use crate::auth::{Auth, require};
use crate::error::{ApiJson, etag, if_match};
use crate::views::{ListView, TextView};
use crate::{ApiError, AppState};

/// The fields of a unit a change may name.
pub const UNIT_FIELDS: &[&str] = &["name", "kind", "parent", "assumed"];
/// The fields of a person a change may name.
pub const PERSON_FIELDS: &[&str] = &["name", "post", "unit", "phone", "assumed"];
/// The plan's fields a change may name: all but its code (a plan is renamed by a new plan).
pub const SETTINGS_FIELDS: &[&str] = &[
    "title",
    "description",
    "source",
    "timezone",
    "cadence",
    "start",
    "end",
    "thresholds",
    "rollup",
    "status_against",
    "reporting",
    "stages",
    "levels",
    "notices",
];

/// A unit of the plan, with the version to send back in `If-Match`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitEntry {
    pub code: String,
    pub name: TextView,
    /// office, department, district, zone, company, external or other.
    pub kind: String,
    pub parent: Option<String>,
    /// Not named by the plan's source; chosen as a plausible owner.
    pub assumed: bool,
    pub version: i64,
}

impl From<&Unit> for UnitEntry {
    fn from(u: &Unit) -> Self {
        UnitEntry {
            code: u.code.to_string(),
            name: TextView::from(&u.name),
            kind: u.kind.as_str().to_string(),
            parent: u.parent.as_ref().map(|c| c.to_string()),
            assumed: u.assumed,
            version: content_version(u),
        }
    }
}

/// A person named on the plan's items (a responsible leader or a leader in charge), with the
/// telephone number the office chases on.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonEntry {
    pub code: String,
    pub name: TextView,
    pub post: TextView,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub assumed: bool,
    pub version: i64,
}

impl From<&Person> for PersonEntry {
    fn from(p: &Person) -> Self {
        PersonEntry {
            code: p.code.to_string(),
            name: TextView::from(&p.name),
            post: TextView::from(&p.post),
            unit: p.unit.as_ref().map(|c| c.to_string()),
            phone: p.phone.clone(),
            assumed: p.assumed,
            version: content_version(p),
        }
    }
}

/// A new unit: its code and the fields of a change, with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name; this type is its documentation
pub struct NewUnit {
    pub code: String,
    pub name: TextView,
    /// office, department, district, zone, company, external or other.
    pub kind: String,
    pub parent: Option<String>,
    pub assumed: Option<bool>,
    pub reason: String,
}

/// A change to a unit: only the fields named change, with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name; this type is its documentation
pub struct UnitChange {
    pub name: Option<TextView>,
    pub kind: Option<String>,
    pub parent: Option<String>,
    pub assumed: Option<bool>,
    pub reason: String,
}

/// A new person: their code and the fields of a change, with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name; this type is its documentation
pub struct NewPerson {
    pub code: String,
    pub name: TextView,
    pub post: Option<TextView>,
    pub unit: Option<String>,
    /// Digits with `+ - ( )`, spaces and an extension (转 / ext.).
    pub phone: Option<String>,
    pub assumed: Option<bool>,
    pub reason: String,
}

/// A change to a person: only the fields named change (`null` clears one), with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name; this type is its documentation
pub struct PersonChange {
    pub name: Option<TextView>,
    pub post: Option<TextView>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub assumed: Option<bool>,
    pub reason: String,
}

/// A change to the plan's own fields and settings, in the shape `GET …/settings` answers:
/// only the fields named change, with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name; this type is its documentation
pub struct SettingsChange {
    pub title: Option<TextView>,
    /// monthly or quarterly.
    pub cadence: Option<String>,
    /// `{at_risk, off_track}`: points behind expected.
    #[schema(value_type = Option<Object>)]
    pub thresholds: Option<Value>,
    /// weighted_mean, simple_mean, worst_child or manual.
    pub rollup: Option<String>,
    /// current or baseline: the dates status is judged by once a baseline is set.
    pub status_against: Option<String>,
    /// `{due_day, grace_days, stale_days}`.
    #[schema(value_type = Option<Object>)]
    pub reporting: Option<Value>,
    /// `[{kind, label: {zh, en}}]`: what the plan calls each level.
    #[schema(value_type = Option<Vec<Object>>)]
    pub levels: Option<Value>,
    pub reason: String,
}

pub(super) fn entry<T: Serialize>(status: StatusCode, version: i64, body: T) -> Response {
    (status, [(header::ETAG, etag(version))], Json(body)).into_response()
}

pub(super) async fn document(st: &AppState, plan: &str) -> Result<PlanDocument, ApiError> {
    Ok(st.store.export_plan(plan).await?)
}

pub(super) async fn edit(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    plan: &str,
    edit: DirectoryEdit,
    version: Option<i64>,
    reason: &str,
) -> Result<PlanDocument, ApiError> {
    let header = st.plans.header(&st.store, plan).await?;
    Ok(st
        .store
        .edit_directory(plan, &edit, version, reason, &st.stamp(&who.name, &header))
        .await?)
}

fn code_of(section: Section, body: &Map<String, Value>) -> Result<Code, ApiError> {
    let s = body.get("code").and_then(Value::as_str).unwrap_or_default();
    Code::parse(s)
        .map_err(|e| ApiError::PlanInvalid(vec![bad_in(section, s, "code", e.to_string())]))
}

fn without_code(body: &Map<String, Value>) -> Map<String, Value> {
    let mut m = body.clone();
    m.remove("code");
    m
}

/// The plan's units, in the plan's order.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/units",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = ListView<UnitEntry>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list_units(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<ListView<UnitEntry>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let doc = document(&st, &plan).await?;
    Ok(Json(ListView {
        items: doc.units.iter().map(UnitEntry::from).collect(),
    }))
}

/// Add a unit to the plan (the office).
#[utoipa::path(post, path = "/api/v1/plans/{plan}/units", request_body = NewUnit,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = UnitEntry), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 409, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn create_unit(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let body = object(body)?;
    let code = code_of(Section::Unit(0), &body)?;
    let blank = Unit {
        code: code.clone(),
        name: Default::default(),
        kind: UnitKind::Department,
        parent: None,
        assumed: false,
    };
    let unit = merge_as(
        &blank,
        Section::Unit(0),
        code.as_str(),
        &without_code(&body),
        UNIT_FIELDS,
    )?;
    let doc = edit(
        &st,
        &who,
        &plan,
        DirectoryEdit::Unit(unit),
        None,
        &reason_of(&body),
    )
    .await?;
    let u = find(&doc.units, |u| &u.code, &code)?;
    Ok(entry(
        StatusCode::CREATED,
        content_version(u),
        UnitEntry::from(u),
    ))
}

/// Change a unit (the office): only the fields named change, with the reason. Requires
/// If-Match (the unit's `version`).
#[utoipa::path(patch, path = "/api/v1/plans/{plan}/units/{unit}", request_body = UnitChange,
    params(("plan" = String, Path, description = "plan code"), ("unit" = String, Path, description = "unit code"),
        ("If-Match" = String, Header, description = "the ETag read. Required (428 without it, 412 when the unit has changed)")),
    responses((status = 200, body = UnitEntry), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn change_unit(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let version = if_match(&headers)?;
    let body = object(body)?;
    let doc = document(&st, &plan).await?;
    let now = doc
        .units
        .iter()
        .find(|u| u.code.as_str() == code)
        .ok_or_else(|| ApiError::NotFound(format!("unit `{code}` in plan `{plan}`")))?;
    let unit = merge_as(now, Section::Unit(0), &code, &body, UNIT_FIELDS)?;
    let c = unit.code.clone();
    let doc = edit(
        &st,
        &who,
        &plan,
        DirectoryEdit::Unit(unit),
        Some(version),
        &reason_of(&body),
    )
    .await?;
    let u = find(&doc.units, |u| &u.code, &c)?;
    Ok(entry(
        StatusCode::OK,
        content_version(u),
        UnitEntry::from(u),
    ))
}

/// The people named on the plan's items, with their telephone numbers (signed-in users).
#[utoipa::path(get, path = "/api/v1/plans/{plan}/people",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = ListView<PersonEntry>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list_people(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<ListView<PersonEntry>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let doc = document(&st, &plan).await?;
    Ok(Json(ListView {
        items: doc.people.iter().map(PersonEntry::from).collect(),
    }))
}

/// Add a person to the plan (the office).
#[utoipa::path(post, path = "/api/v1/plans/{plan}/people", request_body = NewPerson,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = PersonEntry), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 409, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn create_person(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let body = object(body)?;
    let code = code_of(Section::Person(0), &body)?;
    let blank = Person {
        code: code.clone(),
        name: Default::default(),
        post: Default::default(),
        unit: None,
        phone: None,
        assumed: false,
    };
    let person = merge_as(
        &blank,
        Section::Person(0),
        code.as_str(),
        &without_code(&body),
        PERSON_FIELDS,
    )?;
    let doc = edit(
        &st,
        &who,
        &plan,
        DirectoryEdit::Person(person),
        None,
        &reason_of(&body),
    )
    .await?;
    let p = find(&doc.people, |p| &p.code, &code)?;
    Ok(entry(
        StatusCode::CREATED,
        content_version(p),
        PersonEntry::from(p),
    ))
}

/// Change a person (the office): only the fields named change, with the reason. Requires
/// If-Match (the person's `version`).
#[utoipa::path(patch, path = "/api/v1/plans/{plan}/people/{person}", request_body = PersonChange,
    params(("plan" = String, Path, description = "plan code"), ("person" = String, Path, description = "person code"),
        ("If-Match" = String, Header, description = "the ETag read. Required (428 without it, 412 when the person has changed)")),
    responses((status = 200, body = PersonEntry), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn change_person(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let version = if_match(&headers)?;
    let body = object(body)?;
    let doc = document(&st, &plan).await?;
    let now = doc
        .people
        .iter()
        .find(|p| p.code.as_str() == code)
        .ok_or_else(|| ApiError::NotFound(format!("person `{code}` in plan `{plan}`")))?;
    let person = merge_as(now, Section::Person(0), &code, &body, PERSON_FIELDS)?;
    let c = person.code.clone();
    let doc = edit(
        &st,
        &who,
        &plan,
        DirectoryEdit::Person(person),
        Some(version),
        &reason_of(&body),
    )
    .await?;
    let p = find(&doc.people, |p| &p.code, &c)?;
    Ok(entry(
        StatusCode::OK,
        content_version(p),
        PersonEntry::from(p),
    ))
}

/// The plan's own fields and settings (thresholds, cadence, reporting days, level labels,
/// rollup rule, the dates status is judged by, notices), with the ETag to change them by.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/settings",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn settings(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Response, ApiError> {
    require(&who, Action::ReadPlan)?;
    let p = st.store.get_plan(&plan).await?.plan;
    Ok(entry(StatusCode::OK, content_version(&p), p))
}

/// Change the plan's settings (the office): only the fields named change, with the reason.
/// Requires If-Match.
#[utoipa::path(patch, path = "/api/v1/plans/{plan}/settings", request_body = SettingsChange,
    params(("plan" = String, Path, description = "plan code"),
        ("If-Match" = String, Header, description = "the ETag read. Required (428 without it, 412 when the settings have changed)")),
    responses((status = 200, body = Object), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn change_settings(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let version = if_match(&headers)?;
    let body = object(body)?;
    let now = st.store.get_plan(&plan).await?.plan;
    let changed: Plan = merge_as(&now, Section::Plan, "", &body, SETTINGS_FIELDS)?;
    let doc = edit(
        &st,
        &who,
        &plan,
        DirectoryEdit::Settings(Box::new(changed)),
        Some(version),
        &reason_of(&body),
    )
    .await?;
    Ok(entry(StatusCode::OK, content_version(&doc.plan), doc.plan))
}

fn find<'a, T>(list: &'a [T], code: impl Fn(&T) -> &Code, want: &Code) -> Result<&'a T, ApiError> {
    list.iter()
        .find(|x| code(x) == want)
        .ok_or_else(|| ApiError::Internal(format!("`{want}` missing after its edit")))
}
