//! The decision diff (src/diff.rs): each field's class on hand-made decision pairs, the class of
//! a whole diff, answers that are not decisions, and input that is not JSON. The same classes as
//! the policy preview's Compare (`examples/policy-preview/src/runner.js`); `factorgate diff`
//! (cli/tests/cli.rs) runs it over the vectors under two policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::{diff_decisions, diff_decisions_json, DiffClass, Direction};
use serde_json::{json, Value};

fn decision(edit: impl FnOnce(&mut Value)) -> Value {
    let mut d = json!({
        "type": "decision", "entry": "login", "outcome": "stepUp",
        "risk": {"score": 25, "level": "medium"},
        "exposure": {"privileged": false, "roles": [], "capabilities": []},
        "reasons": [{"code": "newDevice", "points": 15, "detail": "."}, {"code": "appSensitivity", "points": 0, "detail": "."}],
        "requirement": {"minAal": 2, "phishingResistant": false, "hardwareBound": false, "factors": ["webauthnRoaming", "totp"], "maxAgeS": 43200},
        "enrollmentAllowed": false,
        "assurance": {"aal": 1, "phishingResistant": false, "hardwareBound": false, "amr": ["pwd"]},
        "notify": [], "alerts": [],
    });
    edit(&mut d);
    d
}

/// (field, direction, a, b) of every change from `a` to `b`.
fn changes(a: &Value, b: &Value) -> Vec<(String, Direction, String, String)> {
    diff_decisions(&a.to_string(), &b.to_string())
        .unwrap()
        .into_iter()
        .map(|c| (c.field, c.direction, c.a, c.b))
        .collect()
}

fn one(edit: impl FnOnce(&mut Value)) -> (String, Direction, String, String) {
    let c = changes(&decision(|_| {}), &decision(edit));
    assert_eq!(c.len(), 1, "{c:?}");
    c.into_iter().next().unwrap()
}

fn t(field: &str, d: Direction, a: &str, b: &str) -> (String, Direction, String, String) {
    (field.into(), d, a.into(), b.into())
}

use Direction::{Changed, Looser, Stricter};

#[test]
fn every_field_is_classed() {
    assert!(changes(&decision(|_| {}), &decision(|_| {})).is_empty());
    assert_eq!(
        one(|d| d["outcome"] = "deny".into()),
        t("outcome", Stricter, "stepUp", "deny")
    );
    assert_eq!(
        one(|d| d["outcome"] = "enroll".into()),
        t("outcome", Looser, "stepUp", "enroll")
    );
    assert_eq!(
        one(|d| d["risk"]["level"] = "low".into()),
        t("risk.level", Looser, "medium", "low")
    );
    assert_eq!(
        one(|d| d["risk"]["score"] = 40.into()),
        t("risk.score", Stricter, "25", "40")
    );
    assert_eq!(
        one(|d| d["exposure"]["privileged"] = true.into()),
        t("exposure.privileged", Stricter, "false", "true")
    );
    assert_eq!(
        one(|d| d["requirement"]["minAal"] = 3.into()),
        t("requirement.minAal", Stricter, "AAL2", "AAL3")
    );
    assert_eq!(
        one(|d| d["requirement"]["hardwareBound"] = true.into()),
        t("requirement.hardwareBound", Stricter, "false", "true")
    );
    assert_eq!(
        one(|d| d["requirement"]["maxAgeS"] = 604_800.into()),
        t("requirement.maxAgeS", Looser, "12 h", "7 d")
    );
    assert_eq!(
        one(|d| d["requirement"]["maxAgeS"] = 900.into()),
        t("requirement.maxAgeS", Stricter, "12 h", "15 min")
    );
    assert_eq!(
        one(|d| d["requirement"]["factors"] = json!(["webauthnRoaming"])),
        t(
            "requirement.factors",
            Stricter,
            "webauthnRoaming, totp",
            "webauthnRoaming"
        )
    );
    assert_eq!(
        one(|d| d["requirement"]["factors"] = json!(["totp", "webauthnRoaming"])).1,
        Changed
    );
    assert_eq!(
        one(|d| d["requirement"]["factors"] = json!(["sms", "totp"])).1,
        Changed
    );
    assert_eq!(
        one(|d| d["enrollmentAllowed"] = true.into()),
        t("enrollmentAllowed", Looser, "false", "true")
    );
    assert_eq!(
        one(|d| d["assurance"]["aal"] = 2.into()),
        t("assurance.aal", Looser, "AAL1", "AAL2")
    );
    assert_eq!(
        one(|d| d["assurance"]["amr"] = json!(["pwd", "otp"])).1,
        Looser
    );
    assert_eq!(
        one(|d| d["assurance"]["acr"] = "phr".into()),
        t("assurance.acr", Looser, "none", "phr")
    );
    assert_eq!(
        one(|d| d["reasons"][0]["points"] = 30.into()),
        t("reasons.newDevice", Stricter, "15 pts", "30 pts")
    );
    assert_eq!(
        one(|d| {
            d["reasons"].as_array_mut().unwrap().remove(0);
        }),
        t("reasons.newDevice", Looser, "15 pts", "absent")
    );
    assert_eq!(
        one(|d| {
            d["reasons"].as_array_mut().unwrap().remove(1);
        }),
        t("reasons.appSensitivity", Changed, "0 pts", "absent")
    );
    assert_eq!(
        one(|d| d["reasons"]
            .as_array_mut()
            .unwrap()
            .push(json!({"code": "trustedNetwork", "points": -15}))),
        t("reasons.trustedNetwork", Looser, "absent", "-15 pts")
    );
    // The same outcome without the requirement: a change to look at.
    assert_eq!(
        one(|d| {
            d.as_object_mut().unwrap().remove("requirement");
        }),
        t("requirement", Changed, "present", "none")
    );
}

#[test]
fn approval_alerts_and_notify() {
    let base = |d: &mut Value| {
        d["entry"] = "factorChange".into();
        d["outcome"] = "approval".into();
        d["approval"] = json!({"by": ["security"], "expiresInS": 86400});
        d["notify"] = json!([{"channel": "independent", "template": "factorAdded"}]);
        d["alerts"] = json!([{"class_uid": 3001, "class_name": "Account Change", "activity_id": 2, "activity_name": "Enable MFA", "severity_id": 2}]);
    };
    let a = decision(base);
    let b = decision(|d| {
        base(d);
        d["approval"]["by"] = json!(["security", "manager"]);
        d["approval"]["expiresInS"] = 3600.into();
        d["notify"] = json!([]);
        d["alerts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"class_uid": 2004, "class_name": "Detection Finding", "severity_id": 4}));
    });
    assert_eq!(
        changes(&a, &b),
        vec![
            t("approval.by", Stricter, "security", "security, manager"),
            t("approval.expiresInS", Stricter, "24 h", "1 h"),
            t(
                "alerts",
                Stricter,
                "Account Change (Enable MFA)",
                "Account Change (Enable MFA), Detection Finding"
            ),
            t("alerts.severity", Stricter, "2", "4"),
            t("notify", Looser, "factorAdded", "none"),
        ]
    );
    // A notification going with the outcome is a change, not looser.
    let c = decision(|d| {
        base(d);
        d["outcome"] = "deny".into();
        d["notify"] = json!([]);
        d.as_object_mut().unwrap().remove("approval");
    });
    assert!(changes(&a, &c).contains(&t("notify", Changed, "factorAdded", "none")));
}

#[test]
fn the_class_of_a_diff_and_its_json() {
    let a = decision(|_| {});
    let looser = decision(|d| d["outcome"] = "allow".into());
    let mixed = decision(|d| {
        d["outcome"] = "allow".into();
        d["risk"]["score"] = 60.into();
    });
    let class = |b: &Value| {
        let doc: Value =
            serde_json::from_str(&diff_decisions_json(&a.to_string(), &b.to_string())).unwrap();
        assert_eq!(doc["type"], "decisionDiff");
        doc["class"].as_str().unwrap().to_string()
    };
    assert_eq!(class(&a), "same");
    assert_eq!(class(&looser), "looser");
    assert_eq!(class(&mixed), "mixed");
    let doc: Value =
        serde_json::from_str(&diff_decisions_json(&a.to_string(), &looser.to_string())).unwrap();
    assert_eq!(
        doc["changes"],
        json!([{"field": "outcome", "direction": "looser", "a": "stepUp", "b": "allow"}])
    );
    let all = diff_decisions(&a.to_string(), &mixed.to_string()).unwrap();
    assert_eq!(DiffClass::of(&all), DiffClass::Mixed);
}

#[test]
fn answers_that_are_not_decisions_and_text_that_is_not_json() {
    let a = decision(|_| {});
    let error = json!({"type": "error", "errors": [{"code": "invalidShape", "path": "/user", "message": "."}]});
    assert_eq!(
        changes(&a, &error),
        vec![t("result", Changed, "stepUp", "error invalidShape")]
    );
    assert!(changes(&error, &error).is_empty());
    let errors = diff_decisions("{", "[1,]").unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(
        errors[0].path.starts_with("/a") && errors[1].path.starts_with("/b"),
        "{errors:?}"
    );
    let doc: Value = serde_json::from_str(&diff_decisions_json(&a.to_string(), "nope")).unwrap();
    assert_eq!(doc["type"], "error");
    assert_eq!(doc["errors"][0]["code"], "invalidJson");
}
