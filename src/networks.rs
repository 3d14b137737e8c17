//! CIDR blocks for trusted and denied networks (IPv4 and IPv6).

use std::net::IpAddr;

/// One CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    base: u128,
    prefix: u8,
    v6: bool,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x:y::/n` (a bare address is a /32 or /128).
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match crate::error::split_once_byte(s, b'/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let ip: IpAddr = addr.parse().ok()?;
        let (bits, v6) = to_bits(ip);
        let max = if v6 { 128 } else { 32 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(Cidr {
            base: bits & mask(prefix, v6),
            prefix,
            v6,
        })
    }

    /// Is `ip` inside this block? IPv4-mapped IPv6 addresses match IPv4 blocks.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (bits, v6) = to_bits(ip);
        v6 == self.v6 && bits & mask(self.prefix, v6) == self.base
    }
}

/// The address in its canonical text (RFC 5952: lowercase hex, the first longest run of two or
/// more zero groups as `::`, an IPv4-mapped address as `::ffff:a.b.c.d`): what `Display` writes,
/// without bringing `core::fmt`'s address formatting into the module (docs/contract.md#budgets).
pub(crate) fn canonical(ip: IpAddr) -> String {
    let mut out = String::with_capacity(39);
    match ip {
        IpAddr::V4(v4) => dotted(&mut out, v4.octets()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => {
                out.push_str("::ffff:");
                dotted(&mut out, v4.octets());
            }
            None => groups(&mut out, v6.segments()),
        },
    }
    out
}

fn dotted(out: &mut String, octets: [u8; 4]) {
    for (i, o) in octets.into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if o >= 100 {
            out.push(char::from(b'0' + o / 100));
        }
        if o >= 10 {
            out.push(char::from(b'0' + o / 10 % 10));
        }
        out.push(char::from(b'0' + o % 10));
    }
}

fn groups(out: &mut String, segments: [u16; 8]) {
    // The first longest run of zero groups, if it is at least two long.
    let (mut best, mut best_len, mut run) = (0, 0, 0);
    for (i, g) in segments.iter().enumerate() {
        run = if *g == 0 { run + 1 } else { 0 };
        if run > best_len {
            best_len = run;
            best = i + 1 - run;
        }
    }
    let skip = if best_len >= 2 {
        best..best + best_len
    } else {
        0..0
    };
    for (i, g) in segments.into_iter().enumerate() {
        if skip.contains(&i) {
            if i == skip.start {
                out.push_str("::");
            }
            continue;
        }
        if i > 0 && i != skip.end {
            out.push(':');
        }
        let mut started = false;
        for shift in [12u32, 8, 4, 0] {
            let digit = (g >> shift) & 0xf;
            if digit != 0 || started || shift == 0 {
                started = true;
                out.push(char::from_digit(u32::from(digit), 16).unwrap_or('0'));
            }
        }
    }
}

fn to_bits(ip: IpAddr) -> (u128, bool) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), false),
        IpAddr::V6(v6) => (u128::from(v6), true),
    }
}

fn mask(prefix: u8, v6: bool) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let host_bits = width - u32::from(prefix);
    let all: u128 = if v6 { u128::MAX } else { u128::from(u32::MAX) };
    all.checked_shl(host_bits).unwrap_or(0) & all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn canonical_text_is_what_display_writes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in 0..20_000 {
            let mut segments = [0u16; 8];
            for s in &mut segments {
                // Mostly zeros, so that runs of every length and position occur.
                let r = next();
                *s = if r % 3 == 0 { (r >> 16) as u16 } else { 0 };
            }
            if n % 7 == 0 {
                segments = [0, 0, 0, 0, 0, 0xffff, segments[6], segments[7]];
            }
            let v6 = IpAddr::V6(segments.into());
            assert_eq!(canonical(v6), v6.to_string());
            let v4 = IpAddr::V4(((next() >> 8) as u32).into());
            assert_eq!(canonical(v4), v4.to_string());
        }
        for s in [
            "::",
            "::1",
            "1::",
            "0.0.0.0",
            "255.255.255.255",
            "::ffff:0.0.0.0",
            "1:0:0:1:0:0:0:1",
        ] {
            assert_eq!(canonical(ip(s)), ip(s).to_string(), "{s}");
        }
    }

    #[test]
    fn v4_and_v6_blocks() {
        let c = Cidr::parse("198.51.100.0/24").unwrap();
        assert!(c.contains(ip("198.51.100.77")));
        assert!(!c.contains(ip("198.51.101.1")));
        assert!(c.contains(ip("::ffff:198.51.100.9")));
        let c6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c6.contains(ip("2001:db8:1::5")));
        assert!(!c6.contains(ip("2001:db9::1")));
        assert!(!c6.contains(ip("198.51.100.1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("10.0.0.1").unwrap().contains(ip("10.0.0.1")));
        for bad in ["10.0.0.0/33", "2001:db8::/129", "nope/8", "10.0.0.0/x", ""] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }
}
