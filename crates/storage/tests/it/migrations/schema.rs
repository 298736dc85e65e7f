//! `src/schema.rs` is written by hand: this checks it against what the
//! migrations make, on both backends — every table, every column, its type
//! and whether it may be NULL. A stale `schema.rs` fails here (tested
//! below with one made stale on purpose).

use std::collections::BTreeMap;

use diesel::RunQueryDsl;
use diesel::sql_types::{Integer, Text};
use storage::testing::TestDatabase;
use storage::{AnyConnection, Backend, DbConn};

/// A column as `schema.rs` or the database has it: its diesel type
/// (`Text`, `BigInt`, …) and whether it is nullable.
type Columns = BTreeMap<String, BTreeMap<String, (String, bool)>>;

/// The tables of a `schema.rs` text.
fn declared(schema: &str) -> Columns {
    let mut tables = Columns::new();
    let mut rest = schema;
    while let Some(at) = rest.find("diesel::table! {") {
        rest = &rest[at + "diesel::table! {".len()..];
        let end = rest.find("\n}").unwrap_or(rest.len());
        let block = &rest[..end];
        let name =
            block.trim_start().split(|c: char| c == '(' || c.is_whitespace()).next().unwrap_or_default();
        let mut columns = BTreeMap::new();
        for line in block.lines().filter(|l| l.contains("->")) {
            let (column, ty) = line.split_once("->").unwrap();
            let ty = ty.trim().trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            columns.insert(column.trim().to_owned(), (ty.to_owned(), nullable));
        }
        tables.insert(name.to_owned(), columns);
        rest = &rest[end..];
    }
    tables
}

#[derive(diesel::QueryableByName)]
struct DbColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

/// The diesel type a database column reads as.
fn diesel_type(backend: Backend, data_type: &str) -> &'static str {
    match (backend, data_type.to_ascii_lowercase().as_str()) {
        (_, "text") => "Text",
        (_, "bigint") => "BigInt",
        (Backend::Postgres, "integer") => "Integer",
        // SQLite's INTEGER is 64-bit: diesel reads it as either.
        (Backend::Sqlite, "integer") => "Integer|BigInt",
        (_, "boolean") => "Bool",
        (Backend::Postgres, "timestamp without time zone") | (Backend::Sqlite, "timestamp") => "Timestamp",
        (_, "double precision" | "real" | "double") => "Double",
        (Backend::Postgres, "bytea") | (Backend::Sqlite, "blob") => "Binary",
        _ => "?",
    }
}

/// The tables the migrations made, as `schema.rs` would declare them.
fn actual(conn: &mut DbConn) -> Columns {
    let backend = conn.backend();
    let rows: Vec<DbColumn> = match &mut **conn {
        AnyConnection::Postgres(c) => diesel::sql_query(
            "SELECT table_name::text, column_name::text, data_type::text, \
                    CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() \
               AND table_name <> '__diesel_schema_migrations'",
        )
        .load(c)
        .unwrap(),
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                    CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT IN ('__diesel_schema_migrations', 'sqlite_sequence')",
        )
        .load(c)
        .unwrap(),
    };
    let mut tables = Columns::new();
    for row in rows {
        tables
            .entry(row.table_name)
            .or_default()
            .insert(row.column_name, (diesel_type(backend, &row.data_type).to_owned(), row.nullable == 1));
    }
    tables
}

/// Tables one backend has and `schema.rs` leaves out on purpose: read by
/// SQL of their own (SQLite's stand-in for a PostgreSQL sequence).
const BACKEND_ONLY: [&str; 1] = ["stock_sequence"];

/// What differs between `schema.rs` and the database.
fn differences(declared: &Columns, actual: &Columns) -> Vec<String> {
    let mut problems = Vec::new();
    for table in actual.keys().filter(|t| !declared.contains_key(*t) && !BACKEND_ONLY.contains(&t.as_str())) {
        problems.push(format!("table {table} is not in schema.rs"));
    }
    for (table, columns) in declared {
        let Some(real) = actual.get(table) else {
            problems.push(format!("table {table} of schema.rs does not exist"));
            continue;
        };
        for column in real.keys().filter(|c| !columns.contains_key(*c)) {
            problems.push(format!("{table}.{column} is not in schema.rs"));
        }
        for (column, (ty, nullable)) in columns {
            match real.get(column) {
                None => problems.push(format!("{table}.{column} of schema.rs does not exist")),
                Some((real_ty, real_nullable)) => {
                    if !real_ty.split('|').any(|t| t == ty) {
                        problems
                            .push(format!("{table}.{column}: schema.rs says {ty}, the database {real_ty}"));
                    }
                    if nullable != real_nullable {
                        problems.push(format!("{table}.{column}: nullable is {nullable} in schema.rs, {real_nullable} in the database"));
                    }
                }
            }
        }
    }
    problems
}

const SCHEMA_RS: &str = include_str!("../../../src/schema.rs");

#[test]
fn schema_rs_is_what_the_migrations_make_on_both_backends() {
    let declared = declared(SCHEMA_RS);
    assert!(declared.len() > 20, "schema.rs was read: {:?}", declared.keys());
    for t in TestDatabase::each_backend_migrated() {
        let actual = actual(&mut t.db.get().unwrap());
        let problems = differences(&declared, &actual);
        assert!(problems.is_empty(), "{}: schema.rs is stale:\n{}", t.db.backend(), problems.join("\n"));
    }
}

#[test]
fn a_stale_schema_rs_is_caught() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let actual = actual(&mut t.db.get().unwrap());
    let missing_column = SCHEMA_RS.replacen("        due_at -> Nullable<Timestamp>,\n", "", 1);
    let wrong_type = SCHEMA_RS.replacen("        attempts -> Integer,", "        attempts -> Text,", 1);
    let not_nullable = SCHEMA_RS.replacen("due_at -> Nullable<Timestamp>", "due_at -> Timestamp", 1);
    let extra_table =
        format!("{SCHEMA_RS}\ndiesel::table! {{\n    ghosts (id) {{\n        id -> Text,\n    }}\n}}\n");
    for (stale, what) in [
        (missing_column, "due_at is not in schema.rs"),
        (wrong_type, "attempts: schema.rs says Text"),
        (not_nullable, "due_at: nullable"),
        (extra_table, "ghosts of schema.rs does not exist"),
    ] {
        let problems = differences(&declared(&stale), &actual);
        assert!(problems.iter().any(|p| p.contains(what)), "{what}: {problems:?}");
    }
}
