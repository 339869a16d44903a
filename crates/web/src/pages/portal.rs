//! The public portal (公开): what the city publishes of its plan — the items and indicators
//! marked public, with their progress — and nothing else: no people's names, no reports, no
//! internal comments. Needs no log-in.

use axum::extract::{Path, State};
use axum::response::Html;
use maud::html;
use tuijin_core::policy::Action;
use tuijin_store::{DirectoryStore, PlanStore};

use super::widgets::{fmt1, item_href, row_progress, status};
use super::{PageError, Section, layout};
use crate::AppState;
use crate::session::Viewer;

pub async fn index(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPublic)?;
    let l = v.lang;
    let plans = st.store.list_plans().await?;
    let body = html! {
        h1 { (l.t("portal.title")) }
        p { (l.t("portal.intro")) }
        ul {
            @for p in &plans {
                li { a href={ "/portal/" (p.plan.code) } { (l.pick(&p.plan.title)) } }
            }
        }
    };
    Ok(layout(
        &st,
        &v,
        None,
        Section::Portal,
        l.t("portal.title"),
        body,
    ))
}

pub async fn plan(
    State(st): State<AppState>,
    v: Viewer,
    Path(plan): Path<String>,
) -> Result<Html<String>, PageError> {
    v.require(Action::ReadPublic)?;
    let l = v.lang;
    let c = st.plans.get(&st.store, &plan).await?;
    let b = c.board(st.today(&c.plan));
    let public: Vec<usize> = (0..c.items.len())
        .filter(|&n| c.items[n].public && !b.is_out(n))
        .take(1000)
        .collect();
    let indicators: Vec<_> = st
        .store
        .list_indicators(&plan)
        .await?
        .into_iter()
        .filter(|i| i.public)
        .collect();
    let body = html! {
        h1 { (l.pick(&c.plan.title)) }
        @if !l.pick(&c.plan.description).is_empty() { p { (l.pick(&c.plan.description)) } }
        h2 { (l.t("portal.items")) }
        @if public.is_empty() { p { (l.t("portal.nothing")) } }
        @else {
            div.tablewrap { table {
                thead { tr { th { (l.t("col.item")) } th { (l.t("col.progress")) } th { (l.t("col.status")) } th.opt { (l.t("col.due")) } } }
                tbody { @for &n in &public {
                    tr {
                        td { a href=(item_href(&plan, c.items[n].code.as_str())) { span.code { (c.items[n].code) } " " (l.pick(&c.items[n].title)) } }
                        td { (row_progress(l, &b, n)) }
                        td { (status(l, b.status(n))) }
                        td.opt { @if let Some(d) = c.items[n].due { (d) } }
                    }
                } }
            } }
        }
        h2 { (l.t("portal.indicators")) }
        @if indicators.is_empty() { p { (l.t("portal.nothing")) } }
        @else {
            table {
                thead { tr { th { (l.t("portal.indicator")) } th.num { (l.t("portal.baseline")) } th { (l.t("portal.targets")) } } }
                tbody { @for i in &indicators {
                    tr {
                        td { (l.pick(&i.name)) " (" (super::widgets::unit_of_measure(l, &i.unit)) ")" }
                        td.num { @if let Some(bv) = i.baseline { (fmt1(bv)) @if let Some(y) = i.baseline_year { " (" (y) ")" } } }
                        td { @for (k, t) in i.targets.iter().enumerate() { @if k > 0 { "；" } (t.year) ": " (fmt1(t.value)) } }
                    }
                } }
            }
        }
    };
    Ok(layout(
        &st,
        &v,
        None,
        Section::Portal,
        l.pick(&c.plan.title),
        body,
    ))
}
