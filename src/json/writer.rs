//! The compact JSON writer every answer is written with, and its packed mode, the result
//! record (`record.rs`, `packed.rs`).

use super::number::{format_number, hex_digit, Decimal};
use super::packed::{tag, Packed};

/// Writes compact JSON text. Commas are placed by the writer: after `{`, `[` or a key the next
/// member is the first, anything else is preceded by a comma.
///
/// In packed mode ([`super::Record::write`]) the same calls write a result record instead: each
/// primitive branches once on the mode, so every `Encode` impl serves both.
#[derive(Debug, Default)]
pub struct Writer<'a> {
    out: String,
    first: bool,
    /// Packed mode: the record being written (its tags, text and names).
    packed: Option<&'a mut Packed>,
}

impl<'a> Writer<'a> {
    /// An empty writer.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn new() -> Self {
        Writer {
            out: String::with_capacity(1024),
            first: true,
            packed: None,
        }
    }

    /// A writer in packed mode, writing into `packed`.
    pub(crate) fn packed(packed: &'a mut Packed) -> Self {
        Writer {
            out: String::new(),
            first: true,
            packed: Some(packed),
        }
    }

    /// The text written.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn finish(self) -> String {
        self.out
    }

    /// The packed mode's record with `tag` appended, or `None` when writing JSON.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn tagged(&mut self, tag: u8) -> Option<&mut Packed> {
        let packed = self.packed.as_deref_mut()?;
        packed.tag(tag);
        Some(packed)
    }

    /// In packed mode, writes `s` as the next piece of the record's text after `tag`; `false`
    /// when writing JSON.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn packed_text(&mut self, tag: u8, s: &str) -> bool {
        match self.packed.as_deref_mut() {
            Some(packed) => packed.text(tag, s),
            None => return false,
        }
        true
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn sep(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(',');
        }
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn open(&mut self, bracket: char) {
        self.sep();
        self.out.push(bracket);
        self.first = true;
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.first = false;
    }

    /// Opens an object.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn begin_object(&mut self) {
        if self.tagged(tag::OBJECT).is_none() {
            self.open('{');
        }
    }

    /// Closes the open object.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn end_object(&mut self) {
        if self.tagged(tag::END).is_none() {
            self.close('}');
        }
    }

    /// Opens a list.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn begin_array(&mut self) {
        if self.tagged(tag::ARRAY).is_none() {
            self.open('[');
        }
    }

    /// Closes the open list.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn end_array(&mut self) {
        if self.tagged(tag::END).is_none() {
            self.close(']');
        }
    }

    /// Writes a key (the contract's keys need no escaping); its value comes next. A key that is
    /// a `&'static str` is better written with [`Writer::field`].
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn key(&mut self, key: &str) -> &mut Self {
        if self.packed_text(tag::KEY_TEXT, key) {
            return self;
        }
        if !std::mem::replace(&mut self.first, true) {
            self.out.push_str(",\"");
        } else {
            self.out.push('"');
        }
        self.out.push_str(key);
        self.out.push_str("\":");
        self
    }

    /// Writes a key that is a name of the contract: as [`Writer::key`], and in packed mode
    /// interned (sent once per instance, then as an id).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn field(&mut self, key: &'static str) -> &mut Self {
        match self.packed.as_deref_mut() {
            Some(packed) => packed.name(tag::KEY_TAGS, key),
            None => {
                self.key(key);
            }
        }
        self
    }

    /// Writes a key that comes from input (a map's key), escaped; its value comes next.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn any_key(&mut self, key: &str) -> &mut Self {
        if self.packed_text(tag::KEY_TEXT, key) {
            return self;
        }
        self.string(key);
        self.out.push(':');
        self.first = true;
        self
    }

    /// Writes a string, escaped as RFC 8259 requires.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn string(&mut self, s: &str) {
        if self.packed_text(tag::STRING, s) {
            return;
        }
        self.sep();
        self.out.push('"');
        let needs_escape = |b: &u8| *b < 0x20 || *b == b'"' || *b == b'\\';
        if s.as_bytes().iter().any(needs_escape) {
            self.escaped(s);
        } else {
            self.out.push_str(s);
        }
        self.out.push('"');
    }

    /// Writes a string value that is a name of the contract (an enumeration's, a template):
    /// as [`Writer::string`], and in packed mode interned as [`Writer::field`] interns keys.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn name(&mut self, s: &'static str) {
        match self.packed.as_deref_mut() {
            Some(packed) => packed.name(tag::NAME_TAGS, s),
            None => self.string(s),
        }
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn escaped(&mut self, s: &str) {
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(s.get(start..i).unwrap_or_default());
            if escape.is_empty() {
                self.out.push_str("\\u00");
                self.out.push(hex_digit(b >> 4));
                self.out.push(hex_digit(b & 0xf));
            } else {
                self.out.push_str(escape);
            }
            start = i + 1;
        }
        self.out.push_str(s.get(start..).unwrap_or_default());
    }

    /// Writes JSON text as it is (an alert rendered earlier).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn raw(&mut self, json: &str) {
        if self.packed_text(tag::RAW, json) {
            return;
        }
        self.sep();
        self.out.push_str(json);
    }

    /// Writes a whole number.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn int(&mut self, n: i64) {
        if let Some(packed) = self.packed.as_deref_mut() {
            return packed.whole(n < 0, n.unsigned_abs());
        }
        self.sep();
        self.out.push_str(Decimal::signed(n).as_str());
    }

    /// Writes an unsigned whole number.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn uint(&mut self, n: u64) {
        if let Some(packed) = self.packed.as_deref_mut() {
            return packed.whole(false, n);
        }
        self.sep();
        self.out.push_str(Decimal::new(n).as_str());
    }

    /// Writes a finite number (the decoders accept no other); anything else is `null`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn float(&mut self, x: f64) {
        if self.packed.is_some() {
            if !x.is_finite() {
                return self.null();
            }
            self.packed_text(tag::NUMBER, &format_number(x));
            return;
        }
        self.sep();
        if x.is_finite() {
            self.out.push_str(&format_number(x));
        } else {
            self.out.push_str("null");
        }
    }

    /// Writes `true` or `false`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn boolean(&mut self, b: bool) {
        if self
            .tagged(if b { tag::TRUE } else { tag::FALSE })
            .is_some()
        {
            return;
        }
        self.sep();
        self.out.push_str(if b { "true" } else { "false" });
    }

    /// Writes `null`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn null(&mut self) {
        if self.tagged(tag::NULL).is_some() {
            return;
        }
        self.sep();
        self.out.push_str("null");
    }
}
