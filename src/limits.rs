//! Caps on everything a host sends, so that no input makes a call slow or large.
//!
//! | what | cap |
//! |---|---|
//! | request document | 64 KiB |
//! | policy document | 256 KiB |
//! | any identifier, role, type or free-text string in a request | 256 bytes |
//! | `session.userAgent` | 1 KiB |
//! | `state` | 8 KiB |
//! | `change.approval` (a grant) | 1 KiB |
//! | `user.factors`, `session.methods` | 32 items |
//! | `user.roles`, `user.capabilities`, `hostRisk.signals`, `requested.acr` | 64 items |
//! | policy lists (roles, networks, exceptions, ...) | 1000 items |
//! | JSON nesting | 128 levels |
//!
//! A leaf of the crate: constants only. A request over any cap is a `tooLarge`/`limitExceeded` error with the path of the field, never
//! a slow call. A list over its cap is skipped to its end (bounded by the document cap) so the
//! error names the list.

/// Largest request document accepted, in bytes.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// Largest policy document accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;
/// Cap for ordinary strings (ids, roles, types, tickets, countries).
pub const MAX_TEXT: usize = 256;
/// Cap for user-agent strings.
pub const MAX_USER_AGENT: usize = 1024;
/// Cap for the opaque state string.
pub const MAX_STATE: usize = 8 * 1024;
/// Cap for an approval grant (`change.approval`).
pub const MAX_GRANT: usize = 1024;
/// Cap for factor and method lists.
pub const MAX_FACTORS: usize = 32;
/// Cap for role, capability, signal and acr lists.
pub const MAX_TAGS: usize = 64;
/// Cap for lists inside a policy.
pub const MAX_POLICY_LIST: usize = 1000;
/// Deepest nesting of objects and arrays accepted (serde_json's limit, kept for hosts that relied
/// on it).
pub const MAX_DEPTH: usize = 128;
