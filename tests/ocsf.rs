//! The alerts' members OCSF 1.8.0 constrains (docs/contract.md#alerts), natively: a Detection
//! Finding names the policy in `finding_info.analytic` (1.8.0 declares `policies` on Account
//! Change only); `src_endpoint` is written only with an identifier (address or device id) and
//! `location` only with a country; what they cannot carry is in `unmapped.factorgate.source`.
//! pkg-tests/ocsf.test.mjs validates every alert against the schemas themselves (ajv).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use factorgate::{compile_policy_json, default_policy_json, Engine};
use serde_json::{json, Value};

const NOW_MS: f64 = 1_795_428_000_000.0; // 2026-11-23T10:00:00Z

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// The default policy with every decision alerting.
fn engine() -> Engine {
    let mut p = parse(&default_policy_json());
    p["alerts"]["detectionAt"] = json!("low");
    p["alerts"]["accountChangeAt"] = json!("low");
    compile_policy_json(&p.to_string(), "").unwrap()
}

/// A helpdesk enrolling TOTP for an admin, from `session`: an Account Change and a Detection
/// Finding.
fn alerts(session: Value) -> (Value, Value, Value) {
    let req = json!({
        "user": {"id": "auth0|root", "roles": ["admin"], "factors": [{"type": "webauthnRoaming"}]},
        "session": session,
        "change": {"action": "enroll", "factor": {"type": "totp"},
                   "actor": {"kind": "helpdesk", "id": "hd-7", "ticket": "INC-1"}}
    });
    let d = parse(&engine().assess_factor_change_json(&req.to_string(), NOW_MS));
    let find = |class: u64| {
        d["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["class_uid"] == class)
            .unwrap_or_else(|| panic!("no {class} in {d}"))
            .clone()
    };
    (find(3001), find(2004), d)
}

#[test]
fn a_detection_finding_names_the_policy_in_its_analytic_not_in_policies() {
    let (change, finding, d) = alerts(json!({"ip": "198.51.100.7"}));
    assert!(finding.get("policies").is_none(), "{finding}");
    let analytic = &finding["finding_info"]["analytic"];
    assert_eq!(analytic["uid"], d["policy"]["digest"]);
    assert_eq!(analytic["version"], d["policy"]["version"].to_string());
    assert_eq!(
        analytic["name"],
        format!("factorgate policy {}", d["policy"]["id"].as_str().unwrap())
    );
    assert_eq!(analytic["type_id"], 1);
    assert_eq!(finding["unmapped"]["factorgate"]["policy"], d["policy"]);
    // Account Change keeps `policies`, which 1.8.0 declares there.
    assert_eq!(
        change["policies"][0]["data"]["digest"],
        d["policy"]["digest"]
    );
}

#[test]
fn coordinates_without_a_country_write_no_location() {
    let (change, finding, _) =
        alerts(json!({"ip": "198.51.100.7", "geo": {"lat": 59.91, "lon": 10.75}}));
    for (src, alert) in [
        (&change["src_endpoint"], &change),
        (&finding["evidences"][0]["src_endpoint"], &finding),
    ] {
        assert_eq!(src["ip"], "198.51.100.7");
        assert!(src.get("location").is_none(), "{src}");
        assert_eq!(
            alert["unmapped"]["factorgate"]["source"],
            json!({"lat": 59.91, "long": 10.75})
        );
    }
}

#[test]
fn a_country_without_an_address_or_device_writes_no_src_endpoint() {
    let (change, finding, _) =
        alerts(json!({"geo": {"country": "NO", "asn": 2119, "lat": 59.91, "lon": 10.75}}));
    assert!(change.get("src_endpoint").is_none(), "{change}");
    assert!(
        finding["evidences"][0].get("src_endpoint").is_none(),
        "{finding}"
    );
    for alert in [&change, &finding] {
        assert_eq!(
            alert["unmapped"]["factorgate"]["source"],
            json!({"country": "NO", "lat": 59.91, "long": 10.75, "asn": 2119})
        );
    }
}

#[test]
fn a_device_id_alone_is_an_endpoint_and_a_full_source_is_all_in_src_endpoint() {
    let (change, _, _) = alerts(json!({"device": {"id": "dev-1"}, "geo": {"country": "NO"}}));
    assert_eq!(
        change["src_endpoint"],
        json!({"uid": "dev-1", "location": {"country": "NO"}})
    );
    assert!(change["unmapped"]["factorgate"].get("source").is_none());

    let (change, finding, _) = alerts(json!({
        "ip": "198.51.100.7", "device": {"id": "dev-1"},
        "geo": {"country": "NO", "lat": 59.91, "lon": 10.75, "asn": 2119}
    }));
    let want = json!({
        "ip": "198.51.100.7",
        "location": {"country": "NO", "lat": 59.91, "long": 10.75},
        "autonomous_system": {"number": 2119},
        "uid": "dev-1"
    });
    assert_eq!(change["src_endpoint"], want);
    assert_eq!(finding["evidences"][0]["src_endpoint"], want);
    assert!(change["unmapped"]["factorgate"].get("source").is_none());
    assert!(finding["unmapped"]["factorgate"].get("source").is_none());

    let (change, finding, _) = alerts(json!({}));
    assert!(change.get("src_endpoint").is_none());
    assert!(finding["evidences"][0].get("src_endpoint").is_none());
    assert!(change["unmapped"]["factorgate"].get("source").is_none());
}

/// A privileged action after a factor change: one Detection Finding naming both links of the
/// chain in `finding_info.related_events` (the change, with T1556.006; the action, with its
/// technique) and both techniques in `finding_info.attacks`, typed `factorgate/action`.
#[test]
fn an_actions_finding_names_both_links_of_the_chain() {
    let e = compile_policy_json(
        &default_policy_json(),
        r#"{"stateKey":"ocsf-native-key-0123456789"}"#,
    )
    .unwrap();
    let at = |s: i64| factorgate::Timestamp(1_795_428_000 + s).to_rfc3339();
    let base = |s: i64| {
        json!({
            "user": {"id": "auth0|root", "roles": ["admin"], "factors": [{"type": "webauthnRoaming"}]},
            "session": {"ip": "198.51.100.7", "methods": [{"type": "password", "at": at(s - 90)},
                                                          {"type": "webauthnRoaming", "at": at(s - 60)}]}
        })
    };
    let mut change = base(0);
    change["change"] = json!({"action": "enroll", "factor": {"type": "webauthnRoaming"}});
    let c = parse(&e.assess_factor_change_json(&change.to_string(), NOW_MS));
    assert_eq!(c["outcome"], "allow", "{c}");
    let mut action = base(3600);
    action["state"] = c["state"].clone();
    action["action"] =
        json!({"type": "roleGrant", "target": {"kind": "role", "id": "global-admin"}});
    let d = parse(&e.assess_action_json(&action.to_string(), NOW_MS + 3_600_000.0));
    let alerts = d["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{d}");
    let info = &alerts[0]["finding_info"];
    assert_eq!(info["types"], json!(["factorgate/action"]));
    let techniques: Vec<&str> = info["attacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["technique"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(techniques, ["T1556.006", "T1098.003"]);
    let related = info["related_events"].as_array().unwrap();
    assert_eq!(related.len(), 2, "{info}");
    assert_eq!(related[0]["type"], "factorgate/factorChange");
    assert_eq!(related[0]["title"], "enroll");
    assert_eq!(related[0]["first_seen_time"], 1_795_428_000_000i64);
    assert_eq!(related[1]["type"], "factorgate/action");
    assert_eq!(related[1]["uid"], info["uid"]);
    assert_eq!(
        related[1]["attacks"][0]["technique"]["name"],
        "Additional Cloud Roles"
    );
    assert_eq!(alerts[0]["unmapped"]["factorgate"]["entry"], "action");
    assert_eq!(d["exposure"]["action"]["reaches"], "manageIam");
}
