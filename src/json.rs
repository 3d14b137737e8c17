//! A strict JSON reader (RFC 8259) that hands values to typed decoders one at a time and knows,
//! at every step, the JSON pointer of the value it is reading.
//!
//! It exists for size and speed in WebAssembly: serde's derived decoders cost ~140 KB of the
//! module (SPEC §11 budget: 250 KB), while this reader plus the decoders in [`crate::decode`]
//! cost a fraction of that. Being the only reader also makes the contract's rules one rule each:
//! errors carry the path of the value being read, nesting stops at [`MAX_DEPTH`], and nothing
//! recurses on input (skipping an ignored value is a loop).

use crate::error::{codes, escape_pointer, ErrorItem};
use std::borrow::Cow;

/// Deepest nesting of objects and arrays accepted (serde_json's limit, kept for hosts that relied
/// on it).
pub const MAX_DEPTH: usize = 128;

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
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            path: Vec::with_capacity(8),
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes().get(i).copied()
    }

    /// The next significant byte, after whitespace, without consuming it.
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.at(self.pos) {
            self.pos += 1;
        }
        self.at(self.pos)
    }

    /// The JSON pointer of the value being read.
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
    pub fn error(&self, code: &'static str, message: impl Into<String>) -> Box<ErrorItem> {
        Box::new(ErrorItem::new(code, self.pointer(), message))
    }

    /// A syntax error (`invalidJson`) at the value being read.
    fn syntax(&mut self, what: &str) -> Box<ErrorItem> {
        let found = match self.peek() {
            None => "the end of the input".to_string(),
            Some(b) if b.is_ascii_graphic() => format!("`{}`", char::from(b)),
            Some(b) => format!("byte {b}"),
        };
        self.error(
            codes::INVALID_JSON,
            format!("expected {what}, found {found} at byte {}", self.pos),
        )
    }

    /// A wrong-type error (`invalidShape`): `expected` names what the contract wants here.
    pub fn wrong_type(&mut self, expected: &str) -> Box<ErrorItem> {
        let found = describe(self.peek());
        if found == "an unexpected character" || found == "the end of the input" {
            return self.syntax("a JSON value");
        }
        self.error(
            codes::INVALID_SHAPE,
            format!("expected {expected}, found {found}"),
        )
    }

    fn expect_byte(&mut self, b: u8, what: &str) -> Res<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(what))
        }
    }

    fn open(&mut self, step: Step<'a>) -> Res<()> {
        if self.path.len() >= MAX_DEPTH {
            return Err(self.error(
                codes::INVALID_JSON,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.pos += 1;
        self.path.push(step);
        Ok(())
    }

    /// Enters an object, or fails with a wrong-type error naming `expected`.
    pub fn begin_object(&mut self, expected: &str) -> Res<()> {
        if self.peek() != Some(b'{') {
            return Err(self.wrong_type(expected));
        }
        self.open(Step::Start)
    }

    /// The next key of the open object (its value is read next), or `None` after its `}`.
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
    pub fn begin_array(&mut self, expected: &str) -> Res<()> {
        if self.peek() != Some(b'[') {
            return Err(self.wrong_type(expected));
        }
        self.open(Step::Before)
    }

    /// Moves to the next item of the open list; `false` after its `]`.
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
    pub fn take_null(&mut self) -> Res<bool> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal("null")?;
        Ok(true)
    }

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
    pub fn boolean(&mut self) -> Res<bool> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(self.wrong_type("a boolean")),
        }
    }

    /// Reads a string (escapes resolved; borrowed from the input when it has none).
    pub fn string(&mut self, expected: &str) -> Res<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.wrong_type(expected));
        }
        self.string_body()
    }

    /// Skips the string at the opening quote under the cursor, checking its syntax but not
    /// pairing `\u` surrogates: a lone surrogate in a value the engine ignores is passed over,
    /// as serde_json did (one the engine reads is an error).
    fn skip_string(&mut self) -> Res<()> {
        self.pos += 1;
        self.string_tail(None)
    }

    /// Reads the string at the opening quote under the cursor.
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
    fn plain_end(&self, from: usize) -> usize {
        let rest = self.bytes().get(from..).unwrap_or_default();
        let run = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        from + run.unwrap_or(rest.len())
    }

    /// Reads a string from the cursor to its closing quote into `out`, escapes resolved; with no
    /// `out`, only checks it (escapes' syntax, surrogates unpaired).
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

    fn digits(&self, mut i: usize) -> usize {
        while let Some(b'0'..=b'9') = self.at(i) {
            i += 1;
        }
        i
    }

    /// Reads a whole number in `0..=max`.
    pub fn unsigned(&mut self, max: u64, expected: &str) -> Res<u64> {
        let n = self.whole(expected)?;
        match n.parse::<u64>() {
            Ok(v) if v <= max => Ok(v),
            _ => Err(self.out_of_range(n, expected)),
        }
    }

    /// Reads a whole number in `min..=max`.
    pub fn signed(&mut self, min: i64, max: i64, expected: &str) -> Res<i64> {
        let n = self.whole(expected)?;
        match n.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(self.out_of_range(n, expected)),
        }
    }

    fn whole(&mut self, expected: &str) -> Res<&'a str> {
        let n = self.number(expected)?;
        if n.integer {
            Ok(n.text)
        } else {
            Err(self.error(
                codes::INVALID_SHAPE,
                format!("expected {expected}, found the number {}", n.text),
            ))
        }
    }

    fn out_of_range(&self, n: &str, expected: &str) -> Box<ErrorItem> {
        self.error(
            codes::INVALID_SHAPE,
            format!("{n} is out of range for {expected}"),
        )
    }

    /// Reads a finite number.
    pub fn float(&mut self) -> Res<f64> {
        let n = self.number("a number")?;
        match parse_number(n.text) {
            Some(v) if v.is_finite() => Ok(v),
            // Not a number any JSON reader here can hold: a syntax error, as serde_json says.
            _ => Err(self.error(
                codes::INVALID_JSON,
                format!("{} is out of range for a number", n.text),
            )),
        }
    }

    /// Skips one value of any kind. The walk is a loop, not a recursion, so nesting inside a
    /// skipped value is not capped (hosts may pass any extension data); the document cap bounds
    /// the walk.
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
    pub fn finish(&mut self) -> Res<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Box::new(ErrorItem::new(
                codes::INVALID_JSON,
                "",
                format!("unexpected data after the document at byte {}", self.pos),
            ))),
        }
    }
}

/// Writes compact JSON text. Commas are placed by the writer: after `{`, `[` or a key the next
/// member is the first, anything else is preceded by a comma.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer {
            out: String::with_capacity(1024),
            first: true,
        }
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    fn sep(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(',');
        }
    }

    fn open(&mut self, bracket: char) {
        self.sep();
        self.out.push(bracket);
        self.first = true;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.first = false;
    }

    /// Opens an object.
    pub fn begin_object(&mut self) {
        self.open('{');
    }

    /// Closes the open object.
    pub fn end_object(&mut self) {
        self.close('}');
    }

    /// Opens a list.
    pub fn begin_array(&mut self) {
        self.open('[');
    }

    /// Closes the open list.
    pub fn end_array(&mut self) {
        self.close(']');
    }

    /// Writes a key (the contract's keys need no escaping); its value comes next.
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
    pub fn any_key(&mut self, key: &str) -> &mut Self {
        self.string(key);
        self.out.push(':');
        self.first = true;
        self
    }

    /// Writes a string, escaped as RFC 8259 requires.
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
    pub fn raw(&mut self, json: &str) {
        self.sep();
        self.out.push_str(json);
    }

    /// Writes a whole number.
    pub fn int(&mut self, n: i64) {
        self.sep();
        self.out.push_str(&n.to_string());
    }

    /// Writes an unsigned whole number.
    pub fn uint(&mut self, n: u64) {
        self.sep();
        self.out.push_str(&n.to_string());
    }

    /// Writes a finite number (the decoders accept no other); anything else is `null`.
    pub fn float(&mut self, x: f64) {
        self.sep();
        if x.is_finite() {
            self.out.push_str(&format_number(x));
        } else {
            self.out.push_str("null");
        }
    }

    /// Writes `true` or `false`.
    pub fn boolean(&mut self, b: bool) {
        self.sep();
        self.out.push_str(if b { "true" } else { "false" });
    }

    /// Writes `null`.
    pub fn null(&mut self) {
        self.sep();
        self.out.push_str("null");
    }
}

/// Powers of ten a double holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a number token that passed the JSON grammar.
///
/// Exact (correctly rounded) for up to 15 significant digits with a decimal exponent within ±22,
/// which covers every coordinate and policy number the contract has; beyond that, within a few
/// units in the last place. core's exact parser would cost ~15 KB of tables in the wasm.
pub fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut i = usize::from(negative);
    let mut after_point = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'0'..=b'9' => {
                if digits < 19 {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    if mantissa > 0 {
                        digits += 1;
                    }
                    if after_point {
                        exponent -= 1;
                    }
                } else if !after_point {
                    exponent += 1;
                }
            }
            b'.' => after_point = true,
            b'e' | b'E' => {
                let e: i64 = text.get(i + 1..)?.trim_start_matches('+').parse().ok()?;
                exponent = exponent.saturating_add(e.clamp(-1000, 1000));
                break;
            }
            _ => return None,
        }
        i += 1;
    }
    let m = mantissa as f64;
    let power = |e: i64| EXACT_POWERS.get(usize::try_from(e).ok()?).copied();
    let value = if mantissa < (1 << 53) && (-22..=22).contains(&exponent) {
        if exponent >= 0 {
            m * power(exponent)?
        } else {
            m / power(-exponent)?
        }
    } else {
        scale(m, exponent)
    };
    Some(if negative { -value } else { value })
}

/// `m × 10^e` by repeated exact steps (approximate for large |e|).
fn scale(mut m: f64, mut e: i64) -> f64 {
    while e > 22 && m.is_finite() {
        m *= 1e22;
        e -= 22;
    }
    while e < -22 && m != 0.0 {
        m /= 1e22;
        e += 22;
    }
    let step = EXACT_POWERS
        .get(usize::try_from(e.unsigned_abs()).unwrap_or(0))
        .copied()
        .unwrap_or(1.0);
    if e >= 0 {
        m * step
    } else {
        m / step
    }
}

/// `a` (positive, finite) as 15 significant digits and the decimal exponent of the first:
/// `a ≈ digits × 10^(e − 14)`. Within 1e±22 the scaling is one exact power of ten, so one
/// rounding: a number read from 15 or fewer digits gives those digits back.
fn significant_digits(a: f64) -> (u64, i32) {
    let power = |k: i32| {
        EXACT_POWERS
            .get(usize::try_from(k).unwrap_or(usize::MAX))
            .copied()
    };
    let mut e: i32 = 0;
    while a >= power(e + 1).unwrap_or(f64::INFINITY) {
        e += 1;
    }
    while e > -22 && a * power(-e).unwrap_or(1.0) < 1.0 {
        e -= 1;
    }
    if !(-22..=22).contains(&e) || a >= 1e23 {
        // Outside the table: repeated scaling, a few units in the 15th digit at worst.
        let (mut v, mut e) = (a, 0);
        while v >= 10.0 {
            v /= 10.0;
            e += 1;
        }
        while v < 1.0 {
            v *= 10.0;
            e -= 1;
        }
        return ((v * 1e14).round() as u64, e);
    }
    let shift = 14 - e;
    let scaled = match (power(shift), power(-shift)) {
        (Some(p), _) => a * p,
        (None, Some(p)) => a / p,
        // 14 − e above 22: two exact steps.
        (None, None) => a * 1e22 * power(shift - 22).unwrap_or(1.0),
    };
    (scaled.round() as u64, e)
}

/// A finite number as JSON text with up to 15 significant digits (every double read from 15 or
/// fewer digits prints back as the same digits): integers without a fraction, `0.000123`, and an
/// exponent only outside 1e-6..1e15. core's shortest-representation printer would cost ~8 KB.
pub fn format_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return (x as i64).to_string();
    }
    let (mut digits, mut e) = significant_digits(x.abs());
    if digits >= 1_000_000_000_000_000 {
        digits = (digits + 5) / 10;
        e += 1;
    }
    let mut text = digits.to_string();
    while text.len() > 1 && text.ends_with('0') {
        text.pop();
    }
    let mut out = String::with_capacity(24);
    if x < 0.0 {
        out.push('-');
    }
    let len = i32::try_from(text.len()).unwrap_or(15);
    if (-6..15).contains(&e) {
        if e < 0 {
            out.push_str("0.");
            for _ in 0..(-e - 1) {
                out.push('0');
            }
            out.push_str(&text);
        } else if e + 1 >= len {
            out.push_str(&text);
            for _ in 0..(e + 1 - len) {
                out.push('0');
            }
        } else {
            let (int, frac) = text.split_at(usize::try_from(e + 1).unwrap_or(0));
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = text.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push_str(&e.to_string());
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from(
        b"0123456789abcdef"
            .get(usize::from(n))
            .copied()
            .unwrap_or(b'0'),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(e.code, codes::INVALID_JSON, "{bad}");
        }
    }

    #[test]
    fn skipping_deep_nesting_is_a_loop() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(skip_all(&deep), Ok(()));
        let unbalanced = "[".repeat(100_000) + &"]".repeat(99_999);
        assert_eq!(skip_all(&unbalanced).unwrap_err().code, codes::INVALID_JSON);
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
        assert_eq!(result.unwrap_err().code, codes::INVALID_JSON);
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
}
