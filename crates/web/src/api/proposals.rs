//! Proposed notices (督办建议) in the API: the queue the open warnings call for
//! (`core::proposal`), which the office dismisses with a reason or issues — one by one through
//! `POST /plans/{plan}/notices` (editing the text; the notice records the warnings it answers)
//! or several at once as proposed. Nothing is issued without a person asking for it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuijin_core::Plan;
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{NewNotice, ProposalRecord, ProposalStore};
use utoipa::{IntoParams, ToSchema};

use super::notices::{NoticeView, facts, view};
use crate::auth::{Auth, require};
use crate::cache::CachedPlan;
use crate::error::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

/// A proposed notice on one item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub item: String,
    pub item_title: String,
    /// The unit it would be addressed to: the item's lead.
    pub unit: Option<String>,
    /// high or medium: the most severe of its warnings.
    pub severity: String,
    /// When the oldest of its warnings was raised.
    pub since: NaiveDate,
    /// The level proposed: the mildest, or one above the level a closed notice on the item
    /// reached.
    pub level: String,
    pub reply_by: NaiveDate,
    /// The notice's text as proposed (in Chinese, the language of the office's documents).
    pub title: String,
    pub actions: String,
    pub warnings: Vec<ProposalWarning>,
    /// Every warning it rests on was dismissed by the office.
    pub dismissed: bool,
    pub dismissals: Vec<DismissalView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalWarning {
    pub id: i64,
    pub kind: String,
    pub severity: String,
    pub details: String,
    pub raised_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DismissalView {
    pub warning: i64,
    pub reason: String,
    pub by: String,
    pub on: NaiveDate,
}

/// The proposal's text in `lang`: a title naming the item, and actions that say what the
/// warnings found and by when a reply is due.
pub fn proposed_text(lang: Lang, item_title: &str, p: &ProposalRecord) -> (String, String) {
    let found: Vec<String> = p
        .warnings
        .iter()
        .map(|w| {
            lang.f(
                "proposals.finding",
                &[
                    (
                        "kind",
                        &lang
                            .lookup(&format!("warning.{}", w.kind.as_str()))
                            .unwrap_or(w.kind.as_str()),
                    ),
                    (
                        "details",
                        &tuijin_core::warning::render_details(&w.details, lang)
                            .trim_end_matches(['。', '.']),
                    ),
                ],
            )
        })
        .collect();
    (
        lang.f("notices.default_title", &[("item", &item_title)]),
        lang.f(
            "proposals.actions",
            &[
                ("found", &found.join(lang.t("proposals.sep"))),
                ("reply_by", &p.proposal.reply_by),
            ],
        ),
    )
}

fn proposal_view(c: &CachedPlan, p: &ProposalRecord) -> ProposalView {
    let plan: &Plan = &c.plan;
    // By the tree's index: a walk of the items per proposal was quadratic (10,000 proposals
    // on a million-item plan took five minutes).
    let item = c.item_by_code(&p.proposal.item);
    let item_title = item.map(|i| i.title.zh().to_string()).unwrap_or_default();
    let (title, actions) = proposed_text(Lang::Zh, &item_title, p);
    ProposalView {
        item: p.proposal.item.clone(),
        unit: item.and_then(|i| i.lead.as_ref().map(|u| u.to_string())),
        item_title,
        severity: p.proposal.severity.as_str().into(),
        since: p.proposal.since,
        level: plan
            .notices
            .levels
            .get(p.proposal.level)
            .cloned()
            .unwrap_or_default(),
        reply_by: p.proposal.reply_by,
        title,
        actions,
        warnings: p
            .warnings
            .iter()
            .map(|w| ProposalWarning {
                id: w.id,
                kind: w.kind.as_str().into(),
                severity: w.severity.as_str().into(),
                details: tuijin_core::warning::render_details(&w.details, Lang::En),
                raised_on: w.raised_on,
            })
            .collect(),
        dismissed: p.proposal.dismissed,
        dismissals: p
            .dismissals
            .iter()
            .map(|d| DismissalView {
                warning: d.warning,
                reason: d.reason.clone(),
                by: d.by.clone(),
                on: d.on,
            })
            .collect(),
    }
}

/// The plan's queue today, dismissed proposals included.
pub async fn queue(st: &AppState, plan: &str) -> Result<Vec<ProposalRecord>, ApiError> {
    Ok(queue_of(st, plan).await?.proposals)
}

/// The queue with whether it was worked out from only the worst `QUEUE_SCAN` open warnings.
pub async fn queue_of(st: &AppState, plan: &str) -> Result<tuijin_store::Queue, ApiError> {
    let header = st.plans.header(&st.store, plan).await?;
    Ok(st
        .store
        .notice_proposals(plan, st.today(&header), header.cadence, &header.notices)
        .await?)
}

/// The warnings a notice on `items` answers: those of the proposals on them today.
pub async fn answered(st: &AppState, plan: &str, items: &[String]) -> Result<Vec<i64>, ApiError> {
    Ok(queue(st, plan)
        .await?
        .into_iter()
        .filter(|p| items.contains(&p.proposal.item) && !p.proposal.dismissed)
        .flat_map(|p| p.proposal.warnings)
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Include the proposals the office dismissed (default: only those waiting).
    pub dismissed: Option<bool>,
}

/// The notices the open warnings call for (the office): a red light at once, a yellow one
/// that has lasted a whole reporting period, never while a notice on the item is open.
#[utoipa::path(get, path = "/api/v1/plans/{plan}/notice-proposals",
    params(("plan" = String, Path, description = "plan code"), ProposalQuery),
    responses((status = 200, body = Vec<ProposalView>), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn list(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<ProposalQuery>,
) -> Result<Json<Vec<ProposalView>>, ApiError> {
    require(&who, Action::IssueNotice)?;
    let c = st.plans.get(&st.store, &plan).await?;
    let all = q.dismissed.unwrap_or(false);
    Ok(Json(
        queue(&st, &plan)
            .await?
            .iter()
            .filter(|p| all || !p.proposal.dismissed)
            .map(|p| proposal_view(&c, p))
            .collect(),
    ))
}

/// Why a proposal is dismissed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dismiss {
    pub reason: String,
}

/// Dismiss the proposal on an item, saying why (the office): it leaves the queue until a new
/// warning calls for a notice on the item.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/notice-proposals/{item}/dismiss", request_body = Dismiss,
    params(("plan" = String, Path, description = "plan code"), ("item" = String, Path, description = "item code")),
    responses((status = 204), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn dismiss(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path((plan, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<Dismiss>,
) -> Result<StatusCode, ApiError> {
    require(&who, Action::IssueNotice)?;
    let header = st.plans.header(&st.store, &plan).await?;
    let Some(p) = queue(&st, &plan)
        .await?
        .into_iter()
        .find(|p| p.proposal.item == item && !p.proposal.dismissed)
    else {
        return Err(ApiError::NotFound(format!(
            "a proposed notice on item `{item}` in plan `{plan}`"
        )));
    };
    st.store
        .dismiss_proposal(
            &plan,
            &item,
            &p.proposal.warnings,
            &body.reason,
            &st.stamp(&who.name, &header),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Proposals to issue as proposed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueProposals {
    /// Codes of the items whose proposals to issue.
    pub items: Vec<String>,
}

/// Issue several proposals as proposed, in one go (the office): every notice or none.
#[utoipa::path(post, path = "/api/v1/plans/{plan}/notice-proposals/issue", request_body = IssueProposals,
    params(("plan" = String, Path, description = "plan code")),
    responses((status = 201, body = Vec<NoticeView>), (status = 403, body = crate::error::ProblemDoc),
        (status = 404, body = crate::error::ProblemDoc), (status = 409, body = crate::error::ProblemDoc), (status = 422, body = crate::error::ProblemDoc)))]
pub async fn issue(
    State(st): State<AppState>,
    Auth(who): Auth,
    Path(plan): Path<String>,
    ApiJson(body): ApiJson<IssueProposals>,
) -> Result<Response, ApiError> {
    require(&who, Action::IssueNotice)?;
    let news = bulk(&st, &plan, &body.items).await?;
    let header = st.plans.header(&st.store, &plan).await?;
    let stamp = st.stamp(&who.name, &header);
    let s = &header.notices;
    let out = st.store.issue_notices(news, s, &stamp).await?;
    let views: Vec<NoticeView> = out.iter().map(|n| view(n, stamp.today, s)).collect();
    Ok((StatusCode::CREATED, Json(views)).into_response())
}

/// The notices that issuing `items`' proposals as proposed makes: the item's lead, the level,
/// reply date and text proposed, the facts of today. An item without a proposal waiting today
/// (none, or one the office dismissed, which it issues from the form if it changes its mind)
/// or named twice is refused.
pub async fn bulk(st: &AppState, plan: &str, items: &[String]) -> Result<Vec<NewNotice>, ApiError> {
    let c = st.plans.get(&st.store, plan).await?;
    let q = queue(st, plan).await?;
    let mut problems = Vec::new();
    if items.is_empty() {
        problems.push(Problem::new("items", Rule::Required));
    }
    let mut news = Vec::new();
    for (k, code) in items.iter().enumerate() {
        if items[..k].contains(code) {
            problems.push(Problem::new(format!("items[{k}]"), Rule::Duplicate));
            continue;
        }
        let Some(p) = q
            .iter()
            .find(|p| p.proposal.item == *code && !p.proposal.dismissed)
        else {
            problems.push(Problem::new(format!("items[{k}]"), Rule::NoProposal).with("item", code));
            continue;
        };
        let v = proposal_view(&c, p);
        news.push(NewNotice {
            plan: plan.to_string(),
            items: vec![code.clone()],
            units: v.unit.into_iter().collect(),
            level: p.proposal.level,
            title: v.title,
            actions: v.actions,
            reply_by: p.proposal.reply_by,
            facts: facts(st, plan, std::slice::from_ref(code)).await?,
            prompted_by: p.proposal.warnings.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    Ok(news)
}
