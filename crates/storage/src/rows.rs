//! What every table's row mapping shares: times as the database keeps
//! them (UTC, without a zone) and the error of a row that cannot be read
//! back into the domain.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::StorageError;

/// A time as a column keeps it.
pub(crate) fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// A column's time, in UTC as it was written.
pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A stored value that cannot be read: `what` names the column, `detail`
/// what was found there.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::corrupt(what, detail)
}
