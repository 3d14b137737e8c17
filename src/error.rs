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
    /// A call on an engine after `free()`; reported by the JS shim.
    pub const ENGINE_FREED: &str = "engineFreed";
}

/// Escapes one JSON-pointer reference token (RFC 6901 §4).
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Decodes `input` as `T`, turning any serde failure into a located, tagged error.
///
/// The path comes from the error's position: serde_json reports where it stopped, and
/// [`pointer_at`] replays the document's structure up to there. This costs nothing on the success
/// path and, unlike a path-tracking deserializer wrapper, adds no second copy of every
/// `Deserialize` impl to the wasm module.
pub fn decode<T: serde::de::DeserializeOwned>(input: &str) -> Result<T, ErrorItem> {
    let mut de = serde_json::Deserializer::from_str(input);
    let located = |e: serde_json::Error| {
        let path = pointer_at(input, offset_of(input, e.line(), e.column()));
        classify(&e, path)
    };
    let value = T::deserialize(&mut de).map_err(located)?;
    de.end()
        .map_err(|e| ErrorItem::new(codes::INVALID_JSON, "", format!("trailing data: {e}")))?;
    Ok(value)
}

/// Byte offset of a serde_json (line, column) position (both 1-based; column counts bytes).
fn offset_of(input: &str, line: usize, column: usize) -> usize {
    let line_start: usize = input
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column).min(input.len())
}

/// One open container while replaying a document.
enum Frame {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
        started: bool,
    },
}

/// The JSON pointer of the value being read at byte `offset` of `input` (RFC 6901): the path of
/// open containers, each with its current key or index.
pub fn pointer_at(input: &str, offset: usize) -> String {
    let bytes = input.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        let Some(&b) = bytes.get(i) else { break };
        if let Some(Frame::Array { started, .. }) = stack.last_mut() {
            if !b.is_ascii_whitespace() && b != b']' {
                *started = true;
            }
        }
        match b {
            b'{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Frame::Array {
                index: 0,
                started: false,
            }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                Some(Frame::Array { index, .. }) => *index += 1,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
            }
            b'"' => {
                let (text, next) = read_string(bytes, i + 1);
                if let Some(Frame::Object {
                    key,
                    expecting_key: true,
                }) = stack.last_mut()
                {
                    *key = Some(text);
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // serde_json locates a wrong-typed value at the character before it; for the first item of
    // a list that is the list's `[`, so the item has not started yet. Whatever comes next, other
    // than the list's end, is that item.
    if let Some(Frame::Array { started, .. }) = stack.last_mut() {
        let next = bytes
            .get(offset.min(bytes.len())..)
            .and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace()));
        if next.is_some_and(|b| *b != b']') {
            *started = true;
        }
    }
    let mut out = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                out.push('/');
                out.push_str(&escape_pointer(k));
            }
            Frame::Array {
                index,
                started: true,
            } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            _ => {}
        }
    }
    out
}

/// Reads a JSON string body starting after its opening quote; returns its text (escapes other
/// than `\uXXXX` resolved, which is all a pointer needs) and the index after the closing quote.
fn read_string(bytes: &[u8], mut i: usize) -> (String, usize) {
    let mut text = Vec::new();
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return (String::from_utf8_lossy(&text).into_owned(), i + 1),
            b'\\' => {
                let escaped = bytes.get(i + 1).copied().unwrap_or(b'\\');
                text.push(match escaped {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'b' => 8,
                    b'f' => 12,
                    other => other,
                });
                i += 2;
            }
            _ => {
                text.push(b);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&text).into_owned(), i)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_from_positions() {
        let doc = r#"{"a": {"b/c": [1, {"d": "x"}]}, "e": []}"#;
        let at = |needle: &str| pointer_at(doc, doc.find(needle).unwrap() + needle.len());
        assert_eq!(at(r#""x""#), "/a/b~1c/1/d");
        assert_eq!(at("[1"), "/a/b~1c/0");
        assert_eq!(at(r#""e": ["#), "/e");
        assert_eq!(pointer_at(doc, doc.len()), "");
    }

    #[test]
    fn decode_errors_carry_paths() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            n: u8,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            list: Vec<Inner>,
        }
        let e = decode::<Outer>("{\"list\": [{\"n\": 1},\n {\"n\": \"two\"}]}").unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str()),
            (codes::INVALID_SHAPE, "/list/1/n")
        );
        let e = decode::<Outer>(r#"{"list": [{}]}"#).unwrap_err();
        assert_eq!(e.path, "/list/0");
        let e = decode::<Outer>(r#"{"list": [{"n": 1}"#).unwrap_err();
        assert_eq!(e.code, codes::INVALID_JSON);
        // A wrong-typed first item is the item, not the list (issue 6).
        let e = decode::<Outer>(r#"{"list": [true]}"#).unwrap_err();
        assert_eq!(e.path, "/list/0");
        let e = decode::<Outer>(r#"{"list": [ "x", {"n": 1}]}"#).unwrap_err();
        assert_eq!(e.path, "/list/0");
        let e = decode::<Outer>(r#"{"list": [{"n": 1}, 7]}"#).unwrap_err();
        assert_eq!(e.path, "/list/1");
    }
}
