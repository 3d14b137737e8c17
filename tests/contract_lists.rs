//! Each enumeration of the contract is declared once in Rust (`contract_enum!`); this test fails
//! when `js/index.d.ts` or `schema/policy.schema.json` list other values than the Rust code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use factorgate::internals::contract_lists;
use serde_json::Value;
use std::collections::BTreeSet;

/// The Rust list called `name`.
fn rust(name: &str) -> BTreeSet<String> {
    contract_lists()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no Rust list {name}"))
        .1
        .into_iter()
        .map(String::from)
        .collect()
}

/// The string literals of `export type {name} = 'a' | 'b' ...;` in index.d.ts.
fn dts_union(dts: &str, name: &str) -> BTreeSet<String> {
    let start = format!("export type {name} =");
    let at = dts
        .find(&start)
        .unwrap_or_else(|| panic!("index.d.ts has no `{start}`"));
    let rest = &dts[at + start.len()..];
    let body = &rest[..rest.find(';').unwrap()];
    let values: BTreeSet<String> = body
        .split('|')
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| {
            assert!(
                v.starts_with('\'') && v.ends_with('\''),
                "{name}: `{v}` is not a string literal"
            );
            v.trim_matches('\'').to_string()
        })
        .collect();
    assert!(!values.is_empty(), "{name} is empty in index.d.ts");
    values
}

fn schema_enum(schema: &Value, def: &str) -> BTreeSet<String> {
    schema["$defs"][def]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("schema has no $defs/{def}/enum"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn index_d_ts_lists_what_rust_declares() {
    let dts =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/index.d.ts")).unwrap();
    let pairs = [
        ("UserKind", "UserKind"),
        ("ActorKind", "ActorKind"),
        ("Sensitivity", "Sensitivity"),
        ("Level", "RiskLevel"),
        ("FactorType", "FactorType"),
        ("Outcome", "Outcome"),
        ("Entry", "Entry"),
        ("ReasonCode", "ReasonCode"),
        ("ChangeAction", "ChangeAction"),
        ("ActionType", "ActionType"),
        ("RecoveryMethodType", "RecoveryMethodType"),
        ("CodeChannel", "CodeChannel"),
        ("Phase", "Phase"),
        ("Confidence", "Confidence"),
        ("ExceptionStatus", "ExceptionStatus"),
        ("ErrorCode", "ErrorCode"),
    ];
    for (rust_name, ts_name) in pairs {
        assert_eq!(
            dts_union(&dts, ts_name),
            rust(rust_name),
            "js/index.d.ts `{ts_name}` differs from the Rust `{rust_name}`"
        );
    }
}

#[test]
fn policy_schema_lists_what_rust_declares() {
    let schema: Value = serde_json::from_str(include_str!("../schema/policy.schema.json")).unwrap();
    let pairs = [
        ("FactorType", "factorType"),
        ("Sensitivity", "sensitivity"),
        ("Level", "level"),
        ("UserKind", "userKind"),
        ("Entry", "entry"),
        ("ReasonCode", "reasonCode"),
        ("RestrictedUse", "restrictedUse"),
        ("DelegatedPrivileged", "delegatedPrivileged"),
        ("NetworkKind", "networkKind"),
        ("FailMode", "failModeValue"),
        ("ChangeAction", "changeAction"),
        ("ActionType", "actionType"),
        ("RecoveryMethodType", "recoveryMethodType"),
    ];
    for (rust_name, def) in pairs {
        assert_eq!(
            schema_enum(&schema, def),
            rust(rust_name),
            "schema $defs/{def} differs from the Rust `{rust_name}`"
        );
    }
}

#[test]
fn every_rust_list_is_checked_somewhere() {
    // A new contract enumeration must be added to one of the tests above.
    let checked = [
        "UserKind",
        "ActorKind",
        "Sensitivity",
        "Level",
        "FactorType",
        "Outcome",
        "Entry",
        "ReasonCode",
        "ChangeAction",
        "ActionType",
        "RecoveryMethodType",
        "CodeChannel",
        "Phase",
        "Confidence",
        "ExceptionStatus",
        "ErrorCode",
        "RestrictedUse",
        "DelegatedPrivileged",
        "NetworkKind",
        "FailMode",
    ];
    for (name, values) in contract_lists() {
        assert!(checked.contains(&name), "{name} is checked by no test");
        let unique: BTreeSet<_> = values.iter().collect();
        assert_eq!(unique.len(), values.len(), "{name} repeats a wire name");
    }
}
