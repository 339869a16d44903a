//! The office's review queue (审核): submitted reports, oldest first, to accept or return with
//! a comment, one by one or in bulk. Acceptances go through the same group-commit path as the
//! API, so the item's and its parents' progress move in the same transaction.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use tuijin_core::policy::Action;
use tuijin_core::report::{Change, Relation, ReportState, change};
use tuijin_store::{Acceptance, ReportFilter, ReportStore, Stamp};

use super::widgets::{fmt1, item_href};
use super::{PageError, Section, default_plan, layout};
use crate::AppState;
use crate::csv_out::PageCsv;
use crate::session::Viewer;

#[derive(Deserialize, Default)]
pub struct Outcome {
    #[serde(default)]
    accepted: usize,
    #[serde(default)]
    returned: usize,
    #[serde(default)]
    failed: usize,
    #[serde(default)]
    error: String,
    /// A period just closed.
    #[serde(default)]
    closed: String,
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Query(o): Query<Outcome>,
    csv: PageCsv,
) -> Result<Response, PageError> {
    v.require(Action::Review)?;
    render(&st, &v, o, &[], Some(&csv)).await
}

/// A report the office chose that could not be accepted or returned, and why.
struct Failed {
    id: i64,
    reason: String,
}

async fn render(
    st: &AppState,
    v: &Viewer,
    o: Outcome,
    failures: &[Failed],
    csv: Option<&PageCsv>,
) -> Result<Response, PageError> {
    let st = st.clone();
    let l = v.lang;
    let mut queue = st
        .store
        .list_reports(
            &ReportFilter {
                state: Some(ReportState::Submitted),
                ..Default::default()
            },
            500,
        )
        .await?;
    queue.sort_by_key(|r| (r.submitted_at, r.id));
    // The reports' evidence, to open while reviewing.
    let ids: Vec<i64> = queue.iter().map(|r| r.id).collect();
    let mut files: std::collections::HashMap<i64, Vec<tuijin_store::EvidenceRecord>> =
        std::collections::HashMap::new();
    for e in tuijin_store::EvidenceStore::evidence_of_reports(&st.store, &ids).await? {
        if let Some(r) = e.report {
            files.entry(r).or_default().push(e);
        }
    }
    let plan = default_plan(&st).await;
    // Unit names, from the cached plan of the first report's plan (units are shared by plans).
    let names = match queue.first() {
        Some(r) => Some(st.plans.get(&st.store, r.plan.as_str()).await?),
        None => None,
    };
    // Titles of the reports' items, in the viewer's language.
    let mut plans = std::collections::HashMap::new();
    for r in &queue {
        if !plans.contains_key(r.plan.as_str()) {
            plans.insert(
                r.plan.to_string(),
                st.plans.get(&st.store, r.plan.as_str()).await?,
            );
        }
    }
    let titles: std::collections::HashMap<(String, String), String> = plans
        .iter()
        .flat_map(|(p, c)| {
            c.items.iter().map(move |i| {
                (
                    (p.clone(), i.code.to_string()),
                    l.pick(&i.title).to_string(),
                )
            })
        })
        .collect();
    let item_title = |plan: &str, code: &str| {
        titles
            .get(&(plan.to_string(), code.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    let tz = |plan: &str| {
        plans
            .get(plan)
            .map(|c| c.plan.tz())
            .unwrap_or(tuijin_core::clock::DEFAULT_TZ)
    };
    let unit_name = |u: &str| {
        names
            .as_ref()
            .and_then(|c| c.unit_name(u))
            .map(|t| l.pick(t).to_string())
            .unwrap_or_else(|| u.to_string())
    };
    if csv.is_some_and(|k| k.wanted) {
        let table = super::downloads::review(l, &queue, item_title, unit_name);
        let name = crate::csv_out::file_name(plan.as_deref(), "review", st.today_default());
        return Ok(crate::csv_out::download(&table, &name));
    }
    let body = html! {
        h1 { (l.t("nav.review")) }
        @if o.accepted + o.returned > 0 {
            p.notice.good role="status" { (l.f("review.done", &[("a", &o.accepted), ("r", &o.returned)])) }
        }
        @if o.failed > 0 {
            div.notice.bad role="alert" {
                p { (l.f("review.failed", &[("n", &o.failed)])) }
                @if !failures.is_empty() {
                    ul { @for f in failures { li { "#" (f.id) ": " (f.reason) } } }
                }
            }
        }
        @match o.error.as_str() {
            "comment" => p.notice.bad role="alert" { (l.t("review.comment_required")) },
            "none" => p.notice.bad role="alert" { (l.t("review.none_chosen")) },
            _ => {},
        }
        @if !o.closed.is_empty() {
            p.notice.good role="status" { (l.f("review.period_closed", &[("period", &o.closed)])) }
        }
        @if queue.is_empty() {
            p { (l.t("review.empty")) }
        } @else {
            p.muted { (l.f("review.count", &[("n", &queue.len())])) }
            @if let Some(k) = csv { (k.link(l)) }
            form method="post" action="/review" {
                input type="hidden" name="csrf" value=(v.csrf());
                div.tablewrap { table.wide {
                    thead { tr {
                        th { span.skip { (l.t("review.choose")) } }
                        th { (l.t("col.item")) } th { (l.t("col.period")) } th { (l.t("col.unit")) }
                        th { (l.t("col.role")) } th.num { (l.t("col.previous")) } th.num { (l.t("col.percent")) }
                        th.num { (l.t("col.change")) } th { (l.t("col.narrative")) } th.opt { (l.t("col.submitted")) }
                    } }
                    tbody {
                        @for r in &queue {
                            tr {
                                td {
                                    input type="checkbox" name="r" value={ (r.id) ":" (r.version) } id={ "r" (r.id) };
                                }
                                td { label for={ "r" (r.id) } { a href=(item_href(r.plan.as_str(), r.item.as_str())) {
                                    span.code { (r.item) } " " (item_title(r.plan.as_str(), r.item.as_str())) } } }
                                td { (r.period) }
                                td { (unit_name(r.unit.as_str())) }
                                td { (l.t(match r.relation {
                                    Relation::Lead => "relation.lead",
                                    Relation::Co => "relation.co",
                                    Relation::None => "relation.none",
                                })) }
                                td.num { @if let Some(p) = r.previous_percent { (fmt1(p.value())) "%" } @else { "—" } }
                                td.num { @if let Some(p) = r.percent { (fmt1(p.value())) "%" } @else { "—" } }
                                td.num {
                                    @match change(r.previous_percent, r.percent) {
                                        Some(Change::Jump(d)) => span.flag.jump title=(l.t("review.jump")) { "▲ +" (fmt1(d)) },
                                        Some(Change::Fall(d)) => span.flag.fall title=(l.t("review.fall")) { "▼ " (fmt1(d)) },
                                        Some(Change::Steady(d)) => { "+" (fmt1(d)) },
                                        Some(Change::First) => span.muted { (l.t("review.first")) },
                                        None => "—",
                                    }
                                }
                                td {
                                    (r.narrative)
                                    @if !r.problems.is_empty() { br; span.small { (l.t("col.problems")) ": " (r.problems) } }
                            @if !r.figures.is_empty() { br; span.small { (l.t("col.figures")) ": " @for f in &r.figures { (f.indicator) " " (fmt1(f.value.value())) " " } } }
                                    @if !r.next_steps.is_empty() { br; span.small { (l.t("col.next_steps")) ": " (r.next_steps) } }
                                    @if let Some(fs) = files.get(&r.id) { (super::evidence::list(l, fs)) }
                                }
                                td.opt.small { @if let Some(t) = r.submitted_at { (super::widgets::local_time(tz(r.plan.as_str()), t)) } " · " (r.author) }
                            }
                        }
                    }
                } }
                div.field {
                    label for="comment" { (l.t("review.comment")) " " span.hint { (l.t("review.comment_hint")) } }
                    textarea #comment name="comment" {}
                }
                p.kv {
                    button type="submit" name="action" value="accept" { (l.t("review.accept")) }
                    button.secondary type="submit" name="action" value="return" { (l.t("review.return")) }
                }
            }
        }
    };
    let close = match &plan {
        Some(p) => {
            let closed: Vec<String> = st
                .store
                .closed_periods(p)
                .await?
                .iter()
                .map(|c| c.period.to_string())
                .collect();
            let cached = st.plans.get(&st.store, p).await?;
            let last = tuijin_core::report::Period::containing(
                cached.plan.cadence,
                st.today(&cached.plan),
            )
            .previous();
            html! {
                h2 { (l.t("review.close_title")) }
                p.muted { (l.t("review.close_help")) }
                @if !closed.is_empty() { p { (l.t("review.closed_list")) ": " (closed.join("、")) } }
                form.filters method="post" action="/review/close" {
                    input type="hidden" name="csrf" value=(v.csrf());
                    input type="hidden" name="plan" value=(p);
                    div { label for="period" { (l.t("col.period")) } input #period name="period" type="text" value=(last.to_string()) required; }
                    div { button type="submit" { (l.t("review.close")) } }
                }
            }
        }
        None => html! {},
    };
    let figures = match &plan {
        Some(p) => super::figure_review::section(&st, v, p).await?,
        None => html! {},
    };
    let body = html! { (body) (figures) (close) };
    Ok(layout(
        &st,
        v,
        plan.as_deref(),
        Section::Review,
        l.t("nav.review"),
        body,
    )
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct Decision {
    #[serde(default)]
    csrf: String,
    /// Chosen reports, each `id:version`.
    #[serde(default)]
    r: Vec<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
}

pub async fn decide(
    State(st): State<AppState>,
    v: Viewer,
    Form(d): Form<Decision>,
) -> Result<Response, PageError> {
    v.require(Action::Review)?;
    v.check_csrf(&d.csrf)?;
    let chosen: Vec<(i64, i64)> =
        d.r.iter()
            .map(|s| {
                s.split_once(':')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                    .ok_or_else(|| PageError::bad_request(format!("r: `{s}` is not id:version")))
            })
            .collect::<Result<_, _>>()?;
    if chosen.is_empty() {
        return Ok(Redirect::to("/review?error=none").into_response());
    }
    let (mut accepted, mut returned) = (0, 0);
    let mut failures = Vec::new();
    // Every choice is tried; one that cannot be done is logged and named on the page, with why.
    let mut failed = |id: i64, e: crate::ApiError| {
        let f = crate::error::Failure::from(e);
        tracing::info!(report = id, status = %f.status, detail = %f.detail(tuijin_core::i18n::Lang::En), "review: not done");
        failures.push(Failed {
            id,
            reason: f.detail(v.lang),
        });
    };
    match d.action.as_str() {
        "accept" => {
            let mut answers = Vec::new();
            for (id, version) in chosen {
                let stamp = match stamp_for(&st, &v, id).await {
                    Ok(s) => s,
                    Err(e) => {
                        failed(id, e);
                        continue;
                    }
                };
                let acceptance = Acceptance {
                    id,
                    version,
                    comment: d.comment.clone(),
                    stamp,
                };
                let st = st.clone();
                answers.push((
                    id,
                    tokio::spawn(async move { crate::jobs::accept(&st, acceptance).await }),
                ));
            }
            for (id, a) in answers {
                match a.await {
                    Ok(Ok(_)) => accepted += 1,
                    Ok(Err(e)) => failed(id, e),
                    Err(e) => failed(id, crate::ApiError::Internal(e.to_string())),
                }
            }
        }
        "return" => {
            let mut problems = tuijin_core::problem::Problems::default();
            tuijin_core::report::check_review_comment(
                tuijin_core::report::ReportAction::Return,
                &d.comment,
                &mut problems,
            );
            if !problems.is_empty() {
                return Ok(Redirect::to("/review?error=comment").into_response());
            }
            for (id, version) in chosen {
                let r = match stamp_for(&st, &v, id).await {
                    Ok(stamp) => st
                        .store
                        .return_report(id, version, &d.comment, &stamp)
                        .await
                        .map_err(crate::ApiError::from),
                    Err(e) => Err(e),
                };
                match r {
                    Ok(_) => returned += 1,
                    Err(e) => failed(id, e),
                }
            }
        }
        other => {
            return Err(PageError::bad_request(format!(
                "action: `{other}` is not accept or return"
            )));
        }
    }
    if failures.is_empty() {
        let to = format!("/review?accepted={accepted}&returned={returned}");
        return Ok(Redirect::to(&to).into_response());
    }
    let o = Outcome {
        accepted,
        returned,
        failed: failures.len(),
        ..Default::default()
    };
    render(&st, &v, o, &failures, None).await
}

/// The stamp of the office's decision on a report, in its plan's zone.
async fn stamp_for(st: &AppState, v: &Viewer, id: i64) -> Result<Stamp, crate::ApiError> {
    let r = st.store.get_report(id).await?;
    let c = st.plans.get(&st.store, r.plan.as_str()).await?;
    Ok(st.stamp(&v.who.name, &c.plan))
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    period: String,
}

/// Closes a reporting period (the office, once its reports are reviewed).
pub async fn close(
    State(st): State<AppState>,
    v: Viewer,
    Form(f): Form<CloseForm>,
) -> Result<Response, PageError> {
    v.require(Action::ClosePeriod)?;
    v.check_csrf(&f.csrf)?;
    let period = tuijin_core::report::Period::parse(f.period.trim()).map_err(|_| {
        PageError::invalid(tuijin_core::problem::Problem::new(
            "period",
            tuijin_core::problem::Rule::PeriodFormat,
        ))
    })?;
    let c = st.plans.get(&st.store, &f.plan).await?;
    let stamp = st.stamp(&v.who.name, &c.plan);
    st.store.close_period(&f.plan, period, &stamp).await?;
    Ok(Redirect::to(&format!("/review?closed={period}")).into_response())
}
