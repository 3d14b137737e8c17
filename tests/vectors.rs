//! Runs every case in tests/vectors/ through the JSON twins (the same files pkg-tests runs
//! through the built npm package). The case format and the runner's semantics (merge patches,
//! steps threading state, tampering, the clock, the expectations) live in one place, the
//! `factorgate-cases` crate (cases/src/lib.rs), which `factorgate test` runs too.
//! `FACTORGATE_PRINT=1` prints every answer's gist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use factorgate_cases::{case_files, codes, read_case, run};
use std::path::Path;

#[test]
fn every_vector_holds() {
    let files = case_files(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")]).unwrap();
    assert!(
        files.len() >= 40,
        "expected at least 40 vectors, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let case = read_case(file).unwrap_or_else(|e| panic!("{e}"));
        let steps = run(&case, None).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for step in steps {
            let out = &step.result;
            if std::env::var_os("FACTORGATE_PRINT").is_some() {
                let name = file.file_name().unwrap().to_string_lossy();
                let reasons = codes(out.get("reasons"), "code");
                println!(
                    "{name} {}: {} {} {} {reasons:?} req={} appr={} notify={} alerts={:?} state={} err={}",
                    step.label,
                    out["outcome"],
                    out["risk"]["score"],
                    out["risk"]["level"],
                    out["requirement"],
                    out["approval"]["by"],
                    codes(out.get("notify"), "template").len(),
                    out["alerts"]
                        .as_array()
                        .map(|a| a.iter().map(|x| x["class_uid"].clone()).collect::<Vec<_>>()),
                    out["state"].as_str().map_or(0, str::len),
                    out["errors"]
                );
            }
            if !step.mismatches.is_empty() {
                failures.push(format!(
                    "{} {}:\n  {}\n  actual: {}",
                    file.display(),
                    step.label,
                    step.mismatches.join("\n  "),
                    out
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
