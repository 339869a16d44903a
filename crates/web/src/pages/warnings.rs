//! The warnings page (预警清单): the office's chase list. Every open warning of the plan, most
//! severe first and then the longest outstanding, with the lead unit and the responsible
//! leader to call; filters by unit, kind, severity, branch and age; a page at a time.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use tuijin_core::VariantArray;
use tuijin_core::policy::Action;
use tuijin_core::warning::{Severity, WarningKind};
use tuijin_store::{WarningCursor, WarningFilter, WarningStore};

use super::widgets::item_href;
use super::{PageError, Section, layout, severity_key, urlencode, warning_key};
use crate::AppState;
use crate::csv_out::{MAX_ROWS, PageCsv};
use crate::session::Viewer;

/// Rows per page.
const PAGE: u64 = 100;

#[derive(Deserialize, Default)]
pub struct WarningsQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    branch: String,
    /// At least this many days old.
    #[serde(default)]
    age: String,
    /// Where the previous page ended.
    #[serde(default)]
    after: String,
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<WarningsQuery>,
    csv: PageCsv,
) -> Result<Response, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let b = c.board(today);
    // A filter that does not parse is no filter; the form offers only valid ones.
    let kind = WarningKind::parse(&q.kind);
    let severity = Severity::parse(&q.severity);
    let age: Option<u32> = q.age.trim().parse().ok().filter(|d| *d <= 100_000);
    let branch =
        (!q.branch.is_empty() && b.position(&q.branch).is_some()).then(|| q.branch.clone());
    let unit = (!q.unit.is_empty() && c.unit_name(&q.unit).is_some()).then(|| q.unit.clone());
    let filter = WarningFilter {
        plan: Some(plan.clone()),
        unit: unit.clone(),
        kind,
        severity,
        branch: branch.clone(),
        item: None,
        include_cleared: false,
        raised_by: age.map(|d| today - chrono::Duration::days(i64::from(d))),
        newest_first: false,
        after: WarningCursor::parse(&q.after),
        ids: None,
    };
    if csv.wanted {
        // Every warning the filters match, from the first: the file is the whole list.
        let all = WarningFilter {
            after: None,
            ..filter
        };
        let list = st.store.list_warnings(&all, MAX_ROWS as u64).await?;
        let table = super::downloads::warnings(l, &c, &b, &list, today);
        let name = crate::csv_out::file_name(Some(&plan), "warnings", today);
        return Ok(crate::csv_out::download(&table, &name));
    }
    let mut list = st.store.list_warnings(&filter, PAGE + 1).await?;
    let more = list.len() as u64 > PAGE;
    list.truncate(PAGE as usize);
    let next = more
        .then(|| list.last().map(|w| WarningCursor::of(w).to_string()))
        .flatten();
    // The units that lead items, for the filter.
    let units: Vec<(String, String)> = c
        .lead_units()
        .iter()
        .map(|u| {
            (
                u.clone(),
                c.unit_name(u)
                    .map(|t| l.pick(t).to_string())
                    .unwrap_or_else(|| u.clone()),
            )
        })
        .collect();
    let person = |code: &str| {
        c.people
            .get(code)
            .map(|p| {
                let post = l.pick(&p.post);
                if post.is_empty() {
                    l.pick(&p.name).to_string()
                } else {
                    format!("{} · {post}", l.pick(&p.name))
                }
            })
            .unwrap_or_else(|| code.to_string())
    };
    let base = format!(
        "/plans/{plan}/warnings?unit={}&kind={}&severity={}&branch={}&age={}",
        urlencode(unit.as_deref().unwrap_or_default()),
        kind.map(|k| k.as_str()).unwrap_or_default(),
        severity.map(|s| s.as_str()).unwrap_or_default(),
        urlencode(branch.as_deref().unwrap_or_default()),
        age.map(|a| a.to_string()).unwrap_or_default(),
    );
    let body = html! {
        h1 { (l.t("nav.warnings")) }
        p.muted { (l.t("warnings.intro")) }
        form.filters method="get" {
            div { label for="unit" { (l.t("col.lead")) }
                select #unit name="unit" {
                    option value="" { (l.t("warnings.any")) }
                    @for (code, name) in &units {
                        option value=(code) selected[unit.as_deref() == Some(code.as_str())] { (name) }
                    }
                }
            }
            div { label for="kind" { (l.t("warnings.kind")) }
                select #kind name="kind" {
                    option value="" { (l.t("warnings.any")) }
                    @for &k in WarningKind::VARIANTS {
                        option value=(k.as_str()) selected[kind == Some(k)] { (l.t(warning_key(k))) }
                    }
                }
            }
            div { label for="severity" { (l.t("warnings.severity")) }
                select #severity name="severity" {
                    option value="" { (l.t("warnings.any")) }
                    @for &s in Severity::VARIANTS.iter().rev() {
                        option value=(s.as_str()) selected[severity == Some(s)] { (l.t(severity_key(s))) }
                    }
                }
            }
            div { label for="branch" { (l.t("warnings.branch")) }
                input #branch name="branch" type="text" value=(branch.as_deref().unwrap_or_default()) size="8"; }
            div { label for="age" { (l.t("warnings.age")) }
                input #age name="age" type="number" min="0" max="100000" value=(age.map(|a| a.to_string()).unwrap_or_default()); }
            div { button type="submit" { (l.t("history.show")) } }
        }
        (csv.link(l))
        @if list.is_empty() {
            p { (l.t("cockpit.no_warnings")) }
        } @else {
            div.tablewrap { table.wide {
                thead { tr {
                    th { (l.t("warnings.severity")) } th { (l.t("col.item")) } th { (l.t("warnings.kind")) }
                    th { (l.t("col.lead")) } th { (l.t("col.leader")) }
                    th { (l.t("warnings.since")) } th.num { (l.t("warnings.days")) }
                } }
                tbody {
                    @for w in &list {
                        tr {
                            td { span class={ "sev sev-" (w.severity.as_str()) } { (l.t(severity_key(w.severity))) } }
                            td { a href=(item_href(&plan, &w.item)) {
                                span.code { (w.item) } " "
                                (c.item(&b, &w.item).map(|i| l.pick(&i.title).to_string()).unwrap_or_else(|| w.item_title.clone()))
                            } }
                            td { (l.t(warning_key(w.kind))) br; span.small.muted { (tuijin_core::warning::render_details(&w.details, l)) } }
                            td { (w.lead.as_deref().map(|u| c.unit_name(u).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.to_string())).unwrap_or_default()) }
                            td { (w.leader.as_deref().map(person).unwrap_or_default()) }
                            td.date { (w.raised_on) }
                            td.num { ((today - w.raised_on).num_days()) }
                        }
                    }
                }
            } }
            @if let Some(n) = &next {
                p { a href={ (base) "&after=" (n) } rel="next" { (l.t("tree.next")) } }
            }
        }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Warnings,
        l.t("nav.warnings"),
        body,
    )
    .into_response())
}
