//! `orders::kuper::KuperInbox` on the database: one short transaction per
//! webhook, committed before the listener answers.

use async_trait::async_trait;
use diesel::prelude::*;
use domain::OrderId;
use orders::kuper::{KuperInbox, Receipt, ReceivedEvent, Reply};
use orders::{RepoError, new_order_id};

use crate::schema::{kuper_inbox, kuper_order_numbers};
use crate::{Database, DbConn, StorageError};

const ORDER_CREATED: &str = "order.created";

#[derive(Clone, Debug)]
pub struct DbKuperInbox {
    db: Database,
}

impl DbKuperInbox {
    pub fn new(db: Database) -> Self {
        DbKuperInbox { db }
    }

    /// How many events the inbox holds with this key: for tests and staff.
    pub fn count(conn: &mut DbConn, key: &str) -> Result<i64, StorageError> {
        Ok(crate::with_conn!(conn, |c| kuper_inbox::table
            .filter(kuper_inbox::event_key.eq(key))
            .count()
            .get_result::<i64>(c))?)
    }
}

fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::Created { number } => {
            serde_json::json!({"status": "created", "number": number.as_str()}).to_string()
        }
        Reply::Stored => serde_json::json!({"status": "ok"}).to_string(),
    }
}

fn parse_reply(text: &str) -> Result<Reply, StorageError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        StorageError::Query(diesel::result::Error::DeserializationError(e.to_string().into()))
    })?;
    Ok(match value["number"].as_str() {
        Some(number) => Reply::Created {
            number: OrderId::new(number).map_err(|e| {
                StorageError::Query(diesel::result::Error::DeserializationError(e.to_string().into()))
            })?,
        },
        None => Reply::Stored,
    })
}

macro_rules! receive_in {
    ($c:expr, $event:expr) => {{
        let (c, event): (_, &ReceivedEvent) = ($c, $event);
        let at = event.received_at.naive_utc();
        let inserted = diesel::insert_into(kuper_inbox::table)
            .values((
                kuper_inbox::event_key.eq(&event.key),
                kuper_inbox::event_type.eq(&event.event_type),
                kuper_inbox::original_order_id.eq(&event.original_order_id),
                kuper_inbox::body.eq(&event.body),
                kuper_inbox::received_at.eq(at),
                kuper_inbox::state.eq("pending"),
                kuper_inbox::reply.eq(""),
            ))
            .on_conflict_do_nothing()
            .execute(c)?;
        if inserted == 0 {
            let stored: String = kuper_inbox::table.find(&event.key).select(kuper_inbox::reply).first(c)?;
            Ok::<_, StorageError>(Receipt { duplicate: true, reply: parse_reply(&stored)? })
        } else {
            let reply = if event.event_type == ORDER_CREATED {
                let fresh = new_order_id().map_err(StorageError::Task)?;
                diesel::insert_into(kuper_order_numbers::table)
                    .values((
                        kuper_order_numbers::original_order_id.eq(&event.original_order_id),
                        kuper_order_numbers::order_id.eq(fresh.as_str()),
                        kuper_order_numbers::created_at.eq(at),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)?;
                let number: String = kuper_order_numbers::table
                    .find(&event.original_order_id)
                    .select(kuper_order_numbers::order_id)
                    .first(c)?;
                Reply::Created {
                    number: OrderId::new(number).map_err(|e| StorageError::Task(e.to_string()))?,
                }
            } else {
                Reply::Stored
            };
            diesel::update(kuper_inbox::table.find(&event.key))
                .set(kuper_inbox::reply.eq(reply_text(&reply)))
                .execute(c)?;
            Ok(Receipt { duplicate: false, reply })
        }
    }};
}

#[async_trait]
impl KuperInbox for DbKuperInbox {
    async fn receive(&self, event: &ReceivedEvent) -> Result<Receipt, RepoError> {
        let event = event.clone();
        self.db
            .run(move |conn| match conn {
                DbConn::Sqlite(c) => c.immediate_transaction(|c| receive_in!(c, &event)),
                DbConn::Postgres(c) => c.transaction(|c| receive_in!(c, &event)),
            })
            .await
            .map_err(|e| RepoError(e.to_string()))
    }
}
