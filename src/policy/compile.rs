//! A policy compiled once into the form decisions read: parsed networks and exceptions, its
//! digest; and the compiled policy's compact binary form ([`CompiledPolicy::to_bytes`],
//! [`CompiledPolicy::from_bytes`]), which carries the digest so that reading it needs no JSON.

use super::document::{Exception, Network, NetworkKind, Policy};
use crate::decision::{PolicyRef, ReasonCode};
use crate::error::{ErrorCode, ErrorItem};
use crate::json::{Bin, BinReader};
use crate::limits::MAX_POLICY_BYTES;
use crate::networks::Cidr;
use crate::time::Timestamp;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// The first bytes of a compiled policy.
const MAGIC: &[u8; 4] = b"FGCP";
/// The layout version after the magic; a reader refuses any other.
const FORMAT_VERSION: u8 = 1;
/// Bytes of the trailing check: the first bytes of the SHA-256 of everything before it.
const CHECK_LEN: usize = 8;

/// The embedded default policy's digest (`digest(&Policy::default())`), so that the default
/// engine needs no JSON writer; `the_embedded_default_is_valid` holds it to the computed one
/// (and prints the new value when the default changes).
pub(crate) const DEFAULT_DIGEST: &str =
    "sha256:6bca2b4147272239ba853e4bb3f3ce430df8414abeffb448cd3d6c5cc135f565";

/// A validated policy with everything decisions need precomputed.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// The policy as written, with defaults filled in.
    pub policy: Policy,
    /// Id, version and digest, copied into every decision.
    pub reference: PolicyRef,
    trusted: Vec<CompiledNetwork>,
    denied: Vec<CompiledNetwork>,
    exceptions: Vec<CompiledException>,
}

/// A network with its blocks parsed.
#[derive(Debug, Clone)]
pub struct CompiledNetwork {
    /// Name from the policy.
    pub name: String,
    /// Kind (trusted networks).
    pub kind: Option<NetworkKind>,
    cidrs: Vec<Cidr>,
    asns: Vec<u32>,
}

impl CompiledNetwork {
    fn matches(&self, ip: Option<IpAddr>, asn: Option<u32>) -> bool {
        ip.is_some_and(|ip| self.cidrs.iter().any(|c| c.contains(ip)))
            || asn.is_some_and(|a| self.asns.contains(&a))
    }
}

/// An exception with its times parsed.
#[derive(Debug, Clone)]
pub struct CompiledException {
    /// The exception as written.
    pub item: Exception,
    /// When it was granted.
    pub created: Timestamp,
    /// When it ends.
    pub expires: Timestamp,
}

impl CompiledPolicy {
    /// Decodes, validates and compiles a policy document (validated once, in `from_policy`).
    #[cfg(feature = "policy-json")]
    pub fn compile(json: &str) -> Result<Self, Vec<ErrorItem>> {
        Self::from_policy(super::validate::parse(json)?)
    }

    /// Compiles an already decoded policy, validating it first.
    #[cfg(feature = "policy-json")]
    pub fn from_policy(policy: Policy) -> Result<Self, Vec<ErrorItem>> {
        let errors = super::validate::check(&policy);
        if !errors.is_empty() {
            return Err(errors);
        }
        let digest = digest(&policy);
        Ok(Self::build(policy, digest))
    }

    /// The embedded default policy, compiled without reading any text and without validating
    /// it at run time: the tests validate it (`the_embedded_default_is_valid`), so the start-up
    /// path (`compilePolicy(defaultPolicy())`) neither runs nor compiles `validate::check`.
    pub fn embedded_default() -> Self {
        Self::build(Policy::default(), DEFAULT_DIGEST.to_string())
    }

    /// The compact binary form (docs/contract.md#compiled-policies): the magic `FGCP`, the format
    /// version, the digest (as in [`PolicyRef`]), every field of the policy in declaration order
    /// (`crate::json::binary`), and a check of 8 bytes (the start of the SHA-256 of all before
    /// it). The same policy always gives the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2048);
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        self.reference.digest.put(&mut out);
        self.policy.put(&mut out);
        seal(&mut out);
        out
    }

    /// Reads the form [`Self::to_bytes`] writes, without reading JSON or validating again (the
    /// bytes come from a compiled, so validated, policy; the check refuses altered or truncated
    /// bytes). Bounded, never panics: bytes that are not a compiled policy are one
    /// `invalidCompiledPolicy` error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ErrorItem> {
        let bad = |message: &str| ErrorItem::new(ErrorCode::InvalidCompiledPolicy, "", message);
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(bad("larger than any compiled policy (256 KiB)"));
        }
        if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err(bad("not a compiled factorgate policy (no FGCP header)"));
        }
        let body_len = bytes.len().saturating_sub(CHECK_LEN);
        let (body, check) = (bytes.get(..body_len), bytes.get(body_len..));
        let (Some(body), Some(check)) = (body, check) else {
            return Err(bad("truncated"));
        };
        if body_len < MAGIC.len() + 1 || Sha256::digest(body).get(..CHECK_LEN) != Some(check) {
            return Err(bad(
                "the check does not match: the bytes are truncated or altered",
            ));
        }
        let mut r = BinReader::new(body.get(MAGIC.len()..).unwrap_or_default());
        if r.byte() != Some(FORMAT_VERSION) {
            return Err(bad(
                "another format version: compile the policy with this engine",
            ));
        }
        let digest = String::take(&mut r)
            .filter(|d| is_digest(d))
            .ok_or_else(|| bad("malformed digest"))?;
        let policy = Policy::take(&mut r).ok_or_else(|| bad("malformed policy"))?;
        if r.remaining() != 0 {
            return Err(bad("bytes after the policy"));
        }
        Ok(Self::build(policy, digest))
    }

    fn build(policy: Policy, digest: String) -> Self {
        let reference = PolicyRef {
            id: policy.id.clone(),
            version: policy.version,
            digest,
        };
        let compile_nets = |nets: &[Network]| -> Vec<CompiledNetwork> {
            nets.iter()
                .map(|n| CompiledNetwork {
                    name: n.name.clone(),
                    kind: n.kind,
                    cidrs: n.cidrs.iter().filter_map(|c| Cidr::parse(c)).collect(),
                    asns: n.asns.clone(),
                })
                .collect()
        };
        let trusted = compile_nets(&policy.networks.trusted);
        let denied = compile_nets(&policy.networks.denied);
        let exceptions = policy
            .exceptions
            .items
            .iter()
            .filter_map(|x| {
                Some(CompiledException {
                    created: Timestamp::parse(&x.created_at)?,
                    expires: Timestamp::parse(x.expires_at.as_deref()?)?,
                    item: x.clone(),
                })
            })
            .collect();
        CompiledPolicy {
            policy,
            reference,
            trusted,
            denied,
            exceptions,
        }
    }

    /// Points the policy gives a reason.
    pub fn weight(&self, code: ReasonCode) -> i32 {
        self.policy.risk.weights.get(&code).copied().unwrap_or(0)
    }

    /// Does a role name match one of the privileged role patterns?
    pub fn is_privileged_role(&self, role: &str) -> bool {
        self.policy
            .privileged
            .roles
            .iter()
            .any(|pattern| role_matches(pattern, role))
    }

    /// The first trusted network containing the address or ASN.
    pub fn trusted_network(
        &self,
        ip: Option<IpAddr>,
        asn: Option<u32>,
    ) -> Option<&CompiledNetwork> {
        self.trusted.iter().find(|n| n.matches(ip, asn))
    }

    /// The first denied network containing the address or ASN.
    pub fn denied_network(&self, ip: Option<IpAddr>, asn: Option<u32>) -> Option<&CompiledNetwork> {
        self.denied.iter().find(|n| n.matches(ip, asn))
    }

    /// Every exception, compiled.
    pub fn exceptions(&self) -> &[CompiledException] {
        &self.exceptions
    }
}

/// `*-admin` matches `payroll-admin`; a pattern without `*` matches exactly.
fn role_matches(pattern: &str, role: &str) -> bool {
    match crate::error::split_once_byte(pattern, b'*') {
        None => pattern == role,
        Some((prefix, suffix)) => {
            role.len() >= prefix.len() + suffix.len()
                && role.starts_with(prefix)
                && role.ends_with(suffix)
        }
    }
}

/// Appends the check of [`CompiledPolicy::to_bytes`] to `out`.
pub(crate) fn seal(out: &mut Vec<u8>) {
    let sum = Sha256::digest(out.as_slice());
    out.extend_from_slice(sum.get(..CHECK_LEN).unwrap_or_default());
}

/// `sha256:` and 64 lowercase hex digits.
fn is_digest(d: &str) -> bool {
    d.len() == 71
        && d.starts_with("sha256:")
        && d.bytes()
            .skip(7)
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// SHA-256 of the canonical form: the decoded policy (defaults filled) written as compact JSON
/// in its fields' order, maps in key order. Two documents that mean the same policy decode to the
/// same `Policy` and so have the same digest.
#[cfg(feature = "policy-json")]
pub(super) fn digest(policy: &Policy) -> String {
    let canonical = crate::json::to_json(policy);
    let hash = Sha256::digest(canonical.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(feature = "policy-json")]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_is_valid() {
        assert_eq!(
            DEFAULT_DIGEST,
            digest(&Policy::default()),
            "the default policy changed: set DEFAULT_DIGEST to its new digest"
        );
        // `embedded_default` skips the run-time check on the strength of this test.
        assert!(super::super::validate::check(&Policy::default()).is_empty());
        let checked = CompiledPolicy::from_policy(Policy::default()).unwrap();
        let text = CompiledPolicy::compile(&crate::json::to_json(&Policy::default())).unwrap();
        let embedded = CompiledPolicy::embedded_default();
        assert_eq!(embedded.reference, checked.reference);
        assert_eq!(embedded.reference, text.reference);
    }

    #[test]
    fn digest_is_canonical() {
        let a = CompiledPolicy::compile(r#"{"id":"p","version":1}"#).unwrap();
        let b = CompiledPolicy::compile(
            r#"{ "version": 1, "id": "p", "apps": {"defaultSensitivity": "medium"} }"#,
        )
        .unwrap();
        assert_eq!(a.reference.digest, b.reference.digest);
        let c = CompiledPolicy::compile(r#"{"id":"p","version":2}"#).unwrap();
        assert_ne!(a.reference.digest, c.reference.digest);
        assert!(a.reference.digest.starts_with("sha256:") && a.reference.digest.len() == 71);
    }

    #[test]
    fn role_patterns() {
        assert!(role_matches("*-admin", "payroll-admin"));
        assert!(!role_matches("*-admin", "admin"));
        assert!(role_matches("admin", "admin"));
        assert!(role_matches("org:*", "org:owner"));
        assert!(!role_matches("ab*ba", "aba"));
    }
}
