//! The unit workspace (单位工作台): the items my units must report on, with this period's due
//! date and what is already in; the report form, which checks every field and shows the
//! problems beside them; and my reports the office returned, with its comments.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use tuijin_core::Percent;
use tuijin_core::board::Board;
use tuijin_core::policy::{Action, Role};
use tuijin_core::report::{Period, ReportState};
use tuijin_store::{
    DirectoryStore, NewReport, PlanStore, ReportEdit, ReportFilter, ReportRecord, ReportStore,
    Stamp,
};

use super::widgets::{fmt1, item_href, item_link, row_progress, status};
use super::{PageError, Section, layout, report_state_key};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::session::Viewer;

const PAGE: usize = 100;

/// Levels under the top of the tree (0 for a root): lower levels report first.
fn level(c: &CachedPlan, b: &Board, n: usize) -> u32 {
    let mut d = 0;
    let mut at = &c.items[n];
    while let Some(p) = at.parent.as_ref().and_then(|p| c.item(b, p.as_str())) {
        d += 1;
        at = p;
    }
    d
}

#[derive(Deserialize, Default)]
pub struct WorkspaceQuery {
    #[serde(default)]
    page: usize,
    #[serde(default)]
    done: String,
}

fn unit_user(v: &Viewer) -> Result<(), PageError> {
    v.require(Action::ReadPlan)?;
    if v.who.role != Role::Unit {
        return Err(PageError::Forbidden(
            v.lang.t("workspace.units_only").into(),
        ));
    }
    Ok(())
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<WorkspaceQuery>,
) -> Result<Html<String>, PageError> {
    unit_user(&v)?;
    let l = v.lang;
    let today = st.clock.today();
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    let mut sections = Vec::new();
    for p in st.store.list_plans().await? {
        let plan = p.plan.code.to_string();
        let c = st.plans.get(&st.store, &plan).await?;
        let b = c.board(today);
        let period = Period::containing(c.plan.cadence, today);
        // Leaves my units lead or co-operate on: those are reported on; parents roll up.
        let items: Vec<usize> = (0..c.items.len())
            .filter(|&n| {
                let i = &c.items[n];
                !i.cancelled
                    && b.children(n).iter().all(|&k| c.items[k].cancelled)
                    && i.lead
                        .iter()
                        .chain(i.co.iter())
                        .any(|u| mine.contains(&u.as_str()))
            })
            .collect();
        let mut in_period: HashMap<String, ReportRecord> = HashMap::new();
        let mut returned = Vec::new();
        for u in &mine {
            for r in st
                .store
                .list_reports(
                    &ReportFilter {
                        plan: Some(plan.clone()),
                        unit: Some(u.to_string()),
                        period: Some(period.to_string()),
                        ..Default::default()
                    },
                    1000,
                )
                .await?
            {
                in_period.insert(r.item.clone(), r);
            }
            returned.extend(
                st.store
                    .list_reports(
                        &ReportFilter {
                            plan: Some(plan.clone()),
                            unit: Some(u.to_string()),
                            state: Some(ReportState::Returned),
                            ..Default::default()
                        },
                        200,
                    )
                    .await?,
            );
        }
        sections.push((plan, c, b, period, items, in_period, returned));
    }
    let body = html! {
        h1 { (l.t("nav.workspace")) }
        p.muted { (l.f("workspace.for_units", &[("units", &mine.join("、"))])) }
        @if !q.done.is_empty() {
            p.notice.good role="status" { (l.f("workspace.submitted", &[("item", &q.done)])) }
        }
        @for (plan, c, b, period, items, in_period, returned) in &sections {
            h2 { (l.pick(&c.plan.title)) }
            @if !returned.is_empty() {
                section aria-labelledby={ "ret-" (plan) } {
                    h3 id={ "ret-" (plan) } { (l.t("workspace.returned")) }
                    ul {
                        @for r in returned {
                            li {
                                a href={ "/workspace/report/" (plan) "/" (r.item) "?period=" (r.period) "&unit=" (r.unit) } { span.code { (r.item) } " · " (r.period) }
                                " — " span.muted { (l.t("col.review_comment")) ": " } q { (r.review_comment) }
                            }
                        }
                    }
                }
            }
            h3 { (l.f("workspace.due_this_period", &[("period", period)])) }
            p.muted.small { (l.t("workspace.due_help")) }
            div.tablewrap { table.wide {
                thead { tr {
                    th { (l.t("col.item")) } th { (l.t("col.progress")) } th { (l.t("col.status")) }
                    th.opt { (l.t("col.report_due")) } th { (l.t("col.this_period")) } th {}
                } }
                tbody {
                    @for &n in items.iter().skip(q.page * PAGE).take(PAGE) {
                        @let i = &c.items[n];
                        @let due = period.due_date(c.plan.reporting.due_day, level(c, b, n));
                        @let rep = in_period.get(i.code.as_str());
                        tr {
                            td { (item_link(l, plan, i)) }
                            td { (row_progress(l, &b.rows[n])) }
                            td { (status(l, b.rows[n].status)) }
                            td.opt { (due) }
                            td { @match rep { Some(r) => { (l.t(report_state_key(r.state))) @if let Some(p) = r.percent { " · " (fmt1(p)) "%" } }, None => span.muted { (l.t("workspace.not_yet")) } } }
                            td {
                                @if rep.is_none_or(|r| matches!(r.state, ReportState::Draft | ReportState::Returned | ReportState::Accepted)) {
                                    a href={ "/workspace/report/" (plan) "/" (i.code) } { (l.t("workspace.report")) }
                                }
                            }
                        }
                    }
                }
            } }
            @if items.len() > PAGE {
                nav.pager {
                    @if q.page > 0 { a href={ "/workspace?page=" (q.page - 1) } { (l.t("tree.prev")) } }
                    span { (l.f("tree.page_of", &[("n", &(q.page + 1)), ("of", &items.len().div_ceil(PAGE))])) }
                    @if (q.page + 1) * PAGE < items.len() { a href={ "/workspace?page=" (q.page + 1) } { (l.t("tree.next")) } }
                }
            }
        }
    };
    Ok(layout(
        &st,
        &v,
        sections.first().map(|s| s.0.as_str()),
        Section::Workspace,
        l.t("nav.workspace"),
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    period: Option<String>,
    unit: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    next_steps: String,
    /// The value of the item's indicator, when the unit owns it.
    #[serde(default)]
    figure: String,
    /// `submit` (default) or `draft`.
    #[serde(default)]
    action: String,
}

/// Field problems, by field name.
type Problems = Vec<(&'static str, String)>;

/// The units of mine that may report on the item.
fn my_units_for(v: &Viewer, i: &tuijin_core::Item) -> Vec<String> {
    i.lead
        .iter()
        .chain(i.co.iter())
        .filter(|u| v.allowed(Action::WriteReport { unit: u.as_str() }))
        .map(|u| u.to_string())
        .collect()
}

/// The indicator of the item's target, when one of my units may report its figure.
async fn reportable_indicator(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    item: &tuijin_core::Item,
) -> Result<Option<tuijin_core::Indicator>, PageError> {
    let Some(code) = item.target.as_ref().and_then(|t| t.indicator.clone()) else {
        return Ok(None);
    };
    Ok(st
        .store
        .list_indicators(plan)
        .await?
        .into_iter()
        .find(|i| i.code == code)
        .filter(|i| {
            i.owner
                .as_ref()
                .is_none_or(|o| v.allowed(Action::WriteReport { unit: o.as_str() }))
        }))
}

/// The open (draft or returned) report of this unit for the item and period, if any.
async fn open_report(
    st: &AppState,
    plan: &str,
    code: &str,
    unit: &str,
    period: &str,
) -> Result<Option<ReportRecord>, PageError> {
    Ok(st
        .store
        .list_reports(
            &ReportFilter {
                plan: Some(plan.into()),
                item: Some(code.into()),
                unit: Some(unit.into()),
                period: Some(period.into()),
                ..Default::default()
            },
            50,
        )
        .await?
        .into_iter()
        .find(|r| {
            matches!(
                r.state,
                ReportState::Draft | ReportState::Returned | ReportState::Submitted
            )
        }))
}

#[allow(clippy::too_many_arguments)]
fn render_form(
    st: &AppState,
    v: &Viewer,
    c: &CachedPlan,
    plan: &str,
    n: usize,
    units: &[String],
    f: &ReportForm,
    existing: Option<&ReportRecord>,
    problems: &Problems,
    indicator: Option<&tuijin_core::Indicator>,
) -> Html<String> {
    let l = v.lang;
    let b = c.board(st.clock.today());
    let i = &c.items[n];
    let err = |field: &str| problems.iter().find(|p| p.0 == field).map(|p| p.1.clone());
    let field_class = |field: &str| {
        if err(field).is_some() {
            "field invalid"
        } else {
            "field"
        }
    };
    let milestone = i.kind == tuijin_core::ItemKind::Milestone;
    let body = html! {
        p.crumbs { a href="/workspace" { (l.t("nav.workspace")) } " › " (l.t("workspace.report")) }
        h1 { (l.t("workspace.report")) ": " (item_link(l, plan, i)) }
        p.kv { span { (row_progress(l, &b.rows[n])) } span { (status(l, b.rows[n].status)) } }
        @if let Some(r) = existing {
            @if r.state == ReportState::Returned {
                p.notice.bad { (l.t("workspace.was_returned")) " " q { (r.review_comment) } }
            }
            @if r.state == ReportState::Submitted {
                p.notice { (l.t("workspace.awaiting_review")) }
            }
        }
        @if !problems.is_empty() {
            div.notice.bad role="alert" {
                p { (l.t("form.fix")) }
                ul { @for (field, msg) in problems { li { a href={ "#" (field) } { (msg) } } } }
            }
        }
        form method="post" action={ "/workspace/report/" (plan) "/" (i.code) } novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            div class=(field_class("unit")) {
                label for="unit" { (l.t("col.unit")) }
                select #unit name="unit" {
                    @for u in units {
                        option value=(u) selected[f.unit == *u] {
                            (c.unit_name(u).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.clone()))
                        }
                    }
                }
                @if let Some(e) = err("unit") { p.err { (e) } }
            }
            div class=(field_class("period")) {
                label for="period" { (l.t("col.period")) " " span.hint { (l.t("form.period_hint")) } }
                input #period name="period" type="text" inputmode="numeric" pattern="[0-9]{4}-(Q[1-4]|[0-9]{2})" required value=(f.period) aria-describedby="period-err";
                @if let Some(e) = err("period") { p.err #period-err { (e) } }
            }
            div class=(field_class("percent")) {
                label for="percent" { (l.t("col.percent")) " " span.hint { @if milestone { (l.t("form.percent_milestone")) } @else { (l.t("form.percent_hint")) } } }
                input #percent name="percent" type="number" min="0" max="100" step="0.1" required value=(f.percent) aria-describedby="percent-err";
                @if let Some(e) = err("percent") { p.err #percent-err { (e) } }
            }
            div class=(field_class("narrative")) {
                label for="narrative" { (l.t("col.narrative")) }
                textarea #narrative name="narrative" required aria-describedby="narrative-err" { (f.narrative) }
                @if let Some(e) = err("narrative") { p.err #narrative-err { (e) } }
            }
            @if let Some(ind) = indicator {
                div class=(field_class("figure")) {
                    label for="figure" {
                        (l.f("form.figure", &[("name", &l.pick(&ind.name)), ("unit", &ind.unit)]))
                        " " span.hint { (l.t("form.figure_hint")) }
                    }
                    input #figure name="figure" type="number" step="any" value=(f.figure) aria-describedby="figure-err";
                    @if let Some(e) = err("figure") { p.err #figure-err { (e) } }
                }
            }
            div.field {
                label for="problems" { (l.t("col.problems")) }
                textarea #problems name="problems" { (f.problems) }
            }
            div.field {
                label for="next_steps" { (l.t("col.next_steps")) }
                textarea #next_steps name="next_steps" { (f.next_steps) }
            }
            p.kv {
                button type="submit" name="action" value="submit" { (l.t("form.submit_report")) }
                button.secondary type="submit" name="action" value="draft" { (l.t("form.save_draft")) }
            }
        }
        p.small { a href=(item_href(plan, i.code.as_str())) { (l.t("form.back_to_item")) } }
    };
    layout(
        st,
        v,
        Some(plan),
        Section::Workspace,
        l.t("workspace.report"),
        body,
    )
}

pub async fn form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Query(q): Query<FormQuery>,
) -> Result<Response, PageError> {
    unit_user(&v)?;
    let c = st.plans.get(&st.store, &plan).await?;
    let b = c.board(st.clock.today());
    let n = b
        .position(&code)
        .ok_or_else(|| PageError::NotFound(code.clone()))?;
    let units = my_units_for(&v, &c.items[n]);
    if units.is_empty() {
        return Err(PageError::Forbidden(v.lang.t("workspace.not_yours").into()));
    }
    let period = q
        .period
        .unwrap_or_else(|| Period::containing(c.plan.cadence, st.clock.today()).to_string());
    let unit = q
        .unit
        .filter(|u| units.contains(u))
        .unwrap_or_else(|| units[0].clone());
    let existing = open_report(&st, &plan, &code, &unit, &period).await?;
    let indicator = reportable_indicator(&st, &v, &plan, &c.items[n]).await?;
    let f = match &existing {
        Some(r) => ReportForm {
            unit: unit.clone(),
            period: period.clone(),
            figure: r
                .figures
                .iter()
                .find(|x| indicator.as_ref().is_some_and(|i| i.code == x.indicator))
                .map(|x| x.value.to_string())
                .unwrap_or_default(),
            percent: r.percent.map(fmt1).unwrap_or_default(),
            narrative: r.narrative.clone(),
            problems: r.problems.clone(),
            next_steps: r.next_steps.clone(),
            ..Default::default()
        },
        None => ReportForm {
            unit,
            period,
            ..Default::default()
        },
    };
    Ok(render_form(
        &st,
        &v,
        &c,
        &plan,
        n,
        &units,
        &f,
        existing.as_ref(),
        &vec![],
        indicator.as_ref(),
    )
    .into_response())
}

pub async fn save(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Form(f): Form<ReportForm>,
) -> Result<Response, PageError> {
    unit_user(&v)?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let b = c.board(st.clock.today());
    let n = b
        .position(&code)
        .ok_or_else(|| PageError::NotFound(code.clone()))?;
    let units = my_units_for(&v, &c.items[n]);
    if units.is_empty() {
        return Err(PageError::Forbidden(l.t("workspace.not_yours").into()));
    }
    // Check every field, so all problems show at once, each beside its field.
    let mut problems: Problems = Vec::new();
    if !units.contains(&f.unit) {
        v.require(Action::WriteReport { unit: &f.unit })?;
        problems.push(("unit", l.t("form.unit_invalid").into()));
    }
    let period = match Period::parse(f.period.trim()) {
        Ok(p) => Some(p),
        Err(_) => {
            problems.push(("period", l.t("form.period_invalid").into()));
            None
        }
    };
    let submitting = f.action != "draft";
    let percent = match f.percent.trim() {
        "" if submitting => {
            problems.push(("percent", l.t("form.percent_required").into()));
            None
        }
        "" => None,
        s => match s.parse::<f64>().ok().and_then(|p| Percent::new(p).ok()) {
            Some(p)
                if c.items[n].kind == tuijin_core::ItemKind::Milestone
                    && p.value() != 0.0
                    && p.value() != 100.0 =>
            {
                problems.push(("percent", l.t("form.percent_milestone").into()));
                None
            }
            Some(p) => Some(p),
            None => {
                problems.push(("percent", l.t("form.percent_invalid").into()));
                None
            }
        },
    };
    if submitting && f.narrative.trim().is_empty() {
        problems.push(("narrative", l.t("form.narrative_required").into()));
    }
    let indicator = reportable_indicator(&st, &v, &plan, &c.items[n]).await?;
    let figures = match (&indicator, f.figure.trim()) {
        (Some(_), "") | (None, _) => Vec::new(),
        (Some(ind), s) => match s.parse::<f64>().ok().filter(|x| x.is_finite()) {
            Some(value) => vec![tuijin_core::report::Figure {
                indicator: ind.code.clone(),
                value,
            }],
            None => {
                problems.push(("figure", l.t("form.figure_invalid").into()));
                Vec::new()
            }
        },
    };
    let existing = match &period {
        Some(p) if units.contains(&f.unit) => {
            open_report(&st, &plan, &code, &f.unit, &p.to_string()).await?
        }
        _ => None,
    };
    if existing
        .as_ref()
        .is_some_and(|r| r.state == ReportState::Submitted)
    {
        problems.push(("period", l.t("form.already_submitted").into()));
    }
    let Some(period) = period.filter(|_| problems.is_empty()) else {
        let page = render_form(
            &st,
            &v,
            &c,
            &plan,
            n,
            &units,
            &f,
            existing.as_ref(),
            &problems,
            indicator.as_ref(),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let stamp = Stamp {
        at: chrono::Utc::now(),
        today: st.clock.today(),
        actor: v.who.name.clone(),
    };
    let r = match existing {
        Some(r) => {
            st.store
                .edit_report(
                    r.id,
                    r.version,
                    ReportEdit {
                        percent: Some(percent),
                        narrative: Some(f.narrative.clone()),
                        problems: Some(f.problems.clone()),
                        next_steps: Some(f.next_steps.clone()),
                        figures: Some(figures),
                    },
                    &stamp,
                )
                .await?
        }
        None => {
            st.store
                .create_report(
                    NewReport {
                        plan: plan.clone(),
                        item: code.clone(),
                        period,
                        unit: f.unit.clone(),
                        percent,
                        narrative: f.narrative.clone(),
                        problems: f.problems.clone(),
                        next_steps: f.next_steps.clone(),
                        figures,
                    },
                    &stamp,
                )
                .await?
        }
    };
    if submitting {
        st.store.submit_report(r.id, r.version, &stamp).await?;
    }
    Ok(Redirect::to(&format!("/workspace?done={}", super::urlencode(&code))).into_response())
}
