//! The compact binary form of a decoded policy (`CompiledPolicy::to_bytes`): what a host that
//! compiled its policy ahead of time hands the decision module, which then needs neither the
//! policy's JSON reader nor its validation (docs/architecture.md, "The decision module").
//!
//! Each value is written by [`Bin::put`] and read back by [`Bin::take`], in declaration order,
//! with no names and no framing beyond lengths:
//! - whole numbers as LEB128 varints (`u8` as one byte; signed ones zigzag-encoded first);
//! - `bool` as one byte, 0 or 1; `f64` as its 8 bits, little-endian;
//! - strings as a varint length and UTF-8; lists as a varint count and the items;
//! - `Option` as a byte 0 (none) or 1 and the value; a map as a count and its pairs in strictly
//!   increasing key order;
//! - an enumeration of the contract as its index in `Named::VALUES` (one byte; from
//!   `contract_enum!`);
//! - a struct as its fields in declaration order (from `merge_struct!`/`decode_struct!`, the
//!   same field lists that name the JSON members, through [`bin_struct!`]).
//!
//! Reading is bounded and never panics: every read checks what is left, a count is refused when
//! it is larger than the bytes left (every item takes at least one byte), and anything malformed
//! is `None`, which the caller turns into one tagged error.

use super::map::KeyMap;

/// A value with a compact binary form.
pub trait Bin: Sized {
    /// Appends the value's bytes.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads one value at the reader's cursor; `None` when the bytes are not one.
    fn take(r: &mut BinReader<'_>) -> Option<Self>;
}

/// A cursor over bytes being read.
#[derive(Debug, Clone)]
pub struct BinReader<'a> {
    rest: &'a [u8],
}

impl<'a> BinReader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        BinReader { rest: bytes }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.rest.get(..n)?;
        self.rest = self.rest.get(n..)?;
        Some(head)
    }

    /// The next byte.
    pub fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(first)
    }

    /// A LEB128 varint of at most 64 bits, in its shortest form (a longer one would read as the
    /// same value and be written back shorter: one value, one form).
    pub fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            if shift >= 64 || (shift == 63 && low > 1) {
                return None;
            }
            value |= low << shift;
            if b & 0x80 == 0 {
                return (b != 0 || shift == 0).then_some(value);
            }
            shift += 7;
        }
    }

    /// A count of items to come: at most the bytes left (each item takes at least one).
    pub fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        (n <= self.rest.len()).then_some(n)
    }
}

/// Appends `v` as a LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a count (a length) as a varint.
pub(crate) fn put_count(out: &mut Vec<u8>, n: usize) {
    put_varint(out, u64::try_from(n).unwrap_or(u64::MAX));
}

/// `Bin` for a struct from its field list, in declaration order (called by `merge_struct!` and
/// `decode_struct!`, so the list is the one that names the JSON members).
macro_rules! bin_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::json::binary::Bin for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                $($crate::json::binary::Bin::put(&self.$field, out);)*
            }
            fn take(r: &mut $crate::json::binary::BinReader<'_>) -> Option<Self> {
                Some($ty {
                    $($field: $crate::json::binary::Bin::take(r)?,)*
                })
            }
        }
    };
}
pub(crate) use bin_struct;

/// `Bin` for a contract enumeration: its index among its values, one byte (called by
/// `contract_enum!`).
macro_rules! bin_enum {
    ($ty:ident) => {
        impl $crate::json::binary::Bin for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                out.push(*self as u8);
            }
            fn take(r: &mut $crate::json::binary::BinReader<'_>) -> Option<Self> {
                let i = usize::from(r.byte()?);
                <$ty as $crate::json::decode::Named>::VALUES.get(i).copied()
            }
        }
    };
}
pub(crate) use bin_enum;

impl Bin for u8 {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        r.byte()
    }
}

impl Bin for u32 {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(out, u64::from(*self));
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        u32::try_from(r.varint()?).ok()
    }
}

impl Bin for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(out, *self);
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        r.varint()
    }
}

impl Bin for i64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_varint(out, ((*self << 1) ^ (*self >> 63)) as u64);
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        let z = r.varint()?;
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }
}

impl Bin for i32 {
    fn put(&self, out: &mut Vec<u8>) {
        i64::from(*self).put(out);
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        i32::try_from(i64::take(r)?).ok()
    }
}

impl Bin for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        match r.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Bin for f64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        let bytes: [u8; 8] = r.bytes(8)?.try_into().ok()?;
        Some(f64::from_bits(u64::from_le_bytes(bytes)))
    }
}

impl Bin for String {
    fn put(&self, out: &mut Vec<u8>) {
        put_count(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        let n = r.count()?;
        let bytes = r.bytes(n)?;
        std::str::from_utf8(bytes).ok().map(str::to_string)
    }
}

impl<T: Bin> Bin for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        match r.byte()? {
            0 => Some(None),
            1 => T::take(r).map(Some),
            _ => None,
        }
    }
}

impl<T: Bin> Bin for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        put_count(out, self.len());
        for item in self {
            item.put(out);
        }
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        let n = r.count()?;
        let mut items = Vec::new();
        for _ in 0..n {
            items.push(T::take(r)?);
        }
        Some(items)
    }
}

impl<K: Bin + Ord, V: Bin> Bin for KeyMap<K, V> {
    fn put(&self, out: &mut Vec<u8>) {
        put_count(out, self.len());
        for (k, v) in self {
            k.put(out);
            v.put(out);
        }
    }
    fn take(r: &mut BinReader<'_>) -> Option<Self> {
        let n = r.count()?;
        let mut map = KeyMap::new();
        for _ in 0..n {
            let k = K::take(r)?;
            let v = V::take(r)?;
            // Strictly increasing, as `put` writes them: one map, one form.
            if map.last_key().is_some_and(|last| *last >= k) {
                return None;
            }
            map.insert(k, v);
        }
        Some(map)
    }
}
