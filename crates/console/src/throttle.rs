//! The sign-in throttle: failed sign-ins counted per (login, address) and
//! per address (`identity::staff::sign_in_limits`), in the failure store
//! every instance shares. An account is never locked for everyone: a
//! guesser only slows themself down.

use std::sync::Arc;

use actix_web::HttpRequest;
use domain::Clock;
use identity::staff;
use identity::{FailureLimiter, FailureStore};

#[derive(Debug)]
pub struct SignInThrottle {
    per_login: FailureLimiter,
    per_address: FailureLimiter,
}

impl SignInThrottle {
    pub fn new(store: Arc<dyn FailureStore>, clock: Arc<dyn Clock>) -> Self {
        let (per_login, per_address) = staff::sign_in_limits();
        SignInThrottle {
            per_login: FailureLimiter::new(
                per_login.max_failures,
                per_login.window,
                Arc::clone(&clock),
                Arc::clone(&store),
            ),
            per_address: FailureLimiter::new(per_address.max_failures, per_address.window, clock, store),
        }
    }

    /// Whether a sign-in of `login` from `address` may be tried now.
    pub(crate) async fn allows(&self, login: &str, address: &str) -> bool {
        let (pair, whole) = staff::sign_in_keys(login, address);
        self.per_login.check(&pair).await.is_ok() && self.per_address.check(&whole).await.is_ok()
    }

    pub(crate) async fn failed(&self, login: &str, address: &str) {
        let (pair, whole) = staff::sign_in_keys(login, address);
        self.per_login.record_failure(&pair).await;
        self.per_address.record_failure(&whole).await;
    }
}

/// The caller: the peer, or behind a trusted proxy the address it
/// forwarded for (`domain::net`).
pub(crate) fn caller_address(req: &HttpRequest) -> String {
    http_edge::caller_address(req).map_or_else(|| "unknown".to_owned(), |address| address.to_string())
}
