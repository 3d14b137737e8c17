//! Memory between calls (SPEC §5). Hooks are stateless, so what the engine must remember about a
//! user travels with its decisions: every decision carries `state`, the host stores it (Auth0
//! `app_metadata`, which users cannot write) and passes it back with the next request.
//!
//! Life of a call: [`load`] verifies the incoming state before anything is scored, the history
//! signals ([`signals`]) read it, and [`attach`] writes the next state into the decision.
//!
//! - **Signed**: HMAC-SHA256 under a key derived from the engine's `stateKey`. A state that fails
//!   verification, is malformed, or belongs to another user is ignored, scored `stateTampered`
//!   and alerted; the next state starts afresh.
//! - **No key, no memory**: an engine compiled without `stateKey` reads no state, writes none and
//!   gives no state reason; the history signals are simply unknown. With a key, a request without
//!   state gives `stateMissing` (0 points by default): unknown, not safe.
//! - **Private**: device ids only as keyed hashes (salted per user), IPs not at all, places only as
//!   country, ASN and a grid cell of about 10 km ([`crate::travel::Cell`]). User ids only as a keyed
//!   hash binding the state to its user.
//! - **Bounded**: at most [`MAX_SIGNINS`] sign-ins, [`MAX_DEVICES`] devices and [`MAX_NETWORKS`]
//!   networks; oldest sign-ins and least recently seen devices and networks go first. The largest
//!   possible state encodes to [`MAX_ENCODED_LEN`] characters, under the 2 KB budget.
//! - **Versioned**: the first byte is the format version; every version this engine has written
//!   still loads. A state from a newer engine is treated as missing, not as tampered.
//! - **What is learned**: only logins are recorded as sign-ins. A sign-in's device, country and
//!   network become *known* when it was accepted: allowed, or calm (own risk below
//!   `risk.riskyAt`) and not denied. A risky sign-in that was only asked to step up teaches
//!   nothing, so an attacker's failed attempts stay new. Factor changes read the history but do
//!   not add to it (the state comes back unchanged).
//!
//! Binary layout, version 1 (big-endian integers), then base64url without padding:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | version (1) |
//! | 8 | user binding: keyed hash of the user id |
//! | 2 × 4 | sign-ins recorded; accepted sign-ins that carried a country, an ASN, a device id |
//! | 4 + 1 | last risky sign-in: minute (0 = none) and risk level |
//! | 3 | counts of sign-ins, devices, networks |
//! | 19 each | sign-in: minute, country, ASN, cell latitude, cell longitude, device hash prefix (4), flags |
//! | 10 each | device: keyed hash (8), last seen day |
//! | 8 each | network: country, ASN, last seen day |
//! | 32 | HMAC-SHA256 of everything before it |
//!
//! Sign-in times are minutes since the epoch, last-seen times days (enough to rank by recency); country `00` and ASN 0 mean unknown; sign-in flags hold
//! the risk level (bits 0–1), the network class (bits 2–3: public, trusted, VPN/cloud), accepted
//! (bit 4) and whether the device prefix is present (bit 5).

use crate::context::{human_duration, Context};
use crate::decision::{Decision, Entry, Outcome, ReasonCode};
use crate::policy::{CompiledPolicy, NetworkKind};
use crate::request::{ActorKind, Level, Request};
use crate::time::Timestamp;
use crate::travel::{self, Cell, End};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Version of the state format this engine writes.
pub const STATE_VERSION: u32 = 1;
/// Sign-ins remembered (oldest dropped first).
pub const MAX_SIGNINS: usize = 8;
/// Devices remembered (least recently seen dropped first).
pub const MAX_DEVICES: usize = 16;
/// Country and ASN pairs remembered (least recently seen dropped first).
pub const MAX_NETWORKS: usize = 16;
/// Budget for an encoded state (SPEC §11).
pub const MAX_STATE_BYTES: usize = 2048;

const VERSION_BYTE: u8 = 1;
const MAC_LEN: usize = 32;
const HEADER_LEN: usize = 1 + 8 + 16;
const SIGNIN_LEN: usize = 19;
const DEVICE_LEN: usize = 10;
const NETWORK_LEN: usize = 8;
const MAX_RAW_LEN: usize = HEADER_LEN
    + MAX_SIGNINS * SIGNIN_LEN
    + MAX_DEVICES * DEVICE_LEN
    + MAX_NETWORKS * NETWORK_LEN
    + MAC_LEN;
/// Longest encoded state this engine can write, in characters.
pub const MAX_ENCODED_LEN: usize = (MAX_RAW_LEN * 4).div_ceil(3);
const _: () = assert!(MAX_ENCODED_LEN <= MAX_STATE_BYTES);
const _: () = assert!(MAX_SIGNINS < 256 && MAX_DEVICES < 256 && MAX_NETWORKS < 256);

type HmacSha256 = Hmac<Sha256>;

/// The engine's state keys, derived once from the host's `stateKey` when the policy is compiled:
/// one for the state's signature, one for the keyed hashes of user and device ids. Each is kept
/// pre-keyed (HMAC's inner and outer pads already hashed), so a call pays only for its message.
#[derive(Clone)]
pub struct StateKey {
    mac: HmacSha256,
    ids: HmacSha256,
}

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(..)")
    }
}

impl StateKey {
    /// Derives the keys from the host's secret (HMAC accepts any length; the engine asks ≥ 16 bytes).
    pub fn new(secret: &[u8]) -> Option<StateKey> {
        let derive = |label: &[u8]| -> Option<HmacSha256> {
            let mut m = HmacSha256::new_from_slice(secret).ok()?;
            m.update(label);
            HmacSha256::new_from_slice(&m.finalize().into_bytes()).ok()
        };
        Some(StateKey {
            mac: derive(b"factorgate/state/mac/v1")?,
            ids: derive(b"factorgate/state/ids/v1")?,
        })
    }

    fn sign(&self, payload: &[u8]) -> [u8; MAC_LEN] {
        let mut m = self.mac.clone();
        m.update(payload);
        m.finalize().into_bytes().into()
    }

    fn verify(&self, payload: &[u8], tag: &[u8]) -> bool {
        let mut m = self.mac.clone();
        m.update(payload);
        m.verify_slice(tag).is_ok()
    }

    fn user_tag(&self, user_id: &str) -> [u8; 8] {
        let mut m = self.ids.clone();
        m.update(b"u");
        m.update(user_id.as_bytes());
        prefix(&m.finalize().into_bytes())
    }

    /// Salted with the user, so the same device on two accounts cannot be linked from their states.
    fn device_tag(&self, user_id: &str, device_id: &str) -> [u8; 8] {
        let mut m = self.ids.clone();
        m.update(b"d");
        m.update(&(user_id.len() as u64).to_be_bytes());
        m.update(user_id.as_bytes());
        m.update(device_id.as_bytes());
        prefix(&m.finalize().into_bytes())
    }
}

fn prefix<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = *b;
    }
    out
}

/// How the current sign-in's network relates to the policy's trusted networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetClass {
    /// Not a trusted network.
    #[default]
    Public,
    /// A trusted network with a place (corporate egress, or no kind given).
    Trusted,
    /// A trusted VPN or cloud network: no physical location, so no place is remembered.
    NoPlace,
}

impl NetClass {
    fn bits(self) -> u8 {
        match self {
            NetClass::Public => 0,
            NetClass::Trusted => 1,
            NetClass::NoPlace => 2,
        }
    }

    fn from_bits(b: u8) -> Option<NetClass> {
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
pub struct SignIn {
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
    /// The sign-in's own risk (without `recentRiskySignin`, so risk does not feed on itself).
    pub risk: Level,
    /// Its network.
    pub network: NetClass,
    /// Allowed, or calm and not denied: its place and device became known.
    pub accepted: bool,
}

/// A device the user signed in from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDevice {
    /// Keyed hash of the device id.
    pub tag: [u8; 8],
    /// Day it was last seen (days since the epoch).
    pub last_seen: u16,
}

/// A country and network provider the user signed in from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownNetwork {
    /// Country, when known.
    pub country: Option<[u8; 2]>,
    /// ASN, when known.
    pub asn: Option<u32>,
    /// Day it was last seen (days since the epoch).
    pub last_seen: u16,
}

/// What the state remembers about one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
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
}

/// What became of the incoming state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
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

/// The current request as the state sees it: hashed and rounded, never raw.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Current {
    user: [u8; 8],
    device: Option<[u8; 8]>,
    country: Option<[u8; 2]>,
    asn: Option<u32>,
    position: Option<(f64, f64)>,
    network: NetClass,
}

/// The verified history and the current request, read once before scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    /// What became of the incoming state.
    pub status: Status,
    /// The history (empty unless `Loaded`).
    pub history: History,
    current: Current,
}

impl Memory {
    /// No memory: an engine without a state key, and unit tests that need none.
    pub fn off() -> Memory {
        Memory {
            status: Status::Off,
            history: History::default(),
            current: Current::default(),
        }
    }
}

/// Verifies and reads the request's state, before any signal is scored.
pub fn load(key: Option<&StateKey>, policy: &CompiledPolicy, req: &Request) -> Memory {
    let Some(key) = key else {
        return Memory::off();
    };
    let current = current(key, policy, req);
    let incoming = req.state.as_ref().map(|s| s.as_str().trim());
    let (status, history) = match incoming {
        None | Some("") => (Status::Missing, History::default()),
        Some(s) => match read(key, &current.user, s) {
            Ok(h) => (Status::Loaded, h),
            Err(status) => (status, History::default()),
        },
    };
    Memory {
        status,
        history,
        current,
    }
}

fn current(key: &StateKey, policy: &CompiledPolicy, req: &Request) -> Current {
    let user_id = req.user.id.as_str();
    let s = &req.session;
    let geo = s.geo.as_ref();
    let asn = geo.and_then(|g| g.asn).filter(|a| *a != 0);
    let network = match policy.trusted_network(s.ip.map(|i| i.0), asn) {
        None => NetClass::Public,
        Some(n) => match n.kind {
            Some(NetworkKind::Vpn | NetworkKind::Cloud) => NetClass::NoPlace,
            Some(NetworkKind::Corporate) | None => NetClass::Trusted,
        },
    };
    Current {
        user: key.user_tag(user_id),
        device: s
            .device
            .as_ref()
            .and_then(|d| d.id.as_ref())
            .filter(|d| !d.as_str().is_empty())
            .map(|d| key.device_tag(user_id, d.as_str())),
        country: geo
            .and_then(|g| g.country.as_ref())
            .and_then(|c| country(c.as_str())),
        asn,
        position: geo.and_then(|g| Some((g.lat?, g.lon?))),
        network,
    }
}

fn country(s: &str) -> Option<[u8; 2]> {
    match s.as_bytes() {
        [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some([*a, *b]),
        _ => None,
    }
}

fn country_str(c: [u8; 2]) -> String {
    c.iter().map(|b| char::from(*b)).collect()
}

/// Decodes and verifies a state string for the user whose tag is `user`.
fn read(key: &StateKey, user: &[u8; 8], s: &str) -> Result<History, Status> {
    let raw = b64::decode(s).ok_or(Status::Tampered(
        "it is not a factorgate state (not base64url)",
    ))?;
    let split = raw.len().checked_sub(MAC_LEN).filter(|n| *n > 0);
    let (payload, tag) = split
        .and_then(|n| raw.split_at_checked(n))
        .ok_or(Status::Tampered("it is too short to be a factorgate state"))?;
    if !key.verify(payload, tag) {
        return Err(Status::Tampered(
            "its signature does not verify (altered, or signed with another key)",
        ));
    }
    let (&version, body) = payload
        .split_first()
        .ok_or(Status::Tampered("it is empty"))?;
    match version {
        VERSION_BYTE => decode_v1(user, body),
        v if v > VERSION_BYTE => Err(Status::Newer(v)),
        _ => Err(Status::Tampered("its version is unknown")),
    }
}

/// Bytes read front to back, a whole field or record at a time; every read is checked.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
}

fn country_from(c: [u8; 2]) -> Option<Option<[u8; 2]>> {
    match c {
        [0, 0] => Some(None),
        [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Some(c)),
        _ => None,
    }
}

fn asn_from(b: [u8; 4]) -> Option<u32> {
    Some(u32::from_be_bytes(b)).filter(|a| *a != 0)
}

fn decode_v1(user: &[u8; 8], body: &[u8]) -> Result<History, Status> {
    let mut r = Reader(body);
    let bound = r.take::<8>().ok_or(Status::Tampered("it is truncated"))?;
    if &bound != user {
        return Err(Status::Tampered("it belongs to another user"));
    }
    body_v1(&mut r)
        .filter(|_| r.0.is_empty())
        .ok_or(Status::Tampered("it is malformed"))
}

fn level_from_bits(b: u8) -> Option<Level> {
    Some(match b {
        0 => Level::Low,
        1 => Level::Medium,
        2 => Level::High,
        3 => Level::Critical,
        _ => return None,
    })
}

fn level_bits(l: Level) -> u8 {
    match l {
        Level::Low => 0,
        Level::Medium => 1,
        Level::High => 2,
        Level::Critical => 3,
    }
}

fn body_v1(r: &mut Reader) -> Option<History> {
    let [l0, l1, c0, c1, a0, a1, d0, d1, t0, t1, t2, t3, level, ns, nd, nn] = r.take::<16>()?;
    let risky_at = u32::from_be_bytes([t0, t1, t2, t3]);
    let risky_level = level_from_bits(level)?;
    let (n_signins, n_devices, n_networks) = (usize::from(ns), usize::from(nd), usize::from(nn));
    if n_signins > MAX_SIGNINS || n_devices > MAX_DEVICES || n_networks > MAX_NETWORKS {
        return None;
    }
    let mut signins = Vec::with_capacity(n_signins + 1);
    for _ in 0..n_signins {
        let [t0, t1, t2, t3, c0, c1, a0, a1, a2, a3, y0, y1, x0, x1, d0, d1, d2, d3, flags] =
            r.take::<SIGNIN_LEN>()?;
        if flags & 0b1100_0000 != 0 {
            return None;
        }
        let (lat, lon) = (i16::from_be_bytes([y0, y1]), u16::from_be_bytes([x0, x1]));
        let cell = if lat == i16::MIN && lon == 0 {
            None
        } else {
            let cell = Cell { lat, lon };
            if !cell.is_valid() {
                return None;
            }
            Some(cell)
        };
        signins.push(SignIn {
            at: u32::from_be_bytes([t0, t1, t2, t3]),
            country: country_from([c0, c1])?,
            asn: asn_from([a0, a1, a2, a3]),
            cell,
            device: (flags & 0b10_0000 != 0).then_some([d0, d1, d2, d3]),
            risk: level_from_bits(flags & 0b11)?,
            network: NetClass::from_bits((flags >> 2) & 0b11)?,
            accepted: flags & 0b1_0000 != 0,
        });
    }
    let mut devices = Vec::with_capacity(n_devices + 1);
    for _ in 0..n_devices {
        let [h0, h1, h2, h3, h4, h5, h6, h7, s0, s1] = r.take::<DEVICE_LEN>()?;
        devices.push(KnownDevice {
            tag: [h0, h1, h2, h3, h4, h5, h6, h7],
            last_seen: u16::from_be_bytes([s0, s1]),
        });
    }
    let mut networks = Vec::with_capacity(n_networks + 1);
    for _ in 0..n_networks {
        let [c0, c1, a0, a1, a2, a3, s0, s1] = r.take::<NETWORK_LEN>()?;
        networks.push(KnownNetwork {
            country: country_from([c0, c1])?,
            asn: asn_from([a0, a1, a2, a3]),
            last_seen: u16::from_be_bytes([s0, s1]),
        });
    }
    Some(History {
        logins: u16::from_be_bytes([l0, l1]),
        country_logins: u16::from_be_bytes([c0, c1]),
        asn_logins: u16::from_be_bytes([a0, a1]),
        device_logins: u16::from_be_bytes([d0, d1]),
        last_risky: (risky_at != 0).then_some((risky_at, risky_level)),
        signins,
        devices,
        networks,
    })
}

/// Encodes and signs a history for the user whose tag is `user`.
fn write(key: &StateKey, user: &[u8; 8], h: &History) -> String {
    // The lists are kept within their caps by `record`; `take` makes the bound hold regardless.
    let signins = h
        .signins
        .get(h.signins.len().saturating_sub(MAX_SIGNINS)..)
        .unwrap_or(&[]);
    let devices = h.devices.get(..MAX_DEVICES).unwrap_or(&h.devices);
    let networks = h.networks.get(..MAX_NETWORKS).unwrap_or(&h.networks);
    let mut out = Vec::with_capacity(MAX_RAW_LEN);
    out.push(VERSION_BYTE);
    out.extend_from_slice(user);
    let [l0, l1] = h.logins.to_be_bytes();
    let [c0, c1] = h.country_logins.to_be_bytes();
    let [a0, a1] = h.asn_logins.to_be_bytes();
    let [d0, d1] = h.device_logins.to_be_bytes();
    let (risky_at, risky_level) = h.last_risky.unwrap_or((0, Level::Low));
    let [t0, t1, t2, t3] = risky_at.to_be_bytes();
    let count = |n: usize| u8::try_from(n).unwrap_or(u8::MAX);
    out.extend_from_slice(&[
        l0,
        l1,
        c0,
        c1,
        a0,
        a1,
        d0,
        d1,
        t0,
        t1,
        t2,
        t3,
        level_bits(risky_level),
        count(signins.len()),
        count(devices.len()),
        count(networks.len()),
    ]);
    for s in signins {
        let [t0, t1, t2, t3] = s.at.to_be_bytes();
        let [c0, c1] = s.country.unwrap_or([0, 0]);
        let [a0, a1, a2, a3] = s.asn.unwrap_or(0).to_be_bytes();
        let (lat, lon) = s.cell.map_or((i16::MIN, 0), |c| (c.lat, c.lon));
        let [y0, y1] = lat.to_be_bytes();
        let [x0, x1] = lon.to_be_bytes();
        let [e0, e1, e2, e3] = s.device.unwrap_or([0; 4]);
        let flags = level_bits(s.risk)
            | s.network.bits() << 2
            | u8::from(s.accepted) << 4
            | u8::from(s.device.is_some()) << 5;
        out.extend_from_slice(&[
            t0, t1, t2, t3, c0, c1, a0, a1, a2, a3, y0, y1, x0, x1, e0, e1, e2, e3, flags,
        ]);
    }
    for d in devices {
        let [h0, h1, h2, h3, h4, h5, h6, h7] = d.tag;
        let [s0, s1] = d.last_seen.to_be_bytes();
        out.extend_from_slice(&[h0, h1, h2, h3, h4, h5, h6, h7, s0, s1]);
    }
    for n in networks {
        let [c0, c1] = n.country.unwrap_or([0, 0]);
        let [a0, a1, a2, a3] = n.asn.unwrap_or(0).to_be_bytes();
        let [s0, s1] = n.last_seen.to_be_bytes();
        out.extend_from_slice(&[c0, c1, a0, a1, a2, a3, s0, s1]);
    }
    let tag = key.sign(&out);
    out.extend_from_slice(&tag);
    b64::encode(&out)
}

/// Minutes since the epoch, as stored (0 and earlier clamp to 1 so that 0 can mean "none").
fn minutes(t: Timestamp) -> u32 {
    u32::try_from(t.0.div_euclid(60).clamp(1, i64::from(u32::MAX))).unwrap_or(u32::MAX)
}

/// Days since the epoch, as stored for last-seen times (saturating in 2149).
fn days(t: Timestamp) -> u16 {
    u16::try_from(t.0.div_euclid(86_400).clamp(0, i64::from(u16::MAX))).unwrap_or(u16::MAX)
}

/// History signals (SPEC §4.3), added before the host's own detections so that the engine's
/// sentences, which say where and when, are the ones kept: `stateMissing`, `stateTampered`,
/// `impossibleTravel`, `newCountry`, `newAsn`, `newDevice`, `recentRiskySignin`.
///
/// Place and device signals compare the session with the user's own history, so they are not
/// computed for a change a help desk, MSP, admin or automation makes on its own session.
pub fn signals(ctx: &mut Context) {
    let memory: &Memory = ctx.memory;
    match memory.status {
        Status::Off => return,
        Status::Missing => {
            ctx.add(
                ReasonCode::StateMissing,
                "No state from an earlier decision came with the request: the user's history is unknown (a first sign-in, or the host did not pass the state back).",
            );
            return;
        }
        Status::Newer(v) => {
            ctx.add(
                ReasonCode::StateMissing,
                format!("The state was written by a newer engine (format {v}): the user's history is unknown to this one."),
            );
            return;
        }
        Status::Tampered(why) => {
            ctx.add(
                ReasonCode::StateTampered,
                format!("The state was ignored because {why}: the user's history is unknown and the next state starts afresh."),
            );
            return;
        }
        Status::Loaded => {}
    }
    let delegated = ctx
        .req
        .change
        .as_ref()
        .is_some_and(|c| c.actor.kind != ActorKind::SelfService);
    if !delegated {
        impossible_travel(ctx, memory);
        novelty(ctx, memory);
    }
    recent_risky(ctx, &memory.history);
}

/// `impossibleTravel`: from the last accepted sign-in with a physical place to this one.
fn impossible_travel(ctx: &mut Context, memory: &Memory) {
    let cur = &memory.current;
    let Some(position) = cur.position else {
        return;
    };
    if cur.network == NetClass::NoPlace {
        return;
    }
    let Some((prev, cell)) = memory
        .history
        .signins
        .iter()
        .rev()
        .filter(|s| s.accepted)
        .find_map(|s| Some((s, s.cell?)))
    else {
        return;
    };
    let from = End {
        at: i64::from(prev.at) * 60,
        position: cell.center(),
        country: prev.country,
        trusted: prev.network != NetClass::Public,
    };
    let to = End {
        at: ctx.now.0,
        position,
        country: cur.country,
        trusted: cur.network != NetClass::Public,
    };
    let rule = &ctx.policy.policy.signals.impossible_travel;
    if let Some(trip) = travel::judge(rule, &from, &to) {
        let place = |c: Option<[u8; 2]>| c.map_or_else(|| "an unknown country".into(), country_str);
        let detail = format!(
            "{} → {}: {} km in {} since the last sign-in ({} km/h; the policy's limit is {} km/h).",
            place(prev.country),
            place(cur.country),
            whole(trip.km),
            human_duration(trip.seconds),
            whole(trip.kmh),
            whole(rule.speed_kmh)
        );
        ctx.add(ReasonCode::ImpossibleTravel, detail);
    }
}

/// A distance or speed rounded to a whole number, for sentences.
fn whole(x: f64) -> i64 {
    x.round() as i64
}

/// `newCountry`, `newAsn`, `newDevice`: after the learning period, a country, network provider
/// or device the user has not signed in from. Before it (or when the session does not say), unknown.
fn novelty(ctx: &mut Context, memory: &Memory) {
    let h = &memory.history;
    let cur = &memory.current;
    let learned = |n: u16| u32::from(n) >= ctx.policy.policy.signals.learning_logins;
    if let Some(c) = cur.country.filter(|_| learned(h.country_logins)) {
        if !h.networks.iter().any(|n| n.country == Some(c)) {
            ctx.add(
                ReasonCode::NewCountry,
                format!(
                    "First sign-in from {} among the {} this account remembers.",
                    country_str(c),
                    plural(h.networks.len(), "known network")
                ),
            );
        }
    }
    if let Some(a) = cur.asn.filter(|_| learned(h.asn_logins)) {
        if !h.networks.iter().any(|n| n.asn == Some(a)) {
            ctx.add(
                ReasonCode::NewAsn,
                format!("First sign-in from network provider AS{a}."),
            );
        }
    }
    if let Some(d) = cur.device.filter(|_| learned(h.device_logins)) {
        if !h.devices.iter().any(|k| k.tag == d) {
            ctx.add(
                ReasonCode::NewDevice,
                format!(
                    "A device this account has not signed in from (it remembers {}).",
                    plural(h.devices.len(), "device")
                ),
            );
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `recentRiskySignin`: a sign-in whose own risk reached `risk.riskyAt` within the window makes
/// any factor change or step-up that follows riskier.
fn recent_risky(ctx: &mut Context, h: &History) {
    let Some((at, level)) = h.last_risky else {
        return;
    };
    let age = ctx.now.0.saturating_sub(i64::from(at) * 60);
    let window = ctx.policy.policy.signals.recent_risky_signin_s;
    if age >= 0 && age.unsigned_abs() <= window {
        ctx.add(
            ReasonCode::RecentRiskySignin,
            format!(
                "A {}-risk sign-in {} ago.",
                level.as_str(),
                human_duration(age)
            ),
        );
    }
}

/// The persistence pattern (SPEC §1.2): a factor change the user makes from a device, country or
/// network the account has not used, or after impossible travel, soon after a risky sign-in.
/// Says so in the `recentRiskySignin` reason and returns true; the caller needs at least approval.
pub fn persistence(ctx: &mut Context) -> bool {
    let self_service = ctx
        .req
        .change
        .as_ref()
        .is_some_and(|c| c.actor.kind == ActorKind::SelfService);
    let unfamiliar = [
        ReasonCode::NewDevice,
        ReasonCode::NewCountry,
        ReasonCode::NewAsn,
        ReasonCode::ImpossibleTravel,
    ]
    .into_iter()
    .any(|c| ctx.has(c));
    if !(self_service && unfamiliar && ctx.has(ReasonCode::RecentRiskySignin)) {
        return false;
    }
    if let Some(r) = ctx
        .reasons
        .iter_mut()
        .find(|r| r.code == ReasonCode::RecentRiskySignin)
    {
        r.detail.push_str(
            " This change comes from a device or place the account has not used since: how a stolen session keeps access (MFA persistence, ATT&CK T1556.006).",
        );
    }
    true
}

/// Writes the next state into a decision (SPEC §5): nothing without a key; for a login, the
/// history with this sign-in recorded; for a factor change, the history unchanged. A tampered
/// or missing state is replaced by a fresh one; a newer engine's state is handed back as it came.
pub fn attach(
    key: Option<&StateKey>,
    policy: &CompiledPolicy,
    req: &Request,
    now: Timestamp,
    memory: Memory,
    mut decision: Decision,
) -> Decision {
    let Some(key) = key else {
        return decision;
    };
    let Memory {
        status,
        mut history,
        current,
    } = memory;
    let loaded = status == Status::Loaded;
    let incoming = req.state.as_ref().map(|s| s.as_str().trim().to_string());
    decision.state = Some(match (decision.entry, incoming) {
        // A newer engine's state is authentic but unreadable here (a rollback): hand it back
        // as it came rather than overwrite the history it holds.
        (_, Some(s)) if matches!(status, Status::Newer(_)) => s,
        (entry, _) => match entry {
            Entry::FactorChange if loaded => match req.state.as_ref() {
                // Verified and already in the current format: hand it back as it came.
                Some(s) => s.as_str().trim().to_string(),
                None => write(key, &current.user, &history),
            },
            Entry::FactorChange => write(key, &current.user, &History::default()),
            Entry::Login => {
                if !loaded {
                    history = History::default();
                }
                record(policy, &mut history, &current, now, &decision);
                write(key, &current.user, &history)
            }
        },
    });
    decision
}

/// The sign-in's own risk: the decision's reasons without `recentRiskySignin`, which would
/// otherwise keep every sign-in after a risky one risky for as long as the user signs in.
fn own_risk(policy: &CompiledPolicy, d: &Decision) -> Level {
    let total: i32 = d
        .reasons
        .iter()
        .filter(|r| r.code != ReasonCode::RecentRiskySignin)
        .map(|r| r.points)
        .sum();
    let score = u8::try_from(total.clamp(0, 100)).unwrap_or(100);
    crate::risk::level_for(score, &policy.policy.risk.levels)
}

/// Records a login in the history, keeping every list within its cap.
fn record(policy: &CompiledPolicy, h: &mut History, cur: &Current, now: Timestamp, d: &Decision) {
    let at = minutes(now);
    let day = days(now);
    let risk = own_risk(policy, d);
    let risky_at = policy.policy.risk.risky_at;
    let accepted = d.outcome == Outcome::Allow || (d.outcome != Outcome::Deny && risk < risky_at);
    let cell = match cur.network {
        NetClass::NoPlace => None,
        _ => cur
            .position
            .and_then(|(lat, lon)| Cell::from_degrees(lat, lon)),
    };
    h.signins.push(SignIn {
        at,
        country: cur.country,
        asn: cur.asn,
        cell,
        device: cur.device.map(|d| prefix(&d)),
        risk,
        network: cur.network,
        accepted,
    });
    if h.signins.len() > MAX_SIGNINS {
        let excess = h.signins.len() - MAX_SIGNINS;
        h.signins.drain(..excess);
    }
    h.logins = h.logins.saturating_add(1);
    if risk >= risky_at && !matches!(h.last_risky, Some((t, _)) if t > at) {
        h.last_risky = Some((at, risk));
    }
    if !accepted {
        return;
    }
    if cur.country.is_some() {
        h.country_logins = h.country_logins.saturating_add(1);
    }
    if cur.asn.is_some() {
        h.asn_logins = h.asn_logins.saturating_add(1);
    }
    if cur.country.is_some() || cur.asn.is_some() {
        let same = |n: &KnownNetwork| n.country == cur.country && n.asn == cur.asn;
        match h.networks.iter_mut().find(|n| same(n)) {
            Some(n) => n.last_seen = n.last_seen.max(day),
            None => h.networks.push(KnownNetwork {
                country: cur.country,
                asn: cur.asn,
                last_seen: day,
            }),
        }
        evict(&mut h.networks, MAX_NETWORKS, |n| u32::from(n.last_seen));
    }
    if let Some(tag) = cur.device {
        h.device_logins = h.device_logins.saturating_add(1);
        match h.devices.iter_mut().find(|k| k.tag == tag) {
            Some(k) => k.last_seen = k.last_seen.max(day),
            None => h.devices.push(KnownDevice {
                tag,
                last_seen: day,
            }),
        }
        evict(&mut h.devices, MAX_DEVICES, |k| u32::from(k.last_seen));
    }
}

/// Drops the least recently seen entries (the earliest listed among equals) beyond `cap`.
fn evict<T>(list: &mut Vec<T>, cap: usize, seen: impl Fn(&T) -> u32) {
    while list.len() > cap {
        let oldest = list
            .iter()
            .enumerate()
            .min_by_key(|(i, x)| (seen(x), *i))
            .map(|(i, _)| i);
        match oldest {
            Some(i) => {
                list.remove(i);
            }
            None => return,
        }
    }
}

/// base64url without padding (RFC 4648 §5), strict: a string that is not the canonical encoding
/// of some bytes does not decode, so that every change to a state's text is a change to its bytes.
mod b64 {
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
    pub fn encode(bytes: &[u8]) -> String {
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
    pub fn decode(s: &str) -> Option<Vec<u8>> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StateKey {
        StateKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    fn full_history() -> History {
        let mut h = History {
            logins: 500,
            country_logins: 400,
            asn_logins: 399,
            device_logins: 398,
            last_risky: Some((29_000_000, Level::High)),
            ..History::default()
        };
        for i in 0..MAX_SIGNINS as u32 {
            h.signins.push(SignIn {
                at: 29_000_000 + i,
                country: Some(*b"NO"),
                asn: Some(2119 + i),
                cell: Cell::from_degrees(59.91, 10.75 + f64::from(i)),
                device: Some([i as u8; 4]),
                risk: Level::Medium,
                network: NetClass::Trusted,
                accepted: i % 2 == 0,
            });
        }
        for i in 0..MAX_DEVICES as u32 {
            h.devices.push(KnownDevice {
                tag: [i as u8 + 1; 8],
                last_seen: 20_000 + i as u16,
            });
        }
        for i in 0..MAX_NETWORKS as u32 {
            h.networks.push(KnownNetwork {
                country: (i % 3 != 0).then_some(*b"SE"),
                asn: (i % 3 != 1).then_some(64_512 + i),
                last_seen: 20_000 + i as u16,
            });
        }
        h
    }

    #[test]
    fn full_state_round_trips_within_budget() {
        let k = key();
        let user = k.user_tag("auth0|alice");
        let h = full_history();
        let s = write(&k, &user, &h);
        assert_eq!(s.len(), MAX_ENCODED_LEN);
        assert!(s.len() <= MAX_STATE_BYTES);
        assert_eq!(read(&k, &user, &s), Ok(h));
        let empty = write(&k, &user, &History::default());
        assert_eq!(read(&k, &user, &empty), Ok(History::default()));
    }

    #[test]
    fn every_single_character_change_is_detected() {
        let k = key();
        let user = k.user_tag("auth0|alice");
        for h in [full_history(), History::default()] {
            let s = write(&k, &user, &h);
            for (i, original) in s.char_indices() {
                for replacement in ['A', 'B', '_', '-', '0', 'z', '=', '.', 'é'] {
                    if replacement == original {
                        continue;
                    }
                    let mut changed = String::with_capacity(s.len() + 1);
                    changed.push_str(s.get(..i).unwrap());
                    changed.push(replacement);
                    changed.push_str(s.get(i + 1..).unwrap());
                    assert!(
                        matches!(read(&k, &user, &changed), Err(Status::Tampered(_))),
                        "change at {i} to {replacement:?} went unnoticed"
                    );
                }
            }
            // Truncated or extended text is detected too.
            assert!(read(&k, &user, s.get(..s.len() - 1).unwrap()).is_err());
            assert!(read(&k, &user, &format!("{s}A")).is_err());
        }
    }

    #[test]
    fn another_user_another_key_and_garbage_are_tampered() {
        let k = key();
        let alice = k.user_tag("auth0|alice");
        let s = write(&k, &alice, &full_history());
        let mallory = k.user_tag("auth0|mallory");
        assert_eq!(
            read(&k, &mallory, &s),
            Err(Status::Tampered("it belongs to another user"))
        );
        let other = StateKey::new(b"another key of sixteen bytes").unwrap();
        assert!(matches!(
            read(&other, &other.user_tag("auth0|alice"), &s),
            Err(Status::Tampered(m)) if m.contains("signature")
        ));
        for junk in ["x", "AAAA", "not base64!", "eyJhbGciOiJub25lIn0"] {
            assert!(
                matches!(read(&k, &alice, junk), Err(Status::Tampered(_))),
                "{junk}"
            );
        }
    }

    #[test]
    fn a_state_from_a_newer_engine_is_unknown_not_tampered() {
        let k = key();
        let user = k.user_tag("u");
        let mut raw = vec![VERSION_BYTE + 1];
        raw.extend_from_slice(&user);
        raw.extend_from_slice(b"future fields");
        let tag = k.sign(&raw);
        raw.extend_from_slice(&tag);
        assert_eq!(read(&k, &user, &b64::encode(&raw)), Err(Status::Newer(2)));
    }

    #[test]
    fn a_newer_state_is_unknown_and_handed_back_as_it_came() {
        let k = key();
        let user = k.user_tag("auth0|alice");
        let mut raw = vec![VERSION_BYTE + 1];
        raw.extend_from_slice(&user);
        let tag = k.sign(&raw);
        raw.extend_from_slice(&tag);
        let newer = b64::encode(&raw);
        let engine = crate::api::Engine::with_default_policy(crate::api::EngineOptions {
            state_key: Some("0123456789abcdef-test-key".into()),
        })
        .unwrap();
        let req: Request = crate::decode::from_str(
            &serde_json::json!({"user": {"id": "auth0|alice"}, "state": newer}).to_string(),
        )
        .unwrap();
        for d in [
            engine.decide_login(&req, Timestamp(1_795_428_000)),
            engine
                .assess_factor_change(
                    &crate::decode::from_str(
                        &serde_json::json!({
                            "user": {"id": "auth0|alice"}, "state": newer,
                            "change": {"action": "recoveryChange"}
                        })
                        .to_string(),
                    )
                    .unwrap(),
                    Timestamp(1_795_428_000),
                )
                .unwrap(),
        ] {
            assert!(d.reasons.iter().any(|r| r.code == ReasonCode::StateMissing));
            assert_eq!(d.state.as_deref(), Some(newer.as_str()));
        }
    }

    /// A version-1 state written by this engine (key `0123456789abcdef-test-key`, user
    /// `auth0|alice`: two calm sign-ins from Oslo on one device, then a high-risk one a day
    /// later): every later engine must still load it as it was written.
    const GOLDEN_V1: &str = "AU_6zvSpl5INAAMAAgACAAIByKUYAgMBAQHImdhOTwAACEcCVwO8d0l6TjAByJ94Tk8AAAhHAlcDvHdJek4wAcilGE5PAAAIRwJXA7x3SXpOIndJek7P1ntfUS1OTwAACEdRLQBvHWYsTwHmj4Dd9RiE0fqEpq6eIWL-h2zQ6dtktybI";

    #[test]
    fn golden_version_1_state_still_loads() {
        let k = key();
        let h = read(&k, &k.user_tag("auth0|alice"), GOLDEN_V1).unwrap();
        assert_eq!(h.logins, 3);
        assert_eq!(h.country_logins, 2, "the risky sign-in taught nothing");
        assert_eq!(h.device_logins, 2);
        assert_eq!(h.signins.len(), 3);
        assert_eq!(h.devices.len(), 1);
        assert_eq!(h.networks.len(), 1);
        assert_eq!(h.networks[0].country, Some(*b"NO"));
        assert_eq!(h.networks[0].asn, Some(2119));
        assert_eq!(h.last_risky.map(|(_, l)| l), Some(Level::High));
        assert!(h.signins.iter().all(|s| s.cell.is_some()));
        assert_eq!(
            h.signins.iter().map(|s| s.accepted).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(h.signins[2].risk, Level::High);
        assert_eq!(h.last_risky, Some((h.signins[2].at, Level::High)));
    }

    #[test]
    fn eviction_drops_the_least_recently_seen_first() {
        let mut list = vec![(5, 'a'), (1, 'b'), (7, 'c'), (1, 'd')];
        evict(&mut list, 2, |x| x.0);
        assert_eq!(list, vec![(5, 'a'), (7, 'c')]);
        evict(&mut list, 5, |x| x.0);
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn minutes_are_never_zero() {
        assert_eq!(minutes(Timestamp(0)), 1);
        assert_eq!(minutes(Timestamp(-5_000)), 1);
        assert_eq!(minutes(Timestamp(1_795_428_000)), 29_923_800);
        assert_eq!(minutes(Timestamp(i64::MAX)), u32::MAX);
    }
}
