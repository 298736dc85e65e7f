//! A bank for demos and tests. `create` gives a payment page
//! (`/pay/{paymentId}`, served by `mcp-api` and `merchant-mcp`) where a
//! person pays or declines, with 3-D Secure played out when asked: a delay
//! before success, or a failure. It offers every method: for SBP the QR's
//! payload is the page itself (a phone that scans it opens the page, as a
//! bank app would open the payment), for SberPay the page stands in for
//! Sber's app. It keeps the 54-FZ receipts it is sent, and its page shows
//! them as a fiscal provider would print them. Its payments are kept in a
//! [`SandboxVault`]: in the process ([`MemoryVault`], for unit tests), or in
//! the database (`storage::DbSandboxVault`), so that every instance of every
//! service serves every payment page and a restart forgets nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use domain::{Clock, Currency, Money, SystemClock};
use payments::receipt::{Receipt, to_stored};
use payments::{GatewayError, GatewayPayment, NewPayment, PaymentGateway, PaymentMethod, PaymentStatus};
pub use payments::{SandboxAccount, SandboxVault};

/// What the payer chose on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayerChoice {
    Pay,
    /// Pay, after a 3-D Secure check that takes a while.
    PayWith3ds,
    /// The 3-D Secure check fails.
    Fail3ds,
    Decline,
}

impl PayerChoice {
    pub fn parse(text: &str) -> Option<PayerChoice> {
        Some(match text {
            "pay" => PayerChoice::Pay,
            "pay_3ds" => PayerChoice::PayWith3ds,
            "fail_3ds" => PayerChoice::Fail3ds,
            "decline" => PayerChoice::Decline,
            _ => return None,
        })
    }
}

/// What the payment page shows of a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageState {
    pub status: PaymentStatus,
    /// A 3-D Secure check is running.
    pub checking: bool,
    /// Closed because the order's time to pay ran out.
    pub timed_out: bool,
    /// Where the payer goes back to.
    pub return_url: String,
    pub method: PaymentMethod,
    /// The receipts the bank was sent ([`payments::receipt::to_stored`]):
    /// with the payment, and with its refund.
    pub receipt: Option<serde_json::Value>,
    pub refund_receipt: Option<serde_json::Value>,
}

/// The vault of one process.
#[derive(Debug, Default)]
pub struct MemoryVault {
    accounts: Mutex<HashMap<String, SandboxAccount>>,
    keys: Mutex<HashMap<String, String>>,
}

#[async_trait]
impl SandboxVault for MemoryVault {
    async fn load(&self, id: &str) -> Result<Option<SandboxAccount>, GatewayError> {
        Ok(self.accounts.lock().unwrap_or_else(PoisonError::into_inner).get(id).cloned())
    }

    async fn by_key(&self, key: &str) -> Result<Option<String>, GatewayError> {
        Ok(self.keys.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned())
    }

    async fn insert(&self, key: &str, account: &SandboxAccount) -> Result<bool, GatewayError> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if keys.contains_key(key) {
            return Ok(false);
        }
        keys.insert(key.to_owned(), account.id.clone());
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account.id.clone(), account.clone());
        Ok(true)
    }

    async fn save(&self, account: &SandboxAccount) -> Result<(), GatewayError> {
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(account.id.clone(), account.clone());
        Ok(())
    }
}

#[derive(Debug)]
pub struct SandboxBank {
    /// Where the payment page is: `{base}/pay/{id}`.
    page_base: String,
    three_ds: Duration,
    vault: Arc<dyn SandboxVault>,
    /// The bank's time: when a 3-D Secure check ends, when a payment's
    /// time to pay is over (the services' clock; a test's own).
    clock: Arc<dyn Clock>,
}

fn random_id() -> Result<String, GatewayError> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| GatewayError::Unavailable(format!("no randomness: {e}")))?;
    Ok(format!("sbx_{}", domain::hex(&bytes)))
}

impl SandboxBank {
    /// `page_base` is the public URL of the service whose page the links
    /// name, e.g. `http://127.0.0.1:8080`; empty: payment links are
    /// relative (`/pay/{id}`), for the caller to complete with the host it
    /// was reached at. Payments kept in this process.
    pub fn new(page_base: &str, three_ds: Duration) -> SandboxBank {
        Self::with_vault(page_base, three_ds, Arc::new(MemoryVault::default()))
    }

    /// [`SandboxBank::new`] keeping its payments in `vault`.
    pub fn with_vault(page_base: &str, three_ds: Duration, vault: Arc<dyn SandboxVault>) -> SandboxBank {
        SandboxBank {
            page_base: page_base.trim_end_matches('/').to_owned(),
            three_ds,
            vault,
            clock: Arc::new(SystemClock),
        }
    }

    /// The bank on `clock` instead of the system's.
    #[must_use]
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> SandboxBank {
        SandboxBank { clock, ..self }
    }

    fn url(&self, id: &str) -> String {
        format!("{}/pay/{id}", self.page_base)
    }

    fn payment(&self, account: &SandboxAccount) -> GatewayPayment {
        let url = self.url(&account.id);
        let currency = account.currency.parse().unwrap_or(Currency::Rub);
        let mut details = serde_json::json!({"gateway": "sandbox", "confirmation": {"type": "redirect", "confirmation_url": url}});
        match PaymentMethod::parse(&account.method).unwrap_or_default() {
            PaymentMethod::Page => {}
            PaymentMethod::Sbp => details["sbp"] = serde_json::json!({"payload": url}),
            PaymentMethod::SberPay => {
                details["sberpay"] =
                    serde_json::json!({"orderId": account.id, "formUrl": url, "deepLink": url});
            }
        }
        GatewayPayment {
            id: account.id.clone(),
            status: account.status(),
            amount: Money::from_minor(account.amount_minor, currency),
            confirmation_url: Some(url),
            details,
        }
    }

    /// The account, with a 3-D Secure check that is over settled (and kept).
    async fn current(&self, id: &str) -> Result<Option<SandboxAccount>, GatewayError> {
        // An id this bank never issues is unknown; the vault is not asked
        // (a database may refuse the bytes: a NUL).
        if !domain::is_plausible_id(id) {
            return Ok(None);
        }
        let Some(mut account) = self.vault.load(id).await? else { return Ok(None) };
        let now = self.clock.now();
        let checked = account.finish_check(now);
        let expired = account.expire(now);
        if checked || expired {
            self.vault.save(&account).await?;
        }
        Ok(Some(account))
    }

    /// The payer's choice on the page; `None` for a payment the bank does
    /// not have. A payment that is no longer pending stays as it is.
    pub async fn choose(&self, id: &str, choice: PayerChoice) -> Result<Option<PaymentStatus>, GatewayError> {
        let Some(mut account) = self.current(id).await? else { return Ok(None) };
        if account.status() == PaymentStatus::Pending && account.check.is_none() {
            let after_check =
                self.clock.now() + chrono::Duration::from_std(self.three_ds).unwrap_or_default();
            match choice {
                PayerChoice::Pay => account.set(PaymentStatus::Succeeded),
                PayerChoice::Decline => account.set(PaymentStatus::Canceled),
                PayerChoice::PayWith3ds => {
                    account.check = Some((after_check, PaymentStatus::Succeeded.as_str().to_owned()));
                }
                PayerChoice::Fail3ds => {
                    account.check = Some((after_check, PaymentStatus::Failed.as_str().to_owned()));
                }
            }
            self.vault.save(&account).await?;
        }
        Ok(Some(account.status()))
    }

    /// What the payment page shows of a payment; `None` for one the bank
    /// does not have.
    pub async fn page_state(&self, id: &str) -> Result<Option<PageState>, GatewayError> {
        let now = self.clock.now();
        Ok(self.current(id).await?.map(|a| PageState {
            status: a.status(),
            checking: a.check.is_some(),
            timed_out: a.status() == PaymentStatus::Canceled && a.pay_before.is_some_and(|t| now >= t),
            method: PaymentMethod::parse(&a.method).unwrap_or_default(),
            return_url: a.return_url,
            receipt: a.receipt,
            refund_receipt: a.refund_receipt,
        }))
    }

    async fn read(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        match self.current(id).await? {
            Some(account) => Ok(self.payment(&account)),
            None => Err(GatewayError::NotFound(id.to_owned())),
        }
    }
}

#[async_trait]
impl PaymentGateway for SandboxBank {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn methods(&self) -> &'static [PaymentMethod] {
        &PaymentMethod::ALL
    }

    async fn create(&self, new: &NewPayment) -> Result<GatewayPayment, GatewayError> {
        if let Some(id) = self.vault.by_key(&new.idempotence_key).await? {
            return self.read(&id).await;
        }
        let account = SandboxAccount {
            id: random_id()?,
            status: PaymentStatus::Pending.as_str().to_owned(),
            amount_minor: new.amount.minor(),
            currency: new.amount.currency().code().to_owned(),
            return_url: new.return_url.clone(),
            method: new.method.as_str().to_owned(),
            receipt: new.receipt.as_ref().map(to_stored),
            refund_receipt: None,
            refunded: false,
            check: None,
            pay_before: new.pay_before,
        };
        if !self.vault.insert(&new.idempotence_key, &account).await? {
            // A concurrent create with the same key made it first.
            let id = self.vault.by_key(&new.idempotence_key).await?;
            return self.read(&id.unwrap_or_default()).await;
        }
        Ok(self.payment(&account))
    }

    async fn get(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        self.read(id).await
    }

    /// The sandbox is one-stage: a capture reads the payment back.
    async fn capture(&self, id: &str, _amount: Money, _key: &str) -> Result<GatewayPayment, GatewayError> {
        self.read(id).await
    }

    async fn cancel(&self, id: &str, _key: &str) -> Result<GatewayPayment, GatewayError> {
        let mut account = self.current(id).await?.ok_or_else(|| GatewayError::NotFound(id.to_owned()))?;
        if !account.status().is_final() {
            account.set(PaymentStatus::Canceled);
            account.check = None;
            self.vault.save(&account).await?;
        }
        Ok(self.payment(&account))
    }

    async fn refund(
        &self,
        id: &str,
        amount: Money,
        _key: &str,
        receipt: Option<&Receipt>,
    ) -> Result<String, GatewayError> {
        let mut account = self.current(id).await?.ok_or_else(|| GatewayError::NotFound(id.to_owned()))?;
        if account.status() != PaymentStatus::Succeeded || amount != self.payment(&account).amount {
            return Err(GatewayError::Rejected(format!("payment {id} cannot be refunded {amount}")));
        }
        // A fiscalised payment is refunded with a receipt, as a real
        // provider would insist.
        if account.receipt.is_some() && receipt.is_none() {
            return Err(GatewayError::Rejected(format!(
                "payment {id} was fiscalised: its refund needs a receipt"
            )));
        }
        account.refund_receipt = receipt.map(to_stored);
        account.refunded = true;
        self.vault.save(&account).await?;
        Ok(format!("rfd_{id}"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use domain::{Currency, OrderId};

    use super::*;

    fn new_payment(key: &str) -> NewPayment {
        NewPayment {
            order_id: OrderId::new("ord_1").unwrap(),
            method: PaymentMethod::Page,
            amount: Money::from_minor(12_345, Currency::Rub),
            description: "Order ord_1".into(),
            return_url: "https://shop.example/back".into(),
            idempotence_key: key.into(),
            receipt: None,
            pay_before: None,
        }
    }

    #[tokio::test]
    async fn the_payer_s_choice_is_what_the_bank_reports() {
        let bank = SandboxBank::new("http://127.0.0.1:8080/", Duration::from_millis(50));
        let created = bank.create(&new_payment("k1")).await.unwrap();
        assert_eq!(
            created.confirmation_url.as_deref(),
            Some(format!("http://127.0.0.1:8080/pay/{}", created.id).as_str())
        );
        assert_eq!(bank.create(&new_payment("k1")).await.unwrap().id, created.id, "same key, same payment");
        assert_eq!(bank.choose(&created.id, PayerChoice::Pay).await, Ok(Some(PaymentStatus::Succeeded)));
        assert_eq!(
            bank.choose(&created.id, PayerChoice::Decline).await,
            Ok(Some(PaymentStatus::Succeeded)),
            "final"
        );
        assert!(bank.refund(&created.id, created.amount, "r", None).await.is_ok());

        let declined = bank.create(&new_payment("k2")).await.unwrap();
        assert_eq!(bank.choose(&declined.id, PayerChoice::Decline).await, Ok(Some(PaymentStatus::Canceled)));
        assert!(bank.refund(&declined.id, declined.amount, "r", None).await.is_err());
    }

    #[tokio::test]
    async fn three_d_secure_takes_its_time_and_may_fail() {
        let bank = SandboxBank::new("http://x", Duration::from_millis(50));
        let slow = bank.create(&new_payment("a")).await.unwrap();
        assert_eq!(bank.choose(&slow.id, PayerChoice::PayWith3ds).await, Ok(Some(PaymentStatus::Pending)));
        assert_eq!(
            bank.page_state(&slow.id).await.unwrap().map(|s| s.checking),
            Some(true),
            "the check is running"
        );
        let failing = bank.create(&new_payment("b")).await.unwrap();
        bank.choose(&failing.id, PayerChoice::Fail3ds).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(bank.get(&slow.id).await.unwrap().status, PaymentStatus::Succeeded);
        assert_eq!(bank.get(&failing.id).await.unwrap().status, PaymentStatus::Failed);
        assert_eq!(bank.get("yk-unknown").await, Err(GatewayError::NotFound("yk-unknown".into())));
    }

    #[tokio::test]
    async fn a_payment_whose_time_to_pay_is_over_cannot_be_paid() {
        let bank = SandboxBank::new("http://x", Duration::from_millis(50));
        let late =
            NewPayment { pay_before: Some(Utc::now() - chrono::Duration::seconds(1)), ..new_payment("l") };
        let late = bank.create(&late).await.unwrap();
        assert_eq!(
            bank.get(&late.id).await.unwrap().status,
            PaymentStatus::Canceled,
            "closed like a bank session"
        );
        assert_eq!(bank.choose(&late.id, PayerChoice::Pay).await, Ok(Some(PaymentStatus::Canceled)));
        assert_eq!(
            bank.page_state(&late.id).await.unwrap().map(|s| s.timed_out),
            Some(true),
            "the page says why"
        );
        let in_time =
            NewPayment { pay_before: Some(Utc::now() + chrono::Duration::minutes(5)), ..new_payment("t") };
        let in_time = bank.create(&in_time).await.unwrap();
        assert_eq!(bank.choose(&in_time.id, PayerChoice::Pay).await, Ok(Some(PaymentStatus::Succeeded)));
    }
}
