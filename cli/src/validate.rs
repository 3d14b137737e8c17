//! `factorgate validate POLICY`: `validatePolicy`, every problem shown where it is in the text.

use crate::common::{color_stdout, read_policy, Format, Run, Status};
use crate::locate::locate;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
use serde_json::{json, Value};
use std::path::Path;

pub fn run(policy: &Path, format: Format) -> Run {
    let (name, text) = read_policy(policy)?;
    let mut report: Value = serde_json::from_str(&factorgate::validate_policy_json(&text))
        .map_err(|e| format!("the engine's answer is not JSON: {e}"))?;
    let valid = report.get("valid") == Some(&Value::Bool(true));
    let mut located = Vec::new();
    if let Some(errors) = report.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors.iter_mut() {
            let s = |k: &str| {
                error
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let (code, path, message) = (s("code"), s("path"), s("message"));
            let at = locate(&text, &path, &message);
            if let Some(obj) = error.as_object_mut() {
                obj.insert("line".into(), json!(at.line));
                obj.insert("column".into(), json!(at.column));
                obj.insert(
                    "span".into(),
                    json!({"start": at.span.start, "end": at.span.end, "exact": at.exact}),
                );
            }
            located.push((code, path, message, at));
        }
    }
    match format {
        Format::Json => {
            if let Some(obj) = report.as_object_mut() {
                obj.insert("file".into(), json!(name));
            }
            crate::common::print_json(&report);
        }
        Format::Text => {
            let file = SimpleFile::new(name.as_str(), text.as_str());
            let config = term::Config::default();
            let choice = if color_stdout() {
                termcolor::ColorChoice::Auto
            } else {
                termcolor::ColorChoice::Never
            };
            let stdout = termcolor::StandardStream::stdout(choice);
            let mut out = stdout.lock();
            for (code, path, message, at) in &located {
                let shown = if path.is_empty() {
                    "(the document)"
                } else {
                    path
                };
                let label = if code == "invalidJson" {
                    "not JSON from here".to_string()
                } else if at.exact {
                    format!("at {shown}")
                } else {
                    format!("{shown} is not in the text: this is where it would go")
                };
                let diagnostic = Diagnostic::error()
                    .with_code(code.as_str())
                    .with_message(format!("{shown}: {message}"))
                    .with_labels(vec![Label::primary((), at.span.clone()).with_message(label)]);
                term::emit_to_write_style(&mut out, &config, &file, &diagnostic)
                    .map_err(|e| format!("writing the report: {e}"))?;
            }
            drop(out);
            if valid {
                let p = |k: &str| match report.pointer(&format!("/policy/{k}")) {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                let (id, version, digest) = (p("id"), p("version"), p("digest"));
                println!("{name}: valid (id {id}, version {version}, {digest})");
            } else {
                let n = located.len();
                println!("{name}: {n} problem{}", if n == 1 { "" } else { "s" });
            }
        }
    }
    Ok(Status::failed_if(!valid))
}
