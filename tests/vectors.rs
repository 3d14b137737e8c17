//! Runs every case in tests/vectors/ through the JSON twins (the same files pkg-tests runs
//! through the built npm package).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

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

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
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
    case.get("now")
        .and_then(Value::as_str)
        .and_then(factorgate::time::Timestamp::parse)
        .map_or(1.8e12, |t| t.0 as f64 * 1000.0)
}

fn run(case: &Value) -> Value {
    let policy = policy_json(case);
    let entry = case["entry"].as_str().unwrap();
    if entry == "validatePolicy" {
        return serde_json::from_str(&factorgate::validate_policy_json(&policy)).unwrap();
    }
    let options = case
        .get("options")
        .map(Value::to_string)
        .unwrap_or_default();
    let engine = match factorgate::compile_policy_json(&policy, &options) {
        Ok(e) => e,
        Err(err) => return serde_json::from_str(&err).unwrap(),
    };
    let request = match case.get("request") {
        Some(Value::String(raw)) => raw.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let out = match entry {
        "login" => engine.decide_login_json(&request, now_ms(case)),
        "factorChange" => engine.assess_factor_change_json(&request, now_ms(case)),
        other => panic!("unknown entry {other}"),
    };
    serde_json::from_str(&out).unwrap()
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

/// Checks one case; returns the mismatches.
fn check(case: &Value, out: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let expect = &case["expect"];
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
        let out = run(&case);
        if std::env::var_os("FACTORGATE_PRINT").is_some() {
            let name = file.file_name().unwrap().to_string_lossy();
            let reasons = codes(&out["reasons"], "code");
            println!(
                "{name}: {} {} {} {reasons:?} req={} appr={} notify={} alerts={:?} err={}",
                out["outcome"],
                out["risk"]["score"],
                out["risk"]["level"],
                out["requirement"],
                out["approval"]["by"],
                codes(&out["notify"], "template").len(),
                out["alerts"]
                    .as_array()
                    .map(|a| a.iter().map(|x| x["class_uid"].clone()).collect::<Vec<_>>()),
                out["errors"]
            );
        }
        let bad = check(&case, &out);
        if !bad.is_empty() {
            failures.push(format!(
                "{}:\n  {}\n  actual: {}",
                file.display(),
                bad.join("\n  "),
                out
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
