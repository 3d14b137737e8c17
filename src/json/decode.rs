//! Typed decoding of the JSON contract: requests, policies and options, each type read straight
//! from the [`Reader`] with every error located by its JSON pointer.
//!
//! Two ways to read a type:
//! - [`Decode`]: a fresh value; required fields must be present, the others take their default.
//! - [`Merge`]: into an existing value, which is how a policy is laid over the embedded default
//!   (RFC 7386: objects merge field by field, anything else replaces; `null` clears only what
//!   may be absent).
//!
//! The struct decoders are written with [`decode_struct!`] and [`merge_struct!`]; a reader finds
//! a type's JSON field names next to the type itself.

use super::map::KeyMap;
use super::reader::Reader;
pub(crate) use super::reader::Res;
use crate::error::{quoted, ErrorCode, ErrorItem};
use crate::limits::MAX_TEXT;
use std::borrow::Cow;

/// A type read fresh from JSON.
pub trait Decode: Sized {
    /// Reads one value at the reader's cursor.
    fn decode(r: &mut Reader<'_>) -> Res<Self>;
}

/// A type read *into* an existing value (a policy over its defaults).
pub(crate) trait Merge {
    /// Lays the JSON value at the cursor over `self`.
    fn merge(&mut self, r: &mut Reader<'_>) -> Res<()>;
}

/// A type that can be an object key (policy maps keyed by id, reason code or user kind).
pub trait Key: Sized + Ord {
    /// Reads a key; the reader's path already ends at it.
    fn from_key(r: &Reader<'_>, key: &str) -> Res<Self>;
}

/// A string-valued enumeration of the contract: its values and their names.
pub trait Named: Copy + 'static {
    /// Every value, in declaration order.
    const VALUES: &'static [Self];
    /// Their names, in the same order.
    const NAMES: &'static [&'static str];
    /// What the contract calls a value.
    fn name(self) -> &'static str;
}

/// Reads a whole document as `T`: nothing but whitespace may follow it.
pub fn from_str<T: Decode>(text: &str) -> Result<T, ErrorItem> {
    let mut r = Reader::new(text);
    let read = T::decode(&mut r).and_then(|value| r.finish().map(|()| value));
    read.map_err(|e| *e)
}

/// Reads an enumeration value by name; an unknown name lists the known ones.
pub(crate) fn read_named<T: Named>(r: &mut Reader<'_>) -> Res<T> {
    let s = r.string("a string")?;
    lookup(r, &s)
}

fn lookup<T: Named>(r: &Reader<'_>, s: &str) -> Res<T> {
    let i = name_index(r, s, T::NAMES)?;
    T::VALUES
        .get(i)
        .copied()
        .ok_or_else(|| name_error(r, s, T::NAMES))
}

/// Where `s` is among `names` (not generic: one copy of the search and its error message for
/// every enumeration, instead of one per enumeration).
fn name_index(r: &Reader<'_>, s: &str, names: &[&str]) -> Res<usize> {
    names
        .iter()
        .position(|n| same(n, s))
        .ok_or_else(|| name_error(r, s, names))
}

fn name_error(r: &Reader<'_>, s: &str, names: &[&str]) -> Box<ErrorItem> {
    r.error(
        ErrorCode::InvalidShape,
        format!(
            "unknown value {}, expected one of: {}",
            quoted(s),
            crate::error::join(names, ", ")
        ),
    )
}

/// `Decode` and `Merge` (replace) for enumerations that implement [`Named`].
macro_rules! named_enums {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::json::decode::Decode for $ty {
            fn decode(r: &mut $crate::json::reader::Reader<'_>) -> $crate::json::decode::Res<Self> {
                $crate::json::decode::read_named(r)
            }
        }
        impl $crate::json::decode::Merge for $ty {
            fn merge(&mut self, r: &mut $crate::json::reader::Reader<'_>) -> $crate::json::decode::Res<()> {
                *self = $crate::json::decode::read_named(r)?;
                Ok(())
            }
        }
    )*};
}
pub(crate) use named_enums;

/// Declares an enumeration of the contract once: each variant with its docs and its wire name.
///
/// ```ignore
/// contract_enum! {
///     /// Risk levels.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Level {
///         /// Nothing notable.
///         Low = "low",
///     }
/// }
/// ```
///
/// gives the enum, `as_str`, [`Named`] (so `VALUES` lists every value for the tests that hold
/// `js/index.d.ts` and the policy schema to the Rust lists), decoding (as a value and as a map
/// key) and encoding, all from that one list.
macro_rules! contract_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident {
            $($(#[$vmeta:meta])* $variant:ident = $name:literal,)*
        }
    ) => {
        $(#[$meta])*
        $vis enum $ty {
            $($(#[$vmeta])* $variant,)*
        }
        impl $ty {
            /// The contract's name for this value.
            $vis const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
        }
        impl $crate::json::decode::Named for $ty {
            const VALUES: &'static [Self] = &[$($ty::$variant),*];
            const NAMES: &'static [&'static str] = &[$($name),*];
            fn name(self) -> &'static str {
                self.as_str()
            }
        }
        impl $crate::json::encode::Encode for $ty {
            fn encode(&self, w: &mut $crate::json::writer::Writer) {
                w.name(self.as_str());
            }
        }
        $crate::json::decode::named_enums!($ty);
        $crate::json::binary::bin_enum!($ty);
    };
}
pub(crate) use contract_enum;

impl<T: Named + Ord> Key for T {
    fn from_key(r: &Reader<'_>, key: &str) -> Res<Self> {
        lookup(r, key)
    }
}

/// Fresh decoding (and encoding, with the same names) of a struct:
/// `field: "jsonName" => required | default | or(expr)`, after
/// `strict` (unknown fields are errors: options), `lenient` (ignored: requests, which hosts
/// extend) or `policy` (strict, a policy section: the decoder only with the `policy-json`
/// feature, and the compact binary form, [`crate::json::binary::Bin`], from the same list). A
/// key given twice is an error either way, for the fields the engine reads.
macro_rules! decode_struct {
    ($ty:ident, policy { $($field:ident : $name:literal => $how:ident $(($default:expr))?),* $(,)? }) => {
        #[cfg(feature = "policy-json")]
        $crate::json::decode::decode_struct!(@decode $ty, true, { $($field: $name => $how $(($default))?),* });
        $crate::json::encode::encode_struct!($ty { $($field: $name),* });
        $crate::json::binary::bin_struct!($ty { $($field),* });
    };
    ($ty:ident, $mode:ident { $($field:ident : $name:literal => $how:ident $(($default:expr))?),* $(,)? }) => {
        $crate::json::decode::decode_struct!(@decode $ty, $crate::json::decode::decode_struct!(@strict $mode), { $($field: $name => $how $(($default))?),* });
        $crate::json::encode::encode_struct!($ty { $($field: $name),* });
    };
    (@decode $ty:ident, $strict:expr, { $($field:ident : $name:literal => $how:ident $(($default:expr))?),* }) => {
        impl $crate::json::decode::Decode for $ty {
            fn decode(r: &mut $crate::json::reader::Reader<'_>) -> $crate::json::decode::Res<Self> {
                $(let mut $field = $crate::json::decode::slot(|s: &$ty| &s.$field);)*
                $crate::json::decode::read_fields(
                    r,
                    &[$($name),*],
                    &mut [$(&mut $field as &mut dyn $crate::json::decode::Slot),*],
                    $strict,
                )?;
                Ok($ty {
                    $($field: $crate::json::decode::decode_struct!(@finish r, $field, $name, $how $(($default))?),)*
                })
            }
        }
    };
    (@strict strict) => { true };
    (@strict lenient) => { false };
    (@finish $r:ident, $f:ident, $name:literal, required) => {
        $crate::json::decode::required($r, $f, $name)?
    };
    (@finish $r:ident, $f:ident, $name:literal, default) => { $f.unwrap_or_default() };
    (@finish $r:ident, $f:ident, $name:literal, or($default:expr)) => {
        $f.unwrap_or_else(|| $default)
    };
}
pub(crate) use decode_struct;

/// Merging decoding (and encoding and the compact binary form, with the same list) of a policy
/// section: each field given is laid over the existing one; every field is optional and unknown
/// fields are errors. The merge only with the `policy-json` feature.
macro_rules! merge_struct {
    ($ty:ident { $($field:ident : $name:literal),* $(,)? }) => {
        $crate::json::decode::merge_struct!(merge_only $ty { $($field: $name),* });
        $crate::json::encode::encode_struct!($ty { $($field: $name),* });
        $crate::json::binary::bin_struct!($ty { $($field),* });
    };
    // For a type that `decode_struct!` also reads (and so already encodes and writes as bytes).
    (merge_only $ty:ident { $($field:ident : $name:literal),* $(,)? }) => {
        #[cfg(feature = "policy-json")]
        impl $crate::json::decode::Merge for $ty {
            fn merge(&mut self, r: &mut $crate::json::reader::Reader<'_>) -> $crate::json::decode::Res<()> {
                $crate::json::decode::merge_fields(
                    r,
                    &[$($name),*],
                    &mut [$(&mut self.$field as &mut dyn $crate::json::decode::Merge),*],
                )
            }
        }
    };
}
pub(crate) use merge_struct;

/// `Decode` for merged sections that have a `Default`: the default with the JSON laid over it
/// (with the `policy-json` feature).
macro_rules! decode_by_merge {
    ($($ty:ty),* $(,)?) => {$(
        #[cfg(feature = "policy-json")]
        impl $crate::json::decode::Decode for $ty {
            fn decode(r: &mut $crate::json::reader::Reader<'_>) -> $crate::json::decode::Res<Self> {
                let mut value = <$ty>::default();
                $crate::json::decode::Merge::merge(&mut value, r)?;
                Ok(value)
            }
        }
    )*};
}
pub(crate) use decode_by_merge;

/// A field being read fresh: `None` until its key comes. Type-erased so that one loop,
/// [`read_fields`], reads every struct (a loop per struct cost more wasm than all the rest of
/// decoding).
pub(crate) trait Slot {
    /// Reads the field's value.
    fn fill(&mut self, r: &mut Reader<'_>) -> Res<()>;
}

impl<T: Decode> Slot for Option<T> {
    fn fill(&mut self, r: &mut Reader<'_>) -> Res<()> {
        *self = Some(T::decode(r)?);
        Ok(())
    }
}

/// An empty slot for the field `field` picks out (the closure only names the type).
pub(crate) fn slot<S, T>(_field: fn(&S) -> &T) -> Option<T> {
    None
}

/// Reads an object's members into `slots` by name (`names[i]` fills `slots[i]`).
#[cfg_attr(factorgate_nightly, optimize(speed))]
pub(crate) fn read_fields(
    r: &mut Reader<'_>,
    names: &[&str],
    slots: &mut [&mut dyn Slot],
    strict: bool,
) -> Res<()> {
    each_field(r, names, strict, |i, r| match slots.get_mut(i) {
        Some(slot) => slot.fill(r),
        None => Ok(()),
    })
}

/// Lays an object's members over `fields` by name (`names[i]` merges into `fields[i]`); unknown
/// fields are errors.
#[cfg(feature = "policy-json")]
pub(crate) fn merge_fields(
    r: &mut Reader<'_>,
    names: &[&str],
    fields: &mut [&mut dyn Merge],
) -> Res<()> {
    each_field(r, names, true, |i, r| match fields.get_mut(i) {
        Some(field) => field.merge(r),
        None => Ok(()),
    })
}

/// The loop both share: each member's value goes to `read(index of its name)`.
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn each_field(
    r: &mut Reader<'_>,
    names: &[&str],
    strict: bool,
    mut read: impl FnMut(usize, &mut Reader<'_>) -> Res<()>,
) -> Res<()> {
    let mut seen = 0;
    let mut next = 0;
    r.begin_object("an object")?;
    while let Some(key) = r.next_key()? {
        if let Some(i) = field_index(r, names, &key, &mut seen, &mut next, strict)? {
            read(i, r)?;
        }
    }
    Ok(())
}

/// String equality that rejects on length before comparing bytes (most field names differ in
/// length, and a general comparison is an out-of-line call).
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The index of `key` among `names`, marking it seen (a second time is an error); an unknown
/// key is an error when `strict`, else skipped (`None`). The search starts at `next`, the field
/// after the last one found, and wraps around: hosts mostly send fields in the contract's order,
/// some left out.
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn field_index(
    r: &mut Reader<'_>,
    names: &[&str],
    key: &str,
    seen: &mut u64,
    next: &mut usize,
    strict: bool,
) -> Res<Option<usize>> {
    let (before, after) = names.split_at((*next).min(names.len()));
    let found = match after.iter().position(|n| same(n, key)) {
        Some(i) => Some(before.len() + i),
        None => before.iter().position(|n| same(n, key)),
    };
    let Some(i) = found else {
        unknown(r, strict)?;
        return Ok(None);
    };
    *next = i + 1;
    let bit = 1u64
        .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
        .unwrap_or(0);
    if *seen & bit != 0 {
        return Err(duplicate(r));
    }
    *seen |= bit;
    Ok(Some(i))
}

fn duplicate(r: &Reader<'_>) -> Box<ErrorItem> {
    r.error(
        ErrorCode::DuplicateKey,
        "this key appears twice in its object; which value would count is ambiguous",
    )
}

/// An unknown field: an error where the contract is strict, else skipped.
pub(crate) fn unknown(r: &mut Reader<'_>, strict: bool) -> Res<()> {
    if strict {
        return Err(r.error(ErrorCode::UnknownField, "unknown field"));
    }
    r.skip()
}

/// A required field's value, or a `missing field` error at the object's path.
pub(crate) fn required<T>(r: &Reader<'_>, slot: Option<T>, name: &str) -> Res<T> {
    slot.ok_or_else(|| r.error(ErrorCode::InvalidShape, format!("missing field `{name}`")))
}

impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        if r.take_null()? {
            return Ok(None);
        }
        T::decode(r).map(Some)
    }
}

impl<T: Decode + Merge> Merge for Option<T> {
    fn merge(&mut self, r: &mut Reader<'_>) -> Res<()> {
        if r.take_null()? {
            *self = None;
            return Ok(());
        }
        match self {
            Some(value) => value.merge(r),
            None => {
                *self = Some(T::decode(r)?);
                Ok(())
            }
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        let mut out = Vec::new();
        r.begin_array("a list")?;
        while r.next_item()? {
            out.push(T::decode(r)?);
        }
        Ok(out)
    }
}

impl<T: Decode> Merge for Vec<T> {
    fn merge(&mut self, r: &mut Reader<'_>) -> Res<()> {
        *self = Self::decode(r)?;
        Ok(())
    }
}

impl<K: Key, V: Decode> Decode for KeyMap<K, V> {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        let mut out = KeyMap::new();
        Merge::merge(&mut out, r)?;
        Ok(out)
    }
}

impl<K: Key, V: Decode> Merge for KeyMap<K, V> {
    fn merge(&mut self, r: &mut Reader<'_>) -> Res<()> {
        let mut given = KeyMap::new();
        r.begin_object("an object")?;
        while let Some(key) = r.next_key()? {
            let k = K::from_key(r, &key)?;
            if given.insert(k, V::decode(r)?).is_some() {
                return Err(duplicate(r));
            }
        }
        self.extend(given);
        Ok(())
    }
}

impl Key for String {
    fn from_key(_: &Reader<'_>, key: &str) -> Res<Self> {
        Ok(key.to_string())
    }
}

impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        r.string("a string").map(Cow::into_owned)
    }
}

impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        r.boolean()
    }
}

impl Decode for f64 {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        r.float()
    }
}

/// `Decode` for whole numbers, each with its range in the message when out of it.
macro_rules! decode_unsigned {
    ($($ty:ty => $what:literal),*) => {$(
        impl Decode for $ty {
            fn decode(r: &mut Reader<'_>) -> Res<Self> {
                let v = r.unsigned(<$ty>::MAX.into(), $what)?;
                <$ty>::try_from(v).map_err(|_| r.error(ErrorCode::InvalidShape, "out of range"))
            }
        }
    )*};
}
decode_unsigned!(u8 => "a whole number from 0 to 255", u32 => "a whole number from 0 to 4294967295", u64 => "a whole number from 0 to 18446744073709551615");

impl Decode for i32 {
    fn decode(r: &mut Reader<'_>) -> Res<Self> {
        let v = r.signed(i32::MIN.into(), i32::MAX.into(), "a 32-bit whole number")?;
        i32::try_from(v).map_err(|_| r.error(ErrorCode::InvalidShape, "out of range"))
    }
}

/// `Merge` by replacement, for values that are not objects.
macro_rules! merge_by_replace {
    ($($ty:ty),*) => {$(
        impl Merge for $ty {
            fn merge(&mut self, r: &mut Reader<'_>) -> Res<()> {
                *self = Self::decode(r)?;
                Ok(())
            }
        }
    )*};
}
merge_by_replace!(String, bool, f64, u8, u32, u64, i32);

/// Reads a string of at most `max` bytes; longer is `limitExceeded` at the string itself.
#[cfg_attr(factorgate_nightly, optimize(speed))]
pub(crate) fn bounded_text<'a>(
    r: &mut Reader<'a>,
    max: usize,
    expected: &str,
) -> Res<Cow<'a, str>> {
    let s = r.string(expected)?;
    if s.len() > max {
        return Err(r.error(
            ErrorCode::LimitExceeded,
            format!("too long: {} bytes, at most {max} allowed", s.len()),
        ));
    }
    Ok(s)
}

/// Reads a string of at most [`MAX_TEXT`] bytes and parses it; a value that does
/// not parse is reported at itself with `code`.
#[cfg_attr(factorgate_nightly, optimize(speed))]
pub(crate) fn parsed_text<T>(
    r: &mut Reader<'_>,
    expected: &str,
    code: ErrorCode,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Res<T> {
    let s = bounded_text(r, MAX_TEXT, expected)?;
    parse(&s).map_err(|message| r.error(code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        n: u8,
        tag: Option<String>,
    }
    decode_struct!(Inner, lenient { n: "n" => required, tag: "tag" => default });

    #[derive(Debug, PartialEq)]
    struct Outer {
        list: Vec<Inner>,
        flag: bool,
    }
    decode_struct!(Outer, strict { list: "list" => required, flag: "flag" => or(true) });

    fn err(text: &str) -> (String, ErrorCode) {
        let e = from_str::<Outer>(text).unwrap_err();
        (e.path, e.code)
    }

    #[test]
    fn decodes_with_defaults() {
        let o = from_str::<Outer>(r#"{"list": [{"n": 1, "x": [1]}, {"n": 2, "tag": null}]}"#);
        let o = o.unwrap();
        assert_eq!(o.list.len(), 2);
        assert!(o.flag);
    }

    #[test]
    fn errors_carry_paths() {
        assert_eq!(
            err("{\"list\": [{\"n\": 1},\n {\"n\": \"two\"}]}"),
            ("/list/1/n".into(), ErrorCode::InvalidShape)
        );
        assert_eq!(
            err(r#"{"list": [{}]}"#),
            ("/list/0".into(), ErrorCode::InvalidShape)
        );
        assert_eq!(err(r#"{"list": [{"n": 1}"#).1, ErrorCode::InvalidJson);
        assert_eq!(err(r#"{"list": [true]}"#).0, "/list/0");
        assert_eq!(err(r#"{"list": [{"n": 1}, 7]}"#).0, "/list/1");
        assert_eq!(err(r#"{"list": [{"n": 256}]}"#).0, "/list/0/n");
        assert_eq!(err(r#"{"list": [{"n": 1.5}]}"#).0, "/list/0/n");
        assert_eq!(
            err(r#"{"list": [], "bogus": 1}"#),
            ("/bogus".into(), ErrorCode::UnknownField)
        );
        assert_eq!(
            err(r#"{"list": [], "list": []}"#),
            ("/list".into(), ErrorCode::DuplicateKey)
        );
        assert_eq!(err(r#"{}"#), ("".into(), ErrorCode::InvalidShape));
        assert_eq!(err(r#"["list"]"#), ("".into(), ErrorCode::InvalidShape));
        assert_eq!(err(r#"{"list": []} x"#).1, ErrorCode::InvalidJson);
    }
}
