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
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer`, `BEARER` and `Bearer`.
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        let Some(token) = token else {
            return Err(ApiError::Unauthorized(
                "Authorization: use `Bearer <token>`".into(),
            ));
        };
        match st.store.principal_for_token(token, st.clock.now()).await? {
            Some(p) => Ok(Auth(p)),
            None => {
                let address =
                    crate::client::address(&st.trusted_proxies, &parts.headers, &parts.extensions);
                if st.refused_tokens.first_in_a_while(&address) {
                    // An event for the audit trail (ASVS 7.2.1); a failure to write it must not
                    // change the answer, but is logged.
                    let stamp = st.stamp_default("anonymous");
                    if let Err(e) = st.store.note_refused_token(token, &address, &stamp).await {
                        tracing::warn!(error = %e, "could not record a refused API token");
                    }
                }
                Err(ApiError::Unauthorized(
                    "the token is unknown, revoked or expired, or its user is disabled".into(),
                ))
            }
        }
    }
}

/// Refused API tokens (and throttled log-ins, keyed `login ADDRESS`) are recorded at most once a
/// minute per address: the trail shows who tried, while a client spraying tokens or passwords
/// cannot fill the event log (or the disk) with them.
#[derive(Default)]
pub struct RefusedTokens {
    last: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

impl RefusedTokens {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    /// Addresses remembered at most; past it, the ones older than a minute are forgotten.
    const KEEP: usize = 10_000;

    /// Whether a refusal from `address` should be recorded now.
    pub fn first_in_a_while(&self, address: &str) -> bool {
        let now = std::time::Instant::now();
        let mut last = self.last.lock().expect("refused tokens lock");
        if last.len() >= Self::KEEP {
            last.retain(|_, t| now.duration_since(*t) < Self::EVERY);
            if last.len() >= Self::KEEP {
                // Many addresses at once: record none until the flood ages out.
                return false;
            }
        }
        match last.get(address) {
            Some(t) if now.duration_since(*t) < Self::EVERY => false,
            _ => {
                last.insert(address.to_string(), now);
                true
            }
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
/// Whether the caller may do `action` (without saying why not).
pub fn allowed(p: &Principal, action: Action<'_>) -> bool {
    matches!(decide(p, action), Decision::Allow)
}

pub fn public_only(p: &Principal) -> bool {
    p.role == Role::Public
}

/// Whether the caller may see one event of an item's history. A report's events carry the
/// report as it stood, so they follow the rule for reading that report
/// (`Action::ReadReport`): a unit sees every event of its own units' reports, and of another
/// unit's report only the ones that show it accepted. The API timeline and the item page ask
/// this one function.
pub fn may_see_event(p: &Principal, e: &tuijin_store::Event) -> bool {
    if e.entity != tuijin_core::event::Entity::Report {
        return true;
    }
    let Some(report) = e.after.as_ref().or(e.before.as_ref()) else {
        return false;
    };
    let unit = report["unit"].as_str().unwrap_or_default();
    let accepted = report["state"].as_str() == Some("accepted");
    decide(p, Action::ReadReport { unit, accepted }) == Decision::Allow
}
