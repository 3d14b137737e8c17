//! `factorgate decide POLICY REQUEST`: one decision; a request with `change` is a factor change,
//! one with `action` (and no `change`) a privileged action.

use crate::common::{error_lines, now_ms, read_policy, read_text, Format, Run, Status, Trouble};
use clap::ValueEnum;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EntryArg {
    /// `decideLogin`.
    Login,
    /// `assessFactorChange`.
    FactorChange,
    /// `assessAction`.
    Action,
}

pub struct Args<'a> {
    pub policy: &'a Path,
    pub request: &'a Path,
    pub entry: Option<EntryArg>,
    pub now: Option<&'a str>,
    pub state_key_env: Option<&'a str>,
    pub format: Format,
}

pub fn run(args: Args) -> Run {
    let (name, policy) = read_policy(args.policy)?;
    let options = match args.state_key_env {
        Some(var) => {
            let key =
                std::env::var(var).map_err(|_| format!("--state-key-env: ${var} is not set"))?;
            serde_json::json!({ "stateKey": key }).to_string()
        }
        None => String::new(),
    };
    let engine = factorgate::compile_policy_json(&policy, &options).map_err(|errors| {
        Trouble(format!(
            "{name}: the policy does not compile:\n{}",
            error_lines(&errors)
        ))
    })?;
    let request = read_text(args.request)?;
    let entry = args.entry.unwrap_or_else(|| {
        let shape: Option<Value> = serde_json::from_str(&request).ok();
        let has = |k: &str| shape.as_ref().and_then(|r| r.get(k)).is_some();
        match (has("change"), has("action")) {
            (true, _) => EntryArg::FactorChange,
            (false, true) => EntryArg::Action,
            _ => EntryArg::Login,
        }
    });
    let now = now_ms(args.now)?;
    let answer = match entry {
        EntryArg::Login => engine.decide_login_json(&request, now),
        EntryArg::FactorChange => engine.assess_factor_change_json(&request, now),
        EntryArg::Action => engine.assess_action_json(&request, now),
    };
    let doc: Value = serde_json::from_str(&answer).map_err(|e| format!("engine answer: {e}"))?;
    let is_decision = doc.get("type").and_then(Value::as_str) == Some("decision");
    match args.format {
        // The engine's answer as it is (a tagged error too, with exit 2).
        Format::Json => println!("{answer}"),
        Format::Text if is_decision => print!("{}", text(&doc)),
        Format::Text => {}
    }
    if !is_decision {
        return Err(Trouble(format!(
            "{}: the request was refused:\n{}",
            args.request.display(),
            error_lines(&answer)
        )));
    }
    Ok(Status::Ok)
}

fn text(d: &Value) -> String {
    let s = |p: &str| match d.pointer(p) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let mut out = format!(
        "{}: {} (risk {}, {})\n",
        s("/entry"),
        s("/outcome"),
        s("/risk/score"),
        s("/risk/level")
    );
    if d.get("requirement").is_some() {
        out.push_str(&format!(
            "requirement: AAL{}{}{}, max age {} s, factors {}\n",
            s("/requirement/minAal"),
            if d.pointer("/requirement/phishingResistant") == Some(&Value::Bool(true)) {
                ", phishing-resistant"
            } else {
                ""
            },
            if d.pointer("/requirement/hardwareBound") == Some(&Value::Bool(true)) {
                ", hardware-bound"
            } else {
                ""
            },
            s("/requirement/maxAgeS"),
            list(d.pointer("/requirement/factors"), None),
        ));
    }
    if d.get("approval").is_some() {
        out.push_str(&format!(
            "approval: by {}, within {} s\n",
            list(d.pointer("/approval/by"), None),
            s("/approval/expiresInS")
        ));
    }
    out.push_str("reasons:\n");
    for r in d
        .get("reasons")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let g = |k: &str| {
            r.get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                .unwrap_or_default()
        };
        out.push_str(&format!(
            "  {:<28} {:>4}  {}\n",
            g("code"),
            g("points"),
            g("detail")
        ));
    }
    if let Some(n) = d
        .get("notify")
        .and_then(Value::as_array)
        .filter(|n| !n.is_empty())
    {
        out.push_str(&format!(
            "notify: {}\n",
            list(Some(&Value::Array(n.clone())), Some("template"))
        ));
    }
    if let Some(a) = d
        .get("alerts")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        out.push_str(&format!(
            "alerts: {}\n",
            list(Some(&Value::Array(a.clone())), Some("class_name"))
        ));
    }
    if d.get("state").is_some() {
        out.push_str("state: (signed, send it back with the next request)\n");
    }
    out
}

fn list(v: Option<&Value>, member: Option<&str>) -> String {
    let items: Vec<String> = v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|x| {
            let x = member.and_then(|m| x.get(m)).unwrap_or(x);
            x.as_str().map_or_else(|| x.to_string(), String::from)
        })
        .collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
