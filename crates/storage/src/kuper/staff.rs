//! The staff side of the Kuper statements: a step of the flow, and
//! `ready_for_delivery`'s composition reconciled with the holds.

use std::collections::HashMap;

use catalog::stock::MoveKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use orders::kuper::details::{Cancel, KuperDetails};
use orders::kuper::flow::{KuperEffect, KuperStatus, StaffAction, composition_final_after, staff};
use orders::kuper::picking::{self, Candidate, PickingRules};
use orders::kuper::{ActError, KuperRules, StaffRequest, notice};

use super::Rollback;
use super::statements::{
    OrderKeys, end_holds, facts_of, lines_of, moves, notify, position_ids_of, products, text_of,
};
use crate::AnyConnection;
use crate::schema::{kuper_order_lines, kuper_orders};

/// `ready_for_delivery`: the composition reconciled with the holds
/// (shortfalls released, replacements and extra weight held), the
/// picked amounts kept; the payload Kuper gets.
fn ready(
    c: &mut AnyConnection,
    order: OrderKeys<'_>,
    request: &StaffRequest,
    details: &KuperDetails,
    rules: KuperRules,
    at: NaiveDateTime,
) -> Result<serde_json::Value, Rollback> {
    let OrderKeys { original, order_id, store } = order;
    let picking = request.picking.as_ref().ok_or(ActError::NoComposition)?;
    let lines = lines_of(c, order_id)?;
    let strangers: Vec<&str> = picking
        .positions
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| !lines.iter().any(|l| l.position_id == *id))
        .collect();
    let kind = position_ids_of(c, store)?;
    let candidates: HashMap<String, Candidate> = products(c, kind, &strangers)?
        .into_iter()
        .map(|(id, p)| (id, Candidate { sku: p.sku, weighted: p.weighted }))
        .collect();
    let picking_rules = PickingRules {
        replacements_allowed: details.replacements_allowed(),
        weight_tolerance_permille: rules.weight_tolerance_permille,
    };
    let done = picking::reconcile(&lines, picking, &candidates, picking_rules).map_err(ActError::from)?;
    moves(c, order_id, store, MoveKind::Release, &done.release, at)?;
    if let Some(short) = moves(c, order_id, store, MoveKind::Hold, &done.hold, at)? {
        return Err(ActError::NotAvailable {
            sku: short.sku,
            wanted: short.shortfall.wanted,
            available: short.shortfall.available,
        }
        .into());
    }
    for (line_no, picked) in &done.picked {
        diesel::update(kuper_order_lines::table.find((order_id, line_no)))
            .set((
                kuper_order_lines::picked.eq(picked.thousandths()),
                kuper_order_lines::held.eq(picked.thousandths()),
            ))
            .execute(c)?;
    }
    let next = lines.iter().map(|l| l.line_no).max().map_or(0, |n| n + 1);
    for (line_no, r) in (next..).zip(&done.replacements) {
        diesel::insert_into(kuper_order_lines::table)
            .values((
                kuper_order_lines::order_id.eq(order_id),
                kuper_order_lines::line_no.eq(line_no),
                kuper_order_lines::position_id.eq(&r.position_id),
                kuper_order_lines::sku.eq(&r.sku),
                kuper_order_lines::quantity.eq("0"),
                kuper_order_lines::ordered.eq(0),
                kuper_order_lines::weighted.eq(r.weighted),
                kuper_order_lines::held.eq(r.picked.thousandths()),
                kuper_order_lines::picked.eq(Some(r.picked.thousandths())),
                kuper_order_lines::replaces.eq(Some(r.replaces)),
            ))
            .execute(c)?;
    }
    Ok(notice::ready(original, order_id, &request.payload, &done.composition, rules.weight_reading))
}

/// A staff step by the flow: the status moves, stock moves where the
/// flow says, and the notification is queued, at once; a refusal
/// rolls back whatever was written.
pub(crate) fn act(
    c: &mut AnyConnection,
    original: &str,
    request: &StaffRequest,
    rules: KuperRules,
    at: NaiveDateTime,
) -> Result<KuperStatus, Rollback> {
    let Some((order_id, store, facts, mut details)) = facts_of(c, original)? else {
        return Err(ActError::UnknownOrder.into());
    };
    let action = request.action;
    let step = staff(facts, action).map_err(ActError::from)?;
    let payload = if action == StaffAction::Ready {
        let keys = OrderKeys { original, order_id: &order_id, store: &store };
        ready(c, keys, request, &details, rules, at)?
    } else {
        notice::payload(original, &order_id, &request.payload)
    };
    let payload = notice::with_order_uuid(payload, details.order_uuid.as_deref());
    if action == StaffAction::Cancel {
        details.cancel = Some(Cancel::by_merchant(&request.payload));
    }
    for effect in step.effects {
        match effect {
            KuperEffect::ReleaseStock => end_holds(c, &order_id, &store, MoveKind::Release, at)?,
            KuperEffect::SellStock => end_holds(c, &order_id, &store, MoveKind::Sale, at)?,
            KuperEffect::Notify => notify(c, &order_id, action.notification(), &payload, at)?,
            KuperEffect::MarkPaid
            | KuperEffect::RecordCourier
            | KuperEffect::RecordCancelReason
            | KuperEffect::ApplyUpdate => {}
        }
    }
    let to = step.to.unwrap_or(facts.status);
    diesel::update(kuper_orders::table.find(&order_id))
        .set((
            kuper_orders::status.eq(to.as_str()),
            kuper_orders::composition_final.eq(composition_final_after(facts, action)),
            kuper_orders::updated_at.eq(at),
            kuper_orders::details.eq(text_of(&details)),
        ))
        .execute(c)?;
    Ok(to)
}
