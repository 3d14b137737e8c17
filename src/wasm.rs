//! The wasm boundary: the only module with `#[wasm_bindgen]`, compiled only for wasm32.
//!
//! Every export takes strings (and an `f64` clock) and returns a string; the decisions also
//! read their request from a buffer the shim writes into (`request_buffer`). Decoding happens inside
//! the Rust functions this module calls, so no export throws for bad input: a bad policy or
//! request is a tagged `{"type":"error",...}` JSON document. wasm-bindgen's own string passing
//! cannot fail either (lone surrogates become U+FFFD on the way in).
//!
//! The JS shim (`js/`) is the only intended caller; it parses the returned JSON.
//!
//! Built with the `policy-json` feature (the default, today's package) the module reads policy
//! text (`new`, `validate_policy`, `default_policy`, `review_exceptions`), writes a compiled
//! policy (`compiled_policy`) and diffs two decisions (`diff_decisions`); built without it, the decision module takes the embedded default
//! (`with_default`) or a compiled policy's bytes (`from_compiled`) and only decides.

use std::cell::RefCell;
use wasm_bindgen::prelude::wasm_bindgen;

/// The heap allocator: talc instead of std's dlmalloc (docs/contract.md#budgets: smaller code and
/// faster allocation for the short-lived buffers one decision makes).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    /// The next request's UTF-8 bytes, written by the shim (see [`request_buffer`]).
    static REQUEST: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Largest request buffer: the request cap in UTF-8 bytes for the most UTF-16 units the shim
/// lets through (it refuses more than the cap in units; a unit is at most 3 bytes).
const MAX_REQUEST_BUFFER: usize = 3 * crate::limits::MAX_REQUEST_BYTES;

/// Room for the next request's `len` bytes, returned as its address in linear memory. The shim
/// writes the request there with `TextEncoder.encodeInto`, one native call, instead of
/// wasm-bindgen's string passing, which copies ASCII one character at a time in JS (2–4 µs for
/// a typical request, a tenth of a decision). The buffer is kept and reused: it grows to the
/// largest request seen, at most [`MAX_REQUEST_BUFFER`].
#[wasm_bindgen]
pub fn request_buffer(len: usize) -> usize {
    REQUEST.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let len = len.min(MAX_REQUEST_BUFFER);
        if buffer.len() < len {
            buffer.resize(len, 0);
        }
        buffer.as_mut_ptr() as usize
    })
}

/// Runs `decide` on the first `len` bytes of the request buffer, as text.
fn with_request(len: usize, decide: impl FnOnce(&str) -> String) -> String {
    REQUEST.with(|buffer| {
        let buffer = buffer.borrow();
        match std::str::from_utf8(buffer.get(..len).unwrap_or_default()) {
            Ok(request_json) => decide(request_json),
            Err(_) => crate::not_utf8_json(),
        }
    })
}

/// A compiled policy, or the tagged error JSON explaining why it did not compile.
///
/// The constructor never throws: `errors()` tells the caller which of the two it holds.
#[wasm_bindgen]
pub struct WasmEngine {
    inner: Result<crate::Engine, String>,
}

#[wasm_bindgen]
impl WasmEngine {
    /// `compilePolicy(text, options)`: the policy module only (the `policy-json` feature).
    #[cfg(feature = "policy-json")]
    #[wasm_bindgen(constructor)]
    pub fn new(policy_json: &str, options_json: &str) -> WasmEngine {
        WasmEngine {
            inner: crate::compile_policy_json(policy_json, options_json),
        }
    }

    /// The engine's policy in its compiled binary form (`Engine::compiled_policy`), for the
    /// decision module's `from_compiled`; empty when the policy did not compile (`errors()`
    /// says why). The policy module only (the `policy-json` feature).
    #[cfg(feature = "policy-json")]
    pub fn compiled_policy(&self) -> Vec<u8> {
        match &self.inner {
            Ok(engine) => engine.compiled_policy(),
            Err(_) => Vec::new(),
        }
    }

    /// The engine on a compiled policy's bytes (`from_compiled_policy_json`): the decision
    /// module, built without the `policy-json` feature, takes this instead of `new`; a bad
    /// compiled policy is an `invalidCompiledPolicy` error in `errors()`.
    #[cfg(not(feature = "policy-json"))]
    pub fn from_compiled(bytes: &[u8], options_json: &str) -> WasmEngine {
        WasmEngine {
            inner: crate::from_compiled_policy_json(bytes, options_json),
        }
    }

    /// The engine on the embedded default policy: what `new(default_policy(), options_json)`
    /// gives, without writing, copying or reading the policy's text (cold start: the shim calls
    /// this when `compilePolicy` is given exactly the default policy).
    pub fn with_default(options_json: &str) -> WasmEngine {
        WasmEngine {
            inner: crate::compile_default_policy_json(options_json),
        }
    }

    /// `""` when the policy compiled, else the tagged error JSON.
    pub fn errors(&self) -> String {
        match &self.inner {
            Ok(_) => String::new(),
            Err(errors) => errors.clone(),
        }
    }

    pub fn decide_login(&self, request_json: &str, now_ms: f64) -> String {
        match &self.inner {
            Ok(engine) => engine.decide_login_json(request_json, now_ms),
            Err(errors) => errors.clone(),
        }
    }

    pub fn assess_factor_change(&self, request_json: &str, now_ms: f64) -> String {
        match &self.inner {
            Ok(engine) => engine.assess_factor_change_json(request_json, now_ms),
            Err(errors) => errors.clone(),
        }
    }

    /// `grantApproval`: input `{ request, approver, now? }` as JSON text (a rare call, so plain
    /// string passing rather than the request buffer).
    pub fn grant_approval(&self, input_json: &str, now_ms: f64) -> String {
        match &self.inner {
            Ok(engine) => engine.grant_approval_json(input_json, now_ms),
            Err(errors) => errors.clone(),
        }
    }

    /// `decide_login` on the request in the request buffer (its first `len` bytes).
    pub fn decide_login_buffered(&self, len: usize, now_ms: f64) -> String {
        with_request(len, |request_json| self.decide_login(request_json, now_ms))
    }

    /// `assess_factor_change` on the request in the request buffer (its first `len` bytes).
    pub fn assess_factor_change_buffered(&self, len: usize, now_ms: f64) -> String {
        with_request(len, |request_json| {
            self.assess_factor_change(request_json, now_ms)
        })
    }

    /// `assessAction` on the request in the request buffer (its first `len` bytes): the only
    /// export for actions (the shim passes every decision through the buffer).
    pub fn assess_action_buffered(&self, len: usize, now_ms: f64) -> String {
        with_request(len, |request_json| match &self.inner {
            Ok(engine) => engine.assess_action_json(request_json, now_ms),
            Err(errors) => errors.clone(),
        })
    }

    /// The policy's fail-mode decision for `entry` (`"login"` | `"factorChange"` | `"action"`), used by the
    /// shim to answer a call whose instance trapped.
    pub fn fail_mode(&self, entry: &str, request_json: &str, now_ms: f64) -> String {
        match &self.inner {
            Ok(engine) => engine.fail_mode_json(entry, request_json, now_ms),
            Err(errors) => errors.clone(),
        }
    }
}

#[cfg(feature = "policy-json")]
#[wasm_bindgen]
pub fn validate_policy(policy_json: &str) -> String {
    crate::validate_policy_json(policy_json)
}

#[cfg(feature = "policy-json")]
#[wasm_bindgen]
pub fn default_policy() -> String {
    crate::default_policy_json()
}

#[cfg(feature = "policy-json")]
#[wasm_bindgen]
pub fn review_exceptions(policy_json: &str, now: &str) -> String {
    crate::review_exceptions_json(policy_json, now)
}

/// `diffDecisions(a, b)`: the decision diff (`src/diff.rs`), for the policy preview's Compare. The
/// policy module only (the `policy-json` feature): the decision module's size budget has no room
/// for it, and nothing on the decision path needs it.
#[cfg(feature = "policy-json")]
#[wasm_bindgen]
pub fn diff_decisions(a: &str, b: &str) -> String {
    crate::diff_decisions_json(a, b)
}

#[wasm_bindgen]
pub fn version() -> String {
    crate::version_json()
}

/// Test hook: executes a wasm `unreachable` instruction, so the shim's trap recovery (docs/contract.md#failure)
/// can be tested against a real `WebAssembly.RuntimeError`. Harmless in production: it only
/// kills the instance it runs on, which is exactly what the shim recovers from.
#[wasm_bindgen(js_name = "__factorgate_test_trap")]
pub fn factorgate_test_trap() {
    core::arch::wasm32::unreachable()
}
