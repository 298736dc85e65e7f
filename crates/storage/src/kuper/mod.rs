//! Kuper orders on the database. Every decision is `orders::kuper`'s (the
//! flow, intake, picking, updates, payloads); this module reads what those
//! functions need, carries out what they return, and keeps it, one short
//! transaction per webhook or staff step, committed before the listener
//! answers or the operator hears "done".

mod staff;
mod statements;
mod view;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::OrderId;
use orders::RepoError;
use orders::kuper::OutboxRow;
use orders::kuper::flow::{IntegrationType, KuperStatus};
use orders::kuper::intake::{PositionIds, StoreSetup};
use orders::kuper::method::Methods;
use orders::kuper::states::OutboxState;
use orders::kuper::{
    ActError, Attention, EventOutcome, KuperInbox, KuperOrderView, KuperRules, KuperStaff, ReceivedEvent,
    Reply, StaffRequest,
};

use crate::error::reported;
use crate::rows::corrupt;
use crate::schema::{kuper_inbox, kuper_stores, stores};
use crate::{AnyConnection, Database, StorageError};

/// Every store's Kuper setup.
type Stores = Arc<Vec<StoreSetup>>;

/// Stores change rarely and every order.created reads one: they are read
/// at most once a second.
const STORES_TTL: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct DbKuperInbox {
    db: Database,
    rules: KuperRules,
    stores: Arc<Mutex<Option<(Instant, Stores)>>>,
}

/// How a store works with Kuper (`merchantctl kuper store`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuperStoreSetup {
    /// The flow of an order that names no delivery method.
    pub integration: IntegrationType,
    /// The integration types the store takes orders of.
    pub methods: Methods,
    pub restaurant: bool,
    pub assembly_minutes: Option<i32>,
    /// Kuper's id of the store, when it is not ours.
    pub kuper_store_id: Option<String>,
    pub position_ids: PositionIds,
}

type StoreRow = (
    String,
    String,
    String,
    Option<String>,
    Option<bool>,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl DbKuperInbox {
    pub fn new(db: Database) -> Self {
        Self::with_rules(db, KuperRules::default())
    }

    pub fn with_rules(db: Database, rules: KuperRules) -> Self {
        DbKuperInbox { db, rules, stores: Arc::default() }
    }

    fn stores(
        cache: &Mutex<Option<(Instant, Stores)>>,
        conn: &mut AnyConnection,
    ) -> Result<Stores, StorageError> {
        if let Some((at, stores)) = cache.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            && at.elapsed() < STORES_TTL
        {
            return Ok(Arc::clone(stores));
        }
        let rows: Vec<StoreRow> = stores::table
            .left_join(kuper_stores::table)
            .select((
                stores::id,
                stores::opening_hours,
                stores::time_zone,
                kuper_stores::integration.nullable(),
                kuper_stores::restaurant.nullable(),
                kuper_stores::assembly_minutes.nullable(),
                kuper_stores::kuper_store_id.nullable(),
                kuper_stores::position_ids.nullable(),
                kuper_stores::methods.nullable(),
            ))
            .load(conn)?;
        let setups = rows
            .into_iter()
            .map(
                |(
                    id,
                    hours,
                    zone,
                    integration,
                    restaurant,
                    assembly_minutes,
                    kuper_id,
                    position_ids,
                    methods,
                )| {
                    Ok(StoreSetup {
                        integration: setting(
                            integration.as_deref(),
                            IntegrationType::parse,
                            "kuper_stores.integration",
                            IntegrationType::KuperDelivery,
                        )?,
                        methods: setting(
                            methods.as_deref(),
                            Methods::parse,
                            "kuper_stores.methods",
                            Methods::default(),
                        )?,
                        position_ids: setting(
                            position_ids.as_deref(),
                            PositionIds::parse,
                            "kuper_stores.position_ids",
                            PositionIds::default(),
                        )?,
                        store_id: id,
                        kuper_store_id: kuper_id,
                        restaurant: restaurant.unwrap_or(false),
                        assembly_minutes,
                        opening_hours: hours,
                        time_zone: zone,
                    })
                },
            )
            .collect::<Result<Vec<_>, StorageError>>()?;
        let stores: Stores = Arc::new(setups);
        *cache.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), Arc::clone(&stores)));
        Ok(stores)
    }

    /// How many events the inbox holds with this key: for tests and staff.
    pub fn count(conn: &mut AnyConnection, key: &str) -> Result<i64, StorageError> {
        Ok(kuper_inbox::table.filter(kuper_inbox::event_key.eq(key)).count().get_result::<i64>(conn)?)
    }

    /// The inbox state of an event (`applied`, `recorded`, `waiting` for its
    /// order, `raised` to staff) and its note.
    pub fn state(
        conn: &mut AnyConnection,
        key: &str,
    ) -> Result<Option<(String, Option<String>)>, StorageError> {
        Ok(kuper_inbox::table
            .find(key)
            .select((kuper_inbox::state, kuper_inbox::note))
            .first(conn)
            .optional()?)
    }

    /// Configures how a store works with Kuper (ids as our own: the store's
    /// id, positions by SKU).
    pub fn set_store(
        conn: &mut AnyConnection,
        store: &str,
        integration: IntegrationType,
        restaurant: bool,
        assembly_minutes: Option<i32>,
    ) -> Result<(), StorageError> {
        let setup = KuperStoreSetup {
            integration,
            methods: Methods::ALL,
            restaurant,
            assembly_minutes,
            kuper_store_id: None,
            position_ids: PositionIds::Sku,
        };
        Self::configure_store(conn, store, &setup)
    }

    /// Configures how a store works with Kuper, in one statement: a failure
    /// never leaves the store without its setup.
    pub fn configure_store(
        conn: &mut AnyConnection,
        store: &str,
        setup: &KuperStoreSetup,
    ) -> Result<(), StorageError> {
        // Every type is the default: NULL.
        let methods = (setup.methods != Methods::ALL).then(|| setup.methods.to_text());
        let values = (
            kuper_stores::integration.eq(setup.integration.as_str()),
            kuper_stores::restaurant.eq(setup.restaurant),
            kuper_stores::assembly_minutes.eq(setup.assembly_minutes),
            kuper_stores::kuper_store_id.eq(setup.kuper_store_id.as_deref()),
            kuper_stores::position_ids.eq(setup.position_ids.as_str()),
            kuper_stores::methods.eq(methods.as_deref()),
        );
        crate::with_conn!(conn, |c| diesel::insert_into(kuper_stores::table)
            .values((kuper_stores::store_id.eq(store), values))
            .on_conflict(kuper_stores::store_id)
            .do_update()
            .set(values)
            .execute(c))?;
        Ok(())
    }

    /// Takes a staff step on the Kuper order `original` (Kuper's id) under
    /// the default rules: see [`act_under`](Self::act_under).
    pub fn act(
        conn: &mut AnyConnection,
        original: &str,
        request: &StaffRequest,
        at: DateTime<Utc>,
    ) -> Result<Result<KuperStatus, ActError>, StorageError> {
        Self::act_under(conn, original, request, KuperRules::default(), at)
    }

    /// Takes a staff step on the Kuper order `original` (Kuper's id): the
    /// flow decides, `ready_for_delivery`'s composition is reconciled with
    /// the holds, and the notification is queued, in one transaction.
    pub fn act_under(
        conn: &mut AnyConnection,
        original: &str,
        request: &StaffRequest,
        rules: KuperRules,
        at: DateTime<Utc>,
    ) -> Result<Result<KuperStatus, ActError>, StorageError> {
        // An id Kuper never sends is unknown: the database is not asked (it
        // may refuse the bytes).
        if !domain::is_plausible_id(original) {
            return Ok(Err(ActError::UnknownOrder));
        }
        let at = at.naive_utc();
        let outcome = conn.write_transaction(|c| staff::act(c, original, request, rules, at));
        match outcome {
            Ok(status) => Ok(Ok(status)),
            Err(Rollback::Refused(e)) => Ok(Err(e)),
            Err(Rollback::Failed(e)) => Err(e),
        }
    }
}

/// A staff step that stopped half way: its writes are rolled back.
#[derive(Debug)]
enum Rollback {
    Refused(ActError),
    Failed(StorageError),
}

impl From<StorageError> for Rollback {
    fn from(e: StorageError) -> Self {
        Rollback::Failed(e)
    }
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Failed(e.into())
    }
}

impl From<ActError> for Rollback {
    fn from(e: ActError) -> Self {
        Rollback::Refused(e)
    }
}

/// A row of `kuper_order_lines`, read the same way by the rules and by
/// staff's view.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = crate::schema::kuper_order_lines)]
struct LineRecord {
    line_no: i32,
    position_id: String,
    /// Our SKU; '' when the position maps to none.
    sku: String,
    ordered: i64,
    weighted: bool,
    held: i64,
    picked: Option<i64>,
    replaces: Option<i32>,
}

impl LineRecord {
    fn sku(&self) -> Option<String> {
        (!self.sku.is_empty()).then(|| self.sku.clone())
    }

    /// The line as the picking rules read it.
    fn to_rule(&self) -> orders::kuper::picking::PickLine {
        orders::kuper::picking::PickLine {
            line_no: self.line_no,
            position_id: self.position_id.clone(),
            sku: self.sku(),
            ordered: catalog::stock::StockQty::from_thousandths(self.ordered),
            weighted: self.weighted,
            held: catalog::stock::StockQty::from_thousandths(self.held),
        }
    }
}

/// A store's Kuper setting from the left join: absent (a store Kuper does
/// not sell from) is `absent`; present but unreadable is a corrupt row, not
/// a guess.
fn setting<T>(
    text: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    column: &str,
    absent: T,
) -> Result<T, StorageError> {
    match text {
        None => Ok(absent),
        Some(text) => parse(text).ok_or_else(|| corrupt(column, text)),
    }
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
    }
}

fn parse_reply(text: &str) -> Result<Reply, StorageError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt("kuper_inbox.reply", e))?;
    Ok(match value["number"].as_str() {
        Some(number) => Reply::Created {
            number: OrderId::new(number).map_err(|e| corrupt("kuper_inbox.reply", e))?,
            expected_assembly_time: value["expectedAssemblyTime"].as_str().map(str::to_owned),
        },
        None => Reply::Stored,
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

#[async_trait]
impl KuperInbox for DbKuperInbox {
    async fn receive(&self, event: &ReceivedEvent) -> Result<EventOutcome, RepoError> {
        let event = self.rules.weight_reading.read_event(event.clone());
        let cache = Arc::clone(&self.stores);
        self.db
            .run(move |conn| {
                let stores = Self::stores(&cache, conn)?;
                let fresh = conn.write_transaction(|c| statements::fresh(c, &event, &stores));
                match fresh {
                    Ok(receipt) => Ok(receipt),
                    // Taken by another delivery meanwhile: answered as a
                    // duplicate, in a transaction of its own.
                    Err(Attempt::Duplicate) => conn.write_transaction(|c| statements::duplicate(c, &event)),
                    Err(Attempt::Failed(e)) => Err(e),
                }
            })
            .await
            .map_err(reported)
    }
}

#[async_trait]
impl KuperStaff for DbKuperInbox {
    async fn act(
        &self,
        original: &str,
        request: &StaffRequest,
        at: DateTime<Utc>,
    ) -> Result<Result<KuperStatus, ActError>, RepoError> {
        let (original, request, rules) = (original.to_owned(), request.clone(), self.rules);
        self.db.run(move |conn| Self::act_under(conn, &original, &request, rules, at)).await.map_err(reported)
    }

    async fn order(&self, original: &str) -> Result<Option<KuperOrderView>, RepoError> {
        let original = original.to_owned();
        self.db.run(move |conn| Self::order(conn, &original)).await.map_err(reported)
    }

    async fn attention(&self, limit: i64) -> Result<Vec<Attention>, RepoError> {
        self.db.run(move |conn| Self::attention(conn, limit)).await.map_err(reported)
    }

    async fn retry_notification(&self, id: i64) -> Result<bool, RepoError> {
        self.db.run(move |conn| crate::DbKuperOutbox::revive(conn, id)).await.map_err(reported)
    }

    async fn discard_notification(&self, id: i64) -> Result<bool, RepoError> {
        self.db.run(move |conn| crate::DbKuperOutbox::discard(conn, id)).await.map_err(reported)
    }

    async fn notifications(&self, state: OutboxState, limit: i64) -> Result<Vec<OutboxRow>, RepoError> {
        self.db.run(move |conn| crate::DbKuperOutbox::list(conn, Some(state), limit)).await.map_err(reported)
    }
}
