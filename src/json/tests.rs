//! Tests of the reader, the writer and the number conversions.

use super::*;
use crate::error::ErrorCode;
use crate::limits::MAX_DEPTH;

fn skip_all(text: &str) -> Res<()> {
    let mut r = Reader::new(text);
    r.skip()?;
    r.finish()
}

#[test]
fn skips_any_valid_json() {
    for ok in [
        "0",
        "-0.5e+3",
        "\"a\\u00e9\\ud83d\\ude00\"",
        "[]",
        "{}",
        "[1, [2, {\"a\": [null, true, false]}], {}]",
        " {\"a\" : {\"b\": []} , \"c\": \"\"} ",
    ] {
        assert_eq!(skip_all(ok), Ok(()), "{ok}");
    }
}

#[test]
fn rejects_invalid_json() {
    for bad in [
        "",
        "01",
        "1.",
        "-",
        "1e",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "[1 2]",
        "\"a\u{1}\"",
        "\"\\x\"",
        "tru",
        "nul",
        "{a:1}",
        "[1]]",
        "{\"a\":1}}",
        "\"abc",
    ] {
        let e = skip_all(bad).expect_err(bad);
        assert_eq!(e.code, ErrorCode::InvalidJson, "{bad}");
    }
}

#[test]
fn skipping_deep_nesting_is_a_loop() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_eq!(skip_all(&deep), Ok(()));
    let unbalanced = "[".repeat(100_000) + &"]".repeat(99_999);
    assert_eq!(
        skip_all(&unbalanced).unwrap_err().code,
        ErrorCode::InvalidJson
    );
}

#[test]
fn typed_nesting_is_capped() {
    let deep = "[".repeat(MAX_DEPTH + 1);
    let mut r = Reader::new(&deep);
    let mut result = Ok(());
    for _ in 0..=MAX_DEPTH {
        result = r.begin_array("");
        if result.is_err() {
            break;
        }
        r.next_item().ok();
    }
    assert_eq!(result.unwrap_err().code, ErrorCode::InvalidJson);
}

#[test]
fn strings_resolve_escapes() {
    let mut r = Reader::new(r#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#);
    assert_eq!(r.string("a string").unwrap(), "a\"b\\c/d\né😀");
}

#[test]
fn writer_escapes_and_places_commas() {
    let mut w = Writer::new();
    w.begin_object();
    w.any_key("a\"b").string("x\n\u{1}\\é");
    w.key("list").begin_array();
    w.int(-1);
    w.boolean(true);
    w.null();
    w.float(0.5);
    w.begin_object();
    w.end_object();
    w.end_array();
    w.end_object();
    let text = w.finish();
    assert_eq!(
        text,
        r#"{"a\"b":"x\n\u0001\\é","list":[-1,true,null,0.5,{}]}"#
    );
    let mut r = Reader::new(&text);
    assert_eq!(r.skip(), Ok(()));
}

#[test]
fn numbers_read_exactly_where_the_contract_uses_them() {
    for text in [
        "0",
        "-0",
        "1",
        "45.1",
        "-73.985",
        "0.1",
        "900",
        "100.5",
        "89.99999",
        "-179.99999",
        "1e3",
        "2.5E-3",
        "123456789012345",
        "0.000001",
        "52.52",
        "13.405",
        "1.7976931348623157e308",
    ] {
        let ours = parse_number(text).unwrap();
        let exact: f64 = text.parse().unwrap();
        let close = (ours - exact).abs() <= exact.abs() * 1e-15;
        assert!(ours == exact || close, "{text}: {ours} vs {exact}");
    }
    assert!(!parse_number("1e999").unwrap().is_finite());
    assert_eq!(parse_number("1e-999"), Some(0.0));
}

#[test]
fn numbers_print_back_as_written() {
    for (x, text) in [
        (0.0, "0"),
        (900.0, "900"),
        (-3.0, "-3"),
        (45.1, "45.1"),
        (-73.985, "-73.985"),
        (0.000123, "0.000123"),
        (89.99999, "89.99999"),
        (1e20, "1e20"),
        (1.5e-9, "1.5e-9"),
        (123456.789, "123456.789"),
    ] {
        assert_eq!(format_number(x), text);
        assert_eq!(parse_number(text), Some(x), "{text}");
    }
}

#[test]
fn pointers_follow_keys_and_indices() {
    let mut r = Reader::new(r#"{"a/b": [1, {"c~": true}]}"#);
    r.begin_object("").unwrap();
    assert_eq!(r.next_key().unwrap().as_deref(), Some("a/b"));
    r.begin_array("").unwrap();
    assert!(r.next_item().unwrap());
    r.skip().unwrap();
    assert!(r.next_item().unwrap());
    r.begin_object("").unwrap();
    r.next_key().unwrap();
    assert_eq!(r.pointer(), "/a~1b/1/c~0");
}
