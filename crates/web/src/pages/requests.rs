//! Change requests (调整申请) in the pages: the lead unit's form on an item (a later deadline,
//! another target value, other co-operating units, with the reason and evidence), the
//! office's queue with approve and refuse, and the unit's requests with their outcome in its
//! workspace. The rules are `core::edit`, applied by the store (`RequestStore`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::Code;
use tuijin_core::edit::{RequestState, RequestedChange};
use tuijin_core::i18n::Lang;
use tuijin_core::policy::{Action, Role};
use tuijin_store::{ItemStore, RequestRecord, RequestStore, StoreError};

use super::widgets::{fmt1, item_href, local_time};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::session::Viewer;

pub fn state_key(s: RequestState) -> &'static str {
    match s {
        RequestState::Pending => "request.state.pending",
        RequestState::Approved => "request.state.approved",
        RequestState::Refused => "request.state.refused",
        RequestState::Withdrawn => "request.state.withdrawn",
    }
}

/// What a request asks for, in words.
pub fn asked(l: Lang, c: &CachedPlan, r: &RequestRecord) -> Markup {
    // What the item said when the request was filed (kept with it); for a request filed
    // before that was kept, what it says now.
    let item = c.items.iter().find(|i| i.code.as_str() == r.item);
    let was = r
        .before
        .clone()
        .or_else(|| item.map(|i| r.change.before(i)))
        .unwrap_or_default();
    html! {
        @if let Some(d) = r.change.due {
            span { (l.t("request.due")) " " (was.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) " → " strong { (d) } } br;
        }
        @if let Some(v) = r.change.target_value {
            span { (l.t("request.target_value")) " " (was.target_value.map(fmt1).unwrap_or_else(|| "—".into())) " → " strong { (fmt1(v)) } } br;
        }
        @if let Some(co) = &r.change.co {
            span { (l.t("request.co")) " " (was.co.as_ref().map(|co| co.iter().map(|u| c.unit_name(u.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.to_string())).collect::<Vec<_>>().join("、")).unwrap_or_default()) " → " strong { (co.iter().map(|u| c.unit_name(u.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.to_string())).collect::<Vec<_>>().join("、")) } }
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    target_value: String,
    #[serde(default)]
    change_co: String,
    #[serde(default)]
    co: Vec<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    evidence: String,
}

/// The viewer's units that lead the item.
async fn leading(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    code: &str,
) -> Result<Vec<String>, PageError> {
    let item = st.store.get_item(plan, code).await?;
    if item.archived {
        return Err(PageError::not_found(code.to_string()));
    }
    Ok(v.who
        .units
        .iter()
        .filter(|u| {
            item.item
                .lead
                .as_ref()
                .is_some_and(|l| l.as_str() == u.as_str())
        })
        .map(|u| u.to_string())
        .collect())
}

pub async fn form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let units = leading(&st, &v, &plan, &code).await?;
    let unit = units.first().cloned().unwrap_or_default();
    v.require(Action::RequestChange { unit: &unit })?;
    if units.is_empty() {
        return Err(PageError::forbidden("request.not_lead"));
    }
    let item = st.store.get_item(&plan, &code).await?.item;
    let f = RequestForm {
        unit,
        co: item.co.iter().map(|c| c.to_string()).collect(),
        ..Default::default()
    };
    render(&st, &v, &plan, &code, &f, &[]).await
}

async fn render(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    code: &str,
    f: &RequestForm,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let item = st.store.get_item(plan, code).await?.item;
    let fp = super::widgets::FieldProblems(problems);
    let class = |field: &str| fp.class(field);
    let errs = |field: &str| fp.messages(field);
    let units = super::plan_edit::unit_options(l, &c);
    let body = html! {
        p.crumbs { a href=(item_href(plan, code)) { span.code { (code) } " " (l.pick(&item.title)) } " › " (l.t("request.title")) }
        h1 { (l.t("request.title")) }
        p.muted { (l.t("request.help")) }
        @let general: Vec<&(String, String)> = problems.iter().filter(|p| !["due", "target_value", "co", "reason", "evidence"].contains(&p.0.as_str())).collect();
        @if !general.is_empty() { div.notice.bad role="alert" { ul { @for (_, m) in general { li { (m) } } } } }
        form method="post" action={ "/plans/" (plan) "/items/" (super::urlencode(code)) "/request" } enctype="multipart/form-data" novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            input type="hidden" name="unit" value=(f.unit);
            div class=(class("due")) {
                label for="due" { (l.t("request.due")) " (" (l.t("request.now")) " " (item.due.map(|d| d.to_string()).unwrap_or_default()) ")" }
                input #due name="due" type="date" value=(f.due);
                (errs("due"))
            }
            @if let Some(t) = &item.extra.target {
                div class=(class("target_value")) {
                    label for="target_value" { (l.t("request.target_value")) " (" (l.t("request.now")) " " (fmt1(t.value)) " " (t.unit) ")" }
                    input #target_value name="target_value" type="number" step="any" value=(f.target_value);
                    (errs("target_value"))
                }
            }
            fieldset class=(class("co")) {
                legend { label { input type="checkbox" name="change_co" value="1" checked[!f.change_co.is_empty()]; " " (l.t("request.change_co")) } }
                select #co name="co" multiple size="6" {
                    @for (k, n) in &units { option value=(k) selected[f.co.contains(k)] { (n) " (" (k) ")" } }
                }
                (errs("co"))
            }
            div class=(class("reason")) {
                label for="reason" { (l.t("request.reason")) }
                textarea #reason name="reason" required { (f.reason) }
                (errs("reason"))
            }
            div class=(class("evidence")) {
                label for="evidence" { (l.t("request.evidence")) }
                input #evidence name="evidence" type="text" value=(f.evidence);
                (errs("evidence"))
            }
            (super::evidence::input(l, st.evidence_max, problems.iter().find(|p| p.0 == super::evidence::FIELD).map(|p| p.1.clone())))
            p.kv { button type="submit" { (l.t("request.send")) } }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Workspace,
        l.t("request.title"),
        body,
    ))
}

pub async fn file(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let (f, uploads): (RequestForm, _) = super::evidence::read_form(req).await?;
    v.check_csrf(&f.csrf)?;
    v.require(Action::RequestChange { unit: &f.unit })?;
    let l = v.lang;
    // The files are checked with the words, so every problem shows at once.
    let mut problems = super::evidence::check(l, &uploads, st.evidence_max);
    let due = match f.due.trim() {
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(("due".to_string(), l.t("edit.bad_date").to_string()));
                None
            }
        },
    };
    let target_value = match f.target_value.trim() {
        "" => None,
        s => match s.parse::<f64>().ok().filter(|x| x.is_finite()) {
            Some(x) => Some(x),
            None => {
                problems.push((
                    "target_value".to_string(),
                    l.t("edit.bad_target").to_string(),
                ));
                None
            }
        },
    };
    let co = if f.change_co.is_empty() {
        None
    } else {
        Some(f.co.iter().filter_map(|c| Code::parse(c).ok()).collect())
    };
    if problems.is_empty() {
        let header = st.plans.header(&st.store, &plan).await?;
        let change = RequestedChange {
            due,
            target_value,
            co,
        };
        match st
            .store
            .file_request(
                &tuijin_store::NewRequest {
                    plan: plan.clone(),
                    item: code.clone(),
                    unit: f.unit.clone(),
                    change,
                    reason: f.reason.clone(),
                    evidence: f.evidence.clone(),
                },
                uploads,
                st.evidence_max,
                &st.stamp(&v.who.name, &header),
            )
            .await
        {
            Ok(_) => return Ok(Redirect::to("/workspace#requests").into_response()),
            Err(StoreError::Invalid(ps)) => {
                problems = ps.iter().map(|p| (p.field.clone(), p.message(l))).collect();
            }
            // What the approval would break, said now: by the request's field where it is
            // about this item's date or target, above the form otherwise.
            Err(StoreError::PlanInvalid(ps)) => {
                problems = ps
                    .iter()
                    .map(|p| {
                        let mine = p.entry.as_deref() == Some(code.as_str());
                        let field = match p.path.field.as_str() {
                            "due" if mine => "due",
                            f if mine && f.starts_with("target") => "target_value",
                            f if mine && f.starts_with("co") => "co",
                            _ => "",
                        };
                        let msg = if field.is_empty() {
                            format!("{}: {}", p.field_name(), p.kind.message(l))
                        } else {
                            p.kind.message(l)
                        };
                        (field.to_string(), msg)
                    })
                    .collect();
            }
            Err(StoreError::Conflict(p)) => problems = vec![(String::new(), p.message(l))],
            Err(e) => return Err(e.into()),
        }
    }
    let page = render(&st, &v, &plan, &code, &f, &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The office's queue: pending requests first, each with approve and refuse; then the decided.
pub async fn queue(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    render_queue(&st, &v, &plan, &[]).await
}

async fn render_queue(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    problems: &[String],
) -> Result<Html<String>, PageError> {
    v.require(Action::EditPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let tz = c.plan.tz();
    let all = st.store.list_requests(plan, None, None).await?;
    let (pending, decided): (Vec<&RequestRecord>, Vec<&RequestRecord>) =
        all.iter().partition(|r| r.state == RequestState::Pending);
    let title = |code: &str| {
        c.items
            .iter()
            .find(|i| i.code.as_str() == code)
            .map(|i| l.pick(&i.title).to_string())
            .unwrap_or_default()
    };
    let unit = |u: &str| {
        c.unit_name(u)
            .map(|t| l.pick(t).to_string())
            .unwrap_or_else(|| u.to_string())
    };
    let body = html! {
        h1 { (l.t("request.queue")) }
        p.muted { (l.t("request.queue_help")) }
        @if !problems.is_empty() { div.notice.bad role="alert" { ul { @for p in problems { li { (p) } } } } }
        @if pending.is_empty() { p { (l.t("request.none_pending")) } }
        @for r in &pending {
            article.objection {
                h3 { a href=(item_href(plan, &r.item)) { span.code { (r.item) } " " (title(&r.item)) } }
                p.small.muted { (unit(&r.unit)) " · " (local_time(tz, r.filed_at)) " · " (r.filed_by) }
                p { (asked(l, &c, r)) }
                p.pre { (r.reason) }
                @if !r.evidence.is_empty() { p.small { (l.t("request.evidence")) ": " (r.evidence) } }
                section.acts {
                    form.act method="post" action={ "/change-requests/" (r.id) "/decide" } {
                        input type="hidden" name="csrf" value=(v.csrf());
                        input type="hidden" name="version" value=(r.version);
                        label { (l.t("request.decision")) " " input type="text" name="text"; }
                        button type="submit" name="decision" value="approve" { (l.t("request.approve")) }
                        " "
                        button type="submit" name="decision" value="refuse" { (l.t("request.refuse")) }
                    }
                }
            }
        }
        @if !decided.is_empty() {
            h2 { (l.t("request.decided")) }
            div.tablewrap { table {
                thead { tr { th { (l.t("col.item")) } th { (l.t("col.unit")) } th { (l.t("request.asked")) } th { (l.t("col.state")) } th { (l.t("request.decision")) } } }
                tbody { @for r in &decided {
                    tr {
                        td { a href=(item_href(plan, &r.item)) { span.code { (r.item) } } }
                        td { (unit(&r.unit)) }
                        td.small { (asked(l, &c, r)) }
                        td { (l.t(state_key(r.state))) }
                        td.small { (r.decision.clone().unwrap_or_default()) }
                    }
                } }
            } }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Tree,
        l.t("request.queue"),
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    text: String,
}

pub async fn decide(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let l = v.lang;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        other => return Err(PageError::bad_request(format!("decision `{other}`"))),
    };
    let r = st.store.get_request(id).await?;
    let header = st.plans.header(&st.store, &r.plan).await?;
    let problems: Vec<String> = match st
        .store
        .decide_request(
            id,
            f.version,
            approve,
            &f.text,
            &st.stamp(&v.who.name, &header),
        )
        .await
    {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/plans/{}/change-requests", r.plan)).into_response());
        }
        Err(StoreError::Invalid(ps)) => ps.iter().map(|p| p.message(l)).collect(),
        Err(StoreError::PlanInvalid(ps)) => ps
            .iter()
            .map(|p| format!("{}: {}", p.field_name(), p.kind.message(l)))
            .collect(),
        Err(StoreError::Conflict(p)) => vec![p.message(l)],
        Err(StoreError::Stale { .. }) => vec![l.t("edit.moved_on").to_string()],
        Err(e) => return Err(e.into()),
    };
    let page = render_queue(&st, &v, &r.plan, &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A unit's requests in a plan, newest first, for its workspace.
pub async fn workspace_section(
    st: &AppState,
    l: Lang,
    plan: &str,
    c: &CachedPlan,
    v: &Viewer,
) -> Result<Markup, PageError> {
    if v.who.role != Role::Unit {
        return Ok(html! {});
    }
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    let list = st.store.list_requests(plan, None, Some(&mine)).await?;
    Ok(html! {
        @if !list.is_empty() {
            section #requests aria-labelledby={ "req-" (plan) } {
                h3 id={ "req-" (plan) } { (l.t("request.mine")) }
                ul { @for r in list.iter().take(10) {
                    li {
                        a href=(item_href(plan, &r.item)) { span.code { (r.item) } } " · " (asked(l, c, r))
                        " · " strong { (l.t(state_key(r.state))) }
                        @if let Some(d) = &r.decision { @if !d.is_empty() { " — " q { (d) } } }
                        @if r.state == RequestState::Pending {
                            form.inline method="post" action={ "/change-requests/" (r.id) "/withdraw" } {
                                input type="hidden" name="csrf" value=(v.csrf());
                                input type="hidden" name="version" value=(r.version);
                                " " button.link type="submit" { (l.t("request.withdraw")) }
                            }
                        }
                    }
                } }
            }
        }
    })
}

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// The unit that asked takes its pending request back; back to its workspace.
pub async fn withdraw(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::ReadPlan)?;
    let r = st.store.get_request(id).await?;
    v.require(Action::RequestChange { unit: &r.unit })?;
    let header = st.plans.header(&st.store, &r.plan).await?;
    st.store
        .withdraw_request(id, f.version, &r.unit, &st.stamp(&v.who.name, &header))
        .await?;
    Ok(Redirect::to("/workspace#requests").into_response())
}
