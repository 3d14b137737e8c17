//! The normalized event every reader maps a log record to, and the time helpers the readers and
//! the generator share. A normalized event is what a partition file holds, one JSON line each.

use factorgate::Timestamp;
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
    /// What happened.
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
    /// The client's IP address.
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Latitude of the place (degrees).
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Longitude of the place (degrees).
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The network's autonomous system number.
    pub asn: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The device id (Auth0: the user agent).
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The device is managed (workforce posture).
    pub managed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The device is compliant.
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
    /// Nothing is known.
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
    /// The wire name (`allow`, `mfa`, `mfaFailed`, `deny`).
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
    /// Where the part came from.
    pub ctx: Ctx,
    /// Verifications: contract factor type, success, epoch ms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verifs: Vec<Verif>,
    /// Denied or unanswered pushes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denied_pushes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The application signed in to.
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
    /// Contract factor type.
    pub factor: String,
    #[serde(rename = "ok")]
    /// The verification succeeded.
    pub ok: bool,
    #[serde(rename = "t")]
    /// When (epoch ms).
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
    /// The IdP's id of that factor.
    pub factor_id: Option<String>,
    /// Contract `ActorKind`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Who made the change (an admin's id), when not the user.
    pub actor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Ctx::is_empty")]
    /// Where the change came from.
    pub ctx: Ctx,
}

// ---- time ------------------------------------------------------------------------------------

/// `2026-01-05T08:01:02.345Z` from epoch ms (`frac` digits of fraction: 0, 3 or 7), on the
/// engine's own RFC 3339 printer.
pub fn rfc3339(ms: i64, frac: u8) -> String {
    let whole = Timestamp(ms.div_euclid(1000)).to_rfc3339();
    let milli = ms.rem_euclid(1000);
    let stem = whole.strip_suffix('Z').unwrap_or(&whole);
    match frac {
        0 => whole.clone(),
        7 => format!("{stem}.{milli:03}0000Z"),
        _ => format!("{stem}.{milli:03}Z"),
    }
}

/// The day `YYYY-MM-DD` of epoch ms.
pub fn day_of(ms: i64) -> String {
    let whole = Timestamp(ms.div_euclid(1000)).to_rfc3339();
    whole.get(..10).unwrap_or(&whole).to_string()
}

/// Epoch ms of an RFC 3339 timestamp as the IdPs log them: fractions of any length, `Z` or
/// `±hh:mm`, or no zone at all (Entra's Log Analytics exports sometimes drop it: UTC). The
/// milliseconds are read here; the rest is the engine's own parser.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let (head, rest) = (s.get(..19)?, s.get(19..)?);
    let (milli, zone) = match rest.strip_prefix('.') {
        Some(frac) => {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let (f, zone) = frac.split_at(digits);
            let padded: String = f.chars().chain("000".chars()).take(3).collect();
            (padded.parse::<i64>().ok()?, zone)
        }
        None => (0, rest),
    };
    let zone = if zone.is_empty() { "Z" } else { zone };
    let secs = Timestamp::parse(&format!("{head}{zone}"))?.0;
    Some(secs * 1000 + milli)
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
