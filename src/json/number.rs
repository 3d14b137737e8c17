//! Numbers read and printed by ~100 lines of code instead of core's exact algorithms and their
//! tables (which cost ~20 KB of wasm): exact for up to 15 significant digits within 1e±22, which
//! covers every coordinate and policy number of the contract.

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
#[cfg_attr(factorgate_nightly, optimize(speed))]
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
                let e: i64 = text
                    .get(i + 1..)
                    .map(|e| e.strip_prefix('+').unwrap_or(e))?
                    .parse()
                    .ok()?;
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
#[cfg_attr(factorgate_nightly, optimize(speed))]
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
#[cfg_attr(factorgate_nightly, optimize(speed))]
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
#[cfg_attr(factorgate_nightly, optimize(speed))]
pub fn format_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return Decimal::signed(x as i64).as_str().into();
    }
    let (mut digits, mut e) = significant_digits(x.abs());
    if digits >= 1_000_000_000_000_000 {
        digits = (digits + 5) / 10;
        e += 1;
    }
    let decimal = Decimal::new(digits);
    let mut text = decimal.as_str();
    while text.len() > 1 && text.as_bytes().last() == Some(&b'0') {
        text = text.get(..text.len() - 1).unwrap_or(text);
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
            out.push_str(text);
        } else if e + 1 >= len {
            out.push_str(text);
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
        out.push_str(Decimal::signed(e.into()).as_str());
    }
    out
}

/// A whole number's decimal text, in a buffer on the stack: what `to_string` gives, without
/// `core::fmt`'s formatter and a `String` for each number (a decision's alert has a dozen).
pub(crate) struct Decimal {
    bytes: [u8; 20],
    start: usize,
}

impl Decimal {
    /// `n` in decimal.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn new(n: u64) -> Self {
        Self::with_sign(n, false)
    }

    /// `n` in decimal, after a `-` when it is negative.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn signed(n: i64) -> Self {
        Self::with_sign(n.unsigned_abs(), n < 0)
    }

    /// Digits from the last: 20 places hold `u64::MAX`, and 19 digits and the sign `i64::MIN`.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    fn with_sign(mut n: u64, negative: bool) -> Self {
        let mut bytes = [0; 20];
        let mut start = bytes.len();
        loop {
            start -= 1;
            if let Some(b) = bytes.get_mut(start) {
                *b = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if negative {
            start -= 1;
            if let Some(b) = bytes.get_mut(start) {
                *b = b'-';
            }
        }
        Decimal { bytes, start }
    }

    /// The text.
    #[cfg_attr(factorgate_nightly, optimize(speed))]
    pub(crate) fn as_str(&self) -> &str {
        let digits = self.bytes.get(self.start..).unwrap_or_default();
        std::str::from_utf8(digits).unwrap_or_default()
    }
}

#[cfg_attr(factorgate_nightly, optimize(speed))]
pub(crate) fn hex_digit(n: u8) -> char {
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

    /// Every width and both ends of each type, as `to_string` writes them.
    #[test]
    fn decimal_is_to_string() {
        let mut n: u64 = 1;
        for _ in 0..20 {
            for m in [n - 1, n, n + 7, n.saturating_mul(9)] {
                assert_eq!(Decimal::new(m).as_str(), m.to_string());
                let s = m as i64;
                assert_eq!(Decimal::signed(s).as_str(), s.to_string());
                assert_eq!(Decimal::signed(-s).as_str(), (-s).to_string());
            }
            n = n.saturating_mul(10);
        }
        for m in [u64::MAX, u64::MAX - 1] {
            assert_eq!(Decimal::new(m).as_str(), m.to_string());
        }
        for s in [i64::MIN, i64::MIN + 1, i64::MAX] {
            assert_eq!(Decimal::signed(s).as_str(), s.to_string());
        }
    }
}
