//! `/auth/*` and the caller check over HTTP, on the real store (both
//! backends), with SberID played by a local HTTP server and bodies checked
//! against the seed spec.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test as web_test;
use actix_web::{App, HttpRequest, HttpResponse, web};
use domain::SystemClock;
use identity::SandboxProvider;
use identity_providers::{SberIdProvider, SberIdSettings};
use mcp_api_http::{ApiError, Credentials, McpState, authenticate_caller};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use support::seed::Seed;
use wiremock::matchers::header;
use wiremock::{Mock, MockServer, ResponseTemplate};

const RQ_UID: &str = "1c6ec07e-3103-41bb-8753-6cea67521198";

struct Fixture {
    state: McpState,
    client_token: String,
    _sberid: MockServer,
}

async fn fixture(t: &TestDatabase) -> Fixture {
    let sberid = MockServer::start().await;
    Mock::given(header("authorization", "Bearer sber-valid"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sub": "sber-42", "given_name": "Иван", "family_name": "Петров", "phone_number": "79990001122"
        })))
        .mount(&sberid)
        .await;
    Mock::given(header("authorization", "Bearer sber-expired"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", r#"Bearer error_description="token expired""#),
        )
        .mount(&sberid)
        .await;
    Mock::given(header("authorization", "Bearer sber-revoked"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&sberid)
        .await;
    Mock::given(header("authorization", "Bearer malformed token"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&sberid)
        .await;
    Mock::given(header("authorization", "Bearer sber-slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&sberid)
        .await;
    let provider = SberIdProvider::new(&SberIdSettings {
        userinfo_url: format!("{}/userinfo", sberid.uri()),
        client_id: "merchant".into(),
        client_cert: None,
        ca_file: None,
        timeout: Duration::from_millis(300),
    })
    .unwrap();
    let authenticator = Arc::new(t.authenticator(Arc::new(SystemClock)));
    let (_, token) = authenticator.create_client("sber-mcp").await.unwrap();
    Fixture {
        state: McpState {
            authenticator,
            sberid: Some(Arc::new(provider)),
            merchant_token: Some(Arc::new(SandboxProvider)),
            max_body_bytes: 4096,
            catalog_requires_client: false,
            catalog: support::catalog_state(t),
            orders: None,
            payments: None,
            stock: None,
        },
        client_token: format!("Bearer {}", token.expose_secret()),
        _sberid: sberid,
    }
}

/// A catalog route, as `/search` will be.
async fn catalog(client: mcp_api_http::CatalogClient) -> HttpResponse {
    HttpResponse::Ok().json(json!({"client": client.0.map(|c| c.key())}))
}

/// A route that needs both parties, as `/checkout` will.
async fn whoami(req: HttpRequest, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let credentials: Option<Credentials> = serde_json::from_value(body["credentials"].clone()).ok();
    let caller = authenticate_caller(&req, credentials.as_ref()).await?;
    Ok(HttpResponse::Ok().json(json!({"user": caller.user.as_str(), "client": caller.client.key()})))
}

async fn app(
    state: McpState,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    web_test::init_service(
        App::new()
            .configure(mcp_api_http::configure(state))
            .route("/test/whoami", web::post().to(whoami))
            .route("/test/catalog", web::post().to(catalog)),
    )
    .await
}

async fn post(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value) {
    let mut req = web_test::TestRequest::post().uri(path).insert_header(("content-type", "application/json"));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let res = web_test::call_service(app, req.set_payload(body.to_owned()).to_request()).await;
    let status = res.status();
    let bytes = web_test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes))))
}

fn each_backend() -> Vec<TestDatabase> {
    TestDatabase::each_backend_migrated()
}

#[actix_web::test]
async fn sberid_login_registers_seamlessly_then_authorizes() {
    let seed = Seed::load();
    for t in each_backend() {
        let f = fixture(&t).await;
        let app = app(f.state.clone()).await;
        let h = [("rqUid", RQ_UID), ("authorization", f.client_token.as_str())];
        let (status, first) = post(&app, "/auth/sberid", &h, r#"{"tokenSberId": "sber-valid"}"#).await;
        assert_eq!(status, 200, "{first}");
        seed.assert_response("post", "/auth/sberid", 200, &first);
        assert_eq!(first["userStatus"], "sso");
        assert_eq!(first["expiresIn"], 3600);
        let (_, second) = post(&app, "/auth/sberid", &h, r#"{"tokenSberId": "sber-valid"}"#).await;
        assert_eq!(second["userStatus"], "authorized");
        assert_eq!(second["userId"], first["userId"]);
    }
}

#[actix_web::test]
async fn other_login_is_new_then_authorized() {
    let seed = Seed::load();
    for t in each_backend() {
        let f = fixture(&t).await;
        let app = app(f.state.clone()).await;
        let h = [("rqUid", RQ_UID), ("authorization", f.client_token.as_str())];
        let (status, first) = post(&app, "/auth/other", &h, r#"{"token": "sandbox:m-7"}"#).await;
        assert_eq!(status, 200, "{first}");
        seed.assert_response("post", "/auth/other", 200, &first);
        assert_eq!(first["userStatus"], "new");
        let (_, second) = post(&app, "/auth/other", &h, r#"{"token": "sandbox:m-7"}"#).await;
        assert_eq!(second["userStatus"], "authorized");
    }
}

#[actix_web::test]
async fn bad_external_tokens_are_401_and_a_slow_provider_is_503() {
    let seed = Seed::load();
    for t in each_backend() {
        let f = fixture(&t).await;
        let app = app(f.state.clone()).await;
        let h = [("rqUid", RQ_UID), ("authorization", f.client_token.as_str())];
        for (token, message) in [
            ("sber-expired", "the token has expired"),
            ("sber-revoked", "the token is not valid"),
            ("malformed token", "the token is not valid"),
        ] {
            let (status, body) =
                post(&app, "/auth/sberid", &h, &json!({"tokenSberId": token}).to_string()).await;
            assert_eq!(status, 401, "{token}: {body}");
            seed.assert_response("post", "/auth/sberid", 401, &body);
            assert_eq!(body, json!({"code": "401", "message": message}));
        }
        let (status, body) = post(&app, "/auth/sberid", &h, r#"{"tokenSberId": "sber-slow"}"#).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body, json!({"code": "503", "message": "SberID is not available, try again later"}));
    }
}

#[actix_web::test]
async fn mcp_server_credentials_are_checked_first() {
    let seed = Seed::load();
    let t = TestDatabase::sqlite();
    t.migrate();
    let f = fixture(&t).await;
    let app = app(f.state.clone()).await;
    let body = r#"{"token": "sandbox:x"}"#;
    for auth in [None, Some("Bearer "), Some("Bearer mct_0123456789abcdef_nope"), Some("Basic dXNlcjpwdw==")]
    {
        let mut h = vec![("rqUid", RQ_UID)];
        h.extend(auth.map(|a| ("authorization", a)));
        let (status, res) = post(&app, "/auth/other", &h, body).await;
        assert_eq!(status, 403, "{auth:?}: {res}");
        seed.assert_response("post", "/auth/other", 403, &res);
    }
    // 403 comes before any look at the body.
    let (status, _) = post(&app, "/auth/other", &[("rqUid", RQ_UID)], "not json").await;
    assert_eq!(status, 403);
}

/// (headers, body, part of the error message)
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[actix_web::test]
async fn malformed_requests_are_400_in_the_seed_error_shape() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let f = fixture(&t).await;
    let app = app(f.state.clone()).await;
    let auth = f.client_token.as_str();
    let big = json!({"token": "x".repeat(5000)}).to_string();
    let cases: [Case; 7] = [
        (&[("authorization", auth)], r#"{"token": "sandbox:x"}"#, "missing header rqUid"),
        (
            &[("rqUid", "not-a-uuid"), ("authorization", auth)],
            r#"{"token": "sandbox:x"}"#,
            "rqUid must be a UUID",
        ),
        (&[("rqUid", RQ_UID), ("authorization", auth)], "{not json", "invalid request body"),
        (&[("rqUid", RQ_UID), ("authorization", auth)], "{}", "missing field `token`"),
        (&[("rqUid", RQ_UID), ("authorization", auth)], r#"{"token": 42}"#, "invalid type"),
        (&[("rqUid", RQ_UID), ("authorization", auth)], "", "invalid request body"),
        (&[("rqUid", RQ_UID), ("authorization", auth)], &big, "larger than 4096 bytes"),
    ];
    for (headers, body, message) in cases {
        let (status, res) = post(&app, "/auth/other", headers, body).await;
        assert_eq!(status, 400, "{message}: {res}");
        assert_eq!(res["code"], "400");
        assert!(res["message"].as_str().unwrap().contains(message), "{message}: {res}");
    }
}

#[actix_web::test]
async fn guessing_client_tokens_is_throttled() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let f = fixture(&t).await;
    let app = app(f.state.clone()).await;
    for _ in 0..5 {
        let h = [("rqUid", RQ_UID), ("authorization", "Bearer mct_0123456789abcdef_guess")];
        assert_eq!(post(&app, "/auth/other", &h, r#"{"token": "sandbox:x"}"#).await.0, 403);
    }
    let req = web_test::TestRequest::post()
        .uri("/auth/other")
        .insert_header(("rqUid", RQ_UID))
        .insert_header(("authorization", f.client_token.as_str()))
        .set_json(json!({"token": "sandbox:x"}))
        .to_request();
    let res = web_test::call_service(&app, req).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers().get("retry-after").unwrap(), "60");
}

#[actix_web::test]
async fn order_operations_need_both_the_client_and_the_user() {
    for t in each_backend() {
        let f = fixture(&t).await;
        let app = app(f.state.clone()).await;
        let h = [("rqUid", RQ_UID), ("authorization", f.client_token.as_str())];
        let (_, login) = post(&app, "/auth/other", &h, r#"{"token": "sandbox:shopper"}"#).await;
        let user_token = login["accessToken"].as_str().unwrap();
        let oauth2 = f.client_token.as_str();

        let both =
            json!({"credentials": {"authType": "oauth2", "oauth2": oauth2, "accessToken": user_token}});
        let (status, res) = post(&app, "/test/whoami", &[], &both.to_string()).await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res["user"], login["userId"]);

        // The MCP server may present itself in the header instead.
        let header_only = json!({"credentials": {"accessToken": user_token}});
        assert_eq!(
            post(&app, "/test/whoami", &[("authorization", oauth2)], &header_only.to_string()).await.0,
            200
        );

        let no_user = json!({"credentials": {"oauth2": oauth2}});
        assert_eq!(post(&app, "/test/whoami", &[], &no_user.to_string()).await.0, 401);
        let bad_user = json!({"credentials": {"oauth2": oauth2, "accessToken": "mua_0123456789abcdef_x"}});
        assert_eq!(post(&app, "/test/whoami", &[], &bad_user.to_string()).await.0, 401);
        let no_client = json!({"credentials": {"accessToken": user_token}});
        assert_eq!(post(&app, "/test/whoami", &[], &no_client.to_string()).await.0, 403);
    }
}

#[actix_web::test]
async fn the_catalog_is_open_unless_configured_otherwise() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let mut f = fixture(&t).await;
    let open = app(f.state.clone()).await;
    assert_eq!(post(&open, "/test/catalog", &[], "{}").await, (StatusCode::OK, json!({"client": null})));

    f.state.catalog_requires_client = true;
    let closed = app(f.state.clone()).await;
    assert_eq!(post(&closed, "/test/catalog", &[], "{}").await.0, 403);
    let (status, body) =
        post(&closed, "/test/catalog", &[("authorization", f.client_token.as_str())], "{}").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"client": "token:sber-mcp"})));
}

#[test]
fn the_seed_validator_catches_what_matters() {
    let seed = Seed::load();
    let schema = seed.response_schema("post", "/auth/other", 200);
    let good = json!({"accessToken": "t", "expiresIn": 3600, "userId": "u", "userStatus": "new"});
    assert!(seed.violations(schema, &good).is_empty());
    for bad in [
        json!({"accessToken": "t", "expiresIn": 3600, "userId": "u", "userStatus": "bogus"}),
        json!({"accessToken": "t", "expiresIn": "3600", "userId": "u", "userStatus": "new"}),
        json!({"expiresIn": 3600, "userId": "u", "userStatus": "new"}),
        json!({"accessToken": "t", "expiresIn": 3600, "userId": "u", "userStatus": "new", "extra": 1}),
    ] {
        assert!(!seed.violations(schema, &bad).is_empty(), "{bad}");
    }
}
