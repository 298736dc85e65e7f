//! The statements of the Kuper transactions: the webhook side here, the
//! staff side in `staff.rs`. They read what `orders::kuper` needs
//! and carry out what it decides; no rule lives here.

use std::collections::HashMap;

use catalog::stock::{MoveKind, Shortfall, StockQty};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::OrderId;
use orders::kuper::details::{Cancel, CourierNews, KuperDetails, UpdateRecord};
use orders::kuper::flow::{Event, Facts, Incoming, IntegrationType, KuperEffect, KuperStatus, incoming};
use orders::kuper::intake::{self, IntakeLine, PositionIds, Product, StoreSetup};
use orders::kuper::picking::PickLine;
use orders::kuper::states::{InboxState, OutboxState};
use orders::kuper::update::{self, CurrentLine, Decision, OrderUpdate};
use orders::kuper::{EventNews, EventOutcome, NewKuperOrder, ReceivedEvent, Reply, notice};
use orders::new_order_id;

use super::{Attempt, LineRecord, Stores, corrupt, parse_reply, reply_text};
use crate::schema::{
    kuper_inbox, kuper_order_lines, kuper_order_numbers, kuper_orders, kuper_outbox, kuper_stores, products,
};
use crate::{AnyConnection, StorageError, stock, with_conn};

const ORDER_CREATED: &str = "order.created";
const CHANNEL: &str = "kuper";

/// What became of an event: the reply, the inbox state and why.
struct Outcome {
    reply: Reply,
    state: InboxState,
    note: Option<String>,
}

impl Outcome {
    fn applied(reply: Reply) -> Self {
        Outcome { reply, state: InboxState::Applied, note: None }
    }

    fn recorded(reply: Reply, why: impl Into<String>) -> Self {
        Outcome { reply, state: InboxState::Recorded, note: Some(why.into()) }
    }
}

/// A Kuper order's ids: Kuper's, ours, and its store.
#[derive(Clone, Copy)]
pub(super) struct OrderKeys<'a> {
    pub original: &'a str,
    pub order_id: &'a str,
    pub store: &'a str,
}

/// A hold the shelf could not give.
pub(super) struct Short {
    pub sku: String,
    pub shortfall: Shortfall,
}

/// A Kuper order's number, store, integration, restaurant flag, status,
/// paid and final flags, and details.
type FactsRow = (String, String, String, bool, String, bool, bool, String);

/// Each id's product, named the way the store's positions name them.
type Products = HashMap<String, Product>;

fn details_of(text: &str) -> Result<KuperDetails, StorageError> {
    serde_json::from_str(text).map_err(|e| corrupt("kuper_orders.details", e))
}

pub(super) fn text_of(details: &KuperDetails) -> String {
    serde_json::to_string(details).unwrap_or_else(|_| "{}".into())
}

/// The first delivery of an event: applied, then stored with its
/// outcome. When the key turns out to be taken (a retry, perhaps
/// racing the first delivery), the attempt is given up and rolled
/// back whole, so nothing is applied twice: see [`duplicate`].
pub(crate) fn fresh(
    c: &mut AnyConnection,
    event: &ReceivedEvent,
    stores: &Stores,
) -> Result<EventOutcome, Attempt> {
    let at = event.received_at.naive_utc();
    let outcome = match (event.event_type.as_str(), &event.new_order) {
        (ORDER_CREATED, Some(new)) => created(c, event, new, stores, at)?,
        (ORDER_CREATED, None) => Outcome::recorded(Reply::Stored, "order.created without an order"),
        (other, _) => match Event::from_wire(other) {
            Some(kind) => existing(c, &event.original_order_id, kind, &event.news, at)?,
            None => Outcome::recorded(Reply::Stored, format!("unknown event type {other}")),
        },
    };
    let news =
        (outcome.state == InboxState::Waiting).then(|| serde_json::to_string(&event.news).ok()).flatten();
    let row = (
        kuper_inbox::event_key.eq(&event.key),
        kuper_inbox::event_type.eq(&event.event_type),
        kuper_inbox::original_order_id.eq(&event.original_order_id),
        kuper_inbox::body.eq(&event.body),
        kuper_inbox::received_at.eq(at),
        kuper_inbox::state.eq(outcome.state.as_str()),
        kuper_inbox::reply.eq(reply_text(&outcome.reply)),
        kuper_inbox::note.eq(&outcome.note),
        kuper_inbox::applied_at.eq((outcome.state != InboxState::Waiting).then_some(at)),
        kuper_inbox::news.eq(news),
    );
    let inserted = with_conn!(c, |c| diesel::insert_into(kuper_inbox::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 0 {
        return Err(Attempt::Duplicate);
    }
    Ok(EventOutcome { duplicate: false, reply: outcome.reply })
}

/// A retry: the first reply again.
pub(crate) fn duplicate(c: &mut AnyConnection, event: &ReceivedEvent) -> Result<EventOutcome, StorageError> {
    let stored: String = kuper_inbox::table.find(&event.key).select(kuper_inbox::reply).first(c)?;
    Ok(EventOutcome { duplicate: true, reply: parse_reply(&stored)? })
}

/// Our number for the Kuper order, and whether it was allocated now.
fn number(c: &mut AnyConnection, original: &str, at: NaiveDateTime) -> Result<(OrderId, bool), StorageError> {
    let fresh = new_order_id().map_err(StorageError::Task)?;
    let row = (
        kuper_order_numbers::original_order_id.eq(original),
        kuper_order_numbers::order_id.eq(fresh.as_str()),
        kuper_order_numbers::created_at.eq(at),
    );
    let inserted: Option<String> = with_conn!(c, |c| diesel::insert_into(kuper_order_numbers::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(kuper_order_numbers::order_id)
        .get_result(c)
        .optional())?;
    let fresh = inserted.is_some();
    let number: String = match inserted {
        Some(number) => number,
        None => kuper_order_numbers::table.find(original).select(kuper_order_numbers::order_id).first(c)?,
    };
    let number = OrderId::new(&number).map_err(|e| corrupt("kuper_order_numbers.order_id", e))?;
    Ok((number, fresh))
}

/// The catalog's products for `ids`, by the store's kind of id.
pub(super) fn products(
    c: &mut AnyConnection,
    kind: PositionIds,
    ids: &[&str],
) -> Result<Products, StorageError> {
    let rows: Vec<(Option<String>, String, String)> = match kind {
        PositionIds::Sku => products::table
            .filter(products::sku.eq_any(ids))
            .select((products::sku.nullable(), products::sku, products::unit))
            .load(c)?,
        PositionIds::Barcode => products::table
            .filter(products::barcode.eq_any(ids))
            .select((products::barcode, products::sku, products::unit))
            .load(c)?,
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, sku, unit)| Some((id?, Product { sku, weighted: intake::sold_by_weight(&unit) })))
        .collect())
}

pub(super) fn position_ids_of(c: &mut AnyConnection, store: &str) -> Result<PositionIds, StorageError> {
    let kind: Option<String> =
        kuper_stores::table.find(store).select(kuper_stores::position_ids).first(c).optional()?;
    Ok(kind.as_deref().and_then(PositionIds::parse).unwrap_or_default())
}

/// Moves stock for the order; the first line the shelf cannot give,
/// if any.
pub(super) fn moves(
    c: &mut AnyConnection,
    order_id: &str,
    store: &str,
    kind: MoveKind,
    lines: &[(String, StockQty)],
    at: NaiveDateTime,
) -> Result<Option<Short>, StorageError> {
    let lines: Vec<(&str, StockQty)> = lines.iter().map(|(sku, q)| (sku.as_str(), *q)).collect();
    let order = stock::OrderRef { channel: CHANNEL, order_id };
    let shortfalls = stock::order_moves(c, order, store, kind, &lines, at.and_utc())?;
    Ok(lines
        .iter()
        .zip(shortfalls)
        .find_map(|((sku, _), short)| short.map(|shortfall| Short { sku: (*sku).to_owned(), shortfall })))
}

fn write_lines(
    c: &mut AnyConnection,
    order_id: &str,
    lines: &[IntakeLine],
    held: &[bool],
    quantities: &[String],
) -> Result<(), StorageError> {
    let rows: Vec<_> = (0..)
        .zip(lines.iter().zip(held).zip(quantities))
        .map(|(line_no, ((line, held), quantity))| {
            (
                kuper_order_lines::order_id.eq(order_id),
                kuper_order_lines::line_no.eq(line_no),
                kuper_order_lines::position_id.eq(&line.position_id),
                kuper_order_lines::sku.eq(line.sku.as_deref().unwrap_or_default()),
                kuper_order_lines::quantity.eq(quantity),
                kuper_order_lines::ordered.eq(line.ordered.thousandths()),
                kuper_order_lines::weighted.eq(line.weighted),
                kuper_order_lines::held.eq(if *held { line.hold.thousandths() } else { 0 }),
            )
        })
        .collect();
    // Many rows in one INSERT: not in diesel's common subset.
    with_conn!(c, |c| diesel::insert_into(kuper_order_lines::table).values(rows).execute(c))?;
    Ok(())
}

fn created(
    c: &mut AnyConnection,
    event: &ReceivedEvent,
    new: &NewKuperOrder,
    stores: &Stores,
    at: NaiveDateTime,
) -> Result<Outcome, StorageError> {
    let original = event.original_order_id.as_str();
    let (number, fresh) = number(c, original, at)?;
    // A number allocated just now has no order yet.
    let exists = !fresh && kuper_orders::table.find(number.as_str()).count().get_result::<i64>(c)? > 0;
    if exists {
        let reply = Reply::Created { number, expected_assembly_time: None };
        return Ok(Outcome::recorded(reply, "the order exists already"));
    }
    let store: Option<&StoreSetup> = new.store.as_deref().and_then(|s| intake::find_store(stores, s));
    let taking = intake::before_holds(
        new.unreadable.as_deref(),
        store,
        new.details.shipment_method.as_deref(),
        event.received_at,
    );
    let mut refusal = taking.refusal;
    let ids: Vec<&str> = new.lines.iter().map(|l| l.position_id.as_str()).collect();
    let products = match store {
        Some(store) if refusal.is_none() => products(c, store.position_ids, &ids)?,
        _ => Products::new(),
    };
    refusal = refusal.or_else(|| intake::refusal_for_amounts(&new.lines, |id| products.get(id).cloned()));
    let lines = intake::lines(&new.lines, |id| products.get(id).cloned(), refusal.is_none());
    let store_id = store.map_or_else(|| new.store.clone().unwrap_or_default(), |s| s.store_id.clone());
    let wanted: Vec<(&str, StockQty)> =
        lines.iter().map(|l| (l.sku.as_deref().unwrap_or_default(), l.hold)).collect();
    let order = stock::OrderRef { channel: CHANNEL, order_id: number.as_str() };
    let shortfalls = stock::order_moves(c, order, &store_id, MoveKind::Hold, &wanted, at.and_utc())?;
    let held: Vec<bool> =
        lines.iter().zip(&shortfalls).map(|(l, short)| !l.hold.is_zero() && short.is_none()).collect();
    refusal = refusal.or_else(|| intake::refusal_after_holds(&held));
    let (integration, restaurant) = (taking.integration, taking.restaurant);
    let (status, details) = intake::first_state(&new.details, refusal.as_deref());
    diesel::insert_into(kuper_orders::table)
        .values((
            kuper_orders::order_id.eq(number.as_str()),
            kuper_orders::original_order_id.eq(original),
            kuper_orders::store_id.eq(&store_id),
            kuper_orders::integration.eq(integration.as_str()),
            kuper_orders::restaurant.eq(restaurant),
            kuper_orders::status.eq(status.as_str()),
            kuper_orders::paid.eq(false),
            kuper_orders::composition_final.eq(false),
            kuper_orders::created_at.eq(at),
            kuper_orders::updated_at.eq(at),
            kuper_orders::details.eq(text_of(&details)),
            kuper_orders::due_at.eq(details.due().map(|t| t.naive_utc())),
        ))
        .execute(c)?;
    let quantities: Vec<String> = new.lines.iter().map(|l| l.quantity.normalize().to_string()).collect();
    if !lines.is_empty() {
        write_lines(c, number.as_str(), &lines, &held, &quantities)?;
    }
    if let Some(reason) = refusal {
        // Every refusal holds nothing: an unknown or closed store
        // or an unreadable order held no line, and "nothing
        // available" means none.
        notify(
            c,
            number.as_str(),
            "order.canceled",
            &notice::with_order_uuid(
                notice::refused(original, number.as_str(), &reason),
                details.order_uuid.as_deref(),
            ),
            at,
        )?;
        let reply = Reply::Created { number, expected_assembly_time: None };
        return Ok(Outcome { reply, state: InboxState::Applied, note: Some(intake::refusal_note(&reason)) });
    }
    apply_waiting(c, original, at)?;
    let expected_assembly_time = store.and_then(|s| s.expected_assembly(event.received_at));
    Ok(Outcome::applied(Reply::Created { number, expected_assembly_time }))
}

/// Events that came before their order, applied now in the order
/// they came.
fn apply_waiting(c: &mut AnyConnection, original: &str, at: NaiveDateTime) -> Result<(), StorageError> {
    let waiting: Vec<(String, String, Option<String>)> = kuper_inbox::table
        .filter(kuper_inbox::original_order_id.eq(original))
        .filter(kuper_inbox::state.eq(InboxState::Waiting.as_str()))
        .order((kuper_inbox::received_at, kuper_inbox::event_key))
        .select((kuper_inbox::event_key, kuper_inbox::event_type, kuper_inbox::news))
        .load(c)?;
    for (key, event_type, news) in waiting {
        let news: EventNews = news
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("kuper_inbox.news", e))?
            .unwrap_or_default();
        let outcome = match Event::from_wire(&event_type) {
            Some(kind) => existing(c, original, kind, &news, at)?,
            None => Outcome::recorded(Reply::Stored, format!("unknown event type {event_type}")),
        };
        diesel::update(kuper_inbox::table.find(&key))
            .set((
                kuper_inbox::state.eq(outcome.state.as_str()),
                kuper_inbox::note.eq(&outcome.note),
                kuper_inbox::applied_at.eq(at),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Ends every hold of the order: released back on the shelf or sold.
pub(super) fn end_holds(
    c: &mut AnyConnection,
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
    let lines: Vec<(String, StockQty)> =
        held.into_iter().map(|(sku, q)| (sku, StockQty::from_thousandths(q))).collect();
    moves(c, order_id, store, kind, &lines, at)?;
    diesel::update(kuper_order_lines::table.filter(kuper_order_lines::order_id.eq(order_id)))
        .set(kuper_order_lines::held.eq(0))
        .execute(c)?;
    Ok(())
}

/// Queues a notification with its payload as `orders::kuper::notice`
/// built it.
pub(super) fn notify(
    c: &mut AnyConnection,
    order_id: &str,
    kind: &str,
    payload: &serde_json::Value,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    diesel::insert_into(kuper_outbox::table)
        .values((
            kuper_outbox::order_id.eq(order_id),
            kuper_outbox::kind.eq(kind),
            kuper_outbox::payload.eq(payload.to_string()),
            kuper_outbox::state.eq(OutboxState::Pending.as_str()),
            kuper_outbox::created_at.eq(at),
        ))
        .execute(c)?;
    Ok(())
}

/// The Kuper order `original` as the flow sees it, with our number,
/// its store and what Kuper told us.
pub(super) fn facts_of(
    c: &mut AnyConnection,
    original: &str,
) -> Result<Option<(String, String, Facts, KuperDetails)>, StorageError> {
    let row: Option<FactsRow> = kuper_orders::table
        .filter(kuper_orders::original_order_id.eq(original))
        .select((
            kuper_orders::order_id,
            kuper_orders::store_id,
            kuper_orders::integration,
            kuper_orders::restaurant,
            kuper_orders::status,
            kuper_orders::paid,
            kuper_orders::composition_final,
            kuper_orders::details,
        ))
        .first(c)
        .optional()?;
    let Some((order_id, store, integration, restaurant, status, paid, composition_final, details)) = row
    else {
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
    Ok(Some((order_id, store, facts, details_of(&details)?)))
}

pub(super) fn lines_of(c: &mut AnyConnection, order_id: &str) -> Result<Vec<PickLine>, StorageError> {
    let rows: Vec<LineRecord> = kuper_order_lines::table
        .filter(kuper_order_lines::order_id.eq(order_id))
        .order(kuper_order_lines::line_no)
        .select(LineRecord::as_select())
        .load(c)?;
    Ok(rows.iter().map(LineRecord::to_rule).collect())
}

/// An `order.updated` as `orders::kuper::update` decides: `Some`
/// with the reason when it is raised to staff.
fn apply_update(
    c: &mut AnyConnection,
    order_id: &str,
    store: &str,
    status: KuperStatus,
    change: &OrderUpdate,
    details: &mut KuperDetails,
    at: NaiveDateTime,
) -> Result<Option<String>, StorageError> {
    let lines = match update::decide(status, change) {
        Decision::Raise(why) => return Ok(Some(why.to_owned())),
        Decision::Apply { lines } => lines,
    };
    if let (true, Some(new)) = (lines, &change.lines) {
        let kind = position_ids_of(c, store)?;
        let ids: Vec<&str> = new.iter().map(|l| l.position_id.as_str()).collect();
        let products = products(c, kind, &ids)?;
        let wanted = intake::lines(new, |id| products.get(id).cloned(), true);
        let current: Vec<CurrentLine> = lines_of(c, order_id)?
            .into_iter()
            .map(|l| CurrentLine { position_id: l.position_id, sku: l.sku, held: l.held })
            .collect();
        let changes = update::hold_changes(&current, &wanted);
        // A savepoint: an increase the shelf cannot give undoes the
        // whole change of lines, and the update goes to staff.
        let short = c.transaction::<_, ShortOrFailed, _>(|c| {
            moves(c, order_id, store, MoveKind::Release, &changes.release, at)?;
            if let Some(short) = moves(c, order_id, store, MoveKind::Hold, &changes.hold, at)? {
                return Err(ShortOrFailed::Short(short));
            }
            diesel::delete(kuper_order_lines::table.filter(kuper_order_lines::order_id.eq(order_id)))
                .execute(c)?;
            let held: Vec<bool> = wanted.iter().map(|l| l.sku.is_some() && !l.hold.is_zero()).collect();
            let quantities: Vec<String> = new.iter().map(|l| l.quantity.normalize().to_string()).collect();
            write_lines(c, order_id, &wanted, &held, &quantities)?;
            Ok(())
        });
        match short {
            Ok(()) => {}
            Err(ShortOrFailed::Short(short)) => {
                return Ok(Some(format!(
                    "not enough {} for the new quantity: {} wanted, {} available",
                    short.sku, short.shortfall.wanted, short.shortfall.available
                )));
            }
            Err(ShortOrFailed::Failed(e)) => return Err(e),
        }
    }
    update::apply_details(details, change);
    Ok(None)
}

fn existing(
    c: &mut AnyConnection,
    original: &str,
    kind: Event,
    news: &EventNews,
    at: NaiveDateTime,
) -> Result<Outcome, StorageError> {
    let Some((order_id, store, facts, mut details)) = facts_of(c, original)? else {
        // Applied when its order.created comes.
        return Ok(Outcome {
            reply: Reply::Stored,
            state: InboxState::Waiting,
            note: Some("the order has not come yet".into()),
        });
    };
    let step = match incoming(facts, kind) {
        Incoming::Record(why) => return Ok(Outcome::recorded(Reply::Stored, why)),
        Incoming::Apply(step) => step,
    };
    let mut outcome = Outcome::applied(Reply::Stored);
    for effect in step.effects {
        match effect {
            KuperEffect::ReleaseStock => end_holds(c, &order_id, &store, MoveKind::Release, at)?,
            KuperEffect::SellStock => end_holds(c, &order_id, &store, MoveKind::Sale, at)?,
            KuperEffect::MarkPaid => {
                diesel::update(kuper_orders::table.find(&order_id))
                    .set(kuper_orders::paid.eq(true))
                    .execute(c)?;
            }
            KuperEffect::RecordCourier => {
                let payload = match news {
                    EventNews::Courier(payload) => payload.clone(),
                    _ => serde_json::Value::Null,
                };
                let event =
                    if kind == Event::CourierArrived { "courier.arrived" } else { "courier.assigned" };
                details.courier.push(CourierNews {
                    event: event.into(),
                    at: at.and_utc().to_rfc3339(),
                    payload,
                });
            }
            KuperEffect::RecordCancelReason => {
                let (code, comment) = match news {
                    EventNews::Cancel { code, comment } => (code.clone(), comment.clone()),
                    _ => (None, None),
                };
                details.cancel = Some(Cancel::by_kuper(code, comment));
            }
            KuperEffect::ApplyUpdate => {
                let change = match news {
                    EventNews::Update(change) => (**change).clone(),
                    _ => OrderUpdate::default(),
                };
                let raised = apply_update(c, &order_id, &store, facts.status, &change, &mut details, at)?;
                details.updates.push(UpdateRecord {
                    at: at.and_utc().to_rfc3339(),
                    kind: change.kind.clone(),
                    outcome: if raised.is_some() { InboxState::Raised } else { InboxState::Applied }
                        .as_str()
                        .into(),
                    note: raised.clone(),
                    payload: serde_json::to_value(&change).unwrap_or_default(),
                });
                if let Some(why) = raised {
                    outcome = Outcome { reply: Reply::Stored, state: InboxState::Raised, note: Some(why) };
                }
            }
            // Webhook steps notify nobody: Kuper told us.
            KuperEffect::Notify => {}
        }
    }
    let to = step.to.unwrap_or(facts.status);
    diesel::update(kuper_orders::table.find(&order_id))
        .set((
            kuper_orders::status.eq(to.as_str()),
            kuper_orders::updated_at.eq(at),
            kuper_orders::details.eq(text_of(&details)),
            // An `order.updated` may move the window.
            kuper_orders::due_at.eq(details.due().map(|t| t.naive_utc())),
        ))
        .execute(c)?;
    Ok(outcome)
}

/// Inside the savepoint of an update's lines.
enum ShortOrFailed {
    Short(Short),
    Failed(StorageError),
}

impl From<StorageError> for ShortOrFailed {
    fn from(e: StorageError) -> Self {
        ShortOrFailed::Failed(e)
    }
}

impl From<diesel::result::Error> for ShortOrFailed {
    fn from(e: diesel::result::Error) -> Self {
        ShortOrFailed::Failed(e.into())
    }
}
