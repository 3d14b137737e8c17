//! The policy: a strict JSON document merged field by field over the embedded default, so that
//! the default policy *is* `Policy::default()` and a custom policy only says where it differs
//! (`docs/contract.md#policy`). [`document`] holds the sections, [`validate`] reads and checks a
//! document, [`compile`] prepares it for decisions (networks parsed, digest taken) and writes and reads its
//! compact binary form. Reading and checking a document's text is the `policy-json` feature.

mod compile;
mod document;
#[cfg(feature = "policy-json")]
mod validate;

pub(crate) use compile::seal;
pub use compile::CompiledPolicy;
pub use document::*;
#[cfg(feature = "policy-json")]
pub use validate::parse;
