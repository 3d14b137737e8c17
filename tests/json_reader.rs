//! The engine's own JSON reader and writer (src/json.rs) checked against serde_json, the
//! reference implementation the tests already trust: on random documents and on random damage
//! to them, both accept and reject the same texts, read the same strings and numbers, and what
//! the writer writes reads back as the same value. Native only (proptest).
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::internals::{format_number, parse_number, Reader, Writer};
use proptest::prelude::*;
use serde_json::Value;

#[path = "support/value_writer.rs"]
mod value_writer;
use value_writer::write;

/// Random JSON values a few levels deep, with strings that need escapes and numbers of every
/// shape the grammar allows.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e6..1.0e6f64).prop_map(Value::from),
        "[a-zA-Z0-9 \"\\\\/\\n\\t\u{1}é😀-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"\\\\]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Whether our reader takes `text` as one JSON document.
fn ours_accepts(text: &str) -> bool {
    let mut r = Reader::new(text);
    r.skip().and_then(|()| r.finish()).is_ok()
}

/// Whether serde_json takes `text` as one JSON document, reading nothing (as the engine skips
/// what it does not read).
fn serde_accepts(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// Reads a document of strings and numbers back into a serde_json Value with our reader.
fn read_back(r: &mut Reader<'_>) -> Value {
    match r.peek() {
        Some(b'{') => {
            r.begin_object("").unwrap();
            let mut map = serde_json::Map::new();
            while let Some(k) = r.next_key().unwrap() {
                let k = k.into_owned();
                let v = read_back(r);
                map.insert(k, v);
            }
            Value::Object(map)
        }
        Some(b'[') => {
            r.begin_array("").unwrap();
            let mut items = Vec::new();
            while r.next_item().unwrap() {
                items.push(read_back(r));
            }
            Value::Array(items)
        }
        Some(b'"') => Value::String(r.string("").unwrap().into_owned()),
        Some(b't' | b'f') => Value::Bool(r.boolean().unwrap()),
        Some(b'n') => {
            assert!(r.take_null().unwrap());
            Value::Null
        }
        _ => Value::from(r.float().unwrap()),
    }
}

/// Numbers compared as doubles within a relative `tolerance` (the engine reads every number as
/// f64 or an integer type); everything else exactly.
fn same(a: &Value, b: &Value, tolerance: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * tolerance
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b, tolerance))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same(v, w, tolerance)))
        }
        _ => a == b,
    }
}

#[test]
fn lone_surrogates_are_skipped_where_ignored_and_refused_where_read() {
    for text in [
        r#""\ud800""#,
        r#"{"a":"\udc00x"}"#,
        r#"["\ud83d\ude00"]"#,
        "1e999",
    ] {
        assert!(ours_accepts(text), "{text}");
        assert!(serde_accepts(text), "{text}");
    }
    let mut r = Reader::new(r#""\ud800""#);
    assert_eq!(r.string("").unwrap_err().code.as_str(), "invalidJson");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn reads_what_serde_json_writes(v in value()) {
        let text = serde_json::to_string(&v).unwrap();
        prop_assert!(ours_accepts(&text), "{text}");
        let back = read_back(&mut Reader::new(&text));
        prop_assert!(same(&back, &v, 1e-15), "{text}: {back}");
    }

    #[test]
    fn writes_what_serde_json_reads(v in value()) {
        let mut w = Writer::new();
        write(&mut w, &v);
        let text = w.finish();
        let back: Value = serde_json::from_str(&text).unwrap();
        // 15 significant digits: a double that needs 17 comes back within half a unit of the 15th
        // digit (up to 5e-15 relative, when the leading digit is 1) plus the conversions' own
        // rounding, so 5e-15 itself is too tight (100245.5067849995 comes back 4.99e-15 off).
        prop_assert!(same(&back, &v, 1e-14), "{text}");
    }

    #[test]
    fn damaged_documents_are_judged_like_serde_json(
        v in value(),
        cut in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"{}[],:\"\\ 0-.eE+tfnu\x01x".to_vec()),
        how in 0..3u8,
    ) {
        let text = serde_json::to_string(&v).unwrap();
        let mut bytes = text.into_bytes();
        let at = cut.index(bytes.len() + 1);
        match how {
            0 => bytes.truncate(at),
            1 => bytes.insert(at, byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
        // Only texts that are still UTF-8: the engine's input is a string.
        if let Ok(text) = String::from_utf8(bytes) {
            prop_assert_eq!(ours_accepts(&text), serde_accepts(&text), "{:?}", text);
        }
    }

    #[test]
    fn short_decimals_read_exactly(
        int in 0u64..100_000_000,
        frac in 0u64..10_000_000,
        frac_digits in 0usize..8,
        exp in -22i32..=22,
        negative in any::<bool>(),
    ) {
        let frac = format!("{frac:07}");
        let mut text = format!("{}{int}", if negative { "-" } else { "" });
        if frac_digits > 0 {
            text.push('.');
            text.push_str(frac.get(..frac_digits).unwrap());
        }
        let with_exp = format!("{text}e{exp}");
        for t in [&text, &with_exp] {
            let exact: f64 = t.parse().unwrap();
            let ours = parse_number(t).unwrap();
            // Exact within 15 significant digits and |exponent| <= 22; beyond, within 1e-15.
            prop_assert!(ours == exact || (ours - exact).abs() <= exact.abs() * 1e-15, "{t}: {ours} vs {exact}");
        }
    }

    #[test]
    fn numbers_print_as_json_that_reads_back(x in -1.0e20..1.0e20f64) {
        let text = format_number(x);
        let back: f64 = serde_json::from_str(&text).unwrap();
        prop_assert!((back - x).abs() <= x.abs() * 1e-14, "{x} printed as {text}");
    }
}
