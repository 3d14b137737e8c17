//! schema/policy.schema.json against the Rust policy types (src/policy/mod.rs) and the validator
//! (src/policy/validate.rs): the keys, types, required fields, defaults, enums, bounds and
//! strictness the schema declares are the ones the engine applies. The engine reads a policy merged
//! over the default policy (objects merge key by key, anything else replaces), so a default is
//! what the engine fills in at that place, and only list items have required fields.
//!
//! The schema is checked here by a small draft 2020-12 evaluator that knows exactly the keywords
//! the schema uses (and fails on any other, so a new keyword cannot slip in unchecked). `pattern`
//! is the one keyword it leaves to a real validator: pkg-tests/schema.test.mjs runs ajv.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::internals::{
    parse_policy, DelegatedPrivileged, FailMode, NetworkKind, RestrictedUse,
};
use factorgate::internals::{to_json, Encode};
use factorgate::Entry;
use factorgate::FactorType;
use factorgate::ReasonCode;
use factorgate::{
    ActionType, ActorKind, ChangeAction, Level, RecoveryMethodType, Sensitivity, UserKind,
};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

const SCHEMA_ID: &str = "https://factorgate.dev/schema/policy.schema.json";

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &["$schema", "$id", "$defs", "title", "description", "default"];
/// Keywords the evaluator below applies.
const APPLIED: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "properties",
    "additionalProperties",
    "propertyNames",
    "required",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minLength",
    "maxLength",
    "format",
    "allOf",
    "anyOf",
    "if",
    "then",
];
/// Keywords left to ajv (pkg-tests/schema.test.mjs).
const LEFT_TO_AJV: &[&str] = &["pattern"];

/// Object fields the schema requires although serde does not: the validator reports their
/// absence (with a precise error) instead of the decoder.
const REQUIRED_BY_VALIDATION: &[&str] =
    &["/$defs/exception/expiresAt", "/$defs/trustedNetwork/kind"];

// --- the schema and an evaluator for it ------------------------------------------------------

struct Schema {
    root: Value,
    /// Declared property names seen on instances, per object schema (by pointer).
    seen: RefCell<BTreeMap<String, BTreeSet<String>>>,
}

fn esc(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Does `v` have JSON Schema type `t`? Integers are JSON numbers without a fraction or exponent,
/// which is what serde accepts for Rust integers.
fn has_type(t: &str, v: &Value) -> bool {
    let actual = json_type(v);
    actual == t || (t == "number" && actual == "integer")
}

/// Is this schema a helper inside a constraint (`anyOf`, `if`, `then`) rather than a shape?
fn in_constraint(ptr: &str) -> bool {
    ptr.contains("/anyOf/") || ptr.contains("/if") || ptr.contains("/then")
}

/// Does the schema at `ptr` restate properties of a closed schema it `$ref`s (to require them or
/// to annotate them for one place) rather than declare an object of its own?
fn is_refinement(schema: &Schema, ptr: &str) -> bool {
    let s = schema.at(ptr);
    s.contains_key("properties")
        && s.contains_key("$ref")
        && !s.contains_key("additionalProperties")
        && schema.expand(ptr)[1..]
            .iter()
            .any(|p| schema.at(p).get("additionalProperties") == Some(&json!(false)))
}

impl Schema {
    fn load() -> Self {
        let root = serde_json::from_str(include_str!("../schema/policy.schema.json"))
            .expect("schema/policy.schema.json is JSON");
        Schema {
            root,
            seen: RefCell::default(),
        }
    }

    fn at(&self, ptr: &str) -> &serde_json::Map<String, Value> {
        self.root
            .pointer(ptr)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no schema object at #{ptr}"))
    }

    fn ref_target(r: &Value) -> String {
        let r = r.as_str().expect("$ref is a string");
        r.strip_prefix('#')
            .unwrap_or_else(|| panic!("$ref {r} is not local"))
            .to_string()
    }

    /// `ptr` and every schema that applies to the same instance through `$ref` and `allOf`, and
    /// through the second branch of `anyOf: [{"type": "null"}, S]` (a kind's floor: null or S),
    /// which is the shape of every instance but null.
    fn expand(&self, ptr: &str) -> Vec<String> {
        let mut out = vec![ptr.to_string()];
        let s = self.at(ptr);
        if let Some(r) = s.get("$ref") {
            out.extend(self.expand(&Self::ref_target(r)));
        }
        if let Some(Value::Array(all)) = s.get("allOf") {
            for i in 0..all.len() {
                out.extend(self.expand(&format!("{ptr}/allOf/{i}")));
            }
        }
        if let Some(Value::Array(any)) = s.get("anyOf") {
            if any.len() == 2 && any[0] == json!({"type": "null"}) {
                out.extend(self.expand(&format!("{ptr}/anyOf/1")));
            }
        }
        out
    }

    /// The schemas for member `key` of an object whose schemas are `chain`; `None` if undeclared.
    fn member(&self, chain: &[String], key: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for ptr in chain {
            if self
                .at(ptr)
                .get("properties")
                .and_then(|p| p.get(key))
                .is_some()
            {
                out.extend(self.expand(&format!("{ptr}/properties/{}", esc(key))));
            }
        }
        if out.is_empty() {
            for ptr in chain {
                let s = self.at(ptr);
                if !s.get("additionalProperties").is_some_and(Value::is_object) {
                    continue;
                }
                if s.contains_key("propertyNames") {
                    let names = self.expand(&format!("{ptr}/propertyNames"));
                    let mut errs = Vec::new();
                    for n in &names {
                        self.check(n, &Value::String(key.into()), "", &mut errs);
                    }
                    if !errs.is_empty() {
                        return None;
                    }
                }
                out.extend(self.expand(&format!("{ptr}/additionalProperties")));
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The schemas for the items of an array whose schemas are `chain`.
    fn items(&self, chain: &[String]) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for ptr in chain {
            if self.at(ptr).contains_key("items") {
                out.extend(self.expand(&format!("{ptr}/items")));
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The schemas that apply at JSON pointer `path` of `doc`.
    fn chain_at(&self, doc: &Value, path: &str) -> Vec<String> {
        let mut chain = self.expand("");
        let mut here = doc;
        for token in path.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            match here {
                Value::Object(o) => {
                    chain = self
                        .member(&chain, &token)
                        .unwrap_or_else(|| panic!("{path}: {token} is not declared"));
                    here = &o[&token];
                }
                Value::Array(a) => {
                    chain = self
                        .items(&chain)
                        .unwrap_or_else(|| panic!("{path}: no items schema"));
                    here = &a[token.parse::<usize>().unwrap()];
                }
                _ => panic!("{path}: cannot descend into a scalar"),
            }
        }
        chain
    }

    /// A keyword's value, looked up across a chain of schemas.
    fn keyword<'a>(&'a self, chain: &[String], key: &str) -> Vec<&'a Value> {
        chain.iter().filter_map(|p| self.at(p).get(key)).collect()
    }

    /// Every error of `v` against the whole schema.
    fn errors(&self, v: &Value) -> Vec<String> {
        let mut errs = Vec::new();
        self.check("", v, "", &mut errs);
        errs
    }

    /// Applies the schema at `ptr` to the instance `v` found at `at`, appending errors.
    fn check(&self, ptr: &str, v: &Value, at: &str, errs: &mut Vec<String>) {
        let s = self.at(ptr);
        let mut fail = |msg: String| errs.push(format!("{at}: {msg} (#{ptr})"));
        if let Some(t) = s.get("type") {
            let ok = match t {
                Value::String(t) => has_type(t, v),
                Value::Array(ts) => ts.iter().any(|t| has_type(t.as_str().unwrap(), v)),
                _ => panic!("#{ptr}: bad type"),
            };
            if !ok {
                fail(format!("{} is not of type {t}", json_type(v)));
            }
        }
        if let Some(Value::Array(values)) = s.get("enum") {
            if !values.contains(v) {
                fail(format!("{v} is not one of the enum"));
            }
        }
        if let Some(c) = s.get("const") {
            if c != v {
                fail(format!("{v} is not {c}"));
            }
        }
        if let Value::Object(o) = v {
            if let Some(min) = s.get("minProperties").and_then(Value::as_u64) {
                if (o.len() as u64) < min {
                    fail(format!("fewer than {min} properties"));
                }
            }
            if let Some(max) = s.get("maxProperties").and_then(Value::as_u64) {
                if o.len() as u64 > max {
                    fail(format!("more than {max} properties"));
                }
            }
            if let Some(Value::Array(req)) = s.get("required") {
                for r in req {
                    if !o.contains_key(r.as_str().unwrap()) {
                        fail(format!("required property {r} is missing"));
                    }
                }
            }
        }
        if let Value::Array(a) = v {
            if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                if (a.len() as u64) < min {
                    fail(format!("fewer than {min} items"));
                }
            }
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
                if a.len() as u64 > max {
                    fail(format!("more than {max} items"));
                }
            }
        }
        if let Some(x) = v.as_f64() {
            if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                if x < min {
                    fail(format!("{x} is below the minimum {min}"));
                }
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
                if x > max {
                    fail(format!("{x} is above the maximum {max}"));
                }
            }
            if let Some(min) = s.get("exclusiveMinimum").and_then(Value::as_f64) {
                if x <= min {
                    fail(format!("{x} is not above {min}"));
                }
            }
        }
        if let Value::String(text) = v {
            let n = text.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
                if n < min {
                    fail(format!("shorter than {min}"));
                }
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
                if n > max {
                    fail(format!("longer than {max}"));
                }
            }
            if let Some(f) = s.get("format").and_then(Value::as_str) {
                // RFC 3339 as the engine parses it.
                assert_eq!(
                    f, "date-time",
                    "#{ptr}: format {f} unknown to this evaluator"
                );
                if factorgate::Timestamp::parse(text).is_none() {
                    fail(format!("{text:?} is not a date-time"));
                }
            }
        }
        // Subschemas.
        if let Some(r) = s.get("$ref") {
            self.check(&Self::ref_target(r), v, at, errs);
        }
        if let Value::Object(o) = v {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(props) = props {
                if !in_constraint(ptr) {
                    let mut seen = self.seen.borrow_mut();
                    let entry = seen.entry(ptr.to_string()).or_default();
                    entry.extend(o.keys().filter(|k| props.contains_key(*k)).cloned());
                }
            }
            for (k, x) in o {
                let sub_at = format!("{at}/{}", esc(k));
                if props.is_some_and(|p| p.contains_key(k)) {
                    self.check(&format!("{ptr}/properties/{}", esc(k)), x, &sub_at, errs);
                } else {
                    match s.get("additionalProperties") {
                        None => {}
                        Some(Value::Bool(false)) => {
                            errs.push(format!("{sub_at}: unknown property (#{ptr})"));
                        }
                        Some(Value::Object(_)) => {
                            self.check(&format!("{ptr}/additionalProperties"), x, &sub_at, errs);
                        }
                        Some(other) => panic!("#{ptr}: additionalProperties {other}"),
                    }
                }
                if s.contains_key("propertyNames") {
                    let key = Value::String(k.clone());
                    self.check(&format!("{ptr}/propertyNames"), &key, &sub_at, errs);
                }
            }
        }
        if let (Value::Array(a), Some(_)) = (v, s.get("items")) {
            for (i, x) in a.iter().enumerate() {
                self.check(&format!("{ptr}/items"), x, &format!("{at}/{i}"), errs);
            }
        }
        if let Some(Value::Array(all)) = s.get("allOf") {
            for i in 0..all.len() {
                self.check(&format!("{ptr}/allOf/{i}"), v, at, errs);
            }
        }
        if let Some(Value::Array(any)) = s.get("anyOf") {
            let passes = (0..any.len()).any(|i| {
                let mut branch = Vec::new();
                self.check(&format!("{ptr}/anyOf/{i}"), v, at, &mut branch);
                branch.is_empty()
            });
            if !passes {
                errs.push(format!("{at}: matches no anyOf branch (#{ptr})"));
            }
        }
        if s.contains_key("if") {
            let mut cond = Vec::new();
            self.check(&format!("{ptr}/if"), v, at, &mut cond);
            if cond.is_empty() && s.contains_key("then") {
                self.check(&format!("{ptr}/then"), v, at, errs);
            }
        }
    }

    /// Every subschema pointer, with its schema, in document order.
    fn subschemas(&self) -> Vec<String> {
        fn walk(ptr: String, s: &Value, out: &mut Vec<String>) {
            let Value::Object(o) = s else {
                panic!("#{ptr}: only object schemas are used")
            };
            out.push(ptr.clone());
            for (k, v) in o {
                match k.as_str() {
                    "$defs" | "properties" => {
                        for (name, sub) in v.as_object().unwrap() {
                            walk(format!("{ptr}/{k}/{}", esc(name)), sub, out);
                        }
                    }
                    "allOf" | "anyOf" => {
                        for (i, sub) in v.as_array().unwrap().iter().enumerate() {
                            walk(format!("{ptr}/{k}/{i}"), sub, out);
                        }
                    }
                    "additionalProperties" if v.is_boolean() => {}
                    "additionalProperties" | "propertyNames" | "items" | "if" | "then" => {
                        walk(format!("{ptr}/{k}"), v, out);
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(String::new(), &self.root, &mut out);
        out
    }
}

// --- documents and the engine's verdicts ------------------------------------------------------

fn default_policy() -> Value {
    serde_json::from_str(&factorgate::default_policy_json()).unwrap()
}

/// schema/example.policy.json: every property the schema declares, written out.
fn example() -> Value {
    serde_json::from_str(include_str!("../schema/example.policy.json")).unwrap()
}

/// `(code, path)` of every error `validatePolicy` reports; empty when the policy is valid.
fn rust_errors(policy: &Value) -> Vec<(String, String)> {
    let out: Value =
        serde_json::from_str(&factorgate::validate_policy_json(&policy.to_string())).unwrap();
    assert_eq!(out["type"], "validation", "{out}");
    let errors: Vec<(String, String)> = out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(out["valid"] == true, errors.is_empty(), "{out}");
    errors
}

/// Does the policy decode (shape only, no semantic checks)?
fn rust_decodes(policy: &Value) -> bool {
    parse_policy(&policy.to_string()).is_ok()
}

/// The policy as the engine reads it, with its defaults filled in, serialized back.
fn rust_reads(policy: &Value) -> Value {
    let p = parse_policy(&policy.to_string())
        .unwrap_or_else(|e| panic!("does not decode: {e:?}\n{policy}"));
    serde_json::from_str(&to_json(&p)).unwrap()
}

/// JSON equality where 900 and 900.0 are the same number (serde writes f64 fields with a fraction).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Every JSON pointer in `v`, parents before children.
fn pointers(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    walk(x, format!("{at}/{}", esc(k)), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn split_last(path: &str) -> (&str, String) {
    let (parent, last) = path.rsplit_once('/').unwrap();
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

/// `doc` with the member at `path` removed.
fn without(doc: &Value, path: &str) -> Value {
    let mut d = doc.clone();
    let (parent, key) = split_last(path);
    d.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(&key)
        .unwrap();
    d
}

/// `doc` with the value at `path` replaced.
fn with(doc: &Value, path: &str, value: Value) -> Value {
    let mut d = doc.clone();
    *d.pointer_mut(path).unwrap() = value;
    d
}

/// A policy that writes only `value` at `path` (and its id and version).
fn policy_with(path: &str, value: Value) -> Value {
    let mut doc = json!({"id": "x", "version": 1});
    let (parent, key) = split_last(path);
    let mut here = &mut doc;
    for token in parent.split('/').skip(1) {
        here = here
            .as_object_mut()
            .unwrap()
            .entry(token)
            .or_insert(json!({}));
    }
    here.as_object_mut().unwrap().insert(key, value);
    doc
}

// --- the schema itself ------------------------------------------------------------------------

#[test]
fn schema_is_draft_2020_12_and_self_consistent() {
    let schema = Schema::load();
    let root = schema.at("");
    assert_eq!(
        root["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(root["$id"], SCHEMA_ID);
    assert_eq!(root["type"], "object");
    assert_eq!(root["required"], json!(["id", "version"]));
    assert!(
        root["properties"]["$schema"]["type"] == "string",
        "the top level must allow $schema, which the Rust type accepts and ignores"
    );

    let all = schema.subschemas();
    let mut referenced = BTreeSet::new();
    for ptr in &all {
        let s = schema.at(ptr);
        for k in s.keys() {
            assert!(
                ANNOTATIONS.contains(&k.as_str())
                    || APPLIED.contains(&k.as_str())
                    || LEFT_TO_AJV.contains(&k.as_str()),
                "#{ptr}: keyword {k} is not known to this test (teach the evaluator first)"
            );
        }
        if let Some(r) = s.get("$ref") {
            let target = Schema::ref_target(r);
            schema.at(&target);
            referenced.insert(target);
        }
        if in_constraint(ptr) {
            continue;
        }
        let described = s
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.trim().is_empty());
        assert!(described, "#{ptr}: every schema needs a description");
        if let Some(Value::Object(props)) = s.get("properties") {
            match s.get("additionalProperties") {
                Some(Value::Bool(false)) => {}
                None => {
                    // A refinement of a closed schema (trustedNetwork, newRequirement, a kind) may
                    // only restate properties the closed schema declares.
                    assert!(is_refinement(&schema, ptr), "#{ptr}: must be closed");
                    let closed: Vec<String> = schema
                        .expand(ptr)
                        .into_iter()
                        .filter(|p| schema.at(p).get("additionalProperties") == Some(&json!(false)))
                        .collect();
                    for k in props.keys() {
                        assert!(
                            closed
                                .iter()
                                .any(|c| schema.at(c)["properties"].get(k).is_some()),
                            "#{ptr}: {k} is not declared by the schema it refines"
                        );
                    }
                }
                Some(other) => panic!("#{ptr}: additionalProperties {other}"),
            }
        }
        if let Some(default) = s.get("default") {
            let mut errs = Vec::new();
            schema.check(ptr, default, "", &mut errs);
            assert!(errs.is_empty(), "#{ptr}: the default is invalid: {errs:?}");
        }
    }
    let defs: BTreeSet<String> = root["$defs"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("/$defs/{k}"))
        .collect();
    let unused: Vec<_> = defs.difference(&referenced).collect();
    assert!(unused.is_empty(), "unused $defs: {unused:?}");
}

// --- (a) what Rust writes, the schema declares --------------------------------------------------

/// Walks `v`: every key must be declared at its path, every value of a declared type.
fn assert_declared(schema: &Schema, v: &Value, chain: &[String], at: &str, bad: &mut Vec<String>) {
    let types: Vec<&Value> = schema.keyword(chain, "type");
    if types.is_empty() {
        bad.push(format!("{at}: no type declared"));
    }
    for t in types {
        let ok = match t {
            Value::String(t) => has_type(t, v),
            Value::Array(ts) => ts.iter().any(|t| has_type(t.as_str().unwrap(), v)),
            _ => false,
        };
        if !ok {
            bad.push(format!("{at}: {} where the schema says {t}", json_type(v)));
        }
    }
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let sub_at = format!("{at}/{}", esc(k));
                match schema.member(chain, k) {
                    Some(sub) => assert_declared(schema, x, &sub, &sub_at, bad),
                    None => bad.push(format!("{sub_at}: not declared in the schema")),
                }
            }
        }
        Value::Array(a) => match schema.items(chain) {
            Some(sub) => {
                for (i, x) in a.iter().enumerate() {
                    assert_declared(schema, x, &sub, &format!("{at}/{i}"), bad);
                }
            }
            None => bad.push(format!("{at}: no items declared")),
        },
        _ => {}
    }
}

#[test]
fn every_key_rust_writes_is_declared_with_its_type() {
    let schema = Schema::load();
    let root = schema.expand("");
    // The default policy as defaultPolicy() returns it, and the example as the engine reads it
    // back (that one has every optional field set, so nothing is skipped when serializing).
    for (name, doc) in [
        ("default policy", default_policy()),
        ("example read back", rust_reads(&example())),
    ] {
        let mut bad = Vec::new();
        assert_declared(&schema, &doc, &root, "", &mut bad);
        assert!(bad.is_empty(), "{name}:\n{}", bad.join("\n"));
        let errors = schema.errors(&doc);
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

#[test]
fn default_and_example_are_valid_for_both_and_cover_the_schema() {
    let schema = Schema::load();
    let example = example();
    assert_eq!(rust_errors(&default_policy()), vec![]);
    assert_eq!(rust_errors(&example), vec![]);
    assert_eq!(schema.errors(&default_policy()), Vec::<String>::new());
    schema.seen.borrow_mut().clear();
    assert_eq!(schema.errors(&example), Vec::<String>::new());

    // Every property the schema declares appears in the example, at every object schema:
    // with the test above, the schema's keys and the Rust fields are the same sets.
    let seen = schema.seen.borrow();
    let mut missing = Vec::new();
    for ptr in schema.subschemas() {
        if in_constraint(&ptr) || is_refinement(&schema, &ptr) {
            continue;
        }
        let Some(Value::Object(props)) = schema.at(&ptr).get("properties") else {
            continue;
        };
        for k in props.keys() {
            if !seen.get(&ptr).is_some_and(|s| s.contains(k)) {
                missing.push(format!("#{ptr}/properties/{k}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "declared but never used by schema/example.policy.json (so not shown to be accepted by Rust):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_engine_reads_back_every_example_value() {
    // The example is accepted whole; each value in it is also read by the engine as written
    // (none is silently dropped or transformed).
    let example = example();
    let read = rust_reads(&example);
    for ptr in pointers(&example).into_iter().skip(1) {
        let (parent, _) = split_last(&ptr);
        if example.pointer(parent).is_some_and(Value::is_array) || ptr == "/$schema" {
            continue;
        }
        if let (Some(a), Some(b)) = (example.pointer(&ptr), read.pointer(&ptr)) {
            match (a, b) {
                // Objects gain the defaults of what they omit; their members are compared.
                (Value::Object(_), Value::Object(_)) => {}
                (Value::Array(x), Value::Array(y)) => assert_eq!(x.len(), y.len(), "{ptr}"),
                _ => assert!(same(a, b), "{ptr}: the engine reads {b}, not {a}"),
            }
        } else {
            panic!("{ptr}: the engine does not read it back");
        }
    }
}

// --- merging, required and defaults ---------------------------------------------------------------

/// The default the schema declares for the member at `ptr` of `doc`: its own `default`, else the
/// member at the same place in the nearest enclosing `default` (`Some(None)`: that default has no
/// such member). Defaults do not reach into list items: an item's fields declare their own.
fn declared_default(schema: &Schema, doc: &Value, ptr: &str) -> Option<Option<Value>> {
    let mut at = ptr;
    loop {
        if let Some(d) = schema.keyword(&schema.chain_at(doc, at), "default").first() {
            return Some(d.pointer(ptr.strip_prefix(at).unwrap()).cloned());
        }
        let (parent, _) = at.rsplit_once('/')?;
        if doc.pointer(parent)?.is_array() {
            return None;
        }
        at = parent;
    }
}

/// Is `ptr` inside a list item of `doc`?
fn in_list_item(doc: &Value, ptr: &str) -> bool {
    let mut at = ptr;
    while let Some((parent, _)) = at.rsplit_once('/') {
        if doc.pointer(parent).is_some_and(Value::is_array) {
            return true;
        }
        at = parent;
    }
    false
}

#[test]
fn an_omitted_field_is_required_or_takes_the_schema_default() {
    // Each member of the example left out in turn: the engine refuses the policy exactly where the
    // schema requires the member, and otherwise fills in the default the schema declares for it
    // (on the member, or inside an enclosing default). Outside list items every omitted field
    // keeps the default policy's value, so there the schema declares every default.
    let schema = Schema::load();
    let example = example();
    let (mut required, mut defaults) = (0, 0);
    for ptr in pointers(&example).into_iter().skip(1) {
        let (parent, key) = split_last(&ptr);
        if !example.pointer(parent).unwrap().is_object() || ptr == "/$schema" {
            continue;
        }
        let doc = without(&example, &ptr);
        let required_by: Vec<String> = schema
            .chain_at(&example, parent)
            .into_iter()
            .filter(|p| {
                schema
                    .at(p)
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.contains(&json!(key)))
            })
            .collect();
        if !required_by.is_empty() {
            required += 1;
            if required_by
                .iter()
                .any(|p| REQUIRED_BY_VALIDATION.contains(&format!("{p}/{key}").as_str()))
            {
                let errors = rust_errors(&doc);
                assert!(
                    errors.iter().any(|(_, path)| path == &ptr),
                    "{ptr}: required in the schema, but validatePolicy does not report it: {errors:?}"
                );
            } else {
                assert!(
                    !rust_decodes(&doc),
                    "{ptr}: required in the schema ({required_by:?}), but the engine fills it in"
                );
            }
            continue;
        }
        assert!(
            rust_decodes(&doc),
            "{ptr}: optional in the schema, required by the engine"
        );
        let got = rust_reads(&doc).pointer(&ptr).cloned();
        match declared_default(&schema, &example, &ptr) {
            Some(declared) => {
                let agree = match (&got, &declared) {
                    (Some(a), Some(b)) => same(a, b),
                    (a, b) => a == b,
                };
                assert!(
                    agree,
                    "{ptr}: omitted, the engine reads {got:?}; the schema's default is {declared:?}"
                );
                defaults += 1;
            }
            None => {
                // Sections declare the defaults of their members, list items only some.
                let chain = schema.chain_at(&example, &ptr);
                let section = !schema.keyword(&chain, "properties").is_empty();
                assert!(
                    section || in_list_item(&example, &ptr),
                    "{ptr}: omitted, the engine reads {got:?}; the schema declares no default"
                );
            }
        }
    }
    assert!(
        required >= 30 && defaults >= 150,
        "only {required} required and {defaults} defaults checked"
    );
    for r in REQUIRED_BY_VALIDATION {
        let (def, key) = split_last(r);
        assert!(
            schema.at(def)["required"]
                .as_array()
                .unwrap()
                .contains(&json!(key)),
            "{r}"
        );
    }
}

#[test]
fn written_fields_merge_over_the_default_policy() {
    // Objects merge key by key, maps included; lists and scalars replace; null clears an optional
    // value (a kind's floor). Everything the policy does not write is the default policy's.
    let schema = Schema::load();
    let p = json!({
        "id": "x",
        "version": 1,
        "requirements": {"critical": {"maxAgeS": 3600}},
        "privileged": {"roles": ["dba"]},
        "userKinds": {"service": {"allowedFactors": []}, "contractor": {"requirement": null}},
        "risk": {"weights": {"newDevice": 1}},
        "failMode": {"byUserKind": {}},
    });
    assert_eq!(rust_errors(&p), vec![]);
    assert_eq!(schema.errors(&p), Vec::<String>::new());
    let mut want = default_policy();
    want["id"] = json!("x");
    want["description"] = json!("");
    // Keeps minAal 3, phishingResistant and hardwareBound from the default rule.
    want["requirements"]["critical"]["maxAgeS"] = json!(3600);
    // Replaces the default roles: admin, owner, root, ... are no longer privileged.
    want["privileged"]["roles"] = json!(["dba"]);
    // Keeps selfService: false and interactiveLogin: false.
    want["userKinds"]["service"]["allowedFactors"] = json!([]);
    want["userKinds"]["contractor"]
        .as_object_mut()
        .unwrap()
        .remove("requirement");
    want["risk"]["weights"]["newDevice"] = json!(1);
    // An empty map changes nothing: breakGlass stays open.
    assert_eq!(
        want["failMode"]["byUserKind"],
        json!({"breakGlass": "open"})
    );
    let read = rust_reads(&p);
    assert!(same(&read, &want), "{read:#}");

    // A map entry can be set, not removed.
    let kinds = |by_kind: Value| {
        let p = json!({"id": "x", "version": 1, "failMode": {"byUserKind": by_kind}});
        assert_eq!(schema.errors(&p), Vec::<String>::new());
        rust_reads(&p)["failMode"]["byUserKind"].clone()
    };
    assert_eq!(
        kinds(json!({"customer": "open"})),
        json!({"breakGlass": "open", "customer": "open"})
    );
    assert_eq!(
        kinds(json!({"breakGlass": "closed"})),
        json!({"breakGlass": "closed"})
    );
    let dropped =
        json!({"id": "x", "version": 1, "failMode": {"byUserKind": {"breakGlass": null}}});
    assert!(!rust_errors(&dropped).is_empty() && !schema.errors(&dropped).is_empty());

    // Approvers per kind merge the same way; an empty list is refused by both.
    let approvers = |by_kind: Value| {
        let p = json!({"id": "x", "version": 1, "risk": {"factorChange": {"approversByKind": by_kind}}});
        assert_eq!(schema.errors(&p), Vec::<String>::new());
        assert_eq!(rust_errors(&p), vec![]);
        rust_reads(&p)["risk"]["factorChange"]["approversByKind"].clone()
    };
    assert_eq!(approvers(json!({})), json!({"customer": ["support"]}));
    assert_eq!(
        approvers(json!({"partner": ["sponsor"]})),
        json!({"customer": ["support"], "partner": ["sponsor"]})
    );
    assert_eq!(
        approvers(json!({"customer": ["fraud"]})),
        json!({"customer": ["fraud"]})
    );
    let empty = json!({"id": "x", "version": 1, "risk": {"factorChange": {"approversByKind": {"customer": []}}}});
    assert!(!rust_errors(&empty).is_empty() && !schema.errors(&empty).is_empty());
}

#[test]
fn requirement_rules_merge_over_the_rule_in_their_place() {
    // Every combination of written fields, at every place a requirement rule goes: the engine
    // reads the default policy's rule there (if any) with the written fields on top, and refuses
    // the result exactly when minAal or maxAgeS is missing or it is hardware-bound without being
    // phishing-resistant. The schema agrees on every one.
    let schema = Schema::load();
    let defaults = default_policy();
    let mut places: BTreeSet<String> = pointers(&defaults)
        .into_iter()
        .filter(|p| defaults.pointer(p).unwrap().get("minAal").is_some())
        .collect();
    for kind in defaults["userKinds"].as_object().unwrap().keys() {
        places.insert(format!("/userKinds/{kind}/requirement"));
    }
    assert_eq!(places.len(), 13, "{places:?}");

    let mut rules = vec![serde_json::Map::new()];
    for (field, values) in [
        ("minAal", vec![json!(2)]),
        ("maxAgeS", vec![json!(60)]),
        ("phishingResistant", vec![json!(true), json!(false)]),
        ("hardwareBound", vec![json!(true), json!(false)]),
    ] {
        rules = rules
            .into_iter()
            .flat_map(|rule| {
                let mut out = vec![rule.clone()];
                for v in &values {
                    let mut r = rule.clone();
                    r.insert(field.into(), v.clone());
                    out.push(r);
                }
                out
            })
            .collect();
    }
    for place in &places {
        let inherited = defaults.pointer(place).cloned().unwrap_or(json!({}));
        for rule in &rules {
            // A floor the default policy does not have inherits only serde's field defaults.
            let mut want = json!({"phishingResistant": false, "hardwareBound": false});
            for (k, v) in inherited.as_object().unwrap().iter().chain(rule) {
                want[k] = v.clone();
            }
            let valid = want.get("minAal").is_some()
                && want.get("maxAgeS").is_some()
                && !(want["hardwareBound"] == true && want["phishingResistant"] == false);
            let doc = policy_with(place, Value::Object(rule.clone()));
            assert_eq!(
                rust_errors(&doc).is_empty(),
                valid,
                "engine: {place} = {rule:?}: {:?}",
                rust_errors(&doc)
            );
            assert_eq!(
                schema.errors(&doc).is_empty(),
                valid,
                "schema: {place} = {rule:?}: {:?}",
                schema.errors(&doc)
            );
            if valid {
                assert_eq!(
                    rust_reads(&doc).pointer(place),
                    Some(&want),
                    "{place} = {rule:?}"
                );
            }
        }
        // null: no rule, where the engine's rule is optional (a kind's floor).
        let doc = policy_with(place, Value::Null);
        let optional = place.starts_with("/userKinds/");
        assert_eq!(
            rust_errors(&doc).is_empty(),
            optional,
            "engine: {place} = null"
        );
        assert_eq!(
            schema.errors(&doc).is_empty(),
            optional,
            "schema: {place} = null"
        );
        if optional {
            assert_eq!(rust_reads(&doc).pointer(place), None, "{place} = null");
        }
    }
}

// --- (b) enums ------------------------------------------------------------------------------------

/// Every variant of a Rust enum; the match stops compiling when a variant is added, until it is
/// listed here (and so checked against the schema).
macro_rules! variants {
    ($t:ident: $($v:ident),+ $(,)?) => {{
        #[allow(dead_code)]
        fn exhaustive(x: $t) {
            match x {
                $($t::$v)|+ => {}
            }
        }
        vec![$($t::$v),+]
    }};
}

fn names<T: Encode>(all: &[T]) -> BTreeSet<String> {
    all.iter()
        .map(|v| {
            serde_json::from_str::<Value>(&to_json(v))
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn schema_enum(schema: &Schema, def: &str) -> BTreeSet<String> {
    let values = schema.at(&format!("/$defs/{def}"))["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{def} has no enum"));
    let set: BTreeSet<String> = values
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(set.len(), values.len(), "{def}: duplicate values");
    set
}

/// The schema enum `def` is exactly what the engine accepts for `T`: each value decodes and encodes
/// back to itself, each variant encodes into the list, and no other candidate string decodes.
fn assert_enum<T: Encode + factorgate::internals::Decode>(
    schema: &Schema,
    def: &str,
    variants: &[T],
    candidates: &BTreeSet<String>,
) {
    let listed = schema_enum(schema, def);
    assert_eq!(
        listed,
        names(variants),
        "{def}: schema enum vs Rust variants"
    );
    for c in candidates {
        let decoded = factorgate::internals::from_str::<T>(&json!(c).to_string());
        assert_eq!(
            decoded.is_ok(),
            listed.contains(c),
            "{def}: the engine and the schema disagree on {c:?}"
        );
        if let Ok(v) = decoded {
            assert_eq!(to_json(&v), json!(c).to_string(), "{def}: {c}");
        }
    }
}

#[test]
fn enums_are_exactly_the_rust_types() {
    let schema = Schema::load();
    // Candidate strings: every enum value in the schema, variants in other spellings, junk.
    let mut candidates = BTreeSet::new();
    for ptr in schema.subschemas() {
        if let Some(Value::Array(values)) = schema.at(&ptr).get("enum") {
            assert!(
                ptr.starts_with("/$defs/") && ptr.matches('/').count() == 2,
                "#{ptr}: enums live in named $defs so this test finds them"
            );
            for v in values {
                let v = v.as_str().unwrap();
                candidates.insert(v.to_string());
                candidates.insert(v.to_uppercase());
                let mut chars = v.chars();
                let first = chars.next().unwrap().to_uppercase().collect::<String>();
                candidates.insert(first + chars.as_str());
            }
        }
    }
    candidates
        .extend(["", "bogus", "self_service", "selfService", "break_glass"].map(String::from));

    let mut checked = BTreeSet::new();
    let mut check = |def: &str| assert!(checked.insert(def.to_string()), "{def} twice");

    check("factorType");
    assert_enum(&schema, "factorType", &FactorType::ALL, &candidates);
    let all = variants!(FactorType: WebauthnRoaming, WebauthnPlatform, PasskeySynced, Piv, Totp,
        Hotp, Push, Sms, Voice, Email, RecoveryCode, Password);
    assert_eq!(
        names(&all),
        names(&FactorType::ALL),
        "FactorType::ALL is complete"
    );
    // Schema order is the engine's strongest-first order.
    let order: Vec<String> = FactorType::ALL
        .iter()
        .map(|f| f.as_str().to_string())
        .collect();
    assert_eq!(schema.at("/$defs/factorType")["enum"], json!(order));

    // The factor subsets are what validatePolicy accepts where they are used.
    for (def, path) in [
        ("bindableFactorType", "/userKinds/employee/allowedFactors"),
        ("hardwareFactorType", "/breakGlass/requiredFactors"),
    ] {
        check(def);
        let listed = schema_enum(&schema, def);
        for f in FactorType::ALL {
            let doc = with(&default_policy(), path, json!([f.as_str()]));
            assert_eq!(
                rust_errors(&doc).is_empty(),
                listed.contains(f.as_str()),
                "{def}: validatePolicy and the schema disagree on {f:?} at {path}"
            );
            assert_eq!(schema.errors(&doc).is_empty(), listed.contains(f.as_str()));
        }
    }

    check("sensitivity");
    let all = variants!(Sensitivity: Low, Medium, High, Critical);
    assert_enum(&schema, "sensitivity", &all, &candidates);
    check("level");
    let all = variants!(Level: Low, Medium, High, Critical);
    assert_enum(&schema, "level", &all, &candidates);
    check("userKind");
    let kinds = variants!(UserKind: Employee, Contractor, Partner, Customer, Service, BreakGlass);
    assert_enum(&schema, "userKind", &kinds, &candidates);
    check("entry");
    let all = variants!(Entry: Login, FactorChange, Action);
    assert_enum(&schema, "entry", &all, &candidates);
    check("restrictedUse");
    let all = variants!(RestrictedUse: Allow, OnlyIfNothingBetter, Never);
    assert_enum(&schema, "restrictedUse", &all, &candidates);
    check("delegatedPrivileged");
    let all = variants!(DelegatedPrivileged: Allow, Approval, Deny);
    assert_enum(&schema, "delegatedPrivileged", &all, &candidates);
    check("networkKind");
    let all = variants!(NetworkKind: Corporate, Vpn, Cloud);
    assert_enum(&schema, "networkKind", &all, &candidates);
    check("failModeValue");
    let all = variants!(FailMode: Closed, Open);
    assert_enum(&schema, "failModeValue", &all, &candidates);
    check("changeAction");
    let all = variants!(ChangeAction: Enroll, Replace, Remove, ResetAll, RecoveryChange, PhoneChange, Recover);
    assert_enum(&schema, "changeAction", &all, &candidates);
    check("actionType");
    let all = variants!(ActionType: SecretRead, SecretCreate, CredentialAdd, ApiTokenCreate,
        RoleGrant, RoleActivate, OauthConsent, MfaPolicyChange, FederationChange);
    assert_enum(&schema, "actionType", &all, &candidates);
    check("recoveryMethodType");
    let all = variants!(RecoveryMethodType: RecoveryCode, IssuedCode, RecoveryContact, Reproofing,
        TemporaryAccessPass, HelpdeskVerified);
    assert_enum(&schema, "recoveryMethodType", &all, &candidates);
    // The issuers of recovery evidence: every actor kind but the user themself, as validatePolicy
    // says where they are used.
    check("issuerKind");
    let listed = schema_enum(&schema, "issuerKind");
    for a in variants!(ActorKind: SelfService, Admin, Helpdesk, Msp, Automation) {
        let doc = with(
            &default_policy(),
            "/recovery/helpdesk/issuers",
            json!([a.as_str()]),
        );
        assert_eq!(
            rust_errors(&doc).is_empty(),
            listed.contains(a.as_str()),
            "issuerKind {a:?}"
        );
        assert_eq!(schema.errors(&doc).is_empty(), listed.contains(a.as_str()));
    }

    check("reasonCode");
    let reasons = variants!(ReasonCode: ImpossibleTravel, NewCountry, NewAsn, UntrustedIp,
        TrustedNetwork, NewDevice, UnmanagedDevice, UnknownDevice, SharedDevice, HostRiskHigh, HostRiskMedium,
        RecentRiskySignin, RecentPasswordReset, RecentRecovery, DormantAccount, NewAccount,
        FirstFactor, SimSwap, PushFatigue, UserReportedSuspicious, FactorDowngrade, FactorNotAllowed,
        RemovesPhishingResistant, LastFactorRemoved, PhoneChange, ResetAll, RecoveryChange,
        DelegatedChange, MissingTicket, BindingAuthenticated, BindingUnverified, PrivilegedUser, SensitiveCapabilities, Contractor,
        BreakGlass, ServiceAccount, KindRestricted, AppSensitivity, InsufficientAal, StaleAuthentication,
        RequestedAcr, NoFactors, ExceptionApplied, ExceptionExpired, StateTampered, StateMissing,
        EngineFailure, ApprovalGranted, ApprovalInvalid, ApprovalReused, AccountRecovery,
        RecoveryEvidence, RecoveryInsufficient, RecoveryMethodRejected, RecoveryRestricted,
        RecentFactorChange, PrivilegedAction, AccessExpired, EnrollmentCampaign);
    assert_enum(&schema, "reasonCode", &reasons, &candidates);
    for r in &reasons {
        assert_eq!(json!(r.as_str()).to_string(), to_json(r));
    }
    // Every reason code has a default weight, so the weights map of the default policy lists them.
    let weights: BTreeSet<String> = default_policy()["risk"]["weights"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(weights, schema_enum(&schema, "reasonCode"));

    // Every enum def is checked above.
    let defs: BTreeSet<String> = schema
        .at("/$defs")
        .iter()
        .filter(|(_, d)| d.get("enum").is_some())
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(defs, checked, "enum $defs vs the ones this test checks");

    // Maps keyed by an enum, and structs with one property per variant.
    let map_keys = |ptr: &str| schema.at(ptr)["propertyNames"]["$ref"].clone();
    assert_eq!(
        map_keys("/$defs/risk/properties/weights"),
        "#/$defs/reasonCode"
    );
    assert_eq!(
        map_keys("/$defs/failMode/properties/byUserKind"),
        "#/$defs/userKind"
    );
    assert_eq!(
        map_keys("/$defs/factorChangeRisk/properties/approversByKind"),
        "#/$defs/userKind"
    );
    let props = |def: &str| -> BTreeSet<String> {
        schema.at(&format!("/$defs/{def}"))["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(props("userKinds"), names(&kinds), "a rule per UserKind");
    let tiers = variants!(Sensitivity: Low, Medium, High, Critical);
    assert_eq!(
        props("requirements"),
        names(&tiers),
        "a rule per Sensitivity"
    );
    let actors = variants!(ActorKind: SelfService, Admin, Helpdesk, Msp, Automation);
    let delegated: Vec<ActorKind> = actors
        .into_iter()
        .filter(|a| *a != ActorKind::SelfService)
        .collect();
    assert_eq!(
        props("delegation"),
        names(&delegated),
        "a rule per delegated ActorKind"
    );
    let levels = variants!(Level: Low, Medium, High, Critical);
    let above_low: Vec<Level> = levels.into_iter().filter(|l| *l != Level::Low).collect();
    assert_eq!(
        props("levels"),
        names(&above_low),
        "a threshold per Level above low"
    );
}

// --- (c) strictness -------------------------------------------------------------------------------

#[test]
fn an_unknown_property_is_rejected_at_every_depth() {
    let schema = Schema::load();
    for doc in [example(), default_policy()] {
        let mut checked = 0;
        for ptr in pointers(&doc) {
            if !doc.pointer(&ptr).unwrap().is_object() {
                continue;
            }
            let chain = schema.chain_at(&doc, &ptr);
            let is_map = schema
                .keyword(&chain, "additionalProperties")
                .iter()
                .any(|a| a.is_object());
            let mut bad = doc.clone();
            bad.pointer_mut(&ptr)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .insert("zzUnknown".into(), json!(true));
            let rust = rust_errors(&bad);
            let ours = schema.errors(&bad);
            assert!(!rust.is_empty(), "{ptr}: the engine accepts an unknown key");
            assert!(!ours.is_empty(), "{ptr}: the schema accepts an unknown key");
            if !is_map {
                assert_eq!(
                    rust,
                    vec![("unknownField".to_string(), format!("{ptr}/zzUnknown"))],
                    "{ptr}"
                );
                assert!(
                    schema
                        .keyword(&chain, "additionalProperties")
                        .contains(&&json!(false)),
                    "{ptr}: additionalProperties is not false"
                );
            }
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} objects checked");
    }
    // The depths named in the brief, spelled out.
    for (path, schema_ptr) in [
        ("", ""),
        ("/requirements/high", "/$defs/requirementRule"),
        (
            "/userKinds/breakGlass/requirement",
            "/$defs/requirementRule",
        ),
        ("/risk/factorChange", "/$defs/factorChangeRisk"),
        ("/signals/impossibleTravel", "/$defs/travel"),
        ("/exceptions/items/0/subject", "/$defs/subject"),
        ("/networks/trusted/0", "/$defs/network"),
    ] {
        let chain = schema.chain_at(&example(), path);
        assert!(chain.contains(&schema_ptr.to_string()), "{path}: {chain:?}");
        assert_eq!(schema.at(schema_ptr)["additionalProperties"], false);
    }
}

#[test]
fn the_schema_property_is_accepted_and_never_written() {
    let schema = Schema::load();
    let p = json!({"$schema": SCHEMA_ID, "id": "a", "version": 1});
    assert_eq!(rust_errors(&p), vec![]);
    assert_eq!(schema.errors(&p), Vec::<String>::new());
    assert!(rust_reads(&p).get("$schema").is_none());
    assert!(default_policy().get("$schema").is_none());
    // Only at the top level.
    let nested = json!({"id": "a", "version": 1, "apps": {"$schema": SCHEMA_ID}});
    assert!(!rust_errors(&nested).is_empty());
    assert!(!schema.errors(&nested).is_empty());
}

// --- bounds ---------------------------------------------------------------------------------------

/// Checks that a value just inside a schema bound raises no engine error at that field and that a
/// value just outside it is refused by both.
fn assert_bound(
    schema: &Schema,
    doc: &Value,
    ptr: &str,
    inside: Value,
    outside: Value,
    what: &str,
) {
    let ok = with(doc, ptr, inside.clone());
    assert!(
        schema.errors(&ok).is_empty(),
        "{ptr} = {inside} ({what}): {:?}",
        schema.errors(&ok)
    );
    let errors = rust_errors(&ok);
    assert!(
        !errors.iter().any(|(_, p)| p == ptr),
        "{ptr} = {inside} ({what}) is inside the schema but the engine refuses it: {errors:?}"
    );
    let bad = with(doc, ptr, outside.clone());
    assert!(
        !schema.errors(&bad).is_empty(),
        "{ptr} = {outside} ({what}) passes the schema"
    );
    assert!(
        !rust_errors(&bad).is_empty(),
        "{ptr} = {outside} ({what}) is outside the schema but the engine accepts it"
    );
}

#[test]
fn numeric_length_and_count_bounds_match_the_engine() {
    let schema = Schema::load();
    let doc = example();
    let mut checked = 0;
    for ptr in pointers(&doc).into_iter().skip(1) {
        let chain = schema.chain_at(&doc, &ptr);
        let get = |k: &str| schema.keyword(&chain, k).first().copied().cloned();
        let value = doc.pointer(&ptr).unwrap();
        let integer = schema.keyword(&chain, "type").contains(&&json!("integer"));
        if let Some(min) = get("minimum") {
            let below = if integer {
                json!(min.as_i64().unwrap() - 1)
            } else {
                json!(min.as_f64().unwrap() - 0.5)
            };
            assert_bound(&schema, &doc, &ptr, min, below, "minimum");
            checked += 1;
        }
        if let Some(max) = get("maximum") {
            let above = json!(max.as_i64().unwrap() + 1);
            assert_bound(&schema, &doc, &ptr, max, above, "maximum");
            checked += 1;
        }
        if let Some(min) = get("exclusiveMinimum") {
            let inside = json!(min.as_f64().unwrap() + 0.5);
            assert_bound(&schema, &doc, &ptr, inside, min, "exclusiveMinimum");
            checked += 1;
        }
        if let (Some(min), Value::Array(a)) = (get("minItems"), value) {
            let n = min.as_u64().unwrap() as usize;
            assert!(!a.is_empty() && n >= 1);
            let inside = Value::Array(a.iter().take(n).cloned().collect());
            let outside = Value::Array(a.iter().take(n - 1).cloned().collect());
            assert_bound(&schema, &doc, &ptr, inside, outside, "minItems");
            checked += 1;
        }
        if let (Some(max), Value::Array(a)) = (get("maxItems"), value) {
            let n = max.as_u64().unwrap() as usize;
            let first = a.first().cloned().unwrap_or(json!("x"));
            let inside = Value::Array(vec![first.clone(); n]);
            let outside = Value::Array(vec![first; n + 1]);
            // At the cap the list may break other rules (a repeated exception id, the size cap),
            // but never the cap itself.
            let ok = with(&doc, &ptr, inside);
            assert!(!rust_errors(&ok)
                .iter()
                .any(|(c, p)| c == "limitExceeded" && p == &ptr));
            let bad = with(&doc, &ptr, outside);
            assert!(!schema.errors(&bad).is_empty(), "{ptr}: maxItems");
            assert!(
                !rust_errors(&bad).is_empty(),
                "{ptr}: {} items accepted",
                n + 1
            );
            checked += 1;
        } else if let Some(first) = value.as_array().and_then(|a| a.first()) {
            // No maxItems: the engine caps no such list either.
            let long = Value::Array(vec![first.clone(); 1001]);
            let errors = rust_errors(&with(&doc, &ptr, long));
            assert!(
                !errors.iter().any(|(c, _)| c == "limitExceeded"),
                "{ptr}: the engine caps this list, the schema has no maxItems: {errors:?}"
            );
        }
        if let Some(min) = get("minLength") {
            let n = min.as_u64().unwrap() as usize;
            assert_bound(
                &schema,
                &doc,
                &ptr,
                json!("x".repeat(n)),
                json!("x".repeat(n - 1)),
                "minLength",
            );
            checked += 1;
        }
        if let Some(max) = get("maxLength") {
            let n = max.as_u64().unwrap() as usize;
            assert_bound(
                &schema,
                &doc,
                &ptr,
                json!("x".repeat(n)),
                json!("x".repeat(n + 1)),
                "maxLength",
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} bounds checked");
}

#[test]
fn cross_field_rules_the_schema_expresses_match_the_engine() {
    let schema = Schema::load();
    let doc = example();
    // hardwareBound needs phishingResistant: requirement_rules_merge_over_the_rule_in_their_place.
    let cases = [
        // A subject is exactly one of userId, role, userKind.
        ("/exceptions/items/0/subject", json!({}), false),
        (
            "/exceptions/items/0/subject",
            json!({"userId": "u", "role": "r"}),
            false,
        ),
        (
            "/exceptions/items/0/subject",
            json!({"userKind": "service"}),
            true,
        ),
        // A grant grants something.
        ("/exceptions/items/0/grant", json!({}), false),
        (
            "/exceptions/items/0/grant",
            json!({"allowFactors": []}),
            false,
        ),
        (
            "/exceptions/items/0/grant",
            json!({"waivePhishingResistant": false}),
            false,
        ),
        (
            "/exceptions/items/0/grant",
            json!({"allowFactors": ["hotp"]}),
            true,
        ),
        // A network has a CIDR or an ASN; a trusted one says its kind.
        ("/networks/denied/0", json!({"name": "n"}), false),
        (
            "/networks/denied/0",
            json!({"name": "n", "cidrs": [], "asns": []}),
            false,
        ),
        (
            "/networks/denied/0",
            json!({"name": "n", "asns": [1]}),
            true,
        ),
        (
            "/networks/trusted/0",
            json!({"name": "n", "cidrs": ["10.0.0.0/8"]}),
            false,
        ),
        (
            "/networks/trusted/0",
            json!({"name": "n", "kind": "vpn", "cidrs": ["10.0.0.0/8"]}),
            true,
        ),
        // Timestamps are RFC 3339.
        ("/exceptions/items/0/createdAt", json!("2026-11-18"), false),
        (
            "/exceptions/items/0/createdAt",
            json!("2026-11-18 10:00:00.5z"),
            true,
        ),
    ];
    for (ptr, value, valid) in cases {
        let d = with(&doc, ptr, value.clone());
        assert_eq!(
            rust_errors(&d).is_empty(),
            valid,
            "engine on {ptr} = {value}: {:?}",
            rust_errors(&d)
        );
        assert_eq!(
            schema.errors(&d).is_empty(),
            valid,
            "schema on {ptr} = {value}: {:?}",
            schema.errors(&d)
        );
    }
}

#[test]
fn the_schema_accepts_no_value_type_the_engine_refuses() {
    // And the engine accepts none the schema refuses, but null for $schema (left out instead).
    let schema = Schema::load();
    let doc = example();
    let probes = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!("s"),
        json!([]),
        json!({}),
    ];
    let mut only_in_rust = BTreeSet::new();
    let mut checked = 0;
    for ptr in pointers(&doc).into_iter().skip(1) {
        for probe in &probes {
            let d = with(&doc, &ptr, probe.clone());
            if schema.errors(&d).is_empty() {
                assert!(
                    rust_decodes(&d),
                    "{ptr} = {probe} passes the schema, but the engine cannot read it"
                );
            } else if rust_errors(&d).is_empty() {
                only_in_rust.insert(format!("{ptr} = {probe}"));
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} probes");
    assert_eq!(
        only_in_rust,
        BTreeSet::from(["/$schema = null".to_string()])
    );
}
