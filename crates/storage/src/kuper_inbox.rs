//! `orders::kuper::KuperInbox` on the database: one short transaction per
//! webhook stores it, applies it to its Kuper order by the flow, and keeps
//! the reply; it commits before the listener answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use catalog::stock::{MoveKind, StockQty};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::OrderId;
use orders::kuper::flow::{
    Event, Facts, Incoming, IntegrationType, KuperEffect, KuperStatus, StaffAction, incoming, staff,
};
use orders::kuper::{
    ActError, KuperInbox, KuperOrderView, KuperStaff, NewKuperOrder, Receipt, ReceivedEvent, Reply,
};
use orders::{RepoError, new_order_id};

use crate::schema::{
    kuper_inbox, kuper_order_lines, kuper_order_numbers, kuper_orders, kuper_outbox, kuper_stores, stores,
};
use crate::stock;
use crate::{Database, DbConn, StorageError};

const ORDER_CREATED: &str = "order.created";

/// What taking an order needs to know of a store.
#[derive(Clone, Debug)]
struct StoreFacts {
    hours: String,
    zone: String,
    integration: IntegrationType,
    restaurant: bool,
    assembly_minutes: Option<i32>,
}

type Stores = Arc<HashMap<String, StoreFacts>>;

/// id, opening hours, time zone, and the Kuper setup if there is one.
type StoreRow = (String, String, String, Option<String>, Option<bool>, Option<i32>);

/// Stores change rarely and every order.created reads one: they are read
/// at most once a second.
const STORES_TTL: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct DbKuperInbox {
    db: Database,
    stores: Arc<Mutex<Option<(Instant, Stores)>>>,
}

impl DbKuperInbox {
    pub fn new(db: Database) -> Self {
        DbKuperInbox { db, stores: Arc::default() }
    }

    fn stores(cache: &Mutex<Option<(Instant, Stores)>>, conn: &mut DbConn) -> Result<Stores, StorageError> {
        if let Some((at, stores)) = cache.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            && at.elapsed() < STORES_TTL
        {
            return Ok(Arc::clone(stores));
        }
        let rows: Vec<StoreRow> = crate::with_conn!(conn, |c| stores::table
            .left_join(kuper_stores::table)
            .select((
                stores::id,
                stores::opening_hours,
                stores::time_zone,
                kuper_stores::integration.nullable(),
                kuper_stores::restaurant.nullable(),
                kuper_stores::assembly_minutes.nullable(),
            ))
            .load(c))?;
        let stores: Stores = Arc::new(
            rows.into_iter()
                .map(|(id, hours, zone, integration, restaurant, assembly_minutes)| {
                    let integration = integration
                        .as_deref()
                        .and_then(IntegrationType::parse)
                        .unwrap_or(IntegrationType::KuperDelivery);
                    let facts = StoreFacts {
                        hours,
                        zone,
                        integration,
                        restaurant: restaurant.unwrap_or(false),
                        assembly_minutes,
                    };
                    (id, facts)
                })
                .collect(),
        );
        *cache.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), Arc::clone(&stores)));
        Ok(stores)
    }

    /// How many events the inbox holds with this key: for tests and staff.
    pub fn count(conn: &mut DbConn, key: &str) -> Result<i64, StorageError> {
        Ok(crate::with_conn!(conn, |c| kuper_inbox::table
            .filter(kuper_inbox::event_key.eq(key))
            .count()
            .get_result::<i64>(c))?)
    }

    /// The inbox state of an event (`applied`, `recorded`) and its note.
    pub fn state(conn: &mut DbConn, key: &str) -> Result<Option<(String, Option<String>)>, StorageError> {
        Ok(crate::with_conn!(conn, |c| kuper_inbox::table
            .find(key)
            .select((kuper_inbox::state, kuper_inbox::note))
            .first(c)
            .optional())?)
    }

    /// Configures how a store works with Kuper.
    pub fn set_store(
        conn: &mut DbConn,
        store: &str,
        integration: IntegrationType,
        restaurant: bool,
        assembly_minutes: Option<i32>,
    ) -> Result<(), StorageError> {
        let setup = (
            kuper_stores::integration.eq(integration.as_str()),
            kuper_stores::restaurant.eq(restaurant),
            kuper_stores::assembly_minutes.eq(assembly_minutes),
        );
        // One statement: a failure never leaves the store without its setup.
        crate::with_conn!(conn, |c| diesel::insert_into(kuper_stores::table)
            .values((kuper_stores::store_id.eq(store), setup))
            .on_conflict(kuper_stores::store_id)
            .do_update()
            .set(setup)
            .execute(c))?;
        Ok(())
    }

    /// Takes a staff action on the Kuper order `original` (Kuper's id):
    /// the flow decides; the notification (with `payload`, e.g. the final
    /// composition for `Ready`) is queued in the same transaction.
    pub fn act(
        conn: &mut DbConn,
        original: &str,
        action: StaffAction,
        payload: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<Result<KuperStatus, ActError>, StorageError> {
        let at = at.naive_utc();
        match conn {
            DbConn::Sqlite(c) => c.immediate_transaction(|c| sqlite::act(c, original, action, payload, at)),
            DbConn::Postgres(c) => c.transaction(|c| pg::act(c, original, action, payload, at)),
        }
    }

    /// Kuper orders, newest first: Kuper's id, our number, status, paid.
    pub fn list(conn: &mut DbConn, limit: i64) -> Result<Vec<(String, String, String, bool)>, StorageError> {
        Ok(crate::with_conn!(conn, |c| kuper_orders::table
            .order(kuper_orders::created_at.desc())
            .limit(limit)
            .select((
                kuper_orders::original_order_id,
                kuper_orders::order_id,
                kuper_orders::status,
                kuper_orders::paid,
            ))
            .load(c))?)
    }

    /// The Kuper order with this Kuper id.
    pub fn order(conn: &mut DbConn, original_order_id: &str) -> Result<Option<KuperOrderView>, StorageError> {
        let row: Option<(String, String, bool)> = crate::with_conn!(conn, |c| kuper_orders::table
            .filter(kuper_orders::original_order_id.eq(original_order_id))
            .select((kuper_orders::order_id, kuper_orders::status, kuper_orders::paid))
            .first(c)
            .optional())?;
        let Some((order_id, status, paid)) = row else { return Ok(None) };
        let held: Vec<(String, i64)> = crate::with_conn!(conn, |c| kuper_order_lines::table
            .filter(kuper_order_lines::order_id.eq(&order_id))
            .order(kuper_order_lines::line_no)
            .select((kuper_order_lines::sku, kuper_order_lines::held))
            .load(c))?;
        let held = held.into_iter().map(|(sku, q)| (sku, StockQty::from_thousandths(q))).collect();
        let outbox: Vec<String> = crate::with_conn!(conn, |c| kuper_outbox::table
            .filter(kuper_outbox::order_id.eq(&order_id))
            .order(kuper_outbox::id)
            .select(kuper_outbox::kind)
            .load(c))?;
        let status = KuperStatus::parse(&status).ok_or_else(|| corrupt("kuper_orders.status", &status))?;
        Ok(Some(KuperOrderView {
            order_id,
            original_order_id: original_order_id.to_owned(),
            status,
            paid,
            held,
            outbox,
        }))
    }
}

fn corrupt(what: &str, detail: &str) -> StorageError {
    StorageError::Query(diesel::result::Error::DeserializationError(format!("{what}: {detail}").into()))
}

fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::Created { number, expected_assembly_time } => {
            let mut body = serde_json::json!({"status": "created", "number": number.as_str()});
            if let Some(at) = expected_assembly_time {
                body["expectedAssemblyTime"] = serde_json::Value::from(at.as_str());
            }
            body.to_string()
        }
        Reply::Stored => serde_json::json!({"status": "ok"}).to_string(),
        Reply::UnknownOrder => serde_json::json!({"status": "unknown_order"}).to_string(),
    }
}

fn parse_reply(text: &str) -> Result<Reply, StorageError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| corrupt("kuper_inbox.reply", &e.to_string()))?;
    Ok(match (value["status"].as_str(), value["number"].as_str()) {
        (_, Some(number)) => Reply::Created {
            number: OrderId::new(number).map_err(|e| corrupt("kuper_inbox.reply", &e.to_string()))?,
            expected_assembly_time: value["expectedAssemblyTime"].as_str().map(str::to_owned),
        },
        (Some("unknown_order"), _) => Reply::UnknownOrder,
        _ => Reply::Stored,
    })
}

/// How a first delivery ended.
pub(crate) enum Attempt {
    /// The key was taken: roll back and answer as a retry.
    Duplicate,
    Failed(StorageError),
}

impl From<StorageError> for Attempt {
    fn from(e: StorageError) -> Self {
        Attempt::Failed(e)
    }
}

impl From<diesel::result::Error> for Attempt {
    fn from(e: diesel::result::Error) -> Self {
        Attempt::Failed(e.into())
    }
}

/// What became of an event: the reply, the inbox state and why.
struct Outcome {
    reply: Reply,
    state: &'static str,
    note: Option<String>,
}

impl Outcome {
    fn applied(reply: Reply) -> Self {
        Outcome { reply, state: "applied", note: None }
    }

    fn recorded(reply: Reply, why: impl Into<String>) -> Self {
        Outcome { reply, state: "recorded", note: Some(why.into()) }
    }
}

/// Why a new order is canceled at once, if it is.
fn refusal(store_known: bool, open: bool, any_line: bool) -> Option<&'static str> {
    if !store_known {
        Some("unknown store")
    } else if !open {
        Some("the store is closed")
    } else if !any_line {
        Some("none of the positions is available")
    } else {
        None
    }
}

fn is_open(hours: &str, zone: &str, at: DateTime<Utc>) -> bool {
    let (Ok(hours), Ok(zone)) = (hours.parse::<catalog::OpeningHours>(), catalog::time_zone(zone)) else {
        return true;
    };
    let local = at.with_timezone(&zone);
    hours.on(chrono::Datelike::weekday(&local)).is_some_and(|(open, close)| {
        let now = local.time();
        now >= open && now < close
    })
}

/// The statements of one transaction, written once for both backends.
macro_rules! inbox_statements {
    () => {
        /// The first delivery of an event: applied, then stored with its
        /// outcome. When the key turns out to be taken (a retry, perhaps
        /// racing the first delivery), the attempt is given up and rolled
        /// back whole, so nothing is applied twice: see [`duplicate`].
        pub(super) fn fresh(c: &mut Conn, event: &ReceivedEvent, stores: &Stores) -> Result<Receipt, Attempt> {
            let at = event.received_at.naive_utc();
            let outcome = match (event.event_type.as_str(), &event.new_order) {
                (ORDER_CREATED, Some(new)) => created(c, event, new, stores.get(&new.store), at)?,
                (ORDER_CREATED, None) => Outcome::recorded(Reply::Stored, "order.created without positions"),
                (other, _) => match Event::from_wire(other) {
                    Some(kind) => existing(c, event, kind, at)?,
                    None => Outcome::recorded(Reply::Stored, format!("unknown event type {other}")),
                },
            };
            let inserted = diesel::insert_into(kuper_inbox::table)
                .values((
                    kuper_inbox::event_key.eq(&event.key),
                    kuper_inbox::event_type.eq(&event.event_type),
                    kuper_inbox::original_order_id.eq(&event.original_order_id),
                    kuper_inbox::body.eq(&event.body),
                    kuper_inbox::received_at.eq(at),
                    kuper_inbox::state.eq(outcome.state),
                    kuper_inbox::reply.eq(reply_text(&outcome.reply)),
                    kuper_inbox::note.eq(&outcome.note),
                    kuper_inbox::applied_at.eq(at),
                ))
                .on_conflict_do_nothing()
                .execute(c)?;
            if inserted == 0 {
                return Err(Attempt::Duplicate);
            }
            Ok(Receipt { duplicate: false, reply: outcome.reply })
        }

        /// A retry: the first reply again; an event that came before its
        /// order is tried again, since the order may be here by now.
        pub(super) fn duplicate(c: &mut Conn, event: &ReceivedEvent) -> Result<Receipt, StorageError> {
            let at = event.received_at.naive_utc();
            let stored: String = kuper_inbox::table.find(&event.key).select(kuper_inbox::reply).first(c)?;
            let reply = parse_reply(&stored)?;
            if reply == Reply::UnknownOrder
                && let Some(kind) = Event::from_wire(&event.event_type)
            {
                let outcome = existing(c, event, kind, at)?;
                keep(c, &event.key, &outcome, at)?;
                return Ok(Receipt { duplicate: true, reply: outcome.reply });
            }
            Ok(Receipt { duplicate: true, reply })
        }

        fn keep(c: &mut Conn, key: &str, outcome: &Outcome, at: NaiveDateTime) -> Result<(), StorageError> {
            diesel::update(kuper_inbox::table.find(key))
                .set((
                    kuper_inbox::reply.eq(reply_text(&outcome.reply)),
                    kuper_inbox::state.eq(outcome.state),
                    kuper_inbox::note.eq(&outcome.note),
                    kuper_inbox::applied_at.eq(at),
                ))
                .execute(c)?;
            Ok(())
        }

        /// Our number for the Kuper order, and whether it was allocated now.
        fn number(c: &mut Conn, original: &str, at: NaiveDateTime) -> Result<(OrderId, bool), StorageError> {
            let fresh = new_order_id().map_err(StorageError::Task)?;
            let inserted: Option<String> = diesel::insert_into(kuper_order_numbers::table)
                .values((
                    kuper_order_numbers::original_order_id.eq(original),
                    kuper_order_numbers::order_id.eq(fresh.as_str()),
                    kuper_order_numbers::created_at.eq(at),
                ))
                .on_conflict_do_nothing()
                .returning(kuper_order_numbers::order_id)
                .get_result(c)
                .optional()?;
            let fresh = inserted.is_some();
            let number: String = match inserted {
                Some(number) => number,
                None => kuper_order_numbers::table.find(original).select(kuper_order_numbers::order_id).first(c)?,
            };
            Ok((OrderId::new(number).map_err(|e| StorageError::Task(e.to_string()))?, fresh))
        }

        fn created(
            c: &mut Conn,
            event: &ReceivedEvent,
            new: &NewKuperOrder,
            store: Option<&StoreFacts>,
            at: NaiveDateTime,
        ) -> Result<Outcome, StorageError> {
            let (number, fresh) = number(c, &event.original_order_id, at)?;
            // A number allocated just now has no order yet.
            let exists = !fresh && kuper_orders::table.find(number.as_str()).count().get_result::<i64>(c)? > 0;
            if exists {
                let reply = Reply::Created { number, expected_assembly_time: None };
                return Ok(Outcome::recorded(reply, "the order exists already"));
            }
            let (integration, restaurant, assembly) = store.map_or((IntegrationType::KuperDelivery, false, None), |s| {
                (s.integration, s.restaurant, s.assembly_minutes)
            });
            let open = store.is_some_and(|s| is_open(&s.hours, &s.zone, event.received_at));
            // Take what can be served; a position we cannot serve holds nothing.
            let wanted: Vec<(&str, StockQty)> = new
                .lines
                .iter()
                .map(|(sku, quantity)| {
                    let serve = store.is_some() && open;
                    let held = StockQty::from_decimal(*quantity).ok().filter(|_| serve).unwrap_or_default();
                    (sku.as_str(), held)
                })
                .collect();
            let order = stock::OrderRef { channel: "kuper", order_id: number.as_str() };
            let shortfalls = stock::order_moves(c, order, &new.store, MoveKind::Hold, &wanted, at.and_utc())?;
            let lines: Vec<(String, String, i64)> = new
                .lines
                .iter()
                .zip(wanted.iter().zip(shortfalls))
                .map(|((sku, quantity), ((_, held), short))| {
                    let held = if short.is_some() { 0 } else { held.thousandths() };
                    (sku.clone(), quantity.to_string(), held)
                })
                .collect();
            let refused = refusal(store.is_some(), open, lines.iter().any(|l| l.2 > 0));
            let status = if refused.is_some() { KuperStatus::Canceled } else { KuperStatus::Created };
            diesel::insert_into(kuper_orders::table)
                .values((
                    kuper_orders::order_id.eq(number.as_str()),
                    kuper_orders::original_order_id.eq(&event.original_order_id),
                    kuper_orders::store_id.eq(&new.store),
                    kuper_orders::integration.eq(integration.as_str()),
                    kuper_orders::restaurant.eq(restaurant),
                    kuper_orders::status.eq(status.as_str()),
                    kuper_orders::paid.eq(false),
                    kuper_orders::composition_final.eq(false),
                    kuper_orders::created_at.eq(at),
                    kuper_orders::updated_at.eq(at),
                ))
                .execute(c)?;
            let rows: Vec<_> = (0..)
                .zip(&lines)
                .map(|(line_no, (sku, quantity, reserved))| {
                    (
                        kuper_order_lines::order_id.eq(number.as_str()),
                        kuper_order_lines::line_no.eq(line_no),
                        kuper_order_lines::sku.eq(sku),
                        kuper_order_lines::quantity.eq(quantity),
                        kuper_order_lines::held.eq(*reserved),
                    )
                })
                .collect();
            diesel::insert_into(kuper_order_lines::table).values(rows).execute(c)?;
            if let Some(reason) = refused {
                // Every refusal holds nothing: an unknown or closed store
                // reserved no line, and "nothing available" means none.
                notify(
                    c,
                    number.as_str(),
                    &event.original_order_id,
                    "order.canceled",
                    &serde_json::json!({"reason": {"code": "merchant", "comment": reason}}),
                    at,
                )?;
                let reply = Reply::Created { number, expected_assembly_time: None };
                return Ok(Outcome { reply, state: "applied", note: Some(format!("canceled: {reason}")) });
            }
            let expected_assembly_time = assembly.map(|minutes| {
                (event.received_at + chrono::Duration::minutes(minutes.into())).to_rfc3339()
            });
            Ok(Outcome::applied(Reply::Created { number, expected_assembly_time }))
        }

        /// Ends every hold of the order: released back on the shelf or sold.
        fn end_holds(
            c: &mut Conn,
            order_id: &str,
            store: &str,
            kind: MoveKind,
            at: NaiveDateTime,
        ) -> Result<(), StorageError> {
            let held: Vec<(String, i64)> = kuper_order_lines::table
                .filter(kuper_order_lines::order_id.eq(order_id))
                .filter(kuper_order_lines::held.gt(0))
                .select((kuper_order_lines::sku, kuper_order_lines::held))
                .load(c)?;
            let lines: Vec<(&str, StockQty)> =
                held.iter().map(|(sku, q)| (sku.as_str(), StockQty::from_thousandths(*q))).collect();
            let order = stock::OrderRef { channel: "kuper", order_id };
            stock::order_moves(c, order, store, kind, &lines, at.and_utc())?;
            diesel::update(kuper_order_lines::table.filter(kuper_order_lines::order_id.eq(order_id)))
                .set(kuper_order_lines::held.eq(0))
                .execute(c)?;
            Ok(())
        }

        /// Queues a notification; its payload names the order both ways
        /// (`order_id`: Kuper's, `number`: ours), as Kuper's wire has it.
        fn notify(
            c: &mut Conn,
            order_id: &str,
            original: &str,
            kind: &str,
            payload: &serde_json::Value,
            at: NaiveDateTime,
        ) -> Result<(), StorageError> {
            let mut payload = payload.clone();
            if let Some(fields) = payload.as_object_mut() {
                fields.insert("order_id".into(), original.into());
                fields.insert("number".into(), order_id.into());
            }
            diesel::insert_into(kuper_outbox::table)
                .values((
                    kuper_outbox::order_id.eq(order_id),
                    kuper_outbox::kind.eq(kind),
                    kuper_outbox::payload.eq(payload.to_string()),
                    kuper_outbox::state.eq("pending"),
                    kuper_outbox::created_at.eq(at),
                ))
                .execute(c)?;
            Ok(())
        }

        /// A position of the final composition in `payload` that is not a line
        /// of the order, if any.
        fn stranger_position(
            c: &mut Conn,
            order_id: &str,
            payload: &serde_json::Value,
        ) -> Result<Option<String>, StorageError> {
            let lines: Vec<String> = kuper_order_lines::table
                .filter(kuper_order_lines::order_id.eq(order_id))
                .select(kuper_order_lines::sku)
                .load(c)?;
            let positions = payload["order"]["positions"].as_array().map(Vec::as_slice).unwrap_or_default();
            Ok(positions
                .iter()
                .filter_map(|p| p["id"].as_str())
                .find(|id| !lines.iter().any(|line| line == id))
                .map(str::to_owned))
        }

        /// The Kuper order `original` as the flow sees it, with our number and
        /// its store.
        fn facts_of(c: &mut Conn, original: &str) -> Result<Option<(String, String, Facts)>, StorageError> {
            let row: Option<(String, String, String, bool, String, bool, bool)> = kuper_orders::table
                .filter(kuper_orders::original_order_id.eq(original))
                .select((
                    kuper_orders::order_id,
                    kuper_orders::store_id,
                    kuper_orders::integration,
                    kuper_orders::restaurant,
                    kuper_orders::status,
                    kuper_orders::paid,
                    kuper_orders::composition_final,
                ))
                .first(c)
                .optional()?;
            let Some((order_id, store, integration, restaurant, status, paid, composition_final)) = row else {
                return Ok(None);
            };
            let facts = Facts {
                integration: IntegrationType::parse(&integration)
                    .ok_or_else(|| corrupt("kuper_orders.integration", &integration))?,
                status: KuperStatus::parse(&status).ok_or_else(|| corrupt("kuper_orders.status", &status))?,
                restaurant,
                paid,
                composition_final,
            };
            Ok(Some((order_id, store, facts)))
        }

        fn existing(
            c: &mut Conn,
            event: &ReceivedEvent,
            kind: Event,
            at: NaiveDateTime,
        ) -> Result<Outcome, StorageError> {
            let Some((order_id, store, facts)) = facts_of(c, &event.original_order_id)? else {
                return Ok(Outcome::recorded(Reply::UnknownOrder, "unknown order"));
            };
            let step = match incoming(facts, kind) {
                Incoming::Record(why) => return Ok(Outcome::recorded(Reply::Stored, why)),
                Incoming::Apply(step) => step,
            };
            for effect in step.effects {
                match effect {
                    KuperEffect::ReleaseStock => end_holds(c, &order_id, &store, MoveKind::Release, at)?,
                    KuperEffect::SellStock => end_holds(c, &order_id, &store, MoveKind::Sale, at)?,
                    KuperEffect::MarkPaid => {
                        diesel::update(kuper_orders::table.find(&order_id))
                            .set(kuper_orders::paid.eq(true))
                            .execute(c)?;
                    }
                    // Webhook steps notify nobody: Kuper told us.
                    KuperEffect::Notify => {}
                }
            }
            let to = step.to.unwrap_or(facts.status);
            diesel::update(kuper_orders::table.find(&order_id))
                .set((kuper_orders::status.eq(to.as_str()), kuper_orders::updated_at.eq(at)))
                .execute(c)?;
            Ok(Outcome::applied(Reply::Stored))
        }

        /// A staff action by the flow: the status moves, stock is released
        /// where the flow says, and the notification is queued, at once.
        pub(super) fn act(
            c: &mut Conn,
            original: &str,
            action: StaffAction,
            payload: &serde_json::Value,
            at: NaiveDateTime,
        ) -> Result<Result<KuperStatus, ActError>, StorageError> {
            let Some((order_id, store, mut facts)) = facts_of(c, original)? else {
                return Ok(Err(ActError::UnknownOrder));
            };
            // Ready carries the final composition: setting it is part of the step.
            facts.composition_final |= action == StaffAction::Ready && payload.get("order").is_some();
            let composition_final = facts.composition_final;
            let step = match staff(facts, action) {
                Ok(step) => step,
                Err(e) => return Ok(Err(ActError::Illegal(e))),
            };
            if action == StaffAction::Ready
                && let Some(stranger) = stranger_position(c, &order_id, payload)?
            {
                return Ok(Err(ActError::Composition(format!(
                    "position {stranger} of the final composition is not a line of this order \
                     (a replacement goes in the replaced line's replacedByID)"
                ))));
            }
            for effect in step.effects {
                match effect {
                    KuperEffect::ReleaseStock => end_holds(c, &order_id, &store, MoveKind::Release, at)?,
                    KuperEffect::SellStock => end_holds(c, &order_id, &store, MoveKind::Sale, at)?,
                    KuperEffect::Notify => notify(c, &order_id, original, action.notification(), payload, at)?,
                    KuperEffect::MarkPaid => {}
                }
            }
            let to = step.to.unwrap_or(facts.status);
            diesel::update(kuper_orders::table.find(&order_id))
                .set((
                    kuper_orders::status.eq(to.as_str()),
                    kuper_orders::composition_final.eq(composition_final),
                    kuper_orders::updated_at.eq(at),
                ))
                .execute(c)?;
            Ok(Ok(to))
        }
    };
}

mod sqlite {
    #[allow(clippy::wildcard_imports)] // the macro's body names the parent's items
    use super::*;
    type Conn = diesel::SqliteConnection;
    inbox_statements!();
}

mod pg {
    #[allow(clippy::wildcard_imports)] // the macro's body names the parent's items
    use super::*;
    type Conn = diesel::PgConnection;
    inbox_statements!();
}

#[async_trait]
impl KuperInbox for DbKuperInbox {
    async fn receive(&self, event: &ReceivedEvent) -> Result<Receipt, RepoError> {
        let (event, cache) = (event.clone(), Arc::clone(&self.stores));
        self.db
            .run(move |conn| {
                let stores = Self::stores(&cache, conn)?;
                match conn {
                    DbConn::Sqlite(c) => match c.immediate_transaction(|c| sqlite::fresh(c, &event, &stores))
                    {
                        Ok(receipt) => Ok(receipt),
                        Err(Attempt::Duplicate) => c.immediate_transaction(|c| sqlite::duplicate(c, &event)),
                        Err(Attempt::Failed(e)) => Err(e),
                    },
                    DbConn::Postgres(c) => match c.transaction(|c| pg::fresh(c, &event, &stores)) {
                        Ok(receipt) => Ok(receipt),
                        Err(Attempt::Duplicate) => c.transaction(|c| pg::duplicate(c, &event)),
                        Err(Attempt::Failed(e)) => Err(e),
                    },
                }
            })
            .await
            .map_err(|e| RepoError(e.to_string()))
    }
}

#[async_trait]
impl KuperStaff for DbKuperInbox {
    async fn act(
        &self,
        original: &str,
        action: StaffAction,
        payload: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<Result<KuperStatus, ActError>, RepoError> {
        let (original, payload) = (original.to_owned(), payload.clone());
        self.db
            .run(move |conn| Self::act(conn, &original, action, &payload, at))
            .await
            .map_err(|e| RepoError(e.to_string()))
    }

    async fn order(&self, original: &str) -> Result<Option<KuperOrderView>, RepoError> {
        let original = original.to_owned();
        self.db.run(move |conn| Self::order(conn, &original)).await.map_err(|e| RepoError(e.to_string()))
    }
}
