//! Storage errors, typed so the web layer can map each to its HTTP answer.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    /// The caller may not do this (a unit reporting on another unit's item).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The caller's copy is out of date: it read version `expected`, the current one is
    /// `current`.
    #[error("stale: version {expected} was changed; the current version is {current}")]
    Stale { expected: i64, current: i64 },
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
