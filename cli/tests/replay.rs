//! `factorgate replay` through the binary: generated logs of each IdP replay to a report, the
//! attacks show up, malformed lines are counted with their line numbers, exit codes, `--against`,
//! determinism over partitioning and threads, and bounded memory on 10⁵ events.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_factorgate"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("factorgate-replay-test-")
        .tempdir()
        .expect("temp dir")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn default_policy() -> Value {
    let out = run(&["replay", "default-policy"]);
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("default policy JSON")
}

/// The default policy with the generated apps' tiers.
fn policy(dir: &Path) -> PathBuf {
    let mut p = default_policy();
    p["id"] = json!("acme");
    p["apps"]["byId"] = json!({"Wiki": "low", "Payroll": "high", "AWS Console": "critical", "Admin Portal": "critical"});
    let path = dir.join("policy.json");
    std::fs::write(&path, p.to_string()).expect("write policy");
    path
}

fn generate(
    dir: &Path,
    source: &str,
    events: u64,
    seed: u64,
    extra: &[&str],
) -> (PathBuf, PathBuf) {
    let log = dir.join(format!("{source}-{seed}.log"));
    let users = dir.join(format!("{source}-{seed}.users.jsonl"));
    let ev = events.to_string();
    let sd = seed.to_string();
    let mut args = vec![
        "replay",
        "generate",
        "--source",
        source,
        "--events",
        &ev,
        "--seed",
        &sd,
        "--users-out",
        s(&users),
        "-o",
        s(&log),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (log, users)
}

fn replay(args: &[&str]) -> (Output, Value) {
    let dir = tmp();
    let json_path = dir.path().join("out.json");
    let mut all: Vec<&str> = vec!["replay"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", s(&json_path)]);
    let out = run(&all);
    assert!(
        out.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json report"))
        .expect("JSON");
    (out, doc)
}

fn victims(users: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(users)
        .expect("users")
        .lines()
        .filter_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            Some((
                v["id"].as_str()?.to_owned(),
                v.get("scenario")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn users_in(doc: &Value, ptr: &str) -> BTreeSet<String> {
    doc.pointer(ptr)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e["user"].as_str().map(str::to_owned))
        .collect()
}

/// What must not depend on partitioning, threads or the input's envelope.
fn counts(doc: &Value) -> Value {
    json!({
        "input": {"lines": doc["input"]["lines"], "events": doc["input"]["events"], "malformed": doc["input"]["malformed"], "skipped": doc["input"]["skipped"]},
        "decisions": doc["decisions"],
        "agreement": doc["agreement"],
        "overTime": doc["overTime"],
        "byApp": doc["byApp"],
        "byUserKind": doc["byUserKind"],
        "topReasons": doc["topReasons"],
        "newlyDenied": doc["newlyDenied"],
        "heldChanges": doc["heldChanges"],
    })
}

#[test]
fn each_format_replays_to_a_report_where_the_attacks_show() {
    let dir = tmp();
    let pol = policy(dir.path());
    for source in ["auth0", "okta", "entra"] {
        let (log, users) = generate(dir.path(), source, 20_000, 7, &[]);
        let html = dir.path().join(format!("{source}.html"));
        let (out, doc) = replay(&[
            s(&pol),
            s(&log),
            "--source",
            source,
            "--users",
            s(&users),
            "--warmup",
            "7",
            "--report",
            s(&html),
        ]);
        // the terminal summary on stdout, nothing on stderr when piped (no progress bar)
        let summary = String::from_utf8_lossy(&out.stdout);
        assert!(summary.contains("agreement with the IdP"), "{summary}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // counts
        assert_eq!(doc["input"]["lines"], 20_000, "{source}");
        assert_eq!(doc["input"]["malformed"], 0, "{source}");
        assert_eq!(
            doc["decisions"]["requestErrors"], 0,
            "{source}: {}",
            doc["decisions"]["requestErrorExamples"]
        );
        let sign_ins = doc["decisions"]["signIns"].as_u64().unwrap_or(0);
        assert!(sign_ins > 1000, "{source}: {sign_ins} sign-ins");
        assert_eq!(
            doc["agreement"]["compared"].as_u64(),
            Some(sign_ins),
            "{source}"
        );
        let login_sum: u64 = doc["decisions"]["login"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_u64)
            .sum();
        assert_eq!(login_sum, sign_ins);
        assert!(
            doc["agreement"]["agree"].as_u64().unwrap_or(0) * 2 > sign_ins,
            "{source}: mostly agreement on calm life"
        );
        assert!(
            doc["byUserKind"].get("contractor").is_some(),
            "{source}: by kind"
        );
        assert!(doc["byApp"].get("Payroll").is_some(), "{source}: by app");
        assert!(
            doc["overTime"].as_array().is_some_and(|d| d.len() >= 10),
            "{source}: days"
        );
        // every attack's victim is newly denied or has a factor change held
        let denied = users_in(&doc, "/newlyDenied/examples");
        let held = users_in(&doc, "/heldChanges/examples");
        let v = victims(&users);
        assert_eq!(v.len(), 4, "{source}: one victim per attack");
        for (user, scenario) in &v {
            assert!(
                denied.contains(user) || held.contains(user),
                "{source}: the {scenario} attack on {user} shows neither denied nor held"
            );
        }
        // few false alarms: calm users newly denied stay rare
        let calm_denied = denied.iter().filter(|u| !v.contains_key(*u)).count() as u64;
        assert!(
            calm_denied * 50 < sign_ins,
            "{source}: {calm_denied} calm users denied"
        );
        // the HTML report: self-contained, with its charts
        let page = std::fs::read_to_string(&html).expect("HTML report");
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.matches("<svg").count() >= 5, "{source}: charts");
        for section in [
            "outcomes over time",
            "By app",
            "By user kind",
            "Top reasons",
            "Agreement with the IdP",
            "Users newly denied",
            "Factor changes held",
        ] {
            assert!(
                page.to_lowercase().contains(&section.to_lowercase()),
                "{source}: section {section}"
            );
        }
        assert!(
            !page.contains("src=")
                && !page.contains("<link")
                && !page.contains("http://")
                && !page.contains("https://"),
            "{source}: no external asset"
        );
    }
}

#[test]
fn replay_is_the_same_whatever_the_partitioning_threads_or_envelope() {
    let dir = tmp();
    let pol = policy(dir.path());
    let (log, users) = generate(dir.path(), "entra", 20_000, 3, &[]);
    let (_, a) = replay(&[
        s(&pol),
        s(&log),
        "--source",
        "entra",
        "--users",
        s(&users),
        "--threads",
        "1",
    ]);
    let (_, b) = replay(&[
        s(&pol),
        s(&log),
        "--source",
        "entra",
        "--users",
        s(&users),
        "--threads",
        "2",
        "--partitions",
        "3",
        "--partition-mb",
        "1",
    ]);
    assert_eq!(counts(&a), counts(&b));
    // the portal's "Download JSON" array gives the same history as JSON lines
    let array = dir.path().join("entra-array.json");
    let out = run(&[
        "replay",
        "generate",
        "--source",
        "entra",
        "--events",
        "20000",
        "--seed",
        "3",
        "--array",
        "-o",
        s(&array),
    ]);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(&array)
        .expect("array")
        .starts_with('['));
    let (_, c) = replay(&[
        s(&pol),
        s(&array),
        "--source",
        "entra",
        "--users",
        s(&users),
    ]);
    assert_eq!(counts(&a), counts(&c));
}

#[test]
fn the_generator_is_deterministic_by_seed() {
    let dir = tmp();
    let (a, _) = generate(dir.path(), "okta", 3000, 11, &[]);
    let first = std::fs::read(&a).expect("log");
    let (b, _) = generate(dir.path(), "okta", 3000, 11, &[]);
    assert_eq!(first, std::fs::read(&b).expect("log"));
    let (c, _) = generate(dir.path(), "okta", 3000, 12, &[]);
    assert_ne!(first, std::fs::read(&c).expect("log"));
    assert_eq!(first.iter().filter(|b| **b == b'\n').count(), 3000);
}

#[test]
fn malformed_lines_are_counted_with_file_and_line_never_fatal() {
    let dir = tmp();
    let pol = policy(dir.path());
    let (log, _) = generate(dir.path(), "okta", 2000, 5, &[]);
    let mut lines: Vec<String> = std::fs::read_to_string(&log)
        .expect("log")
        .lines()
        .map(str::to_owned)
        .collect();
    lines[4] = "this is not JSON".into();
    let cut = lines[9].len() / 2;
    lines[9] = lines[9][..cut].to_owned();
    lines[11] = r#"{"eventType":"user.session.start","published":"2026-01-05T08:00:00Z","actor":{"type":"App","id":"0oa1"}}"#.into();
    lines[14] = r#"{"eventType":"user.session.start","published":"yesterday","actor":{"type":"User","id":"00u1"}}"#.into();
    let bad = dir.path().join("bad.log");
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let (out, doc) = replay(&[s(&pol), s(&bad), "--source", "okta"]);
    assert_eq!(doc["input"]["malformed"], 4);
    let listed: Vec<(String, u64)> = doc["input"]["malformedLines"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| {
            (
                m["file"].as_str().unwrap_or("").to_owned(),
                m["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let name = bad.display().to_string();
    assert_eq!(
        listed,
        vec![
            (name.clone(), 5),
            (name.clone(), 10),
            (name.clone(), 12),
            (name.clone(), 15)
        ]
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("malformed {name}:5: not JSON")));
    assert!(
        doc["decisions"]["signIns"].as_u64().unwrap_or(0) > 100,
        "the rest is replayed"
    );
}

#[test]
fn exit_codes_zero_ok_two_bad_input() {
    let dir = tmp();
    let pol = policy(dir.path());
    let (log, _) = generate(dir.path(), "auth0", 500, 1, &[]);
    let code = |args: &[&str]| run(args).status.code();
    assert_eq!(
        code(&["replay", s(&pol), s(&log), "--source", "auth0", "-q"]),
        Some(0)
    );
    let missing = dir.path().join("missing.log");
    let out = run(&["replay", s(&pol), s(&missing), "--source", "auth0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.log"));
    let bad_policy = dir.path().join("bad-policy.json");
    std::fs::write(
        &bad_policy,
        r#"{"id":"x","version":1,"risk":{"riskyAt":"sometimes"}}"#,
    )
    .expect("write");
    let out = run(&["replay", s(&bad_policy), s(&log), "--source", "auth0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not compile"));
    assert_eq!(
        code(&["replay", s(&pol), s(&log), "--source", "ping"]),
        Some(2)
    );
    assert_eq!(code(&["replay", s(&pol), s(&log)]), Some(2));
    assert_eq!(code(&["replay"]), Some(2));
    assert_eq!(
        code(&["replay", "generate", "--source", "okta", "--start", "someday"]),
        Some(2)
    );
}

#[test]
fn against_diffs_two_policies_over_the_same_history() {
    let dir = tmp();
    let pol = policy(dir.path());
    let mut old = default_policy();
    old["id"] = json!("acme-old");
    old["risk"]["login"]["denyAtCritical"] = json!(false);
    old["enrollment"]["restrictedFactors"] = json!("allow");
    old["apps"]["byId"] = json!({"Wiki": "low"});
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, old.to_string()).expect("write");
    let (log, users) = generate(dir.path(), "auth0", 20_000, 9, &[]);
    let html = dir.path().join("diff.html");
    let (out, doc) = replay(&[
        s(&pol),
        s(&log),
        "--source",
        "auth0",
        "--users",
        s(&users),
        "--against",
        s(&old_path),
        "--report",
        s(&html),
    ]);
    let login = &doc["against"]["classes"]["login"];
    assert!(login["stricter"].as_u64().unwrap_or(0) > 0, "{login}");
    assert!(login["same"].as_u64().unwrap_or(0) > 0, "{login}");
    assert_eq!(doc["run"]["against"]["id"], "acme-old");
    assert!(!doc["against"]["examples"]
        .as_array()
        .expect("examples")
        .is_empty());
    // every decision is classed, field by field, by the core's decision diff
    let classes = &doc["against"]["classes"];
    let total = |entry: &str| -> u64 {
        classes[entry]
            .as_object()
            .map_or(0, |c| c.values().filter_map(Value::as_u64).sum())
    };
    assert_eq!(
        total("login"),
        doc["decisions"]["signIns"].as_u64().unwrap()
    );
    assert_eq!(
        total("factorChange"),
        doc["decisions"]["factorChanges"].as_u64().unwrap()
    );
    let fields = doc["against"]["fields"].as_array().expect("fields");
    assert!(
        fields.iter().any(|f| f["entry"] == "login"
            && f["field"] == "outcome"
            && f["direction"] == "stricter"
            && f["count"].as_u64().unwrap_or(0) > 0),
        "{fields:?}"
    );
    let counts: Vec<u64> = fields.iter().filter_map(|f| f["count"].as_u64()).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most first: {counts:?}"
    );
    for e in doc["against"]["examples"].as_array().expect("examples") {
        let changes = e["changes"].as_array().expect("changes");
        assert!(!changes.is_empty(), "{e}");
        for c in changes {
            assert!(["stricter", "looser", "changed"].contains(&c["direction"].as_str().unwrap()));
        }
    }
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("against the old policy (login)"), "{text}");
    assert!(text.contains("fields changed most"), "{text}");
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("Against the old policy"));
    assert!(page.contains("Fields that changed most"));
    // a policy against itself: nothing changes
    let (_, same) = replay(&[
        s(&pol),
        s(&log),
        "--source",
        "auth0",
        "--users",
        s(&users),
        "--against",
        s(&pol),
    ]);
    for entry in ["login", "factorChange"] {
        let c = &same["against"]["classes"][entry];
        for class in ["stricter", "looser", "mixed", "changed"] {
            assert_eq!(c.get(class), None, "{entry}: {c}");
        }
    }
    assert_eq!(same["against"]["fields"], json!([]));
}

#[test]
fn memory_stays_bounded_with_a_small_partition_cap() {
    let dir = tmp();
    let pol = policy(dir.path());
    let (log, users) = generate(dir.path(), "auth0", 100_000, 2, &[]);
    let size = std::fs::metadata(&log).expect("log").len();
    let (_, doc) = replay(&[
        s(&pol),
        s(&log),
        "--source",
        "auth0",
        "--users",
        s(&users),
        "--partitions",
        "2",
        "--partition-mb",
        "1",
        "--threads",
        "2",
    ]);
    assert_eq!(doc["input"]["lines"], 100_000);
    let run = &doc["run"];
    assert!(run["partitionSplits"].as_u64().unwrap_or(0) > 0, "{run}");
    assert!(
        run["largestPartitionBytes"].as_u64().unwrap_or(u64::MAX) <= 1 << 20,
        "{run}"
    );
    assert_eq!(run["oversizedPartitions"], 0, "{run}");
    if let Some(kb) = run["peakRssKb"].as_u64() {
        // the whole input is ~10x this; what is resident stays a few partitions' worth
        assert!(kb * 1024 < size, "peak {kb} KiB for a {size}-byte input");
    }
}
