//! Taking an `order.created`: which store it is for, which of our products
//! each position is, what to hold, and whether to take the order at all.
//! Kuper's reply is `created` either way; an order we cannot take is
//! created canceled, with an `order.canceled` and its reason queued.

use catalog::stock::StockQty;
use chrono::{DateTime, Datelike, Utc};
use domain::Decimal;

use super::NewLine;
use super::details::{Cancel, KuperDetails};
use super::flow::{IntegrationType, KuperStatus};
use super::method::{self, Methods};

/// How a Kuper position id names our product; configured per store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PositionIds {
    /// The position id is our SKU.
    #[default]
    Sku,
    /// The position id is the product's barcode.
    Barcode,
}

impl PositionIds {
    pub const fn as_str(self) -> &'static str {
        match self {
            PositionIds::Sku => "sku",
            PositionIds::Barcode => "barcode",
        }
    }

    pub fn parse(text: &str) -> Option<PositionIds> {
        [PositionIds::Sku, PositionIds::Barcode].into_iter().find(|p| p.as_str() == text)
    }
}

/// A store as Kuper orders reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSetup {
    /// Our id of the store.
    pub store_id: String,
    /// Kuper's id of it, when it is not ours.
    pub kuper_store_id: Option<String>,
    /// The flow of an order that names no method.
    pub integration: IntegrationType,
    /// The integration types it takes orders of.
    pub methods: Methods,
    pub restaurant: bool,
    pub assembly_minutes: Option<i32>,
    pub position_ids: PositionIds,
    pub opening_hours: String,
    pub time_zone: String,
}

/// The store Kuper's `storeID` names: the one mapped to that id, else
/// ours of that id unless it is mapped to another.
pub fn find_store<'a>(stores: &'a [StoreSetup], kuper_id: &str) -> Option<&'a StoreSetup> {
    stores.iter().find(|s| s.kuper_store_id.as_deref() == Some(kuper_id)).or_else(|| {
        stores
            .iter()
            .find(|s| s.store_id == kuper_id && s.kuper_store_id.as_deref().is_none_or(|k| k == kuper_id))
    })
}

impl StoreSetup {
    /// Open at `at` by its hours in its own time zone; hours we cannot read
    /// do not close a store.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let (Ok(hours), Ok(zone)) =
            (self.opening_hours.parse::<catalog::OpeningHours>(), catalog::time_zone(&self.time_zone))
        else {
            return true;
        };
        let local = at.with_timezone(&zone);
        hours.on(local.weekday()).is_some_and(|(open, close)| {
            let now = local.time();
            now >= open && now < close
        })
    }

    /// When the store expects the order assembled, if it says.
    pub fn expected_assembly(&self, at: DateTime<Utc>) -> Option<String> {
        self.assembly_minutes.map(|minutes| (at + chrono::Duration::minutes(minutes.into())).to_rfc3339())
    }
}

/// One of our products, as a position maps to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub sku: String,
    /// Sold by the kilogram.
    pub weighted: bool,
}

/// Whether a product of `unit` is picked by weight: sold by the kilogram.
pub fn sold_by_weight(unit: &str) -> bool {
    unit.eq_ignore_ascii_case("kg")
}

/// A line of a new order, decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeLine {
    pub position_id: String,
    pub sku: Option<String>,
    pub ordered: StockQty,
    pub weighted: bool,
    /// What to try to hold (zero when the line cannot be served).
    pub hold: StockQty,
}

/// How much a position orders in its product's unit of sale: weighted goods
/// by `weight` (grams) when Kuper gives one, else by `quantity` in
/// kilograms; pieces by a whole `quantity`. `None`: not an amount we can
/// sell.
pub fn ordered_amount(line: &NewLine, weighted: bool) -> Option<StockQty> {
    let amount = match line.weight_grams {
        Some(grams) if weighted && grams > Decimal::ZERO => grams / Decimal::from(1000),
        _ => line.quantity,
    };
    if !weighted && amount.fract() != Decimal::ZERO {
        return None;
    }
    StockQty::from_decimal(amount).ok()
}

/// The lines of a new order: each position mapped by `product` (the
/// catalog's answer for its id under the store's [`PositionIds`]) and what
/// to hold for it. `serve` is false when the order is refused anyway.
pub fn lines(new: &[NewLine], product: impl Fn(&str) -> Option<Product>, serve: bool) -> Vec<IntakeLine> {
    new.iter()
        .map(|line| {
            let product = product(&line.position_id);
            let weighted = product.as_ref().is_some_and(|p| p.weighted);
            let ordered = ordered_amount(line, weighted);
            let hold = match (&product, ordered) {
                (Some(_), Some(q)) if serve => q,
                _ => StockQty::ZERO,
            };
            IntakeLine {
                position_id: line.position_id.clone(),
                sku: product.map(|p| p.sku),
                ordered: ordered.unwrap_or_default(),
                weighted,
                hold,
            }
        })
        .collect()
}

/// How a new order is taken before anything is held: the flow it runs and
/// the store's kind, and why it cannot be taken, if it cannot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taking {
    pub integration: IntegrationType,
    pub restaurant: bool,
    pub refusal: Option<String>,
}

/// How an order for `store` naming `shipment_method` is taken at `at`.
/// The order keeps the flow it was taken with; a store reconfigured later
/// changes only the orders after it.
pub fn before_holds(
    unreadable: Option<&str>,
    store: Option<&StoreSetup>,
    shipment_method: Option<&str>,
    at: DateTime<Utc>,
) -> Taking {
    let Some(store) = store else {
        let refusal = unreadable
            .map_or_else(|| "unknown store".to_owned(), |why| format!("the order cannot be read: {why}"));
        return Taking {
            integration: IntegrationType::KuperDelivery,
            restaurant: false,
            refusal: Some(refusal),
        };
    };
    let integration = method::integration_of(shipment_method, store.integration, store.methods);
    let refusal = if let Some(why) = unreadable {
        Some(format!("the order cannot be read: {why}"))
    } else if let Err(why) = &integration {
        Some(why.clone())
    } else if !store.is_open(at) {
        Some("the store is closed".into())
    } else {
        None
    };
    Taking { integration: integration.unwrap_or(store.integration), restaurant: store.restaurant, refusal }
}

/// Why the order cannot be taken as Kuper sent it: a product we sell in
/// pieces ordered in a fraction (`quantity: 0.5` of a loaf). Rounding would
/// hold and sell what nobody ordered; leaving the line out would take an
/// order the customer did not place. The order is taken canceled with this
/// reason, as the push model says for an order we cannot serve.
pub fn refusal_for_amounts(new: &[NewLine], product: impl Fn(&str) -> Option<Product>) -> Option<String> {
    new.iter().find_map(|line| {
        let product = product(&line.position_id)?;
        (!product.weighted && line.quantity.fract() != Decimal::ZERO).then(|| {
            format!(
                "position {}: {} is not a whole number of pieces",
                line.position_id,
                line.quantity.normalize()
            )
        })
    })
}

/// Why the order cannot be taken once holds were tried: `held[i]` is whether
/// line `i` is held. A partly available order is taken; staff pick what is
/// there.
pub fn refusal_after_holds(held: &[bool]) -> Option<String> {
    (!held.iter().any(|h| *h)).then(|| "none of the positions is available".into())
}

/// How a new order starts once every check has spoken: taken (`created`),
/// or refused with `refusal` — created canceled by us with the reason, so
/// the order's page and Kuper's `order.canceled` both say why.
pub fn first_state(details: &KuperDetails, refusal: Option<&str>) -> (KuperStatus, KuperDetails) {
    let mut details = details.clone();
    match refusal {
        None => (KuperStatus::Created, details),
        Some(reason) => {
            details.cancel = Some(Cancel::refused(reason));
            (KuperStatus::Canceled, details)
        }
    }
}

/// What the inbox notes of an order refused at intake.
pub fn refusal_note(reason: &str) -> String {
    format!("canceled: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_order_starts_canceled_by_us_with_the_reason_a_taken_one_created() {
        let details = KuperDetails { replacement_policy: Some("replace".into()), ..KuperDetails::default() };
        let (status, taken) = first_state(&details, None);
        assert_eq!((status, &taken), (KuperStatus::Created, &details));
        let (status, refused) = first_state(&details, Some("the store is closed"));
        assert_eq!(status, KuperStatus::Canceled);
        let cancel = refused.cancel.clone().unwrap();
        assert_eq!(
            (cancel.by.as_str(), cancel.code.as_deref(), cancel.comment.as_deref()),
            ("merchant", Some("merchant"), Some("the store is closed"))
        );
        assert_eq!(refused.replacement_policy, details.replacement_policy, "the rest is Kuper's, kept");
        assert_eq!(refusal_note("the store is closed"), "canceled: the store is closed");
    }

    fn line(quantity: &str, weight: Option<&str>) -> NewLine {
        NewLine {
            position_id: "p".into(),
            quantity: quantity.parse().unwrap(),
            weight_grams: weight.map(|w| w.parse().unwrap()),
        }
    }

    #[test]
    fn a_fraction_of_a_piece_refuses_the_order() {
        let product = |id: &str| match id {
            "bread" => Some(Product { sku: "SKU-1".into(), weighted: false }),
            "cheese" => Some(Product { sku: "SKU-2".into(), weighted: true }),
            _ => None,
        };
        let at = |id: &str, quantity: &str| NewLine {
            position_id: id.into(),
            quantity: quantity.parse().unwrap(),
            weight_grams: None,
        };
        for (lines, refused) in [
            (vec![at("bread", "2")], false),
            (vec![at("bread", "2.0")], false),
            (vec![at("cheese", "0.5")], false),
            (vec![at("bread", "0.5")], true),
            (vec![at("cheese", "0.35"), at("bread", "1.5")], true),
            (vec![at("unknown", "0.5")], false),
        ] {
            let why = refusal_for_amounts(&lines, product);
            assert_eq!(why.is_some(), refused, "{lines:?}: {why:?}");
        }
        let why = refusal_for_amounts(&[at("bread", "0.50")], product).unwrap();
        assert_eq!(why, "position bread: 0.5 is not a whole number of pieces");
    }

    #[test]
    fn ordered_amounts_per_unit_of_sale() {
        let cases = [
            (line("2", None), false, Some(2000)),
            (line("2", Some("0")), false, Some(2000)),
            (line("1.5", None), false, None),
            (line("1", Some("734")), true, Some(734)),
            (line("0.5", None), true, Some(500)),
            (line("0.5", Some("0")), true, Some(500)),
            (line("0.0005", None), true, None),
            (line("-1", None), false, None),
        ];
        for (line, weighted, expected) in cases {
            assert_eq!(
                ordered_amount(&line, weighted).map(StockQty::thousandths),
                expected,
                "{line:?} weighted={weighted}"
            );
        }
    }

    fn store(hours: &str) -> StoreSetup {
        StoreSetup {
            store_id: "S".into(),
            kuper_store_id: None,
            integration: IntegrationType::KuperDelivery,
            methods: Methods::of([IntegrationType::KuperDelivery, IntegrationType::Pickup]),
            restaurant: false,
            assembly_minutes: Some(30),
            position_ids: PositionIds::Sku,
            opening_hours: hours.into(),
            time_zone: "Europe/Moscow".into(),
        }
    }

    #[test]
    fn refusals_say_why() {
        // 2026-11-25 07:00 UTC is 10:00 in Moscow, a Wednesday.
        let at: DateTime<Utc> = "2026-11-25T07:00:00Z".parse().unwrap();
        let open = store("Mo-Su 08:00-23:00");
        let closed = store("Mo-Su 11:00-23:00");
        let refusal = |unreadable, store, method| before_holds(unreadable, store, method, at).refusal;
        assert_eq!(refusal(None, Some(&open), None), None);
        assert_eq!(refusal(None, Some(&open), Some("pickup")), None);
        assert_eq!(refusal(None, Some(&closed), None).as_deref(), Some("the store is closed"));
        assert_eq!(refusal(None, None, None).as_deref(), Some("unknown store"));
        assert!(refusal(Some("storeID: missing"), None, None).unwrap().contains("storeID"));
        assert!(refusal(Some("positions: none"), Some(&open), None).unwrap().contains("positions"));
        assert!(refusal(None, Some(&open), Some("by_merchant")).unwrap().contains("merchant_delivery"));
        assert_eq!(refusal_after_holds(&[false, true]), None);
        assert!(refusal_after_holds(&[false, false]).is_some());
        assert!(refusal_after_holds(&[]).is_some());
        assert_eq!(open.expected_assembly(at).as_deref(), Some("2026-11-25T07:30:00+00:00"));
    }

    #[test]
    fn the_order_takes_the_flow_of_its_method_and_the_store_s_kind() {
        let at: DateTime<Utc> = "2026-11-25T07:00:00Z".parse().unwrap();
        let restaurant = StoreSetup { restaurant: true, ..store("24/7") };
        let taken = |method| before_holds(None, Some(&restaurant), method, at);
        assert_eq!(
            taken(Some("pickup")),
            Taking { integration: IntegrationType::Pickup, restaurant: true, refusal: None }
        );
        assert_eq!(taken(Some("by_courier")).integration, IntegrationType::KuperDelivery);
        assert_eq!(taken(None).integration, IntegrationType::KuperDelivery);
        let refused = taken(Some("by_merchant"));
        assert_eq!(refused.integration, IntegrationType::KuperDelivery, "the store's default");
        assert!(refused.refusal.is_some());
    }

    #[test]
    fn kuper_store_ids_map_to_ours() {
        let mapped = |id: &str, kuper: Option<&str>| StoreSetup {
            store_id: id.into(),
            kuper_store_id: kuper.map(str::to_owned),
            ..store("24/7")
        };
        let stores =
            [mapped("S1", None), mapped("S2", Some("42")), mapped("42", None), mapped("S3", Some("S3"))];
        let found = |id| find_store(&stores, id).map(|s| s.store_id.as_str());
        assert_eq!(found("S1"), Some("S1"), "by default Kuper's id is ours");
        assert_eq!(found("42"), Some("S2"), "a mapped id wins over a store of that id");
        assert_eq!(found("S2"), None, "a mapped store is not reached by its own id");
        assert_eq!(found("S3"), Some("S3"));
        assert_eq!(found("nowhere"), None);
    }

    #[test]
    fn lines_hold_only_what_maps_and_reads() {
        let new = vec![
            NewLine { position_id: "milk".into(), quantity: 2.into(), weight_grams: None },
            NewLine { position_id: "cheese".into(), quantity: 1.into(), weight_grams: Some(734.into()) },
            NewLine { position_id: "alien".into(), quantity: 1.into(), weight_grams: None },
        ];
        let product = |id: &str| match id {
            "milk" => Some(Product { sku: "SKU-1".into(), weighted: false }),
            "cheese" => Some(Product { sku: "SKU-2".into(), weighted: true }),
            _ => None,
        };
        let taken = lines(&new, product, true);
        let holds: Vec<i64> = taken.iter().map(|l| l.hold.thousandths()).collect();
        assert_eq!(holds, [2000, 734, 0]);
        assert_eq!(taken[2].sku, None);
        assert!(
            lines(&new, product, false).iter().all(|l| l.hold.is_zero()),
            "a refused order holds nothing"
        );
    }
}
