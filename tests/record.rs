//! The result record (docs/architecture.md#the-result-record) read back by a reader written
//! here from the documented layout alone, and held to the JSON answer of the same call: as a
//! serde_json value, and as text rendered in the record's order, byte for byte. For every vector
//! and step of tests/vectors (decisions and their errors), the fail mode of each, strings that
//! need escapes or are not ASCII, and random documents written both ways. One record holder
//! serves every call, as one wasm instance serves every engine, so names defined by one answer
//! are read by id in the next.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::internals::Writer;
use factorgate::{Engine, Entry, Record};
use factorgate_cases::{case_files, policy_json, read_case, run};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

#[path = "support/value_writer.rs"]
mod value_writer;
use value_writer::write;

/// A value read from a record, in the record's order.
#[derive(Debug)]
enum Node {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    String(String),
    /// A number, as JSON text.
    Number(String),
    Bool(bool),
    Null,
    /// JSON text carried as it is.
    Raw(String),
}

/// Reads records as the shim does: keeps the names every record defined, in order.
#[derive(Default)]
struct Reader {
    names: Vec<String>,
}

/// One record being read: its tags from `at`, its text as UTF-16 units from `unit`.
struct Cursor<'a> {
    tags: &'a [u8],
    at: usize,
    text: Vec<u16>,
    unit: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.tags[self.at];
        self.at += 1;
        b
    }

    fn varint(&mut self) -> u64 {
        let (mut n, mut shift) = (0u64, 0);
        loop {
            let b = self.byte();
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    /// The next `units` of the text (a surrogate pair split in two is an error).
    fn text(&mut self) -> String {
        let units = usize::try_from(self.varint()).unwrap();
        let piece = &self.text[self.unit..self.unit + units];
        self.unit += units;
        String::from_utf16(piece).expect("the record's text split a surrogate pair")
    }
}

impl Reader {
    fn read(&mut self, record: &Record) -> Node {
        assert_eq!(
            usize::try_from(record.first_name()).unwrap(),
            self.names.len(),
            "the record's first name is not the next id"
        );
        let mut c = Cursor {
            tags: record.tags(),
            at: 0,
            text: record.text().encode_utf16().collect(),
            unit: 0,
        };
        let value = self.value(&mut c, None);
        assert_eq!(c.at, c.tags.len(), "tags left after the value");
        assert_eq!(c.unit, c.text.len(), "text left after the value");
        value
    }

    fn name(&self, c: &mut Cursor<'_>) -> String {
        let id = usize::try_from(c.varint()).unwrap();
        self.names
            .get(id)
            .unwrap_or_else(|| panic!("name {id} was never defined"))
            .clone()
    }

    /// The value after tag `given` (read now when `None`).
    fn value(&mut self, c: &mut Cursor<'_>, given: Option<u8>) -> Node {
        match given.unwrap_or_else(|| c.byte()) {
            1 => {
                let mut members = Vec::new();
                loop {
                    let key = match c.byte() {
                        3 => return Node::Object(members),
                        4 => self.name(c),
                        5 => {
                            let name = c.text();
                            self.names.push(name.clone());
                            name
                        }
                        8 => c.text(),
                        other => panic!("tag {other} where a key or the end belongs"),
                    };
                    let value = self.value(c, None);
                    members.push((key, value));
                }
            }
            2 => {
                let mut items = Vec::new();
                loop {
                    match c.byte() {
                        3 => return Node::Array(items),
                        tag => items.push(self.value(c, Some(tag))),
                    }
                }
            }
            6 => Node::String(self.name(c)),
            7 => {
                let name = c.text();
                self.names.push(name.clone());
                Node::String(name)
            }
            9 => Node::String(c.text()),
            10 => Node::Number(exact(c.varint()).to_string()),
            11 => Node::Number(format!("-{}", exact(c.varint()))),
            12 => Node::Number(c.text()),
            13 => Node::Raw(c.text()),
            14 => Node::Bool(true),
            15 => Node::Bool(false),
            16 => Node::Null,
            other => panic!("tag {other} where a value belongs"),
        }
    }
}

/// A whole number the shim's doubles hold exactly (the record sends larger ones as text).
fn exact(n: u64) -> u64 {
    assert!(
        n <= 1 << 53,
        "{n} crossed as a varint: beyond 2^53 a double rounds it"
    );
    n
}

impl Node {
    fn to_value(&self) -> Value {
        match self {
            Node::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::String(s) => Value::String(s.clone()),
            Node::Number(text) | Node::Raw(text) => serde_json::from_str(text).unwrap(),
            Node::Bool(b) => Value::Bool(*b),
            Node::Null => Value::Null,
        }
    }

    /// JSON text as the engine's writer writes it (its escapes: `\"`, `\\`, `\n`, `\r`, `\t`,
    /// `\u00xx` for other control characters).
    fn render(&self, out: &mut String) {
        match self {
            Node::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quote(k, out);
                    out.push(':');
                    v.render(out);
                }
                out.push('}');
            }
            Node::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.render(out);
                }
                out.push(']');
            }
            Node::String(s) => quote(s, out),
            Node::Number(text) | Node::Raw(text) => out.push_str(text),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Null => out.push_str("null"),
        }
    }
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Checks the last record against the JSON text of the same answer.
fn same_answer(reader: &mut Reader, record: &Record, json: &str, what: &str) {
    let node = reader.read(record);
    let mut text = String::new();
    node.render(&mut text);
    assert_eq!(text, json, "{what}: the record is not the JSON answer");
    let parsed: Value = serde_json::from_str(json).unwrap();
    assert_eq!(node.to_value(), parsed, "{what}");
}

fn entry_of(name: &str) -> Option<Entry> {
    match name {
        "login" => Some(Entry::Login),
        "factorChange" => Some(Entry::FactorChange),
        "action" => Some(Entry::Action),
        _ => None,
    }
}

/// The JSON twin of `decide_record` for `entry`.
fn json_answer(engine: &Engine, entry: Entry, request: &str, now_ms: f64) -> String {
    match entry {
        Entry::Login => engine.decide_login_json(request, now_ms),
        Entry::FactorChange => engine.assess_factor_change_json(request, now_ms),
        Entry::Action => engine.assess_action_json(request, now_ms),
    }
}

#[test]
fn every_vector_reads_back_as_its_json_answer_and_so_does_its_fail_mode() {
    let files = case_files(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")]).unwrap();
    let (mut record, mut reader) = (Record::new(), Reader::default());
    let (mut answers, mut errors) = (0, 0);
    for file in &files {
        let case = read_case(file).unwrap();
        let options = case
            .get("options")
            .map(Value::to_string)
            .unwrap_or_default();
        let Ok(engine) = factorgate::compile_policy_json(&policy_json(&case, None), &options)
        else {
            continue;
        };
        for step in run(&case, None).unwrap() {
            let Some(entry) = entry_of(&step.entry) else {
                continue;
            };
            let what = format!("{} {}", file.display(), step.label);
            let json = json_answer(&engine, entry, &step.request, step.now_ms);
            engine.decide_record(entry, &step.request, step.now_ms, &mut record);
            same_answer(&mut reader, &record, &json, &what);
            answers += 1;
            errors += usize::from(json.starts_with(r#"{"type":"error""#));
            for mode in ["login", "factorChange", "action"] {
                let json = engine.fail_mode_json(mode, &step.request, step.now_ms);
                engine.fail_mode_record(mode, &step.request, step.now_ms, &mut record);
                same_answer(
                    &mut reader,
                    &record,
                    &json,
                    &format!("{what} fail mode {mode}"),
                );
            }
        }
    }
    assert!(answers >= 250, "only {answers} answers compared");
    assert!(errors >= 10, "only {errors} error answers compared");
    assert!(
        reader.names.len() > 100,
        "{} names: interning did not happen",
        reader.names.len()
    );
}

#[test]
fn strings_that_need_escapes_or_are_not_ascii_read_back_as_sent() {
    let engine = Engine::with_default_policy(Default::default()).unwrap();
    let odd = "\u{feff}é\"q\\b\n\t\u{1}\u{7f}😀 ünï €";
    let request = serde_json::json!({
        "user": {"id": odd, "kind": "employee", "roles": [format!("{odd}-admin")],
                 "factors": [{"id": odd, "type": "webauthnRoaming"}]},
        "session": {"methods": [{"type": "password", "at": "2026-11-23T09:57:00Z"}],
                    "device": {"id": odd}},
        "requested": {"acr": [odd]},
        "action": {"type": "secretCreate", "target": {"kind": odd, "id": odd}},
        "app": {"id": odd}
    })
    .to_string();
    let (mut record, mut reader) = (Record::new(), Reader::default());
    for entry in [Entry::Login, Entry::Action] {
        let json = json_answer(&engine, entry, &request, 1.8e12);
        assert!(json.contains("ünï"), "the strings do not come back: {json}");
        engine.decide_record(entry, &request, 1.8e12, &mut record);
        same_answer(&mut reader, &record, &json, "odd strings");
    }
    // A request that is not JSON, and one with a lone surrogate escape where a string is read.
    for bad in ["{\"user\":", r#"{"user":{"id":"\ud800"}}"#] {
        let json = engine.decide_login_json(bad, 1.8e12);
        engine.decide_record(Entry::Login, bad, 1.8e12, &mut record);
        same_answer(&mut reader, &record, &json, bad);
    }
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1.0e6..1.0e6f64).prop_map(Value::from),
        "[a-z \"\\\\\\n\\t\u{1}\u{feff}é😀-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"é😀]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Any document, written as a record, reads back as the writer's JSON text of it: whole
    /// numbers of every size (beyond 2^53 as text), floats, strings, keys that are not names.
    #[test]
    fn random_documents_read_back_as_their_json(v in value()) {
        let mut json = Writer::new();
        write(&mut json, &v);
        let json = json.finish();
        let mut record = Record::new();
        record.write(|w| write(w, &v));
        same_answer(&mut Reader::default(), &record, &json, "random document");
    }
}

/// One `&'static str` each (a literal written twice may or may not be one address).
static OUTCOME: &str = "outcome";
static LEVEL: &str = "level";
static ALLOW: &str = "allow";

#[test]
fn a_record_names_what_it_defines_once_and_later_ones_by_id() {
    let mut record = Record::new();
    let mut reader = Reader::default();
    let write = |w: &mut Writer| {
        w.begin_object();
        w.field(OUTCOME).name(ALLOW);
        w.field(LEVEL).name(ALLOW);
        w.end_object();
    };
    record.write(write);
    assert_eq!(record.first_name(), 0);
    assert_eq!(record.text(), "outcomeallowlevel", "each name defined once");
    assert_eq!(
        reader.read(&record).to_value(),
        serde_json::json!({"outcome": "allow", "level": "allow"})
    );
    record.write(write);
    assert_eq!(
        record.first_name(),
        3,
        "outcome, allow and level were defined"
    );
    assert_eq!(
        record.text(),
        "",
        "the second record still carries the names"
    );
    assert_eq!(record.tags(), [1, 4, 0, 6, 1, 4, 2, 6, 1, 3], "ids 0, 1, 2");
    assert_eq!(
        reader.read(&record).to_value(),
        serde_json::json!({"outcome": "allow", "level": "allow"})
    );
}
