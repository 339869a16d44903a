//! The indicators of a plan: a list with each one's latest figure, target, standing against
//! its path, forecast and a sparkline; and one page per indicator with its definition, chart,
//! figures with their sources and revisions, the forecast with the numbers behind it, and
//! the items it measures. Both answer "as known on" a day (`?as_of=`), like the API
//! (`api::indicators`), whose computation they share.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use chrono::NaiveDate;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use tuijin_core::forecast::{Forecast, Model};
use tuijin_core::i18n::Lang;
use tuijin_core::policy::{Action, Role};
use tuijin_store::DirectoryStore;

use super::widgets::{fmt1, item_href, unit_of_measure};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::api::indicators::{IndicatorDetail, chart, detail};
use crate::session::Viewer;

#[derive(Deserialize, Default)]
pub struct AsOf {
    #[serde(default)]
    as_of: String,
}

/// The day asked about: `as_of` when given (not after today), else today.
fn as_of(q: &AsOf, today: NaiveDate) -> Result<NaiveDate, PageError> {
    let s = q.as_of.trim();
    if s.is_empty() {
        return Ok(today);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.min(today))
        .map_err(|_| {
            PageError::invalid(tuijin_core::problem::Problem::new(
                "as_of",
                tuijin_core::problem::Rule::DateFormat,
            ))
        })
}

/// A share as a percentage (`warning::indicators::chance_percent`).
fn pct(v: f64) -> String {
    format!("{}%", tuijin_core::warning::indicators::chance_percent(v))
}

/// One line on where the indicator stands: the target met (when, at what), or the gap to
/// the path.
fn standing(l: Lang, d: &IndicatorDetail, uom: &str) -> Markup {
    let met = d.targets.iter().rev().find(|t| t.met_on.is_some());
    html! {
        @if let Some(t) = met {
            span class="st st-done" { (l.t("ind.met")) }
            " " (l.f("ind.met_detail", &[
                ("target", &format!("{} {uom}", fmt1(t.target))),
                ("year", &t.year),
                ("on", &t.met_on.map(|d| d.to_string()).unwrap_or_default()),
                ("value", &format!("{} {uom}", fmt1(t.met_value.unwrap_or(0.0)))),
            ]))
        } @else if let Some(g) = &d.gap {
            @if g.behind { span class="st st-off_track" { (l.t("ind.behind_path")) } } @else { span class="st st-on_track" { (l.t("ind.on_path")) } }
            " " (l.f("ind.gap_detail", &[
                ("on", &g.on),
                ("actual", &format!("{} {uom}", fmt1(g.actual))),
                ("expected", &format!("{} {uom}", fmt1(g.expected))),
                ("absolute", &format!("{:+.1} {uom}", g.absolute)),
                ("relative", &g.relative.map(|r| format!("{r:+.1}%")).unwrap_or_else(|| "—".into())),
            ]))
        } @else {
            span.muted { (l.t("ind.no_standing")) }
        }
    }
}

/// The forecast in one line: the value expected at the next target year with its interval
/// and the chance of meeting the target; or why there is none.
fn forecast_line(l: Lang, f: &Forecast, uom: &str) -> Markup {
    match f {
        Forecast::TooFew { points, needed } => html! {
            span.muted { (l.f("ind.too_few", &[("points", points), ("needed", needed)])) }
        },
        Forecast::Made { projections, .. } => match projections.first() {
            None => html! { span.muted { (l.t("ind.no_target_ahead")) } },
            Some(p) => html! {
                (l.f("ind.forecast_line", &[
                    ("year", &p.year),
                    ("value", &format!("{} {uom}", fmt1(p.value))),
                    ("low", &fmt1(p.low)),
                    ("high", &fmt1(p.high)),
                    ("target", &format!("{} {uom}", fmt1(p.target))),
                ]))
                @if let Some(pr) = p.probability {
                    " " strong.prob { (l.f("ind.chance", &[("p", &pct(pr))])) }
                }
            },
        },
    }
}

fn model_name(l: Lang, m: Model) -> &'static str {
    match m {
        Model::Linear => l.t("ind.model.linear"),
        Model::LogLinear => l.t("ind.model.log_linear"),
    }
}

/// Every indicator of the plan, as known on a day.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<AsOf>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let day = as_of(&q, today)?;
    let mut rows = Vec::new();
    for ind in st.store.list_indicators(&plan).await? {
        let actuals = st.store.indicator_actuals(&plan, ind.code.as_str()).await?;
        let d = detail(&c, &ind, &actuals, day, false);
        rows.push((ind, d));
    }
    let body = html! {
        h1 { (l.t("ind.title")) }
        p.muted { (l.t("ind.help")) }
        form.inline method="get" {
            label { (l.t("ind.as_of")) " " input type="date" name="as_of" value=(day); }
            " " button type="submit" { (l.t("ind.show")) }
        }
        div.tablewrap { table.wide.indicators {
            thead { tr {
                th { (l.t("col.indicator")) } th.spark { (l.t("leader.trend")) }
                th.num { (l.t("ind.latest")) } th.num { (l.t("col.target")) }
                th { (l.t("ind.standing")) } th.opt { (l.t("ind.forecast")) }
            } }
            tbody {
                @for (ind, d) in &rows {
                    @let uom = unit_of_measure(l, &ind.unit);
                    @let counted: Vec<(NaiveDate, f64)> = c.measures.known(ind.code.as_str(), day);
                    tr {
                        td { a href={ "/plans/" (plan) "/indicators/" (ind.code) } { (l.pick(&ind.name)) } br; span.code.small { (ind.code) } }
                        td.spark { @if let Some(svg) = crate::charts::indicator_spark(ind, &counted, day) {
                            div role="img" aria-label=(l.f("leader.trend_alt", &[("name", &l.pick(&ind.name))])) { (PreEscaped(svg)) }
                        } }
                        td.num { @match counted.last() {
                            Some((on, v)) => { (fmt1(*v)) " " (uom) br; span.small.muted { (on) } }
                            None => span.muted { (l.t("figures.none")) },
                        } }
                        td.num { @match ind.targets.last() {
                            Some(t) => { (fmt1(t.value)) " " (uom) " (" (t.year) ")" }
                            None => "—",
                        } }
                        td {
                            (standing(l, d, &uom))
                            @for w in d.warnings.iter().filter(|w| w.kind == "indicator_figure_overdue") {
                                br; span.small.overdue { (tuijin_core::warning::render_details(&w.details, l)) }
                            }
                        }
                        td.opt { (forecast_line(l, &d.forecast, &uom)) }
                    }
                }
            }
        } }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Indicators,
        l.t("ind.title"),
        body,
    ))
}

/// One indicator, as known on a day.
pub async fn one(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, code)): Path<(String, String)>,
    Query(q): Query<AsOf>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let day = as_of(&q, today)?;
    let ind = c
        .measures
        .indicators
        .get(&code)
        .map(|(i, _)| i.clone())
        .ok_or_else(|| PageError::not_found(code.clone()))?;
    let actuals = st.store.indicator_actuals(&plan, &code).await?;
    let d = detail(&c, &ind, &actuals, day, false);
    let uom = unit_of_measure(l, &ind.unit);
    // The definition's changes (targets re-based, with the reason) and the figures' filings
    // and reviews, newest first.
    let history = tuijin_store::EventStore::latest_events_for(
        &st.store,
        tuijin_core::event::Entity::Indicator,
        &code,
        30,
    )
    .await?;
    let svg = chart(l, &ind, &d);
    let may_file = v.allowed(Action::FileFigure {
        indicator: &code,
        owner: ind.owner.as_ref().map(|o| o.as_str()),
    }) && (v.who.role == Role::Unit || v.allowed(Action::Review));
    let title = l.pick(&ind.name).to_string();
    let body = html! {
        p.crumbs { a href={ "/plans/" (plan) "/indicators" } { (l.t("ind.title")) } }
        h1 { (title) " " span.code { (ind.code) } }
        p.standing { (standing(l, &d, &uom)) }
        p { (forecast_line(l, &d.forecast, &uom)) }
        @for w in &d.warnings {
            p.notice.bad.small { (tuijin_core::warning::render_details(&w.details, l)) }
        }
        form.inline method="get" {
            label { (l.t("ind.as_of")) " " input type="date" name="as_of" value=(day); }
            " " button type="submit" { (l.t("ind.show")) }
            @if day < today { " " a href={ "/plans/" (plan) "/indicators/" (code) } { (l.t("ind.today")) } }
        }
        @if let Some(svg) = svg {
            figure.chart.indicator-chart {
                div role="img" aria-label=(l.f("ind.chart_alt", &[("name", &title)])) { (PreEscaped(svg)) }
            }
        }
        @if may_file { p { a.button href={ "/workspace/figures/" (plan) "/" (code) } { (l.t("figures.file")) } } }
        h2 { (l.t("ind.definition")) }
        dl.facts {
            dt { (l.t("ind.unit")) } dd { (uom) }
            dt { (l.t("ind.direction")) } dd { (l.lookup(&format!("ind.direction.{}", ind.direction.as_str())).unwrap_or(ind.direction.as_str())) }
            dt { (l.t("figures.frequency")) } dd { (l.lookup(&format!("frequency.{}", ind.frequency.as_str())).unwrap_or(ind.frequency.as_str())) }
            dt { (l.t("ind.basis")) } dd { (l.lookup(&format!("ind.basis.{}", ind.basis.as_str())).unwrap_or(ind.basis.as_str())) }
            dt { (l.t("ind.scope")) } dd { (ind.scope) }
            dt { (l.t("ind.baseline")) } dd { @match (ind.baseline, ind.baseline_year) {
                (Some(b), Some(y)) => { (fmt1(b)) " " (uom) " (" (y) ")" }
                _ => "—",
            } }
            dt { (l.t("ind.path")) } dd { (l.lookup(&format!("ind.path.{}", ind.path.as_str())).unwrap_or(ind.path.as_str())) }
            dt { (l.t("ind.lag")) } dd { (l.f("ind.lag_days", &[("days", &ind.lag_days())])) }
            dt { (l.t("col.lead")) } dd { (super::widgets::unit(l, &c, ind.owner.as_ref())) }
            dt { (l.t("ind.source")) } dd { (ind.source) }
        }
        h2 { (l.t("ind.figures")) }
        @if d.figures.is_empty() { p.muted { (l.t("figures.none")) } }
        @else {
            div.tablewrap { table.wide {
                thead { tr {
                    th { (l.t("ind.period")) } th.num { (l.t("ind.value")) } th { (l.t("ind.known_on")) }
                    th { (l.t("ind.source")) } th.opt { (l.t("ind.entered")) } th.opt { (l.t("ind.revision")) }
                } }
                tbody {
                    @for f in &d.figures {
                        tr class=[(!f.counted && f.state == "accepted").then_some("revised")] {
                            td { (f.period) }
                            td.num {
                                @if f.counted { (fmt1(f.value)) } @else { del { (fmt1(f.value)) } }
                                " " (uom)
                            }
                            td { @if let Some(k) = f.known_on { (k) } }
                            td.src { @match &f.source_url {
                                Some(u) => a href=(u) rel="noopener noreferrer" { (f.source) },
                                None => (f.source),
                            } }
                            td.opt.small { @if let Some(by) = &f.entered_by { (by) } }
                            td.opt.small {
                                @if f.revision > 0 { (l.f("ind.revision_n", &[("n", &f.revision)])) ": " (f.reason.clone().unwrap_or_default()) }
                                @if f.state != "accepted" {
                                    " " span.flag { (l.lookup(&format!("figure_state.{}", f.state)).unwrap_or(&f.state)) }
                                    @if let Some(c) = f.review_comment.as_ref().filter(|c| !c.is_empty()) { " " q { (c) } }
                                } @else if !f.counted { " " span.muted { (l.t("ind.superseded")) } }
                            }
                        }
                    }
                }
            } }
        }
        h2 { (l.t("ind.forecast")) }
        (explain(l, &d, &uom))
        @if day < today { (then_and_now(l, &d, &c.measures.known(&code, today), &uom)) }
        @if !history.is_empty() {
            h2 { (l.t("setup.history")) }
            (super::item::timeline(l, c.plan.tz(), &history))
        }
        h2 { (l.t("ind.items")) }
        @if d.items.is_empty() { p.muted { (l.t("ind.no_items")) } }
        @else { ul { @for code in &d.items {
            @let title = c.items.iter().find(|i| i.code.as_str() == code).map(|i| l.pick(&i.title).to_string()).unwrap_or_default();
            li { a href=(item_href(&plan, code)) { span.code { (code) } " " (title) } }
        } } }
        p.small.muted {
            a href={ "/api/v1/plans/" (plan) "/indicators/" (code) "?as_of=" (day) } { "JSON" } " · "
            a href={ "/api/v1/plans/" (plan) "/indicators/" (code) "/chart.svg?as_of=" (day) } { "SVG" } " · "
            (l.t("ind.method"))
        }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Indicators,
        &title,
        body,
    ))
}

/// A forecast made on a past day beside what happened: for each target year it projected, the
/// figure known today for that year (or "not yet known").
fn then_and_now(l: Lang, d: &IndicatorDetail, now: &[(NaiveDate, f64)], uom: &str) -> Markup {
    let Forecast::Made { projections, .. } = &d.forecast else {
        return html! {};
    };
    if projections.is_empty() {
        return html! {};
    }
    html! {
        h3 { (l.f("ind.then_and_now", &[("as_of", &d.as_of)])) }
        div.tablewrap { table.then-now {
            thead { tr { th { (l.t("ind.year")) } th.num { (l.t("ind.forecast_value")) } th.num { (l.t("ind.interval_col")) } th.num { (l.t("ind.happened")) } } }
            tbody { @for p in projections {
                @let actual = now.iter().rev().find(|(on, _)| chrono::Datelike::year(on) == p.year).map(|f| f.1);
                tr {
                    td { (p.year) }
                    td.num { (fmt1(p.value)) " " (uom) }
                    td.num { (fmt1(p.low)) " – " (fmt1(p.high)) }
                    td.num data-actual=[actual] {
                        @match actual {
                            Some(v) => { (fmt1(v)) " " (uom)
                                @if v < p.low || v > p.high { " " span.flag { (l.t("ind.outside_interval")) } } }
                            None => span.muted { (l.t("ind.not_yet_known")) },
                        }
                    }
                }
            } }
        } }
    }
}

/// The numbers behind the forecast: each trend fitted, which was chosen and why, the
/// interval's terms and each target year's projection.
fn explain(l: Lang, d: &IndicatorDetail, uom: &str) -> Markup {
    match &d.forecast {
        Forecast::TooFew { points, needed } => html! {
            p { (l.f("ind.too_few", &[("points", points), ("needed", needed)])) }
        },
        Forecast::Made {
            points,
            chosen,
            fits,
            log_linear_skipped,
            level,
            degrees_of_freedom,
            t_quantile,
            projections,
        } => html! {
            p { (l.f("ind.fitted_on", &[("n", &points.len()), ("as_of", &d.as_of)])) }
            div.tablewrap { table {
                thead { tr { th { (l.t("ind.trend")) } th.num { (l.t("ind.slope")) } th.num { "R²" } th.num { (l.t("ind.sse")) } th {} } }
                tbody { @for f in fits {
                    tr {
                        td { (model_name(l, f.model)) }
                        td.num { @match f.model {
                            Model::Linear => { (fmt1(f.slope)) " " (uom) (l.t("ind.per_year")) }
                            Model::LogLinear => { (pct(f.slope.exp() - 1.0)) (l.t("ind.per_year")) }
                        } }
                        td.num { (format!("{:.3}", f.r_squared)) }
                        td.num { (format!("{:.4}", f.sse)) }
                        td { @if f.model == *chosen { strong { (l.t("ind.chosen")) } } }
                    }
                } }
            } }
            p.small { (l.t("ind.why_chosen")) @if let Some(why) = log_linear_skipped { " " (l.t("ind.log_skipped")) " (" (why) ")" } }
            p.small { (l.f("ind.interval", &[("level", &pct(*level)), ("dof", degrees_of_freedom), ("t", &format!("{t_quantile:.3}"))])) }
            @if !projections.is_empty() {
                div.tablewrap { table.projections {
                    thead { tr { th { (l.t("ind.year")) } th.num { (l.t("col.target")) } th.num { (l.t("ind.forecast_value")) } th.num { (l.t("ind.interval_col")) } th.num { (l.t("ind.probability")) } } }
                    tbody { @for p in projections {
                        tr {
                            td { (p.year) }
                            td.num { (fmt1(p.target)) " " (uom) }
                            td.num data-value=(p.value) { (fmt1(p.value)) " " (uom) }
                            td.num { (fmt1(p.low)) " – " (fmt1(p.high)) }
                            td.num { @match p.probability { Some(pr) => (pct(pr)), None => "—" } }
                        }
                    } }
                } }
            }
        },
    }
}

/// The cockpit's indicator tiles: each indicator with a target, its latest figure, where it
/// stands and its chance of meeting the next target, linking to its page.
pub async fn tiles(
    st: &AppState,
    l: Lang,
    plan: &str,
    c: &crate::cache::CachedPlan,
    today: NaiveDate,
) -> Result<Markup, PageError> {
    let mut list: Vec<_> = c
        .measures
        .indicators
        .values()
        .map(|(i, _)| i.clone())
        .filter(|i| !i.targets.is_empty())
        .collect();
    if list.is_empty() {
        return Ok(html! {});
    }
    list.sort_by(|a, b| a.code.cmp(&b.code));
    let mut tiles = Vec::new();
    for ind in list {
        let actuals = st.store.indicator_actuals(plan, ind.code.as_str()).await?;
        let d = detail(c, &ind, &actuals, today, false);
        tiles.push((ind, d));
    }
    Ok(html! {
        section aria-labelledby="indicators" {
            h2 #indicators { a href={ "/plans/" (plan) "/indicators" } { (l.t("ind.title")) } }
            ul.cards.ind-tiles {
                @for (ind, d) in &tiles {
                    @let uom = unit_of_measure(l, &ind.unit);
                    @let latest = d.figures.iter().filter(|f| f.counted).max_by_key(|f| f.period_end);
                    li.card.ind-tile {
                        a href={ "/plans/" (plan) "/indicators/" (ind.code) } {
                            span.name { (l.pick(&ind.name)) }
                            span.n { @match latest { Some(f) => { (fmt1(f.value)) } None => "—" } }
                            span.small.muted { (uom) @if let Some(f) = latest { " · " (f.period) } }
                            span.small { (standing_word(l, d)) }
                            @if let Forecast::Made { projections, .. } = &d.forecast
                                && let Some(p) = projections.first()
                                && let Some(pr) = p.probability {
                                span.small.muted { (l.f("ind.tile_chance", &[("year", &p.year), ("p", &pct(pr))])) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// One word on where an indicator stands: met, behind or on its path, or not yet known.
fn standing_word(l: Lang, d: &IndicatorDetail) -> Markup {
    if d.targets.iter().any(|t| t.met_on.is_some()) {
        return html! { span class="st st-done" { (l.t("ind.met")) } };
    }
    match &d.gap {
        Some(g) if g.behind => html! { span class="st st-off_track" { (l.t("ind.behind_path")) } },
        Some(_) => html! { span class="st st-on_track" { (l.t("ind.on_path")) } },
        None => html! { span.muted { (l.t("figures.none")) } },
    }
}
