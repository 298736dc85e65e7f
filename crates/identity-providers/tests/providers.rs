//! Both adapters against a real local HTTP server (wiremock) that plays the
//! provider: valid, expired, revoked and malformed tokens, and a provider
//! that is down or too slow.

use std::time::Duration;

use identity::{IdentityProvider, ProviderError};
use identity_providers::{IntrospectionProvider, IntrospectionSettings, SberIdProvider, SberIdSettings};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TIMEOUT: Duration = Duration::from_millis(300);

fn token(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn sberid(server: &MockServer) -> SberIdProvider {
    SberIdProvider::new(&SberIdSettings {
        userinfo_url: format!("{}/userinfo", server.uri()),
        client_id: "merchant-client".into(),
        client_cert: None,
        ca_file: None,
        timeout: TIMEOUT,
    })
    .unwrap()
}

fn introspection(server: &MockServer) -> IntrospectionProvider {
    IntrospectionProvider::new(IntrospectionSettings {
        url: format!("{}/introspect", server.uri()),
        client_id: Some("hub".into()),
        client_secret: Some(token("introspection-secret")),
        timeout: TIMEOUT,
    })
    .unwrap()
}

#[tokio::test]
async fn sberid_valid_token_gives_the_profile() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .and(header("authorization", "Bearer good-token"))
        .and(header("x-ibm-client-id", "merchant-client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sub": "sber-123", "given_name": "Иван", "family_name": "Петров",
            "phone_number": "79990001122", "email": "ivan@example.ru"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let profile = sberid(&server).verify(&token("good-token")).await.unwrap();
    assert_eq!(profile.subject, "sber-123");
    assert_eq!(profile.name.as_deref(), Some("Иван Петров"));
    assert_eq!(profile.phone.as_deref(), Some("79990001122"));
}

#[tokio::test]
async fn sberid_expired_revoked_and_malformed_tokens() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer expired"))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="The access token expired""#,
        ))
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer revoked"))
        .respond_with(
            ResponseTemplate::new(401).insert_header("www-authenticate", r#"Bearer error="invalid_token""#),
        )
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer malformed"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad request"))
        .mount(&server)
        .await;
    let provider = sberid(&server);
    assert_eq!(provider.verify(&token("expired")).await, Err(ProviderError::Expired));
    assert!(matches!(provider.verify(&token("revoked")).await, Err(ProviderError::Rejected(_))));
    assert!(matches!(provider.verify(&token("malformed")).await, Err(ProviderError::Rejected(_))));
    assert!(matches!(provider.verify(&token("  ")).await, Err(ProviderError::Rejected(_))));
}

#[tokio::test]
async fn sberid_down_or_slow_is_unavailable_without_details() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer broken"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>internal stack trace</html>"))
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer nosub"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"given_name": "x"})))
        .mount(&server)
        .await;
    let provider = sberid(&server);
    assert_eq!(provider.verify(&token("slow")).await, Err(ProviderError::Unavailable("timed out".into())));
    let broken = provider.verify(&token("broken")).await.unwrap_err();
    assert_eq!(broken, ProviderError::Unavailable("SberID answered 502".into()));
    assert!(matches!(provider.verify(&token("nosub")).await, Err(ProviderError::Unavailable(_))));

    // wiremock pools its servers, so a dropped one may still answer: take a
    // port from the OS and close it to get one where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = SberIdProvider::new(&SberIdSettings {
        userinfo_url: format!("http://127.0.0.1:{port}/userinfo"),
        client_id: "c".into(),
        client_cert: None,
        ca_file: None,
        timeout: TIMEOUT,
    })
    .unwrap();
    assert_eq!(gone.verify(&token("any")).await, Err(ProviderError::Unavailable("connection failed".into())));
}

#[tokio::test]
async fn sberid_bad_certificate_paths_are_setup_errors() {
    let err = SberIdProvider::new(&SberIdSettings {
        userinfo_url: "https://sberid.example/userinfo".into(),
        client_id: "c".into(),
        client_cert: Some(("/nonexistent/cert.pem".into(), "/nonexistent/key.pem".into())),
        ca_file: None,
        timeout: TIMEOUT,
    })
    .unwrap_err();
    assert_eq!(err.setting, "MERCHANT_SBERID_CLIENT_CERT_FILE");
}

#[tokio::test]
async fn introspection_active_inactive_expired() {
    let server = MockServer::start().await;
    let now = chrono::Utc::now().timestamp();
    for (tok, body) in [
        ("live", json!({"active": true, "sub": "m-1", "exp": now + 600, "name": "Анна"})),
        ("inactive", json!({"active": false})),
        ("stale", json!({"active": true, "sub": "m-2", "exp": now - 5})),
        ("userless", json!({"active": true})),
    ] {
        Mock::given(method("POST"))
            .and(path("/introspect"))
            .and(header("authorization", "Basic aHViOmludHJvc3BlY3Rpb24tc2VjcmV0"))
            .and(body_string_contains(format!("token={tok}&token_type_hint=access_token")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    let provider = introspection(&server);
    let profile = provider.verify(&token("live")).await.unwrap();
    assert_eq!((profile.subject.as_str(), profile.name.as_deref()), ("m-1", Some("Анна")));
    assert!(matches!(provider.verify(&token("inactive")).await, Err(ProviderError::Rejected(_))));
    assert_eq!(provider.verify(&token("stale")).await, Err(ProviderError::Expired));
    assert!(matches!(provider.verify(&token("userless")).await, Err(ProviderError::Unavailable(_))));
}

#[tokio::test]
async fn introspection_refusing_our_credentials_or_failing_is_unavailable() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("token=refused"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(body_string_contains("token=slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    Mock::given(body_string_contains("token=junk"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&server)
        .await;
    let provider = introspection(&server);
    for (tok, expected) in [
        ("refused", "the token service refused our client credentials"),
        ("slow", "timed out"),
        ("junk", "unreadable answer"),
    ] {
        assert_eq!(
            provider.verify(&token(tok)).await,
            Err(ProviderError::Unavailable(expected.into())),
            "{tok}"
        );
    }
}
