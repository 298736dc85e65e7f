//! The outbox dispatcher of `kuper-listener`: sends queued notifications to
//! Kuper at least once and in order per order, with backoff and jitter, a
//! dead letter after the last attempt, and a pace under Kuper's rate limit.

use std::time::Duration;

use domain::Clock;
use kuper_client::notify::{KuperNotifier, Notification, NotifyError};
use storage::{Database, DbKuperOutbox, OutboxItem, StorageError};

#[derive(Clone, Debug)]
pub struct DispatchSettings {
    /// Waits before the 2nd, 3rd, … attempt; after the last, the dead letter.
    pub backoff: Vec<Duration>,
    /// How long a claimed notification is ours before another dispatcher may
    /// take it (a dispatcher that died mid-send).
    pub lease: Duration,
    /// Kuper allows 10 requests a second per merchant.
    pub per_second: u32,
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

/// One pass: claims what is due and sends it; returns how many were sent.
pub async fn dispatch_once(
    db: &Database,
    notifier: &dyn KuperNotifier,
    clock: &dyn Clock,
    settings: &DispatchSettings,
) -> Result<usize, StorageError> {
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::seconds(60));
    let now = clock.now();
    let claimed = db.run(move |conn| DbKuperOutbox::claim(conn, now, lease, 20)).await?;
    let pace = Duration::from_secs(1) / settings.per_second.max(1);
    let mut sent = 0;
    for item in claimed {
        let payload = serde_json::from_str(&item.payload).unwrap_or(serde_json::Value::Null);
        let notification = Notification { event_type: item.kind.clone(), payload };
        let outcome = notifier.notify(&notification).await;
        let now = clock.now();
        let (id, order) = (item.id, item.order_id.clone());
        match outcome {
            Ok(()) => {
                db.run(move |conn| DbKuperOutbox::sent(conn, id, now)).await?;
                sent += 1;
            }
            Err(e) => {
                let retry_after = match &e {
                    NotifyError::Retryable { retry_after, .. } => *retry_after,
                    _ => None,
                };
                let wait = match e {
                    NotifyError::Permanent { .. } => None,
                    _ => backoff(settings, &item, retry_after),
                };
                let error = e.to_string();
                if let Some(wait) = wait {
                    tracing::warn!(order = %order, kind = %item.kind, error = %error, ?wait, "notification to Kuper failed; retrying");
                    let next =
                        now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
                    db.run(move |conn| DbKuperOutbox::retry(conn, id, next, &error)).await?;
                } else {
                    tracing::error!(order = %order, kind = %item.kind, error = %error, "notification to Kuper is dead-lettered");
                    db.run(move |conn| DbKuperOutbox::dead(conn, id, &error)).await?;
                }
            }
        }
        tokio::time::sleep(pace).await;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_schedule_with_jitter_and_honours_retry_after() {
        let settings = DispatchSettings {
            backoff: vec![Duration::from_secs(10), Duration::from_secs(100)],
            lease: Duration::from_mins(1),
            per_second: 10,
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
