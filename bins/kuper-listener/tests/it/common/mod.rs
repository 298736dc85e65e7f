//! Shared by the end-to-end tests of the `kuper-listener` binary.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use app::testing::RunningService;
use serde_json::{Value, json};
use storage::testing::TestDatabase;

pub const BIN: &str = env!("CARGO_BIN_EXE_kuper-listener");
pub const SECRET: &str = "wh-secret-5b1f0e77c2";

/// The listener on `t`, a free port and [`SECRET`], bodies up to 4 KiB.
pub fn start(t: &TestDatabase, dir: &Path) -> RunningService {
    start_with(t, dir, &[("MERCHANT_HTTP_MAX_BODY_BYTES", "4096")])
}

/// The listener on `t`, a free port and [`SECRET`], with `extra` settings.
pub fn start_with(t: &TestDatabase, dir: &Path, extra: &[(&str, &str)]) -> RunningService {
    let mut env = vec![
        ("MERCHANT_DATABASE_URL", t.raw_url.as_str()),
        ("MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:0"),
        ("MERCHANT_KUPER_WEBHOOK_SECRET", SECRET),
    ];
    env.extend_from_slice(extra);
    RunningService::start(Path::new(BIN), dir, &env)
}

pub fn post(service: &RunningService, auth: &str, body: &str) -> Result<(u16, Value), reqwest::Error> {
    let response = reqwest::blocking::Client::new()
        .post(service.url("/kuper/webhooks"))
        .header("Authorization", auth)
        .header("Content-Type", "application/json")
        .timeout(Duration::from_secs(10))
        .body(body.to_owned())
        .send()?;
    let status = response.status().as_u16();
    Ok((status, response.json().unwrap_or(Value::Null)))
}

pub fn bearer() -> String {
    format!("Bearer {SECRET}")
}

pub fn created(order: &str) -> String {
    json!({
        "event_type": "order.created",
        "timestamp": "2026-11-25T10:00:00+03:00",
        "payload": {"originalOrderId": order, "storeID": "STORE-001", "shipmentMethod": "by_courier",
                    "positions": [{"id": "SKU-000001", "quantity": 2, "price": "99.90"}]}
    })
    .to_string()
}
