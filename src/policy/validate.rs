//! Policy validation: every problem, each with a JSON pointer and a sentence.

use super::document::{Exception, Policy, RequirementRule};
use crate::error::{ErrorCode, ErrorItem};
use crate::factors::FactorType;
use crate::json::KeyMap;
use crate::limits::{MAX_POLICY_BYTES, MAX_POLICY_LIST};
use crate::networks::Cidr;
use crate::time::Timestamp;

/// Decodes and checks a policy document, for the tests (compiling checks once, in
/// `CompiledPolicy::from_policy`).
#[cfg(test)]
pub(crate) fn validate(json: &str) -> Result<Policy, Vec<ErrorItem>> {
    let policy = parse(json)?;
    let errors = check(&policy);
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(errors)
    }
}

/// Decodes a policy document (size, shape, duplicate keys) without the semantic checks. Each
/// section given is laid over the embedded default's (see `crate::decode`), so a custom policy
/// inherits every default it does not restate, down to single fields: writing
/// `requirements.critical.maxAgeS` keeps the default's hardware binding. What names a policy
/// (`id`, `version`, `description`) is never inherited.
pub fn parse(json: &str) -> Result<Policy, Vec<ErrorItem>> {
    crate::error::within(json, MAX_POLICY_BYTES, "policy").map_err(|e| vec![e])?;
    let mut policy = crate::json::from_str::<Policy>(json).map_err(|e| vec![e])?;
    // `$schema` is for editors: not part of the policy, so not of its canonical form or digest.
    policy.schema = None;
    Ok(policy)
}

/// Semantic checks on a decoded policy.
pub(super) fn check(p: &Policy) -> Vec<ErrorItem> {
    let mut e = Errors::default();
    if p.id.trim_ascii().is_empty() || p.id.len() > 128 {
        e.push("/id", "id must be 1 to 128 characters");
    }
    if p.version == 0 {
        e.push("/version", "version starts at 1");
    }
    let r = &p.requirements;
    for (name, rule) in [
        ("low", &r.low),
        ("medium", &r.medium),
        ("high", &r.high),
        ("critical", &r.critical),
    ] {
        check_rule(&mut e, &format!("/requirements/{name}"), rule);
    }
    check_rule(&mut e, "/privileged/requirement", &p.privileged.requirement);
    check_rule(&mut e, "/risk/login/medium", &p.risk.login.medium);
    check_rule(&mut e, "/risk/login/high", &p.risk.login.high);
    check_reauth(&mut e, p);
    check_privileged(&mut e, p);
    check_kinds(&mut e, p);
    check_risk(&mut e, p);
    check_signals(&mut e, p);
    check_break_glass(&mut e, p);
    check_networks(&mut e, p);
    check_exceptions(&mut e, p);
    check_approvals(&mut e, p);
    check_recovery(&mut e, p);
    check_actions(&mut e, p);
    e.0
}

fn check_actions(e: &mut Errors, p: &Policy) {
    const DAY: u64 = 86_400;
    let a = &p.actions;
    for (path, value, range) in [
        ("/actions/freshProofS", a.fresh_proof_s, 1..=DAY),
        (
            "/actions/recentFactorChangeS",
            a.recent_factor_change_s,
            0..=30 * DAY,
        ),
        (
            "/actions/recentRecoveryS",
            a.recent_recovery_s,
            0..=30 * DAY,
        ),
        (
            "/actions/recentRiskySigninS",
            a.recent_risky_signin_s,
            0..=30 * DAY,
        ),
        (
            "/privileged/enrollmentGraceS",
            p.privileged.enrollment_grace_s,
            0..=90 * DAY,
        ),
    ] {
        if !range.contains(&value) {
            e.push(
                path,
                format!("between {} and {} seconds", range.start(), range.end()),
            );
        }
    }
}

fn check_approvals(e: &mut Errors, p: &Policy) {
    let a = &p.approvals;
    if a.grant_lifetime_s == 0 || a.grant_lifetime_s > 86_400 {
        e.push(
            "/approvals/grantLifetimeS",
            "a grant lives between 1 second and 24 hours",
        );
    }
    for (action, approvers) in &a.by_action {
        if approvers.is_empty() {
            e.push(
                format!("/approvals/byAction/{}", action.as_str()),
                "approver lists cannot be empty",
            );
        }
    }
}

fn check_recovery(e: &mut Errors, p: &Policy) {
    let r = &p.recovery;
    let v = &r.code_validity_s;
    for (name, value, cap) in [
        ("email", v.email, 86_400),
        ("sms", v.sms, 600),
        ("voice", v.voice, 600),
        ("postal", v.postal, 30 * 86_400),
        ("recoveryContact", v.recovery_contact, 2 * 86_400),
    ] {
        if value == 0 || value > cap {
            e.push(
                format!("/recovery/codeValidityS/{name}"),
                format!("a {name} recovery code is valid between 1 second and {cap} seconds (NIST SP 800-63B rev 4 §4.2.1)"),
            );
        }
    }
    let h = &r.helpdesk;
    if h.issuers.contains(&crate::enums::ActorKind::SelfService) {
        e.push(
            "/recovery/helpdesk/issuers",
            "the user never issues their own recovery evidence",
        );
    }
    if !(600..=30 * 86_400).contains(&h.tap_max_lifetime_s) {
        e.push(
            "/recovery/helpdesk/tapMaxLifetimeS",
            "a temporary access pass lives between 10 minutes and 30 days",
        );
    }
}

#[derive(Default)]
struct Errors(Vec<ErrorItem>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0
            .push(ErrorItem::new(ErrorCode::InvalidValue, path, message));
    }
    fn code(&mut self, code: ErrorCode, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ErrorItem::new(code, path, message));
    }
    fn list_cap(&mut self, path: &str, len: usize) {
        if len > MAX_POLICY_LIST {
            self.code(
                ErrorCode::LimitExceeded,
                path,
                format!("{len} items, at most {MAX_POLICY_LIST} allowed"),
            );
        }
    }
}

fn check_rule(e: &mut Errors, path: &str, rule: &RequirementRule) {
    if !(1..=3).contains(&rule.min_aal) {
        e.push(format!("{path}/minAal"), "minAal is 1, 2 or 3");
    }
    if rule.hardware_bound && !rule.phishing_resistant {
        e.push(
            format!("{path}/hardwareBound"),
            "a hardware-bound requirement must also be phishing-resistant",
        );
    }
}

fn check_reauth(e: &mut Errors, p: &Policy) {
    let w = &p.reauthentication;
    if w.aal1_s == 0 || w.aal2_s == 0 || w.aal3_s == 0 {
        e.push(
            "/reauthentication",
            "re-authentication windows must be positive",
        );
    }
    if w.aal3_s > w.aal2_s || w.aal2_s > w.aal1_s {
        e.push(
            "/reauthentication",
            "higher AALs need shorter or equal windows (aal3S <= aal2S <= aal1S)",
        );
    }
}

fn check_privileged(e: &mut Errors, p: &Policy) {
    e.list_cap("/privileged/roles", p.privileged.roles.len());
    e.list_cap("/privileged/capabilities", p.privileged.capabilities.len());
    for (i, role) in p.privileged.roles.iter().enumerate() {
        if role.is_empty() || role.matches('*').count() > 1 || role == "*" {
            e.push(
                format!("/privileged/roles/{i}"),
                "a role is a name or a pattern with one `*` and some fixed text",
            );
        }
    }
}

fn check_kinds(e: &mut Errors, p: &Policy) {
    let k = &p.user_kinds;
    for (name, rule) in [
        ("employee", &k.employee),
        ("contractor", &k.contractor),
        ("partner", &k.partner),
        ("customer", &k.customer),
        ("service", &k.service),
        ("breakGlass", &k.break_glass),
    ] {
        let path = format!("/userKinds/{name}");
        if let Some(req) = &rule.requirement {
            check_rule(e, &format!("{path}/requirement"), req);
        }
        for (i, f) in rule.allowed_factors.iter().enumerate() {
            if matches!(f, FactorType::Password | FactorType::Email) {
                e.push(
                    format!("{path}/allowedFactors/{i}"),
                    format!("{} is not a second factor that can be bound", f.as_str()),
                );
            }
        }
    }
}

fn check_risk(e: &mut Errors, p: &Policy) {
    let l = &p.risk.levels;
    if !(0 < l.medium && l.medium < l.high && l.high < l.critical && l.critical <= 100) {
        e.push(
            "/risk/levels",
            "thresholds must rise: 0 < medium < high < critical <= 100",
        );
    }
    for (code, points) in &p.risk.weights {
        if !(-100..=100).contains(points) {
            e.push(
                format!("/risk/weights/{}", code.as_str()),
                "a weight is between -100 and 100",
            );
        }
        if code.is_identity() && *points != 0 {
            e.push(
                format!("/risk/weights/{}", code.as_str()),
                "this code says who the user is, not what happened: it raises the requirement, the alerting and who approves, and is reported as exposure; its weight must be 0",
            );
        }
        if code.is_approval() && *points != 0 {
            e.push(
                format!("/risk/weights/{}", code.as_str()),
                "a grant's verdict is decided after the score and never changes it: its weight must be 0",
            );
        }
    }
    let fc = &p.risk.factor_change;
    if fc.approval_at > fc.deny_at {
        e.push(
            "/risk/factorChange/approvalAt",
            "approval must start at or below the deny level",
        );
    }
    if fc.approvers.is_empty() || fc.privileged_approvers.is_empty() {
        e.push("/risk/factorChange", "approver lists cannot be empty");
    }
    for (kind, approvers) in &fc.approvers_by_kind {
        if approvers.is_empty() {
            e.push(
                format!("/risk/factorChange/approversByKind/{}", kind.as_str()),
                "approver lists cannot be empty",
            );
        }
    }
}

fn check_signals(e: &mut Errors, p: &Policy) {
    let t = &p.signals.impossible_travel;
    if !(t.speed_kmh.is_finite() && t.speed_kmh > 0.0) {
        e.push(
            "/signals/impossibleTravel/speedKmh",
            "speed must be positive",
        );
    }
    if !(t.min_distance_km.is_finite() && t.min_distance_km >= 0.0) {
        e.push(
            "/signals/impossibleTravel/minDistanceKm",
            "distance cannot be negative",
        );
    }
    if !(t.border_tolerance_km.is_finite() && t.border_tolerance_km >= 0.0) {
        e.push(
            "/signals/impossibleTravel/borderToleranceKm",
            "distance cannot be negative",
        );
    }
    if p.signals.push_fatigue.denied == 0 {
        e.push("/signals/pushFatigue/denied", "at least one denied push");
    }
}

fn check_break_glass(e: &mut Errors, p: &Policy) {
    e.list_cap("/breakGlass/userIds", p.break_glass.user_ids.len());
    if p.break_glass.required_factors.is_empty() {
        e.push(
            "/breakGlass/requiredFactors",
            "name the hardware factors break-glass logins use",
        );
    }
    for (i, f) in p.break_glass.required_factors.iter().enumerate() {
        if !f.profile().hardware_bound {
            e.push(
                format!("/breakGlass/requiredFactors/{i}"),
                format!("{} is not a hardware-bound factor", f.as_str()),
            );
        }
    }
}

fn check_networks(e: &mut Errors, p: &Policy) {
    for (list, nets) in [
        ("trusted", &p.networks.trusted),
        ("denied", &p.networks.denied),
    ] {
        e.list_cap(&format!("/networks/{list}"), nets.len());
        for (i, n) in nets.iter().enumerate() {
            let path = format!("/networks/{list}/{i}");
            if n.name.trim_ascii().is_empty() {
                e.push(format!("{path}/name"), "a network needs a name");
            }
            if n.cidrs.is_empty() && n.asns.is_empty() {
                e.push(&path, "a network needs at least one CIDR or ASN");
            }
            if list == "trusted" && n.kind.is_none() {
                e.push(
                    format!("{path}/kind"),
                    "a trusted network says its kind: corporate, vpn or cloud",
                );
            }
            e.list_cap(&format!("{path}/cidrs"), n.cidrs.len());
            e.list_cap(&format!("{path}/asns"), n.asns.len());
            for (j, c) in n.cidrs.iter().enumerate() {
                if Cidr::parse(c).is_none() {
                    e.push(
                        format!("{path}/cidrs/{j}"),
                        format!("{} is not a CIDR block", crate::error::quoted(c)),
                    );
                }
            }
        }
    }
}

fn check_exceptions(e: &mut Errors, p: &Policy) {
    let x = &p.exceptions;
    if x.max_duration_s == 0 {
        e.push(
            "/exceptions/maxDurationS",
            "exceptions need a positive maximum duration",
        );
    }
    e.list_cap("/exceptions/items", x.items.len());
    let mut ids = KeyMap::new();
    for (i, item) in x.items.iter().enumerate() {
        let path = format!("/exceptions/items/{i}");
        if ids.insert(item.id.as_str(), ()).is_some() {
            e.push(
                format!("{path}/id"),
                format!(
                    "exception id {} is used twice",
                    crate::error::quoted(&item.id)
                ),
            );
        }
        check_exception(e, &path, item, x.max_duration_s);
    }
}

fn check_exception(e: &mut Errors, path: &str, x: &Exception, max_s: u64) {
    if x.id.trim_ascii().is_empty() {
        e.push(format!("{path}/id"), "an exception needs an id");
    }
    let s = &x.subject;
    let subjects = usize::from(s.user_id.is_some())
        + usize::from(s.role.is_some())
        + usize::from(s.user_kind.is_some());
    if subjects != 1 {
        e.push(
            format!("{path}/subject"),
            "a subject is exactly one of userId, role, userKind",
        );
    }
    if x.grant.allow_factors.is_empty() && !x.grant.waive_phishing_resistant {
        e.push(format!("{path}/grant"), "an exception must grant something");
    }
    if x.reason.trim_ascii().is_empty() {
        e.push(format!("{path}/reason"), "an exception needs a reason");
    }
    if x.approver.trim_ascii().is_empty() {
        e.push(format!("{path}/approver"), "an exception needs an approver");
    }
    let created = Timestamp::parse(&x.created_at);
    if created.is_none() {
        e.code(
            ErrorCode::InvalidTimestamp,
            format!("{path}/createdAt"),
            "createdAt must be an RFC 3339 timestamp",
        );
    }
    let Some(expires_raw) = &x.expires_at else {
        e.code(
            ErrorCode::ExceptionExpiry,
            format!("{path}/expiresAt"),
            "an exception without an expiry is a permanent bypass: set expiresAt",
        );
        return;
    };
    let Some(expires) = Timestamp::parse(expires_raw) else {
        e.code(
            ErrorCode::InvalidTimestamp,
            format!("{path}/expiresAt"),
            "expiresAt must be an RFC 3339 timestamp",
        );
        return;
    };
    if let Some(created) = created {
        let duration = created.seconds_until(expires);
        if duration <= 0 {
            e.code(
                ErrorCode::ExceptionExpiry,
                format!("{path}/expiresAt"),
                "expiresAt must be after createdAt",
            );
        } else if duration.unsigned_abs() > max_s {
            e.code(
                ErrorCode::ExceptionExpiry,
                format!("{path}/expiresAt"),
                format!(
                    "lasts {} days; the policy allows at most {} days",
                    duration / 86_400,
                    max_s / 86_400
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_valid() {
        let json = crate::json::to_json(&Policy::default());
        assert_eq!(validate(&json).err(), None);
    }

    #[test]
    fn minimal_policy_takes_defaults() {
        let p = validate(r#"{"id":"acme","version":3}"#).unwrap();
        assert_eq!(p.requirements, super::super::Requirements::default());
        assert_eq!(p.id, "acme");
    }

    #[test]
    fn reports_every_problem_with_paths() {
        let json = r#"{"id":"","version":0,"requirements":{"high":{"minAal":4,"maxAgeS":1}},
            "risk":{"levels":{"medium":50,"high":40,"critical":90}},
            "networks":{"denied":[{"name":"x","cidrs":["10.0.0.0/99"]}]},
            "exceptions":{"items":[{"id":"E1","subject":{"userId":"u"},"grant":{"allowFactors":["sms"]},
              "reason":"r","approver":"a","createdAt":"2026-01-01T00:00:00Z"}]}}"#;
        let errors = validate(json).unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        for want in [
            "/id",
            "/version",
            "/requirements/high/minAal",
            "/risk/levels",
            "/networks/denied/0/cidrs/0",
            "/exceptions/items/0/expiresAt",
        ] {
            assert!(paths.contains(&want), "{want} missing from {paths:?}");
        }
        assert!(errors.iter().any(|e| e.code == ErrorCode::ExceptionExpiry));
    }

    #[test]
    fn strict_on_unknown_fields_and_duplicates() {
        let e = validate(r#"{"id":"a","version":1,"apps":{"defaultSensitivity":"low","bogus":1}}"#)
            .unwrap_err();
        assert_eq!(e[0].code, ErrorCode::UnknownField);
        assert_eq!(e[0].path, "/apps/bogus");
        let e = validate(r#"{"id":"a","version":1,"apps":{"byId":{"x":"low","x":"high"}}}"#)
            .unwrap_err();
        assert_eq!(
            (e[0].code, e[0].path.as_str()),
            (ErrorCode::DuplicateKey, "/apps/byId/x")
        );
    }

    #[test]
    fn too_long_exception_is_an_error() {
        let json = r#"{"id":"a","version":1,"exceptions":{"items":[{"id":"E1","subject":{"role":"r"},
            "grant":{"waivePhishingResistant":true},"reason":"r","approver":"a",
            "createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-06-01T00:00:00Z"}]}}"#;
        let e = validate(json).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, ErrorCode::ExceptionExpiry);
    }
}
