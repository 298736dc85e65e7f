use crate::url::UrlError;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid database URL: {0}")]
    Url(#[from] UrlError),
    /// `target` is the redacted URL: passwords never reach an error message.
    #[error("cannot open the database {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("no database connection available: {0}")]
    Pool(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// A stored row that cannot be read back into the domain.
    #[error("corrupt row {row}: {detail}")]
    Corrupt { row: String, detail: String },
    #[error("database task failed: {0}")]
    Task(String),
}

/// How many corrupt rows were met since the start (`storage_corrupt_rows_total`).
pub static CORRUPT_ROWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl StorageError {
    /// A row that cannot be read: `row` names it (a table and key, or the
    /// column that failed), `detail` what was found.
    pub fn corrupt(row: impl std::fmt::Display, detail: impl std::fmt::Display) -> StorageError {
        StorageError::Corrupt { row: row.to_string(), detail: detail.to_string() }
    }

    /// A corrupt column named by the row it is in: `payments sbx_… (payments.status)`.
    #[must_use]
    pub fn of_row(self, key: &str) -> StorageError {
        match self {
            StorageError::Corrupt { row, detail } => {
                StorageError::Corrupt { row: format!("{key} ({row})"), detail }
            }
            other => other,
        }
    }

    /// A unique or primary-key constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StorageError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// What a port's caller is told: only what may pass is `Unavailable`.
/// A classification only: logging and counting a corrupt row is
/// [`reported`]'s, done once where a port answers.
impl From<&StorageError> for domain::RepoError {
    fn from(e: &StorageError) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error as Diesel};
        use domain::RepoError;
        match e {
            StorageError::Corrupt { row, detail } => {
                RepoError::Corrupt { row: row.clone(), detail: detail.clone() }
            }
            StorageError::Query(Diesel::DeserializationError(detail)) => {
                RepoError::Corrupt { row: "(unnamed)".into(), detail: detail.to_string() }
            }
            StorageError::Query(Diesel::DatabaseError(Kind::UniqueViolation, _)) => {
                RepoError::Conflict(e.to_string())
            }
            StorageError::Query(
                Diesel::DatabaseError(
                    Kind::ForeignKeyViolation | Kind::NotNullViolation | Kind::CheckViolation,
                    _,
                )
                | Diesel::SerializationError(_)
                | Diesel::QueryBuilderError(_)
                // A row the code was sure of is not there: a bug or a
                // concurrent delete, not a database to wait for.
                | Diesel::NotFound,
            )
            | StorageError::Migration(_)
            | StorageError::Url(_) => RepoError::Failed(e.to_string()),
            // Lost connections, locks waited out, serialization failures,
            // an exhausted pool, a restarting server: try again.
            _ => RepoError::Unavailable(e.to_string()),
        }
    }
}

/// What a port answers for `e`: classified as [`domain::RepoError`], and a
/// corrupt row logged with its key and counted (`CORRUPT_ROWS`). Every
/// port's storage failure passes here once, on its way out.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(reported)`
pub(crate) fn reported(e: StorageError) -> domain::RepoError {
    let answer = domain::RepoError::from(&e);
    if let domain::RepoError::Corrupt { row, detail } = &answer {
        CORRUPT_ROWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(row, %detail, "a stored row cannot be read");
    }
    answer
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind as Kind, Error as Diesel};
    use domain::RepoError;

    use super::*;

    fn database(kind: Kind, message: &str) -> StorageError {
        StorageError::Query(Diesel::DatabaseError(kind, Box::new(message.to_owned())))
    }

    #[test]
    fn only_what_may_pass_is_unavailable() {
        // (failure, what the caller is told)
        let cases: Vec<(StorageError, &str)> = vec![
            (StorageError::Pool("timed out waiting for a connection".into()), "unavailable"),
            (StorageError::Connect { target: "db".into(), reason: "refused".into() }, "unavailable"),
            (StorageError::Task("cancelled".into()), "unavailable"),
            (database(Kind::ClosedConnection, "server closed the connection"), "unavailable"),
            (database(Kind::SerializationFailure, "could not serialize access"), "unavailable"),
            (database(Kind::Unknown, "database is locked"), "unavailable"),
            (database(Kind::Unknown, "relation \"orders\" does not exist"), "unavailable"),
            (database(Kind::UniqueViolation, "duplicate key"), "conflict"),
            (database(Kind::ForeignKeyViolation, "no such store"), "failed"),
            (database(Kind::NotNullViolation, "null sku"), "failed"),
            (StorageError::Query(Diesel::NotFound), "failed"),
            (StorageError::Migration("bad".into()), "failed"),
            (StorageError::corrupt("payments sbx_1 (payments.status)", "bogus"), "corrupt"),
            (StorageError::Query(Diesel::DeserializationError("bad utf-8".into())), "corrupt"),
        ];
        for (failure, told) in cases {
            let got = match RepoError::from(&failure) {
                RepoError::Unavailable(_) => "unavailable",
                RepoError::Conflict(_) => "conflict",
                RepoError::Corrupt { .. } => "corrupt",
                RepoError::Failed(_) => "failed",
            };
            assert_eq!(got, told, "{failure}");
        }
    }

    #[test]
    fn a_corrupt_row_is_named_by_its_key_and_counted_when_reported_not_when_classified() {
        let count = || CORRUPT_ROWS.load(std::sync::atomic::Ordering::Relaxed);
        let failure = StorageError::corrupt("payments.status", "bogus").of_row("payments sbx_1");
        let expected =
            RepoError::Corrupt { row: "payments sbx_1 (payments.status)".into(), detail: "bogus".into() };
        let before = count();
        // Telling what it is has no effect: asked twice, counted never.
        assert_eq!(RepoError::from(&failure), expected);
        assert_eq!(RepoError::from(&failure), expected);
        assert_eq!(count(), before, "classifying counts nothing");
        assert_eq!(reported(failure), expected);
        assert_eq!(count(), before + 1, "reporting counts it once");
        assert_eq!(
            StorageError::Pool("x".into()).of_row("k").to_string(),
            "no database connection available: x"
        );
    }
}
