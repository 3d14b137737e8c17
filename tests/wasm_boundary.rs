//! The wasm boundary (src/wasm.rs) compiled for wasm32 and run in Node by wasm-bindgen-test
//! (`scripts/wasm-cargo test --test wasm_boundary`, runner: wasm-bindgen-test-runner).
//! Every export answers tagged JSON and none traps, whatever it is given. The JS side of the
//! boundary (glue, shim, trap recovery) is covered by pkg-tests/ against the built package.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::wasm::{default_policy, review_exceptions, validate_policy, version, WasmEngine};
use serde_json::Value;
use wasm_bindgen_test::wasm_bindgen_test;

const NOW_MS: f64 = 1.8e12;
const LOGIN: &str = r#"{"user":{"id":"auth0|alice","kind":"employee",
  "factors":[{"id":"f1","type":"webauthnRoaming","enrolledAt":"2026-05-07T10:00:00Z"}]},
  "session":{"methods":[{"type":"password","at":"2027-01-15T07:59:00Z"}]},"app":{"id":"wiki"}}"#;
const CHANGE: &str = r#"{"user":{"id":"auth0|alice","kind":"employee"},
  "change":{"action":"enroll","phase":"before","factor":{"type":"totp"}}}"#;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn tag(text: &str) -> String {
    json(text)["type"].as_str().unwrap_or("").to_string()
}

#[wasm_bindgen_test]
fn version_is_tagged() {
    let v = json(&version());
    assert_eq!(v["type"], "version");
    assert_eq!(v["crate"], env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn default_policy_validates() {
    let policy = default_policy();
    let v = json(&validate_policy(&policy));
    assert_eq!(v["type"], "validation");
    assert_eq!(v["valid"], true, "{v}");
}

#[wasm_bindgen_test]
fn the_default_engine_decides_as_the_default_policy_text_does() {
    let options = r#"{"stateKey":"0123456789abcdef0123"}"#;
    let by_text = WasmEngine::new(&default_policy(), options);
    let direct = WasmEngine::with_default(options);
    assert_eq!(direct.errors(), "");
    assert_eq!(
        direct.decide_login(LOGIN, NOW_MS),
        by_text.decide_login(LOGIN, NOW_MS)
    );
    let short = WasmEngine::with_default(r#"{"stateKey":"short"}"#);
    assert_eq!(
        short.errors(),
        WasmEngine::new(&default_policy(), r#"{"stateKey":"short"}"#).errors()
    );
}

#[wasm_bindgen_test]
fn engine_decides_both_entries_and_fail_mode() {
    let engine = WasmEngine::new(&default_policy(), "");
    assert_eq!(engine.errors(), "");
    assert_eq!(tag(&engine.decide_login(LOGIN, NOW_MS)), "decision");
    assert_eq!(
        tag(&engine.assess_factor_change(CHANGE, NOW_MS)),
        "decision"
    );
    for entry in ["login", "factorChange"] {
        let d = json(&engine.fail_mode(entry, LOGIN, NOW_MS));
        assert_eq!(d["type"], "decision");
        assert!(d["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "engineFailure"));
    }
    assert_eq!(
        json(&engine.fail_mode("factorChange", CHANGE, NOW_MS))["outcome"],
        "deny"
    );
}

#[wasm_bindgen_test]
fn options_are_json_too() {
    let engine = WasmEngine::new(&default_policy(), r#"{"stateKey":"0123456789abcdef0123"}"#);
    assert_eq!(engine.errors(), "");
    let short = WasmEngine::new(&default_policy(), r#"{"stateKey":"short"}"#);
    assert_eq!(tag(&short.errors()), "error");
}

#[wasm_bindgen_test]
fn a_bad_policy_is_held_as_its_errors_and_every_call_answers_them() {
    for policy in [
        "",
        "{",
        "null",
        "[]",
        r#"{"id":"x","version":1,"nope":true}"#,
    ] {
        let engine = WasmEngine::new(policy, "");
        let errors = engine.errors();
        assert_eq!(tag(&errors), "error", "{policy:?}: {errors}");
        assert_eq!(engine.decide_login(LOGIN, NOW_MS), errors);
        assert_eq!(engine.assess_factor_change(CHANGE, NOW_MS), errors);
        assert_eq!(engine.fail_mode("login", LOGIN, NOW_MS), errors);
        assert_eq!(json(&validate_policy(policy))["valid"], false);
    }
}

#[wasm_bindgen_test]
fn hostile_requests_and_clocks_are_tagged_errors_not_traps() {
    let engine = WasmEngine::new(&default_policy(), "");
    let long = "x".repeat(1 << 20);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let inputs = [
        "",
        "{",
        "null",
        "1",
        "\"\"",
        "[]",
        "{}",
        "\u{fffd}",
        long.as_str(),
        deep.as_str(),
    ];
    for input in inputs {
        for out in [
            engine.decide_login(input, NOW_MS),
            engine.assess_factor_change(input, NOW_MS),
        ] {
            assert_eq!(tag(&out), "error", "{:?}: {out}", input.get(..40));
        }
        assert_eq!(tag(&engine.fail_mode("login", input, NOW_MS)), "decision");
        // None of them is a policy either ("{}" lacks the id and version a policy must state).
        let review = review_exceptions(input, "2026-11-23T10:00:00Z");
        assert_eq!(tag(&review), "error", "{:?}: {review}", input.get(..40));
    }
    for now_ms in [f64::NAN, f64::INFINITY, -1.0, 1e300] {
        let out = engine.decide_login(LOGIN, now_ms);
        assert!(matches!(tag(&out).as_str(), "error" | "decision"), "{out}");
        assert_eq!(tag(&engine.fail_mode("login", LOGIN, now_ms)), "decision");
    }
}

#[wasm_bindgen_test]
fn review_exceptions_of_the_default_policy() {
    let out = json(&review_exceptions(
        &default_policy(),
        "2026-11-23T10:00:00Z",
    ));
    assert_eq!(out["type"], "exceptionReview", "{out}");
    assert_eq!(
        tag(&review_exceptions(&default_policy(), "yesterday")),
        "error"
    );
}
