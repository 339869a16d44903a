//! Browser sessions, kept server-side so that logging out, disabling a user or resetting a
//! password ends them at once. The cookie holds a random secret; the table holds its SHA-256
//! digest, as for API tokens. Failed log-ins are counted per account and per address for
//! throttling (the limits are `core::policy::SessionRules`), and every log-in, failure,
//! refusal and log-out is an event.

use argon2::{Argon2, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tuijin_core::event::EventKind;
use tuijin_core::policy::{Principal, SessionRules};
use tuijin_core::problem::{Problem, Rule};

use crate::accounts::{digest, principal, random_secret};
use crate::db::{Store, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::get;

/// A live session: who it is, the secret its forms must carry, the user's language.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionInfo {
    pub id: i64,
    pub principal: Principal,
    /// The anti-forgery token every form and unsafe API call of this session must carry.
    pub csrf: String,
    /// `zh` or `en`.
    pub lang: String,
    pub ends_at: DateTime<Utc>,
}

/// What became of a log-in attempt. Refusals do not say whether the name exists.
#[derive(Clone, Debug, PartialEq)]
pub enum LoginOutcome {
    /// The cookie secret (given to the browser once) and the session.
    LoggedIn {
        secret: String,
        session: SessionInfo,
    },
    /// Wrong name or password, or a disabled account.
    Refused,
    /// Too many recent failures for this account or from this address.
    Throttled,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait SessionStore {
    /// Checks the password (unless throttled), records the outcome, and opens a session.
    async fn log_in(
        &self,
        name: &str,
        password: &str,
        address: &str,
        rules: &SessionRules,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome>;
    /// The live session behind a cookie secret, if any; notes its use (at most once a minute).
    async fn session(
        &self,
        secret: &str,
        rules: &SessionRules,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionInfo>>;
    /// Records a throttled log-in attempt (`LoginOutcome::Throttled`) as an event. Callers
    /// record one per address now and then, not every attempt.
    async fn record_throttled(&self, name: &str, address: &str, now: DateTime<Utc>) -> Result<()>;
    /// Ends the session behind a cookie secret (nothing happens if there is none).
    async fn log_out(&self, secret: &str, now: DateTime<Utc>) -> Result<()>;
    /// Ends every session of a user (after a password reset or when disabled).
    async fn end_sessions(&self, user: &str, now: DateTime<Utc>) -> Result<u64>;
    /// Remembers a user's interface language: `zh` or `en`.
    async fn set_language(&self, user: &str, lang: &str) -> Result<()>;
}

/// Where a log-in came from, as its event records it.
#[derive(Serialize)]
struct From<'a> {
    address: &'a str,
}

fn address_event(kind: EventKind, name: &str, address: &str) -> Result<NewEvent> {
    NewEvent::new(kind, name).after(&From { address })
}

impl SessionStore for Store {
    async fn record_throttled(&self, name: &str, address: &str, now: DateTime<Utc>) -> Result<()> {
        let name = if tuijin_core::account::may_be_user_name(name) {
            name
        } else {
            "?"
        };
        let txn = self.write().await?;
        append(
            &txn,
            now,
            name,
            vec![address_event(EventKind::LoginThrottled, name, address)?],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn log_in(
        &self,
        name: &str,
        password: &str,
        address: &str,
        rules: &SessionRules,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome> {
        // What cannot be a user's name is counted and recorded as "?": the attempt is on
        // record, the typed text (of any length, with any characters) is not.
        let name = if tuijin_core::account::may_be_user_name(name) {
            name
        } else {
            "?"
        };
        let since = now - rules.window;
        let count = |col: &'static str, value: &str| {
            let sql =
                format!("SELECT COUNT(*) AS n FROM login_failures WHERE {col} = $1 AND at > $2");
            let value = value.to_string();
            async move {
                let r = one(&self.db(), &sql, vec![value.into(), since.into()]).await?;
                r.map_or(Ok(0), |r| get::<i64>(&r, "n"))
            }
        };
        let by_account = count("name", name).await?;
        let by_address = count("address", address).await?;
        if rules.throttled(by_account as u64, by_address as u64) {
            // Not counted as a failure, so the refusal lifts once the window has passed; not
            // recorded here either (`record_throttled`, which the caller rate-limits), so a
            // flood of refused attempts cannot fill the event log.
            return Ok(LoginOutcome::Throttled);
        }
        let row = one(
            &self.db(),
            "SELECT id, name, role, password_hash, disabled, lang FROM users WHERE name = $1",
            vec![name.into()],
        )
        .await?;
        let verified = match &row {
            Some(r) => {
                let hash: Option<String> = get(r, "password_hash")?;
                let ok = hash.is_some_and(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), h.as_str())
                        .is_ok()
                });
                ok && !get::<bool>(r, "disabled")?
            }
            None => {
                // The same work as a real check, so timing does not tell names apart.
                let _ = Argon2::default()
                    .verify_password(password.as_bytes(), crate::accounts::DUMMY_HASH);
                false
            }
        };
        let txn = self.write().await?;
        let Some(r) = row.filter(|_| verified) else {
            exec(
                &txn,
                "INSERT INTO login_failures (name, address, at) VALUES ($1, $2, $3)",
                vec![name.into(), address.into(), now.into()],
            )
            .await?;
            append(
                &txn,
                now,
                name,
                vec![address_event(EventKind::LoginFailed, name, address)?],
            )
            .await?;
            txn.commit().await?;
            return Ok(LoginOutcome::Refused);
        };
        let user_id: i64 = get(&r, "id")?;
        exec(
            &txn,
            "DELETE FROM login_failures WHERE name = $1",
            vec![name.into()],
        )
        .await?;
        let secret = random_secret()?;
        let csrf = random_secret()?;
        let ends_at = rules.ends_at(now, now);
        let id_row = one(
            &txn,
            "INSERT INTO sessions (user_id, token_hash, csrf, address, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
            vec![
                user_id.into(),
                digest(&secret).into(),
                csrf.clone().into(),
                address.into(),
                now.into(),
                (now + rules.absolute).into(),
            ],
        )
        .await?
        .ok_or_else(|| StoreError::Internal("session insert returned nothing".into()))?;
        append(
            &txn,
            now,
            name,
            vec![address_event(EventKind::LoginSucceeded, name, address)?],
        )
        .await?;
        let p = principal(&txn, user_id, get(&r, "name")?, &get::<String>(&r, "role")?).await?;
        txn.commit().await?;
        Ok(LoginOutcome::LoggedIn {
            secret,
            session: SessionInfo {
                id: get(&id_row, "id")?,
                principal: p,
                csrf,
                lang: get(&r, "lang")?,
                ends_at,
            },
        })
    }

    async fn session(
        &self,
        secret: &str,
        rules: &SessionRules,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionInfo>> {
        let row = one(
            &self.db(),
            "SELECT s.id, s.csrf, s.created_at, s.last_seen_at, s.ended_at, \
                    u.id AS user_id, u.name, u.role, u.disabled, u.lang \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
            vec![digest(secret).into()],
        )
        .await?;
        let Some(r) = row else { return Ok(None) };
        let created: DateTime<Utc> = get(&r, "created_at")?;
        let last_seen: DateTime<Utc> = get(&r, "last_seen_at")?;
        if get::<Option<DateTime<Utc>>>(&r, "ended_at")?.is_some()
            || get::<bool>(&r, "disabled")?
            || now >= rules.ends_at(created, last_seen)
        {
            return Ok(None);
        }
        let id: i64 = get(&r, "id")?;
        let mut seen = last_seen;
        // Use is noted at most once a minute, and only when no other write is under way: a
        // page never waits for a bookkeeping write (the session then ends a minute early at
        // worst).
        if now - last_seen > Duration::minutes(1)
            && let Some(txn) = self.try_write().await?
        {
            exec(
                &txn,
                "UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
                vec![now.into(), id.into()],
            )
            .await?;
            txn.commit().await?;
            seen = now;
        }
        Ok(Some(SessionInfo {
            id,
            principal: principal(
                &self.db(),
                get(&r, "user_id")?,
                get(&r, "name")?,
                &get::<String>(&r, "role")?,
            )
            .await?,
            csrf: get(&r, "csrf")?,
            lang: get(&r, "lang")?,
            ends_at: rules.ends_at(created, seen),
        }))
    }

    async fn log_out(&self, secret: &str, now: DateTime<Utc>) -> Result<()> {
        let txn = self.write().await?;
        let row = one(
            &txn,
            "SELECT s.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.ended_at IS NULL",
            vec![digest(secret).into()],
        )
        .await?;
        if let Some(r) = row {
            let name: String = get(&r, "name")?;
            exec(
                &txn,
                "UPDATE sessions SET ended_at = $1 WHERE id = $2",
                vec![now.into(), get::<i64>(&r, "id")?.into()],
            )
            .await?;
            append(
                &txn,
                now,
                &name,
                vec![NewEvent::new(EventKind::Logout, name.as_str())],
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn end_sessions(&self, user: &str, now: DateTime<Utc>) -> Result<u64> {
        let txn = self.write().await?;
        let n = exec(
            &txn,
            "UPDATE sessions SET ended_at = $1 WHERE ended_at IS NULL \
             AND user_id = (SELECT id FROM users WHERE name = $2)",
            vec![now.into(), user.into()],
        )
        .await?;
        txn.commit().await?;
        Ok(n)
    }

    async fn set_language(&self, user: &str, lang: &str) -> Result<()> {
        if lang != "zh" && lang != "en" {
            return Err(StoreError::invalid(
                Problem::new("lang", Rule::NotOneOf)
                    .with("value", lang)
                    .with("allowed", "zh, en"),
            ));
        }
        let txn = self.write().await?;
        if exec(
            &txn,
            "UPDATE users SET lang = $1 WHERE name = $2",
            vec![lang.into(), user.into()],
        )
        .await?
            == 0
        {
            return Err(StoreError::NotFound(format!("user `{user}`")));
        }
        txn.commit().await
    }
}
