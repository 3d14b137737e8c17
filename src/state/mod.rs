//! Memory between calls (docs/contract.md#memory). Hooks are stateless, so what the engine must remember about a
//! user travels with its decisions: every decision carries `state`, the host stores it (Auth0
//! `app_metadata`, which users cannot write) and passes it back with the next request.
//!
//! Life of a call: [`load`] verifies the incoming state before anything is scored, the history
//! signals ([`signals`]) read it, and [`attach`] writes the next state into the decision.
//!
//! - **Signed**: HMAC-SHA256 under a key derived from the engine's `stateKey`; the user, device and
//!   session ids in it are 8-byte SipHash-2-4 tags under another (HMAC ones in states before
//!   version 4, still read: [`key::TagHash`]). A state that fails
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
//! - **What is learned**: only logins are recorded as sign-ins (two in the same `session.id` are
//!   one, updated). A sign-in's device, country and network become *known* when it was accepted:
//!   allowed, or calm (own risk below `risk.riskyAt`) and not denied. A risky sign-in that was only
//!   asked to step up teaches nothing, so an attacker's failed attempts stay new. A factor change
//!   that happened is remembered ([`MAX_CHANGES`] of them: when, which, its risk, who, through a
//!   recovery or not), for the chain a privileged action is judged on (`crate::actions`).
//! - **Rotated**: a state or grant signed under one of `previousStateKeys` is read, and the next
//!   state is signed under the current key ([`Keys`]).
//!
//! Storage only: [`key`] (the keys), [`codec`] (the bytes), [`base64`] (the text), and here the
//! life of a call: [`load`] before any rule runs, [`attach`] after the decision. The rules that
//! read the history are in `crate::signals::memory`.

mod base64;
mod codec;
mod grant;
mod history;
mod key;

pub use codec::MAX_ENCODED_LEN;
pub(crate) use grant::{GrantClaims, OpenGrant};
pub(crate) use history::{
    ChangeRecord, History, KnownDevice, KnownNetwork, NetClass, SignIn, Status, UsedGrant,
};
pub use history::{MAX_CHANGES, MAX_DEVICES, MAX_NETWORKS, MAX_SIGNINS, MAX_USED_GRANTS};
pub(crate) use key::{Keys, StateKey, TagHash, MAX_PREVIOUS_KEYS, MIN_STATE_KEY};

use crate::decision::{Decision, Entry, Outcome, ReasonCode};
use crate::enums::Level;
use crate::geo::Cell;
use crate::policy::{CompiledPolicy, NetworkKind};
use crate::request::Request;
use crate::time::Timestamp;
#[cfg(test)]
use codec::read;
use codec::{read_any, write};
pub(crate) use key::prefix;

/// Version of the state format this engine writes.
pub(crate) const STATE_VERSION: u32 = 4;

/// Signs an approval grant for `user_id` (docs/contract.md#approvals) under the current key: the
/// token and its id, or `None` when an approver field is longer than 255 bytes.
pub(crate) fn issue_grant(
    keys: &Keys,
    user_id: &str,
    claims: &GrantClaims,
) -> Option<(String, [u8; 8])> {
    let key = &keys.current;
    grant::issue(key, &key.user_tag(TagHash::Hmac, user_id), claims)
}

/// Verifies an approval grant for `user_id` under whichever key signed it, or says why it is not
/// one (the current key's verdict when none verifies).
pub(crate) fn open_grant(
    keys: &Keys,
    user_id: &str,
    token: &str,
) -> Result<OpenGrant, &'static str> {
    let key = &keys.current;
    let user = |k: &StateKey| k.user_tag(TagHash::Hmac, user_id);
    grant::open(key, &user(key), token).or_else(|why| {
        keys.previous
            .iter()
            .find_map(|k| grant::open(k, &user(k), token).ok())
            .ok_or(why)
    })
}

/// The current request as the state sees it: hashed and rounded, never raw.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Current {
    /// Tag of the user id: the state's binding.
    pub user: [u8; 8],
    /// Tag of the device id, when the host sent one.
    pub device: Option<[u8; 8]>,
    /// Every tag the device may be remembered under: its tag under each key (a previous one
    /// for a device remembered before a rotation), and its HMAC tag under each key when the
    /// history holds HMAC device tags (from a state before version 4).
    pub device_tags: Vec<([u8; 8], TagHash)>,
    /// Tag of the host's session id, when it sent one.
    pub session: Option<[u8; 8]>,
    /// Its HMAC tag, only when the history's last session is an HMAC one.
    pub session_hmac: Option<[u8; 8]>,
    /// Country, when known.
    pub country: Option<[u8; 2]>,
    /// ASN, when known and not 0.
    pub asn: Option<u32>,
    /// Coordinates, when known.
    pub position: Option<(f64, f64)>,
    /// How the network relates to the policy's trusted networks.
    pub network: NetClass,
}

/// The verified history and the current request, read once before scoring.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Memory {
    /// What became of the incoming state.
    pub status: Status,
    /// The history (empty unless `Loaded`).
    pub history: History,
    /// The current request, hashed and rounded as the state would keep it.
    pub current: Current,
    /// The incoming state is in the format this engine writes.
    pub current_format: bool,
}

impl Current {
    /// Is a remembered device tag (or its prefix), computed as `hash` says, this device's, under
    /// the current or a previous key?
    pub(crate) fn is_device(&self, tag: &[u8], hash: TagHash) -> bool {
        self.device_tags
            .iter()
            .any(|(d, h)| *h == hash && d.starts_with(tag))
    }

    /// Is this login in the history's last session?
    pub(crate) fn is_last_session(&self, h: &History) -> bool {
        let mine = match h.session_hash {
            TagHash::Sip => self.session,
            TagHash::Hmac => self.session_hmac,
        };
        mine.is_some() && mine == h.last_session
    }
}

impl Memory {
    /// No memory: an engine without a state key, and unit tests that need none.
    pub(crate) fn off() -> Memory {
        Memory {
            status: Status::Off,
            history: History::default(),
            current: Current::default(),
            current_format: false,
        }
    }

    /// Has this grant been used already (and not yet expired)?
    pub(crate) fn grant_used(&self, id: &[u8; 8]) -> bool {
        self.history.used_grants.iter().any(|g| &g.id == id)
    }

    /// When the engine last allowed a recovery of this account, as remembered.
    pub(crate) fn recovered_at(&self) -> Option<Timestamp> {
        self.history
            .recovered_at
            .map(|m| Timestamp(i64::from(m) * 60))
    }
}

/// Verifies and reads the request's state, before any signal is scored.
pub(crate) fn load(keys: Option<&Keys>, policy: &CompiledPolicy, req: &Request) -> Memory {
    let Some(keys) = keys else {
        return Memory::off();
    };
    let incoming = req.state.as_ref().map(|s| s.as_str().trim_ascii());
    let (status, history, under_current) = match incoming {
        None | Some("") => (Status::Missing, History::default(), false),
        Some(s) => match read_any(keys, req.user.id.as_str(), s) {
            Ok((h, under_current)) => (Status::Loaded, h, under_current),
            Err(status) => (status, History::default(), false),
        },
    };
    let current = current(keys, policy, req, &history);
    let current_format =
        under_current && status == Status::Loaded && incoming.is_some_and(codec::is_current);
    Memory {
        status,
        history,
        current,
        current_format,
    }
}

/// The request as the state sees it; the HMAC tags only where `history` holds such tags.
fn current(keys: &Keys, policy: &CompiledPolicy, req: &Request, history: &History) -> Current {
    let key = &keys.current;
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
    let device = s
        .device
        .as_ref()
        .and_then(|d| d.id.as_ref())
        .map(|d| d.as_str())
        .filter(|d| !d.is_empty());
    let session = s.id.as_ref().map(|i| i.as_str()).filter(|i| !i.is_empty());
    let device_tags = device.map_or(Vec::new(), |d| {
        device_tags(keys, user_id, d, history.has_hmac_devices())
    });
    Current {
        user: key.user_tag(TagHash::Sip, user_id),
        device: device_tags.first().map(|(t, _)| *t),
        device_tags,
        session: session.map(|i| key.session_tag(TagHash::Sip, user_id, i)),
        session_hmac: session
            .filter(|_| history.has_hmac_session())
            .map(|i| key.session_tag(TagHash::Hmac, user_id, i)),
        country: geo
            .and_then(|g| g.country.as_ref())
            .and_then(|c| country(c.as_str())),
        asn,
        position: geo.and_then(|g| Some((g.lat?, g.lon?))),
        network,
    }
}

/// The device's tag under each key, the current one first, then (with `hmac`) its HMAC tags.
fn device_tags(keys: &Keys, user_id: &str, device: &str, hmac: bool) -> Vec<([u8; 8], TagHash)> {
    let hashes: &[TagHash] = match hmac {
        true => &[TagHash::Sip, TagHash::Hmac],
        false => &[TagHash::Sip],
    };
    let mut tags = Vec::new();
    for h in hashes {
        for k in keys.all() {
            tags.push((k.device_tag(*h, user_id, device), *h));
        }
    }
    tags
}

fn country(s: &str) -> Option<[u8; 2]> {
    match s.as_bytes() {
        [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some([*a, *b]),
        _ => None,
    }
}

pub(crate) fn country_str(c: [u8; 2]) -> String {
    c.iter().map(|b| char::from(*b)).collect()
}

/// Minutes since the epoch, as stored (0 and earlier clamp to 1 so that 0 can mean "none").
fn minutes(t: Timestamp) -> u32 {
    u32::try_from(t.0.div_euclid(60).clamp(1, i64::from(u32::MAX))).unwrap_or(u32::MAX)
}

/// Days since the epoch, as stored for last-seen times (saturating in 2149).
fn days(t: Timestamp) -> u16 {
    u16::try_from(t.0.div_euclid(86_400).clamp(0, i64::from(u16::MAX))).unwrap_or(u16::MAX)
}

/// Writes the next state into a decision (docs/contract.md#memory), under the current key: nothing
/// without a key; for a login, the history with this sign-in recorded; for a factor change or an
/// action, the history with what it asks to remember (a change that happened, a recovery, a used
/// grant), else unchanged. A tampered or missing state is replaced by a fresh one; a newer
/// engine's state is handed back as it came.
pub(crate) fn attach(
    keys: Option<&Keys>,
    policy: &CompiledPolicy,
    req: &Request,
    now: Timestamp,
    memory: Memory,
    mut decision: Decision,
) -> Decision {
    let Some(keys) = keys else {
        return decision;
    };
    let key = &keys.current;
    let Memory {
        status,
        mut history,
        current,
        current_format,
    } = memory;
    let loaded = status == Status::Loaded;
    let incoming = req
        .state
        .as_ref()
        .map(|s| s.as_str().trim_ascii().to_string());
    let memo = decision.memo.clone();
    let remembers =
        memo.recovered_at.is_some() || memo.used_grant.is_some() || memo.change.is_some();
    decision.state = Some(match (decision.entry, incoming) {
        // A newer engine's state is authentic but unreadable here (a rollback): hand it back
        // as it came rather than overwrite the history it holds.
        (_, Some(s)) if matches!(status, Status::Newer(_)) => s,
        (entry, incoming) => match entry {
            Entry::FactorChange | Entry::Action if remembers => {
                if !loaded {
                    history = History::default();
                }
                remember(&mut history, req, &memo, now, decision.risk.level);
                write(key, &current.user, &history)
            }
            // Verified, nothing to add and already in the current format under the current key:
            // hand it back as it came (an older format or key is written again in the current).
            Entry::FactorChange | Entry::Action if loaded => match incoming {
                Some(s) if current_format => s,
                _ => write(key, &current.user, &history),
            },
            Entry::FactorChange | Entry::Action => write(key, &current.user, &History::default()),
            Entry::Login => {
                if !loaded {
                    history = History::default();
                }
                record(policy, &mut history, &current, now, &decision, loaded);
                write(key, &current.user, &history)
            }
        },
    });
    decision
}

/// Records what a factor change or an action asks to remember: a change that happened (at most
/// [`MAX_CHANGES`], the oldest dropped first), an allowed recovery (the restriction window
/// starts) and a used grant (kept until it expires, at most [`MAX_USED_GRANTS`], the earliest to
/// expire dropped first).
fn remember(
    h: &mut History,
    req: &Request,
    memo: &crate::decision::Memo,
    now: Timestamp,
    risk: Level,
) {
    if let Some(t) = memo.recovered_at {
        h.recovered_at = Some(minutes(t));
    }
    if let (Some(via_recovery), Some(c)) = (memo.change, req.change.as_ref()) {
        let factor = match c.action {
            crate::request::ChangeAction::PhoneChange => c
                .factor
                .as_ref()
                .map_or(Some(crate::factors::FactorType::Sms), |f| Some(f.kind)),
            _ => c.factor.as_ref().map(|f| f.kind),
        };
        h.changes.push(ChangeRecord {
            at: u32::try_from(now.0.clamp(1, i64::from(u32::MAX))).unwrap_or(u32::MAX),
            action: c.action,
            factor,
            risk,
            actor: c.actor.kind,
            via_recovery,
        });
        if h.changes.len() > MAX_CHANGES {
            h.changes.remove(0);
        }
    }
    let at = minutes(now);
    h.used_grants.retain(|g| g.expires >= at);
    if let Some((id, expires)) = memo.used_grant {
        let expires = u32::try_from((i64::from(expires) + 59).div_euclid(60)).unwrap_or(u32::MAX);
        if !h.used_grants.iter().any(|g| g.id == id) {
            h.used_grants.push(UsedGrant { id, expires });
        }
    }
    while h.used_grants.len() > MAX_USED_GRANTS {
        let earliest = h
            .used_grants
            .iter()
            .enumerate()
            .min_by_key(|(i, g)| (g.expires, *i))
            .map(|(i, _)| i);
        match earliest {
            Some(i) => {
                h.used_grants.remove(i);
            }
            None => return,
        }
    }
}

/// The sign-in's own risk: the decision's reasons without those that come from the account's
/// recent events, which every later call scores again on its own: `recentRiskySignin` would keep
/// every sign-in after a risky one risky for as long as the user signs in, and `recentRecovery` /
/// `recentPasswordReset` would make the user's first sign-in after a recovery a risky sign-in,
/// counting the one recovery twice on every change that follows (a rebind held for approval).
fn own_risk(policy: &CompiledPolicy, d: &Decision) -> Level {
    let total: i32 = d
        .reasons
        .iter()
        .filter(|r| {
            !matches!(
                r.code,
                ReasonCode::RecentRiskySignin
                    | ReasonCode::RecentRecovery
                    | ReasonCode::RecentPasswordReset
            )
        })
        .map(|r| r.points)
        .sum();
    let score = u8::try_from(total.clamp(0, 100)).unwrap_or(100);
    crate::risk::level_for(score, &policy.policy.risk.levels)
}

/// Records a login in the history, keeping every list within its cap. A login in the session of
/// the last sign-in (`session.id`) updates that sign-in: its time, place and device are this
/// one's, its risk the higher of the two, accepted if either was, and the learning counters count
/// it once.
fn record(
    policy: &CompiledPolicy,
    h: &mut History,
    cur: &Current,
    now: Timestamp,
    d: &Decision,
    loaded: bool,
) {
    let at = minutes(now);
    let day = days(now);
    let mut risk = own_risk(policy, d);
    let risky_at = policy.policy.risk.risky_at;
    let mut accepted =
        d.outcome == Outcome::Allow || (d.outcome != Outcome::Deny && risk < risky_at);
    let cell = match cur.network {
        NetClass::NoPlace => None,
        _ => cur
            .position
            .and_then(|(lat, lon)| Cell::from_degrees(lat, lon)),
    };
    let same_session = cur.is_last_session(h);
    let mut learned_before = false;
    match h.signins.last() {
        Some(last) if same_session => {
            learned_before = last.accepted;
            risk = risk.max(last.risk);
            accepted |= last.accepted;
            h.signins.pop();
        }
        _ => h.logins = h.logins.saturating_add(1),
    }
    h.last_session = cur.session;
    h.session_hash = TagHash::Sip;
    h.signins.push(SignIn {
        at,
        country: cur.country,
        asn: cur.asn,
        cell,
        device: cur.device.map(|d| prefix(&d)),
        hash: TagHash::Sip,
        risk,
        network: cur.network,
        accepted,
    });
    if h.signins.len() > MAX_SIGNINS {
        let excess = h.signins.len() - MAX_SIGNINS;
        h.signins.drain(..excess);
    }
    // A mover's grace starts when a state that saw the user unprivileged first sees them
    // privileged; without such a state, long ago (no grace).
    h.privileged_since = match (h.privileged_since, d.exposure.privileged) {
        (_, false) => None,
        (Some(t), true) => Some(t),
        (None, true) => Some(if loaded { at } else { 1 }),
    };
    if risk >= risky_at && !matches!(h.last_risky, Some((t, _)) if t > at) {
        h.last_risky = Some((at, risk));
    }
    if !accepted {
        return;
    }
    if !learned_before {
        count_learning(h, cur);
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
        // Remembered under a previous key or as an HMAC tag: tagged again under the current one.
        match h.devices.iter_mut().find(|k| cur.is_device(&k.tag, k.hash)) {
            Some(k) => {
                k.tag = tag;
                k.hash = TagHash::Sip;
                k.last_seen = k.last_seen.max(day);
            }
            None => h.devices.push(KnownDevice {
                tag,
                hash: TagHash::Sip,
                last_seen: day,
            }),
        }
        evict(&mut h.devices, MAX_DEVICES, |k| u32::from(k.last_seen));
    }
}

/// The learning counters of an accepted sign-in (once per sign-in, however often it is decided).
fn count_learning(h: &mut History, cur: &Current) {
    if cur.country.is_some() {
        h.country_logins = h.country_logins.saturating_add(1);
    }
    if cur.asn.is_some() {
        h.asn_logins = h.asn_logins.saturating_add(1);
    }
    if cur.device.is_some() {
        h.device_logins = h.device_logins.saturating_add(1);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::base64 as b64;
    use crate::state::codec::{SIGNIN_LEN, VERSION_BYTE};
    use crate::state::history::MAX_STATE_BYTES;

    fn key() -> StateKey {
        StateKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    /// The version-2 part of [`full_history`]: what a version-2 state could hold.
    fn full_history_v2() -> History {
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
                hash: TagHash::Sip,
                risk: Level::Medium,
                network: NetClass::Trusted,
                accepted: i % 2 == 0,
            });
        }
        for i in 0..MAX_DEVICES as u32 {
            h.devices.push(KnownDevice {
                tag: [i as u8 + 1; 8],
                hash: TagHash::Sip,
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
        h.recovered_at = Some(29_000_100);
        for i in 0..MAX_USED_GRANTS as u32 {
            h.used_grants.push(UsedGrant {
                id: [i as u8 + 7; 8],
                expires: 29_000_200 + i,
            });
        }
        h
    }

    /// Every list full, every field set: the largest state.
    fn full_history() -> History {
        use crate::enums::ActorKind;
        use crate::factors::FactorType;
        use crate::json::Named;
        use crate::request::ChangeAction;
        let mut h = full_history_v2();
        h.last_session = Some([0xa5; 8]);
        h.privileged_since = Some(29_000_300);
        for i in 0..MAX_CHANGES {
            let pick = |n: usize| i % n;
            h.changes.push(ChangeRecord {
                at: 1_795_428_000 + i as u32 * 3_600,
                action: ChangeAction::VALUES[pick(ChangeAction::VALUES.len())],
                factor: (i % 3 != 0).then(|| FactorType::VALUES[pick(FactorType::VALUES.len())]),
                risk: [Level::Low, Level::Medium, Level::High, Level::Critical][pick(4)],
                actor: ActorKind::VALUES[pick(ActorKind::VALUES.len())],
                via_recovery: i % 2 == 1,
            });
        }
        h
    }

    /// `h` as read from a state before version 4: every tag in it HMAC.
    fn hmac_tags(mut h: History) -> History {
        h.devices.iter_mut().for_each(|d| d.hash = TagHash::Hmac);
        h.signins
            .iter_mut()
            .filter(|s| s.device.is_some())
            .for_each(|s| s.hash = TagHash::Hmac);
        if h.last_session.is_some() {
            h.session_hash = TagHash::Hmac;
        }
        h
    }

    #[test]
    fn full_state_round_trips_within_budget() {
        let k = key();
        let user = k.user_tag(TagHash::Sip, "auth0|alice");
        // Every list full, every field set, and every device tag HMAC: the largest state.
        let h = hmac_tags(full_history());
        let s = write(&k, &user, &h);
        println!("the largest state, every list full: {} characters", s.len());
        assert_eq!(s.len(), MAX_ENCODED_LEN);
        assert!(s.len() <= MAX_STATE_BYTES);
        assert_eq!(MAX_ENCODED_LEN, 830);
        assert_eq!(read(&k, "auth0|alice", &s), Ok(h));
        let sip = write(&k, &user, &full_history());
        assert_eq!(sip.len(), 827, "two bytes less: no HMAC devices");
        assert_eq!(read(&k, "auth0|alice", &sip), Ok(full_history()));
        let empty = write(&k, &user, &History::default());
        assert_eq!(read(&k, "auth0|alice", &empty), Ok(History::default()));
    }

    #[test]
    fn every_single_character_change_is_detected() {
        let k = key();
        let user = k.user_tag(TagHash::Sip, "auth0|alice");
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
                        matches!(read(&k, "auth0|alice", &changed), Err(Status::Tampered(_))),
                        "change at {i} to {replacement:?} went unnoticed"
                    );
                }
            }
            // Truncated or extended text is detected too.
            assert!(read(&k, "auth0|alice", s.get(..s.len() - 1).unwrap()).is_err());
            assert!(read(&k, "auth0|alice", &format!("{s}A")).is_err());
        }
    }

    #[test]
    fn another_user_another_key_and_garbage_are_tampered() {
        let k = key();
        let alice = k.user_tag(TagHash::Sip, "auth0|alice");
        let s = write(&k, &alice, &full_history());
        assert_eq!(
            read(&k, "auth0|mallory", &s),
            Err(Status::Tampered("it belongs to another user"))
        );
        let other = StateKey::new(b"another key of sixteen bytes").unwrap();
        assert!(matches!(
            read(&other, "auth0|alice", &s),
            Err(Status::Tampered(m)) if m.contains("signature")
        ));
        for junk in ["x", "AAAA", "not base64!", "eyJhbGciOiJub25lIn0"] {
            assert!(
                matches!(read(&k, "auth0|alice", junk), Err(Status::Tampered(_))),
                "{junk}"
            );
        }
    }

    #[test]
    fn a_state_from_a_newer_engine_is_unknown_not_tampered() {
        let k = key();
        let user = k.user_tag(TagHash::Sip, "u");
        let mut raw = vec![VERSION_BYTE + 1];
        raw.extend_from_slice(&user);
        raw.extend_from_slice(b"future fields");
        let tag = k.sign(&raw);
        raw.extend_from_slice(&tag);
        assert_eq!(
            read(&k, "u", &b64::encode(&raw)),
            Err(Status::Newer(VERSION_BYTE + 1))
        );
    }

    #[test]
    fn a_newer_state_is_unknown_and_handed_back_as_it_came() {
        let k = key();
        let user = k.user_tag(TagHash::Sip, "auth0|alice");
        let mut raw = vec![VERSION_BYTE + 1];
        raw.extend_from_slice(&user);
        let tag = k.sign(&raw);
        raw.extend_from_slice(&tag);
        let newer = b64::encode(&raw);
        let engine = crate::api::Engine::with_default_policy(crate::api::EngineOptions {
            state_key: Some("0123456789abcdef-test-key".into()),
            ..Default::default()
        })
        .unwrap();
        let req: Request = crate::json::from_str(
            &serde_json::json!({"user": {"id": "auth0|alice"}, "state": newer}).to_string(),
        )
        .unwrap();
        for d in [
            engine.decide_login(&req, Timestamp(1_795_428_000)),
            engine
                .assess_factor_change(
                    &crate::json::from_str(
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
        let h = read(&k, "auth0|alice", GOLDEN_V1).unwrap();
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

    /// [`full_history_v2`] as the version-2 engine wrote it (before factor changes were
    /// remembered; same key and user as [`GOLDEN_V1`]).
    const GOLDEN_V2: &str = "Ak_6zvSpl5INAfQBkAGPAY4BuoFAAggQEAG6gUBOTwAACEcCVwO8AAAAADUBuoFBTk8AAAhIAlcDwQEBAQElAbqBQk5PAAAISQJXA8YCAgICNQG6gUNOTwAACEoCVwPLAwMDAyUBuoFETk8AAAhLAlcD0AQEBAQ1AbqBRU5PAAAITAJXA9UFBQUFJQG6gUZOTwAACE0CVwPaBgYGBjUBuoFHTk8AAAhOAlcD3wcHBwclAQEBAQEBAQFOIAICAgICAgICTiEDAwMDAwMDA04iBAQEBAQEBAROIwUFBQUFBQUFTiQGBgYGBgYGBk4lBwcHBwcHBwdOJggICAgICAgITicJCQkJCQkJCU4oCgoKCgoKCgpOKQsLCwsLCwsLTioMDAwMDAwMDE4rDQ0NDQ0NDQ1OLA4ODg4ODg4OTi0PDw8PDw8PD04uEBAQEBAQEBBOLwAAAAD8AE4gU0UAAAAATiFTRQAA_AJOIgAAAAD8A04jU0UAAAAATiRTRQAA_AVOJQAAAAD8Bk4mU0UAAAAATidTRQAA_AhOKAAAAAD8CU4pU0UAAAAATipTRQAA_AtOKwAAAAD8DE4sU0UAAAAATi1TRQAA_A5OLgAAAAD8D04vAbqBpAQHBwcHBwcHBwG6gggICAgICAgICAG6ggkJCQkJCQkJCQG6ggoKCgoKCgoKCgG6gguwK-9Ud70r1MkAw8yGWXQdU4Jmm4iSZmKrIgxRM7Qd4g";

    #[test]
    fn golden_version_2_state_still_loads_and_is_written_again_in_version_4() {
        let k = key();
        let user = k.user_tag(TagHash::Sip, "auth0|alice");
        let h = read(&k, "auth0|alice", GOLDEN_V2).unwrap();
        // Everything version 2 held, and what it could not: no session, no changes, and a
        // privileged time of long ago (no mover's grace from an upgrade); its tags HMAC.
        let mut want = hmac_tags(full_history_v2());
        want.privileged_since = Some(1);
        assert_eq!(h, want);
        let again = write(&k, &user, &h);
        assert!(codec::is_current(&again));
        assert_eq!(read(&k, "auth0|alice", &again), Ok(want));
        assert_eq!(GOLDEN_V1.as_bytes()[0], b'A');
        assert_eq!(
            read(&k, "auth0|alice", GOLDEN_V1).unwrap().privileged_since,
            Some(1)
        );
    }

    /// [`full_history`] as the version-3 engine wrote it (before SipHash tags, version 4; same
    /// key and user as [`GOLDEN_V1`]).
    const GOLDEN_V3: &str = "A0_6zvSpl5INAfQBkAGPAY4BuoFAAggQEAG6gUBOTwAACEcCVwO8AAAAADUBuoFBTk8AAAhIAlcDwQEBAQElAbqBQk5PAAAISQJXA8YCAgICNQG6gUNOTwAACEoCVwPLAwMDAyUBuoFETk8AAAhLAlcD0AQEBAQ1AbqBRU5PAAAITAJXA9UFBQUFJQG6gUZOTwAACE0CVwPaBgYGBjUBuoFHTk8AAAhOAlcD3wcHBwclAQEBAQEBAQFOIAICAgICAgICTiEDAwMDAwMDA04iBAQEBAQEBAROIwUFBQUFBQUFTiQGBgYGBgYGBk4lBwcHBwcHBwdOJggICAgICAgITicJCQkJCQkJCU4oCgoKCgoKCgpOKQsLCwsLCwsLTioMDAwMDAwMDE4rDQ0NDQ0NDQ1OLA4ODg4ODg4OTi0PDw8PDw8PD04uEBAQEBAQEBBOLwAAAAD8AE4gU0UAAAAATiFTRQAA_AJOIgAAAAD8A04jU0UAAAAATiRTRQAA_AVOJQAAAAD8Bk4mU0UAAAAATidTRQAA_AhOKAAAAAD8CU4pU0UAAAAATipTRQAA_AtOKwAAAAD8DE4sU0UAAAAATi1TRQAA_A5OLgAAAAD8D04vAbqBpAQHBwcHBwcHBwG6gggICAgICAgICAG6ggkJCQkJCQkJCQG6ggoKCgoKCgoKCgG6ggulpaWlpaWlpQG6gmwIawQOoAAAAGsEHLABAiVrBCrAAgMKawQ40AMAL2sERuAEBRBrBFTwBQYhawRjAAYABmsEcRAACCsq7t-WWX1KdgS2Zp59Ek_D0Vj_jLskg4dbxP17dmFFfQ";

    /// Version 3 loads as it was written, its tags HMAC, and is written again in version 4
    /// with its tags still marked HMAC (until each device or session is seen again).
    #[test]
    fn golden_version_3_state_still_loads_and_keeps_its_hmac_tags() {
        let k = key();
        let want = hmac_tags(full_history());
        let h = read(&k, "auth0|alice", GOLDEN_V3).unwrap();
        assert_eq!(h, want);
        assert!(h.has_hmac_devices() && h.has_hmac_session());
        let again = write(&k, &k.user_tag(TagHash::Sip, "auth0|alice"), &h);
        assert!(codec::is_current(&again));
        assert_eq!(read(&k, "auth0|alice", &again), Ok(want));
    }

    /// `version`, `binding` and `body`, signed under `k`, in base64url.
    fn signed(k: &StateKey, version: u8, binding: [u8; 8], body: &[u8]) -> String {
        let mut raw = vec![version];
        raw.extend_from_slice(&binding);
        raw.extend_from_slice(body);
        let tag = k.sign(&raw);
        raw.extend_from_slice(&tag);
        b64::encode(&raw)
    }

    /// A state's binding is the tag of its own version: a version-4 state bound by the HMAC tag,
    /// or a version-3 one by the SipHash tag, belongs to no one.
    #[test]
    fn a_binding_of_the_other_version_s_hash_is_another_user_s() {
        let k = key();
        let sip = k.user_tag(TagHash::Sip, "auth0|alice");
        let hmac = k.user_tag(TagHash::Hmac, "auth0|alice");
        let empty_v4 = [0u8; 17];
        let empty_v3 = [0u8; 16 + 5 + 13];
        assert_eq!(
            read(&k, "auth0|alice", &signed(&k, 4, sip, &empty_v4)),
            Ok(History::default())
        );
        assert!(read(&k, "auth0|alice", &signed(&k, 3, hmac, &empty_v3)).is_ok());
        for s in [
            signed(&k, 4, hmac, &empty_v4),
            signed(&k, 3, sip, &empty_v3),
        ] {
            assert_eq!(
                read(&k, "auth0|alice", &s),
                Err(Status::Tampered("it belongs to another user"))
            );
        }
    }

    /// Version 4 has one encoding per history: a field marked present must be there and set, a
    /// mark must name something there, an unknown bit is refused.
    #[test]
    fn version_4_refuses_what_its_writer_never_writes() {
        let k = key();
        let sip = k.user_tag(TagHash::Sip, "auth0|alice");
        // Header with one device (no sign-ins, no networks), the device, then the tail.
        let mut one_device = vec![0u8; 16];
        one_device[14] = 1;
        one_device.extend_from_slice(&[7; 10]);
        let with = |head: &[u8], tail: &[u8]| [head, tail].concat();
        let good = [
            with(&[0; 16], &[0]),
            with(&[0; 16], &[1, 0, 0, 0, 9]),
            with(&[0; 16], &[0b10_0100, 1, 2, 3, 4, 5, 6, 7, 8]),
            with(&one_device, &[0b100_0000, 0, 1]),
        ];
        for body in &good {
            assert!(
                read(&k, "auth0|alice", &signed(&k, 4, sip, body)).is_ok(),
                "{body:?}"
            );
        }
        let bad = [
            with(&[0; 16], &[0b1000_0000]),
            with(&[0; 16], &[0b10_0000]),
            with(&[0; 16], &[1, 0, 0, 0, 0]),
            with(&[0; 16], &[0b10, 0]),
            with(&[0; 16], &[0b1_0000, 0]),
            with(&[0; 16], &[0b100_0000, 0, 1]),
            with(&one_device, &[0b100_0000, 0, 0]),
            with(&one_device, &[0b100_0000, 0, 2]),
            with(&[0; 16], &[]),
            with(&[0; 16], &[0, 0]),
        ];
        for body in &bad {
            assert_eq!(
                read(&k, "auth0|alice", &signed(&k, 4, sip, body)),
                Err(Status::Tampered("it is malformed")),
                "{body:?}"
            );
        }
        // A sign-in's HMAC mark without a device prefix.
        let mut signin = vec![0u8; 16];
        signin[13] = 1;
        let mut record = [0u8; SIGNIN_LEN];
        record[..4].copy_from_slice(&29_000_000u32.to_be_bytes());
        record[10..12].copy_from_slice(&i16::MIN.to_be_bytes());
        for (flags, ok) in [(0b10_0000, true), (0b110_0000, true), (0b100_0000, false)] {
            record[18] = flags;
            let body = [signin.as_slice(), &record, &[0]].concat();
            let s = signed(&k, 4, sip, &body);
            assert_eq!(read(&k, "auth0|alice", &s).is_ok(), ok, "flags {flags:#b}");
        }
        // Version 3 never had the mark.
        record[18] = 0b110_0000;
        let hmac = k.user_tag(TagHash::Hmac, "auth0|alice");
        let body = [signin.as_slice(), &record, &[0; 18]].concat();
        assert!(read(&k, "auth0|alice", &signed(&k, 3, hmac, &body)).is_err());
    }

    /// Key rotation: a state signed under the key at any position of `previousStateKeys` is read
    /// (and said not to be under the current key); under a key not listed it is tampered.
    #[test]
    fn a_state_under_any_previous_key_is_read_and_another_key_is_tampered() {
        let secret = |i: usize| format!("rotation-key-number-{i:02}");
        let state_key = |i: usize| StateKey::new(secret(i).as_bytes()).unwrap();
        let keys = Keys {
            current: state_key(0),
            previous: (1..=MAX_PREVIOUS_KEYS).map(state_key).collect(),
        };
        for i in 0..=MAX_PREVIOUS_KEYS {
            let k = state_key(i);
            let s = write(
                &k,
                &k.user_tag(TagHash::Sip, "auth0|alice"),
                &full_history(),
            );
            assert_eq!(
                read_any(&keys, "auth0|alice", &s),
                Ok((full_history(), i == 0)),
                "key at position {i}"
            );
            assert!(matches!(
                read_any(&keys, "auth0|mallory", &s),
                Err(Status::Tampered("it belongs to another user"))
            ));
        }
        let stranger = state_key(MAX_PREVIOUS_KEYS + 1);
        let s = write(
            &stranger,
            &stranger.user_tag(TagHash::Sip, "auth0|alice"),
            &full_history(),
        );
        assert!(matches!(
            read_any(&keys, "auth0|alice", &s),
            Err(Status::Tampered(m)) if m.contains("signature")
        ));
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
