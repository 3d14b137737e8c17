//! The same login decision through the native Rust API, for `make bench` (bench/run.mjs runs it):
//! JSON in and out, signed state included, so the package's numbers can be read against what the
//! engine itself costs without a wasm or JS boundary.
//!
//!   cargo run --release --example native-bench -- <state key> <now ms> <request.json>
//!
//! Prints one JSON line: the best of five rounds, in µs per call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

fn best_us(rounds: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..calls / 10 {
        f();
    }
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / calls as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, key, now, path] = args.as_slice() else {
        panic!("usage: native-bench <state key> <now ms> <request.json>");
    };
    let now: f64 = now.parse().expect("now ms");
    let request = std::fs::read_to_string(path).expect("request file");
    let policy = factorgate::default_policy_json();
    let options = format!(r#"{{"stateKey":"{key}"}}"#);
    let engine = factorgate::compile_policy_json(&policy, &options).expect("default policy");
    let first = engine.decide_login_json(&request, now);
    assert!(first.starts_with(r#"{"type":"decision""#), "{first}");
    let login = best_us(5, 20_000, || {
        std::hint::black_box(engine.decide_login_json(&request, now));
    });
    let compile = best_us(5, 500, || {
        std::hint::black_box(factorgate::compile_policy_json(&policy, &options).is_ok());
    });
    println!(r#"{{"loginUs":{login:.3},"compileDefaultUs":{compile:.3}}}"#);
}
