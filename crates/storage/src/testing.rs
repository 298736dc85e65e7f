//! Per-test databases on both backends.
//!
//! SQLite: a fresh file in a temporary directory. PostgreSQL: a fresh schema
//! in `TEST_DATABASE_URL`, selected through libpq's `options=-csearch_path`,
//! dropped when the test ends. Without `TEST_DATABASE_URL` the PostgreSQL half
//! is skipped with a note, except under CI (`CI` set), where that is an error:
//! CI must prove both backends.

use diesel::{Connection, PgConnection, RunQueryDsl};

use std::sync::Arc;

use crate::{Database, DatabaseUrl, DbIdentityStore, PoolOptions, migrations};

pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// A database that exists for one test and is removed after it.
#[derive(Debug)]
pub struct TestDatabase {
    pub db: Database,
    pub url: DatabaseUrl,
    /// The raw URL, for starting a binary against the same database.
    pub raw_url: String,
    _cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, schema } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            // Best effort: a leftover schema is harmless and named as a test's.
            let _ =
                diesel::sql_query(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).execute(&mut conn);
        }
    }
}

impl TestDatabase {
    /// An empty SQLite database in its own temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let raw_url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self::open(raw_url, Cleanup::Sqlite(dir))
    }

    /// An empty PostgreSQL schema, or `None` when no server is configured
    /// outside CI.
    pub fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(TEST_DATABASE_URL) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{TEST_DATABASE_URL} must be set in CI: the PostgreSQL tests may not be skipped"
            );
            eprintln!("note: {TEST_DATABASE_URL} is not set; skipping the PostgreSQL half");
            return None;
        };
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("cannot connect to {TEST_DATABASE_URL}: {e}"));
        diesel::sql_query(format!("CREATE SCHEMA \"{schema}\""))
            .execute(&mut admin)
            .expect("create test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let raw_url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
        Some(Self::open(raw_url, Cleanup::Postgres { admin_url, schema }))
    }

    /// Every backend available here: SQLite always, PostgreSQL when configured.
    pub fn each_backend() -> Vec<Self> {
        std::iter::once(Self::sqlite()).chain(Self::postgres()).collect()
    }

    /// Like [`each_backend`](Self::each_backend), with every migration applied.
    pub fn each_backend_migrated() -> Vec<Self> {
        let dbs = Self::each_backend();
        for t in &dbs {
            t.migrate();
        }
        dbs
    }

    /// The identity use cases on this database: tokens live an hour, five
    /// failures per caller and minute are allowed.
    pub fn authenticator(&self, clock: Arc<dyn domain::Clock>) -> identity::Authenticator {
        let settings = identity::AuthenticatorSettings {
            access_token_ttl: chrono::Duration::hours(1),
            max_failures: 5,
            failure_window: chrono::Duration::minutes(1),
        };
        identity::Authenticator::new(Arc::new(DbIdentityStore::new(self.db.clone())), clock, None, settings)
    }

    /// The order use cases on this database: two-hour delivery slots and
    /// one-hour pickup slots from an hour ahead for two days, `capacity`
    /// orders per slot, 199 ₽ delivery (free from 3000 ₽), 30 minutes to pay.
    pub fn ordering(&self, clock: Arc<dyn domain::Clock>, capacity: u32) -> orders::Ordering {
        use chrono::Duration;
        let rub = |roubles: i64| domain::Money::from_minor(roubles * 100, domain::Currency::Rub);
        let delivery = orders::schedule::SlotSettings {
            length: Duration::hours(2),
            lead: Duration::hours(1),
            cutoff: None,
            days: 2,
            capacity,
        };
        orders::Ordering {
            catalog: Arc::new(crate::DbCatalogRepo::new(self.db.clone())),
            orders: Arc::new(crate::DbOrderRepo::new(self.db.clone())),
            clock,
            settings: orders::OrderSettings {
                pickup: orders::schedule::SlotSettings { length: Duration::hours(1), ..delivery.clone() },
                delivery,
                pricing: orders::schedule::DeliveryPricing {
                    base: rub(199),
                    free_from: Some(rub(3000)),
                    distance_tiers: Vec::new(),
                },
                unpaid_ttl: Duration::minutes(30),
                hold_limits: orders::limits::HoldLimits {
                    max_unpaid_orders: 1000,
                    max_held_units: 1_000_000,
                },
            },
        }
    }

    /// Writes one store, `S1` (Moscow, open 08:00-22:00, delivering within
    /// 5 km, pickup), selling each of `stock`'s SKUs (in pieces, 100 ₽) with
    /// the stock given.
    /// `alice` checks out `quantity` of MILK for pickup at `S1` (see
    /// [`one_store`](Self::one_store)) in the first slot offered, under the
    /// request id `rq`.
    pub async fn pickup_checkout(
        ordering: &orders::Ordering,
        quantity: domain::Decimal,
        rq: &str,
    ) -> Result<orders::Order, orders::OrderError> {
        Self::pickup_order(ordering, "S1", "MILK", quantity, rq, "alice").await
    }

    /// `user`'s pickup order of `quantity` of `sku` at `store`, in its
    /// first slot.
    pub async fn pickup_order(
        ordering: &orders::Ordering,
        store: &str,
        sku: &str,
        quantity: domain::Decimal,
        rq: &str,
        user: &str,
    ) -> Result<orders::Order, orders::OrderError> {
        use domain::{SkuId, StoreId, UserId};
        let items = vec![orders::ItemRequest {
            sku: SkuId::new(sku).expect("valid id"),
            quantity,
            unit: None,
            price: None,
        }];
        let store = StoreId::new(store).expect("valid id");
        let destination = orders::Destination::Pickup { store: store.clone() };
        let options = ordering.delivery_options(&destination, &items).await?;
        let request = orders::CheckoutRequest {
            store,
            shipping: orders::ShippingMethod::Pickup,
            address: None,
            items,
            slot: options.options[0].slot,
            delivery_price: None,
            order_price: None,
            request_id: rq.into(),
            request_digest: format!("body of {rq}"),
        };
        ordering.checkout(&UserId::new(user).expect("valid id"), request).await
    }

    /// A Kuper order for a store we do not have, received `at`: stored
    /// canceled, its `order.canceled` queued for Kuper.
    pub async fn refused_kuper_order(&self, original: &str, at: chrono::DateTime<chrono::Utc>) {
        use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent};
        let event = ReceivedEvent {
            key: format!("k-{original}"),
            event_type: "order.created".into(),
            original_order_id: original.into(),
            body: "{}".into(),
            received_at: at,
            new_order: Some(NewKuperOrder::of("NOWHERE", vec![NewLine::of("A", domain::Decimal::ONE)])),
            news: EventNews::Nothing,
        };
        crate::DbKuperInbox::new(self.db.clone()).receive(&event).await.expect("the inbox takes the order");
    }

    pub fn one_store(&self, stock: &[(&str, i64)]) {
        use domain::{Currency, GeoPoint, Money, SkuId, StoreId, Unit};
        let store = catalog::Store {
            id: StoreId::new("S1").expect("valid id"),
            name: "Гастроном".into(),
            address: "Москва, Тверская, 1".into(),
            location: GeoPoint::new(55.7558, 37.6173).expect("valid point"),
            delivery_zone: Some(catalog::DeliveryZone::Radius { metres: 5000 }),
            pickup: true,
            opening_hours: "Mo-Su 08:00-22:00".into(),
            time_zone: "Europe/Moscow".into(),
        };
        let products = stock
            .iter()
            .map(|(sku, _)| catalog::Product {
                sku: SkuId::new(*sku).expect("valid sku"),
                name: format!("Товар {sku}"),
                description: String::new(),
                photo_url: String::new(),
                unit: Unit::Pcs,
                pack_quantity: None,
                rating: None,
                category: "Тест".into(),
                brand: "Тест".into(),
                barcode: None,
                vat: None,
            })
            .collect();
        let offers = stock
            .iter()
            .map(|(sku, stock)| catalog::Offer {
                store: store.id.clone(),
                sku: SkuId::new(*sku).expect("valid sku"),
                price: Money::from_minor(10_000, Currency::Rub),
                old_price: None,
                stock: *stock,
                delivery: true,
                pickup: true,
            })
            .collect();
        let batch = crate::CatalogBatch { stores: vec![store], products, offers, ..Default::default() };
        crate::DbCatalogRepo::write(&mut self.db.get().expect("connection"), &batch)
            .expect("catalog written");
    }

    pub fn migrate(&self) {
        let mut conn = self.db.get().expect("connection");
        migrations::run_pending(&mut conn).expect("migrations apply");
    }

    fn open(raw_url: String, cleanup: Cleanup) -> Self {
        let url = DatabaseUrl::parse(&raw_url).expect("test database URL");
        let options = PoolOptions { max_connections: 4, ..PoolOptions::default() };
        let db = Database::connect(&url, &options).expect("test database opens");
        TestDatabase { db, url, raw_url, _cleanup: cleanup }
    }
}
