//! What the state remembers about one user, as plain values: the sign-ins, devices, networks and
//! factor changes [`crate::state::codec`] writes and reads, and what became of the incoming state.

use crate::enums::{ActorKind, Level};
use crate::factors::FactorType;
use crate::geo::Cell;
use crate::request::ChangeAction;

use super::key::TagHash;

/// Sign-ins remembered (oldest dropped first).
pub const MAX_SIGNINS: usize = 8;
/// Devices remembered (least recently seen dropped first).
pub const MAX_DEVICES: usize = 16;
/// Country and ASN pairs remembered (least recently seen dropped first).
pub const MAX_NETWORKS: usize = 16;
/// Used grants remembered (the earliest to expire dropped first; an expired one is forgotten,
/// since it no longer verifies anyway).
pub const MAX_USED_GRANTS: usize = 4;
/// Factor changes and recoveries remembered (oldest dropped first).
pub const MAX_CHANGES: usize = 8;
/// Budget for an encoded state (`docs/contract.md#budgets`).
pub(super) const MAX_STATE_BYTES: usize = 2048;

/// How the current sign-in's network relates to the policy's trusted networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum NetClass {
    /// Not a trusted network.
    #[default]
    Public,
    /// A trusted network with a place (corporate egress, or no kind given).
    Trusted,
    /// A trusted VPN or cloud network: no physical location, so no place is remembered.
    NoPlace,
}

impl NetClass {
    pub(super) fn bits(self) -> u8 {
        match self {
            NetClass::Public => 0,
            NetClass::Trusted => 1,
            NetClass::NoPlace => 2,
        }
    }

    pub(super) fn from_bits(b: u8) -> Option<NetClass> {
        Some(match b {
            0 => NetClass::Public,
            1 => NetClass::Trusted,
            2 => NetClass::NoPlace,
            _ => return None,
        })
    }
}

/// One remembered sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignIn {
    /// Minutes since the epoch.
    pub at: u32,
    /// Country, when known.
    pub country: Option<[u8; 2]>,
    /// ASN, when known.
    pub asn: Option<u32>,
    /// Place, when known and physical (not through a VPN or cloud network).
    pub cell: Option<Cell>,
    /// First bytes of the device's keyed hash, when the host sent a device id.
    pub device: Option<[u8; 4]>,
    /// How that hash was computed ([`TagHash::Sip`] when there is none).
    pub hash: TagHash,
    /// The sign-in's own risk (without `recentRiskySignin`, so risk does not feed on itself).
    pub risk: Level,
    /// Its network.
    pub network: NetClass,
    /// Allowed, or calm and not denied: its place and device became known.
    pub accepted: bool,
}

/// A device the user signed in from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KnownDevice {
    /// Keyed hash of the device id.
    pub tag: [u8; 8],
    /// How it was computed.
    pub hash: TagHash,
    /// Day it was last seen (days since the epoch).
    pub last_seen: u16,
}

/// A country and network provider the user signed in from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KnownNetwork {
    /// Country, when known.
    pub country: Option<[u8; 2]>,
    /// ASN, when known.
    pub asn: Option<u32>,
    /// Day it was last seen (days since the epoch).
    pub last_seen: u16,
}

/// What the state remembers about one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    /// Sign-ins recorded since the state began (saturating).
    pub logins: u16,
    /// Accepted sign-ins that carried a country: the learning period for `newCountry`.
    pub country_logins: u16,
    /// Accepted sign-ins that carried an ASN: the learning period for `newAsn`.
    pub asn_logins: u16,
    /// Accepted sign-ins that carried a device id: the learning period for `newDevice`.
    pub device_logins: u16,
    /// The last sign-in whose own risk reached `risk.riskyAt`: minute and level.
    pub last_risky: Option<(u32, Level)>,
    /// Recent sign-ins, oldest first.
    pub signins: Vec<SignIn>,
    /// Known devices.
    pub devices: Vec<KnownDevice>,
    /// Known countries and ASNs.
    pub networks: Vec<KnownNetwork>,
    /// The last recovery the engine allowed: minute since the epoch (the restriction window
    /// starts there). Version 2.
    pub recovered_at: Option<u32>,
    /// Grants already used, so a second use is `approvalReused`. Version 2.
    pub used_grants: Vec<UsedGrant>,
    /// Keyed hash of the host's session id of the last sign-in: a login in the same session
    /// updates that sign-in. Version 3.
    pub last_session: Option<[u8; 8]>,
    /// How that hash was computed ([`TagHash::Sip`] when there is none).
    pub session_hash: TagHash,
    /// Minute since the epoch the state first saw the user privileged (`None`: not privileged
    /// at the last sign-in; 1 for a state of an earlier version, whose history does not say).
    /// Version 3.
    pub privileged_since: Option<u32>,
    /// Factor changes and recoveries that happened, oldest first. Version 3.
    pub changes: Vec<ChangeRecord>,
}

impl History {
    /// Does it hold a device hash computed as before version 4 (HMAC), which only that hash of
    /// the current device can match?
    pub(crate) fn has_hmac_devices(&self) -> bool {
        self.devices.iter().any(|d| d.hash == TagHash::Hmac)
            || self
                .signins
                .iter()
                .any(|s| s.device.is_some() && s.hash == TagHash::Hmac)
    }

    /// Is the last session's hash one computed as before version 4?
    pub(crate) fn has_hmac_session(&self) -> bool {
        self.last_session.is_some() && self.session_hash == TagHash::Hmac
    }
}

/// A factor change or recovery that happened (allowed, or reported after the fact and not
/// denied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChangeRecord {
    /// Seconds since the epoch.
    pub at: u32,
    /// What changed.
    pub action: ChangeAction,
    /// The factor it bound (or removed), when the change names one.
    pub factor: Option<FactorType>,
    /// The change's risk level.
    pub risk: Level,
    /// Who made it.
    pub actor: ActorKind,
    /// Made through a recovery: a `recover`, or a change within a recovery's window.
    pub via_recovery: bool,
}

/// A grant already used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UsedGrant {
    /// The grant's id (the first 8 bytes of its tag).
    pub id: [u8; 8],
    /// When it expires, minutes since the epoch (rounded up).
    pub expires: u32,
}

/// What became of the incoming state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// The engine has no state key: no memory at all.
    Off,
    /// No state came with the request.
    Missing,
    /// A well-signed state from a newer engine version, which this one cannot read.
    Newer(u8),
    /// Ignored: why.
    Tampered(&'static str),
    /// Verified and read.
    Loaded,
}
