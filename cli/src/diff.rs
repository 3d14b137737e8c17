//! `factorgate diff OLD NEW --cases DIR...`: every case under both policies, and every decision
//! that changed, field by field, each change classed stricter or looser by the engine's decision
//! diff (`factorgate::diff_decisions`, the one the wasm package exports too).
//!
//! `factorgate diff OLD NEW --logs FILE... --source IDP`: the same over an IdP's logged history,
//! which is `factorgate replay NEW --against OLD` (the same readers, partitions and fold, the
//! same diff per decision: [`crate::replay::execute`]) told as a diff.

use crate::common::{policy_value, read_policy, Format, Run, Status, Trouble};
use clap::ValueEnum;
use factorgate::{DiffClass, FieldChange};
use factorgate_cases::{case_files, case_name, has_own_policy, read_case};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any decision is looser under NEW (a `mixed` case counts).
    Looser,
    /// Exit 1 when any decision is stricter under NEW (a `mixed` case counts).
    Stricter,
    /// Exit 1 when anything changed.
    Any,
    /// Only report (the default).
    Never,
}

struct StepDiff {
    label: String,
    changes: Vec<FieldChange>,
}

struct CaseDiff {
    name: String,
    file: PathBuf,
    class: DiffClass,
    steps: Vec<StepDiff>,
}

pub struct Args<'a> {
    pub old: &'a Path,
    pub new: &'a Path,
    pub cases: &'a [PathBuf],
    pub fail_on: FailOn,
    pub format: Format,
}

/// The answer's text as diffed: a grant's signed token is left out (it is bound to the policy's
/// digest, so it always differs; what the grant approves is in its `approvalId`, and the
/// resubmission that uses it is a step of its own).
fn answer(result: &Value) -> String {
    match result {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("approvalGrant") => {
            let mut o = o.clone();
            o.remove("grant");
            Value::Object(o).to_string()
        }
        other => other.to_string(),
    }
}

pub fn run(args: Args) -> Run {
    let (old_name, old) = policy_value(args.old)?;
    let (new_name, new) = policy_value(args.new)?;
    let files = case_files(args.cases)?;
    let mut diffs = Vec::new();
    let mut skipped = 0;
    let mut total = 0;
    for file in files {
        let case = read_case(&file)?;
        // A case with a whole policy of its own, or one that validates a policy, says nothing
        // about OLD and NEW (the policy preview leaves them out the same way).
        if has_own_policy(&case)
            || case.get("entry").and_then(Value::as_str) == Some("validatePolicy")
        {
            skipped += 1;
            continue;
        }
        total += 1;
        let trouble = |e: String| Trouble(format!("{}: {e}", file.display()));
        let a = factorgate_cases::run(&case, Some(&old)).map_err(trouble)?;
        let b = factorgate_cases::run(&case, Some(&new)).map_err(trouble)?;
        let mut steps = Vec::new();
        for (sa, sb) in a.iter().zip(b.iter()) {
            let (ra, rb) = (answer(&sa.result), answer(&sb.result));
            let changes = factorgate::diff_decisions(&ra, &rb)
                .map_err(|e| format!("diffing {}: {e:?}", file.display()))?;
            if !changes.is_empty() {
                steps.push(StepDiff {
                    label: sb.label.clone(),
                    changes,
                });
            }
        }
        // One side's policy (with the case's patch) did not compile while the other's did: the
        // runs have different shapes; the first step carries that as a `result` change.
        if a.len() != b.len() && steps.is_empty() {
            steps.push(StepDiff {
                label: String::new(),
                changes: vec![FieldChange {
                    field: "result".into(),
                    direction: factorgate::Direction::Changed,
                    a: format!("{} steps", a.len()),
                    b: format!("{} steps", b.len()),
                }],
            });
        }
        if !steps.is_empty() {
            let class = DiffClass::of(steps.iter().flat_map(|s| &s.changes));
            diffs.push(CaseDiff {
                name: case_name(&case, &file),
                file,
                class,
                steps,
            });
        }
    }
    let count = |c: DiffClass| diffs.iter().filter(|d| d.class == c).count();
    let summary = json!({
        "cases": total,
        "same": total - diffs.len(),
        "changed": diffs.len(),
        "looser": count(DiffClass::Looser),
        "stricter": count(DiffClass::Stricter),
        "mixed": count(DiffClass::Mixed),
        "unordered": count(DiffClass::Changed),
        "skipped": skipped,
    });
    match args.format {
        Format::Json => crate::common::print_json(&report(&old_name, &new_name, &diffs, summary)),
        Format::Text => print!("{}", text(&old_name, &new_name, &diffs, &summary)),
    }
    let any = |classes: &[DiffClass]| diffs.iter().any(|d| classes.contains(&d.class));
    let failed = match args.fail_on {
        FailOn::Looser => any(&[DiffClass::Looser, DiffClass::Mixed]),
        FailOn::Stricter => any(&[DiffClass::Stricter, DiffClass::Mixed]),
        FailOn::Any => !diffs.is_empty(),
        FailOn::Never => false,
    };
    Ok(Status::failed_if(failed))
}

fn report(old: &str, new: &str, diffs: &[CaseDiff], summary: Value) -> Value {
    let cases: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let steps: Vec<Value> = d
                .steps
                .iter()
                .map(|s| {
                    let changes: Vec<Value> = s
                        .changes
                        .iter()
                        .map(|c| {
                            json!({"field": c.field, "direction": c.direction.as_str(), "a": c.a, "b": c.b})
                        })
                        .collect();
                    json!({
                        "label": s.label,
                        "class": DiffClass::of(&s.changes).as_str(),
                        "changes": changes,
                    })
                })
                .collect();
            json!({
                "name": d.name,
                "file": d.file.display().to_string(),
                "class": d.class.as_str(),
                "steps": steps,
            })
        })
        .collect();
    json!({"type": "policyDiff", "old": old, "new": new, "summary": summary, "cases": cases})
}

fn text(old: &str, new: &str, diffs: &[CaseDiff], summary: &Value) -> String {
    let mut out = String::new();
    for d in diffs {
        out.push_str(&format!("{}: {}\n", d.name, d.class.as_str()));
        for s in &d.steps {
            let indent = if s.label.is_empty() {
                "  "
            } else {
                out.push_str(&format!("  {}\n", s.label));
                "    "
            };
            for c in &s.changes {
                out.push_str(&format!(
                    "{indent}{:<9} {:<30} {} → {}\n",
                    c.direction.as_str(),
                    c.field,
                    c.a,
                    c.b
                ));
            }
        }
    }
    let n = |k: &str| summary.get(k).and_then(Value::as_u64).unwrap_or(0);
    out.push_str(&format!(
        "{old} → {new}: {} cases, {} changed ({} looser, {} stricter, {} mixed, {} unordered), {} same; {} skipped (own policy or validatePolicy)\n",
        n("cases"),
        n("changed"),
        n("looser"),
        n("stricter"),
        n("mixed"),
        n("unordered"),
        n("same"),
        n("skipped"),
    ));
    out
}

/// `diff --logs`: the options.
pub struct LogArgs<'a> {
    pub old: &'a Path,
    pub new: &'a Path,
    pub logs: &'a [PathBuf],
    pub source: crate::replay::Source,
    pub users: Option<&'a Path>,
    pub warmup: u32,
    pub threads: usize,
    pub fail_on: FailOn,
    pub format: Format,
}

/// Examples of changed decisions shown (text) or listed (JSON: the replay report's, up to 50).
const LOG_EXAMPLES_SHOWN: usize = 10;

/// `diff OLD NEW --logs`: NEW replayed against OLD over the logs, each decision's diff counted by
/// class per entry point, the fields that changed most, the first changed decisions.
pub fn run_logs(args: LogArgs) -> Run {
    let (old_name, old_text) = read_policy(args.old)?;
    let (new_name, new_text) = read_policy(args.new)?;
    let plan = crate::replay::Plan {
        policy: (new_name.clone(), new_text),
        against: Some((old_name.clone(), old_text)),
        logs: args.logs,
        source: args.source,
        users: args.users,
        threads: args.threads,
        partition_mb: 64,
        partitions: None,
        temp_dir: None,
        warmup: args.warmup,
        trace_user: None,
        progress: args.format == Format::Text,
    };
    let doc = crate::replay::execute(&plan).map_err(|crate::replay::Fail(m)| Trouble(m))?;
    let against = doc.get("against").cloned().unwrap_or(Value::Null);
    let classes = against.get("classes").cloned().unwrap_or_else(|| json!({}));
    let class_total = |class: &str| -> u64 {
        classes
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|c| c.get(class).and_then(Value::as_u64))
            .sum()
    };
    let (looser, stricter, mixed, unordered, same) = (
        class_total("looser"),
        class_total("stricter"),
        class_total("mixed"),
        class_total("changed"),
        class_total("same"),
    );
    let changed = looser + stricter + mixed + unordered;
    let summary = json!({
        "decisions": changed + same,
        "same": same,
        "changed": changed,
        "looser": looser,
        "stricter": stricter,
        "mixed": mixed,
        "unordered": unordered,
    });
    let input = doc.get("input").cloned().unwrap_or(Value::Null);
    let logs = json!({
        "source": args.source.as_str(),
        "files": args.logs.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "lines": input.get("lines"),
        "events": input.get("events"),
        "malformed": input.get("malformed"),
        "malformedLines": input.get("malformedLines"),
        "signIns": doc.pointer("/decisions/signIns"),
        "factorChanges": doc.pointer("/decisions/factorChanges"),
        "requestErrors": doc.pointer("/decisions/requestErrors"),
    });
    match args.format {
        Format::Json => crate::common::print_json(&json!({
            "type": "policyDiff",
            "old": old_name,
            "new": new_name,
            "logs": logs,
            "summary": summary,
            "byEntry": classes,
            "fields": against.get("fields"),
            "examples": against.get("examples"),
        })),
        Format::Text => print!(
            "{}",
            logs_text(&old_name, &new_name, &against, &logs, &summary)
        ),
    }
    let failed = match args.fail_on {
        FailOn::Looser => looser + mixed > 0,
        FailOn::Stricter => stricter + mixed > 0,
        FailOn::Any => changed > 0,
        FailOn::Never => false,
    };
    Ok(Status::failed_if(failed))
}

fn logs_text(old: &str, new: &str, against: &Value, logs: &Value, summary: &Value) -> String {
    let mut out = String::new();
    let t = |v: &Value, k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(x) => x.to_string(),
    };
    let examples = against.get("examples").and_then(Value::as_array);
    for e in examples.into_iter().flatten().take(LOG_EXAMPLES_SHOWN) {
        out.push_str(&format!(
            "{} {} {} {}: {}\n",
            t(e, "time"),
            t(e, "user"),
            t(e, "entry"),
            t(e, "what"),
            t(e, "class")
        ));
        for c in e
            .get("changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push_str(&format!(
                "  {:<9} {:<30} {} → {}\n",
                t(c, "direction"),
                t(c, "field"),
                t(c, "a"),
                t(c, "b")
            ));
        }
    }
    if let Some(fields) = against.get("fields").and_then(Value::as_array) {
        if !fields.is_empty() {
            out.push_str("fields changed most (decisions):\n");
        }
        for f in fields.iter().take(10) {
            out.push_str(&format!(
                "  {:<12} {:<9} {:<34} {}\n",
                t(f, "entry"),
                t(f, "direction"),
                t(f, "field"),
                t(f, "count")
            ));
        }
    }
    if let Some(classes) = against.get("classes").and_then(Value::as_object) {
        for (entry, c) in classes {
            let k = |class: &str| c.get(class).and_then(Value::as_u64).unwrap_or(0);
            out.push_str(&format!(
                "{entry}: {} looser, {} stricter, {} mixed, {} unordered, {} same\n",
                k("looser"),
                k("stricter"),
                k("mixed"),
                k("changed"),
                k("same")
            ));
        }
    }
    let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    out.push_str(&format!(
        "{old} → {new}: {} decisions over {} log lines ({}), {} changed ({} looser, {} stricter, {} mixed, {} unordered), {} same; {} malformed lines\n",
        n(summary, "decisions"),
        n(logs, "lines"),
        t(logs, "source"),
        n(summary, "changed"),
        n(summary, "looser"),
        n(summary, "stricter"),
        n(summary, "mixed"),
        n(summary, "unordered"),
        n(summary, "same"),
        n(logs, "malformed"),
    ));
    out
}
