//! Brute-force protection: after `max_failures` failed attempts from one key
//! within `window`, further attempts from it are refused until the window
//! ends. Successes do not reset the count, so one valid credential cannot be
//! used to launder guesses.
//!
//! The counts are kept in the [`FailureStore`] (the database), so every
//! instance on one database counts together; behind a load balancer the key
//! is the client it forwards for. An instance takes a key with no window in
//! use as clean for [`CLEAN_FOR`] without asking again, so another
//! instance's failures reach it within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use domain::Clock;

use domain::RepoError;

/// How long a key found clean is taken as clean without asking the store.
pub const CLEAN_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// Clean keys remembered before expired ones are swept, so the map cannot
/// grow without bound under a spray of keys.
const SWEEP_AT: usize = 10_000;

/// One key's failures since its window started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureWindow {
    pub started: DateTime<Utc>,
    pub failures: u32,
}

impl FailureWindow {
    /// The window after one more failure at `now`: a new one once the
    /// last has ended.
    pub fn after_failure(
        current: Option<FailureWindow>,
        now: DateTime<Utc>,
        window: Duration,
    ) -> FailureWindow {
        match current {
            Some(w) if now < w.started + window => FailureWindow { failures: w.failures + 1, ..w },
            _ => FailureWindow { started: now, failures: 1 },
        }
    }

    /// Seconds to wait when `current` has used up `max` failures.
    pub fn refusal(
        current: Option<FailureWindow>,
        now: DateTime<Utc>,
        max: u32,
        window: Duration,
    ) -> Option<u64> {
        let w = current.filter(|w| w.failures >= max && now < w.started + window)?;
        // Round up: a client told 59 s when 59.4 remain would retry early.
        let wait = ((w.started + window - now).num_milliseconds() + 999) / 1000;
        Some(u64::try_from(wait).unwrap_or(1))
    }

    /// Whether the window says nothing any more at `now`.
    fn ended(current: Option<FailureWindow>, now: DateTime<Utc>, window: Duration) -> bool {
        current.is_none_or(|w| now >= w.started + window)
    }
}

/// Where failure windows are kept, shared by every instance.
#[async_trait]
pub trait FailureStore: Send + Sync + std::fmt::Debug {
    async fn failure_window(&self, key: &str) -> Result<Option<FailureWindow>, RepoError>;
    /// Sets `key`'s window to `next` if it is still `expected`; `false`
    /// when another writer came first.
    async fn replace_failure_window(
        &self,
        key: &str,
        expected: Option<FailureWindow>,
        next: FailureWindow,
    ) -> Result<bool, RepoError>;
}

#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: u32,
    window: Duration,
    clock: Arc<dyn Clock>,
    store: Arc<dyn FailureStore>,
    clean: Mutex<HashMap<String, Instant>>,
}

impl FailureLimiter {
    pub fn new(
        max_failures: u32,
        window: Duration,
        clock: Arc<dyn Clock>,
        store: Arc<dyn FailureStore>,
    ) -> Self {
        FailureLimiter { max_failures, window, clock, store, clean: Mutex::default() }
    }

    fn lately_clean(&self, key: &str) -> bool {
        let clean = self.clean.lock().unwrap_or_else(PoisonError::into_inner);
        clean.get(key).is_some_and(|at| at.elapsed() < CLEAN_FOR)
    }

    /// `Err(seconds to wait)` when `key` has used up its failures. A store
    /// that cannot be read does not lock anyone out: its trouble answers
    /// elsewhere.
    pub async fn check(&self, key: &str) -> Result<(), u64> {
        if self.lately_clean(key) {
            return Ok(());
        }
        let current = match self.store.failure_window(key).await {
            Ok(current) => current,
            Err(e) => {
                tracing::warn!(error = %e, "sign-in failures cannot be read; not limiting");
                return Ok(());
            }
        };
        let now = self.clock.now();
        if let Some(wait) = FailureWindow::refusal(current, now, self.max_failures, self.window) {
            return Err(wait);
        }
        if FailureWindow::ended(current, now, self.window) {
            let mut clean = self.clean.lock().unwrap_or_else(PoisonError::into_inner);
            if clean.len() >= SWEEP_AT {
                clean.retain(|_, at| at.elapsed() < CLEAN_FOR);
            }
            clean.insert(key.to_owned(), Instant::now());
        }
        Ok(())
    }

    pub async fn record_failure(&self, key: &str) {
        self.clean.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
        // Another instance may count the same key at the same moment.
        for _ in 0..5 {
            let current = match self.store.failure_window(key).await {
                Ok(current) => current,
                Err(e) => return tracing::warn!(error = %e, "a sign-in failure cannot be counted"),
            };
            let next = FailureWindow::after_failure(current, self.clock.now(), self.window);
            match self.store.replace_failure_window(key, current, next).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => return tracing::warn!(error = %e, "a sign-in failure cannot be counted"),
            }
        }
        tracing::warn!("a sign-in failure was not counted: its key is too busy");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ManualClock;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn the_window_rule() {
        let minute = Duration::seconds(60);
        let w = |started, failures| Some(FailureWindow { started: at(started), failures });
        // (current, now, after a failure, refusal with max 3)
        let cases = [
            (None, 0, (0, 1), None),
            (w(0, 1), 10, (0, 2), None),
            (w(0, 2), 59, (0, 3), None),
            (w(0, 3), 0, (0, 4), Some(60)),
            (w(0, 3), 45, (0, 4), Some(15)),
            (w(0, 5), 59, (0, 6), Some(1)),
            // The window has ended: a new one from zero, nothing refused.
            (w(0, 3), 60, (60, 1), None),
            (w(0, 9), 600, (600, 1), None),
        ];
        for (current, now, (started, failures), refusal) in cases {
            let next = FailureWindow::after_failure(current, at(now), minute);
            assert_eq!(next, FailureWindow { started: at(started), failures }, "{current:?} at {now}");
            assert_eq!(FailureWindow::refusal(current, at(now), 3, minute), refusal, "{current:?} at {now}");
        }
        let half_second_left =
            FailureWindow::refusal(w(0, 3), at(59) + Duration::milliseconds(500), 3, minute);
        assert_eq!(half_second_left, Some(1), "rounded up, never 0");
    }

    #[derive(Debug, Default)]
    struct Shared(Mutex<HashMap<String, FailureWindow>>);

    #[async_trait]
    impl FailureStore for Shared {
        async fn failure_window(&self, key: &str) -> Result<Option<FailureWindow>, RepoError> {
            Ok(self.0.lock().unwrap().get(key).copied())
        }

        async fn replace_failure_window(
            &self,
            key: &str,
            expected: Option<FailureWindow>,
            next: FailureWindow,
        ) -> Result<bool, RepoError> {
            let mut all = self.0.lock().unwrap();
            if all.get(key).copied() != expected {
                return Ok(false);
            }
            all.insert(key.to_owned(), next);
            Ok(true)
        }
    }

    #[tokio::test]
    async fn two_limiters_on_one_store_count_together() {
        let clock = Arc::new(ManualClock::new(at(0)));
        let store = Arc::new(Shared::default());
        let one = FailureLimiter::new(3, Duration::seconds(60), clock.clone(), store.clone());
        let two = FailureLimiter::new(3, Duration::seconds(60), clock.clone(), store.clone());
        for limiter in [&one, &two, &one] {
            assert_eq!(limiter.check("10.0.0.1").await, Ok(()));
            limiter.record_failure("10.0.0.1").await;
        }
        assert_eq!(two.check("10.0.0.1").await, Err(60), "the other instance's failures count");
        assert_eq!(one.check("10.0.0.2").await, Ok(()), "keys are independent");
        clock.advance(Duration::seconds(45));
        assert_eq!(one.check("10.0.0.1").await, Err(15));
        clock.advance(Duration::seconds(15));
        assert_eq!(two.check("10.0.0.1").await, Ok(()));
        two.record_failure("10.0.0.1").await;
        assert_eq!(
            store.failure_window("10.0.0.1").await,
            Ok(Some(FailureWindow { started: at(60), failures: 1 }))
        );
    }
}
