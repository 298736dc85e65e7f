//! The outbox dispatcher on both backends against a fake Kuper (wiremock):
//! in order per order, retried with backoff while Kuper is down, dead-lettered
//! when Kuper refuses for good.

use std::time::Duration;

use std::sync::Arc;

use app::dispatcher::{DispatchSettings, Dispatcher};
use chrono::{DateTime, Utc};
use domain::{Decimal, ManualClock};
use kuper_client::notify::{KuperClient, KuperSettings};
use orders::kuper::flow::StaffAction;
use orders::kuper::states::OutboxState;
use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent, StaffRequest};
use secrecy::SecretString;
use serde_json::json;
use storage::testing::TestDatabase;
use storage::{DbKuperInbox, DbKuperOutbox};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn settings() -> DispatchSettings {
    DispatchSettings {
        backoff: vec![Duration::from_secs(10), Duration::from_mins(1)],
        lease: Duration::from_secs(30),
        per_second: None,
        batch: 20,
    }
}

/// Notifications acknowledged by Kuper in one pass.
async fn pass(t: &TestDatabase, client: &KuperClient, clock: &Arc<ManualClock>) -> usize {
    let dispatcher = Dispatcher::new(t.db.clone(), Arc::new(client.clone()), clock.clone(), settings());
    dispatcher.dispatch_once().await.unwrap().sent
}

fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc)
}

async fn kuper() -> (MockServer, KuperClient) {
    let server = MockServer::start().await;
    kuper_client::testing::token_endpoint(&server).await;
    let client = KuperClient::new(KuperSettings {
        base_url: server.uri(),
        client_id: "m".into(),
        client_secret: SecretString::from("s"),
        timeout: Duration::from_secs(2),
        auth: kuper_client::notify::OutgoingAuth::Token,
    })
    .unwrap();
    (server, client)
}

#[tokio::test(flavor = "multi_thread")]
async fn queued_notifications_reach_kuper_once_and_in_order() {
    for t in TestDatabase::each_backend_migrated() {
        let (server, client) = kuper().await;
        Mock::given(method("POST"))
            .and(path("/ofm/api/v1/notifications"))
            .and(body_partial_json(
                json!({"event": {"type": "order.canceled", "payload": {"order_id": "H1"}}}),
            ))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        t.refused_kuper_order("H1", morning()).await;
        let clock = Arc::new(ManualClock::new(morning()));
        assert_eq!(pass(&t, &client, &clock).await, 1);
        assert_eq!(pass(&t, &client, &clock).await, 0, "sent once");
        let rows = DbKuperOutbox::list(&mut t.db.get().unwrap(), Some(OutboxState::Sent), 10).unwrap();
        assert_eq!(rows.len(), 1, "{}", t.db.backend());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outage_holds_back_an_order_s_later_notifications_and_a_refusal_is_dead() {
    for t in TestDatabase::each_backend_migrated() {
        t.one_store(&[("MILK", 10)]);
        let (server, client) = kuper().await;
        let inbox = DbKuperInbox::new(t.db.clone());
        let event = ReceivedEvent {
            key: "k-H2".into(),
            event_type: "order.created".into(),
            original_order_id: "H2".into(),
            body: "{}".into(),
            received_at: morning(),
            news: EventNews::Nothing,
            new_order: Some(NewKuperOrder::of("S1", vec![NewLine::of("MILK", Decimal::ONE)])),
        };
        inbox.receive(&event).await.unwrap();
        for action in [StaffAction::StartAssembly, StaffAction::Assembled] {
            DbKuperInbox::act(&mut t.db.get().unwrap(), "H2", &StaffRequest::step(action), morning())
                .unwrap()
                .unwrap();
        }
        t.refused_kuper_order("H3", morning()).await;
        let down = Mock::given(path("/ofm/api/v1/notifications"))
            .respond_with(ResponseTemplate::new(503))
            .mount_as_scoped(&server)
            .await;
        let clock = Arc::new(ManualClock::new(morning()));
        assert_eq!(pass(&t, &client, &clock).await, 0);
        let pending = DbKuperOutbox::list(&mut t.db.get().unwrap(), Some(OutboxState::Pending), 10).unwrap();
        let attempts: Vec<(&str, i32)> = pending.iter().map(|r| (r.kind.as_str(), r.attempts)).collect();
        // H2's second notification waits behind its first: not even tried.
        assert_eq!(
            attempts,
            [("order.in_work", 1), ("order.assembled", 0), ("order.canceled", 1)],
            "{}",
            t.db.backend()
        );
        assert_eq!(pass(&t, &client, &clock).await, 0, "not due yet");
        drop(down);
        // Kuper is back, but refuses H3's for good.
        Mock::given(body_partial_json(json!({"event": {"payload": {"order_id": "H3"}}})))
            .respond_with(ResponseTemplate::new(422))
            .mount(&server)
            .await;
        Mock::given(path("/ofm/api/v1/notifications"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        clock.advance(chrono::Duration::seconds(15));
        assert_eq!(pass(&t, &client, &clock).await, 1);
        assert_eq!(pass(&t, &client, &clock).await, 1);
        let sent: Vec<String> = kuper_client::testing::notifications(&server)
            .await
            .into_iter()
            .filter(|b| b["event"]["payload"]["order_id"] == "H2")
            .map(|b| b["event"]["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            sent,
            ["order.in_work", "order.in_work", "order.assembled"],
            "in order, the first retried once"
        );
        let dead = DbKuperOutbox::list(&mut t.db.get().unwrap(), Some(OutboxState::Dead), 10).unwrap();
        assert_eq!(dead.len(), 1, "{}", t.db.backend());
        assert!(dead[0].last_error.as_deref().unwrap().contains("422"));
    }
}
