//! The engine's decision diff classes every change as the policy preview's Compare does
//! (`examples/policy-preview/src/runner.js`, `diffDecision`), so the preview can switch to the
//! wasm export: every vector decided under the default policy and five edited ones, both ways
//! round, diffed by both, the fields, classes and texts compared. Needs `node` (skipped, and
//! said so, without it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

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

#[test]
fn the_diff_classes_as_the_policy_preview() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: no node on PATH");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let default: Value = serde_json::from_str(&factorgate::default_policy_json()).unwrap();
    let variants = variants(&default);
    let mut pairs = Vec::new();
    for file in factorgate_cases::case_files(&[root.join("tests/vectors")]).unwrap() {
        let case = factorgate_cases::read_case(&file).unwrap();
        if factorgate_cases::has_own_policy(&case) || case["entry"] == "validatePolicy" {
            continue;
        }
        let a = factorgate_cases::run(&case, Some(&default)).unwrap();
        for variant in &variants {
            let b = factorgate_cases::run(&case, Some(variant)).unwrap();
            // A grantApproval answer is no decision: the preview neither calls it nor diffs it.
            let steps = a.iter().zip(&b).filter(|(x, _)| x.entry != "grantApproval");
            for (x, y) in steps {
                for (p, q) in [(&x.result, &y.result), (&y.result, &x.result)] {
                    let rust: Value = serde_json::from_str(&factorgate::diff_decisions_json(
                        &p.to_string(),
                        &q.to_string(),
                    ))
                    .unwrap();
                    pairs.push(json!({"a": p, "b": q, "rust": rust}));
                }
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("factorgate-parity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pairs_file = dir.join("pairs.json");
    std::fs::write(&pairs_file, Value::Array(pairs).to_string()).unwrap();
    let runner = root.join("examples/policy-preview/src/runner.js");
    let script = format!(
        r#"
import {{ readFileSync }} from 'node:fs';
import {{ diffDecision, classOf }} from {runner};
const pairs = JSON.parse(readFileSync({pairs}, 'utf8'));
const key = (c) => [c.field, c.direction, c.a, c.b].join(' | ');
let changed = 0;
const bad = [];
for (const p of pairs) {{
  const js = diffDecision(p.a, p.b);
  if (js.length) changed++;
  const [j, r] = [js.map(key), p.rust.changes.map(key)];
  if (j.join('\n') !== r.join('\n') || classOf(js) !== p.rust.class) bad.push({{ js: j, rust: r, jsClass: classOf(js), rustClass: p.rust.class }});
}}
console.log(JSON.stringify({{ pairs: pairs.length, changed, bad: bad.slice(0, 5), mismatches: bad.length }}));
"#,
        runner = json!(format!("file://{}", runner.display())),
        pairs = json!(pairs_file.display().to_string()),
    );
    let script_file = dir.join("parity.mjs");
    std::fs::write(&script_file, script).unwrap();
    let out = Command::new("node").arg(&script_file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["changed"].as_u64().unwrap() > 100, "{report}");
    assert_eq!(report["mismatches"], 0, "{report:#}");
}
