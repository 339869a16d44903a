//! Supervision notices (督办单) in the API: the office issues them on items to units; the
//! addressed units sign, reply and ask for extensions; the office returns, closes and decides
//! extensions. Every write names the version it read (If-Match). A notice's level today and
//! how it rose are computed from its history (`core::notice::rises`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuijin_core::notice::{NoticeAction, NoticeSettings, NoticeState};
use tuijin_core::policy::{Action, Role};
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{
    EventStore, NewNotice, NoticeFact, NoticeFilter, NoticeRecord, NoticeStore, WarningFilter,
    WarningStore,
};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, require};
use crate::error::{ApiJson, ApiQuery, etag, if_match};
use crate::views::PageView;
use crate::{ApiError, AppState};

/// A notice as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub plan: String,
    /// In the office's format, e.g. `督办〔2020〕12号`.
    pub number: String,
    /// The level it was issued at.
    pub level_issued: String,
    /// The level it has reached today: it rises while a reply is overdue.
    pub level: String,
    /// Each rise: the day and the level reached.
    pub rises: Vec<RiseView>,
    pub title: String,
    pub actions: String,
    pub reply_by: NaiveDate,
    pub first_reply_by: NaiveDate,
    /// issued, signed, replied, returned or closed.
    pub state: String,
    /// Past its reply date without a reply.
    pub overdue: bool,
    pub items: Vec<String>,
    pub units: Vec<NoticeUnitView>,
    /// What the items stood at when it was issued.
    pub facts: Vec<FactView>,
    /// The leader in charge copied (a person code).
    pub leader: Option<String>,
    pub reply: Option<String>,
    pub replied_on: Option<NaiveDate>,
    /// The office's last word: why it was returned, an extension refused, or it was closed.
    pub comment: Option<String>,
    pub closed_on: Option<NaiveDate>,
    /// An extension asked for and not yet decided: the date asked for and why.
    pub extension_until: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub issued_on: NaiveDate,
    pub issued_by: String,
    /// The warnings it answers, when it was issued on items the proposal queue named.
    pub prompted_by: Vec<i64>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiseView {
    pub on: NaiveDate,
    pub level: String,
    /// The leader in charge the rise is copied to (a person code), if the items name one.
    pub copied: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeUnitView {
    pub code: String,
    pub signed_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FactView {
    pub code: String,
    pub title: String,
    pub status: String,
    pub progress: Option<f64>,
    pub expected: Option<f64>,
    pub warnings: Vec<String>,
}

/// A notice with its trail: every step on record, and the rises computed for today.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDetail {
    #[serde(flatten)]
    pub notice: NoticeView,
    pub trail: Vec<TrailView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrailView {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    /// `notice.issued`, `notice.signed`, …
    pub kind: String,
    pub detail: Option<serde_json::Value>,
}

pub fn view(n: &NoticeRecord, today: NaiveDate, s: &NoticeSettings) -> NoticeView {
    let name = |k: usize| s.levels.get(k).cloned().unwrap_or_default();
    let rises = n.rises(today, s);
    NoticeView {
        id: n.id,
        plan: n.plan.clone(),
        number: n.number.clone(),
        level_issued: name(n.level),
        level: name(rises.last().map_or(n.level, |r| r.level)),
        rises: rises
            .iter()
            .map(|r| RiseView {
                on: r.on,
                level: name(r.level),
                copied: n.leader.clone(),
            })
            .collect(),
        title: n.title.clone(),
        actions: n.actions.clone(),
        reply_by: n.reply_by,
        first_reply_by: n.first_reply_by,
        state: n.state.as_str().into(),
        overdue: n.state.awaits_reply() && today > n.reply_by,
        items: n.items.clone(),
        units: n
            .units
            .iter()
            .map(|u| NoticeUnitView {
                code: u.code.clone(),
                signed_on: u.signed_on,
            })
            .collect(),
        facts: n
            .facts
            .iter()
            .map(|f| FactView {
                code: f.code.clone(),
                title: f.title.clone(),
                status: f.status.clone(),
                progress: f.progress,
                expected: f.expected,
                warnings: f.warnings.clone(),
            })
            .collect(),
        leader: n.leader.clone(),
        reply: n.reply.clone(),
        replied_on: n.replied_on,
        comment: n.comment.clone(),
        closed_on: n.closed_on,
        extension_until: n.extension_until,
        extension_reason: n.extension_reason.clone(),
        issued_on: n.issued_on,
        issued_by: n.issued_by.clone(),
        prompted_by: n.prompted_by.clone(),
        version: n.version,
    }
}

/// The date a better reply is due when the office returns one without naming a date: the
/// plan's escalation step, in working days, from today.
pub fn return_by(today: NaiveDate, s: &NoticeSettings) -> NaiveDate {
    tuijin_core::notice::add_working_days(today, s.escalate_every)
}

/// A notice to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueNotice {
    /// Codes of the items it is about.
    pub items: Vec<String>,
    /// Codes of the units it is addressed to.
    pub units: Vec<String>,
    /// One of the plan's levels (default `blue`, `yellow`, `red`).
    pub level: String,
    pub title: String,
    /// What the units must do.
    pub actions: String,
    /// The day a reply is due (today or later).
    pub reply_by: NaiveDate,
}

/// The facts a notice freezes: each item's status, figures and open warnings today.
pub async fn facts(
    st: &AppState,
    plan: &str,
    items: &[String],
) -> Result<Vec<NoticeFact>, ApiError> {
    let c = st.plans.get(&st.store, plan).await?;
    let b = c.board(st.today(&c.plan));
    let mut out = Vec::new();
    for code in items {
        let Some(n) = b.position(code) else { continue };
        let row = b.row_at(n);
        let warnings = st
            .store
            .list_warnings(
                &WarningFilter {
                    plan: Some(plan.to_string()),
                    branch: Some(code.clone()),
                    ..Default::default()
                },
                100,
            )
            .await?
            .into_iter()
            .filter(|w| w.item == *code)
            .map(|w| w.kind.as_str().to_string())
            .collect();
        out.push(NoticeFact {
            code: code.clone(),
            title: c.items[n].title.zh().to_string(),
            status: row.status.as_str().into(),
            progress: row.progress.vouched(),
            expected: row.expected,
            warnings,
        });
    }
    Ok(out)
}

fn versioned(status: StatusCode, v: NoticeView) -> Response {
    (status, [(header::ETAG, etag(v.version))], Json(v)).into_response()
}

/// Issue a notice (the office).
#[utoipa::path(post, path = "/api/v1/plans/{plan}/notices", request_body = IssueNotice,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = NoticeView), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn issue(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<IssueNotice>,
) -> Result<Response, ApiError> {
    require(&who, Action::IssueNotice)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let s = header.notices.clone();
    let Some(level) = s.levels.iter().position(|l| *l == body.level) else {
        return Err(ApiError::invalid(
            Problem::new("level", Rule::NotOneOf)
                .with("value", &body.level)
                .with("allowed", s.levels.join(", ")),
        ));
    };
    let stamp = st.stamp(&who.name, &header);
    let facts = facts(&st, &plan, &body.items).await?;
    // Issued on items the queue proposes, it answers their warnings.
    let prompted_by = super::proposals::answered(&st, &plan, &body.items).await?;
    let n = st
        .store
        .issue_notice(
            NewNotice {
                plan,
                items: body.items,
                units: body.units,
                level,
                title: body.title,
                actions: body.actions,
                reply_by: body.reply_by,
                facts,
                prompted_by,
            },
            &s,
            &stamp,
        )
        .await?;
    Ok(versioned(StatusCode::CREATED, view(&n, stamp.today, &s)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    pub plan: Option<String>,
    /// issued, signed, replied, returned or closed.
    pub state: Option<String>,
    /// Addressed to this unit.
    pub unit: Option<String>,
    /// About this item.
    pub item: Option<String>,
    /// Only those past their reply date without a reply.
    pub overdue: Option<bool>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Notices in the order they were issued; a unit sees those addressed to its units.
#[utoipa::path(get, path = "/api/v1/notices", params(NoticeQuery),
    responses((status = 200, body = PageView<NoticeView>), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    ApiQuery(mut q): ApiQuery<NoticeQuery>,
) -> Result<Json<PageView<NoticeView>>, ApiError> {
    require(&who, Action::ReadPlan)?;
    super::code_filters(&mut [
        ("plan", &mut q.plan),
        ("unit", &mut q.unit),
        ("item", &mut q.item),
    ])?;
    let mut problems = Vec::new();
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => NoticeState::parse(s).or_else(|| {
            problems.push(
                Problem::new("state", Rule::NotOneOf)
                    .with("value", s)
                    .with("allowed", "issued, signed, replied, returned, closed"),
            );
            None
        }),
    };
    let (limit, after) = super::id_page(q.limit, q.cursor.as_deref(), &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let mine: Vec<&str> = who.units.iter().map(|u| u.as_str()).collect();
    let mut items = Vec::new();
    let mut next = after;
    let mut cursor = None;
    // Read pages until the page is full: filters applied here (overdue, the unit's own)
    // may skip rows.
    loop {
        let page = st
            .store
            .list_notices(
                &NoticeFilter {
                    plan: q.plan.clone(),
                    state,
                    unit: q.unit.clone(),
                    item: q.item.clone(),
                    after: next,
                },
                limit,
            )
            .await?;
        let full = page.len() as u64 == limit;
        for n in page {
            next = Some(n.id);
            if who.role == Role::Unit && !n.addressed_to(&mine) {
                continue;
            }
            let header = st.plans.header(&st.store, &n.plan).await?;
            let v = view(&n, st.today(&header), &header.notices);
            if q.overdue.is_some_and(|o| o != v.overdue) {
                continue;
            }
            items.push(v);
            if items.len() as u64 == limit {
                cursor = next.map(|n| n.to_string());
                break;
            }
        }
        if cursor.is_some() || !full {
            break;
        }
    }
    Ok(Json(PageView {
        items,
        next_cursor: cursor,
    }))
}

pub(crate) async fn readable(
    st: &AppState,
    who: &tuijin_core::policy::Principal,
    id: i64,
) -> Result<NoticeRecord, ApiError> {
    require(who, Action::ReadPlan)?;
    let n = st.store.get_notice(id).await?;
    let mine: Vec<&str> = who.units.iter().map(|u| u.as_str()).collect();
    // A unit learns nothing of a notice addressed to others: it is not there.
    if who.role == Role::Unit && !n.addressed_to(&mine) {
        return Err(ApiError::NotFound(format!("notice #{id}")));
    }
    Ok(n)
}

/// A notice with its whole trail.
#[utoipa::path(get, path = "/api/v1/notices/{id}",
    params(("id" = i64, Path, description = "notice id")),
    responses((status = 200, body = NoticeDetail), (status = 404, body = crate::error::ProblemDoc)))]
pub async fn get(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let n = readable(&st, &who, id).await?;
    let header = st.plans.header(&st.store, &n.plan).await?;
    let today = st.today(&header);
    let trail = st
        .store
        .events_for(tuijin_core::event::Entity::Notice, &id.to_string(), 1000)
        .await?
        .into_iter()
        .map(|e| TrailView {
            at: e.at,
            actor: e.actor,
            kind: e.kind.as_str().into(),
            detail: e.after,
        })
        .collect();
    let v = view(&n, today, &header.notices);
    let version = v.version;
    Ok((
        StatusCode::OK,
        [(header::ETAG, etag(version))],
        Json(NoticeDetail { notice: v, trail }),
    )
        .into_response())
}

/// What an act on a notice says.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeAct {
    /// The reply, or the reason (a return, a refusal, a close without a reply, an extension).
    #[serde(default)]
    pub text: String,
    /// For an extension: the new reply date asked for. For a return: the date the better reply
    /// is due (default: the plan's escalation step, in working days, from today).
    pub until: Option<NaiveDate>,
    /// For a unit's act: which of its units acts (default: its only addressed unit).
    pub unit: Option<String>,
}

async fn act(
    st: AppState,
    who: tuijin_core::policy::Principal,
    id: i64,
    headers: HeaderMap,
    body: NoticeAct,
    action: NoticeAction,
) -> Result<Response, ApiError> {
    let n = readable(&st, &who, id).await?;
    let mine: Vec<&str> = who.units.iter().map(|u| u.as_str()).collect();
    let addressed = n.addressed_to(&mine);
    require(&who, Action::ActOnNotice { action, addressed })?;
    let version = if_match(&headers)?;
    // The acting unit: the one named, or the user's only addressed unit.
    let unit: Option<String> = if action.by_office() {
        None
    } else {
        let theirs: Vec<&str> = n
            .units
            .iter()
            .map(|u| u.code.as_str())
            .filter(|u| mine.contains(u))
            .collect();
        match &body.unit {
            Some(u) if theirs.contains(&u.as_str()) => Some(u.clone()),
            Some(u) => {
                return Err(ApiError::from(tuijin_store::StoreError::Forbidden(
                    Problem::new("unit", Rule::NotAddressed).with("unit", u),
                )));
            }
            None => theirs.first().map(|u| u.to_string()),
        }
    };
    let header = st.plans.header(&st.store, &n.plan).await?;
    let stamp = st.stamp(&who.name, &header);
    let until = body.until.or_else(|| {
        (action == NoticeAction::Return).then(|| return_by(stamp.today, &header.notices))
    });
    let n = st
        .store
        .act_on_notice(
            id,
            version,
            action,
            unit.as_deref(),
            &body.text,
            until,
            &stamp,
        )
        .await?;
    Ok(versioned(
        StatusCode::OK,
        view(&n, stamp.today, &header.notices),
    ))
}

macro_rules! notice_act {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, request_body = NoticeAct,
            params(("id" = i64, Path, description = "notice id"), ("If-Match" = String, Header, description = "the ETag read, e.g. `\"3\"`. Required (428 without it, 412 when the notice has moved on)")),
            responses((status = 200, body = NoticeView), (status = 401, body = crate::error::ProblemDoc),
                (status = 403, body = crate::error::ProblemDoc), (status = 404, body = crate::error::ProblemDoc),
                (status = 409, body = crate::error::ProblemDoc), (status = 412, body = crate::error::ProblemDoc),
                (status = 422, body = crate::error::ProblemDoc), (status = 428, body = crate::error::ProblemDoc)))]
        pub async fn $name(
            State(st): State<AppState>,
            Auth(who): Auth,
            Path(id): Path<i64>,
            headers: HeaderMap,
            ApiJson(body): ApiJson<NoticeAct>,
        ) -> Result<Response, ApiError> {
            act(st, who, id, headers, body, $action).await
        }
    };
}

notice_act!(
    sign,
    "/api/v1/notices/{id}/sign",
    NoticeAction::Sign,
    "Sign for a notice (an addressed unit)."
);
notice_act!(
    reply,
    "/api/v1/notices/{id}/reply",
    NoticeAction::Reply,
    "Reply to a notice: what was done (an addressed unit)."
);
notice_act!(
    extend,
    "/api/v1/notices/{id}/extend",
    NoticeAction::AskExtension,
    "Ask for a later reply date, with the reason, before the date passes (an addressed unit)."
);
notice_act!(
    return_,
    "/api/v1/notices/{id}/return",
    NoticeAction::Return,
    "Send a reply back for a better one, saying why (the office)."
);
notice_act!(
    close,
    "/api/v1/notices/{id}/close",
    NoticeAction::Close,
    "Verify and close a notice (销号); without a reply, say why (the office)."
);
notice_act!(
    grant,
    "/api/v1/notices/{id}/extension/grant",
    NoticeAction::GrantExtension,
    "Grant the extension asked for (the office)."
);
notice_act!(
    refuse,
    "/api/v1/notices/{id}/extension/refuse",
    NoticeAction::RefuseExtension,
    "Refuse the extension asked for, saying why (the office)."
);
