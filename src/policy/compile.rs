//! A policy compiled once into the form decisions read: parsed networks and exceptions, its digest.

use super::document::{Exception, Network, NetworkKind, Policy};
use crate::decision::{PolicyRef, ReasonCode};
use crate::error::ErrorItem;
use crate::networks::Cidr;
use crate::time::Timestamp;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

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
    pub fn compile(json: &str) -> Result<Self, Vec<ErrorItem>> {
        Self::from_policy(super::validate::parse(json)?)
    }

    /// Compiles an already decoded policy, validating it first.
    pub fn from_policy(policy: Policy) -> Result<Self, Vec<ErrorItem>> {
        let errors = super::validate::check(&policy);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self::build(policy))
    }

    /// The embedded default policy, compiled without reading any text and without validating
    /// it at run time: the tests validate it (`the_embedded_default_is_valid`), so the start-up
    /// path (`compilePolicy(defaultPolicy())`) neither runs nor compiles `validate::check`.
    pub fn embedded_default() -> Self {
        Self::build(Policy::default())
    }

    fn build(policy: Policy) -> Self {
        let reference = PolicyRef {
            id: policy.id.clone(),
            version: policy.version,
            digest: digest(&policy),
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

/// SHA-256 of the canonical form: the decoded policy (defaults filled) written as compact JSON
/// in its fields' order, maps in key order. Two documents that mean the same policy decode to the
/// same `Policy` and so have the same digest.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_is_valid() {
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
