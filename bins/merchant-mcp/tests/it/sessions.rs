//! `merchant-mcp` as a platform carrying many shoppers meets it, over plain
//! HTTP (Streamable HTTP's JSON-RPC, as any client sends it): a session
//! answers only the client that opened it, a client's open sessions are
//! capped, and shoppers' failed sign-ins lock out no one else.

use std::path::Path;
use std::sync::Arc;

use app::testing::RunningService;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_merchant-mcp");

fn client_tokens(t: &TestDatabase, names: &[&str]) -> Vec<String> {
    t.migrate();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let authenticator = t.authenticator(Arc::new(domain::SystemClock));
    names
        .iter()
        .map(|name| runtime.block_on(authenticator.create_client(name)).unwrap().1.expose_secret().to_owned())
        .collect()
}

fn start(t: &TestDatabase, dir: &Path, extra: &[(&str, &str)]) -> RunningService {
    let mut env = vec![
        ("MERCHANT_DATABASE_URL", t.raw_url.as_str()),
        ("MERCHANT_MCP_SERVER_ADDR", "127.0.0.1:0"),
        ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
        ("MERCHANT_SBERID_MODE", "sandbox"),
    ];
    env.extend_from_slice(extra);
    RunningService::start(Path::new(BIN), dir, &env)
}

/// One HTTP exchange: the status, the session header and the JSON-RPC
/// message (from a JSON body or the first SSE `data:` line).
struct Answer {
    status: u16,
    session: Option<String>,
    message: Value,
}

fn send(server: &RunningService, token: &str, session: Option<&str>, method: &str, body: &Value) -> Answer {
    // One client for the whole test: making one loads the TLS roots.
    static HTTP: std::sync::OnceLock<reqwest::blocking::Client> = std::sync::OnceLock::new();
    let mut request = HTTP
        .get_or_init(reqwest::blocking::Client::new)
        .request(method.parse().unwrap(), server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .bearer_auth(token);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    if !body.is_null() {
        request = request.json(body);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let session = response.headers().get("mcp-session-id").map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().unwrap();
    let message = text
        .lines()
        .find_map(|line| line.strip_prefix("data:").map(str::trim).filter(|d| d.starts_with('{')))
        .map_or_else(
            || serde_json::from_str(&text).unwrap_or(Value::Null),
            |d| serde_json::from_str(d).unwrap(),
        );
    Answer { status, session, message }
}

/// Opens a session for `token`; `Err(status)` when refused.
fn open(server: &RunningService, token: &str) -> Result<String, u16> {
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}});
    let answer = send(server, token, None, "POST", &initialize);
    if answer.status != 200 {
        return Err(answer.status);
    }
    let session = answer.session.expect("a session id");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(send(server, token, Some(&session), "POST", &initialized).status, 202);
    Ok(session)
}

/// Calls `tool`: the HTTP status and the tool's result.
fn call(server: &RunningService, token: &str, session: &str, tool: &str, arguments: &Value) -> (u16, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    let answer = send(server, token, Some(session), "POST", &body);
    (answer.status, answer.message["result"].clone())
}

fn sign_in(server: &RunningService, token: &str, session: &str, shopper: &str) -> Value {
    let (status, result) =
        call(server, token, session, "sign_in", &json!({"provider": "merchant_token", "token": shopper}));
    assert_eq!(status, 200, "{result}");
    result
}

#[test]
fn a_session_answers_only_its_own_client_and_a_client_s_sessions_are_capped() {
    for t in TestDatabase::each_backend() {
        let [a, b] = client_tokens(&t, &["client-a", "client-b"]).try_into().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let server = start(&t, dir.path(), &[("MERCHANT_MCP_SERVER_MAX_SESSIONS_PER_CLIENT", "2")]);

        let session = open(&server, &a).unwrap();
        let signed = sign_in(&server, &a, &session, "sandbox:alice");
        assert_ne!(signed["isError"], true, "{signed}");

        // B with A's session id: an unknown session, whatever B asks.
        let (status, result) = call(&server, &b, &session, "order_status", &json!({"order_id": "o-1"}));
        assert_eq!(status, 404, "{result}");
        let (status, _) = call(
            &server,
            &b,
            &session,
            "sign_in",
            &json!({"provider": "merchant_token", "token": "sandbox:mallory"}),
        );
        assert_eq!(status, 404);
        assert_eq!(send(&server, &b, Some(&session), "DELETE", &Value::Null).status, 404);
        // A's session is untouched: still open, still Alice's.
        let (status, result) = call(&server, &a, &session, "order_status", &json!({"order_id": "o-1"}));
        assert_eq!(status, 200, "{result}");
        assert!(!result.to_string().contains("not signed in"), "{result}");

        // Two sessions per client: a third is refused until one ends; the
        // other client is not affected.
        let second = open(&server, &a).unwrap();
        assert_eq!(open(&server, &a), Err(429));
        open(&server, &b).unwrap();
        assert_eq!(send(&server, &a, Some(&second), "DELETE", &Value::Null).status, 200);
        open(&server, &a).unwrap();

        let output = server.output();
        assert!(!output.contains(&session), "a session id is a secret, never logged:\n{output}");
    }
}

#[test]
fn shoppers_failed_sign_ins_lock_out_no_other_shopper_and_guessing_clients_is_throttled() {
    for t in TestDatabase::each_backend() {
        let [platform] = client_tokens(&t, &["platform"]).try_into().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let server = start(&t, dir.path(), &[]);
        let sessions: Vec<String> = (0..4).map(|_| open(&server, &platform).unwrap()).collect();
        for n in 0..200 {
            let session = &sessions[n % sessions.len()];
            if n < 100 {
                let bad = if n % 2 == 0 { format!("sandbox-expired:{n}") } else { format!("junk-{n}") };
                let result = sign_in(&server, &platform, session, &bad);
                assert_eq!(result["isError"], true, "{result}");
                assert!(!result.to_string().contains("too many"), "bad token {n}: {result}");
            }
            let result = sign_in(&server, &platform, session, &format!("sandbox:shopper-{n}"));
            assert_ne!(result["isError"], true, "shopper {n} on {}: {result}", t.db.backend());
        }

        let mut throttled = 0;
        for n in 0..1000 {
            let guess = format!("mct_{n:016x}_guess");
            match open(&server, &guess) {
                Err(401) => assert_eq!(throttled, 0, "a guess answered 401 after the caller was throttled"),
                Err(429) => throttled += 1,
                other => panic!("a guessed client token answered {other:?}"),
            }
        }
        assert!(throttled >= 990, "{throttled} of 1000 guesses throttled");
    }
}
