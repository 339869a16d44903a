//! Where the data lives and where to listen: flags over environment over defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tuijin_store::{DatabaseUrl, Store};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEMO_BIND: &str = "127.0.0.1:8080";

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Data folder (holds the SQLite database unless --database-url is given).
    #[arg(long = "data", env = "TUIJIN_DATA", default_value = "./tuijin-data")]
    pub data: PathBuf,
    /// Database URL: postgres://user:password@host/db selects PostgreSQL; sqlite://FILE a SQLite file.
    #[arg(long, env = "TUIJIN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn url(&self) -> Result<DatabaseUrl> {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => Ok(DatabaseUrl::parse(u)?),
            _ => Ok(DatabaseUrl::in_data_dir(&self.data)),
        }
    }

    pub async fn open(&self) -> Result<Store> {
        let url = self.url()?;
        Store::open(&url)
            .await
            .with_context(|| format!("opening the database {url}"))
    }
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "TUIJIN_BIND")]
    pub bind: Option<String>,
}

impl ServeArgs {
    pub fn bind(&self) -> Result<SocketAddr> {
        let s = self.bind.as_deref().unwrap_or(DEFAULT_BIND);
        s.parse()
            .with_context(|| format!("--bind `{s}` is not an address like 127.0.0.1:8080"))
    }
}

pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date; write YYYY-MM-DD"))
}
