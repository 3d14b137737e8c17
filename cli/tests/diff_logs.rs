//! `factorgate diff OLD NEW --logs FILE --source IDP` through the binary: both policies replayed
//! over a generated log (replay's readers and fold), each decision's diff classed; `--fail-on`
//! and the exit codes 0, 1 and 2; `--format json`; malformed lines counted, never fatal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_factorgate"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A generated Auth0 log with one malformed line, its users, and a policy that loosens the
/// default (no deny at critical risk, SMS and voice bindable whatever else the user has).
fn setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let log = dir.join("auth0.log");
    let users = dir.join("users.jsonl");
    let out = run(&[
        "replay",
        "generate",
        "--source",
        "auth0",
        "--events",
        "12000",
        "--seed",
        "9",
        "--users-out",
        s(&users),
        "-o",
        s(&log),
    ]);
    assert!(out.status.success());
    let mut text = std::fs::read_to_string(&log).expect("log");
    text.insert_str(0, "{\"not\": \"closed\"\n");
    std::fs::write(&log, text).expect("write");
    let out = run(&["replay", "default-policy"]);
    let mut weak: Value = serde_json::from_slice(&out.stdout).expect("default policy");
    weak["id"] = json!("weak");
    weak["risk"]["login"]["denyAtCritical"] = json!(false);
    weak["enrollment"]["restrictedFactors"] = json!("allow");
    let weak_path = dir.join("weak.json");
    std::fs::write(&weak_path, weak.to_string()).expect("write");
    (log, users, weak_path)
}

fn diff(old: &str, new: &str, log: &Path, users: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "diff",
        old,
        new,
        "--logs",
        s(log),
        "--source",
        "auth0",
        "--users",
        s(users),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn diff_over_logs_classes_decisions_and_gates_on_looser() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, users, weak) = setup(dir.path());

    // the same policy twice: nothing changes, exit 0 even with the gate
    let out = diff("default", "default", &log, &users, &["--fail-on", "looser"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains(" 0 changed (0 looser"), "{text}");
    assert!(text.contains("1 malformed lines"), "{text}");

    // weakened as NEW: looser decisions, the gate fails with 1; without the gate, 0
    let out = diff("default", s(&weak), &log, &users, &["--fail-on", "looser"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("default → "), "{text}");
    assert!(text.contains("looser    outcome"), "{text}");
    assert_eq!(code(&diff("default", s(&weak), &log, &users, &[])), 0);

    // the other way round the same decisions are stricter: --fail-on looser passes, stricter fails
    assert_eq!(
        code(&diff(
            s(&weak),
            "default",
            &log,
            &users,
            &["--fail-on", "looser"]
        )),
        0
    );
    assert_eq!(
        code(&diff(
            s(&weak),
            "default",
            &log,
            &users,
            &["--fail-on", "stricter"]
        )),
        1
    );

    // --format json: the counts add up, with the fields that changed and examples
    let out = diff(
        "default",
        s(&weak),
        &log,
        &users,
        &["--format", "json", "--fail-on", "any"],
    );
    assert_eq!(code(&out), 1);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["type"], "policyDiff");
    assert_eq!(
        (doc["old"].as_str(), doc["new"].as_str()),
        (Some("default"), Some(s(&weak)))
    );
    let sum = &doc["summary"];
    let n = |k: &str| sum[k].as_u64().unwrap();
    assert!(n("looser") > 0, "{sum}");
    assert_eq!(n("stricter"), 0, "{sum}");
    assert_eq!(
        n("changed"),
        n("looser") + n("stricter") + n("mixed") + n("unordered")
    );
    assert_eq!(n("decisions"), n("changed") + n("same"));
    let logs = &doc["logs"];
    assert_eq!(
        n("decisions"),
        logs["signIns"].as_u64().unwrap() + logs["factorChanges"].as_u64().unwrap()
    );
    assert_eq!(logs["lines"], 12_001);
    assert_eq!(logs["malformed"], 1);
    assert_eq!(logs["malformedLines"][0]["line"], 1);
    let by_entry_total: u64 = doc["byEntry"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|c| c.as_object().unwrap().values())
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(by_entry_total, n("decisions"));
    let fields = doc["fields"].as_array().unwrap();
    assert!(fields
        .iter()
        .any(|f| f["field"] == "outcome" && f["direction"] == "looser"));
    let example = &doc["examples"][0];
    assert!(
        !example["changes"].as_array().unwrap().is_empty(),
        "{example}"
    );
}

#[test]
fn diff_over_logs_input_errors_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (log, users, _) = setup(dir.path());
    let missing = dir.path().join("missing.log");
    let out = diff("default", "default", &missing, &users, &[]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.log"));
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"id":"x","version":1,"risk":{"riskyAt":"sometimes"}}"#,
    )
    .expect("write");
    let out = diff("default", s(&broken), &log, &users, &[]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not compile"));
    // usage: --logs needs --source; --logs and --cases exclude each other; a known source only
    assert_eq!(
        code(&run(&["diff", "default", "default", "--logs", s(&log)])),
        2
    );
    assert_eq!(
        code(&run(&[
            "diff",
            "default",
            "default",
            "--logs",
            s(&log),
            "--source",
            "auth0",
            "--cases",
            "tests"
        ])),
        2
    );
    assert_eq!(
        code(&run(&[
            "diff",
            "default",
            "default",
            "--logs",
            s(&log),
            "--source",
            "ping"
        ])),
        2
    );
    assert_eq!(code(&run(&["diff", "default", "default"])), 2);
}
