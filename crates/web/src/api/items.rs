//! Items: filtered, paginated lists; one item with its children and links; a subtree.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use tuijin_core::ItemKind;
use tuijin_store::{ItemFilter, ItemStore};
use utoipa::IntoParams;

use crate::auth::{Auth, allowed, public_only, require};
use crate::error::ApiQuery;
use crate::views::{ItemDetailView, ItemView, LinkView, ListView, PageView, StandingView};
use crate::{ApiError, AppState};
use tuijin_core::policy::Action;
use tuijin_core::policy::Principal;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Plan code.
    pub plan: Option<String>,
    /// positioning, goal, task, project, work or milestone.
    pub kind: Option<String>,
    /// Items this unit leads or co-operates on.
    pub unit: Option<String>,
    /// Children of this item code; empty for the roots.
    pub parent: Option<String>,
    /// Include archived items (default false).
    pub archived: Option<bool>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The day each item's standing (progress, expected, status) is judged on: today by
    /// default; a past day uses progress as recorded then.
    pub as_of: Option<chrono::NaiveDate>,
}

/// Items, filtered, in plan order, a page at a time.
#[utoipa::path(get, path = "/api/v1/items", params(ItemQuery),
    responses((status = 200, body = PageView<ItemView>), (status = 400, body = crate::error::ProblemDoc)))]
pub async fn list_items(
    State(st): State<AppState>,
    Auth(who): Auth,
    ApiQuery(mut q): ApiQuery<ItemQuery>,
) -> Result<Json<PageView<ItemView>>, ApiError> {
    require(&who, Action::ReadPublic)?;
    super::code_filters(&mut [("plan", &mut q.plan), ("unit", &mut q.unit)])?;
    // `parent=` (empty) asks for the roots; any other value must be a code.
    if let Some(p) = q.parent.as_deref().filter(|p| !p.is_empty()) {
        let mut parent = Some(p.to_string());
        super::code_filters(&mut [("parent", &mut parent)])?;
    }
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(ItemKind::parse(k).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "kind: `{k}` is not one of positioning, goal, task, project, work, milestone"
            ))
        })?),
    };
    check_as_of(&st, q.as_of)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: {limit} is not between 1 and 1000"
        )));
    }
    let hidden = public_only(&who);
    let filter = ItemFilter {
        plan: q.plan,
        kind,
        unit: q.unit,
        parent: q.parent,
        // What is archived was never published as it stands.
        include_archived: q.archived.unwrap_or(false) && !hidden,
        public_only: hidden,
    };
    let page = st
        .store
        .list_items(
            &filter,
            limit,
            q.cursor.as_deref().filter(|c| !c.is_empty()),
        )
        .await?;
    Ok(Json(PageView {
        items: views(&st, &who, &page.items, q.as_of).await?,
        next_cursor: page.next_cursor,
    }))
}

/// Items as the caller may see them: whole, or for anonymous visitors their published part;
/// with where each stands on `as_of` (today by default) for callers who may read progress.
async fn views(
    st: &AppState,
    who: &Principal,
    items: &[tuijin_store::ItemRecord],
    as_of: Option<chrono::NaiveDate>,
) -> Result<Vec<ItemView>, ApiError> {
    let hidden = public_only(who);
    let standing = allowed(who, Action::ReadPlan);
    let mut plans = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for r in items {
        let plan = r.plan.to_string();
        if (hidden || standing) && !plans.contains_key(&plan) {
            let c = st.plans.get(&st.store, &plan).await?;
            let board = if standing {
                Some(board_on(st, &c, &plan, as_of).await?)
            } else {
                None
            };
            plans.insert(plan.clone(), (c, board));
        }
        let mut v = if hidden {
            ItemView::public(r, plans[&plan].0.public_part())
        } else {
            ItemView::from(r)
        };
        if let (false, Some(board)) = (r.archived, &plans[&plan].1) {
            // As the pages show it: an item measured by the work that serves it (a
            // positioning, a goal) stands where that work is (`Board::aligned`).
            v.standing = board
                .position(r.item.code.as_str())
                .map(|n| (n, board.row_at(n)))
                .map(|(n, row)| StandingView {
                    date: board.date,
                    progress: board.shown(n).into(),
                    expected: row.expected,
                    status: row.status.as_str().into(),
                });
        }
        out.push(v);
    }
    Ok(out)
}

/// The answer for an item that is not there — the store's own words, so that an item hidden
/// from the caller answers exactly as a missing one.
fn missing(plan: &str, code: &str) -> ApiError {
    ApiError::from(tuijin_store::StoreError::NotFound(format!(
        "item `{code}` in plan `{plan}`"
    )))
}

/// A day to come is refused before anything is read (whether or not any item matches).
fn check_as_of(st: &AppState, as_of: Option<chrono::NaiveDate>) -> Result<(), ApiError> {
    super::not_after_today(
        "as_of",
        as_of,
        st.clock.today(tuijin_core::clock::DEFAULT_TZ),
    )
}

/// The plan's board on `as_of`: today's from memory, a past day's from the progress recorded
/// then; a day to come is refused.
async fn board_on(
    st: &AppState,
    c: &std::sync::Arc<crate::cache::CachedPlan>,
    plan: &str,
    as_of: Option<chrono::NaiveDate>,
) -> Result<std::sync::Arc<tuijin_core::board::Board>, ApiError> {
    use tuijin_store::ProgressStore;
    let today = st.today(&c.plan);
    super::not_after_today("as_of", as_of, today)?;
    match as_of {
        None => Ok(c.board(today)),
        Some(d) if d == today => Ok(c.board(today)),
        Some(d) => {
            let progress = st.store.plan_progress(plan, Some(d)).await?;
            Ok(std::sync::Arc::new(tuijin_core::board::Board::build(
                &c.judged,
                &progress,
                d,
                c.plan.thresholds,
                &c.measures,
            )))
        }
    }
}

/// One item, its children, what it supports and what supports it.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/items/{code}",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"), super::progress::AsOfQuery),
    responses((status = 200, body = ItemDetailView, description = "the item; its ETag is its version, for an edit's If-Match"), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get_item(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<super::progress::AsOfQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    require(&who, Action::ReadPublic)?;
    check_as_of(&st, q.as_of)?;
    let item = st.store.get_item(&plan, &code).await?;
    let hidden = public_only(&who);
    // An unpublished or archived item is, to visitors, exactly a missing one.
    if hidden && (!item.item.public || item.archived) {
        return Err(missing(&plan, &code));
    }
    let filter = ItemFilter {
        plan: Some(plan.clone()),
        parent: Some(code.clone()),
        public_only: hidden,
        ..Default::default()
    };
    let children = st.store.list_items(&filter, 1000, None).await?;
    let (mut supports, mut supported_by) = st.store.links(&plan, &code).await?;
    if hidden {
        supports.retain(|l| l.public);
        supported_by.retain(|l| l.public);
    }
    let tag = crate::error::etag(item.version);
    let detail = ItemDetailView {
        item: views(&st, &who, std::slice::from_ref(&item), q.as_of)
            .await?
            .remove(0),
        children: views(&st, &who, &children.items, q.as_of).await?,
        children_next_cursor: children.next_cursor,
        supports: supports.iter().map(LinkView::from).collect(),
        supported_by: supported_by.iter().map(LinkView::from).collect(),
    };
    Ok(([(axum::http::header::ETAG, tag)], Json(detail)).into_response())
}

/// The item and everything below it, parents first.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/items/{code}/subtree",
    params(("plan" = String, Path, description = "plan code"), ("code" = String, Path, description = "item code"), super::progress::AsOfQuery),
    responses((status = 200, body = ListView<ItemView>), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn subtree(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, code)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<super::progress::AsOfQuery>,
) -> Result<Json<ListView<ItemView>>, ApiError> {
    require(&who, Action::ReadPublic)?;
    check_as_of(&st, q.as_of)?;
    let mut items = st.store.subtree(&plan, &code).await?;
    let hidden = public_only(&who);
    if hidden {
        if items
            .first()
            .is_some_and(|root| !root.item.public || root.archived)
        {
            return Err(missing(&plan, &code));
        }
        items.retain(|i| i.item.public && !i.archived);
    }
    Ok(Json(ListView {
        items: views(&st, &who, &items, q.as_of).await?,
    }))
}
