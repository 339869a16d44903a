//! Storage errors, typed so the web layer can map each to its HTTP answer.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
