//! Who is asking: the principal behind a request, from its `Authorization: Bearer` token, or
//! a browser session's cookie (whose unsafe calls must carry `X-CSRF-Token`), or the
//! anonymous public. Every handler then asks `policy::decide` through `require`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use tuijin_core::policy::{Action, Decision, Principal, Role, decide};
use tuijin_core::problem::{Problem, Rule};
use tuijin_store::AccountStore;

use crate::{ApiError, AppState};

/// The principal of the request.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return from_session(parts, st).await;
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthorized("Authorization: not text".into()))?;
        let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
            return Err(ApiError::Unauthorized(
                "Authorization: use `Bearer <token>`".into(),
            ));
        };
        match st.store.principal_for_token(token, st.clock.now()).await? {
            Some(p) => Ok(Auth(p)),
            None => Err(ApiError::Unauthorized(
                "the token is unknown, revoked or expired, or its user is disabled".into(),
            )),
        }
    }
}

/// A browser calling the API with its session cookie: reads need nothing more; writes must
/// carry the session's anti-forgery token in `X-CSRF-Token`. A dead session is the public.
async fn from_session(parts: &Parts, st: &AppState) -> Result<Auth, ApiError> {
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
    let Some((_, session)) = crate::session::session_of(st, &jar).await? else {
        return Ok(Auth(Principal::anonymous()));
    };
    if !parts.method.is_safe() {
        let sent = parts
            .headers
            .get("x-csrf-token")
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(sent, session.csrf.as_bytes())) {
            return Err(ApiError::Forbidden(Problem::new(
                "X-CSRF-Token",
                Rule::CsrfToken,
            )));
        }
    }
    Ok(Auth(session.principal))
}

/// Allows the action or answers 401 (not logged in) / 403 (not allowed).
pub fn require(p: &Principal, action: Action<'_>) -> Result<(), ApiError> {
    match decide(p, action) {
        Decision::Allow => Ok(()),
        Decision::Unauthenticated => Err(ApiError::Unauthorized(
            "log in or send an API token (Authorization: Bearer …)".into(),
        )),
        Decision::Deny(why) => Err(ApiError::Forbidden(why)),
    }
}

/// Whether the principal sees only the published part of the plan.
pub fn public_only(p: &Principal) -> bool {
    p.role == Role::Public
}
