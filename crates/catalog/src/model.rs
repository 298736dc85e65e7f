use domain::{Decimal, GeoPoint, Money, SkuId, StoreId, Unit};

/// Where a store delivers.
#[derive(Clone, Debug, PartialEq)]
pub enum DeliveryZone {
    /// Everything within this many metres of the store.
    Radius { metres: u32 },
    /// A closed ring of points (GeoJSON order: the first equals the last or
    /// is closed implicitly).
    Polygon(Vec<GeoPoint>),
}

impl DeliveryZone {
    pub fn contains(&self, store: GeoPoint, point: GeoPoint) -> bool {
        match self {
            DeliveryZone::Radius { metres } => store.distance_m(point) <= f64::from(*metres),
            DeliveryZone::Polygon(ring) => point_in_ring(ring, point),
        }
    }
}

/// Ray casting on lon/lat as a plane: exact enough for city-sized zones away
/// from the antimeridian and the poles.
fn point_in_ring(ring: &[GeoPoint], p: GeoPoint) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
        if (a.lat() > p.lat()) != (b.lat() > p.lat()) {
            let lon_at = (b.lon() - a.lon()) * (p.lat() - a.lat()) / (b.lat() - a.lat()) + a.lon();
            if p.lon() < lon_at {
                inside = !inside;
            }
        }
    }
    inside
}

#[derive(Clone, Debug, PartialEq)]
pub struct Store {
    pub id: StoreId,
    pub name: String,
    pub address: String,
    pub location: GeoPoint,
    /// `None`: the store does not deliver.
    pub delivery_zone: Option<DeliveryZone>,
    pub pickup: bool,
    /// Free text as the merchant writes it, e.g. `Mo-Su 08:00-23:00`.
    pub opening_hours: String,
    /// IANA zone, e.g. `Europe/Moscow`.
    pub time_zone: String,
}

impl Store {
    pub fn delivers_to(&self, point: GeoPoint) -> bool {
        self.delivery_zone.as_ref().is_some_and(|zone| zone.contains(self.location, point))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    pub sku: SkuId,
    pub name: String,
    pub description: String,
    pub photo_url: String,
    pub unit: Unit,
    /// Amount in one pack, in `unit` (0.33 for a 330 g pack sold by kg).
    pub pack_quantity: Option<Decimal>,
    /// 0 to 5.
    pub rating: Option<Decimal>,
    pub category: String,
    pub brand: String,
    pub barcode: Option<String>,
    /// For the 54-FZ receipt; `None`: the feed gave none.
    pub vat: Option<domain::VatRate>,
}

/// A product as sold in one store.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    pub store: StoreId,
    pub sku: SkuId,
    pub price: Money,
    pub old_price: Option<Money>,
    /// Units of sale on hand.
    pub stock: i64,
    pub delivery: bool,
    pub pickup: bool,
}

impl Offer {
    pub fn in_stock(&self) -> bool {
        self.stock > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::new(lat, lon).unwrap()
    }

    #[test]
    fn radius_zone() {
        let zone = DeliveryZone::Radius { metres: 1000 };
        let store = p(55.75, 37.61);
        assert!(zone.contains(store, p(55.755, 37.61)));
        assert!(!zone.contains(store, p(55.77, 37.61)));
    }

    #[test]
    fn polygon_zone() {
        let square = DeliveryZone::Polygon(vec![p(55.0, 37.0), p(55.0, 38.0), p(56.0, 38.0), p(56.0, 37.0)]);
        let store = p(55.5, 37.5);
        assert!(square.contains(store, p(55.5, 37.9)));
        assert!(!square.contains(store, p(55.5, 38.1)));
        assert!(!square.contains(store, p(54.9, 37.5)));
    }
}
