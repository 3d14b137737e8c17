//! JSON output of the contract: decisions, errors, alerts and the canonical policy, written by
//! [`Encode`] impls into a [`Writer`]. Struct fields are named next to the type, in
//! [`encode_struct!`] (output-only types) or in the decode macros (policy types, which are read
//! and written with the same names). An `Option` that is `None` is left out.

use super::decode::Named;
use super::map::KeyMap;
use super::writer::Writer;
use crate::error::{ErrorCode, ErrorItem};

/// A type written as JSON.
pub trait Encode {
    /// Writes the value.
    fn encode(&self, w: &mut Writer);

    /// Writes `"name": value` as an object member; `None` writes nothing.
    fn encode_field(&self, w: &mut Writer, name: &'static str) {
        w.field(name);
        self.encode(w);
    }
}

/// The JSON text of a value.
pub fn to_json<T: Encode + ?Sized>(value: &T) -> String {
    let mut w = Writer::new();
    value.encode(&mut w);
    w.finish()
}

/// `Encode` for a struct: `field: "jsonName"`, in output order.
macro_rules! encode_struct {
    ($ty:ident { $($field:ident : $name:literal),* $(,)? }) => {
        impl $crate::json::encode::Encode for $ty {
            fn encode(&self, w: &mut $crate::json::writer::Writer) {
                w.begin_object();
                $($crate::json::encode::Encode::encode_field(&self.$field, w, $name);)*
                w.end_object();
            }
        }
    };
}
pub(crate) use encode_struct;

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            Some(v) => v.encode(w),
            None => w.null(),
        }
    }

    fn encode_field(&self, w: &mut Writer, name: &'static str) {
        if let Some(v) = self {
            w.field(name);
            v.encode(w);
        }
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer) {
        w.begin_array();
        for item in self {
            item.encode(w);
        }
        w.end_array();
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

/// A map key written as a string.
pub trait KeyName {
    /// The key's text.
    fn key_name(&self) -> &str;
}

impl KeyName for String {
    fn key_name(&self) -> &str {
        self
    }
}

impl<T: Named> KeyName for T {
    fn key_name(&self) -> &str {
        self.name()
    }
}

impl<K: KeyName, V: Encode> Encode for KeyMap<K, V> {
    fn encode(&self, w: &mut Writer) {
        w.begin_object();
        for (k, v) in self {
            w.any_key(k.key_name());
            v.encode(w);
        }
        w.end_object();
    }
}

impl Encode for str {
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl Encode for bool {
    fn encode(&self, w: &mut Writer) {
        w.boolean(*self);
    }
}

impl Encode for f64 {
    fn encode(&self, w: &mut Writer) {
        w.float(*self);
    }
}

/// `Encode` for whole numbers.
macro_rules! encode_ints {
    ($($ty:ty => $method:ident as $wide:ty),*) => {$(
        impl Encode for $ty {
            fn encode(&self, w: &mut Writer) {
                w.$method(<$wide>::from(*self));
            }
        }
    )*};
}
encode_ints!(u8 => uint as u64, u32 => uint as u64, u64 => uint as u64, i32 => int as i64, i64 => int as i64);

/// JSON text kept as it is: an alert, rendered when the decision was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawJson(pub String);

impl Encode for RawJson {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.0);
    }
}

encode_struct!(ErrorItem {
    code: "code",
    message: "message",
    path: "path"
});

impl Encode for ErrorCode {
    fn encode(&self, w: &mut Writer) {
        w.name(self.as_str());
    }
}

/// The tagged error document every entry point returns on failure.
pub(crate) fn error_json(errors: &[ErrorItem]) -> String {
    let mut w = Writer::new();
    write_errors(&mut w, errors);
    w.finish()
}

/// Writes the tagged error document (JSON or a result record).
pub(crate) fn write_errors(w: &mut Writer, errors: &[ErrorItem]) {
    w.begin_object();
    w.field("type").name("error");
    errors.encode_field(w, "errors");
    w.end_object();
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Point {
        x: i32,
        label: Option<String>,
        tags: Vec<String>,
    }
    encode_struct!(Point {
        x: "x",
        label: "label",
        tags: "tags"
    });

    #[test]
    fn structs_leave_out_none() {
        let p = Point {
            x: -3,
            label: None,
            tags: vec!["a".into()],
        };
        assert_eq!(to_json(&p), r#"{"x":-3,"tags":["a"]}"#);
        let p = Point {
            label: Some("l".into()),
            ..p
        };
        assert_eq!(to_json(&p), r#"{"x":-3,"label":"l","tags":["a"]}"#);
    }
}
