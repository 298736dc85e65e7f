//! The outbox dispatcher of `kuper-listener`: sends queued notifications to
//! Kuper at least once and in order per order, with backoff and jitter, a
//! dead letter after the last attempt, and a pace under Kuper's rate limit.

use std::sync::Arc;
use std::time::Duration;

use domain::Clock;
use futures_util::future::join_all;
use kuper_client::notify::{KuperNotifier, Notification, NotifyError};
use storage::{Database, DbKuperOutbox, OutboxItem, StorageError};
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Clone, Debug)]
pub struct DispatchSettings {
    /// Waits before the 2nd, 3rd, … attempt; after the last, the dead letter.
    pub backoff: Vec<Duration>,
    /// How long a claimed notification is ours before another dispatcher may
    /// take it (a dispatcher that died mid-send).
    pub lease: Duration,
    /// Kuper allows 10 requests a second per merchant; `None`: no pace (a
    /// simulator, a benchmark).
    pub per_second: Option<u32>,
    /// Notifications in flight at once (each of another order).
    pub batch: usize,
}

/// The wait before attempt `attempts + 1`, spread by up to ±20 % so that
/// retries of many notifications do not arrive together.
fn backoff(
    settings: &DispatchSettings,
    item: &OutboxItem,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let index = usize::try_from(item.attempts).unwrap_or(usize::MAX);
    let base = *settings.backoff.get(index)?;
    let spread =
        (item.id.unsigned_abs().wrapping_mul(7919) + u64::from(item.attempts.unsigned_abs()) * 104_729) % 41;
    let jittered = base.mul_f64(0.8 + f64::from(u32::try_from(spread).unwrap_or(20)) / 100.0);
    Some(retry_after.map_or(jittered, |after| after.max(jittered)))
}

/// Evenly spaced send slots: at most `per_second` a second, across passes
/// and across the concurrent sends of one pass (this process's; on
/// PostgreSQL the slots are taken from the database, shared by every
/// instance).
#[derive(Debug)]
struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        Pace { interval: Duration::from_secs(1) / per_second.max(1), next: Mutex::new(Instant::now()) }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// What one pass did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    /// Acknowledged by Kuper; the rest wait for a retry or are dead.
    pub sent: usize,
}

/// Sends the Kuper outbox: claims what is due, sends it concurrently (one
/// notification per order at a time), records each outcome.
#[derive(Debug)]
pub struct Dispatcher {
    db: Database,
    notifier: Arc<dyn KuperNotifier>,
    clock: Arc<dyn Clock>,
    settings: DispatchSettings,
    pace: Option<Pace>,
    /// Notifications Kuper acknowledged that the database could not be
    /// told of yet (it was down): recorded before anything more is
    /// claimed, while their lease still keeps them ours, so that an outage
    /// does not send them again.
    unrecorded: std::sync::Mutex<Vec<i64>>,
}

impl Dispatcher {
    pub fn new(
        db: Database,
        notifier: Arc<dyn KuperNotifier>,
        clock: Arc<dyn Clock>,
        settings: DispatchSettings,
    ) -> Dispatcher {
        let pace = settings.per_second.map(Pace::new);
        Dispatcher { db, notifier, clock, settings, pace, unrecorded: std::sync::Mutex::default() }
    }

    /// One pass: claims what is due and sends it.
    pub async fn dispatch_once(&self) -> Result<Pass, StorageError> {
        self.record_sent().await?;
        let lease = chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(60));
        let now = self.clock.now();
        let limit = i64::try_from(self.claim_limit()).unwrap_or(i64::MAX);
        let claimed = self.db.run(move |conn| DbKuperOutbox::claim(conn, now, lease, limit)).await?;
        let outcomes = join_all(claimed.iter().map(|item| self.send(item))).await;
        let mut sent = 0;
        let mut failures = Vec::new();
        for (item, outcome) in claimed.iter().zip(outcomes) {
            match outcome {
                Ok(()) => {
                    self.unrecorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(item.id);
                    sent += 1;
                }
                Err(e) => failures.push((item, e)),
            }
        }
        // What Kuper took is recorded first: a failure to record a retry
        // must not leave it to be sent again.
        let recorded = self.record_sent().await;
        for (item, e) in failures {
            self.failed(item, e).await?;
        }
        recorded?;
        Ok(Pass { claimed: claimed.len(), sent })
    }

    /// Marks sent what Kuper acknowledged; kept for the next pass when the
    /// database cannot be told.
    async fn record_sent(&self) -> Result<(), StorageError> {
        let ids = self.unrecorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let (marked, result) =
            (ids.clone(), self.db.run(move |conn| DbKuperOutbox::sent_all(conn, &ids, now)).await);
        if result.is_ok() {
            self.unrecorded
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .retain(|id| !marked.contains(id));
        }
        result
    }

    /// Under a pace, no more than can go out within a second, so that
    /// nothing claimed waits out its lease.
    fn claim_limit(&self) -> usize {
        let batch = self.settings.batch.max(1);
        self.settings.per_second.map_or(batch, |rate| batch.min(usize::try_from(rate).unwrap_or(usize::MAX)))
    }

    async fn send(&self, item: &OutboxItem) -> Result<(), NotifyError> {
        if let Some(pace) = &self.pace {
            self.wait_for_slot(pace).await;
        }
        let payload = serde_json::from_str(&item.payload).unwrap_or(serde_json::Value::Null);
        self.notifier.notify(&Notification { event_type: item.kind.clone(), payload }).await
    }

    /// The next send slot: on PostgreSQL shared by every listener instance
    /// (Kuper's limit is per merchant), on SQLite this process's. When the
    /// database cannot give one, this process's pace still holds.
    async fn wait_for_slot(&self, pace: &Pace) {
        let interval = pace.interval;
        match self.db.run(move |conn| DbKuperOutbox::reserve_send_slot(conn, interval)).await {
            Ok(Some(wait)) => tokio::time::sleep(wait).await,
            Ok(None) => pace.wait().await,
            Err(e) => {
                tracing::warn!(error = %e, "kuper dispatcher: no shared send slot; pacing alone");
                pace.wait().await;
            }
        }
    }

    /// A retry by the schedule, or the dead letter.
    async fn failed(&self, item: &OutboxItem, e: NotifyError) -> Result<(), StorageError> {
        let retry_after = match &e {
            NotifyError::Retryable { retry_after, .. } => *retry_after,
            _ => None,
        };
        let wait = match e {
            NotifyError::Permanent { .. } => None,
            _ => backoff(&self.settings, item, retry_after),
        };
        let (id, order, error) = (item.id, &item.order_id, e.to_string());
        if let Some(wait) = wait {
            tracing::warn!(order = %order, kind = %item.kind, error = %error, ?wait, "notification to Kuper failed; retrying");
            let next =
                self.clock.now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
            self.db.run(move |conn| DbKuperOutbox::retry(conn, id, next, &error)).await
        } else {
            tracing::error!(order = %order, kind = %item.kind, error = %error, "notification to Kuper is dead-lettered");
            self.db.run(move |conn| DbKuperOutbox::dead(conn, id, &error)).await
        }
    }

    /// Passes forever: right away after a full claim, else every `interval`.
    pub async fn run(self, interval: Duration) {
        loop {
            match self.dispatch_once().await {
                Ok(pass) if pass.claimed >= self.claim_limit() => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the outbox could not be read; retrying"),
            }
            tokio::time::sleep(interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_schedule_with_jitter_and_honours_retry_after() {
        let settings = DispatchSettings {
            backoff: vec![Duration::from_secs(10), Duration::from_secs(100)],
            lease: Duration::from_mins(1),
            per_second: Some(10),
            batch: 10,
        };
        let item = |id, attempts| OutboxItem {
            id,
            order_id: "o".into(),
            kind: "k".into(),
            payload: "{}".into(),
            attempts,
        };
        for id in 0..50 {
            let wait = backoff(&settings, &item(id, 0), None).unwrap();
            assert!(wait >= Duration::from_secs(8) && wait <= Duration::from_secs(12), "{wait:?}");
        }
        assert!(backoff(&settings, &item(1, 1), None).unwrap() >= Duration::from_secs(80));
        assert_eq!(backoff(&settings, &item(1, 2), None), None, "after the last attempt: dead");
        let later = backoff(&settings, &item(1, 0), Some(Duration::from_mins(1))).unwrap();
        assert_eq!(later, Duration::from_mins(1));
    }
}
