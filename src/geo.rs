//! Places on Earth: coarse grid cells of about 11 km (the only form in which a place is
//! remembered, `docs/contract.md#memory`) and great-circle distance. Geometry only: the rule
//! that judges a journey is `crate::signals::travel`.

/// Mean Earth radius (IUGG), km.
pub(crate) const EARTH_RADIUS_KM: f64 = 6_371.008_8;

/// Cells per full circle of latitude at the equator: 0.1° of longitude, about 11 km.
const EQUATOR_CELLS: f64 = 3_600.0;

/// A place rounded to a grid cell about 11 km on each side, anywhere on Earth: 0.1° of latitude
/// by a longitude step that widens toward the poles so that cells keep their size. This is the
/// only form in which the engine remembers where a sign-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    /// Latitude in tenths of a degree, -900..=900.
    pub lat: i16,
    /// Longitude cell index in the latitude row, 0..row_cells(lat).
    pub lon: u16,
}

impl Cell {
    /// The cell containing a position; `None` for coordinates that are not a place on Earth.
    pub(crate) fn from_degrees(lat: f64, lon: f64) -> Option<Cell> {
        // Ranges exclude NaN and infinities.
        if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
            return None;
        }
        let lat_t = (lat * 10.0).round().clamp(-900.0, 900.0) as i16;
        let n = row_cells(lat_t);
        let x = ((lon + 180.0) / 360.0 * f64::from(n)).round() as i64;
        let lon_i = u16::try_from(x.rem_euclid(i64::from(n))).ok()?;
        Some(Cell {
            lat: lat_t,
            lon: lon_i,
        })
    }

    /// Is this a cell `from_degrees` can produce (used when reading remembered state)?
    pub(crate) fn is_valid(self) -> bool {
        (-900..=900).contains(&self.lat) && self.lon < row_cells(self.lat)
    }

    /// The cell's centre, in degrees (latitude, longitude).
    pub(crate) fn center(self) -> (f64, f64) {
        let n = f64::from(row_cells(self.lat));
        let lon = f64::from(self.lon) * 360.0 / n - 180.0;
        (f64::from(self.lat) / 10.0, lon)
    }
}

/// Longitude cells in the latitude row `lat_t` (tenths of a degree): fewer toward the poles.
pub fn row_cells(lat_t: i16) -> u16 {
    let lat = (f64::from(lat_t) / 10.0).to_radians();
    (EQUATOR_CELLS * cos(lat)).round().clamp(1.0, EQUATOR_CELLS) as u16
}

/// Cosine from additions, multiplications and divisions only, which IEEE 754 defines exactly:
/// the same bits natively and in WebAssembly (a platform's `cos` may differ in the last bit,
/// and a cell index computed from it must not), and without the large argument reduction of a
/// general `cos` in the module. Accurate to about 1e-14 within ±50 radians (the callers pass
/// latitudes and their differences, within ±2π); reduced by `floor` rather than `%`, whose
/// `fmod` would bring 2 KB of 128-bit division into the module.
pub(crate) fn cos(x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, PI, TAU};
    // Fold onto [0, π/2]: cos is even, 2π-periodic, and cos(π - x) = -cos(x).
    let x = x.abs();
    let mut x = x - (x / TAU).floor() * TAU;
    if x > PI {
        x = TAU - x;
    }
    let (x, sign) = if x > FRAC_PI_2 {
        (PI - x, -1.0)
    } else {
        (x, 1.0)
    };
    // Taylor series to x^20: the first term left out is below 4e-15 at π/2.
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=10u32 {
        let n = f64::from(2 * k);
        term *= -x2 / (n * (n - 1.0));
        sum += term;
    }
    sign * sum
}

/// Great-circle distance in km between two (latitude, longitude) positions in degrees
/// (haversine formula, with sin²(θ/2) written as (1 - cos θ)/2).
pub(crate) fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dl = (b.1 - a.1).to_radians();
    let h = (1.0 - cos(p2 - p1)) / 2.0 + cos(p1) * cos(p2) * (1.0 - cos(dl)) / 2.0;
    2.0 * EARTH_RADIUS_KM * h.clamp(0.0, 1.0).sqrt().asin()
}
