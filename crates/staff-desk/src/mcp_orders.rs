//! Orders AI agents placed (MCP) at the console: the order's page and the
//! steps staff take on it.

use domain::OrderId;
use identity::staff::{AuditEntry, Permission, StaffAccount};
use orders::{Action, Order, OrderEvent, transition};
use payments::Payment;

use crate::{DeskError, StaffDesk};

/// The steps staff take on an MCP order; payment and expiry move orders
/// themselves, and nobody at the console pays or expires one.
pub const STAFF_ACTIONS: [Action; 5] =
    [Action::Process, Action::Deliver, Action::ReadyForPickup, Action::Complete, Action::Cancel];

/// How much of an order's audit trail its page shows.
const TRAIL_ROWS: i64 = 200;

/// An MCP order as its page shows it.
#[derive(Clone, Debug)]
pub struct McpOrderPage {
    pub order: Order,
    pub payments: Vec<Payment>,
    /// Its status changes, oldest first.
    pub events: Vec<OrderEvent>,
    pub trail: Vec<AuditEntry>,
    /// The steps staff may take on it now.
    pub steps: Vec<Action>,
    /// The store's time zone (IANA).
    pub zone: String,
}

/// The staff steps the order's state machine allows now.
pub fn staff_steps(order: &Order) -> Vec<Action> {
    let method = order.shipping.method();
    STAFF_ACTIONS.into_iter().filter(|a| transition(order.status, *a, method).is_ok()).collect()
}

fn mcp_ref(id: &OrderId) -> String {
    format!("mcp:{id}")
}

impl StaffDesk {
    /// The order if `account` may pick in its store.
    async fn mcp_order(&self, account: &StaffAccount, id: &OrderId) -> Result<Order, DeskError> {
        let order = self.ports.ordering.order_for(None, id).await?;
        if !account.may(Permission::PickIn(order.store.as_str())) {
            return Err(DeskError::Forbidden);
        }
        Ok(order)
    }

    pub async fn mcp_order_page(
        &self,
        account: &StaffAccount,
        id: &OrderId,
    ) -> Result<McpOrderPage, DeskError> {
        let order = self.mcp_order(account, id).await?;
        let payments = self.ports.payments.attempts(id).await?;
        let events = self.ports.history.events(id).await?;
        let trail = self.ports.staff.audit_trail(Some(&mcp_ref(id)), TRAIL_ROWS).await?;
        let steps = staff_steps(&order);
        let zone = self.store_zone(order.store.as_str()).await?;
        Ok(McpOrderPage { order, payments, events, trail, steps, zone })
    }

    /// The step named `wanted` (one of [`STAFF_ACTIONS`]) on the order, by
    /// its state machine, recorded in the audit trail.
    pub async fn mcp_step(
        &self,
        account: &StaffAccount,
        id: &OrderId,
        wanted: &str,
    ) -> Result<Order, DeskError> {
        let wanted = wanted.trim();
        let action = STAFF_ACTIONS
            .into_iter()
            .find(|a| a.as_str() == wanted)
            .ok_or_else(|| DeskError::UnknownStep(wanted.to_owned()))?;
        // The store decides who may step it: read it first.
        self.mcp_order(account, id).await?;
        let order = self.ports.ordering.advance(id, action).await?;
        let detail = serde_json::json!({"to": order.status.to_string()}).to_string();
        self.record(self.entry(account, action.as_str(), Some(mcp_ref(id)), detail)).await?;
        Ok(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paying and expiring move an order by themselves; every other step
    /// is a person's.
    #[test]
    fn staff_take_every_step_but_paying_and_expiring() {
        for action in Action::ALL {
            let by_staff = !matches!(action, Action::Pay | Action::Expire);
            assert_eq!(STAFF_ACTIONS.contains(&action), by_staff, "{action:?}");
        }
    }
}
