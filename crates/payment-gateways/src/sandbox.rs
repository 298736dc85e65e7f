//! A bank in memory for demos and tests. `create` gives a payment page on
//! `mcp-api` (`/pay/{paymentId}`) where a person pays or declines, with
//! 3-D Secure played out when asked: a delay before success, or a failure.
//! Payments live as long as the process (a restart forgets them: finish then
//! reports the attempt failed).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::Money;
use payments::{GatewayError, GatewayPayment, NewPayment, PaymentGateway, PaymentStatus};

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

#[derive(Clone, Debug)]
struct Account {
    payment: GatewayPayment,
    /// 3-D Secure: the status it gets when the check is over.
    after_check: Option<(Instant, PaymentStatus)>,
    return_url: String,
    refunded: bool,
}

#[derive(Debug)]
pub struct SandboxBank {
    /// Where the payment page is: `{base}/pay/{id}`.
    page_base: String,
    three_ds: Duration,
    accounts: Mutex<HashMap<String, Account>>,
    /// Idempotence keys of creates: the same key, the same payment.
    keys: Mutex<HashMap<String, String>>,
}

fn random_id() -> Result<String, GatewayError> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| GatewayError::Unavailable(format!("no randomness: {e}")))?;
    Ok(format!("sbx_{}", domain::hex(&bytes)))
}

impl SandboxBank {
    /// `page_base` is `mcp-api`'s public URL, e.g. `http://127.0.0.1:8080`;
    /// empty: payment links are relative (`/pay/{id}`), for the caller to
    /// complete with the host it was reached at.
    pub fn new(page_base: &str, three_ds: Duration) -> SandboxBank {
        SandboxBank {
            page_base: page_base.trim_end_matches('/').to_owned(),
            three_ds,
            accounts: Mutex::default(),
            keys: Mutex::default(),
        }
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Account>> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The payer's choice on the page; `None` for a payment the bank does
    /// not have. A payment that is no longer pending stays as it is.
    pub fn choose(&self, id: &str, choice: PayerChoice) -> Option<PaymentStatus> {
        let mut accounts = self.accounts();
        let account = accounts.get_mut(id)?;
        Self::finish_check(account);
        if account.payment.status == PaymentStatus::Pending && account.after_check.is_none() {
            match choice {
                PayerChoice::Pay => account.payment.status = PaymentStatus::Succeeded,
                PayerChoice::Decline => account.payment.status = PaymentStatus::Canceled,
                PayerChoice::PayWith3ds => {
                    account.after_check = Some((Instant::now() + self.three_ds, PaymentStatus::Succeeded));
                }
                PayerChoice::Fail3ds => {
                    account.after_check = Some((Instant::now() + self.three_ds, PaymentStatus::Failed));
                }
            }
        }
        Some(account.payment.status)
    }

    /// Where the payer goes back to, and whether a 3-D Secure check is
    /// still running.
    pub fn page_state(&self, id: &str) -> Option<(PaymentStatus, bool, String)> {
        let mut accounts = self.accounts();
        let account = accounts.get_mut(id)?;
        Self::finish_check(account);
        Some((account.payment.status, account.after_check.is_some(), account.return_url.clone()))
    }

    fn finish_check(account: &mut Account) {
        if let Some((at, status)) = account.after_check
            && Instant::now() >= at
        {
            account.payment.status = status;
            account.after_check = None;
        }
    }

    fn read(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        let mut accounts = self.accounts();
        let Some(account) = accounts.get_mut(id) else {
            // One of ours from before a restart: no money moved, the attempt
            // is over, and the payer may start another.
            return if id.starts_with("sbx_") {
                Ok(GatewayPayment {
                    id: id.to_owned(),
                    status: PaymentStatus::Failed,
                    amount: Money::zero(domain::Currency::Rub),
                    confirmation_url: None,
                    details: serde_json::json!({"gateway": "sandbox", "forgotten": true}),
                })
            } else {
                Err(GatewayError::NotFound(id.to_owned()))
            };
        };
        Self::finish_check(account);
        Ok(account.payment.clone())
    }
}

#[async_trait]
impl PaymentGateway for SandboxBank {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create(&self, new: &NewPayment) -> Result<GatewayPayment, GatewayError> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = keys.get(&new.idempotence_key) {
            return self.read(id);
        }
        let id = random_id()?;
        let url = format!("{}/pay/{id}", self.page_base);
        let payment = GatewayPayment {
            id: id.clone(),
            status: PaymentStatus::Pending,
            amount: new.amount,
            confirmation_url: Some(url.clone()),
            details: serde_json::json!({"gateway": "sandbox", "confirmation": {"type": "redirect", "confirmation_url": url}}),
        };
        let account = Account {
            payment: payment.clone(),
            after_check: None,
            return_url: new.return_url.clone(),
            refunded: false,
        };
        self.accounts().insert(id.clone(), account);
        keys.insert(new.idempotence_key.clone(), id);
        Ok(payment)
    }

    async fn get(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        self.read(id)
    }

    /// The sandbox is one-stage: a capture reads the payment back.
    async fn capture(&self, id: &str, _amount: Money, _key: &str) -> Result<GatewayPayment, GatewayError> {
        self.read(id)
    }

    async fn cancel(&self, id: &str, _key: &str) -> Result<GatewayPayment, GatewayError> {
        let mut accounts = self.accounts();
        let account = accounts.get_mut(id).ok_or_else(|| GatewayError::NotFound(id.to_owned()))?;
        if !account.payment.status.is_final() {
            account.payment.status = PaymentStatus::Canceled;
            account.after_check = None;
        }
        Ok(account.payment.clone())
    }

    async fn refund(&self, id: &str, amount: Money, _key: &str) -> Result<String, GatewayError> {
        let mut accounts = self.accounts();
        let account = accounts.get_mut(id).ok_or_else(|| GatewayError::NotFound(id.to_owned()))?;
        if account.payment.status != PaymentStatus::Succeeded || amount != account.payment.amount {
            return Err(GatewayError::Rejected(format!("payment {id} cannot be refunded {amount}")));
        }
        account.refunded = true;
        Ok(format!("rfd_{id}"))
    }
}

#[cfg(test)]
mod tests {
    use domain::{Currency, OrderId};

    use super::*;

    fn new_payment(key: &str) -> NewPayment {
        NewPayment {
            order_id: OrderId::new("ord_1").unwrap(),
            amount: Money::from_minor(12_345, Currency::Rub),
            description: "Order ord_1".into(),
            return_url: "https://shop.example/back".into(),
            idempotence_key: key.into(),
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
        assert_eq!(bank.choose(&created.id, PayerChoice::Pay), Some(PaymentStatus::Succeeded));
        assert_eq!(bank.choose(&created.id, PayerChoice::Decline), Some(PaymentStatus::Succeeded), "final");
        assert!(bank.refund(&created.id, created.amount, "r").await.is_ok());

        let declined = bank.create(&new_payment("k2")).await.unwrap();
        assert_eq!(bank.choose(&declined.id, PayerChoice::Decline), Some(PaymentStatus::Canceled));
        assert!(bank.refund(&declined.id, declined.amount, "r").await.is_err());
    }

    #[tokio::test]
    async fn three_d_secure_takes_its_time_and_may_fail() {
        let bank = SandboxBank::new("http://x", Duration::from_millis(50));
        let slow = bank.create(&new_payment("a")).await.unwrap();
        assert_eq!(bank.choose(&slow.id, PayerChoice::PayWith3ds), Some(PaymentStatus::Pending));
        assert_eq!(bank.page_state(&slow.id).map(|s| s.1), Some(true), "the check is running");
        let failing = bank.create(&new_payment("b")).await.unwrap();
        bank.choose(&failing.id, PayerChoice::Fail3ds);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(bank.get(&slow.id).await.unwrap().status, PaymentStatus::Succeeded);
        assert_eq!(bank.get(&failing.id).await.unwrap().status, PaymentStatus::Failed);
        assert_eq!(bank.get("yk-unknown").await, Err(GatewayError::NotFound("yk-unknown".into())));
        let forgotten = bank.get("sbx_from_before_a_restart").await.unwrap();
        assert_eq!(forgotten.status, PaymentStatus::Failed, "a restart forgets: the attempt failed");
    }
}
