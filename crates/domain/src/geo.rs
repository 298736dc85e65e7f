//! Points on the Earth and distances between them.

use std::fmt;

/// Mean Earth radius (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("latitude must be a number from -90 to 90, got {0}")]
    Latitude(f64),
    #[error("longitude must be a number from -180 to 180, got {0}")]
    Longitude(f64),
}

/// A validated WGS 84 coordinate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeoError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::Longitude(lon));
        }
        Ok(GeoPoint { lat, lon })
    }

    pub const fn lat(self) -> f64 {
        self.lat
    }

    pub const fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres (haversine). Good to about 0.5 %,
    /// which is far below what a delivery radius needs.
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let d_phi = (other.lat - self.lat).to_radians();
        let d_lambda = (other.lon - self.lon).to_radians();
        let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

impl fmt::Display for GeoPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6},{:.6}", self.lat, self.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_out_of_range_and_nan() {
        assert_eq!(GeoPoint::new(90.1, 0.0), Err(GeoError::Latitude(90.1)));
        assert_eq!(GeoPoint::new(0.0, -180.5), Err(GeoError::Longitude(-180.5)));
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        assert!(GeoPoint::new(0.0, f64::INFINITY).is_err());
        assert!(GeoPoint::new(-90.0, 180.0).is_ok());
    }

    #[test]
    fn moscow_to_saint_petersburg() {
        let red_square = GeoPoint::new(55.753_93, 37.620_795).unwrap();
        let palace_square = GeoPoint::new(59.939_095, 30.315_868).unwrap();
        let km = red_square.distance_m(palace_square) / 1000.0;
        assert!((632.0..636.0).contains(&km), "{km} km");
    }

    #[test]
    fn short_distances_are_metre_accurate() {
        // 0.001 degree of latitude is about 111 m everywhere.
        let a = GeoPoint::new(55.75, 37.61).unwrap();
        let b = GeoPoint::new(55.751, 37.61).unwrap();
        assert!((a.distance_m(b) - 111.2).abs() < 0.5);
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_bounded(
            lat1 in -90.0..=90.0_f64, lon1 in -180.0..=180.0_f64,
            lat2 in -90.0..=90.0_f64, lon2 in -180.0..=180.0_f64,
        ) {
            let a = GeoPoint::new(lat1, lon1).unwrap();
            let b = GeoPoint::new(lat2, lon2).unwrap();
            let d = a.distance_m(b);
            prop_assert!((d - b.distance_m(a)).abs() < 1e-6);
            prop_assert!((0.0..=std::f64::consts::PI * EARTH_RADIUS_M + 1.0).contains(&d));
            prop_assert!(a.distance_m(a) < 1e-6);
        }
    }
}
