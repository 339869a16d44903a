//! The office's board of supervision notices (督办): a plan's notices the viewer may read,
//! filtered by state, level, unit and lateness, most severe first; as a page or as CSV.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use tuijin_core::notice::NoticeState;
use tuijin_core::policy::Action;

use super::notices::{level_chip, readable, state_key};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::csv_out::PageCsv;
use crate::session::Viewer;

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    overdue: String,
}

pub async fn board(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<BoardQuery>,
    csv: PageCsv,
) -> Result<Response, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let today = st.today(&c.plan);
    let s = c.plan.notices.clone();
    let state = NoticeState::parse(&q.state);
    let unit = (!q.unit.is_empty()).then(|| q.unit.clone());
    let mut list = readable(&st, &v, &plan, unit, state).await?;
    let level = s.levels.iter().position(|x| *x == q.level);
    list.retain(|n| level.is_none_or(|k| n.level_on(today, &s) == k));
    if matches!(q.overdue.as_str(), "1" | "true" | "on") {
        list.retain(|n| n.state.awaits_reply() && today > n.reply_by);
    }
    let proposed = if v.allowed(Action::IssueNotice) {
        Some(super::proposals::waiting(&st, &plan).await?)
    } else {
        None
    };
    // Most severe first, then the oldest reply date.
    list.sort_by_key(|n| (std::cmp::Reverse(n.level_on(today, &s)), n.reply_by, n.id));
    if csv.wanted {
        let table = super::downloads::notices(l, &c, &list, today);
        let name = crate::csv_out::file_name(Some(&plan), "notices", st.today_default());
        return Ok(crate::csv_out::download(&table, &name));
    }
    let body = html! {
        h1 { (l.t("notices.title")) " · " (l.pick(&c.plan.title)) }
        p.muted { (l.f("notices.as_of", &[("date", &today)])) }
        @if let Some(n) = proposed {
            p { a href={ "/plans/" (plan) "/notices/proposals" } { (l.f("proposals.waiting", &[("n", &n)])) } }
        }
        @if v.allowed(Action::IssueNotice) {
            p.small.muted { (l.t("notices.issue_help")) }
        }
        form.filters method="get" {
            label { (l.t("col.state")) " "
                select name="state" {
                    option value="" { (l.t("filter.all")) }
                    @for st_ in [NoticeState::Issued, NoticeState::Signed, NoticeState::Replied, NoticeState::Returned, NoticeState::Closed] {
                        option value=(st_.as_str()) selected[q.state == st_.as_str()] { (l.t(state_key(st_))) }
                    }
                }
            }
            label { (l.t("notices.level")) " "
                select name="level" {
                    option value="" { (l.t("filter.all")) }
                    @for (k, name) in s.levels.iter().enumerate() {
                        option value=(name) selected[q.level == *name] { (level_chip(l, &s, k)) }
                    }
                }
            }
            label { input type="checkbox" name="overdue" value="1" checked[q.overdue == "1"]; " " (l.t("notices.overdue_only")) }
            button type="submit" { (l.t("filter.apply")) }
        }
        (csv.link(l))
        @if list.is_empty() {
            p { (l.t("notices.none")) }
        } @else {
            div.tablewrap { table.wide {
                thead { tr {
                    th { (l.t("notices.number")) } th { (l.t("notices.level")) } th { (l.t("notices.subject")) }
                    th { (l.t("col.unit")) } th { (l.t("notices.reply_by")) } th { (l.t("col.state")) }
                } }
                tbody { @for n in &list {
                    tr {
                        td.nowrap { a href={ "/notices/" (n.id) } { (n.number) } }
                        td { (level_chip(l, &s, n.level_on(today, &s))) }
                        td { (n.title) br; span.small.muted { @for (k, i) in n.items.iter().enumerate() { @if k > 0 { "、" } span.code { (i) } } } }
                        td { @for (k, u) in n.units.iter().enumerate() { @if k > 0 { "、" } (c.unit_name(&u.code).map(|t| l.pick(t).to_string()).unwrap_or_else(|| u.code.clone())) } }
                        td { (n.reply_by) @if n.state.awaits_reply() && today > n.reply_by { " " span.flag.bad { (l.t("notices.overdue")) } } }
                        td.nowrap { (l.t(state_key(n.state))) }
                    }
                } }
            } }
        }
    };
    Ok(layout(
        &st,
        &v,
        Some(&plan),
        Section::Notices,
        l.t("notices.title"),
        body,
    )
    .into_response())
}
