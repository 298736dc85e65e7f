//! A fake Kuper for tests that need one to talk to but not to test it: its
//! token endpoint, and a notifications endpoint that takes everything. A
//! test that cares how Kuper answers mounts its own notifications mock
//! beside [`token_endpoint`].

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Where notifications go.
pub const NOTIFICATIONS_PATH: &str = "/ofm/api/v1/notifications";

/// Kuper's `POST /auth/token`: a token good for five minutes to anyone.
pub async fn token_endpoint(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "t", "expires_in": 300, "token_type": "Bearer", "scopes": []}),
        ))
        .mount(server)
        .await;
}

/// A Kuper that gives tokens and takes every notification.
pub async fn accepting_kuper() -> MockServer {
    let server = MockServer::start().await;
    token_endpoint(&server).await;
    Mock::given(method("POST"))
        .and(path(NOTIFICATIONS_PATH))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// The notifications the fake Kuper has received so far, as JSON.
pub async fn notifications(server: &MockServer) -> Vec<serde_json::Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == NOTIFICATIONS_PATH)
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}
