//! The database URL, parsed once at the edge into exactly the backends we support.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where the data lives. An unknown scheme is refused at start-up with a clear message.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// One SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server; the URL may carry a password, so `Debug` and `Display` hide it.
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    #[error(
        "unsupported database URL scheme `{0}`: use postgres://user:password@host/db or sqlite://path/to/file.db"
    )]
    Scheme(String),
    #[error("the database URL is empty")]
    Empty,
}

impl DatabaseUrl {
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(UrlError::Empty);
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(s.to_string()));
        }
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() {
                return Err(UrlError::Empty);
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        let scheme = s.split(':').next().unwrap_or(s).to_string();
        Err(UrlError::Scheme(scheme))
    }

    /// The SQLite file of a data folder.
    pub fn in_data_dir(dir: &Path) -> Self {
        DatabaseUrl::Sqlite(dir.join("tuijin.db"))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Postgres(url) => {
                // Hide a password: postgres://user:secret@host → postgres://user:***@host
                match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if at > s => {
                        let creds = &url[s + 3..at];
                        let user = creds.split(':').next().unwrap_or("");
                        write!(f, "{}://{user}:***@{}", &url[..s], &url[at + 1..])
                    }
                    _ => f.write_str(url),
                }
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://x/t.db"),
            Ok(DatabaseUrl::Sqlite("x/t.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@h/d"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("mysql://h/d"),
            Err(UrlError::Scheme("mysql".into()))
        );
        assert_eq!(DatabaseUrl::parse(" "), Err(UrlError::Empty));
    }

    #[test]
    fn password_hidden() {
        let u = DatabaseUrl::parse("postgres://tuijin:secret@127.0.0.1:5432/db").unwrap();
        assert_eq!(u.to_string(), "postgres://tuijin:***@127.0.0.1:5432/db");
        assert!(!format!("{u:?}").contains("secret"));
    }
}
