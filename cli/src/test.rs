//! `factorgate test POLICY CASES...`: case files in the tests/vectors format, run by the same
//! runner as the engine's `cargo test` (the `factorgate-cases` crate).

use crate::common::{policy_value, Run, Status, Trouble};
use clap::ValueEnum;
use factorgate_cases::{case_files, case_name, has_own_policy, read_case, StepRun};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// `test NAME ... ok` lines and a summary, as cargo test prints.
    Text,
    /// One JSON report.
    Json,
    /// JUnit XML (GitLab, Jenkins, GitHub test reporters).
    Junit,
}

struct CaseResult {
    name: String,
    file: PathBuf,
    steps: Vec<StepRun>,
    seconds: f64,
}

impl CaseResult {
    fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.mismatches.is_empty())
    }
    fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.steps {
            for m in &s.mismatches {
                out.push(if s.label.is_empty() {
                    m.clone()
                } else {
                    format!("{}: {m}", s.label)
                });
            }
        }
        out
    }
}

pub fn run(policy: &Path, cases: &[PathBuf], format: TestFormat) -> Run {
    let (_, base) = policy_value(policy)?;
    let files = case_files(cases)?;
    if files.is_empty() {
        return Err(Trouble("no case files (*.json) found".into()));
    }
    let mut results = Vec::new();
    for file in files {
        let case = read_case(&file)?;
        let started = Instant::now();
        // A case that brings a whole policy of its own tests that policy; the others run under
        // POLICY (with their own policyPatch merged over it).
        let base = (!has_own_policy(&case)).then_some(&base);
        let steps = factorgate_cases::run(&case, base)
            .map_err(|e| Trouble(format!("{}: {e}", file.display())))?;
        results.push(CaseResult {
            name: case_name(&case, &file),
            file,
            steps,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    match format {
        TestFormat::Text => print!("{}", text(&results, failed)),
        TestFormat::Json => crate::common::print_json(&report(&results, failed)),
        TestFormat::Junit => print!("{}", junit(&results, failed)),
    }
    Ok(Status::failed_if(failed > 0))
}

fn text(results: &[CaseResult], failed: usize) -> String {
    let mut out = format!(
        "running {} case{}\n",
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    for r in results {
        let verdict = if r.passed() { "ok" } else { "FAILED" };
        let _ = writeln!(out, "test {} ... {verdict}", r.name);
    }
    if failed > 0 {
        out.push_str("\nfailures:\n");
        for r in results.iter().filter(|r| !r.passed()) {
            let _ = writeln!(out, "\n---- {} ({}) ----", r.name, r.file.display());
            for f in r.failures() {
                let _ = writeln!(out, "  {f}");
            }
            for s in r.steps.iter().filter(|s| !s.mismatches.is_empty()) {
                let label = if s.label.is_empty() {
                    "actual"
                } else {
                    &s.label
                };
                let _ = writeln!(out, "  {label}: {}", gist(&s.result));
            }
        }
    }
    let _ = writeln!(
        out,
        "\ntest result: {}. {} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" },
        results.len() - failed
    );
    out
}

/// A one-line gist of an answer for a failure report.
fn gist(result: &Value) -> String {
    let s = |p: &str| result.pointer(p).map(Value::to_string).unwrap_or_default();
    match result.get("type").and_then(Value::as_str) {
        Some("decision") => {
            let reasons = factorgate_cases::codes(result.get("reasons"), "code");
            format!(
                "{} (risk {} {}), reasons {reasons:?}",
                s("/outcome"),
                s("/risk/score"),
                s("/risk/level")
            )
        }
        _ => result.to_string(),
    }
}

fn report(results: &[CaseResult], failed: usize) -> Value {
    let cases: Vec<Value> = results
        .iter()
        .map(|r| {
            let steps: Vec<Value> = r
                .steps
                .iter()
                .map(|s| {
                    json!({
                        "label": s.label,
                        "entry": s.entry,
                        "passed": s.mismatches.is_empty(),
                        "mismatches": s.mismatches,
                        "type": s.result.get("type"),
                        "outcome": s.result.get("outcome"),
                    })
                })
                .collect();
            json!({
                "name": r.name,
                "file": r.file.display().to_string(),
                "passed": r.passed(),
                "steps": steps,
            })
        })
        .collect();
    json!({
        "type": "testReport",
        "passed": results.len() - failed,
        "failed": failed,
        "cases": cases,
    })
}

/// XML text escaped for an attribute or element.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `<testcase>` per case, its mismatches in `<failure>`.
fn junit(results: &[CaseResult], failed: usize) -> String {
    let total: f64 = results.iter().map(|r| r.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"factorgate\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{total:.3}\">",
        results.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"factorgate test\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">",
        results.len()
    );
    for r in results {
        let classname = r
            .file
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
            xml(&r.name),
            xml(&classname),
            xml(&r.file.display().to_string()),
            r.seconds
        );
        if r.passed() {
            out.push_str("/>\n");
            continue;
        }
        let failures = r.failures();
        let first = failures.first().cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            ">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>",
            xml(&first),
            xml(&failures.join("\n"))
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            super::xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\\u0001"
        );
    }
}
