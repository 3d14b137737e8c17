#![deny(missing_docs)]
//! factorgate-replay: the one implementation of replay, whatever runs it.
//!
//! A policy (and optionally the one it replaces) over an IdP's logged sign-in history, with state
//! threaded per user in time order, compared with what the IdP itself did. The pieces:
//!
//! - [`readers`]: log records (Auth0, Okta, Entra) to normalized [`event::Ev`]s;
//!   [`partition::ingest_line`] is what happens to one log line (JSON, envelopes, mapping,
//!   malformed lines counted with their line number);
//! - [`partition`]: phase 1 of the command line's replay (every event to the temporary file of
//!   its user) and the bounded loading of phase 2;
//! - [`fold`]: the per-user fold through the engine ([`fold::Folder`] over events sorted by
//!   user, time and origin; [`fold::fold_partition`] sorts and folds one partition);
//! - [`report`]: what is counted ([`report::Stats`], a sum over any partitioning) and the
//!   terminal summary, `--json` and HTML renderings;
//! - [`generate`]: realistic synthetic logs of each IdP, with attacks.
//!
//! The `factorgate replay` command (cli/) drives them on one machine, on all cores; the Spark
//! wheel (spark/) drives the same functions from PySpark's `mapInArrow`.

pub mod event;
pub mod fold;
pub mod generate;
pub mod partition;
pub mod readers;
pub mod report;

use factorgate::{compile_policy_json, Engine};
use std::collections::HashMap;

/// The state key replay compiles with: logs never hold production states, so replay rebuilds
/// every user's memory from the first event it sees, under a key of its own.
pub const REPLAY_STATE_KEY: &str = "factorgate-replay-state-key-v1";

/// The IdP whose logs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Source {
    /// Auth0 tenant log events (NDJSON from log streams, or `/api/v2/logs` pages).
    Auth0,
    /// Okta System Log LogEvents (JSON lines, or `/api/v1/logs` pages).
    Okta,
    /// Microsoft Entra sign-in and audit logs (JSON as exported: arrays, lines, diagnostic records).
    Entra,
}

impl Source {
    /// The name on the command line and in the report: `auth0`, `okta`, `entra`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Auth0 => "auth0",
            Source::Okta => "okta",
            Source::Entra => "entra",
        }
    }

    /// The source of a name as [`Source::as_str`] writes it.
    pub fn parse(name: &str) -> Option<Source> {
        match name {
            "auth0" => Some(Source::Auth0),
            "okta" => Some(Source::Okta),
            "entra" => Some(Source::Entra),
            _ => None,
        }
    }
}

/// Compiles a policy's text with the replay state key; the policy's reference for the report
/// (`{id, version, digest, file}`, `file` being `name`). `Err` says why it does not compile.
pub fn compile(text: &str, name: &str) -> Result<(Engine, serde_json::Value), String> {
    let options = format!(r#"{{"stateKey":"{REPLAY_STATE_KEY}"}}"#);
    let engine = compile_policy_json(text, &options)
        .map_err(|errors| format!("{name}: the policy does not compile: {errors}"))?;
    let r = &engine.policy().reference;
    let reference =
        serde_json::json!({"id": r.id, "version": r.version, "digest": r.digest, "file": name});
    Ok((engine, reference))
}

/// What the directory knows of the users (`--users`): JSON lines `{id, kind, roles,
/// capabilities, createdAt}`, or one JSON array of them. `Err` names the line (`name:line:`).
pub fn parse_users(text: &str, name: &str) -> Result<HashMap<String, fold::UserInfo>, String> {
    let mut out = HashMap::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let list: Vec<fold::UserInfo> =
            serde_json::from_str(trimmed).map_err(|e| format!("{name}: {e}"))?;
        for u in list {
            out.insert(u.id.clone(), u);
        }
        return Ok(out);
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let u: fold::UserInfo =
            serde_json::from_str(line).map_err(|e| format!("{name}:{}: {e}", i + 1))?;
        out.insert(u.id.clone(), u);
    }
    Ok(out)
}
