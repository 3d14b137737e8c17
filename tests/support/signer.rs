//! A state signer for tests and fuzzing (included with `#[path]` by tests/properties.rs and
//! fuzz/src/lib.rs): signs arbitrary state bodies the way the engine does (docs/contract.md#memory,
//! `src/state/codec.rs`), so that the state decoder can be driven behind its signature, and opens the
//! engine's own states to read their bodies. Kept outside `src/` so the library itself offers no
//! way to forge or read a state.

use core::hash::Hasher;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use siphasher::sip::SipHasher24;

type HmacSha256 = Hmac<Sha256>;

/// Signs state bodies as the engine does (docs/contract.md#memory; `src/state/codec.rs`): keys derived from the secret
/// by label, an 8-byte tag binding the state to its user (SipHash-2-4 from version 4, HMAC-SHA256
/// before), HMAC-SHA256 over everything.
pub struct Signer {
    mac: HmacSha256,
    ids: HmacSha256,
    tags: SipHasher24,
}

impl Signer {
    pub fn new(secret: &str) -> Signer {
        let label = |label: &[u8]| {
            let mut m = key(secret.as_bytes());
            m.update(label);
            m.finalize().into_bytes()
        };
        let mut tags = [0u8; 16];
        tags.copy_from_slice(&label(b"factorgate/state/tags/v4")[..16]);
        Signer {
            mac: key(&label(b"factorgate/state/mac/v1")),
            ids: key(&label(b"factorgate/state/ids/v1")),
            tags: SipHasher24::new_with_key(&tags),
        }
    }

    /// The 8-byte user binding of a state of `version`: SipHash from version 4 on, HMAC before.
    pub fn user_tag(&self, version: u8, user_id: &str) -> [u8; 8] {
        if version >= 4 {
            let mut h = self.tags;
            h.write(b"u");
            h.write(user_id.as_bytes());
            return h.finish().to_le_bytes();
        }
        let mut m = self.ids.clone();
        m.update(b"u");
        m.update(user_id.as_bytes());
        let mut out = [0u8; 8];
        out.copy_from_slice(&m.finalize().into_bytes()[..8]);
        out
    }

    /// `version`, the user binding, `body`, then the signature; base64url without padding.
    pub fn state(&self, version: u8, user_id: &str, body: &[u8]) -> String {
        let mut raw = vec![version];
        raw.extend_from_slice(&self.user_tag(version, user_id));
        raw.extend_from_slice(body);
        let mut m = self.mac.clone();
        m.update(&raw);
        raw.extend_from_slice(&m.finalize().into_bytes());
        b64url(&raw)
    }

    /// The verified body of a state (without version and user binding), or `None`: version 1,
    /// version 2 (the same body, then the last recovery and the used grants), version 3 (then
    /// the last session, the privileged time and the factor changes), or version 4 (the same
    /// lists, then the fields that are set).
    pub fn open(&self, user_id: &str, state: &str) -> Option<Vec<u8>> {
        let raw = unb64url(state)?;
        let n = raw.len().checked_sub(32)?;
        let (payload, tag) = raw.split_at(n);
        let mut m = self.mac.clone();
        m.update(payload);
        m.verify_slice(tag).ok()?;
        let (head, body) = payload.split_at_checked(9)?;
        ((1..=4).contains(&head[0]) && head[1..] == self.user_tag(head[0], user_id))
            .then(|| body.to_vec())
    }
}

/// HMAC-SHA256 takes a key of any length.
fn key(bytes: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(bytes) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn b64url(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

pub fn unb64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6 | v) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}
