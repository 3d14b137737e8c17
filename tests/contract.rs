//! The contract through the JSON twins: every entry point, its tagged results, its errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::{
    compile_policy_json, default_policy_json, review_exceptions_json, validate_policy_json,
    version_json, Engine,
};
use serde_json::{json, Value};

const NOW_MS: f64 = 1_795_428_000_000.0; // 2026-11-23T10:00:00Z

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

fn engine() -> Engine {
    compile_policy_json(&default_policy_json(), "").unwrap()
}

fn calm_login() -> Value {
    json!({
        "user": {"id": "auth0|alice", "factors": [{"type": "totp"}]},
        "session": {"device": {"managed": true, "compliant": true},
                    "methods": [{"type": "password", "at": "2026-11-23T09:58:00Z"},
                                {"type": "totp", "at": "2026-11-23T09:59:00Z"}]},
        "app": {"id": "wiki"}
    })
}

#[test]
fn default_policy_is_explicit_and_valid() {
    let p = parse(&default_policy_json());
    assert_eq!(p["id"], "factorgate-default");
    for section in [
        "apps",
        "requirements",
        "reauthentication",
        "privileged",
        "userKinds",
        "risk",
        "signals",
        "enrollment",
        "delegation",
        "breakGlass",
        "networks",
        "exceptions",
        "failMode",
        "alerts",
    ] {
        assert!(p.get(section).is_some(), "default policy lacks {section}");
    }
    let v = parse(&validate_policy_json(&default_policy_json()));
    assert_eq!(v["type"], "validation");
    assert_eq!(v["valid"], true);
    assert!(v["policy"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
}

#[test]
fn every_decision_is_tagged_and_carries_policy_and_reasons() {
    let e = engine();
    let d = parse(&e.decide_login_json(&calm_login().to_string(), NOW_MS));
    assert_eq!(d["type"], "decision");
    assert_eq!(d["outcome"], "allow");
    assert!(!d["reasons"].as_array().unwrap().is_empty());
    for r in d["reasons"].as_array().unwrap() {
        assert!(
            r["code"].is_string()
                && r["points"].is_i64()
                && !r["detail"].as_str().unwrap().is_empty()
        );
    }
    let digest = parse(&validate_policy_json(&default_policy_json()))["policy"]["digest"].clone();
    assert_eq!(d["policy"]["digest"], digest);
    assert_eq!(d["assurance"]["aal"], 2);
    assert_eq!(d["assurance"]["amr"], json!(["pwd", "otp", "mfa"]));
}

#[test]
fn same_input_same_decision() {
    let e = engine();
    let req = calm_login().to_string();
    let a = e.decide_login_json(&req, NOW_MS);
    for _ in 0..5 {
        assert_eq!(a, e.decide_login_json(&req, NOW_MS));
    }
}

#[test]
fn request_now_overrides_host_clock_and_a_bad_clock_is_an_error() {
    let e = engine();
    let mut req = calm_login();
    // Host clock a day later: the methods are stale at AAL2's window edge? No: 24 h + 2 min.
    let later = NOW_MS + 86_400_000.0 + 300_000.0;
    assert_eq!(
        parse(&e.decide_login_json(&req.to_string(), later))["outcome"],
        "stepUp"
    );
    req["now"] = json!("2026-11-23T10:00:00Z");
    assert_eq!(
        parse(&e.decide_login_json(&req.to_string(), later))["outcome"],
        "allow"
    );
    let no_clock = parse(&e.decide_login_json(&calm_login().to_string(), f64::NAN));
    assert_eq!(no_clock["type"], "error");
    assert_eq!(no_clock["errors"][0]["path"], "/now");
}

#[test]
fn bad_input_is_a_tagged_error_with_a_path() {
    let e = engine();
    let cases: Vec<(String, &str, &str)> = vec![
        ("".into(), "invalidJson", ""),
        ("[]".into(), "invalidShape", ""),
        (
            "{\"user\":{\"id\":\"a\"}} trailing".into(),
            "invalidJson",
            "",
        ),
        (
            json!({"user": {"id": 7}}).to_string(),
            "invalidShape",
            "/user/id",
        ),
        (
            json!({"user": {"id": "a", "kind": "robot"}}).to_string(),
            "invalidShape",
            "/user/kind",
        ),
        (
            json!({"user": {"id": "a", "roles": "admin"}}).to_string(),
            "invalidShape",
            "/user/roles",
        ),
        (
            json!({"user": {"id": ""}}).to_string(),
            "invalidValue",
            "/user/id",
        ),
        (
            json!({"user": {"id": "a"}, "session": {"methods": [{"type": "totp"}]}}).to_string(),
            "invalidShape",
            "/session/methods/0",
        ),
        (
            json!({"user": {"id": "a"}, "session": {"geo": {"country": "norway"}}}).to_string(),
            "invalidValue",
            "/session/geo/country",
        ),
        (
            r#"{"user":{"id":"\ud800"}}"#.into(),
            "invalidJson",
            "/user/id",
        ),
    ];
    for (input, code, path) in cases {
        let out = parse(&e.decide_login_json(&input, NOW_MS));
        assert_eq!(out["type"], "error", "{input}");
        assert_eq!(out["errors"][0]["code"], code, "{input}: {out}");
        assert_eq!(out["errors"][0]["path"], path, "{input}: {out}");
        assert!(!out["errors"][0]["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn caps_make_oversized_input_an_error_not_a_slow_call() {
    let e = engine();
    let big = json!({"user": {"id": "a"}, "pad": "x".repeat(70 * 1024)}).to_string();
    let out = parse(&e.decide_login_json(&big, NOW_MS));
    assert_eq!(out["errors"][0]["code"], "tooLarge");
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    // Deep nesting in a field the engine ignores is skipped in linear time; in a typed field it
    // is a shape error at once.
    let out = parse(&e.decide_login_json(
        &format!("{{\"user\":{{\"id\":\"a\"}},\"x\":{deep}}}"),
        NOW_MS,
    ));
    assert_eq!(out["type"], "decision");
    let out = parse(&e.decide_login_json(
        &format!("{{\"user\":{{\"id\":\"a\",\"roles\":{deep}}}}}"),
        NOW_MS,
    ));
    assert!(out["errors"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("/user/roles"));
    let roles: Vec<String> = (0..65).map(|i| format!("r{i}")).collect();
    let out = parse(&e.decide_login_json(
        &json!({"user": {"id": "a", "roles": roles}}).to_string(),
        NOW_MS,
    ));
    assert_eq!(out["errors"][0]["code"], "limitExceeded");
    assert_eq!(out["errors"][0]["path"], "/user/roles");
}

#[test]
fn compile_reports_policy_and_option_errors() {
    let err = compile_policy_json("{\"id\":\"a\",\"version\":1,\"bogus\":true}", "").unwrap_err();
    let err = parse(&err);
    assert_eq!(err["type"], "error");
    assert_eq!(err["errors"][0]["code"], "unknownField");
    assert_eq!(err["errors"][0]["path"], "/bogus");
    let err = parse(
        &compile_policy_json(&default_policy_json(), "{\"stateKey\":\"short\"}").unwrap_err(),
    );
    assert_eq!(err["errors"][0]["code"], "invalidOption");
    assert_eq!(err["errors"][0]["path"], "/stateKey");
    let err =
        parse(&compile_policy_json(&default_policy_json(), "{\"statekey\":\"x\"}").unwrap_err());
    assert_eq!(err["errors"][0]["code"], "unknownField");
    let dup = "{\"id\":\"a\",\"version\":1,\"id\":\"b\"}";
    let err = parse(&compile_policy_json(dup, "").unwrap_err());
    assert_eq!(err["errors"][0]["code"], "duplicateKey");
    assert_eq!(err["errors"][0]["path"], "/id");
    assert!(compile_policy_json(
        &default_policy_json(),
        "{\"stateKey\":\"0123456789abcdef0123\"}"
    )
    .is_ok());
    // previousStateKeys: each a key, at most 8, and only with a stateKey to sign under.
    let key = "0123456789abcdef0123";
    let option_error = |options: Value| {
        let err =
            parse(&compile_policy_json(&default_policy_json(), &options.to_string()).unwrap_err());
        assert_eq!(err["errors"][0]["code"], "invalidOption", "{err}");
        err["errors"][0]["path"].as_str().unwrap().to_string()
    };
    assert_eq!(
        option_error(json!({"stateKey": key, "previousStateKeys": [key, "short"]})),
        "/previousStateKeys/1"
    );
    assert_eq!(
        option_error(json!({"stateKey": key, "previousStateKeys": vec![key; 9]})),
        "/previousStateKeys"
    );
    assert_eq!(
        option_error(json!({"previousStateKeys": [key]})),
        "/previousStateKeys"
    );
    let err = parse(
        &compile_policy_json(
            &default_policy_json(),
            r#"{"stateKey":"0123456789abcdef0123","previousStateKeys":"x"}"#,
        )
        .unwrap_err(),
    );
    assert_eq!(err["errors"][0]["code"], "invalidShape", "{err}");
    assert!(compile_policy_json(
        &default_policy_json(),
        &json!({"stateKey": key, "previousStateKeys": vec![key; 8]}).to_string()
    )
    .is_ok());
}

/// `assessAction` refuses a request without an action, with the path; and a bad action type is
/// a tagged error at its path, as any enumeration value.
#[test]
fn an_action_request_needs_its_action() {
    let e = engine();
    let err = parse(&e.assess_action_json(&calm_login().to_string(), NOW_MS));
    assert_eq!(err["errors"][0]["code"], "invalidShape", "{err}");
    assert_eq!(err["errors"][0]["path"], "/action");
    let mut req = calm_login();
    req["action"] = json!({"type": "sudo"});
    let err = parse(&e.assess_action_json(&req.to_string(), NOW_MS));
    assert_eq!(err["errors"][0]["code"], "invalidShape", "{err}");
    assert_eq!(err["errors"][0]["path"], "/action/type");
    req["action"] = json!({"type": "secretRead", "target": {"id": "x".repeat(300)}});
    let err = parse(&e.assess_action_json(&req.to_string(), NOW_MS));
    assert_eq!(err["errors"][0]["code"], "limitExceeded", "{err}");
    assert_eq!(err["errors"][0]["path"], "/action/target/id");
    req["action"] = json!({"type": "secretRead"});
    assert_eq!(
        parse(&e.assess_action_json(&req.to_string(), NOW_MS))["type"],
        "decision"
    );
    // The fail mode of an action: closed denies, as for a change.
    assert_eq!(
        parse(&e.fail_mode_json("action", &req.to_string(), NOW_MS))["outcome"],
        "deny"
    );
}

#[test]
fn fail_mode_is_closed_by_default_and_open_for_break_glass() {
    let e = engine();
    let login = parse(&e.fail_mode_json("login", &calm_login().to_string(), NOW_MS));
    assert_eq!(login["outcome"], "stepUp");
    assert_eq!(login["requirement"]["factors"], json!(["totp"]));
    assert_eq!(login["reasons"][0]["code"], "engineFailure");
    assert_eq!(login["alerts"][0]["class_uid"], 2004);
    let change = parse(&e.fail_mode_json("factorChange", &calm_login().to_string(), NOW_MS));
    assert_eq!(change["outcome"], "deny");
    let bg = json!({"user": {"id": "bg", "kind": "breakGlass", "factors": [{"type": "webauthnRoaming"}]}});
    assert_eq!(
        parse(&e.fail_mode_json("login", &bg.to_string(), NOW_MS))["outcome"],
        "allow"
    );
    // Garbage in: no factors known, so closed means deny.
    assert_eq!(
        parse(&e.fail_mode_json("login", "{not json", NOW_MS))["outcome"],
        "deny"
    );
}

#[test]
fn review_exceptions_sorts_them_by_status() {
    let policy = json!({"id": "p", "version": 1, "exceptions": {"items": [
        {"id": "active", "subject": {"userId": "u"}, "grant": {"allowFactors": ["sms"]}, "reason": "r", "approver": "a",
         "createdAt": "2026-11-20T00:00:00Z", "expiresAt": "2026-12-15T00:00:00Z"},
        {"id": "soon", "subject": {"userId": "u"}, "grant": {"allowFactors": ["sms"]}, "reason": "r", "approver": "a",
         "createdAt": "2026-11-20T00:00:00Z", "expiresAt": "2026-11-25T00:00:00Z"},
        {"id": "expired", "subject": {"userId": "u"}, "grant": {"allowFactors": ["sms"]}, "reason": "r", "approver": "a",
         "createdAt": "2026-11-01T00:00:00Z", "expiresAt": "2026-11-10T00:00:00Z"},
        {"id": "long", "subject": {"userId": "u"}, "grant": {"allowFactors": ["sms"]}, "reason": "r", "approver": "a",
         "createdAt": "2026-11-01T00:00:00Z", "expiresAt": "2027-11-10T00:00:00Z"},
        {"id": "forever", "subject": {"userId": "u"}, "grant": {"allowFactors": ["sms"]}, "reason": "r", "approver": "a",
         "createdAt": "2026-11-01T00:00:00Z"}
    ]}});
    let out = parse(&review_exceptions_json(
        &policy.to_string(),
        "2026-11-23T10:00:00Z",
    ));
    assert_eq!(out["type"], "exceptionReview");
    let status: Vec<(&str, &str)> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        vec![
            ("active", "active"),
            ("soon", "expiringSoon"),
            ("expired", "expired"),
            ("long", "tooLong"),
            ("forever", "noExpiry")
        ]
    );
    let bad = parse(&review_exceptions_json(&policy.to_string(), "tomorrow"));
    assert_eq!(bad["errors"][0]["code"], "invalidTimestamp");
}

#[test]
fn version_names_the_schemas() {
    let v = parse(&version_json());
    assert_eq!(v["type"], "version");
    assert_eq!(v["crate"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["policySchema"], 1);
    assert_eq!(v["ocsf"], "1.8.0");
}

#[test]
fn account_change_alerts_are_ocsf_shaped() {
    let e = engine();
    let req = json!({
        "user": {"id": "auth0|root", "roles": ["admin"], "capabilities": ["manageSecrets"],
                 "factors": [{"type": "webauthnRoaming"}]},
        "session": {"ip": "198.51.100.7", "geo": {"country": "NO", "asn": 2119},
                    "methods": [{"type": "password", "at": "2026-11-23T09:58:00Z"}, {"type": "webauthnRoaming", "at": "2026-11-23T09:59:00Z"}]},
        "change": {"action": "enroll", "factor": {"type": "totp"}}
    });
    let d = parse(&e.assess_factor_change_json(&req.to_string(), NOW_MS));
    let alert = d["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["class_uid"] == 3001)
        .unwrap();
    assert_eq!(alert["activity_id"], 10);
    assert_eq!(alert["type_uid"], 300_110);
    assert_eq!(alert["metadata"]["version"], "1.8.0");
    assert_eq!(alert["user"]["uid"], "auth0|root");
    assert_eq!(alert["auth_factors"][0]["factor_type_id"], 7);
    assert_eq!(alert["src_endpoint"]["ip"], "198.51.100.7");
    assert_eq!(
        alert["unmapped"]["factorgate"]["capabilities_at_stake"],
        json!(["manageSecrets"])
    );
    assert_eq!(
        alert["policies"][0]["data"]["digest"],
        d["policy"]["digest"]
    );
    assert_eq!(alert["time"], 1_795_428_000_000_i64);
}

/// A value that fails to parse after it was read as a string (timestamps, IP addresses) is
/// located at its own field even when it is the last one of its object (these were
/// reported at the enclosing object, `/user` for `/user/createdAt`).
#[test]
fn a_bad_last_field_is_located_at_the_field() {
    let e = engine();
    let cases = [
        (
            r#"{"user":{"id":"a","createdAt":"2026-02-30T00:00:00Z"}}"#,
            "invalidTimestamp",
            "/user/createdAt",
        ),
        (
            r#"{"user":{"id":"a","createdAt":"2026-02-30T00:00:00Z" }}"#,
            "invalidTimestamp",
            "/user/createdAt",
        ),
        (
            r#"{"user":{"id":"a"},"session":{"ip":"1.2.3.999"}}"#,
            "invalidShape",
            "/session/ip",
        ),
        (
            r#"{"user":{"id":"a"},"session":{"methods":[{"type":"totp","at":"x"}]}}"#,
            "invalidTimestamp",
            "/session/methods/0/at",
        ),
        (
            r#"{"user":{"id":"a","createdAt":1795428000}}"#,
            "invalidShape",
            "/user/createdAt",
        ),
    ];
    for (input, code, path) in cases {
        let out = parse(&e.decide_login_json(input, NOW_MS));
        assert_eq!(out["errors"][0]["code"], code, "{input}: {out}");
        assert_eq!(out["errors"][0]["path"], path, "{input}: {out}");
    }
}

#[test]
fn the_native_default_engine_is_the_one_the_default_document_compiles_to() {
    // `Engine::with_default_policy` (native callers) skips reading JSON: it must be the engine
    // compile_policy_json gives for defaultPolicy()'s document.
    let key = "0123456789abcdef0123";
    let options = || factorgate::EngineOptions {
        state_key: Some(key.into()),
        ..Default::default()
    };
    let direct = factorgate::Engine::with_default_policy(options()).unwrap();
    let read = compile_policy_json(
        &default_policy_json(),
        &format!(r#"{{"stateKey":"{key}"}}"#),
    )
    .unwrap();
    assert_eq!(direct.policy().reference, read.policy().reference);
    assert_eq!(direct.policy().policy, read.policy().policy);
    let requests = [
        json!({"user": {"id": "u1", "factors": [{"type": "totp"}]}, "app": {"id": "payroll"}}),
        json!({"user": {"id": "admin1", "roles": ["admin"], "factors": [{"type": "webauthnRoaming"}]},
               "session": {"ip": "198.51.100.7", "methods": [{"type": "password", "at": "2026-11-23T09:59:00Z"}]}}),
    ];
    for r in requests {
        let r = r.to_string();
        assert_eq!(
            direct.decide_login_json(&r, NOW_MS),
            read.decide_login_json(&r, NOW_MS)
        );
    }
    let short = factorgate::EngineOptions {
        state_key: Some("short".into()),
        ..Default::default()
    };
    assert!(factorgate::Engine::with_default_policy(short).is_err());
}

#[test]
fn long_role_lists_stay_short_in_answers() {
    let e = engine();
    let roles: Vec<String> = (0..40).map(|i| format!("r{}-admin", i % 20)).collect();
    let mut req = calm_login();
    req["user"]["roles"] = json!(roles);
    let d = parse(&e.decide_login_json(&req.to_string(), NOW_MS));
    let detail = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "privilegedUser")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.ends_with("and 15 more."), "{detail}");
}

#[test]
fn sections_are_objects_never_positional_arrays() {
    // serde read a JSON array as a struct's fields in order; the engine's reader does not, so a
    // reviewer never has to guess what `["x", "employee"]` sets.
    let e = engine();
    for (input, path) in [
        (r#"{"user": ["u1", "employee"]}"#, "/user"),
        (
            r#"{"user": {"id": "u1", "factors": [["totp"]]}}"#,
            "/user/factors/0",
        ),
        (
            r#"{"user": {"id": "u1"}, "session": {"geo": [1, 2]}}"#,
            "/session/geo",
        ),
    ] {
        let out = parse(&e.decide_login_json(input, NOW_MS));
        assert_eq!(out["errors"][0]["code"], "invalidShape", "{input}: {out}");
        assert_eq!(out["errors"][0]["path"], path, "{input}: {out}");
    }
    let out = parse(&validate_policy_json(
        r#"{"id":"p","version":1,"alerts":["low","low"]}"#,
    ));
    assert_eq!(out["errors"][0]["path"], "/alerts", "{out}");
}
