//! The use cases over in-memory ports: pricing, validation, slots,
//! idempotency and expiry.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use catalog::{DeliveryZone, RepoError as CatalogRepoError};
use chrono::{DateTime, NaiveTime, Utc};
use domain::{Currency, ManualClock};

use super::*;
use crate::status::transition;

fn rub(minor: i64) -> Money {
    Money::from_minor(minor, Currency::Rub)
}

#[derive(Debug, Default)]
struct Catalog {
    stores: Vec<Store>,
    products: Vec<Product>,
    offers: Mutex<Vec<Offer>>,
}

#[async_trait]
impl CatalogRepo for Catalog {
    async fn stores(&self) -> Result<Arc<[Store]>, CatalogRepoError> {
        Ok(self.stores.clone().into())
    }
    async fn store(&self, id: &StoreId) -> Result<Option<Store>, CatalogRepoError> {
        Ok(self.stores.iter().find(|s| &s.id == id).cloned())
    }
    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, CatalogRepoError> {
        Ok(self.products.iter().filter(|p| skus.contains(&p.sku)).cloned().collect())
    }
    async fn offers(
        &self,
        skus: &[SkuId],
        stores: Option<&[StoreId]>,
    ) -> Result<Vec<Offer>, CatalogRepoError> {
        let offers = self.offers.lock().unwrap();
        Ok(offers
            .iter()
            .filter(|o| skus.contains(&o.sku) && stores.is_none_or(|s| s.contains(&o.store)))
            .cloned()
            .collect())
    }
    async fn best_offers(&self, _: &[SkuId], _: &[StoreId]) -> Result<Vec<Offer>, CatalogRepoError> {
        Ok(Vec::new())
    }
    async fn cheapest_offers(&self, _: &[SkuId]) -> Result<Vec<Offer>, CatalogRepoError> {
        Ok(Vec::new())
    }
}

/// The order book in memory, with the catalog's stock behind it.
#[derive(Debug)]
struct Book {
    catalog: Arc<Catalog>,
    orders: Mutex<HashMap<OrderId, Order>>,
}

#[async_trait]
impl OrderRepo for Book {
    async fn create(
        &self,
        order: &Order,
        capacity: u32,
        _limits: crate::limits::HoldLimits,
    ) -> Result<(), CreateError> {
        let mut orders = self.orders.lock().unwrap();
        if orders.values().any(|o| o.request_id == order.request_id) {
            return Err(CreateError::DuplicateRequest);
        }
        let booked =
            orders.values().filter(|o| o.slot == order.slot && o.status != OrderStatus::Cancelled).count();
        if booked >= capacity as usize {
            return Err(CreateError::SlotFull);
        }
        let mut offers = self.catalog.offers.lock().unwrap();
        let mut stock = offers.clone();
        for line in &order.lines {
            let offer = stock.iter_mut().find(|o| o.sku == line.sku && o.store == order.store).unwrap();
            if offer.stock < units(line) {
                return Err(CreateError::OutOfStock { sku: line.sku.clone() });
            }
            offer.stock -= units(line);
        }
        *offers = stock;
        orders.insert(order.id.clone(), order.clone());
        Ok(())
    }
    async fn get(&self, id: &OrderId) -> Result<Option<Order>, RepoError> {
        Ok(self.orders.lock().unwrap().get(id).cloned())
    }
    async fn by_request(&self, request_id: &str) -> Result<Option<Order>, RepoError> {
        Ok(self.orders.lock().unwrap().values().find(|o| o.request_id == request_id).cloned())
    }
    async fn booked(
        &self,
        store: &StoreId,
        _: ShippingMethod,
        slots: &[Slot],
    ) -> Result<Vec<u32>, RepoError> {
        let orders = self.orders.lock().unwrap();
        Ok(slots
            .iter()
            .map(|slot| {
                let n = orders
                    .values()
                    .filter(|o| &o.store == store && &o.slot == slot && o.status != OrderStatus::Cancelled)
                    .count();
                u32::try_from(n).unwrap()
            })
            .collect())
    }
    async fn apply(&self, id: &OrderId, action: Action, at: DateTime<Utc>) -> Result<Order, ApplyError> {
        let mut orders = self.orders.lock().unwrap();
        let order = orders.get_mut(id).ok_or(ApplyError::NotFound)?;
        let t = transition(order.status, action, order.shipping.method())?;
        if t.effects.contains(&crate::Effect::ReleaseStock) {
            let mut offers = self.catalog.offers.lock().unwrap();
            for line in &order.lines {
                offers.iter_mut().find(|o| o.sku == line.sku && o.store == order.store).unwrap().stock +=
                    units(line);
            }
        }
        order.status = t.to;
        order.updated_at = at;
        Ok(order.clone())
    }
    async fn expired(&self, now: DateTime<Utc>, _: i64) -> Result<Vec<OrderId>, RepoError> {
        let orders = self.orders.lock().unwrap();
        Ok(orders
            .values()
            .filter(|o| o.status == OrderStatus::New && o.expires_at.is_some_and(|e| e <= now))
            .map(|o| o.id.clone())
            .collect())
    }
    async fn list(&self, _: Option<OrderStatus>, _: i64) -> Result<Vec<Order>, RepoError> {
        Ok(self.orders.lock().unwrap().values().cloned().collect())
    }
    async fn slot_settings(&self, _: &StoreId, _: ShippingMethod) -> Result<Option<SlotSettings>, RepoError> {
        Ok(None)
    }
}

fn store(id: &str, lat: f64, delivers: bool, pickup: bool) -> Store {
    Store {
        id: StoreId::new(id).unwrap(),
        name: id.into(),
        address: "Москва".into(),
        location: GeoPoint::new(lat, 37.6173).unwrap(),
        delivery_zone: delivers.then_some(DeliveryZone::Radius { metres: 5000 }),
        pickup,
        opening_hours: "Mo-Su 08:00-22:00".into(),
        time_zone: "Europe/Moscow".into(),
    }
}

fn product(sku: &str, unit: Unit) -> Product {
    Product {
        sku: SkuId::new(sku).unwrap(),
        name: format!("Товар {sku}"),
        description: String::new(),
        photo_url: String::new(),
        unit,
        pack_quantity: None,
        rating: None,
        category: "Тест".into(),
        brand: "Тест".into(),
        barcode: None,
        vat: None,
    }
}

fn offer(sku: &str, store: &str, price: i64, stock: i64) -> Offer {
    Offer {
        store: StoreId::new(store).unwrap(),
        sku: SkuId::new(sku).unwrap(),
        price: rub(price),
        old_price: None,
        stock,
        delivery: true,
        pickup: true,
    }
}

struct World {
    ordering: Ordering,
    catalog: Arc<Catalog>,
    clock: Arc<ManualClock>,
}

/// Two stores 1 km apart, both delivering within 5 km; NEAR is out of
/// cheese. 10:00 in Moscow.
fn world() -> World {
    let catalog = Arc::new(Catalog {
        stores: vec![store("NEAR", 55.7558, true, true), store("FAR", 55.7648, true, false)],
        products: vec![product("MILK", Unit::Pcs), product("CHEESE", Unit::Kg)],
        offers: Mutex::new(vec![
            offer("MILK", "NEAR", 8990, 10),
            offer("MILK", "FAR", 9990, 10),
            offer("CHEESE", "FAR", 120_000, 3),
        ]),
    });
    let clock = Arc::new(ManualClock::new(
        DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc),
    ));
    let book = Arc::new(Book { catalog: Arc::clone(&catalog), orders: Mutex::new(HashMap::new()) });
    let slots = SlotSettings {
        length: Duration::hours(2),
        lead: Duration::hours(1),
        cutoff: Some(NaiveTime::from_hms_opt(20, 0, 0).unwrap()),
        days: 2,
        capacity: 2,
    };
    let ordering = Ordering {
        catalog: Arc::clone(&catalog) as _,
        orders: book,
        clock: Arc::clone(&clock) as _,
        settings: OrderSettings {
            delivery: slots.clone(),
            pickup: SlotSettings { length: Duration::hours(1), ..slots },
            pricing: DeliveryPricing {
                base: rub(19_900),
                free_from: Some(rub(300_000)),
                distance_tiers: vec![],
            },
            unpaid_ttl: Duration::minutes(30),
            hold_limits: crate::limits::HoldLimits { max_unpaid_orders: 1000, max_held_units: 1_000_000 },
        },
    };
    World { ordering, catalog, clock }
}

fn item(sku: &str, quantity: Decimal) -> ItemRequest {
    ItemRequest { sku: SkuId::new(sku).unwrap(), quantity, unit: None, price: None }
}

fn home() -> Destination {
    Destination::Delivery {
        point: GeoPoint::new(55.7600, 37.6173).unwrap(),
        address: Some("Тверская, 1".into()),
    }
}

fn user(name: &str) -> UserId {
    UserId::new(name).unwrap()
}

async fn checkout_request(w: &World, items: Vec<ItemRequest>, rq: &str) -> CheckoutRequest {
    let options = w.ordering.delivery_options(&home(), &items).await.unwrap();
    CheckoutRequest {
        store: options.store.id.clone(),
        shipping: ShippingMethod::Delivery,
        address: Some((GeoPoint::new(55.7600, 37.6173).unwrap(), None)),
        items,
        slot: options.options[0].slot,
        delivery_price: Some(options.options[0].delivery_price),
        order_price: Some(options.options[0].order_price),
        request_id: rq.into(),
        request_digest: format!("digest-of-{rq}"),
    }
}

#[tokio::test]
async fn delivery_comes_from_the_nearest_store_that_has_everything_repriced() {
    let w = world();
    let milk = w.ordering.delivery_options(&home(), &[item("MILK", Decimal::TWO)]).await.unwrap();
    assert_eq!(milk.store.id.as_str(), "NEAR");
    assert_eq!(milk.options[0].delivery_price, rub(19_900));
    assert_eq!(milk.options[0].order_price, rub(2 * 8990 + 19_900));
    // 10:00 + 1 h lead: the first two-hour slot starts at 12:00 Moscow.
    assert_eq!(
        milk.options[0].slot.starts_at.with_timezone(&milk.zone).to_rfc3339(),
        "2026-11-25T12:00:00+03:00"
    );
    let both = [item("MILK", Decimal::ONE), item("CHEESE", Decimal::new(25, 1))];
    let far = w.ordering.delivery_options(&home(), &both).await.unwrap();
    assert_eq!(far.store.id.as_str(), "FAR");
    // 2.5 kg of cheese at 1200 ₽ and a milk: free delivery above 3000 ₽.
    assert_eq!(far.options[0].delivery_price, rub(0));
    assert_eq!(far.options[0].order_price, rub(9990 + 300_000));
}

#[tokio::test]
async fn bad_requests_say_what_is_wrong() {
    let w = world();
    let o = &w.ordering;
    let err = |r: Result<DeliveryOptions, OrderError>| r.unwrap_err().to_string();
    assert_eq!(err(o.delivery_options(&home(), &[]).await), "items must hold 1 to 100 lines");
    assert_eq!(err(o.delivery_options(&home(), &[item("NOPE", Decimal::ONE)]).await), "unknown skuId NOPE");
    assert_eq!(
        err(o.delivery_options(&home(), &[item("MILK", Decimal::new(15, 1))]).await),
        "quantity 1.5 of MILK is not allowed: pieces are sold whole"
    );
    assert_eq!(
        err(o.delivery_options(&home(), &[item("MILK", Decimal::ZERO)]).await),
        "quantity 0 of MILK is not allowed: it must be more than zero"
    );
    let mut grams = item("CHEESE", Decimal::ONE);
    grams.unit = Some(Unit::G);
    assert_eq!(err(o.delivery_options(&home(), &[grams]).await), "CHEESE is sold in kg, not g");
    let mut stale = item("MILK", Decimal::ONE);
    stale.price = Some(rub(7990));
    let pickup = Destination::Pickup { store: StoreId::new("NEAR").unwrap() };
    assert_eq!(
        err(o.delivery_options(&pickup, &[stale]).await),
        "the price of MILK changed from 79.90 RUB to 89.90 RUB"
    );
    let far_pickup = Destination::Pickup { store: StoreId::new("FAR").unwrap() };
    assert_eq!(
        err(o.delivery_options(&far_pickup, &[item("MILK", Decimal::ONE)]).await),
        "store FAR has no pickup"
    );
    let nowhere = Destination::Delivery { point: GeoPoint::new(59.93, 30.31).unwrap(), address: None };
    assert_eq!(
        err(o.delivery_options(&nowhere, &[item("MILK", Decimal::ONE)]).await),
        "no store delivers to this address"
    );
    assert_eq!(
        err(o.delivery_options(&home(), &[item("CHEESE", Decimal::from(4))]).await),
        "no store delivering to this address has every item"
    );
}

#[tokio::test]
async fn checkout_reserves_stock_and_is_idempotent_per_request_id() {
    let w = world();
    let request = checkout_request(&w, vec![item("MILK", Decimal::from(3))], "rq-1").await;
    let order = w.ordering.checkout(&user("alice"), request.clone()).await.unwrap();
    assert_eq!(order.status, OrderStatus::New);
    assert_eq!(order.total, rub(3 * 8990 + 19_900));
    let stock = |w: &World| w.catalog.offers.lock().unwrap()[0].stock;
    assert_eq!(stock(&w), 7);
    // The same request again: the same order, no second reservation.
    let again = w.ordering.checkout(&user("alice"), request.clone()).await.unwrap();
    assert_eq!(again.id, order.id);
    assert_eq!(stock(&w), 7);
    // The same rqUid with another body, or from another user: a new
    // checkout (an end-to-end id may be reused along a chain), itself
    // retried as one.
    let mut other = request.clone();
    other.request_digest = "something else".into();
    let second = w.ordering.checkout(&user("alice"), other.clone()).await.unwrap();
    assert_ne!(second.id, order.id);
    assert_eq!(w.ordering.checkout(&user("alice"), other).await.unwrap().id, second.id);
    assert_eq!(stock(&w), 4);
    // Another user's rqUid is theirs: not alice's order (here the slot,
    // which holds two, is full).
    assert!(matches!(w.ordering.checkout(&user("bob"), request).await, Err(OrderError::SlotFull(_))));
    // Status for the owner only.
    assert_eq!(w.ordering.order_for(Some(&user("alice")), &order.id).await.unwrap().id, order.id);
    assert_eq!(w.ordering.order_for(Some(&user("bob")), &order.id).await.unwrap_err(), OrderError::NotFound);
}

#[tokio::test]
async fn checkout_refuses_slots_we_do_not_offer_and_full_ones() {
    let w = world();
    let mut request = checkout_request(&w, vec![item("MILK", Decimal::ONE)], "rq-1").await;
    let offered = request.slot;
    request.slot.starts_at += Duration::minutes(30);
    request.slot.ends_at += Duration::minutes(30);
    let e = w.ordering.checkout(&user("alice"), request.clone()).await.unwrap_err();
    assert!(
        e.to_string()
            .starts_with("the slot 2026-11-25T12:30:00+03:00..2026-11-25T14:30:00+03:00 is not one we offer"),
        "{e}"
    );
    request.slot = offered;
    for rq in ["a", "b"] {
        let mut r = request.clone();
        r.request_id = rq.into();
        w.ordering.checkout(&user("alice"), r).await.unwrap();
    }
    request.request_id = "c".into();
    let e = w.ordering.checkout(&user("alice"), request).await.unwrap_err();
    assert!(matches!(e, OrderError::SlotFull(_)), "{e}");
    // And /delivery no longer offers it.
    let options = w.ordering.delivery_options(&home(), &[item("MILK", Decimal::ONE)]).await.unwrap();
    assert!(options.options.iter().all(|o| o.slot != offered));
}

#[tokio::test]
async fn a_changed_delivery_price_or_an_address_outside_the_zone_is_refused() {
    let w = world();
    let mut request = checkout_request(&w, vec![item("MILK", Decimal::ONE)], "rq-1").await;
    request.delivery_price = Some(rub(0));
    let e = w.ordering.checkout(&user("alice"), request.clone()).await.unwrap_err();
    assert_eq!(e.to_string(), "the delivery price changed from 0.00 RUB to 199.00 RUB");
    request.delivery_price = None;
    request.address = Some((GeoPoint::new(59.93, 30.31).unwrap(), None));
    let e = w.ordering.checkout(&user("alice"), request.clone()).await.unwrap_err();
    assert_eq!(e.to_string(), "store NEAR does not deliver to this address");
    request.address = None;
    assert_eq!(w.ordering.checkout(&user("alice"), request).await.unwrap_err(), OrderError::MissingAddress);
}

#[tokio::test]
async fn unpaid_orders_expire_and_give_their_stock_back_paid_ones_stay() {
    let w = world();
    let unpaid = w
        .ordering
        .checkout(&user("alice"), checkout_request(&w, vec![item("MILK", Decimal::from(4))], "a").await)
        .await
        .unwrap();
    let paid = w
        .ordering
        .checkout(&user("alice"), checkout_request(&w, vec![item("MILK", Decimal::from(2))], "b").await)
        .await
        .unwrap();
    w.ordering.advance(&paid.id, Action::Pay).await.unwrap();
    assert_eq!(w.catalog.offers.lock().unwrap()[0].stock, 4);
    w.clock.advance(Duration::minutes(29));
    assert_eq!(w.ordering.expire_due().await.unwrap(), 0);
    w.clock.advance(Duration::minutes(2));
    assert_eq!(w.ordering.expire_due().await.unwrap(), 1);
    assert_eq!(w.ordering.order_for(None, &unpaid.id).await.unwrap().status, OrderStatus::Cancelled);
    assert_eq!(w.ordering.order_for(None, &paid.id).await.unwrap().status, OrderStatus::Paid);
    assert_eq!(w.catalog.offers.lock().unwrap()[0].stock, 8);
    let e = w.ordering.advance(&unpaid.id, Action::Pay).await.unwrap_err();
    assert_eq!(e.to_string(), "an order that is cancelled cannot pay: the order is closed");
}

/// Whole units a line holds, for the fake's whole-unit stock.
fn units(line: &crate::OrderLine) -> i64 {
    (line.held.thousandths() + 999) / 1000
}
