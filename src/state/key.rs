//! The state keys: derived once from the host's `stateKey`, used to sign states and grants and to
//! tag the user, device and session ids kept in them.
//!
//! Tags are 8 bytes. From state version 4 they are SipHash-2-4 (a PRF for short inputs; Aumasson
//! and Bernstein 2012) under a key of their own; states before version 4 hold HMAC-SHA256 ones
//! (truncated), still computed to read them, and so does an approval grant's user binding.

use core::hash::Hasher;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use siphasher::sip::SipHasher24;

/// Minimum state key length in bytes.
pub(crate) const MIN_STATE_KEY: usize = 16;
/// Most previous state keys an engine accepts (`previousStateKeys`).
pub(crate) const MAX_PREVIOUS_KEYS: usize = 8;

/// Length of the state's signature.
pub(crate) const MAC_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// How an 8-byte tag of an id was computed: what a stored tag is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TagHash {
    /// SipHash-2-4 under the tag key (`factorgate/state/tags/v4`): what this engine writes.
    #[default]
    Sip,
    /// HMAC-SHA256 under the ids key (`factorgate/state/ids/v1`), its first 8 bytes: states
    /// before version 4, and the user binding of approval grants.
    Hmac,
}

/// The engine's state keys, derived once from the host's `stateKey` when the policy is compiled:
/// one for the state's signature, two for the tags of user, device and session ids (SipHash now,
/// HMAC for states before version 4), one for the signature of approval grants (a distinct label,
/// so a state can never pass for a grant nor a grant for a state). The HMAC keys are kept
/// pre-keyed (inner and outer pads already hashed), so a call pays only for its message.
#[derive(Clone)]
pub(crate) struct StateKey {
    mac: HmacSha256,
    ids: HmacSha256,
    tags: SipHasher24,
    grant: HmacSha256,
}

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(..)")
    }
}

impl StateKey {
    /// Derives the keys from the host's secret (HMAC accepts any length; the engine asks ≥ 16 bytes).
    pub(crate) fn new(secret: &[u8]) -> Option<StateKey> {
        let root = HmacSha256::new_from_slice(secret).ok()?;
        let derive = |label: &[u8]| HmacSha256::new_from_slice(&hmac(&root, &[label])).ok();
        let tags = hmac(&root, &[b"factorgate/state/tags/v4"]);
        Some(StateKey {
            mac: derive(b"factorgate/state/mac/v1")?,
            ids: derive(b"factorgate/state/ids/v1")?,
            tags: SipHasher24::new_with_key(tags.first_chunk()?),
            grant: derive(b"factorgate/grant/mac/v1")?,
        })
    }

    pub(super) fn sign_grant(&self, payload: &[u8]) -> [u8; MAC_LEN] {
        hmac(&self.grant, &[payload])
    }

    /// Constant-time check of a grant's tag (`verify_slice`).
    pub(super) fn verify_grant(&self, payload: &[u8], tag: &[u8]) -> bool {
        let mut m = self.grant.clone();
        m.update(payload);
        m.verify_slice(tag).is_ok()
    }

    pub(super) fn sign(&self, payload: &[u8]) -> [u8; MAC_LEN] {
        hmac(&self.mac, &[payload])
    }

    pub(super) fn verify(&self, payload: &[u8], tag: &[u8]) -> bool {
        let mut m = self.mac.clone();
        m.update(payload);
        m.verify_slice(tag).is_ok()
    }

    /// The user binding.
    pub(super) fn user_tag(&self, hash: TagHash, user_id: &str) -> [u8; 8] {
        self.tag(hash, &[b"u", user_id.as_bytes()])
    }

    /// Salted with the user, so the same device on two accounts cannot be linked from their states.
    pub(super) fn device_tag(&self, hash: TagHash, user_id: &str, device_id: &str) -> [u8; 8] {
        self.salted(hash, b"d", user_id, device_id)
    }

    /// The host's session id, salted with the user like a device id.
    pub(super) fn session_tag(&self, hash: TagHash, user_id: &str, session_id: &str) -> [u8; 8] {
        self.salted(hash, b"s", user_id, session_id)
    }

    fn salted(&self, hash: TagHash, label: &[u8], user_id: &str, id: &str) -> [u8; 8] {
        let len = (user_id.len() as u64).to_be_bytes();
        self.tag(hash, &[label, &len, user_id.as_bytes(), id.as_bytes()])
    }

    /// The tag of the concatenated `parts`.
    fn tag(&self, hash: TagHash, parts: &[&[u8]]) -> [u8; 8] {
        match hash {
            TagHash::Sip => sip(self.tags, parts),
            TagHash::Hmac => prefix(&hmac(&self.ids, parts)),
        }
    }
}

/// HMAC-SHA256 under a pre-keyed `key` of the concatenated `parts`.
fn hmac(key: &HmacSha256, parts: &[&[u8]]) -> [u8; MAC_LEN] {
    let mut m = key.clone();
    parts.iter().for_each(|p| m.update(p));
    m.finalize().into_bytes().into()
}

/// SipHash-2-4 of the concatenated `parts`, as the reference implementation's 8 output bytes.
fn sip(mut h: SipHasher24, parts: &[&[u8]]) -> [u8; 8] {
    parts.iter().for_each(|p| h.write(p));
    h.finish().to_le_bytes()
}

/// The engine's keys (docs/contract.md#memory, key rotation): the current one signs every state
/// and grant; a state or grant signed under a previous one (`previousStateKeys`) is still read,
/// and a device remembered under one is still recognised (and hashed again under the current key
/// once seen).
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// Signs.
    pub current: StateKey,
    /// Still read, in the order given.
    pub previous: Vec<StateKey>,
}

impl Keys {
    /// The current key, then the previous ones.
    pub(crate) fn all(&self) -> impl Iterator<Item = &StateKey> {
        std::iter::once(&self.current).chain(self.previous.iter())
    }
}

pub(crate) fn prefix<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SipHash-2-4 paper's test vector (Appendix A: key 00..0f, message 00..0e), fed in
    /// parts as the tags are.
    #[test]
    fn sip_is_siphash_2_4() {
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let msg: [u8; 15] = core::array::from_fn(|i| i as u8);
        let h = SipHasher24::new_with_key(&key);
        let want = 0xa129_ca61_49be_45e5_u64.to_le_bytes();
        assert_eq!(sip(h, &[&msg]), want);
        let (a, b) = msg.split_at(3);
        let (b, c) = b.split_at(8);
        assert_eq!(sip(h, &[a, &[], b, c]), want);
    }

    #[test]
    fn tags_differ_by_hash_by_kind_and_by_key() {
        let k = StateKey::new(b"0123456789abcdef-test-key").unwrap();
        let other = StateKey::new(b"0123456789abcdef-test-kez").unwrap();
        let all = [
            k.user_tag(TagHash::Sip, "alice"),
            k.user_tag(TagHash::Hmac, "alice"),
            k.device_tag(TagHash::Sip, "alice", "laptop"),
            k.device_tag(TagHash::Hmac, "alice", "laptop"),
            k.session_tag(TagHash::Sip, "alice", "laptop"),
            k.device_tag(TagHash::Sip, "alicelaptop", ""),
            other.user_tag(TagHash::Sip, "alice"),
            other.device_tag(TagHash::Sip, "alice", "laptop"),
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(all.iter().skip(i + 1).all(|b| b != a), "tag {i} repeats");
        }
    }
}
