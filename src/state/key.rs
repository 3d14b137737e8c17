//! The state keys: derived once from the host's `stateKey`, used to sign states and to hash the
//! user and device ids kept in them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Minimum state key length in bytes.
pub(crate) const MIN_STATE_KEY: usize = 16;
/// Most previous state keys an engine accepts (`previousStateKeys`).
pub(crate) const MAX_PREVIOUS_KEYS: usize = 8;

/// Length of the state's signature.
pub(crate) const MAC_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// The engine's state keys, derived once from the host's `stateKey` when the policy is compiled:
/// one for the state's signature, one for the keyed hashes of user and device ids, one for the
/// signature of approval grants (a distinct label, so a state can never pass for a grant nor a
/// grant for a state). Each is kept pre-keyed (HMAC's inner and outer pads already hashed), so a
/// call pays only for its message.
#[derive(Clone)]
pub(crate) struct StateKey {
    mac: HmacSha256,
    ids: HmacSha256,
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
        let derive = |label: &[u8]| -> Option<HmacSha256> {
            let mut m = HmacSha256::new_from_slice(secret).ok()?;
            m.update(label);
            HmacSha256::new_from_slice(&m.finalize().into_bytes()).ok()
        };
        Some(StateKey {
            mac: derive(b"factorgate/state/mac/v1")?,
            ids: derive(b"factorgate/state/ids/v1")?,
            grant: derive(b"factorgate/grant/mac/v1")?,
        })
    }

    pub(super) fn sign_grant(&self, payload: &[u8]) -> [u8; MAC_LEN] {
        let mut m = self.grant.clone();
        m.update(payload);
        m.finalize().into_bytes().into()
    }

    /// Constant-time check of a grant's tag (`verify_slice`).
    pub(super) fn verify_grant(&self, payload: &[u8], tag: &[u8]) -> bool {
        let mut m = self.grant.clone();
        m.update(payload);
        m.verify_slice(tag).is_ok()
    }

    pub(super) fn sign(&self, payload: &[u8]) -> [u8; MAC_LEN] {
        let mut m = self.mac.clone();
        m.update(payload);
        m.finalize().into_bytes().into()
    }

    pub(super) fn verify(&self, payload: &[u8], tag: &[u8]) -> bool {
        let mut m = self.mac.clone();
        m.update(payload);
        m.verify_slice(tag).is_ok()
    }

    pub(super) fn user_tag(&self, user_id: &str) -> [u8; 8] {
        let mut m = self.ids.clone();
        m.update(b"u");
        m.update(user_id.as_bytes());
        prefix(&m.finalize().into_bytes())
    }

    /// Salted with the user, so the same device on two accounts cannot be linked from their states.
    pub(super) fn device_tag(&self, user_id: &str, device_id: &str) -> [u8; 8] {
        self.salted(b"d", user_id, device_id)
    }

    /// The host's session id, salted with the user like a device id.
    pub(super) fn session_tag(&self, user_id: &str, session_id: &str) -> [u8; 8] {
        self.salted(b"s", user_id, session_id)
    }

    fn salted(&self, label: &[u8], user_id: &str, id: &str) -> [u8; 8] {
        let mut m = self.ids.clone();
        m.update(label);
        m.update(&(user_id.len() as u64).to_be_bytes());
        m.update(user_id.as_bytes());
        m.update(id.as_bytes());
        prefix(&m.finalize().into_bytes())
    }
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
