//! Memory between calls (docs/contract.md#memory) through the JSON twins: state threaded from one decision into
//! the next request, the history signals it feeds, and the properties the issue asks for —
//! bounded size for any history, every single-character change detected, and adding a risk
//! signal never lowering a decision.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::{compile_policy_json, default_policy_json, Engine};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const OPTIONS: &str = r#"{"stateKey":"0123456789abcdef-test-key"}"#;
/// 2026-11-23T10:00:00Z
const T0: i64 = 1_795_428_000;
const OSLO: (f64, f64, &str, u32) = (59.91, 10.75, "NO", 2119);
const SYDNEY: (f64, f64, &str, u32) = (-33.87, 151.21, "AU", 1221);
const BERLIN: (f64, f64, &str, u32) = (52.52, 13.40, "DE", 3320);

fn engine() -> Engine {
    compile_policy_json(&default_policy_json(), OPTIONS).unwrap()
}

fn rfc3339(t: i64) -> String {
    factorgate::Timestamp(t).to_rfc3339()
}

/// A calm employee login at `t` from `place` on `device`, with a fresh password + TOTP.
fn login(t: i64, place: (f64, f64, &str, u32), device: &str) -> Value {
    json!({
        "user": {"id": "auth0|alice", "kind": "employee",
                 "factors": [{"type": "totp"}, {"type": "passkeySynced"}]},
        "session": {
            "ip": "198.51.100.7",
            "geo": {"lat": place.0, "lon": place.1, "country": place.2, "asn": place.3},
            "device": {"id": device, "managed": true, "compliant": true},
            "methods": [{"type": "password", "at": rfc3339(t - 120)},
                        {"type": "totp", "at": rfc3339(t - 60)}]
        },
        "app": {"id": "wiki"}
    })
}

fn with_state(mut req: Value, state: &Option<String>) -> Value {
    if let Some(s) = state {
        req["state"] = json!(s);
    }
    req
}

fn decide(e: &Engine, req: &Value, t: i64) -> Value {
    serde_json::from_str(&e.decide_login_json(&req.to_string(), t as f64 * 1000.0)).unwrap()
}

fn change(e: &Engine, req: &Value, t: i64) -> Value {
    serde_json::from_str(&e.assess_factor_change_json(&req.to_string(), t as f64 * 1000.0)).unwrap()
}

fn action(e: &Engine, req: &Value, t: i64) -> Value {
    serde_json::from_str(&e.assess_action_json(&req.to_string(), t as f64 * 1000.0)).unwrap()
}

fn reasons(d: &Value) -> BTreeSet<String> {
    d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

fn state_of(d: &Value) -> Option<String> {
    d["state"].as_str().map(String::from)
}

/// Signs in `n` times, a day apart, from the same place and device; returns the last decision.
fn calm_days(e: &Engine, n: usize) -> (Value, Option<String>, i64) {
    let mut state = None;
    let mut last = Value::Null;
    let mut t = T0;
    for _ in 0..n {
        t += 86_400;
        last = decide(e, &with_state(login(t, OSLO, "laptop"), &state), t);
        state = state_of(&last);
    }
    (last, state, t)
}

const NEW_OR_TRAVEL: [&str; 4] = ["newCountry", "newAsn", "newDevice", "impossibleTravel"];

#[test]
fn the_calm_user_gets_no_novelty_or_travel_reasons_and_the_state_stays_small() {
    let e = engine();
    let mut state = None;
    let mut t = T0;
    for day in 0..200 {
        t += 86_400 + (day % 7) * 600;
        let d = decide(&e, &with_state(login(t, OSLO, "laptop"), &state), t);
        assert_eq!(d["outcome"], "allow", "day {day}: {d}");
        let want = if day == 0 {
            set(&["appSensitivity", "stateMissing"])
        } else {
            set(&["appSensitivity"])
        };
        assert_eq!(reasons(&d), want, "day {day}");
        state = state_of(&d);
        assert!(state.is_some(), "every decision carries state");
    }
    let size = state.unwrap().len();
    println!("encoded state after 200 calm logins: {size} characters");
    assert!(size <= 2048);
}

#[test]
fn no_key_means_no_state_and_no_state_reason() {
    let e = compile_policy_json(&default_policy_json(), "").unwrap();
    let d = decide(&e, &login(T0, OSLO, "laptop"), T0);
    assert!(d.get("state").is_none());
    assert_eq!(reasons(&d), set(&["appSensitivity"]));
    // A state sent to an engine without a key is not read at all.
    let with_key = engine();
    let s = state_of(&decide(&with_key, &login(T0, OSLO, "laptop"), T0));
    let d = decide(&e, &with_state(login(T0 + 60, SYDNEY, "x"), &s), T0 + 60);
    assert_eq!(reasons(&d), set(&["appSensitivity"]));
}

#[test]
fn the_learning_period_then_novelty() {
    let e = engine();
    let mut state = None;
    let places = [OSLO, BERLIN, OSLO];
    for (i, place) in places.into_iter().enumerate() {
        let t = T0 + i as i64 * 86_400;
        let d = decide(
            &e,
            &with_state(login(t, place, &format!("d{i}")), &state),
            t,
        );
        let got = reasons(&d);
        for code in NEW_OR_TRAVEL {
            assert!(!got.contains(code), "login {i} is still learning: {got:?}");
        }
        state = state_of(&d);
    }
    // Three accepted logins learned (the default): a new country, network and device now count.
    let t = T0 + 5 * 86_400;
    let d = decide(&e, &with_state(login(t, SYDNEY, "d9"), &state), t);
    let got = reasons(&d);
    for code in ["newCountry", "newAsn", "newDevice"] {
        assert!(got.contains(code), "{code} missing: {got:?}");
    }
    assert!(
        !got.contains("impossibleTravel"),
        "two days is enough to fly"
    );
    // A known place and device are not new.
    let d = decide(
        &e,
        &with_state(login(t + 86_400, BERLIN, "d1"), &state),
        t + 86_400,
    );
    let got = reasons(&d);
    for code in NEW_OR_TRAVEL {
        assert!(!got.contains(code), "{got:?}");
    }
}

#[test]
fn impossible_travel_from_the_last_sign_in_and_its_aftermath() {
    let e = engine();
    let (_, state, t) = calm_days(&e, 5);
    let t1 = t + 2 * 3600;
    let d = decide(&e, &with_state(login(t1, SYDNEY, "laptop"), &state), t1);
    let got = reasons(&d);
    assert!(got.contains("impossibleTravel"), "{got:?}");
    let travel = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "impossibleTravel")
        .unwrap();
    let detail = travel["detail"].as_str().unwrap();
    assert!(detail.starts_with("NO → AU: 159"), "{detail}");
    assert_ne!(d["outcome"], "allow");
    // The risky sign-in taught nothing: back home an hour later is not travel from Sydney,
    // but the risky sign-in is recent.
    let s2 = state_of(&d);
    let t2 = t1 + 3600;
    let d = decide(&e, &with_state(login(t2, OSLO, "laptop"), &s2), t2);
    let got = reasons(&d);
    assert!(!got.contains("impossibleTravel"), "{got:?}");
    assert!(got.contains("recentRiskySignin"), "{got:?}");
    // Seven hours after the risky sign-in the window (6 h) has passed, and calm sign-ins in
    // between did not extend it.
    let s3 = state_of(&d);
    let t3 = t1 + 7 * 3600;
    let d = decide(&e, &with_state(login(t3, OSLO, "laptop"), &s3), t3);
    assert_eq!(reasons(&d), set(&["appSensitivity"]));
}

#[test]
fn persistence_a_factor_added_from_a_new_device_after_a_risky_sign_in() {
    let e = engine();
    let (_, state, t) = calm_days(&e, 5);
    // A sign-in from a new country and device, which the host also rates medium.
    let t1 = t + 86_400;
    let mut risky = login(t1, BERLIN, "attacker-pc");
    risky["session"]["hostRisk"] = json!({"level": "medium"});
    let d = decide(&e, &with_state(risky.clone(), &state), t1);
    assert!(reasons(&d).contains("newDevice"));
    let s = state_of(&d);
    // Ten minutes later, TOTP is added from that device.
    let t2 = t1 + 600;
    let mut req = with_state(login(t2, BERLIN, "attacker-pc"), &s);
    req["change"] = json!({"action": "enroll", "factor": {"type": "totp"}, "phase": "before"});
    let c = change(&e, &req, t2);
    let got = reasons(&c);
    for code in ["recentRiskySignin", "newDevice", "newCountry"] {
        assert!(got.contains(code), "{code}: {got:?}");
    }
    let outcome = c["outcome"].as_str().unwrap();
    assert!(outcome == "approval" || outcome == "deny", "{outcome}: {c}");
    let detail = c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "recentRiskySignin")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("persistence"), "{detail}");
    let classes: BTreeSet<u64> = c["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["class_uid"].as_u64().unwrap())
        .collect();
    assert!(
        classes.contains(&3001) && classes.contains(&2004),
        "{classes:?}"
    );
    // A factor change does not add to the history: the state comes back as it was.
    assert_eq!(state_of(&c), s);
    // The same change from the usual laptop at home is not the persistence pattern.
    let mut home = with_state(login(t2, OSLO, "laptop"), &s);
    home["change"] = json!({"action": "enroll", "factor": {"type": "totp"}, "phase": "before"});
    let c = change(&e, &home, t2);
    let got = reasons(&c);
    assert!(got.contains("recentRiskySignin"), "{got:?}");
    assert!(!got.contains("newDevice"), "{got:?}");
}

#[test]
fn tampered_foreign_and_missing_state() {
    let e = engine();
    let (_, state, t) = calm_days(&e, 3);
    let s = state.clone().unwrap();
    // Another user's state.
    let mut req = with_state(login(t + 60, OSLO, "laptop"), &state);
    req["user"]["id"] = json!("auth0|mallory");
    let d = decide(&e, &req, t + 60);
    assert!(reasons(&d).contains("stateTampered"));
    let detail = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "stateTampered")
        .unwrap()["detail"]
        .clone();
    assert!(
        detail.as_str().unwrap().contains("another user"),
        "{detail}"
    );
    assert_eq!(d["alerts"][0]["class_uid"], 2004);
    // The next state starts afresh, bound to the new user.
    let fresh = state_of(&d).unwrap();
    assert_ne!(fresh, s);
    // Missing state with a key: unknown, 0 points.
    let d = decide(&e, &login(t + 120, OSLO, "laptop"), t + 120);
    assert!(reasons(&d).contains("stateMissing"));
    assert_eq!(d["risk"]["score"], 0);
    // An empty string is no state, not a tampered one.
    let d = decide(
        &e,
        &with_state(login(t + 180, OSLO, "laptop"), &Some(String::new())),
        t + 180,
    );
    assert!(reasons(&d).contains("stateMissing"));
    // Tampered state on a factor change alerts too.
    let mut bad = s.clone().into_bytes();
    bad[10] = if bad[10] == b'A' { b'B' } else { b'A' };
    let mut req = with_state(
        login(t + 240, OSLO, "laptop"),
        &Some(String::from_utf8(bad).unwrap()),
    );
    req["change"] = json!({"action": "enroll", "factor": {"type": "webauthnRoaming"}});
    let c = change(&e, &req, t + 240);
    assert!(reasons(&c).contains("stateTampered"), "{c}");
    let classes: Vec<u64> = c["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["class_uid"].as_u64().unwrap())
        .collect();
    assert!(classes.contains(&2004), "{classes:?}");
}

#[test]
fn a_vpn_never_fires_and_a_corporate_network_suppresses_only_nearby() {
    let mut policy: Value = serde_json::from_str(&default_policy_json()).unwrap();
    policy["networks"]["trusted"] = json!([
        {"name": "corp-vpn", "kind": "vpn", "asns": [64500]},
        {"name": "hq", "kind": "corporate", "cidrs": ["203.0.113.0/24"]}
    ]);
    let e = compile_policy_json(&policy.to_string(), OPTIONS).unwrap();
    let mut state = None;
    let mut t = T0;
    for _ in 0..4 {
        t += 86_400;
        let d = decide(&e, &with_state(login(t, OSLO, "laptop"), &state), t);
        state = state_of(&d);
    }
    // Through the VPN from "Sydney" an hour later: no travel judged (a VPN egress has no
    // physical place, at any distance).
    let vpn = (SYDNEY.0, SYDNEY.1, SYDNEY.2, 64500);
    let d = decide(
        &e,
        &with_state(login(t + 3600, vpn, "laptop"), &state),
        t + 3600,
    );
    assert!(
        !reasons(&d).contains("impossibleTravel"),
        "{:?}",
        reasons(&d)
    );
    // From HQ's network in Stockholm 20 minutes later (~420 km, ~1 250 km/h): trusted and
    // within the border tolerance (its egress need not be where the user sits), suppressed.
    let mut hq = with_state(login(t + 1200, STOCKHOLM, "laptop"), &state);
    hq["session"]["ip"] = json!("203.0.113.50");
    let d = decide(&e, &hq, t + 1200);
    assert!(
        !reasons(&d).contains("impossibleTravel"),
        "{:?}",
        reasons(&d)
    );
    // From HQ's network geolocated in Sydney an hour later: a corporate network has a place,
    // and ~15 950 km is no geolocation error (docs/contract.md#rules narrows the old "suppressed" here).
    let mut hq = with_state(login(t + 3600, SYDNEY, "laptop"), &state);
    hq["session"]["ip"] = json!("203.0.113.50");
    let d = decide(&e, &hq, t + 3600);
    assert!(reasons(&d).contains("impossibleTravel"), "{d}");
    assert_eq!(d["requirement"]["phishingResistant"], true, "{d}");
    // Without either, it is impossible travel.
    let d = decide(
        &e,
        &with_state(login(t + 3600, SYDNEY, "laptop"), &state),
        t + 3600,
    );
    assert!(reasons(&d).contains("impossibleTravel"));
}

/// (latitude, longitude, country, ASN).
type Place = (f64, f64, &'static str, u32);

const NEW_YORK: (f64, f64, &str, u32) = (40.71, -74.01, "US", 701);
const LOS_ANGELES: (f64, f64, &str, u32) = (34.05, -118.24, "US", 7018);
const MEXICO_CITY: (f64, f64, &str, u32) = (19.43, -99.13, "MX", 8151);
const STRASBOURG: (f64, f64, &str, u32) = (48.58, 7.75, "FR", 3215);
const KEHL: (f64, f64, &str, u32) = (48.57, 7.82, "DE", 3320);
const OSLO_OFFICE: (f64, f64, &str, u32) = (59.83, 10.43, "NO", 12929);
const STOCKHOLM: (f64, f64, &str, u32) = (59.33, 18.07, "SE", 3301);
const BERGEN: (f64, f64, &str, u32) = (60.39, 5.32, "NO", 2119);
const HAMBURG: (f64, f64, &str, u32) = (53.55, 9.99, "DE", 3320);
const VIENNA: (f64, f64, &str, u32) = (48.21, 16.37, "AT", 8447);
const HONG_KONG: (f64, f64, &str, u32) = (22.32, 114.17, "HK", 4760);
const SHENZHEN: (f64, f64, &str, u32) = (22.54, 114.06, "CN", 4134);
const GUANGZHOU: (f64, f64, &str, u32) = (23.13, 113.26, "CN", 4134);

/// Two logins with the signed state: the first from `from`, the second `minutes` later from
/// `to` on a new, unmanaged device, both with a fresh password + TOTP, for a user with
/// `factors`. Returns the second decision (the first must be allowed).
fn journey(from: Place, to: Place, minutes: i64, factors: &Value) -> Value {
    let e = engine();
    let t0 = T0 + 86_400;
    let mut first = login(t0, from, "laptop");
    first["user"]["factors"] = factors.clone();
    let d = decide(&e, &first, t0);
    assert_eq!(d["outcome"], "allow", "{d}");
    let t1 = t0 + minutes * 60;
    let mut second = with_state(login(t1, to, "new-phone"), &state_of(&d));
    second["user"]["factors"] = factors.clone();
    second["session"]["device"] = json!({"id": "new-phone", "managed": false});
    decide(&e, &second, t1)
}

/// docs/contract.md#rules, "Travel": judged on distance and time everywhere, inside one country too; a
/// bordering country or a trusted corporate network suppresses only within
/// `borderToleranceKm` (500); impossible travel proved by password + TOTP needs a
/// phishing-resistant step-up where the user has such a factor.
#[test]
fn impossible_travel_inside_one_country_and_across_borders_by_distance_and_time() {
    let with_pr = json!([{"type": "totp"}, {"type": "passkeySynced"}]);
    let without_pr = json!([{"type": "totp"}]);
    #[rustfmt::skip]
    let cases: [(&str, Place, Place, i64, bool); 11] = [
        ("New York → Los Angeles, 20 min", NEW_YORK, LOS_ANGELES, 20, true),
        ("New York → Mexico City, 20 min (bordering, ~3 360 km)", NEW_YORK, MEXICO_CITY, 20, true),
        ("Hamburg → Vienna, 30 min (bordering, ~740 km)", HAMBURG, VIENNA, 30, true),
        ("Oslo → Bergen, 10 min (same country, ~305 km)", OSLO, BERGEN, 10, true),
        ("Oslo → Sydney, 2 h", OSLO, SYDNEY, 120, true),
        ("Strasbourg → Kehl, 30 min", STRASBOURG, KEHL, 30, false),
        ("Oslo → the office across town, 10 min", OSLO, OSLO_OFFICE, 10, false),
        ("Oslo → Stockholm, 5 h", OSLO, STOCKHOLM, 300, false),
        ("Oslo → Stockholm, 20 min (bordering, within the tolerance)", OSLO, STOCKHOLM, 20, false),
        ("Hong Kong → Shenzhen, 30 min", HONG_KONG, SHENZHEN, 30, false),
        ("Hong Kong → Guangzhou, 5 min (bordering, ~130 km)", HONG_KONG, GUANGZHOU, 5, false),
    ];
    for (name, from, to, minutes, fires) in cases {
        let d = journey(from, to, minutes, &with_pr);
        assert_eq!(
            reasons(&d).contains("impossibleTravel"),
            fires,
            "{name}: {d}"
        );
        if fires {
            // Password + TOTP is phishable; the user has a passkey: a phishing-resistant step-up.
            assert_eq!(d["outcome"], "stepUp", "{name}: {d}");
            assert_eq!(d["requirement"]["phishingResistant"], true, "{name}: {d}");
            assert_eq!(
                d["requirement"]["factors"],
                json!(["passkeySynced"]),
                "{name}"
            );
            assert_eq!(d["enrollmentAllowed"], false, "{name}: {d}");
        } else {
            assert_eq!(d["outcome"], "allow", "{name}: {d}");
        }
        // Without a phishing-resistant factor there is nothing stronger to ask for: the risk
        // rules decide (no enrollment on the risky sign-in), and no requirement asks for one.
        let d = journey(from, to, minutes, &without_pr);
        assert_eq!(
            reasons(&d).contains("impossibleTravel"),
            fires,
            "{name}: {d}"
        );
        assert_ne!(d["requirement"]["phishingResistant"], true, "{name}: {d}");
        if fires {
            assert_eq!(d["enrollmentAllowed"], false, "{name}: {d}");
        }
    }
}

#[test]
fn impossible_travel_proved_with_a_phishing_resistant_factor_is_allowed() {
    let e = engine();
    let t0 = T0 + 86_400;
    let d = decide(&e, &login(t0, NEW_YORK, "laptop"), t0);
    assert_eq!(d["outcome"], "allow", "{d}");
    let t1 = t0 + 20 * 60;
    let mut la = with_state(login(t1, LOS_ANGELES, "laptop"), &state_of(&d));
    la["session"]["methods"] = json!([{"type": "password", "at": rfc3339(t1 - 120)},
                                      {"type": "passkeySynced", "at": rfc3339(t1 - 60)}]);
    let d = decide(&e, &la, t1);
    assert!(reasons(&d).contains("impossibleTravel"), "{d}");
    assert_eq!(d["outcome"], "allow", "{d}");
}

/// The tolerance is the policy's: at 0 km a bordering country explains nothing; at 5 000 km
/// New York → Mexico City is explained (a policy may choose so), New York → Los Angeles is not.
#[test]
fn border_tolerance_is_read_from_the_policy() {
    let run = |tolerance: f64, to: Place, minutes: i64| {
        let mut policy: Value = serde_json::from_str(&default_policy_json()).unwrap();
        policy["signals"]["impossibleTravel"]["borderToleranceKm"] = json!(tolerance);
        let e = compile_policy_json(&policy.to_string(), OPTIONS).unwrap();
        let t0 = T0 + 86_400;
        let d = decide(&e, &login(t0, NEW_YORK, "laptop"), t0);
        let t1 = t0 + minutes * 60;
        let d = decide(&e, &with_state(login(t1, to, "laptop"), &state_of(&d)), t1);
        reasons(&d).contains("impossibleTravel")
    };
    assert!(run(500.0, MEXICO_CITY, 20));
    assert!(!run(5_000.0, MEXICO_CITY, 20));
    assert!(run(5_000.0, LOS_ANGELES, 20));
    let strict = |tolerance: f64| {
        let mut policy: Value = serde_json::from_str(&default_policy_json()).unwrap();
        policy["signals"]["impossibleTravel"]["borderToleranceKm"] = json!(tolerance);
        let e = compile_policy_json(&policy.to_string(), OPTIONS).unwrap();
        let t0 = T0 + 86_400;
        let d = decide(&e, &login(t0, OSLO, "laptop"), t0);
        let t1 = t0 + 20 * 60;
        let d = decide(
            &e,
            &with_state(login(t1, STOCKHOLM, "laptop"), &state_of(&d)),
            t1,
        );
        reasons(&d).contains("impossibleTravel")
    };
    assert!(!strict(500.0));
    assert!(strict(0.0));
    let mut bad: Value = serde_json::from_str(&default_policy_json()).unwrap();
    bad["signals"]["impossibleTravel"]["borderToleranceKm"] = json!(-1);
    assert!(compile_policy_json(&bad.to_string(), OPTIONS).is_err());
}

/// Base64url decoding for the privacy test (the engine's own codec is private).
fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = (acc << 6) | u32::from(val(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_raw_identifiers_in_the_state_in_any_encoding() {
    let e = engine();
    let mut req = login(T0, (59.913_868, 10.752_245, "NO", 2119), "device-7f3a9c");
    req["user"]["id"] = json!("auth0|pii-user-42");
    req["session"]["ip"] = json!("192.0.2.77");
    req["session"]["userAgent"] = json!("Mozilla/5.0 PII-Agent");
    let s = state_of(&decide(&e, &req, T0)).unwrap();
    let raw = b64(&s);
    let texts = [
        "auth0|pii-user-42",
        "pii-user",
        "device-7f3a9c",
        "192.0.2.77",
        "PII-Agent",
    ];
    for t in texts {
        assert!(
            !s.contains(t) && !contains(&raw, t.as_bytes()),
            "{t} in state"
        );
    }
    assert!(!contains(&raw, &[192, 0, 2, 77]), "binary IPv4 in state");
    for f in [59.913_868f64, 10.752_245] {
        assert!(!contains(&raw, &f.to_be_bytes()) && !contains(&raw, &f.to_le_bytes()));
        assert!(
            !contains(&raw, &(f as f32).to_be_bytes())
                && !contains(&raw, &(f as f32).to_le_bytes())
        );
    }
    // Fixed-point forms finer than the ~10 km cell are absent too (1e-3° and 1e-4° units).
    for scale in [1e3, 1e4, 1e5, 1e6] {
        let v = (59.913_868f64 * scale).round() as i32;
        assert!(
            !contains(&raw, &v.to_be_bytes()) && !contains(&raw, &v.to_le_bytes()),
            "{scale}"
        );
    }
}

/// Random sign-in for the size property: country, network, device, place and host risk vary.
fn arb_login() -> impl Strategy<Value = (u8, u32, u16, (f64, f64), u32, u8)> {
    (
        0u8..26,
        1u32..5000,
        0u16..400,
        (-89.0f64..89.0, -179.0f64..179.0),
        0u32..200_000,
        0u8..4,
    )
}

fn random_login(t: i64, l: &(u8, u32, u16, (f64, f64), u32, u8)) -> Value {
    let country = format!(
        "{}{}",
        char::from(b'A' + l.0),
        char::from(b'A' + (l.0 * 7) % 26)
    );
    let mut req = login(t, (l.3 .0, l.3 .1, "NO", l.1), &format!("device-{}", l.2));
    req["session"]["geo"]["country"] = json!(country);
    let level = ["low", "medium", "high", "critical"][usize::from(l.5)];
    req["session"]["hostRisk"] = json!({"level": level});
    req
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the history, the state stays within 2 KB.
    #[test]
    fn state_is_at_most_2_kb_for_any_history(logins in prop::collection::vec(arb_login(), 1..260)) {
        let e = engine();
        let mut state = None;
        let mut t = T0;
        for l in &logins {
            t += i64::from(l.4);
            let d = decide(&e, &with_state(random_login(t, l), &state), t);
            state = state_of(&d);
            let n = state.as_ref().map_or(0, String::len);
            prop_assert!(n > 0 && n <= 2048, "{} characters", n);
            prop_assert!(!reasons(&d).contains("stateTampered"));
        }
    }
}

fn sample_state() -> String {
    let e = engine();
    let mut state = None;
    let mut t = T0;
    for i in 0..40u16 {
        t += 3_000 + i64::from(i) * 97;
        let l = (
            (i % 5) as u8,
            u32::from(i % 3) + 100,
            i % 20,
            (10.0 + f64::from(i), 20.0),
            0,
            (i % 4) as u8,
        );
        state = state_of(&decide(&e, &with_state(random_login(t, &l), &state), t));
    }
    state.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any single-character change to a state is detected: the decision says `stateTampered`
    /// and raises a Detection Finding.
    #[test]
    fn any_single_character_change_is_detected(pos in 0usize..4096, c in any::<char>()) {
        let s = sample_state();
        let pos = pos % s.len();
        prop_assume!(s.as_bytes()[pos] as char != c);
        let mut changed = String::new();
        changed.push_str(s.get(..pos).unwrap());
        changed.push(c);
        changed.push_str(s.get(pos + 1..).unwrap());
        let e = engine();
        let t = T0 + 400 * 86_400;
        let req = with_state(login(t, OSLO, "laptop"), &Some(changed));
        let d = decide(&e, &req, t);
        // A change can only make the state blank if it turns it into whitespace, which it cannot.
        prop_assert!(reasons(&d).contains("stateTampered"), "{}", d);
        prop_assert_eq!(&d["alerts"][0]["class_uid"], &json!(2004));
    }
}

/// Severity of a decision: the outcome first (allow < enroll < stepUp < approval < deny: on a
/// calm login the engine offers enrollment, as risk rises it refuses enrollment and steps up
/// with what the user has, then denies); within the same outcome, the requirement (higher AAL,
/// phishing resistance, hardware binding, shorter maximum age are stricter). Returns whether
/// `b` is at least as severe as `a`, and why not.
fn at_least_as_severe(a: &Value, b: &Value) -> Result<(), String> {
    let rank = |d: &Value| match d["outcome"].as_str().unwrap() {
        "allow" => 0,
        "enroll" => 1,
        "stepUp" => 2,
        "approval" => 3,
        "deny" => 4,
        other => panic!("outcome {other}"),
    };
    let score = |d: &Value| d["risk"]["score"].as_u64().unwrap();
    if score(b) < score(a) {
        return Err(format!("score fell from {} to {}", score(a), score(b)));
    }
    match rank(b).cmp(&rank(a)) {
        std::cmp::Ordering::Greater => Ok(()),
        std::cmp::Ordering::Less => Err(format!(
            "outcome fell from {} to {}",
            a["outcome"], b["outcome"]
        )),
        std::cmp::Ordering::Equal => {
            let (ra, rb) = (&a["requirement"], &b["requirement"]);
            if ra.is_null() || rb.is_null() {
                return Ok(());
            }
            let n = |r: &Value, k: &str| r[k].as_u64().unwrap();
            let f = |r: &Value, k: &str| r[k].as_bool().unwrap();
            let stricter_or_same = n(rb, "minAal") >= n(ra, "minAal")
                && f(rb, "phishingResistant") >= f(ra, "phishingResistant")
                && f(rb, "hardwareBound") >= f(ra, "hardwareBound")
                && n(rb, "maxAgeS") <= n(ra, "maxAgeS");
            if stricter_or_same {
                Ok(())
            } else {
                Err(format!("requirement fell from {ra} to {rb}"))
            }
        }
    }
}

const FACTORS: [&str; 8] = [
    "webauthnRoaming",
    "passkeySynced",
    "totp",
    "push",
    "sms",
    "email",
    "recoveryCode",
    "piv",
];
const HOST_SIGNALS: [&str; 8] = [
    "impossibleTravel",
    "newDevice",
    "newCountry",
    "newAsn",
    "untrustedIp",
    "simSwap",
    "pushFatigue",
    "userReportedSuspicious",
];

/// One risk signal to add to a request.
#[derive(Debug, Clone)]
enum Extra {
    HostSignal(usize),
    HostLevel(&'static str),
    HostConfidenceLow,
    SimSwapFlag,
    ReportedFlag,
    Pushes,
    PasswordReset,
    Recovered,
    Dormant,
    SharedDevice,
    UnmanagedDevice,
    RiskyHistory,
    DelegatedChangeHistory,
}

fn arb_extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        (0..HOST_SIGNALS.len()).prop_map(Extra::HostSignal),
        Just(Extra::HostLevel("medium")),
        Just(Extra::HostLevel("high")),
        Just(Extra::HostConfidenceLow),
        Just(Extra::SimSwapFlag),
        Just(Extra::ReportedFlag),
        Just(Extra::Pushes),
        Just(Extra::PasswordReset),
        Just(Extra::Recovered),
        Just(Extra::Dormant),
        Just(Extra::SharedDevice),
        Just(Extra::UnmanagedDevice),
        Just(Extra::RiskyHistory),
        Just(Extra::DelegatedChangeHistory),
    ]
}

#[derive(Debug, Clone)]
struct Base {
    factors: Vec<usize>,
    methods: Vec<(usize, i64)>,
    app: &'static str,
    kind: &'static str,
    admin: bool,
    managed: Option<bool>,
    host: Vec<usize>,
    with_history: bool,
    change: Option<(&'static str, usize)>,
    action: Option<(&'static str, bool, bool)>,
}

fn arb_base() -> impl Strategy<Value = Base> {
    (
        prop::collection::vec(0..FACTORS.len(), 0..4),
        prop::collection::vec(
            (
                0..FACTORS.len() + 1,
                prop_oneof![Just(60i64), Just(1_800), Just(10_800)],
            ),
            0..3,
        ),
        prop_oneof![Just("low"), Just("medium"), Just("high"), Just("critical")],
        prop_oneof![Just("employee"), Just("contractor"), Just("customer")],
        any::<bool>(),
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
        prop::collection::vec(0..HOST_SIGNALS.len(), 0..2),
        any::<bool>(),
        prop_oneof![
            Just(None),
            (
                prop_oneof![
                    Just("enroll"),
                    Just("remove"),
                    Just("replace"),
                    Just("recoveryChange"),
                    Just("phoneChange")
                ],
                0..FACTORS.len()
            )
                .prop_map(Some),
        ],
        prop::option::of((
            prop_oneof![
                Just("secretRead"),
                Just("credentialAdd"),
                Just("roleGrant"),
                Just("oauthConsent")
            ],
            any::<bool>(),
            any::<bool>(),
        )),
    )
        .prop_map(
            |(factors, methods, app, kind, admin, managed, host, with_history, change, action)| {
                Base {
                    factors,
                    methods,
                    app,
                    kind,
                    admin,
                    managed,
                    host,
                    with_history,
                    // A request is a factor change or an action, not both.
                    action: action.filter(|_| change.is_none()),
                    change,
                }
            },
        )
}

/// States for the monotonicity property: a calm history, the same history followed by a risky
/// sign-in an hour before the decision (from the same place and device), and the calm history
/// followed by a factor change the help desk made two hours before (a risky link of an action's
/// chain).
struct Histories {
    calm: String,
    risky: String,
    delegated: String,
    t: i64,
}

fn histories(e: &Engine) -> Histories {
    let (_, calm, t) = calm_days(e, 5);
    let t1 = t + 86_400;
    let mut risky = login(t1 - 3600, OSLO, "laptop");
    risky["session"]["hostRisk"] = json!({"level": "high"});
    let risky_state = state_of(&decide(e, &with_state(risky, &calm), t1 - 3600)).unwrap();
    let mut reset = with_state(login(t1 - 7200, OSLO, "laptop"), &calm);
    reset["change"] = json!({"action": "enroll", "factor": {"type": "totp"},
                             "actor": {"kind": "helpdesk", "id": "hd-1", "ticket": "INC-1"}});
    let c = change(e, &reset, t1 - 7200);
    assert_eq!(c["outcome"], "allow", "{c}");
    Histories {
        calm: calm.unwrap(),
        risky: risky_state,
        delegated: state_of(&c).unwrap(),
        t: t1,
    }
}

fn build(base: &Base, extra: Option<&Extra>, states: &Histories) -> Value {
    let t = states.t;
    let mut req = login(t, OSLO, "laptop");
    let factors: Vec<Value> = base
        .factors
        .iter()
        .map(|i| json!({"type": FACTORS[*i]}))
        .collect();
    req["user"]["factors"] = json!(factors);
    req["user"]["kind"] = json!(base.kind);
    req["user"]["lastLoginAt"] = json!(rfc3339(t - 86_400));
    req["user"]["createdAt"] = json!(rfc3339(t - 400 * 86_400));
    if base.admin {
        req["user"]["roles"] = json!(["payroll-admin"]);
    }
    let methods: Vec<Value> = base
        .methods
        .iter()
        .map(|(i, ago)| {
            let kind = FACTORS.get(*i).copied().unwrap_or("password");
            json!({"type": kind, "at": rfc3339(t - ago)})
        })
        .collect();
    req["session"]["methods"] = json!(methods);
    req["session"]["device"] = match base.managed {
        Some(m) => json!({"id": "laptop", "managed": m, "compliant": m}),
        None => json!({"id": "laptop"}),
    };
    req["app"] = json!({"id": "app", "sensitivity": base.app});
    let host: Vec<&str> = base.host.iter().map(|i| HOST_SIGNALS[*i]).collect();
    req["session"]["hostRisk"] = json!({"signals": host});
    if base.with_history {
        req["state"] = json!(states.calm);
    }
    if let Some((kind, privileged, after)) = base.action {
        let phase = if after { "after" } else { "before" };
        req["action"] = json!({"type": kind, "phase": phase,
                               "target": {"kind": "servicePrincipal", "id": "sp-1", "privileged": privileged}});
    }
    if let Some((action, f)) = base.change {
        let factor = FACTORS[f];
        req["change"] = match action {
            "replace" => {
                json!({"action": action, "factor": {"type": factor}, "replaces": {"type": "totp"}})
            }
            _ => json!({"action": action, "factor": {"type": factor}}),
        };
    }
    match extra {
        None => {}
        Some(Extra::HostSignal(i)) => {
            req["session"]["hostRisk"]["signals"]
                .as_array_mut()
                .unwrap()
                .push(json!(HOST_SIGNALS[*i]));
        }
        Some(Extra::HostLevel(l)) => req["session"]["hostRisk"]["level"] = json!(l),
        Some(Extra::HostConfidenceLow) => req["session"]["hostRisk"]["confidence"] = json!("low"),
        Some(Extra::SimSwapFlag) => req["user"]["flags"] = json!({"simSwap": true}),
        Some(Extra::ReportedFlag) => req["user"]["flags"] = json!({"reportedSuspicious": true}),
        Some(Extra::Pushes) => req["session"]["pushes"] = json!({"denied": 6, "windowS": 300}),
        Some(Extra::PasswordReset) => req["user"]["passwordChangedAt"] = json!(rfc3339(t - 3600)),
        Some(Extra::Recovered) => req["user"]["recoveredAt"] = json!(rfc3339(t - 3600)),
        Some(Extra::Dormant) => req["user"]["lastLoginAt"] = json!(rfc3339(t - 200 * 86_400)),
        Some(Extra::SharedDevice) => req["session"]["device"]["shared"] = json!(true),
        Some(Extra::UnmanagedDevice) if base.managed == Some(true) => {
            req["session"]["device"]["managed"] = json!(false);
        }
        Some(Extra::RiskyHistory) if base.with_history => req["state"] = json!(states.risky),
        Some(Extra::DelegatedChangeHistory) if base.with_history => {
            req["state"] = json!(states.delegated);
        }
        Some(Extra::UnmanagedDevice | Extra::RiskyHistory | Extra::DelegatedChangeHistory) => {}
    }
    req
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Adding a risk signal never lowers the decision: not its score, not its outcome, and for
    /// the same outcome not its requirement; for a login, a factor change and a privileged
    /// action (whose chain is one more signal: a risky sign-in, a help-desk change before it).
    #[test]
    fn adding_a_risk_signal_never_lowers_the_outcome(base in arb_base(), extra in arb_extra()) {
        let e = engine();
        let states = histories(&e);
        let t = states.t;
        let before = build(&base, None, &states);
        let after = build(&base, Some(&extra), &states);
        let run = |req: &Value| match (base.change.is_some(), base.action.is_some()) {
            (true, _) => change(&e, req, t),
            (false, true) => action(&e, req, t),
            _ => decide(&e, req, t),
        };
        let (a, b) = (run(&before), run(&after));
        prop_assert_eq!(&a["type"], "decision", "{}", a);
        prop_assert_eq!(&b["type"], "decision", "{}", b);
        if let Err(why) = at_least_as_severe(&a, &b) {
            prop_assert!(false, "{:?} lowered the decision: {}\nbefore: {}\nafter: {}", extra, why, a, b);
        }
    }
}

/// Decision time with a full state (`cargo test --release --test state -- --ignored --nocapture`):
/// 200 daily sign-ins from 40 devices and 26 countries fill every list; the timed sign-in is
/// a calm one from a known place and device, so that only the state's cost differs.
#[test]
#[ignore = "timing; run in release and read the numbers"]
fn timing_with_a_full_state() {
    let e = engine();
    let mut state = None;
    let mut t = T0;
    for i in 0..200u32 {
        t += 86_400;
        let req = if i % 4 == 0 || i == 199 {
            login(t, OSLO, "laptop")
        } else {
            let l = (
                (i % 26) as u8,
                1000 + i,
                (i % 40) as u16,
                (f64::from(i % 80) - 40.0, f64::from(i % 300) - 150.0),
                0,
                0,
            );
            let mut req = random_login(t, &l);
            req["session"]["hostRisk"] = json!({});
            req
        };
        state = state_of(&decide(&e, &with_state(req, &state), t));
    }
    let full = state.clone().unwrap();
    println!(
        "encoded state after 200 varied logins: {} characters (largest possible: {})",
        full.len(),
        factorgate::internals::MAX_ENCODED_LEN
    );
    let t = t + 3_600;
    let calm = login(t, OSLO, "laptop");
    let with_full = with_state(calm.clone(), &state);
    let d = decide(&e, &with_full, t);
    assert_eq!(reasons(&d), set(&["appSensitivity"]), "{d}");
    let (with_full, without) = (with_full.to_string(), calm.to_string());
    let no_key = compile_policy_json(&default_policy_json(), "").unwrap();
    let time = |engine: &Engine, req: &str| {
        let n = 20_000;
        for _ in 0..2_000 {
            std::hint::black_box(engine.decide_login_json(req, t as f64 * 1000.0));
        }
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let start = std::time::Instant::now();
            std::hint::black_box(
                engine.decide_login_json(std::hint::black_box(req), t as f64 * 1000.0),
            );
            samples.push(start.elapsed().as_nanos());
        }
        samples.sort_unstable();
        (
            samples[n / 2] as f64 / 1000.0,
            samples[n * 99 / 100] as f64 / 1000.0,
        )
    };
    let (p50, p99) = time(&e, &with_full);
    println!("calm login, full state:          p50 {p50:.1} µs, p99 {p99:.1} µs");
    let (p50, p99) = time(&e, &without);
    println!("calm login, key but no state:    p50 {p50:.1} µs, p99 {p99:.1} µs");
    let (p50, p99) = time(&no_key, &without);
    println!("calm login, engine without key:  p50 {p50:.1} µs, p99 {p99:.1} µs");
}

/// An admin's credentialAdd at `t` with a fresh security key.
fn credential_add(t: i64, state: &Option<String>) -> Value {
    let mut req = with_state(login(t, OSLO, "laptop"), state);
    req["user"]["roles"] = json!(["admin"]);
    req["user"]["factors"] = json!([{"type": "webauthnRoaming"}, {"type": "totp"}]);
    req["session"]["methods"] = json!([{"type": "password", "at": rfc3339(t - 90)},
                                       {"type": "webauthnRoaming", "at": rfc3339(t - 60)}]);
    req["action"] =
        json!({"type": "credentialAdd", "target": {"kind": "servicePrincipal", "id": "sp-1"}});
    req
}

/// The chain at, inside and beyond each of its windows, whatever the policy sets them to: a link
/// a second before the end of its window and at its end is named, a second after it is not, and
/// a window of 0 names none. Each link at each window: a factor change (`recentFactorChangeS`),
/// a recovery the host reports (`recentRecoveryS`), a risky sign-in (`recentRiskySigninS`).
#[test]
fn the_chain_at_inside_and_beyond_each_window() {
    let links: [(&str, &str); 3] = [
        ("recentFactorChangeS", "recentFactorChange"),
        ("recentRecoveryS", "recentRecovery"),
        ("recentRiskySigninS", "recentRiskySignin"),
    ];
    for (window_field, code) in links {
        for window in [0i64, 60, 3_600, 86_400, 30 * 86_400] {
            let mut policy: Value = serde_json::from_str(&default_policy_json()).unwrap();
            policy["actions"][window_field] = json!(window);
            let e = compile_policy_json(&policy.to_string(), OPTIONS).unwrap();
            // The link happens at t0 (a whole minute: sign-ins are remembered by the minute).
            let t0 = T0 + 86_400;
            let mut state = state_of(&decide(&e, &login(t0 - 600, OSLO, "laptop"), t0 - 600));
            let mut recovered_at = None;
            match code {
                "recentFactorChange" => {
                    let mut req = with_state(login(t0, OSLO, "laptop"), &state);
                    req["change"] =
                        json!({"action": "enroll", "factor": {"type": "webauthnRoaming"}});
                    let c = change(&e, &req, t0);
                    assert_eq!(c["outcome"], "allow", "{c}");
                    state = state_of(&c);
                }
                "recentRecovery" => recovered_at = Some(rfc3339(t0)),
                _ => {
                    let mut risky = with_state(login(t0, OSLO, "laptop"), &state);
                    risky["session"]["hostRisk"] = json!({"level": "high"});
                    state = state_of(&decide(&e, &risky, t0));
                }
            }
            let ages = [(window - 1).max(0), window, window + 1];
            for (age, named) in ages.into_iter().zip([window > 0, window > 0, false]) {
                let t = t0 + age;
                let mut req = credential_add(t, &state);
                if let Some(at) = &recovered_at {
                    req["user"]["recoveredAt"] = json!(at);
                }
                let d = action(&e, &req, t);
                assert_eq!(
                    reasons(&d).contains(code),
                    named,
                    "{code} with a window of {window} s, {age} s after: {d}"
                );
            }
        }
    }
}

/// A version-2 state written by the previous engine through its JSON API (key
/// `0123456789abcdef-test-key`, user `auth0|alice`): four daily sign-ins from Oslo on the
/// laptop, then an allowed recovery at [`GOLDEN_V2_RECOVERED`]. This engine reads its history,
/// keeps the recovery's restriction window, and names the recovery in an action's chain.
const GOLDEN_V2: &str = "Ak_6zvSpl5INAAQABAAEAAQAAAAAAAQBAQHIn3hOTwAACEcCVwO8d0l6TjAByKUYTk8AAAhHAlcDvHdJek4wAciquE5PAAAIRwJXA7x3SXpOMAHIsFhOTwAACEcCVwO8d0l6TjB3SXpOz9Z7X1EwTk8AAAhHUTAByLCUAIkoDihGjHGgh9X15kYfes5gw0z1a8EAxn2-SXAoQX5u";
const GOLDEN_V2_RECOVERED: i64 = 1_795_777_200;

#[test]
fn a_version_2_state_of_the_previous_engine_still_loads() {
    let e = engine();
    let t = GOLDEN_V2_RECOVERED + 3_600;
    let golden = Some(GOLDEN_V2.to_string());
    let user = |mut req: Value| {
        req["user"]["factors"] =
            json!([{"id": "totp-1", "type": "totp"}, {"id": "push-1", "type": "push"}]);
        req
    };
    // The laptop and Oslo are known; nothing is tampered or missing.
    let d = decide(&e, &user(with_state(login(t, OSLO, "laptop"), &golden)), t);
    assert_eq!(reasons(&d), set(&["appSensitivity"]), "{d}");
    let next = state_of(&d).unwrap();
    assert!(
        next.starts_with('B') && next != GOLDEN_V2,
        "written again in version 4"
    );
    // Four sign-ins learned: a new device is new.
    let d = decide(&e, &user(with_state(login(t, OSLO, "phone"), &golden)), t);
    assert!(reasons(&d).contains("newDevice"), "{d}");
    // The recovery's restriction window holds a removal.
    let mut remove = user(with_state(login(t, OSLO, "laptop"), &golden));
    remove["change"] = json!({"action": "remove", "factor": {"id": "push-1", "type": "push"}});
    let c = change(&e, &remove, t);
    assert!(reasons(&c).contains("recoveryRestricted"), "{c}");
    assert_eq!(c["outcome"], "approval", "{c}");
    // And a privileged action, proved with the platform authenticator bound at the recovery,
    // names it in its chain.
    let mut token = user(with_state(login(t, OSLO, "laptop"), &golden));
    token["user"]["factors"] =
        json!([{"id": "push-1", "type": "push"}, {"id": "plat-1", "type": "webauthnPlatform"}]);
    token["session"]["methods"] = json!([{"type": "password", "at": rfc3339(t - 90)},
                                         {"type": "webauthnPlatform", "at": rfc3339(t - 60)}]);
    token["action"] = json!({"type": "apiTokenCreate", "target": {"kind": "apiToken", "id": "ci"}});
    let a = action(&e, &token, t);
    assert!(reasons(&a).contains("recentRecovery"), "{a}");
    assert_eq!(a["outcome"], "approval", "{a}");
}

/// docs/contract.md#budgets: a full history of sign-ins and changes through the engine: 40
/// sign-ins from 20 devices and 20 networks in sessions of their own, a privileged user, 12
/// factor changes. Every list at its cap; the state within its bound and 2 KB.
#[test]
fn a_full_history_of_sign_ins_and_changes_stays_within_2_kb() {
    let e = engine();
    let mut state = None;
    let mut t = T0;
    for i in 0..40u32 {
        t += 86_400;
        let place = (
            59.0 + f64::from(i % 20) * 0.5,
            10.0 + f64::from(i % 20),
            "NO",
            2_000 + i % 20,
        );
        let mut req = with_state(login(t, place, &format!("device-{}", i % 20)), &state);
        req["user"]["roles"] = json!(["admin"]);
        req["user"]["factors"] = json!([{"type": "webauthnRoaming"}, {"type": "totp"}]);
        req["session"]["id"] = json!(format!("session-{i}"));
        req["session"]["country"] = json!(["NO", "SE", "DK", "FI"][i as usize % 4]);
        req["session"]["methods"] = json!([{"type": "password", "at": rfc3339(t - 90)},
                                           {"type": "webauthnRoaming", "at": rfc3339(t - 60)}]);
        state = state_of(&decide(&e, &req, t));
        if i % 3 == 0 {
            let mut c = req.clone();
            c["state"] = json!(state);
            c["change"] = json!({"action": "enroll", "factor": {"type": "webauthnRoaming", "id": format!("k{i}")}});
            let d = change(&e, &c, t + 60);
            assert_eq!(d["outcome"], "allow", "{d}");
            state = state_of(&d);
        }
    }
    let n = state.unwrap().len();
    println!(
        "state with a full history of sign-ins and changes: {n} characters (largest possible: {})",
        factorgate::internals::MAX_ENCODED_LEN
    );
    assert!(n <= factorgate::internals::MAX_ENCODED_LEN);
    // Short of the largest state (622 bytes): the used grants (none here: 1 + 4 × 12), the last
    // recovery (4) and the HMAC devices (2, none from a fresh state), 567 bytes, 756 characters of
    // base64url.
    assert_eq!(factorgate::internals::MAX_ENCODED_LEN, 830);
    assert_eq!(n, 756);
}

/// Key rotation through the JSON API, every key position: a state signed by an engine on key
/// *k* is read by one compiled with a new `stateKey` and *k* anywhere in `previousStateKeys`
/// (its history kept), and the state that comes back is signed under the new key (an engine
/// with the new key alone reads it); without *k* listed it is `stateTampered`.
#[test]
fn rotation_reads_a_state_under_a_key_at_every_position() {
    let secret = |i: usize| format!("rotation-key-{i:02}-0123456789");
    let current = "rotation-key-current-0123456789";
    for n in 1..=8 {
        let previous: Vec<String> = (0..n).map(secret).collect();
        let rotated = compile_policy_json(
            &default_policy_json(),
            &json!({"stateKey": current, "previousStateKeys": previous}).to_string(),
        )
        .unwrap();
        let alone = compile_policy_json(
            &default_policy_json(),
            &json!({"stateKey": current}).to_string(),
        )
        .unwrap();
        for (position, old) in previous.iter().enumerate() {
            let before = compile_policy_json(
                &default_policy_json(),
                &json!({"stateKey": old}).to_string(),
            )
            .unwrap();
            let mut state = None;
            let mut t = T0;
            for _ in 0..4 {
                t += 86_400;
                state = state_of(&decide(
                    &before,
                    &with_state(login(t, OSLO, "laptop"), &state),
                    t,
                ));
            }
            t += 3_600;
            let d = decide(&rotated, &with_state(login(t, OSLO, "laptop"), &state), t);
            assert_eq!(
                reasons(&d),
                set(&["appSensitivity"]),
                "{n} keys, position {position}: {d}"
            );
            let d = decide(
                &alone,
                &with_state(login(t + 60, OSLO, "phone"), &state_of(&d)),
                t + 60,
            );
            assert_eq!(
                reasons(&d),
                set(&["appSensitivity", "newDevice"]),
                "{n} keys, position {position}: {d}"
            );
            // Not listed: tampered, as any other key's.
            let d = decide(&alone, &with_state(login(t, OSLO, "laptop"), &state), t);
            assert!(reasons(&d).contains("stateTampered"), "{d}");
        }
    }
}

/// A factor change made right after a recovery (the host's `recoveredAt` within
/// `signals.recentRecoveryS`) is remembered as made through one: a risky link that holds a
/// privileged action after it, even once the recovery itself is out of the action's window. The
/// same change without the recovery is a calm link.
#[test]
fn a_change_made_through_a_recovery_is_a_risky_link() {
    let mut policy: Value = serde_json::from_str(&default_policy_json()).unwrap();
    policy["actions"]["recentRecoveryS"] = json!(3_600);
    policy["recovery"]["restrictionS"] = json!(0);
    let e = compile_policy_json(&policy.to_string(), OPTIONS).unwrap();
    let t0 = T0 + 86_400;
    for recovered in [true, false] {
        let state = state_of(&decide(&e, &login(t0 - 600, OSLO, "laptop"), t0 - 600));
        let mut enroll = with_state(login(t0, OSLO, "laptop"), &state);
        enroll["change"] = json!({"action": "enroll", "factor": {"type": "webauthnRoaming"}});
        if recovered {
            enroll["user"]["recoveredAt"] = json!(rfc3339(t0 - 3_600));
        }
        let c = change(&e, &enroll, t0);
        assert_eq!(c["outcome"], "allow", "{c}");
        let t = t0 + 2 * 3_600;
        let d = action(&e, &credential_add(t, &state_of(&c)), t);
        assert!(reasons(&d).contains("recentFactorChange"), "{d}");
        assert!(!reasons(&d).contains("recentRecovery"), "{d}");
        let want = if recovered { "approval" } else { "allow" };
        assert_eq!(d["outcome"], want, "recovered: {recovered}: {d}");
        let detail = d["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "recentFactorChange")
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(detail.contains("through a recovery"), recovered, "{detail}");
    }
}

/// A version-3 state written by the engine before version 4 through its JSON API (key
/// `0123456789abcdef-test-key`, user `auth0|alice`): five daily sign-ins from Oslo, each in a
/// session of its own, alternating laptop and phone, a security key enrolled, then a risky
/// sign-in from Berlin on the laptop (the host rating it high) that was asked to step up. Its
/// user, device and session hashes are HMAC-SHA256 ones.
const GOLDEN_V3: &str = "A0_6zvSpl5INAAYABQAFAAUByLuYAgYCAQHIn3hOTwAACEcCVwO8d0l6TjAByKUYTk8AAAhHAlcDvKyyiQUwAciquE5PAAAIRwJXA7x3SXpOMAHIsFhOTwAACEcCVwO8rLKJBTAByLX4Tk8AAAhHAlcDvHdJek4wAci7mERFAAAM-AINBJp3SXpOIndJek7P1ntfUTGssokFRuFTxlEwTk8AAAhHUTEAAAAAABZeAtbvpKuiAAAAAAFrCqZcAAEAnu8hxNoYS6yDuU1qPiDUJOpwpgozSFMlbfuR7m0tenY";
/// When [`GOLDEN_V3`]'s risky sign-in was decided.
const GOLDEN_V3_AT: i64 = T0 + 6 * 86_400;

/// The history of [`GOLDEN_V3`], made again by this engine (in its own format).
fn golden_v3_history(e: &Engine) -> Option<String> {
    let mut state = None;
    for i in 1..=5 {
        let t = T0 + i * 86_400;
        let device = if i % 2 == 1 { "laptop" } else { "phone" };
        let req = in_session(with_state(login(t, OSLO, device), &state), i);
        state = state_of(&decide(e, &req, t));
    }
    let t = T0 + 5 * 86_400 + 60;
    let mut enroll = in_session(with_state(login(t, OSLO, "laptop"), &state), 5);
    enroll["change"] = json!({"action": "enroll", "factor": {"type": "webauthnRoaming"}});
    let c = change(e, &enroll, t);
    assert_eq!(c["outcome"], "allow", "{c}");
    let mut risky = in_session(
        with_state(login(GOLDEN_V3_AT, BERLIN, "laptop"), &state_of(&c)),
        6,
    );
    risky["session"]["hostRisk"] = json!({"level": "high"});
    let d = decide(e, &risky, GOLDEN_V3_AT);
    assert_eq!(d["outcome"], "stepUp", "{d}");
    state_of(&d)
}

fn in_session(mut req: Value, i: i64) -> Value {
    req["session"]["id"] = json!(format!("session-{i}"));
    req
}

/// The steps [`golden_version_3_state_decides_as_it_did`] takes from [`GOLDEN_V3`], each on the
/// state the one before returned: a refused enrolment (nothing happens, so the state comes back
/// as it was or in the current format), the risky sign-in's session going on half an hour later
/// without the host's rating (no `recentRiskySignin`: it answers its own step-up), the phone the
/// next day, a tablet never seen, then the laptop from Sydney.
fn golden_v3_steps(e: &Engine, golden: &str) -> Vec<Value> {
    let t = GOLDEN_V3_AT;
    let mut state = Some(golden.to_string());
    let mut out = Vec::new();
    let mut step = |d: Value, state: &mut Option<String>| {
        *state = state_of(&d);
        let mut d = d;
        d.as_object_mut().unwrap().remove("state");
        out.push(d);
    };
    let mut refused = in_session(with_state(login(t + 60, BERLIN, "laptop"), &state), 6);
    refused["change"] = json!({"action": "enroll", "factor": {"type": "email"}});
    step(change(e, &refused, t + 60), &mut state);
    let again = in_session(with_state(login(t + 1_800, BERLIN, "laptop"), &state), 6);
    step(decide(e, &again, t + 1_800), &mut state);
    let t = t + 86_400;
    let phone = in_session(with_state(login(t, OSLO, "phone"), &state), 7);
    step(decide(e, &phone, t), &mut state);
    let tablet = in_session(with_state(login(t + 3_600, OSLO, "tablet"), &state), 8);
    step(decide(e, &tablet, t + 3_600), &mut state);
    let far = in_session(with_state(login(t + 7_200, SYDNEY, "laptop"), &state), 9);
    step(decide(e, &far, t + 7_200), &mut state);
    out
}

/// What the engine before version 4 decided on [`golden_v3_steps`]: outcome, reason codes and the
/// SHA-256 of the whole decision without its state.
const GOLDEN_V3_DECISIONS: [(&str, &[&str], &str); 5] = [
    (
        "deny",
        &[
            "factorDowngrade",
            "factorNotAllowed",
            "insufficientAal",
            "newAsn",
            "newCountry",
            "recentRiskySignin",
        ],
        "a935083b6821673d80427e4eb7820e4730f6d63b6f4b13075957610909072800",
    ),
    (
        "allow",
        &["appSensitivity", "newAsn", "newCountry"],
        "9008b62e057bef40c532aaa9053459fb9c260a7f4bcb368d81f6a0694f22b040",
    ),
    (
        "allow",
        &["appSensitivity"],
        "49ab577473d6b74087195819846af7eec1a90c21eb58ae765e1965b684255de1",
    ),
    (
        "allow",
        &["appSensitivity", "newDevice"],
        "2ed7efd5556869d13f36c33abb4695ecc074360c1118713eff405e4244312f1e",
    ),
    (
        "stepUp",
        &[
            "appSensitivity",
            "impossibleTravel",
            "insufficientAal",
            "newAsn",
            "newCountry",
        ],
        "404fbc8a14e219530149006d3377ace4cb285667c2c84f77c19cee4d26596051",
    ),
];

/// [`GOLDEN_V3`] decides every step as the engine that wrote it did, to the byte; and so does
/// the same history written by this engine.
#[test]
fn golden_version_3_state_decides_as_it_did() {
    use sha2::{Digest, Sha256};
    let e = engine();
    let made = golden_v3_history(&e).unwrap();
    for golden in [GOLDEN_V3, made.as_str()] {
        let decisions = golden_v3_steps(&e, golden);
        for (i, (d, (outcome, codes, digest))) in
            decisions.iter().zip(GOLDEN_V3_DECISIONS).enumerate()
        {
            assert_eq!(d["outcome"], *outcome, "step {i}: {d}");
            assert_eq!(reasons(d), set(codes), "step {i}: {d}");
            let got: String = Sha256::digest(d.to_string().as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(got, digest, "step {i}: {d}");
        }
    }
}

/// Key rotation over the change of format: [`GOLDEN_V3`], whose device tags are HMAC ones under
/// what is now a previous key, still knows its devices (the phone first, hashed again; the laptop
/// after that, still as it was written), and a tablet is new; a state under a key not listed is
/// tampered.
#[test]
fn a_version_3_state_under_a_previous_key_still_knows_its_devices() {
    let rotated = compile_policy_json(
        &default_policy_json(),
        &json!({"stateKey": "a-new-key-0123456789abcdef",
                "previousStateKeys": ["0123456789abcdef-test-key"]})
        .to_string(),
    )
    .unwrap();
    let golden = Some(GOLDEN_V3.to_string());
    let t = GOLDEN_V3_AT + 86_400;
    let tablet = decide(&rotated, &with_state(login(t, OSLO, "tablet"), &golden), t);
    assert!(reasons(&tablet).contains("newDevice"), "{tablet}");
    let phone = decide(&rotated, &with_state(login(t, OSLO, "phone"), &golden), t);
    assert_eq!(reasons(&phone), set(&["appSensitivity"]), "{phone}");
    let t = t + 3_600;
    let laptop = decide(
        &rotated,
        &with_state(login(t, OSLO, "laptop"), &state_of(&phone)),
        t,
    );
    assert_eq!(reasons(&laptop), set(&["appSensitivity"]), "{laptop}");
    let t = t + 3_600;
    let phone = decide(
        &rotated,
        &with_state(login(t, OSLO, "phone"), &state_of(&laptop)),
        t,
    );
    assert_eq!(reasons(&phone), set(&["appSensitivity"]), "{phone}");
    let alone = compile_policy_json(
        &default_policy_json(),
        &json!({"stateKey": "a-new-key-0123456789abcdef"}).to_string(),
    )
    .unwrap();
    let d = decide(&alone, &with_state(login(t, OSLO, "laptop"), &golden), t);
    assert!(reasons(&d).contains("stateTampered"), "{d}");
}
