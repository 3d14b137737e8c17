//! The decision diff's answers pinned for the npm package: `tests/diff_pairs.json` holds decision
//! pairs (as JSON text, exactly as diffed) and the native `diff_decisions_json` answer for each;
//! this test checks the native answers, `pkg-tests/diff.test.mjs` checks that the package's
//! `diffDecisions` (the policy module's `diff_decisions`) gives the same, so the policy preview's
//! Compare (which calls `diffDecisions`) classes as `factorgate diff` does.
//!
//! The pairs: every vector decided under the default policy and five edited ones, both ways
//! round, the first few of each class (`same`, `changed`, `stricter`, `looser`, `mixed`) per
//! variant, plus answers that are not decisions and text that is not JSON.
//! `FG_BLESS=1 cargo test -p factorgate-cli --test diff_fixture` writes the file again.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn variants(default: &Value) -> Vec<Value> {
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut p = default.clone();
        f(&mut p);
        p
    };
    vec![
        edit(&|p| {
            p["requirements"]["high"]["phishingResistant"] = false.into();
            p["requirements"]["critical"]["hardwareBound"] = false.into();
        }),
        edit(&|p| {
            p["requirements"]["low"]["minAal"] = 2.into();
            p["requirements"]["medium"]["maxAgeS"] = 3600.into();
        }),
        edit(&|p| {
            p["risk"]["levels"]["medium"] = 10.into();
            p["risk"]["levels"]["high"] = 30.into();
        }),
        edit(&|p| {
            for (_, w) in p["risk"]["weights"].as_object_mut().unwrap() {
                if let Some(n) = w.as_i64().filter(|n| *n > 0) {
                    *w = json!(n / 2);
                }
            }
        }),
        edit(&|p| p["reauthentication"]["aal2S"] = 600.into()),
    ]
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The pairs as JSON text: up to `PER_CLASS` of each class per variant, then the odd ones.
fn pairs() -> Vec<(String, String)> {
    const PER_CLASS: usize = 3;
    let root = root();
    let default: Value = serde_json::from_str(&factorgate::default_policy_json()).unwrap();
    let mut out = Vec::new();
    let mut first_decision = None;
    for variant in variants(&default) {
        let mut taken: HashMap<String, usize> = HashMap::new();
        for file in factorgate_cases::case_files(&[root.join("tests/vectors")]).unwrap() {
            let case = factorgate_cases::read_case(&file).unwrap();
            if factorgate_cases::has_own_policy(&case) || case["entry"] == "validatePolicy" {
                continue;
            }
            let a = factorgate_cases::run(&case, Some(&default)).unwrap();
            let b = factorgate_cases::run(&case, Some(&variant)).unwrap();
            for (x, y) in a.iter().zip(&b).filter(|(x, _)| x.entry != "grantApproval") {
                for (p, q) in [(&x.result, &y.result), (&y.result, &x.result)] {
                    let (p, q) = (p.to_string(), q.to_string());
                    let class = answer(&p, &q)["class"].as_str().unwrap().to_owned();
                    let n = taken.entry(class).or_default();
                    if *n < PER_CLASS {
                        *n += 1;
                        first_decision.get_or_insert_with(|| p.clone());
                        out.push((p, q));
                    }
                }
            }
        }
    }
    let decision = first_decision.unwrap();
    let error =
        r#"{"type":"error","errors":[{"code":"invalidValue","message":"bad","path":"/now"}]}"#;
    for (a, b) in [
        (decision.clone(), error.to_owned()),
        (error.to_owned(), decision.clone()),
        (error.to_owned(), error.to_owned()),
        ("{not json".to_owned(), decision.clone()),
        (decision, "[1,".to_owned()),
        (String::new(), "null".to_owned()),
    ] {
        out.push((a, b));
    }
    out
}

fn answer(a: &str, b: &str) -> Value {
    serde_json::from_str(&factorgate::diff_decisions_json(a, b)).unwrap()
}

#[test]
fn the_package_fixture_is_the_native_diff() {
    let file = root().join("tests/diff_pairs.json");
    if std::env::var_os("FG_BLESS").is_some() {
        let doc: Vec<Value> = pairs()
            .into_iter()
            .map(|(a, b)| json!({ "a": a, "b": b, "diff": answer(&a, &b) }))
            .collect();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
    let doc: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut classes = HashMap::<String, usize>::new();
    for pair in &doc {
        let (a, b) = (pair["a"].as_str().unwrap(), pair["b"].as_str().unwrap());
        assert_eq!(answer(a, b), pair["diff"], "a: {a}\nb: {b}");
        let class = pair["diff"]["class"].as_str().unwrap_or("error");
        *classes.entry(class.to_owned()).or_default() += 1;
    }
    for class in ["same", "changed", "stricter", "looser", "mixed", "error"] {
        assert!(
            classes.get(class).copied().unwrap_or(0) > 0,
            "no {class} pair in {classes:?}"
        );
    }
}
