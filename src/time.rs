//! RFC 3339 timestamps, parsed by hand: the engine needs seconds since the epoch and nothing else,
//! and a date library would cost more wasm than the whole decision logic.

use crate::error::ErrorCode;

/// Seconds since 1970-01-01T00:00:00Z. Requests carry RFC 3339 strings; the engine compares seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Parses an RFC 3339 date-time ("2026-11-23T10:00:00Z", fractions and offsets allowed).
    pub fn parse(s: &str) -> Option<Timestamp> {
        parse_rfc3339(s).map(Timestamp)
    }

    /// Seconds elapsed from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.0.saturating_sub(self.0)
    }

    /// `self` plus `seconds`, saturating.
    pub(crate) fn plus(self, seconds: u64) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX)),
        )
    }

    /// Formats as RFC 3339 in UTC, whole seconds.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    }
}

impl crate::json::Decode for Timestamp {
    fn decode(r: &mut crate::json::Reader<'_>) -> crate::json::Res<Self> {
        crate::json::parsed_text(
            r,
            "an RFC 3339 timestamp string",
            ErrorCode::InvalidTimestamp,
            |s| {
                Timestamp::parse(s).ok_or_else(|| {
                    format!(
                        "invalid timestamp {}: expected RFC 3339 such as 2026-11-23T10:00:00Z",
                        crate::error::quoted(s)
                    )
                })
            },
        )
    }
}

impl crate::json::Encode for Timestamp {
    fn encode(&self, w: &mut crate::json::Writer) {
        w.string(&self.to_rfc3339());
    }
}

impl crate::json::Bin for Timestamp {
    fn put(&self, out: &mut Vec<u8>) {
        crate::json::Bin::put(&self.0, out);
    }
    fn take(r: &mut crate::json::BinReader<'_>) -> Option<Self> {
        <i64 as crate::json::Bin>::take(r).map(Timestamp)
    }
}

#[cfg_attr(factorgate_nightly, optimize(speed))]
fn digits(bytes: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = bytes.get(start..start + len)?;
    let mut n: i64 = 0;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some(n)
}

#[cfg_attr(factorgate_nightly, optimize(speed))]
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b.get(i + 3) == Some(&b':') => {
            let oh = digits(b, i + 1, 2)?;
            let om = digits(b, i + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset)
}

#[cfg_attr(factorgate_nightly, optimize(speed))]
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil.
#[cfg_attr(factorgate_nightly, optimize(speed))]
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_offsets_and_fractions() {
        let z = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
        assert_eq!(z.0, 1_795_428_000);
        assert_eq!(Timestamp::parse("2026-11-23T11:00:00+01:00"), Some(z));
        assert_eq!(Timestamp::parse("2026-11-23T10:00:00.123456Z"), Some(z));
        assert_eq!(z.to_rfc3339(), "2026-11-23T10:00:00Z");
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z").unwrap().0, 0);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2026-11-23",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T10:00:00",
            "2026-11-23T10:00:00.Z",
            "2026-11-23T10:00:00+1:00",
            "２０２６-11-23T10:00:00Z",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_many_days() {
        for day in (-700_000..700_000).step_by(997) {
            let t = Timestamp(day * 86_400 + 4_321);
            assert_eq!(Timestamp::parse(&t.to_rfc3339()), Some(t));
        }
    }
}
