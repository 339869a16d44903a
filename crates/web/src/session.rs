//! Browser sessions on the web side: the cookies, who a page's visitor is (`Viewer`), and the
//! anti-forgery (CSRF) checks. A logged-in visitor's forms carry the session's own token; an
//! anonymous visitor's (the log-in and language forms) carry a random token that must match
//! the `tj_csrf` cookie (double submit), which `ensure_csrf_cookie` gives every page visitor.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use subtle::ConstantTimeEq;
use tuijin_core::policy::{Action, Decision, Principal, decide};
use tuijin_store::{SessionInfo, SessionStore};

use crate::AppState;
use crate::i18n::Lang;
use crate::pages::PageError;

pub const SESSION_COOKIE: &str = "tj_session";
pub const CSRF_COOKIE: &str = "tj_csrf";
pub const LANG_COOKIE: &str = "tj_lang";

/// A fresh random token for an anonymous visitor's forms.
fn random_token() -> String {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).expect("the operating system gives randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The anonymous visitor's form token, put into the request by `ensure_csrf_cookie`.
#[derive(Clone)]
pub struct AnonymousCsrf(String);

/// Gives every page visitor without one a `tj_csrf` cookie, and makes its value available to
/// the page being rendered in the same request.
pub async fn ensure_csrf_cookie(
    State(st): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    let secure = is_secure(&st, req.headers(), req.extensions());
    match jar.get(CSRF_COOKIE).map(|c| c.value().to_string()) {
        Some(v) if v.len() >= 16 => {
            req.extensions_mut().insert(AnonymousCsrf(v));
            next.run(req).await
        }
        _ => {
            let token = random_token();
            req.extensions_mut().insert(AnonymousCsrf(token.clone()));
            let mut res = next.run(req).await;
            let c = cookie(CSRF_COOKIE, token, secure);
            if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
    }
}

/// Cookies are HttpOnly and SameSite=Lax always, and Secure when the site is served over HTTPS
/// (the server is told so, or the proxy in front says `X-Forwarded-Proto: https`).
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

pub fn is_secure(st: &AppState, headers: &HeaderMap, ext: &axum::http::Extensions) -> bool {
    crate::client::is_secure(st.secure_cookies, &st.trusted_proxies, headers, ext)
}

/// The live session behind a request's cookie, if any.
pub async fn session_of(
    st: &AppState,
    jar: &CookieJar,
) -> Result<Option<(String, SessionInfo)>, tuijin_store::StoreError> {
    let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    Ok(st
        .store
        .session(&secret, &st.rules, st.clock.now())
        .await?
        .map(|s| (secret, s)))
}

/// The address a request came from, for throttling and the log-in events.
pub fn client_address(st: &AppState, parts: &Parts) -> String {
    crate::client::address(&st.trusted_proxies, &parts.headers, &parts.extensions)
}

/// Who is looking at a page, in which language, with which form token.
pub struct Viewer {
    pub who: Principal,
    pub session: Option<SessionInfo>,
    pub lang: Lang,
    pub secure: bool,
    pub address: String,
    anonymous_csrf: String,
    /// The path and query asked for, to come back to after logging in.
    pub here: String,
    /// For a unit's user: the notices its units are to sign or answer (the count in its
    /// navigation).
    pub to_answer: u64,
}

impl Viewer {
    pub fn logged_in(&self) -> bool {
        self.session.is_some()
    }

    /// The token this visitor's forms must carry.
    pub fn csrf(&self) -> &str {
        match &self.session {
            Some(s) => &s.csrf,
            None => &self.anonymous_csrf,
        }
    }

    /// Refuses a form whose token is not this visitor's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        let want = self.csrf();
        if !want.is_empty() && bool::from(sent.as_bytes().ct_eq(want.as_bytes())) {
            Ok(())
        } else {
            Err(PageError::forbidden("error.csrf"))
        }
    }

    /// Allows the action, or sends the visitor to log in (anonymous) or refuses (403).
    pub fn require(&self, action: Action<'_>) -> Result<(), PageError> {
        match decide(&self.who, action) {
            Decision::Allow => Ok(()),
            Decision::Unauthenticated => Err(PageError::Login(self.here.clone())),
            Decision::Deny(why) => Err(crate::ApiError::Forbidden(why).into()),
        }
    }

    pub fn allowed(&self, action: Action<'_>) -> bool {
        decide(&self.who, action) == Decision::Allow
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let session = session_of(st, &jar)
            .await
            .map_err(PageError::from)?
            .map(|(_, s)| s);
        // The user's choice, else the visitor's cookie, else what the browser asks for.
        let lang = session
            .as_ref()
            .and_then(|s| Lang::parse(&s.lang))
            .or_else(|| jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
            .unwrap_or_else(|| crate::error::api_lang(&parts.headers));
        let anonymous_csrf = parts
            .extensions
            .get::<AnonymousCsrf>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let who = session
            .as_ref()
            .map(|s| s.principal.clone())
            .unwrap_or_else(Principal::anonymous);
        let to_answer = if who.role == tuijin_core::policy::Role::Unit {
            use tuijin_store::NoticeStore;
            let units: Vec<String> = who.units.iter().map(|u| u.to_string()).collect();
            st.store
                .count_awaiting_reply(&units)
                .await
                .map_err(PageError::from)?
        } else {
            0
        };
        Ok(Viewer {
            who,
            to_answer,
            session,
            lang,
            secure: is_secure(st, &parts.headers, &parts.extensions),
            address: client_address(st, parts),
            anonymous_csrf,
            here: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
        })
    }
}
