//! Baselines (基线) in the pages: the plan's baselines, the form to set one (the office), and
//! what moved since the one chosen — every item whose dates, weight or target changed, added
//! or archived — so a moved deadline stays visible against the plan as approved.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;
use tuijin_core::baseline::{DateMove, slips};
use tuijin_core::policy::Action;
use tuijin_store::{BaselineStore, ItemStore, StoreError};

use super::widgets::{fmt1, item_href, local_time};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::session::Viewer;

#[derive(Deserialize, Default)]
pub struct BaselineQuery {
    /// The baseline to compare with (default: the newest).
    #[serde(default)]
    baseline: Option<i64>,
}

pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Query(q): Query<BaselineQuery>,
) -> Result<Html<String>, PageError> {
    render(&st, &v, &plan, q.baseline, ("", ""), &[]).await
}

async fn render(
    st: &AppState,
    v: &Viewer,
    plan: &str,
    chosen: Option<i64>,
    typed: (&str, &str),
    problems: &[String],
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPlan)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, plan).await?;
    let tz = c.plan.tz();
    let all = st.store.list_baselines(plan).await?;
    let chosen = chosen.or(all.first().map(|b| b.id));
    let compared = match chosen {
        Some(id) => Some(st.store.baseline(plan, id).await?),
        None => None,
    };
    let now = st.store.plan_items(plan).await?;
    let moved = compared
        .as_ref()
        .map(|(_, items)| slips(items, &now))
        .unwrap_or_default();
    let title_of = |code: &str| {
        c.items
            .iter()
            .find(|i| i.code.as_str() == code)
            .map(|i| l.pick(&i.title).to_string())
            .unwrap_or_default()
    };
    let date_move = |m: &Option<DateMove>| {
        html! {
            @if let Some(m) = m {
                (m.baseline.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) " → "
                (m.current.map(|d| d.to_string()).unwrap_or_else(|| "—".into()))
                @if let Some(n) = m.days {
                    br; span class=(if n > 0 { "flag fall" } else { "flag jump" }) { (if n > 0 { "+" } else { "" }) (n) " " (l.t("baseline.days")) }
                }
            }
        }
    };
    let body = html! {
        h1 { (l.t("baseline.title")) }
        p.muted { (l.t("baseline.help")) }
        @if v.allowed(Action::EditPlan) {
            section aria-labelledby="set" {
                h2 #set { (l.t("baseline.set")) }
                @if !problems.is_empty() { div.notice.bad role="alert" { ul { @for p in problems { li { (p) } } } } }
                form.filters method="post" action={ "/plans/" (plan) "/baselines" } {
                    input type="hidden" name="csrf" value=(v.csrf());
                    label { (l.t("baseline.name")) " " input type="text" name="name" required value=(typed.0) placeholder=(l.t("baseline.name_example")); }
                    label { (l.t("baseline.note")) " " input type="text" name="note" required value=(typed.1); }
                    " " button type="submit" { (l.t("baseline.do_set")) }
                }
            }
        }
        h2 { (l.t("baseline.list")) }
        @if all.is_empty() { p { (l.t("baseline.none")) } }
        ul { @for b in &all {
            li {
                @if Some(b.id) == chosen { strong { (b.name) } } @else { a href={ "/plans/" (plan) "/baselines?baseline=" (b.id) } { (b.name) } }
                " · " span.small.muted { (local_time(tz, b.created_at)) " · " (b.created_by) " · " (l.f("baseline.items", &[("n", &b.item_count)])) }
                @if !b.note.is_empty() { br; span.small { (b.note) } }
            }
        } }
        @if let Some((b, _)) = &compared {
            h2 { (l.f("baseline.since", &[("name", &b.name)])) }
            @if moved.is_empty() { p { (l.t("baseline.nothing_moved")) } } @else {
                p.small.muted { (l.f("baseline.count", &[("n", &moved.len())])) }
                div.tablewrap { table.wide {
                    thead { tr { th { (l.t("col.item")) } th { (l.t("col.start")) } th { (l.t("col.due")) } th.opt { (l.t("edit.weight")) } th.opt { (l.t("col.target")) } } }
                    tbody { @for s in &moved {
                        tr {
                            td {
                                @if s.dropped { span.code { (s.code) } " " span.small.muted { (l.t("baseline.dropped")) } }
                                @else { a href=(item_href(plan, &s.code)) { span.code { (s.code) } " " (title_of(&s.code)) }
                                    @if s.added { " " span.small.muted { (l.t("baseline.added")) } } }
                                @if let Some(true) = s.cancelled { br; span.small.flag.fall { (l.t("baseline.cancelled")) } }
                                @if let Some(false) = s.cancelled { br; span.small.muted { (l.t("baseline.restored")) } }
                                @if let Some((a, b)) = &s.parent { br; span.small.muted { (l.t("baseline.moved")) " "
                                    (a.clone().unwrap_or_else(|| l.t("edit.top").to_string())) " → " (b.clone().unwrap_or_else(|| l.t("edit.top").to_string())) } }
                            }
                            td.nowrap { (date_move(&s.start)) }
                            td.nowrap { (date_move(&s.due)) }
                            td.opt { @if let Some((a, b)) = s.weight { (fmt1(a)) " → " (fmt1(b)) } }
                            td.opt { @if let Some((a, b)) = s.target_value {
                                (a.map(fmt1).unwrap_or_else(|| "—".into())) " → " (b.map(fmt1).unwrap_or_else(|| "—".into())) }
                                @if let Some(m) = &s.target_by { br; (date_move(&Some(*m))) } }
                        }
                    } }
                } }
            }
        }
    };
    Ok(layout(
        st,
        v,
        Some(plan),
        Section::Timeline,
        l.t("baseline.title"),
        body,
    ))
}

#[derive(Deserialize, Default)]
pub struct SetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    note: String,
}

/// The office sets a baseline of the plan as it stands; back to the list, comparing with it.
pub async fn set(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<SetForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    v.require(Action::EditPlan)?;
    let l = v.lang;
    let header = st.plans.header(&st.store, &plan).await?;
    match st
        .store
        .set_baseline(&plan, &f.name, &f.note, &st.stamp(&v.who.name, &header))
        .await
    {
        Ok(b) => {
            Ok(Redirect::to(&format!("/plans/{plan}/baselines?baseline={}", b.id)).into_response())
        }
        Err(StoreError::Invalid(ps)) => {
            let msgs: Vec<String> = ps.iter().map(|p| p.message(l)).collect();
            let page = render(&st, &v, &plan, None, (&f.name, &f.note), &msgs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
