//! History: the plan exactly as it stood on any past date (as-of), and what changed between two
//! dates (what moved forward, what slipped), like a baseline comparison.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;
use tuijin_core::board::Board;
use tuijin_core::policy::Action;
use tuijin_core::summary::compare;
use tuijin_store::{BaselineStore, ProgressStore};

use super::widgets::{count_cards, item_href, progress, status};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::session::Viewer;

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    /// The date to look at the plan on.
    #[serde(default)]
    as_of: String,
    /// Compare from this date …
    #[serde(default)]
    from: String,
    /// … to this one (default: the as-of date, else today).
    #[serde(default)]
    to: String,
    /// A baseline to judge the plan against beside the current plan (its id).
    #[serde(default)]
    baseline: String,
}

fn date(field: &str, s: &str) -> Result<Option<NaiveDate>, PageError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            PageError::invalid(tuijin_core::problem::Problem::new(
                field,
                tuijin_core::problem::Rule::DateFormat,
            ))
        })
}

const SHOWN: usize = 200;

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let as_of = date("as_of", &q.as_of)?.unwrap_or(today).min(today);
    let from = date("from", &q.from)?;
    let to = date("to", &q.to)?.unwrap_or(as_of).min(today);
    let at = |d: NaiveDate| {
        let st = st.clone();
        let plan = plan.clone();
        async move {
            if d >= today {
                st.store.plan_progress(&plan, None).await
            } else {
                st.store.plan_progress(&plan, Some(d)).await
            }
        }
    };
    let then = at(as_of).await?;
    let board = Board::build(&c.judged, &then, as_of, c.plan.thresholds, &c.measures);
    let (overall, expected) = board.overall(&c.items);
    let movements = match from {
        Some(f) => {
            let a = at(f).await?;
            let b = if to == as_of {
                then.clone()
            } else {
                at(to).await?
            };
            Some(compare(&c.items, &a, &b, f, to, c.plan.thresholds))
        }
        None => None,
    };
    // Against a baseline: the plan on the as-of date judged by the current dates and by the
    // baseline's, and every item whose status differs — what the moved dates hide or show.
    let baselines = st.store.list_baselines(&plan).await?;
    let chosen = match q.baseline.trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .ok()
                .filter(|id| baselines.iter().any(|b| b.id == *id))
                .ok_or_else(|| {
                    PageError::invalid(tuijin_core::problem::Problem::new(
                        "baseline",
                        tuijin_core::problem::Rule::UnknownBaseline,
                    ))
                })?,
        ),
    };
    let against = match chosen {
        Some(id) => {
            let (rec, base) = st.store.baseline(&plan, id).await?;
            let dates = tuijin_core::baseline::judged_dates(&base);
            let by_base = tuijin_core::baseline::judged(&c.items, &dates);
            let cur = Board::build(&c.items, &then, as_of, c.plan.thresholds, &c.measures);
            let old = Board::build(&by_base, &then, as_of, c.plan.thresholds, &c.measures);
            let differ: Vec<(usize, Option<i64>)> = (0..c.items.len())
                .filter(|&n| !cur.is_out(n) && cur.status(n) != old.status(n))
                .map(|n| {
                    let days = c.items[n]
                        .due
                        .zip(by_base[n].due)
                        .map(|(a, b)| (a - b).num_days());
                    (n, days)
                })
                .collect();
            Some((rec, cur, old, differ))
        }
        None => None,
    };
    let tree = format!("/plans/{plan}/tree");
    let body = html! {
        h1 { (l.t("nav.history")) " · " (l.pick(&c.plan.title)) }
        form.filters method="get" {
            div { label for="as_of" { (l.t("history.as_of")) } input #as_of name="as_of" type="date" value=(as_of) max=(today); }
            div { label for="from" { (l.t("history.from")) } input #from name="from" type="date" value=(from.map(|d| d.to_string()).unwrap_or_default()) max=(today); }
            div { label for="to" { (l.t("history.to")) } input #to name="to" type="date" value=(to) max=(today); }
            @if !baselines.is_empty() {
                div { label for="baseline" { (l.t("history.against")) }
                    select #baseline name="baseline" {
                        option value="" { "—" }
                        @for b in &baselines { option value=(b.id) selected[chosen == Some(b.id)] { (b.name) } }
                    } }
            }
            div { button type="submit" { (l.t("history.show")) } }
        }
        @if let (Some(list), Some(f)) = (&movements, from) {
            @let moved: Vec<_> = list.iter().filter(|m| m.moved).collect();
            @let fell: Vec<_> = list.iter().filter(|m| m.fell).collect();
            @let slipped: Vec<_> = list.iter().filter(|m| m.slipped).collect();
            h2 { (l.f("history.between", &[("from", &f), ("to", &to)])) }
            p { (l.f("history.counts", &[("moved", &moved.len()), ("fell", &fell.len()), ("slipped", &slipped.len())])) }
            div.grid2 {
                section {
                    h3 { (l.t("history.slipped")) }
                    @if slipped.is_empty() { p { (l.t("history.none")) } }
                    ul { @for m in slipped.iter().take(SHOWN) {
                        li { a href=(item_href(&plan, &m.code)) { span.code { (m.code) }  " " (l.pick(&m.title)) } br;
                             (status(l, m.from_status)) " → " (status(l, m.to_status)) }
                    } }
                }
                section {
                    h3 { (l.t("history.fell")) }
                    @if fell.is_empty() { p { (l.t("history.none")) } }
                    ul { @for m in fell.iter().take(SHOWN) {
                        li { a href=(item_href(&plan, &m.code)) { span.code { (m.code) }  " " (l.pick(&m.title)) } br;
                             span.small { (pct(m.from.vouched())) " → " (pct(m.to.vouched())) } }
                    } }
                }
                section {
                    h3 { (l.t("history.moved")) }
                    @if moved.is_empty() { p { (l.t("history.none")) } }
                    ul { @for m in moved.iter().take(SHOWN) {
                        li { a href=(item_href(&plan, &m.code)) { span.code { (m.code) }  " " (l.pick(&m.title)) } br;
                             span.small { (pct(m.from.vouched())) " → " (pct(m.to.vouched())) } }
                    } }
                }
            }
        }
        @if let Some((rec, cur, old, differ)) = &against {
            h2 { (l.f("history.against_title", &[("name", &rec.name), ("date", &as_of)])) }
            p.muted.small { (l.t("history.against_help")) " " a href={ "/plans/" (plan) "/baselines?baseline=" (rec.id) } { (l.t("history.against_slips")) } }
            @if differ.is_empty() { p { (l.t("history.against_same")) } } @else {
                p { (l.f("history.against_count", &[("n", &differ.len())])) }
                div.tablewrap { table.wide {
                    thead { tr { th { (l.t("col.item")) } th { (l.t("history.by_current")) } th { (l.t("history.by_baseline")) } th.opt { (l.t("col.due")) } } }
                    tbody { @for (n, days) in differ.iter().take(SHOWN) {
                        tr {
                            td { a href=(item_href(&plan, c.items[*n].code.as_str())) { span.code { (c.items[*n].code) } " " (l.pick(&c.items[*n].title)) } }
                            td { (status(l, cur.status(*n))) }
                            td { (status(l, old.status(*n))) }
                            td.opt.nowrap { @if let Some(d) = c.items[*n].due { (d) } @if let Some(k) = days.filter(|k| *k != 0) { " " span class=(if k > 0 { "flag fall" } else { "flag jump" }) { (if k > 0 { "+" } else { "" }) (k) " " (l.t("baseline.days")) } } }
                        }
                    } }
                } }
            }
        }
        h2 { (l.f("history.plan_on", &[("date", &as_of)])) }
        p { (progress(l, overall.percent, overall.unknown_share, expected)) }
        (count_cards(l, &board.totals(), board.out_count(), |_| tree.clone()))
        table {
            thead { tr { th { (l.t("col.item")) } th { (l.t("col.progress")) } th { (l.t("col.status")) } } }
            tbody {
                @for &n in board.roots().iter().filter(|&&n| !board.is_out(n)) {
                    tr {
                        td { a href=(item_href(&plan, c.items[n].code.as_str())) { span.code { (c.items[n].code) } " " (l.pick(&c.items[n].title)) } }
                        td { (super::widgets::row_progress(l, &board, n)) }
                        td { (status(l, board.status(n))) }
                    }
                }
            }
        }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::History,
        l.t("nav.history"),
        body,
    ))
}

fn pct(p: Option<f64>) -> String {
    p.map(|v| format!("{}%", super::widgets::fmt1(v)))
        .unwrap_or_else(|| "—".into())
}
