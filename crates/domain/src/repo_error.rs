//! How a store of record fails, as every port of the domain reports it. The
//! kind decides what a caller is told: only an unavailable database is worth
//! trying again (a 503 with Retry-After); a corrupt row is our fault (a 500,
//! logged with the row's key and counted), never a reason to retry.

/// A failure of a repository (the order book, the catalog, payments…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// The database cannot be reached, has no free connection, or gave up
    /// on the statement (a lost connection, a lock it waited too long for).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A write met another one (a unique key taken meanwhile).
    #[error("storage conflict: {0}")]
    Conflict(String),
    /// A stored row cannot be read back: a bug or a hand edit. `row` names
    /// it (`table` and key, or the column that failed).
    #[error("corrupt row {row}: {detail}")]
    Corrupt { row: String, detail: String },
    /// Anything else the database refused (a constraint our code broke).
    #[error("storage failed: {0}")]
    Failed(String),
}

impl RepoError {
    /// Worth trying again later.
    pub const fn is_unavailable(&self) -> bool {
        matches!(self, RepoError::Unavailable(_))
    }
}
