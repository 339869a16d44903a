//! Users and API tokens. Passwords are stored as argon2id hashes; tokens (32 random bytes)
//! as SHA-256 digests, which suffice for secrets of that entropy and allow lookup by digest.
//! A token is shown once, at creation, and never again.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tuijin_core::Code;
use tuijin_core::clock::Stamp;
use tuijin_core::event::EventKind;
use tuijin_core::policy::{Principal, Role};
use tuijin_core::problem::{Problem, Rule};

use crate::db::{Store, all, exec, one};
use crate::error::{Result, StoreError};
use crate::events::{NewEvent, append};
use crate::rows::{code, get, named};

/// What an event about a user's account records (never a password or a token).
#[derive(Serialize)]
struct AccountChange<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    /// Tokens revoked with the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens_revoked: Option<u64>,
}

/// Prefix of every token, so a leaked one is recognisable (and secret scanners can match it).
pub const TOKEN_PREFIX: &str = "tj_";

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UserRecord {
    pub name: String,
    pub role: Role,
    pub units: Vec<String>,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TokenRecord {
    pub id: i64,
    pub user: String,
    pub label: String,
    /// The first characters, to tell tokens apart; never enough to use one.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait AccountStore {
    /// Adds a user; unit users need at least one unit, other roles none.
    async fn add_user(
        &self,
        name: &str,
        role: Role,
        units: &[Code],
        password: Option<&str>,
        stamp: &Stamp,
    ) -> Result<UserRecord>;
    async fn list_users(&self) -> Result<Vec<UserRecord>>;
    /// Disables or enables a user. Disabling ends its sessions and revokes its API tokens;
    /// enabling brings neither back.
    async fn set_disabled(&self, name: &str, disabled: bool, stamp: &Stamp) -> Result<()>;
    /// Sets a new password: ends the user's sessions and revokes its API tokens (whoever knew
    /// the old password may have made one).
    async fn set_password(&self, name: &str, password: &str, stamp: &Stamp) -> Result<()>;
    /// The principal of a name and password, or `None` (unknown, disabled or wrong password:
    /// the caller cannot tell which).
    async fn verify_password(&self, name: &str, password: &str) -> Result<Option<Principal>>;
    /// Creates a token for a user; returns the token itself (shown once) and its record.
    async fn create_token(
        &self,
        user: &str,
        label: &str,
        expires_in_days: Option<u32>,
        stamp: &Stamp,
    ) -> Result<(String, TokenRecord)>;
    async fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenRecord>>;
    async fn revoke_token(&self, id: i64, stamp: &Stamp) -> Result<()>;
    /// Records that a request came with a token that is unknown, revoked or expired, or whose
    /// user is disabled (ASVS 7.2.1): the user when the token is known, else `unknown`.
    async fn note_refused_token(&self, token: &str, address: &str, stamp: &Stamp) -> Result<()>;
    /// The principal a bearer token stands for, or `None` if unknown, revoked, expired, or
    /// its user is disabled. Notes when it was last used (at most once a minute).
    async fn principal_for_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>>;
}

/// The argon2id hash of a password that passes the password rules.
pub fn hash_password(password: &str) -> Result<String> {
    tuijin_core::account::check_password(password, crate::breached::is_breached(password))?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("cannot hash a password: {e}")))
}

pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token() -> Result<String> {
    Ok(format!("{TOKEN_PREFIX}{}", random_secret()?))
}

/// 32 random bytes from the operating system, URL-safe base64.
pub(crate) fn random_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Internal(format!("no randomness available: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) async fn principal<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: i64,
    name: String,
    role: &str,
) -> Result<Principal> {
    let units = all(c, "SELECT u.code FROM user_units x JOIN units u ON u.id = x.unit_id WHERE x.user_id = $1 ORDER BY u.code", vec![user_id.into()])
        .await?
        .iter()
        .map(|r| code(r, "code"))
        .collect::<Result<_>>()?;
    Ok(Principal {
        name,
        role: role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("users.role `{role}`")))?,
        units,
    })
}

/// Sets one column of a user (`set` uses `$1`), ends the user's sessions, revokes its tokens
/// when `revoke` says so, and records the event, in one transaction.
async fn update_user(
    store: &Store,
    name: &str,
    set: &str,
    value: sea_orm::Value,
    kind: EventKind,
    revoke: bool,
    stamp: &Stamp,
) -> Result<()> {
    let txn = store.write().await?;
    let sql = format!("UPDATE users SET {set}, updated_at = $2 WHERE name = $3");
    if exec(&txn, &sql, vec![value, stamp.at.into(), name.into()]).await? == 0 {
        return Err(StoreError::NotFound(format!("user `{name}`")));
    }
    // Every change to a user (password, disabled) ends the user's browser sessions.
    exec(
        &txn,
        "UPDATE sessions SET ended_at = $1 WHERE ended_at IS NULL \
         AND user_id = (SELECT id FROM users WHERE name = $2)",
        vec![stamp.at.into(), name.into()],
    )
    .await?;
    let revoked = if revoke {
        exec(
            &txn,
            "UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
             AND user_id = (SELECT id FROM users WHERE name = $2)",
            vec![stamp.at.into(), name.into()],
        )
        .await?
    } else {
        0
    };
    let change = AccountChange {
        role: None,
        token: None,
        label: None,
        tokens_revoked: revoke.then_some(revoked),
    };
    append(
        &txn,
        stamp.at,
        &stamp.actor,
        vec![NewEvent::new(kind, name).after(&change)?],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

impl AccountStore for Store {
    async fn add_user(
        &self,
        name: &str,
        role: Role,
        units: &[Code],
        password: Option<&str>,
        stamp: &Stamp,
    ) -> Result<UserRecord> {
        tuijin_core::account::check_new_user(name, role, units)?;
        let hash = password.map(hash_password).transpose()?;
        let now = stamp.at;
        let txn = self.write().await?;
        if one(
            &txn,
            "SELECT id FROM users WHERE name = $1",
            vec![name.into()],
        )
        .await?
        .is_some()
        {
            return Err(StoreError::Conflict(
                Problem::new("name", Rule::UserExists).with("name", name),
            ));
        }
        exec(&txn, "INSERT INTO users (name, role, password_hash, disabled, created_at, updated_at) VALUES ($1, $2, $3, FALSE, $4, $4)",
            vec![name.into(), role.as_str().into(), hash.clone().into(), now.into()]).await?;
        let uid: i64 = get(
            &one(
                &txn,
                "SELECT id FROM users WHERE name = $1",
                vec![name.into()],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("the new user row is missing".into()))?,
            "id",
        )?;
        for u in units {
            let unit = one(
                &txn,
                "SELECT id FROM units WHERE code = $1",
                vec![u.as_str().into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("unit `{u}`")))?;
            exec(
                &txn,
                "INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2)",
                vec![uid.into(), get::<i64>(&unit, "id")?.into()],
            )
            .await?;
        }
        let change = AccountChange {
            role: Some(role),
            token: None,
            label: None,
            tokens_revoked: None,
        };
        append(
            &txn,
            now,
            &stamp.actor,
            vec![NewEvent::new(EventKind::UserAdded, name).after(&change)?],
        )
        .await?;
        txn.commit().await?;
        Ok(UserRecord {
            name: name.into(),
            role,
            units: units.iter().map(|u| u.to_string()).collect(),
            disabled: false,
            has_password: hash.is_some(),
            created_at: now,
        })
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        let rows = all(
            &self.db(),
            "SELECT id, name, role, password_hash, disabled, created_at FROM users ORDER BY name",
            vec![],
        )
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let p = principal(
                &self.db(),
                get(r, "id")?,
                get(r, "name")?,
                &get::<String>(r, "role")?,
            )
            .await?;
            out.push(UserRecord {
                name: p.name,
                role: p.role,
                units: p.units.iter().map(|u| u.to_string()).collect(),
                disabled: get(r, "disabled")?,
                has_password: get::<Option<String>>(r, "password_hash")?.is_some(),
                created_at: get(r, "created_at")?,
            });
        }
        Ok(out)
    }

    async fn set_disabled(&self, name: &str, disabled: bool, stamp: &Stamp) -> Result<()> {
        let kind = if disabled {
            EventKind::UserDisabled
        } else {
            EventKind::UserEnabled
        };
        update_user(
            self,
            name,
            "disabled = $1",
            disabled.into(),
            kind,
            disabled,
            stamp,
        )
        .await
    }

    async fn set_password(&self, name: &str, password: &str, stamp: &Stamp) -> Result<()> {
        let hash = hash_password(password)?;
        // The password's hash is never put in an event.
        update_user(
            self,
            name,
            "password_hash = $1",
            hash.into(),
            EventKind::UserPasswordSet,
            true,
            stamp,
        )
        .await
    }

    async fn verify_password(&self, name: &str, password: &str) -> Result<Option<Principal>> {
        let row = one(
            &self.db(),
            "SELECT id, name, role, password_hash, disabled FROM users WHERE name = $1",
            vec![name.into()],
        )
        .await?;
        let Some(r) = row else {
            // Spend the same effort as a real check, so timing does not tell names apart.
            let _ = Argon2::default().verify_password(password.as_bytes(), DUMMY_HASH);
            return Ok(None);
        };
        let hash: Option<String> = get(&r, "password_hash")?;
        let ok = hash.is_some_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), h.as_str())
                .is_ok()
        });
        if !ok || get::<bool>(&r, "disabled")? {
            return Ok(None);
        }
        Ok(Some(
            principal(
                &self.db(),
                get(&r, "id")?,
                get(&r, "name")?,
                &get::<String>(&r, "role")?,
            )
            .await?,
        ))
    }

    async fn create_token(
        &self,
        user: &str,
        label: &str,
        expires_in_days: Option<u32>,
        stamp: &Stamp,
    ) -> Result<(String, TokenRecord)> {
        tuijin_core::account::check_token_label(label)?;
        let txn = self.write().await?;
        let u = one(
            &txn,
            "SELECT id FROM users WHERE name = $1",
            vec![user.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user `{user}`")))?;
        let token = new_token()?;
        let now = stamp.at;
        let expires = expires_in_days.map(|d| now + Duration::days(i64::from(d)));
        let prefix: String = token.chars().take(10).collect();
        exec(&txn, "INSERT INTO api_tokens (user_id, label, token_hash, prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![get::<i64>(&u, "id")?.into(), label.into(), digest(&token).into(), prefix.clone().into(), now.into(), expires.into()]).await?;
        let id: i64 = get(
            &one(
                &txn,
                "SELECT id FROM api_tokens WHERE token_hash = $1",
                vec![digest(&token).into()],
            )
            .await?
            .ok_or_else(|| StoreError::Internal("the new token row is missing".into()))?,
            "id",
        )?;
        let change = AccountChange {
            role: None,
            token: Some(id),
            label: Some(label),
            tokens_revoked: None,
        };
        append(
            &txn,
            now,
            &stamp.actor,
            vec![NewEvent::new(EventKind::TokenCreated, user).after(&change)?],
        )
        .await?;
        txn.commit().await?;
        Ok((
            token,
            TokenRecord {
                id,
                user: user.into(),
                label: label.into(),
                prefix,
                created_at: now,
                last_used_at: None,
                expires_at: expires,
                revoked_at: None,
            },
        ))
    }

    async fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenRecord>> {
        let (cond, values) = match user {
            Some(u) => (" WHERE u.name = $1", vec![u.into()]),
            None => ("", vec![]),
        };
        let rows = all(&self.db(), &format!("SELECT t.id, t.label, t.prefix, t.created_at, t.last_used_at, t.expires_at, t.revoked_at, u.name AS user_name FROM api_tokens t JOIN users u ON u.id = t.user_id{cond} ORDER BY t.id"), values).await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRecord {
                    id: get(r, "id")?,
                    user: get(r, "user_name")?,
                    label: get(r, "label")?,
                    prefix: get(r, "prefix")?,
                    created_at: get(r, "created_at")?,
                    last_used_at: get(r, "last_used_at")?,
                    expires_at: get(r, "expires_at")?,
                    revoked_at: get(r, "revoked_at")?,
                })
            })
            .collect()
    }

    async fn revoke_token(&self, id: i64, stamp: &Stamp) -> Result<()> {
        let txn = self.write().await?;
        let row = one(
            &txn,
            "SELECT u.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
            vec![id.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("token #{id}")))?;
        exec(
            &txn,
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            vec![stamp.at.into(), id.into()],
        )
        .await?;
        let change = AccountChange {
            role: None,
            token: Some(id),
            label: None,
            tokens_revoked: None,
        };
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![
                NewEvent::new(EventKind::TokenRevoked, get::<String>(&row, "name")?)
                    .after(&change)?,
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn principal_for_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        // The token, its user and the user's units in one statement (one row per unit, or
        // one row with no unit): this runs on every API request.
        let rows = all(
            &self.db(),
            "SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, u.name, u.role, u.disabled, un.code AS unit \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             LEFT JOIN user_units x ON x.user_id = u.id LEFT JOIN units un ON un.id = x.unit_id \
             WHERE t.token_hash = $1 ORDER BY un.code",
            vec![digest(token).into()],
        )
        .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let expired = get::<Option<DateTime<Utc>>>(r, "expires_at")?.is_some_and(|e| e <= now);
        if expired
            || get::<Option<DateTime<Utc>>>(r, "revoked_at")?.is_some()
            || get::<bool>(r, "disabled")?
        {
            return Ok(None);
        }
        // When it was last used is noted at most once a minute, and only when no other write
        // is under way: a request never waits for a bookkeeping write.
        if get::<Option<DateTime<Utc>>>(r, "last_used_at")?
            .is_none_or(|t| now - t > Duration::minutes(1))
            && let Some(txn) = self.try_write().await?
        {
            exec(
                &txn,
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                vec![now.into(), get::<i64>(r, "id")?.into()],
            )
            .await?;
            txn.commit().await?;
        }
        let mut units = Vec::new();
        for row in &rows {
            if get::<Option<String>>(row, "unit")?.is_some() {
                units.push(code(row, "unit")?);
            }
        }
        Ok(Some(Principal {
            name: get(r, "name")?,
            role: named(r, "role")?,
            units,
        }))
    }

    async fn note_refused_token(&self, token: &str, address: &str, stamp: &Stamp) -> Result<()> {
        #[derive(Serialize)]
        struct Refused<'a> {
            address: &'a str,
            /// The first characters, to tell which token it was; never enough to use one.
            prefix: String,
        }
        let user = match one(
            &self.db(),
            "SELECT u.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            vec![digest(token).into()],
        )
        .await?
        {
            Some(r) => get::<String>(&r, "name")?,
            None => "unknown".to_string(),
        };
        let prefix: String = token.chars().take(10).collect();
        let txn = self.write().await?;
        append(
            &txn,
            stamp.at,
            &stamp.actor,
            vec![NewEvent::new(EventKind::TokenRefused, user).after(&Refused { address, prefix })?],
        )
        .await?;
        txn.commit().await
    }
}

/// An argon2id hash of a random string, verified against when the user does not exist.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1kkTPw4MMjqaCKQG2Wm3HgoWN8d+YI0xWDPwTmq6R2E";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_a_real_argon2id_hash() {
        // A wrong password against it fails the same slow way a real check does.
        let r = Argon2::default().verify_password(b"anything at all", DUMMY_HASH);
        assert!(
            matches!(r, Err(argon2::password_hash::Error::PasswordInvalid)),
            "{r:?}"
        );
    }

    #[test]
    fn hashes_verify_and_short_passwords_are_refused() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", h.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse battery", h.as_str())
                .is_err()
        );
        assert!(hash_password("short").is_err());
        assert!(
            hash_password("password1234").is_err(),
            "a breached password"
        );
        let t = new_token().unwrap();
        assert!(t.starts_with(TOKEN_PREFIX) && t.len() == 46, "{t}");
        assert_eq!(digest(&t).len(), 64);
    }
}
