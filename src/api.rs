//! The contract's entry points (docs/contract.md#entry-points), each with a `*_json` twin taking and returning JSON
//! strings, so that `cargo test` covers the whole contract and the wasm layer only binds.
//! Nothing here panics or fails outside the tagged result.

use crate::approvals::Pending;
use crate::decision::{Decision, Entry};
use crate::error::{ErrorCode, ErrorItem};
use crate::json::Writer;
use crate::json::{decode_struct, from_str as decode};
use crate::json::{encode_struct, to_json, Text};
use crate::json::{error_json, write_errors, Encode, Record};
use crate::limits::MAX_REQUEST_BYTES;
use crate::policy::{self, CompiledPolicy, Policy};
use crate::request::Request;
use crate::state::{self, Keys, Memory, StateKey, MAX_PREVIOUS_KEYS, MIN_STATE_KEY};
use crate::time::Timestamp;

/// Options for `compilePolicy`.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Key for signing per-user state (an Actions secret, an env var): at least 16 bytes.
    pub state_key: Option<String>,
    /// Keys states and grants were signed under before `state_key` (key rotation): still read,
    /// never used to sign. At most 8, each at least 16 bytes.
    pub previous_state_keys: Vec<String>,
}

decode_struct!(EngineOptions, strict {
    state_key: "stateKey" => default,
    previous_state_keys: "previousStateKeys" => default,
});

/// Who approves, in `grantApproval`'s input.
#[derive(Debug, Clone)]
pub struct Approver {
    /// The approver group (one of the approval's `by`: `manager`, `soc`, ...).
    pub kind: Text,
    /// The approver's own id (never the user's nor the change's actor's).
    pub id: Text,
}

decode_struct!(Approver, lenient {
    kind: "kind" => required,
    id: "id" => required,
});

/// `grantApproval`'s input: `{ request, approver: { kind, id }, now? }`.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// The factor-change request pending approval, as the host sent it.
    pub request: Request,
    /// Who approves.
    pub approver: Approver,
    /// Decision time; over the request's `now` and the host clock.
    pub now: Option<Timestamp>,
}

decode_struct!(GrantRequest, lenient {
    request: "request" => required,
    approver: "approver" => required,
    now: "now" => default,
});

/// `grantApproval`'s answer (docs/contract.md#approvals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalGrant {
    /// Always `approvalGrant`.
    pub kind: &'static str,
    /// The signed grant the host sends back as `change.approval`.
    pub grant: String,
    /// The approval it grants (`approval.id` of the decision).
    pub approval_id: String,
    /// When the grant expires, RFC 3339.
    pub expires_at: String,
}

encode_struct!(ApprovalGrant {
    kind: "type",
    grant: "grant",
    approval_id: "approvalId",
    expires_at: "expiresAt",
});

/// A compiled policy ready to decide: compile once, decide many times.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: CompiledPolicy,
    /// Keys derived once from `options.state_key` and `previous_state_keys`
    /// (docs/contract.md#memory); `None` without a key.
    state_keys: Option<Keys>,
}

impl Engine {
    /// Compiles a policy document with options.
    #[cfg(feature = "policy-json")]
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

    /// An engine on a compiled policy's bytes ([`Engine::compiled_policy`]) with options: the
    /// same decisions as the engine that wrote them, without reading or validating the policy's
    /// JSON again (what the decision module, built without the `policy-json` feature, does).
    /// Bytes that are not a compiled policy are `invalidCompiledPolicy`; a bad option is
    /// `invalidOption`. The options are not in the bytes: state keys are never part of a policy.
    pub fn from_compiled_policy(
        bytes: &[u8],
        options: EngineOptions,
    ) -> Result<Engine, Vec<ErrorItem>> {
        let state_keys = state_keys(&options)?;
        Ok(Engine {
            policy: CompiledPolicy::from_bytes(bytes).map_err(|e| vec![e])?,
            state_keys,
        })
    }

    /// The compiled policy.
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// This engine's policy in its compact binary form (`CompiledPolicy::to_bytes`: a header,
    /// the policy's digest, every field of the decoded policy), for
    /// [`Engine::from_compiled_policy`] and [`from_compiled_policy_json`]. The same policy always
    /// gives the same bytes; the options (state keys) are not in them.
    pub fn compiled_policy(&self) -> Vec<u8> {
        self.policy.to_bytes()
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

    /// Assesses a privileged action (docs/contract.md#actions) with the request's state; `Err` when
    /// the request has no action (or another problem its types cannot rule out). The request's
    /// `now` wins over `host_now`.
    pub fn assess_action(
        &self,
        req: &Request,
        host_now: Timestamp,
    ) -> Result<Decision, Vec<ErrorItem>> {
        let errors = req.check(Entry::Action);
        if !errors.is_empty() {
            return Err(errors);
        }
        self.action_at(req, req.now.unwrap_or(host_now))
    }

    /// `grantApproval` (docs/contract.md#approvals): decides `req` again (without any grant it
    /// carries) at `now` (the request's `now` over `host_now`): a factor change, or a privileged
    /// action when the request has an `action` and no `change`. Where the answer is `approval`,
    /// the approver's kind is one of its `by` (a `sponsor` being `user.sponsor`), and the
    /// approver is neither the user nor the change's actor, signs a grant for this very change
    /// or action (bound to the user, the approval id, the policy digest and the reason codes
    /// present now) valid for `approvals.grantLifetimeS`. Otherwise a tagged error: `noStateKey`,
    /// `notPendingApproval`, `approverNotAllowed`, `selfApproval` (paths relative to the request,
    /// or `/approver`).
    pub fn grant_approval(
        &self,
        req: &Request,
        approver: &Approver,
        host_now: Timestamp,
    ) -> Result<ApprovalGrant, Vec<ErrorItem>> {
        let entry = match (&req.change, &req.action) {
            (None, Some(_)) => Entry::Action,
            _ => Entry::FactorChange,
        };
        let errors = req.check(entry);
        if !errors.is_empty() {
            return Err(errors);
        }
        let Some(keys) = self.state_keys.as_ref() else {
            return Err(vec![ErrorItem::new(
                ErrorCode::NoStateKey,
                "",
                "the engine was compiled without a stateKey: it cannot sign a grant",
            )]);
        };
        for (field, value) in [("kind", &approver.kind), ("id", &approver.id)] {
            if value.as_str().trim_ascii().is_empty() {
                return Err(vec![ErrorItem::new(
                    ErrorCode::InvalidValue,
                    format!("/approver/{field}"),
                    format!("the approver's {field} is empty"),
                )]);
            }
        }
        let now = req.now.unwrap_or(host_now);
        let (pending, decision, path) = match (&req.change, &req.action) {
            (Some(change), _) => (
                Pending::Change(change),
                self.change_decided(req, change, now, false),
                "/change",
            ),
            (None, Some(action)) => (
                Pending::Action(action),
                self.action_decided(req, action, now, false),
                "/action",
            ),
            (None, None) => return Err(req.check(Entry::FactorChange)),
        };
        let Some(approval) = decision
            .approval
            .as_ref()
            .filter(|_| decision.outcome == crate::decision::Outcome::Approval)
        else {
            return Err(vec![ErrorItem::new(
                ErrorCode::NotPendingApproval,
                path,
                format!(
                    "decided again, it is {}: there is nothing to approve",
                    decision.outcome.as_str()
                ),
            )]);
        };
        let kind = approver.kind.as_str();
        if !approval.by.iter().any(|b| b == kind) {
            return Err(vec![ErrorItem::new(
                ErrorCode::ApproverNotAllowed,
                "/approver/kind",
                format!(
                    "{} does not approve this change: approval by {}",
                    crate::error::quoted(kind),
                    crate::error::join(&approval.by, ", ")
                ),
            )]);
        }
        if crate::approvals::not_the_sponsor(req, kind, approver.id.as_str()) {
            return Err(vec![ErrorItem::new(
                ErrorCode::ApproverNotAllowed,
                "/approver/id",
                "only the account's sponsor (user.sponsor) approves as sponsor",
            )]);
        }
        if crate::approvals::is_self_approval(req, pending, approver.id.as_str()) {
            return Err(vec![ErrorItem::new(
                ErrorCode::SelfApproval,
                "/approver/id",
                "the approver is the user or the change's actor: nobody approves their own change",
            )]);
        }
        let lifetime = i64::try_from(self.policy.policy.approvals.grant_lifetime_s).unwrap_or(0);
        let seconds = |t: i64| u32::try_from(t.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX);
        let claims = state::GrantClaims {
            approver_kind: kind.to_string(),
            approver_id: approver.id.as_str().to_string(),
            approval_id: crate::approvals::approval_id(req, pending, &self.policy.reference.digest),
            policy: crate::approvals::digest_prefix(&self.policy.reference.digest),
            reasons: crate::approvals::reason_bits(&decision.reasons),
            issued_at: seconds(now.0),
            expires_at: seconds(now.0.saturating_add(lifetime)),
        };
        let Some((grant, _)) = state::issue_grant(keys, req.user.id.as_str(), &claims) else {
            return Err(vec![ErrorItem::new(
                ErrorCode::InvalidValue,
                "/approver",
                "the approver's kind and id must each be at most 255 bytes",
            )]);
        };
        Ok(ApprovalGrant {
            kind: "approvalGrant",
            grant,
            approval_id: approval.id.clone(),
            expires_at: Timestamp(i64::from(claims.expires_at)).to_rfc3339(),
        })
    }

    /// `grantApproval` on JSON: input `{ request, approver: { kind, id }, now? }`; the answer
    /// `{ "type": "approvalGrant", grant, approvalId, expiresAt }` or a tagged error (paths into
    /// the input: `/request/...`, `/approver/...`).
    pub fn grant_approval_json(&self, input_json: &str, now_ms: f64) -> String {
        let input =
            crate::error::within(input_json, MAX_REQUEST_BYTES + 4096, "grantApproval input")
                .map_err(|e| vec![e])
                .and_then(|()| decode::<GrantRequest>(input_json).map_err(|e| vec![e]));
        let input = match input {
            Ok(i) => i,
            Err(errors) => return error_json(&errors),
        };
        let now = match (input.now.or(input.request.now), clock(now_ms)) {
            (Some(t), _) | (None, Some(t)) => t,
            (None, None) => {
                return error_json(&[ErrorItem::new(
                    ErrorCode::InvalidValue,
                    "/now",
                    "no decision time: the input has no `now` and the host clock is unusable",
                )])
            }
        };
        let mut request = input.request;
        request.now = Some(now);
        match self.grant_approval(&request, &input.approver, now) {
            Ok(grant) => to_json(&grant),
            Err(errors) => {
                let errors: Vec<ErrorItem> = errors
                    .into_iter()
                    .map(|mut e| {
                        if !e.path.starts_with("/approver") && e.code != ErrorCode::NoStateKey {
                            e.path = format!("/request{}", e.path);
                        }
                        e
                    })
                    .collect();
                error_json(&errors)
            }
        }
    }

    /// Decides `req` at `now` with its verified state (`decide` gets the engine's keys for a
    /// grant, and the memory), and writes the next state into the decision.
    fn remembering(
        &self,
        req: &Request,
        now: Timestamp,
        decide: &dyn Fn(Option<&Keys>, &Memory) -> Decision,
    ) -> Decision {
        let keys = self.state_keys.as_ref();
        let memory = state::load(keys, &self.policy, req);
        let decision = decide(keys, &memory);
        state::attach(keys, &self.policy, req, now, memory, decision)
    }

    /// A login at the decision time `now`, already resolved.
    fn login_at(&self, req: &Request, now: Timestamp) -> Decision {
        self.remembering(req, now, &|_, memory| {
            crate::login::decide(&self.policy, req, now, memory)
        })
    }

    /// A checked action at the decision time `now`, already resolved.
    fn action_at(&self, req: &Request, now: Timestamp) -> Result<Decision, Vec<ErrorItem>> {
        let Some(action) = &req.action else {
            return Err(req.check(Entry::Action));
        };
        Ok(self.action_decided(req, action, now, true))
    }

    /// A privileged action decided with its state; its grant weighed only when `weigh_grant`.
    fn action_decided(
        &self,
        req: &Request,
        action: &crate::request::Action,
        now: Timestamp,
        weigh_grant: bool,
    ) -> Decision {
        self.remembering(req, now, &|keys, memory| {
            let key = weigh_grant.then_some(keys);
            crate::actions::decide(&self.policy, key, req, action, now, memory)
        })
    }

    /// A checked factor change at the decision time `now`, already resolved.
    fn change_at(&self, req: &Request, now: Timestamp) -> Result<Decision, Vec<ErrorItem>> {
        let Some(change) = &req.change else {
            return Err(req.check(Entry::FactorChange));
        };
        Ok(self.change_decided(req, change, now, true))
    }

    /// A factor change decided with its state; the grant it carries weighed only when
    /// `weigh_grant` (`grantApproval` decides the change as it stands without one).
    fn change_decided(
        &self,
        req: &Request,
        change: &crate::request::Change,
        now: Timestamp,
        weigh_grant: bool,
    ) -> Decision {
        self.remembering(req, now, &|keys, memory| {
            let key = weigh_grant.then_some(keys);
            crate::factor_change::assess(&self.policy, key, req, change, now, memory)
        })
    }

    /// `decideLogin` on JSON: a decision document or a tagged error.
    pub fn decide_login_json(&self, request_json: &str, now_ms: f64) -> String {
        self.answer_json(Entry::Login, request_json, now_ms)
    }

    /// `assessFactorChange` on JSON.
    pub fn assess_factor_change_json(&self, request_json: &str, now_ms: f64) -> String {
        self.answer_json(Entry::FactorChange, request_json, now_ms)
    }

    /// `assessAction` on JSON.
    pub fn assess_action_json(&self, request_json: &str, now_ms: f64) -> String {
        self.answer_json(Entry::Action, request_json, now_ms)
    }

    /// The fail-mode decision for a request, as JSON (`entry` is `login`, `factorChange` or
    /// `action`).
    pub fn fail_mode_json(&self, entry: &str, request_json: &str, now_ms: f64) -> String {
        to_json(&self.fail_mode(entry, request_json, now_ms))
    }

    /// [`Engine::fail_mode_json`]'s decision written into `record` as a result record (what the
    /// shim answers a trapped call with).
    pub fn fail_mode_record(
        &self,
        entry: &str,
        request_json: &str,
        now_ms: f64,
        record: &mut Record,
    ) {
        let decision = self.fail_mode(entry, request_json, now_ms);
        record.write(|w| decision.encode(w));
    }

    fn fail_mode(&self, entry: &str, request_json: &str, now_ms: f64) -> Decision {
        let entry = match entry {
            "factorChange" => Entry::FactorChange,
            "action" => Entry::Action,
            _ => Entry::Login,
        };
        let now = clock(now_ms).unwrap_or(Timestamp(0));
        crate::failmode::decide(&self.policy, entry, request_json, now)
    }

    /// `decideLogin`, `assessFactorChange` or `assessAction` (`entry`) written into `record`
    /// as a result record (docs/architecture.md#the-result-record): the answer of the `*_json`
    /// twin, which the JS shim turns into the same object without decoding or parsing JSON.
    pub fn decide_record(
        &self,
        entry: Entry,
        request_json: &str,
        now_ms: f64,
        record: &mut Record,
    ) {
        record.write(|w| self.write_answer(entry, request_json, now_ms, w));
    }

    /// The answer's JSON text, as the `*_json` twin of `entry` gives it.
    pub(crate) fn answer_json(&self, entry: Entry, request_json: &str, now_ms: f64) -> String {
        let mut w = Writer::new();
        self.write_answer(entry, request_json, now_ms, &mut w);
        w.finish()
    }

    /// The decision, or the tagged error, written as JSON or as a record.
    fn write_answer(&self, entry: Entry, request_json: &str, now_ms: f64, w: &mut Writer) {
        match self.decide_entry(entry, request_json, now_ms) {
            Ok(decision) => decision.encode(w),
            Err(errors) => write_errors(w, &errors),
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
            Entry::Action => self.action_at(&req, now),
        }
    }
}

/// Checks the options and derives the state keys once.
fn state_keys(options: &EngineOptions) -> Result<Option<Keys>, Vec<ErrorItem>> {
    let previous = &options.previous_state_keys;
    let refuse = |message: &str| {
        Err(vec![ErrorItem::new(
            ErrorCode::InvalidOption,
            "/previousStateKeys",
            message,
        )])
    };
    let Some(key) = options.state_key.as_deref() else {
        return match previous.is_empty() {
            true => Ok(None),
            false => refuse("previous state keys need a stateKey"),
        };
    };
    if previous.len() > MAX_PREVIOUS_KEYS {
        return refuse("at most 8 previous state keys");
    }
    let mut keys = Keys {
        current: derive(key, "/stateKey")?,
        previous: Vec::new(),
    };
    for (i, k) in previous.iter().enumerate() {
        keys.previous
            .push(derive(k, &format!("/previousStateKeys/{i}"))?);
    }
    Ok(Some(keys))
}

/// One state key of at least [`MIN_STATE_KEY`] bytes, derived, or `invalidOption` at `path`.
fn derive(key: &str, path: &str) -> Result<StateKey, Vec<ErrorItem>> {
    StateKey::new(key.as_bytes())
        .filter(|_| key.len() >= MIN_STATE_KEY)
        .ok_or_else(|| {
            vec![ErrorItem::new(
                ErrorCode::InvalidOption,
                path,
                "a state key must be at least 16 bytes",
            )]
        })
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
#[cfg(feature = "policy-json")]
pub fn compile_policy_json(policy_json: &str, options_json: &str) -> Result<Engine, String> {
    Engine::compile(policy_json, options_of(options_json)?).map_err(|e| error_json(&e))
}

/// `compilePolicy(defaultPolicy(), options)` without the policy's text: the same engine as
/// [`compile_policy_json`] on the default policy's text (the shim takes this path when the text
/// it was given is exactly that text), or the tagged error document of bad options.
pub fn compile_default_policy_json(options_json: &str) -> Result<Engine, String> {
    Engine::with_default_policy(options_of(options_json)?).map_err(|e| error_json(&e))
}

/// An engine on a compiled policy's bytes ([`Engine::compiled_policy`],
/// [`compile_policy_to_bytes_json`]) with options as JSON (empty for none): the engine, or the
/// tagged error document (`invalidCompiledPolicy` for bytes that are not a compiled policy).
pub fn from_compiled_policy_json(bytes: &[u8], options_json: &str) -> Result<Engine, String> {
    Engine::from_compiled_policy(bytes, options_of(options_json)?).map_err(|e| error_json(&e))
}

/// A policy document compiled ahead of time: decoded over the default, validated, and written
/// in its compact binary form for [`from_compiled_policy_json`]; or the tagged error document
/// `compilePolicy` would give.
#[cfg(feature = "policy-json")]
pub fn compile_policy_to_bytes_json(policy_json: &str) -> Result<Vec<u8>, String> {
    CompiledPolicy::compile(policy_json)
        .map(|p| p.to_bytes())
        .map_err(|e| error_json(&e))
}

fn options_of(options_json: &str) -> Result<EngineOptions, String> {
    if options_json.trim_ascii().is_empty() {
        return Ok(EngineOptions::default());
    }
    decode::<EngineOptions>(options_json).map_err(|e| error_json(&[e]))
}

/// `validatePolicy` on JSON: `{"type":"validation","valid":..,"errors":[..]}`, with the policy's
/// id, version and digest when it is valid.
#[cfg(feature = "policy-json")]
pub fn validate_policy_json(policy_json: &str) -> String {
    match CompiledPolicy::compile(policy_json) {
        Ok(p) => tagged("validation", |w| {
            w.key("valid").boolean(true);
            w.key("errors").begin_array();
            w.end_array();
            crate::json::Encode::encode_field(&p.reference, w, "policy");
        }),
        Err(errors) => tagged("validation", |w| {
            w.key("valid").boolean(false);
            crate::json::Encode::encode_field(&errors, w, "errors");
        }),
    }
}

/// `defaultPolicy` on JSON: the embedded default policy, every section explicit, compact (the
/// canonical form the digest is taken of).
pub fn default_policy_json() -> String {
    to_json(&Policy::default())
}

/// `reviewExceptions` on JSON.
#[cfg(feature = "policy-json")]
pub fn review_exceptions_json(policy_json: &str, now: &str) -> String {
    match crate::exceptions::review(policy_json, now) {
        Ok(items) => tagged("exceptionReview", |w| {
            w.key("now").string(now);
            crate::json::Encode::encode_field(&items, w, "items");
        }),
        Err(errors) => error_json(&errors),
    }
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
