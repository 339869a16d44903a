//! The leader's first screen (领导视图): "are we on track for the stage goal?" answered in ten
//! seconds. The stage goals due next with their attainment, the supporting projects with their
//! hard targets and status, the key indicators against their targets, and the items furthest
//! behind with the unit and the leader to call. Shown at the top of the cockpit for leaders;
//! the office keeps its working view first and finds this below it.

use maud::{Markup, html};
use tuijin_core::board::{Board, attainment_status};
use tuijin_core::{Attainment, Item, ItemKind, Status};

use super::widgets::{fmt1, item_href, row_progress, status, unit_of_measure};
use crate::cache::CachedPlan;
use crate::i18n::Lang;

pub fn view(l: Lang, plan: &str, c: &CachedPlan, b: &Board) -> Markup {
    let today = b.date;
    let items = &c.items;
    // The stage goal that ends next (or the last one): its parts with their attainment.
    // Stage goals and the plan's projects are at the top of the plan: read from the board's
    // roots, not a walk of every item (a million-item plan's cockpit).
    let stage = b
        .roots()
        .iter()
        .copied()
        .filter(|&n| items[n].kind == ItemKind::Goal && items[n].parent.is_none() && !b.is_out(n))
        .filter(|&n| items[n].due.is_some())
        .min_by_key(|&n| {
            let due = items[n].due.expect("filtered");
            // Goals still ahead first, nearest first; a past one only if none is ahead.
            (
                due < today,
                if due < today {
                    today - due
                } else {
                    due - today
                },
            )
        });
    let parts: Vec<usize> = stage
        .map(|g| {
            b.children(g)
                .iter()
                .map(|&k| k as usize)
                .filter(|&k| !b.is_out(k))
                .collect()
        })
        .unwrap_or_default();
    // The plan's supporting projects: top-level projects, with the hard targets below them.
    let projects: Vec<usize> = b
        .roots()
        .iter()
        .copied()
        .filter(|&n| {
            items[n].kind == ItemKind::Project && items[n].parent.is_none() && !b.is_out(n)
        })
        .collect();
    let targets_below = |n: usize| -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        while let Some(k) = stack.pop() {
            if items[k].extra.target.is_some() {
                out.push(k);
            }
            stack.extend(
                b.children(k)
                    .iter()
                    .map(|&x| x as usize)
                    .filter(|&x| !b.is_out(x)),
            );
        }
        out.sort();
        out
    };
    // The indicators the stage goal and the projects aim at.
    let mut indicators: Vec<String> = parts
        .iter()
        .chain(
            projects
                .iter()
                .flat_map(|&p| targets_below(p))
                .collect::<Vec<_>>()
                .iter(),
        )
        .filter_map(|&n| {
            items[n]
                .extra
                .target
                .as_ref()?
                .indicator
                .as_ref()
                .map(|c| c.to_string())
        })
        .collect();
    indicators.sort();
    indicators.dedup();
    // Worst first: overdue, then furthest behind, among reported work (once per board).
    let worst = b.worst_work();
    let unit_name = |code: Option<&tuijin_core::Code>| {
        code.map(|u| {
            c.unit_name(u.as_str())
                .map(|t| l.pick(t).to_string())
                .unwrap_or_else(|| u.to_string())
        })
        .unwrap_or_default()
    };
    let person = |code: Option<&tuijin_core::Code>| {
        code.and_then(|p| c.people.get(p.as_str()))
            .map(|p| l.pick(&p.name).to_string())
            .unwrap_or_default()
    };
    let link = |i: &Item| {
        html! { a href=(item_href(plan, i.code.as_str())) { span.code { (i.code) } " " (l.pick(&i.title)) } }
    };
    html! {
        section.leader aria-labelledby="leader" {
            h2 #leader { (l.t("leader.title")) }
            @if let Some(g) = stage {
                h3 { (link(&items[g])) " " (status(l, b.status(g))) }
                div.tablewrap { table {
                    thead { tr { th { (l.t("leader.goal")) } th { (l.t("col.status")) } th { (l.t("leader.measure")) } } }
                    tbody {
                        @for &n in &parts {
                            tr {
                                td { (link(&items[n])) }
                                td { (status(l, b.status(n))) }
                                td { (attainment(l, b, n, &items[n])) }
                            }
                        }
                    }
                } }
            }
            @if !projects.is_empty() {
                h3 { (l.t("leader.projects")) }
                div.tablewrap { table.wide {
                    thead { tr {
                        th { (l.t("col.item")) } th { (l.t("col.progress")) } th { (l.t("col.status")) }
                        th { (l.t("leader.hard_targets")) } th.opt { (l.t("col.lead")) }
                    } }
                    tbody {
                        @for &n in &projects {
                            tr {
                                td { (link(&items[n])) }
                                td { (row_progress(l, b, n)) }
                                td { (status(l, b.status(n))) }
                                td.small {
                                    @for (k, t) in targets_below(n).into_iter().enumerate() {
                                        @if k > 0 { br; }
                                        @let target = items[t].extra.target.as_ref().expect("has a target");
                                        a href=(item_href(plan, items[t].code.as_str())) { (items[t].code) }
                                        " " (fmt1(target.value)) " " (unit_of_measure(l, &target.unit))
                                        // A target measured by an indicator stands as the indicator's figures
                                        // say, whatever the reported percent.
                                        " " (status(l, indicator_status(c, target, b.date).unwrap_or(b.status(t))))
                                    }
                                }
                                td.opt { (unit_name(items[n].lead.as_ref())) }
                            }
                        }
                    }
                } }
            }
            @if !indicators.is_empty() {
                h3 { (l.t("leader.indicators")) }
                div.tablewrap { table {
                    thead { tr { th { (l.t("leader.indicator")) } th.spark { (l.t("leader.trend")) } th.num { (l.t("leader.latest")) } th.num { (l.t("leader.expected")) } th.num { (l.t("col.target")) } th { (l.t("col.status")) } } }
                    tbody {
                        @for code in &indicators {
                            @if let Some((ind, _)) = c.measures.indicators.get(code) {
                                @let figures = c.measures.known(code, today);
                                @let latest = figures.last();
                                @let target = ind.targets.last();
                                tr {
                                    td { (l.pick(&ind.name)) }
                                    td.spark { @if let Some(svg) = crate::charts::indicator_spark(ind, &figures, today) {
                                        div role="img" aria-label=(l.f("leader.trend_alt", &[("name", &l.pick(&ind.name))])) { (maud::PreEscaped(svg)) }
                                    } }
                                    td.num { @match latest {
                                        Some((on, v)) => { (fmt1(*v)) " " (unit_of_measure(l, &ind.unit)) br; span.small.muted { (on) } },
                                        None => span.muted { (l.t("leader.no_figure")) },
                                    } }
                                    td.num { @match latest.and_then(|(on, _)| ind.expected_at(*on)) {
                                        Some(e) => { (fmt1(e)) },
                                        None => "—",
                                    } }
                                    td.num { @if let Some(t) = target { (fmt1(t.value)) " (" (t.year) ")" } }
                                    td { @if let Some((on, v)) = latest {
                                        // Off its path as a goal would be judged: the plan's thresholds.
                                        (status(l, attainment_status(Attainment::Towards { on: *on, value: *v, gap: ind.gap(*v, *on) }, c.plan.thresholds)))
                                    } }
                                }
                            }
                        }
                    }
                } }
            }
            h3 { (l.t("leader.worst")) }
            @if worst.is_empty() { p { (l.t("cockpit.no_units_behind")) } }
            @else {
                div.tablewrap { table {
                    thead { tr { th { (l.t("col.item")) } th { (l.t("col.status")) } th { (l.t("col.lead")) } th { (l.t("col.leader")) } } }
                    tbody {
                        @for &n in worst {
                            tr {
                                td { (link(&items[n])) br; (row_progress(l, b, n)) }
                                td { (status(l, b.status(n))) }
                                td { (unit_name(items[n].lead.as_ref())) }
                                td { (person(items[n].extra.leader.as_ref())) }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// How a target measured by an indicator stands by the indicator's latest figure known on
/// `date`: done when met, else by its gap to the path with the plan's thresholds.
fn indicator_status(
    c: &CachedPlan,
    target: &tuijin_core::Target,
    date: chrono::NaiveDate,
) -> Option<Status> {
    c.measures
        .attainment(target, date)
        .filter(|a| !matches!(a, Attainment::NoFigure))
        .map(|a| attainment_status(a, c.plan.thresholds))
}

/// How a goal stands by its measure: achieved (when, at what figure), its latest figure on
/// the way, or the progress of the work that serves it.
fn attainment(l: Lang, b: &Board, n: usize, i: &Item) -> Markup {
    let unit = i
        .extra
        .target
        .as_ref()
        .map(|t| unit_of_measure(l, &t.unit))
        .unwrap_or_default();
    match b.attainment(n) {
        Some(Attainment::Achieved { on, value }) => html! {
            (l.f("leader.achieved", &[("date", &on), ("value", &fmt1(value)), ("unit", &unit)]))
        },
        Some(Attainment::Towards { on, value, .. }) => html! {
            (l.f("leader.towards", &[("date", &on), ("value", &fmt1(value)), ("unit", &unit)]))
        },
        Some(Attainment::NoFigure) => html! { (l.t("leader.no_figure")) },
        None => html! {
            @if b.supporters(n).is_empty() && b.children(n).is_empty() { span.muted { (l.t("leader.no_measure")) } }
            @else { (row_progress(l, b, n)) " " span.small.muted { (l.f("leader.served_by", &[("n", &b.supporters(n).len())])) } }
        },
    }
}
