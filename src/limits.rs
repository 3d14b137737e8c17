//! Caps on everything a host sends, so that no input makes a call slow or large.
//!
//! | what | cap |
//! |---|---|
//! | request document | 64 KiB |
//! | policy document | 256 KiB |
//! | any identifier, role, type or free-text string in a request | 256 bytes |
//! | `session.userAgent` | 1 KiB |
//! | `state` | 8 KiB |
//! | `user.factors`, `session.methods` | 32 items |
//! | `user.roles`, `user.capabilities`, `hostRisk.signals`, `requested.acr` | 64 items |
//! | policy lists (roles, networks, exceptions, ...) | 1000 items |
//! | JSON nesting | 128 levels |
//!
//! A request over any cap is an `tooLarge`/`limitExceeded` error with the path of the field, never
//! a slow call. A list over its cap is skipped to its end (bounded by the document cap) so the
//! error names the list.

use crate::decode::Res;
use crate::json::Reader;

/// Largest request document accepted, in bytes.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// Largest policy document accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;
/// Cap for ordinary strings (ids, roles, types, tickets, countries).
pub const MAX_TEXT: usize = 256;
/// Cap for user-agent strings.
pub const MAX_USER_AGENT: usize = 1024;
/// Cap for the opaque state string.
pub const MAX_STATE: usize = 8 * 1024;
/// Cap for factor and method lists.
pub const MAX_FACTORS: usize = 32;
/// Cap for role, capability, signal and acr lists.
pub const MAX_TAGS: usize = 64;
/// Cap for lists inside a policy.
pub const MAX_POLICY_LIST: usize = 1000;

/// A string of at most `N` bytes; longer input fails decoding at its own path.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedString<const N: usize = MAX_TEXT>(pub String);

/// Ordinary request string.
pub type Text = BoundedString<MAX_TEXT>;

impl<const N: usize> BoundedString<N> {
    /// The string itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> crate::decode::Decode for BoundedString<N> {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        crate::decode::bounded_text(r, N, "a string").map(|s| BoundedString(s.into_owned()))
    }
}

impl<const N: usize> crate::encode::Encode for BoundedString<N> {
    fn encode(&self, w: &mut crate::json::Writer) {
        w.string(&self.0);
    }
}

/// A list of at most `N` items; reading stops at the first item over the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedVec<T, const N: usize>(pub Vec<T>);

impl<T, const N: usize> Default for BoundedVec<T, N> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T, const N: usize> std::ops::Deref for BoundedVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: crate::decode::Decode, const N: usize> crate::decode::Decode for BoundedVec<T, N> {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        let mut out = Vec::new();
        r.begin_array("a list")?;
        while r.next_item()? {
            if out.len() == N {
                // Skip to the end of the list so the error is located at the list itself; the
                // document cap bounds this walk.
                r.skip()?;
                while r.next_item()? {
                    r.skip()?;
                }
                return Err(r.error(
                    crate::error::codes::LIMIT_EXCEEDED,
                    format!("too long: more than {N} items"),
                ));
            }
            out.push(T::decode(r)?);
        }
        Ok(BoundedVec(out))
    }
}

impl<T: crate::encode::Encode, const N: usize> crate::encode::Encode for BoundedVec<T, N> {
    fn encode(&self, w: &mut crate::json::Writer) {
        self.0.encode(w);
    }
}

/// `tooLarge` when a whole document is over its cap: checked before any parsing.
pub fn within(document: &str, cap: usize, what: &str) -> Result<(), crate::error::ErrorItem> {
    if document.len() <= cap {
        return Ok(());
    }
    Err(crate::error::ErrorItem::new(
        crate::error::codes::TOO_LARGE,
        "",
        format!("{what} is {} bytes, at most {cap} allowed", document.len()),
    ))
}

/// Untrusted text in quotes, shortened, for messages (not `{:?}`: Debug formatting brings
/// Unicode tables into the wasm).
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", preview(s))
}

/// The first few characters of untrusted text, for error messages.
pub fn preview(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
