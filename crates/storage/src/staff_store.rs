//! Staff accounts and the audit trail on the database. The rules
//! (roles, passwords, the lock-out) are `identity::staff`'s; this keeps
//! accounts and carries a sign-in's outcome out.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::RepoError;
use identity::staff::{AuditEntry, PasswordCheck, Role, SignIn, StaffAccount, StaffStore};

use crate::error::reported;
use crate::rows::corrupt;
use crate::schema::{staff_accounts, staff_audit, staff_sessions};
use crate::{AnyConnection, Database, StorageError, with_conn};

/// Staff accounts, sessions and the audit trail: the console's
/// [`StaffStore`], and the account management `merchantctl staff` does on a
/// connection of its own.
#[derive(Clone, Debug)]
pub struct DbStaff {
    db: Database,
}

/// An account as every read selects it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = staff_accounts)]
struct AccountRow {
    login: String,
    name: String,
    role: String,
    stores: String,
    disabled: bool,
}

fn account(row: AccountRow) -> Result<StaffAccount, StorageError> {
    Ok(StaffAccount {
        role: Role::parse(&row.role).ok_or_else(|| corrupt("staff_accounts.role", &row.role))?,
        stores: serde_json::from_str(&row.stores).map_err(|e| corrupt("staff_accounts.stores", e))?,
        login: row.login,
        name: row.name,
        disabled: row.disabled,
    })
}

impl DbStaff {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Adds an account; `false` when the login is taken.
    pub fn create(
        conn: &mut AnyConnection,
        account: &StaffAccount,
        password_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let stores = serde_json::to_string(&account.stores).unwrap_or_else(|_| "[]".into());
        let inserted = with_conn!(conn, |c| diesel::insert_into(staff_accounts::table)
            .values((
                staff_accounts::login.eq(&account.login),
                staff_accounts::name.eq(&account.name),
                staff_accounts::role.eq(account.role.as_str()),
                staff_accounts::stores.eq(&stores),
                staff_accounts::password_hash.eq(password_hash),
                staff_accounts::disabled.eq(account.disabled),
                staff_accounts::failures.eq(0),
                staff_accounts::locked_until.eq(None::<NaiveDateTime>),
                staff_accounts::created_at.eq(at.naive_utc()),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(inserted == 1)
    }

    pub fn list(conn: &mut AnyConnection) -> Result<Vec<StaffAccount>, StorageError> {
        let rows: Vec<AccountRow> =
            staff_accounts::table.order(staff_accounts::login).select(AccountRow::as_select()).load(conn)?;
        rows.into_iter().map(account).collect()
    }

    /// Disables (or enables) an account; `false` when there is none.
    pub fn set_disabled(conn: &mut AnyConnection, login: &str, disabled: bool) -> Result<bool, StorageError> {
        let changed = diesel::update(staff_accounts::table.find(login))
            .set(staff_accounts::disabled.eq(disabled))
            .execute(conn)?;
        Ok(changed == 1)
    }

    /// Sets a new password hash, lifts a lock and ends the account's
    /// sessions (a password is reset because the old one may be known:
    /// whoever signed in with it is out); `false` when there is no such
    /// account.
    pub fn set_password(
        conn: &mut AnyConnection,
        login: &str,
        password_hash: &str,
    ) -> Result<bool, StorageError> {
        conn.write_transaction(|c| {
            let changed = diesel::update(staff_accounts::table.find(login))
                .set((
                    staff_accounts::password_hash.eq(password_hash),
                    staff_accounts::failures.eq(0),
                    staff_accounts::locked_until.eq(None::<NaiveDateTime>),
                ))
                .execute(c)?;
            diesel::delete(staff_sessions::table.filter(staff_sessions::login.eq(login))).execute(c)?;
            Ok(changed == 1)
        })
    }

    /// A sign-in: the password checked by `matches` (the domain's) against
    /// the account's hash, or against none for an unknown login (`None`:
    /// the domain does the same work either way). Throttling is the
    /// caller's (`identity::staff::sign_in_limits`), never a lock on the
    /// account.
    pub fn sign_in(
        conn: &mut AnyConnection,
        login: &str,
        matches: impl Fn(Option<&str>) -> bool,
    ) -> Result<SignIn, StorageError> {
        let row: Option<(AccountRow, String)> = staff_accounts::table
            .find(login)
            .select((AccountRow::as_select(), staff_accounts::password_hash))
            .first(conn)
            .optional()?;
        let Some((found, hash)) = row else {
            matches(None);
            return Ok(SignIn::Refused);
        };
        if matches(Some(&hash)) && !found.disabled {
            Ok(SignIn::Accepted(account(found)?))
        } else {
            Ok(SignIn::Refused)
        }
    }

    /// Opens a session for `login`: the cookie token's hash and the
    /// session's CSRF token, until `expires_at`.
    pub fn open_session(
        conn: &mut AnyConnection,
        token_hash: &str,
        login: &str,
        csrf: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        diesel::insert_into(staff_sessions::table)
            .values((
                staff_sessions::token_hash.eq(token_hash),
                staff_sessions::login.eq(login),
                staff_sessions::csrf.eq(csrf),
                staff_sessions::created_at.eq(now.naive_utc()),
                staff_sessions::expires_at.eq(expires_at.naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The account and CSRF token of a live session of an enabled account.
    pub fn session(
        conn: &mut AnyConnection,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(StaffAccount, String)>, StorageError> {
        let row: Option<(AccountRow, String)> = staff_sessions::table
            .inner_join(staff_accounts::table)
            .filter(staff_sessions::token_hash.eq(token_hash))
            .filter(staff_sessions::expires_at.gt(now.naive_utc()))
            .filter(staff_accounts::disabled.eq(false))
            .select((AccountRow::as_select(), staff_sessions::csrf))
            .first(conn)
            .optional()?;
        row.map(|(account_row, csrf)| Ok((account(account_row)?, csrf))).transpose()
    }

    /// Ends a session (sign-out); ending one that is gone is no error.
    pub fn close_session(conn: &mut AnyConnection, token_hash: &str) -> Result<(), StorageError> {
        diesel::delete(staff_sessions::table.find(token_hash)).execute(conn)?;
        Ok(())
    }

    /// Records who did what (to which order).
    pub fn audit(conn: &mut AnyConnection, entry: &AuditEntry) -> Result<(), StorageError> {
        diesel::insert_into(staff_audit::table)
            .values((
                staff_audit::at.eq(entry.at.naive_utc()),
                staff_audit::login.eq(&entry.login),
                staff_audit::action.eq(&entry.action),
                staff_audit::order_ref.eq(&entry.order_ref),
                staff_audit::detail.eq(&entry.detail),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The trail of an order (all of it when `None`), oldest first.
    pub fn audit_trail(
        conn: &mut AnyConnection,
        order_ref: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        type Row = (NaiveDateTime, String, String, Option<String>, String);
        let rows: Vec<Row> = {
            let mut query = staff_audit::table.into_boxed();
            if let Some(order) = order_ref {
                query = query.filter(staff_audit::order_ref.eq(order.to_owned()));
            }
            query
                .order(staff_audit::id)
                .limit(limit)
                .select((
                    staff_audit::at,
                    staff_audit::login,
                    staff_audit::action,
                    staff_audit::order_ref,
                    staff_audit::detail,
                ))
                .load(conn)?
        };
        Ok(rows
            .into_iter()
            .map(|(at, login, action, order_ref, detail)| AuditEntry {
                at: at.and_utc(),
                login,
                action,
                order_ref,
                detail,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl StaffStore for DbStaff {
    async fn sign_in(&self, login: &str, matches: PasswordCheck) -> Result<SignIn, RepoError> {
        let login = login.to_owned();
        self.db.run(move |conn| Self::sign_in(conn, &login, matches)).await.map_err(reported)
    }

    async fn open_session(
        &self,
        token_hash: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
        entry: &AuditEntry,
    ) -> Result<(), RepoError> {
        let (token_hash, csrf, entry) = (token_hash.to_owned(), csrf.to_owned(), entry.clone());
        self.db
            .run(move |conn| {
                conn.write_transaction(|c| {
                    Self::open_session(c, &token_hash, &entry.login, &csrf, entry.at, expires_at)?;
                    Self::audit(c, &entry)
                })
            })
            .await
            .map_err(reported)
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(StaffAccount, String)>, RepoError> {
        let token_hash = token_hash.to_owned();
        self.db.run(move |conn| Self::session(conn, &token_hash, now)).await.map_err(reported)
    }

    async fn close_session(&self, token_hash: &str) -> Result<(), RepoError> {
        let token_hash = token_hash.to_owned();
        self.db.run(move |conn| Self::close_session(conn, &token_hash)).await.map_err(reported)
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), RepoError> {
        let entry = entry.clone();
        self.db.run(move |conn| Self::audit(conn, &entry)).await.map_err(reported)
    }

    async fn audit_trail(&self, order_ref: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>, RepoError> {
        let order_ref = order_ref.map(str::to_owned);
        self.db.run(move |conn| Self::audit_trail(conn, order_ref.as_deref(), limit)).await.map_err(reported)
    }
}
