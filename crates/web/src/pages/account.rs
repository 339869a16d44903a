//! My account: who I am, and my API tokens (create — shown once —, list with last use,
//! revoke).

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::{Markup, html};
use serde::Deserialize;
use tuijin_core::policy::Action;
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::AccountStore;

use super::{PageError, Section, default_plan, layout, role_key};
use crate::AppState;
use crate::session::Viewer;

async fn render(
    st: &AppState,
    v: &Viewer,
    fresh: Option<(String, String)>,
) -> Result<Html<String>, PageError> {
    let l = v.lang;
    let tokens = st.store.list_tokens(Some(&v.who.name)).await?;
    let plan = default_plan(st).await;
    let body: Markup = html! {
        h1 { (l.t("nav.account")) }
        dl.facts {
            dt { (l.t("account.name")) } dd { (v.who.name) }
            dt { (l.t("account.role")) } dd { (l.t(role_key(v.who.role))) }
            @if !v.who.units.is_empty() {
                dt { (l.t("account.units")) } dd { @for (k, u) in v.who.units.iter().enumerate() { @if k > 0 { "、" } (u) } }
            }
            @if let Some(s) = &v.session {
                dt { (l.t("account.session_ends")) } dd { (super::widgets::local_time(tuijin_core::clock::DEFAULT_TZ, s.ends_at)) }
            }
        }
        h2 { (l.t("account.tokens")) }
        p.muted { (l.t("account.tokens_help")) }
        @if let Some((label, token)) = &fresh {
            div.notice.good role="status" {
                p { (l.f("account.token_created", &[("label", label)])) }
                code.secret { (token) }
            }
        }
        @if tokens.is_empty() { p { (l.t("account.no_tokens")) } }
        @else {
            div.tablewrap { table {
                thead { tr { th { (l.t("account.label")) } th { (l.t("account.prefix")) } th { (l.t("account.created")) } th { (l.t("account.last_used")) } th { (l.t("account.expires")) } th {} } }
                tbody { @for t in &tokens {
                    tr {
                        td { (t.label) } td { code { (t.prefix) "…" } }
                        td { (t.created_at.format("%Y-%m-%d")) }
                        td { @match t.last_used_at { Some(d) => (super::widgets::local_time(tuijin_core::clock::DEFAULT_TZ, d)), None => "—" } }
                        td { @match t.expires_at { Some(d) => (d.format("%Y-%m-%d")), None => (l.t("account.never")) } }
                        td {
                            @if t.revoked_at.is_some() { (l.t("account.revoked")) }
                            @else {
                                form method="post" action={ "/account/tokens/" (t.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(v.csrf());
                                    button.secondary type="submit" { (l.t("account.revoke")) }
                                }
                            }
                        }
                    }
                } }
            } }
        }
        h3 { (l.t("account.new_token")) }
        form method="post" action="/account/tokens" {
            input type="hidden" name="csrf" value=(v.csrf());
            div.field { label for="label" { (l.t("account.label")) } input #label name="label" type="text" required maxlength="80"; }
            div.field { label for="days" { (l.t("account.days")) " " span.hint { (l.t("account.days_hint")) } } input #days name="days" type="number" min="1" max="3650" value="90"; }
            button type="submit" { (l.t("account.create")) }
        }
    };
    Ok(layout(
        st,
        v,
        plan.as_deref(),
        Section::Account,
        l.t("nav.account"),
        body,
    ))
}

pub async fn page(State(st): State<AppState>, v: Viewer) -> Result<Html<String>, PageError> {
    v.require(Action::ManageOwnAccount)?;
    render(&st, &v, None).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    days: String,
}

pub async fn create_token(
    State(st): State<AppState>,
    v: Viewer,
    Form(f): Form<NewToken>,
) -> Result<Response, PageError> {
    v.require(Action::ManageOwnAccount)?;
    v.check_csrf(&f.csrf)?;
    let label = f.label.trim();
    if label.is_empty() {
        return Err(PageError::invalid(Problem::new("label", Rule::Required)));
    }
    let days = match f.days.trim() {
        "" => None,
        d => Some(
            d.parse::<u32>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| {
                    PageError::invalid(
                        Problem::new("days", Rule::OutOfRange)
                            .with("min", 1)
                            .with("max", 3650),
                    )
                })?,
        ),
    };
    let (token, _) = st
        .store
        .create_token(&v.who.name, label, days, &st.stamp_default(&v.who.name))
        .await?;
    // Shown in this answer only: never in a URL, never again.
    Ok(render(&st, &v, Some((label.to_string(), token)))
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke_token(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    v.require(Action::ManageOwnAccount)?;
    v.check_csrf(&f.csrf)?;
    let mine = st.store.list_tokens(Some(&v.who.name)).await?;
    if !mine.iter().any(|t| t.id == id) {
        return Err(PageError::not_found(format!("token #{id}")));
    }
    st.store
        .revoke_token(id, &st.stamp_default(&v.who.name))
        .await?;
    Ok(Redirect::to("/account").into_response())
}
