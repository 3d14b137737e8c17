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
        let (addr, prefix) = match s.split_once('/') {
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
