//! The wasm boundary: the only module with `#[wasm_bindgen]`, compiled only for wasm32.
//!
//! Every export takes strings (and an `f64` clock) and returns a string. Decoding happens inside
//! the Rust functions this module calls, so no export throws for bad input: a bad policy or
//! request is a tagged `{"type":"error",...}` JSON document. wasm-bindgen's own string passing
//! cannot fail either (lone surrogates become U+FFFD on the way in).
//!
//! The JS shim (`js/`) is the only intended caller; it parses the returned JSON.

use wasm_bindgen::prelude::wasm_bindgen;

/// A compiled policy, or the tagged error JSON explaining why it did not compile.
///
/// The constructor never throws: `errors()` tells the caller which of the two it holds.
#[wasm_bindgen]
pub struct WasmEngine {
    inner: Result<crate::Engine, String>,
}

#[wasm_bindgen]
impl WasmEngine {
    #[wasm_bindgen(constructor)]
    pub fn new(policy_json: &str, options_json: &str) -> WasmEngine {
        WasmEngine {
            inner: crate::compile_policy_json(policy_json, options_json),
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

    /// The policy's fail-mode decision for `entry` (`"login"` | `"factorChange"`), used by the
    /// shim to answer a call whose instance trapped.
    pub fn fail_mode(&self, entry: &str, request_json: &str, now_ms: f64) -> String {
        match &self.inner {
            Ok(engine) => engine.fail_mode_json(entry, request_json, now_ms),
            Err(errors) => errors.clone(),
        }
    }
}

#[wasm_bindgen]
pub fn validate_policy(policy_json: &str) -> String {
    crate::validate_policy_json(policy_json)
}

#[wasm_bindgen]
pub fn default_policy() -> String {
    crate::default_policy_json()
}

#[wasm_bindgen]
pub fn review_exceptions(policy_json: &str, now: &str) -> String {
    crate::review_exceptions_json(policy_json, now)
}

#[wasm_bindgen]
pub fn version() -> String {
    crate::version_json()
}

/// Test hook: executes a wasm `unreachable` instruction, so the shim's trap recovery (SPEC §8)
/// can be tested against a real `WebAssembly.RuntimeError`. Harmless in production: it only
/// kills the instance it runs on, which is exactly what the shim recovers from.
#[wasm_bindgen(js_name = "__factorgate_test_trap")]
pub fn factorgate_test_trap() {
    core::arch::wasm32::unreachable()
}
