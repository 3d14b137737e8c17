//! `factorgate exceptions POLICY [--now T]`: `reviewExceptions`, for CI to catch exceptions that
//! never end, last too long, or have run out.

use crate::common::{error_lines, now_ms, read_policy, Format, Run, Status, Trouble};
use clap::ValueEnum;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 for an exception without expiry, longer than allowed, or expired.
    Invalid,
    /// Also for one that expires soon (`exceptions.expiringSoonS`).
    Expiring,
    /// Never exit 1: only report.
    Never,
}

pub fn run(policy: &Path, now: Option<&str>, fail_on: FailOn, format: Format) -> Run {
    let (name, text) = read_policy(policy)?;
    let now = match now {
        Some(t) => t.to_string(),
        None => factorgate::Timestamp((now_ms(None)? / 1000.0) as i64).to_rfc3339(),
    };
    let answer = factorgate::review_exceptions_json(&text, &now);
    let doc: Value = serde_json::from_str(&answer).map_err(|e| format!("engine answer: {e}"))?;
    if doc.get("type").and_then(Value::as_str) != Some("exceptionReview") {
        return Err(Trouble(format!(
            "{name}: cannot review:\n{}",
            error_lines(&answer)
        )));
    }
    let items: Vec<&Value> = doc
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let status = |i: &Value| {
        i.get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let failing = |s: &str| match fail_on {
        FailOn::Invalid => matches!(s, "noExpiry" | "tooLong" | "expired"),
        FailOn::Expiring => matches!(s, "noExpiry" | "tooLong" | "expired" | "expiringSoon"),
        FailOn::Never => false,
    };
    let failed = items.iter().any(|i| failing(&status(i)));
    match format {
        Format::Json => crate::common::print_json(&doc),
        Format::Text => {
            println!(
                "{name}: {} exception{} at {now}",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            );
            for i in &items {
                let g = |k: &str| {
                    i.get(k)
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                        .unwrap_or_else(|| "–".into())
                };
                let st = status(i);
                println!(
                    "  {}{:<24} {:<13} ends in {:>10} s  approver {}  {}",
                    if failing(&st) { "✗ " } else { "  " },
                    g("id"),
                    st,
                    g("expiresInS"),
                    g("approver"),
                    g("reason")
                );
            }
        }
    }
    Ok(Status::failed_if(failed))
}
