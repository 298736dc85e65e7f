//! The real `mcp-api` binary, started on port 0 against both backends.

use crate::common;

use std::path::Path;

use app::testing::{RunningService, run_to_exit};
use common::BIN;
use storage::testing::TestDatabase;

fn start(db_url: &str, dir: &Path) -> RunningService {
    common::start(db_url, dir, &[])
}

#[test]
fn serves_health_and_metrics_on_each_backend_and_stops_on_sigterm() {
    for t in TestDatabase::each_backend() {
        let dir = tempfile::tempdir().unwrap();
        let mut service = start(&t.raw_url, dir.path());
        assert!(service.base_url.starts_with("http://127.0.0.1:"), "{}", service.base_url);

        let live = reqwest::blocking::get(service.url("/health/live")).unwrap();
        assert_eq!(live.status(), 200);
        let ready = reqwest::blocking::get(service.url("/health/ready")).unwrap();
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().unwrap();
        assert_eq!(body["status"], "ready");

        let metrics = reqwest::blocking::get(service.url("/metrics")).unwrap();
        assert_eq!(metrics.status(), 200);
        let text = metrics.text().unwrap();
        let counted = |route: &str, status: &str| {
            text.lines().any(|line| {
                line.starts_with("merchant_http_requests_total{")
                    && line.contains(&format!(r#"route="{route}""#))
                    && line.contains(&format!(r#"status="{status}""#))
                    && line.contains(r#"service="mcp-api""#)
                    && line.ends_with(" 1")
            })
        };
        assert!(counted("/health/ready", "200"), "{text}");
        assert!(text.contains("merchant_db_pool_connections"), "{text}");

        let missing = reqwest::blocking::get(service.url("/no/such/path")).unwrap();
        assert_eq!(missing.status(), 404);
        let text = reqwest::blocking::get(service.url("/metrics")).unwrap().text().unwrap();
        assert!(
            text.contains(r#"route="unmatched""#) && !text.contains("/no/such/path"),
            "unknown paths share one label: {text}"
        );

        let status = service.terminate();
        assert!(status.success(), "graceful stop on SIGTERM: {status}\n{}", service.output());
        assert!(service.output().contains("stopped"), "{}", service.output());
    }
}

#[test]
fn migrations_run_once_and_a_second_start_reuses_the_schema() {
    let t = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let mut first = start(&t.raw_url, dir.path());
    assert!(first.terminate().success());
    // Refusing migrations is fine once the schema is current.
    let mut second = common::start(&t.raw_url, dir.path(), &[("MERCHANT_DATABASE_RUN_MIGRATIONS", "false")]);
    assert!(second.terminate().success());
}

#[test]
fn an_outdated_schema_is_refused_when_migrations_are_off() {
    let t = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(
        Path::new(BIN),
        dir.path(),
        &[
            ("MERCHANT_DATABASE_URL", &t.raw_url),
            ("MERCHANT_MCP_API_ADDR", "127.0.0.1:0"),
            ("MERCHANT_DATABASE_RUN_MIGRATIONS", "false"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("schema is behind"), "{stderr}");
}

#[test]
fn bad_configuration_exits_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value) in [
        ("MERCHANT_DATABASE_URL", "mysql://root@localhost/shop"),
        ("MERCHANT_MCP_API_ADDR", "127.0.0.1:70000"),
        ("MERCHANT_HTTP_WORKERS", "many"),
    ] {
        let out = run_to_exit(Path::new(BIN), dir.path(), &[(key, value)]);
        assert_eq!(out.status.code(), Some(78), "{key}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("mcp-api: invalid configuration: {key}: ")), "{stderr}");
    }
}

#[test]
fn a_taken_port_is_a_clear_start_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let t = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(
        Path::new(BIN),
        dir.path(),
        &[("MERCHANT_DATABASE_URL", &t.raw_url), ("MERCHANT_MCP_API_ADDR", &addr)],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("cannot listen on {addr}")), "{stderr}");
}

/// With a metrics token, `/metrics` answers only its bearer; whatever
/// methods callers invent, the method label stays one of a handful.
#[test]
fn metrics_need_their_token_and_invented_methods_add_no_series() {
    let t = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let token = "metrics-token-0123456789abcdef0123456789";
    let service = common::start(&t.raw_url, dir.path(), &[("MERCHANT_METRICS_TOKEN", token)]);
    let http = reqwest::blocking::Client::new();
    assert_eq!(http.get(service.url("/metrics")).send().unwrap().status(), 401);
    assert_eq!(http.get(service.url("/metrics")).bearer_auth("wrong").send().unwrap().status(), 401);
    for n in 0..10_000 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{n}").as_bytes()).unwrap();
        http.request(method, service.url("/search")).send().unwrap();
    }
    let metrics = http.get(service.url("/metrics")).bearer_auth(token).send().unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().unwrap();
    let methods: std::collections::BTreeSet<&str> =
        text.split("method=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert!(methods.contains("other") && !methods.iter().any(|m| m.starts_with("INVENTED")), "{methods:?}");
    assert!(methods.len() <= 9, "{methods:?}");
    assert!(!service.output().contains(token), "the token is never logged");
}

/// Production mode refuses each demo-only setting at start, naming it.
#[test]
fn production_mode_refuses_to_start_on_demo_settings_and_names_each() {
    let t = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let long = "0123456789abcdef0123456789abcdef";
    let good = [
        ("MERCHANT_DATABASE_URL", t.raw_url.as_str()),
        ("MERCHANT_MCP_API_ADDR", "127.0.0.1:0"),
        ("MERCHANT_ENV", "production"),
        ("MERCHANT_PAYMENTS_GATEWAY", "yookassa"),
        ("MERCHANT_PAYMENTS_YOOKASSA_SHOP_ID", "shop"),
        ("MERCHANT_PAYMENTS_YOOKASSA_SECRET_KEY", "secret-key"),
        ("MERCHANT_PAYMENTS_PUBLIC_URL", "https://shop.example"),
        ("MERCHANT_CONSOLE_SECURE_COOKIES", "true"),
    ];
    let cases = [
        ("MERCHANT_SBERID_MODE", "sandbox"),
        ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
        ("MERCHANT_PAYMENTS_GATEWAY", "sandbox"),
        ("MERCHANT_PAYMENTS_PUBLIC_URL", ""),
        ("MERCHANT_CONSOLE_SECURE_COOKIES", "false"),
        ("MERCHANT_STOCK_API_TOKEN", "short"),
        ("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", "short"),
        ("MERCHANT_METRICS_TOKEN", "short"),
    ];
    for (setting, value) in cases {
        let mut env: Vec<(&str, &str)> = good.iter().copied().filter(|(k, _)| *k != setting).collect();
        if !value.is_empty() {
            env.push((setting, value));
        }
        let out = run_to_exit(Path::new(BIN), dir.path(), &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{setting}: {stderr}");
        assert!(stderr.starts_with(&format!("mcp-api: invalid configuration: {setting}: ")), "{stderr}");
        assert!(!stderr.contains("short"), "a secret is never echoed: {stderr}");
    }
    // All set as production wants: it starts.
    let mut env = good.to_vec();
    env.push(("MERCHANT_STOCK_API_TOKEN", long));
    let service = RunningService::start(Path::new(BIN), dir.path(), &env);
    assert_eq!(reqwest::blocking::get(service.url("/health/live")).unwrap().status(), 200);
}
