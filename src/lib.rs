//! factorgate: explainable MFA step-up and enrollment-risk decisions for identity providers.
//!
//! The core knows nothing of WebAssembly: every entry point is a plain Rust function with a
//! `*_json` twin ([`Engine::decide_login_json`], [`compile_policy_json`], ...), so `cargo test`
//! covers the whole contract natively; the `wasm` module only binds those twins for JavaScript.
//! The contract (request, decision, reason codes, policy, caps) is `docs/contract.md`; the layers
//! and the path of one request through them are `docs/architecture.md`.
//!
//! Every module is private; what is public is the list below. [`internals`] is for the crate's
//! own tests and fuzz targets, not a stable API.

#![deny(missing_docs)]
#![cfg_attr(factorgate_nightly, feature(optimize_attribute))]
#![deny(unreachable_pub)]

mod actions;
mod alerts;
mod api;
mod approvals;
mod assurance;
mod context;
mod decision;
mod diff;
mod enums;
mod error;
mod exceptions;
mod factor_change;
mod factors;
mod failmode;
mod geo;
mod json;
mod limits;
mod login;
mod networks;
mod policy;
mod recovery;
mod request;
mod requirement;
mod risk;
mod signals;
mod state;
mod time;

/// The wasm boundary (wasm32 only): the only `#[wasm_bindgen]` module. Public so that
/// wasm-bindgen-test can reach it.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use api::{
    compile_default_policy_json, decode_request, default_policy_json, from_compiled_policy_json,
    version_json, ApprovalGrant, Approver, Engine, EngineOptions, GrantRequest,
};
#[cfg(feature = "policy-json")]
pub use api::{
    compile_policy_json, compile_policy_to_bytes_json, review_exceptions_json, validate_policy_json,
};
pub use decision::{
    ActionExposure, Approval, Assurance, Campaign, Decision, Entry, Exposure, Notify, Outcome,
    PolicyRef, Reason, ReasonCode, RecoveryOutcome, Requirement, Risk,
};
pub use diff::{diff_decisions, diff_decisions_json, DiffClass, Direction, FieldChange};
pub use enums::{ActorKind, Level, Sensitivity, UserKind};
pub use error::{ErrorCode, ErrorItem};
pub use factors::{FactorType, Profile};
pub use json::{Bin, BinReader, BoundedString, BoundedVec, KeyMap, RawJson, Record, Text};
pub use policy::{CompiledPolicy, Policy};
pub use request::{
    Action, ActionTarget, ActionType, Actor, App, Change, ChangeAction, CodeChannel, Confidence,
    Device, Factor, FactorRef, Flags, Geo, HostRisk, Ip, Issuer, Method, Phase, Pushes, Recovery,
    RecoveryMethod, RecoveryMethodType, Request, Requested, Session, User,
};
pub use time::Timestamp;

/// Internals the crate's own tests, benchmarks and fuzz targets reach into: the JSON codec
/// (held to serde_json by `tests/json_reader.rs`), the caps, the state's bounds, and the
/// contract's lists (held to `js/index.d.ts` and the policy schema by `tests/contract_lists.rs`).
/// Not a stable API.
#[doc(hidden)]
pub mod internals {
    pub use crate::geo::row_cells;
    pub use crate::json::{format_number, from_str, parse_number, to_json, Decode, Encode};
    pub use crate::json::{Reader, Res, Writer};
    pub use crate::limits::*;
    #[cfg(feature = "policy-json")]
    pub use crate::policy::parse as parse_policy;
    pub use crate::policy::{DelegatedPrivileged, FailMode, NetworkKind, RestrictedUse};

    /// Appends the compiled policy's check to `bytes` (a compiled policy without its last 8
    /// bytes): for tests that alter a compiled policy's fields and still reach its reader.
    pub fn seal_compiled_policy(bytes: &mut Vec<u8>) {
        crate::policy::seal(bytes);
    }
    pub use crate::state::{
        MAX_CHANGES, MAX_DEVICES, MAX_ENCODED_LEN, MAX_NETWORKS, MAX_SIGNINS, MAX_USED_GRANTS,
    };

    /// Every enumeration of the contract with its wire names, in declaration order: what
    /// `js/index.d.ts` and `schema/policy.schema.json` must list.
    pub fn contract_lists() -> Vec<(&'static str, Vec<&'static str>)> {
        use crate::json::Named;
        fn names<T: Named>() -> Vec<&'static str> {
            T::VALUES.iter().map(|v| v.name()).collect()
        }
        vec![
            ("UserKind", names::<crate::UserKind>()),
            ("ActorKind", names::<crate::ActorKind>()),
            ("Sensitivity", names::<crate::Sensitivity>()),
            ("Level", names::<crate::Level>()),
            ("FactorType", names::<crate::FactorType>()),
            ("Outcome", names::<crate::Outcome>()),
            ("Entry", names::<crate::Entry>()),
            ("ReasonCode", names::<crate::ReasonCode>()),
            ("ChangeAction", names::<crate::ChangeAction>()),
            ("ActionType", names::<crate::ActionType>()),
            ("RecoveryMethodType", names::<crate::RecoveryMethodType>()),
            ("CodeChannel", names::<crate::CodeChannel>()),
            ("Phase", names::<crate::Phase>()),
            ("Confidence", names::<crate::Confidence>()),
            (
                "ExceptionStatus",
                names::<crate::exceptions::ReviewStatus>(),
            ),
            ("FailMode", names::<FailMode>()),
            ("NetworkKind", names::<NetworkKind>()),
            ("RestrictedUse", names::<RestrictedUse>()),
            ("DelegatedPrivileged", names::<DelegatedPrivileged>()),
            (
                "ErrorCode",
                crate::ErrorCode::ALL.iter().map(|c| c.as_str()).collect(),
            ),
        ]
    }
}
