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
//! | JSON nesting | 128 levels (serde_json's limit) |
//!
//! A request over any cap is an `tooLarge`/`limitExceeded` error with the path of the field, never
//! a slow call. A list over its cap is skipped to its end (bounded by the document cap) so the
//! error names the list.

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

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

impl<'de, const N: usize> Deserialize<'de> for BoundedString<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<const N: usize> Visitor<'_> for V<N> {
            type Value = BoundedString<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a string of at most {N} bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.len() > N {
                    return Err(E::custom(format!(
                        "too long: {} bytes, at most {N} allowed",
                        v.len()
                    )));
                }
                Ok(BoundedString(v.to_string()))
            }
        }
        d.deserialize_str(V::<N>)
    }
}

impl<const N: usize> Serialize for BoundedString<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Reads a string of at most [`MAX_TEXT`] bytes and parses it *inside* the visitor, so that a
/// value that does not parse is reported at the value itself. (serde_json positions an error
/// raised after the string was read one character further, on the `}` that may close the
/// enclosing object: the error would then name the object, not the field.)
pub fn parse_text<'de, D, T>(
    d: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<T> {
        expecting: &'static str,
        parse: fn(&str) -> Result<T, String>,
    }
    impl<T> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            if v.len() > MAX_TEXT {
                return Err(E::custom(format!(
                    "too long: {} bytes, at most {MAX_TEXT} allowed",
                    v.len()
                )));
            }
            (self.parse)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(V { expecting, parse })
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

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for BoundedVec<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = BoundedVec<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a list of at most {N} items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(N));
                while let Some(item) = seq.next_element()? {
                    if out.len() == N {
                        // Skip to the end of the list so the error is located at the list
                        // itself; the request size cap bounds this walk.
                        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                        return Err(serde::de::Error::custom(format!(
                            "too long: more than {N} items"
                        )));
                    }
                    out.push(item);
                }
                Ok(BoundedVec(out))
            }
        }
        d.deserialize_seq(V::<T, N>(PhantomData))
    }
}

impl<T: Serialize, const N: usize> Serialize for BoundedVec<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
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

/// The first few characters of untrusted text, for error messages.
pub fn preview(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
