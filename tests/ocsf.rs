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

/// A helpdesk enrolling TOTP for an admin, from `session`: the decision's JSON.
fn helpdesk_enrolls_totp(session: Value) -> String {
    let req = json!({
        "user": {"id": "auth0|root", "roles": ["admin"], "factors": [{"type": "webauthnRoaming"}]},
        "session": session,
        "change": {"action": "enroll", "factor": {"type": "totp"},
                   "actor": {"kind": "helpdesk", "id": "hd-7", "ticket": "INC-1"}}
    });
    engine().assess_factor_change_json(&req.to_string(), NOW_MS)
}

/// A helpdesk enrolling TOTP for an admin, from `session`: an Account Change and a Detection
/// Finding.
fn alerts(session: Value) -> (Value, Value, Value) {
    let d = parse(&helpdesk_enrolls_totp(session));
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
/// A role grant an hour after the admin enrolled a security key: the action's decision, parsed,
/// and its JSON.
fn role_grant_after_a_change() -> (Value, String) {
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
    let text = e.assess_action_json(&action.to_string(), NOW_MS + 3_600_000.0);
    (parse(&text), text)
}

#[test]
fn an_actions_finding_names_both_links_of_the_chain() {
    let (d, _) = role_grant_after_a_change();
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

/// The text of a decision's `alerts` list, as the engine wrote it.
fn alerts_text(decision: &str) -> &str {
    let start = decision.find(r#","alerts":["#).expect("an alerts list") + r#","alerts":"#.len();
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    for (i, b) in decision.bytes().enumerate().skip(start) {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => depth += 1,
            (false, _, b']' | b'}') => {
                depth -= 1;
                if depth == 0 {
                    return decision.get(start..=i).unwrap();
                }
            }
            _ => {}
        }
    }
    panic!("unterminated alerts list in {decision}");
}

/// The alerts of `decision` are byte for byte those in `tests/alerts/<name>.json` (member order,
/// numbers, escaping: what a SIEM stores and deduplicates on). A deliberate change rewrites the
/// file with the text printed here.
fn assert_alerts_are(name: &str, decision: &str) {
    let path = format!("{}/tests/alerts/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let got = alerts_text(decision);
    assert!(
        got == want.trim_end(),
        "the alerts differ from {path}; if that is deliberate, write this there:\n{got}"
    );
}

/// Every kind of member an alert has, pinned: an Account Change and a Detection Finding of a
/// helpdesk change with a full source, an action's finding with its chain, and a login's
/// finding with coordinates but no country (`unmapped.factorgate.source`).
#[test]
fn the_alerts_are_byte_for_byte_what_they_were() {
    let full = json!({
        "ip": "198.51.100.7", "device": {"id": "dev-1"},
        "geo": {"country": "NO", "lat": 59.91, "lon": 10.75, "asn": 2119}
    });
    assert_alerts_are("helpdesk-enrolls-totp", &helpdesk_enrolls_totp(full));
    assert_alerts_are("role-grant-after-a-change", &role_grant_after_a_change().1);
    let login = json!({
        "user": {"id": "auth0|alice", "roles": ["engineer", "payroll-viewer"],
                 "factors": [{"type": "totp"}, {"type": "passkeySynced"}]},
        "session": {"ip": "203.0.113.200", "geo": {"lat": -33.87, "lon": 151.21},
                    "device": {"id": "dev-unknown-7", "managed": false},
                    "hostRisk": {"level": "medium", "signals": []},
                    "methods": [{"type": "password", "at": "2026-11-23T09:57:00Z"}]},
        "app": {"id": "payroll"}
    });
    let d = engine().decide_login_json(&login.to_string(), NOW_MS);
    assert_alerts_are("login-with-coordinates", &d);
}
