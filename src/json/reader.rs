//! A strict JSON reader (RFC 8259) that hands values to typed decoders one at a time and knows,
//! at every step, the JSON pointer of the value it is reading.
//!
//! It exists for size and speed in WebAssembly (see the component's rules in [`super`]); serde's derived decoders cost ~140 KB of the
//! module (docs/contract.md#budgets budget: 250 KB), while this reader plus the decoders in [`crate::decode`]
//! cost a fraction of that. Being the only reader also makes the contract's rules one rule each:
//! errors carry the path of the value being read, nesting stops at [`MAX_DEPTH`], and nothing
//! recurses on input (skipping an ignored value is a loop).

use super::number::parse_number;
use crate::error::{escape_pointer, ErrorCode, ErrorItem};
pub(crate) use crate::limits::MAX_DEPTH;
use std::borrow::Cow;

/// One step of the path to the value being read.
#[derive(Debug, Clone)]
enum Step<'a> {
    /// Inside an object, before its first key.
    Start,
    /// Inside a list, before its first item.
    Before,
    /// The value of this key.
    Key(Cow<'a, str>),
    /// The item at this index.
    Index(usize),
}

/// What a JSON value is, for "expected X, found Y" messages.
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn describe(byte: Option<u8>) -> &'static str {
    match byte {
        Some(b'{') => "an object",
        Some(b'[') => "a list",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        None => "the end of the input",
        Some(_) => "an unexpected character",
    }
}

/// The bytes of `word` (eight, little-endian) that end a run of plain string text (`"`, `\`, a
/// control byte), each as its high bit. Bytes above the lowest such byte may be marked falsely
/// (a borrow carries into them), so only the lowest mark counts; bytes of 0x80 and above (UTF-8)
/// are never marked.
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn stop_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (quote | backslash | control) & HIGH
}

/// A number token, checked against the JSON grammar but not yet converted.
#[derive(Debug, Clone, Copy)]
pub struct Number<'a> {
    text: &'a str,
    integer: bool,
}

/// The reader: a position in the document and the path of open containers.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    path: Vec<Step<'a>>,
}

/// What reading returns: the error is boxed so that passing it up through every decoder costs a
/// pointer, not a copy of the whole error (this alone is a large part of the decoders' size).
pub type Res<T> = Result<T, Box<ErrorItem>>;

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            path: Vec::with_capacity(8),
        }
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn at(&self, i: usize) -> Option<u8> {
        self.bytes().get(i).copied()
    }

    /// The next significant byte, after whitespace, without consuming it.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.at(self.pos) {
            self.pos += 1;
        }
        self.at(self.pos)
    }

    /// The byte offset reached in the text (after the last value or token read; [`Self::peek`]
    /// moves it past whitespace). For locating a pointer in the text (the command line's
    /// diagnostics); nothing in the engine needs it.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The JSON pointer of the value being read.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Start | Step::Before => {}
                Step::Key(k) => {
                    out.push('/');
                    out.push_str(&escape_pointer(k));
                }
                Step::Index(i) => {
                    out.push('/');
                    out.push_str(&i.to_string());
                }
            }
        }
        out
    }

    /// An error of `code` at the value being read.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn error(&self, code: ErrorCode, message: impl Into<String>) -> Box<ErrorItem> {
        Box::new(ErrorItem::new(code, self.pointer(), message))
    }

    /// A syntax error (`invalidJson`) at the value being read.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn syntax(&mut self, what: &str) -> Box<ErrorItem> {
        let found = match self.peek() {
            None => "the end of the input".to_string(),
            Some(b) if b.is_ascii_graphic() => format!("`{}`", char::from(b)),
            Some(b) => format!("byte {b}"),
        };
        self.error(
            ErrorCode::InvalidJson,
            format!("expected {what}, found {found} at byte {}", self.pos),
        )
    }

    /// A wrong-type error (`invalidShape`): `expected` names what the contract wants here.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn wrong_type(&mut self, expected: &str) -> Box<ErrorItem> {
        let found = describe(self.peek());
        if found == "an unexpected character" || found == "the end of the input" {
            return self.syntax("a JSON value");
        }
        self.error(
            ErrorCode::InvalidShape,
            format!("expected {expected}, found {found}"),
        )
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn expect_byte(&mut self, b: u8, what: &str) -> Res<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(what))
        }
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn open(&mut self, step: Step<'a>) -> Res<()> {
        if self.path.len() >= MAX_DEPTH {
            return Err(self.error(
                ErrorCode::InvalidJson,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.pos += 1;
        self.path.push(step);
        Ok(())
    }

    /// Enters an object, or fails with a wrong-type error naming `expected`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn begin_object(&mut self, expected: &str) -> Res<()> {
        if self.peek() != Some(b'{') {
            return Err(self.wrong_type(expected));
        }
        self.open(Step::Start)
    }

    /// The next key of the open object (its value is read next), or `None` after its `}`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn next_key(&mut self) -> Res<Option<Cow<'a, str>>> {
        let first = matches!(self.path.last(), Some(Step::Start));
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                self.path.pop();
                return Ok(None);
            }
            Some(b',') if !first => self.pos += 1,
            _ if first => {}
            _ => return Err(self.syntax("`,` or `}`")),
        }
        if self.peek() != Some(b'"') {
            return Err(self.syntax("a key string"));
        }
        let key = self.string_body()?;
        self.expect_byte(b':', "`:`")?;
        if let Some(top) = self.path.last_mut() {
            *top = Step::Key(key.clone());
        }
        Ok(Some(key))
    }

    /// Enters a list, or fails with a wrong-type error naming `expected`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn begin_array(&mut self, expected: &str) -> Res<()> {
        if self.peek() != Some(b'[') {
            return Err(self.wrong_type(expected));
        }
        self.open(Step::Before)
    }

    /// Moves to the next item of the open list; `false` after its `]`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn next_item(&mut self) -> Res<bool> {
        let next = match self.path.last() {
            Some(Step::Index(i)) => i + 1,
            _ => 0,
        };
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.path.pop();
                return Ok(false);
            }
            Some(b',') if next > 0 => self.pos += 1,
            _ if next == 0 => {}
            _ => return Err(self.syntax("`,` or `]`")),
        }
        if let Some(top) = self.path.last_mut() {
            *top = Step::Index(next);
        }
        if self.peek().is_none() {
            return Err(self.syntax("a list item"));
        }
        Ok(true)
    }

    /// Consumes `null` if it comes next.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn take_null(&mut self) -> Res<bool> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal("null")?;
        Ok(true)
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn literal(&mut self, word: &str) -> Res<()> {
        let end = self.pos + word.len();
        if self.bytes().get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.syntax("a JSON value"))
        }
    }

    /// Reads a boolean.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn boolean(&mut self) -> Res<bool> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(self.wrong_type("a boolean")),
        }
    }

    /// Reads a string (escapes resolved; borrowed from the input when it has none).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn string(&mut self, expected: &str) -> Res<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.wrong_type(expected));
        }
        self.string_body()
    }

    /// Skips the string at the opening quote under the cursor, checking its syntax but not
    /// pairing `\u` surrogates: a lone surrogate in a value the engine ignores is passed over,
    /// as serde_json did (one the engine reads is an error).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn skip_string(&mut self) -> Res<()> {
        self.pos += 1;
        self.string_tail(None)
    }

    /// Reads the string at the opening quote under the cursor.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn string_body(&mut self) -> Res<Cow<'a, str>> {
        let start = self.pos + 1;
        let end = self.plain_end(start);
        if self.at(end) == Some(b'"') {
            self.pos = end + 1;
            return Ok(Cow::Borrowed(self.text.get(start..end).unwrap_or_default()));
        }
        let mut out = String::new();
        self.pos = start;
        self.string_tail(Some(&mut out))?;
        Ok(Cow::Owned(out))
    }

    /// Where a run of plain string text starting at `from` ends: at a `"`, a `\`, a control
    /// byte or the end of the input.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn plain_end(&self, from: usize) -> usize {
        let bytes = self.bytes();
        let mut i = from;
        // Eight bytes at a time (a state, a user agent, a timestamp are long plain runs).
        while let Some(word) = bytes
            .get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
        {
            let stops = stop_bytes(u64::from_le_bytes(word));
            if stops != 0 {
                return i + (stops.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while let Some(b) = bytes.get(i) {
            if *b == b'"' || *b == b'\\' || *b < 0x20 {
                break;
            }
            i += 1;
        }
        i
    }

    /// Reads a string from the cursor to its closing quote into `out`, escapes resolved; with no
    /// `out`, only checks it (escapes' syntax, surrogates unpaired).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn string_tail(&mut self, mut out: Option<&mut String>) -> Res<()> {
        loop {
            let end = self.plain_end(self.pos);
            if let Some(out) = out.as_deref_mut() {
                out.push_str(self.text.get(self.pos..end).unwrap_or_default());
            }
            self.pos = end;
            match self.at(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match out.as_deref_mut() {
                        Some(out) => out.push(self.escape()?),
                        None if self.at(self.pos) == Some(b'u') => {
                            self.pos += 1;
                            self.hex4()?;
                        }
                        None => {
                            self.escape()?;
                        }
                    }
                }
                Some(_) => return Err(self.syntax("a printable character in a string")),
                None => return Err(self.syntax("`\"` closing the string")),
            }
        }
    }

    /// One escape, the cursor after its backslash.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn escape(&mut self) -> Res<char> {
        let c = match self.at(self.pos) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                return self.unicode_escape();
            }
            _ => return Err(self.syntax("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)")),
        };
        self.pos += 1;
        Ok(c)
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn hex4(&mut self) -> Res<u32> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let value = digits.and_then(|d| u32::from_str_radix(d, 16).ok());
        match value {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.syntax("four hex digits after \\u")),
        }
    }

    /// `\uXXXX`, with UTF-16 surrogate pairs; a lone surrogate is an error (it is not text).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn unicode_escape(&mut self) -> Res<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.syntax("a low surrogate after a high surrogate"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.syntax("a low surrogate after a high surrogate"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.syntax("a high surrogate before a low one")),
            other => other,
        };
        char::from_u32(code).ok_or_else(|| self.syntax("a Unicode scalar value"))
    }

    /// Reads a number token (grammar checked, not converted).
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn number(&mut self, expected: &str) -> Res<Number<'a>> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => {}
            _ => return Err(self.wrong_type(expected)),
        }
        let start = self.pos;
        let mut i = start;
        if self.at(i) == Some(b'-') {
            i += 1;
        }
        let int_start = i;
        i = self.digits(i);
        let leading_zero = self.at(int_start) == Some(b'0') && i - int_start > 1;
        if i == int_start || leading_zero {
            self.pos = i;
            return Err(self.syntax("a JSON number"));
        }
        let mut integer = true;
        if self.at(i) == Some(b'.') {
            integer = false;
            let frac = i + 1;
            i = self.digits(frac);
            if i == frac {
                self.pos = i;
                return Err(self.syntax("digits after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.at(i) {
            integer = false;
            i += 1;
            if let Some(b'+' | b'-') = self.at(i) {
                i += 1;
            }
            let exp = i;
            i = self.digits(exp);
            if i == exp {
                self.pos = i;
                return Err(self.syntax("digits in the exponent"));
            }
        }
        self.pos = i;
        Ok(Number {
            text: self.text.get(start..i).unwrap_or_default(),
            integer,
        })
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn digits(&self, mut i: usize) -> usize {
        while let Some(b'0'..=b'9') = self.at(i) {
            i += 1;
        }
        i
    }

    /// Reads a whole number in `0..=max`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn unsigned(&mut self, max: u64, expected: &str) -> Res<u64> {
        let n = self.whole(expected)?;
        match n.parse::<u64>() {
            Ok(v) if v <= max => Ok(v),
            _ => Err(self.out_of_range(n, expected)),
        }
    }

    /// Reads a whole number in `min..=max`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn signed(&mut self, min: i64, max: i64, expected: &str) -> Res<i64> {
        let n = self.whole(expected)?;
        match n.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(self.out_of_range(n, expected)),
        }
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn whole(&mut self, expected: &str) -> Res<&'a str> {
        let n = self.number(expected)?;
        if n.integer {
            Ok(n.text)
        } else {
            Err(self.error(
                ErrorCode::InvalidShape,
                format!("expected {expected}, found the number {}", n.text),
            ))
        }
    }

    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn out_of_range(&self, n: &str, expected: &str) -> Box<ErrorItem> {
        self.error(
            ErrorCode::InvalidShape,
            format!("{n} is out of range for {expected}"),
        )
    }

    /// Reads a finite number.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn float(&mut self) -> Res<f64> {
        let n = self.number("a number")?;
        match parse_number(n.text) {
            Some(v) if v.is_finite() => Ok(v),
            // Not a number any JSON reader here can hold: a syntax error, as serde_json says.
            _ => Err(self.error(
                ErrorCode::InvalidJson,
                format!("{} is out of range for a number", n.text),
            )),
        }
    }

    /// Skips one value of any kind. The walk is a loop, not a recursion, so nesting inside a
    /// skipped value is not capped (hosts may pass any extension data); the document cap bounds
    /// the walk.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn skip(&mut self) -> Res<()> {
        let base = self.path.len();
        loop {
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.path.push(Step::Start);
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.path.push(Step::Before);
                }
                Some(b'"') => self.skip_string()?,
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number("a number")?;
                }
                _ => return Err(self.syntax("a JSON value")),
            }
            // Close finished containers and step to the next value, until back at `base`.
            loop {
                if self.path.len() == base {
                    return Ok(());
                }
                let in_object = matches!(self.path.last(), Some(Step::Start | Step::Key(_)));
                let more = if in_object {
                    self.next_key()?.is_some()
                } else {
                    self.next_item()?
                };
                if more {
                    break;
                }
            }
        }
    }

    /// Succeeds when nothing but whitespace follows the value just read.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub fn finish(&mut self) -> Res<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Box::new(ErrorItem::new(
                ErrorCode::InvalidJson,
                "",
                format!("unexpected data after the document at byte {}", self.pos),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time scan stops where a byte-at-a-time one does: every stop byte at every
    /// position of a run, after plain ASCII, DEL and UTF-8 bytes (which are never stops).
    #[test]
    fn plain_end_matches_a_byte_scan() {
        let fill = ["a", "\u{7f}", "é", "€", "😀", " ~"];
        for stop in ["\"", "\\", "\u{0}", "\u{1f}", "\n"] {
            for f in fill {
                for n in 0..20 {
                    let text = format!("{}{stop}{}", f.repeat(n), f.repeat(3));
                    let r = Reader::new(&text);
                    let expected = text
                        .bytes()
                        .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                        .unwrap();
                    for from in 0..=expected {
                        assert_eq!(r.plain_end(from), expected, "{text:?} from {from}");
                    }
                }
            }
        }
        let plain = "abc€défgh".repeat(5);
        assert_eq!(Reader::new(&plain).plain_end(0), plain.len());
    }
}
