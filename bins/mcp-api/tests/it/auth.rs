//! Sign-in through the real `mcp-api` binary with the sandbox providers.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use app::testing::run_to_exit;
use common::BIN;
use domain::SystemClock;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;

/// Issues a client token the way `merchantctl tokens create` does.
fn client_token(t: &TestDatabase) -> String {
    t.migrate();
    let auth = t.authenticator(Arc::new(SystemClock));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_, token) = runtime.block_on(auth.create_client("e2e")).unwrap();
    token.expose_secret().to_owned()
}

#[test]
fn sign_in_over_http_and_nothing_secret_in_the_output() {
    for t in TestDatabase::each_backend() {
        let token = client_token(&t);
        let dir = tempfile::tempdir().unwrap();
        let mut service = common::start(
            &t.raw_url,
            dir.path(),
            &[
                ("MERCHANT_SBERID_MODE", "sandbox"),
                ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
                ("MERCHANT_LOG_LEVEL", "trace"),
            ],
        );
        let http = reqwest::blocking::Client::new();
        let sign_in = |path: &str, body: Value| {
            let res = http
                .post(service.url(path))
                .header("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")
                .bearer_auth(&token)
                .json(&body)
                .send()
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().unwrap())
        };
        let (status, body) =
            sign_in("/auth/sberid", json!({"tokenSberId": "sandbox:e2e-1:Ольга:+79990000001"}));
        assert_eq!((status, body["userStatus"].as_str()), (200, Some("sso")), "{body}");
        let access = body["accessToken"].as_str().unwrap().to_owned();
        let (status, body) = sign_in("/auth/other", json!({"token": "sandbox-expired:e2e"}));
        assert_eq!((status, body["code"].as_str()), (401, Some("401")), "{body}");

        assert!(service.terminate().success());
        let output = service.output();
        assert!(output.contains("user logged in"), "{output}");
        for secret in [&token[token.len() - 20..], &access[access.len() - 20..], "sandbox:e2e-1"] {
            assert!(!output.contains(secret), "{secret} leaked:\n{output}");
        }
    }
}

#[test]
fn live_sberid_without_its_endpoint_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(Path::new(BIN), dir.path(), &[("MERCHANT_SBERID_MODE", "live")]);
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mcp-api: invalid configuration: MERCHANT_SBERID_USERINFO_URL: is required"),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_client_certificate_is_named_at_start() {
    let t = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(
        Path::new(BIN),
        dir.path(),
        &[
            ("MERCHANT_DATABASE_URL", &t.raw_url),
            ("MERCHANT_SBERID_MODE", "live"),
            ("MERCHANT_SBERID_USERINFO_URL", "https://sberid.example/userinfo"),
            ("MERCHANT_SBERID_CLIENT_ID", "merchant"),
            ("MERCHANT_SBERID_CLIENT_CERT_FILE", "/nonexistent/client.pem"),
            ("MERCHANT_SBERID_CLIENT_KEY_FILE", "/nonexistent/client.key"),
        ],
    );
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("MERCHANT_SBERID_CLIENT_CERT_FILE: cannot read /nonexistent/client.pem"),
        "{stderr}"
    );
}

/// An HS256 MCP-client JWT (the seed's own example is one) with the claims
/// the service is configured to require.
fn hs256(secret: &str, audience: &str) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let claims = json!({"sub": "mcp-platform", "iss": "https://mcp.example", "aud": audience,
                        "exp": chrono::Utc::now().timestamp() + 300});
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[test]
fn hs256_client_jwts_pass_only_with_a_configured_shared_secret() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let dir = tempfile::tempdir().unwrap();
    let secret = "shared-with-the-mcp-platform-0123456789abcdef";
    let secret_file = dir.path().join("mcp-hmac.secret");
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let sign_in = |service: &app::testing::RunningService, jwt: &str| {
        let (status, body) = common::call(
            service,
            "/auth/other",
            "1c6ec07e-3103-41bb-8753-6cea67521198",
            &[("Authorization", &format!("Bearer {jwt}"))],
            &json!({"token": "sandbox:hs256-user"}),
        );
        (status, body)
    };
    let token = hs256(secret, "merchant-42");

    // Never by default.
    let plain = common::start(&t.raw_url, dir.path(), &[("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox")]);
    assert_eq!(sign_in(&plain, &token).0, 403);
    drop(plain);

    let secret_path = secret_file.to_str().unwrap();
    let service = common::start(
        &t.raw_url,
        dir.path(),
        &[
            ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
            ("MERCHANT_MCP_AUTH_JWT_HMAC_SECRET_FILE", secret_path),
            ("MERCHANT_MCP_AUTH_JWT_ISSUER", "https://mcp.example"),
            ("MERCHANT_MCP_AUTH_JWT_AUDIENCE", "merchant-42"),
        ],
    );
    let (status, body) = sign_in(&service, &token);
    assert_eq!(status, 200, "{body}");
    assert_eq!(sign_in(&service, &hs256("not-the-secret-but-long-enough-0123456789", "merchant-42")).0, 403);
    assert_eq!(sign_in(&service, &hs256(secret, "merchant-43")).0, 403, "another audience");
    assert!(!service.output().contains(secret), "the secret stays out of the logs");

    // Mixed with a public key it is a start error, not a choice made quietly.
    let pem = dir.path().join("key.pem");
    std::fs::write(&pem, "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n").unwrap();
    let exit = run_to_exit(
        Path::new(BIN),
        dir.path(),
        &[
            ("MERCHANT_DATABASE_URL", &t.raw_url),
            ("MERCHANT_MCP_AUTH_JWT_HMAC_SECRET_FILE", secret_path),
            ("MERCHANT_MCP_AUTH_JWT_PUBLIC_KEY_FILE", pem.to_str().unwrap()),
            ("MERCHANT_MCP_AUTH_JWT_ISSUER", "https://mcp.example"),
            ("MERCHANT_MCP_AUTH_JWT_AUDIENCE", "merchant-42"),
        ],
    );
    let output = String::from_utf8_lossy(&exit.stderr).into_owned();
    assert_eq!(exit.status.code(), Some(78), "{output}");
    assert!(output.contains("MERCHANT_MCP_AUTH_JWT"), "{output}");
}

/// Bad client tokens are throttled per caller: behind a trusted balancer
/// per the address it forwards for (one shopper's failures do not lock out
/// the others), and without one per peer, whatever `X-Forwarded-For` the
/// caller forges.
#[test]
fn throttling_is_per_client_behind_a_trusted_balancer_and_a_forged_header_dodges_nothing() {
    let t = TestDatabase::sqlite();
    client_token(&t);
    let attempt = |service: &app::testing::RunningService, forwarded_for: &str| {
        reqwest::blocking::Client::new()
            .post(service.url("/auth/other"))
            .header("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")
            .header("X-Forwarded-For", forwarded_for)
            .bearer_auth("mct_0000000000000000_wrong")
            .json(&json!({"token": "sandbox:x"}))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let settings =
        [("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"), ("MERCHANT_MCP_AUTH_MAX_FAILURES", "3")];

    // The test is the balancer (127.0.0.1), trusted.
    let dir = tempfile::tempdir().unwrap();
    let mut behind = settings.to_vec();
    behind.push(("MERCHANT_HTTP_TRUSTED_PROXIES", "127.0.0.1"));
    let service = common::start(&t.raw_url, dir.path(), &behind);
    for _ in 0..3 {
        assert_eq!(attempt(&service, "203.0.113.7"), 403);
    }
    assert_eq!(attempt(&service, "203.0.113.7"), 429, "that client is throttled");
    assert_eq!(attempt(&service, "203.0.113.8"), 403, "another client is not");
    assert_eq!(attempt(&service, "6.6.6.6, 203.0.113.7"), 429, "a forged first hop changes nothing");
    drop(service);

    // No proxy trusted: the header is the caller's own words.
    let dir = tempfile::tempdir().unwrap();
    let service = common::start(&t.raw_url, dir.path(), &settings);
    for n in 0..3 {
        assert_eq!(attempt(&service, &format!("198.51.100.{n}")), 403);
    }
    assert_eq!(attempt(&service, "198.51.100.99"), 429, "a new forged address does not reset the count");
}

/// One AI platform carries every shopper through one client token: its
/// shoppers' failed tokens (expired at the provider, junk at sign-in, junk
/// access tokens on `/payment/finish`) lock none of the others out, while a
/// caller guessing client tokens from one address is throttled.
#[test]
fn a_platform_with_failing_shoppers_serves_every_valid_one_and_guessing_clients_is_throttled() {
    for t in TestDatabase::each_backend() {
        let token = client_token(&t);
        let dir = tempfile::tempdir().unwrap();
        let service =
            common::start(&t.raw_url, dir.path(), &[("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox")]);
        let http = reqwest::blocking::Client::new();
        let post = |path: &str, bearer: &str, body: Value| {
            let res = http
                .post(service.url(path))
                .header("rqUid", uuid::Uuid::new_v4().to_string())
                .bearer_auth(bearer)
                .json(&body)
                .send()
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().unwrap_or(Value::Null))
        };
        let mut served = 0;
        for n in 0..200 {
            match n % 4 {
                0 if n < 100 => {
                    let (status, body) =
                        post("/auth/other", &token, json!({"token": format!("sandbox-expired:{n}")}));
                    assert_eq!(status, 401, "expired token {n}: {body}");
                }
                1 if n < 100 => {
                    let (status, body) = post("/auth/other", &token, json!({"token": format!("junk-{n}")}));
                    assert_eq!(status, 401, "junk token {n}: {body}");
                }
                2 if n < 100 => {
                    let body = json!({"paymentId": "p-1", "credentials": {"accessToken": format!("mua_{n:016x}_junk")}});
                    let (status, body) = post("/payment/finish", &token, body);
                    assert_eq!(status, 401, "junk access token {n}: {body}");
                }
                _ => {}
            }
            let (status, body) =
                post("/auth/other", &token, json!({"token": format!("sandbox:shopper-{n}")}));
            assert_eq!(status, 200, "shopper {n} on {}: {body}", t.db.backend());
            served += 1;
        }
        assert_eq!(served, 200);

        let mut refused = 0;
        for n in 0..1000 {
            let guess = format!("mct_{n:016x}_guess");
            let (status, _) = post("/auth/other", &guess, json!({"token": "sandbox:x"}));
            match status {
                403 => assert_eq!(refused, 0, "a guess answered 403 after the caller was throttled"),
                429 => refused += 1,
                other => panic!("a guessed client token answered {other}"),
            }
        }
        assert!(refused >= 990, "{refused} of 1000 guesses throttled");
    }
}
