//! The office's queue of proposed notices (督办建议): what the open warnings call for, each
//! with the warnings behind it, to issue as proposed (several at once), to edit and issue
//! from the notice form, or to dismiss with a reason. The rule is `core::proposal`; the queue
//! and the bulk issue are shared with the API (`api::proposals`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use tuijin_core::policy::Action;
use tuijin_store::{ProposalRecord, ProposalStore, StoreError};

use super::notices::level_chip;
use super::widgets::item_href;
use super::{PageError, Section, layout, warning_key};
use crate::api::proposals::{bulk, proposed_text, queue};
use crate::session::Viewer;
use crate::{ApiError, AppState};

/// How many proposals wait in the plan's queue today (the office's cockpit and board).
pub async fn waiting(st: &AppState, plan: &str) -> Result<String, PageError> {
    let header = st.plans.header(&st.store, plan).await?;
    let (n, partial) = tuijin_store::ProposalStore::waiting_proposals(
        &st.store,
        plan,
        st.today(&header),
        header.cadence,
        &header.notices,
    )
    .await?;
    // Worked out from the worst open warnings only: at least this many.
    Ok(if partial {
        format!("{n}+")
    } else {
        n.to_string()
    })
}

/// The proposal waiting on an item, if any: the notice form starts from its text.
pub async fn on_item(
    st: &AppState,
    plan: &str,
    item: &str,
) -> Result<Option<ProposalRecord>, PageError> {
    Ok(queue(st, plan)
        .await?
        .into_iter()
        .find(|p| p.proposal.item == item && !p.proposal.dismissed))
}

/// Proposals shown on one page of the queue: a province's queue holds thousands, and all of
/// them on one page made 12 MB that a browser could not lay out in two minutes.
const PAGE: usize = 100;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// The page of the queue, from 0; one that does not parse is the first.
    #[serde(default)]
    page: String,
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, PageError> {
    let n = q.page.trim().parse().unwrap_or(0);
    render(&st, &v, &plan, &[], n).await
}

/// The queue's pages: previous, "page n of m", next.
fn pager(l: tuijin_core::text::Lang, plan: &str, page: usize, total: usize) -> maud::Markup {
    let pages = total.div_ceil(PAGE);
    let href = |n: usize| format!("/plans/{plan}/notices/proposals?page={n}");
    html! {
        @if pages > 1 {
            nav.pager aria-label=(l.t("tree.pages")) {
                @if page > 0 { a href=(href(page - 1)) rel="prev" { (l.t("tree.prev")) } }
                span { (l.f("tree.page_of", &[("n", &(page + 1)), ("of", &pages)])) }
                @if page + 1 < pages { a href=(href(page + 1)) rel="next" { (l.t("tree.next")) } }
            }
        }
    }
}

async fn render(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    problems: &[String],
    page: usize,
) -> Result<Html<String>, PageError> {
    v.require(Action::IssueNotice)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let today = st.today(&c.plan);
    let s = c.plan.notices.clone();
    // The queue without its warnings' records, then the records of the page shown only.
    let q = st
        .store
        .notice_proposals_bare(plan, today, c.plan.cadence, &s)
        .await?;
    let partial = q.partial;
    let (dismissed, mut waiting): (Vec<ProposalRecord>, Vec<ProposalRecord>) =
        q.proposals.into_iter().partition(|p| p.proposal.dismissed);
    // A page past the end shows the last one.
    let page = page.min(waiting.len().saturating_sub(1) / PAGE);
    let range = (page * PAGE).min(waiting.len())..((page + 1) * PAGE).min(waiting.len());
    st.store
        .with_warnings(plan, &mut waiting[range.clone()])
        .await?;
    let shown = &waiting[range];
    // Items by code from the board's index, not a walk of the plan per row.
    let b = c.board(today);
    let title = |code: &str| {
        c.item(&b, code)
            .map(|i| l.pick(&i.title).to_string())
            .unwrap_or_default()
    };
    let lead = |code: &str| {
        c.item(&b, code)
            .and_then(|i| i.lead.as_ref())
            .map(|u| {
                c.unit_name(u.as_str())
                    .map(|t| l.pick(t).to_string())
                    .unwrap_or_else(|| u.to_string())
            })
            .unwrap_or_default()
    };
    let body = html! {
        p.crumbs { a href={ "/plans/" (plan) "/notices" } { (l.t("notices.title")) } " › " (l.t("proposals.title")) }
        h1 { (l.t("proposals.title")) }
        p.muted { (l.f("proposals.as_of", &[("date", &today)])) }
        p.small.muted { (l.t("proposals.rule")) }
        @if !problems.is_empty() {
            div.notice.bad role="alert" { p { (l.t("form.fix")) } ul { @for m in problems { li { (m) } } } }
        }
        @if partial {
            p.notice role="status" { (l.f("proposals.partial", &[("n", &tuijin_store::QUEUE_SCAN)])) }
        }
        @if waiting.is_empty() {
            p { (l.t("proposals.none")) }
        } @else {
            form #bulk method="post" action={ "/plans/" (plan) "/notices/proposals/issue" } {
                input type="hidden" name="csrf" value=(v.csrf());
                p.kv { button type="submit" { (l.t("proposals.issue_selected")) } span.small.muted { (l.t("proposals.issue_help")) } }
            }
            // "N+" when the queue comes from only the worst warnings, as on the cockpit.
            p #waiting { (l.f("proposals.waiting", &[("n", &if partial { format!("{}+", waiting.len()) } else { waiting.len().to_string() })])) }
            (pager(l, plan, page, waiting.len()))
            div.tablewrap { table.wide {
                thead { tr {
                    th { span.sr-only { (l.t("proposals.select")) } }
                    th { (l.t("col.item")) } th { (l.t("col.unit")) } th { (l.t("proposals.found")) }
                    th { (l.t("notices.level")) } th { (l.t("notices.reply_by")) } th { (l.t("proposals.decide")) }
                } }
                tbody { @for p in shown {
                    @let code = p.proposal.item.as_str();
                    @let (_, actions) = proposed_text(l, &title(code), p);
                    tr {
                        td { input type="checkbox" form="bulk" name="items" value=(code) aria-label=(l.f("proposals.select_item", &[("item", &code)])); }
                        td { a href=(item_href(plan, code)) { span.code { (code) } " " (title(code)) } }
                        td { (lead(code)) }
                        td {
                            ul.plain { @for w in &p.warnings {
                                li { span class={ "sev sev-" (w.severity.as_str()) } { (l.t(warning_key(w.kind))) } " "
                                    span.small { (tuijin_core::warning::render_details(&w.details, l)) } " "
                                    span.small.muted { (l.f("proposals.since", &[("date", &w.raised_on)])) } }
                            } }
                            details { summary.small { (l.t("proposals.text")) } p.small { (actions) } }
                        }
                        td { (level_chip(l, &s, p.proposal.level)) }
                        td.nowrap { (p.proposal.reply_by) }
                        td.decide {
                            a href={ "/plans/" (plan) "/notices/new?item=" (code) } { (l.t("proposals.edit_issue")) }
                            details {
                                summary { (l.t("proposals.dismiss")) }
                                form method="post" action={ "/plans/" (plan) "/notices/proposals/dismiss" } {
                                    input type="hidden" name="csrf" value=(v.csrf());
                                    input type="hidden" name="item" value=(code);
                                    label { (l.t("proposals.reason")) textarea name="reason" required {} }
                                    button type="submit" { (l.t("proposals.dismiss")) }
                                }
                            }
                        }
                    }
                } }
            } }
            (pager(l, plan, page, waiting.len()))
        }
        @if !dismissed.is_empty() {
            h2 { (l.t("proposals.dismissed")) }
            div.tablewrap { table.wide {
                thead { tr { th { (l.t("col.item")) } th { (l.t("proposals.reason")) } th { (l.t("proposals.dismissed_by")) } } }
                tbody { @for p in dismissed.iter().take(PAGE) {
                    @let code = p.proposal.item.as_str();
                    tr {
                        td { a href=(item_href(plan, code)) { span.code { (code) } " " (title(code)) } }
                        td { @if let Some(d) = p.dismissals.first() { (d.reason) } }
                        td.nowrap { @if let Some(d) = p.dismissals.first() { (d.by) " · " (d.on) } }
                    }
                } }
            } }
            @if dismissed.len() > PAGE {
                p.small.muted { (l.f("proposals.dismissed_more", &[("n", &(dismissed.len() - PAGE))])) }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Notices,
        l.t("proposals.title"),
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    items: Vec<String>,
}

/// Issues the ticked proposals as proposed, all or none; back to the board.
pub async fn issue(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    v.require(Action::IssueNotice)?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let header = st.plans.header(&st.store, &plan).await?;
    let refused = |ps: Vec<tuijin_core::problem::Problem>| -> Vec<String> {
        ps.iter().map(|p| p.message(l)).collect()
    };
    let news = match bulk(&st, &plan, &f.items).await {
        Ok(n) => n,
        Err(ApiError::Invalid(ps)) => {
            let page = render(&st, &v, &plan, &refused(ps), 0).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let stamp = st.stamp(&v.who.name, &header);
    match st.store.issue_notices(news, &header.notices, &stamp).await {
        Ok(_) => Ok(Redirect::to(&format!("/plans/{plan}/notices")).into_response()),
        Err(StoreError::Invalid(ps)) => {
            let page = render(&st, &v, &plan, &refused(ps), 0).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct DismissForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    reason: String,
}

/// Dismisses the proposal on an item, with the reason given; back to the queue.
pub async fn dismiss(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<DismissForm>,
) -> Result<Response, PageError> {
    v.require(Action::IssueNotice)?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let header = st.plans.header(&st.store, &plan).await?;
    let Some(p) = on_item(&st, &plan, &f.item).await? else {
        return Err(PageError::not_found(f.item.clone()));
    };
    match st
        .store
        .dismiss_proposal(
            &plan,
            &f.item,
            &p.proposal.warnings,
            &f.reason,
            &st.stamp(&v.who.name, &header),
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{plan}/notices/proposals")).into_response()),
        Err(StoreError::Invalid(ps)) => {
            let msgs: Vec<String> = ps.iter().map(|p| p.message(l)).collect();
            let page = render(&st, &v, &plan, &msgs, 0).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
