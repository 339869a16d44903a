//! The unit workspace (单位工作台): the items my units must report on, with this period's due
//! date and what is already in; the report form, which checks every field and shows the
//! problems beside them; and my reports the office returned, with its comments.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tuijin_core::board::Board;
use tuijin_core::i18n::Lang;
use tuijin_core::policy::{Action, Role};
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::report::{Figure, FigureValue, Period, Relation, ReportContent, ReportState};
use tuijin_core::{Percent, Status};
use tuijin_store::{
    DirectoryStore, EvidenceOn, EvidenceStore, NewReport, PlanStore, ReportEdit, ReportFilter,
    ReportRecord, ReportStore, StoreError,
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
    #[serde(default, deserialize_with = "super::page_number")]
    page: usize,
    #[serde(default)]
    done: String,
}

fn unit_user(v: &Viewer) -> Result<(), PageError> {
    v.require(Action::ReadPlan)?;
    if v.who.role != Role::Unit {
        return Err(PageError::forbidden("workspace.units_only"));
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
    let mine: Vec<&str> = v.who.units.iter().map(|u| u.as_str()).collect();
    let mut sections = Vec::new();
    for p in st.store.list_plans().await? {
        let plan = p.plan.code.to_string();
        let c = st.plans.get(&st.store, &plan).await?;
        let today = st.today(&c.plan);
        let b = c.board(today);
        let period = Period::containing(c.plan.cadence, today);
        // Leaves my units lead or co-operate on: those are reported on; parents roll up.
        let items: Vec<usize> = (0..c.items.len())
            .filter(|&n| {
                let i = &c.items[n];
                !b.is_out(n)
                    && b.children(n).iter().all(|&k| b.is_out(k as usize))
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
                        period: Some(period),
                        ..Default::default()
                    },
                    1000,
                )
                .await?
            {
                in_period.insert(r.item.to_string(), r);
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
        // What the co-operating units report on the items my units lead (this page's).
        let led: Vec<String> = items
            .iter()
            .skip(q.page * PAGE)
            .take(PAGE)
            .map(|&n| &c.items[n])
            .filter(|i| i.lead.as_ref().is_some_and(|u| mine.contains(&u.as_str())))
            .map(|i| i.code.to_string())
            .collect();
        let mut contributions: HashMap<String, Vec<ReportRecord>> = HashMap::new();
        for r in st.store.contributions(&plan, &led).await? {
            contributions.entry(r.item.to_string()).or_default().push(r);
        }
        let notices = super::notices::waiting_for(&st, &plan, &mine).await?;
        let scores = super::scorecard::workspace_section(&st, l, &plan, &c, &mine).await?;
        let scores = maud::html! { (scores) (super::requests::workspace_section(&st, l, &plan, &c, &v).await?) };
        sections.push((
            plan,
            c,
            b,
            period,
            items,
            in_period,
            returned,
            contributions,
            notices,
            scores,
        ));
    }
    let body = html! {
        h1 { (l.t("nav.workspace")) }
        p.muted { (l.f("workspace.for_units", &[("units", &mine.join("、"))])) }
        @if !q.done.is_empty() {
            p.notice.good role="status" { (l.f("workspace.submitted", &[("item", &q.done)])) }
        }
        @for (plan, c, b, period, items, in_period, returned, contributions, notices, scores) in &sections {
            h2 { (l.pick(&c.plan.title)) }
            p { a.button href={ "/workspace/excel/" (plan) } { (l.t("excel.title")) } " " span.small.muted { (l.t("excel.workspace_help")) } }
            @if !notices.is_empty() {
                section aria-labelledby={ "ntc-" (plan) } {
                    h3 id={ "ntc-" (plan) } { (l.t("notices.waiting")) " (" (notices.len()) ")" }
                    ul {
                        @for n in notices {
                            li {
                                a href={ "/notices/" (n.id) } { (n.number) } " "
                                (super::notices::level_chip(l, &c.plan.notices, n.level_on(st.today(&c.plan), &c.plan.notices)))
                                " " (n.title) " — " (l.t("notices.reply_by")) " " (n.reply_by)
                            }
                        }
                    }
                }
            }
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
                    th { (l.t("col.item")) } th { (l.t("col.our_role")) } th { (l.t("col.progress")) } th { (l.t("col.status")) }
                    th.opt { (l.t("col.report_due")) } th { (l.t("col.this_period")) } th {}
                } }
                tbody {
                    @for &n in items.iter().skip(q.page * PAGE).take(PAGE) {
                        @let i = &c.items[n];
                        @let due = period.due_date(c.plan.reporting.due_day, level(c, b, n));
                        @let rep = in_period.get(i.code.as_str());
                        @let lead = i.lead.as_ref().is_some_and(|u| mine.contains(&u.as_str()));
                        tr data-role=(if lead { "lead" } else { "co" }) {
                            td {
                                (item_link(l, plan, i))
                                @if let Some(list) = contributions.get(i.code.as_str()) {
                                    br;
                                    span.small.muted {
                                        (l.t("workspace.co_said")) " "
                                        @for (k, r) in list.iter().enumerate() {
                                            @if k > 0 { "；" }
                                            (c.unit_name(r.unit.as_str()).map(|t| l.pick(t).to_string()).unwrap_or_else(|| r.unit.to_string()))
                                            @if let Some(p) = r.percent { " " (fmt1(p.value())) "%" }
                                            " (" (r.period) ")"
                                        }
                                    }
                                }
                            }
                            td { (l.t(if lead { "relation.lead" } else { "relation.co" })) }
                            td { (row_progress(l, b, n)) }
                            td { (status(l, b.status(n))) }
                            // An item accepted as done asks for no further reports.
                            td.opt { @if b.status(n) == Status::Done { "—" } @else { (due) } }
                            td { @match rep { Some(r) => { (l.t(report_state_key(r.state))) @if let Some(p) = r.percent { " · " (fmt1(p.value())) "%" } }, None => span.muted { (l.t("workspace.not_yet")) } } }
                            td {
                                @if b.status(n) != Status::Done && rep.is_none_or(|r| matches!(r.state, ReportState::Draft | ReportState::Returned | ReportState::Accepted)) {
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
            (super::figures::section(l, plan, c, &mine, st.today(&c.plan)))
            (scores)
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

/// Field problems, by the form's field name, in the viewer's language.
type Problems = Vec<(String, String)>;

/// The units of mine that may report on the item.
fn my_units_for(v: &Viewer, i: &tuijin_core::Item) -> Vec<String> {
    i.lead
        .iter()
        .chain(i.co.iter())
        .filter(|u| v.allowed(write(u.as_str(), i)))
        .map(|u| u.to_string())
        .collect()
}

/// The policy's question: may this viewer write a report for `unit` on item `i`?
fn write<'a>(unit: &'a str, i: &'a tuijin_core::Item) -> Action<'a> {
    Action::WriteReport {
        unit,
        item: i.code.as_str(),
        relation: Relation::of(unit, i.lead.as_ref(), &i.co),
    }
}

/// The form's field a rule's problem is about (the form has one indicator figure).
fn form_field(field: &str) -> String {
    if field.starts_with("figures[") {
        "figure".into()
    } else {
        field.to_string()
    }
}

fn form_problems(l: Lang, ps: &[Problem]) -> Problems {
    ps.iter()
        .map(|p| (form_field(&p.field), p.message(l)))
        .collect()
}

/// The indicator of the item's target, when one of my units may report its figure.
async fn reportable_indicator(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    item: &tuijin_core::Item,
) -> Result<Option<tuijin_core::Indicator>, PageError> {
    let Some(code) = item.extra.target.as_ref().and_then(|t| t.indicator.clone()) else {
        return Ok(None);
    };
    Ok(st
        .store
        .list_indicators(plan)
        .await?
        .into_iter()
        .find(|i| i.code == code)
        .filter(|ind| {
            ind.owner
                .as_ref()
                .is_none_or(|o| v.allowed(write(o.as_str(), item)))
        }))
}

/// The open (draft or returned) report of this unit for the item and period, if any.
/// The unit's latest accepted report on the item (latest by period), which the form shows so
/// the unit reports against what the office last accepted.
async fn last_accepted(
    st: &AppState,
    plan: &str,
    code: &str,
    unit: &str,
) -> Result<Option<ReportRecord>, PageError> {
    Ok(st
        .store
        .list_reports(
            &ReportFilter {
                plan: Some(plan.into()),
                item: Some(code.into()),
                unit: Some(unit.into()),
                state: Some(ReportState::Accepted),
                ..Default::default()
            },
            1000,
        )
        .await?
        .into_iter()
        .max_by_key(|r| (r.period, r.id)))
}

/// The evidence on a report being edited.
async fn evidence_of(
    st: &AppState,
    r: Option<&ReportRecord>,
) -> Result<Vec<tuijin_store::EvidenceRecord>, PageError> {
    Ok(match r {
        Some(r) => st.store.list_evidence(EvidenceOn::Report(r.id)).await?,
        None => Vec::new(),
    })
}

async fn open_report(
    st: &AppState,
    plan: &str,
    code: &str,
    unit: &str,
    period: &str,
) -> Result<Option<ReportRecord>, PageError> {
    let Ok(period) = Period::parse(period) else {
        return Ok(None);
    };
    Ok(st
        .store
        .list_reports(
            &ReportFilter {
                plan: Some(plan.into()),
                item: Some(code.into()),
                unit: Some(unit.into()),
                period: Some(period),
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
    last: Option<&ReportRecord>,
    problems: &Problems,
    indicator: Option<&tuijin_core::Indicator>,
    files: &[tuijin_store::EvidenceRecord],
) -> Html<String> {
    let l = v.lang;
    let b = c.board(st.today(&c.plan));
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
        p.kv { span { (row_progress(l, &b, n)) } span { (status(l, b.status(n))) } }
        @if let Some(r) = last {
            p.notice {
                (l.f("workspace.last_accepted", &[("period", &r.period), ("percent", &r.percent.map(|p| format!("{}%", fmt1(p.value()))).unwrap_or_else(|| "—".into()))]))
                @if !r.narrative.is_empty() { br; span.small.muted { (r.narrative.chars().take(120).collect::<String>()) } }
            }
        }
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
                ul { @for (field, msg) in problems {
                    li { @if field.is_empty() { (msg) } @else { a href={ "#" (field) } { (msg) } } }
                } }
            }
        }
        form method="post" action={ "/workspace/report/" (plan) "/" (i.code) } enctype="multipart/form-data" novalidate {
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
            @if !files.is_empty() { (super::evidence::list(l, files)) }
            (super::evidence::input(l, st.evidence_max, err(super::evidence::FIELD)))
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
    let b = c.board(st.today(&c.plan));
    let n = b
        .position(&code)
        .ok_or_else(|| PageError::not_found(code.clone()))?;
    let units = my_units_for(&v, &c.items[n]);
    if units.is_empty() {
        return Err(PageError::forbidden("workspace.not_yours"));
    }
    let period = q
        .period
        .unwrap_or_else(|| Period::containing(c.plan.cadence, st.today(&c.plan)).to_string());
    let unit = q
        .unit
        .filter(|u| units.contains(u))
        .unwrap_or_else(|| units[0].clone());
    let existing = open_report(&st, &plan, &code, &unit, &period).await?;
    let files = evidence_of(&st, existing.as_ref()).await?;
    let last = last_accepted(&st, &plan, &code, &unit).await?;
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
            percent: r.percent.map(|p| fmt1(p.value())).unwrap_or_default(),
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
        last.as_ref(),
        &vec![],
        indicator.as_ref(),
        &files,
    )
    .into_response())
}

pub async fn save(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    unit_user(&v)?;
    let (f, uploads): (ReportForm, _) = super::evidence::read_form(req).await?;
    v.check_csrf(&f.csrf)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let b = c.board(st.today(&c.plan));
    let n = b
        .position(&code)
        .ok_or_else(|| PageError::not_found(code.clone()))?;
    let item = &c.items[n];
    let units = my_units_for(&v, item);
    if units.is_empty() {
        return Err(PageError::forbidden("workspace.not_yours"));
    }
    // The unit chosen must be one of mine that reports on the item: the policy decides.
    v.require(write(&f.unit, item))?;
    // Parse every field, so all problems show at once, each beside its field; the rules on
    // what a report says are the store's (`core::report`), answered below the same way.
    let mut parsed: Vec<Problem> = Vec::new();
    let period = Period::parse(f.period.trim())
        .map_err(|_| parsed.push(Problem::new("period", Rule::PeriodFormat)))
        .ok();
    let percent = match f.percent.trim() {
        "" => None,
        s => match s.parse::<f64>() {
            Ok(p) => Percent::new(p)
                .map_err(|_| parsed.push(Problem::new("percent", Rule::PercentRange)))
                .ok(),
            Err(_) => {
                parsed.push(Problem::new("percent", Rule::NotANumber));
                None
            }
        },
    };
    let indicator = reportable_indicator(&st, &v, &plan, item).await?;
    let figures = match (&indicator, f.figure.trim()) {
        (Some(_), "") | (None, _) => Vec::new(),
        (Some(ind), s) => match s.parse::<f64>().ok().and_then(|x| FigureValue::new(x).ok()) {
            Some(value) => vec![Figure {
                indicator: ind.code.clone(),
                value,
            }],
            None => {
                parsed.push(Problem::new("figure", Rule::NotANumber));
                Vec::new()
            }
        },
    };
    let existing = match &period {
        Some(p) => open_report(&st, &plan, &code, &f.unit, &p.to_string()).await?,
        None => None,
    };
    let last = last_accepted(&st, &plan, &code, &f.unit).await?;
    let files = evidence_of(&st, existing.as_ref()).await?;
    let show = |problems: Problems| {
        let page = render_form(
            &st,
            &v,
            &c,
            &plan,
            n,
            &units,
            &f,
            existing.as_ref(),
            last.as_ref(),
            &problems,
            indicator.as_ref(),
            &files,
        );
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let submitting = f.action != "draft";
    let content = ReportContent {
        percent,
        narrative: f.narrative.clone(),
        problems: f.problems.clone(),
        next_steps: f.next_steps.clone(),
        figures,
    };
    // The rules that need no facts join the parse problems, so all show at once.
    let mut words = tuijin_core::problem::Problems::default();
    tuijin_core::report::check_words(&content, submitting, &mut words);
    parsed.extend(words.0);
    // Files are checked with the fields: one refused, nothing is written.
    let refused_files = super::evidence::check(l, &uploads, st.evidence_max);
    let Some(period) = period.filter(|_| parsed.is_empty() && refused_files.is_empty()) else {
        let mut all = form_problems(l, &parsed);
        all.extend(refused_files);
        return show(all);
    };
    let stamp = st.stamp(&v.who.name, &c.plan);
    let written = match &existing {
        Some(r) => {
            st.store
                .edit_report(
                    r.id,
                    r.version,
                    ReportEdit {
                        percent: Some(content.percent),
                        narrative: Some(content.narrative),
                        problems: Some(content.problems),
                        next_steps: Some(content.next_steps),
                        figures: Some(content.figures),
                    },
                    &stamp,
                )
                .await
        }
        None => {
            st.store
                .create_report(
                    NewReport {
                        plan: plan.clone(),
                        item: code.clone(),
                        period,
                        unit: f.unit.clone(),
                        content,
                    },
                    &stamp,
                )
                .await
        }
    };
    // The files join the report before it is submitted: what the office reviews has them.
    let written = match written {
        Ok(r) if !uploads.is_empty() => st
            .store
            .add_evidence(
                EvidenceOn::Report(r.id),
                &f.unit,
                uploads,
                st.evidence_max,
                &stamp,
            )
            .await
            .map(|_| r),
        other => other,
    };
    let written = match written {
        Ok(r) if submitting => st.store.submit_report(r.id, r.version, &stamp).await,
        other => other,
    };
    match written {
        Ok(_) => Ok(
            Redirect::to(&format!("/workspace?done={}", super::urlencode(&code))).into_response(),
        ),
        // The rules' answers, beside the fields (the draft, if one was saved, stays open).
        Err(StoreError::Invalid(ps)) => show(form_problems(l, &ps)),
        Err(StoreError::Conflict(p)) => show(vec![(String::new(), p.message(l))]),
        Err(e) => Err(e.into()),
    }
}
