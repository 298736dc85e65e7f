//! Brute-force protection: after `max_failures` failed attempts from one key
//! within `window`, further attempts from it are refused until the window
//! ends. Successes do not reset the count, so one valid credential cannot be
//! used to launder guesses.
//!
//! In memory, per process: behind a load balancer each instance counts on its
//! own, which bounds guesses at `instances × max_failures` per window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use domain::Clock;

/// Entries kept before expired ones are swept, so the map cannot grow
/// without bound under a spray of keys.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: u32,
    window: Duration,
    clock: Arc<dyn Clock>,
    windows: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

impl FailureLimiter {
    pub fn new(max_failures: u32, window: Duration, clock: Arc<dyn Clock>) -> Self {
        FailureLimiter { max_failures, window, clock, windows: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` when `key` has used up its failures.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = self.clock.now();
        let windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        match windows.get(key) {
            Some(&(start, count)) if count >= self.max_failures && now < start + self.window => {
                // Round up: a client told 59 s when 59.4 remain would retry early.
                let wait = ((start + self.window - now).num_milliseconds() + 999) / 1000;
                Err(u64::try_from(wait).unwrap_or(1))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, key: &str) {
        let now = self.clock.now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            let window = self.window;
            windows.retain(|_, (start, _)| now < *start + window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0 + self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ManualClock;

    #[test]
    fn blocks_after_the_limit_until_the_window_ends() {
        let clock = Arc::new(ManualClock::new(DateTime::from_timestamp(1_764_000_000, 0).unwrap()));
        let limiter = FailureLimiter::new(3, Duration::seconds(60), clock.clone());
        for _ in 0..3 {
            assert_eq!(limiter.check("10.0.0.1"), Ok(()));
            limiter.record_failure("10.0.0.1");
        }
        assert_eq!(limiter.check("10.0.0.1"), Err(60));
        assert_eq!(limiter.check("10.0.0.2"), Ok(()), "keys are independent");
        clock.advance(Duration::seconds(45));
        assert_eq!(limiter.check("10.0.0.1"), Err(15));
        clock.advance(Duration::seconds(15));
        assert_eq!(limiter.check("10.0.0.1"), Ok(()));
        limiter.record_failure("10.0.0.1");
        assert_eq!(limiter.check("10.0.0.1"), Ok(()), "a new window starts from zero");
    }
}
