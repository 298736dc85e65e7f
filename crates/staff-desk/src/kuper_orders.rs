//! Kuper's orders at the console: the order's page, the picking form's
//! steps, and the outbox's dead letters.

use identity::staff::{AuditEntry, Permission, StaffAccount};
use orders::kuper::flow::KuperStatus;
use orders::kuper::states::OutboxState;
use orders::kuper::{ActError, KuperOrderView, OutboxRow, StaffRequest};

use crate::{DeskError, StaffDesk};

/// How much of an order's audit trail its page shows.
const TRAIL_ROWS: i64 = 200;

/// A Kuper order as its page shows it.
#[derive(Clone, Debug)]
pub struct KuperOrderPage {
    pub order: KuperOrderView,
    /// Who did what to it, oldest first.
    pub trail: Vec<AuditEntry>,
    /// The store's time zone (IANA).
    pub zone: String,
}

/// What staff do with a notification Kuper refused for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Back in the queue, due now.
    Retry,
    /// Given up for good, letting the order's later ones go.
    Discard,
}

impl Resolution {
    pub fn parse(text: &str) -> Option<Resolution> {
        match text.trim() {
            "retry" => Some(Resolution::Retry),
            "discard" => Some(Resolution::Discard),
            _ => None,
        }
    }

    /// Its name in the audit trail.
    pub const fn audit_action(self) -> &'static str {
        match self {
            Resolution::Retry => "outbox.retry",
            Resolution::Discard => "outbox.discard",
        }
    }
}

/// How an order of Kuper's is named in the audit trail.
fn kuper_ref(original: &str) -> String {
    format!("kuper:{original}")
}

impl StaffDesk {
    /// The order `original` (Kuper's id) if `account` may pick it.
    pub async fn kuper_order(
        &self,
        account: &StaffAccount,
        original: &str,
    ) -> Result<KuperOrderView, DeskError> {
        let order = self.ports.kuper.order(original).await?.ok_or(DeskError::NotFound)?;
        if !account.may(Permission::PickIn(&order.store_id)) {
            return Err(DeskError::Forbidden);
        }
        Ok(order)
    }

    /// The order and its audit trail.
    pub async fn kuper_order_page(
        &self,
        account: &StaffAccount,
        original: &str,
    ) -> Result<KuperOrderPage, DeskError> {
        let order = self.kuper_order(account, original).await?;
        let trail =
            self.ports.staff.audit_trail(Some(&kuper_ref(&order.original_order_id)), TRAIL_ROWS).await?;
        let zone = self.store_zone(&order.store_id).await?;
        Ok(KuperOrderPage { order, trail, zone })
    }

    /// A staff step on a Kuper order: the flow decides (its notification
    /// queued with the change), and a step taken goes in the audit trail.
    /// The inner error is the flow's refusal.
    pub async fn kuper_step(
        &self,
        account: &StaffAccount,
        original: &str,
        request: &StaffRequest,
    ) -> Result<Result<KuperStatus, ActError>, DeskError> {
        self.kuper_order(account, original).await?;
        let entry = self.entry(
            account,
            request.action.notification(),
            Some(kuper_ref(original)),
            request.payload.to_string(),
        );
        let outcome = self.ports.kuper.act(original, request, entry.at).await?;
        if outcome.is_ok() {
            self.record(entry).await?;
        }
        Ok(outcome)
    }

    /// The dead letters and what is still queued, `rows` of each, for
    /// those who resolve what is stuck.
    pub async fn outbox(
        &self,
        account: &StaffAccount,
        rows: i64,
    ) -> Result<(Vec<OutboxRow>, Vec<OutboxRow>), DeskError> {
        if !account.may(Permission::ResolveStuck) {
            return Err(DeskError::Forbidden);
        }
        let dead = self.ports.kuper.notifications(OutboxState::Dead, rows).await?;
        let pending = self.ports.kuper.notifications(OutboxState::Pending, rows).await?;
        Ok((dead, pending))
    }

    /// Retries or discards the dead notification `id`; `NotFound` when it
    /// is not (or no longer) a dead letter.
    pub async fn resolve_dead(
        &self,
        account: &StaffAccount,
        id: i64,
        how: Resolution,
    ) -> Result<(), DeskError> {
        if !account.may(Permission::ResolveStuck) {
            return Err(DeskError::Forbidden);
        }
        let entry = self.entry(
            account,
            how.audit_action(),
            None,
            serde_json::json!({"notification": id}).to_string(),
        );
        let changed = match how {
            Resolution::Retry => self.ports.kuper.retry_notification(id).await?,
            Resolution::Discard => self.ports.kuper.discard_notification(id).await?,
        };
        if !changed {
            return Err(DeskError::NotFound);
        }
        Ok(self.record(entry).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_letter_is_retried_or_discarded_and_nothing_else() {
        for (text, how) in [
            ("retry", Some(Resolution::Retry)),
            (" discard ", Some(Resolution::Discard)),
            ("Retry", None),
            ("resend", None),
            ("", None),
        ] {
            assert_eq!(Resolution::parse(text), how, "{text:?}");
        }
        assert_eq!(Resolution::Retry.audit_action(), "outbox.retry");
        assert_eq!(Resolution::Discard.audit_action(), "outbox.discard");
    }
}
