//! The contract's entry points (docs/contract.md#entry-points), each with a `*_json` twin taking and returning JSON
//! strings, so that `cargo test` covers the whole contract and the wasm layer only binds.
//! Nothing here panics or fails outside the tagged result.

use crate::decision::{Decision, Entry};
use crate::error::{ErrorCode, ErrorItem};
use crate::json::error_json;
use crate::json::Writer;
use crate::json::{decode_struct, from_str as decode};
use crate::json::{to_json, Encode};
use crate::limits::MAX_REQUEST_BYTES;
use crate::policy::{self, CompiledPolicy, Policy};
use crate::request::Request;
use crate::state::{self, StateKey, MIN_STATE_KEY};
use crate::time::Timestamp;

/// Options for `compilePolicy`.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Key for signing per-user state (an Actions secret, an env var): at least 16 bytes.
    pub state_key: Option<String>,
}

decode_struct!(EngineOptions, strict {
    state_key: "stateKey" => default,
});

/// A compiled policy ready to decide: compile once, decide many times.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: CompiledPolicy,
    /// Keys derived once from `options.state_key` (docs/contract.md#memory); `None` without a key.
    state_keys: Option<StateKey>,
}

impl Engine {
    /// Compiles a policy document with options.
    pub fn compile(policy_json: &str, options: EngineOptions) -> Result<Engine, Vec<ErrorItem>> {
        let state_keys = state_keys(&options)?;
        Ok(Engine {
            policy: CompiledPolicy::compile(policy_json)?,
            state_keys,
        })
    }

    /// An engine on the embedded default policy (an error only for a bad option, or if the
    /// default policy itself were invalid, which tests rule out).
    pub fn with_default_policy(options: EngineOptions) -> Result<Engine, Vec<ErrorItem>> {
        let state_keys = state_keys(&options)?;
        Ok(Engine {
            policy: CompiledPolicy::embedded_default(),
            state_keys,
        })
    }

    /// The compiled policy.
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// Decides a login: reads the request's state, decides, and writes the next state. The
    /// request's `now` wins over the host clock `host_now`.
    pub fn decide_login(&self, req: &Request, host_now: Timestamp) -> Decision {
        self.login_at(req, req.now.unwrap_or(host_now))
    }

    /// Assesses a factor change with the request's state; `Err` when the request has no change
    /// (or another problem its types cannot rule out). The request's `now` wins over `host_now`.
    pub fn assess_factor_change(
        &self,
        req: &Request,
        host_now: Timestamp,
    ) -> Result<Decision, Vec<ErrorItem>> {
        let errors = req.check(Entry::FactorChange);
        if !errors.is_empty() {
            return Err(errors);
        }
        self.change_at(req, req.now.unwrap_or(host_now))
    }

    /// A login at the decision time `now`, already resolved.
    fn login_at(&self, req: &Request, now: Timestamp) -> Decision {
        let keys = self.state_keys.as_ref();
        let memory = state::load(keys, &self.policy, req);
        let decision = crate::login::decide(&self.policy, req, now, &memory);
        state::attach(keys, &self.policy, req, now, memory, decision)
    }

    /// A checked factor change at the decision time `now`, already resolved.
    fn change_at(&self, req: &Request, now: Timestamp) -> Result<Decision, Vec<ErrorItem>> {
        let Some(change) = &req.change else {
            return Err(req.check(Entry::FactorChange));
        };
        let keys = self.state_keys.as_ref();
        let memory = state::load(keys, &self.policy, req);
        let decision = crate::factor_change::assess(&self.policy, req, change, now, &memory);
        Ok(state::attach(
            keys,
            &self.policy,
            req,
            now,
            memory,
            decision,
        ))
    }

    /// `decideLogin` on JSON: a decision document or a tagged error.
    pub fn decide_login_json(&self, request_json: &str, now_ms: f64) -> String {
        self.run(Entry::Login, request_json, now_ms)
    }

    /// `assessFactorChange` on JSON.
    pub fn assess_factor_change_json(&self, request_json: &str, now_ms: f64) -> String {
        self.run(Entry::FactorChange, request_json, now_ms)
    }

    /// The fail-mode decision for a request, as JSON (`entry` is `login` or `factorChange`).
    pub fn fail_mode_json(&self, entry: &str, request_json: &str, now_ms: f64) -> String {
        let entry = if entry == "factorChange" {
            Entry::FactorChange
        } else {
            Entry::Login
        };
        let now = clock(now_ms).unwrap_or(Timestamp(0));
        to_json(&crate::failmode::decide(
            &self.policy,
            entry,
            request_json,
            now,
        ))
    }

    fn run(&self, entry: Entry, request_json: &str, now_ms: f64) -> String {
        match self.decide_entry(entry, request_json, now_ms) {
            Ok(decision) => to_json(&decision),
            Err(errors) => error_json(&errors),
        }
    }

    /// Decodes, checks and decides one request.
    pub fn decide_entry(
        &self,
        entry: Entry,
        request_json: &str,
        now_ms: f64,
    ) -> Result<Decision, Vec<ErrorItem>> {
        let req = decode_request(request_json)?;
        let errors = req.check(entry);
        if !errors.is_empty() {
            return Err(errors);
        }
        let now = match (req.now, clock(now_ms)) {
            (Some(t), _) | (None, Some(t)) => t,
            (None, None) => {
                return Err(vec![ErrorItem::new(
                    ErrorCode::InvalidValue,
                    "/now",
                    "no decision time: the request has no `now` and the host clock is unusable",
                )])
            }
        };
        match entry {
            Entry::Login => Ok(self.login_at(&req, now)),
            Entry::FactorChange => self.change_at(&req, now),
        }
    }
}

/// Checks the options and derives the state keys once.
fn state_keys(options: &EngineOptions) -> Result<Option<StateKey>, Vec<ErrorItem>> {
    let Some(key) = options.state_key.as_deref() else {
        return Ok(None);
    };
    if key.len() < MIN_STATE_KEY {
        return Err(vec![ErrorItem::new(
            ErrorCode::InvalidOption,
            "/stateKey",
            format!("the state key must be at least {MIN_STATE_KEY} bytes"),
        )]);
    }
    Ok(StateKey::new(key.as_bytes()))
}

/// Decodes a request document within the size cap.
pub fn decode_request(request_json: &str) -> Result<Request, Vec<ErrorItem>> {
    crate::error::within(request_json, MAX_REQUEST_BYTES, "request").map_err(|e| vec![e])?;
    decode::<Request>(request_json).map_err(|e| vec![e])
}

/// Milliseconds since the epoch from the host, as a timestamp.
fn clock(now_ms: f64) -> Option<Timestamp> {
    if (0.0..1.0e15).contains(&now_ms) {
        Some(Timestamp((now_ms / 1000.0).floor() as i64))
    } else {
        None
    }
}

/// `compilePolicy` on JSON: an engine, or the tagged error document.
pub fn compile_policy_json(policy_json: &str, options_json: &str) -> Result<Engine, String> {
    Engine::compile(policy_json, options_of(options_json)?).map_err(|e| error_json(&e))
}

/// `compilePolicy(defaultPolicy(), options)` without the policy's text: the same engine as
/// [`compile_policy_json`] on the default policy's text (the shim takes this path when the text
/// it was given is exactly that text), or the tagged error document of bad options.
pub fn compile_default_policy_json(options_json: &str) -> Result<Engine, String> {
    Engine::with_default_policy(options_of(options_json)?).map_err(|e| error_json(&e))
}

fn options_of(options_json: &str) -> Result<EngineOptions, String> {
    if options_json.trim().is_empty() {
        return Ok(EngineOptions::default());
    }
    decode::<EngineOptions>(options_json).map_err(|e| error_json(&[e]))
}

/// `validatePolicy` on JSON: `{"type":"validation","valid":..,"errors":[..]}`, with the policy's
/// id, version and digest when it is valid.
pub fn validate_policy_json(policy_json: &str) -> String {
    match CompiledPolicy::compile(policy_json) {
        Ok(p) => tagged("validation", |w| {
            w.key("valid").boolean(true);
            w.key("errors").begin_array();
            w.end_array();
            p.reference.encode_field(w, "policy");
        }),
        Err(errors) => tagged("validation", |w| {
            w.key("valid").boolean(false);
            errors.encode_field(w, "errors");
        }),
    }
}

/// `defaultPolicy` on JSON: the embedded default policy, every section explicit, compact (the
/// canonical form the digest is taken of).
pub fn default_policy_json() -> String {
    to_json(&Policy::default())
}

/// `reviewExceptions` on JSON.
pub fn review_exceptions_json(policy_json: &str, now: &str) -> String {
    match crate::exceptions::review(policy_json, now) {
        Ok(items) => tagged("exceptionReview", |w| {
            w.key("now").string(now);
            items.encode_field(w, "items");
        }),
        Err(errors) => error_json(&errors),
    }
}

/// The tagged error for a request whose bytes are not UTF-8 (the wasm boundary reads bytes).
pub fn not_utf8_json() -> String {
    error_json(&[ErrorItem::new(
        ErrorCode::InvalidJson,
        "",
        "the request is not UTF-8",
    )])
}

/// `version` on JSON.
pub fn version_json() -> String {
    tagged("version", |w| {
        w.key("crate").string(env!("CARGO_PKG_VERSION"));
        w.key("policySchema").uint(policy::SCHEMA_VERSION.into());
        w.key("stateVersion")
            .uint(crate::state::STATE_VERSION.into());
        w.key("ocsf").string("1.8.0");
    })
}

/// A result object `{"type": kind, ...}` whose other members `body` writes.
fn tagged(kind: &str, body: impl FnOnce(&mut Writer)) -> String {
    let mut w = Writer::new();
    w.begin_object();
    w.key("type").string(kind);
    body(&mut w);
    w.end_object();
    w.finish()
}
