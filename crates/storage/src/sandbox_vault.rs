//! The sandbox bank's payments in the database (`payments::SandboxVault`):
//! one row per payment, its state as JSON, unique by idempotence key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use payments::{GatewayError, SandboxAccount, SandboxVault};
use serde_json::{Value, json};

use crate::schema::sandbox_payments;
use crate::{Database, StorageError};

#[derive(Clone, Debug)]
pub struct DbSandboxVault {
    db: Database,
}

impl DbSandboxVault {
    pub fn new(db: Database) -> Self {
        DbSandboxVault { db }
    }
}

fn to_json(a: &SandboxAccount) -> String {
    json!({
        "status": a.status, "amountMinor": a.amount_minor, "currency": a.currency,
        "returnUrl": a.return_url, "refunded": a.refunded, "method": a.method,
        "receipt": a.receipt, "refundReceipt": a.refund_receipt,
        "checkAt": a.check.as_ref().map(|(at, _)| at.to_rfc3339()),
        "checkStatus": a.check.as_ref().map(|(_, s)| s.clone()),
        "payBefore": a.pay_before.map(|t| t.to_rfc3339()),
    })
    .to_string()
}

fn from_json(id: String, text: &str) -> Option<SandboxAccount> {
    let v: Value = serde_json::from_str(text).ok()?;
    let check_at = v["checkAt"].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    Some(SandboxAccount {
        id,
        status: v["status"].as_str()?.to_owned(),
        amount_minor: v["amountMinor"].as_i64()?,
        currency: v["currency"].as_str()?.to_owned(),
        return_url: v["returnUrl"].as_str().unwrap_or_default().to_owned(),
        refunded: v["refunded"].as_bool().unwrap_or(false),
        method: v["method"].as_str().unwrap_or("page").to_owned(),
        receipt: Some(v["receipt"].clone()).filter(|r| !r.is_null()),
        refund_receipt: Some(v["refundReceipt"].clone()).filter(|r| !r.is_null()),
        check: check_at.zip(v["checkStatus"].as_str()).map(|(at, s)| (at.with_timezone(&Utc), s.to_owned())),
        pay_before: v["payBefore"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
    })
}

fn unavailable(e: &StorageError) -> GatewayError {
    GatewayError::Unavailable(format!("the sandbox's payments cannot be read: {e}"))
}

#[async_trait]
impl SandboxVault for DbSandboxVault {
    async fn load(&self, id: &str) -> Result<Option<SandboxAccount>, GatewayError> {
        let id = id.to_owned();
        self.db
            .run(move |conn| {
                let row: Option<String> = sandbox_payments::table
                    .find(&id)
                    .select(sandbox_payments::account)
                    .first(conn)
                    .optional()?;
                Ok::<_, StorageError>(row.and_then(|text| from_json(id.clone(), &text)))
            })
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn by_key(&self, key: &str) -> Result<Option<String>, GatewayError> {
        let key = key.to_owned();
        self.db
            .run(move |conn| {
                Ok::<_, StorageError>(
                    sandbox_payments::table
                        .filter(sandbox_payments::idempotence_key.eq(&key))
                        .select(sandbox_payments::id)
                        .first(conn)
                        .optional()?,
                )
            })
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn insert(&self, key: &str, account: &SandboxAccount) -> Result<bool, GatewayError> {
        let (key, id, text) = (key.to_owned(), account.id.clone(), to_json(account));
        let inserted = self
            .db
            .run(move |conn| {
                Ok::<_, StorageError>(
                    diesel::insert_into(sandbox_payments::table)
                        .values((
                            sandbox_payments::id.eq(&id),
                            sandbox_payments::idempotence_key.eq(&key),
                            sandbox_payments::account.eq(&text),
                        ))
                        .execute(conn)?,
                )
            })
            .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(unavailable(&e)),
        }
    }

    async fn save(&self, account: &SandboxAccount) -> Result<(), GatewayError> {
        let (id, text) = (account.id.clone(), to_json(account));
        self.db
            .run(move |conn| {
                diesel::update(sandbox_payments::table.find(&id))
                    .set(sandbox_payments::account.eq(&text))
                    .execute(conn)?;
                Ok::<_, StorageError>(())
            })
            .await
            .map_err(|e| unavailable(&e))
    }
}
