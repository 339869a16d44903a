//! Logging in and out, and switching the interface language.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use maud::html;
use serde::Deserialize;
use tuijin_store::{LoginOutcome, SessionStore};

use super::{PageError, Section, layout, safe_next};
use crate::AppState;
use crate::i18n::Lang;
use crate::session::{LANG_COOKIE, SESSION_COOKIE, Viewer, cookie};

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

fn login_page(st: &AppState, v: &Viewer, next: &str, name: &str, error: Option<&str>) -> Response {
    let l = v.lang;
    let body = html! {
        div.login {
            h1 { (l.t("login.title")) }
            @if let Some(e) = error {
                p.notice.bad role="alert" { (e) }
            }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(v.csrf());
                input type="hidden" name="next" value=(next);
                div.field {
                    label for="name" { (l.t("login.name")) }
                    input #name name="name" type="text" autocomplete="username" required value=(name);
                }
                div.field {
                    label for="password" { (l.t("login.password")) }
                    input #password name="password" type="password" autocomplete="current-password" required;
                }
                button type="submit" { (l.t("login.submit")) }
            }
            p.muted.small { (l.t("login.help")) }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        layout(st, v, None, Section::None, l.t("login.title"), body),
    )
        .into_response()
}

pub async fn form(State(st): State<AppState>, v: Viewer, Query(q): Query<Next>) -> Response {
    let next = safe_next(q.next.as_deref());
    if v.logged_in() {
        return Redirect::to(&next).into_response();
    }
    login_page(&st, &v, &next, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(st): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let next = safe_next(f.next.as_deref());
    // Echoed back in the form: no more than a name could be.
    let name: String = f.name.trim().chars().take(64).collect();
    let name = name.as_str();
    let outcome = st
        .store
        .log_in(name, &f.password, &v.address, &st.rules, st.clock.now())
        .await?;
    match outcome {
        LoginOutcome::LoggedIn { secret, session } => {
            tracing::info!(user = %session.principal.name, "logged in");
            let jar = jar.add(cookie(SESSION_COOKIE, secret, v.secure));
            let jar = match Lang::parse(&session.lang) {
                Some(l) => jar.add(cookie(LANG_COOKIE, l.code().into(), v.secure)),
                None => jar,
            };
            // A unit user asked for nothing in particular lands in its workspace, etc.
            Ok((jar, Redirect::to(&next)).into_response())
        }
        LoginOutcome::Refused => Ok(login_page(
            &st,
            &v,
            &next,
            name,
            Some(v.lang.t("login.refused")),
        )),
        LoginOutcome::Throttled => {
            // On record once a minute per address: the trail shows the attack, the attack
            // cannot fill the log.
            if st
                .refused_tokens
                .first_in_a_while(&format!("login {}", v.address))
            {
                st.store
                    .record_throttled(name, &v.address, st.clock.now())
                    .await?;
            }
            let mut r = login_page(&st, &v, &next, name, Some(v.lang.t("login.throttled")));
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            Ok(r)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(st): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        st.store.log_out(c.value(), st.clock.now()).await?;
    }
    let jar = jar.remove(cookie(SESSION_COOKIE, String::new(), v.secure));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    next: Option<String>,
}

/// Switches the language: remembered on the user for a logged-in visitor, in a cookie always.
pub async fn language(
    State(st): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Form(f): Form<LangForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let lang = Lang::parse(&f.lang).ok_or_else(|| {
        PageError::invalid(
            tuijin_core::problem::Problem::new("lang", tuijin_core::problem::Rule::NotOneOf)
                .with("value", &f.lang)
                .with("allowed", "zh, en"),
        )
    })?;
    if let Some(s) = &v.session {
        st.store
            .set_language(&s.principal.name, lang.code())
            .await?;
    }
    let jar = jar.add(cookie(LANG_COOKIE, lang.code().into(), v.secure));
    Ok((jar, Redirect::to(&safe_next(f.next.as_deref()))).into_response())
}
