//! The fuzz targets' checks (tests/support/fuzz_checks.rs), replayed natively by `cargo test`:
//! every input that ever crashed a target (tests/fuzz-crashers/TARGET/, kept for good, named
//! after what they found) and the seeds the corpora start from (tests/vectors requests and
//! policy patches, the example policy). The fuzzing itself is `make fuzz` (scripts/fuzz.sh).
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "support/signer.rs"]
mod signer;

#[allow(dead_code)]
#[path = "support/fuzz_checks.rs"]
mod checks;

use factorgate_cases::merge_patch;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => vec![],
    };
    out.sort();
    out
}

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let crashers = files(&root().join("tests/fuzz-crashers").join(target));
    for path in &crashers {
        let data = std::fs::read(path).unwrap();
        println!("{target}: {}", path.display());
        run(&data);
    }
    crashers.len()
}

#[test]
fn every_request_crasher_now_passes() {
    replay("request", checks::request);
}

#[test]
fn every_policy_crasher_now_passes() {
    replay("policy", checks::policy);
}

#[test]
fn every_state_crasher_now_passes() {
    replay("state", checks::state);
}

/// The seeds (fuzz/seed.mjs writes the same ones into the corpora): every vector's request, and
/// each step of a multi-step vector as its first request patched (RFC 7386), through the request
/// checks; every policy patch, `{}` and the example policy through the policy checks.
#[test]
fn the_seeds_pass_the_fuzz_checks() {
    let mut requests = 0;
    let mut policies = 0;
    for path in files(&root().join("tests/vectors")) {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Some(p) = v.get("policyPatch") {
            checks::policy(p.to_string().as_bytes());
            policies += 1;
        }
        let Some(mut request) = v.get("request").cloned() else {
            continue;
        };
        checks::request(request.to_string().as_bytes());
        requests += 1;
        for step in v["steps"].as_array().into_iter().flatten() {
            merge_patch(&mut request, &step["requestPatch"]);
            checks::request(request.to_string().as_bytes());
            requests += 1;
        }
    }
    let example = std::fs::read(root().join("schema/example.policy.json")).unwrap();
    checks::policy(&example);
    checks::policy(b"{}");
    assert!(
        requests > 100 && policies > 5,
        "{requests} requests, {policies} policies"
    );
    // State seeds: an unsigned text, an empty signed body, two histories.
    checks::state(b"\x00AAAA");
    checks::state(&[[1u8, 1].as_slice(), &[0; 16]].concat());
    checks::state(
        &[
            &[2u8][..],
            &(0..60u8).map(|i| i.wrapping_mul(37)).collect::<Vec<_>>(),
        ]
        .concat(),
    );
}
