//! The daily pass that erases personal data past its retention time
//! (`orders::retention`), run by `mcp-api` and `kuper-listener` so nothing
//! depends on someone scheduling `merchantctl purge`. Every instance runs
//! it; the pass is idempotent, and erases each order once.

use std::time::Duration;

use storage::Database;

/// How long after start the first pass runs (the service is up and
/// serving first), and how often after that.
const FIRST_AFTER: Duration = Duration::from_mins(1);
const EVERY: Duration = Duration::from_hours(24);

pub fn spawn_daily(db: Database, days: u32) {
    actix_web::rt::spawn(async move {
        tokio::time::sleep(FIRST_AFTER).await;
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let now = chrono::Utc::now();
            let before = orders::retention::closed_before(now, days);
            match db.run(move |c| storage::retention::erase_personal_data(c, before, now)).await {
                Ok(erased) => tracing::info!(
                    mcp_orders = erased.mcp_orders,
                    kuper_orders = erased.kuper_orders,
                    shoppers = erased.shoppers,
                    days,
                    "retention: personal data of old closed orders erased"
                ),
                Err(e) => tracing::warn!(error = %e, "retention: the pass failed; the next one retries"),
            }
        }
    });
}

/// Ends 1C exchange sessions idle longer than `idle`, and drops their
/// uploaded files, every hour while the exchange is on: an exchange that
/// 1C abandoned halfway keeps nothing for long.
pub fn spawn_onec_sweep(db: Database, idle: Duration) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_hours(1));
        loop {
            tick.tick().await;
            let before = chrono::Utc::now() - chrono::Duration::from_std(idle).unwrap_or_default();
            match db.run(move |c| storage::DbOneC::end_idle_sessions(c, before)).await {
                Ok(0) => {}
                Ok(ended) => tracing::info!(ended, "1C exchange: idle sessions and their files removed"),
                Err(e) => {
                    tracing::warn!(error = %e, "1C exchange: the idle-session sweep failed; the next one retries");
                }
            }
        }
    });
}
