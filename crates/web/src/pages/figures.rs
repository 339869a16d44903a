//! Indicator figures from the unit workspace: the indicators my units own, with their latest
//! figure against the path to target, and a form to file a figure for one of an indicator's
//! periods (a year, a quarter or a month, by its frequency) with its published source. The
//! rules are `core::indicator::check_filed`, applied by the store; problems show beside the
//! fields.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::Indicator;
use tuijin_core::i18n::Lang;
use tuijin_core::indicator::{FiledFigure, Frequency};
use tuijin_core::policy::{Action, Role};
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::{DirectoryStore, StoreError};

use super::widgets::{fmt1, unit_of_measure};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::session::Viewer;

/// The indicators of a plan that one of `mine` owns.
pub fn owned<'a>(c: &'a CachedPlan, mine: &[&str]) -> Vec<&'a Indicator> {
    c.measures
        .indicators
        .values()
        .map(|(i, _)| i)
        .filter(|i| i.owner.as_ref().is_some_and(|o| mine.contains(&o.as_str())))
        .collect()
}

/// The workspace's section for one plan: my indicators, latest figure against the path.
pub fn section(
    l: Lang,
    plan: &str,
    c: &CachedPlan,
    mine: &[&str],
    today: chrono::NaiveDate,
) -> Markup {
    let mut list = owned(c, mine);
    if list.is_empty() {
        return html! {};
    }
    list.sort_by(|a, b| a.code.cmp(&b.code));
    html! {
        h3 { (l.t("figures.title")) }
        p.muted.small { (l.t("figures.help")) }
        div.tablewrap { table.wide {
            thead { tr {
                th { (l.t("col.indicator")) } th { (l.t("figures.frequency")) } th { (l.t("figures.latest")) }
                th.opt { (l.t("figures.on_path")) } th.opt { (l.t("figures.target")) } th {}
            } }
            tbody {
                @for ind in &list {
                    @let uom = unit_of_measure(l, &ind.unit);
                    @let latest = latest(c, ind, today);
                    tr {
                        td { (l.pick(&ind.name)) " " span.code { (ind.code) } }
                        td { (l.t(frequency_key(ind.frequency))) }
                        td { @match latest {
                            Some((on, v)) => { (fmt1(v)) " " (uom) " " span.muted.small { "(" (on) ")" } }
                            None => span.muted { (l.t("figures.none")) }
                        } }
                        td.opt { @match latest.and_then(|(on, _)| ind.expected_at(on)) {
                            Some(e) => { (fmt1(e)) " " (uom) }
                            None => "—",
                        } }
                        td.opt { @match ind.targets.last() {
                            Some(t) => { (fmt1(t.value)) " " (uom) " (" (t.year) ")" }
                            None => "—",
                        } }
                        td { a href={ "/workspace/figures/" (plan) "/" (ind.code) } { (l.t("figures.file")) } }
                    }
                }
            }
        } }
    }
}

/// The latest figure known today for an indicator: the day it stands for and its value.
fn latest(
    c: &CachedPlan,
    ind: &Indicator,
    today: chrono::NaiveDate,
) -> Option<(chrono::NaiveDate, f64)> {
    c.measures.known(ind.code.as_str(), today).last().copied()
}

#[derive(Deserialize, Default, Clone)]
pub struct FigureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    source: String,
    /// Why a figure replaces the one filed for its period.
    #[serde(default)]
    reason: String,
}

/// The indicator, when the viewer's units own it (or the viewer is the office).
async fn mine(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    code: &str,
) -> Result<(std::sync::Arc<CachedPlan>, Indicator), PageError> {
    v.require(Action::ReadPlan)?;
    let c = st.plans.get(&st.store, plan).await?;
    let ind = c
        .measures
        .indicators
        .get(code)
        .map(|(i, _)| i.clone())
        .ok_or_else(|| PageError::not_found(code.to_string()))?;
    v.require(Action::FileFigure {
        indicator: code,
        owner: ind.owner.as_ref().map(|o| o.as_str()),
    })?;
    Ok((c, ind))
}

#[derive(Deserialize, Default)]
pub struct Filed {
    #[serde(default)]
    filed: Option<String>,
}

pub async fn form(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Query(q): Query<Filed>,
) -> Result<Response, PageError> {
    let (c, ind) = mine(&st, &v, &plan, &code).await?;
    let actuals = st.store.indicator_actuals(&plan, &code).await?;
    let notice = q.filed.is_some().then(|| {
        // A unit's figure waits for the office; the office's own counts at once.
        let key = if v.who.role == Role::Unit {
            "figures.submitted"
        } else {
            "figures.filed"
        };
        v.lang.t(key).to_string()
    });
    let f = FigureForm::default();
    let page = render(&st, &v, &c, &plan, &ind, &actuals, &f, &[], notice);
    Ok(page.into_response())
}

pub async fn save(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Form(f): Form<FigureForm>,
) -> Result<Response, PageError> {
    let (c, ind) = mine(&st, &v, &plan, &code).await?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let show = |problems: Vec<(String, String)>, actuals: Vec<tuijin_store::Actual>| {
        let page = render(&st, &v, &c, &plan, &ind, &actuals, &f, &problems, None);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let value = match f.value.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => x,
        _ => {
            let actuals = st.store.indicator_actuals(&plan, &code).await?;
            let p = Problem::new("value", Rule::NotANumber);
            return show(vec![("value".into(), p.message(l))], actuals);
        }
    };
    // A unit files as the owner; the office on its behalf.
    let unit = (v.who.role == Role::Unit)
        .then(|| ind.owner.as_ref().map(|o| o.to_string()))
        .flatten();
    let figure = FiledFigure {
        period: f.period.clone(),
        value,
        source: f.source.clone(),
        reason: Some(f.reason.clone()),
        ..Default::default()
    };
    let stamp = st.stamp(&v.who.name, &c.plan);
    match st
        .store
        .file_figure(&plan, &code, unit.as_deref(), &figure, &stamp)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/workspace/figures/{}/{}?filed=1",
            super::urlencode(&plan),
            super::urlencode(&code)
        ))
        .into_response()),
        Err(StoreError::Invalid(ps)) => {
            let actuals = st.store.indicator_actuals(&plan, &code).await?;
            show(
                ps.iter().map(|p| (p.field.clone(), p.message(l))).collect(),
                actuals,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[allow(clippy::too_many_arguments)] // the page is drawn from each of these
fn render(
    st: &AppState,
    v: &Viewer,
    c: &CachedPlan,
    plan: &str,
    ind: &Indicator,
    actuals: &[tuijin_store::Actual],
    f: &FigureForm,
    problems: &[(String, String)],
    notice: Option<String>,
) -> Html<String> {
    let l = v.lang;
    let err = |field: &str| problems.iter().find(|p| p.0 == field).map(|p| p.1.clone());
    let class = |field: &str| {
        if err(field).is_some() {
            "field invalid"
        } else {
            "field"
        }
    };
    let uom = unit_of_measure(l, &ind.unit);
    let (hint, pattern) = match ind.frequency {
        Frequency::Annual => ("figures.period_annual", "[0-9]{4}"),
        Frequency::Quarterly => ("figures.period_quarterly", "[0-9]{4}-Q[1-4]"),
        Frequency::Monthly => ("figures.period_monthly", "[0-9]{4}-[0-9]{2}"),
    };
    let title = l.pick(&ind.name).to_string();
    let body = html! {
        p.crumbs { a href="/workspace" { (l.t("nav.workspace")) } " › " (l.t("figures.title")) }
        h1 { (title) " " span.code { (ind.code) } }
        p.muted { (l.pick(&c.plan.title)) " · " (l.t(frequency_key(ind.frequency))) " · " (uom) @if !ind.scope.is_empty() { " · " (ind.scope) } }
        @if let Some(n) = notice { p.notice.good role="status" { (n) } }
        @if !problems.is_empty() {
            div.notice.bad role="alert" {
                p { (l.t("form.fix")) }
                ul { @for (field, msg) in problems { li { a href={ "#" (field) } { (msg) } } } }
            }
        }
        form method="post" action={ "/workspace/figures/" (plan) "/" (ind.code) } novalidate {
            input type="hidden" name="csrf" value=(v.csrf());
            div class=(class("period")) {
                label for="period" { (l.t("col.period")) " " span.hint { (l.t(hint)) } }
                input #period name="period" type="text" inputmode="numeric" pattern=(pattern) required value=(f.period) aria-describedby="period-err";
                @if let Some(e) = err("period") { p.err #period-err { (e) } }
            }
            div class=(class("value")) {
                label for="value" { (l.t("figures.value")) " (" (uom) ")" }
                input #value name="value" type="number" step="any" required value=(f.value) aria-describedby="value-err";
                @if let Some(e) = err("value") { p.err #value-err { (e) } }
            }
            div class=(class("source")) {
                label for="source" { (l.t("figures.source")) " " span.hint { (l.t("figures.source_hint")) } }
                input #source name="source" type="text" required value=(f.source) aria-describedby="source-err";
                @if let Some(e) = err("source") { p.err #source-err { (e) } }
            }
            div class=(class("reason")) {
                label for="reason" { (l.t("figures.reason")) " " span.hint { (l.t("figures.reason_hint")) } }
                input #reason name="reason" type="text" value=(f.reason) aria-describedby="reason-err";
                @if let Some(e) = err("reason") { p.err #reason-err { (e) } }
            }
            p.kv { button type="submit" { (l.t("figures.submit")) } }
        }
        h2 { (l.t("figures.history")) }
        @if actuals.is_empty() {
            p.muted { (l.t("figures.none")) }
        } @else {
            div.tablewrap { table {
                thead { tr { th { (l.t("col.period")) } th.num { (l.t("figures.value")) } th.opt { (l.t("figures.on_path")) } th { (l.t("figures.source")) } } }
                tbody { @for (superseded, a) in crate::api::directory::with_superseded(actuals).into_iter().rev() {
                    tr.superseded[superseded] {
                        td {
                            (a.period)
                            @if superseded { " " span.small.muted { (l.t("figures.superseded")) } }
                            @if a.entry.state != tuijin_core::indicator::FigureState::Accepted {
                                " " span.flag { (l.t(state_key(a.entry.state))) }
                                @if let Some(c) = a.entry.review_comment.as_ref().filter(|c| !c.is_empty()) { " " span.small { q { (c) } } }
                            }
                        }
                        td.num { (fmt1(a.value.value())) " " (uom) }
                        td.opt { @match ind.expected_at(a.period_end) { Some(e) => { (fmt1(e)) }, None => "—" } }
                        td { (source_text(l, &a.source)) }
                    }
                } }
            } }
        }
    };
    layout(st, v, Some(plan), Section::Workspace, &title, body)
}

/// A source as written; a report's figure names its report.
fn source_text(l: Lang, source: &str) -> String {
    match source.strip_prefix("report #") {
        Some(id) => l.f("figures.from_report", &[("id", &id)]),
        None => source.to_string(),
    }
}

fn state_key(s: tuijin_core::indicator::FigureState) -> &'static str {
    use tuijin_core::indicator::FigureState::*;
    match s {
        Submitted => "figure_state.submitted",
        Accepted => "figure_state.accepted",
        Returned => "figure_state.returned",
    }
}

fn frequency_key(f: Frequency) -> &'static str {
    match f {
        Frequency::Annual => "frequency.annual",
        Frequency::Quarterly => "frequency.quarterly",
        Frequency::Monthly => "frequency.monthly",
    }
}
