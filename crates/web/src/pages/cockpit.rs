//! The cockpit (驾驶舱): the plan at a glance. Progress against expected for the whole plan,
//! per positioning and per major task; status counts; the newest warnings; the units with the
//! most overdue or off-track items. Every number links to the items that make it.

use axum::extract::{Path, State};
use axum::response::Html;
use maud::html;
use tuijin_core::board::status_index;
use tuijin_core::policy::{Action, Role};
use tuijin_core::{ItemKind, Status};
use tuijin_store::{WarningFilter, WarningStore};

use super::widgets::{count_cards, item_href, item_link, progress, row_progress, status, unit};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::session::Viewer;

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let b = c.board(today);
    let (overall, expected) = b.overall(&c.items);
    let totals = b.totals();
    // The head of the chase list (most severe, longest outstanding), and how long it is.
    let mut warnings = st
        .store
        .list_warnings(
            &WarningFilter {
                plan: Some(plan.clone()),
                ..Default::default()
            },
            1001,
        )
        .await?;
    let open_warnings = if warnings.len() > 1000 {
        "1000+".to_string()
    } else {
        warnings.len().to_string()
    };
    warnings.truncate(10);
    let tree = |q: String| format!("/plans/{plan}/tree?{q}");
    // Positionings sit at the top of the tree (`ItemKind::allowed_parents`): the roots, not a
    // walk of every item (a million-item plan's cockpit paid ~15 ms for it).
    let positionings: Vec<usize> = b
        .roots()
        .iter()
        .copied()
        .filter(|&n| c.items[n].kind == ItemKind::Positioning && !b.is_out(n))
        .collect();
    // Major tasks: tasks at the top of the plan or directly under a goal.
    let major: Vec<usize> = (0..c.items.len())
        .filter(|&n| {
            let i = &c.items[n];
            i.kind == ItemKind::Task
                && !b.is_out(n)
                && i.parent
                    .as_ref()
                    .and_then(|p| c.item(&b, p.as_str()))
                    .is_none_or(|p| p.kind != ItemKind::Task)
        })
        .take(60)
        .collect();
    let units = b.units(&c.items);
    let worst: Vec<_> = units
        .iter()
        .filter(|(_, k)| {
            k[status_index(Status::Overdue)]
                + k[status_index(Status::OffTrack)]
                + k[status_index(Status::AtRisk)]
                > 0
        })
        .take(10)
        .collect();
    let behind = [Status::Overdue, Status::OffTrack, Status::AtRisk];
    // Leaders read the stage goals, the projects and who to call first; the office its working
    // view first, the leader's below it.
    let leader_first = matches!(v.who.role, Role::Leader | Role::Admin);
    let leader_view = super::leader::view(l, &plan, &c, &b);
    let notices = super::notices::counts(&st, &v, &plan, today).await?;
    let (per_level, notices_overdue) = (&notices.per_level, notices.overdue);
    let proposed = if v.allowed(Action::IssueNotice) {
        Some(super::proposals::waiting(&st, &plan).await?)
    } else {
        None
    };
    // Change requests waiting for the office's decision.
    let requests = if v.allowed(Action::EditPlan) {
        Some(
            tuijin_store::RequestStore::list_requests(
                &st.store,
                &plan,
                Some(tuijin_core::edit::RequestState::Pending),
                None,
            )
            .await?
            .len(),
        )
    } else {
        None
    };
    let levels = c.plan.notices.clone();
    let ranking = super::scorecard::cockpit_section(&st, l, &plan, &c).await?;
    let indicator_tiles = super::indicators::tiles(&st, l, &plan, &c, today).await?;
    let body = html! {
        h1 { (l.pick(&c.plan.title)) }
        p.muted { (l.f("cockpit.as_of", &[("date", &today)])) " " (super::workbooks::plan_link(l, &v, &plan)) }
        @if leader_first { (leader_view) (ranking) }
        section aria-labelledby="overall" {
            h2 #overall { (l.t("cockpit.overall")) }
            p { a href={ "/plans/" (plan) "/tree" } { (progress(l, overall.percent, overall.unknown_share, expected)) } }
            (count_cards(l, &totals, b.out_count(), |s| tree(format!("status={}", s.as_str()))))
            p.muted.small { (l.t("cockpit.count_note")) }
        }
        (indicator_tiles)
        section aria-labelledby="notices-open" {
            h2 #notices-open { (l.t("notices.counts")) }
            p {
                @for (k, n) in per_level.iter().enumerate() {
                    a href={ "/plans/" (plan) "/notices?level=" (levels.levels[k]) } { (super::notices::level_chip(l, &levels, k)) " " (n) } " "
                }
                @if notices_overdue > 0 {
                    a href={ "/plans/" (plan) "/notices?overdue=1" } { span.flag.bad { (l.t("notices.overdue")) " " (notices_overdue) } }
                }
                @if let Some(n) = proposed {
                    " " a href={ "/plans/" (plan) "/notices/proposals" } { (l.f("proposals.waiting", &[("n", &n)])) }
                }
                @if let Some(n) = requests.filter(|n| *n > 0) {
                    " " a href={ "/plans/" (plan) "/change-requests" } { (l.f("request.waiting", &[("n", &n)])) }
                }
            }
            (super::notices::risen_list(l, &c, &notices.risen, today))
        }
        @if !positionings.is_empty() {
            section aria-labelledby="pos" {
                h2 #pos { (l.t("cockpit.positionings")) }
                p.muted.small { (l.t("cockpit.positionings_help")) }
                div.tablewrap { table {
                    thead { tr { th { (l.t("col.item")) } th { (l.t("col.progress")) } th.num { (l.t("col.supporting")) } } }
                    tbody {
                        @for &n in &positionings {
                            tr {
                                td { (item_link(l, &plan, &c.items[n])) }
                                td { a href=(item_href(&plan, c.items[n].code.as_str())) { (row_progress(l, &b, n)) } }
                                td.num { a href=(item_href(&plan, c.items[n].code.as_str())) { (b.supporters(n).len()) } }
                            }
                        }
                    }
                } }
            }
        }
        section aria-labelledby="major" {
            h2 #major { (l.t("cockpit.major")) }
            div.tablewrap { table.wide {
                thead { tr {
                    th { (l.t("col.item")) } th { (l.t("col.progress")) } th { (l.t("col.status")) }
                    @for s in behind { th.num.opt { (l.t(super::status_key(s))) } }
                } }
                tbody {
                    @for &n in &major {
                        @let i = &c.items[n];
                        @let r = b.row_at(n);
                        tr {
                            td { (item_link(l, &plan, i)) }
                            td { a href=(tree(format!("branch={}", i.code))) { (row_progress(l, &b, n)) } }
                            td { (status(l, r.status)) }
                            @for s in behind {
                                td.num.opt { a href=(tree(format!("branch={}&status={}", i.code, s.as_str()))) { (b.counts(n)[status_index(s)]) } }
                            }
                        }
                    }
                }
            } }
        }
        div.grid2 {
            section aria-labelledby="warnings" {
                h2 #warnings { (l.t("cockpit.warnings")) }
                @if warnings.is_empty() { p { (l.t("cockpit.no_warnings")) } }
                @else { p { a href={ "/plans/" (plan) "/warnings" } { (l.f("cockpit.all_warnings", &[("n", &open_warnings)])) } } }
                ul {
                    @for w in &warnings {
                        li {
                            span.small.muted { (w.raised_on) " · " (l.t(super::warning_key(w.kind))) " · " (l.t(super::severity_key(w.severity))) } br;
                            a href=(item_href(&plan, &w.item)) {
                                span.code { (w.item) } " "
                                (c.item(&b, &w.item).map(|i| l.pick(&i.title).to_string()).unwrap_or_else(|| w.item_title.clone()))
                            }
                        }
                    }
                }
            }
            section aria-labelledby="units" {
                h2 #units { (l.t("cockpit.units")) }
                @if worst.is_empty() { p { (l.t("cockpit.no_units_behind")) } }
                @else {
                    table {
                        thead { tr { th { (l.t("col.unit")) } @for s in behind { th.num { (l.t(super::status_key(s))) } } } }
                        tbody {
                            @for (u, k) in &worst {
                                tr {
                                    td { (unit(l, &c, tuijin_core::Code::parse(u).ok().as_ref())) }
                                    @for s in behind {
                                        td.num { a href=(tree(format!("unit={u}&status={}", s.as_str()))) { (k[status_index(s)]) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !leader_first { (leader_view) (ranking) }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Cockpit,
        l.t("nav.cockpit"),
        body,
    ))
}
