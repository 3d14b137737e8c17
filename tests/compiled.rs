//! The compiled policy's binary form (`Engine::compiled_policy`, `from_compiled_policy_json`):
//! an engine read from the bytes decides every vector exactly as the engine compiled from the
//! text; bytes → policy → bytes is the identity and carries the digest; truncated or altered
//! bytes are a tagged `invalidCompiledPolicy` error (or, altered and sealed again, a valid
//! engine), never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::internals::seal_compiled_policy;
use factorgate::{
    compile_policy_json, compile_policy_to_bytes_json, default_policy_json,
    from_compiled_policy_json, Engine, EngineOptions,
};
use factorgate_cases::{case_files, read_case, run, run_with};
use std::cell::RefCell;
use std::path::Path;

const CHECK_LEN: usize = 8;

/// The engine from `bytes`, held to `text` (the engine compiled from the policy's text): the
/// same decoded policy, the same reference (digest), and the same bytes written again.
fn through_bytes(text: &Engine, options: &str) -> Engine {
    let bytes = text.compiled_policy();
    let engine = from_compiled_policy_json(&bytes, options).unwrap();
    assert_eq!(engine.policy().policy, text.policy().policy);
    assert_eq!(engine.policy().reference, text.policy().reference);
    assert_eq!(engine.compiled_policy(), bytes, "bytes → policy → bytes");
    engine
}

fn default_bytes() -> Vec<u8> {
    Engine::with_default_policy(EngineOptions::default())
        .unwrap()
        .compiled_policy()
}

/// A tiny deterministic generator (xorshift64*), so the corruption runs are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn is_invalid_compiled(err: &str) -> bool {
    let v: serde_json::Value = serde_json::from_str(err).unwrap();
    v["type"] == "error" && v["errors"][0]["code"] == "invalidCompiledPolicy"
}

#[test]
fn the_default_policy_through_bytes() {
    let embedded = Engine::with_default_policy(EngineOptions::default()).unwrap();
    let text = compile_policy_json(&default_policy_json(), "").unwrap();
    let bytes = embedded.compiled_policy();
    // The embedded default and the default's text are one policy: one form, one digest.
    assert_eq!(bytes, text.compiled_policy());
    assert_eq!(
        compile_policy_to_bytes_json(&default_policy_json()).unwrap(),
        bytes
    );
    let engine = through_bytes(&text, "");
    assert_eq!(engine.policy().reference, embedded.policy().reference);
    assert_eq!(&bytes[..4], b"FGCP");
    // Smaller than the canonical text it stands for.
    assert!(
        bytes.len() < default_policy_json().len() / 2,
        "{} bytes",
        bytes.len()
    );
}

#[test]
fn the_example_policy_through_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("schema/example.policy.json")).unwrap();
    let engine = compile_policy_json(&text, "").unwrap();
    through_bytes(&engine, "");
    assert_eq!(
        compile_policy_to_bytes_json(&text).unwrap(),
        engine.compiled_policy()
    );
}

#[test]
fn every_vector_decides_the_same_through_bytes() {
    let files = case_files(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")]).unwrap();
    let policies = RefCell::new(std::collections::BTreeSet::new());
    let compile = |policy: &str, options: &str| -> Result<Engine, String> {
        let text = compile_policy_json(policy, options)?;
        policies
            .borrow_mut()
            .insert(text.policy().reference.digest.clone());
        Ok(through_bytes(&text, options))
    };
    let mut steps = 0;
    for file in &files {
        let case = read_case(file).unwrap();
        let from_text = run(&case, None).unwrap();
        let from_bytes = run_with(&case, None, &compile).unwrap();
        assert_eq!(from_text.len(), from_bytes.len(), "{}", file.display());
        for (a, b) in from_text.iter().zip(&from_bytes) {
            assert_eq!(a.result, b.result, "{} {}", file.display(), a.label);
            assert_eq!(a.mismatches, b.mismatches);
            steps += 1;
        }
    }
    let policies = policies.borrow().len();
    assert!(
        policies >= 20 && steps >= files.len(),
        "{policies} policies, {steps} calls"
    );
}

#[test]
fn options_are_not_in_the_bytes() {
    let keyed = compile_policy_json(
        &default_policy_json(),
        r#"{"stateKey":"0123456789abcdef0123"}"#,
    )
    .unwrap();
    assert_eq!(keyed.compiled_policy(), default_bytes());
    let bad = from_compiled_policy_json(&default_bytes(), r#"{"stateKey":"short"}"#).unwrap_err();
    assert!(bad.contains("invalidOption"), "{bad}");
    let bad = from_compiled_policy_json(&default_bytes(), "{").unwrap_err();
    assert!(bad.contains("invalidJson"), "{bad}");
}

#[test]
fn every_truncation_is_a_tagged_error() {
    let bytes = default_bytes();
    for n in 0..bytes.len() {
        let err = from_compiled_policy_json(&bytes[..n], "").unwrap_err();
        assert!(is_invalid_compiled(&err), "{n}: {err}");
    }
    // Truncated and sealed again: the check holds, so the reader itself must stop.
    let body = &bytes[..bytes.len() - CHECK_LEN];
    for n in 0..body.len() {
        let mut cut = body[..n].to_vec();
        seal_compiled_policy(&mut cut);
        let err = from_compiled_policy_json(&cut, "").unwrap_err();
        assert!(is_invalid_compiled(&err), "{n}: {err}");
    }
}

#[test]
fn corrupt_bytes_are_a_tagged_error_or_an_engine() {
    let bytes = default_bytes();
    let body = &bytes[..bytes.len() - CHECK_LEN];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let (mut engines, mut errors) = (0, 0);
    let login = r#"{"user":{"id":"u1","kind":"employee"},"now":"2027-01-15T08:00:00Z"}"#;
    for round in 0..4000 {
        let mut altered = bytes.clone();
        let at = rng.below(altered.len());
        altered[at] ^= 1 + rng.below(255) as u8;
        // As it is, the check refuses it.
        let err = from_compiled_policy_json(&altered, "").unwrap_err();
        assert!(is_invalid_compiled(&err), "{round}: {err}");
        // Sealed again, only the reader stands between the bytes and an engine.
        let mut resealed = body.to_vec();
        let at = rng.below(resealed.len());
        resealed[at] ^= 1 + rng.below(255) as u8;
        seal_compiled_policy(&mut resealed);
        match from_compiled_policy_json(&resealed, "") {
            Ok(engine) => {
                engines += 1;
                // One form per policy: what it reads it writes back, byte for byte.
                assert_eq!(engine.compiled_policy(), resealed);
                let _ = engine.decide_login_json(login, 1.8e12);
            }
            Err(err) => {
                errors += 1;
                assert!(is_invalid_compiled(&err), "{round}: {err}");
            }
        }
    }
    assert!(
        engines > 0 && errors > 0,
        "{engines} engines, {errors} errors"
    );
}

#[test]
fn other_headers_are_refused() {
    let bytes = default_bytes();
    let mut magic = bytes.clone();
    magic[0] = b'X';
    let err = from_compiled_policy_json(&magic, "").unwrap_err();
    assert!(err.contains("no FGCP header"), "{err}");
    let mut version = bytes[..bytes.len() - CHECK_LEN].to_vec();
    version[4] = 2;
    seal_compiled_policy(&mut version);
    let err = from_compiled_policy_json(&version, "").unwrap_err();
    assert!(err.contains("another format version"), "{err}");
    let mut longer = bytes[..bytes.len() - CHECK_LEN].to_vec();
    longer.push(0);
    seal_compiled_policy(&mut longer);
    let err = from_compiled_policy_json(&longer, "").unwrap_err();
    assert!(err.contains("bytes after the policy"), "{err}");
    let err = from_compiled_policy_json(&vec![0; 300 * 1024], "").unwrap_err();
    assert!(is_invalid_compiled(&err), "{err}");
}

#[test]
fn the_layout_is_pinned() {
    use sha2::{Digest, Sha256};
    let bytes = default_bytes();
    let sum: String = Sha256::digest(&bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        (bytes.len(), sum.as_str()),
        (664, "e47d63ec36dedd42"),
        "the default policy's compiled bytes changed. A field added, removed, moved or retyped \
         changes the layout: bump FORMAT_VERSION (src/policy/compile.rs) so older bytes are \
         refused, then pin the new value here. A default value changed: pin the new value."
    );
}
