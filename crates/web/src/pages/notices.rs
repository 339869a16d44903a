//! Supervision notices (督办) in the pages: the office's board (filters, counts per level
//! today), the form to issue one from an item, a notice with its facts and whole trail, and
//! the acts on it — the addressed unit signs, replies and asks for time; the office returns,
//! closes and decides extensions. The rules are `core::notice`, applied by the store.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::i18n::Lang;
use tuijin_core::notice::{NoticeAction, NoticeSettings, NoticeState};
use tuijin_core::policy::{Action, Role};
use tuijin_store::{
    EventStore, EvidenceStore, NewNotice, NoticeFilter, NoticeRecord, NoticeStore, StoreError,
};

use super::widgets::{fmt1, item_href, status};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::api::notices::facts;
use crate::session::Viewer;

/// A level as a coloured chip, by its name in the settings (blue, yellow, red, …).
pub fn level_chip(l: Lang, s: &NoticeSettings, level: usize) -> Markup {
    let name = s.levels.get(level).map(String::as_str).unwrap_or("");
    let key = match name {
        "blue" => "notice.level.blue",
        "yellow" => "notice.level.yellow",
        "orange" => "notice.level.orange",
        "red" => "notice.level.red",
        _ => "",
    };
    html! {
        span class={ "lvl lvl-" (name) } { @if key.is_empty() { (name) } @else { (l.t(key)) } }
    }
}

pub(super) fn state_key(s: NoticeState) -> &'static str {
    match s {
        NoticeState::Issued => "notice.state.issued",
        NoticeState::Signed => "notice.state.signed",
        NoticeState::Replied => "notice.state.replied",
        NoticeState::Returned => "notice.state.returned",
        NoticeState::Closed => "notice.state.closed",
    }
}

/// The notices of a plan the viewer may read, with today's level of each.
pub(super) async fn readable(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    unit: Option<String>,
    state: Option<NoticeState>,
) -> Result<Vec<NoticeRecord>, PageError> {
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = st
            .store
            .list_notices(
                &NoticeFilter {
                    plan: Some(plan.to_string()),
                    state,
                    unit: unit.clone(),
                    after,
                    ..Default::default()
                },
                1000,
            )
            .await?;
        let full = page.len() == 1000;
        after = page.last().map(|n| n.id);
        out.extend(
            page.into_iter()
                .filter(|n| v.who.role != Role::Unit || n.addressed_to(&mine)),
        );
        if !full {
            break;
        }
    }
    Ok(out)
}

/// What the cockpit shows of the notices: open ones per level today, how many are overdue,
/// and those that have risen since they were issued (copied to the leader in charge).
pub struct Counts {
    pub per_level: Vec<usize>,
    pub overdue: usize,
    pub risen: Vec<NoticeRecord>,
}

pub async fn counts(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    today: NaiveDate,
) -> Result<Counts, PageError> {
    let s = st.plans.header(&st.store, plan).await?.notices.clone();
    let mut out = Counts {
        per_level: vec![0; s.levels.len()],
        overdue: 0,
        risen: Vec::new(),
    };
    for n in readable(st, v, plan, None, None).await? {
        if n.state == NoticeState::Closed {
            continue;
        }
        let k = n.level_on(today, &s).min(out.per_level.len() - 1);
        out.per_level[k] += 1;
        if n.state.awaits_reply() && today > n.reply_by {
            out.overdue += 1;
        }
        // The leaders' list of what the units left unanswered: a notice replied late keeps the
        // level it reached, but it is no longer waiting on anyone.
        if k > n.level && n.state.awaits_reply() {
            out.risen.push(n);
        }
    }
    out.risen
        .sort_by_key(|n| (std::cmp::Reverse(n.level_on(today, &s)), n.reply_by, n.id));
    Ok(out)
}

/// The notices that have risen, with the leader in charge each is copied to: the leaders'
/// list of what the units left unanswered.
pub fn risen_list(
    l: Lang,
    c: &crate::cache::CachedPlan,
    risen: &[NoticeRecord],
    today: NaiveDate,
) -> Markup {
    let s = &c.plan.notices;
    html! {
        @if !risen.is_empty() {
            h3 { (l.t("notices.risen")) }
            ul.plain { @for n in risen {
                li {
                    (level_chip(l, s, n.level_on(today, s))) " "
                    a href={ "/notices/" (n.id) } { (n.number) } " " (n.title)
                    span.small.muted {
                        " · " (l.t("notices.reply_by")) " " (n.reply_by)
                        @if let Some(p) = &n.leader {
                            " · " (l.f("notices.copied_to", &[("leader", &c.people.get(p.as_str()).map(|x| l.pick(&x.name).to_string()).unwrap_or_else(|| p.clone()))]))
                        }
                    }
                }
            } }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    item: String,
    /// A leader's instruction on the item (领导批示) the notice carries out: its text opens
    /// the notice's actions.
    #[serde(default)]
    note: Option<i64>,
}

#[derive(Deserialize, Default, Clone)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    level: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    actions: String,
    #[serde(default)]
    reply_by: String,
}

pub async fn new_form(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    v.require(Action::IssueNotice)?;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let b = c.board(today);
    let n = b
        .position(&q.item)
        .ok_or_else(|| PageError::not_found(q.item.clone()))?;
    let i = &c.items[n];
    let mut f = IssueForm {
        item: q.item.clone(),
        units: i.lead.iter().map(|u| u.to_string()).collect(),
        level: c.plan.notices.levels[0].clone(),
        title: v
            .lang
            .f("notices.default_title", &[("item", &v.lang.pick(&i.title))]),
        reply_by: (today + chrono::Duration::days(tuijin_core::proposal::REPLY_DAYS)).to_string(),
        ..Default::default()
    };
    // A proposal waiting on the item gives the form its level and text.
    if let Some(p) = super::proposals::on_item(&st, &plan, &q.item).await? {
        let (title, actions) =
            crate::api::proposals::proposed_text(v.lang, v.lang.pick(&i.title), &p);
        f.level = c.plan.notices.levels[p.proposal.level].clone();
        f.title = title;
        f.actions = actions;
        f.reply_by = p.proposal.reply_by.to_string();
    }
    if let Some(id) = q.note {
        let notes = tuijin_store::BaselineStore::notes_of(&st.store, &plan, &q.item).await?;
        let n = notes
            .iter()
            .find(|n| n.id == id && n.instruction)
            .ok_or_else(|| PageError::not_found(v.lang.f("item.no_instruction", &[("id", &id)])))?;
        let when = super::widgets::local_time(c.plan.tz(), n.at);
        f.title = v.lang.f(
            "notices.instruction_title",
            &[("item", &v.lang.pick(&i.title))],
        );
        f.actions = v.lang.f(
            "notices.instruction_actions",
            &[("author", &n.author), ("date", &when), ("text", &n.text)],
        );
    }
    Ok(render_new(&st, &v, &plan, &f, &[]).await?.into_response())
}

async fn render_new(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    f: &IssueForm,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let today = st.today(&c.plan);
    let b = c.board(today);
    let n = b
        .position(&f.item)
        .ok_or_else(|| PageError::not_found(f.item.clone()))?;
    let i = &c.items[n];
    let s = c.plan.notices.clone();
    let err = |field: &str| problems.iter().find(|p| p.0 == field).map(|p| p.1.clone());
    let class = |field: &str| {
        if err(field).is_some() {
            "field invalid"
        } else {
            "field"
        }
    };
    let responsible: Vec<&tuijin_core::Code> = i.lead.iter().chain(i.co.iter()).collect();
    let body = html! {
        p.crumbs { a href={ "/plans/" (plan) "/notices" } { (l.t("notices.title")) } " › " (l.t("notices.issue")) }
        h1 { (l.t("notices.issue")) }
        p { a href=(item_href(plan, i.code.as_str())) { span.code { (i.code) } " " (l.pick(&i.title)) } " " (status(l, b.status(n))) }
        p.small.muted { (l.t("notices.facts_frozen")) }
        @if !problems.is_empty() {
            div.notice.bad role="alert" { p { (l.t("form.fix")) } ul { @for (field, msg) in problems { li { a href={ "#" (field) } { (msg) } } } } }
        }
        form method="post" action={ "/plans/" (plan) "/notices/new" } novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            input type="hidden" name="item" value=(f.item);
            fieldset class=(class("units")) {
                legend { (l.t("notices.to_units")) }
                @for u in &responsible {
                    label { input type="checkbox" name="units" value=(u.as_str()) checked[f.units.iter().any(|x| x == u.as_str())];
                        " " (c.unit_name(u.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.to_string()))
                        @if i.lead.as_ref() == Some(*u) { " (" (l.t("relation.lead")) ")" } }
                    br;
                }
                @if let Some(e) = err("units") { p.err { (e) } }
            }
            div class=(class("level")) {
                label for="level" { (l.t("notices.level")) }
                select #level name="level" { @for (k, name) in s.levels.iter().enumerate() { option value=(name) selected[f.level == *name] { (level_chip(l, &s, k)) } } }
            }
            div class=(class("title")) {
                label for="title" { (l.t("notices.subject")) }
                input #title name="title" type="text" required value=(f.title);
                @if let Some(e) = err("title") { p.err { (e) } }
            }
            div class=(class("actions")) {
                label for="actions" { (l.t("notices.actions")) }
                textarea #actions name="actions" required { (f.actions) }
                @if let Some(e) = err("actions") { p.err { (e) } }
            }
            div class=(class("reply_by")) {
                label for="reply_by" { (l.t("notices.reply_by")) }
                input #reply_by name="reply_by" type="date" required value=(f.reply_by);
                @if let Some(e) = err("reply_by") { p.err { (e) } }
            }
            p.kv { button type="submit" { (l.t("notices.issue")) } }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Notices,
        l.t("notices.issue"),
        body,
    ))
}

pub async fn issue(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    v.require(Action::IssueNotice)?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let s = c.plan.notices.clone();
    let reply_by = NaiveDate::parse_from_str(f.reply_by.trim(), "%Y-%m-%d").ok();
    let Some(level) = s.levels.iter().position(|x| *x == f.level) else {
        let p = tuijin_core::problem::Problem::new("level", tuijin_core::problem::Rule::NotOneOf)
            .with("value", &f.level)
            .with("allowed", s.levels.join(", "));
        let page = render_new(&st, &v, &plan, &f, &[("level".into(), p.message(l))]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let Some(reply_by) = reply_by else {
        let p =
            tuijin_core::problem::Problem::new("reply_by", tuijin_core::problem::Rule::DateFormat);
        let page = render_new(&st, &v, &plan, &f, &[("reply_by".into(), p.message(l))]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let items = vec![f.item.clone()];
    let facts = facts(&st, &plan, &items).await?;
    let prompted_by = crate::api::proposals::answered(&st, &plan, &items).await?;
    let stamp = st.stamp(&v.who.name, &c.plan);
    match st
        .store
        .issue_notice(
            NewNotice {
                plan: plan.clone(),
                items,
                units: f.units.clone(),
                level,
                title: f.title.clone(),
                actions: f.actions.clone(),
                reply_by,
                facts,
                prompted_by,
            },
            &s,
            &stamp,
        )
        .await
    {
        Ok(n) => Ok(Redirect::to(&format!("/notices/{}", n.id)).into_response()),
        Err(StoreError::Invalid(ps)) => {
            let problems: Vec<(String, String)> = ps
                .iter()
                .map(|p| {
                    (
                        p.field.split('[').next().unwrap_or("").to_string(),
                        p.message(l),
                    )
                })
                .collect();
            let page = render_new(&st, &v, &plan, &f, &problems).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        // One item, one notice: the form says which is open.
        Err(StoreError::Conflict(p)) => {
            let page = render_new(&st, &v, &plan, &f, &[("items".into(), p.message(l))]).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A notice the viewer may read: the office, leaders and admins all; a unit those addressed
/// to it.
async fn notice_for(st: &AppState, v: &Viewer, id: i64) -> Result<NoticeRecord, PageError> {
    v.require(Action::ReadPlan)?;
    let n = st.store.get_notice(id).await?;
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    // A unit learns nothing of a notice addressed to others: it is not there (as in the API).
    if v.who.role == Role::Unit && !n.addressed_to(&mine) {
        return Err(PageError::not_found(format!("notice #{id}")));
    }
    v.require(Action::ReadNotice {
        addressed: n.addressed_to(&mine),
    })?;
    Ok(n)
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let n = notice_for(&st, &v, id).await?;
    render(&st, &v, &n, &[]).await
}

async fn render(
    st: &AppState,
    v: &Viewer,
    n: &NoticeRecord,
    problems: &[(String, String)],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, &n.plan).await?;
    let today = st.today(&c.plan);
    let s = c.plan.notices.clone();
    let rises = n.rises(today, &s);
    let trail = st
        .store
        .events_for(tuijin_core::event::Entity::Notice, &n.id.to_string(), 1000)
        .await?;
    // Each rise takes its place among the events by its day, as the day begins.
    let tz = c.plan.tz();
    let rise_at: Vec<usize> = rises
        .iter()
        .map(|r| {
            let after = |e: &tuijin_store::Event| e.at.with_timezone(&tz).date_naive() >= r.on;
            trail.iter().position(after).unwrap_or(trail.len())
        })
        .collect();
    let rise_li = |r: &tuijin_core::notice::Rise| {
        html! {
            li.rise { (r.on) " · " (l.t("notices.rose")) " " (level_chip(l, &s, r.level))
                @if let Some(p) = &n.leader { " · " (l.f("notices.copied_to", &[("leader", &c.people.get(p.as_str()).map(|x| l.pick(&x.name).to_string()).unwrap_or_else(|| p.clone()))])) } }
        }
    };
    let files = st
        .store
        .list_evidence(tuijin_store::EvidenceOn::Notice(n.id))
        .await?;
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    let addressed = n.addressed_to(&mine);
    // The lead unit (主办, listed first) replies and asks for time; every addressed unit
    // signs once.
    let lead_is_mine = n
        .units
        .first()
        .is_some_and(|u| mine.contains(&u.code.as_str()));
    let unsigned_is_mine = n
        .units
        .iter()
        .any(|u| mine.contains(&u.code.as_str()) && u.signed_on.is_none());
    let may = |a: NoticeAction| {
        v.allowed(Action::ActOnNotice {
            action: a,
            addressed,
        }) && tuijin_core::notice::transition(n.state, a).is_ok()
            && match a {
                NoticeAction::Sign => unsigned_is_mine,
                NoticeAction::Reply | NoticeAction::AskExtension => lead_is_mine,
                _ => true,
            }
    };
    let unit_name = |u: &str| {
        c.unit_name(u)
            .map(|t| l.pick(t).to_string())
            .unwrap_or_else(|| u.to_string())
    };
    let act_form = |a: NoticeAction,
                    label: &'static str,
                    text: Option<&'static str>,
                    until: bool| {
        html! {
            form.act method="post" action={ "/notices/" (n.id) "/act" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(v.csrf());
                input type="hidden" name="version" value=(n.version);
                input type="hidden" name="action" value=(a.as_str());
                @if until && a == NoticeAction::Return {
                    label { (l.t("notices.better_by")) " " input type="date" name="until" required value=(crate::api::notices::return_by(today, &s)); }
                } @else if until {
                    label { (l.t("notices.until")) " " input type="date" name="until" required; }
                }
                @if let Some(t) = text {
                    label { (l.t(t)) textarea name="text" {} }
                }
                @if a == NoticeAction::Reply {
                    (super::evidence::input(l, st.evidence_max, None))
                }
                button type="submit" { (l.t(label)) }
            }
        }
    };
    let body = html! {
        p.crumbs { a href={ "/plans/" (n.plan) "/notices" } { (l.t("notices.title")) } " › " (n.number) }
        article.notice-doc {
            @let issuer = if l == Lang::En && !s.issuer_en.is_empty() { &s.issuer_en } else { &s.issuer };
            @if !issuer.is_empty() { p.letterhead { (issuer) } }
            h1 { (n.number) " " (level_chip(l, &s, n.level_on(today, &s))) }
            p.kv {
                span { (l.t("col.state")) ": " (l.t(state_key(n.state))) }
                span { (l.t("notices.reply_by")) ": " (n.reply_by)
                    @if n.reply_by != n.first_reply_by { " (" (l.f("notices.extended_from", &[("date", &n.first_reply_by)])) ")" }
                    @if n.state.awaits_reply() && today > n.reply_by { " " span.flag.bad { (l.t("notices.overdue")) } } }
                span { (l.t("notices.issued")) ": " (n.issued_on) " · " (n.issued_by) }
            }
            h2 { (n.title) }
            p { strong { (l.t("notices.to_units")) ": " } @for (k, u) in n.units.iter().enumerate() { @if k > 0 { "、" } (unit_name(&u.code))
                @if n.units.len() > 1 { " · " (l.t(if k == 0 { "notices.lead_unit" } else { "notices.co_unit" })) }
                @if let Some(d) = u.signed_on { " (" (l.f("notices.signed_on", &[("date", &d)])) ")" } } }
            @if let Some(p) = &n.leader { p { strong { (l.t("notices.copied")) ": " } (c.people.get(p.as_str()).map(|x| l.pick(&x.name).to_string()).unwrap_or_else(|| p.clone())) } }
            h3 { (l.t("notices.facts")) }
            div.tablewrap { table {
                thead { tr { th { (l.t("col.item")) } th { (l.t("col.status")) } th.num { (l.t("col.progress")) } th.num { (l.t("notices.expected")) } th { (l.t("nav.warnings")) } } }
                tbody { @for f in &n.facts {
                    tr {
                        td { a href=(item_href(&n.plan, &f.code)) { span.code { (f.code) } " " (f.title) } }
                        td { @match tuijin_core::Status::parse(&f.status) { Some(st_) => (status(l, st_)), None => (f.status) } }
                        td.num { @if let Some(p) = f.progress { (fmt1(p)) "%" } }
                        td.num { @if let Some(e) = f.expected { (fmt1(e)) "%" } }
                        td { (f.warnings.len()) }
                    }
                } }
            } }
            h3 { (l.t("notices.actions")) }
            p.pre { (n.actions) }
            @if !issuer.is_empty() { p.signoff { (issuer) br; (n.issued_on) } }
            @if !s.contact.is_empty() { p.small { (l.t("notices.contact")) ": " (s.contact) } }
            @if let Some(r) = &n.reply { h3 { (l.t("notices.reply")) } p.pre { (r) } @if let Some(d) = n.replied_on { p.small.muted { (d) } } }
            @if !files.is_empty() { h3 { (l.t("evidence.title")) } (super::evidence::list(l, &files)) }
            @if let Some(cm) = &n.comment { h3 { (l.t("notices.comment")) } p.pre { (cm) } }
            @if let Some(u) = n.extension_until { p.notice { (l.f("notices.extension_asked", &[("date", &u)])) " " q { (n.extension_reason.clone().unwrap_or_default()) } } }
        }
        @if !problems.is_empty() {
            div.notice.bad role="alert" { ul { @for (_, msg) in problems { li { (msg) } } } }
        }
        section.acts {
            @if may(NoticeAction::Sign) { (act_form(NoticeAction::Sign, "notice.do.sign", None, false)) }
            @if may(NoticeAction::Reply) { (act_form(NoticeAction::Reply, "notice.do.reply", Some("notices.reply"), false)) }
            @if may(NoticeAction::AskExtension) && n.extension_until.is_none() && today <= n.reply_by { (act_form(NoticeAction::AskExtension, "notice.do.ask_extension", Some("notices.reason"), true)) }
            @if may(NoticeAction::Return) { (act_form(NoticeAction::Return, "notice.do.return", Some("notices.reason"), true)) }
            @if may(NoticeAction::Close) { (act_form(NoticeAction::Close, "notice.do.close", Some("notices.close_reason"), false)) }
            @if n.extension_until.is_some() && may(NoticeAction::GrantExtension) {
                (act_form(NoticeAction::GrantExtension, "notice.do.grant_extension", None, false))
                (act_form(NoticeAction::RefuseExtension, "notice.do.refuse_extension", Some("notices.reason"), false))
            }
        }
        h2 { (l.t("notices.trail")) }
        ol.trail {
            @for (i, e) in trail.iter().enumerate() {
                @for (r, _) in rises.iter().zip(&rise_at).filter(|(_, at)| **at == i) { (rise_li(r)) }
                li { (super::widgets::local_time(tz, e.at)) " · " (e.actor) " · " (l.lookup(&e.kind.message_key()).unwrap_or(e.kind.as_str()))
                    @if let Some(t) = e.after.as_ref().and_then(|a| a.get("text")).and_then(|t| t.as_str()).filter(|t| !t.is_empty()) { " — " q { (t) } } }
            }
            @for (r, _) in rises.iter().zip(&rise_at).filter(|(_, at)| **at == trail.len()) { (rise_li(r)) }
        }
    };
    Ok(layout(
        st,
        v,
        Some(&n.plan),
        Section::Notices,
        &n.number,
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    until: String,
}

pub async fn act(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let (f, uploads): (ActForm, _) = super::evidence::read_form(req).await?;
    v.check_csrf(&f.csrf)?;
    let n = notice_for(&st, &v, id).await?;
    let l = v.lang;
    let action =
        NoticeAction::parse(&f.action).ok_or_else(|| PageError::not_found(f.action.clone()))?;
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    v.require(Action::ActOnNotice {
        action,
        addressed: n.addressed_to(&mine),
    })?;
    let unit = (!action.by_office())
        .then(|| {
            n.units
                .iter()
                .map(|u| u.code.clone())
                .find(|u| mine.contains(&u.as_str()))
        })
        .flatten();
    let until = NaiveDate::parse_from_str(f.until.trim(), "%Y-%m-%d").ok();
    let c = st.plans.get(&st.store, &n.plan).await?;
    let stamp = st.stamp(&v.who.name, &c.plan);
    // A reply's files are checked with its words first, so every problem shows at once; the
    // store keeps the reply and its files in one transaction, or neither.
    if !uploads.is_empty() {
        let mut problems = super::evidence::check(l, &uploads, st.evidence_max);
        if let Err(r) = tuijin_core::notice::check_words(
            n.state,
            action,
            &f.text,
            until,
            n.reply_by,
            stamp.today,
        ) {
            problems.extend(r.problems().iter().map(|p| (p.field.clone(), p.message(l))));
        }
        if !problems.is_empty() {
            let page = render(&st, &v, &n, &problems).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    }
    let until = until.or_else(|| {
        (action == NoticeAction::Return)
            .then(|| crate::api::notices::return_by(stamp.today, &c.plan.notices))
    });
    match st
        .store
        .act_with_files(
            id,
            f.version,
            action,
            unit.as_deref(),
            &f.text,
            until,
            uploads,
            st.evidence_max,
            &stamp,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/notices/{id}")).into_response()),
        Err(StoreError::Invalid(ps)) => {
            let problems: Vec<(String, String)> =
                ps.iter().map(|p| (p.field.clone(), p.message(l))).collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&st, &v, &n, &problems).await?,
            )
                .into_response())
        }
        Err(StoreError::Conflict(p)) => Ok((
            StatusCode::CONFLICT,
            render(&st, &v, &n, &[(String::new(), p.message(l))]).await?,
        )
            .into_response()),
        Err(StoreError::Forbidden(p)) => Ok((
            StatusCode::FORBIDDEN,
            render(&st, &v, &n, &[(String::new(), p.message(l))]).await?,
        )
            .into_response()),
        Err(StoreError::Stale { .. }) => {
            let now = st.store.get_notice(id).await?;
            Ok((
                StatusCode::CONFLICT,
                render(
                    &st,
                    &v,
                    &now,
                    &[(String::new(), l.t("notices.moved_on").to_string())],
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The notices waiting for one of `mine` to act: to sign or to answer.
pub async fn waiting_for(
    st: &AppState,
    plan: &str,
    mine: &[&str],
) -> Result<Vec<NoticeRecord>, PageError> {
    let mut out = Vec::new();
    for u in mine {
        for n in st
            .store
            .list_notices(
                &NoticeFilter {
                    plan: Some(plan.to_string()),
                    unit: Some(u.to_string()),
                    ..Default::default()
                },
                1000,
            )
            .await?
        {
            if n.state.awaits_reply() && !out.iter().any(|x: &NoticeRecord| x.id == n.id) {
                out.push(n);
            }
        }
    }
    out.sort_by_key(|n| (n.reply_by, n.id));
    Ok(out)
}
