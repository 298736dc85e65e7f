//! `orders::OrderRepo` on the database: an order, its stock reservation and
//! its slot place are written in one transaction, so an order never exists
//! without its stock held, and stock is never held without an order.

use ::orders::limits::{HoldLimits, ShopperHolds};
use ::orders::schedule::SlotSettings;
use ::orders::{
    Action, ApplyError, Channel, CreateError, Effect, Order, OrderEvent, OrderHistory, OrderLine, OrderRepo,
    OrderStatus, RepoError, Shipping, ShippingMethod, Slot, transition,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{Currency, Decimal, GeoPoint, Money, OrderId, SkuId, StoreId, Unit, UserId};

use catalog::stock::{MoveKind, StockQty};

use crate::error::reported;
use crate::rows::{corrupt, naive};
use crate::schema::{idempotency_keys, order_events, order_lines, orders, slot_bookings, store_slots, users};
use crate::stock;
use crate::{AnyConnection, Database, StorageError, with_conn};

#[derive(Clone, Debug)]
pub struct DbOrderRepo {
    db: Database,
}

impl DbOrderRepo {
    pub fn new(db: Database) -> Self {
        DbOrderRepo { db }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
struct OrderRow {
    id: String,
    channel: String,
    user_id: String,
    store_id: String,
    shipping: String,
    destination: Option<String>,
    slot_starts_at: NaiveDateTime,
    slot_ends_at: NaiveDateTime,
    currency: String,
    items_total_minor: i64,
    delivery_price_minor: i64,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
}

/// The idempotency scope of checkouts.
const CHECKOUT: &str = "checkout";

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines)]
struct LineRow {
    order_id: String,
    line_no: i32,
    sku: String,
    name: String,
    unit: String,
    quantity: String,
    unit_price_minor: i64,
    discount_minor: i64,
    total_minor: i64,
    held: i64,
}

/// What each line of an order holds.
fn holds(order: &Order) -> Vec<(&str, StockQty)> {
    order.lines.iter().map(|l| (l.sku.as_str(), l.held)).collect()
}

fn mcp(order_id: &str) -> stock::OrderRef<'_> {
    stock::OrderRef { channel: "mcp", order_id }
}

impl OrderRow {
    fn from_domain(o: &Order) -> Self {
        let destination = match &o.shipping {
            Shipping::Delivery { point, address } => Some(
                serde_json::json!({"lat": point.lat(), "lon": point.lon(), "address": address}).to_string(),
            ),
            Shipping::Pickup => None,
        };
        OrderRow {
            id: o.id.to_string(),
            channel: o.channel.as_str().to_owned(),
            user_id: o.user.to_string(),
            store_id: o.store.to_string(),
            shipping: o.shipping.method().as_str().to_owned(),
            destination,
            slot_starts_at: naive(o.slot.starts_at),
            slot_ends_at: naive(o.slot.ends_at),
            currency: o.total.currency().to_string(),
            items_total_minor: o.items_total.minor(),
            delivery_price_minor: o.delivery_price.minor(),
            status: o.status.as_str().to_owned(),
            created_at: naive(o.created_at),
            updated_at: naive(o.updated_at),
            expires_at: o.expires_at.map(naive),
        }
    }

    /// `request`: the checkout's idempotency key and digest.
    fn into_domain(self, lines: Vec<LineRow>, request: (String, String)) -> Result<Order, StorageError> {
        let key = format!("orders {}", self.id);
        self.read(lines, request).map_err(|e| e.of_row(&key))
    }

    fn read(self, lines: Vec<LineRow>, request: (String, String)) -> Result<Order, StorageError> {
        let currency: Currency = self.currency.parse().map_err(|e| corrupt("orders.currency", e))?;
        let money = |minor| Money::from_minor(minor, currency);
        let shipping = match (self.shipping.as_str(), &self.destination) {
            ("pickup", _) => Shipping::Pickup,
            ("delivery", Some(json)) => {
                let value: serde_json::Value =
                    serde_json::from_str(json).map_err(|e| corrupt("orders.destination", e))?;
                let (lat, lon) = (value["lat"].as_f64(), value["lon"].as_f64());
                let point = lat
                    .zip(lon)
                    .and_then(|(lat, lon)| GeoPoint::new(lat, lon).ok())
                    .ok_or_else(|| corrupt("orders.destination", json))?;
                Shipping::Delivery { point, address: value["address"].as_str().map(str::to_owned) }
            }
            (other, _) => return Err(corrupt("orders.shipping", other)),
        };
        let items_total = money(self.items_total_minor);
        let delivery_price = money(self.delivery_price_minor);
        let total =
            items_total.checked_add(delivery_price).map_err(|e| corrupt("orders.items_total_minor", e))?;
        let lines = lines
            .into_iter()
            .map(|l| {
                Ok(OrderLine {
                    sku: SkuId::new(l.sku).map_err(|e| corrupt("order_lines.sku", e))?,
                    name: l.name,
                    unit: l.unit.parse::<Unit>().map_err(|e| corrupt("order_lines.unit", e))?,
                    quantity: l
                        .quantity
                        .parse::<Decimal>()
                        .map_err(|e| corrupt("order_lines.quantity", e))?,
                    unit_price: money(l.unit_price_minor),
                    discount: money(l.discount_minor),
                    total: money(l.total_minor),
                    held: StockQty::from_thousandths(l.held),
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(Order {
            id: OrderId::new(self.id).map_err(|e| corrupt("orders.id", e))?,
            channel: match self.channel.as_str() {
                "mcp" => Channel::Mcp,
                other => return Err(corrupt("orders.channel", other)),
            },
            user: UserId::new(self.user_id).map_err(|e| corrupt("orders.user_id", e))?,
            store: StoreId::new(self.store_id).map_err(|e| corrupt("orders.store_id", e))?,
            shipping,
            slot: Slot { starts_at: self.slot_starts_at.and_utc(), ends_at: self.slot_ends_at.and_utc() },
            lines,
            items_total,
            delivery_price,
            total,
            status: self.status.parse::<OrderStatus>().map_err(|e| corrupt("orders.status", e))?,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            expires_at: self.expires_at.map(|t| t.and_utc()),
            request_id: request.0,
            request_digest: request.1,
        })
    }
}

/// Why a create transaction stopped: each rolls everything back.
enum CreateFailure {
    OutOfStock(SkuId),
    SlotFull,
    ShopperLimit(::orders::limits::HoldLimitExceeded),
    Storage(StorageError),
}

impl From<diesel::result::Error> for CreateFailure {
    fn from(e: diesel::result::Error) -> Self {
        CreateFailure::Storage(e.into())
    }
}

pub(crate) enum ApplyFailure {
    NotFound,
    Illegal(::orders::IllegalTransition),
    Storage(StorageError),
}

impl From<diesel::result::Error> for ApplyFailure {
    fn from(e: diesel::result::Error) -> Self {
        ApplyFailure::Storage(e.into())
    }
}

impl From<StorageError> for ApplyFailure {
    fn from(e: StorageError) -> Self {
        ApplyFailure::Storage(e)
    }
}

/// Takes a place in the slot if one is left of `capacity`.
fn take_slot_place(
    c: &mut AnyConnection,
    store: &str,
    method: &str,
    starts: NaiveDateTime,
    capacity: i32,
) -> QueryResult<bool> {
    let place = (
        slot_bookings::store_id.eq(store),
        slot_bookings::shipping.eq(method),
        slot_bookings::starts_at.eq(starts),
        slot_bookings::booked.eq(0),
    );
    with_conn!(c, |c| diesel::insert_into(slot_bookings::table)
        .values(place)
        .on_conflict_do_nothing()
        .execute(c))?;
    let taken = diesel::update(
        slot_bookings::table.find((store, method, starts)).filter(slot_bookings::booked.lt(capacity)),
    )
    .set(slot_bookings::booked.eq(slot_bookings::booked + 1))
    .execute(c)?;
    Ok(taken == 1)
}

fn free_slot_place(
    c: &mut AnyConnection,
    store: &str,
    method: &str,
    starts: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(slot_bookings::table.find((store, method, starts)).filter(slot_bookings::booked.gt(0)))
        .set(slot_bookings::booked.eq(slot_bookings::booked - 1))
        .execute(c)?;
    Ok(())
}

pub(crate) fn load(c: &mut AnyConnection, id: &str) -> Result<Option<Order>, StorageError> {
    let Some(row) = orders::table.find(id).select(OrderRow::as_select()).first::<OrderRow>(c).optional()?
    else {
        return Ok(None);
    };
    let lines = order_lines::table
        .filter(order_lines::order_id.eq(id))
        .order(order_lines::line_no)
        .select(LineRow::as_select())
        .load(c)?;
    let request: (String, String) = idempotency_keys::table
        .filter(idempotency_keys::scope.eq(CHECKOUT))
        .filter(idempotency_keys::resource_id.eq(id))
        .select((idempotency_keys::key, idempotency_keys::digest))
        .first(c)
        .optional()?
        .unwrap_or_default();
    row.into_domain(lines, request).map(Some)
}

/// What `user` holds with unpaid MCP orders. On PostgreSQL the shopper's
/// row is locked first, so one shopper's concurrent checkouts count in
/// turn; a SQLite write transaction holds the write lock already.
fn shopper_holds(c: &mut AnyConnection, user: &str) -> Result<ShopperHolds, StorageError> {
    if let AnyConnection::Postgres(pg) = c {
        users::table.find(user).select(users::id).for_update().first::<String>(pg).optional()?;
    }
    let unpaid: Vec<String> = orders::table
        .filter(orders::user_id.eq(user))
        .filter(orders::channel.eq(Channel::Mcp.as_str()))
        .filter(orders::status.eq(OrderStatus::New.as_str()))
        .select(orders::id)
        .load(c)?;
    let held: Vec<i64> =
        order_lines::table.filter(order_lines::order_id.eq_any(&unpaid)).select(order_lines::held).load(c)?;
    Ok(ShopperHolds {
        unpaid_orders: u32::try_from(unpaid.len()).unwrap_or(u32::MAX),
        held_thousandths: held.into_iter().fold(0_i64, i64::saturating_add),
    })
}

fn create(
    c: &mut AnyConnection,
    order: &Order,
    capacity: u32,
    limits: HoldLimits,
) -> Result<(), CreateFailure> {
    let row = OrderRow::from_domain(order);
    // First, so that a second checkout with the same rqUid stops here.
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(CHECKOUT),
            idempotency_keys::key.eq(&order.request_id),
            idempotency_keys::digest.eq(&order.request_digest),
            idempotency_keys::resource_id.eq(&row.id),
            idempotency_keys::created_at.eq(naive(order.created_at)),
        ))
        .execute(c)?;
    let shopper = shopper_holds(c, &row.user_id).map_err(CreateFailure::Storage)?;
    let order_held = order.lines.iter().map(|l| l.held.thousandths()).fold(0_i64, i64::saturating_add);
    limits.admit(shopper, order_held).map_err(CreateFailure::ShopperLimit)?;
    diesel::insert_into(orders::table).values(&row).execute(c)?;
    let lines: Vec<LineRow> = order
        .lines
        .iter()
        .zip(0..)
        .map(|(l, line_no)| LineRow {
            order_id: row.id.clone(),
            line_no,
            sku: l.sku.to_string(),
            name: l.name.clone(),
            unit: l.unit.to_string(),
            quantity: l.quantity.to_string(),
            unit_price_minor: l.unit_price.minor(),
            discount_minor: l.discount.minor(),
            total_minor: l.total.minor(),
            held: l.held.thousandths(),
        })
        .collect();
    // Many rows in one INSERT: not in diesel's common subset.
    with_conn!(c, |c| diesel::insert_into(order_lines::table).values(&lines).execute(c))?;
    let held =
        stock::order_moves(c, mcp(&row.id), &row.store_id, MoveKind::Hold, &holds(order), order.created_at)
            .map_err(CreateFailure::Storage)?;
    if let Some((line, _)) = order.lines.iter().zip(held).find(|(_, short)| short.is_some()) {
        return Err(CreateFailure::OutOfStock(line.sku.clone()));
    }
    let capacity = i32::try_from(capacity).unwrap_or(i32::MAX);
    if !take_slot_place(c, &row.store_id, &row.shipping, row.slot_starts_at, capacity)? {
        return Err(CreateFailure::SlotFull);
    }
    event(c, &row.id, order.created_at, None, order.status, "checkout")?;
    Ok(())
}

fn event(
    c: &mut AnyConnection,
    id: &str,
    at: DateTime<Utc>,
    from: Option<OrderStatus>,
    to: OrderStatus,
    action: &str,
) -> QueryResult<()> {
    diesel::insert_into(order_events::table)
        .values((
            order_events::order_id.eq(id),
            order_events::at.eq(naive(at)),
            order_events::from_status.eq(from.map(OrderStatus::as_str)),
            order_events::to_status.eq(to.as_str()),
            order_events::action.eq(action),
        ))
        .execute(c)?;
    Ok(())
}

pub(crate) fn apply(
    c: &mut AnyConnection,
    id: &str,
    action: Action,
    at: DateTime<Utc>,
) -> Result<Order, ApplyFailure> {
    let mut order = load(c, id)?.ok_or(ApplyFailure::NotFound)?;
    let step = transition(order.status, action, order.shipping.method()).map_err(ApplyFailure::Illegal)?;
    for effect in step.effects {
        match effect {
            Effect::ReleaseStock => {
                stock::order_moves(c, mcp(id), order.store.as_str(), MoveKind::Release, &holds(&order), at)?;
            }
            Effect::ReleaseSlot => {
                free_slot_place(
                    c,
                    order.store.as_str(),
                    order.shipping.method().as_str(),
                    naive(order.slot.starts_at),
                )?;
            }
            Effect::SellStock => {
                stock::order_moves(c, mcp(id), order.store.as_str(), MoveKind::Sale, &holds(&order), at)?;
            }
            Effect::RefundPayment => crate::payment_repo::queue_refunds_of_order(c, id, at)?,
        }
    }
    let from = order.status;
    order.status = step.to;
    order.updated_at = at;
    order.expires_at = ::orders::status::payment_deadline(order.status, order.expires_at);
    // Only from the status we read: a concurrent move (expiry against
    // a payment) makes this one fail and roll back whole.
    let moved = diesel::update(orders::table.find(id).filter(orders::status.eq(from.as_str())))
        .set((
            orders::status.eq(order.status.as_str()),
            orders::updated_at.eq(naive(at)),
            orders::expires_at.eq(order.expires_at.map(naive)),
        ))
        .execute(c)?;
    if moved == 0 {
        return Err(ApplyFailure::Illegal(::orders::IllegalTransition {
            from,
            action,
            reason: Some("the order changed meanwhile"),
        }));
    }
    event(c, id, at, Some(from), order.status, action.as_str())?;
    Ok(order)
}

impl DbOrderRepo {
    /// Gives `store` its own slot grid for `method` (`None`: back to the
    /// configured one).
    pub fn set_slot_settings(
        conn: &mut AnyConnection,
        store: &StoreId,
        method: ShippingMethod,
        settings: Option<&SlotSettings>,
    ) -> Result<(), StorageError> {
        let key = (store.as_str(), method.as_str());
        let Some(s) = settings else {
            diesel::delete(store_slots::table.find(key)).execute(conn)?;
            return Ok(());
        };
        let minutes = |d: chrono::Duration| i32::try_from(d.num_minutes()).unwrap_or(i32::MAX);
        let grid = (
            store_slots::slot_minutes.eq(minutes(s.length)),
            store_slots::lead_minutes.eq(minutes(s.lead)),
            store_slots::cutoff.eq(s.cutoff.map(|t| t.format("%H:%M").to_string())),
            store_slots::days.eq(i32::try_from(s.days).unwrap_or(i32::MAX)),
            store_slots::capacity.eq(i32::try_from(s.capacity).unwrap_or(i32::MAX)),
        );
        // One statement: a failure never leaves the store without its grid.
        with_conn!(conn, |c| diesel::insert_into(store_slots::table)
            .values((
                store_slots::store_id.eq(store.as_str()),
                store_slots::shipping.eq(method.as_str()),
                grid.clone()
            ))
            .on_conflict((store_slots::store_id, store_slots::shipping))
            .do_update()
            .set(grid.clone())
            .execute(c))?;
        Ok(())
    }

    /// The order's history, oldest first: for staff.
    pub fn events(conn: &mut AnyConnection, id: &OrderId) -> Result<Vec<OrderEvent>, StorageError> {
        let rows: Vec<(NaiveDateTime, Option<String>, String, String)> = order_events::table
            .filter(order_events::order_id.eq(id.as_str()))
            .order(order_events::at)
            .select((
                order_events::at,
                order_events::from_status,
                order_events::to_status,
                order_events::action,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(at, from, to, action)| OrderEvent { at: at.and_utc(), from, to, action })
            .collect())
    }
}

#[async_trait]
impl OrderHistory for DbOrderRepo {
    async fn events(&self, id: &OrderId) -> Result<Vec<OrderEvent>, RepoError> {
        let id = id.clone();
        self.db.run(move |conn| Self::events(conn, &id)).await.map_err(reported)
    }
}

#[async_trait]
impl OrderRepo for DbOrderRepo {
    async fn create(&self, order: &Order, capacity: u32, limits: HoldLimits) -> Result<(), CreateError> {
        let order = order.clone();
        let outcome = self
            .db
            .run(move |conn| {
                Ok::<_, StorageError>(conn.write_transaction(|c| create(c, &order, capacity, limits)))
            })
            .await;
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(CreateFailure::OutOfStock(sku))) => Err(CreateError::OutOfStock { sku }),
            Ok(Err(CreateFailure::SlotFull)) => Err(CreateError::SlotFull),
            Ok(Err(CreateFailure::ShopperLimit(why))) => Err(CreateError::ShopperLimit(why)),
            Ok(Err(CreateFailure::Storage(e))) | Err(e) if e.is_unique_violation() => {
                Err(CreateError::DuplicateRequest)
            }
            Ok(Err(CreateFailure::Storage(e))) | Err(e) => Err(CreateError::Repo(reported(e))),
        }
    }

    async fn get(&self, id: &OrderId) -> Result<Option<Order>, RepoError> {
        let id = id.to_string();
        self.db.run(move |conn| load(conn, &id)).await.map_err(reported)
    }

    async fn by_request(&self, request_id: &str) -> Result<Option<Order>, RepoError> {
        let request_id = request_id.to_owned();
        self.db
            .run(move |conn| {
                let id: Option<String> = idempotency_keys::table
                    .filter(idempotency_keys::scope.eq(CHECKOUT))
                    .filter(idempotency_keys::key.eq(&request_id))
                    .select(idempotency_keys::resource_id)
                    .first(conn)
                    .optional()?;
                match id {
                    Some(id) => load(conn, &id),
                    None => Ok(None),
                }
            })
            .await
            .map_err(reported)
    }

    async fn booked(
        &self,
        store: &StoreId,
        method: ShippingMethod,
        slots: &[Slot],
    ) -> Result<Vec<u32>, RepoError> {
        let (store, method) = (store.to_string(), method.as_str());
        let starts: Vec<NaiveDateTime> = slots.iter().map(|s| naive(s.starts_at)).collect();
        self.db
            .run(move |conn| {
                let rows: Vec<(NaiveDateTime, i32)> = slot_bookings::table
                    .filter(slot_bookings::store_id.eq(&store))
                    .filter(slot_bookings::shipping.eq(method))
                    .filter(slot_bookings::starts_at.eq_any(&starts))
                    .select((slot_bookings::starts_at, slot_bookings::booked))
                    .load(conn)?;
                Ok(starts
                    .iter()
                    .map(|s| {
                        rows.iter().find(|(at, _)| at == s).map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(0))
                    })
                    .collect())
            })
            .await
            .map_err(reported)
    }

    async fn apply(&self, id: &OrderId, action: Action, at: DateTime<Utc>) -> Result<Order, ApplyError> {
        let id = id.to_string();
        let outcome = self
            .db
            .run(move |conn| Ok::<_, StorageError>(conn.write_transaction(|c| apply(c, &id, action, at))))
            .await;
        match outcome {
            Ok(Ok(order)) => Ok(order),
            Ok(Err(ApplyFailure::NotFound)) => Err(ApplyError::NotFound),
            Ok(Err(ApplyFailure::Illegal(e))) => Err(ApplyError::Illegal(e)),
            Ok(Err(ApplyFailure::Storage(e))) | Err(e) => Err(ApplyError::Repo(reported(e))),
        }
    }

    async fn expired(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OrderId>, RepoError> {
        self.db
            .run(move |conn| {
                let ids: Vec<String> = orders::table
                    .filter(orders::status.eq(OrderStatus::New.as_str()))
                    .filter(orders::expires_at.le(naive(now)))
                    .order(orders::expires_at)
                    .limit(limit)
                    .select(orders::id)
                    .load(conn)?;
                ids.into_iter().map(|id| OrderId::new(id).map_err(|e| corrupt("orders.id", e))).collect()
            })
            .await
            .map_err(reported)
    }

    async fn slot_settings(
        &self,
        store: &StoreId,
        method: ShippingMethod,
    ) -> Result<Option<SlotSettings>, RepoError> {
        let (store, method) = (store.to_string(), method.as_str());
        self.db
            .run(move |conn| {
                let row: Option<(i32, i32, Option<String>, i32, i32)> = store_slots::table
                    .find((store.as_str(), method))
                    .select((
                        store_slots::slot_minutes,
                        store_slots::lead_minutes,
                        store_slots::cutoff,
                        store_slots::days,
                        store_slots::capacity,
                    ))
                    .first(conn)
                    .optional()?;
                row.map(|(slot, lead, cutoff, days, capacity)| {
                    Ok(SlotSettings {
                        length: chrono::Duration::minutes(slot.into()),
                        lead: chrono::Duration::minutes(lead.into()),
                        cutoff: cutoff
                            .map(|t| chrono::NaiveTime::parse_from_str(&t, "%H:%M"))
                            .transpose()
                            .map_err(|e| corrupt("store_slots.cutoff", e))?,
                        days: u32::try_from(days).map_err(|e| corrupt("store_slots.days", e))?,
                        capacity: u32::try_from(capacity).map_err(|e| corrupt("store_slots.capacity", e))?,
                    })
                })
                .transpose()
            })
            .await
            .map_err(reported)
    }

    async fn list(&self, status: Option<OrderStatus>, limit: i64) -> Result<Vec<Order>, RepoError> {
        self.db
            .run(move |conn| {
                let ids: Vec<String> = {
                    let mut query = orders::table.into_boxed();
                    if let Some(status) = status {
                        query = query.filter(orders::status.eq(status.as_str()));
                    }
                    query.order(orders::created_at.desc()).limit(limit).select(orders::id).load(conn)?
                };
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    found.extend(load(conn, &id)?);
                }
                Ok(found)
            })
            .await
            .map_err(reported)
    }
}
