//! `identity::IdentityStore` on the database.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::RepoError;
use domain::UserId;
use identity::token::IssuedToken;
use identity::{
    ClientRecord, ExternalProfile, FailureStore, FailureWindow, IdentityStore, NewUser, Provider,
    StoredAccessToken, StoredClient, UserStatus,
};

use crate::error::reported;
use crate::rows::{corrupt, utc};
use crate::schema::{access_tokens, auth_failures, mcp_clients, user_identities, users};
use crate::{AnyConnection, Database, StorageError, with_conn};

#[derive(Clone, Debug)]
pub struct DbIdentityStore {
    db: Database,
}

impl DbIdentityStore {
    pub fn new(db: Database) -> Self {
        DbIdentityStore { db }
    }
}

/// Everything a login writes, owned so it can move to the blocking pool.
struct LoginRows {
    provider: &'static str,
    subject: String,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    new_user: NewUser,
    token_id: String,
    secret_hash: String,
    expires_at: NaiveDateTime,
}

fn login_once(conn: &mut AnyConnection, rows: &LoginRows) -> Result<(String, UserStatus), StorageError> {
    let now = Utc::now().naive_utc();
    conn.write_transaction(|c| {
        let known = user_identities::table
            .find((rows.provider, &rows.subject))
            .select(user_identities::user_id)
            .first::<String>(c)
            .optional()?;
        let (user_id, status) = if let Some(user_id) = known {
            diesel::update(user_identities::table.find((rows.provider, &rows.subject)))
                .set(user_identities::last_login_at.eq(now))
                .execute(c)?;
            // What the provider says now (a new phone or email) is where the
            // next receipt goes; what it no longer says is kept.
            let known: (Option<String>, Option<String>, Option<String>) =
                users::table.find(&user_id).select((users::name, users::phone, users::email)).first(c)?;
            let fresh = (
                rows.name.clone().or(known.0.clone()),
                rows.phone.clone().or(known.1.clone()),
                rows.email.clone().or(known.2.clone()),
            );
            if fresh != known {
                diesel::update(users::table.find(&user_id))
                    .set((users::name.eq(&fresh.0), users::phone.eq(&fresh.1), users::email.eq(&fresh.2)))
                    .execute(c)?;
            }
            (user_id, UserStatus::Authorized)
        } else {
            let user_id = rows.new_user.id.as_str().to_owned();
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(&user_id),
                    users::name.eq(&rows.name),
                    users::phone.eq(&rows.phone),
                    users::email.eq(&rows.email),
                    users::created_at.eq(now),
                ))
                .execute(c)?;
            diesel::insert_into(user_identities::table)
                .values((
                    user_identities::provider.eq(rows.provider),
                    user_identities::subject.eq(&rows.subject),
                    user_identities::user_id.eq(&user_id),
                    user_identities::created_at.eq(now),
                    user_identities::last_login_at.eq(now),
                ))
                .execute(c)?;
            (user_id, rows.new_user.status)
        };
        diesel::insert_into(access_tokens::table)
            .values((
                access_tokens::id.eq(&rows.token_id),
                access_tokens::user_id.eq(&user_id),
                access_tokens::secret_hash.eq(&rows.secret_hash),
                access_tokens::created_at.eq(now),
                access_tokens::expires_at.eq(rows.expires_at),
            ))
            .execute(c)?;
        Ok::<_, StorageError>((user_id, status))
    })
}

#[async_trait]
impl IdentityStore for DbIdentityStore {
    async fn login(
        &self,
        provider: Provider,
        profile: &ExternalProfile,
        new_user: NewUser,
        token: &IssuedToken,
        expires_at: DateTime<Utc>,
    ) -> Result<(UserId, UserStatus), RepoError> {
        let rows = LoginRows {
            provider: provider.as_str(),
            subject: profile.subject.clone(),
            name: profile.name.clone(),
            phone: profile.phone.clone(),
            email: profile.email.clone(),
            new_user,
            token_id: token.id.clone(),
            secret_hash: token.secret_hash.clone(),
            expires_at: expires_at.naive_utc(),
        };
        let (user_id, status) = self
            .db
            .run(move |conn| {
                // Two first logins of one person may race on PostgreSQL; the
                // loser hits the identity's primary key and, on retry, finds
                // the winner's user.
                match login_once(conn, &rows) {
                    Err(e) if e.is_unique_violation() => login_once(conn, &rows),
                    other => other,
                }
            })
            .await
            .map_err(reported)?;
        Ok((UserId::new(user_id).map_err(|e| reported(corrupt("users.id", e)))?, status))
    }

    async fn access_token(&self, id: &str) -> Result<Option<StoredAccessToken>, RepoError> {
        let id = id.to_owned();
        self.db
            .run(move |conn| {
                let row = access_tokens::table
                    .find(&id)
                    .select((
                        access_tokens::user_id,
                        access_tokens::secret_hash,
                        access_tokens::expires_at,
                        access_tokens::revoked_at,
                    ))
                    .first::<(String, String, NaiveDateTime, Option<NaiveDateTime>)>(conn)
                    .optional()?;
                row.map(|(user_id, secret_hash, expires_at, revoked_at)| {
                    Ok(StoredAccessToken {
                        user_id: UserId::new(user_id)
                            .map_err(|_| corrupt("access_tokens.user_id", "unreadable"))?,
                        secret_hash,
                        expires_at: utc(expires_at),
                        revoked: revoked_at.is_some(),
                    })
                })
                .transpose()
            })
            .await
            .map_err(reported)
    }

    async fn create_client(&self, name: &str, token: &IssuedToken) -> Result<(), RepoError> {
        let (name, id, hash) = (name.to_owned(), token.id.clone(), token.secret_hash.clone());
        let shown_name = name.clone();
        let result = self
            .db
            .run(move |conn| {
                let now = Utc::now().naive_utc();
                diesel::insert_into(mcp_clients::table)
                    .values((
                        mcp_clients::id.eq(&id),
                        mcp_clients::name.eq(&name),
                        mcp_clients::secret_hash.eq(&hash),
                        mcp_clients::created_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok::<_, StorageError>(())
            })
            .await;
        match result {
            Err(e) if e.is_unique_violation() => Err(RepoError::Conflict(format!(
                "an active client named {shown_name:?} exists; revoke it first"
            ))),
            other => other.map_err(reported),
        }
    }

    async fn client(&self, id: &str) -> Result<Option<StoredClient>, RepoError> {
        let id = id.to_owned();
        self.db
            .run(move |conn| {
                let row = mcp_clients::table
                    .find(&id)
                    .select((
                        mcp_clients::id,
                        mcp_clients::name,
                        mcp_clients::secret_hash,
                        mcp_clients::revoked_at,
                    ))
                    .first::<(String, String, String, Option<NaiveDateTime>)>(conn)
                    .optional()?;
                Ok::<_, StorageError>(row.map(|(id, name, secret_hash, revoked_at)| StoredClient {
                    id,
                    name,
                    secret_hash,
                    revoked: revoked_at.is_some(),
                }))
            })
            .await
            .map_err(reported)
    }

    async fn list_clients(&self) -> Result<Vec<ClientRecord>, RepoError> {
        self.db
            .run(|conn| {
                let rows = mcp_clients::table
                    .order((mcp_clients::created_at, mcp_clients::id))
                    .select((
                        mcp_clients::id,
                        mcp_clients::name,
                        mcp_clients::created_at,
                        mcp_clients::revoked_at,
                    ))
                    .load::<(String, String, NaiveDateTime, Option<NaiveDateTime>)>(conn)?;
                Ok::<_, StorageError>(
                    rows.into_iter()
                        .map(|(id, name, created_at, revoked_at)| ClientRecord {
                            id,
                            name,
                            created_at: utc(created_at),
                            revoked_at: revoked_at.map(utc),
                        })
                        .collect(),
                )
            })
            .await
            .map_err(reported)
    }

    async fn revoke_client(&self, id_or_name: &str) -> Result<bool, RepoError> {
        let key = id_or_name.to_owned();
        self.db
            .run(move |conn| {
                let now = Utc::now().naive_utc();
                let changed = diesel::update(
                    mcp_clients::table
                        .filter(mcp_clients::id.eq(&key).or(mcp_clients::name.eq(&key)))
                        .filter(mcp_clients::revoked_at.is_null()),
                )
                .set(mcp_clients::revoked_at.eq(now))
                .execute(conn)?;
                Ok::<_, StorageError>(changed > 0)
            })
            .await
            .map_err(reported)
    }
}

/// A window as stored: its start in epoch milliseconds, so two instances
/// comparing it compare the same value on either backend.
fn window_from_row((started_ms, failures): (i64, i32)) -> Result<FailureWindow, StorageError> {
    let started = DateTime::from_timestamp_millis(started_ms)
        .ok_or_else(|| corrupt("auth_failures.started_ms", "unreadable"))?;
    let failures = u32::try_from(failures).map_err(|_| corrupt("auth_failures.failures", "unreadable"))?;
    Ok(FailureWindow { started, failures })
}

fn window_to_row(w: FailureWindow) -> (i64, i32) {
    (w.started.timestamp_millis(), i32::try_from(w.failures).unwrap_or(i32::MAX))
}

#[async_trait]
impl FailureStore for DbIdentityStore {
    async fn failure_window(&self, key: &str) -> Result<Option<FailureWindow>, RepoError> {
        let key = key.to_owned();
        self.db
            .run(move |conn| {
                let row: Option<(i64, i32)> = auth_failures::table
                    .find(&key)
                    .select((auth_failures::started_ms, auth_failures::failures))
                    .first(conn)
                    .optional()?;
                row.map(window_from_row).transpose()
            })
            .await
            .map_err(reported)
    }

    async fn replace_failure_window(
        &self,
        key: &str,
        expected: Option<FailureWindow>,
        next: FailureWindow,
    ) -> Result<bool, RepoError> {
        let key = key.to_owned();
        let (started_ms, failures) = window_to_row(next);
        self.db
            .run(move |conn| {
                let written = match expected.map(window_to_row) {
                    None => with_conn!(conn, |c| diesel::insert_into(auth_failures::table)
                        .values((
                            auth_failures::key.eq(&key),
                            auth_failures::started_ms.eq(started_ms),
                            auth_failures::failures.eq(failures),
                        ))
                        .on_conflict_do_nothing()
                        .execute(c))?,
                    Some((was_started, was_failures)) => diesel::update(
                        auth_failures::table
                            .find(&key)
                            .filter(auth_failures::started_ms.eq(was_started))
                            .filter(auth_failures::failures.eq(was_failures)),
                    )
                    .set((auth_failures::started_ms.eq(started_ms), auth_failures::failures.eq(failures)))
                    .execute(conn)?,
                };
                Ok::<_, StorageError>(written == 1)
            })
            .await
            .map_err(reported)
    }
}
