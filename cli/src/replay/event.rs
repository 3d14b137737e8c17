//! The normalized event every reader maps a log record to, and the time helpers the readers and
//! the generator share. A normalized event is what a partition file holds, one JSON line each.

use serde::{Deserialize, Serialize};

/// One normalized event of one user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ev {
    /// The IdP user id (the partition and fold key).
    #[serde(rename = "u")]
    pub user: String,
    /// Epoch milliseconds.
    #[serde(rename = "t")]
    pub ts: i64,
    /// Deterministic tie-break and origin: file index, line and record within the line.
    #[serde(rename = "q")]
    pub seq: u64,
    /// The IdP's session (Okta `externalSessionId`, Auth0 `session_id`, Entra `correlationId`).
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(rename = "k")]
    pub kind: Kind,
}

/// What happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Kind {
    /// A part of a sign-in: a verification, the IdP's verdict, the app, the session context.
    /// `closes` ends the sign-in (Auth0 `s`/`f`, an Entra sign-in record); Okta's parts are
    /// grouped per session and end when the session's events do.
    #[serde(rename = "a")]
    Auth(Auth),
    /// A factor change (reported after the fact by every log).
    #[serde(rename = "c")]
    Change(Change),
    /// A password change or reset.
    #[serde(rename = "p")]
    PasswordReset,
}

/// Where the request came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Ctx {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliant: Option<bool>,
    /// The IdP's risk level (`low`..`high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// Named host detections (contract `hostRisk.signals` names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<String>,
}

impl Ctx {
    /// Fills what `self` lacks from `other`.
    pub fn merge(&mut self, other: &Ctx) {
        macro_rules! fill {
            ($($f:ident),*) => {$(if self.$f.is_none() { self.$f = other.$f.clone(); })*};
        }
        fill!(ip, lat, lon, country, asn, device, managed, compliant);
        if rank(other.risk.as_deref()) > rank(self.risk.as_deref()) {
            self.risk = other.risk.clone();
        }
        for s in &other.signals {
            if !self.signals.contains(s) {
                self.signals.push(s.clone());
            }
        }
    }
    pub fn is_empty(&self) -> bool {
        *self == Ctx::default()
    }
}

fn rank(level: Option<&str>) -> u8 {
    match level {
        Some("low") => 1,
        Some("medium") => 2,
        Some("high") => 3,
        Some("critical") => 4,
        _ => 0,
    }
}

/// The IdP's own outcome for a sign-in, as its log tells it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Host {
    /// Signed in without a second factor.
    #[serde(rename = "allow")]
    Allow,
    /// Signed in after a second factor.
    #[serde(rename = "mfa")]
    Mfa,
    /// Asked for a second factor that was not given (denied, failed, abandoned).
    #[serde(rename = "mfaFailed")]
    MfaFailed,
    /// Blocked by the IdP's policy.
    #[serde(rename = "deny")]
    Deny,
}

impl Host {
    pub fn as_str(self) -> &'static str {
        match self {
            Host::Allow => "allow",
            Host::Mfa => "mfa",
            Host::MfaFailed => "mfaFailed",
            Host::Deny => "deny",
        }
    }
    /// Let in (with or without MFA).
    pub fn let_in(self) -> bool {
        matches!(self, Host::Allow | Host::Mfa)
    }
}

/// A part of a sign-in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Auth {
    #[serde(default, skip_serializing_if = "Ctx::is_empty")]
    pub ctx: Ctx,
    /// Verifications: contract factor type, success, epoch ms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verifs: Vec<Verif>,
    /// Denied or unanswered pushes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denied_pushes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The IdP's verdict, where this record states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    /// This record ends the sign-in.
    #[serde(default, skip_serializing_if = "is_false")]
    pub closes: bool,
    /// Single sign-on on an existing session: no fresh authentication.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sso: bool,
    /// The IdP's user kind hint (Entra `userType: Guest` = partner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// One verification.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verif {
    #[serde(rename = "f")]
    pub factor: String,
    #[serde(rename = "ok")]
    pub ok: bool,
    #[serde(rename = "t")]
    pub at: i64,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// A factor change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    /// Contract `ChangeAction`.
    pub action: String,
    /// Contract factor type of the factor added or removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_id: Option<String>,
    /// Contract `ActorKind`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Ctx::is_empty")]
    pub ctx: Ctx,
}

// ---- time ------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
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

/// `2026-01-05T08:01:02.345Z` from epoch ms (`frac` digits of fraction: 0, 3 or 7).
pub fn rfc3339(ms: i64, frac: u8) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (s / 3600, s / 60 % 60, s % 60);
    match frac {
        0 => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"),
        7 => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{milli:03}0000Z"),
        _ => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{milli:03}Z"),
    }
}

/// The day `YYYY-MM-DD` of epoch ms.
pub fn day_of(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Epoch ms of an RFC 3339 timestamp (fractions of any length, `Z` or `±hh:mm`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut milli = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                milli = milli * 10 + i64::from(b.get(i).copied().unwrap_or(b'0') - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            milli *= 10;
        }
    }
    let offset_s = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b.get(i + 3) == Some(&b':') => {
            let off = num(i + 1, 2)? * 3600 + num(i + 4, 2)? * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        None => 0, // Entra's Log Analytics exports sometimes drop the zone: UTC
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000 + milli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["2026-01-05T08:01:02.345Z", "1999-12-31T23:59:59.000Z"] {
            let ms = parse_rfc3339(s).unwrap_or_default();
            assert_eq!(rfc3339(ms, 3), s);
        }
        assert_eq!(
            parse_rfc3339("2022-01-24T05:10:08.6816663+00:00"),
            parse_rfc3339("2022-01-24T05:10:08.681Z")
        );
        assert_eq!(
            parse_rfc3339("2022-01-24T07:10:08+02:00"),
            parse_rfc3339("2022-01-24T05:10:08Z")
        );
        assert!(parse_rfc3339("yesterday").is_none());
        assert!(parse_rfc3339("2022-13-24T05:10:08Z").is_none());
    }
}
