//! The binary form of a [`History`], signed and in base64url: the only code that reads or writes
//! a state's bytes.
//!
//! Binary layout, version 4 (big-endian integers), then base64url without padding:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | version (4; versions 1 to 3 still load, below) |
//! | 8 | user binding: SipHash-2-4 tag of the user id |
//! | 2 × 4 | sign-ins recorded; accepted sign-ins that carried a country, an ASN, a device id |
//! | 4 + 1 | last risky sign-in: minute (0 = none) and risk level |
//! | 3 | counts of sign-ins, devices, networks |
//! | 19 each | sign-in: minute, country, ASN, cell latitude, cell longitude, device tag prefix (4), flags |
//! | 10 each | device: tag (8), last seen day |
//! | 8 each | network: country, ASN, last seen day |
//! | 1 | fields present: bit 0 last recovery, 1 used grants, 2 last session, 3 privileged time, 4 factor changes, 5 the last session's tag is HMAC, 6 some device tags are HMAC |
//! | 4 | bit 0: last recovery allowed, minute |
//! | 1 + 12 each | bit 1: count of used grants (≥ 1); used grant: id (8), expiry minute (4) |
//! | 8 | bit 2: tag of the last sign-in's session id |
//! | 4 | bit 3: first seen privileged, minute |
//! | 1 + 7 each | bit 4: count of factor changes (≥ 1); factor change: second (4), action, factor type (0 = none, else 1 + its index), flags (risk level, actor kind, via recovery) |
//! | 2 | bit 6: which device tags are HMAC (bit *i*: the *i*-th device) |
//! | 32 | HMAC-SHA256 of everything before it |
//!
//! Tags are SipHash-2-4 unless marked HMAC: a tag kept from a state of version 1 to 3, whose tags
//! were HMAC-SHA256 (truncated), until its device or session is seen again and tagged anew. A
//! field that is not set is not written, so the signature hashes fewer bytes.
//!
//! Versions 1 to 3 have the same fields up to the networks, then (version 2) the last recovery (4,
//! 0 = none), the count of used grants and the grants, then (version 3) the session's tag (8, 0 =
//! none), the privileged time (4, 0 = none), the count of changes and the changes: every field
//! whether set or not, and every tag HMAC.
//!
//! Sign-in times are minutes since the epoch, last-seen times days (enough to rank by recency);
//! country `00` and ASN 0 mean unknown; sign-in flags hold the risk level (bits 0–1), the network
//! class (bits 2–3: public, trusted, VPN/cloud), accepted (bit 4), whether the device prefix is
//! present (bit 5) and, from version 4, whether it is HMAC (bit 6). Change flags hold the risk
//! level (bits 0–1), the actor kind's index (bits 2–4) and whether it came through a recovery
//! (bit 5); actions and factor types are their indices in declaration order.

use super::base64 as b64;
use super::history::{
    ChangeRecord, History, KnownDevice, KnownNetwork, NetClass, SignIn, Status, UsedGrant,
    MAX_CHANGES, MAX_DEVICES, MAX_NETWORKS, MAX_SIGNINS, MAX_STATE_BYTES, MAX_USED_GRANTS,
};
use super::key::{Keys, StateKey, TagHash, MAC_LEN};
use crate::enums::Level;
use crate::geo::Cell;
use crate::json::Named;

/// The format version this engine writes (the first byte of every state).
pub(super) const VERSION_BYTE: u8 = 4;
/// The first format, still read: no recovery, no used grants.
const VERSION_1: u8 = 1;
/// The second, still read: no session, no privileged time, no factor changes.
const VERSION_2: u8 = 2;
/// The third, still read: every field written, HMAC tags.
const VERSION_3: u8 = 3;
/// Version, user binding, counters, last risky sign-in, list counts.
pub(super) const HEADER_LEN: usize = 1 + 8 + 16;
/// One sign-in record.
pub(super) const SIGNIN_LEN: usize = 19;
/// One device record.
pub(super) const DEVICE_LEN: usize = 10;
/// One network record.
pub(super) const NETWORK_LEN: usize = 8;
/// One used-grant record.
pub(super) const GRANT_LEN: usize = 12;
/// Version 2's tail: the last recovery and the count of used grants.
const TAIL_LEN: usize = 4 + 1;
/// Version 3's tail: the session, the privileged time and the count of changes.
const TAIL_V3_LEN: usize = 8 + 4 + 1;
/// What version 4 adds: the fields-present byte and the HMAC devices.
const TAIL_V4_LEN: usize = 1 + 2;
/// One factor-change record.
pub(super) const CHANGE_LEN: usize = 7;

/// Longest state this engine can write, in bytes before base64.
const MAX_RAW_LEN: usize = HEADER_LEN
    + MAX_SIGNINS * SIGNIN_LEN
    + MAX_DEVICES * DEVICE_LEN
    + MAX_NETWORKS * NETWORK_LEN
    + TAIL_LEN
    + MAX_USED_GRANTS * GRANT_LEN
    + TAIL_V3_LEN
    + MAX_CHANGES * CHANGE_LEN
    + TAIL_V4_LEN
    + MAC_LEN;
/// Longest encoded state this engine can write, in characters.
pub const MAX_ENCODED_LEN: usize = (MAX_RAW_LEN * 4).div_ceil(3);
const _: () = assert!(MAX_ENCODED_LEN <= MAX_STATE_BYTES);
const _: () = assert!(
    MAX_SIGNINS < 256
        && MAX_DEVICES < 256
        && MAX_NETWORKS < 256
        && MAX_USED_GRANTS < 256
        && MAX_CHANGES < 256
        && MAX_DEVICES <= 16
);

/// Version 4's fields-present bits.
const HAS_RECOVERY: u8 = 1;
const HAS_GRANTS: u8 = 1 << 1;
const HAS_SESSION: u8 = 1 << 2;
const HAS_PRIVILEGED: u8 = 1 << 3;
const HAS_CHANGES: u8 = 1 << 4;
const HMAC_SESSION: u8 = 1 << 5;
const HMAC_DEVICES: u8 = 1 << 6;
/// A sign-in's flag: its device prefix is HMAC (version 4).
const HMAC_SIGNIN: u8 = 1 << 6;

/// Reads a state under whichever of the engine's keys signed it (the current one first), for the
/// user `user_id`: the history, and whether the current key signed it. A state no key verifies is
/// tampered as any other.
pub(super) fn read_any(keys: &Keys, user_id: &str, s: &str) -> Result<(History, bool), Status> {
    for (i, key) in keys.all().enumerate() {
        match read(key, user_id, s) {
            Err(Status::Tampered(SIGNATURE)) => {}
            other => return other.map(|h| (h, i == 0)),
        }
    }
    Err(Status::Tampered(SIGNATURE))
}

const SIGNATURE: &str = "its signature does not verify (altered, or signed with another key)";

/// Decodes and verifies a state string for the user `user_id`.
pub(super) fn read(key: &StateKey, user_id: &str, s: &str) -> Result<History, Status> {
    let raw = b64::decode(s).ok_or(Status::Tampered(
        "it is not a factorgate state (not base64url)",
    ))?;
    let split = raw.len().checked_sub(MAC_LEN).filter(|n| *n > 0);
    let (payload, tag) = split
        .and_then(|n| raw.split_at_checked(n))
        .ok_or(Status::Tampered("it is too short to be a factorgate state"))?;
    if !key.verify(payload, tag) {
        return Err(Status::Tampered(SIGNATURE));
    }
    let (&version, body) = payload
        .split_first()
        .ok_or(Status::Tampered("it is empty"))?;
    let hash = match version {
        VERSION_BYTE => TagHash::Sip,
        _ => TagHash::Hmac,
    };
    match version {
        VERSION_1 | VERSION_2 | VERSION_3 | VERSION_BYTE => {
            decode_body(version, &key.user_tag(hash, user_id), body)
        }
        v if v > VERSION_BYTE => Err(Status::Newer(v)),
        _ => Err(Status::Tampered("its version is unknown")),
    }
}

/// Is this state text in the format this engine writes? (Read only after it verified.)
pub(super) fn is_current(s: &str) -> bool {
    b64::decode(s).and_then(|raw| raw.first().copied()) == Some(VERSION_BYTE)
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

fn decode_body(version: u8, user: &[u8; 8], body: &[u8]) -> Result<History, Status> {
    let mut r = Reader(body);
    let bound = r.take::<8>().ok_or(Status::Tampered("it is truncated"))?;
    if &bound != user {
        return Err(Status::Tampered("it belongs to another user"));
    }
    lists(&mut r, version)
        .and_then(|h| match version {
            VERSION_1 => Some(h),
            VERSION_BYTE => tail_v4(&mut r, h),
            _ => tail_v2(&mut r, h),
        })
        .and_then(|mut h| match version {
            VERSION_3 => tail_v3(&mut r, h),
            VERSION_BYTE => Some(h),
            // An earlier format does not say since when the user is privileged: long ago, so a
            // privileged user's grace is over (the mover's campaign starts from a sign-in seen
            // unprivileged, never from an upgrade).
            _ => {
                h.privileged_since = Some(1);
                Some(h)
            }
        })
        .filter(|_| r.0.is_empty())
        .ok_or(Status::Tampered("it is malformed"))
}

/// The header and the lists of sign-ins, devices and networks; before version 4 every tag in
/// them is HMAC.
fn lists(r: &mut Reader, version: u8) -> Option<History> {
    let mut h = body_v1(r, version)?;
    if version != VERSION_BYTE {
        h.devices.iter_mut().for_each(|d| d.hash = TagHash::Hmac);
        h.signins
            .iter_mut()
            .filter(|s| s.device.is_some())
            .for_each(|s| s.hash = TagHash::Hmac);
    }
    Some(h)
}

/// Version 4's tail: the fields present, then each of them.
fn tail_v4(r: &mut Reader, mut h: History) -> Option<History> {
    let [has] = r.take::<1>()?;
    let set = |bit: u8| has & bit != 0;
    if set(1 << 7) || (set(HMAC_SESSION) && !set(HAS_SESSION)) {
        return None;
    }
    if set(HAS_RECOVERY) {
        h.recovered_at = Some(minute(r.take::<4>()?)?);
    }
    if set(HAS_GRANTS) {
        used_grants(r, &mut h, 1)?;
    }
    if set(HAS_SESSION) {
        h.last_session = Some(r.take::<8>()?);
        if set(HMAC_SESSION) {
            h.session_hash = TagHash::Hmac;
        }
    }
    if set(HAS_PRIVILEGED) {
        h.privileged_since = Some(minute(r.take::<4>()?)?);
    }
    if set(HAS_CHANGES) {
        changes(r, &mut h, 1)?;
    }
    if set(HMAC_DEVICES) {
        hmac_devices(u16::from_be_bytes(r.take::<2>()?), &mut h.devices)?;
    }
    Some(h)
}

/// Marks the devices whose bits are set as HMAC: at least one, and only devices listed.
fn hmac_devices(mask: u16, devices: &mut [KnownDevice]) -> Option<()> {
    let listed = u32::MAX.checked_shl(u32::try_from(devices.len()).ok()?);
    if mask == 0 || u32::from(mask) & listed.unwrap_or(0) != 0 {
        return None;
    }
    for (i, d) in (0u32..).zip(devices.iter_mut()) {
        if mask >> i & 1 == 1 {
            d.hash = TagHash::Hmac;
        }
    }
    Some(())
}

/// A minute that is set (never 0).
fn minute(b: [u8; 4]) -> Option<u32> {
    Some(u32::from_be_bytes(b)).filter(|m| *m != 0)
}

/// A count of used grants (at least `min`), then the grants.
fn used_grants(r: &mut Reader, h: &mut History, min: usize) -> Option<()> {
    let [n] = r.take::<1>()?;
    let n = usize::from(n);
    if n < min || n > MAX_USED_GRANTS {
        return None;
    }
    for _ in 0..n {
        let [i0, i1, i2, i3, i4, i5, i6, i7, e0, e1, e2, e3] = r.take::<GRANT_LEN>()?;
        h.used_grants.push(UsedGrant {
            id: [i0, i1, i2, i3, i4, i5, i6, i7],
            expires: u32::from_be_bytes([e0, e1, e2, e3]),
        });
    }
    Some(())
}

/// Version 2's tail: the last recovery and the used grants.
fn tail_v2(r: &mut Reader, mut h: History) -> Option<History> {
    let recovered = u32::from_be_bytes(r.take::<4>()?);
    h.recovered_at = (recovered != 0).then_some(recovered);
    used_grants(r, &mut h, 0)?;
    Some(h)
}

/// Version 3's tail: the last session, the privileged time and the factor changes.
fn tail_v3(r: &mut Reader, mut h: History) -> Option<History> {
    let session = r.take::<8>()?;
    if session != [0; 8] {
        h.last_session = Some(session);
        h.session_hash = TagHash::Hmac;
    }
    let since = u32::from_be_bytes(r.take::<4>()?);
    h.privileged_since = (since != 0).then_some(since);
    changes(r, &mut h, 0)?;
    Some(h)
}

/// A count of factor changes (at least `min`), then the changes.
fn changes(r: &mut Reader, h: &mut History, min: usize) -> Option<()> {
    let [n] = r.take::<1>()?;
    let n = usize::from(n);
    if n < min || n > MAX_CHANGES {
        return None;
    }
    for _ in 0..n {
        let [t0, t1, t2, t3, action, factor, flags] = r.take::<CHANGE_LEN>()?;
        if flags & 0b1100_0000 != 0 {
            return None;
        }
        h.changes.push(ChangeRecord {
            at: u32::from_be_bytes([t0, t1, t2, t3]),
            action: value_at(action)?,
            factor: match factor {
                0 => None,
                f => Some(value_at(f - 1)?),
            },
            risk: level_from_bits(flags & 0b11)?,
            actor: value_at((flags >> 2) & 0b111)?,
            via_recovery: flags & 0b10_0000 != 0,
        });
    }
    Some(())
}

/// The value at `i` in declaration order.
fn value_at<T: Named>(i: u8) -> Option<T> {
    T::VALUES.get(usize::from(i)).copied()
}

/// The declaration index of `v` (the first value for none, which cannot happen).
fn index_of<T: Named + PartialEq>(v: T) -> u8 {
    let i = T::VALUES.iter().position(|x| *x == v).unwrap_or(0);
    u8::try_from(i).unwrap_or(0)
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

fn body_v1(r: &mut Reader, version: u8) -> Option<History> {
    let unknown_flags = match version {
        VERSION_BYTE => 0b1000_0000,
        _ => 0b1100_0000,
    };
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
        let has_device = flags & 0b10_0000 != 0;
        if flags & unknown_flags != 0 || (flags & HMAC_SIGNIN != 0 && !has_device) {
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
            device: has_device.then_some([d0, d1, d2, d3]),
            hash: match flags & HMAC_SIGNIN {
                0 => TagHash::Sip,
                _ => TagHash::Hmac,
            },
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
            hash: TagHash::Sip,
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
        recovered_at: None,
        used_grants: Vec::new(),
        last_session: None,
        session_hash: TagHash::Sip,
        privileged_since: None,
        changes: Vec::new(),
    })
}

/// Encodes and signs a history for the user whose tag is `user`.
pub(super) fn write(key: &StateKey, user: &[u8; 8], h: &History) -> String {
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
        let hmac = s.device.is_some() && s.hash == TagHash::Hmac;
        let flags = level_bits(s.risk)
            | s.network.bits() << 2
            | u8::from(s.accepted) << 4
            | u8::from(s.device.is_some()) << 5
            | u8::from(hmac) << 6;
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
    write_tail(&mut out, h, devices);
    let tag = key.sign(&out);
    out.extend_from_slice(&tag);
    b64::encode(&out)
}

/// Version 4's tail: which fields are set, then those that are.
fn write_tail(out: &mut Vec<u8>, h: &History, devices: &[KnownDevice]) {
    let grants = h
        .used_grants
        .get(..MAX_USED_GRANTS)
        .unwrap_or(&h.used_grants);
    let changes = h
        .changes
        .get(h.changes.len().saturating_sub(MAX_CHANGES)..)
        .unwrap_or(&[]);
    let hmac_devices = (0u32..)
        .zip(devices)
        .filter(|(_, d)| d.hash == TagHash::Hmac)
        .fold(0u16, |mask, (i, _)| mask | 1 << i);
    let bit = |on: bool, bit: u8| if on { bit } else { 0 };
    out.push(
        bit(h.recovered_at.is_some(), HAS_RECOVERY)
            | bit(!grants.is_empty(), HAS_GRANTS)
            | bit(h.last_session.is_some(), HAS_SESSION)
            | bit(h.privileged_since.is_some(), HAS_PRIVILEGED)
            | bit(!changes.is_empty(), HAS_CHANGES)
            | bit(h.has_hmac_session(), HMAC_SESSION)
            | bit(hmac_devices != 0, HMAC_DEVICES),
    );
    if let Some(m) = h.recovered_at {
        out.extend_from_slice(&m.to_be_bytes());
    }
    if !grants.is_empty() {
        out.push(count(grants.len()));
        for g in grants {
            out.extend_from_slice(&g.id);
            out.extend_from_slice(&g.expires.to_be_bytes());
        }
    }
    if let Some(s) = h.last_session {
        out.extend_from_slice(&s);
    }
    if let Some(m) = h.privileged_since {
        out.extend_from_slice(&m.to_be_bytes());
    }
    if !changes.is_empty() {
        out.push(count(changes.len()));
        for c in changes {
            out.extend_from_slice(&c.at.to_be_bytes());
            out.push(index_of(c.action));
            out.push(c.factor.map_or(0, |f| index_of(f).saturating_add(1)));
            out.push(level_bits(c.risk) | index_of(c.actor) << 2 | u8::from(c.via_recovery) << 5);
        }
    }
    if hmac_devices != 0 {
        out.extend_from_slice(&hmac_devices.to_be_bytes());
    }
}

/// A list's length as its count byte (every list is capped under 256).
fn count(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}
