//! Approval grants (docs/contract.md#approvals): the compact signed token `grantApproval` returns
//! and a resubmitted change carries as `change.approval`. Only bytes and the signature here; what
//! a grant must match is decided in `crate::approvals`.
//!
//! Binary layout, version 1 (big-endian integers), then base64url without padding:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | version (1) |
//! | 1 | type (1: approval grant) |
//! | 8 | user binding: the state's keyed hash of the user id |
//! | 16 | approval id (the first 16 bytes of its SHA-256, `approval.id` in hex) |
//! | 8 | policy digest: the first 8 bytes of the policy's SHA-256 |
//! | 16 | reason codes present when it was granted: bit *i* is the *i*-th `ReasonCode` in declaration order |
//! | 4 | issued at, seconds since the epoch |
//! | 4 | expires at, seconds since the epoch |
//! | 1 + n | approver kind: length, then UTF-8 (at most 255 bytes) |
//! | 1 + m | approver id: length, then UTF-8 (at most 255 bytes) |
//! | 32 | HMAC-SHA256 of everything before it, under the grant key (`factorgate/grant/mac/v1`, derived from `stateKey` like the state's keys, with its own label) |
//!
//! The tag is checked first, in constant time (`verify_slice`), before any other byte is read.
//! A grant's id, which the state remembers once it is used, is the first 8 bytes of its tag.

use super::base64 as b64;
use super::key::{StateKey, MAC_LEN};

/// The format version of grants this engine writes.
const GRANT_VERSION: u8 = 1;
/// The type byte of an approval grant.
const GRANT_TYPE: u8 = 1;

/// What a grant says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrantClaims {
    /// The approver's kind (`soc`, `manager`, ...).
    pub approver_kind: String,
    /// The approver's id.
    pub approver_id: String,
    /// The approval id it grants.
    pub approval_id: [u8; 16],
    /// The policy digest's first bytes.
    pub policy: [u8; 8],
    /// The reason codes present when it was granted, as bits.
    pub reasons: u128,
    /// Issued at, seconds since the epoch.
    pub issued_at: u32,
    /// Expires at, seconds since the epoch.
    pub expires_at: u32,
}

/// A verified grant: what it says, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenGrant {
    /// Its claims.
    pub claims: GrantClaims,
    /// Its id: the first 8 bytes of its tag.
    pub id: [u8; 8],
}

/// Signs a grant for the user whose tag is `user`; `None` when an approver field is longer than
/// 255 bytes.
pub(super) fn issue(key: &StateKey, user: &[u8; 8], c: &GrantClaims) -> Option<(String, [u8; 8])> {
    let kind = u8::try_from(c.approver_kind.len()).ok()?;
    let id = u8::try_from(c.approver_id.len()).ok()?;
    let mut out = Vec::with_capacity(96 + c.approver_kind.len() + c.approver_id.len());
    out.push(GRANT_VERSION);
    out.push(GRANT_TYPE);
    out.extend_from_slice(user);
    out.extend_from_slice(&c.approval_id);
    out.extend_from_slice(&c.policy);
    out.extend_from_slice(&c.reasons.to_be_bytes());
    out.extend_from_slice(&c.issued_at.to_be_bytes());
    out.extend_from_slice(&c.expires_at.to_be_bytes());
    out.push(kind);
    out.extend_from_slice(c.approver_kind.as_bytes());
    out.push(id);
    out.extend_from_slice(c.approver_id.as_bytes());
    let tag = key.sign_grant(&out);
    out.extend_from_slice(&tag);
    Some((b64::encode(&out), super::key::prefix(&tag)))
}

/// Verifies a grant for the user whose tag is `user`, or says why it is not one.
pub(super) fn open(key: &StateKey, user: &[u8; 8], token: &str) -> Result<OpenGrant, &'static str> {
    let raw =
        b64::decode(token.trim_ascii()).ok_or("it is not a factorgate grant (not base64url)")?;
    let split = raw.len().checked_sub(MAC_LEN).filter(|n| *n > 0);
    let (payload, tag) = split
        .and_then(|n| raw.split_at_checked(n))
        .ok_or("it is too short to be a grant")?;
    if !key.verify_grant(payload, tag) {
        return Err("its signature does not verify (altered, forged, or signed with another key)");
    }
    let mut r = Reader(payload);
    let [version, kind] = r.take::<2>().ok_or("it is truncated")?;
    if version != GRANT_VERSION {
        return Err("its version is unknown");
    }
    if kind != GRANT_TYPE {
        return Err("it is not an approval grant");
    }
    let bound = r.take::<8>().ok_or("it is truncated")?;
    if &bound != user {
        return Err("it was granted for another user");
    }
    let claims = (|| {
        let approval_id = r.take::<16>()?;
        let policy = r.take::<8>()?;
        let reasons = u128::from_be_bytes(r.take::<16>()?);
        let issued_at = u32::from_be_bytes(r.take::<4>()?);
        let expires_at = u32::from_be_bytes(r.take::<4>()?);
        let approver_kind = r.text()?;
        let approver_id = r.text()?;
        r.0.is_empty().then_some(GrantClaims {
            approver_kind,
            approver_id,
            approval_id,
            policy,
            reasons,
            issued_at,
            expires_at,
        })
    })()
    .ok_or("it is malformed")?;
    Ok(OpenGrant {
        claims,
        id: super::key::prefix(tag),
    })
}

/// Bytes read front to back; every read is checked.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    /// A length byte, then that many bytes of UTF-8.
    fn text(&mut self) -> Option<String> {
        let [n] = self.take::<1>()?;
        let (head, rest) = self.0.split_at_checked(usize::from(n))?;
        self.0 = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}
