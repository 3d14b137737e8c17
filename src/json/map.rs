//! [`KeyMap`]: the policy's maps (weights by reason code, approvers and fail modes by user kind,
//! sensitivities by application id), a sorted `Vec` of pairs.
//!
//! Why not `BTreeMap`: each `BTreeMap<K, V>` instantiates its own node code (insert, split,
//! search, iterators, drop), ~3 KB of wasm per key and value type, ~13 KB for the policy's four
//! maps; these maps hold at most a few dozen entries, read by key a few times per decision. A
//! sorted `Vec` iterates in the same key order, so the canonical policy text (and its digest)
//! is unchanged. The methods are the subset of `BTreeMap`'s the crate uses, with its signatures.

use std::borrow::Borrow;

/// A map kept sorted by key, iterated in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for KeyMap<K, V> {
    fn default() -> Self {
        KeyMap(Vec::new())
    }
}

impl<K: Ord, V> KeyMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        KeyMap(Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// Inserts `value` under `key`; the value it replaced, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self
                .0
                .get_mut(i)
                .map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value under `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.0.get(i).map(|(_, v)| v)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The greatest key.
    pub fn last_key(&self) -> Option<&K> {
        self.0.last().map(|(k, _)| k)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Ord, V> Extend<(K, V)> for KeyMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, items: I) {
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for KeyMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map = KeyMap::new();
        map.extend(items);
        map
    }
}

impl<K, V> IntoIterator for KeyMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A borrowed entry as `BTreeMap`'s iterators give it.
type Pair<'a, K, V> = (&'a K, &'a V);

impl<'a, K, V> IntoIterator for &'a KeyMap<K, V> {
    type Item = Pair<'a, K, V>;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> Pair<'a, K, V>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::KeyMap;

    #[test]
    fn sorted_replacing_and_looked_up_by_borrow() {
        let mut m: KeyMap<String, i32> = KeyMap::new();
        assert_eq!(m.insert("b".into(), 1), None);
        assert_eq!(m.insert("a".into(), 2), None);
        assert_eq!(m.insert("c".into(), 3), None);
        assert_eq!(m.insert("b".into(), 4), Some(1));
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(m.get("b"), Some(&4));
        assert_eq!(m.get("z"), None);
        assert!(m.contains_key("a"));
        assert_eq!(m.len(), 3);
        let pairs: Vec<(&String, &i32)> = (&m).into_iter().collect();
        assert_eq!(pairs.len(), 3);
        m.extend([("0".to_string(), 9)]);
        assert_eq!(
            m.iter().next().map(|(k, v)| (k.as_str(), *v)),
            Some(("0", 9))
        );
    }
}
