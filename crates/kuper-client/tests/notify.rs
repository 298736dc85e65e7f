//! The notification client against a local fake of Kuper (wiremock): the
//! token cache, one refresh after a 401, and every failure in its class.

use std::time::Duration;

use kuper_client::notify::{KuperClient, KuperNotifier, KuperSettings, Notification, NotifyError};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> KuperClient {
    KuperClient::new(KuperSettings {
        base_url: server.uri(),
        client_id: "merchant-42".into(),
        client_secret: SecretString::from("kuper-secret-9f8e"),
        timeout: Duration::from_millis(500),
        auth: kuper_client::notify::OutgoingAuth::Token,
    })
    .unwrap()
}

fn in_work() -> Notification {
    Notification { event_type: "order.in_work".into(), payload: json!({"order_id": "H1"}) }
}

async fn token(server: &MockServer, value: &str, expires_in: u64, times: u64) {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=merchant-42"))
        .and(body_string_contains("client_secret=kuper-secret-9f8e"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": value, "expires_in": expires_in, "token_type": "Bearer", "scopes": []}),
        ))
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn one_token_serves_many_notifications_in_kupers_shape() {
    let server = MockServer::start().await;
    token(&server, "t-1", 300, 1).await;
    Mock::given(method("POST"))
        .and(path("/ofm/api/v1/notifications"))
        .and(header("authorization", "Bearer t-1"))
        .and(body_json(json!({"event": {"type": "order.in_work", "payload": {"order_id": "H1"}}})))
        .respond_with(ResponseTemplate::new(200))
        .expect(3)
        .mount(&server)
        .await;
    let kuper = client(&server);
    for _ in 0..3 {
        kuper.notify(&in_work()).await.unwrap();
    }
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_first() {
    let server = MockServer::start().await;
    // Ten seconds left is inside the refresh margin: every call renews.
    token(&server, "t-short", 10, 2).await;
    Mock::given(path("/ofm/api/v1/notifications"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let kuper = client(&server);
    kuper.notify(&in_work()).await.unwrap();
    kuper.notify(&in_work()).await.unwrap();
}

#[tokio::test]
async fn a_401_gets_one_fresh_token_and_one_more_try() {
    let server = MockServer::start().await;
    token(&server, "t-old", 300, 1).await;
    token(&server, "t-new", 300, 1).await;
    Mock::given(header("authorization", "Bearer t-old"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer t-new"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    client(&server).notify(&in_work()).await.unwrap();
}

#[tokio::test]
async fn refused_twice_is_unauthorized() {
    let server = MockServer::start().await;
    token(&server, "t", 300, 2).await;
    Mock::given(path("/ofm/api/v1/notifications"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let e = client(&server).notify(&in_work()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Unauthorized { .. }), "{e:?}");
}

#[tokio::test]
async fn each_failure_lands_in_its_class() {
    let kuper_error =
        json!({"errors": [{"type": "invalid", "field": "order_id", "message": "unknown order"}]});
    let cases = [
        (ResponseTemplate::new(202), None),
        (
            ResponseTemplate::new(429).insert_header("Retry-After", "7"),
            Some(NotifyError::Retryable {
                detail: "429 rate limited".into(),
                retry_after: Some(Duration::from_secs(7)),
            }),
        ),
        (
            ResponseTemplate::new(503),
            Some(NotifyError::Retryable { detail: "503".into(), retry_after: None }),
        ),
        (
            ResponseTemplate::new(422).set_body_json(kuper_error),
            Some(NotifyError::Permanent { status: 422, detail: "422 order_id: unknown order".into() }),
        ),
        (ResponseTemplate::new(405), Some(NotifyError::Permanent { status: 405, detail: "405".into() })),
        (
            ResponseTemplate::new(200).set_delay(Duration::from_secs(2)),
            Some(NotifyError::Retryable { detail: "timed out".into(), retry_after: None }),
        ),
    ];
    for (answer, expected) in cases {
        let server = MockServer::start().await;
        token(&server, "t", 300, 1).await;
        Mock::given(path("/ofm/api/v1/notifications")).respond_with(answer).mount(&server).await;
        assert_eq!(client(&server).notify(&in_work()).await.err(), expected);
    }
}

#[tokio::test]
async fn kuper_down_at_the_token_endpoint_is_retryable_and_nothing_leaks() {
    let server = MockServer::start().await;
    Mock::given(path("/auth/token")).respond_with(ResponseTemplate::new(502)).mount(&server).await;
    let kuper = client(&server);
    let e = kuper.notify(&in_work()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Retryable { .. }), "{e:?}");
    for text in [format!("{e}"), format!("{e:?}"), format!("{kuper:?}")] {
        assert!(!text.contains("kuper-secret-9f8e"), "{text}");
    }
}

/// A merchant issued Basic credentials: no token is asked for, every
/// notification carries them, and a 401 is not retried with a "fresh" one.
#[tokio::test]
async fn basic_auth_sends_the_credentials_on_every_notification() {
    let server = MockServer::start().await;
    Mock::given(path("/auth/token")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    // merchant-42:kuper-secret-9f8e
    Mock::given(method("POST"))
        .and(path("/ofm/api/v1/notifications"))
        .and(header("authorization", "Basic bWVyY2hhbnQtNDI6a3VwZXItc2VjcmV0LTlmOGU="))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    let settings = |server: &MockServer, secret: &str| KuperSettings {
        base_url: server.uri(),
        client_id: "merchant-42".into(),
        client_secret: SecretString::from(secret),
        timeout: Duration::from_millis(500),
        auth: kuper_client::notify::OutgoingAuth::Basic,
    };
    let kuper = KuperClient::new(settings(&server, "kuper-secret-9f8e")).unwrap();
    kuper.notify(&in_work()).await.unwrap();
    kuper.notify(&in_work()).await.unwrap();

    let refusing = MockServer::start().await;
    Mock::given(path("/ofm/api/v1/notifications"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&refusing)
        .await;
    let wrong = KuperClient::new(settings(&refusing, "wrong")).unwrap();
    let e = wrong.notify(&in_work()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Unauthorized { .. }), "{e:?}");
    assert!(!format!("{e} {e:?} {wrong:?}").contains("wrong"), "the password stays out");
}

/// Kuper's `Retry-After` as an HTTP date, on a 429 and on a 503.
#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    for status in [429, 503] {
        let server = MockServer::start().await;
        token(&server, "t-1", 300, 1).await;
        let at = std::time::SystemTime::now() + Duration::from_mins(2);
        Mock::given(path("/ofm/api/v1/notifications"))
            .respond_with(
                ResponseTemplate::new(status).insert_header("Retry-After", httpdate::fmt_http_date(at)),
            )
            .mount(&server)
            .await;
        match client(&server).notify(&in_work()).await.unwrap_err() {
            NotifyError::Retryable { retry_after: Some(wait), .. } => {
                assert!((100..=120).contains(&wait.as_secs()), "{status}: {wait:?}");
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}
