//! Duplicate keys: serde keeps the last of two equal map keys silently, which in a policy would
//! let a reviewer read one value while the engine uses another. This pass finds them with a path.

use crate::error::escape_pointer;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// The JSON pointer of the first duplicated key in `json`, if any. Syntax errors are left to the
/// real decoder, which reports them better.
pub fn first_duplicate(json: &str) -> Option<String> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_str(json);
    let _ = Scan {
        path: String::new(),
        found: &mut found,
    }
    .deserialize(&mut de);
    found
}

struct Scan<'a> {
    path: String,
    found: &'a mut Option<String>,
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

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = format!("{}/{}", self.path, escape_pointer(&key));
            if self.found.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if !seen.insert(key) {
                *self.found = Some(path);
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Scan {
                path,
                found: self.found,
            })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(Scan {
                path: format!("{}/{i}", self.path),
                found: self.found,
            })?
            .is_some()
        {
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

    #[test]
    fn finds_nested_duplicates() {
        assert_eq!(first_duplicate(r#"{"a":1,"b":2}"#), None);
        assert_eq!(first_duplicate(r#"{"a":1,"a":2}"#).as_deref(), Some("/a"));
        assert_eq!(
            first_duplicate(r#"{"x":[{"k":1},{"k":1,"k":2}]}"#).as_deref(),
            Some("/x/1/k")
        );
        assert_eq!(
            first_duplicate(r#"{"a/b":{"c":1,"c":1}}"#).as_deref(),
            Some("/a~1b/c")
        );
    }
}
