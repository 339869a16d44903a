//! Unit assessment (目标考核) in the pages: the plan's runs with the form for a new one, a
//! run's rankings per category with bars, its lock, publish and discard, the objections to it
//! with the office's answers, and the plan's scheme. A unit's scorecard and a unit across
//! periods are `scorecard`. The rules are `core::assess`, applied by the store; what may be
//! read is the API's (`api::assessments::readable`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::assess::{AssessPeriod, CriterionKind, Points, RunAction, RunState, Scheme};
use tuijin_core::event::Entity;
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{AssessStore, AssessmentRecord, EventStore, StoreError};

use super::widgets::local_time;
use super::{PageError, Section, layout, urlencode};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::session::Viewer;

/// A name in the viewer's language: the English one when there is one.
pub fn named<'a>(l: Lang, zh: &'a str, en: &'a str) -> &'a str {
    if l == Lang::En && !en.is_empty() {
        en
    } else {
        zh
    }
}

pub fn state_chip(l: Lang, s: RunState) -> Markup {
    let key = match s {
        RunState::Draft => "assess.state.draft",
        RunState::Locked => "assess.state.locked",
        RunState::Published => "assess.state.published",
    };
    html! { span class={ "run run-" (s.as_str()) } { (l.t(key)) } }
}

pub fn kind_key(k: CriterionKind) -> &'static str {
    match k {
        CriterionKind::Completion => "assess.kind.completion",
        CriterionKind::Milestones => "assess.kind.milestones",
        CriterionKind::Reports => "assess.kind.reports",
        CriterionKind::Notices => "assess.kind.notices",
        CriterionKind::Indicators => "assess.kind.indicators",
        CriterionKind::Adjustments => "assess.kind.adjustments",
    }
}

/// The grade a unit earned, by its place in the scheme's list, in the viewer's language.
pub fn grade_name(l: Lang, s: &Scheme, g: Option<usize>) -> String {
    g.and_then(|g| s.grade.get(g))
        .map(|g| named(l, &g.name, &g.name_en).to_string())
        .unwrap_or_default()
}

pub fn unit_name(l: Lang, c: &CachedPlan, code: &str) -> String {
    c.unit_name(code)
        .map(|t| l.pick(t).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// A score as a bar against the category's total, with the figures in words.
pub fn score_bar(l: Lang, score: Points, total: Points) -> Markup {
    let pct = if total.as_f64() > 0.0 {
        (score.as_f64() / total.as_f64() * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let label = l.f(
        "assess.score_of",
        &[("score", &score), ("total", &total.as_f64())],
    );
    html! {
        span.pb role="img" aria-label=(label) {
            span.track { span class={ "fill w" (pct.round() as u32) } {} }
            span.v { strong { (score) } " / " (total.as_f64()) }
        }
    }
}

pub fn run_href(id: i64) -> String {
    format!("/assessments/{id}")
}

pub fn card_href(id: i64, unit: &str) -> String {
    format!("/assessments/{id}/units/{}", urlencode(unit))
}

/// A run the viewer may read: a unit reads published runs only, and learns nothing of others.
pub async fn run_for(st: &AppState, v: &Viewer, id: i64) -> Result<AssessmentRecord, PageError> {
    v.require(Action::ReadPlan)?;
    Ok(crate::api::assessments::readable(st, &v.who, id).await?)
}

/// The runs the viewer may read, newest period first.
pub async fn runs_for(
    st: &AppState,
    v: &Viewer,
    plan: &str,
) -> Result<Vec<AssessmentRecord>, PageError> {
    let all = v.allowed(Action::ReadAssessment { published: false });
    Ok(st.store.list_assessments(plan, !all).await?)
}

fn problems_box(problems: &[String]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.bad role="alert" { ul { @for p in problems { li { (p) } } } }
        }
    }
}

pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    render_list(&st, &v, &plan, "", &[]).await
}

async fn render_list(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    asked: &str,
    problems: &[String],
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let today = st.today(&c.plan);
    let scheme = st.store.scheme_of(plan).await?;
    let runs = runs_for(st, v, plan).await?;
    let office = v.allowed(Action::Assess);
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    let suggested = AssessPeriod::last_ended(today);
    let body = html! {
        h1 { (l.t("assess.title")) }
        @match &scheme {
            Some(s) => p {
                (l.t("assess.scheme")) ": "
                a href={ "/plans/" (plan) "/assessments/scheme" } { (named(l, &s.scheme.scheme.title, &s.scheme.scheme.title_en)) }
                @if s.scheme.scheme.example { " " span.flag.jump { (l.t("assess.example")) } }
            },
            None => p.notice { (l.t("assess.no_scheme")) " "
                @if office { a href={ "/plans/" (plan) "/assessments/scheme" } { (l.t("assess.load_scheme")) } } },
        }
        @if office && scheme.is_some() {
            section aria-labelledby="new-run" {
                h2 #new-run { (l.t("assess.new_run")) }
                (problems_box(problems))
                form.filters method="post" action={ "/plans/" (plan) "/assessments" } {
                    input type="hidden" name="csrf" value=(v.csrf());
                    label { (l.t("assess.period")) " "
                        input type="text" name="period" required list="periods" size="9"
                            pattern=(tuijin_core::assess::ASSESS_PERIOD_PATTERN)
                            value=(if asked.is_empty() { suggested[0].to_string() } else { asked.to_string() }); }
                    datalist #periods { @for p in &suggested { option value=(p) {} } }
                    " " button type="submit" { (l.t("assess.run")) }
                }
                p.muted.small { (l.f("assess.new_run_help", &[("date", &today)])) }
            }
        }
        section aria-labelledby="runs" {
            h2 #runs { (l.t("assess.runs")) }
            @if runs.is_empty() { p { (l.t("assess.no_runs")) } } @else {
                div.tablewrap { table {
                    thead { tr {
                        th { (l.t("assess.period")) } th { (l.t("col.state")) } th { (l.t("assess.as_of")) }
                        @for u in &mine { th { (unit_name(l, &c, u)) } }
                        th.opt { (l.t("assess.created")) } th.num { (l.t("assess.objections")) }
                    } }
                    tbody { @for a in &runs {
                        tr.superseded[runs.iter().any(|b| b.supersedes == Some(a.id) && b.state == RunState::Published)] {
                            td { a href=(run_href(a.id)) { (a.period) } @if let Some(s) = a.supersedes { " " span.small.muted { (l.f("assess.corrects", &[("id", &s)])) } } }
                            td { (state_chip(l, a.state)) }
                            td { (a.as_of) }
                            @for u in &mine {
                                td { @match a.outcome.unit(u) {
                                    Some((k, r)) => a href=(card_href(a.id, u)) {
                                        (r.score) " · " (l.f("assess.rank_of", &[("rank", &r.rank), ("n", &a.outcome.categories[k].units.len())]))
                                    },
                                    None => span.muted { "—" },
                                } }
                            }
                            td.opt.small { (local_time(c.plan.tz(), a.created_at)) " · " (a.created_by) }
                            td.num { (a.objections.iter().filter(|o| o.answer.is_none()).count()) " / " (a.objections.len()) }
                        }
                    } }
                } }
            }
            p.muted.small { (l.t("assess.runs_help")) }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Assessments,
        l.t("assess.title"),
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct NewRunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
}

/// Runs the plan's scheme over an ended period: a new draft, then its page.
pub async fn create(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<NewRunForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::Assess)?;
    let l = v.lang;
    let asked = f.period.trim();
    let problems = match AssessPeriod::parse(asked) {
        Err(_) => vec![Problem::new("period", Rule::AssessPeriodFormat)],
        Ok(period) => {
            let header = st.plans.header(&st.store, &plan).await?;
            match st
                .store
                .create_assessment(&plan, period, None, &st.stamp(&v.who.name, &header))
                .await
            {
                Ok(a) => return Ok(Redirect::to(&run_href(a.id)).into_response()),
                Err(StoreError::Invalid(ps)) => ps,
                Err(e) => return Err(e.into()),
            }
        }
    };
    let msgs: Vec<String> = problems.iter().map(|p| p.message(l)).collect();
    let page = render_list(&st, &v, &plan, asked, &msgs).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn run(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    csv: crate::csv_out::PageCsv,
) -> Result<Response, PageError> {
    let a = run_for(&st, &v, id).await?;
    if csv.wanted {
        let c = st.plans.get(&st.store, &a.plan).await?;
        let table = super::downloads::ranking(v.lang, &c, &a);
        let list = format!("ranking-{}", a.period);
        let name = crate::csv_out::file_name(Some(&a.plan), &list, st.today_default());
        return Ok(crate::csv_out::download(&table, &name));
    }
    Ok(render_run(&st, &v, &a, &[]).await?.into_response())
}

pub async fn render_run(
    st: &AppState,
    v: &Viewer,
    a: &AssessmentRecord,
    problems: &[String],
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let c = st.plans.get(&st.store, &a.plan).await?;
    let tz = c.plan.tz();
    let office = v.allowed(Action::Assess);
    // Corrections of this run: one published replaces it; drafts are only in preparation.
    let later: Vec<(i64, RunState)> = runs_for(st, v, &a.plan)
        .await?
        .iter()
        .filter(|b| b.supersedes == Some(a.id))
        .map(|b| (b.id, b.state))
        .collect();
    let readable = |r: i64| office || later.iter().any(|(id, _)| *id == r);
    let trail = st
        .store
        .events_for(Entity::Assessment, &a.id.to_string(), 1000)
        .await?;
    let may = |x: RunAction| office && tuijin_core::assess::run_transition(a.state, x).is_ok();
    let act = |x: RunAction, key: &'static str| {
        let name = match x {
            RunAction::Lock => "lock",
            RunAction::Publish => "publish",
            RunAction::Discard => "discard",
        };
        html! {
            form.act method="post" action={ "/assessments/" (a.id) "/act" } {
                input type="hidden" name="csrf" value=(v.csrf());
                input type="hidden" name="version" value=(a.version);
                input type="hidden" name="action" value=(name);
                button type="submit" { (l.t(key)) }
            }
        }
    };
    let title = l.f("assess.run_title", &[("period", &a.period)]);
    let body = html! {
        p.crumbs { a href={ "/plans/" (a.plan) "/assessments" } { (l.t("assess.title")) } " › " (a.period) }
        h1 { (title) " " (state_chip(l, a.state)) }
        p.kv {
            span { (l.t("assess.as_of")) ": " (a.as_of) }
            span { (l.t("assess.scheme")) ": " a href={ "/plans/" (a.plan) "/assessments/scheme" } { (named(l, &a.scheme.scheme.title, &a.scheme.scheme.title_en)) } }
            span { (l.t("assess.created")) ": " (local_time(tz, a.created_at)) " · " (a.created_by) }
            @if let (Some(at), Some(by)) = (a.locked_at, &a.locked_by) { span { (l.t("assess.locked")) ": " (local_time(tz, at)) " · " (by) } }
            @if let (Some(at), Some(by)) = (a.published_at, &a.published_by) { span { (l.t("assess.published")) ": " (local_time(tz, at)) " · " (by) } }
            span title=(a.digest) { (l.t("assess.digest")) ": " code { (a.digest.get(..12).unwrap_or(&a.digest)) } }
        }
        @if let Some(s) = a.supersedes { p.notice { (l.f("assess.corrects_long", &[("id", &s)])) " " a href=(run_href(s)) { "#" (s) } } }
        @for (n, state) in &later {
            @if *state == RunState::Published { p.notice { (l.t("assess.corrected_by")) " " a href=(run_href(*n)) { "#" (n) } } }
            @else { p.muted { (l.t("assess.correction_pending")) " " a href=(run_href(*n)) { "#" (n) } " " (state_chip(l, *state)) } }
        }
        @if a.state == RunState::Draft { p.muted { (l.t("assess.draft_help")) } }
        (problems_box(problems))
        @if may(RunAction::Lock) || may(RunAction::Publish) || may(RunAction::Discard) {
            section.acts {
                @if may(RunAction::Lock) { (act(RunAction::Lock, "assess.do.lock")) }
                @if may(RunAction::Publish) { (act(RunAction::Publish, "assess.do.publish")) }
                @if may(RunAction::Discard) { (act(RunAction::Discard, "assess.do.discard")) }
            }
        }
        @for (cat, scheme_cat) in a.outcome.categories.iter().zip(&a.scheme.category) {
            @let hid = format!("cat-{}", cat.code);
            section aria-labelledby=(hid) {
                h2 id=(hid) { (named(l, &scheme_cat.name, &scheme_cat.name_en)) " " span.muted.small { (l.f("assess.total", &[("total", &cat.total.as_f64())])) } }
                div.tablewrap { table.ranking {
                    thead { tr {
                        th.num { (l.t("assess.rank")) } th { (l.t("col.unit")) } th { (l.t("assess.score")) } th { (l.t("assess.grade")) }
                        @for k in &scheme_cat.criterion {
                            th.num.opt { (l.t(kind_key(k.kind))) @if let Some(w) = k.weight { br; span.small.muted { (w) } } }
                        }
                    } }
                    tbody { @for u in &cat.units {
                        tr {
                            td.num { (u.rank) }
                            td { a href=(card_href(a.id, &u.unit)) { (unit_name(l, &c, &u.unit)) }
                                @if u.criteria.iter().flat_map(|k| &k.lines).all(|x| matches!(x.basis, tuijin_core::assess::Basis::NothingDue)) {
                                    br; span.small.muted { (l.t("assess.nothing_due")) }
                                } }
                            td { (score_bar(l, u.score, cat.total))
                                @if u.score > cat.total { br; span.small.muted { (l.t("assess.with_bonus")) } } }
                            td { (grade_name(l, &a.scheme, u.grade)) }
                            @for k in &u.criteria { td.num.opt { (k.points) } }
                        }
                    } }
                } }
            }
        }
        p.muted.small { (l.t("assess.rank_help")) }
        (crate::csv_out::link_to(l, &format!("/assessments/{}?format=csv", a.id)))
        section aria-labelledby="objections" {
            h2 #objections { (l.t("assess.objections")) }
            @if a.objections.is_empty() { p { (l.t("assess.no_objections")) } }
            @for o in &a.objections {
                article.objection {
                    h3 { a href=(card_href(a.id, &o.unit)) { (unit_name(l, &c, &o.unit)) } " · " span.small.muted { (local_time(tz, o.filed_at)) " · " (o.filed_by) } }
                    p.pre { (o.reason) }
                    @match &o.answer {
                        Some(ans) => {
                            p { strong { (l.t("assess.answer")) ": " } span.pre { (ans) } }
                            p.small.muted { (o.answered_at.map(|t| local_time(tz, t)).unwrap_or_default()) " · " (o.answered_by.clone().unwrap_or_default())
                                @if let Some(r) = o.rerun.filter(|r| readable(*r)) { " · " (l.t("assess.rerun_made")) " " a href=(run_href(r)) { "#" (r) } } }
                        }
                        None => @if office {
                            form.act method="post" action={ "/assessments/" (a.id) "/objections/" (o.id) "/answer" } {
                                input type="hidden" name="csrf" value=(v.csrf());
                                label { (l.t("assess.answer")) textarea name="answer" required {} }
                                label { input type="checkbox" name="rerun" value="1"; " " (l.t("assess.rerun")) }
                                button type="submit" { (l.t("assess.do.answer")) }
                            }
                        } @else { p.muted { (l.t("assess.awaiting_answer")) } },
                    }
                }
            }
        }
        h2 { (l.t("notices.trail")) }
        ol.trail {
            @for e in &trail {
                li { (local_time(tz, e.at)) " · " (e.actor) " · " (l.lookup(&e.kind.message_key()).unwrap_or(e.kind.as_str())) }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(&a.plan),
        Section::Assessments,
        &title,
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
}

/// Locks, publishes or discards a run; back to it (or to the list, once discarded).
pub async fn act(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::Assess)?;
    let action = match f.action.as_str() {
        "lock" => RunAction::Lock,
        "publish" => RunAction::Publish,
        "discard" => RunAction::Discard,
        other => return Err(PageError::not_found(format!("action `{other}`"))),
    };
    let a = run_for(&st, &v, id).await?;
    let header = st.plans.header(&st.store, &a.plan).await?;
    let l = v.lang;
    match st
        .store
        .act_on_assessment(id, action, Some(f.version), &st.stamp(&v.who.name, &header))
        .await
    {
        Ok(Some(_)) => Ok(Redirect::to(&run_href(id)).into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/plans/{}/assessments", a.plan)).into_response()),
        Err(StoreError::Conflict(p)) => Ok((
            StatusCode::CONFLICT,
            render_run(&st, &v, &a, &[p.message(l)]).await?,
        )
            .into_response()),
        Err(StoreError::Stale { .. }) => {
            let now = st.store.get_assessment(id).await?;
            Ok((
                StatusCode::CONFLICT,
                render_run(&st, &v, &now, &[l.t("assess.moved_on").to_string()]).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    rerun: String,
}

/// The office answers an objection, with a corrected re-run when it is upheld.
pub async fn answer(
    State(st): State<AppState>,
    v: Viewer,
    Path((id, objection)): Path<(i64, i64)>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::Assess)?;
    let a = run_for(&st, &v, id).await?;
    if !a.objections.iter().any(|o| o.id == objection) {
        return Err(PageError::not_found(format!(
            "objection #{objection} to assessment #{id}"
        )));
    }
    let header = st.plans.header(&st.store, &a.plan).await?;
    let l = v.lang;
    let refused = |ps: &[Problem]| -> Vec<String> { ps.iter().map(|p| p.message(l)).collect() };
    match st
        .store
        .answer_objection(
            objection,
            &f.answer,
            !f.rerun.is_empty(),
            &st.stamp(&v.who.name, &header),
        )
        .await
    {
        Ok(o) => Ok(Redirect::to(&match o.rerun {
            Some(r) => run_href(r),
            None => format!("{}#objections", run_href(id)),
        })
        .into_response()),
        Err(StoreError::Invalid(ps)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_run(&st, &v, &a, &refused(&ps)).await?,
        )
            .into_response()),
        Err(StoreError::Conflict(p)) => Ok((
            StatusCode::CONFLICT,
            render_run(&st, &v, &a, &refused(&[p])).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn scheme(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    render_scheme(&st, &v, &plan, None, &[]).await
}

async fn render_scheme(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    draft: Option<&str>,
    problems: &[String],
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let rec = st.store.scheme_of(plan).await?;
    let office = v.allowed(Action::Assess);
    let all_units: Vec<tuijin_core::Unit> = tuijin_store::DirectoryStore::list_units(&st.store)
        .await?
        .into_iter()
        .map(|u| u.unit)
        .collect();
    let units_of = |k: usize| -> Vec<String> {
        let Some(s) = &rec else { return Vec::new() };
        let cats = s.scheme.category_of(&all_units);
        let mut us: Vec<String> = cats
            .iter()
            .filter(|(_, n)| **n == k)
            .map(|(u, _)| unit_name(l, &c, u))
            .collect();
        us.sort();
        us
    };
    let body = html! {
        p.crumbs { a href={ "/plans/" (plan) "/assessments" } { (l.t("assess.title")) } " › " (l.t("assess.scheme")) }
        @match &rec {
            None => { h1 { (l.t("assess.scheme")) } p { (l.t("assess.no_scheme")) } }
            Some(s) => {
                @let h = &s.scheme.scheme;
                h1 { (named(l, &h.title, &h.title_en)) @if h.example { " " span.flag.jump { (l.t("assess.example")) } } }
                p.muted.small { code { (h.code) } " · " (l.t("assess.loaded")) " " (local_time(c.plan.tz(), s.loaded_at)) " · " (s.loaded_by) }
                @let d = named(l, &h.description, &h.description_en);
                @if !d.is_empty() { p.pre { (d) } }
                @if !s.scheme.grade.is_empty() {
                    h2 { (l.t("assess.grades")) }
                    ul { @for g in &s.scheme.grade { li { (named(l, &g.name, &g.name_en)) ": " (l.f("assess.grade_min", &[("min", &g.min)])) } } }
                }
                @for (k, cat) in s.scheme.category.iter().enumerate() {
                    h2 { (named(l, &cat.name, &cat.name_en)) " " span.muted.small { (l.f("assess.total", &[("total", &cat.total)])) } }
                    p.small { strong { (l.t("assess.units")) ": " } (units_of(k).join("、")) }
                    div.tablewrap { table {
                        thead { tr { th { (l.t("assess.criterion")) } th.num { (l.t("assess.weight")) } th { (l.t("assess.counts")) } } }
                        tbody { @for cr in &cat.criterion {
                            tr {
                                td { (l.t(kind_key(cr.kind))) }
                                td.num { @if let Some(w) = cr.weight { (w) } }
                                td.small { (l.t(match cr.kind {
                                    CriterionKind::Completion => "assess.help.completion",
                                    CriterionKind::Milestones => "assess.help.milestones",
                                    CriterionKind::Reports => "assess.help.reports",
                                    CriterionKind::Notices => "assess.help.notices",
                                    CriterionKind::Indicators => "assess.help.indicators",
                                    CriterionKind::Adjustments => "assess.help.adjustments",
                                }))
                                    @if let Some(d) = &cr.deduct { " " (d.iter().map(|(k, v)| format!("{k} −{v}")).collect::<Vec<_>>().join(", ")) }
                                    @if let Some(b) = cr.bonus_cap { " " (l.f("assess.bonus_cap", &[("n", &b)])) }
                                    @if let Some(b) = cr.deduction_cap { " " (l.f("assess.deduction_cap", &[("n", &b)])) }
                                }
                            }
                        } }
                    } }
                }
                @if !s.scheme.adjustment.is_empty() {
                    h2 { (l.t("assess.kind.adjustments")) }
                    div.tablewrap { table {
                        thead { tr { th { (l.t("col.unit")) } th { (l.t("assess.period")) } th.num { (l.t("assess.points")) } th { (l.t("assess.reason")) } th { (l.t("assess.evidence")) } th { (l.t("assess.approved_by")) } } }
                        tbody { @for ad in &s.scheme.adjustment { tr {
                            td { (unit_name(l, &c, &ad.unit)) } td { (ad.period) } td.num { (ad.points) }
                            td { (ad.reason) } td { (ad.evidence) } td { (ad.approved_by) }
                        } } }
                    } }
                }
                details { summary { (l.t("assess.source")) } pre { (s.source) } }
            }
        }
        @if office {
            section aria-labelledby="load" {
                h2 #load { (l.t("assess.load_scheme")) }
                p.muted.small { (l.t("assess.load_help")) }
                (problems_box(problems))
                form.act method="post" action={ "/plans/" (plan) "/assessments/scheme" } {
                    input type="hidden" name="csrf" value=(v.csrf());
                    label { (l.t("assess.source")) textarea.code name="source" rows="16" required {
                        (draft.or(rec.as_ref().map(|s| s.source.as_str())).unwrap_or(""))
                    } }
                    button type="submit" { (l.t("assess.do.load")) }
                }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Assessments,
        l.t("assess.scheme"),
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct SchemeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
}

/// The office loads a scheme file's text as the plan's scheme; every problem is listed with
/// its field, line and column, and nothing changes.
pub async fn load_scheme(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<SchemeForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::Assess)?;
    let l = v.lang;
    let doc = tuijin_store::PlanStore::export_plan(&st.store, &plan).await?;
    let located = |line: usize, column: usize, path: &str, msg: String| {
        l.f(
            "assess.problem_at",
            &[
                ("line", &line),
                ("column", &column),
                ("path", &path),
                ("message", &msg),
            ],
        )
    };
    let problems: Vec<String> =
        match tuijin_export::read_scheme("source", &f.source, &doc.units, &doc.plan.notices.levels)
        {
            Err(e) => e
                .problems
                .iter()
                .map(|p| {
                    located(
                        p.line,
                        p.column,
                        p.path.as_deref().unwrap_or(""),
                        p.message(l),
                    )
                })
                .collect(),
            Ok(scheme) => match st
                .store
                .load_scheme(&plan, &f.source, &scheme, &st.stamp(&v.who.name, &doc.plan))
                .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/plans/{plan}/assessments/scheme")).into_response()
                    );
                }
                Err(StoreError::Invalid(ps)) => ps.iter().map(|p| p.message(l)).collect(),
                Err(e) => return Err(e.into()),
            },
        };
    let page = render_scheme(&st, &v, &plan, Some(&f.source), &problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
