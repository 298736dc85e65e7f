//! `schema_info`: facts about the database itself.

use diesel::prelude::*;

use crate::schema::schema_info;
use crate::{DbConn, StorageError, write_transaction};

/// Key under which the database's random installation id is kept.
pub const INSTALLATION_ID: &str = "installation_id";

pub fn get(conn: &mut DbConn, key: &str) -> Result<Option<String>, StorageError> {
    let value = crate::with_conn!(conn, |c| schema_info::table
        .find(key)
        .select(schema_info::value)
        .first::<String>(c)
        .optional())?;
    Ok(value)
}

/// Stores `value` under `key` unless a value is there already; returns the
/// value that is stored afterwards. Safe against concurrent callers.
pub fn get_or_insert(conn: &mut DbConn, key: &str, value: &str) -> Result<String, StorageError> {
    let now = chrono::Utc::now().naive_utc();
    write_transaction!(conn, |c| {
        diesel::insert_into(schema_info::table)
            .values((
                schema_info::key.eq(key),
                schema_info::value.eq(value),
                schema_info::updated_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c)?;
        schema_info::table
            .find(key)
            .select(schema_info::value)
            .first::<String>(c)
            .map_err(StorageError::from)
    })
}
