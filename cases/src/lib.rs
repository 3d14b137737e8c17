//! The case format of `tests/vectors/` and its runner: the one implementation behind the engine's
//! `cargo test` (`tests/vectors.rs`) and `factorgate test` (cli/). `pkg-tests/vectors.mjs` runs
//! the same files through the npm package, and the policy preview has its own copy of the
//! threading rules (examples/policy-preview/src/semantics.js).
//!
//! A case is one JSON file:
//!
//! | field | meaning |
//! |---|---|
//! | `name` | the file name without `.json` |
//! | `entry` | `login`, `factorChange`, `action`, `grantApproval` (steps only) or `validatePolicy` |
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
//! (each key given must match); `recovery` (each key of `decision.recovery` given must match);
//! `enrollmentAllowed`; `approvalBy`; `alertClasses` (exact set of OCSF `class_uid`s);
//! `alertsMention` (each string appears in the alerts' JSON text); `notifyTemplates` (exact
//! set); `hasState` (whether the result carries a `state` string); `values` (an object from JSON
//! pointers into the answer to the value each must have, e.g. `{"/campaign/by": "…"}`; `null`
//! for absent). Whatever `expect` says, a decision without reasons fails (a bug by
//! docs/contract.md#decision).
//!
//! **Multi-step cases** (memory between calls, docs/contract.md#memory): `steps` is a list run in
//! order on one engine (compiled once from `policy`, `policyPatch` and `options`). Each step has:
//!
//! | field | meaning |
//! |---|---|
//! | `name` | optional label |
//! | `entry` | optional; defaults to the case's `entry` |
//! | `now` | optional host clock; defaults to the case's `now` |
//! | `requestPatch` | optional RFC 7386 merge patch applied to a copy of the case's `request` |
//! | `state` | optional: a string sent as the request's `state` instead of the threaded one, or `null` to send none |
//! | `tamperState` | optional `true`: before sending, the character at index ⌊len/2⌋ of the state is replaced by `A`, or by `B` if it is `A` |
//! | `approver` | with `entry: "grantApproval"`: the approver; the step calls `grantApproval` with `{ request, approver }` (the request built as for any step) |
//! | `useGrant` | optional `true`: the request's `change.approval` (without a `change`, `action.approval`) is the last grant a `grantApproval` step returned |
//! | `tamperGrant` | optional `true`: that grant altered first, as `tamperState` alters a state |
//! | `expect` | as above; a `grantApproval` step may also say `sameApprovalId: true` (its `approvalId` is the `approval.id` of the last decision that had one) |
//!
//! Threading: the runner keeps the last `state` string any step's result carried; each step's
//! request gets it as `state` (unless the step says otherwise), so a result without `state`
//! leaves the previous one in place — what a host does. A `grantApproval` answer carries no
//! state; its `grant` is kept for later steps with `useGrant` (approvals: grant, then resubmit).
//!
//! **Another policy** ([`run`] with `base`): the given policy document takes the place of the
//! case's `policy`, and the case's `policyPatch` is still merged over it (the case brings its own
//! networks, exceptions, break-glass list), as the policy preview does. `factorgate test --policy`
//! and `factorgate diff` run cases this way.

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The host clock when a case gives none (2027-01-15T08:00:00Z).
pub const DEFAULT_NOW_MS: f64 = 1.8e12;

/// One call of a case (a single case has one, a multi-step case one per step) and how it fared.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// `""` for a single case, `step N` or `step N (name)` for a step.
    pub label: String,
    /// The entry point called (`login`, `factorChange`, `grantApproval`, `validatePolicy`), or
    /// `compilePolicy`
    /// when a multi-step case's policy did not compile.
    pub entry: String,
    /// The engine's answer, parsed.
    pub result: Value,
    /// The request (or `grantApproval` input) as the text sent, `""` where none was (a
    /// `validatePolicy` case, a policy that did not compile): with `now_ms`, what another way of
    /// calling the engine needs to be held to the same answer (tests/record.rs).
    pub request: String,
    /// The host clock passed to the call, in epoch milliseconds.
    pub now_ms: f64,
    /// Every way the answer differs from the step's `expect`; empty when it holds.
    pub mismatches: Vec<String>,
}

/// The `*.json` files among `paths`: a file is taken as it is, a directory for its `*.json` files
/// (recursively), in name order.
pub fn case_files<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            out.extend(found);
        } else if path.is_file() {
            out.push(path.to_path_buf());
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads and parses one case file.
pub fn read_case(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let case: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    if !case.is_object() {
        return Err(format!("{}: a case is a JSON object", path.display()));
    }
    Ok(case)
}

/// The case's `name`, else the file name without `.json`.
pub fn case_name(case: &Value, path: &Path) -> String {
    match case.get("name").and_then(Value::as_str) {
        Some(name) => name.to_string(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// Whether the case brings a whole policy of its own (not `"default"`): such a case tests that
/// policy, so it has no place in a run under another one (`factorgate diff` skips it).
pub fn has_own_policy(case: &Value) -> bool {
    !matches!(case.get("policy"), None | Some(Value::Null))
        && case.get("policy").and_then(Value::as_str) != Some("default")
}

/// RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else
/// replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Replaces the character at index len/2 by `A`, or by `B` if it is `A`.
pub fn tamper(state: &str) -> String {
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

/// The host clock of `now` (RFC 3339) in epoch milliseconds, [`DEFAULT_NOW_MS`] without one.
pub fn now_ms_of(now: Option<&Value>) -> f64 {
    now.and_then(Value::as_str)
        .and_then(factorgate::Timestamp::parse)
        .map_or(DEFAULT_NOW_MS, |t| t.0 as f64 * 1000.0)
}

fn default_policy() -> Value {
    serde_json::from_str(&factorgate::default_policy_json()).unwrap_or(Value::Null)
}

/// The policy text the case runs under: `base` (else the case's `policy`, else the default) with
/// the case's `policyPatch` merged over it.
pub fn policy_json(case: &Value, base: Option<&Value>) -> String {
    let mut policy = match (base, case.get("policy")) {
        (Some(base), _) => base.clone(),
        (None, None) => default_policy(),
        (None, Some(Value::String(s))) if s == "default" => default_policy(),
        (None, Some(p)) => p.clone(),
    };
    if let Some(patch) = case.get("policyPatch") {
        merge_patch(&mut policy, patch);
    }
    policy.to_string()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| {
        json!({"type": "error", "errors": [{"code": "engineFailure", "path": "",
            "message": format!("the engine answered text that is not JSON: {e}")}]})
    })
}

/// How a runner gets an engine from a policy's text and the options' JSON (`compilePolicy`).
pub type Compile<'a> = &'a dyn Fn(&str, &str) -> Result<factorgate::Engine, String>;

/// The case's engine, or the error document `compile` gave.
fn engine(
    case: &Value,
    base: Option<&Value>,
    compile: Compile<'_>,
) -> Result<factorgate::Engine, Value> {
    let options = case
        .get("options")
        .map(Value::to_string)
        .unwrap_or_default();
    compile(&policy_json(case, base), &options).map_err(|err| parse(&err))
}

fn call(
    engine: &factorgate::Engine,
    entry: &str,
    request: &str,
    now_ms: f64,
) -> Result<Value, String> {
    let out = match entry {
        "login" => engine.decide_login_json(request, now_ms),
        "factorChange" => engine.assess_factor_change_json(request, now_ms),
        "action" => engine.assess_action_json(request, now_ms),
        "grantApproval" => engine.grant_approval_json(request, now_ms),
        other => {
            return Err(format!(
                "unknown entry {other:?} (login, factorChange, action, grantApproval or validatePolicy)"
            ))
        }
    };
    Ok(parse(&out))
}

fn entry_of(v: Option<&Value>) -> Result<&str, String> {
    match v {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("`entry` must be a string, not {other}")),
        None => Err(
            "no `entry` (login, factorChange, action, grantApproval or validatePolicy)".to_string(),
        ),
    }
}

/// Runs one case (under `base` instead of its own policy when given) and checks every answer
/// against its `expect`. `Err` only for a malformed case (no `entry`, an unknown one, a `state`
/// that is neither a string nor null): what a case says is wrong, not what the engine did.
pub fn run(case: &Value, base: Option<&Value>) -> Result<Vec<StepRun>, String> {
    run_with(case, base, &factorgate::compile_policy_json)
}

/// [`run`] with engines from `compile` instead of `compilePolicy` (e.g. through a compiled
/// policy's bytes); `validatePolicy` cases still validate the text.
pub fn run_with(
    case: &Value,
    base: Option<&Value>,
    compile: Compile<'_>,
) -> Result<Vec<StepRun>, String> {
    if let Some(steps) = case.get("steps") {
        let steps = steps
            .as_array()
            .ok_or_else(|| "`steps` must be a list".to_string())?;
        return run_steps(case, steps, base, compile);
    }
    let entry = entry_of(case.get("entry"))?;
    let now_ms = now_ms_of(case.get("now"));
    let mut sent = String::new();
    let result = if entry == "validatePolicy" {
        parse(&factorgate::validate_policy_json(&policy_json(case, base)))
    } else {
        match engine(case, base, compile) {
            Ok(engine) => {
                sent = match case.get("request") {
                    Some(Value::String(raw)) => raw.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                call(&engine, entry, &sent, now_ms)?
            }
            Err(err) => err,
        }
    };
    let mismatches = check(case.get("expect").unwrap_or(&Value::Null), &result);
    Ok(vec![StepRun {
        label: String::new(),
        entry: entry.to_string(),
        result,
        request: sent,
        now_ms,
        mismatches,
    }])
}

fn run_steps(
    case: &Value,
    steps: &[Value],
    base: Option<&Value>,
    compile: Compile<'_>,
) -> Result<Vec<StepRun>, String> {
    let engine = match engine(case, base, compile) {
        Ok(engine) => engine,
        Err(err) => {
            return Ok(vec![StepRun {
                label: "compile".to_string(),
                entry: "compilePolicy".to_string(),
                mismatches: vec![format!("the case's policy does not compile: {err}")],
                result: err,
                request: String::new(),
                now_ms: 0.0,
            }])
        }
    };
    let mut state: Option<String> = None;
    let mut grant: Option<String> = None;
    let mut approval_id: Option<Value> = None;
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let mut request = case.get("request").cloned().unwrap_or_else(|| json!({}));
        if let Some(patch) = step.get("requestPatch") {
            merge_patch(&mut request, patch);
        }
        let sent = match step.get("state") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => None,
            Some(other) => {
                return Err(format!(
                    "step {}: `state` must be a string or null, not {other}",
                    i + 1
                ))
            }
            None => state.clone(),
        };
        let sent = match (sent, step.get("tamperState")) {
            (Some(s), Some(Value::Bool(true))) => Some(tamper(&s)),
            (s, _) => s,
        };
        if let (Some(s), Some(obj)) = (sent, request.as_object_mut()) {
            obj.insert("state".to_string(), Value::String(s));
        }
        // `useGrant` without a grant (an earlier grantApproval step was refused: under another
        // policy the change may need no approval) sends the request without one, as a host
        // holding no grant does, and the step fails.
        let mut no_grant = false;
        if step.get("useGrant") == Some(&Value::Bool(true)) {
            let pending = match request.get("change") {
                Some(_) => "change",
                None => "action",
            };
            match (
                grant.as_deref(),
                request.get_mut(pending).and_then(Value::as_object_mut),
            ) {
                (Some(g), Some(change)) => {
                    let g = match step.get("tamperGrant") {
                        Some(Value::Bool(true)) => tamper(g),
                        _ => g.to_string(),
                    };
                    change.insert("approval".to_string(), Value::String(g));
                }
                (None, _) => no_grant = true,
                (Some(_), None) => {
                    return Err(format!(
                        "step {}: `useGrant` but the request has no `change` or `action` object",
                        i + 1
                    ))
                }
            }
        }
        let entry = entry_of(step.get("entry").or_else(|| case.get("entry")))
            .map_err(|e| format!("step {}: {e}", i + 1))?;
        let now = now_ms_of(step.get("now").or_else(|| case.get("now")));
        // grantApproval takes `{ request, approver }` (an absent approver is left out, as the
        // JS runner's `undefined` is).
        let sent = if entry == "grantApproval" {
            let mut input = Map::new();
            input.insert("request".to_string(), request);
            if let Some(approver) = step.get("approver") {
                input.insert("approver".to_string(), approver.clone());
            }
            Value::Object(input)
        } else {
            request
        };
        let sent = sent.to_string();
        let result =
            call(&engine, entry, &sent, now).map_err(|e| format!("step {}: {e}", i + 1))?;
        if let Some(s) = result.get("state").and_then(Value::as_str) {
            state = Some(s.to_string());
        }
        if let Some(g) = result.get("grant").and_then(Value::as_str) {
            grant = Some(g.to_string());
        }
        let label = match step.get("name").and_then(Value::as_str) {
            Some(n) => format!("step {} ({n})", i + 1),
            None => format!("step {}", i + 1),
        };
        let expect = step.get("expect").unwrap_or(&Value::Null);
        let mut mismatches = check(expect, &result);
        if no_grant {
            mismatches.push("useGrant: no earlier step returned a grant".to_string());
        }
        if expect.get("sameApprovalId") == Some(&Value::Bool(true))
            && approval_id.as_ref() != result.get("approvalId")
        {
            let want = approval_id
                .as_ref()
                .map_or("none".to_string(), Value::to_string);
            mismatches.push(format!(
                "sameApprovalId: want {want}, got {}",
                at(&result, &["approvalId"])
            ));
        }
        if let Some(id) = result.get("approval").and_then(|a| a.get("id")) {
            approval_id = Some(id.clone());
        }
        out.push(StepRun {
            label,
            entry: entry.to_string(),
            result,
            request: sent,
            now_ms: now,
            mismatches,
        });
    }
    Ok(out)
}

/// The `key` member of every object in `list`, as a set.
pub fn codes(list: Option<&Value>, key: &str) -> BTreeSet<String> {
    list.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get(key).and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn strings(what: &str, list: &Value) -> Result<BTreeSet<String>, String> {
    list.as_array()
        .and_then(|a| {
            a.iter()
                .map(|v| v.as_str().map(String::from))
                .collect::<Option<BTreeSet<_>>>()
        })
        .ok_or_else(|| format!("expect.{what}: must be a list of strings, not {list}"))
}

fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .unwrap_or(&Value::Null)
}

/// Checks one answer against an `expect` object; returns the mismatches.
pub fn check(expect: &Value, out: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    if out.get("type").and_then(Value::as_str) == Some("decision")
        && out
            .get("reasons")
            .and_then(Value::as_array)
            .map_or(true, Vec::is_empty)
    {
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
        eq("type", t, at(out, &["type"]));
    }
    if let Some(o) = expect.get("outcome") {
        eq("outcome", o, at(out, &["outcome"]));
    }
    if let Some(l) = expect.get("riskLevel") {
        eq("riskLevel", l, at(out, &["risk", "level"]));
    }
    if let Some(v) = expect.get("enrollmentAllowed") {
        eq("enrollmentAllowed", v, at(out, &["enrollmentAllowed"]));
    }
    if let Some(v) = expect.get("approvalBy") {
        eq("approvalBy", v, at(out, &["approval", "by"]));
    }
    let sets = [
        ("reasons", "reasons", "code"),
        ("errorCodes", "errors", "code"),
        ("notifyTemplates", "notify", "template"),
    ];
    for (key, list, member) in sets {
        if let Some(r) = expect.get(key) {
            match strings(key, r) {
                Ok(want) => {
                    let got = codes(out.get(list), member);
                    if want != got {
                        bad.push(format!("{key}: want {want:?}, got {got:?}"));
                    }
                }
                Err(e) => bad.push(e),
            }
        }
    }
    if let Some(r) = expect.get("errorPaths") {
        match strings("errorPaths", r) {
            Ok(want) => {
                let got = codes(out.get("errors"), "path");
                for p in want {
                    if !got.contains(&p) {
                        bad.push(format!("errorPaths: {p} not in {got:?}"));
                    }
                }
            }
            Err(e) => bad.push(e),
        }
    }
    if let Some(req) = expect.get("requirement") {
        match req.as_object() {
            Some(req) => {
                for (k, v) in req {
                    let got = at(out, &["requirement", k]);
                    if v != got {
                        bad.push(format!("requirement.{k}: want {v}, got {got}"));
                    }
                }
            }
            None => bad.push(format!("expect.requirement: must be an object, not {req}")),
        }
    }
    if let Some(rec) = expect.get("recovery") {
        match rec.as_object() {
            Some(rec) => {
                for (k, v) in rec {
                    let got = at(out, &["recovery", k]);
                    if v != got {
                        bad.push(format!("recovery.{k}: want {v}, got {got}"));
                    }
                }
            }
            None => bad.push(format!("expect.recovery: must be an object, not {rec}")),
        }
    }
    if let Some(v) = expect.get("alertsMention") {
        match strings("alertsMention", v) {
            Ok(want) => {
                let text = at(out, &["alerts"]).to_string();
                for m in want {
                    if !text.contains(&m) {
                        bad.push(format!("alertsMention: {m:?} not in the alerts"));
                    }
                }
            }
            Err(e) => bad.push(e),
        }
    }
    if let Some(v) = expect.get("alertClasses") {
        let want: Option<BTreeSet<u64>> = v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_u64).collect());
        let got: BTreeSet<u64> = out
            .get("alerts")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("class_uid").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default();
        match want {
            Some(want) if want != got => {
                bad.push(format!("alertClasses: want {want:?}, got {got:?}"));
            }
            Some(_) => {}
            None => bad.push(format!(
                "expect.alertClasses: must be a list of numbers, not {v}"
            )),
        }
    }
    if let Some(v) = expect.get("values") {
        match v.as_object() {
            Some(values) => {
                for (pointer, want) in values {
                    let got = out.pointer(pointer).unwrap_or(&Value::Null);
                    if want != got {
                        bad.push(format!("values {pointer}: want {want}, got {got}"));
                    }
                }
            }
            None => bad.push(format!("expect.values: must be an object, not {v}")),
        }
    }
    if let Some(v) = expect.get("hasState") {
        let got = out.get("state").is_some_and(Value::is_string);
        if v != &json!(got) {
            bad.push(format!("hasState: want {v}, got {got}"));
        }
    }
    bad
}
