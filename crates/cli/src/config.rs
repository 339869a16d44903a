//! Where the data lives, where to listen, how long sessions last: typed defaults, then the
//! settings file (`--config FILE` or `TUIJIN_CONFIG`), then `TUIJIN_*` environment variables,
//! then flags — each layer over the one before (clap merges the last two).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::Args;
use serde::Deserialize;
use tuijin_store::{Create, DatabaseUrl, Store};

pub const DEFAULT_DATA: &str = "./tuijin-data";

/// The settings file: every key optional; unknown keys are refused (a typo must not be
/// silently ignored). Not `Debug`: it may hold a database password.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
    /// Mark cookies Secure (the site is served over HTTPS).
    pub secure_cookies: Option<bool>,
    /// A browser session unused this long ends.
    pub session_idle_minutes: Option<u32>,
    /// A browser session ends this long after log-in.
    pub session_absolute_hours: Option<u32>,
    /// Below this many MiB free in the data folder, `/healthz` says the storage is degraded.
    pub min_free_mb: Option<u64>,
    /// Folder for scheduled backups (none are made without it).
    pub backup_dir: Option<PathBuf>,
    /// Hours between scheduled backups (default 24).
    pub backup_every_hours: Option<u32>,
    /// Scheduled backups kept; older ones are deleted (default 7).
    pub backup_keep: Option<u32>,
    /// Seconds between the re-evaluations of every plan's warnings (default 900). Servers
    /// sharing one database run each re-evaluation once among them.
    pub warning_refresh_seconds: Option<u32>,
    /// Requests handled at once; more are answered 503 at once (default 1024).
    pub max_in_flight: Option<usize>,
    /// The largest evidence file (佐证材料), in MiB (default 20); one upload's files together
    /// take at most this much.
    pub evidence_max_mb: Option<EvidenceMb>,
    /// Reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto
    /// are believed; from anyone else those headers are ignored.
    pub trusted_proxies: Option<Vec<ProxyEntry>>,
}

/// `evidence_max_mb`, checked as it is read (1 to 1024 MiB) so a bad one is refused at its
/// place in the file.
#[derive(Deserialize, Clone, Copy)]
#[serde(try_from = "u64")]
pub struct EvidenceMb(u64);

impl TryFrom<u64> for EvidenceMb {
    type Error = String;
    fn try_from(mb: u64) -> std::result::Result<Self, String> {
        if (1..=1024).contains(&mb) {
            Ok(EvidenceMb(mb))
        } else {
            Err(format!(
                "evidence_max_mb is {mb}: it must be from 1 to 1024 (MiB)"
            ))
        }
    }
}

/// One entry of `trusted_proxies`, checked as it is read so a bad one is refused at its
/// place in the file.
#[derive(Deserialize, Clone)]
#[serde(try_from = "String")]
pub struct ProxyEntry(String);

impl TryFrom<String> for ProxyEntry {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        tuijin_web::client::TrustedProxies::parse(std::slice::from_ref(&s))?;
        Ok(ProxyEntry(s))
    }
}

impl FileConfig {
    /// Reads a settings file; a bad one is refused with FILE:line:column.
    pub fn read(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the settings file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    (line, col)
                })
                .unwrap_or((1, 1));
            anyhow!("{}:{line}:{col}: {}", path.display(), e.message())
        })
    }

    /// The settings of a running server, over its defaults.
    pub fn apply(&self, st: &mut tuijin_web::AppState) -> Result<()> {
        st.rules = self.session_rules();
        st.secure_cookies = self.secure_cookies.unwrap_or(false);
        if let Some(list) = &self.trusted_proxies {
            let entries: Vec<String> = list.iter().map(|e| e.0.clone()).collect();
            st.trusted_proxies =
                tuijin_web::client::TrustedProxies::parse(&entries).map_err(|e| anyhow!(e))?;
        }
        if let Some(n) = self.max_in_flight {
            st.set_max_in_flight(n);
        }
        if let Some(mb) = self.min_free_mb {
            st.min_free_bytes = mb * 1024 * 1024;
        }
        if let Some(EvidenceMb(mb)) = self.evidence_max_mb {
            st.evidence_max = mb * 1024 * 1024;
        }
        if let Some(m) = self.warning_refresh_seconds {
            st.warning_refresh = std::time::Duration::from_secs(u64::from(m.max(1)));
        }
        if let Some(dir) = &self.backup_dir {
            st.backups = Some(tuijin_web::jobs::BackupPlan {
                dir: dir.clone(),
                every: std::time::Duration::from_secs(
                    3600 * u64::from(self.backup_every_hours.unwrap_or(24).max(1)),
                ),
                keep: self.backup_keep.unwrap_or(7).max(1) as usize,
            });
        }
        Ok(())
    }

    /// Session lifetimes, over the defaults.
    pub fn session_rules(&self) -> tuijin_core::policy::SessionRules {
        let mut r = tuijin_core::policy::SessionRules::default();
        if let Some(m) = self.session_idle_minutes {
            r.idle = chrono::Duration::minutes(i64::from(m.max(1)));
        }
        if let Some(h) = self.session_absolute_hours {
            r.absolute = chrono::Duration::hours(i64::from(h.max(1)));
        }
        r
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEMO_BIND: &str = "127.0.0.1:8080";

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Settings file (TOML): data, database_url, bind, secure_cookies, session_idle_minutes,
    /// session_absolute_hours, min_free_mb, backup_dir, backup_every_hours, backup_keep,
    /// warning_refresh_seconds, max_in_flight, evidence_max_mb, trusted_proxies.
    /// Environment variables and flags override it.
    #[arg(long, env = "TUIJIN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data folder (holds the SQLite database unless a database URL is given) [default: ./tuijin-data].
    #[arg(long = "data", env = "TUIJIN_DATA")]
    pub data: Option<PathBuf>,
    /// Database URL: postgres://user:password@host/db selects PostgreSQL; sqlite://FILE a SQLite file.
    #[arg(long, env = "TUIJIN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Create the data folder and a new, empty database when none exists there (without it, a
    /// missing database is an error: a mistyped --data must not become a new empty server).
    #[arg(long)]
    pub init: bool,
}

impl DbArgs {
    /// The settings file, or the defaults when none is given.
    pub fn file(&self) -> Result<FileConfig> {
        match &self.config {
            Some(p) => FileConfig::read(p),
            None => Ok(FileConfig::default()),
        }
    }

    pub fn url(&self) -> Result<DatabaseUrl> {
        let file = self.file()?;
        let url = self
            .database_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            // A data folder given by flag or environment beats a URL from the file.
            .or_else(|| file.database_url.clone().filter(|_| self.data.is_none()))
            .filter(|u| !u.trim().is_empty());
        match url {
            Some(u) => Ok(DatabaseUrl::parse(&u)?),
            None => {
                let data = self
                    .data
                    .clone()
                    .or(file.data)
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
                Ok(DatabaseUrl::in_data_dir(&data))
            }
        }
    }

    /// Opens the database: it must exist unless `--init` is given.
    pub async fn open(&self) -> Result<Store> {
        self.open_with(if self.init {
            Create::IfMissing
        } else {
            Create::Never
        })
        .await
    }

    pub async fn open_with(&self, create: Create) -> Result<Store> {
        let url = self.url()?;
        Store::open_with(&url, create)
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
        let file = self.db.file()?;
        let s = self
            .bind
            .clone()
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_string());
        s.parse()
            .with_context(|| format!("--bind `{s}` is not an address like 127.0.0.1:8080"))
    }
}

pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date; write YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_lifetimes_come_from_the_file_over_the_defaults() {
        let f: FileConfig =
            toml::from_str("session_idle_minutes = 20\nsecure_cookies = true\n").unwrap();
        let r = f.session_rules();
        assert_eq!(r.idle, chrono::Duration::minutes(20));
        assert_eq!(r.absolute, chrono::Duration::hours(12), "the default stays");
        assert_eq!(f.secure_cookies, Some(true));
    }

    #[test]
    fn an_evidence_limit_out_of_range_is_refused_at_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tuijin.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:1\"\nevidence_max_mb = 0\n").unwrap();
        let Err(e) = FileConfig::read(&path) else {
            panic!("a zero limit was taken")
        };
        let e = e.to_string();
        assert!(
            e.contains("tuijin.toml:2:") && e.contains("1 to 1024"),
            "{e}"
        );
        std::fs::write(&path, "evidence_max_mb = 50\n").unwrap();
        let f = FileConfig::read(&path).unwrap();
        assert_eq!(f.evidence_max_mb.map(|m| m.0), Some(50));
    }

    #[test]
    fn a_bad_trusted_proxy_is_refused_at_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tuijin.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:1\"\ntrusted_proxies = [\"10.0.0.5\", \"proxy.example\"]\n",
        )
        .unwrap();
        let Err(e) = FileConfig::read(&path) else {
            panic!("a host name was taken for an address")
        };
        let e = e.to_string();
        assert!(e.contains("tuijin.toml:2:"), "{e}");
        assert!(e.contains("proxy.example"), "{e}");
        std::fs::write(&path, "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n").unwrap();
        assert!(FileConfig::read(&path).is_ok());
    }
}
