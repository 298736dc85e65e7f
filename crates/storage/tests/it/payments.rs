//! Payments on both backends, through the use case with the sandbox bank:
//! a success makes the order paid in the same transaction, a decline leaves
//! it to expire, money for an order that can no longer take it goes back,
//! a cancelled paid order is refunded once, the gateway being down changes
//! nothing.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use catalog::CatalogRepo;
use chrono::{DateTime, Duration, Utc};
use domain::{Clock, Decimal, ManualClock, Money, SkuId, UserId};
use orders::{Action, Order, OrderStatus, Ordering};
use payment_gateways::sandbox::{PayerChoice, SandboxBank};
use payments::receipt::Receipt;
use payments::{
    GatewayError, GatewayPayment, NewPayment, PaymentError, PaymentGateway, PaymentMethod, PaymentRepo,
    PaymentStatus, Payments,
};
use storage::testing::TestDatabase;
use storage::{DbCatalogRepo, DbPaymentRepo};

static ORDERS: AtomicUsize = AtomicUsize::new(0);

/// The sandbox bank, switchable off like a gateway outage, and two-stage
/// on demand: a paid payment waits for capture, and a cancel lets the hold go.
#[derive(Debug)]
struct Bank {
    sandbox: SandboxBank,
    down: AtomicBool,
    two_stage: AtomicBool,
    captured: Mutex<HashSet<String>>,
    released: Mutex<HashSet<String>>,
}

impl Bank {
    /// What a two-stage gateway reports for a payment the payer paid.
    fn staged(&self, mut payment: GatewayPayment) -> GatewayPayment {
        if self.two_stage.load(AtomicOrdering::SeqCst) && payment.status == PaymentStatus::Succeeded {
            if self.released.lock().unwrap().contains(&payment.id) {
                payment.status = PaymentStatus::Canceled;
            } else if !self.captured.lock().unwrap().contains(&payment.id) {
                payment.status = PaymentStatus::WaitingForCapture;
            }
        }
        payment
    }

    fn up(&self) -> Result<(), GatewayError> {
        if self.down.load(AtomicOrdering::SeqCst) {
            Err(GatewayError::Unavailable("down".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl PaymentGateway for Bank {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    fn methods(&self) -> &'static [PaymentMethod] {
        self.sandbox.methods()
    }
    /// Like YooKassa, this bank cannot close a payment at the order's time
    /// to pay: money can come for an expired order, and must go back.
    async fn create(&self, p: &NewPayment) -> Result<GatewayPayment, GatewayError> {
        self.up()?;
        self.sandbox.create(&NewPayment { pay_before: None, ..p.clone() }).await
    }
    async fn get(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        self.up()?;
        Ok(self.staged(self.sandbox.get(id).await?))
    }
    async fn capture(&self, id: &str, amount: Money, key: &str) -> Result<GatewayPayment, GatewayError> {
        self.up()?;
        self.captured.lock().unwrap().insert(id.to_owned());
        Ok(self.staged(self.sandbox.capture(id, amount, key).await?))
    }
    async fn cancel(&self, id: &str, key: &str) -> Result<GatewayPayment, GatewayError> {
        self.up()?;
        if self.two_stage.load(AtomicOrdering::SeqCst) {
            self.released.lock().unwrap().insert(id.to_owned());
            return Ok(self.staged(self.sandbox.get(id).await?));
        }
        self.sandbox.cancel(id, key).await
    }
    async fn refund(
        &self,
        id: &str,
        amount: Money,
        key: &str,
        receipt: Option<&Receipt>,
    ) -> Result<String, GatewayError> {
        self.up()?;
        self.sandbox.refund(id, amount, key, receipt).await
    }
}

struct World {
    t: TestDatabase,
    ordering: Ordering,
    payments: Payments,
    bank: Arc<Bank>,
    clock: Arc<ManualClock>,
}

fn world(t: TestDatabase) -> World {
    t.one_store(&[("MILK", 5)]);
    let clock = Arc::new(ManualClock::new(
        DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc),
    ));
    let ordering = t.ordering(Arc::clone(&clock) as _, 10);
    let bank = Arc::new(Bank {
        // The sandbox's payments in the database, as the services keep them.
        sandbox: SandboxBank::with_vault(
            "http://127.0.0.1:8080",
            StdDuration::from_millis(10),
            Arc::new(storage::DbSandboxVault::new(t.db.clone())),
        )
        .with_clock(Arc::clone(&clock) as _),
        down: AtomicBool::new(false),
        two_stage: AtomicBool::new(false),
        captured: Mutex::default(),
        released: Mutex::default(),
    });
    let payments = Payments {
        gateway: Arc::clone(&bank) as _,
        repo: Arc::new(DbPaymentRepo::new(t.db.clone())),
        orders: Arc::clone(&ordering.orders),
        clock: Arc::clone(&clock) as _,
        receipts: None,
    };
    World { t, ordering, payments, bank, clock }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

impl World {
    async fn order(&self) -> Order {
        let rq = format!("rq-{}", ORDERS.fetch_add(1, AtomicOrdering::SeqCst));
        TestDatabase::pickup_checkout(&self.ordering, Decimal::TWO, &rq).await.unwrap()
    }

    /// `alice` starts paying `order` on the bank's page.
    async fn pay(&self, order: &Order) -> payments::Payment {
        self.payments.init(&alice(), &order.id, "https://back.example/", PaymentMethod::Page).await.unwrap()
    }

    async fn status(&self, order: &Order) -> OrderStatus {
        self.ordering.order_for(None, &order.id).await.unwrap().status
    }

    async fn milk(&self) -> i64 {
        let repo = DbCatalogRepo::new(self.t.db.clone());
        repo.offers(&[SkuId::new("MILK").unwrap()], None).await.unwrap()[0].stock
    }
}

#[test]
fn a_paid_order_is_paid_in_the_same_transaction_and_never_expires() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        runtime().block_on(async {
            let order = w.order().await;
            let payment = w.pay(&order).await;
            assert_eq!((payment.status, payment.amount), (PaymentStatus::Pending, order.total));
            let again = w.pay(&order).await;
            assert_eq!(again.id, payment.id, "a repeated init gives the open attempt back");
            let early = w.payments.finish(&alice(), &payment.id).await.unwrap();
            assert_eq!(early.status, PaymentStatus::Pending, "the payer has not acted");
            assert_eq!(w.status(&order).await, OrderStatus::New);

            w.bank.sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
            let done = w.payments.finish(&alice(), &payment.id).await.unwrap();
            assert_eq!(done.status, PaymentStatus::Succeeded, "{}", w.t.db.backend());
            assert_eq!(w.status(&order).await, OrderStatus::Paid);
            assert_eq!(
                w.payments.finish(&alice(), &payment.id).await.unwrap(),
                done,
                "a second finish agrees"
            );
            assert_eq!(
                w.payments.init(&alice(), &order.id, "x", PaymentMethod::Page).await,
                Err(PaymentError::AlreadyPaid)
            );

            w.clock.advance(Duration::hours(2));
            assert_eq!(w.ordering.expire_due().await.unwrap(), 0);
            assert_eq!((w.status(&order).await, w.milk().await), (OrderStatus::Paid, 3), "the stock is sold");
            let bob = UserId::new("bob").unwrap();
            assert_eq!(w.payments.finish(&bob, &payment.id).await, Err(PaymentError::NotFound));
            assert_eq!(
                w.payments.init(&bob, &order.id, "x", PaymentMethod::Page).await,
                Err(PaymentError::NotFound)
            );
        });
    }
}

#[test]
fn a_declined_payment_leaves_the_order_to_expire_and_its_stock_comes_back() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        runtime().block_on(async {
            let order = w.order().await;
            let first = w.pay(&order).await;
            w.bank.sandbox.choose(&first.id, PayerChoice::Decline).await.unwrap();
            assert_eq!(w.payments.finish(&alice(), &first.id).await.unwrap().status, PaymentStatus::Canceled);
            assert_eq!(w.status(&order).await, OrderStatus::New);
            let second = w.pay(&order).await;
            assert_ne!(second.id, first.id, "another attempt");
            assert_eq!(w.milk().await, 3);

            w.clock.advance(Duration::minutes(31));
            assert_eq!(w.ordering.expire_due().await.unwrap(), 1);
            assert_eq!(
                (w.status(&order).await, w.milk().await),
                (OrderStatus::Cancelled, 5),
                "{}",
                w.t.db.backend()
            );
            assert!(matches!(
                w.payments.init(&alice(), &order.id, "x", PaymentMethod::Page).await,
                Err(PaymentError::OrderClosed(_))
            ));
        });
    }
}

/// Money paid after its order expired, and a paid order cancelled: two
/// refunds owed.
async fn two_refunds_owed(w: &World) {
    let late = w.order().await;
    let payment = w.pay(&late).await;
    w.clock.advance(Duration::minutes(31));
    w.ordering.expire_due().await.unwrap();
    w.bank.sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
    let settled = w.payments.refresh(&payment.id).await.unwrap().unwrap();
    assert_eq!(settled.status, PaymentStatus::Succeeded);
    assert_eq!(w.status(&late).await, OrderStatus::Cancelled, "{}", w.t.db.backend());

    let paid = w.order().await;
    let payment = w.pay(&paid).await;
    w.bank.sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
    w.payments.finish(&alice(), &payment.id).await.unwrap();
    w.ordering.advance(&paid.id, Action::Cancel).await.unwrap();
    assert_eq!(owed(&w.t), 2, "{}", w.t.db.backend());
}

/// Instances on one database never take up one refund at once: what one
/// claims is not due to another until the claim runs out, and then it is
/// again (a refund whose sender stopped half way is not lost).
#[test]
fn a_refund_is_claimed_by_one_instance_at_a_time() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        let backend = w.t.db.backend();
        runtime().block_on(async {
            two_refunds_owed(&w).await;
            let (one, other) = (DbPaymentRepo::new(w.t.db.clone()), DbPaymentRepo::new(w.t.db.clone()));
            let (now, until) = (w.clock.now(), w.clock.now() + Duration::minutes(2));
            let (a, b) =
                tokio::join!(one.claim_due_refunds(now, until, 10), other.claim_due_refunds(now, until, 10));
            let ids = |claimed: Vec<payments::RefundDue>| -> HashSet<String> {
                claimed.into_iter().map(|r| r.payment_id).collect()
            };
            let (a, b) = (ids(a.unwrap()), ids(b.unwrap()));
            assert!(a.is_disjoint(&b), "{backend}: {a:?} and {b:?}");
            assert_eq!(a.len() + b.len(), 2, "{backend}: every due refund claimed once");
            assert!(one.claim_due_refunds(now, until, 10).await.unwrap().is_empty(), "{backend}: claimed");
            let later = until + Duration::seconds(1);
            assert_eq!(
                one.claim_due_refunds(later, later, 10).await.unwrap().len(),
                2,
                "{backend}: due again"
            );
        });
    }
}

#[test]
fn money_that_comes_after_the_order_expired_goes_back_and_a_paid_cancel_is_refunded_once() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        runtime().block_on(async {
            two_refunds_owed(&w).await;
            w.bank.down.store(true, AtomicOrdering::SeqCst);
            assert_eq!(w.payments.process_refunds().await.unwrap(), 0, "the gateway is down: kept");
            w.bank.down.store(false, AtomicOrdering::SeqCst);
            w.clock.advance(Duration::minutes(5));
            assert_eq!(w.payments.process_refunds().await.unwrap(), 2);
            assert_eq!(w.payments.process_refunds().await.unwrap(), 0, "once");
        });
    }
}

#[test]
fn with_the_gateway_down_nothing_changes_and_finish_says_what_we_know() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        runtime().block_on(async {
            let order = w.order().await;
            w.bank.down.store(true, AtomicOrdering::SeqCst);
            assert!(matches!(
                w.payments.init(&alice(), &order.id, "x", PaymentMethod::Page).await,
                Err(PaymentError::Gateway(GatewayError::Unavailable(_)))
            ));
            w.bank.down.store(false, AtomicOrdering::SeqCst);
            let payment = w.pay(&order).await;
            w.bank.sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
            w.bank.down.store(true, AtomicOrdering::SeqCst);
            assert_eq!(
                w.payments.finish(&alice(), &payment.id).await.unwrap().status,
                PaymentStatus::Pending
            );
            assert_eq!(w.status(&order).await, OrderStatus::New, "{}", w.t.db.backend());
            w.bank.down.store(false, AtomicOrdering::SeqCst);
            assert_eq!(
                w.payments.finish(&alice(), &payment.id).await.unwrap().status,
                PaymentStatus::Succeeded
            );
            assert_eq!(w.status(&order).await, OrderStatus::Paid);
        });
    }
}

#[test]
fn two_stage_money_is_captured_while_the_order_can_take_it_and_released_when_not() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        w.bank.two_stage.store(true, AtomicOrdering::SeqCst);
        runtime().block_on(async {
            let order = w.order().await;
            let payment = w.pay(&order).await;
            w.bank.sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
            let done = w.payments.finish(&alice(), &payment.id).await.unwrap();
            assert_eq!(done.status, PaymentStatus::Succeeded, "{}", w.t.db.backend());
            assert!(w.bank.captured.lock().unwrap().contains(&payment.id), "captured");
            assert_eq!(w.status(&order).await, OrderStatus::Paid);

            let late = w.order().await;
            let held = w.pay(&late).await;
            w.clock.advance(Duration::minutes(31));
            w.ordering.expire_due().await.unwrap();
            w.bank.sandbox.choose(&held.id, PayerChoice::Pay).await.unwrap();
            let released = w.payments.refresh(&held.id).await.unwrap().unwrap();
            assert_eq!(released.status, PaymentStatus::Canceled, "the hold is let go, not captured");
            assert!(!w.bank.captured.lock().unwrap().contains(&held.id));
            assert_eq!(owed(&w.t), 0, "nothing taken, nothing owed");
        });
    }
}

/// Refunds owed and not yet sent.
fn owed(t: &TestDatabase) -> i64 {
    let counts = DbPaymentRepo::refund_count_by_state(&mut t.db.get().unwrap()).unwrap();
    counts.into_iter().find(|(state, _)| state == "pending").map_or(0, |(_, n)| n)
}

/// Writes `alice`'s profile and the VAT rate of MILK, as a sign-in and a
/// feed would.
fn profile_and_vat(t: &TestDatabase, phone: Option<&str>, vat: Option<&str>) {
    use diesel::prelude::*;
    use storage::schema::{products, users};
    let mut conn = t.db.get().unwrap();
    let c: &mut storage::AnyConnection = &mut conn;
    diesel::delete(users::table.find("alice")).execute(c).unwrap();
    if phone.is_some() {
        diesel::insert_into(users::table)
            .values((
                users::id.eq("alice"),
                users::phone.eq(&phone),
                users::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(c)
            .unwrap();
    }
    diesel::update(products::table.find("MILK")).set(products::vat.eq(&vat)).execute(c).unwrap();
}

#[test]
fn with_receipts_init_says_what_is_missing_and_the_refund_repeats_the_payment_s_receipt() {
    use payments::receipt::{Contact, ReceiptError, VatRate};
    for t in TestDatabase::each_backend_migrated() {
        let mut w = world(t);
        w.payments.receipts = Some(payments::Receipts {
            facts: Arc::new(storage::DbReceiptFacts::new(w.t.db.clone())),
            default_vat: None,
            delivery_vat: VatRate::Vat20,
        });
        runtime().block_on(async {
            let order = w.order().await;
            let user = alice();
            let init = || w.payments.init(&user, &order.id, "https://back.example/", PaymentMethod::Page);
            profile_and_vat(&w.t, None, None);
            assert_eq!(init().await, Err(PaymentError::Receipt(ReceiptError::NoContact)));
            profile_and_vat(&w.t, Some("8 (916) 123-45-67"), None);
            let no_vat = init().await.unwrap_err();
            assert_eq!(no_vat, PaymentError::Receipt(ReceiptError::NoVat(SkuId::new("MILK").unwrap())));
            assert!(no_vat.to_string().contains("MILK"), "says which product: {no_vat}");
            let repo = DbPaymentRepo::new(w.t.db.clone());
            assert!(repo.attempts(&order.id).await.unwrap().is_empty(), "a refused init writes nothing");

            profile_and_vat(&w.t, Some("8 (916) 123-45-67"), Some("10"));
            let payment = init().await.unwrap();
            let receipt = payment.receipt.clone().expect("the payment carries its receipt");
            assert_eq!(receipt.customer, Contact::Phone("79161234567".into()));
            assert_eq!(receipt.items.len(), 1, "MILK; pickup has no delivery line");
            assert_eq!((receipt.items[0].vat, receipt.items[0].quantity), (VatRate::Vat10, Decimal::TWO));
            assert_eq!(repo.get(&payment.id).await.unwrap().unwrap().receipt, Some(receipt.clone()), "kept");

            // The catalog changes before the order is cancelled: the refund
            // repeats what was sent with the payment.
            profile_and_vat(&w.t, Some("+7 999 000-00-00"), Some("20"));
            w.bank.sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
            w.payments.finish(&alice(), &payment.id).await.unwrap();
            w.ordering.advance(&order.id, Action::Cancel).await.unwrap();
            assert_eq!(w.payments.process_refunds().await.unwrap(), 1, "{}", w.t.db.backend());
            let shown = w.bank.sandbox.page_state(&payment.id).await.unwrap().unwrap();
            let (sent, refund) = (shown.receipt, shown.refund_receipt);
            let stored = payments::receipt::to_stored(&receipt);
            assert_eq!((sent, refund), (Some(stored.clone()), Some(stored)), "{}", w.t.db.backend());
        });
    }
}

#[test]
fn an_open_payment_no_one_asks_after_is_followed_paid_or_refunded() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        runtime().block_on(async {
            let (order, late) = (w.order().await, w.order().await);
            let (paid, too_late) = (w.pay(&order).await, w.pay(&late).await);
            // Paid on the bank's page; no finish, no notification.
            w.bank.sandbox.choose(&paid.id, PayerChoice::Pay).await.unwrap();
            let mut cursor = None;
            assert_eq!(w.payments.follow_open(&mut cursor).await.unwrap(), 1, "{}", w.t.db.backend());
            assert_eq!(cursor, None, "one round covers them all");
            assert_eq!(w.status(&order).await, OrderStatus::Paid, "{}", w.t.db.backend());

            // Paid after its order expired: the money goes back.
            w.clock.advance(Duration::minutes(31));
            w.ordering.expire_due().await.unwrap();
            w.bank.sandbox.choose(&too_late.id, PayerChoice::Pay).await.unwrap();
            assert_eq!(w.payments.follow_open(&mut cursor).await.unwrap(), 1);
            assert_eq!(w.status(&late).await, OrderStatus::Cancelled);
            assert_eq!(owed(&w.t), 1, "{}", w.t.db.backend());
            let repo = DbPaymentRepo::new(w.t.db.clone());

            // Never paid (the expired order's stock sells again): asked after
            // for two days, then left to the gateway.
            w.pay(&w.order().await).await;
            assert_eq!(w.payments.follow_open(&mut cursor).await.unwrap(), 0, "the idle one stays open");
            let since = w.clock.now() - Duration::hours(48);
            assert_eq!(repo.open_payments("sandbox", since, None, 10).await.unwrap().len(), 1);
            w.clock.advance(Duration::hours(49));
            let since = w.clock.now() - Duration::hours(48);
            assert!(
                repo.open_payments("sandbox", since, None, 10).await.unwrap().is_empty(),
                "given up after two days"
            );
        });
    }
}

#[test]
fn open_payments_are_followed_in_rounds_that_cover_every_one() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        w.t.one_store(&[("MILK", 50)]);
        runtime().block_on(async {
            let mut ids = Vec::new();
            for _ in 0..5 {
                let order = w.order().await;
                ids.push(w.pay(&order).await.id);
            }
            ids.sort();
            let repo = DbPaymentRepo::new(w.t.db.clone());
            let since = w.clock.now() - Duration::hours(1);
            let first = repo.open_payments("sandbox", since, None, 3).await.unwrap();
            let rest =
                repo.open_payments("sandbox", since, first.last().map(String::as_str), 3).await.unwrap();
            assert_eq!([first, rest].concat(), ids, "{}", w.t.db.backend());
            assert!(
                repo.open_payments("yookassa", since, None, 10).await.unwrap().is_empty(),
                "another gateway's"
            );
        });
    }
}

#[test]
fn a_gateway_that_closes_on_the_order_s_time_takes_no_money_for_an_expired_order() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        // The sandbox itself as the gateway: it closes a payment when the
        // order's time to pay is over, as Sber does (sessionTimeoutSecs).
        let sandbox = Arc::new(
            SandboxBank::with_vault(
                "http://127.0.0.1:8080",
                StdDuration::from_millis(10),
                Arc::new(storage::DbSandboxVault::new(w.t.db.clone())),
            )
            .with_clock(Arc::clone(&w.clock) as _),
        );
        let payments = Payments { gateway: Arc::clone(&sandbox) as _, ..w.payments.clone() };
        runtime().block_on(async {
            let order = w.order().await;
            let payment = payments
                .init(&alice(), &order.id, "https://back.example/", PaymentMethod::Page)
                .await
                .unwrap();
            w.clock.advance(Duration::minutes(31));
            w.ordering.expire_due().await.unwrap();
            let refused = sandbox.choose(&payment.id, PayerChoice::Pay).await.unwrap();
            assert_eq!(refused, Some(PaymentStatus::Canceled), "{}: the page is closed", w.t.db.backend());
            let settled = payments.refresh(&payment.id).await.unwrap().unwrap();
            assert_eq!(settled.status, PaymentStatus::Canceled);
            assert_eq!(owed(&w.t), 0, "no money taken, none to give back");
        });
    }
}
