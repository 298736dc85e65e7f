//! Purging on both backends: old acknowledged notifications, idempotency
//! keys, expired staff sessions and sign-in failure windows go; a
//! notification still to send stays, however old, and so does a live
//! session.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use identity::staff::{Role, StaffAccount};
use storage::schema::{auth_failures, idempotency_keys};
use storage::testing::TestDatabase;
use storage::{DbKuperOutbox, DbStaff};

fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc)
}

#[test]
fn old_acknowledged_notifications_and_keys_go_and_what_is_still_to_send_stays() {
    for t in TestDatabase::each_backend_migrated() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(t.refused_kuper_order("H-sent", morning()));
        runtime.block_on(t.refused_kuper_order("H-pending", morning()));
        let mut conn = t.db.get().unwrap();
        let sent = DbKuperOutbox::list(&mut conn, None, 10).unwrap()[0].id;
        DbKuperOutbox::sent_all(&mut conn, &[sent], morning()).unwrap();
        for (key, at) in [("old", morning() - Duration::days(40)), ("new", morning())] {
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::scope.eq("checkout"),
                    idempotency_keys::key.eq(key),
                    idempotency_keys::digest.eq("d"),
                    idempotency_keys::resource_id.eq("ord_x"),
                    idempotency_keys::created_at.eq(at.naive_utc()),
                ))
                .execute(&mut *conn)
                .unwrap();
            diesel::insert_into(auth_failures::table)
                .values((
                    auth_failures::key.eq(format!("caller-{key}")),
                    auth_failures::started_ms.eq(at.timestamp_millis()),
                    auth_failures::failures.eq(3),
                ))
                .execute(&mut *conn)
                .unwrap();
        }

        let olga = StaffAccount {
            login: "olga".into(),
            name: "Ольга".into(),
            role: Role::Picker,
            stores: Vec::new(),
            disabled: false,
        };
        DbStaff::create(&mut conn, &olga, "hash", morning()).unwrap();
        let long_ago = morning() - Duration::days(40);
        DbStaff::open_session(&mut conn, "h-old", "olga", "c", long_ago, long_ago + Duration::hours(8))
            .unwrap();
        DbStaff::open_session(&mut conn, "h-live", "olga", "c", morning(), morning() + Duration::hours(8))
            .unwrap();

        let purged = storage::retention::purge(&mut conn, morning() - Duration::days(30)).unwrap();
        assert_eq!(
            (purged.notifications, purged.idempotency_keys, purged.staff_sessions, purged.failure_windows),
            (0, 1, 1, 1),
            "{}",
            t.db.backend()
        );
        assert!(DbStaff::session(&mut conn, "h-live", morning()).unwrap().is_some(), "a live session stays");
        let purged = storage::retention::purge(&mut conn, morning() + Duration::days(1)).unwrap();
        assert_eq!(purged.notifications, 1, "{}: the acknowledged one", t.db.backend());
        let left = DbKuperOutbox::list(&mut conn, None, 10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(
            left[0].state,
            orders::kuper::states::OutboxState::Pending,
            "a notification still to send is never purged"
        );
    }
}

/// What the retention test's customers said of themselves.
const PERSONAL: [&str; 9] = [
    "Ольга",
    "+79990000001",
    "olga@example.ru",
    "Тверская, 7, кв. 12",
    "Кузнецов",
    "+79990000003",
    "Лесная, 5",
    "позвонить за час",
    "55.75581",
];

/// A customer's personal data outlives their closed order by the retention
/// time and no longer, in each channel; the order, its amounts and lines
/// stay and still read back; open orders and recent customers keep theirs.
#[test]
fn personal_data_of_old_closed_orders_is_erased_and_the_orders_stay() {
    use std::sync::Arc;

    use ::orders::{Action, CheckoutRequest, Destination, ItemRequest, OrderRepo, ShippingMethod};
    use domain::{GeoPoint, ManualClock, StoreId, UserId};
    use storage::{DbKuperInbox, DbOrderRepo};

    for t in TestDatabase::each_backend_migrated() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        t.one_store(&[("MILK", 50)]);
        let clock = Arc::new(ManualClock::new(morning()));
        let ordering = t.ordering(Arc::clone(&clock) as _, 100);
        let auth = t.authenticator(Arc::new(domain::SystemClock));
        let sign_in = |token: &str| {
            let provider = identity::SandboxProvider;
            let token = secrecy::SecretString::from(token.to_owned());
            runtime.block_on(auth.login(identity::Provider::SberId, &provider, &token)).unwrap().user_id
        };
        let olga = sign_in("sandbox:olga:Ольга:+79990000001:olga@example.ru");
        let petr = sign_in("sandbox:petr:Пётр:+79990000002");
        let checkout = |user: &UserId, rq: &str| {
            let point = GeoPoint::new(55.755_81, 37.617_3).unwrap();
            let items = vec![ItemRequest {
                sku: domain::SkuId::new("MILK").unwrap(),
                quantity: 2.into(),
                unit: None,
                price: None,
            }];
            runtime.block_on(async {
                let destination = Destination::Delivery { point, address: None };
                let options = ordering.delivery_options(&destination, &items).await.unwrap();
                let request = CheckoutRequest {
                    store: StoreId::new("S1").unwrap(),
                    shipping: ShippingMethod::Delivery,
                    address: Some((point, Some("Тверская, 7, кв. 12".into()))),
                    items,
                    slot: options.options[0].slot,
                    delivery_price: None,
                    order_price: None,
                    request_id: rq.into(),
                    request_digest: rq.into(),
                };
                ordering.checkout(user, request).await.unwrap()
            })
        };
        let closed = checkout(&olga, "rq-olga");
        runtime.block_on(ordering.advance(&closed.id, Action::Cancel)).unwrap();
        let open = checkout(&petr, "rq-petr");
        let mut conn = t.db.get().unwrap();
        paid_with_a_receipt(&mut conn, &closed);

        kuper_orders_with_a_customer(&t, &runtime);

        let now = Utc::now() + Duration::days(100);
        let erased =
            storage::retention::erase_personal_data(&mut conn, Utc::now() + Duration::days(1), now).unwrap();
        assert_eq!(
            (erased.mcp_orders, erased.kuper_orders, erased.shoppers),
            (1, 1, 1),
            "{}: {erased:?}",
            t.db.backend()
        );

        for (table, id) in [
            ("orders", closed.id.as_str()),
            ("payments", closed.id.as_str()),
            ("users", olga.as_str()),
            ("kuper_orders", "H-closed"),
            ("kuper_inbox", "H-closed"),
        ] {
            let text = stored_text(&mut conn, table, id);
            for personal in PERSONAL {
                assert!(
                    !text.contains(personal),
                    "{}: {table} {id} still says {personal}: {text}",
                    t.db.backend()
                );
            }
        }
        // What is open, or whose owner is active, keeps what it needs.
        assert!(stored_text(&mut conn, "orders", open.id.as_str()).contains("Тверская, 7"));
        assert!(stored_text(&mut conn, "users", petr.as_str()).contains("Пётр"));
        assert!(stored_text(&mut conn, "kuper_orders", "H-open").contains("Кузнецов"));
        assert!(stored_text(&mut conn, "kuper_inbox", "H-open").contains("Кузнецов"));

        // The orders stay, and read back.
        let kept = runtime.block_on(DbOrderRepo::new(t.db.clone()).get(&closed.id)).unwrap().unwrap();
        assert_eq!(
            (kept.total, kept.lines.len(), kept.status),
            (closed.total, 1, ::orders::OrderStatus::Cancelled)
        );
        let view = DbKuperInbox::order(&mut conn, "H-closed").unwrap().unwrap();
        assert_eq!(view.status, ::orders::kuper::flow::KuperStatus::Canceled);
        let attempts = runtime.block_on(::payments::PaymentRepo::attempts(
            &storage::DbPaymentRepo::new(t.db.clone()),
            &closed.id,
        ));
        assert_eq!(attempts.unwrap()[0].receipt, None, "an erased receipt reads as none");

        let again =
            storage::retention::erase_personal_data(&mut conn, Utc::now() + Duration::days(1), now).unwrap();
        assert_eq!(again, storage::retention::Erased::default(), "each order is erased once");
    }
}

/// A payment of `order` whose receipt went to the customer's email.
fn paid_with_a_receipt(conn: &mut storage::AnyConnection, order: &::orders::Order) {
    use storage::schema::payments;
    diesel::insert_into(payments::table)
        .values((
            payments::id.eq("pay-1"),
            payments::gateway.eq("sandbox"),
            payments::order_id.eq(order.id.to_string()),
            payments::amount_minor.eq(order.total.minor()),
            payments::currency.eq("RUB"),
            payments::status.eq("canceled"),
            payments::details.eq("{}"),
            payments::return_url.eq("https://shop.example/back"),
            payments::idempotence_key.eq("idem-1"),
            payments::created_at.eq(morning().naive_utc()),
            payments::updated_at.eq(morning().naive_utc()),
            payments::method.eq("page"),
            payments::receipt.eq(r#"{"customer":{"email":"olga@example.ru"},"items":[]}"#),
        ))
        .execute(conn)
        .unwrap();
}

/// Two Kuper orders with a customer: `H-closed` refused (created
/// canceled, so closed at once) and `H-open` taken.
fn kuper_orders_with_a_customer(t: &TestDatabase, runtime: &tokio::runtime::Runtime) {
    use ::orders::kuper::details::{Address, Customer, KuperDetails};
    use ::orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent};
    let details = KuperDetails {
        customer: Some(Customer {
            name: Some("Кузнецов".into()), phone: Some("+79990000003".into())
        }),
        address: Some(Address { full_address: Some("Лесная, 5".into()), ..Address::default() }),
        comment: Some("позвонить за час".into()),
        ..KuperDetails::default()
    };
    for (original, store) in [("H-closed", "NOWHERE"), ("H-open", "S1")] {
        let event = ReceivedEvent {
            key: format!("k-{original}"),
            event_type: "order.created".into(),
            original_order_id: original.into(),
            body: r#"{"payload":{"customer":{"name":"Кузнецов","phone":"+79990000003"}}}"#.into(),
            received_at: morning(),
            new_order: Some(NewKuperOrder {
                details: details.clone(),
                ..NewKuperOrder::of(store, vec![NewLine::of("MILK", domain::Decimal::ONE)])
            }),
            news: EventNews::Nothing,
        };
        runtime.block_on(storage::DbKuperInbox::new(t.db.clone()).receive(&event)).unwrap();
    }
}

/// What `table` keeps of `id` that could name a person.
fn stored_text(conn: &mut storage::AnyConnection, table: &str, id: &str) -> String {
    use storage::schema::{kuper_inbox, kuper_orders, orders, payments, users};
    match table {
        "orders" => orders::table
            .find(id)
            .select(orders::destination)
            .first::<Option<String>>(conn)
            .unwrap()
            .unwrap_or_default(),
        "kuper_orders" => kuper_orders::table
            .filter(kuper_orders::original_order_id.eq(id))
            .select(kuper_orders::details)
            .first::<String>(conn)
            .unwrap(),
        "kuper_inbox" => kuper_inbox::table
            .filter(kuper_inbox::original_order_id.eq(id))
            .select(kuper_inbox::body)
            .load::<String>(conn)
            .unwrap()
            .join(" "),
        "payments" => payments::table
            .filter(payments::order_id.eq(id))
            .select(payments::receipt)
            .first::<Option<String>>(conn)
            .unwrap()
            .unwrap_or_default(),
        "users" => {
            let (n, p, e) = users::table
                .find(id)
                .select((users::name, users::phone, users::email))
                .first::<(Option<String>, Option<String>, Option<String>)>(conn)
                .unwrap();
            format!("{n:?} {p:?} {e:?}")
        }
        other => panic!("{other}"),
    }
}
