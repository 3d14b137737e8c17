//! The fuzz targets' bodies and the invariants every answer must keep, shared by fuzz/ (libFuzzer,
//! `make fuzz`) and tests/fuzz_regressions.rs (native `cargo test`: every seed and every crasher
//! ever found, replayed). Included with `#[path]` next to `signer.rs`, as `crate::checks`.
//!
//! A broken invariant panics: libFuzzer reports it as a crash and saves the input.
//!
//! Targets (each takes any bytes):
//! - [`request`]: request decoding and both decisions;
//! - [`policy`]: policy validation and compilation, then decisions on the compiled policy;
//! - [`state`]: state decoding in front of and behind its signature, and state threading.

use crate::signer::Signer;
use factorgate::{
    compile_policy_json, default_policy_json, review_exceptions_json, validate_policy_json, Engine,
};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The state key every keyed engine here uses.
pub const STATE_KEY: &str = "fuzz-state-key-0123456789";
/// 2026-11-23T10:00:00Z in milliseconds: the host clock of every call.
pub const NOW_MS: f64 = 1_795_428_000_000.0;
/// Bounds on a decision (the issue's "bounded output"): every reason a known code, each code at
/// most once; requirement factors known types, each at most once; alerts: at most two Account Change events (a replacement enables one factor and
/// disables another) and one Detection Finding; at most one notification.
pub const MAX_ALERTS: usize = 3;
pub const MAX_NOTIFY: usize = 1;
/// No answer is larger than this, whatever the request. Requests are capped at 64 KiB, but an
/// answer can be larger: each alert names the user's roles, and the `privilegedUser` reason and
/// the alerts list the privileged ones (the largest seen is about 150 KB: tests/properties.rs).
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

const ERROR_CODES: [&str; 12] = [
    "invalidJson",
    "invalidShape",
    "unknownField",
    "duplicateKey",
    "invalidValue",
    "invalidTimestamp",
    "tooLarge",
    "limitExceeded",
    "exceptionExpiry",
    "invalidOption",
    "engineFailure",
    "engineFreed",
];
const OUTCOMES: [&str; 5] = ["allow", "enroll", "stepUp", "approval", "deny"];

pub fn options() -> String {
    json!({ "stateKey": STATE_KEY }).to_string()
}

fn compiled(options: &str) -> Engine {
    compile_policy_json(&default_policy_json(), options)
        .unwrap_or_else(|e| panic!("the default policy does not compile: {e}"))
}

/// The default policy with a state key, compiled once per process.
pub fn keyed_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| compiled(&options()))
}

/// The default policy without a state key.
pub fn plain_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| compiled(""))
}

/// Which entry point produced an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Login,
    FactorChange,
    Action,
}

impl Entry {
    pub fn name(self) -> &'static str {
        match self {
            Entry::Login => "login",
            Entry::FactorChange => "factorChange",
            Entry::Action => "action",
        }
    }
}

fn field<'a>(v: &'a Value, what: &str, get: impl Fn(&'a Value) -> Option<&'a Value>) -> &'a Value {
    get(v).unwrap_or_else(|| panic!("missing {what}: {v}"))
}

fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{key} is not a list: {v}"))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{key} is not a string: {v}"))
}

/// Checks one answer of `decideLogin`/`assessFactorChange`/`assessAction` (or the fail mode): JSON, tagged,
/// bounded; an error has known codes and JSON-pointer paths. Returns the parsed answer.
pub fn check_answer(entry: Entry, answer: &str) -> Value {
    assert!(
        answer.len() <= MAX_ANSWER_BYTES,
        "answer of {} bytes",
        answer.len()
    );
    let v: Value = serde_json::from_str(answer)
        .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {answer}"));
    match v.get("type").and_then(Value::as_str) {
        Some("decision") => check_decision(entry, &v),
        Some("error") => check_errors(&v),
        _ => panic!("untagged answer: {answer}"),
    }
    v
}

/// An error document: at least one error, each with a known code, a message and a pointer.
pub fn check_errors(v: &Value) {
    let errors = array(v, "errors");
    assert!(!errors.is_empty(), "an error without errors: {v}");
    for e in errors {
        let code = text(e, "code");
        assert!(ERROR_CODES.contains(&code), "unknown error code {code}");
        assert!(!text(e, "message").is_empty(), "{e}");
        let path = text(e, "path");
        assert!(path.is_empty() || path.starts_with('/'), "path {path:?}");
    }
}

fn check_decision(entry: Entry, v: &Value) {
    assert_eq!(v["entry"], entry.name(), "{v}");
    let outcome = text(v, "outcome");
    assert!(OUTCOMES.contains(&outcome), "outcome {outcome}");
    let score = field(v, "risk.score", |v| v.get("risk")?.get("score")).as_u64();
    assert!(score.is_some_and(|s| s <= 100), "score: {v}");
    let reasons = array(v, "reasons");
    assert!(!reasons.is_empty(), "a decision without reasons: {v}");
    let mut codes: Vec<factorgate::ReasonCode> = reasons
        .iter()
        .map(|r| {
            factorgate::internals::from_str(&r["code"].to_string())
                .unwrap_or_else(|_| panic!("unknown reason code: {r}"))
        })
        .collect();
    codes.sort_unstable();
    let n = codes.len();
    codes.dedup();
    assert_eq!(codes.len(), n, "a reason code twice: {v}");
    let alerts = array(v, "alerts");
    assert!(alerts.len() <= MAX_ALERTS, "{} alerts: {v}", alerts.len());
    assert!(array(v, "notify").len() <= MAX_NOTIFY, "{v}");
    if let Some(state) = v.get("state") {
        let s = state.as_str().unwrap_or_else(|| panic!("state: {v}"));
        assert!(
            s.len() <= factorgate::internals::MAX_ENCODED_LEN,
            "state of {} characters",
            s.len()
        );
    }
    if let Some(factors) = v.get("requirement").map(|r| array(r, "factors")) {
        // Known factor types, each once: at most one per type.
        let mut types: Vec<factorgate::FactorType> = factors
            .iter()
            .map(|f| {
                factorgate::internals::from_str(&f.to_string())
                    .unwrap_or_else(|_| panic!("unknown factor type: {f}"))
            })
            .collect();
        types.sort_by_key(|t| format!("{t:?}"));
        let n = types.len();
        types.dedup();
        assert_eq!(types.len(), n, "a factor type twice: {v}");
    }
    if matches!(outcome, "stepUp" | "enroll") {
        // A step-up or enrollment names the factors to use; the exceptions are a factor change
        // on an account with no possession factor, whose binding rule asks for AAL1 (the
        // password) within the binding window, and a recovery short of evidence, which says in
        // `recovery.needs` what would do: there, `factors` is empty.
        let r = &v["requirement"];
        let factors = array(r, "factors");
        let password_only = entry == Entry::FactorChange && outcome == "stepUp" && r["minAal"] == 1;
        let recovery = entry == Entry::FactorChange && v["recovery"]["needs"].is_array();
        assert!(
            !factors.is_empty() || password_only || recovery,
            "{outcome} without factors to use: {v}"
        );
    }
    if entry == Entry::Login {
        assert!(v["enrollmentAllowed"].is_boolean(), "{v}");
    }
}

/// Decides a request on every entry (twice each: the same input gives the same answer) and in
/// every fail mode, and checks every answer. Returns the login answer.
pub fn decide_all(engine: &Engine, request: &str) -> Value {
    let login = engine.decide_login_json(request, NOW_MS);
    assert_eq!(
        login,
        engine.decide_login_json(request, NOW_MS),
        "login not deterministic"
    );
    let change = engine.assess_factor_change_json(request, NOW_MS);
    assert_eq!(
        change,
        engine.assess_factor_change_json(request, NOW_MS),
        "factor change not deterministic"
    );
    check_answer(Entry::FactorChange, &change);
    let action = engine.assess_action_json(request, NOW_MS);
    assert_eq!(
        action,
        engine.assess_action_json(request, NOW_MS),
        "action not deterministic"
    );
    check_answer(Entry::Action, &action);
    for entry in [Entry::Login, Entry::FactorChange, Entry::Action] {
        let fail = check_answer(entry, &engine.fail_mode_json(entry.name(), request, NOW_MS));
        assert_eq!(fail["type"], "decision", "{fail}");
    }
    check_answer(Entry::Login, &login)
}

// --- request ----------------------------------------------------------------------------------

/// Request decoding and both decisions: any bytes as a request (as the wasm boundary would hand
/// them over: UTF-8, invalid sequences replaced), decided as a login and as a factor change and
/// in both fail modes on the default policy with a state key; the login also without a key.
pub fn request(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    decide_all(keyed_engine(), &text);
    let plain = check_answer(
        Entry::Login,
        &plain_engine().decide_login_json(&text, NOW_MS),
    );
    assert!(plain.get("state").is_none(), "state without a key: {plain}");
}

// --- policy -----------------------------------------------------------------------------------

const LOGINS: [&str; 5] = [
    r#"{"user":{"id":"auth0|alice","kind":"employee","factors":[{"type":"totp"},{"type":"webauthnRoaming"}]},"session":{"ip":"198.51.100.7","geo":{"lat":59.91,"lon":10.75,"country":"NO","asn":2119},"device":{"id":"d1","managed":true,"compliant":true},"methods":[{"type":"password","at":"2026-11-23T09:58:00Z"},{"type":"totp","at":"2026-11-23T09:59:00Z"}]},"app":{"id":"wiki","sensitivity":"medium"}}"#,
    r#"{"user":{"id":"auth0|bob","factors":[{"type":"sms"},{"type":"push"}],"lastLoginAt":"2026-01-01T00:00:00Z","passwordChangedAt":"2026-11-23T08:00:00Z","flags":{"simSwap":true}},"session":{"ip":"203.0.113.9","geo":{"lat":-33.87,"lon":151.21,"country":"AU","asn":64500},"pushes":{"denied":5,"windowS":300},"hostRisk":{"level":"high","signals":["impossibleTravel","newCountry","untrustedIp"]},"methods":[{"type":"password","at":"2026-11-23T09:59:00Z"}]},"app":{"id":"payroll","sensitivity":"critical"},"requested":{"acr":["phr"],"maxAgeS":60}}"#,
    r#"{"user":{"id":"root","roles":["admin","payroll-admin"],"capabilities":["manageSecrets"],"factors":[{"type":"piv"}]},"session":{"ip":"10.0.0.1","methods":[{"type":"piv","at":"2026-11-23T09:59:00Z"}]},"app":{"id":"console","sensitivity":"high"}}"#,
    r#"{"user":{"id":"bg-1","kind":"breakGlass","factors":[{"type":"webauthnRoaming"}]},"session":{"methods":[{"type":"webauthnRoaming","at":"2026-11-23T09:59:30Z"}]},"app":{"id":"console"}}"#,
    r#"{"user":{"id":"c-9","kind":"customer","createdAt":"2026-11-20T00:00:00Z","factors":[]},"session":{"device":{"shared":true}},"app":{"id":"shop","sensitivity":"low"}}"#,
];
const ACTIONS: [&str; 2] = [
    r#"{"user":{"id":"root","roles":["admin"],"factors":[{"type":"webauthnRoaming"},{"type":"totp"}]},"session":{"methods":[{"type":"password","at":"2026-11-23T09:58:00Z"},{"type":"webauthnRoaming","at":"2026-11-23T09:59:00Z"}]},"action":{"type":"credentialAdd","target":{"kind":"servicePrincipal","id":"sp-1"}}}"#,
    r#"{"user":{"id":"auth0|carl","kind":"contractor","sponsor":"auth0|sam","accessEndsAt":"2026-12-01T00:00:00Z","recoveredAt":"2026-11-23T08:00:00Z","factors":[{"type":"totp"}]},"session":{"hostRisk":{"level":"medium"},"methods":[{"type":"password","at":"2026-11-23T09:58:00Z"}]},"action":{"type":"roleGrant","phase":"after","target":{"kind":"role","id":"owner","privileged":true}}}"#,
];
const CHANGES: [&str; 2] = [
    r#"{"user":{"id":"auth0|alice","factors":[{"type":"totp"}],"createdAt":"2025-01-01T00:00:00Z"},"session":{"methods":[{"type":"password","at":"2026-11-23T09:58:00Z"},{"type":"totp","at":"2026-11-23T09:59:00Z"}]},"change":{"action":"enroll","phase":"before","factor":{"type":"sms"}}}"#,
    r#"{"user":{"id":"root","roles":["owner"],"factors":[{"type":"webauthnRoaming"},{"type":"totp"}]},"session":{"methods":[]},"change":{"action":"resetAll","phase":"after","actor":{"kind":"helpdesk","id":"hd-7","ticket":"INC-1"}}}"#,
];

fn parse(what: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} is not JSON ({e}): {text}"))
}

/// Policy validation and compilation: any bytes as a policy. `validatePolicy` and
/// `compilePolicy` agree; a policy that compiles decides a handful of fixed requests (calm,
/// risky, privileged, break-glass, customer logins; an enrollment and a delegated reset) with
/// checked answers and a fail mode; `reviewExceptions` answers with a review or a tagged error.
pub fn policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let validation = parse("validation", &validate_policy_json(&text));
    assert_eq!(validation["type"], "validation", "{validation}");
    let valid = validation["valid"]
        .as_bool()
        .unwrap_or_else(|| panic!("{validation}"));
    match compile_policy_json(&text, &options()) {
        Ok(engine) => {
            assert!(valid, "compiles but does not validate: {validation}");
            for request in LOGINS {
                check_answer(Entry::Login, &engine.decide_login_json(request, NOW_MS));
                check_answer(
                    Entry::Login,
                    &engine.fail_mode_json("login", request, NOW_MS),
                );
            }
            for request in ACTIONS {
                check_answer(Entry::Action, &engine.assess_action_json(request, NOW_MS));
                check_answer(
                    Entry::Action,
                    &engine.fail_mode_json("action", request, NOW_MS),
                );
            }
            for request in CHANGES {
                check_answer(
                    Entry::FactorChange,
                    &engine.assess_factor_change_json(request, NOW_MS),
                );
                check_answer(
                    Entry::FactorChange,
                    &engine.fail_mode_json("factorChange", request, NOW_MS),
                );
            }
        }
        Err(errors) => {
            assert!(!valid, "validates but does not compile: {errors}");
            check_errors(&parse("compile errors", &errors));
            check_errors(&validation);
        }
    }
    let review = parse(
        "review",
        &review_exceptions_json(&text, "2026-11-23T10:00:00Z"),
    );
    match review["type"].as_str() {
        Some("exceptionReview") => assert!(review["items"].is_array(), "{review}"),
        Some("error") => check_errors(&review),
        _ => panic!("untagged review: {review}"),
    }
}

// --- state ------------------------------------------------------------------------------------

const USER: &str = "auth0|fuzz";

fn signer() -> &'static Signer {
    static S: OnceLock<Signer> = OnceLock::new();
    S.get_or_init(|| Signer::new(STATE_KEY))
}

fn state_login(t_ms: f64, state: Option<&str>) -> Value {
    let at = factorgate::Timestamp((t_ms / 1000.0) as i64 - 60).to_rfc3339();
    let mut req = json!({
        "user": {"id": USER, "factors": [{"type": "totp"}, {"type": "webauthnRoaming"}]},
        "session": {"ip": "198.51.100.7",
                    "geo": {"lat": 59.91, "lon": 10.75, "country": "NO", "asn": 2119},
                    "device": {"id": "laptop", "managed": true, "compliant": true},
                    "methods": [{"type": "password", "at": at}, {"type": "totp", "at": at}]},
        "app": {"id": "wiki"}
    });
    if let Some(s) = state {
        req["state"] = json!(s);
    }
    req
}

fn has_reason(d: &Value, code: &str) -> bool {
    d["reasons"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["code"] == code))
}

fn decide_keyed(req: &Value, t_ms: f64) -> Value {
    check_answer(
        Entry::Login,
        &keyed_engine().decide_login_json(&req.to_string(), t_ms),
    )
}

const PLACES: [(f64, f64, &str, u32); 8] = [
    (59.91, 10.75, "NO", 2119),
    (-33.87, 151.21, "AU", 1221),
    (52.52, 13.40, "DE", 3320),
    (40.71, -74.01, "US", 7922),
    (51.51, -0.13, "GB", 2856),
    (48.86, 2.35, "FR", 3215),
    (50.85, 4.35, "BE", 5432),
    (89.99, -179.99, "AQ", 0),
];

/// The counts in an opened state body (version 4, as the engine writes) are within the caps,
/// and the body is as long as they say.
pub fn check_caps(body: &[u8]) {
    let count = |i: usize| usize::from(body.get(i).copied().unwrap_or(u8::MAX));
    let (ns, nd, nn) = (count(13), count(14), count(15));
    assert!(ns <= factorgate::internals::MAX_SIGNINS, "{ns} sign-ins");
    assert!(nd <= factorgate::internals::MAX_DEVICES, "{nd} devices");
    assert!(nn <= factorgate::internals::MAX_NETWORKS, "{nn} networks");
    let mut at = 16 + ns * 19 + nd * 10 + nn * 8;
    // The fields present, then each: the last recovery (4), the used grants (a count, 12 each),
    // the session (8), the privileged time (4), the changes (a count, 7 each), HMAC devices (2).
    let has = count(at);
    assert_eq!(has & 0x80, 0, "unknown field {has:#x}");
    at += 1;
    let field = |bit: usize, len: usize| if has & 1 << bit != 0 { len } else { 0 };
    at += field(0, 4);
    if has & 2 != 0 {
        let ng = count(at);
        assert!(
            (1..=factorgate::internals::MAX_USED_GRANTS).contains(&ng),
            "{ng} used grants"
        );
        at += 1 + ng * 12;
    }
    at += field(2, 8) + field(3, 4);
    if has & 16 != 0 {
        let nc = count(at);
        assert!(
            (1..=factorgate::internals::MAX_CHANGES).contains(&nc),
            "{nc} changes"
        );
        at += 1 + nc * 7;
    }
    at += field(6, 2);
    assert_eq!(body.len(), at, "body length");
}

fn opened(state: &Value) -> Vec<u8> {
    let s = state
        .as_str()
        .unwrap_or_else(|| panic!("no state: {state}"));
    let body = signer()
        .open(USER, s)
        .unwrap_or_else(|| panic!("the engine's state does not verify: {s}"));
    check_caps(&body);
    body
}

/// Each 5 bytes one login (time step, place, network, device, host risk) threaded through the
/// engine, state to state: the engine's own states always verify (never `stateTampered`), stay
/// within their size bound and keep their caps.
fn history(bytes: &[u8]) {
    let mut state: Option<String> = None;
    let mut t = NOW_MS;
    for step in bytes.chunks_exact(5) {
        let &[dt, place, net, device, risk] = step else {
            continue;
        };
        // Steps from a minute to about 180 days (the clock only moves forward).
        t += f64::from(u32::from(dt).pow(3)) * 60_000.0 / 16.0 + 60_000.0;
        let (lat, lon, country, asn) = PLACES[usize::from(place) % PLACES.len()];
        let mut req = state_login(t, state.as_deref());
        req["session"]["geo"] = match place >> 4 {
            0 => json!({}),
            1 => json!({ "country": country }),
            2 => json!({"lat": lat, "lon": lon}),
            _ => json!({"lat": lat, "lon": lon, "country": country, "asn": asn + u32::from(net)}),
        };
        req["session"]["device"] = match device >> 6 {
            0 => json!({}),
            _ => json!({"id": format!("device-{}", device & 0x3f), "managed": device & 0x40 != 0}),
        };
        let level = ["low", "medium", "high", "critical"][usize::from(risk & 3)];
        req["session"]["hostRisk"] = json!({ "level": level });
        if risk & 4 != 0 {
            req["user"]["flags"] = json!({"reportedSuspicious": true});
        }
        let d = decide_keyed(&req, t);
        assert!(
            !has_reason(&d, "stateTampered"),
            "the engine's own state refused: {d}"
        );
        opened(&d["state"]);
        state = d["state"].as_str().map(String::from);
    }
}

/// State decoding. The first byte picks a mode:
///
/// - 0: the rest, as text, is the `state` of a login: verified and refused (base64url, length,
///   signature, version, user binding), never accepted, never a crash.
/// - 1: the rest is a version byte and a state body signed with the engine's key, so that the
///   record parser behind the signature sees arbitrary bytes; a login and a factor change agree
///   on whether it is acceptable, and an accepted state comes back out of the login readable
///   again (round trip) and within its caps; a newer version is handed back untouched.
/// - 2: the rest is a history of logins (see `history`).
pub fn state(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            let d = decide_keyed(&state_login(NOW_MS, Some(&text)), NOW_MS);
            if d["type"] == "decision" {
                assert!(
                    has_reason(&d, "stateTampered") || has_reason(&d, "stateMissing"),
                    "an unsigned state was accepted: {text:?} {d}"
                );
            }
        }
        1 => {
            let (version, body) = rest.split_first().map_or((1, rest), |(v, b)| (*v, b));
            let state = signer().state(version, USER, body);
            let d = decide_keyed(&state_login(NOW_MS, Some(&state)), NOW_MS);
            let mut change = state_login(NOW_MS, Some(&state));
            change["change"] = json!({"action": "enroll", "factor": {"type": "passkeySynced"}});
            let c = check_answer(
                Entry::FactorChange,
                &keyed_engine().assess_factor_change_json(&change.to_string(), NOW_MS),
            );
            let accepted = !has_reason(&d, "stateTampered");
            assert_eq!(accepted, !has_reason(&c, "stateTampered"), "{d}\n{c}");
            if version > 4 {
                // A newer engine's state is never tampered, and is handed back untouched.
                assert!(accepted, "{d}");
                assert_eq!(d["state"].as_str(), Some(state.as_str()));
            } else if accepted {
                opened(&d["state"]);
                let next = d["state"].as_str().map(String::from);
                let again = decide_keyed(
                    &state_login(NOW_MS + 60_000.0, next.as_deref()),
                    NOW_MS + 60_000.0,
                );
                assert!(!has_reason(&again, "stateTampered"), "{again}");
                // A factor change that does not happen hands an accepted state back as it came,
                // or, in versions 1 to 3, written again in the current version (4); one that
                // happens remembers itself.
                if version == 4 && c["outcome"] != "allow" {
                    assert_eq!(c["state"].as_str(), Some(state.as_str()));
                } else {
                    opened(&c["state"]);
                }
            }
        }
        _ => history(rest),
    }
}
