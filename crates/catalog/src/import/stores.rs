//! The stores file: CSV with the header
//!
//! `id,name,address,lat,lon,delivery_radius_m,delivery_polygon,pickup,opening_hours,time_zone`
//!
//! - `delivery_radius_m`: metres around the store, or empty;
//! - `delivery_polygon`: a GeoJSON `Polygon` geometry or a bare ring
//!   `[[lon,lat],…]`, or empty (it wins over the radius);
//! - both empty: the store does not deliver;
//! - `pickup`: `true`/`false`;
//! - `opening_hours`: `Mo-Fr 08:00-22:00; Sa,Su 10:00-20:00` or `24/7`
//!   (default `Mo-Su 08:00-22:00`); delivery and pickup slots follow them;
//! - `time_zone`: IANA name (default `Europe/Moscow`).

use std::io::Read;

use domain::{GeoPoint, StoreId};

use super::Rejected;
use super::fields::{decimal, flag};
use crate::OpeningHours;
use crate::model::{DeliveryZone, Store};

const REQUIRED: [&str; 5] = ["id", "name", "address", "lat", "lon"];
/// For a row whose `opening_hours` is empty.
pub const DEFAULT_OPENING_HOURS: &str = "Mo-Su 08:00-22:00";
/// For a row whose `time_zone` is empty.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Moscow";

fn polygon(text: &str) -> Result<DeliveryZone, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("delivery_polygon: {e}"))?;
    let ring = match &value {
        serde_json::Value::Object(o) if o.get("type").and_then(|t| t.as_str()) == Some("Polygon") => {
            o.get("coordinates").and_then(|c| c.get(0)).cloned().unwrap_or_default()
        }
        other => other.clone(),
    };
    let points: Vec<[f64; 2]> =
        serde_json::from_value(ring).map_err(|_| "delivery_polygon: expected [[lon, lat], …]".to_owned())?;
    if points.len() < 3 {
        return Err("delivery_polygon needs at least 3 points".into());
    }
    let ring = points
        .into_iter()
        .map(|[lon, lat]| GeoPoint::new(lat, lon).map_err(|e| format!("delivery_polygon: {e}")))
        .collect::<Result<_, _>>()?;
    Ok(DeliveryZone::Polygon(ring))
}

fn store(get: &dyn Fn(&str) -> String) -> Result<Store, String> {
    let coordinate = |what: &str| -> Result<f64, String> {
        let text = get(what);
        text.trim().replace(',', ".").parse::<f64>().map_err(|_| format!("{what}: {text:?} is not a number"))
    };
    let location = GeoPoint::new(coordinate("lat")?, coordinate("lon")?).map_err(|e| e.to_string())?;
    let radius = get("delivery_radius_m");
    let zone_polygon = get("delivery_polygon");
    let delivery_zone = if !zone_polygon.trim().is_empty() {
        Some(polygon(&zone_polygon)?)
    } else if radius.trim().is_empty() {
        None
    } else {
        let metres = decimal("delivery_radius_m", &radius)?;
        let metres = u32::try_from(metres.round())
            .map_err(|_| format!("delivery_radius_m: {radius} is out of range"))?;
        Some(DeliveryZone::Radius { metres })
    };
    let name = get("name");
    if name.trim().is_empty() {
        return Err("name is empty".into());
    }
    let time_zone = match get("time_zone").trim() {
        "" => DEFAULT_TIME_ZONE.to_owned(),
        zone => crate::time_zone(zone).map(|_| zone.to_owned()).map_err(|e| format!("time_zone: {e}"))?,
    };
    let opening_hours = match get("opening_hours").trim() {
        "" => DEFAULT_OPENING_HOURS.to_owned(),
        hours => hours
            .parse::<OpeningHours>()
            .map(|_| hours.to_owned())
            .map_err(|e| format!("opening_hours: {e}"))?,
    };
    Ok(Store {
        id: StoreId::new(get("id").trim()).map_err(|e| format!("id: {e}"))?,
        name: name.trim().to_owned(),
        address: get("address").trim().to_owned(),
        location,
        delivery_zone,
        pickup: flag("pickup", &get("pickup"), false)?,
        opening_hours,
        time_zone,
    })
}

/// Every store of the file, and the rows rejected; `Err` when the file
/// cannot be read at all.
pub fn read_stores_csv<R: Read>(input: R) -> Result<(Vec<Store>, Vec<Rejected>), Rejected> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
    let header = reader.headers().map_err(|e| Rejected { line: 1, reason: e.to_string() })?.clone();
    if let Some(missing) = REQUIRED.iter().find(|c| !header.iter().any(|h| h == **c)) {
        return Err(Rejected { line: 1, reason: format!("the header has no column {missing:?}") });
    }
    let (mut stores, mut rejected) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| Rejected {
            line: e.position().map_or(0, csv::Position::line),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let get = |name: &str| {
            header.iter().position(|h| h == name).and_then(|i| record.get(i)).unwrap_or("").to_owned()
        };
        match store(&get) {
            Ok(s) if !seen.insert(s.id.clone()) => {
                rejected.push(Rejected { line, reason: format!("duplicate id {}", s.id) });
            }
            Ok(s) => stores.push(s),
            Err(reason) => rejected.push(Rejected { line, reason }),
        }
    }
    Ok((stores, rejected))
}
