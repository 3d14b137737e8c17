//! Tagged errors: every failure the engine reports is data, never a panic or a throw.

use serde::Serialize;

/// One problem found in an input, located by a JSON pointer so a host or an editor can show it
/// next to the offending field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorItem {
    /// Stable camelCase code a host can branch on (see `codes`).
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
    /// RFC 6901 JSON pointer into the input ("" is the whole document).
    pub path: String,
}

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
}

/// Converts a serde_path_to_error path into an RFC 6901 JSON pointer.
pub fn pointer_from_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&escape_pointer(key));
            }
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

/// Escapes one JSON-pointer reference token (RFC 6901 §4).
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Decodes `input` as `T`, turning any serde failure into a located, tagged error.
pub fn decode<T: serde::de::DeserializeOwned>(input: &str) -> Result<T, ErrorItem> {
    let mut de = serde_json::Deserializer::from_str(input);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = pointer_from_path(e.path());
        classify(e.inner(), path)
    })?;
    de.end()
        .map_err(|e| ErrorItem::new(codes::INVALID_JSON, "", format!("trailing data: {e}")))?;
    Ok(value)
}

fn classify(e: &serde_json::Error, path: String) -> ErrorItem {
    use serde_json::error::Category;
    let message = strip_position(&e.to_string());
    match e.classify() {
        Category::Io | Category::Syntax | Category::Eof => {
            ErrorItem::new(codes::INVALID_JSON, path, message)
        }
        Category::Data => {
            let code = if message.starts_with("unknown field") {
                codes::UNKNOWN_FIELD
            } else if message.starts_with("duplicate field") || message.starts_with("duplicate key")
            {
                codes::DUPLICATE_KEY
            } else if message.starts_with("invalid timestamp") {
                codes::INVALID_TIMESTAMP
            } else if message.starts_with("too long") {
                codes::LIMIT_EXCEEDED
            } else {
                codes::INVALID_SHAPE
            };
            ErrorItem::new(code, path, message)
        }
    }
}

/// serde_json appends " at line L column C"; the path already locates the problem.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

/// The tagged error document every entry point returns on failure.
pub fn error_json(errors: &[ErrorItem]) -> String {
    serde_json::json!({ "type": "error", "errors": errors }).to_string()
}
