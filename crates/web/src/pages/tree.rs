//! The plan tree: every item with its progress bar, expected marker and status, opened level by
//! level (`open` lists the items shown open) or, when a filter is set, as a flat list of the
//! matching items. Both are paged on the server from the in-memory board, so a 100,000-item
//! plan renders as fast as a small one.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::VariantArray;
use tuijin_core::policy::Action;
use tuijin_core::{Item, ItemKind, Status};

use super::widgets::{item_link, kind, row_progress, status, unit};
use super::{PageError, Section, kind_key, layout, status_key, urlencode};
use crate::AppState;
use crate::cache::CachedPlan;
use crate::csv_out::PageCsv;
use crate::i18n::Lang;
use crate::session::Viewer;
use tuijin_core::board::Board;

const PAGE: usize = 100;
/// Children shown under one open item before a link to the rest.
const CHILDREN: usize = 200;

#[derive(Deserialize, Default, Clone)]
pub struct TreeQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub branch: String,
    /// Items shown open, comma-separated codes.
    #[serde(default)]
    pub open: String,
    #[serde(default, deserialize_with = "super::page_number")]
    pub page: usize,
}

impl TreeQuery {
    fn filtered(&self) -> bool {
        !(self.q.is_empty()
            && self.unit.is_empty()
            && self.kind.is_empty()
            && self.status.is_empty()
            && self.stage.is_empty()
            && self.branch.is_empty())
    }

    fn href(&self, plan: &str, open: &str, page: usize) -> String {
        let mut s = format!("/plans/{plan}/tree?");
        for (k, v) in [
            ("q", self.q.as_str()),
            ("unit", &self.unit),
            ("kind", &self.kind),
            ("status", &self.status),
            ("stage", &self.stage),
            ("branch", &self.branch),
            ("open", open),
        ] {
            if !v.is_empty() {
                s.push_str(&format!("{k}={}&", urlencode(v)));
            }
        }
        if page > 0 {
            s.push_str(&format!("page={page}&"));
        }
        s.pop();
        s
    }
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<TreeQuery>,
    csv: PageCsv,
) -> Result<Response, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let edit = v.allowed(Action::EditPlan);
    let c = st.plans.get(&st.store, &plan).await?;
    let b = c.board(st.today(&c.plan));
    let kind_f = (!q.kind.is_empty())
        .then(|| ItemKind::parse(&q.kind))
        .map(|k| k.ok_or_else(|| not_one_of("kind", &q.kind, ItemKind::VARIANTS)))
        .transpose()?;
    let status_f = (!q.status.is_empty())
        .then(|| Status::parse(&q.status))
        .map(|s| s.ok_or_else(|| not_one_of("status", &q.status, Status::VARIANTS)))
        .transpose()?;
    let branch_root = (!q.branch.is_empty())
        .then(|| {
            b.position(&q.branch)
                .ok_or_else(|| PageError::not_found(format!("item `{}`", q.branch)))
        })
        .transpose()?;
    let stage_end = (!q.stage.is_empty())
        .then(|| {
            c.plan
                .stages
                .iter()
                .find(|s| s.code.as_str() == q.stage)
                .map(|s| s.end)
                .ok_or_else(|| PageError::not_found(format!("stage `{}`", q.stage)))
        })
        .transpose()?;
    let body = if q.filtered() {
        // Items under the branch, when one is chosen.
        let inside: Option<HashSet<usize>> = branch_root.map(|r| {
            let mut set = HashSet::new();
            let mut stack = vec![r];
            while let Some(n) = stack.pop() {
                set.insert(n);
                stack.extend(b.children(n).iter().map(|&c| c as usize));
            }
            set
        });
        let needle = q.q.trim().to_lowercase();
        let matches: Vec<usize> = (0..c.items.len())
            .filter(|&n| {
                let i = &c.items[n];
                // Cancelled items are out of the tree's branches but found when asked for by
                // status or by name.
                (!b.is_out(n)
                    || status_f == Some(tuijin_core::Status::Cancelled)
                    || !needle.is_empty())
                    && inside.as_ref().is_none_or(|s| s.contains(&n))
                    && kind_f.is_none_or(|k| i.kind == k)
                    && status_f.is_none_or(|s| b.status(n) == s)
                    && (q.unit.is_empty()
                        || i.lead.as_ref().is_some_and(|u| u.as_str() == q.unit)
                        || i.co.iter().any(|u| u.as_str() == q.unit))
                    && stage_end.is_none_or(|end| {
                        i.due
                            .is_some_and(|d| c.plan.stage_of(d).is_some_and(|s| s.end == end))
                    })
                    && (needle.is_empty()
                        || i.code.as_str().to_lowercase().contains(&needle)
                        || i.title.zh().contains(q.q.trim())
                        || i.title.en().to_lowercase().contains(&needle))
            })
            .collect();
        if csv.wanted {
            return Ok(download(
                &st,
                &plan,
                super::downloads::tree(l, &c, &b, &matches),
            ));
        }
        let total = matches.len();
        let shown = matches.iter().skip(q.page * PAGE).take(PAGE);
        html! {
            p { (l.f("tree.matches", &[("n", &total)])) }
            div.tablewrap { table.tree.wide {
                (head(l))
                tbody { @for &n in shown { (row(l, &plan, &c, &b, n, 0, None, edit)) } }
            } }
            (pager(l, &q, &plan, total))
        }
    } else {
        if csv.wanted {
            let all = super::downloads::whole_tree(&b);
            return Ok(download(
                &st,
                &plan,
                super::downloads::tree(l, &c, &b, &all),
            ));
        }
        let open: HashSet<&str> = q.open.split(',').filter(|s| !s.is_empty()).collect();
        let roots: Vec<usize> = b
            .roots()
            .iter()
            .copied()
            .filter(|&n| !b.is_out(n))
            .collect();
        let total = roots.len();
        let mut rows: Vec<Markup> = Vec::new();
        for &n in roots.iter().skip(q.page * PAGE).take(PAGE) {
            walk((l, edit), &plan, &c, &b, &q, &open, n, 0, &mut rows);
        }
        html! {
            div.tablewrap { table.tree.wide {
                (head(l))
                tbody { @for r in &rows { (r) } }
            } }
            (pager(l, &q, &plan, total))
        }
    };
    let units: Vec<(&String, &tuijin_core::Text)> = {
        let mut u: Vec<_> = c.units.iter().collect();
        u.sort_by(|a, b| a.0.cmp(b.0));
        u
    };
    let page = html! {
        h1 { (l.t("nav.tree")) " · " (l.pick(&c.plan.title)) }
        form.filters method="get" action={ "/plans/" (plan) "/tree" } role="search" {
            div { label for="q" { (l.t("tree.search")) } input #q name="q" type="search" value=(q.q) placeholder=(l.t("tree.search_hint")); }
            div { label for="unit" { (l.t("col.unit")) }
                select #unit name="unit" {
                    option value="" { (l.t("tree.any")) }
                    @for (code, name) in &units { option value=(code) selected[q.unit == **code] { (l.pick(name)) } }
                }
            }
            div { label for="kind" { (l.t("col.kind")) }
                select #kind name="kind" {
                    option value="" { (l.t("tree.any")) }
                    @for &k in ItemKind::VARIANTS { option value=(k.as_str()) selected[q.kind == k.as_str()] { (l.t(kind_key(k))) } }
                }
            }
            div { label for="status" { (l.t("col.status")) }
                select #status name="status" {
                    option value="" { (l.t("tree.any")) }
                    @for &s in Status::VARIANTS { option value=(s.as_str()) selected[q.status == s.as_str()] { (l.t(status_key(s))) } }
                }
            }
            div { label for="stage" { (l.t("col.stage")) }
                select #stage name="stage" {
                    option value="" { (l.t("tree.any")) }
                    @for s in &c.plan.stages { option value=(s.code) selected[q.stage == s.code.as_str()] { (l.pick(&s.title)) } }
                }
            }
            @if !q.branch.is_empty() { input type="hidden" name="branch" value=(q.branch); }
            div { button type="submit" { (l.t("tree.apply")) } " " a.button.secondary href={ "/plans/" (plan) "/tree" } { (l.t("tree.reset")) } }
        }
        (csv.link(l))
        @if let Some(r) = branch_root {
            p.notice { (l.t("tree.in_branch")) " " (item_link(l, &plan, &c.items[r])) }
        }
        (body)
    };
    Ok(layout(&st, &v, Some(&plan), Section::Tree, l.t("nav.tree"), page).into_response())
}

fn download(st: &AppState, plan: &str, table: tuijin_export::table_csv::Table) -> Response {
    let name = crate::csv_out::file_name(Some(plan), "items", st.today_default());
    crate::csv_out::download(&table, &name)
}

fn head(l: Lang) -> Markup {
    html! { thead { tr {
        th { (l.t("col.item")) } th.opt { (l.t("col.kind")) } th.opt { (l.t("col.unit")) }
        th { (l.t("col.progress")) } th { (l.t("col.status")) } th.opt { (l.t("col.due")) }
    } } }
}

/// `edit`: the viewer may edit the plan (each row offers to add an item below).
#[allow(clippy::too_many_arguments)]
fn walk(
    (l, edit): (Lang, bool),
    plan: &str,
    c: &CachedPlan,
    b: &Board,
    q: &TreeQuery,
    open: &HashSet<&str>,
    n: usize,
    depth: usize,
    out: &mut Vec<Markup>,
) {
    let i = &c.items[n];
    let kids: Vec<usize> = b
        .children(n)
        .iter()
        .map(|&k| k as usize)
        .filter(|&k| !b.is_out(k))
        .collect();
    let is_open = open.contains(i.code.as_str());
    let toggle = (!kids.is_empty()).then(|| {
        let mut next: Vec<&str> = open
            .iter()
            .copied()
            .filter(|c| *c != i.code.as_str())
            .collect();
        if !is_open {
            next.push(i.code.as_str());
        }
        next.sort();
        (is_open, q.href(plan, &next.join(","), q.page))
    });
    out.push(row(l, plan, c, b, n, depth, toggle, edit));
    if is_open {
        for &k in kids.iter().take(CHILDREN) {
            walk((l, edit), plan, c, b, q, open, k, depth + 1, out);
        }
        if kids.len() > CHILDREN {
            let href = format!("/plans/{plan}/tree?branch={}", i.code);
            out.push(html! { tr { td colspan="6" { a href=(href) { (l.f("tree.more", &[("n", &(kids.len() - CHILDREN))])) } } } });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    l: Lang,
    plan: &str,
    c: &CachedPlan,
    b: &Board,
    n: usize,
    depth: usize,
    toggle: Option<(bool, String)>,
    edit: bool,
) -> Markup {
    let i: &Item = &c.items[n];
    let r = b.row_at(n);
    html! {
        tr class={ "d" (depth.min(6)) } {
            td.title {
                @match &toggle {
                    Some((true, href)) => a.toggle href=(href) aria-expanded="true" aria-label=(l.t("tree.collapse")) { "−" },
                    Some((false, href)) => a.toggle href=(href) aria-expanded="false" aria-label=(l.t("tree.expand")) { "+" },
                    None => span.toggle {},
                }
                (item_link(l, plan, i))
                @if edit && i.kind != tuijin_core::ItemKind::Milestone {
                    " " a.add.small.noprint href={ "/plans/" (plan) "/items/" (super::urlencode(i.code.as_str())) "/new" } title=(l.t("edit.add_child")) { "＋" (l.t("item.add_child")) }
                }
            }
            td.opt.small { (kind(l, &c.plan, i)) }
            td.opt.small { (unit(l, c, i.lead.as_ref())) }
            td { (row_progress(l, b, n)) }
            td { (status(l, r.status)) }
            td.opt.small { @if let Some(d) = i.due { (d) } }
        }
    }
}

fn pager(l: Lang, q: &TreeQuery, plan: &str, total: usize) -> Markup {
    let pages = total.div_ceil(PAGE);
    html! {
        @if pages > 1 {
            nav.pager aria-label=(l.t("tree.pages")) {
                @if q.page > 0 { a href=(q.href(plan, &q.open, q.page - 1)) rel="prev" { (l.t("tree.prev")) } }
                span { (l.f("tree.page_of", &[("n", &(q.page + 1)), ("of", &pages)])) }
                @if q.page + 1 < pages { a href=(q.href(plan, &q.open, q.page + 1)) rel="next" { (l.t("tree.next")) } }
            }
        }
    }
}

/// A filter value that is not one of those the filter takes.
fn not_one_of<T: Copy + Into<&'static str>>(field: &str, value: &str, all: &[T]) -> PageError {
    let allowed: Vec<&str> = all.iter().map(|&x| x.into()).collect();
    PageError::invalid(
        tuijin_core::problem::Problem::new(field, tuijin_core::problem::Rule::NotOneOf)
            .with("value", value)
            .with("allowed", allowed.join(", ")),
    )
}
