//! Client JWTs against the test key pair in `tests/fixtures`.

use identity::{JwtError, JwtSettings, JwtVerifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

const KEY: &[u8] = include_bytes!("fixtures/mcp-platform-test-key.pem");
const OTHER_KEY: &[u8] = include_bytes!("fixtures/other-test-key.pem");
const PUBLIC: &[u8] = include_bytes!("fixtures/mcp-platform-test-pub.pem");
const JWKS: &str = include_str!("fixtures/mcp-platform-test-jwks.json");

fn settings() -> JwtSettings {
    JwtSettings { issuer: "https://mcp.example".into(), audience: "merchant-42".into(), leeway_secs: 30 }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn sign(key: &[u8], claims: &serde_json::Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_ec_pem(key).unwrap()).unwrap()
}

fn claims(exp_offset: i64) -> serde_json::Value {
    json!({"sub": "mcp-server-1", "iss": "https://mcp.example", "aud": "merchant-42", "exp": now() + exp_offset})
}

#[test]
fn a_valid_token_yields_its_subject_with_pem_and_jwks() {
    let pem = JwtVerifier::from_pem(PUBLIC, settings()).unwrap();
    let jwks = JwtVerifier::from_jwks(JWKS, settings()).unwrap();
    let token = sign(KEY, &claims(300), Some("test-2026"));
    assert_eq!(pem.verify(&token).unwrap(), "mcp-server-1");
    assert_eq!(jwks.verify(&token).unwrap(), "mcp-server-1");
}

#[test]
fn expiry_respects_the_leeway() {
    let verifier = JwtVerifier::from_pem(PUBLIC, settings()).unwrap();
    assert!(verifier.verify(&sign(KEY, &claims(-10), None)).is_ok(), "within 30 s of leeway");
    assert_eq!(verifier.verify(&sign(KEY, &claims(-120), None)), Err(JwtError::Expired));
}

#[test]
fn wrong_signer_issuer_audience_or_kid_is_rejected() {
    let pem = JwtVerifier::from_pem(PUBLIC, settings()).unwrap();
    let jwks = JwtVerifier::from_jwks(JWKS, settings()).unwrap();
    let mut wrong_iss = claims(300);
    wrong_iss["iss"] = json!("https://evil.example");
    let mut wrong_aud = claims(300);
    wrong_aud["aud"] = json!("merchant-43");
    let mut no_sub = claims(300);
    no_sub.as_object_mut().unwrap().remove("sub");
    for token in [
        sign(OTHER_KEY, &claims(300), None),
        sign(KEY, &wrong_iss, None),
        sign(KEY, &wrong_aud, None),
        sign(KEY, &no_sub, None),
        "not.a.jwt".to_owned(),
    ] {
        assert!(matches!(pem.verify(&token), Err(JwtError::Invalid(_))), "{token}");
    }
    assert!(matches!(jwks.verify(&sign(KEY, &claims(300), Some("other"))), Err(JwtError::Invalid(_))));
    assert!(matches!(jwks.verify(&sign(KEY, &claims(300), None)), Err(JwtError::Invalid(_))));
}

#[test]
fn symmetric_algorithms_are_refused() {
    let verifier = JwtVerifier::from_pem(PUBLIC, settings()).unwrap();
    // An attacker who knows the public key signs with HS256 using it as the secret.
    let token =
        encode(&Header::new(Algorithm::HS256), &claims(300), &EncodingKey::from_secret(PUBLIC)).unwrap();
    assert!(matches!(verifier.verify(&token), Err(JwtError::Invalid(m)) if m.contains("not accepted")));
}

#[test]
fn bad_key_material_is_a_clear_error() {
    assert!(matches!(JwtVerifier::from_pem(b"garbage", settings()), Err(JwtError::Key(_))));
    assert!(matches!(JwtVerifier::from_jwks("{\"keys\": []}", settings()), Err(JwtError::Key(_))));
}

const SECRET: &[u8] = b"a-secret-the-mcp-platform-shares-with-us-0123456789\n";

fn hs256(secret: &[u8], claims: &serde_json::Value) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.trim_ascii())).unwrap()
}

#[test]
fn a_shared_secret_accepts_hs256_and_nothing_asymmetric() {
    let verifier = JwtVerifier::from_hmac_secret(SECRET, settings()).unwrap();
    assert_eq!(verifier.verify(&hs256(SECRET, &claims(300))).unwrap(), "mcp-server-1");
    let wrong = b"another-secret-of-at-least-thirty-two-bytes";
    assert!(matches!(verifier.verify(&hs256(wrong, &claims(300))), Err(JwtError::Invalid(_))));
    assert_eq!(verifier.verify(&hs256(SECRET, &claims(-120))), Err(JwtError::Expired));
    let mut wrong_aud = claims(300);
    wrong_aud["aud"] = json!("merchant-43");
    assert!(matches!(verifier.verify(&hs256(SECRET, &wrong_aud)), Err(JwtError::Invalid(_))));
    // A token signed with an asymmetric key is not the secret's to accept.
    let es256 = sign(KEY, &claims(300), None);
    assert!(matches!(verifier.verify(&es256), Err(JwtError::Invalid(m)) if m.contains("not accepted")));
    // And a public-key verifier never takes an HS256 token, however signed.
    let pem = JwtVerifier::from_pem(PUBLIC, settings()).unwrap();
    assert!(matches!(pem.verify(&hs256(SECRET, &claims(300))), Err(JwtError::Invalid(_))));
}

#[test]
fn a_short_secret_is_refused_at_start() {
    let short = JwtVerifier::from_hmac_secret(b"secret\n", settings()).unwrap_err();
    assert!(matches!(short, JwtError::Key(m) if m.contains("32")));
}
