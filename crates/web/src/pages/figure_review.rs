//! The office's review of the indicator figures units file, beside the reports on the review
//! page: each figure with its period, value, source, the figure it would revise and why;
//! accepted it counts from today, returned it goes back with the comment
//! (`store::FigureStore`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::i18n::Lang;
use tuijin_core::policy::Action;
use tuijin_store::{DirectoryStore, FigureStore, StoreError};

use super::PageError;
use super::widgets::{fmt1, unit_of_measure};
use crate::AppState;
use crate::session::Viewer;

/// The figures of `plan` waiting for review, each with its own accept and return buttons.
pub async fn section(st: &AppState, v: &Viewer, plan: &str) -> Result<Markup, PageError> {
    let l: Lang = v.lang;
    let pending = st.store.pending_figures(plan).await?;
    if pending.is_empty() {
        return Ok(html! {});
    }
    let c = st.plans.get(&st.store, plan).await?;
    let mut rows = Vec::new();
    for f in &pending {
        let code = f.indicator.as_str();
        let ind = c.measures.indicators.get(code).map(|(i, _)| i.clone());
        // The figure it would revise: the one counted now for the same period.
        let previous = st
            .store
            .indicator_actuals(plan, code)
            .await?
            .into_iter()
            .rev()
            .find(|a| {
                a.period == f.period
                    && a.entry.state == tuijin_core::indicator::FigureState::Accepted
            });
        rows.push((f, ind, previous));
    }
    Ok(html! {
        h2 #figures { (l.t("figreview.title")) }
        p.muted { (l.t("figreview.help")) }
        div.tablewrap { table.wide {
            thead { tr {
                th { (l.t("col.indicator")) } th { (l.t("ind.period")) } th.num { (l.t("ind.value")) }
                th.num { (l.t("figreview.previous")) } th { (l.t("ind.source")) } th { (l.t("figreview.decide")) }
            } }
            tbody {
                @for (f, ind, previous) in &rows {
                    @let uom = ind.as_ref().map(|i| unit_of_measure(l, &i.unit)).unwrap_or_default();
                    tr {
                        td { a href={ "/plans/" (plan) "/indicators/" (f.indicator) } {
                            @if let Some(i) = ind { (l.pick(&i.name)) } @else { (f.indicator) }
                        } br; span.small.muted { (f.entry.entered_by.clone().unwrap_or_default()) } }
                        td { (f.period) }
                        td.num { (fmt1(f.value.value())) " " (uom) }
                        td.num {
                            @match previous { Some(p) => { (fmt1(p.value.value())) " " (uom) } None => span.muted { (l.t("review.first")) } }
                            @if let Some(r) = &f.entry.reason { br; span.small { (l.t("figures.reason")) ": " (r) } }
                        }
                        td.src { (f.source) }
                        td {
                            form method="post" action={ "/review/figures/" (plan) "/" (f.entry.id.unwrap_or(0)) } {
                                input type="hidden" name="csrf" value=(v.csrf());
                                input type="text" name="comment" aria-label=(l.t("review.comment")) placeholder=(l.t("review.comment"));
                                " " button type="submit" name="action" value="accept" { (l.t("figreview.accept")) }
                                " " button.secondary type="submit" name="action" value="return" { (l.t("figreview.return")) }
                            }
                        }
                    }
                }
            }
        } }
    })
}

#[derive(Deserialize, Default)]
pub struct FigureDecision {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
}

/// Accept or return one figure; back to the review page, which says what happened.
pub async fn decide(
    State(st): State<AppState>,
    v: Viewer,
    Path((plan, id)): Path<(String, i64)>,
    Form(f): Form<FigureDecision>,
) -> Result<Response, PageError> {
    v.require(Action::Review)?;
    v.check_csrf(&f.csrf)?;
    let accept = match f.action.as_str() {
        "accept" => true,
        "return" => false,
        _ => return Ok(Redirect::to("/review?error=none").into_response()),
    };
    let c = st.plans.get(&st.store, &plan).await?;
    let stamp = st.stamp(&v.who.name, &c.plan);
    match st
        .store
        .review_figure(&plan, None, id, accept, &f.comment, &stamp)
        .await
    {
        Ok(_) => Ok(Redirect::to(if accept {
            "/review?accepted=1#figures"
        } else {
            "/review?returned=1#figures"
        })
        .into_response()),
        Err(StoreError::Invalid(_)) => Ok(Redirect::to("/review?error=comment").into_response()),
        Err(e) => Err(e.into()),
    }
}
