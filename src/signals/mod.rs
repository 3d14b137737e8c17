//! Risk signals read from the request: place, device, the host's own detections, account
//! history, flags, and who the user is. Each rule adds at most one reason; its code is its name.

pub(crate) mod borders;
pub(crate) mod chain;
pub(crate) mod memory;
pub(crate) mod travel;

use crate::context::{human_duration, short_list, Context};
use crate::decision::ReasonCode;
use crate::enums::{Level, UserKind};
use crate::request::Confidence;

/// Adds every signal the request and the user's history carry (shared by login and factor
/// change). History comes before the host's detections so that, for a code both give, the
/// engine's own sentence (where, when) is the one kept.
pub(crate) fn collect(ctx: &mut Context) {
    lifecycle(ctx);
    who(ctx);
    network(ctx);
    device(ctx);
    memory::signals(ctx);
    host_risk(ctx);
    history(ctx);
    flags(ctx);
    push_fatigue(ctx);
    if ctx.entry == crate::decision::Entry::Action {
        chain::add(ctx);
    }
}

/// `accessExpired`: `user.accessEndsAt` is at or before the decision time. Logins, changes and
/// actions are then denied (docs/contract.md#lifecycle), whatever else holds.
fn lifecycle(ctx: &mut Context) {
    if let Some(end) = ctx.req.user.access_ends_at.filter(|e| *e <= ctx.now) {
        ctx.add(
            ReasonCode::AccessExpired,
            format!(
                "The account's access ended at {} (user.accessEndsAt).",
                end.to_rfc3339()
            ),
        );
    }
}

/// `privilegedUser`, `sensitiveCapabilities`, `contractor`, `breakGlass`, `serviceAccount`.
fn who(ctx: &mut Context) {
    if !ctx.privileged_roles.is_empty() {
        let roles = short_list(&ctx.privileged_roles);
        ctx.add(
            ReasonCode::PrivilegedUser,
            format!("Privileged role: {roles}."),
        );
    }
    if !ctx.sensitive_capabilities.is_empty() {
        let caps = short_list(&ctx.sensitive_capabilities);
        ctx.add(
            ReasonCode::SensitiveCapabilities,
            format!("The account can {caps}: a compromise reaches beyond this user."),
        );
    }
    match ctx.kind {
        UserKind::Contractor | UserKind::Partner => {
            let kind = ctx.kind.as_str();
            ctx.add(
                ReasonCode::Contractor,
                format!("External account ({kind})."),
            );
        }
        UserKind::BreakGlass => ctx.add(
            ReasonCode::BreakGlass,
            "Break-glass emergency account: every use is reviewed.",
        ),
        UserKind::Service => ctx.add(
            ReasonCode::ServiceAccount,
            "Non-human account: it has no person to prompt.",
        ),
        UserKind::Employee | UserKind::Customer => {}
    }
}

/// `trustedNetwork` (lowers risk) and `untrustedIp` (deny-listed network or anonymizer).
fn network(ctx: &mut Context) {
    let s = &ctx.req.session;
    let ip = s.ip.map(|i| i.0);
    let asn = s.geo.as_ref().and_then(|g| g.asn);
    if let Some(net) = ctx.policy.denied_network(ip, asn) {
        let name = net.name.clone();
        ctx.add(
            ReasonCode::UntrustedIp,
            format!("Sign-in from deny-listed network {name}."),
        );
    } else if let Some(net) = ctx.policy.trusted_network(ip, asn) {
        if net.kind == Some(crate::policy::NetworkKind::Corporate) {
            let name = net.name.clone();
            ctx.add(
                ReasonCode::TrustedNetwork,
                format!("Sign-in from trusted network {name}."),
            );
        }
    }
}

/// `unmanagedDevice`, `unknownDevice`, `sharedDevice`. A workforce device the host reports
/// unmanaged, or managed but non-compliant, is `unmanagedDevice`; one whose posture is unknown
/// (no `session.device`, or no `managed`) is `unknownDevice`: a missing signal is unknown, not
/// safe, and not what happened either, so it is reported and scores what the policy weights it
/// (0 by default, like `stateMissing`). Consumer devices are never managed, so never scored.
fn device(ctx: &mut Context) {
    let device = ctx.req.session.device.as_ref();
    if device.and_then(|d| d.shared) == Some(true) {
        ctx.add(ReasonCode::SharedDevice, "Shared or kiosk device.");
    }
    if ctx.kind == UserKind::Customer {
        return;
    }
    match device.and_then(|d| d.managed) {
        Some(true) => {
            if device.and_then(|d| d.compliant) == Some(false) {
                ctx.add(
                    ReasonCode::UnmanagedDevice,
                    "Managed device out of compliance.",
                );
            }
        }
        Some(false) => ctx.add(
            ReasonCode::UnmanagedDevice,
            "Device not managed by the organisation.",
        ),
        None if device.is_none() => ctx.add(
            ReasonCode::UnknownDevice,
            "The host sent no device: its posture is unknown.",
        ),
        None => ctx.add(
            ReasonCode::UnknownDevice,
            "The host did not say whether the device is managed: its posture is unknown.",
        ),
    }
}

/// `hostRiskHigh`, `hostRiskMedium`, and the host's named detections mapped onto the engine's
/// codes (`impossibleTravel`, `newDevice`, `newCountry`, `newAsn`, `untrustedIp`, ...).
/// Auth0's `confidence: low` means the login does not match the user's history: medium risk.
fn host_risk(ctx: &mut Context) {
    let Some(h) = ctx.req.session.host_risk.as_ref() else {
        return;
    };
    match h.level {
        Some(Level::High | Level::Critical) => ctx.add(
            ReasonCode::HostRiskHigh,
            "The identity provider rates this sign-in high risk.",
        ),
        Some(Level::Medium) => ctx.add(
            ReasonCode::HostRiskMedium,
            "The identity provider rates this sign-in medium risk.",
        ),
        Some(Level::Low) | None => {}
    }
    if h.confidence == Some(Confidence::Low) {
        ctx.add(
            ReasonCode::HostRiskMedium,
            "The identity provider says this sign-in does not match the user's history (confidence low).",
        );
    }
    for signal in h.signals.iter() {
        if let Some((code, detail)) = host_signal(signal.as_str()) {
            ctx.add(code, detail);
        }
    }
}

/// Host detection names the engine understands, with the sentence it gives for each.
fn host_signal(name: &str) -> Option<(ReasonCode, &'static str)> {
    use ReasonCode::*;
    Some(match name {
        "impossibleTravel" | "impossible_travel" | "mcasImpossibleTravel" | "unlikelyTravel" => (
            ImpossibleTravel,
            "The identity provider detected impossible travel.",
        ),
        "newDevice" | "new_device" | "unfamiliarFeatures" => (
            NewDevice,
            "The identity provider does not recognise this device.",
        ),
        "newCountry" | "new_country" => (NewCountry, "First sign-in from this country."),
        "newAsn" | "new_asn" => (NewAsn, "First sign-in from this network provider."),
        "untrustedIp"
        | "untrusted_ip"
        | "anonymizedIPAddress"
        | "anonymousProxy"
        | "tor"
        | "maliciousIPAddress"
        | "riskyIPAddress"
        | "nationStateIP" => (
            UntrustedIp,
            "The identity provider flags this IP (deny list or anonymizer).",
        ),
        "simSwap" | "sim_swap" => (SimSwap, "The carrier reports a SIM swap or number port."),
        "pushFatigue" | "push_fatigue" => (PushFatigue, "Repeated push prompts were denied."),
        "userReportedSuspicious" | "userReportedSuspiciousActivity" => (
            UserReportedSuspicious,
            "The user reported a prompt or sign-in as not theirs.",
        ),
        _ => return None,
    })
}

/// `recentPasswordReset`, `recentRecovery`, `dormantAccount`, `newAccount`. For an action,
/// `recentRecovery` is a link of its chain, in its own window (`actions::chain`).
fn history(ctx: &mut Context) {
    let user = &ctx.req.user;
    let sig = &ctx.policy.policy.signals;
    let now = ctx.now;
    let within = |t: Option<crate::time::Timestamp>, window: u64| -> Option<i64> {
        let age = t?.seconds_until(now);
        (age >= 0 && age.unsigned_abs() <= window).then_some(age)
    };
    if let Some(age) = within(user.password_changed_at, sig.recent_password_reset_s) {
        ctx.add(
            ReasonCode::RecentPasswordReset,
            format!("Password changed {} ago.", human_duration(age)),
        );
    }
    let recovery = user
        .recovered_at
        .filter(|_| ctx.entry != crate::decision::Entry::Action);
    if let Some(age) = within(recovery, sig.recent_recovery_s) {
        chain::recovered(ctx, age);
    }
    if let Some(last) = user.last_login_at {
        let idle = last.seconds_until(now);
        if idle > 0 && idle.unsigned_abs() > sig.dormant_s {
            ctx.add(
                ReasonCode::DormantAccount,
                format!("No sign-in for {} before this one.", human_duration(idle)),
            );
        }
    }
    if let Some(age) = within(user.created_at, sig.new_account_s) {
        ctx.add(
            ReasonCode::NewAccount,
            format!("Account created {} ago.", human_duration(age)),
        );
    }
}

/// `simSwap`, `userReportedSuspicious`.
fn flags(ctx: &mut Context) {
    let flags = &ctx.req.user.flags;
    if flags.sim_swap == Some(true) {
        ctx.add(
            ReasonCode::SimSwap,
            "The carrier reports a SIM swap or number port.",
        );
    }
    if flags.reported_suspicious == Some(true) {
        ctx.add(
            ReasonCode::UserReportedSuspicious,
            "The user reported a prompt or sign-in as not theirs.",
        );
    }
}

/// `pushFatigue`: denied pushes at or above the policy's count within its window.
fn push_fatigue(ctx: &mut Context) {
    let Some(p) = ctx.req.session.pushes.as_ref() else {
        return;
    };
    let rule = &ctx.policy.policy.signals.push_fatigue;
    let window = p.window_s.unwrap_or(rule.window_s);
    if p.denied >= rule.denied && window <= rule.window_s {
        ctx.add(
            ReasonCode::PushFatigue,
            format!(
                "{} push prompts denied in {}.",
                p.denied,
                human_duration(window as i64)
            ),
        );
    }
}
