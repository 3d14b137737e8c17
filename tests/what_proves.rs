//! docs/contract.md#rules, "What proves": the sentences and assurance behind the what-proves vectors
//! (`tests/vectors/login-35..55`, `change-54..57`). The vectors hold outcomes and reason codes;
//! this file holds what the reasons say and what the decision claims the session proved.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate_cases::merge_patch;
use serde_json::Value;
use std::path::Path;

/// Runs the vector `name` and returns its decision.
fn decide(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(format!("{name}.json"));
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut policy: Value = serde_json::from_str(&factorgate::default_policy_json()).unwrap();
    if let Some(patch) = case.get("policyPatch") {
        merge_patch(&mut policy, patch);
    }
    let engine = factorgate::compile_policy_json(&policy.to_string(), "").unwrap();
    let now = factorgate::Timestamp::parse(case["now"].as_str().unwrap()).unwrap();
    let request = case["request"].to_string();
    let out = match case["entry"].as_str().unwrap() {
        "login" => engine.decide_login_json(&request, now.0 as f64 * 1000.0),
        _ => engine.assess_factor_change_json(&request, now.0 as f64 * 1000.0),
    };
    serde_json::from_str(&out).unwrap()
}

/// The sentence of reason `code`.
fn detail(out: &Value, code: &str) -> String {
    out["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", out["reasons"]))["detail"]
        .as_str()
        .unwrap()
        .to_string()
}

fn says(name: &str, code: &str, text: &str) {
    let d = detail(&decide(name), code);
    assert!(
        d.contains(text),
        "{name} {code}: {d:?} does not say {text:?}"
    );
}

#[test]
fn sim_swap_says_the_sms_code_proves_nothing() {
    says(
        "login-35-sim-swap-sms-proves-nothing-customer",
        "insufficientAal",
        "The session proved AAL1; AAL2 is required. The SIM was swapped: an SMS code proves nothing.",
    );
    says(
        "login-39-employee-voice-only-after-sim-swap-denied",
        "insufficientAal",
        "The SIM was swapped: a voice-call code proves nothing.",
    );
    says(
        "login-39-employee-voice-only-after-sim-swap-denied",
        "noFactors",
        "None of the user's factors can be used now",
    );
    says(
        "change-54-sim-swap-sms-session-does-not-bind-a-passkey",
        "insufficientAal",
        "the session proved AAL1. The SIM was swapped: an SMS code proves nothing.",
    );
}

#[test]
fn restricted_factors_say_what_was_better() {
    says(
        "login-36-customer-sms-does-not-count-where-totp-is-enrolled",
        "insufficientAal",
        "SMS was used but does not count: the user has TOTP, which meets the requirement.",
    );
    says(
        "login-37-employee-voice-does-not-count-where-totp-is-enrolled",
        "insufficientAal",
        "Voice was used but does not count: the user has TOTP, which meets the requirement.",
    );
    says(
        "login-53-sms-does-not-count-where-a-security-key-is-enrolled",
        "insufficientAal",
        "SMS was used but does not count: the user has webauthnRoaming, which meets the requirement.",
    );
    says(
        "login-43-restricted-factors-never-sms-does-not-count",
        "insufficientAal",
        "SMS was used but does not count: the policy never accepts SMS or voice codes.",
    );
    says(
        "change-55-sms-session-does-not-bind-where-totp-is-enrolled",
        "insufficientAal",
        "SMS was used but does not count: the user has TOTP",
    );
}

#[test]
fn push_fatigue_and_email_say_why_they_do_not_count() {
    says(
        "login-44-push-only-under-push-fatigue-denied",
        "insufficientAal",
        "Push prompts were being denied: a push approval proves nothing.",
    );
    says(
        "change-57-push-under-fatigue-does-not-bind",
        "insufficientAal",
        "a push approval proves nothing.",
    );
    says(
        "login-45-email-is-never-a-second-factor",
        "insufficientAal",
        "An email code was used, but email is never a second factor.",
    );
}

#[test]
fn no_step_up_to_what_the_session_already_proved() {
    // Calm: enroll a hardware-bound key; the requirement stays AAL3 and is said.
    says(
        "login-47-calm-admin-with-synced-passkey-enrolls-hardware-key",
        "insufficientAal",
        "The session proved AAL2 (phishing-resistant); hardware-bound phishing-resistant AAL3 is required. None of the user's factors can prove it: the user enrolls one that can.",
    );
    // Risky, just proved the passkey: denied, and the sentence says why.
    says(
        "login-48-risky-admin-who-just-proved-synced-passkey-denied",
        "noFactors",
        "None of the user's factors can prove hardware-bound phishing-resistant AAL3; the session already proved the most they can (phishing-resistant AAL2)",
    );
    // Risky, the passkey proof is only older: a fresher one adds nothing, AAL3 stays out of
    // reach: denied as well.
    says(
        "login-54-risky-admin-with-older-synced-passkey-denied",
        "noFactors",
        "the session already proved the most they can (phishing-resistant AAL2)",
    );
    // Risky, the passkey not yet used: the lowered step-up is said, not silent.
    says(
        "login-49-risky-admin-without-passkey-proof-steps-up-to-it",
        "insufficientAal",
        "the user steps up to phishing-resistant AAL2, the most their factors prove.",
    );
}

#[test]
fn shown_assurance_counts_only_what_proves() {
    let out = decide("login-35-sim-swap-sms-proves-nothing-customer");
    assert_eq!(out["assurance"]["aal"], 1, "{}", out["assurance"]);
    let amr = out["assurance"]["amr"].as_array().unwrap();
    assert!(!amr.iter().any(|v| v == "mfa" || v == "sms"), "{amr:?}");
    // SMS next to TOTP: TOTP proves AAL2 and the SMS code is not claimed.
    let out = decide("login-50-sms-and-totp-used-totp-proves");
    assert_eq!(out["assurance"]["aal"], 2);
    let amr = out["assurance"]["amr"].as_array().unwrap();
    assert!(amr.iter().any(|v| v == "mfa") && !amr.iter().any(|v| v == "sms"));
    // Where SMS is all the user has, it counts and is claimed.
    let out = decide("login-40-customer-sms-when-it-is-all-the-user-has-counts");
    assert_eq!(out["assurance"]["aal"], 2);
    assert!(out["assurance"]["amr"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "sms"));
}
