//! Picking as a store does it: the final composition of
//! `order.ready_for_delivery` checked against the order, and the holds
//! reconciled with it. Per line, the quantity picked (pieces whole;
//! weighted goods by their weight in grams), a shortfall when less (or
//! nothing) was found, a replacement as its own position named by the
//! replaced line's `replacedByID`, marking codes where given.
//!
//! [`reconcile`] decides everything; storage only moves the stock it names
//! (releases, then holds) and keeps the picked quantities, so that the
//! holds after `ready_for_delivery` are exactly what was picked and become
//! the sale when the goods leave.

use std::collections::{HashMap, HashSet};

use catalog::stock::StockQty;

/// A line of a Kuper order as picking sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickLine {
    pub line_no: i32,
    /// Kuper's id of the position.
    pub position_id: String,
    /// Our SKU; `None` when the position maps to no product of ours.
    pub sku: Option<String>,
    pub ordered: StockQty,
    /// Sold by weight (kilograms): picked by the weight in grams.
    pub weighted: bool,
    pub held: StockQty,
}

/// One position of the final composition as staff give it (Kuper's wire
/// form: `quantity` in pieces, `weight` in grams).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickedPosition {
    pub id: String,
    pub quantity: u32,
    pub weight_grams: Option<u32>,
    pub replaced_by: Option<String>,
    pub marking_codes: Vec<String>,
}

impl PickedPosition {
    pub fn missing(id: &str) -> PickedPosition {
        PickedPosition {
            id: id.to_owned(),
            quantity: 0,
            weight_grams: None,
            replaced_by: None,
            marking_codes: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picking {
    pub positions: Vec<PickedPosition>,
    pub packs: Option<u32>,
}

/// A product staff put in as a replacement, as the catalog knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub sku: String,
    pub weighted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PickingRules {
    /// The customer's replacement policy allows replacing.
    pub replacements_allowed: bool,
    /// How far a weighted line may exceed the ordered weight, in
    /// thousandths of it (100: 10 %).
    pub weight_tolerance_permille: u32,
}

/// A replacement, a new line of the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub position_id: String,
    pub sku: String,
    pub weighted: bool,
    pub picked: StockQty,
    /// The line it replaces.
    pub replaces: i32,
}

/// What the final composition does to the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciled {
    /// Per line of the order, in line order: what was picked.
    pub picked: Vec<(i32, StockQty)>,
    pub replacements: Vec<Replacement>,
    /// Stock to put back on the shelf (shortfalls), by SKU.
    pub release: Vec<(String, StockQty)>,
    /// Stock to hold in addition (replacements, weight over the order).
    pub hold: Vec<(String, StockQty)>,
    /// The composition as it goes to Kuper: every line of the order (an
    /// absent one with quantity 0), then the replacements.
    pub composition: Picking,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PickingError {
    #[error("position {0} appears twice in the final composition")]
    Duplicate(String),
    #[error("position {0} is neither a line of this order nor a replacement named by a line's replacedByID")]
    Stranger(String),
    #[error("position {id}: {picked} picked, more than the {ordered} ordered")]
    OverPicked { id: String, ordered: StockQty, picked: StockQty },
    #[error(
        "position {id}: {picked} kg is more than the {ordered} kg ordered and the tolerance allows ({allowed} kg)"
    )]
    Overweight { id: String, ordered: StockQty, picked: StockQty, allowed: StockQty },
    #[error("position {0} is sold by weight: give its weight in grams")]
    WeightMissing(String),
    #[error("position {0} is not a product of ours: it can only be delivered as 0")]
    NotOurs(String),
    #[error("the customer's replacement policy does not allow replacing position {0}")]
    ReplacementRefused(String),
    #[error("position {line} is replaced by {by}, which is not a position of the final composition")]
    ReplacementMissing { line: String, by: String },
    #[error("position {line} is replaced by {by}, a line of the order: pick more of that line instead")]
    ReplacementIsALine { line: String, by: String },
    #[error("{0} replaces more than one line")]
    ReplacesTwice(String),
    #[error("replacement {0} is not a product of our catalog")]
    UnknownProduct(String),
    #[error("replacement {0} has nothing picked")]
    EmptyReplacement(String),
    #[error("nothing is picked: cancel the order instead")]
    NothingPicked,
}

/// The amount a position says was picked, in the line's unit of sale.
fn amount(position: &PickedPosition, weighted: bool) -> Result<StockQty, PickingError> {
    if !weighted {
        return Ok(StockQty::units(i64::from(position.quantity)));
    }
    match position.weight_grams {
        Some(grams) => Ok(StockQty::from_thousandths(i64::from(grams))),
        None if position.quantity == 0 => Ok(StockQty::ZERO),
        None => Err(PickingError::WeightMissing(position.id.clone())),
    }
}

pub(crate) fn allowed_weight(ordered: StockQty, permille: u32) -> StockQty {
    let extra = i128::from(ordered.thousandths()) * i128::from(permille) / 1000;
    StockQty::from_thousandths(ordered.thousandths().saturating_add(i64::try_from(extra).unwrap_or(i64::MAX)))
}

/// Checks `picking` against the order's `lines` and says what it changes.
/// `candidates` are the catalog's products for ids that are not lines.
pub fn reconcile<S: std::hash::BuildHasher>(
    lines: &[PickLine],
    picking: &Picking,
    candidates: &HashMap<String, Candidate, S>,
    rules: PickingRules,
) -> Result<Reconciled, PickingError> {
    let mut seen = HashSet::new();
    for p in &picking.positions {
        if !seen.insert(p.id.as_str()) {
            return Err(PickingError::Duplicate(p.id.clone()));
        }
    }
    let given: HashMap<&str, &PickedPosition> =
        picking.positions.iter().map(|p| (p.id.as_str(), p)).collect();
    let line_ids: HashSet<&str> = lines.iter().map(|l| l.position_id.as_str()).collect();
    // Replacements first: which id replaces which line.
    let mut replaced_by: HashMap<&str, &PickLine> = HashMap::new();
    for line in lines {
        let Some(by) = given.get(line.position_id.as_str()).and_then(|p| p.replaced_by.as_deref()) else {
            continue;
        };
        let (line_id, by_owned) = (line.position_id.clone(), by.to_owned());
        if !rules.replacements_allowed {
            return Err(PickingError::ReplacementRefused(line_id));
        }
        if line_ids.contains(by) {
            return Err(PickingError::ReplacementIsALine { line: line_id, by: by_owned });
        }
        if !given.contains_key(by) {
            return Err(PickingError::ReplacementMissing { line: line_id, by: by_owned });
        }
        if replaced_by.insert(by, line).is_some() {
            return Err(PickingError::ReplacesTwice(by_owned));
        }
    }
    if let Some(stranger) = picking
        .positions
        .iter()
        .find(|p| !line_ids.contains(p.id.as_str()) && !replaced_by.contains_key(p.id.as_str()))
    {
        return Err(PickingError::Stranger(stranger.id.clone()));
    }

    let mut out = Reconciled {
        picked: Vec::with_capacity(lines.len()),
        replacements: Vec::new(),
        release: Vec::new(),
        hold: Vec::new(),
        composition: Picking { positions: Vec::new(), packs: picking.packs },
    };
    for line in lines {
        let position = given
            .get(line.position_id.as_str())
            .map_or_else(|| PickedPosition::missing(&line.position_id), |p| (*p).clone());
        let picked = amount(&position, line.weighted)?;
        if line.weighted {
            let allowed = allowed_weight(line.ordered, rules.weight_tolerance_permille);
            if picked > allowed {
                let id = line.position_id.clone();
                return Err(PickingError::Overweight { id, ordered: line.ordered, picked, allowed });
            }
        } else if picked > line.ordered {
            let id = line.position_id.clone();
            return Err(PickingError::OverPicked { id, ordered: line.ordered, picked });
        }
        match &line.sku {
            None if !picked.is_zero() => return Err(PickingError::NotOurs(line.position_id.clone())),
            None => {}
            Some(sku) => {
                if picked < line.held {
                    out.release.push((sku.clone(), difference(line.held, picked)));
                } else if picked > line.held {
                    out.hold.push((sku.clone(), difference(picked, line.held)));
                }
            }
        }
        out.picked.push((line.line_no, picked));
        out.composition.positions.push(position);
    }
    for position in &picking.positions {
        let Some(line) = replaced_by.get(position.id.as_str()) else { continue };
        let candidate =
            candidates.get(&position.id).ok_or_else(|| PickingError::UnknownProduct(position.id.clone()))?;
        let picked = amount(position, candidate.weighted)?;
        if picked.is_zero() {
            return Err(PickingError::EmptyReplacement(position.id.clone()));
        }
        out.hold.push((candidate.sku.clone(), picked));
        out.replacements.push(Replacement {
            position_id: position.id.clone(),
            sku: candidate.sku.clone(),
            weighted: candidate.weighted,
            picked,
            replaces: line.line_no,
        });
        out.composition.positions.push(position.clone());
    }
    if out.picked.iter().all(|(_, q)| q.is_zero()) && out.replacements.is_empty() {
        return Err(PickingError::NothingPicked);
    }
    Ok(out)
}

fn difference(more: StockQty, less: StockQty) -> StockQty {
    StockQty::from_thousandths(more.thousandths() - less.thousandths())
}

#[cfg(test)]
mod tests;
