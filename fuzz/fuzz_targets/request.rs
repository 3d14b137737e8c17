//! Request decoding and both decisions (see `checks::request` in tests/support/fuzz_checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| factorgate_fuzz::request(data));
