//! Strings and lists with a cap in their type, so that an input over a cap fails decoding at its
//! own path (`docs/contract.md#caps`).

use super::binary::{put_count, Bin, BinReader};
use super::decode::{bounded_text, Decode, Res};
use super::encode::Encode;
use super::reader::Reader;
use super::writer::Writer;
use crate::error::ErrorCode;
use crate::limits::MAX_TEXT;

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

impl<const N: usize> Decode for BoundedString<N> {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        bounded_text(r, N, "a string").map(|s| BoundedString(s.into_owned()))
    }
}

impl<const N: usize> Encode for BoundedString<N> {
    fn encode(&self, w: &mut Writer) {
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

impl<T: Decode, const N: usize> Decode for BoundedVec<T, N> {
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
                    ErrorCode::LimitExceeded,
                    format!("too long: more than {N} items"),
                ));
            }
            out.push(T::decode(r)?);
        }
        Ok(BoundedVec(out))
    }
}

impl<T: Encode, const N: usize> Encode for BoundedVec<T, N> {
    fn encode(&self, w: &mut Writer) {
        self.0.encode(w);
    }
}

impl<const N: usize> Bin for BoundedString<N> {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        String::take(r).filter(|s| s.len() <= N).map(BoundedString)
    }
}

impl<T: Bin, const N: usize> Bin for BoundedVec<T, N> {
    fn put(&self, out: &mut Vec<u8>) {
        put_count(out, self.0.len());
        for item in &self.0 {
            item.put(out);
        }
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        Vec::take(r).filter(|v| v.len() <= N).map(BoundedVec)
    }
}
