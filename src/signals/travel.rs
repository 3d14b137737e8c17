//! `impossibleTravel`: the rule that judges the journey between two sign-ins
//! (`docs/contract.md#reason-codes`). The geometry it uses is [`crate::geo`].

use super::borders::bordering;
use crate::geo::distance_km;
use crate::policy::Travel;

/// One end of a journey: where and when a sign-in happened, in its country, and whether it came
/// through a trusted network of the policy (which suppresses the rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct End {
    /// Seconds since the epoch.
    pub at: i64,
    /// (latitude, longitude) in degrees.
    pub position: (f64, f64),
    /// ISO 3166-1 alpha-2 code, when known.
    pub country: Option<[u8; 2]>,
    /// Came through a trusted, VPN or cloud network of the policy.
    pub trusted: bool,
}

/// A journey the rule found impossible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Trip {
    /// Great-circle distance, km.
    pub km: f64,
    /// Elapsed time, seconds (at least one).
    pub seconds: i64,
    /// Speed it would take, km/h.
    pub kmh: f64,
}

/// Judges the journey between two sign-ins: impossible when it is longer than the policy's
/// minimum distance and faster than its speed, except between the same or bordering countries
/// and when either end is a trusted, VPN or cloud network of the policy.
pub(crate) fn judge(rule: &Travel, from: &End, to: &End) -> Option<Trip> {
    if from.trusted || to.trusted {
        return None;
    }
    if let (Some(a), Some(b)) = (from.country, to.country) {
        if a == b || bordering(a, b) {
            return None;
        }
    }
    let km = distance_km(from.position, to.position);
    if km < rule.min_distance_km {
        return None;
    }
    let seconds = to.at.saturating_sub(from.at).saturating_abs().max(1);
    let kmh = km / (seconds as f64 / 3_600.0);
    (kmh > rule.speed_kmh).then_some(Trip { km, seconds, kmh })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::*;

    const OSLO: (f64, f64) = (59.91, 10.75);
    const SYDNEY: (f64, f64) = (-33.87, 151.21);
    const NYC: (f64, f64) = (40.71, -74.01);
    const LONDON: (f64, f64) = (51.51, -0.13);

    fn end(at_h: f64, position: (f64, f64), country: &str) -> End {
        let b = country.as_bytes();
        End {
            at: (at_h * 3600.0) as i64,
            position,
            country: Some([b[0], b[1]]),
            trusted: false,
        }
    }

    #[test]
    fn cos_matches_the_platform_everywhere() {
        let mut x = -50.0;
        while x < 50.0 {
            assert!(
                (cos(x) - x.cos()).abs() < 1e-14,
                "{x}: {} vs {}",
                cos(x),
                x.cos()
            );
            x += 0.000_731;
        }
        assert_eq!(cos(0.0), 1.0);
        assert!(cos(f64::NAN).is_nan());
    }

    #[test]
    fn short_distances_keep_their_precision() {
        // 1 - cos θ cancels for tiny θ: a few metres must still come out as a few metres.
        let d = distance_km((59.91, 10.75), (59.91, 10.7501));
        assert!((d - 0.005_57).abs() < 0.000_1, "{d}");
        let d = distance_km((59.91, 10.75), (59.9101, 10.75));
        assert!((d - 0.011_1).abs() < 0.000_2, "{d}");
    }

    #[test]
    fn distances_match_known_routes() {
        let near = |got: f64, want: f64| (got - want).abs() < want * 0.01;
        assert!(near(distance_km(NYC, LONDON), 5_570.0));
        assert!(near(distance_km(OSLO, SYDNEY), 15_950.0));
        assert_eq!(distance_km(OSLO, OSLO), 0.0);
        assert!(near(distance_km((0.0, 179.9), (0.0, -179.9)), 22.2));
    }

    #[test]
    fn cells_are_about_ten_km_everywhere_and_round_trip() {
        for lat in [-89.95, -60.0, -33.87, 0.0, 0.04, 45.0, 59.91, 78.2, 90.0] {
            for lon in [-180.0, -74.01, 0.0, 10.75, 151.21, 179.99, 180.0] {
                let cell = Cell::from_degrees(lat, lon).unwrap();
                assert!(cell.is_valid(), "{cell:?}");
                let back = cell.center();
                assert!(
                    distance_km((lat, lon), back) < 8.0,
                    "{lat},{lon} -> {back:?}"
                );
                assert_eq!(Cell::from_degrees(back.0, back.1), Some(cell));
            }
        }
        // Neighbouring cells are about 11 km apart in both directions, at any latitude.
        for lat in [0.0, 45.0, 70.0] {
            let a = Cell::from_degrees(lat, 10.0).unwrap();
            let b = Cell {
                lon: a.lon + 1,
                ..a
            };
            let d = distance_km(a.center(), b.center());
            assert!((9.0..13.0).contains(&d), "{lat}: {d}");
        }
        assert_eq!(Cell::from_degrees(91.0, 0.0), None);
        assert_eq!(Cell::from_degrees(f64::NAN, 0.0), None);
        assert!(!Cell { lat: 0, lon: 3600 }.is_valid());
    }

    #[test]
    fn impossible_travel_rule() {
        let rule = Travel::default();
        // NYC → London in 2 h: ~2 800 km/h (held-out scenario 5).
        let trip = judge(&rule, &end(0.0, NYC, "US"), &end(2.0, LONDON, "GB")).unwrap();
        assert!((2_700.0..2_900.0).contains(&trip.kmh), "{trip:?}");
        // The same trip over 8 h is a flight.
        assert_eq!(
            judge(&rule, &end(0.0, NYC, "US"), &end(8.0, LONDON, "GB")),
            None
        );
        // Bordering countries (scenario 6) and the same country are never flagged.
        let nice = (43.70, 7.27);
        let brussels = (50.85, 4.35);
        assert_eq!(
            judge(&rule, &end(0.0, nice, "FR"), &end(0.5, brussels, "BE")),
            None
        );
        assert_eq!(
            judge(
                &rule,
                &end(0.0, NYC, "US"),
                &end(0.5, (34.05, -118.24), "US")
            ),
            None
        );
        // Under the minimum distance nothing is flagged, however fast.
        assert_eq!(
            judge(&rule, &end(0.0, OSLO, "NO"), &end(0.0, (59.0, 10.75), "SE")),
            None
        );
        // A trusted, VPN or cloud network at either end suppresses it (scenario 7).
        let mut vpn = end(2.0, LONDON, "GB");
        vpn.trusted = true;
        assert_eq!(judge(&rule, &end(0.0, NYC, "US"), &vpn), None);
        assert_eq!(judge(&rule, &vpn, &end(3.0, NYC, "US")), None);
        // Unknown countries: judged on distance and speed alone; order of the ends is irrelevant.
        let a = End {
            country: None,
            ..end(0.0, OSLO, "NO")
        };
        let b = end(2.0, SYDNEY, "AU");
        assert!(judge(&rule, &a, &b).is_some());
        assert!(judge(&rule, &b, &a).is_some());
    }
}
