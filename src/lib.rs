//! factorgate: explainable MFA step-up and enrollment-risk decisions for identity providers.
//!
//! The core knows nothing of WebAssembly: every entry point is a plain Rust function with a
//! `*_json` twin (see [`api`]); `wasm.rs` only binds those twins for JavaScript.

pub mod alerts;
pub mod api;
pub mod assurance;
pub mod borders;
pub mod context;
pub mod decision;
pub mod decode;
pub mod encode;
pub mod enrollment;
pub mod error;
pub mod exceptions;
pub mod factors;
pub mod failmode;
pub mod json;
pub mod limits;
pub mod login;
pub mod networks;
pub mod policy;
pub mod request;
pub mod risk;
pub mod signals;
pub mod state;
pub mod time;
pub mod travel;

/// The wasm boundary (wasm32 only); public so wasm-bindgen-test can reach it.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use api::{
    compile_policy_json, default_policy_json, review_exceptions_json, validate_policy_json,
    version_json, Engine, EngineOptions,
};
pub use decision::{Decision, Outcome, ReasonCode};
