//! `orders::onec::OneCSale` on the database: the orders of both channels 1C
//! has not confirmed, as documents; confirmations; and 1C's changes taken
//! through each channel's state machine, each step in its own transaction.

use std::collections::HashMap;
use std::io::BufReader;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use commerceml::documents::{read_documents, write_documents};
use diesel::prelude::*;
use diesel::upsert::excluded;
use domain::{Decimal, RepoError, Unit};
use orders::Shipping;
use orders::kuper::StaffRequest;
use orders::kuper::flow::{KuperStatus, StaffAction};
use orders::onec::{self, ExportLine, ExportOrder, OneCSale, SaleError, SaleReport};

use crate::error::reported;
use crate::onec::DbOneC;
use crate::schema::{kuper_orders, onec_order_exports, onec_products, orders as mcp_orders, products, users};
use crate::{AnyConnection, Database, DbKuperInbox, StorageError, with_conn};

#[derive(Clone, Debug)]
pub struct DbOneCSale {
    db: Database,
}

impl DbOneCSale {
    pub fn new(db: Database) -> Self {
        DbOneCSale { db }
    }
}

/// 1C's product ids of our `skus` (those that came from 1C).
fn onec_ids(c: &mut AnyConnection, skus: &[&str]) -> Result<HashMap<String, String>, StorageError> {
    let rows: Vec<(String, String)> = onec_products::table
        .filter(onec_products::sku.eq_any(skus))
        .select((onec_products::sku, onec_products::onec_id))
        .load(c)?;
    Ok(rows.into_iter().collect())
}

fn mcp_order(c: &mut AnyConnection, id: &str) -> Result<Option<ExportOrder>, StorageError> {
    let Some(order) = crate::order_repo::load(c, id)? else { return Ok(None) };
    let (name, phone, email): (Option<String>, Option<String>, Option<String>) = users::table
        .find(order.user.as_str())
        .select((users::name, users::phone, users::email))
        .first(c)
        .optional()?
        .unwrap_or_default();
    let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    let ids = onec_ids(c, &skus)?;
    let (paid, canceled, closed) = onec::flags(order.status);
    Ok(Some(ExportOrder {
        channel: "MCP",
        id: order.id.to_string(),
        external_id: None,
        created_at: order.created_at,
        updated_at: order.updated_at,
        status: order.status.as_str().to_owned(),
        paid,
        canceled,
        closed,
        fulfilment: order.shipping.method().as_str().to_owned(),
        customer_id: order.user.to_string(),
        customer_name: name,
        phone,
        email,
        address: match &order.shipping {
            Shipping::Delivery { address, .. } => address.clone(),
            Shipping::Pickup => None,
        },
        comment: None,
        lines: order
            .lines
            .iter()
            .map(|l| ExportLine {
                id: ids.get(l.sku.as_str()).cloned().unwrap_or_else(|| l.sku.to_string()),
                sku: l.sku.to_string(),
                name: l.name.clone(),
                unit: l.unit,
                quantity: l.quantity,
                price: l.unit_price.to_decimal(),
                sum: l.total.to_decimal(),
            })
            .collect(),
        delivery_price: order.delivery_price.to_decimal(),
        total: order.total.to_decimal(),
    }))
}

fn kuper_order(c: &mut AnyConnection, original: &str) -> Result<Option<ExportOrder>, StorageError> {
    let Some(view) = DbKuperInbox::order(c, original)? else { return Ok(None) };
    let (created_at, updated_at): (NaiveDateTime, NaiveDateTime) = kuper_orders::table
        .find(view.order_id.as_str())
        .select((kuper_orders::created_at, kuper_orders::updated_at))
        .first(c)?;
    let skus: Vec<&str> = view.lines.iter().filter_map(|l| l.sku.as_deref()).collect();
    let ids = onec_ids(c, &skus)?;
    let names: HashMap<String, String> = products::table
        .filter(products::sku.eq_any(&skus))
        .select((products::sku, products::name))
        .load::<(String, String)>(c)?
        .into_iter()
        .collect();
    let d = &view.details;
    let lines: Vec<ExportLine> = view
        .lines
        .iter()
        .filter_map(|l| {
            let sku = l.sku.clone()?;
            let quantity = l.picked.unwrap_or(l.ordered).to_decimal();
            let price = d
                .positions
                .iter()
                .find(|p| p.id == l.position_id)
                .and_then(|p| p.price.as_deref())
                .and_then(commerceml::number)
                .unwrap_or_default();
            Some(ExportLine {
                id: ids.get(&sku).cloned().unwrap_or_else(|| sku.clone()),
                name: names.get(&sku).cloned().unwrap_or_else(|| l.position_id.clone()),
                unit: if l.weighted { Unit::Kg } else { Unit::Pcs },
                quantity,
                price,
                sum: (price * quantity).round_dp(2),
                sku,
            })
        })
        .collect();
    let total = lines.iter().map(|l| l.sum).sum();
    Ok(Some(ExportOrder {
        channel: "Kuper",
        id: view.order_id.clone(),
        external_id: Some(view.original_order_id.clone()),
        created_at: created_at.and_utc(),
        updated_at: updated_at.and_utc(),
        status: view.status.as_str().to_owned(),
        paid: view.paid,
        canceled: view.status == KuperStatus::Canceled,
        closed: matches!(view.status, KuperStatus::Delivered | KuperStatus::Canceled),
        fulfilment: view.integration.as_str().to_owned(),
        customer_id: format!("kuper:{}", view.original_order_id),
        customer_name: d.customer.as_ref().and_then(|c| c.name.clone()),
        phone: d.customer.as_ref().and_then(|c| c.phone.clone()),
        email: None,
        address: d.address.as_ref().and_then(|a| a.full_address.clone()),
        comment: d.comment.clone(),
        lines,
        delivery_price: Decimal::ZERO,
        total,
    }))
}

/// Orders 1C has not confirmed, oldest change first.
fn unconfirmed(c: &mut AnyConnection, limit: i64) -> Result<Vec<ExportOrder>, StorageError> {
    let mcp: Vec<String> =
        mcp_orders::table
            .left_join(onec_order_exports::table.on(
                onec_order_exports::channel.eq("mcp").and(onec_order_exports::order_id.eq(mcp_orders::id)),
            ))
            .filter(
                onec_order_exports::confirmed_at
                    .is_null()
                    .or(onec_order_exports::confirmed_at.lt(mcp_orders::updated_at.nullable())),
            )
            .order(mcp_orders::updated_at.asc())
            .select(mcp_orders::id)
            .limit(limit)
            .load(c)?;
    let kuper: Vec<String> = kuper_orders::table
        .left_join(
            onec_order_exports::table.on(onec_order_exports::channel
                .eq("kuper")
                .and(onec_order_exports::order_id.eq(kuper_orders::order_id))),
        )
        .filter(
            onec_order_exports::confirmed_at
                .is_null()
                .or(onec_order_exports::confirmed_at.lt(kuper_orders::updated_at.nullable())),
        )
        .order(kuper_orders::updated_at.asc())
        .select(kuper_orders::original_order_id)
        .limit(limit)
        .load(c)?;
    let mut out = Vec::new();
    for id in mcp {
        out.extend(mcp_order(c, &id)?);
    }
    for original in kuper {
        out.extend(kuper_order(c, &original)?);
    }
    out.sort_by_key(|o| o.updated_at);
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}

fn mark_sent(c: &mut AnyConnection, sent: &[ExportOrder], at: NaiveDateTime) -> Result<(), StorageError> {
    for order in sent {
        let channel = if order.channel == "MCP" { "mcp" } else { "kuper" };
        with_conn!(c, |c| diesel::insert_into(onec_order_exports::table)
            .values((
                onec_order_exports::channel.eq(channel),
                onec_order_exports::order_id.eq(&order.id),
                onec_order_exports::sent_at.eq(at),
            ))
            .on_conflict((onec_order_exports::channel, onec_order_exports::order_id))
            .do_update()
            .set(onec_order_exports::sent_at.eq(excluded(onec_order_exports::sent_at)))
            .execute(c))?;
    }
    Ok(())
}

/// Takes 1C's word on one document; `Err` is why it cannot be followed.
fn follow(
    c: &mut AnyConnection,
    doc: &commerceml::documents::Document,
    at: DateTime<Utc>,
) -> Result<Result<usize, String>, StorageError> {
    let said = onec::said(doc);
    let id = doc.number.trim();
    if let Some(order) = crate::order_repo::load(c, id)? {
        let delivery = matches!(order.shipping, Shipping::Delivery { .. });
        let steps = match onec::mcp_steps(order.status, delivery, said) {
            Ok(steps) => steps,
            Err(why) => return Ok(Err(format!("{id}: {why}"))),
        };
        let mut taken = 0;
        for action in steps {
            match c.write_transaction(|c| crate::order_repo::apply(c, id, action, at)) {
                Ok(_) => taken += 1,
                Err(crate::order_repo::ApplyFailure::Storage(e)) => return Err(e),
                Err(crate::order_repo::ApplyFailure::Illegal(e)) => {
                    return Ok(Err(format!("{id}: {action} refused: {e}")));
                }
                Err(crate::order_repo::ApplyFailure::NotFound) => {
                    return Ok(Err(format!("{id}: no such order")));
                }
            }
        }
        return Ok(Ok(taken));
    }
    let original: Option<String> =
        kuper_orders::table.find(id).select(kuper_orders::original_order_id).first(c).optional()?;
    let Some(original) = original else { return Ok(Err(format!("{id}: no such order"))) };
    if !said.canceled {
        // Kuper's orders move by Kuper's flow (staff steps), not by 1C.
        return Ok(Ok(0));
    }
    let request = StaffRequest {
        action: StaffAction::Cancel,
        payload: serde_json::json!({"reason": {"code": "merchant", "comment": "canceled in 1C"}}),
        picking: None,
    };
    match DbKuperInbox::act(c, &original, &request, at)? {
        Ok(_) => Ok(Ok(1)),
        Err(e) => Ok(Err(format!("{id}: cancel refused: {e}"))),
    }
}

#[async_trait]
impl OneCSale for DbOneCSale {
    async fn query(&self, limit: i64, at: DateTime<Utc>) -> Result<String, RepoError> {
        self.db
            .run(move |c| {
                let orders = unconfirmed(c, limit)?;
                c.write_transaction(|c| mark_sent(c, &orders, at.naive_utc()))?;
                let documents: Vec<_> = orders.iter().map(onec::document).collect();
                Ok::<_, StorageError>(write_documents(
                    &documents,
                    "2.08",
                    &at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                ))
            })
            .await
            .map_err(reported)
    }

    async fn confirm(&self, at: DateTime<Utc>) -> Result<u64, RepoError> {
        self.db
            .run(move |c| {
                let at = at.naive_utc();
                let confirmed = diesel::update(
                    onec_order_exports::table.filter(onec_order_exports::sent_at.le(at)).filter(
                        onec_order_exports::confirmed_at
                            .is_null()
                            .or(onec_order_exports::confirmed_at.lt(onec_order_exports::sent_at.nullable())),
                    ),
                )
                .set(onec_order_exports::confirmed_at.eq(at))
                .execute(c)?;
                Ok::<_, StorageError>(confirmed as u64)
            })
            .await
            .map_err(reported)
    }

    async fn apply(
        &self,
        token_hash: &str,
        filename: &str,
        at: DateTime<Utc>,
    ) -> Result<SaleReport, SaleError> {
        let (token_hash, filename) = (token_hash.to_owned(), filename.to_owned());
        let db = self.db.clone();
        let outcome = self
            .db
            .run(move |c| {
                // The whole file is read first: a file that is not 1C's
                // changes nothing.
                let documents: Result<Vec<_>, _> = {
                    let mut reading = db.get()?;
                    read_documents(BufReader::new(DbOneC::reader(&mut reading, &token_hash, &filename)))
                        .collect()
                };
                let documents = match documents {
                    Ok(documents) => documents,
                    Err(e) => return Ok(Err(e.to_string())),
                };
                let mut report = SaleReport { documents: documents.len(), ..SaleReport::default() };
                for doc in &documents {
                    match follow(c, doc, at)? {
                        Ok(steps) => report.steps += steps,
                        Err(why) => report.refused.push(why),
                    }
                }
                DbOneC::drop_file(c, &token_hash, &filename)?;
                Ok::<_, StorageError>(Ok(report))
            })
            .await
            .map_err(|e: StorageError| SaleError::Repo(crate::error::reported(e)))?;
        outcome.map_err(SaleError::File)
    }
}
