//! The queue of both channels: what needs a person first, then the
//! orders; a picker sees their stores only.

use identity::staff::{Permission, StaffAccount};
use orders::book::{self, BookEntry, BookFilter};
use orders::kuper::Attention;

use crate::{DeskError, StaffDesk};

/// How many stuck Kuper events the queue shows.
const ATTENTION_ROWS: i64 = 50;

/// The queue as one staff member sees it.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    /// What is due soon first, the most pressing on top; the rest newest
    /// first.
    pub book: Vec<BookEntry>,
    /// What is stuck, for those who resolve it (empty for the others).
    pub attention: Vec<Attention>,
    /// The book's mark when it was read: the live queue's starting point.
    pub stamp: String,
    /// The time zone of each store in the book (IANA): times are shown on
    /// the store's clock.
    pub zones: std::collections::BTreeMap<String, String>,
}

/// What the live queue watches for a page's filter: any status change and
/// any order, due or not yet, may change what the page shows.
pub fn live_filter(filter: &BookFilter) -> BookFilter {
    BookFilter { status: None, due_by: None, ..filter.clone() }
}

/// `filter` limited to what `account` may see. A picker's stores limit
/// the query itself: filtered after the limit, a busy chain's other
/// stores could leave their queue empty.
fn scoped(account: &StaffAccount, filter: &BookFilter) -> BookFilter {
    BookFilter { within: account.store_scope().map(<[String]>::to_vec), ..filter.clone() }
}

impl StaffDesk {
    /// Up to `rows` orders of `filter` that `account` may see.
    pub async fn queue(
        &self,
        account: &StaffAccount,
        filter: &BookFilter,
        rows: i64,
    ) -> Result<Queue, DeskError> {
        let filter = scoped(account, filter);
        // The mark first: an order that lands while the list is read is
        // then news to the live queue, never lost between the two.
        let stamp = self.ports.book.stamp(&live_filter(&filter)).await?;
        let mut listed = self.ports.book.list(&filter, rows).await?;
        book::queue_order(&mut listed, self.ports.clock.now());
        let attention = if account.may(Permission::ResolveStuck) {
            self.ports.kuper.attention(ATTENTION_ROWS).await?
        } else {
            Vec::new()
        };
        let stores = self.ports.catalog.stores().await?;
        let zones = stores
            .iter()
            .filter(|s| listed.iter().any(|e| e.store == s.id.as_str()))
            .map(|s| (s.id.to_string(), s.time_zone.clone()))
            .collect();
        Ok(Queue { book: listed, attention, stamp, zones })
    }

    /// The live queue's mark of `filter` as `account` sees it.
    pub async fn queue_stamp(
        &self,
        account: &StaffAccount,
        filter: &BookFilter,
    ) -> Result<String, DeskError> {
        Ok(self.ports.book.stamp(&live_filter(&scoped(account, filter))).await?)
    }
}

#[cfg(test)]
mod tests {
    use identity::staff::Role;

    use super::*;

    fn account(role: Role, stores: &[&str]) -> StaffAccount {
        let stores = stores.iter().map(|s| (*s).to_owned()).collect();
        StaffAccount { login: "x".into(), name: "x".into(), role, stores, disabled: false }
    }

    #[test]
    fn a_pickers_stores_limit_the_query_whatever_the_form_asked() {
        let asked = BookFilter {
            store: Some("S9".into()),
            within: Some(vec!["S9".into()]),
            status: Some("paid".into()),
            ..BookFilter::default()
        };
        for (who, within) in [
            (account(Role::Picker, &["S1", "S2"]), Some(vec!["S1".to_owned(), "S2".to_owned()])),
            (account(Role::Picker, &[]), Some(vec![])),
            (account(Role::Operator, &[]), None),
            (account(Role::Admin, &["S1"]), None),
        ] {
            let filter = scoped(&who, &asked);
            assert_eq!(filter.within, within, "{:?}", who.role);
            assert_eq!((filter.store.as_deref(), filter.status.as_deref()), (Some("S9"), Some("paid")));
        }
    }

    #[test]
    fn the_live_queue_watches_every_status_and_due_time_of_the_pages_stores() {
        let page = BookFilter {
            channel: Some("kuper".into()),
            store: Some("S1".into()),
            status: Some("in_work".into()),
            within: Some(vec!["S1".into()]),
            due_by: Some(chrono::Utc::now()),
        };
        let live = live_filter(&page);
        assert_eq!((live.status, live.due_by), (None, None));
        assert_eq!((live.channel, live.store, live.within), (page.channel, page.store, page.within));
    }
}
