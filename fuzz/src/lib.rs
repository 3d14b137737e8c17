//! The fuzz targets' bodies live in tests/support/fuzz_checks.rs, shared with the native replay
//! of every seed and crasher (tests/fuzz_regressions.rs, part of `cargo test`); the state signer
//! in tests/support/signer.rs. This crate only includes them for the libFuzzer binaries.

#[path = "../../tests/support/signer.rs"]
pub mod signer;

#[path = "../../tests/support/fuzz_checks.rs"]
pub mod checks;

pub use checks::{policy, request, state};
