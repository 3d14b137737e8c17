//! The compact JSON writer every answer is written with.

use super::number::{format_number, hex_digit};

/// Writes compact JSON text. Commas are placed by the writer: after `{`, `[` or a key the next
/// member is the first, anything else is preceded by a comma.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    /// An empty writer.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn new() -> Self {
        Writer {
            out: String::with_capacity(1024),
            first: true,
        }
    }

    /// The text written.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn finish(self) -> String {
        self.out
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
        self.open('{');
    }

    /// Closes the open object.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn end_object(&mut self) {
        self.close('}');
    }

    /// Opens a list.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn begin_array(&mut self) {
        self.open('[');
    }

    /// Closes the open list.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn end_array(&mut self) {
        self.close(']');
    }

    /// Writes a key (the contract's keys need no escaping); its value comes next.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn key(&mut self, key: &str) -> &mut Self {
        if !std::mem::replace(&mut self.first, true) {
            self.out.push_str(",\"");
        } else {
            self.out.push('"');
        }
        self.out.push_str(key);
        self.out.push_str("\":");
        self
    }

    /// Writes a key that comes from input (a map's key), escaped; its value comes next.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn any_key(&mut self, key: &str) -> &mut Self {
        self.string(key);
        self.out.push(':');
        self.first = true;
        self
    }

    /// Writes a string, escaped as RFC 8259 requires.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn string(&mut self, s: &str) {
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
        self.sep();
        self.out.push_str(json);
    }

    /// Writes a whole number.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn int(&mut self, n: i64) {
        self.sep();
        self.out.push_str(&n.to_string());
    }

    /// Writes an unsigned whole number.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn uint(&mut self, n: u64) {
        self.sep();
        self.out.push_str(&n.to_string());
    }

    /// Writes a finite number (the decoders accept no other); anything else is `null`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn float(&mut self, x: f64) {
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
        self.sep();
        self.out.push_str(if b { "true" } else { "false" });
    }

    /// Writes `null`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn null(&mut self) {
        self.sep();
        self.out.push_str("null");
    }
}
