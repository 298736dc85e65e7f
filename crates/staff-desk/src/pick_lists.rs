//! The store's pick list for the orders due soon, and an order's packing
//! list.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::SkuId;
use identity::staff::{Permission, StaffAccount};
use orders::book::{BookEntry, BookFilter, still_to_pick};
use orders::pick_list::{PickGroup, ProductFacts, pick_list};

use crate::{DeskError, StaffDesk};

/// The most orders one list gathers (a busy store's day, many times over).
const MOST_ORDERS: i64 = 20_000;
/// The longest "due within" a pick list takes: a day.
pub const MAX_DUE_MINUTES: u32 = 24 * 60;

/// What to take from the shelves for the orders of a store due by a time.
#[derive(Clone, Debug)]
pub struct PickList {
    pub store: String,
    /// The store's time zone (IANA), for the times on the list.
    pub zone: String,
    pub due_by: DateTime<Utc>,
    /// The orders it gathers, the soonest due first.
    pub orders: Vec<BookEntry>,
    pub groups: Vec<PickGroup>,
}

impl StaffDesk {
    /// The time zone `store` keeps its clock in (IANA); UTC for a store
    /// the catalog does not know (a Kuper order may name one).
    pub async fn store_zone(&self, store: &str) -> Result<String, DeskError> {
        let zone = match domain::StoreId::new(store) {
            Ok(id) => self.ports.catalog.store(&id).await?.map(|s| s.time_zone),
            Err(_) => None,
        };
        Ok(zone.unwrap_or_else(|| "UTC".into()))
    }

    /// The pick list of `store`'s orders still to pick and due within
    /// `due_within` minutes (or overdue), if `account` picks there.
    pub async fn pick_list(
        &self,
        account: &StaffAccount,
        store: &str,
        due_within: u32,
    ) -> Result<PickList, DeskError> {
        if !account.may(Permission::PickIn(store)) {
            return Err(DeskError::Forbidden);
        }
        let due_by = self.ports.clock.now() + Duration::minutes(i64::from(due_within.min(MAX_DUE_MINUTES)));
        let filter =
            BookFilter { store: Some(store.to_owned()), due_by: Some(due_by), ..BookFilter::default() };
        let mut orders = self.ports.book.list(&filter, MOST_ORDERS).await?;
        orders.retain(|e| still_to_pick(&e.channel, &e.status));
        orders.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
        let mut lines = self.ports.book.lines_to_pick(&orders).await?;
        // Each product names its orders the soonest due first.
        let place: HashMap<String, usize> =
            orders.iter().enumerate().map(|(i, o)| (o.reference(), i)).collect();
        lines.sort_by_key(|l| place.get(&l.order).copied().unwrap_or(usize::MAX));
        let mut skus: Vec<SkuId> = lines.iter().filter_map(|l| SkuId::new(&l.sku).ok()).collect();
        skus.sort();
        skus.dedup();
        let facts: HashMap<String, ProductFacts> = self
            .ports
            .catalog
            .products(&skus)
            .await?
            .into_iter()
            .map(|p| (p.sku.to_string(), ProductFacts { name: p.name, category: p.category }))
            .collect();
        let groups = pick_list(&lines, |sku| facts.get(sku).cloned());
        let zone = self.store_zone(store).await?;
        Ok(PickList { store: store.to_owned(), zone, due_by, orders, groups })
    }
}
