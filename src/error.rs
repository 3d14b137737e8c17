//! Tagged errors: every failure the engine reports is data, never a panic or a throw.

use crate::encode::{encode_struct, Encode};

/// One problem found in an input, located by a JSON pointer so a host or an editor can show it
/// next to the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// Stable camelCase code a host can branch on (see `codes`).
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
    /// RFC 6901 JSON pointer into the input ("" is the whole document).
    pub path: String,
}

encode_struct!(ErrorItem {
    code: "code",
    message: "message",
    path: "path"
});

impl ErrorItem {
    /// Builds an error item; exists so call sites stay one line.
    pub fn new(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            path: path.into(),
        }
    }
}

/// The error codes the engine emits, in one place so hosts can rely on them.
pub mod codes {
    /// The input is not JSON at all (syntax error, truncated, not UTF-8).
    pub const INVALID_JSON: &str = "invalidJson";
    /// JSON of the wrong shape: a wrong type, a missing required field.
    pub const INVALID_SHAPE: &str = "invalidShape";
    /// A field a policy does not know (policies are strict; requests are not).
    pub const UNKNOWN_FIELD: &str = "unknownField";
    /// The same key twice in one policy object.
    pub const DUPLICATE_KEY: &str = "duplicateKey";
    /// A value of the right type outside its allowed range or set.
    pub const INVALID_VALUE: &str = "invalidValue";
    /// A timestamp that is not RFC 3339.
    pub const INVALID_TIMESTAMP: &str = "invalidTimestamp";
    /// The whole input is larger than the cap.
    pub const TOO_LARGE: &str = "tooLarge";
    /// A list or string longer than its cap.
    pub const LIMIT_EXCEEDED: &str = "limitExceeded";
    /// An exception without an expiry, or one longer than the policy allows.
    pub const EXCEPTION_EXPIRY: &str = "exceptionExpiry";
    /// A compile option (such as the state key) that cannot be used.
    pub const INVALID_OPTION: &str = "invalidOption";
    /// The engine instance failed (a WebAssembly trap); reported by the JS shim.
    pub const ENGINE_FAILURE: &str = "engineFailure";
    /// A call on an engine after `free()`; reported by the JS shim.
    pub const ENGINE_FREED: &str = "engineFreed";
}

/// Escapes one JSON-pointer reference token (RFC 6901 §4).
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The tagged error document every entry point returns on failure.
pub fn error_json(errors: &[ErrorItem]) -> String {
    let mut w = crate::json::Writer::new();
    w.begin_object();
    w.key("type").string("error");
    errors.encode_field(&mut w, "errors");
    w.end_object();
    w.finish()
}
