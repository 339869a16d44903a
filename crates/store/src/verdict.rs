//! What is known of a SQLite file's pages, and when they are checked (`pages.rs` checks them;
//! `db.rs` keeps the verdict for every writer to wait on). Apart so that neither of those two
//! modules needs the other's types.

/// When a SQLite file's pages are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageCheck {
    /// Before opening returns, up to `CHECK_FIRST_UP_TO`; in the background beyond it.
    BySize,
    /// Before opening returns, whatever the size.
    First,
    /// In the background, whatever the size (writers wait for the verdict).
    Background,
}

/// What is known of the file's pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pages {
    /// The check is still running; writers wait.
    Checking,
    /// The check passed (or there is nothing to check: PostgreSQL looks after its own pages).
    Sound,
    /// The check found damage: what it found. Nothing more is written.
    Damaged(String),
}

impl Pages {
    /// The word `/healthz` reports.
    pub fn word(&self) -> &'static str {
        match self {
            Pages::Checking => "checking",
            Pages::Sound => "sound",
            Pages::Damaged(_) => "damaged",
        }
    }
}
