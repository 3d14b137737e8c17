//! The result record's tag stream (docs/architecture.md#the-result-record): its tags, the
//! name table and the writing of each piece, for [`super::writer::Writer`]'s packed mode.

/// The tags of the stream, one byte each; what follows a tag is in its comment. `varint`:
/// unsigned LEB128; `units`: a length in UTF-16 code units, of the next piece of the text.
pub(crate) mod tag {
    /// An object opens: members follow, each a key then its value, up to [`END`].
    pub(crate) const OBJECT: u8 = 1;
    /// A list opens: values follow, up to [`END`].
    pub(crate) const ARRAY: u8 = 2;
    /// The innermost open object or list closes.
    pub(crate) const END: u8 = 3;
    /// A key: varint id of a name defined earlier.
    pub(crate) const KEY: u8 = 4;
    /// A key defined here: varint units of text, the name; its id is the next one.
    pub(crate) const KEY_DEF: u8 = 5;
    /// A string value: varint id of a name.
    pub(crate) const NAME: u8 = 6;
    /// A string value defined here as a name, as [`KEY_DEF`].
    pub(crate) const NAME_DEF: u8 = 7;
    /// A key that is not a name: varint units of text.
    pub(crate) const KEY_TEXT: u8 = 8;
    /// A string value: varint units of text.
    pub(crate) const STRING: u8 = 9;
    /// A whole number ≥ 0, at most 2^53: its varint.
    pub(crate) const UINT: u8 = 10;
    /// A whole number < 0, at least −2^53: the varint of its magnitude.
    pub(crate) const NEG: u8 = 11;
    /// Any other number: varint units of text, the number's JSON text.
    pub(crate) const NUMBER: u8 = 12;
    /// JSON text kept as it is (an alert): varint units of text.
    pub(crate) const RAW: u8 = 13;
    /// `true`.
    pub(crate) const TRUE: u8 = 14;
    /// `false`.
    pub(crate) const FALSE: u8 = 15;
    /// `null`.
    pub(crate) const NULL: u8 = 16;

    /// How a key is written: by id, defined, or (the name table full) as text.
    pub(crate) const KEY_TAGS: [u8; 3] = [KEY, KEY_DEF, KEY_TEXT];
    /// How a string value that is a name is written, as [`KEY_TAGS`].
    pub(crate) const NAME_TAGS: [u8; 3] = [NAME, NAME_DEF, STRING];
}

/// Largest magnitude a whole number crosses as a varint: the shim's numbers hold it exactly.
const MAX_EXACT: u64 = 1 << 53;

/// Slots of the name table (a power of two), and the most names it takes: past that a name is
/// written as text (the contract has a few hundred names, so it never fills).
const SLOTS: usize = 1024;
const MAX_NAMES: u16 = 768;

/// The names defined so far, found by address: a `&'static str` never moves nor changes, so its
/// address and length identify it (the same text at two addresses is two names, which is only
/// a little waste).
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Open addressing on the key `address | length << 48`; 0 is an empty slot.
    keys: Vec<u64>,
    /// The id of the name in the same slot of `keys`.
    ids: Vec<u16>,
    count: u16,
}

impl Names {
    /// The id of `name`, and whether this call defined it; `None` once the table is full, for a
    /// name whose key would not be exact (64 KiB or longer, at an address past 2^48), and for
    /// `__proto__`, which crosses as text: only a key from the text can then be one, and the shim
    /// checks only those (an assignment would set the object's prototype).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn id(&mut self, name: &'static str) -> Option<(u16, bool)> {
        if self.keys.is_empty() {
            self.keys = vec![0; SLOTS];
            self.ids = vec![0; SLOTS];
        }
        let address = name.as_ptr() as u64;
        let len = name.len() as u64;
        if address >> 48 != 0 || len >> 16 != 0 {
            return None;
        }
        let key = address | len << 48;
        let mut at = (address as u32).wrapping_mul(0x9e37_79b9) as usize >> 22;
        loop {
            at %= SLOTS;
            match self.keys.get(at).copied()? {
                0 if self.count < MAX_NAMES && name != "__proto__" => break,
                0 => return None,
                k if k == key => return Some((self.ids.get(at).copied()?, false)),
                _ => at += 1,
            }
        }
        let id = self.count;
        *self.keys.get_mut(at)? = key;
        *self.ids.get_mut(at)? = id;
        self.count += 1;
        Some((id, true))
    }
}

/// A record being written: its tag stream, its text, and the names defined so far.
#[derive(Debug, Default)]
pub(crate) struct Packed {
    tags: Vec<u8>,
    text: String,
    names: Names,
}

impl Packed {
    /// No tags, no names.
    pub(crate) const fn new() -> Packed {
        Packed {
            tags: Vec::new(),
            text: String::new(),
            names: Names {
                keys: Vec::new(),
                ids: Vec::new(),
                count: 0,
            },
        }
    }

    /// Empties the tags and text for a new record; returns how many names are defined (the id
    /// of the record's first new name).
    pub(crate) fn clear(&mut self) -> u16 {
        self.tags.clear();
        self.text.clear();
        self.names.count
    }

    /// The tags written.
    pub(crate) fn tags(&self) -> &[u8] {
        &self.tags
    }

    /// The text written.
    pub(crate) fn text_written(&self) -> &str {
        &self.text
    }

    /// Appends `tag`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn tag(&mut self, tag: u8) {
        self.tags.push(tag);
    }

    /// Appends `n` as unsigned LEB128.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.tags.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.tags.push(n as u8);
    }

    /// `tag`, then `s` as the next piece of the text.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn text(&mut self, tag: u8, s: &str) {
        self.tag(tag);
        self.varint(utf16_len(s));
        self.text.push_str(s);
    }

    /// A name, with `[by_id, defined, as_text]` tags ([`tag::KEY_TAGS`], [`tag::NAME_TAGS`]):
    /// its id, or the first time its definition, or, once the table is full, text.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn name(&mut self, tags: [u8; 3], s: &'static str) {
        let [by_id, defined, as_text] = tags;
        match self.names.id(s) {
            Some((id, false)) => {
                self.tag(by_id);
                self.varint(id.into());
            }
            Some((_, true)) => self.text(defined, s),
            None => self.text(as_text, s),
        }
    }

    /// A whole number: its sign and magnitude, or its text beyond 2^53.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn whole(&mut self, negative: bool, magnitude: u64) {
        match (magnitude <= MAX_EXACT, negative) {
            (true, false) => self.tag(tag::UINT),
            (true, true) => self.tag(tag::NEG),
            (false, _) => {
                let sign = if negative { "-" } else { "" };
                return self.text(tag::NUMBER, &format!("{sign}{magnitude}"));
            }
        }
        self.varint(magnitude);
    }
}

/// Length of `s` in UTF-16 code units, what the shim slices its decoded text by: a byte that
/// starts a character counts 1, one that starts a 4-byte character 2 (a surrogate pair).
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn utf16_len(s: &str) -> u64 {
    if s.is_ascii() {
        return s.len() as u64;
    }
    s.bytes()
        .map(|b| u64::from(b & 0xc0 != 0x80) + u64::from(b >= 0xf0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new `&'static str` of its own address.
    fn leaked(i: usize) -> &'static str {
        Box::leak(format!("name{i}").into_boxed_str())
    }

    #[test]
    fn names_get_the_next_id_once_and_the_table_stops_short_of_full() {
        let mut names = Names::default();
        let first = leaked(0);
        assert_eq!(names.id(first), Some((0, true)));
        assert_eq!(names.id(first), Some((0, false)));
        // The same text at another address is another name.
        assert_eq!(names.id(leaked(0)), Some((1, true)));
        assert_eq!(names.id("__proto__"), None, "__proto__ crosses as text");
        for i in 2..MAX_NAMES {
            assert_eq!(names.id(leaked(i.into())), Some((i, true)));
        }
        assert_eq!(names.id(leaked(0)), None, "the table is full");
        assert_eq!(names.id(first), Some((0, false)), "names defined stay");
    }

    #[test]
    fn a_full_table_writes_names_as_text() {
        let mut packed = Packed::new();
        for i in 0..MAX_NAMES {
            packed.names.id(leaked(i.into()));
        }
        packed.name(tag::KEY_TAGS, leaked(1));
        packed.name(tag::NAME_TAGS, leaked(2));
        assert_eq!(packed.tags(), [tag::KEY_TEXT, 5, tag::STRING, 5]);
        assert_eq!(packed.text_written(), "name1name2");
        assert_eq!(packed.clear(), MAX_NAMES);
    }

    #[test]
    fn lengths_are_utf16_units() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é€"), 2);
        assert_eq!(utf16_len("😀a"), 3);
    }
}
