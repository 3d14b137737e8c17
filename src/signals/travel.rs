//! `impossibleTravel`: the rule that judges the journey between two sign-ins
//! (`docs/contract.md#reason-codes`). The geometry it uses is [`crate::geo`].

use super::borders::bordering;
use crate::geo::distance_km;
use crate::policy::Travel;

/// One end of a journey: where and when a sign-in happened, in its country, and whether it came
/// through a trusted network of the policy that has a place (corporate egress). VPN and cloud
/// networks have no physical place: such a sign-in is never an end (the caller skips it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct End {
    /// Seconds since the epoch.
    pub at: i64,
    /// (latitude, longitude) in degrees.
    pub position: (f64, f64),
    /// ISO 3166-1 alpha-2 code, when known.
    pub country: Option<[u8; 2]>,
    /// Came through a trusted network of the policy with a place (corporate, or no kind given).
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

/// Judges the journey between two sign-ins on distance and time, everywhere (docs/contract.md#rules
/// "Travel"): impossible when it is at least the policy's `minDistanceKm` (the floor of
/// geolocation error) and faster than its `speedKmh`, inside one country too (a domestic relay
/// is the common adversary-in-the-middle case). Two things explain a short jump without an
/// attack, and suppress it only up to `borderToleranceKm`: ends in bordering countries (a border
/// crossing, or a mobile carrier egressing across the border) and a trusted corporate network
/// at either end (its egress is not where the user sits). Beyond that distance they change
/// nothing: New York → Mexico City or Hamburg → Vienna in half an hour is impossible travel.
pub(crate) fn judge(rule: &Travel, from: &End, to: &End) -> Option<Trip> {
    let km = distance_km(from.position, to.position);
    if km < rule.min_distance_km {
        return None;
    }
    if km <= rule.border_tolerance_km && explained_nearby(from, to) {
        return None;
    }
    let seconds = to.at.saturating_sub(from.at).saturating_abs().max(1);
    let kmh = km / (seconds as f64 / 3_600.0);
    (kmh > rule.speed_kmh).then_some(Trip { km, seconds, kmh })
}

/// Would a short jump between these ends be a border crossing or geolocation error: bordering
/// countries, or a trusted network with a place at either end?
fn explained_nearby(from: &End, to: &End) -> bool {
    let bordering = match (from.country, to.country) {
        (Some(a), Some(b)) => bordering(a, b),
        _ => false,
    };
    bordering || from.trusted || to.trusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::*;

    const OSLO: (f64, f64) = (59.91, 10.75);
    const SYDNEY: (f64, f64) = (-33.87, 151.21);
    const NYC: (f64, f64) = (40.71, -74.01);
    const LONDON: (f64, f64) = (51.51, -0.13);
    const LA: (f64, f64) = (34.05, -118.24);
    const MEXICO_CITY: (f64, f64) = (19.43, -99.13);
    const BERGEN: (f64, f64) = (60.39, 5.32);
    const STOCKHOLM: (f64, f64) = (59.33, 18.07);
    const STRASBOURG: (f64, f64) = (48.58, 7.75);
    const KEHL: (f64, f64) = (48.57, 7.82);
    const MUNICH: (f64, f64) = (48.14, 11.58);
    const NICE: (f64, f64) = (43.70, 7.27);
    const BRUSSELS: (f64, f64) = (50.85, 4.35);
    const HAMBURG: (f64, f64) = (53.55, 9.99);
    const VIENNA: (f64, f64) = (48.21, 16.37);
    const HONG_KONG: (f64, f64) = (22.32, 114.17);
    const SHENZHEN: (f64, f64) = (22.54, 114.06);
    const BEIJING: (f64, f64) = (39.90, 116.41);

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
        // Under the minimum distance nothing is flagged, however fast.
        assert_eq!(
            judge(&rule, &end(0.0, OSLO, "NO"), &end(0.0, (59.0, 10.75), "SE")),
            None
        );
        // Unknown countries: judged on distance and speed alone; order of the ends is irrelevant.
        let a = End {
            country: None,
            ..end(0.0, OSLO, "NO")
        };
        let b = end(2.0, SYDNEY, "AU");
        assert!(judge(&rule, &a, &b).is_some());
        assert!(judge(&rule, &b, &a).is_some());
    }

    #[test]
    fn inside_one_country_travel_is_judged_on_distance_and_time() {
        let rule = Travel::default();
        // New York → Los Angeles in 20 minutes: ~3 940 km, ~11 800 km/h.
        let trip = judge(&rule, &end(0.0, NYC, "US"), &end(1.0 / 3.0, LA, "US")).unwrap();
        assert!((3_900.0..3_980.0).contains(&trip.km), "{trip:?}");
        // Oslo → Bergen (~305 km) in 10 minutes: same country, no border to explain it.
        assert!(judge(&rule, &end(0.0, OSLO, "NO"), &end(1.0 / 6.0, BERGEN, "NO")).is_some());
        // The same flight over 6 h is a flight; a commute across a city is nothing.
        assert_eq!(
            judge(&rule, &end(0.0, NYC, "US"), &end(6.0, LA, "US")),
            None
        );
        assert_eq!(
            judge(
                &rule,
                &end(0.0, NYC, "US"),
                &end(0.1, (40.76, -73.98), "US")
            ),
            None
        );
    }

    #[test]
    fn bordering_countries_suppress_only_within_the_tolerance() {
        let rule = Travel::default();
        // Strasbourg → Kehl: a few km across the Rhine (under the minimum distance anyway).
        assert_eq!(
            judge(&rule, &end(0.0, STRASBOURG, "FR"), &end(0.5, KEHL, "DE")),
            None
        );
        // Nice → Brussels (~825 km) in 30 min: FR and BE border, but not within 500 km.
        assert!(judge(&rule, &end(0.0, NICE, "FR"), &end(0.5, BRUSSELS, "BE")).is_some());
        // Strasbourg → Munich (~290 km) in 10 min: bordering and within the tolerance.
        assert_eq!(
            judge(
                &rule,
                &end(0.0, STRASBOURG, "FR"),
                &end(1.0 / 6.0, MUNICH, "DE")
            ),
            None
        );
        // Oslo → Stockholm (~420 km): in 20 min a carrier egress across the border; in 5 h a
        // plausible journey either way.
        assert_eq!(
            judge(
                &rule,
                &end(0.0, OSLO, "NO"),
                &end(1.0 / 3.0, STOCKHOLM, "SE")
            ),
            None
        );
        assert_eq!(
            judge(&rule, &end(0.0, OSLO, "NO"), &end(5.0, STOCKHOLM, "SE")),
            None
        );
        // New York → Mexico City (~3 360 km) and Hamburg → Vienna (~740 km) in 20–30 min.
        let trip = judge(
            &rule,
            &end(0.0, NYC, "US"),
            &end(1.0 / 3.0, MEXICO_CITY, "MX"),
        )
        .unwrap();
        assert!((3_300.0..3_420.0).contains(&trip.km), "{trip:?}");
        let trip = judge(&rule, &end(0.0, HAMBURG, "DE"), &end(0.5, VIENNA, "AT")).unwrap();
        assert!((720.0..760.0).contains(&trip.km), "{trip:?}");
        // Hong Kong → Shenzhen (~27 km) is nothing; Hong Kong → Beijing (~1 970 km) in 30 min is.
        assert_eq!(
            judge(&rule, &end(0.0, HONG_KONG, "HK"), &end(0.1, SHENZHEN, "CN")),
            None
        );
        assert!(judge(&rule, &end(0.0, HONG_KONG, "HK"), &end(0.5, BEIJING, "CN")).is_some());
        // The tolerance is the policy's: at zero, bordering countries are judged like any other.
        let strict = Travel {
            border_tolerance_km: 0.0,
            ..Travel::default()
        };
        assert!(judge(
            &strict,
            &end(0.0, STRASBOURG, "FR"),
            &end(1.0 / 6.0, MUNICH, "DE")
        )
        .is_some());
    }

    #[test]
    fn a_trusted_network_with_a_place_suppresses_only_within_the_tolerance() {
        let rule = Travel::default();
        let trusted = |e: End| End { trusted: true, ..e };
        // A corporate egress in Stockholm for a user in Oslo, 20 minutes apart, either way round.
        let oslo = end(0.0, OSLO, "NO");
        let hq = trusted(end(1.0 / 3.0, STOCKHOLM, "SE"));
        assert_eq!(judge(&rule, &oslo, &hq), None);
        assert_eq!(
            judge(&rule, &trusted(oslo), &end(1.0 / 3.0, STOCKHOLM, "SE")),
            None
        );
        // Same country, within the tolerance: Oslo → the Bergen office.
        let bergen = trusted(end(1.0 / 6.0, BERGEN, "NO"));
        assert_eq!(judge(&rule, &oslo, &bergen), None);
        // Far away, the corporate network is a place like any other (docs/contract.md#rules narrows scenario 7:
        // only a VPN or cloud end, which has no place, suppresses at any distance).
        let london = trusted(end(2.0, LONDON, "GB"));
        assert!(judge(&rule, &end(0.0, NYC, "US"), &london).is_some());
        assert!(judge(&rule, &london, &end(3.0, NYC, "US")).is_some());
    }
}
