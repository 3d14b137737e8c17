//! Policy validation and compilation (see `checks::policy` in tests/support/fuzz_checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| factorgate_fuzz::policy(data));
