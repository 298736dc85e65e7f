//! Paying an MCP order: start an attempt (`/payment/init`), learn how it
//! ended (`/payment/finish`, a gateway notification, the sandbox page), and
//! give the money back when a paid order is cancelled.

use std::sync::Arc;

use domain::{Clock, OrderId, SkuId, UserId, VatRate};
use orders::{Order, OrderRepo, OrderStatus, RepoError};

use crate::model::{Payment, PaymentMethod, PaymentStatus};
use crate::ports::{GatewayError, NewPayment, PaymentGateway, PaymentRepo, ReceiptFacts};
use crate::receipt::{self, Receipt, ReceiptError, ReceiptInputs};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PaymentError {
    /// No such order or payment, or not the caller's (indistinguishable on
    /// purpose).
    #[error("no such order or payment")]
    NotFound,
    #[error("the order is paid already")]
    AlreadyPaid,
    #[error("the payment gateway does not offer {0}")]
    MethodNotOffered(PaymentMethod),
    #[error("the order cannot be paid: {0}")]
    OrderClosed(&'static str),
    /// The 54-FZ receipt the gateway needs cannot be built: says what is
    /// missing.
    #[error("no receipt can be made for the order: {0}")]
    Receipt(#[from] ReceiptError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The payment use cases over a gateway, the payment store and the order book.
#[derive(Clone, Debug)]
pub struct Payments {
    pub gateway: Arc<dyn PaymentGateway>,
    pub repo: Arc<dyn PaymentRepo>,
    pub orders: Arc<dyn OrderRepo>,
    pub clock: Arc<dyn Clock>,
    /// Present when the gateway fiscalises payments: every payment and
    /// refund carries its 54-FZ receipt.
    pub receipts: Option<Receipts>,
}

/// How the receipts of orders are made.
#[derive(Clone, Debug)]
pub struct Receipts {
    pub facts: Arc<dyn ReceiptFacts>,
    /// The rate of a product the catalog gives none.
    pub default_vat: Option<VatRate>,
    pub delivery_vat: VatRate,
}

impl Receipts {
    /// The receipt of `order`, or what is missing to make it.
    pub async fn of(&self, order: &Order) -> Result<Receipt, PaymentError> {
        let skus: Vec<SkuId> = order.lines.iter().map(|l| l.sku.clone()).collect();
        let rates = self.facts.vat_rates(&skus).await?;
        let contact = self.facts.contact(&order.user).await?;
        let vat = |sku: &SkuId| rates.get(sku).copied().or(self.default_vat);
        Ok(receipt::build(order, &ReceiptInputs { contact, vat: &vat, delivery_vat: self.delivery_vat })?)
    }
}

/// The longest wait between two attempts at a refund.
const MAX_REFUND_WAIT_SECS: i64 = 3600;
/// How long a refund taken up by one instance is not another's: well past
/// a gateway call's timeout.
const REFUND_CLAIM_SECS: i64 = 120;

/// How long an open payment is asked after: gateways close an abandoned
/// payment within hours (Sber's session, YooKassa's expiry).
const FOLLOW_OPEN_FOR_HOURS: i64 = 48;
/// Open payments asked after per round.
const FOLLOW_PER_ROUND: i64 = 20;

impl Payments {
    /// The order, if it is `user`'s.
    async fn owned_order(&self, user: &UserId, id: &OrderId) -> Result<Order, PaymentError> {
        match self.orders.get(id).await? {
            Some(order) if &order.user == user => Ok(order),
            _ => Err(PaymentError::NotFound),
        }
    }

    /// Starts paying `order_id` by `method`, or gives back the attempt by
    /// that method that is still open (a repeated init creates nothing
    /// new). Attempts by two methods may both be open; should both be paid,
    /// the second is refunded.
    pub async fn init(
        &self,
        user: &UserId,
        order_id: &OrderId,
        return_url: &str,
        method: PaymentMethod,
    ) -> Result<Payment, PaymentError> {
        if !self.gateway.methods().contains(&method) {
            return Err(PaymentError::MethodNotOffered(method));
        }
        let order = self.owned_order(user, order_id).await?;
        let now = self.clock.now();
        match order.status {
            OrderStatus::New if order.expires_at.is_some_and(|t| t <= now) => {
                return Err(PaymentError::OrderClosed("its time to pay ran out"));
            }
            OrderStatus::New => {}
            OrderStatus::Cancelled => return Err(PaymentError::OrderClosed("it is cancelled or expired")),
            _ => return Err(PaymentError::AlreadyPaid),
        }
        let attempts = self.repo.attempts(order_id).await?;
        if attempts.iter().any(|p| p.status == PaymentStatus::Succeeded) {
            return Err(PaymentError::AlreadyPaid);
        }
        if let Some(open) = attempts.iter().rev().find(|p| !p.status.is_final() && p.method == method) {
            return Ok(open.clone());
        }
        let receipt = match &self.receipts {
            Some(receipts) => Some(receipts.of(&order).await?),
            None => None,
        };
        let idempotence_key = format!("{}:{}", order.id, attempts.len() + 1);
        let created = self
            .gateway
            .create(&NewPayment {
                order_id: order.id.clone(),
                method,
                amount: order.total,
                description: format!("Order {}", order.id),
                return_url: return_url.to_owned(),
                idempotence_key: idempotence_key.clone(),
                receipt: receipt.clone(),
                pay_before: order.expires_at,
            })
            .await?;
        let payment = Payment {
            id: created.id.clone(),
            gateway: self.gateway.name().to_owned(),
            order_id: order.id.clone(),
            method,
            amount: order.total,
            status: PaymentStatus::Pending,
            confirmation_url: created.confirmation_url,
            details: created.details,
            return_url: return_url.to_owned(),
            idempotence_key,
            receipt,
            created_at: now,
            updated_at: now,
        };
        if !self.repo.insert(&payment).await? {
            // A concurrent init with the same key stored it first.
            return self.repo.get(&payment.id).await?.ok_or(PaymentError::NotFound);
        }
        tracing::info!(order = %order.id, payment = %payment.id, amount = %payment.amount, "payment started");
        if created.status == PaymentStatus::Pending {
            return Ok(payment);
        }
        Ok(self.repo.settle(&payment.id, created.status, now).await?.unwrap_or(payment))
    }

    /// Where `payment_id` stands, asking the gateway while it is open. With
    /// the gateway unreachable the answer is what we know (still open).
    pub async fn finish(&self, user: &UserId, payment_id: &str) -> Result<Payment, PaymentError> {
        // An id no gateway issues is unknown; the database is not asked
        // (it may refuse the bytes: a NUL).
        if !domain::is_plausible_id(payment_id) {
            return Err(PaymentError::NotFound);
        }
        let payment = self.repo.get(payment_id).await?.ok_or(PaymentError::NotFound)?;
        self.owned_order(user, &payment.order_id).await?;
        if payment.status.is_final() {
            return Ok(payment);
        }
        match self.follow_gateway(payment.clone()).await {
            Err(PaymentError::Gateway(GatewayError::Unavailable(e))) => {
                tracing::warn!(payment = %payment.id, error = %e, "payment gateway unavailable; answering what we know");
                Ok(payment)
            }
            outcome => outcome,
        }
    }

    /// The payment as we keep it, without asking the gateway.
    pub async fn stored(&self, payment_id: &str) -> Result<Option<Payment>, PaymentError> {
        if !domain::is_plausible_id(payment_id) {
            return Ok(None);
        }
        Ok(self.repo.get(payment_id).await?)
    }

    /// Re-reads a payment from the gateway and follows it: for a gateway's
    /// notification (never trusted as is) or the sandbox page. `None` for a
    /// payment we never started.
    pub async fn refresh(&self, payment_id: &str) -> Result<Option<Payment>, PaymentError> {
        if !domain::is_plausible_id(payment_id) {
            return Ok(None);
        }
        let Some(payment) = self.repo.get(payment_id).await? else {
            return Ok(None);
        };
        if payment.status.is_final() {
            return Ok(Some(payment));
        }
        self.follow_gateway(payment).await.map(Some)
    }

    /// [`Payments::refresh`] and the payment's order, for the sandbox's
    /// payment page.
    pub async fn refresh_with_order(
        &self,
        payment_id: &str,
    ) -> Result<Option<(Payment, Order)>, PaymentError> {
        let Some(payment) = self.refresh(payment_id).await? else {
            return Ok(None);
        };
        Ok(self.orders.get(&payment.order_id).await?.map(|order| (payment, order)))
    }

    async fn follow_gateway(&self, payment: Payment) -> Result<Payment, PaymentError> {
        let mut reported = self.gateway.get(&payment.id).await?;
        if reported.status == PaymentStatus::WaitingForCapture {
            // Two-stage: take the money while the order can still be paid,
            // else let the hold go.
            let payable = self.orders.get(&payment.order_id).await?.is_some_and(|o| {
                o.status == OrderStatus::New && o.expires_at.is_none_or(|t| t > self.clock.now())
            });
            reported = if payable {
                self.gateway.capture(&payment.id, payment.amount, &format!("capture:{}", payment.id)).await?
            } else {
                self.gateway.cancel(&payment.id, &format!("cancel:{}", payment.id)).await?
            };
        }
        if reported.status == PaymentStatus::Succeeded && reported.amount != payment.amount {
            tracing::error!(payment = %payment.id, reported = %reported.amount, expected = %payment.amount, "the gateway took another amount");
            return Err(GatewayError::Rejected(format!(
                "payment {} succeeded for {} instead of {}",
                payment.id, reported.amount, payment.amount
            ))
            .into());
        }
        let settled = self.repo.settle(&payment.id, reported.status, self.clock.now()).await?;
        if let Some(settled) = &settled
            && settled.status != payment.status
        {
            tracing::info!(payment = %payment.id, order = %payment.order_id, status = %settled.status, "payment settled");
        }
        Ok(settled.unwrap_or(payment))
    }

    /// Asks the gateway after open payments, `FOLLOW_PER_ROUND` at a time
    /// from `cursor` on, so that a payment is settled even when no one
    /// calls `/payment/finish` and no notification comes (Sber sends none
    /// unless asked to; a notification can be lost): the money taken makes
    /// the order paid, or is refunded if the order expired meanwhile.
    /// Returns how many payments moved; `cursor` is where the next round
    /// starts (`None`: from the first again).
    pub async fn follow_open(&self, cursor: &mut Option<String>) -> Result<usize, PaymentError> {
        let since = self.clock.now() - chrono::Duration::hours(FOLLOW_OPEN_FOR_HOURS);
        // Another gateway's payments (before the merchant switched) are not
        // this one's to ask about.
        let gateway = self.gateway.name();
        let ids = self.repo.open_payments(gateway, since, cursor.as_deref(), FOLLOW_PER_ROUND).await?;
        *cursor = if ids.len() < usize::try_from(FOLLOW_PER_ROUND).unwrap_or(usize::MAX) {
            None
        } else {
            ids.last().cloned()
        };
        let mut moved = 0;
        for id in ids {
            match self.refresh(&id).await {
                Ok(Some(payment))
                    if payment.status.is_final() || payment.status == PaymentStatus::WaitingForCapture =>
                {
                    moved += 1;
                }
                Ok(_) => {}
                Err(PaymentError::Repo(e)) => return Err(PaymentError::Repo(e)),
                Err(e) => tracing::warn!(payment = %id, error = %e, "an open payment could not be followed"),
            }
        }
        Ok(moved)
    }

    /// Sends the refunds that are due; returns how many went through.
    pub async fn process_refunds(&self) -> Result<usize, PaymentError> {
        let now = self.clock.now();
        let mut done = 0;
        let claimed_until = now + chrono::Duration::seconds(REFUND_CLAIM_SECS);
        for due in self.repo.claim_due_refunds(now, claimed_until, 20).await? {
            let key = format!("refund:{}", due.payment_id);
            match self.gateway.refund(&due.payment_id, due.amount, &key, due.receipt.as_ref()).await {
                Ok(refund) => {
                    self.repo.refunded(&due.payment_id, &refund, now).await?;
                    tracing::info!(payment = %due.payment_id, amount = %due.amount, refund = %refund, "refunded");
                    done += 1;
                }
                Err(e) => {
                    let wait = (1_i64 << due.attempts.clamp(0, 12)).min(MAX_REFUND_WAIT_SECS);
                    tracing::warn!(payment = %due.payment_id, error = %e, wait, "refund failed; retrying");
                    let next = now + chrono::Duration::seconds(wait);
                    self.repo.refund_failed(&due.payment_id, &e.to_string(), next).await?;
                }
            }
        }
        Ok(done)
    }
}
