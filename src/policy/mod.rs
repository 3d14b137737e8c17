//! The policy: a strict JSON document merged field by field over the embedded default, so that
//! the default policy *is* `Policy::default()` and a custom policy only says where it differs
//! (`docs/contract.md#policy`). [`document`] holds the sections, [`validate`] reads and checks a
//! document, [`compile`] prepares it for decisions (networks parsed, digest taken).

mod compile;
mod document;
mod validate;

pub use compile::CompiledPolicy;
pub use document::*;
pub use validate::parse;
