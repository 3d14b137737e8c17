//! Approvals that grant (docs/contract.md#approvals), as properties over generated changes and
//! grants: a grant for one change never approves another (any field of the approval id
//! changed, or another user), a grant with any one bit changed is always `approvalInvalid`, and
//! an expired grant never approves.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/signer.rs"]
#[allow(dead_code)]
mod signer;

use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

const NOW_MS: f64 = 1_795_428_000_000.0; // 2026-11-23T10:00:00Z
const NOW: &str = "2026-11-23T10:00:00Z";

fn engine() -> &'static factorgate::Engine {
    static E: OnceLock<factorgate::Engine> = OnceLock::new();
    E.get_or_init(|| {
        factorgate::compile_policy_json(
            &factorgate::default_policy_json(),
            r#"{"stateKey":"approvals-property-key-0123456789"}"#,
        )
        .unwrap()
    })
}

/// A change that needs approval: the help desk, with a ticket, changes a privileged admin's
/// factors (the SOC approves), in one of several shapes.
fn pending(action: usize, factor: usize, ticket: &str, agent: &str) -> Value {
    let factors = [
        "webauthnRoaming",
        "passkeySynced",
        "totp",
        "webauthnPlatform",
    ];
    let f = factors[factor % factors.len()];
    let change = match action % 4 {
        0 => json!({"action": "resetAll"}),
        1 => json!({"action": "enroll", "factor": {"type": f}}),
        2 => json!({"action": "remove", "factor": {"type": "webauthnRoaming", "id": "key-1"}}),
        _ => json!({"action": "replace", "factor": {"type": f, "id": "new-1"},
                    "replaces": {"type": "webauthnRoaming", "id": "key-1"}}),
    };
    let mut change = change;
    change["actor"] = json!({"kind": "helpdesk", "id": agent, "ticket": ticket});
    json!({
        "now": NOW,
        "user": {"id": "auth0|alice", "roles": ["iam-admin"],
                 "factors": [{"id": "key-1", "type": "webauthnRoaming"},
                             {"id": "totp-1", "type": "totp"}]},
        "session": {"device": {"id": "d1", "managed": true},
                    "methods": [{"type": "password", "at": "2026-11-23T09:58:00Z"}]},
        "change": change,
    })
}

fn assess(req: &Value, now_ms: f64) -> Value {
    serde_json::from_str(&engine().assess_factor_change_json(&req.to_string(), now_ms)).unwrap()
}

fn grant(req: &Value) -> String {
    let out: Value = serde_json::from_str(&engine().grant_approval_json(
        &json!({"request": req, "approver": {"kind": "soc", "id": "soc-carol"}}).to_string(),
        NOW_MS,
    ))
    .unwrap();
    assert_eq!(out["type"], "approvalGrant", "{out}");
    out["grant"].as_str().unwrap().to_string()
}

fn codes(d: &Value) -> Vec<String> {
    d["reasons"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn with_grant(req: &Value, g: &str) -> Value {
    let mut r = req.clone();
    r["change"]["approval"] = json!(g);
    r
}

#[test]
fn a_grant_approves_its_own_change() {
    for action in 0..4 {
        let req = pending(action, 1, "INC-1", "hd-1");
        assert_eq!(assess(&req, NOW_MS)["outcome"], "approval");
        let d = assess(&with_grant(&req, &grant(&req)), NOW_MS);
        assert_eq!(d["outcome"], "allow", "{d}");
        assert!(codes(&d).contains(&"approvalGranted".to_string()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any one field of the approval id changed (user, action, factor type or id, replaced
    /// factor, actor kind or id, ticket): the grant does not approve.
    #[test]
    fn a_grant_for_one_change_never_approves_another(
        action in 0usize..4, factor in 0usize..4, field in 0usize..9,
        ticket in "[A-Z]{3}-[0-9]{1,5}", agent in "hd-[a-z0-9]{1,8}", other in "[a-z0-9]{1,10}",
    ) {
        let req = pending(action, factor, &ticket, &agent);
        let g = grant(&req);
        let mut changed = req.clone();
        let c = &mut changed["change"];
        match field {
            0 => changed["user"]["id"] = json!(format!("auth0|{other}")),
            1 => c["action"] = json!(if action % 4 == 0 { "remove" } else { "resetAll" }),
            2 => c["factor"] = json!({"type": if c["factor"]["type"] == "piv" { "totp" } else { "piv" }, "id": "new-1"}),
            3 => c["factor"] = json!({"type": c["factor"]["type"].as_str().unwrap_or("totp"), "id": format!("x{other}")}),
            4 => c["replaces"] = json!({"type": "totp", "id": "totp-1"}),
            5 => c["actor"]["kind"] = json!("admin"),
            6 => c["actor"]["id"] = json!(format!("{agent}{other}")),
            7 => c["actor"]["ticket"] = json!(format!("{ticket}{other}")),
            _ => c["actor"]["ticket"] = Value::Null,
        }
        let d = assess(&with_grant(&changed, &g), NOW_MS);
        if d["type"] == "decision" {
            prop_assert!(!codes(&d).contains(&"approvalGranted".to_string()), "{}", d);
            prop_assert!(codes(&d).contains(&"approvalInvalid".to_string()), "{}", d);
        }
    }

    /// Any one bit of the grant's bytes changed (its base64url text decoded and encoded again):
    /// always `approvalInvalid`, and the outcome stays `approval`.
    #[test]
    fn a_one_bit_change_of_the_grant_is_always_invalid(
        action in 0usize..4, factor in 0usize..4, bit in any::<prop::sample::Index>(),
    ) {
        let req = pending(action, factor, "INC-7", "hd-7");
        let g = grant(&req);
        let mut bytes = signer::unb64url(&g).unwrap();
        let i = bit.index(bytes.len() * 8);
        bytes[i / 8] ^= 1 << (i % 8);
        let d = assess(&with_grant(&req, &signer::b64url(&bytes)), NOW_MS);
        prop_assert_eq!(&d["outcome"], "approval", "{}", d);
        prop_assert!(codes(&d).contains(&"approvalInvalid".to_string()), "{}", d);
    }

    /// After `approvals.grantLifetimeS` (1 h by default) the grant never approves.
    #[test]
    fn an_expired_grant_never_approves(action in 0usize..4, late_s in 1u32..=10_000_000) {
        let req = pending(action, 0, "INC-9", "hd-9");
        let g = grant(&req);
        let later = NOW_MS + (3_600.0 + f64::from(late_s)) * 1000.0;
        let mut late = with_grant(&req, &g);
        late.as_object_mut().unwrap().remove("now");
        let d = assess(&late, later);
        prop_assert!(!codes(&d).contains(&"approvalGranted".to_string()), "{}", d);
        prop_assert!(codes(&d).contains(&"approvalInvalid".to_string()), "{}", d);
        prop_assert_ne!(&d["outcome"], "allow");
    }
}

/// A recovery is counted once: the user's own first sign-in after an allowed self-service
/// recovery (risky only by `recentRecovery`) is not remembered as a risky sign-in, so a rebind
/// minutes later is not held by `recentRiskySignin` on top of `recentRecovery`
/// (docs/contract.md#recovery: rebinding is not restricted after a recovery).
#[test]
fn a_recovery_is_counted_once_in_the_changes_after_it() {
    let t = |m: u32| format!("2026-12-01T10:{m:02}:00Z");
    let device = json!({"id": "erin-laptop"});
    let before = json!({"id": "erin", "kind": "employee", "createdAt": "2024-03-01T09:00:00Z",
        "factors": [{"id": "k1", "type": "webauthnRoaming", "enrolledAt": "2025-01-15T09:00:00Z"},
                    {"id": "t1", "type": "totp", "enrolledAt": "2025-01-15T09:00:00Z"}]});
    let rec = assess(
        &json!({"now": t(0), "user": before,
            "session": {"device": device, "methods": [{"type": "password", "at": t(0)}]},
            "change": {"action": "recover", "factor": {"type": "passkeySynced"}, "phase": "before",
                       "recovery": {"methods": [{"type": "recoveryCode", "at": t(0)}], "lost": ["k1"]}}}),
        NOW_MS,
    );
    assert_eq!(rec["outcome"], "allow", "{rec}");
    let mut after = before.clone();
    after["recoveredAt"] = json!(t(0));
    after["factors"] = json!([before["factors"][1],
        {"id": "p1", "type": "passkeySynced", "enrolledAt": t(1)}]);
    let login: Value = serde_json::from_str(
        &engine().decide_login_json(
            &json!({"now": t(2), "user": after, "app": {"id": "portal"}, "state": rec["state"],
            "session": {"device": device, "methods": [{"type": "password", "at": t(2)},
                                                       {"type": "passkeySynced", "at": t(2)}]}})
            .to_string(),
            NOW_MS,
        ),
    )
    .unwrap();
    assert_eq!(login["outcome"], "allow", "{login}");
    assert!(
        codes(&login).contains(&"recentRecovery".to_string()),
        "{login}"
    );
    for state in [&rec["state"], &login["state"]] {
        let enroll = assess(
            &json!({"now": t(5), "user": after, "state": state,
                "session": {"device": device, "methods": [{"type": "passkeySynced", "at": t(2)}]},
                "change": {"action": "enroll", "factor": {"type": "webauthnPlatform"}, "phase": "before"}}),
            NOW_MS,
        );
        assert_eq!(enroll["outcome"], "allow", "{enroll}");
        assert!(
            !codes(&enroll).contains(&"recentRiskySignin".to_string()),
            "{enroll}"
        );
    }
}

/// Key rotation (docs/contract.md#memory): a grant signed before the rotation still approves on
/// an engine that lists the old key in `previousStateKeys`, at any position; not on one that
/// does not.
#[test]
fn a_grant_under_a_previous_key_still_approves() {
    let req = pending(0, 0, "INC-1", "hd-1");
    let g = grant(&req);
    let old = "approvals-property-key-0123456789";
    let with = |options: Value| {
        let e = factorgate::compile_policy_json(
            &factorgate::default_policy_json(),
            &options.to_string(),
        )
        .unwrap();
        let d: Value = serde_json::from_str(
            &e.assess_factor_change_json(&with_grant(&req, &g).to_string(), NOW_MS),
        )
        .unwrap();
        d
    };
    for previous in [json!([old]), json!(["another-old-key-0123456789", old])] {
        let d = with(
            json!({"stateKey": "approvals-rotated-key-0123456789", "previousStateKeys": previous}),
        );
        assert_eq!(d["outcome"], "allow", "{d}");
        assert!(codes(&d).contains(&"approvalGranted".to_string()));
    }
    let d = with(json!({"stateKey": "approvals-rotated-key-0123456789"}));
    assert_eq!(d["outcome"], "approval", "{d}");
    assert!(codes(&d).contains(&"approvalInvalid".to_string()));
}

/// A privileged action pending approval (a help-desk factor change two hours before it): a grant
/// for it approves it once; a grant for the change never approves the action, nor one for an
/// action on another target.
#[test]
fn an_action_approval_works_like_a_change_approval() {
    let t = 1_795_428_000i64;
    let at = |s: i64| factorgate::Timestamp(t + s).to_rfc3339();
    let user = json!({"id": "auth0|eve", "factors": [{"type": "passkeySynced"}, {"type": "totp"}]});
    let session = |s: i64| {
        json!({"device": {"id": "d1", "managed": true},
        "methods": [{"type": "password", "at": at(s - 90)}, {"type": "passkeySynced", "at": at(s - 60)}]})
    };
    let change = json!({"user": user, "session": session(0),
        "change": {"action": "enroll", "factor": {"type": "webauthnRoaming"},
                   "actor": {"kind": "helpdesk", "id": "hd-2", "ticket": "INC-9"}}});
    let d = assess(&change, t as f64 * 1000.0);
    assert_eq!(d["outcome"], "allow", "{d}");
    let action = |target: &str, s: i64, state: &Value| {
        json!({"now": at(s), "user": user,
        "session": session(s), "state": state,
        "action": {"type": "roleGrant", "target": {"kind": "role", "id": target}}})
    };
    let req = action("billing-admin", 3_600, &d["state"]);
    let decide = |r: &Value| -> Value {
        serde_json::from_str(&engine().assess_action_json(&r.to_string(), NOW_MS)).unwrap()
    };
    let held = decide(&req);
    assert_eq!(held["outcome"], "approval", "{held}");
    assert_eq!(held["approval"]["by"], json!(["soc"]));
    let grant: Value = serde_json::from_str(&engine().grant_approval_json(
        &json!({"request": req, "approver": {"kind": "soc", "id": "soc-dan"}}).to_string(),
        NOW_MS,
    ))
    .unwrap();
    assert_eq!(grant["type"], "approvalGrant", "{grant}");
    assert_eq!(grant["approvalId"], held["approval"]["id"]);
    let mut with = req.clone();
    with["action"]["approval"] = grant["grant"].clone();
    let allowed = decide(&with);
    assert_eq!(allowed["outcome"], "allow", "{allowed}");
    // Used: with the state that came back, the same grant is reused.
    let mut again = with.clone();
    again["state"] = allowed["state"].clone();
    assert!(codes(&decide(&again)).contains(&"approvalReused".to_string()));
    // Another target: another approval id.
    let mut other = action("owner", 3_600, &d["state"]);
    other["action"]["approval"] = grant["grant"].clone();
    let d = decide(&other);
    assert_eq!(d["outcome"], "approval", "{d}");
    assert!(codes(&d).contains(&"approvalInvalid".to_string()), "{d}");
    // An action nobody holds: nothing to approve.
    let calm = json!({"request": action("billing-admin", 3 * 86_400, &Value::Null),
                      "approver": {"kind": "soc", "id": "soc-dan"}});
    let refused: Value =
        serde_json::from_str(&engine().grant_approval_json(&calm.to_string(), NOW_MS)).unwrap();
    assert_eq!(
        refused["errors"][0]["code"], "notPendingApproval",
        "{refused}"
    );
    assert_eq!(refused["errors"][0]["path"], "/request/action");
}
