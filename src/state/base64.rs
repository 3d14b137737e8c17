//! base64url without padding (RFC 4648 §5), strict: a string that is not the canonical encoding
//! of some bytes does not decode, so that every change to a state's text is a change to its bytes.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Value of each byte as a base64url character; 64 (bit 6) for bytes outside the alphabet.
const VALUES: [u8; 256] = values();

// Built at compile time: an index out of range would fail the build, never a call.
#[allow(clippy::indexing_slicing)]
const fn values() -> [u8; 256] {
    let mut table = [64u8; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// The character for the low six bits of `six`.
fn symbol(six: u32) -> u8 {
    ALPHABET.get((six & 63) as usize).copied().unwrap_or(b'A')
}

/// The value of a character, or 64 for a character outside the alphabet.
fn value(c: u8) -> u32 {
    u32::from(VALUES.get(usize::from(c)).copied().unwrap_or(64))
}

/// Encodes bytes.
pub(super) fn encode(bytes: &[u8]) -> String {
    let mut out = vec![0u8; (bytes.len() * 4).div_ceil(3)];
    let mut src = bytes.chunks_exact(3);
    let mut dst = out.chunks_exact_mut(4);
    for (s, d) in (&mut src).zip(&mut dst) {
        if let ([a, b, c], [w, x, y, z]) = (s, d) {
            let n = u32::from(*a) << 16 | u32::from(*b) << 8 | u32::from(*c);
            (*w, *x, *y, *z) = (symbol(n >> 18), symbol(n >> 12), symbol(n >> 6), symbol(n));
        }
    }
    match (src.remainder(), dst.into_remainder()) {
        ([a], [w, x]) => {
            let n = u32::from(*a) << 16;
            (*w, *x) = (symbol(n >> 18), symbol(n >> 12));
        }
        ([a, b], [w, x, y]) => {
            let n = u32::from(*a) << 16 | u32::from(*b) << 8;
            (*w, *x, *y) = (symbol(n >> 18), symbol(n >> 12), symbol(n >> 6));
        }
        _ => {}
    }
    // Every byte written is an ASCII letter, digit, '-' or '_'.
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes the canonical encoding of some bytes, or nothing.
pub(super) fn decode(s: &str) -> Option<Vec<u8>> {
    let text = s.as_bytes();
    let tail = match text.len() % 4 {
        0 => 0,
        2 => 1,
        3 => 2,
        _ => return None,
    };
    let mut out = vec![0u8; text.len() / 4 * 3 + tail];
    let mut invalid = 0u32;
    let mut src = text.chunks_exact(4);
    let mut dst = out.chunks_exact_mut(3);
    for (s, d) in (&mut src).zip(&mut dst) {
        if let ([a, b, c, e], [x, y, z]) = (s, d) {
            let [va, vb, vc, ve] = [value(*a), value(*b), value(*c), value(*e)];
            invalid |= va | vb | vc | ve;
            let n = va << 18 | vb << 12 | vc << 6 | ve;
            (*x, *y, *z) = ((n >> 16) as u8, (n >> 8) as u8, n as u8);
        }
    }
    // A final group of 2 or 3 characters holds 1 or 2 bytes; the bits below the last whole
    // byte must be zero, or two texts would decode to the same bytes.
    match (src.remainder(), dst.into_remainder()) {
        ([], []) => {}
        ([a, b], [x]) => {
            let (va, vb) = (value(*a), value(*b));
            invalid |= va | vb | (vb & 0b1111) << 6;
            *x = (va << 2 | vb >> 4) as u8;
        }
        ([a, b, c], [x, y]) => {
            let (va, vb, vc) = (value(*a), value(*b), value(*c));
            invalid |= va | vb | vc | (vc & 0b11) << 6;
            let n = va << 12 | vb << 6 | vc;
            (*x, *y) = ((n >> 10) as u8, (n >> 2) as u8);
        }
        _ => return None,
    }
    // Valid values use bits 0-5; a bad character or a non-zero unused bit sets a higher one.
    (invalid < 64).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_without_padding() {
        for (raw, text) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(raw.as_bytes()), text);
            assert_eq!(decode(text).unwrap(), raw.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn rejects_non_canonical_and_foreign_text() {
        // "Zm9" and "Zh" carry non-zero bits past the last byte: "fo" is only "Zm8".
        for bad in [
            "Zh", "Zm9", "Z", "Zm9v=", "Zm+v", "Zm/v", "Zm9v\n", "Zm 9", "Zm9vé",
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..data.len() {
            let bytes = &data[..n];
            assert_eq!(decode(&encode(bytes)).unwrap(), bytes);
        }
    }
}
