//! Storage errors, typed by meaning so the web layer answers each the one right way: the
//! caller's mistake (a rule's refusal, with its fields), a missing record, a stale copy, the
//! storage being unable to take the request now (disk full, database unreachable), or the
//! system itself being wrong (a stored value that cannot be read back, an unexpected database
//! error). Only the first kinds carry text meant for the caller.

use sea_orm::{DbErr, RuntimeErr};
use tuijin_core::problem::{Problem, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was asked for does not exist (`item \`E1.1\` in plan \`zz\``).
    #[error("{0} not found")]
    NotFound(String),
    /// The caller's input breaks rules: every problem, each with its field.
    #[error("invalid: {}", Refusal::Invalid(.0.clone()))]
    Invalid(Vec<Problem>),
    /// A plan document breaks the plan rules: every problem with its place in the document.
    #[error("invalid plan: {} problem(s)", .0.len())]
    PlanInvalid(Vec<tuijin_core::PlanProblem>),
    /// The record's state forbids the change now.
    #[error("conflict: {}", Refusal::Conflict(.0.clone()))]
    Conflict(Problem),
    /// The caller may not do this to this record.
    #[error("forbidden: {}", Refusal::Forbidden(.0.clone()))]
    Forbidden(Problem),
    /// The caller's copy is out of date: it read version `expected`, the current one is
    /// `current`.
    #[error("stale: version {expected} was changed; the current version is {current}")]
    Stale { expected: i64, current: i64 },
    /// The storage cannot take the request now; nothing was written. Retrying later may work.
    #[error("storage unavailable: {0}")]
    Unavailable(Unavailable),
    /// A stored value cannot be read back as what it should be: the database holds something
    /// no version of Tuijin wrote.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Anything else the system did not expect (a database error, no randomness).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why the storage cannot take a request now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("disk full")]
    DiskFull,
    #[error("the database is read-only")]
    ReadOnly,
    #[error("input/output error")]
    Io,
    #[error("cannot reach the database")]
    Connection,
    #[error("busy: other writers held the database too long")]
    Busy,
    #[error("overloaded: too many requests are waiting to write")]
    Overloaded,
    #[error("the database file is damaged")]
    Damaged,
    /// A large SQLite file's pages are still being checked after the start (`pages.rs`):
    /// nothing is written before the verdict.
    #[error("the database file is still being checked after the start")]
    Checking,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<Refusal> for StoreError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(v) => StoreError::Invalid(v),
            Refusal::Conflict(p) => StoreError::Conflict(p),
            Refusal::Forbidden(p) => StoreError::Forbidden(p),
        }
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match classify(&e) {
            Some(u) => StoreError::Unavailable(u),
            None => StoreError::Internal(e.to_string()),
        }
    }
}

impl StoreError {
    /// A single problem the caller must fix.
    pub fn invalid(p: Problem) -> StoreError {
        StoreError::Invalid(vec![p])
    }

    /// True for a storage failure after which a connection must not be used again.
    pub fn is_storage_failure(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable(
                Unavailable::DiskFull
                    | Unavailable::ReadOnly
                    | Unavailable::Io
                    | Unavailable::Connection
                    | Unavailable::Damaged
            )
        )
    }
}

/// Whether a database error means the storage cannot serve now (and which way), rather than a
/// mistake in a statement. SQLite reports (extended) result codes, PostgreSQL SQLSTATEs.
pub(crate) fn classify(e: &DbErr) -> Option<Unavailable> {
    let sqlx = match e {
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        DbErr::ConnectionAcquire(_) => return Some(Unavailable::Connection),
        DbErr::Conn(_) => return Some(Unavailable::Connection),
        _ => return None,
    };
    use sea_orm::sqlx::Error as X;
    match sqlx {
        X::Io(_)
        | X::Tls(_)
        | X::Protocol(_)
        | X::PoolTimedOut
        | X::PoolClosed
        | X::WorkerCrashed => Some(Unavailable::Connection),
        X::Database(d) => {
            let code = d.code()?;
            if let Ok(n) = code.parse::<i64>() {
                // SQLite: the primary code is the low byte of the extended one.
                return match n & 0xff {
                    5 | 6 => Some(Unavailable::Busy),      // SQLITE_BUSY, SQLITE_LOCKED
                    8 => Some(Unavailable::ReadOnly),      // SQLITE_READONLY
                    10 => Some(Unavailable::Io),           // SQLITE_IOERR
                    11 | 26 => Some(Unavailable::Damaged), // SQLITE_CORRUPT, SQLITE_NOTADB
                    13 => Some(Unavailable::DiskFull),     // SQLITE_FULL
                    14 => Some(Unavailable::Io),           // SQLITE_CANTOPEN
                    _ => None,
                };
            }
            match code.as_ref() {
                "53100" => Some(Unavailable::DiskFull), // disk_full
                c if c.starts_with("53") => Some(Unavailable::Busy), // insufficient resources
                c if c.starts_with("08") => Some(Unavailable::Connection), // connection exception
                "57P01" | "57P02" | "57P03" => Some(Unavailable::Connection), // shutting down
                "25006" => Some(Unavailable::ReadOnly), // read_only_sql_transaction
                "58030" => Some(Unavailable::Io),       // io_error
                "XX001" | "XX002" => Some(Unavailable::Damaged), // data/index corrupted
                _ => None,
            }
        }
        _ => None,
    }
}
