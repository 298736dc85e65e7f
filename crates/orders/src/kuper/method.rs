//! Which flow a Kuper order takes. The integration type is the order's, not
//! the store's: a store that takes courier and pickup orders gets both, and
//! each runs the flow of its own `shipmentMethod`. The store's configured
//! type is the default when an order names no method (or one we cannot
//! tell), and the methods it takes say which orders it refuses.
//!
//! Kuper publishes one method name, `by_courier`; the others are read by
//! what they say (`pickup`, `self_pickup`, `click_and_collect`;
//! `by_merchant`, `retailer_delivery`). A courier with no owner named is
//! Kuper's, unless the store delivers itself and not through Kuper.

use std::fmt;

use super::flow::IntegrationType;

/// The integration types a store takes Kuper orders of.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Methods(u8);

impl Methods {
    pub const ALL: Methods = Methods(0b111);

    const fn bit(t: IntegrationType) -> u8 {
        match t {
            IntegrationType::KuperDelivery => 1,
            IntegrationType::Pickup => 2,
            IntegrationType::MerchantDelivery => 4,
        }
    }

    pub fn of(types: impl IntoIterator<Item = IntegrationType>) -> Methods {
        Methods(types.into_iter().fold(0, |bits, t| bits | Self::bit(t)))
    }

    pub const fn takes(self, t: IntegrationType) -> bool {
        self.0 & Self::bit(t) != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = IntegrationType> {
        IntegrationType::ALL.into_iter().filter(move |t| self.takes(*t))
    }

    /// As stored: the type names joined by commas.
    pub fn to_text(self) -> String {
        self.iter().map(IntegrationType::as_str).collect::<Vec<_>>().join(",")
    }

    /// The stored text; `None` when a name is not a type or none is given.
    pub fn parse(text: &str) -> Option<Methods> {
        let types: Option<Vec<IntegrationType>> =
            text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(IntegrationType::parse).collect();
        Some(Methods::of(types?)).filter(|m| !m.is_empty())
    }
}

impl Default for Methods {
    /// Kuper sends a store only what the store signed up for: a store
    /// configured before methods existed takes them all.
    fn default() -> Self {
        Methods::ALL
    }
}

impl fmt::Debug for Methods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// What a `shipmentMethod` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shipment {
    /// A courier, whoever's: `by_courier`.
    Courier,
    /// Kuper's courier, named so.
    KuperCourier,
    /// The merchant's own courier.
    MerchantCourier,
    Pickup,
}

impl Shipment {
    /// What `method` says, by its words; `None` when it says nothing we
    /// can tell.
    pub fn read(method: &str) -> Option<Shipment> {
        let m = method.trim().to_lowercase().replace(['-', ' '], "_");
        let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
        if has(&["pickup", "pick_up", "collect", "takeaway", "take_away", "самовывоз"]) {
            Some(Shipment::Pickup)
        } else if has(&[
            "merchant",
            "retailer",
            "partner",
            "store",
            "shop",
            "own",
            "seller",
            "мерчант",
            "магазин",
        ]) {
            Some(Shipment::MerchantCourier)
        } else if has(&["kuper", "sber", "купер"]) {
            Some(Shipment::KuperCourier)
        } else if has(&["courier", "deliver", "express", "курьер", "доставк"]) {
            Some(Shipment::Courier)
        } else {
            None
        }
    }
}

/// The flow an order of `method` takes at a store whose default type is
/// `default` and which takes `methods`; `Err` names why the store cannot
/// take it.
pub fn integration_of(
    method: Option<&str>,
    default: IntegrationType,
    methods: Methods,
) -> Result<IntegrationType, String> {
    use IntegrationType::{KuperDelivery, MerchantDelivery, Pickup};
    let Some(shipment) = method.filter(|m| !m.trim().is_empty()).and_then(Shipment::read) else {
        return Ok(default);
    };
    let wanted = match shipment {
        Shipment::Pickup => Pickup,
        Shipment::KuperCourier => KuperDelivery,
        // A courier with no owner named: the store's own way of delivering
        // when it has one; else Kuper's courier, else the store's own.
        Shipment::Courier if default != Pickup => default,
        Shipment::Courier if methods.takes(KuperDelivery) => KuperDelivery,
        Shipment::MerchantCourier | Shipment::Courier => MerchantDelivery,
    };
    if methods.takes(wanted) {
        Ok(wanted)
    } else {
        let shown = method.unwrap_or_default().trim();
        Err(format!(
            "the store does not take {} orders (shipmentMethod {shown:?}; it takes {})",
            wanted.as_str(),
            methods.iter().map(IntegrationType::as_str).collect::<Vec<_>>().join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntegrationType::{KuperDelivery as K, MerchantDelivery as M, Pickup as P};

    #[test]
    fn methods_are_read_by_what_they_say() {
        let cases = [
            ("by_courier", Some(Shipment::Courier)),
            ("BY_COURIER", Some(Shipment::Courier)),
            ("courier", Some(Shipment::Courier)),
            ("delivery", Some(Shipment::Courier)),
            ("express_delivery", Some(Shipment::Courier)),
            ("pickup", Some(Shipment::Pickup)),
            ("self_pickup", Some(Shipment::Pickup)),
            ("pick-up", Some(Shipment::Pickup)),
            ("click_and_collect", Some(Shipment::Pickup)),
            ("Самовывоз", Some(Shipment::Pickup)),
            ("by_merchant", Some(Shipment::MerchantCourier)),
            ("merchant_delivery", Some(Shipment::MerchantCourier)),
            ("retailer_courier", Some(Shipment::MerchantCourier)),
            ("by_store", Some(Shipment::MerchantCourier)),
            ("own_delivery", Some(Shipment::MerchantCourier)),
            ("kuper_delivery", Some(Shipment::KuperCourier)),
            ("by_kuper", Some(Shipment::KuperCourier)),
            ("teleport", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(Shipment::read(text), expected, "{text:?}");
        }
    }

    #[test]
    fn the_order_s_method_decides_within_what_the_store_takes() {
        let all = Methods::ALL;
        let courier_and_pickup = Methods::of([K, P]);
        let only_pickup = Methods::of([P]);
        let own_and_pickup = Methods::of([M, P]);
        // The expected flow; `None`: refused.
        let cases = [
            // No method, or one we cannot tell: the store's default.
            (None, K, all, Some(K)),
            (None, P, only_pickup, Some(P)),
            (Some(""), M, all, Some(M)),
            (Some("teleport"), P, all, Some(P)),
            // Each method its own flow.
            (Some("by_courier"), K, courier_and_pickup, Some(K)),
            (Some("pickup"), K, courier_and_pickup, Some(P)),
            (Some("by_merchant"), K, all, Some(M)),
            (Some("kuper_delivery"), M, all, Some(K)),
            // A courier with no owner named: the store's way of delivering.
            (Some("by_courier"), M, own_and_pickup, Some(M)),
            (Some("by_courier"), M, all, Some(M)),
            (Some("by_courier"), P, courier_and_pickup, Some(K)),
            (Some("by_courier"), P, own_and_pickup, Some(M)),
            // What the store does not take is refused.
            (Some("by_courier"), P, only_pickup, None),
            (Some("pickup"), K, Methods::of([K]), None),
            (Some("by_merchant"), K, courier_and_pickup, None),
            (Some("kuper_delivery"), M, own_and_pickup, None),
            (Some("self_pickup"), M, Methods::of([M]), None),
        ];
        for (method, default, methods, expected) in cases {
            let got = integration_of(method, default, methods);
            assert_eq!(got.clone().ok(), expected, "{method:?} {default:?} {methods:?}: {got:?}");
        }
        let why = integration_of(Some("pickup"), K, Methods::of([K])).unwrap_err();
        assert_eq!(
            why,
            "the store does not take pickup orders (shipmentMethod \"pickup\"; it takes kuper_delivery)"
        );
    }

    #[test]
    fn methods_read_back_as_stored() {
        for methods in [Methods::ALL, Methods::of([K]), Methods::of([P, M]), Methods::of([K, P])] {
            assert_eq!(Methods::parse(&methods.to_text()), Some(methods));
        }
        assert_eq!(Methods::parse("pickup, kuper_delivery"), Some(Methods::of([K, P])));
        assert_eq!(Methods::parse("pickup,teleport"), None);
        assert_eq!(Methods::parse(""), None);
    }
}
