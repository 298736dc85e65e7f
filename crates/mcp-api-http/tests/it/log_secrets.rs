//! No token or secret reaches the log, even at trace level. One test in its
//! own binary, because it installs the process-wide subscriber.

use crate::support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::App;
use actix_web::test as web_test;
use domain::SystemClock;
use identity::SandboxProvider;
use mcp_api_http::McpState;
use secrecy::ExposeSecret;
use serde_json::json;
use storage::testing::TestDatabase;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn tokens_never_reach_the_log() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || sink.clone()).init();

    let t = TestDatabase::sqlite();
    t.migrate();
    let authenticator = Arc::new(t.authenticator(Arc::new(SystemClock)));
    let (_, client) = authenticator.create_client("mcp").await.unwrap();
    let client = format!("Bearer {}", client.expose_secret());
    let state = McpState {
        authenticator,
        sberid: Some(Arc::new(SandboxProvider)),
        merchant_token: Some(Arc::new(SandboxProvider)),
        max_body_bytes: 4096,
        catalog_requires_client: false,
        catalog: support::catalog_state(&t),
        orders: None,
        payments: None,
        stock: None,
    };
    let app = web_test::init_service(App::new().configure(mcp_api_http::configure(state))).await;

    let external = "sandbox:subject-8d2f41:Анна:+79991234567";
    let mut secrets =
        vec![client.clone(), "sandbox:subject-8d2f41".to_owned(), "sandbox-expired:c0ffee77".to_owned()];
    for (path, token, auth) in [
        ("/auth/sberid", json!({"tokenSberId": external}), client.as_str()),
        ("/auth/other", json!({"token": "sandbox-expired:c0ffee77"}), client.as_str()),
        ("/auth/other", json!({"token": external}), "Bearer mct_0123456789abcdef_wrongsecret77"),
    ] {
        let req = web_test::TestRequest::post()
            .uri(path)
            .insert_header(("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198"))
            .insert_header(("authorization", auth))
            .set_json(token)
            .to_request();
        let body: serde_json::Value = web_test::call_and_read_body_json(&app, req).await;
        if let Some(access) = body["accessToken"].as_str() {
            secrets.push(access.to_owned());
        }
    }
    secrets.push("wrongsecret77".to_owned());

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("user logged in"), "the log was captured:\n{log}");
    assert!(log.contains("authentication failed"), "{log}");
    for secret in &secrets {
        let tail = &secret[secret.len().saturating_sub(20)..];
        assert!(!log.contains(tail), "{tail} leaked into the log:\n{log}");
    }
}
