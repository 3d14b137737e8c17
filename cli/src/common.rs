//! What every command shares: how it ends (exit codes), reading inputs, formats, colour.

use clap::ValueEnum;
use serde_json::Value;
use std::io::{IsTerminal, Read};
use std::path::Path;

/// How a command that ran ends: 0 or 1 (a failed check). Trouble (2) is [`Trouble`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Ok,
    /// Exit 1: an invalid policy, a failing case, a `--fail-on` condition met.
    Failed,
}

impl Status {
    pub fn failed_if(failed: bool) -> Status {
        if failed {
            Status::Failed
        } else {
            Status::Ok
        }
    }
}

/// A usage or input error: exit 2, the message on stderr.
#[derive(Debug)]
pub struct Trouble(pub String);

impl<T: Into<String>> From<T> for Trouble {
    fn from(message: T) -> Self {
        Trouble(message.into())
    }
}

pub type Run = Result<Status, Trouble>;

/// Output format of the commands without JUnit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For a person.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// A file's text; `-` is stdin.
pub fn read_text(path: &Path) -> Result<String, Trouble> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| Trouble(format!("{}: {e}", path.display())))
}

/// A policy argument: a file (or `-`), or the word `default` for the embedded default policy
/// when no file of that name exists. Returns the name to show and the text.
pub fn read_policy(arg: &Path) -> Result<(String, String), Trouble> {
    if arg.as_os_str() == "default" && !arg.exists() {
        return Ok(("default".into(), factorgate::default_policy_json()));
    }
    Ok((arg.display().to_string(), read_text(arg)?))
}

/// A policy argument parsed as JSON (for runs that merge case patches over it), after checking
/// that it compiles: a policy that does not is an input error here.
pub fn policy_value(arg: &Path) -> Result<(String, Value), Trouble> {
    let (name, text) = read_policy(arg)?;
    if let Err(errors) = factorgate::compile_policy_json(&text, "") {
        return Err(Trouble(format!(
            "{name}: the policy does not compile (factorgate validate {name} shows where):\n{}",
            error_lines(&errors)
        )));
    }
    let value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
    Ok((name, value))
}

/// `  code at /path: message` for each error of a tagged error document.
pub fn error_lines(doc: &str) -> String {
    let doc: Value = serde_json::from_str(doc).unwrap_or(Value::Null);
    let errors = doc.get("errors").and_then(Value::as_array);
    errors
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
            format!("  {} at {:?}: {}", s("code"), s("path"), s("message"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether to colour stdout: a terminal, and no `NO_COLOR`.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
}

/// Prints a JSON value on stdout, pretty.
pub fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// The host clock: `--now` (RFC 3339), else the wall clock; as epoch ms.
pub fn now_ms(now: Option<&str>) -> Result<f64, Trouble> {
    match now {
        Some(t) => factorgate::Timestamp::parse(t)
            .map(|t| t.0 as f64 * 1000.0)
            .ok_or_else(|| Trouble(format!("--now {t:?}: not an RFC 3339 timestamp"))),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64)),
    }
}
