//! Tagged errors: every failure the engine reports is data, never a panic or a throw. A leaf of
//! the crate: it depends on nothing, and everything that can fail depends on it.

/// One problem found in an input, located by a JSON pointer so a host or an editor can show it
/// next to the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// Stable code a host can branch on.
    pub code: ErrorCode,
    /// A sentence for a person.
    pub message: String,
    /// RFC 6901 JSON pointer into the input ("" is the whole document).
    pub path: String,
}

impl ErrorItem {
    /// Builds an error item; exists so call sites stay one line.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            path: path.into(),
        }
    }
}

/// Declares [`ErrorCode`] once: each variant with its wire name and its meaning.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// The error codes the engine and the JS shim emit (`docs/contract.md#entry-points`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The contract's name for this code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    /// The input is not JSON at all (syntax error, truncated, not UTF-8).
    InvalidJson = "invalidJson",
    /// JSON of the wrong shape: a wrong type, a missing required field.
    InvalidShape = "invalidShape",
    /// A field a policy does not know (policies are strict; requests are not).
    UnknownField = "unknownField",
    /// The same key twice in one object.
    DuplicateKey = "duplicateKey",
    /// A value of the right type outside its allowed range or set.
    InvalidValue = "invalidValue",
    /// A timestamp that is not RFC 3339.
    InvalidTimestamp = "invalidTimestamp",
    /// The whole input is larger than the cap.
    TooLarge = "tooLarge",
    /// A list or string longer than its cap.
    LimitExceeded = "limitExceeded",
    /// An exception without an expiry, or one longer than the policy allows.
    ExceptionExpiry = "exceptionExpiry",
    /// A compile option (such as the state key) that cannot be used.
    InvalidOption = "invalidOption",
    /// The engine instance failed (a WebAssembly trap); reported by the JS shim.
    EngineFailure = "engineFailure",
    /// A call on an engine after `free()`; reported by the JS shim.
    EngineFreed = "engineFreed",
    /// `grantApproval`: the change, decided again, does not need approval.
    NotPendingApproval = "notPendingApproval",
    /// `grantApproval`: the approver's kind is not among the approval's `by`.
    ApproverNotAllowed = "approverNotAllowed",
    /// `grantApproval`: the approver is the user or the change's actor.
    SelfApproval = "selfApproval",
    /// `grantApproval`: the engine has no `stateKey`, so it cannot sign a grant.
    NoStateKey = "noStateKey",
    /// A compiled policy's bytes that are not one (truncated, altered, another format version).
    InvalidCompiledPolicy = "invalidCompiledPolicy",
}

/// Escapes one JSON-pointer reference token (RFC 6901 §4).
pub(crate) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `tooLarge` when a whole document is over its cap: checked before any parsing.
pub(crate) fn within(document: &str, cap: usize, what: &str) -> Result<(), ErrorItem> {
    if document.len() <= cap {
        return Ok(());
    }
    Err(ErrorItem::new(
        ErrorCode::TooLarge,
        "",
        format!("{what} is {} bytes, at most {cap} allowed", document.len()),
    ))
}

/// `parts` joined by `sep`: one small loop per element type instead of std's `join`, whose
/// length-precomputing copy costs ~900 bytes of wasm for each type it is used with.
pub(crate) fn join<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part.as_ref());
    }
    out
}

/// Sorts `items` by `key`, stably (insertion sort: the lists are a handful of factors or reason
/// codes, and std's stable sort costs ~500 bytes of wasm per element type).
pub(crate) fn sort_by_key<T: Copy, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 {
            let (Some(a), Some(b)) = (items.get(j - 1), items.get(j)) else {
                break;
            };
            if key(a) <= key(b) {
                break;
            }
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// `s` split around the first `byte` (an ASCII delimiter), without `core`'s UTF-8 searcher.
pub(crate) fn split_once_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == byte)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Untrusted text in quotes, shortened, for messages (not `{:?}`: Debug formatting brings
/// Unicode tables into the wasm).
pub(crate) fn quoted(s: &str) -> String {
    format!("\"{}\"", preview(s))
}

/// The first few characters of untrusted text, for error messages.
pub(crate) fn preview(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
