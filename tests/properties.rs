//! Properties of every decision, on requests drawn from the whole request contract up
//! to its caps: determinism (the same input gives the same answer, on the same engine and on
//! another engine compiled from the same policy), bounded output (reasons, alerts,
//! notifications, requirement factors and the answer's size have fixed bounds whatever the
//! request), and the state's round trip (any well-formed signed history is read and written back
//! record for record). Monotonicity (login and factor change), state size and tamper detection
//! are in tests/state.rs; fuzzing of the same invariants is in fuzz/ (`make fuzz`).
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "support/signer.rs"]
mod signer;

/// The invariants every answer keeps (bounds, tags, known codes), shared with the fuzz targets.
#[allow(dead_code)]
#[path = "support/fuzz_checks.rs"]
mod checks;

use checks::Entry;
use factorgate::{compile_policy_json, default_policy_json, Engine};
use proptest::prelude::*;
use serde_json::{json, Value};
use signer::Signer;
use std::sync::OnceLock;

const KEY: &str = "0123456789abcdef-properties";
/// 2026-11-23T10:00:00Z
const T0: i64 = 1_795_428_000;
const NOW_MS: f64 = T0 as f64 * 1000.0;

/// Factor types to draw from ("bogus" is filtered out where the contract wants a known one).
const FACTOR_TYPES: [&str; 13] = [
    "webauthnRoaming",
    "webauthnPlatform",
    "passkeySynced",
    "piv",
    "totp",
    "hotp",
    "push",
    "sms",
    "voice",
    "email",
    "recoveryCode",
    "password",
    "bogus",
];

fn options() -> String {
    json!({ "stateKey": KEY }).to_string()
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| compile_policy_json(&default_policy_json(), &options()).unwrap())
}

fn rfc3339(t: i64) -> String {
    factorgate::Timestamp(t).to_rfc3339()
}

// ---------------------------------------------------------------------------------------------
// Requests drawn from the whole contract, up to its caps.

const KINDS: [&str; 6] = [
    "employee",
    "contractor",
    "partner",
    "customer",
    "service",
    "breakGlass",
];
const ROLES: [&str; 6] = ["admin", "payroll-admin", "owner", "viewer", "root", "dev"];
const CAPS: [&str; 4] = [
    "manageSecrets",
    "manageIam",
    "manageWorkloadIdentities",
    "readReports",
];
const SIGNALS: [&str; 9] = [
    "impossibleTravel",
    "newDevice",
    "newCountry",
    "newAsn",
    "untrustedIp",
    "simSwap",
    "pushFatigue",
    "userReportedSuspicious",
    "somethingElse",
];
const LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];
const ACTIONS: [&str; 6] = [
    "enroll",
    "replace",
    "remove",
    "resetAll",
    "recoveryChange",
    "phoneChange",
];
const ACTORS: [&str; 5] = ["self", "admin", "helpdesk", "msp", "automation"];

/// A text of up to 256 bytes (the cap for ordinary strings), ASCII or not.
fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z|0-9-]{1,24}",
        "\\PC{1,64}".prop_filter("at most 256 bytes", |s| s.len() <= 256),
        Just("x".repeat(256)),
    ]
}

/// Seconds before T0: recent, hours, days, months, years; or after it (a clock skew).
fn arb_ago() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..600,
        600i64..86_400,
        86_400i64..90 * 86_400,
        90 * 86_400i64..3_000 * 86_400,
        -7_200i64..0,
    ]
}

fn arb_time() -> impl Strategy<Value = Option<String>> {
    prop::option::of(arb_ago().prop_map(|a| rfc3339(T0 - a)))
}

fn pick<const N: usize>(list: [&'static str; N]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(list.to_vec())
}

fn arb_user() -> impl Strategy<Value = Value> {
    (
        arb_text(),
        pick(KINDS),
        prop::collection::vec(
            prop_oneof![pick(ROLES).prop_map(String::from), arb_text()],
            0..=64,
        ),
        prop::collection::vec(pick(CAPS), 0..=64),
        prop::collection::vec(
            (
                pick(FACTOR_TYPES).prop_filter("known", |f| *f != "bogus"),
                arb_time(),
            ),
            0..=32,
        ),
        (arb_time(), arb_time(), arb_time(), arb_time()),
        (any::<bool>(), any::<bool>()),
    )
        .prop_map(|(id, kind, roles, caps, factors, times, flags)| {
            let factors: Vec<Value> = factors
                .iter()
                .enumerate()
                .map(|(i, (t, at))| json!({"id": format!("f{i}"), "type": t, "enrolledAt": at}))
                .collect();
            json!({
                "id": id, "kind": kind, "roles": roles, "capabilities": caps, "factors": factors,
                "createdAt": times.0, "lastLoginAt": times.1, "passwordChangedAt": times.2,
                "recoveredAt": times.3,
                "flags": {"simSwap": flags.0, "reportedSuspicious": flags.1},
            })
        })
}

fn arb_session() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just(Value::Null),
            any::<[u8; 4]>().prop_map(|b| json!(std::net::Ipv4Addr::from(b).to_string())),
            any::<[u16; 8]>().prop_map(|b| json!(std::net::Ipv6Addr::from(b).to_string())),
        ],
        prop::option::of((
            -90.0f64..=90.0,
            -180.0f64..=180.0,
            "[A-Z]{2}",
            prop::option::of(any::<u32>()),
        )),
        prop::option::of((
            arb_text(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
        )),
        prop::collection::vec((pick(FACTOR_TYPES), arb_ago()), 0..=32),
        prop::option::of((
            prop::option::of(pick(LEVELS)),
            prop::option::of(pick(["low", "medium", "high", "neutral"])),
            prop::collection::vec(pick(SIGNALS), 0..=64),
        )),
        prop::option::of((0u32..50, prop::option::of(0u64..100_000))),
        prop::option::of("\\PC{0,1024}".prop_filter("at most 1 KiB", |s| s.len() <= 1024)),
    )
        .prop_map(|(ip, geo, device, methods, host, pushes, ua)| {
            let methods: Vec<Value> = methods
                .iter()
                .filter(|(t, _)| *t != "bogus")
                .map(|(t, ago)| json!({"type": t, "at": rfc3339(T0 - ago)}))
                .collect();
            let mut s = json!({"ip": ip, "methods": methods, "userAgent": ua});
            if let Some((lat, lon, country, asn)) = geo {
                s["geo"] = json!({"lat": lat, "lon": lon, "country": country, "asn": asn});
            }
            if let Some((id, managed, compliant, shared)) = device {
                s["device"] =
                    json!({"id": id, "managed": managed, "compliant": compliant, "shared": shared});
            }
            if let Some((level, confidence, signals)) = host {
                s["hostRisk"] =
                    json!({"level": level, "confidence": confidence, "signals": signals});
            }
            if let Some((denied, window)) = pushes {
                s["pushes"] = json!({"denied": denied, "windowS": window});
            }
            s
        })
}

fn arb_change() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(
        (
            pick(ACTIONS),
            prop::option::of(pick(FACTOR_TYPES).prop_filter("known", |f| *f != "bogus")),
            prop::option::of(pick(FACTOR_TYPES).prop_filter("known", |f| *f != "bogus")),
            pick(ACTORS),
            prop::option::of("[A-Z]{3}-[0-9]{1,6}"),
            pick(["before", "after"]),
        )
            .prop_map(|(action, factor, replaces, actor, ticket, phase)| {
                let mut c = json!({"action": action, "phase": phase,
                                   "actor": {"kind": actor, "id": "a-1", "ticket": ticket}});
                if let Some(f) = factor {
                    c["factor"] = json!({"type": f});
                }
                if let Some(f) = replaces {
                    c["replaces"] = json!({"type": f});
                }
                c
            }),
    )
}

fn arb_action() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(
        (
            pick([
                "secretRead",
                "secretCreate",
                "credentialAdd",
                "apiTokenCreate",
                "roleGrant",
                "roleActivate",
                "oauthConsent",
                "mfaPolicyChange",
                "federationChange",
            ]),
            prop::option::of((arb_text(), arb_text(), any::<Option<bool>>())),
            pick(["before", "after"]),
        )
            .prop_map(|(kind, target, phase)| {
                let mut a = json!({"type": kind, "phase": phase});
                if let Some((k, id, privileged)) = target {
                    a["target"] = json!({"kind": k, "id": id, "privileged": privileged});
                }
                a
            }),
    )
}

/// A request from anywhere in the contract; `state` is none, another user's, or garbage.
fn arb_request() -> impl Strategy<Value = Value> {
    (
        (
            arb_user(),
            arb_action(),
            prop::option::of(arb_text()),
            arb_time(),
        ),
        arb_session(),
        prop::option::of((arb_text(), prop::option::of(pick(LEVELS)))),
        prop::option::of((
            prop::collection::vec(
                prop_oneof![
                    pick([
                        "phr",
                        "phrh",
                        "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
                    ])
                    .prop_map(String::from),
                    arb_text()
                ],
                0..=64,
            ),
            prop::option::of(0u64..1_000_000),
        )),
        arb_change(),
        prop_oneof![
            Just(None),
            Just(Some("AAAA".to_string())),
            "[A-Za-z0-9_-]{0,700}".prop_map(Some),
        ],
    )
        .prop_map(
            |((user, action, sponsor, ends), session, app, requested, change, state)| {
                let mut user = user;
                user["sponsor"] = json!(sponsor);
                user["accessEndsAt"] = json!(ends);
                let mut r = json!({"user": user, "session": session});
                if let Some(a) = action {
                    r["action"] = a;
                }
                if let Some((id, sensitivity)) = app {
                    r["app"] = json!({"id": id, "sensitivity": sensitivity});
                }
                if let Some((acr, max_age)) = requested {
                    r["requested"] = json!({"acr": acr, "maxAgeS": max_age});
                }
                if let Some(c) = change {
                    r["change"] = c;
                }
                if let Some(s) = state {
                    r["state"] = json!(s);
                }
                r
            },
        )
}

// ---------------------------------------------------------------------------------------------
// Determinism and bounded output.

/// The bounds and tags every answer keeps (tests/support/fuzz_checks.rs); a broken one panics,
/// which proptest reports and shrinks like a failed assertion.
fn bounded(entry: Entry, answer: &str) -> Result<Value, TestCaseError> {
    Ok(checks::check_answer(entry, answer))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The same input gives the same answer, byte for byte: twice on one engine, and on a second
    /// engine compiled from the same policy text; for a login and for a factor change.
    #[test]
    fn same_input_same_decision(req in arb_request()) {
        let text = req.to_string();
        let other = compile_policy_json(&default_policy_json(), &options()).unwrap();
        let login = engine().decide_login_json(&text, NOW_MS);
        prop_assert_eq!(&login, &engine().decide_login_json(&text, NOW_MS));
        prop_assert_eq!(&login, &other.decide_login_json(&text, NOW_MS));
        let change = engine().assess_factor_change_json(&text, NOW_MS);
        prop_assert_eq!(&change, &engine().assess_factor_change_json(&text, NOW_MS));
        prop_assert_eq!(&change, &other.assess_factor_change_json(&text, NOW_MS));
        let action = engine().assess_action_json(&text, NOW_MS);
        prop_assert_eq!(&action, &engine().assess_action_json(&text, NOW_MS));
        prop_assert_eq!(&action, &other.assess_action_json(&text, NOW_MS));
    }

    /// Whatever the request, up to every cap, the answer is tagged and bounded: reasons (each
    /// code once), alerts, notifications, requirement factors, score, state, size.
    #[test]
    fn every_answer_is_bounded(req in arb_request()) {
        let text = req.to_string();
        let login = bounded(Entry::Login, &engine().decide_login_json(&text, NOW_MS))?;
        let change = bounded(Entry::FactorChange, &engine().assess_factor_change_json(&text, NOW_MS))?;
        // Requests drawn from the contract are valid: a factor change errs only for want of a
        // change, or of the factor its action concerns.
        prop_assert_eq!(&login["type"], "decision", "{}", login);
        if change["type"] == "error" {
            for e in change["errors"].as_array().unwrap() {
                prop_assert!(e["path"].as_str().unwrap().starts_with("/change"), "{}", change);
            }
        }
        let action = bounded(Entry::Action, &engine().assess_action_json(&text, NOW_MS))?;
        // An action errs only for want of one.
        if action["type"] == "error" {
            prop_assert!(req.get("action").is_none(), "{}", action);
        }
        bounded(Entry::Login, &engine().fail_mode_json("login", &text, NOW_MS))?;
        bounded(Entry::FactorChange, &engine().fail_mode_json("factorChange", &text, NOW_MS))?;
        bounded(Entry::Action, &engine().fail_mode_json("action", &text, NOW_MS))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Who the user is is not what happened: giving the user privileged roles and sensitive
    /// capabilities, or taking all of them away, never changes the risk score or level, of a
    /// login or of a factor change; it may change the requirement, the exposure, the approvers
    /// and the alerts. The exposure says which roles and capabilities are at stake.
    #[test]
    fn privileged_roles_never_change_risk(req in arb_request(), admin in any::<bool>()) {
        let mut plain = req.clone();
        plain["user"]["roles"] = json!([]);
        plain["user"]["capabilities"] = json!([]);
        let mut privileged = req;
        let roles = if admin { json!(["admin", "payroll-admin"]) } else { json!(["root"]) };
        privileged["user"]["roles"] = roles;
        privileged["user"]["capabilities"] = json!(["manageSecrets", "manageIam"]);
        // Break-glass accounts are privileged by kind; compare the other kinds.
        for r in [&mut plain, &mut privileged] {
            if r["user"]["kind"] == "breakGlass" {
                r["user"]["kind"] = json!("employee");
            }
        }
        let decide = |r: &Value, login: bool| -> Value {
            let text = r.to_string();
            let out = if login {
                engine().decide_login_json(&text, NOW_MS)
            } else {
                engine().assess_factor_change_json(&text, NOW_MS)
            };
            serde_json::from_str(&out).unwrap()
        };
        for login in [true, false] {
            let (a, b) = (decide(&plain, login), decide(&privileged, login));
            if a["type"] != "decision" || b["type"] != "decision" {
                prop_assert_eq!(&a["type"], &b["type"]);
                continue;
            }
            prop_assert_eq!(&a["risk"], &b["risk"], "login={} plain={} privileged={}", login, a, b);
            prop_assert_eq!(&a["exposure"]["privileged"], &json!(false));
            prop_assert_eq!(&b["exposure"]["privileged"], &json!(true));
            prop_assert_eq!(&b["exposure"]["capabilities"], &json!(["manageSecrets", "manageIam"]));
        }
    }
}

/// The largest answers the engine gives, for the record: every list at its cap, every signal.
#[test]
fn the_largest_request_gives_a_bounded_answer() {
    let t = |ago: i64| rfc3339(T0 - ago);
    let req = json!({
        "user": {"id": "u".repeat(256), "kind": "breakGlass",
                 "roles": (0..64).map(|i| format!("{i:02}{}-admin", "r".repeat(248))).collect::<Vec<_>>(),
                 "capabilities": (0..64).map(|i| CAPS[i % 4]).collect::<Vec<_>>(),
                 "factors": (0..32).map(|i| json!({"id": "f".repeat(256), "type": FACTOR_TYPES[i % 12], "enrolledAt": t(60)})).collect::<Vec<_>>(),
                 "createdAt": t(3600), "lastLoginAt": t(400 * 86_400), "passwordChangedAt": t(60),
                 "recoveredAt": t(60), "accessEndsAt": t(30), "sponsor": "s".repeat(256),
                 "flags": {"simSwap": true, "reportedSuspicious": true}},
        "session": {"ip": "203.0.113.9", "geo": {"lat": -33.87, "lon": 151.21, "country": "AU", "asn": 64500},
                    "device": {"id": "d".repeat(256), "managed": false, "compliant": false, "shared": true},
                    "userAgent": "a".repeat(1024),
                    "methods": (0..32).map(|i| json!({"type": FACTOR_TYPES[i % 12], "at": t(60)})).collect::<Vec<_>>(),
                    "hostRisk": {"level": "critical", "confidence": "low", "signals": (0..64).map(|i| SIGNALS[i % 9]).collect::<Vec<_>>()},
                    "pushes": {"denied": 40, "windowS": 60}, "id": "x".repeat(256)},
        "action": {"type": "federationChange", "phase": "after", "approval": "g".repeat(1024),
                   "target": {"kind": "k".repeat(256), "id": "i".repeat(256), "privileged": true}},
        "app": {"id": "a".repeat(256), "sensitivity": "critical"},
        "requested": {"acr": (0..64).map(|i| format!("{i}{}", "c".repeat(250))).collect::<Vec<_>>(), "maxAgeS": 0},
        "change": {"action": "replace", "phase": "after", "factor": {"id": "n".repeat(256), "type": "sms"},
                   "replaces": {"id": "o".repeat(256), "type": "webauthnRoaming"},
                   "actor": {"kind": "msp", "id": "m".repeat(256), "ticket": "t".repeat(256)}},
        "state": "A".repeat(8192),
    });
    let text = req.to_string();
    assert!(
        text.len() <= factorgate::internals::MAX_REQUEST_BYTES,
        "{}",
        text.len()
    );
    let login = engine().decide_login_json(&text, NOW_MS);
    let change = engine().assess_factor_change_json(&text, NOW_MS);
    let action = engine().assess_action_json(&text, NOW_MS);
    for (entry, answer) in [
        (Entry::Login, &login),
        (Entry::FactorChange, &change),
        (Entry::Action, &action),
    ] {
        let v = bounded(entry, answer).unwrap();
        assert_eq!(v["type"], "decision", "{v}");
        println!(
            "largest {}: {} bytes from a request of {} bytes, {} reasons, {} alerts",
            v["entry"],
            answer.len(),
            text.len(),
            v["reasons"].as_array().unwrap().len(),
            v["alerts"].as_array().unwrap().len()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The state's round trip.

/// A well-formed version-1 state body (the layout in src/state/codec.rs): canonical, so that reading
/// and writing it back must give the same bytes.
#[derive(Debug, Clone)]
struct Body {
    counts: [u16; 4],
    risky: Option<(u32, u8)>,
    signins: Vec<[u8; 19]>,
    devices: Vec<[u8; 10]>,
    networks: Vec<[u8; 8]>,
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for c in self.counts {
            out.extend_from_slice(&c.to_be_bytes());
        }
        let (at, level) = self.risky.unwrap_or((0, 0));
        out.extend_from_slice(&at.to_be_bytes());
        out.push(level);
        out.push(self.signins.len() as u8);
        out.push(self.devices.len() as u8);
        out.push(self.networks.len() as u8);
        self.signins.iter().for_each(|s| out.extend_from_slice(s));
        self.devices.iter().for_each(|d| out.extend_from_slice(d));
        self.networks.iter().for_each(|n| out.extend_from_slice(n));
        out
    }

    /// The same body as version 4 writes it when read from an earlier version: every device
    /// prefix marked HMAC (sign-in flag bit 6).
    fn hmac_marked(&self) -> Body {
        let mut b = self.clone();
        b.signins
            .iter_mut()
            .filter(|s| s[18] & 0b10_0000 != 0)
            .for_each(|s| s[18] |= 0b100_0000);
        b
    }

    /// Version 4's mask of HMAC devices when every device is (read from an earlier version).
    fn all_devices(&self) -> u16 {
        ((1u32 << self.devices.len()) - 1) as u16
    }
}

fn arb_country() -> impl Strategy<Value = [u8; 2]> {
    prop_oneof![
        Just([0, 0]),
        (b'A'..=b'Z', b'A'..=b'Z').prop_map(|(a, b)| [a, b])
    ]
}

fn arb_signin() -> impl Strategy<Value = [u8; 19]> {
    (
        1u32..=u32::MAX,
        arb_country(),
        any::<u32>(),
        prop::option::of(
            (-900i16..=900)
                .prop_flat_map(|lat| (Just(lat), 0..factorgate::internals::row_cells(lat))),
        ),
        prop::option::of(any::<[u8; 4]>()),
        (0u8..4, 0u8..3, any::<bool>()),
    )
        .prop_map(|(at, country, asn, cell, device, (risk, net, accepted))| {
            let mut s = [0u8; 19];
            s[0..4].copy_from_slice(&at.to_be_bytes());
            s[4..6].copy_from_slice(&country);
            s[6..10].copy_from_slice(&asn.to_be_bytes());
            let (lat, lon) = cell.unwrap_or((i16::MIN, 0));
            s[10..12].copy_from_slice(&lat.to_be_bytes());
            s[12..14].copy_from_slice(&lon.to_be_bytes());
            s[14..18].copy_from_slice(&device.unwrap_or([0; 4]));
            s[18] = risk | net << 2 | u8::from(accepted) << 4 | u8::from(device.is_some()) << 5;
            s
        })
}

fn arb_body() -> impl Strategy<Value = Body> {
    (
        any::<[u16; 4]>(),
        prop::option::of((1u32..=u32::MAX, 0u8..4)),
        prop::collection::vec(arb_signin(), 0..=factorgate::internals::MAX_SIGNINS),
        prop::collection::vec(any::<[u8; 10]>(), 0..=factorgate::internals::MAX_DEVICES),
        prop::collection::vec(
            (arb_country(), any::<u32>(), any::<u16>()).prop_map(|(c, asn, day)| {
                let mut n = [0u8; 8];
                n[0..2].copy_from_slice(&c);
                n[2..6].copy_from_slice(&asn.to_be_bytes());
                n[6..8].copy_from_slice(&day.to_be_bytes());
                n
            }),
            0..=factorgate::internals::MAX_NETWORKS,
        ),
    )
        .prop_map(|(counts, risky, signins, devices, networks)| Body {
            counts,
            risky,
            signins,
            devices,
            networks,
        })
}

fn signer() -> &'static Signer {
    static S: OnceLock<Signer> = OnceLock::new();
    S.get_or_init(|| Signer::new(KEY))
}

fn has_reason(d: &Value, code: &str) -> bool {
    d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == code)
}

/// Version 3's tail after version 2's (no recovery, no used grants: `[0; 5]`): the last
/// session's hash, the first privileged minute, the factor changes (7 bytes each).
fn v3_tail(session: [u8; 8], privileged: u32, changes: &[[u8; 7]]) -> Vec<u8> {
    let mut out = vec![0u8; 5];
    out.extend_from_slice(&session);
    out.extend_from_slice(&privileged.to_be_bytes());
    out.push(changes.len() as u8);
    changes.iter().for_each(|c| out.extend_from_slice(c));
    out
}

/// What a version-4 tail holds (no recovery, no used grants).
#[derive(Debug, Clone, Default)]
struct Tail {
    session: Option<[u8; 8]>,
    hmac_session: bool,
    privileged: Option<u32>,
    changes: Vec<[u8; 7]>,
    hmac_devices: u16,
}

impl Tail {
    /// The fields-present byte, then the fields that are.
    fn bytes(&self) -> Vec<u8> {
        let bit = |on: bool, b: u8| if on { 1u8 << b } else { 0 };
        let mut out = vec![
            bit(self.session.is_some(), 2)
                | bit(self.privileged.is_some(), 3)
                | bit(!self.changes.is_empty(), 4)
                | bit(self.hmac_session, 5)
                | bit(self.hmac_devices != 0, 6),
        ];
        if let Some(s) = self.session {
            out.extend_from_slice(&s);
        }
        if let Some(p) = self.privileged {
            out.extend_from_slice(&p.to_be_bytes());
        }
        if !self.changes.is_empty() {
            out.push(self.changes.len() as u8);
            self.changes.iter().for_each(|c| out.extend_from_slice(c));
        }
        if self.hmac_devices != 0 {
            out.extend_from_slice(&self.hmac_devices.to_be_bytes());
        }
        out
    }
}

fn arb_change_record() -> impl Strategy<Value = [u8; 7]> {
    (
        any::<u32>(),
        0u8..7,
        0u8..=12,
        0u8..4,
        0u8..5,
        any::<bool>(),
    )
        .prop_map(|(at, action, factor, risk, actor, via)| {
            let [t0, t1, t2, t3] = at.to_be_bytes();
            [
                t0,
                t1,
                t2,
                t3,
                action,
                factor,
                risk | actor << 2 | u8::from(via) << 5,
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any well-formed signed history is accepted (never `stateTampered`), written back record
    /// for record: a factor change that does not happen hands it back as it came (a version-1, 2
    /// or 3 one written again in version 4, records unchanged, its tags marked HMAC, a privileged
    /// time of long ago before version 3); one that happens adds one change record (dropping the
    /// oldest beyond the cap) and leaves everything else; a login adds one sign-in (dropping the
    /// oldest beyond the cap) and, without a device, a place or a session of its own, leaves
    /// every device, network, change and counter but the login count as it read them.
    #[test]
    fn a_state_reads_and_writes_back_record_for_record(
        body in arb_body(),
        session in prop::option::of(any::<[u8; 8]>()),
        privileged in prop::option::of(1..=u32::MAX),
        changes in prop::collection::vec(arb_change_record(), 0..=factorgate::internals::MAX_CHANGES),
    ) {
        let user = "auth0|round-trip";
        let tail = Tail { session, privileged, changes: changes.clone(), ..Tail::default() };
        let state = signer().state(4, user, &[body.bytes(), tail.bytes()].concat());
        let login = json!({
            "user": {"id": user, "factors": [{"type": "totp"}]},
            "session": {"methods": [{"type": "password", "at": rfc3339(T0 - 60)},
                                    {"type": "totp", "at": rfc3339(T0 - 30)}]},
            "app": {"id": "wiki"},
            "state": state,
        });
        let change_state = |c: &Value| -> Vec<u8> {
            let d: Value = serde_json::from_str(&engine().assess_factor_change_json(&c.to_string(), NOW_MS)).unwrap();
            assert!(!has_reason(&d, "stateTampered"), "{d}");
            signer().open(user, d["state"].as_str().unwrap()).expect("the engine's state verifies")
        };
        // Email is never bound: denied, nothing happened, the state comes back as it was.
        let mut refused = login.clone();
        refused["change"] = json!({"action": "enroll", "factor": {"type": "email"}});
        prop_assert_eq!(change_state(&refused), [body.bytes(), tail.bytes()].concat());

        // A security key bound: one change record more.
        let mut bound = login.clone();
        bound["change"] = json!({"action": "enroll", "factor": {"type": "webauthnRoaming"}});
        let out = change_state(&bound);
        let mut more = changes.clone();
        let [t0, t1, t2, t3] = u32::try_from(T0).unwrap().to_be_bytes();
        // enroll (index 0), webauthnRoaming (index 0, so 1); the risk bits are the engine's to judge.
        let flags = out[out.len() - 1];
        prop_assert_eq!(flags & !0b11, 0, "by the user, not through a recovery");
        more.push([t0, t1, t2, t3, 0, 1, flags]);
        let keep = more.len().saturating_sub(factorgate::internals::MAX_CHANGES);
        let more = Tail { changes: more[keep..].to_vec(), ..tail.clone() };
        prop_assert_eq!(out, [body.bytes(), more.bytes()].concat());

        let d: Value = serde_json::from_str(&engine().decide_login_json(&login.to_string(), NOW_MS)).unwrap();
        prop_assert!(!has_reason(&d, "stateTampered"), "{}", d);
        let out = signer().open(user, d["state"].as_str().unwrap()).expect("the engine's state verifies");

        let mut expected = body.clone();
        expected.counts[0] = expected.counts[0].saturating_add(1);
        let mut signins = expected.signins.clone();
        let minute = u32::try_from(T0 / 60).unwrap();
        let mut new = [0u8; 19];
        new[0..4].copy_from_slice(&minute.to_be_bytes());
        new[10..12].copy_from_slice(&i16::MIN.to_be_bytes());
        // The sign-in's own flags (risk, network, accepted) are the engine's to judge.
        new[18] = out[16 + (signins.len().min(factorgate::internals::MAX_SIGNINS - 1)) * 19 + 18];
        signins.push(new);
        let keep = signins.len().saturating_sub(factorgate::internals::MAX_SIGNINS);
        expected.signins = signins.split_off(keep);
        if let Some(flags) = expected.signins.last().map(|s| s[18]) {
            let risk = flags & 3;
            let risky = expected.risky.map_or(true, |(at, _)| at <= minute);
            if risk >= 1 && risky {
                expected.risky = Some((minute, risk));
            }
        }
        // No session id: the last session is none; not privileged: no privileged time.
        let after_login = Tail { changes: changes.clone(), ..Tail::default() }.bytes();
        prop_assert_eq!(out, [expected.bytes(), after_login].concat(), "read back differently: {:?}", body);

        // The same history in versions 1, 2 and 3 still loads, and a factor change that does not
        // happen writes it again in version 4 with the same records, their tags marked HMAC.
        let v3 = v3_tail(session.unwrap_or([0; 8]), privileged.unwrap_or(0), &changes);
        let earlier = |v: u8| {
            let b = match v {
                1 => body.bytes(),
                2 => [body.bytes(), vec![0u8; 5]].concat(),
                _ => [body.bytes(), v3.clone()].concat(),
            };
            signer().state(v, user, &b)
        };
        for v in [1, 2, 3] {
            let mut refused = refused.clone();
            refused["state"] = json!(earlier(v));
            let session = session.filter(|s| *s != [0; 8] && v == 3);
            let upgraded = Tail {
                session,
                hmac_session: session.is_some(),
                privileged: if v == 3 { privileged } else { Some(1) },
                changes: if v == 3 { changes.clone() } else { Vec::new() },
                hmac_devices: body.all_devices(),
            };
            let want = [body.hmac_marked().bytes(), upgraded.bytes()].concat();
            prop_assert_eq!(change_state(&refused), want, "version {}", v);
        }
    }
}
