//! `tuijin user …` and `tuijin token …`: accounts from the command line.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use tuijin_core::Code;
use tuijin_core::policy::Role;
use tuijin_store::AccountStore;

use crate::config::DbArgs;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        name: String,
        /// admin, office, leader or unit.
        #[arg(long)]
        role: String,
        /// A unit the user reports for (unit users; repeat for several).
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List users.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable a user: their sessions and tokens stop working.
    Disable {
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Enable a disabled user again.
    Enable {
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password, read from standard input.
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (shown once; stored hashed).
    Create {
        /// The user the token acts as.
        name: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires: Option<u32>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List tokens with their last use.
    List {
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token by id.
    Revoke {
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn read_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading the password from standard input")?;
    let pw = s.lines().next().unwrap_or("").to_string();
    if pw.is_empty() {
        bail!("no password on standard input");
    }
    Ok(pw)
}

pub async fn user(cmd: UserCommand) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            name,
            role,
            units,
            password_stdin,
            db,
        } => {
            let role = Role::parse(&role)
                .filter(|r| *r != Role::Public)
                .with_context(|| format!("--role `{role}`: use admin, office, leader or unit"))?;
            let units = units
                .iter()
                .map(|u| Code::parse(u).with_context(|| format!("--unit `{u}`")))
                .collect::<Result<Vec<_>>>()?;
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let store = db.open().await?;
            let u = store
                .add_user(
                    &name,
                    role,
                    &units,
                    password.as_deref(),
                    &cli(&store).await?,
                )
                .await?;
            out!(
                "user {} added as {}{}",
                u.name,
                u.role.as_str(),
                if u.units.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", u.units.join(", "))
                }
            );
            if !u.has_password {
                out!(
                    "  no password set: it can use API tokens only (tuijin token create {})",
                    u.name
                );
            }
        }
        UserCommand::List { db } => {
            for u in db.open().await?.list_users().await? {
                out!(
                    "{:<20} {:<7} {:<20} {}{}",
                    u.name,
                    u.role.as_str(),
                    u.units.join(","),
                    if u.disabled { "disabled" } else { "active" },
                    if u.has_password { "" } else { ", no password" }
                );
            }
        }
        UserCommand::Disable { name, db } => {
            {
                let store = db.open().await?;
                let stamp = cli(&store).await?;
                store.set_disabled(&name, true, &stamp).await?;
            }
            out!("user {name} disabled");
        }
        UserCommand::Enable { name, db } => {
            {
                let store = db.open().await?;
                let stamp = cli(&store).await?;
                store.set_disabled(&name, false, &stamp).await?;
            }
            out!("user {name} enabled");
        }
        UserCommand::ResetPassword {
            name,
            password_stdin,
            db,
        } => {
            if !password_stdin {
                bail!("pass the new password on standard input with --password-stdin");
            }
            let pw = read_password()?;
            {
                let store = db.open().await?;
                let stamp = cli(&store).await?;
                store.set_password(&name, &pw, &stamp).await?;
            }
            out!("password of {name} changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn token(cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Create {
            name,
            label,
            expires,
            db,
        } => {
            let store = db.open().await?;
            let (token, rec) = store
                .create_token(&name, &label, expires, &cli(&store).await?)
                .await?;
            eprintln!(
                "token #{} for {} ({}); it is shown only now:",
                rec.id, rec.user, rec.label
            );
            out!("{token}");
        }
        TokenCommand::List { user, db } => {
            for t in db.open().await?.list_tokens(user.as_deref()).await? {
                let state = if t.revoked_at.is_some() {
                    "revoked".to_string()
                } else {
                    t.expires_at
                        .map(|e| format!("expires {}", e.date_naive()))
                        .unwrap_or_else(|| "no expiry".into())
                };
                let used = t
                    .last_used_at
                    .map(|u| u.to_rfc3339())
                    .unwrap_or_else(|| "never used".into());
                out!(
                    "#{:<4} {:<16} {:<12} {}…  {state}, {used}",
                    t.id,
                    t.user,
                    t.label,
                    t.prefix
                );
            }
        }
        TokenCommand::Revoke { id, db } => {
            {
                let store = db.open().await?;
                let stamp = cli(&store).await?;
                store.revoke_token(id, &stamp).await?;
            }
            out!("token #{id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The stamp of a change made from the command line, now by the database's clock (a demo
/// database's simulated date).
async fn cli(store: &tuijin_store::Store) -> Result<tuijin_core::clock::Stamp> {
    Ok(store
        .clock()
        .await?
        .stamp("cli", tuijin_core::clock::DEFAULT_TZ))
}
