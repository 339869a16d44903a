//! Editing the plan's items (the office): add one under a parent, change its fields, move it,
//! cancel, restore or archive it. Every edit carries a reason and, but for a new item, the
//! version read (`If-Match`); the rules are the plan file's (`core::edit`), applied by the
//! store in one transaction with the rollups and warnings.
//!
//! A change names only the fields it changes, in the shape `GET …/items/{code}` answers
//! (`title: {zh, en}`, `target: {value, unit, by, indicator}`, …), as a JSON merge patch
//! (RFC 7396): `{"title": {"en": "…"}}` changes the English title alone; `null` clears a field.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use tuijin_core::edit::ItemEdit;
use tuijin_core::policy::Action;
use tuijin_core::validate::{FieldPath, PlanProblem, ProblemKind, Section};
use tuijin_core::{Code, Item};
use tuijin_store::{EditOutcome, EditStore, ItemStore};
use utoipa::ToSchema;

use crate::auth::{Auth, require};
use crate::error::{ApiJson, etag, if_match};
use crate::views::{ItemView, TextView};
use crate::{ApiError, AppState};

/// The fields a change may name; the rest move by their own action (`parent` by a move,
/// `cancelled` by cancel and restore) or never (`code`, `kind`).
pub const EDITABLE: &[&str] = &[
    "title",
    "description",
    "lead",
    "co",
    "leader",
    "leader_in_charge",
    "start",
    "due",
    "weight",
    "public",
    "supports",
    "source",
    "trajectory",
    "target",
    "three_ones",
    "rollup",
    "manual",
    "shares",
    "progress_from",
];

#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetInput {
    pub value: f64,
    pub unit: String,
    pub by: Option<chrono::NaiveDate>,
    pub indicator: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PointInput {
    pub date: chrono::NaiveDate,
    pub percent: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareInput {
    pub unit: String,
    pub percent: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ManualInput {
    pub percent: f64,
    pub reason: String,
}

/// A change to an item: only the fields named change (`null` clears one), with the reason.
/// Answered with the item as it now stands and its new ETag.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name (`EDITABLE`); this type is its documentation
pub struct ItemChange {
    /// Why (kept in the item's history). Required.
    pub reason: String,
    pub title: Option<TextView>,
    pub description: Option<TextView>,
    /// Lead unit's code (牵头单位).
    pub lead: Option<String>,
    /// Co-operating units' codes (配合单位).
    pub co: Option<Vec<String>>,
    /// Responsible leader's code (责任领导).
    pub leader: Option<String>,
    /// Leader in charge's code (分管领导).
    pub leader_in_charge: Option<String>,
    pub start: Option<chrono::NaiveDate>,
    pub due: Option<chrono::NaiveDate>,
    /// Greater than 0.
    pub weight: Option<f64>,
    pub public: Option<bool>,
    /// Codes of the items this one serves.
    pub supports: Option<Vec<String>>,
    pub source: Option<String>,
    pub trajectory: Option<Vec<PointInput>>,
    pub target: Option<TargetInput>,
    pub three_ones: Option<bool>,
    /// `weighted_mean`, `simple_mean`, `worst_child` or `manual`.
    pub rollup: Option<String>,
    pub manual: Option<ManualInput>,
    pub shares: Option<Vec<ShareInput>>,
    /// `reports` or `indicator`: the item's progress from its target's indicator.
    pub progress_from: Option<String>,
}

/// A new item: its code, kind and parent, the fields of a change, and the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read as JSON by field name; this type is its documentation
pub struct NewItem {
    pub code: String,
    /// positioning, goal, task, project, work or milestone.
    pub kind: String,
    /// The parent's code; absent for a new top-level item.
    pub parent: Option<String>,
    pub title: TextView,
    #[serde(flatten)]
    pub change: ItemChange,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveItem {
    /// The new parent's code; `null` for the top of the tree. Required: a move that forgot
    /// its parent must not put the item at the top.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>, required = true)]
    pub parent: Option<Option<String>>,
    pub reason: String,
}

/// A field that must be given, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

/// A problem with one field of the body, named as the plan's problems are.
fn bad(code: &str, field: &str, message: String) -> PlanProblem {
    bad_in(Section::Item(0), code, field, message)
}

/// A problem with one field of a body about an entry of `section` (named by its code).
pub fn bad_in(section: Section, code: &str, field: &str, message: String) -> PlanProblem {
    let mut p = PlanProblem::new(
        FieldPath::new(section, field),
        ProblemKind::BadValue { message },
    );
    p.entry = (!code.is_empty()).then(|| code.to_string());
    p
}

/// `item` with the named fields of `body` put over it: every field that does not read as its
/// type is a problem, all reported at once.
pub fn merge(item: &Item, body: &Map<String, Value>, allowed: &[&str]) -> Result<Item, ApiError> {
    merge_as(item, Section::Item(0), item.code.as_str(), body, allowed)
}

/// `value` (an entry of `section` with the code `code`) with the named fields of `body` put
/// over it as a JSON merge patch; every field not allowed or not reading as its type is a
/// problem, all reported at once.
pub fn merge_as<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: &T,
    section: Section,
    code: &str,
    body: &Map<String, Value>,
    allowed: &[&str],
) -> Result<T, ApiError> {
    let mut base = serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut problems = Vec::new();
    for (k, v) in body {
        if k == "reason" {
            continue;
        }
        if !allowed.contains(&k.as_str()) {
            problems.push(bad_in(
                section,
                code,
                k,
                format!("`{k}` cannot be changed here"),
            ));
            continue;
        }
        // Each field alone over the value, so each bad one is named.
        let mut one = base.clone();
        merge_field(&mut one, k, v);
        match serde_json::from_value::<T>(one) {
            Ok(_) => merge_field(&mut base, k, v),
            Err(e) => problems.push(bad_in(section, code, k, e.to_string())),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::PlanInvalid(problems));
    }
    serde_json::from_value(base)
        .map_err(|e| ApiError::PlanInvalid(vec![bad_in(section, code, "", e.to_string())]))
}

/// One top-level field of a merge patch: `null` clears it (an optional field reads `null` as
/// absent, a text or a list as empty), anything else merges.
fn merge_field(target: &mut Value, key: &str, patch: &Value) {
    match patch {
        // A text in two languages is cleared to empty ones: it is never absent.
        Value::Null if target[key].get("zh").is_some() => {
            target[key] = serde_json::json!({"zh": "", "en": ""})
        }
        // So is a list (co-operating units, supports, trajectory, shares): to an empty one.
        Value::Null if target[key].is_array() => target[key] = serde_json::json!([]),
        Value::Null => target[key] = Value::Null,
        p => merge_patch(&mut target[key], p),
    }
}

/// JSON Merge Patch (RFC 7396): an object merges into an object key by key, a `null` inside
/// it removes the key (an optional field then reads as absent), anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

pub fn reason_of(body: &Map<String, Value>) -> String {
    body.get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        )),
    }
}

fn answer(out: EditOutcome, status: StatusCode) -> Response {
    match out.item {
        Some(r) => (
            status,
            [(header::ETAG, etag(r.version))],
            Json(ItemView::from(&r)),
        )
            .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// Add an item under a parent (the office). The kind must be one the parent may hold; it
/// goes last among its siblings.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items", request_body = NewItem,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = ItemView), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let body = object(body)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    let code = Code::parse(text("code"))
        .map_err(|e| ApiError::PlanInvalid(vec![bad(text("code"), "code", e.to_string())]))?;
    let kind = tuijin_core::ItemKind::parse(text("kind")).ok_or_else(|| {
        ApiError::PlanInvalid(vec![bad(
            code.as_str(),
            "kind",
            "one of positioning, goal, task, project, work, milestone".into(),
        )])
    })?;
    let parent = match body.get("parent") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| Code::parse(s).ok())
                .ok_or_else(|| {
                    ApiError::PlanInvalid(vec![bad(
                        code.as_str(),
                        "parent",
                        "not an item code".into(),
                    )])
                })?,
        ),
    };
    let blank = blank_item(code, kind, parent);
    let mut fields = body.clone();
    fields.remove("code");
    fields.remove("kind");
    fields.remove("parent");
    let item = merge(&blank, &fields, EDITABLE)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let out = st
        .store
        .edit_item(
            &plan,
            &ItemEdit::Create(item),
            None,
            &reason_of(&body),
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok(answer(out, StatusCode::CREATED))
}

/// A new item with nothing but its code, kind and place: what a form or a body fills in.
pub fn blank_item(code: Code, kind: tuijin_core::ItemKind, parent: Option<Code>) -> Item {
    Item {
        code,
        kind,
        parent,
        title: tuijin_core::Text::default(),
        lead: None,
        co: Default::default(),
        start: None,
        due: None,
        weight: tuijin_core::Weight::ONE,
        public: false,
        three_ones: false,
        rollup: None,
        cancelled: false,
        progress_from: Default::default(),
        extra: Default::default(),
    }
}

/// Change an item's fields (the office): only those named change, with the reason. Requires
/// If-Match.
#[utoipa::path(patch, path = "/api/v1/plans/{plan}/items/{code}", request_body = ItemChange,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"),
        ("If-Match" = String, Header, description = "the ETag read, e.g. `\"3\"`. Required (428 without it, 412 when the item has moved on)")),
    responses((status = 200, body = ItemView), (status = 400, body = crate::error::ProblemDoc),
        (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
        (status = 412, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc),
        (status = 428, body = crate::error::ProblemDoc)))]
pub async fn change(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let version = if_match(&headers)?;
    let body = object(body)?;
    let now = st.store.get_item(&plan, &code).await?;
    let item = merge(&now.item, &body, EDITABLE)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let out = st
        .store
        .edit_item(
            &plan,
            &ItemEdit::Update(item),
            Some(version),
            &reason_of(&body),
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok(answer(out, StatusCode::OK))
}

async fn act(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    plan: &str,
    headers: &HeaderMap,
    edit: ItemEdit,
    reason: &str,
) -> Result<Response, ApiError> {
    require(who, Action::EditPlan)?;
    let version = if_match(headers)?;
    let header = st.plans.header(&st.store, plan).await?;
    let out = st
        .store
        .edit_item(
            plan,
            &edit,
            Some(version),
            reason,
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok(answer(out, StatusCode::OK))
}

fn item_code(code: &str) -> Result<Code, ApiError> {
    Code::parse(code).map_err(|_| ApiError::NotFound(format!("item `{code}`")))
}

/// Move an item (with its branch) under another parent, or to the top. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/move", request_body = MoveItem,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"),
        ("If-Match" = String, Header, description = "the ETag read. Required")),
    responses((status = 200, body = ItemView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 412, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
pub async fn move_item(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MoveItem>,
) -> Result<Response, ApiError> {
    let c = item_code(&code)?;
    let parent = match body.parent.flatten().as_deref() {
        None => None,
        Some(p) => Some(
            Code::parse(p)
                .map_err(|e| ApiError::PlanInvalid(vec![bad(&code, "parent", e.to_string())]))?,
        ),
    };
    act(
        &st,
        &who,
        &plan,
        &headers,
        ItemEdit::Move { code: c, parent },
        &body.reason,
    )
    .await
}

/// Cancel an item: kept in the plan, counted for nothing in rollups (with its branch), with
/// the reason. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/cancel", request_body = Reason,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"),
        ("If-Match" = String, Header, description = "the ETag read. Required")),
    responses((status = 200, body = ItemView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 412, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
pub async fn cancel(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Response, ApiError> {
    let code = item_code(&code)?;
    act(
        &st,
        &who,
        &plan,
        &headers,
        ItemEdit::Cancel { code },
        &body.reason,
    )
    .await
}

/// Count a cancelled item again. Requires If-Match.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/restore", request_body = Reason,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"),
        ("If-Match" = String, Header, description = "the ETag read. Required")),
    responses((status = 200, body = ItemView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 412, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
pub async fn restore(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Response, ApiError> {
    let code = item_code(&code)?;
    act(
        &st,
        &who,
        &plan,
        &headers,
        ItemEdit::Restore { code },
        &body.reason,
    )
    .await
}

/// Archive an item and its whole branch: out of the plan, kept in the database and the
/// history. Requires If-Match; answers 204.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/archive", request_body = Reason,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"),
        ("If-Match" = String, Header, description = "the ETag read. Required")),
    responses((status = 204), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 412, body = crate::error::ProblemDoc),
        (status = 422, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
pub async fn archive(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Reason>,
) -> Result<Response, ApiError> {
    let code = item_code(&code)?;
    act(
        &st,
        &who,
        &plan,
        &headers,
        ItemEdit::Archive { code },
        &body.reason,
    )
    .await
}
