//! Alerts as OCSF 1.8 events a SIEM takes as they are: Account Change (3001) for factor changes,
//! Detection Finding (2004) for risky decisions. Each carries the user, the actor, the source
//! endpoint, the reason codes and the policy digest.

use crate::context::Context;
use crate::decision::{Decision, Outcome, ReasonCode};
use crate::factors::FactorType;
use crate::request::{ActorKind, Change, ChangeAction, Level, Phase, UserKind};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

const OCSF_VERSION: &str = "1.8.0";

/// Alerts for a login decision: a Detection Finding when risk reaches the policy's level, on
/// every deny, on every break-glass use and on tampered state.
pub fn for_login(ctx: &Context, d: &Decision) -> Vec<Value> {
    let p = &ctx.policy.policy;
    let raise = d.risk.level >= p.alerts.detection_at
        || d.outcome == Outcome::Deny
        || ctx.kind == UserKind::BreakGlass
        || has(d, ReasonCode::StateTampered);
    if raise {
        vec![detection(ctx, d, None)]
    } else {
        vec![]
    }
}

/// Alerts for a factor change: an Account Change event for every change on a privileged account
/// (whatever the outcome), every change reported after the fact, and every change that is risky
/// or not allowed; a Detection Finding when risk reaches the policy's level, on deny and on
/// tampered state.
pub fn for_change(ctx: &Context, change: &Change, d: &Decision) -> Vec<Value> {
    let p = &ctx.policy.policy;
    let mut out = Vec::new();
    let account_change = ctx.is_privileged()
        || change.phase == Phase::After
        || d.risk.level >= p.alerts.account_change_at
        || matches!(d.outcome, Outcome::Approval | Outcome::Deny);
    if account_change {
        for (activity_id, activity_name, factors) in activities(ctx, change) {
            out.push(account_change_event(
                ctx,
                change,
                d,
                activity_id,
                activity_name,
                &factors,
            ));
        }
    }
    if d.risk.level >= p.alerts.detection_at
        || d.outcome == Outcome::Deny
        || has(d, ReasonCode::StateTampered)
    {
        out.push(detection(ctx, d, Some(change)));
    }
    out
}

fn has(d: &Decision, code: ReasonCode) -> bool {
    d.reasons.iter().any(|r| r.code == code)
}

/// OCSF activities for a change: 10 MFA Factor Enable, 11 MFA Factor Disable, 99 Other.
fn activities(ctx: &Context, change: &Change) -> Vec<(u8, &'static str, Vec<FactorType>)> {
    let new = change.factor.as_ref().map(|f| f.kind);
    let old = change.replaces.as_ref().map(|f| f.kind);
    match change.action {
        ChangeAction::Enroll => vec![(10, "MFA Factor Enable", new.into_iter().collect())],
        ChangeAction::PhoneChange => vec![(
            10,
            "MFA Factor Enable",
            vec![new.unwrap_or(FactorType::Sms)],
        )],
        ChangeAction::Remove => vec![(11, "MFA Factor Disable", new.into_iter().collect())],
        ChangeAction::Replace => vec![
            (10, "MFA Factor Enable", new.into_iter().collect()),
            (11, "MFA Factor Disable", old.into_iter().collect()),
        ],
        ChangeAction::ResetAll => vec![(
            11,
            "MFA Factor Disable",
            ctx.req.user.factors.iter().map(|f| f.kind).collect(),
        )],
        ChangeAction::RecoveryChange => vec![(99, "Recovery Method Change", vec![])],
    }
}

fn account_change_event(
    ctx: &Context,
    change: &Change,
    d: &Decision,
    activity_id: u8,
    activity_name: &str,
    factors: &[FactorType],
) -> Value {
    let (status_id, status) = match (change.phase, d.outcome) {
        (Phase::After, _) => (1, "Success"),
        (Phase::Before, Outcome::Allow) => (1, "Success"),
        (Phase::Before, Outcome::Deny) => (2, "Failure"),
        (Phase::Before, _) => (99, "Pending"),
    };
    let mut event = base(
        ctx,
        d,
        3001,
        "Account Change",
        3,
        "Identity & Access Management",
        activity_id,
        activity_name,
    );
    let fields = [
        ("user", user(ctx)),
        ("actor", actor(ctx, Some(change))),
        (
            "auth_factors",
            Value::Array(factors.iter().map(|f| auth_factor(*f)).collect()),
        ),
        ("status_id", json!(status_id)),
        ("status", json!(status)),
        (
            "status_detail",
            json!(format!("factorgate outcome: {}", d.outcome.as_str())),
        ),
        ("policies", policies(d)),
    ];
    extend(&mut event, fields);
    if let Some(src) = src_endpoint(ctx) {
        extend(&mut event, [("src_endpoint", src)]);
    }
    event
}

fn detection(ctx: &Context, d: &Decision, change: Option<&Change>) -> Value {
    let mut event = base(
        ctx,
        d,
        2004,
        "Detection Finding",
        2,
        "Findings",
        1,
        "Create",
    );
    let mut evidence = Map::new();
    evidence.insert("user".into(), user(ctx));
    evidence.insert("actor".into(), actor(ctx, change));
    if let Some(src) = src_endpoint(ctx) {
        evidence.insert("src_endpoint".into(), src);
    }
    let what = match change {
        Some(c) => format!("factor change ({})", c.action.as_str()),
        None => "sign-in".to_string(),
    };
    let title = format!(
        "{} risk {} for {}: {}",
        capitalise(d.risk.level.as_str()),
        what,
        ctx.req.user.id.as_str(),
        d.outcome.as_str()
    );
    let desc: Vec<&str> = d.reasons.iter().map(|r| r.detail.as_str()).collect();
    let attack = match change {
        Some(_) => json!({"technique": {"uid": "T1556.006", "name": "Multi-Factor Authentication"},
                          "tactic": {"uid": "TA0003", "name": "Persistence"}}),
        None => json!({"technique": {"uid": "T1078", "name": "Valid Accounts"},
                       "tactic": {"uid": "TA0001", "name": "Initial Access"}}),
    };
    let fields = [
        ("status_id", json!(1)),
        ("status", json!("New")),
        ("is_alert", json!(true)),
        ("risk_score", json!(d.risk.score)),
        ("risk_level_id", json!(risk_level_id(d.risk.level))),
        ("risk_level", json!(capitalise(d.risk.level.as_str()))),
        (
            "finding_info",
            json!({
                "uid": uid(ctx, d, 200_401),
                "title": title,
                "desc": desc.join(" "),
                "types": [format!("factorgate/{}", d.entry.as_str())],
                "analytic": {"name": "factorgate policy", "type_id": 1, "type": "Rule", "uid": d.policy.digest},
                "attacks": [attack],
            }),
        ),
        ("evidences", json!([Value::Object(evidence)])),
        ("policies", policies(d)),
    ];
    extend(&mut event, fields);
    event
}

#[allow(clippy::too_many_arguments)]
fn base(
    ctx: &Context,
    d: &Decision,
    class_uid: u32,
    class_name: &str,
    category_uid: u32,
    category_name: &str,
    activity_id: u8,
    activity_name: &str,
) -> Value {
    let (severity_id, severity) = severity(d.risk.level, ctx.is_privileged());
    json!({
        "class_uid": class_uid,
        "class_name": class_name,
        "category_uid": category_uid,
        "category_name": category_name,
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": class_uid * 100 + u32::from(activity_id),
        "type_name": format!("{class_name}: {activity_name}"),
        "time": ctx.now.0.saturating_mul(1000),
        "severity_id": severity_id,
        "severity": severity,
        "message": format!("{} for {}", d.outcome.as_str(), ctx.req.user.id.as_str()),
        "metadata": {
            "version": OCSF_VERSION,
            "uid": uid(ctx, d, class_uid * 100 + u32::from(activity_id)),
            "product": {"name": "factorgate", "vendor_name": "factorgate", "version": env!("CARGO_PKG_VERSION")},
        },
        "unmapped": {"factorgate": {
            "entry": d.entry.as_str(),
            "outcome": d.outcome.as_str(),
            "risk": {"score": d.risk.score, "level": d.risk.level.as_str()},
            "reasons": d.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            "capabilities_at_stake": ctx.sensitive_capabilities,
            "privileged_roles": ctx.privileged_roles,
            "policy": d.policy,
        }},
    })
}

fn extend<const N: usize>(event: &mut Value, fields: [(&str, Value); N]) {
    if let Value::Object(map) = event {
        for (k, v) in fields {
            map.insert(k.to_string(), v);
        }
    }
}

fn user(ctx: &Context) -> Value {
    let (type_id, kind) = match ctx.kind {
        UserKind::Service => (3, "System"),
        _ if ctx.is_privileged() => (2, "Admin"),
        _ => (1, "User"),
    };
    json!({"uid": ctx.req.user.id.as_str(), "type_id": type_id, "type": kind,
           "groups": ctx.req.user.roles.iter().map(|r| json!({"name": r.as_str()})).collect::<Vec<_>>()})
}

fn actor(ctx: &Context, change: Option<&Change>) -> Value {
    match change.map(|c| &c.actor) {
        Some(a) if a.kind != ActorKind::SelfService => {
            let mut v = json!({"user": {"uid": a.id.as_ref().map(|i| i.as_str()).unwrap_or("unknown"),
                                        "type": a.kind.as_str()}});
            if let Some(t) = a.ticket.as_ref() {
                extend(
                    &mut v,
                    [(
                        "authorizations",
                        json!([{"decision": "ticket", "policy": {"uid": t.as_str()}}]),
                    )],
                );
            }
            v
        }
        _ => json!({"user": {"uid": ctx.req.user.id.as_str(), "type": "self"}}),
    }
}

fn src_endpoint(ctx: &Context) -> Option<Value> {
    let s = &ctx.req.session;
    let mut ep = Map::new();
    if let Some(ip) = s.ip {
        ep.insert("ip".into(), json!(ip.0.to_string()));
    }
    if let Some(g) = s.geo.as_ref() {
        let mut loc = Map::new();
        if let Some(c) = g.country.as_ref() {
            loc.insert("country".into(), json!(c.as_str()));
        }
        if let (Some(lat), Some(lon)) = (g.lat, g.lon) {
            loc.insert("lat".into(), json!(lat));
            loc.insert("long".into(), json!(lon));
        }
        if !loc.is_empty() {
            ep.insert("location".into(), Value::Object(loc));
        }
        if let Some(asn) = g.asn {
            ep.insert("autonomous_system".into(), json!({"number": asn}));
        }
    }
    if let Some(d) = s.device.as_ref().and_then(|d| d.id.as_ref()) {
        ep.insert("uid".into(), json!(d.as_str()));
    }
    (!ep.is_empty()).then_some(Value::Object(ep))
}

fn policies(d: &Decision) -> Value {
    json!([{"uid": d.policy.id, "name": d.policy.id, "version": d.policy.version.to_string(),
            "data": {"digest": d.policy.digest}}])
}

/// OCSF auth_factor object for a factor type.
pub fn auth_factor(f: FactorType) -> Value {
    let (id, name) = match f {
        FactorType::Sms => (1, "SMS"),
        FactorType::Voice => (3, "Phone Call"),
        FactorType::Push => (5, "Push Notification"),
        FactorType::Piv => (6, "Hardware Token"),
        FactorType::Totp | FactorType::Hotp => (7, "OTP"),
        FactorType::Email => (8, "Email"),
        FactorType::WebauthnRoaming | FactorType::WebauthnPlatform | FactorType::PasskeySynced => {
            (10, "WebAuthn")
        }
        FactorType::Password => (11, "Password"),
        FactorType::RecoveryCode => (99, "Other"),
    };
    let mut v = json!({"factor_type_id": id, "factor_type": name, "provider": f.as_str()});
    match f {
        FactorType::Totp => extend(&mut v, [("is_totp", json!(true))]),
        FactorType::Hotp => extend(&mut v, [("is_hotp", json!(true))]),
        _ => {}
    }
    v
}

fn severity(level: Level, privileged: bool) -> (u8, &'static str) {
    match level {
        Level::Low if privileged => (2, "Low"),
        Level::Low => (1, "Informational"),
        Level::Medium => (3, "Medium"),
        Level::High => (4, "High"),
        Level::Critical => (5, "Critical"),
    }
}

fn risk_level_id(level: Level) -> u8 {
    match level {
        Level::Low => 1,
        Level::Medium => 2,
        Level::High => 3,
        Level::Critical => 4,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Deterministic event id (no randomness in the decision path): the same decision gives the same
/// id, so a SIEM can deduplicate a retried hook.
fn uid(ctx: &Context, d: &Decision, type_uid: u32) -> String {
    let mut h = Sha256::new();
    h.update(ctx.req.user.id.as_str().as_bytes());
    h.update(ctx.now.0.to_be_bytes());
    h.update(type_uid.to_be_bytes());
    h.update(d.policy.digest.as_bytes());
    h.update(d.outcome.as_str().as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}
