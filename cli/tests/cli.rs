//! The binary through its command line: exit codes (0, 1, 2), formats (text, json, junit),
//! validate's locations, test over tests/vectors, diff's `--fail-on looser`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn vectors() -> PathBuf {
    root().join("tests/vectors")
}

fn factorgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_factorgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(out)))
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("factorgate-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The embedded default policy with `edit` applied, pretty-printed.
fn policy_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut p: Value = serde_json::from_str(&factorgate::default_policy_json()).unwrap();
    edit(&mut p);
    serde_json::to_string_pretty(&p).unwrap()
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&factorgate(&[])), 2);
    assert_eq!(code(&factorgate(&["frobnicate"])), 2);
    assert_eq!(
        code(&factorgate(&["validate", "default", "--format", "yaml"])),
        2
    );
    let missing = factorgate(&["validate", "/nonexistent/policy.json"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("/nonexistent/policy.json"),
        "{}",
        stderr(&missing)
    );
    assert!(stdout(&missing).is_empty());
    assert_eq!(code(&factorgate(&["--help"])), 0);
}

#[test]
fn validate_shows_line_column_pointer_and_the_source() {
    let dir = scratch("validate");
    let broken = policy_with(|p| {
        p["requirements"]["high"]["minAal"] = 5.into();
        p["networks"]["trusted"] =
            serde_json::json!([{"name": "hq", "kind": "corporate", "cidrs": ["10.0.0.0/40"]}]);
    });
    let file = write(&dir, "broken.json", &broken);
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let (aal_line, cidr_line) = (line_of("\"minAal\": 5"), line_of("10.0.0.0/40"));

    let out = factorgate(&["validate", &file]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("{file}:{aal_line}:")), "{text}");
    assert!(text.contains("/requirements/high/minAal"), "{text}");
    assert!(
        text.contains("\"minAal\": 5"),
        "the source line is shown:\n{text}"
    );
    assert!(text.contains(&format!("{file}:{cidr_line}:")), "{text}");
    assert!(text.contains("2 problems"), "{text}");

    let out = factorgate(&["validate", &file, "--format", "json"]);
    assert_eq!(code(&out), 1);
    let doc = json(&out);
    assert_eq!(doc["valid"], false);
    let errors = doc["errors"].as_array().unwrap();
    let aal = errors
        .iter()
        .find(|e| e["path"] == "/requirements/high/minAal")
        .unwrap();
    assert_eq!(aal["line"], aal_line);
    let col = broken
        .lines()
        .nth(aal_line - 1)
        .unwrap()
        .find("\"minAal\"")
        .unwrap()
        + 1;
    assert_eq!(aal["column"], col);
    let span = &aal["span"];
    let (start, end) = (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&broken[start..end], "\"minAal\": 5");

    // Not JSON at all: the place of the syntax error.
    let file = write(
        &dir,
        "syntax.json",
        "{\n  \"id\": \"x\",\n  \"version\": 1,\n  ]\n}\n",
    );
    let out = factorgate(&["validate", &file]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains(&format!("{file}:4:3")),
        "{}",
        stdout(&out)
    );

    let out = factorgate(&["validate", "default"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("valid"));
    assert_eq!(
        json(&factorgate(&["validate", "default", "--format", "json"]))["valid"],
        true
    );
}

#[test]
fn test_runs_the_vectors_in_every_format() {
    let dir = vectors();
    let dir = dir.to_str().unwrap();
    let out = factorgate(&["test", "default", dir]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let n = std::fs::read_dir(dir).unwrap().count();
    assert!(
        stdout(&out).contains(&format!("test result: ok. {n} passed; 0 failed")),
        "{}",
        stdout(&out)
    );

    let report = json(&factorgate(&["test", "default", dir, "--format", "json"]));
    assert_eq!(report["passed"], n);
    assert_eq!(report["failed"], 0);

    let out = factorgate(&["test", "default", dir, "--format", "junit"]);
    assert_eq!(code(&out), 0);
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml"));
    assert!(
        xml.contains(&format!("tests=\"{n}\" failures=\"0\"")),
        "{}",
        &xml[..300]
    );
    assert_eq!(xml.matches("<testcase ").count(), n);
}

#[test]
fn a_failing_case_exits_1_and_says_why() {
    let dir = scratch("failing");
    let mut case: Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("login-02-password-only-steps-up.json")).unwrap(),
    )
    .unwrap();
    case["name"] = "wrong & <expected>".into();
    case["expect"]["outcome"] = "allow".into();
    let file = write(&dir, "wrong.json", &case.to_string());
    let out = factorgate(&["test", "default", &file]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("outcome: want \"allow\", got \"stepUp\""),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("1 failed"));

    let report = json(&factorgate(&["test", "default", &file, "--format", "json"]));
    assert_eq!(report["failed"], 1);
    assert_eq!(report["cases"][0]["passed"], false);

    let xml = stdout(&factorgate(&[
        "test", "default", &file, "--format", "junit",
    ]));
    assert!(xml.contains("failures=\"1\""));
    assert!(
        xml.contains("name=\"wrong &amp; &lt;expected&gt;\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"outcome: want &quot;allow&quot;"),
        "{xml}"
    );

    // A malformed case is an input error.
    let bad = write(
        &dir,
        "bad.json",
        "{\"entry\": \"frobnicate\", \"request\": {}}",
    );
    let out = factorgate(&["test", "default", &bad]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("frobnicate"), "{}", stderr(&out));
    let not_json = write(&dir, "notjson.json", "{");
    assert_eq!(code(&factorgate(&["test", "default", &not_json])), 2);
}

#[test]
fn test_runs_cases_under_the_given_policy() {
    // Under a policy that lets high apps accept any factor, the vector expecting a
    // phishing-resistant step-up fails.
    let dir = scratch("under");
    let weak = write(
        &dir,
        "weak.json",
        &policy_with(|p| {
            p["requirements"]["high"]["phishingResistant"] = false.into();
        }),
    );
    let case = vectors().join("login-03-high-app-needs-phishing-resistant.json");
    let case = case.to_str().unwrap();
    assert_eq!(code(&factorgate(&["test", "default", case])), 0);
    assert_eq!(code(&factorgate(&["test", &weak, case])), 1);
}

#[test]
fn decide_picks_the_entry_by_shape() {
    let dir = scratch("decide");
    let case = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(vectors().join(name)).unwrap()).unwrap()
    };
    let login = case("login-02-password-only-steps-up.json");
    let change = case("change-01-second-security-key-calm.json");
    let login_file = write(&dir, "login.json", &login["request"].to_string());
    let change_file = write(&dir, "change.json", &change["request"].to_string());
    let now = login["now"].as_str().unwrap();

    let out = factorgate(&[
        "decide",
        "default",
        &login_file,
        "--now",
        now,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let d = json(&out);
    assert_eq!(
        (d["type"].as_str(), d["entry"].as_str()),
        (Some("decision"), Some("login"))
    );
    assert_eq!(d["outcome"], login["expect"]["outcome"]);

    let now = change["now"].as_str().unwrap();
    let d = json(&factorgate(&[
        "decide",
        "default",
        &change_file,
        "--now",
        now,
        "--format",
        "json",
    ]));
    assert_eq!(d["entry"], "factorChange");
    assert_eq!(d["outcome"], change["expect"]["outcome"]);

    let out = factorgate(&["decide", "default", &change_file, "--now", now]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).starts_with("factorChange: allow"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("bindingAuthenticated"));

    let action =
        case("action-02-privileged-action-proved-with-totp-steps-up-to-the-security-key.json");
    let action_file = write(&dir, "action.json", &action["request"].to_string());
    let now = action["now"].as_str().unwrap();
    let d = json(&factorgate(&[
        "decide",
        "default",
        &action_file,
        "--now",
        now,
        "--format",
        "json",
    ]));
    assert_eq!(d["entry"], "action");
    assert_eq!(d["outcome"], action["expect"]["outcome"]);

    // A refused request: the engine's error document on stdout (json), exit 2.
    let bad = write(&dir, "bad.json", "{\"user\": {}}");
    let out = factorgate(&["decide", "default", &bad, "--format", "json"]);
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["type"], "error");
    assert!(stderr(&out).contains("refused"));
    assert_eq!(
        code(&factorgate(&[
            "decide",
            "default",
            &login_file,
            "--now",
            "yesterday"
        ])),
        2
    );
}

#[test]
fn exceptions_reports_and_fails_on_invalid_ones() {
    let dir = scratch("exceptions");
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(
            vectors().join("login-27-expired-exception-no-longer-applies.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let policy = policy_with(|p| {
        p["exceptions"]["items"] = case["policyPatch"]["exceptions"]["items"].clone();
    });
    let file = write(&dir, "policy.json", &policy);
    let now = case["now"].as_str().unwrap();
    let out = factorgate(&["exceptions", &file, "--now", now, "--format", "json"]);
    let doc = json(&out);
    assert_eq!(doc["type"], "exceptionReview");
    let statuses: Vec<&str> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"expired"), "{statuses:?}");
    assert_eq!(code(&out), 1);
    assert_eq!(
        code(&factorgate(&[
            "exceptions",
            &file,
            "--now",
            now,
            "--fail-on",
            "never"
        ])),
        0
    );
    let out = factorgate(&["exceptions", "default", "--now", now]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("0 exceptions"), "{}", stdout(&out));
    assert_eq!(
        code(&factorgate(&["exceptions", "default", "--now", "soon"])),
        2
    );
}

#[test]
fn diff_fails_on_looser_and_passes_on_identical() {
    let dir = scratch("diff");
    let cases = vectors();
    let cases = cases.to_str().unwrap();
    let same = write(&dir, "same.json", &policy_with(|_| {}));
    let weak = write(
        &dir,
        "weak.json",
        &policy_with(|p| {
            p["requirements"]["high"]["phishingResistant"] = false.into();
            p["requirements"]["critical"]["hardwareBound"] = false.into();
        }),
    );
    let strict = write(
        &dir,
        "strict.json",
        &policy_with(|p| {
            p["requirements"]["low"]["minAal"] = 2.into();
        }),
    );

    let out = factorgate(&[
        "diff",
        "default",
        &same,
        "--cases",
        cases,
        "--fail-on",
        "looser",
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains(" 0 changed"), "{}", stdout(&out));

    let out = factorgate(&[
        "diff",
        "default",
        &weak,
        "--cases",
        cases,
        "--fail-on",
        "looser",
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("login-03-high-app-needs-phishing-resistant: looser"),
        "{text}"
    );
    assert!(
        text.contains("outcome                        stepUp → allow"),
        "{text}"
    );
    // Without --fail-on the same report exits 0.
    assert_eq!(
        code(&factorgate(&["diff", "default", &weak, "--cases", cases])),
        0
    );

    let doc = json(&factorgate(&[
        "diff", "default", &weak, "--cases", cases, "--format", "json",
    ]));
    assert_eq!(doc["type"], "policyDiff");
    assert!(doc["summary"]["looser"].as_u64().unwrap() > 0);
    assert_eq!(doc["summary"]["stricter"], 0);
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "login-05-critical-app-needs-hardware-key")
        .unwrap();
    let changes = case["steps"][0]["changes"].as_array().unwrap();
    let pr = changes
        .iter()
        .find(|c| c["field"] == "requirement.hardwareBound")
        .unwrap();
    assert_eq!(
        (pr["direction"].as_str(), pr["a"].as_str(), pr["b"].as_str()),
        (Some("looser"), Some("true"), Some("false"))
    );

    // The other way round, the same changes are stricter.
    let out = factorgate(&[
        "diff",
        &weak,
        "default",
        "--cases",
        cases,
        "--fail-on",
        "looser",
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        code(&factorgate(&[
            "diff",
            &weak,
            "default",
            "--cases",
            cases,
            "--fail-on",
            "stricter"
        ])),
        1
    );
    let out = factorgate(&[
        "diff",
        "default",
        &strict,
        "--cases",
        cases,
        "--fail-on",
        "any",
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));

    // An invalid policy is an input error.
    let broken = write(&dir, "broken.json", "{\"id\": 1}");
    assert_eq!(
        code(&factorgate(&["diff", "default", &broken, "--cases", cases])),
        2
    );
    assert_eq!(
        code(&factorgate(&["diff", "default", &same])),
        2,
        "--cases is required"
    );
}
