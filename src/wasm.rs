//! The wasm boundary: the only module with `#[wasm_bindgen]`, compiled only for wasm32.
//!
//! Every export takes strings (and an `f64` clock) and returns a string, except the one the shim
//! decides with (`answer_buffered`): it reads its request from a buffer the shim writes into
//! (`request_buffer`) and answers a result record (docs/architecture.md#the-result-record) in
//! wasm memory, which the shim reads in place. Decoding happens inside the Rust functions this
//! module calls, so no export throws for bad input: a bad policy or request is a tagged
//! `{"type":"error",...}` answer. wasm-bindgen's own string passing cannot fail either (lone
//! surrogates become U+FFFD on the way in).
//!
//! The JS shim (`js/`) is the only intended caller; it parses the returned JSON, or reads the
//! record.
//!
//! Built with the `policy-json` feature (the default, today's package) the module reads policy
//! text (`new`, `validate_policy`, `default_policy`, `review_exceptions`), writes a compiled
//! policy (`compiled_policy`) and diffs two decisions (`diff_decisions`); built without it, the decision module takes the embedded default
//! (`with_default`) or a compiled policy's bytes (`from_compiled`) and only decides.

use crate::Entry;
use std::cell::RefCell;
use wasm_bindgen::prelude::wasm_bindgen;

/// The heap allocator: talc instead of std's dlmalloc (docs/contract.md#budgets: smaller code and
/// faster allocation for the short-lived buffers one decision makes).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    /// The next request's UTF-8 bytes, written by the shim (see [`request_buffer`]).
    static REQUEST: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The last result record, with its header for the shim: the addresses and lengths of its
    /// tags and text, and the id of its first name. Its names live as long as the instance,
    /// as the shim's table for this instance does.
    static RECORD: RefCell<(crate::Record, [u32; 5])> =
        const { RefCell::new((crate::Record::new(), [0; 5])) };
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

/// [`WasmEngine::answer_buffered`]'s `what`: the entry in its two low bits (0 `login`, 1
/// `factorChange`, 2 `action`), and these flags.
const FAIL_MODE: u32 = 4;
/// The JSON text of the answer, as the record's one raw piece: what the JSON exports answer,
/// through the same path (the package's tests hold records to it).
const AS_JSON: u32 = 8;

/// Writes `engine`'s answer `what` (see [`WasmEngine::answer_buffered`]) on the first `len`
/// bytes of the request buffer as the result record: the answer, or the engine's compile errors,
/// or the error of bytes that are not UTF-8. Returns the address of the record's header: five
/// little-endian `u32`, the tags' address and length, the text's address and length (UTF-8
/// bytes), the id the record's first new name gets.
fn answer_record(
    engine: &Result<crate::Engine, String>,
    what: u32,
    len: usize,
    now_ms: f64,
) -> usize {
    let entry = match what & 3 {
        0 => Entry::Login,
        1 => Entry::FactorChange,
        _ => Entry::Action,
    };
    REQUEST.with(|buffer| {
        RECORD.with(|record| {
            let buffer = buffer.borrow();
            let (record, header) = &mut *record.borrow_mut();
            let request = std::str::from_utf8(buffer.get(..len).unwrap_or_default());
            match (engine, request) {
                (Err(errors), _) => record.write(|w| w.raw(errors)),
                (Ok(_), Err(_)) => record.write(|w| {
                    crate::json::write_errors(w, &[not_utf8()]);
                }),
                (Ok(engine), Ok(request)) if what & AS_JSON != 0 => {
                    let json = match what & FAIL_MODE {
                        0 => engine.answer_json(entry, request, now_ms),
                        _ => engine.fail_mode_json(entry.as_str(), request, now_ms),
                    };
                    record.write(|w| w.raw(&json));
                }
                (Ok(engine), Ok(request)) => match what & FAIL_MODE {
                    0 => engine.decide_record(entry, request, now_ms, record),
                    _ => engine.fail_mode_record(entry.as_str(), request, now_ms, record),
                },
            }
            let (tags, text) = (record.tags(), record.text());
            *header = [
                tags.as_ptr() as u32,
                tags.len() as u32,
                text.as_ptr() as u32,
                text.len() as u32,
                record.first_name(),
            ];
            header.as_ptr() as usize
        })
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

    /// The shim's one decision export: `what` is the entry (0 `login`, 1 `factorChange`, 2
    /// `action`), plus 4 for the fail mode's decision instead, plus 8 for the answer's JSON text
    /// (tests); the request is the request buffer's first `len` bytes. Answers a result record:
    /// the address of its header (see [`answer_record`]).
    pub fn answer_buffered(&self, what: u32, len: usize, now_ms: f64) -> usize {
        answer_record(&self.inner, what, len, now_ms)
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

/// The error of a request whose bytes are not UTF-8 (the boundary reads the request as bytes).
fn not_utf8() -> crate::error::ErrorItem {
    crate::error::ErrorItem::new(
        crate::error::ErrorCode::InvalidJson,
        "",
        "the request is not UTF-8",
    )
}
