//! Runs every case in tests/vectors/ through the JSON twins (the same files pkg-tests runs
//! through the built npm package).
//!
//! A case is one JSON file:
//!
//! | field | meaning |
//! |---|---|
//! | `name` | the file name without `.json` |
//! | `entry` | `login`, `factorChange` or `validatePolicy` |
//! | `policy` | a policy document, or `"default"` / absent for the embedded default |
//! | `policyPatch` | RFC 7386 merge patch applied to the policy |
//! | `options` | `compilePolicy` options (e.g. `{"stateKey": "…"}`), absent for none |
//! | `now` | RFC 3339: the host clock passed to the call (requests may carry their own `now`) |
//! | `request` | the request, as an object, or as a string sent as it is (malformed JSON cases) |
//! | `expect` | what must hold (below) |
//! | `steps` | optional: a multi-step case (below); then `request` is the base every step patches |
//!
//! `expect` keys, each optional: `type`; `outcome`; `riskLevel`; `reasons` (the exact set of
//! reason codes); `errorCodes` (exact set); `errorPaths` (each must be present); `requirement`
//! (each key given must match); `enrollmentAllowed`; `approvalBy`; `alertClasses` (exact set of
//! OCSF `class_uid`s); `notifyTemplates` (exact set); `hasState` (whether the result carries a
//! `state` string).
//!
//! **Multi-step cases** (memory between calls, docs/contract.md#memory): `steps` is a list run in order on one
//! engine (compiled once from `policy`, `policyPatch` and `options`). Each step has:
//!
//! | field | meaning |
//! |---|---|
//! | `name` | optional label |
//! | `entry` | optional; defaults to the case's `entry` |
//! | `now` | optional host clock; defaults to the case's `now` |
//! | `requestPatch` | optional RFC 7386 merge patch applied to a copy of the case's `request` |
//! | `state` | optional: a string sent as the request's `state` instead of the threaded one, or `null` to send none |
//! | `tamperState` | optional `true`: before sending, the character at index ⌊len/2⌋ of the state is replaced by `A`, or by `B` if it is `A` |
//! | `expect` | as above |
//!
//! Threading: the runner keeps the last `state` string any step's result carried; each step's
//! request gets it as `state` (unless the step says otherwise), so a result without `state`
//! leaves the previous one in place — what a host does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/merge_patch.rs"]
mod merge_patch;
use merge_patch::merge_patch;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn vector_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn policy_json(case: &Value) -> String {
    let mut policy = match case.get("policy") {
        None => serde_json::from_str(&factorgate::default_policy_json()).unwrap(),
        Some(Value::String(s)) if s == "default" => {
            serde_json::from_str(&factorgate::default_policy_json()).unwrap()
        }
        Some(p) => p.clone(),
    };
    if let Some(patch) = case.get("policyPatch") {
        merge_patch(&mut policy, patch);
    }
    policy.to_string()
}

fn now_ms(case: &Value) -> f64 {
    now_ms_of(case.get("now"))
}

fn now_ms_of(now: Option<&Value>) -> f64 {
    now.and_then(Value::as_str)
        .and_then(factorgate::Timestamp::parse)
        .map_or(1.8e12, |t| t.0 as f64 * 1000.0)
}

/// The case's engine, or the error document `compilePolicy` gave.
fn engine(case: &Value) -> Result<factorgate::Engine, Value> {
    let options = case
        .get("options")
        .map(Value::to_string)
        .unwrap_or_default();
    factorgate::compile_policy_json(&policy_json(case), &options)
        .map_err(|err| serde_json::from_str(&err).unwrap())
}

fn call(engine: &factorgate::Engine, entry: &str, request: &str, now_ms: f64) -> Value {
    let out = match entry {
        "login" => engine.decide_login_json(request, now_ms),
        "factorChange" => engine.assess_factor_change_json(request, now_ms),
        other => panic!("unknown entry {other}"),
    };
    serde_json::from_str(&out).unwrap()
}

fn run(case: &Value) -> Value {
    let entry = case["entry"].as_str().unwrap();
    if entry == "validatePolicy" {
        return serde_json::from_str(&factorgate::validate_policy_json(&policy_json(case)))
            .unwrap();
    }
    let engine = match engine(case) {
        Ok(e) => e,
        Err(err) => return err,
    };
    let request = match case.get("request") {
        Some(Value::String(raw)) => raw.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    call(&engine, entry, &request, now_ms(case))
}

/// Replaces the character at index len/2 by `A`, or by `B` if it is `A`.
fn tamper(state: &str) -> String {
    let mid = state.len() / 2;
    state
        .char_indices()
        .map(|(i, c)| match (i == mid, c) {
            (true, 'A') => 'B',
            (true, _) => 'A',
            (false, c) => c,
        })
        .collect()
}

/// Runs a multi-step case; returns each step's label, result and mismatches.
fn run_steps(case: &Value, steps: &[Value]) -> Vec<(String, Value, Vec<String>)> {
    let engine = engine(case).unwrap_or_else(|e| panic!("policy does not compile: {e}"));
    let mut state: Option<String> = None;
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let mut request = case.get("request").cloned().unwrap_or_else(|| json!({}));
        if let Some(patch) = step.get("requestPatch") {
            merge_patch(&mut request, patch);
        }
        let sent = match step.get("state") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => None,
            Some(other) => panic!("step {i}: state must be a string or null, not {other}"),
            None => state.clone(),
        };
        let sent = match (sent, step.get("tamperState")) {
            (Some(s), Some(Value::Bool(true))) => Some(tamper(&s)),
            (s, _) => s,
        };
        if let Some(s) = sent {
            request["state"] = json!(s);
        }
        let entry = step
            .get("entry")
            .or_else(|| case.get("entry"))
            .and_then(Value::as_str)
            .unwrap();
        let now = now_ms_of(step.get("now").or_else(|| case.get("now")));
        let result = call(&engine, entry, &request.to_string(), now);
        if let Some(s) = result.get("state").and_then(Value::as_str) {
            state = Some(s.to_string());
        }
        let label = match step.get("name").and_then(Value::as_str) {
            Some(n) => format!("step {} ({n})", i + 1),
            None => format!("step {}", i + 1),
        };
        let bad = check(step.get("expect").unwrap_or(&Value::Null), &result);
        out.push((label, result, bad));
    }
    out
}

fn codes(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get(key).and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn strings(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Checks one result against an `expect` object; returns the mismatches.
fn check(expect: &Value, out: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    if out["type"] == "decision" && out["reasons"].as_array().map_or(true, Vec::is_empty) {
        bad.push(
            "a decision without reasons (docs/contract.md#decision: that is a bug)".to_string(),
        );
    }
    let mut eq = |what: &str, want: &Value, got: &Value| {
        if want != got {
            bad.push(format!("{what}: want {want}, got {got}"));
        }
    };
    if let Some(t) = expect.get("type") {
        eq("type", t, &out["type"]);
    }
    if let Some(o) = expect.get("outcome") {
        eq("outcome", o, &out["outcome"]);
    }
    if let Some(l) = expect.get("riskLevel") {
        eq("riskLevel", l, &out["risk"]["level"]);
    }
    if let Some(r) = expect.get("reasons") {
        let want = strings(r);
        let got = codes(&out["reasons"], "code");
        if want != got {
            bad.push(format!("reasons: want {want:?}, got {got:?}"));
        }
    }
    if let Some(r) = expect.get("errorCodes") {
        let want = strings(r);
        let got = codes(&out["errors"], "code");
        if want != got {
            bad.push(format!("errorCodes: want {want:?}, got {got:?}"));
        }
    }
    if let Some(r) = expect.get("errorPaths") {
        let got = codes(&out["errors"], "path");
        for p in strings(r) {
            if !got.contains(&p) {
                bad.push(format!("errorPaths: {p} not in {got:?}"));
            }
        }
    }
    if let Some(Value::Object(req)) = expect.get("requirement") {
        for (k, v) in req {
            let got = &out["requirement"][k];
            if v != got {
                bad.push(format!("requirement.{k}: want {v}, got {got}"));
            }
        }
    }
    if let Some(v) = expect.get("enrollmentAllowed") {
        if v != &out["enrollmentAllowed"] {
            bad.push(format!(
                "enrollmentAllowed: want {v}, got {}",
                out["enrollmentAllowed"]
            ));
        }
    }
    if let Some(v) = expect.get("approvalBy") {
        if v != &out["approval"]["by"] {
            bad.push(format!(
                "approvalBy: want {v}, got {}",
                out["approval"]["by"]
            ));
        }
    }
    if let Some(v) = expect.get("alertClasses") {
        let want: BTreeSet<u64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let got: BTreeSet<u64> = out["alerts"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["class_uid"].as_u64()).collect())
            .unwrap_or_default();
        if want != got {
            bad.push(format!("alertClasses: want {want:?}, got {got:?}"));
        }
    }
    if let Some(v) = expect.get("hasState") {
        let got = out.get("state").is_some_and(Value::is_string);
        if v != &json!(got) {
            bad.push(format!("hasState: want {v}, got {got}"));
        }
    }
    if let Some(v) = expect.get("notifyTemplates") {
        let want = strings(v);
        let got = codes(&out["notify"], "template");
        if want != got {
            bad.push(format!("notifyTemplates: want {want:?}, got {got:?}"));
        }
    }
    bad
}

#[test]
fn every_vector_holds() {
    let files = vector_files();
    assert!(
        files.len() >= 40,
        "expected at least 40 vectors, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let results = match case.get("steps").and_then(Value::as_array) {
            Some(steps) => run_steps(&case, steps),
            None => {
                let out = run(&case);
                let bad = check(&case["expect"], &out);
                vec![(String::new(), out, bad)]
            }
        };
        for (label, out, bad) in results {
            if std::env::var_os("FACTORGATE_PRINT").is_some() {
                let name = file.file_name().unwrap().to_string_lossy();
                let reasons = codes(&out["reasons"], "code");
                println!(
                    "{name} {label}: {} {} {} {reasons:?} req={} appr={} notify={} alerts={:?} state={} err={}",
                    out["outcome"],
                    out["risk"]["score"],
                    out["risk"]["level"],
                    out["requirement"],
                    out["approval"]["by"],
                    codes(&out["notify"], "template").len(),
                    out["alerts"]
                        .as_array()
                        .map(|a| a.iter().map(|x| x["class_uid"].clone()).collect::<Vec<_>>()),
                    out["state"].as_str().map_or(0, str::len),
                    out["errors"]
                );
            }
            if !bad.is_empty() {
                failures.push(format!(
                    "{} {label}:\n  {}\n  actual: {}",
                    file.display(),
                    bad.join("\n  "),
                    out
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
