//! From the engine's JSON pointers to places in the policy text: byte spans, lines and columns.
//!
//! The text is read with the engine's own JSON reader (`factorgate::internals::Reader`), so the
//! tree of spans is the document the engine read, under the same rules. A pointer is followed
//! down that tree; where it names a member the text does not have (a required field left out, a
//! default the policy did not restate), the span is that of the deepest part that is there, and
//! `exact` is false. When the text is not JSON, the reader's `at byte N` in the error message is
//! the place.

use factorgate::internals::Reader;
use std::ops::Range;

/// Where a pointer lands in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Byte span: for an object member its key and value, else the value.
    pub span: Range<usize>,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column (in characters) of the span's start.
    pub column: usize,
    /// Whether the whole pointer was found (false: the span is its deepest part in the text).
    pub exact: bool,
}

struct Node {
    span: Range<usize>,
    kind: Kind,
}

enum Kind {
    Leaf,
    /// Members in text order with the byte where each key starts.
    Object(Vec<(String, usize, Node)>),
    Array(Vec<Node>),
}

type Read<T> = Result<T, ()>;

fn node(text: &str, r: &mut Reader) -> Read<Node> {
    let first = r.peek();
    let start = r.offset();
    let kind = match first {
        Some(b'{') => {
            r.begin_object("an object").map_err(drop)?;
            let mut members = Vec::new();
            loop {
                r.peek();
                let before = r.offset();
                let Some(key) = r.next_key().map_err(drop)? else {
                    break;
                };
                let key = key.into_owned();
                let key_start = text
                    .get(before..)
                    .and_then(|rest| rest.find('"'))
                    .map_or(before, |i| before + i);
                members.push((key, key_start, node(text, r)?));
            }
            Kind::Object(members)
        }
        Some(b'[') => {
            r.begin_array("a list").map_err(drop)?;
            let mut items = Vec::new();
            while r.next_item().map_err(drop)? {
                items.push(node(text, r)?);
            }
            Kind::Array(items)
        }
        _ => {
            r.skip().map_err(drop)?;
            Kind::Leaf
        }
    };
    Ok(Node {
        span: start..r.offset(),
        kind,
    })
}

/// The reference tokens of an RFC 6901 pointer.
fn tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// `at byte N` in a reader's message.
fn byte_in(message: &str) -> Option<usize> {
    let (_, rest) = message.rsplit_once("at byte ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Where `pointer` (with the error's `message`, for syntax errors) lands in `text`.
pub fn locate(text: &str, pointer: &str, message: &str) -> Location {
    let mut r = Reader::new(text);
    let (span, exact) = match node(text, &mut r) {
        Ok(root) => walk(&root, &tokens(pointer)),
        Err(()) => {
            let at = byte_in(message).unwrap_or(0).min(text.len());
            let end = text
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .map_or(at, |c| at + c.len_utf8());
            (at..end, false)
        }
    };
    position(text, span, exact)
}

fn walk(root: &Node, tokens: &[String]) -> (Range<usize>, bool) {
    let mut span = root.span.clone();
    let mut here = root;
    for token in tokens {
        let next = match &here.kind {
            // The last member of that name: the one a duplicateKey error is about (with no
            // duplicate, the only one).
            Kind::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _, _)| k == token)
                .map(|(_, key_start, n)| (*key_start..n.span.end, n)),
            Kind::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|n| (n.span.clone(), n)),
            Kind::Leaf => None,
        };
        match next {
            Some((s, n)) => {
                span = s;
                here = n;
            }
            None => return (span, false),
        }
    }
    (span, true)
}

fn position(text: &str, span: Range<usize>, exact: bool) -> Location {
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text
        .get(line_start..span.start)
        .map_or(1, |s| s.chars().count() + 1);
    Location {
        span,
        line,
        column,
        exact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n  \"risk\": {\n    \"levels\": { \"high\": 500 }\n  },\n  \"a/b\": [1, {\"x\": true}],\n  \"dup\": 1, \"dup\": 2\n}\n";

    fn at(pointer: &str) -> (String, usize, usize, bool) {
        let l = locate(DOC, pointer, "");
        (
            DOC.get(l.span.clone()).unwrap().to_string(),
            l.line,
            l.column,
            l.exact,
        )
    }

    #[test]
    fn members_items_escapes_duplicates_and_absent_fields() {
        assert_eq!(
            at("/risk/levels/high"),
            ("\"high\": 500".into(), 3, 17, true)
        );
        assert_eq!(at("/a~1b/1/x"), ("\"x\": true".into(), 5, 15, true));
        assert_eq!(at("/dup"), ("\"dup\": 2".into(), 6, 13, true));
        assert_eq!(
            at("/risk/levels/medium"),
            ("\"levels\": { \"high\": 500 }".into(), 3, 5, false)
        );
        assert_eq!(at("").1, 1);
    }

    #[test]
    fn syntax_errors_use_the_byte_in_the_message() {
        let text = "{\n  \"a\": tru\n}";
        let l = locate(text, "/a", "expected a JSON value, found `t` at byte 9");
        assert_eq!((l.line, l.column, l.exact), (2, 8, false));
    }
}
