//! The timeline (Gantt) of projects and milestones against today and the plan's stage dates,
//! drawn as SVG on the server. Hand-built rather than with plotters: a Gantt is labelled bars
//! on a date axis, which plotters has no series for, and its text layout does not know CJK
//! widths; the browser lays out the labels here.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::policy::Action;
use tuijin_core::{ItemKind, Status};

use super::widgets::{fmt0, item_href};
use super::{PageError, Section, layout, status_key};
use crate::AppState;
use crate::session::Viewer;

#[derive(Deserialize, Default)]
pub struct GanttQuery {
    /// Only this item's branch.
    #[serde(default)]
    branch: String,
    #[serde(default, deserialize_with = "super::page_number")]
    page: usize,
}

const ROWS: usize = 120;
const LABEL: f64 = 340.0;
const WIDTH: f64 = 1100.0;
const ROW: f64 = 22.0;
/// Above the rows, three lines of labels: years, stage ends, today (each on its own line, so
/// a stage ending near today never overlaps it).
const TOP: f64 = 56.0;

fn colour(s: Status) -> &'static str {
    match s {
        Status::Done => "#009e73",
        Status::OnTrack => "#0072b2",
        Status::AtRisk => "#e69f00",
        Status::OffTrack => "#d55e00",
        Status::Overdue => "#7a1f5c",
        Status::NotStarted => "#8c959f",
        Status::Unreported => "#b0b8c1",
        Status::Cancelled => "#d0d7de",
        Status::Unmeasured => "#e1e4e8",
    }
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<GanttQuery>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let b = c.board(today);
    let inside: Option<std::collections::HashSet<usize>> = if q.branch.is_empty() {
        None
    } else {
        let root = b
            .position(&q.branch)
            .ok_or_else(|| PageError::not_found(q.branch.clone()))?;
        let mut set = std::collections::HashSet::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            set.insert(n);
            stack.extend(b.children(n).iter().map(|&c| c as usize));
        }
        Some(set)
    };
    let rows: Vec<usize> = (0..c.items.len())
        .filter(|&n| {
            let i = &c.items[n];
            matches!(i.kind, ItemKind::Project | ItemKind::Milestone)
                && !b.is_out(n)
                && i.due.is_some()
                && inside.as_ref().is_none_or(|s| s.contains(&n))
        })
        .collect();
    let total = rows.len();
    let shown: Vec<usize> = rows
        .iter()
        .copied()
        .skip(q.page * ROWS)
        .take(ROWS)
        .collect();
    // The window: from the plan's start to the last due date shown (or today), to year ends,
    // so that a 30-year plan's near-term projects are not squeezed into a sliver.
    let last = shown
        .iter()
        .filter_map(|&n| c.items[n].due)
        .max()
        .unwrap_or(today)
        .max(today);
    let start = c.plan.start;
    let end = NaiveDate::from_ymd_opt(chrono::Datelike::year(&last), 12, 31)
        .unwrap_or(last)
        .min(c.plan.end.max(today));
    let days = (end - start).num_days().max(1) as f64;
    let x = |d: NaiveDate| {
        LABEL + (WIDTH - LABEL - 10.0) * ((d - start).num_days() as f64 / days).clamp(0.0, 1.0)
    };
    let height = TOP + ROW * shown.len() as f64 + 10.0;
    // The newest baseline: where an item's bar was when the plan was approved, drawn beside
    // the bar where it is now when the two differ.
    // Only the rows shown: a whole plan's baseline read per view cost a million-item plan 4 s.
    let codes: Vec<&str> = shown.iter().map(|&n| c.items[n].code.as_str()).collect();
    let base: std::collections::HashMap<String, tuijin_core::baseline::BaselineItem> =
        tuijin_store::BaselineStore::latest_baseline_items(&st.store, &plan, &codes)
            .await?
            .into_iter()
            .map(|b| (b.code.clone(), b))
            .collect();
    let was = |n: usize| {
        let i = &c.items[n];
        base.get(i.code.as_str())
            .filter(|b| b.due.is_some() && (b.due != i.due || b.start != i.start))
    };
    let slipped =
        |n: usize| c.items[n].kind == ItemKind::Milestone && b.status(n) == Status::Overdue;
    let years: Vec<NaiveDate> = (chrono::Datelike::year(&start) + 1..=chrono::Datelike::year(&end))
        .filter_map(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        .filter(|d| *d < end)
        .collect();
    // A stage label ends at its line; one that would run into the label before it is left
    // out (its line keeps the name as a tooltip). Widths are estimated: 11 px a CJK character,
    // 6 px any other, at font size 11.
    let mut stage_labels = Vec::new();
    let mut last_x = f64::NEG_INFINITY;
    for s in c.plan.stages.iter().filter(|s| s.end <= end) {
        let text = l.pick(&s.title);
        let width: f64 = text
            .chars()
            .map(|ch| if ch.is_ascii() { 6.0 } else { 11.0 })
            .sum();
        let room = x(s.end) - 3.0 - width >= last_x + 4.0;
        if room {
            last_x = x(s.end);
        }
        stage_labels.push((s, room));
    }
    let svg: Markup = html! {
        svg.gantt xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(l.t("gantt.alt")) {
            @for y in &years {
                line x1=(x(*y)) x2=(x(*y)) y1="18" y2=(height) stroke="#eaeef2" {}
                text x=(x(*y) + 3.0) y="14" font-size="11" fill="#57606a" { (y.format("%Y")) }
            }
            @for (s, shown_label) in &stage_labels {
                line x1=(x(s.end)) x2=(x(s.end)) y1="18" y2=(height) stroke="#8c6d1f" stroke-dasharray="4 3" {
                    title { (l.pick(&s.title)) " " (s.end) }
                }
                @if *shown_label {
                    text x=(x(s.end) - 3.0) y="30" font-size="11" fill="#8c6d1f" text-anchor="end" { (l.pick(&s.title)) }
                }
            }
            line x1=(x(today)) x2=(x(today)) y1="18" y2=(height) stroke="#d55e00" stroke-width="2" {}
            // Right of the line, or left of it when it would run off the chart.
            @if x(today) + 130.0 < WIDTH {
                text x=(x(today) + 3.0) y="46" font-size="11" fill="#d55e00" { (l.t("chart.today")) " " (today) }
            } @else {
                text x=(x(today) - 3.0) y="46" font-size="11" fill="#d55e00" text-anchor="end" { (l.t("chart.today")) " " (today) }
            }
            @for (k, &n) in shown.iter().enumerate() {
                @let i = &c.items[n];
                @let r = b.row_at(n);
                @let y = TOP + ROW * k as f64;
                @let due = i.due.unwrap_or(end);
                a href=(item_href(&plan, i.code.as_str())) {
                    title { (i.code) " " (l.pick(&i.title)) " · " (l.t(status_key(r.status))) }
                    text x="4" y=(y + 15.0) font-size="12" fill="#1b1f24" {
                        (i.code) " " (truncate(l.pick(&i.title), 20))
                    }
                    @if i.kind == ItemKind::Milestone {
                        @let cx = x(due);
                        polygon points={ (cx) "," (y + 3.0) " " (cx + 8.0) "," (y + 11.0) " " (cx) "," (y + 19.0) " " (cx - 8.0) "," (y + 11.0) }
                            fill=(colour(r.status)) stroke=(if slipped(n) { "#000" } else { "none" }) stroke-width="2" {}
                        @if slipped(n) {
                            text x=(cx + 11.0) y=(y + 15.0) font-size="11" fill="#7a1f5c" font-weight="bold" { "! " (l.t("gantt.slipped")) }
                        }
                        @if let Some(bd) = was(n).and_then(|b| b.due) {
                            @let bx = x(bd);
                            polygon.baseline points={ (bx) "," (y + 6.0) " " (bx + 5.0) "," (y + 11.0) " " (bx) "," (y + 16.0) " " (bx - 5.0) "," (y + 11.0) }
                                fill="none" stroke="#57606a" stroke-width="1.5" stroke-dasharray="2 1" {
                                title { (l.t("gantt.baseline")) " " (bd) }
                            }
                        }
                    } @else {
                        @let x0 = x(i.start.unwrap_or(start));
                        @let x1 = x(due).max(x0 + 2.0);
                        rect x=(x0) y=(y + 5.0) width=(x1 - x0) height="12" fill="#eaeef2" stroke=(colour(r.status)) {}
                        @if let Some(p) = r.progress.percent {
                            rect x=(x0) y=(y + 5.0) width=((x1 - x0) * p / 100.0) height="12" fill=(colour(r.status)) {}
                        }
                        @if let Some(e) = r.expected {
                            line x1=(x0 + (x1 - x0) * e / 100.0) x2=(x0 + (x1 - x0) * e / 100.0) y1=(y + 2.0) y2=(y + 20.0) stroke="#1b1f24" stroke-width="2" {}
                        }
                        @if let Some(b) = was(n) {
                            @let b0 = x(b.start.unwrap_or(start));
                            @let b1 = x(b.due.unwrap_or(end)).max(b0 + 2.0);
                            rect.baseline x=(b0) y=(y + 18.0) width=(b1 - b0) height="3" fill="#57606a" {
                                title { (l.t("gantt.baseline")) " " (b.start.map(|d| d.to_string()).unwrap_or_default()) " – " (b.due.map(|d| d.to_string()).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
    };
    let pages = total.div_ceil(ROWS);
    let base = if q.branch.is_empty() {
        format!("/plans/{plan}/timeline?")
    } else {
        format!("/plans/{plan}/timeline?branch={}&", q.branch)
    };
    let body = html! {
        h1 { (l.t("nav.timeline")) " · " (l.pick(&c.plan.title)) }
        p.muted { (l.f("gantt.help", &[("n", &total)])) }
        p.legend {
            @for s in [Status::Done, Status::OnTrack, Status::AtRisk, Status::OffTrack, Status::Overdue, Status::NotStarted, Status::Unreported] {
                (super::widgets::status(l, s))
            }
            span { "◆ " (l.t("kind.milestone")) } span { "▬ " (l.t("kind.project")) } span { "| " (l.t("chart.expected")) }
            span { "▁ ◇ " a href={ "/plans/" (plan) "/baselines" } { (l.t("gantt.baseline")) } }
        }
        div.tablewrap { (svg) }
        @if pages > 1 {
            nav.pager {
                @if q.page > 0 { a href={ (base) "page=" (q.page - 1) } { (l.t("tree.prev")) } }
                span { (l.f("tree.page_of", &[("n", &(q.page + 1)), ("of", &pages)])) }
                @if q.page + 1 < pages { a href={ (base) "page=" (q.page + 1) } { (l.t("tree.next")) } }
            }
        }
        h2 { (l.t("gantt.slipped_list")) }
        @let slips: Vec<usize> = rows.iter().copied().filter(|&n| slipped(n)).collect();
        @if slips.is_empty() { p { (l.t("history.none")) } }
        ul { @for n in slips.iter().take(200) {
            li { a href=(item_href(&plan, c.items[*n].code.as_str())) { span.code { (c.items[*n].code) } " " (l.pick(&c.items[*n].title)) }
                 " · " (l.f("gantt.due_was", &[("date", &c.items[*n].due.map(|d| d.to_string()).unwrap_or_default())]))
                 @if let Some(p) = b.progress(*n).percent { " · " (fmt0(p)) "%" } }
        } }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Timeline,
        l.t("nav.timeline"),
        body,
    ))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
