//! How Kuper proves a webhook is Kuper's.

use actix_web::HttpRequest;
use base64::Engine as _;
use domain::same_secret;
use secrecy::{ExposeSecret, SecretString};

/// The configured scheme and its secret.
#[derive(Clone)]
pub enum WebhookAuth {
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `Client-Token: <token>`.
    ClientToken(SecretString),
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: SecretString },
}

impl std::fmt::Debug for WebhookAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WebhookAuth::Bearer(_) => "WebhookAuth::Bearer(..)",
            WebhookAuth::ClientToken(_) => "WebhookAuth::ClientToken(..)",
            WebhookAuth::Basic { .. } => "WebhookAuth::Basic(..)",
        })
    }
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

impl WebhookAuth {
    pub fn accepts(&self, req: &HttpRequest) -> bool {
        match self {
            WebhookAuth::Bearer(token) => {
                domain::bearer_matches(header(req, "Authorization"), token.expose_secret())
            }
            WebhookAuth::ClientToken(token) => header(req, "Client-Token")
                .is_some_and(|given| same_secret(given.trim().as_bytes(), token.expose_secret().as_bytes())),
            WebhookAuth::Basic { user, password } => {
                let expected = format!("{user}:{}", password.expose_secret());
                header(req, "Authorization")
                    .and_then(|h| h.strip_prefix("Basic "))
                    .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
                    .is_some_and(|given| same_secret(&given, expected.as_bytes()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn each_scheme_accepts_its_credentials_only() {
        let secret = || SecretString::from("s3cret-token");
        let bearer = WebhookAuth::Bearer(secret());
        assert!(bearer.accepts(
            &TestRequest::default().insert_header(("Authorization", "Bearer s3cret-token")).to_http_request()
        ));
        assert!(!bearer.accepts(
            &TestRequest::default().insert_header(("Authorization", "Bearer s3cret-tokeN")).to_http_request()
        ));
        assert!(!bearer.accepts(
            &TestRequest::default().insert_header(("Client-Token", "s3cret-token")).to_http_request()
        ));
        assert!(!bearer.accepts(&TestRequest::default().to_http_request()));
        let client = WebhookAuth::ClientToken(secret());
        assert!(client.accepts(
            &TestRequest::default().insert_header(("Client-Token", "s3cret-token")).to_http_request()
        ));
        let basic = WebhookAuth::Basic { user: "kuper".into(), password: secret() };
        let good = base64::engine::general_purpose::STANDARD.encode("kuper:s3cret-token");
        let bad = base64::engine::general_purpose::STANDARD.encode("kuper:wrong");
        assert!(
            basic.accepts(
                &TestRequest::default()
                    .insert_header(("Authorization", format!("Basic {good}")))
                    .to_http_request()
            )
        );
        assert!(
            !basic.accepts(
                &TestRequest::default()
                    .insert_header(("Authorization", format!("Basic {bad}")))
                    .to_http_request()
            )
        );
        assert!(!basic.accepts(
            &TestRequest::default().insert_header(("Authorization", "Basic !!!")).to_http_request()
        ));
        assert!(!format!("{basic:?}{bearer:?}").contains("s3cret"));
    }
}
