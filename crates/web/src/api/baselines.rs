//! Baselines (基线) and notes (批示/备注) in the API: the office sets a baseline of the plan as
//! it stands; anyone who reads the plan lists them and reads what moved since one; the office
//! and leaders add notes on items (a leader's is an instruction).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tuijin_core::baseline::{DateMove, Slip};
use tuijin_core::policy::{Action, Role};
use tuijin_store::{BaselineRecord, BaselineStore, ItemStore, NoteRecord};
use utoipa::ToSchema;

use crate::auth::{Auth, require};
use crate::error::ApiJson;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineView {
    pub id: i64,
    pub name: String,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// How many items it keeps.
    pub item_count: i64,
}

impl From<&BaselineRecord> for BaselineView {
    fn from(b: &BaselineRecord) -> Self {
        BaselineView {
            id: b.id,
            name: b.name.clone(),
            note: b.note.clone(),
            created_by: b.created_by.clone(),
            created_at: b.created_at,
            item_count: b.item_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DateMoveView {
    pub baseline: Option<NaiveDate>,
    pub current: Option<NaiveDate>,
    /// Days later than the baseline (negative: earlier).
    pub days: Option<i64>,
}

impl From<&DateMove> for DateMoveView {
    fn from(d: &DateMove) -> Self {
        DateMoveView {
            baseline: d.baseline,
            current: d.current,
            days: d.days,
        }
    }
}

/// What changed of one item since the baseline.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlipView {
    pub code: String,
    /// Added since the baseline.
    pub added: bool,
    /// Archived since the baseline.
    pub dropped: bool,
    pub start: Option<DateMoveView>,
    pub due: Option<DateMoveView>,
    pub target_by: Option<DateMoveView>,
    /// [baseline, now] when the weight changed.
    pub weight: Option<Vec<f64>>,
    /// [baseline, now] when the target's value changed (null: none).
    pub target_value: Option<Vec<Option<f64>>>,
    /// [baseline, now] parent codes when it moved (null: the top).
    pub parent: Option<Vec<Option<String>>>,
    /// Cancelled (true) or restored (false) since, when that changed.
    pub cancelled: Option<bool>,
}

impl From<&Slip> for SlipView {
    fn from(s: &Slip) -> Self {
        SlipView {
            code: s.code.clone(),
            added: s.added,
            dropped: s.dropped,
            start: s.start.as_ref().map(DateMoveView::from),
            due: s.due.as_ref().map(DateMoveView::from),
            target_by: s.target_by.as_ref().map(DateMoveView::from),
            weight: s.weight.map(|(a, b)| vec![a, b]),
            target_value: s.target_value.map(|(a, b)| vec![a, b]),
            parent: s.parent.clone().map(|(a, b)| vec![a, b]),
            cancelled: s.cancelled,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineSlips {
    pub baseline: BaselineView,
    /// Every item changed, added or dropped since, in plan order.
    pub slips: Vec<SlipView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBaseline {
    /// Unique in the plan, e.g. "2019 mid-term revision".
    pub name: String,
    #[serde(default)]
    pub note: String,
}

/// The plan's baselines, the newest first (the first import set the first).
#[utoipa::path(get, path = "/api/v1/plans/{plan}/baselines",
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 200, body = Vec<BaselineView>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
) -> Result<Json<Vec<BaselineView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let all = st.store.list_baselines(&plan).await?;
    Ok(Json(all.iter().map(BaselineView::from).collect()))
}

/// Set a baseline of the plan as it stands (the office).
#[utoipa::path(post, path = "/api/v1/plans/{plan}/baselines", request_body = NewBaseline,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = BaselineView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn create(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<NewBaseline>,
) -> Result<Response, ApiError> {
    require(&who, Action::EditPlan)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let b = st
        .store
        .set_baseline(&plan, &body.name, &body.note, &st.stamp(&who.name, &header))
        .await?;
    Ok((StatusCode::CREATED, Json(BaselineView::from(&b))).into_response())
}

/// What moved since a baseline: every item whose dates, weight or target changed, and the
/// items added and archived since.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/baselines/{id}",
    params(("plan" = String, Path, description = "plan code"), ("id" = i64, Path, description = "baseline id")),
    responses((status = 200, body = BaselineSlips), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn slips(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, id)): Path<(String, i64)>,
) -> Result<Json<BaselineSlips>, ApiError> {
    require(&who, Action::ReadPlan)?;
    let (b, items) = st.store.baseline(&plan, id).await?;
    let now = st.store.plan_items(&plan).await?;
    Ok(Json(BaselineSlips {
        baseline: BaselineView::from(&b),
        slips: tuijin_core::baseline::slips(&items, &now)
            .iter()
            .map(SlipView::from)
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: i64,
    pub author: String,
    /// A leader's instruction (领导批示).
    pub instruction: bool,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl From<&NoteRecord> for NoteView {
    fn from(n: &NoteRecord) -> Self {
        NoteView {
            id: n.id,
            author: n.author.clone(),
            instruction: n.instruction,
            text: n.text.clone(),
            at: n.at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// At most 2000 characters.
    pub text: String,
}

/// An item's notes and instructions, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/items/{code}/notes",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code")),
    responses((status = 200, body = Vec<NoteView>), (status = 401, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc)))]
pub async fn notes(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Json<Vec<NoteView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    st.store.get_item(&plan, &code).await?;
    let all = st.store.notes_of(&plan, &code).await?;
    Ok(Json(all.iter().map(NoteView::from).collect()))
}

/// Add a note on an item (the office), or an instruction (a leader).
#[utoipa::path(post, path = "/api/v1/plans/{plan}/items/{code}/notes", request_body = NewNote,
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code")),
    responses((status = 201, body = NoteView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn add_note(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<NewNote>,
) -> Result<Response, ApiError> {
    require(&who, Action::AddNote)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let n = st
        .store
        .add_note(
            &plan,
            &code,
            &body.text,
            who.role == Role::Leader,
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(NoteView::from(&n))).into_response())
}
