//! The identity use cases on the real store, on both backends.

use std::sync::Arc;

use chrono::Duration;
use domain::ManualClock;
use identity::{AuthError, Authenticator, ClientIdentity, Provider, SandboxProvider, UserStatus};
use secrecy::{ExposeSecret, SecretString};
use storage::testing::TestDatabase;

fn authenticator(t: &TestDatabase) -> (Authenticator, Arc<ManualClock>) {
    // Starts at wall time: the store stamps rows with wall time, the clock
    // decides expiry.
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    (t.authenticator(clock.clone()), clock)
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

#[test]
fn a_new_user_becomes_authorized_on_the_second_login() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, _) = authenticator(&t);
            let first = auth
                .login(Provider::MerchantToken, &SandboxProvider, &secret("sandbox:alice"))
                .await
                .unwrap();
            assert_eq!(first.status, UserStatus::New);
            assert_eq!(first.expires_in_secs, 3600);
            let second = auth
                .login(Provider::MerchantToken, &SandboxProvider, &secret("sandbox:alice"))
                .await
                .unwrap();
            assert_eq!(second.status, UserStatus::Authorized);
            assert_eq!(second.user_id, first.user_id);
            assert_ne!(second.access_token.expose_secret(), first.access_token.expose_secret());

            // The same subject at another provider is another person.
            let sber =
                auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:alice")).await.unwrap();
            assert_ne!(sber.user_id, first.user_id);
        });
    }
}

#[test]
fn a_full_sberid_profile_registers_seamlessly() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, _) = authenticator(&t);
            let token = secret("sandbox:bob:Боб Петров:+79990001122");
            let login = auth.login(Provider::SberId, &SandboxProvider, &token).await.unwrap();
            assert_eq!(login.status, UserStatus::Sso);
        });
    }
}

#[test]
fn access_tokens_authenticate_until_they_expire() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, clock) = authenticator(&t);
            let login =
                auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:carol")).await.unwrap();
            let token = login.access_token.expose_secret().to_owned();
            assert_eq!(auth.authenticate_user(Some(&token)).await.unwrap(), login.user_id);
            assert_eq!(
                auth.authenticate_user(Some(&format!("Bearer {token}"))).await.unwrap(),
                login.user_id
            );

            let forged = format!("{}x", &token[..token.len() - 1]);
            assert!(matches!(auth.authenticate_user(Some(&forged)).await, Err(AuthError::TokenRejected)));
            assert!(matches!(auth.authenticate_user(Some("garbage")).await, Err(AuthError::TokenRejected)));
            assert!(matches!(auth.authenticate_user(None).await, Err(AuthError::UserTokenMissing)));

            clock.advance(Duration::hours(1));
            assert!(matches!(auth.authenticate_user(Some(&token)).await, Err(AuthError::TokenExpired)));
        });
    }
}

#[test]
fn provider_verdicts_map_to_auth_errors() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, _) = authenticator(&t);
            let login = |token: &'static str| {
                let auth = &auth;
                async move { auth.login(Provider::SberId, &SandboxProvider, &secret(token)).await }
            };
            assert!(matches!(login("sandbox-expired:x").await, Err(AuthError::TokenExpired)));
            assert!(matches!(login("not-a-token").await, Err(AuthError::TokenRejected)));
            assert!(matches!(login("sandbox-down:x").await, Err(AuthError::ProviderUnavailable("SberID"))));
        });
    }
}

#[test]
fn client_tokens_can_be_created_listed_used_and_revoked() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, _) = authenticator(&t);
            let (id, token) = auth.create_client("sber-mcp").await.unwrap();
            let bearer = format!("Bearer {}", token.expose_secret());
            assert_eq!(
                auth.authenticate_client(Some(&bearer), "ip").await.unwrap(),
                ClientIdentity::Token { id: id.clone(), name: "sber-mcp".into() }
            );
            assert!(matches!(auth.create_client("sber-mcp").await, Err(AuthError::Conflict(_))));
            assert!(matches!(auth.create_client("no spaces").await, Err(AuthError::BadClientName)));

            let listed = auth.list_clients().await.unwrap();
            assert_eq!(listed.len(), 1);
            assert_eq!((listed[0].id.as_str(), listed[0].revoked_at), (id.as_str(), None));

            assert!(auth.revoke_client("sber-mcp").await.unwrap());
            assert!(!auth.revoke_client("sber-mcp").await.unwrap(), "nothing active left");
            assert!(matches!(
                auth.authenticate_client(Some(&bearer), "ip").await,
                Err(AuthError::ClientRejected)
            ));
            assert!(matches!(auth.authenticate_client(None, "ip").await, Err(AuthError::ClientMissing)));
            assert!(matches!(
                auth.authenticate_client(Some("Bearer "), "ip").await,
                Err(AuthError::ClientMissing)
            ));

            // The name is free again once revoked.
            auth.create_client("sber-mcp").await.unwrap();
            assert!(auth.list_clients().await.unwrap()[0].revoked_at.is_some());
        });
    }
}

#[test]
fn repeated_failures_are_throttled_per_caller() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, clock) = authenticator(&t);
            let (_, token) = auth.create_client("mcp").await.unwrap();
            let bearer = format!("Bearer {}", token.expose_secret());
            for _ in 0..5 {
                let guess = "Bearer mct_0123456789abcdef_guess";
                assert!(matches!(
                    auth.authenticate_client(Some(guess), "10.0.0.9").await,
                    Err(AuthError::ClientRejected)
                ));
            }
            // Even the right token is refused while the caller is throttled.
            let throttled = auth.authenticate_client(Some(&bearer), "10.0.0.9").await;
            assert!(
                matches!(throttled, Err(AuthError::TooManyAttempts { retry_after_secs: 60 })),
                "{throttled:?}"
            );
            assert!(
                auth.authenticate_client(Some(&bearer), "10.0.0.10").await.is_ok(),
                "other callers are not"
            );
            clock.advance(Duration::minutes(1));
            assert!(auth.authenticate_client(Some(&bearer), "10.0.0.9").await.is_ok());
        });
    }
}

/// The MCP platform carries every shopper through one client: a shopper
/// token that fails is counted against that token, never the client, and
/// one that merely expired (or a provider says expired) is no guess at all.
#[test]
fn shopper_token_failures_count_against_the_token_not_the_platform() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, clock) = authenticator(&t);
            let alice =
                auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:alice")).await.unwrap();
            let alice = alice.access_token.expose_secret().to_owned();
            let old = auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:old")).await.unwrap();
            let old = old.access_token.expose_secret().to_owned();
            clock.advance(Duration::minutes(61));
            let bob = auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:bob")).await.unwrap();
            let bob = bob.access_token.expose_secret().to_owned();

            // Expired tokens, ours and a provider's, as often as a busy
            // platform presents them: each a 401, never a 429.
            for _ in 0..20 {
                assert!(matches!(auth.authenticate_user(Some(&old)).await, Err(AuthError::TokenExpired)));
                let expired =
                    auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox-expired:x")).await;
                assert!(matches!(expired, Err(AuthError::TokenExpired)), "{expired:?}");
            }
            // Junk tokens, each different: every one a 401, none throttles
            // another.
            for n in 0..20 {
                let junk = format!("mua_{n:016x}_junk");
                assert!(matches!(auth.authenticate_user(Some(&junk)).await, Err(AuthError::TokenRejected)));
                let junk =
                    auth.login(Provider::SberId, &SandboxProvider, &secret(&format!("junk-{n}"))).await;
                assert!(matches!(junk, Err(AuthError::TokenRejected)), "{junk:?}");
            }
            // One junk token repeated is throttled: itself only.
            for _ in 0..5 {
                assert!(matches!(
                    auth.authenticate_user(Some("repeated-junk")).await,
                    Err(AuthError::TokenRejected)
                ));
            }
            let repeated = auth.authenticate_user(Some("repeated-junk")).await;
            assert!(matches!(repeated, Err(AuthError::TooManyAttempts { .. })), "{repeated:?}");
            for _ in 0..5 {
                let answer = auth.login(Provider::SberId, &SandboxProvider, &secret("bad-sberid")).await;
                assert!(matches!(answer, Err(AuthError::TokenRejected)), "{answer:?}");
            }
            let answer = auth.login(Provider::SberId, &SandboxProvider, &secret("bad-sberid")).await;
            assert!(matches!(answer, Err(AuthError::TooManyAttempts { .. })), "{answer:?}");

            // Every valid shopper is still served.
            assert!(auth.authenticate_user(Some(&bob)).await.is_ok());
            assert!(auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:carol")).await.is_ok());
            assert!(matches!(auth.authenticate_user(Some(&alice)).await, Err(AuthError::TokenExpired)));
        });
    }
}

#[test]
fn instances_on_one_database_count_failures_together() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            // Two instances: each its own authenticator (and limiter) on the
            // same database, as behind a balancer.
            let (one, clock) = authenticator(&t);
            let two = t.authenticator(clock.clone());
            let (_, token) = one.create_client("mcp").await.unwrap();
            let bearer = format!("Bearer {}", token.expose_secret());
            let guess = "Bearer mct_0123456789abcdef_guess";
            for (n, instance) in [&one, &two, &one, &two, &one].into_iter().enumerate() {
                let answer = instance.authenticate_client(Some(guess), "203.0.113.7").await;
                assert!(matches!(answer, Err(AuthError::ClientRejected)), "guess {n}: {answer:?}");
            }
            for instance in [&one, &two] {
                let throttled = instance.authenticate_client(Some(&bearer), "203.0.113.7").await;
                assert!(matches!(throttled, Err(AuthError::TooManyAttempts { .. })), "{throttled:?}");
            }
            clock.advance(Duration::minutes(1));
            assert!(two.authenticate_client(Some(&bearer), "203.0.113.7").await.is_ok());
        });
    }
}

#[test]
fn concurrent_first_logins_create_one_user() {
    for t in TestDatabase::each_backend_migrated() {
        runtime().block_on(async {
            let (auth, _) = authenticator(&t);
            let auth = Arc::new(auth);
            let logins: Vec<_> = (0..6)
                .map(|_| {
                    let auth = auth.clone();
                    tokio::spawn(async move {
                        auth.login(Provider::SberId, &SandboxProvider, &secret("sandbox:dave")).await.unwrap()
                    })
                })
                .collect();
            let mut users = Vec::new();
            for login in logins {
                users.push(login.await.unwrap().user_id);
            }
            users.dedup();
            assert_eq!(users.len(), 1, "{}: {users:?}", t.db.backend());
        });
    }
}
