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
