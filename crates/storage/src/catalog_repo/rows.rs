//! The catalog's rows as the tables keep them, and their mapping to the
//! domain.

use catalog::stock::OfferStock;
use catalog::{DeliveryZone, Offer, Product, Store};
use diesel::prelude::*;
use domain::{Currency, Decimal, GeoPoint, Money, SkuId, StoreId};

use crate::StorageError;
use crate::rows::corrupt;
use crate::schema::{offer_removals, offers, products, stores};

#[derive(Queryable, Selectable, Insertable)]
// None is NULL, not DEFAULT: SQLite multi-row inserts need that.
#[diesel(table_name = stores, treat_none_as_default_value = false)]
pub(super) struct StoreRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) address: String,
    pub(super) lat: f64,
    pub(super) lon: f64,
    pub(super) delivery_radius_m: Option<i32>,
    pub(super) delivery_polygon: Option<String>,
    pub(super) pickup: bool,
    pub(super) opening_hours: String,
    pub(super) time_zone: String,
}

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
// None is NULL, not DEFAULT: SQLite multi-row inserts need that.
#[diesel(table_name = products, treat_none_as_default_value = false)]
pub(super) struct ProductRow {
    pub(super) sku: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) photo_url: String,
    pub(super) unit: String,
    pub(super) pack_quantity: Option<String>,
    pub(super) rating: Option<String>,
    pub(super) category: String,
    pub(super) brand: String,
    pub(super) barcode: Option<String>,
    pub(super) change_seq: i64,
    pub(super) vat: Option<String>,
}

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
// None is NULL, not DEFAULT: SQLite multi-row inserts need that.
#[diesel(table_name = offers, treat_none_as_default_value = false)]
pub(super) struct OfferRow {
    pub(super) sku: String,
    pub(super) store_id: String,
    pub(super) currency: String,
    pub(super) price_minor: i64,
    pub(super) old_price_minor: Option<i64>,
    pub(super) stock: i64,
    pub(super) delivery: bool,
    pub(super) pickup: bool,
    pub(super) seen_seq: i64,
    pub(super) shelf: i64,
    pub(super) shelf_as_of: Option<chrono::NaiveDateTime>,
    pub(super) held: i64,
    pub(super) sold_after: i64,
    pub(super) stock_txn: i64,
}

#[derive(QueryableByName)]
#[diesel(table_name = offer_removals)]
pub(super) struct RemovalRow {
    pub(super) change_seq: i64,
    pub(super) sku: String,
    pub(super) store_id: String,
}

impl StoreRow {
    pub(super) fn from_domain(s: &Store) -> Self {
        let (radius, polygon) = match &s.delivery_zone {
            None => (None, None),
            Some(DeliveryZone::Radius { metres }) => (Some(i32::try_from(*metres).unwrap_or(i32::MAX)), None),
            Some(DeliveryZone::Polygon(ring)) => {
                let coords: Vec<[f64; 2]> = ring.iter().map(|p| [p.lon(), p.lat()]).collect();
                (None, Some(serde_json::to_string(&coords).expect("numbers serialise")))
            }
        };
        StoreRow {
            id: s.id.to_string(),
            name: s.name.clone(),
            address: s.address.clone(),
            lat: s.location.lat(),
            lon: s.location.lon(),
            delivery_radius_m: radius,
            delivery_polygon: polygon,
            pickup: s.pickup,
            opening_hours: s.opening_hours.clone(),
            time_zone: s.time_zone.clone(),
        }
    }

    pub(super) fn into_domain(self) -> Result<Store, StorageError> {
        let point = |lat, lon| GeoPoint::new(lat, lon).map_err(|e| corrupt("stores location", e));
        let delivery_zone = match (self.delivery_radius_m, self.delivery_polygon) {
            (_, Some(json)) => {
                let coords: Vec<[f64; 2]> =
                    serde_json::from_str(&json).map_err(|e| corrupt("stores.delivery_polygon", e))?;
                Some(DeliveryZone::Polygon(
                    coords.into_iter().map(|[lon, lat]| point(lat, lon)).collect::<Result<_, _>>()?,
                ))
            }
            (Some(metres), None) => Some(DeliveryZone::Radius { metres: u32::try_from(metres).unwrap_or(0) }),
            (None, None) => None,
        };
        Ok(Store {
            id: StoreId::new(self.id).map_err(|e| corrupt("stores.id", e))?,
            name: self.name,
            address: self.address,
            location: point(self.lat, self.lon)?,
            delivery_zone,
            pickup: self.pickup,
            opening_hours: self.opening_hours,
            time_zone: self.time_zone,
        })
    }
}

impl ProductRow {
    pub(super) fn from_domain(p: &Product, change_seq: i64) -> Self {
        ProductRow {
            sku: p.sku.to_string(),
            name: p.name.clone(),
            description: p.description.clone(),
            photo_url: p.photo_url.clone(),
            unit: p.unit.as_str().to_owned(),
            pack_quantity: p.pack_quantity.map(|d| d.to_string()),
            rating: p.rating.map(|d| d.to_string()),
            category: p.category.clone(),
            brand: p.brand.clone(),
            barcode: p.barcode.clone(),
            change_seq,
            vat: p.vat.map(|v| v.as_str().to_owned()),
        }
    }

    pub(super) fn into_domain(self) -> Result<Product, StorageError> {
        let decimal = |what, text: Option<String>| {
            text.map(|t| t.parse::<Decimal>().map_err(|e| corrupt(what, e))).transpose()
        };
        Ok(Product {
            sku: SkuId::new(self.sku).map_err(|e| corrupt("products.sku", e))?,
            name: self.name,
            description: self.description,
            photo_url: self.photo_url,
            unit: self.unit.parse().map_err(|e| corrupt("products.unit", e))?,
            pack_quantity: decimal("products.pack_quantity", self.pack_quantity)?,
            rating: decimal("products.rating", self.rating)?,
            category: self.category,
            brand: self.brand,
            barcode: self.barcode,
            vat: self
                .vat
                .map(|v| domain::VatRate::parse(&v).ok_or_else(|| corrupt("products.vat", v)))
                .transpose()?,
        })
    }
}

impl OfferRow {
    /// `stock`: what the stock model makes of the feed's figure.
    pub(super) fn from_domain(o: &Offer, seen_seq: i64, stock: &OfferStock, stock_txn: i64) -> Self {
        OfferRow {
            seen_seq,
            shelf: stock.shelf.thousandths(),
            shelf_as_of: stock.as_of.map(|t| t.naive_utc()),
            held: stock.held.thousandths(),
            sold_after: stock.sold_after.thousandths(),
            stock_txn,
            sku: o.sku.to_string(),
            store_id: o.store.to_string(),
            currency: o.price.currency().code().to_owned(),
            price_minor: o.price.minor(),
            old_price_minor: o.old_price.map(Money::minor),
            stock: stock.available().whole_units(),
            delivery: o.delivery,
            pickup: o.pickup,
        }
    }

    pub(super) fn into_domain(self) -> Result<Offer, StorageError> {
        let currency: Currency = self.currency.parse().map_err(|e| corrupt("offers.currency", e))?;
        Ok(Offer {
            store: StoreId::new(self.store_id).map_err(|e| corrupt("offers.store_id", e))?,
            sku: SkuId::new(self.sku).map_err(|e| corrupt("offers.sku", e))?,
            price: Money::from_minor(self.price_minor, currency),
            old_price: self.old_price_minor.map(|m| Money::from_minor(m, currency)),
            stock: self.stock,
            delivery: self.delivery,
            pickup: self.pickup,
        })
    }
}
