//! Payment attempts and the refunds owed, on both backends. Settling a
//! payment and its consequence for the order (paid, or a refund queued) is
//! one transaction.

use ::payments::receipt::Receipt;
use ::payments::status::OnSuccess;
use ::payments::{Payment, PaymentMethod, PaymentRepo, PaymentStatus, RefundDue};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{Currency, Money, OrderId};
use orders::{Action, RepoError};

use crate::error::reported;
use crate::rows::{corrupt, naive};
use crate::schema::{payment_refunds, payments};
use crate::{AnyConnection, Database, StorageError, with_conn};

const REFUND_PENDING: &str = "pending";
const REFUND_DONE: &str = "done";

#[derive(Clone, Debug)]
pub struct DbPaymentRepo {
    db: Database,
}

impl DbPaymentRepo {
    pub fn new(db: Database) -> Self {
        DbPaymentRepo { db }
    }

    /// How many refunds are in each state (for the metrics).
    pub fn refund_count_by_state(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StorageError> {
        Ok(payment_refunds::table
            .group_by(payment_refunds::state)
            .select((payment_refunds::state, diesel::dsl::count_star()))
            .load::<(String, i64)>(conn)?)
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = payments)]
struct PaymentRow {
    id: String,
    gateway: String,
    order_id: String,
    amount_minor: i64,
    currency: String,
    status: String,
    confirmation_url: Option<String>,
    details: String,
    return_url: String,
    idempotence_key: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    method: String,
    receipt: Option<String>,
}

/// The payment's receipt; `None` also once retention erased its contact.
fn receipt_from(text: Option<&str>) -> Result<Option<Receipt>, StorageError> {
    let Some(text) = text else { return Ok(None) };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| corrupt("payments.receipt", text))?;
    if ::payments::receipt::is_erased(&value) {
        return Ok(None);
    }
    ::payments::receipt::from_stored(&value).map(Some).ok_or_else(|| corrupt("payments.receipt", text))
}

impl PaymentRow {
    fn from_domain(p: &Payment) -> Self {
        PaymentRow {
            id: p.id.clone(),
            gateway: p.gateway.clone(),
            order_id: p.order_id.to_string(),
            amount_minor: p.amount.minor(),
            currency: p.amount.currency().code().to_owned(),
            status: p.status.as_str().to_owned(),
            confirmation_url: p.confirmation_url.clone(),
            details: p.details.to_string(),
            return_url: p.return_url.clone(),
            idempotence_key: p.idempotence_key.clone(),
            created_at: naive(p.created_at),
            updated_at: naive(p.updated_at),
            method: p.method.as_str().to_owned(),
            receipt: p.receipt.as_ref().map(|r| ::payments::receipt::to_stored(r).to_string()),
        }
    }

    fn into_domain(self) -> Result<Payment, StorageError> {
        let key = format!("payments {}", self.id);
        self.read().map_err(|e| e.of_row(&key))
    }

    fn read(self) -> Result<Payment, StorageError> {
        let currency: Currency = self.currency.parse().map_err(|e| corrupt("payments.currency", e))?;
        Ok(Payment {
            status: PaymentStatus::parse(&self.status)
                .ok_or_else(|| corrupt("payments.status", &self.status))?,
            order_id: OrderId::new(self.order_id).map_err(|e| corrupt("payments.order_id", e))?,
            method: PaymentMethod::parse(&self.method)
                .ok_or_else(|| corrupt("payments.method", &self.method))?,
            receipt: receipt_from(self.receipt.as_deref())?,
            amount: Money::from_minor(self.amount_minor, currency),
            details: serde_json::from_str(&self.details).map_err(|e| corrupt("payments.details", e))?,
            id: self.id,
            gateway: self.gateway,
            confirmation_url: self.confirmation_url,
            return_url: self.return_url,
            idempotence_key: self.idempotence_key,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

pub(crate) fn load(c: &mut AnyConnection, id: &str) -> Result<Option<Payment>, StorageError> {
    let row: Option<PaymentRow> =
        payments::table.find(id).select(PaymentRow::as_select()).first(c).optional()?;
    row.map(PaymentRow::into_domain).transpose()
}

/// Queues the refund of one succeeded payment, once: a cancel and a
/// settle racing on PostgreSQL meet on the key, not in a count.
fn queue_refund(c: &mut AnyConnection, payment: &Payment, at: NaiveDateTime) -> QueryResult<()> {
    let refund = (
        payment_refunds::payment_id.eq(&payment.id),
        payment_refunds::amount_minor.eq(payment.amount.minor()),
        payment_refunds::currency.eq(payment.amount.currency().code()),
        payment_refunds::state.eq(REFUND_PENDING),
        payment_refunds::created_at.eq(at),
        payment_refunds::updated_at.eq(at),
    );
    with_conn!(c, |c| diesel::insert_into(payment_refunds::table)
        .values(refund)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The refunds of every succeeded payment of an order being cancelled.
pub(crate) fn queue_refunds_of_order(
    c: &mut AnyConnection,
    order_id: &str,
    at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let rows: Vec<PaymentRow> = payments::table
        .filter(payments::order_id.eq(order_id))
        .filter(payments::status.eq(PaymentStatus::Succeeded.as_str()))
        .select(PaymentRow::as_select())
        .load(c)?;
    for row in rows {
        queue_refund(c, &row.into_domain()?, naive(at))?;
    }
    Ok(())
}

fn settle(
    c: &mut AnyConnection,
    id: &str,
    reported: PaymentStatus,
    at: DateTime<Utc>,
) -> Result<Option<Payment>, StorageError> {
    let Some(mut payment) = lock(c, id)? else {
        return Ok(None);
    };
    let Some(to) = ::payments::status::follow(payment.status, reported) else {
        return Ok(Some(payment));
    };
    payment.status = to;
    payment.updated_at = at;
    diesel::update(payments::table.find(id))
        .set((payments::status.eq(to.as_str()), payments::updated_at.eq(naive(at))))
        .execute(c)?;
    if to == PaymentStatus::Succeeded {
        let order = crate::order_repo::load(c, payment.order_id.as_str())?;
        let refund = match ::payments::status::on_success(order.map(|o| o.status)) {
            OnSuccess::PayOrder => {
                match crate::order_repo::apply(c, payment.order_id.as_str(), Action::Pay, at) {
                    Ok(_) => false,
                    Err(crate::order_repo::ApplyFailure::Storage(e)) => return Err(e),
                    // Refused by the order's state machine: moved meanwhile.
                    Err(_) => true,
                }
            }
            OnSuccess::Refund => true,
        };
        if refund {
            queue_refund(c, &payment, naive(at))?;
        }
    }
    Ok(Some(payment))
}
/// The payment, locked until the transaction ends: two settles of one
/// payment (a notification and a finish) take turns on PostgreSQL; a SQLite
/// transaction holds the write lock already.
fn lock(c: &mut AnyConnection, id: &str) -> Result<Option<Payment>, StorageError> {
    let row: Option<PaymentRow> = match c {
        AnyConnection::Sqlite(_) => return load(c, id),
        AnyConnection::Postgres(c) => {
            payments::table.find(id).select(PaymentRow::as_select()).for_update().first(c).optional()?
        }
    };
    row.map(PaymentRow::into_domain).transpose()
}

#[async_trait]
impl PaymentRepo for DbPaymentRepo {
    async fn attempts(&self, order: &OrderId) -> Result<Vec<Payment>, RepoError> {
        let order = order.to_string();
        self.db
            .run(move |conn| {
                let rows: Vec<PaymentRow> = payments::table
                    .filter(payments::order_id.eq(&order))
                    .order((payments::created_at, payments::idempotence_key))
                    .select(PaymentRow::as_select())
                    .load(conn)?;
                rows.into_iter().map(PaymentRow::into_domain).collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(reported)
    }

    async fn insert(&self, payment: &Payment) -> Result<bool, RepoError> {
        let row = PaymentRow::from_domain(payment);
        self.db
            .run(move |conn| {
                let inserted = with_conn!(conn, |c| diesel::insert_into(payments::table)
                    .values(&row)
                    .on_conflict_do_nothing()
                    .execute(c))?;
                Ok::<_, StorageError>(inserted == 1)
            })
            .await
            .map_err(reported)
    }

    async fn open_payments(
        &self,
        gateway: &str,
        since: DateTime<Utc>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>, RepoError> {
        let (gateway, since, after) =
            (gateway.to_owned(), naive(since), after.unwrap_or_default().to_owned());
        let open = [PaymentStatus::Pending.as_str(), PaymentStatus::WaitingForCapture.as_str()];
        self.db
            .run(move |conn| {
                Ok::<_, StorageError>(
                    payments::table
                        .filter(payments::gateway.eq(&gateway))
                        .filter(payments::status.eq_any(open))
                        .filter(payments::created_at.ge(since))
                        .filter(payments::id.gt(&after))
                        .order(payments::id)
                        .limit(limit)
                        .select(payments::id)
                        .load::<String>(conn)?,
                )
            })
            .await
            .map_err(reported)
    }

    async fn get(&self, id: &str) -> Result<Option<Payment>, RepoError> {
        let id = id.to_owned();
        self.db.run(move |conn| load(conn, &id)).await.map_err(reported)
    }

    async fn settle(
        &self,
        id: &str,
        reported: PaymentStatus,
        at: DateTime<Utc>,
    ) -> Result<Option<Payment>, RepoError> {
        let id = id.to_owned();
        self.db
            .run(move |conn| conn.write_transaction(|c| settle(c, &id, reported, at)))
            .await
            .map_err(crate::error::reported)
    }

    async fn claim_due_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<RefundDue>, RepoError> {
        let (now, claimed_until) = (naive(now), naive(claimed_until));
        self.db
            .run(move |conn| {
                let rows = conn.write_transaction(|c| {
                    let due = payment_refunds::table
                        .filter(payment_refunds::state.eq(REFUND_PENDING))
                        .filter(
                            payment_refunds::next_attempt_at
                                .is_null()
                                .or(payment_refunds::next_attempt_at.le(now)),
                        )
                        .order(payment_refunds::created_at)
                        .limit(limit)
                        .select(payment_refunds::payment_id);
                    // PostgreSQL passes over what another instance is
                    // claiming this moment; a SQLite write is exclusive.
                    let ids: Vec<String> = match c {
                        AnyConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
                        AnyConnection::Sqlite(_) => due.load(c)?,
                    };
                    diesel::update(payment_refunds::table.filter(payment_refunds::payment_id.eq_any(&ids)))
                        .set(payment_refunds::next_attempt_at.eq(claimed_until))
                        .execute(c)?;
                    payment_refunds::table
                        .inner_join(payments::table)
                        .filter(payment_refunds::payment_id.eq_any(&ids))
                        .order(payment_refunds::created_at)
                        .select((
                            payment_refunds::payment_id,
                            payment_refunds::amount_minor,
                            payment_refunds::currency,
                            payment_refunds::attempts,
                            payments::receipt,
                        ))
                        .load::<(String, i64, String, i32, Option<String>)>(c)
                })?;
                rows.into_iter()
                    .map(|(payment_id, minor, currency, attempts, receipt)| {
                        let currency: Currency =
                            currency.parse().map_err(|e| corrupt("payment_refunds.currency", e))?;
                        Ok(RefundDue {
                            payment_id,
                            amount: Money::from_minor(minor, currency),
                            attempts,
                            receipt: receipt_from(receipt.as_deref())?,
                        })
                    })
                    .collect::<Result<Vec<_>, StorageError>>()
            })
            .await
            .map_err(reported)
    }

    async fn refunded(&self, payment_id: &str, refund_id: &str, at: DateTime<Utc>) -> Result<(), RepoError> {
        let (payment_id, refund_id) = (payment_id.to_owned(), refund_id.to_owned());
        self.db
            .run(move |conn| {
                diesel::update(payment_refunds::table.find(&payment_id))
                    .set((
                        payment_refunds::state.eq(REFUND_DONE),
                        payment_refunds::gateway_refund_id.eq(&refund_id),
                        payment_refunds::attempts.eq(payment_refunds::attempts + 1),
                        payment_refunds::updated_at.eq(naive(at)),
                    ))
                    .execute(conn)?;
                Ok::<_, StorageError>(())
            })
            .await
            .map_err(reported)
    }

    async fn refund_failed(
        &self,
        payment_id: &str,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let (payment_id, error) = (payment_id.to_owned(), error.to_owned());
        self.db
            .run(move |conn| {
                diesel::update(payment_refunds::table.find(&payment_id))
                    .set((
                        payment_refunds::attempts.eq(payment_refunds::attempts + 1),
                        payment_refunds::last_error.eq(&error),
                        payment_refunds::next_attempt_at.eq(naive(next)),
                        payment_refunds::updated_at.eq(naive(next)),
                    ))
                    .execute(conn)?;
                Ok::<_, StorageError>(())
            })
            .await
            .map_err(reported)
    }
}
