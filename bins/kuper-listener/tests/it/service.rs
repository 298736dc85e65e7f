//! The real `kuper-listener` binary, started on port 0.

use std::path::Path;

use app::testing::{RunningService, run_to_exit};
use storage::testing::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_kuper-listener");
const WEBHOOK_SECRET: &str = "wh-secret-5b1f0e77c2";

#[test]
fn serves_health_on_each_backend() {
    for t in TestDatabase::each_backend() {
        let dir = tempfile::tempdir().unwrap();
        let mut service = RunningService::start(
            Path::new(BIN),
            dir.path(),
            &[
                ("MERCHANT_DATABASE_URL", &t.raw_url),
                ("MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:0"),
                ("MERCHANT_KUPER_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ],
        );
        for path in ["/health/live", "/health/ready", "/metrics"] {
            let response = reqwest::blocking::get(service.url(path)).unwrap();
            assert_eq!(response.status(), 200, "{path}");
        }
        assert!(service.terminate().success());
    }
}

#[test]
fn refuses_to_start_without_the_webhook_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(Path::new(BIN), dir.path(), &[("MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:0")]);
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "kuper-listener: invalid configuration: MERCHANT_KUPER_WEBHOOK_SECRET: is required by kuper-listener"
    );
}

/// Secrets stay out of everything the process prints, even at trace level.
/// PostgreSQL here trusts local connections, so a password in the URL is
/// accepted and ignored: exactly the value that must not leak.
#[test]
fn secrets_never_reach_the_logs() {
    let password = "db-pa55-3c9d1a";
    let postgres = TestDatabase::postgres();
    let sqlite = TestDatabase::sqlite();
    let url = match &postgres {
        Some(t) => {
            let url =
                t.raw_url.replacen("postgres://postgres@", &format!("postgres://postgres:{password}@"), 1);
            assert!(url.contains(password), "TEST_DATABASE_URL has the expected form: {}", t.raw_url);
            url
        }
        None => sqlite.raw_url.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    for format in ["pretty", "json"] {
        let mut service = RunningService::start(
            Path::new(BIN),
            dir.path(),
            &[
                ("MERCHANT_DATABASE_URL", &url),
                ("MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:0"),
                ("MERCHANT_KUPER_WEBHOOK_SECRET", WEBHOOK_SECRET),
                ("MERCHANT_LOG_LEVEL", "trace"),
                ("MERCHANT_LOG_FORMAT", format),
            ],
        );
        reqwest::blocking::get(service.url("/health/ready")).unwrap();
        assert!(service.terminate().success());
        let output = service.output();
        assert!(output.contains("listening"), "{output}");
        assert!(!output.contains(WEBHOOK_SECRET), "webhook secret leaked:\n{output}");
        assert!(!output.contains(password), "database password leaked:\n{output}");
    }
}
