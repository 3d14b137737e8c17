//! Structural checks serde cannot make on a policy document before it is decoded:
//!
//! - duplicate keys: serde keeps the last of two equal map keys silently, which in a policy would
//!   let a reviewer read one value while the engine uses another;
//! - arrays where a section is expected: serde reads a JSON array as a struct's fields in order,
//!   so `"alerts": ["low", "low"]` would decode, and a reviewer could not tell what it sets.
//!
//! Both are reported with a JSON pointer.

use crate::error::{codes, escape_pointer, ErrorItem};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// Where a policy may hold a list (`*` is any key or index). Everywhere else is an object or a
/// scalar, as `schema/policy.schema.json` says.
const LIST_PATHS: &[&[&str]] = &[
    &["privileged", "roles"],
    &["privileged", "capabilities"],
    &["userKinds", "*", "allowedFactors"],
    &["risk", "factorChange", "approvers"],
    &["risk", "factorChange", "privilegedApprovers"],
    &["breakGlass", "userIds"],
    &["breakGlass", "requiredFactors"],
    &["networks", "trusted"],
    &["networks", "denied"],
    &["networks", "*", "*", "cidrs"],
    &["networks", "*", "*", "asns"],
    &["exceptions", "items"],
    &["exceptions", "items", "*", "scope", "apps"],
    &["exceptions", "items", "*", "scope", "entries"],
    &["exceptions", "items", "*", "grant", "allowFactors"],
];

/// The first structural problem in a policy document, if any. Syntax errors are left to the
/// real decoder, which reports them better.
pub fn first_problem(json: &str) -> Option<ErrorItem> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_str(json);
    let _ = Scan {
        path: Vec::new(),
        found: &mut found,
    }
    .deserialize(&mut de);
    found
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|s| format!("/{}", escape_pointer(s)))
        .collect()
}

fn list_allowed(path: &[String]) -> bool {
    LIST_PATHS.iter().any(|pattern| {
        pattern.len() == path.len()
            && pattern
                .iter()
                .zip(path)
                .all(|(p, s)| *p == "*" || *p == s.as_str())
    })
}

struct Scan<'a> {
    path: Vec<String>,
    found: &'a mut Option<ErrorItem>,
}

impl Scan<'_> {
    fn child(&mut self, segment: String) -> Scan<'_> {
        let mut path = self.path.clone();
        path.push(segment);
        Scan {
            path,
            found: self.found,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Scan<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if self.found.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if !seen.insert(key.clone()) {
                let mut path = self.path.clone();
                path.push(key);
                *self.found = Some(ErrorItem::new(
                    codes::DUPLICATE_KEY,
                    pointer(&path),
                    "the same key appears twice in one object",
                ));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(self.child(key))?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.found.is_none() && !list_allowed(&self.path) {
            *self.found = Some(ErrorItem::new(
                codes::INVALID_SHAPE,
                pointer(&self.path),
                "a list is not allowed here: write this section as an object",
            ));
        }
        let mut i = 0usize;
        while seq.next_element_seed(self.child(i.to_string()))?.is_some() {
            i += 1;
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> Option<(&'static str, String)> {
        first_problem(json).map(|e| (e.code, e.path))
    }

    #[test]
    fn finds_nested_duplicates() {
        assert_eq!(problem(r#"{"a":1,"b":2}"#), None);
        assert_eq!(
            problem(r#"{"a":1,"a":2}"#),
            Some((codes::DUPLICATE_KEY, "/a".into()))
        );
        assert_eq!(
            problem(r#"{"exceptions":{"items":[{"k":1},{"k":1,"k":2}]}}"#),
            Some((codes::DUPLICATE_KEY, "/exceptions/items/1/k".into()))
        );
        assert_eq!(
            problem(r#"{"a/b":{"c":1,"c":1}}"#),
            Some((codes::DUPLICATE_KEY, "/a~1b/c".into()))
        );
    }

    #[test]
    fn lists_only_where_the_policy_has_lists() {
        assert_eq!(problem(r#"{"privileged":{"roles":["a"]}}"#), None);
        assert_eq!(
            problem(r#"{"networks":{"trusted":[{"name":"x","cidrs":["10.0.0.0/8"]}]}}"#),
            None
        );
        assert_eq!(
            problem(r#"{"alerts":["low","low"]}"#),
            Some((codes::INVALID_SHAPE, "/alerts".into()))
        );
        assert_eq!(
            problem(r#"{"userKinds":{"service":[null,[]]}}"#),
            Some((codes::INVALID_SHAPE, "/userKinds/service".into()))
        );
        assert_eq!(
            problem(r#"{"exceptions":{"items":[["E1"]]}}"#),
            Some((codes::INVALID_SHAPE, "/exceptions/items/0".into()))
        );
    }
}
