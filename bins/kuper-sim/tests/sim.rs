//! The simulator as a client of it sees it: tokens only for the right
//! credentials, notifications refused the way Kuper refuses them, faults
//! played on demand, Kuper's rate limit. (Building this test also builds the
//! `kuper-sim` binary that the listener's end-to-end tests start.)

use std::path::Path;

use app::testing::RunningService;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kuper-sim");

fn sim(args: &[&str]) -> RunningService {
    let dir = std::env::temp_dir();
    let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
    all.extend(args);
    RunningService::start_with_args(Path::new(BIN), &dir, &all, &[])
}

fn token(sim: &RunningService, secret: &str) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .post(sim.url("/auth/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", "merchant"), ("client_secret", secret)])
        .send()
        .unwrap();
    (response.status().as_u16(), response.json().unwrap_or(Value::Null))
}

fn notify(sim: &RunningService, token: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .post(sim.url("/ofm/api/v1/notifications"))
        .bearer_auth(token)
        .json(body)
        .send()
        .unwrap();
    (response.status().as_u16(), response.json().unwrap_or(Value::Null))
}

#[test]
fn tokens_notifications_and_faults_behave_like_kuper() {
    let sim = sim(&["--rate-limit", "0", "--token-ttl-secs", "60"]);
    assert_eq!(token(&sim, "wrong").0, 401);
    let (status, issued) = token(&sim, "kuper-secret");
    assert_eq!((status, &issued["expires_in"], &issued["token_type"]), (200, &json!(60), &json!("Bearer")));
    let access = issued["access_token"].as_str().unwrap();

    let unknown = json!({"event": {"type": "order.in_work", "payload": {"order_id": "H404"}}});
    assert_eq!(notify(&sim, "not-a-token", &unknown).0, 401);
    let (status, refused) = notify(&sim, access, &unknown);
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["message"], "unknown order", "Kuper's error shape");
    assert_eq!(notify(&sim, access, &json!({"nonsense": true})).0, 422);

    let plan = json!([{"kind": "unavailable", "seconds": 30}]);
    let client = reqwest::blocking::Client::new();
    assert!(client.post(sim.url("/sim/faults")).json(&plan).send().unwrap().status().is_success());
    assert_eq!(notify(&sim, access, &unknown).0, 503);
    assert_eq!(token(&sim, "kuper-secret").0, 503, "the token endpoint is down too");
    assert!(client.delete(sim.url("/sim/faults")).send().unwrap().status().is_success());
    assert_eq!(notify(&sim, access, &unknown).0, 422);

    let counted: Value = reqwest::blocking::get(sim.url("/sim/stats")).unwrap().json().unwrap();
    assert_eq!(counted["byStatus"]["503"], 2, "{counted}");
}

#[test]
fn more_than_ten_requests_a_second_are_a_429_with_retry_after() {
    let sim = sim(&[]);
    let (_, issued) = token(&sim, "kuper-secret");
    let access = issued["access_token"].as_str().unwrap();
    let body = json!({"event": {"type": "order.in_work", "payload": {"order_id": "H1"}}});
    let client = reqwest::blocking::Client::new();
    let limited = (0..30).find_map(|_| {
        let response =
            client.post(sim.url("/ofm/api/v1/notifications")).bearer_auth(access).json(&body).send().unwrap();
        (response.status().as_u16() == 429).then(|| response.headers().get("Retry-After").cloned())
    });
    assert_eq!(limited.flatten().unwrap(), "1");
}
