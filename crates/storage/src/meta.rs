//! `schema_info`: facts about the database itself.

use diesel::prelude::*;

use crate::schema::schema_info;
use crate::{AnyConnection, StorageError, with_conn};

/// Key under which the database's random installation id is kept.
pub const INSTALLATION_ID: &str = "installation_id";

pub fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StorageError> {
    let value = schema_info::table.find(key).select(schema_info::value).first::<String>(conn).optional()?;
    Ok(value)
}

/// Stores `value` under `key` unless a value is there already; returns the
/// value that is stored afterwards. Safe against concurrent callers.
pub fn get_or_insert(conn: &mut AnyConnection, key: &str, value: &str) -> Result<String, StorageError> {
    let now = chrono::Utc::now().naive_utc();
    conn.write_transaction(|c| {
        let row = (schema_info::key.eq(key), schema_info::value.eq(value), schema_info::updated_at.eq(now));
        with_conn!(c, |c| diesel::insert_into(schema_info::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        schema_info::table.find(key).select(schema_info::value).first::<String>(c).map_err(StorageError::from)
    })
}

#[derive(diesel::QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The database engine's own version string, for diagnostics.
pub fn server_version(conn: &mut AnyConnection) -> Result<String, StorageError> {
    let row = match conn {
        AnyConnection::Sqlite(c) => {
            diesel::sql_query("SELECT 'SQLite ' || sqlite_version() AS value").get_result::<TextRow>(c)?
        }
        AnyConnection::Postgres(c) => {
            diesel::sql_query("SELECT version() AS value").get_result::<TextRow>(c)?
        }
    };
    Ok(row.value)
}

/// SQLite only: the pragmas every connection must carry, as `name=value`.
pub fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<Vec<String>, StorageError> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(Vec::new());
    };
    ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"]
        .into_iter()
        .map(|name| {
            // The table-valued function's one column is named after the
            // pragma, except busy_timeout's ("timeout").
            let column = name.trim_start_matches("busy_");
            let row = diesel::sql_query(format!("SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"))
                .get_result::<TextRow>(c)?;
            Ok(format!("{name}={}", row.value))
        })
        .collect()
}
