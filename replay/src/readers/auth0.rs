//! Auth0 tenant log events (`/api/v2/logs` pages and log streams; `auth0-log-schemas`).
//!
//! - `s` (and `ssa`, silent authentication) ends a sign-in; its `details.prompts[]` shows the
//!   password (`lock-password-authenticate`, any prompt named `*password*`); none on an existing
//!   session is single sign-on. `f` ends a failed one (`mfaFailed` when its error names MFA,
//!   else `deny`). `fp`, `fu` (wrong password or user) never reach a hook: skipped.
//! - `gd_auth_succeed` / `gd_auth_failed` / `gd_recovery_succeed` are verifications of the
//!   session (`details.session_id`) by `details.authenticator.type`; `gd_auth_rejected` a denied
//!   push.
//! - `gd_enrollment_complete` enrolls, `gd_unenroll` removes (made through the Management API or
//!   the dashboard: an admin), `scpn` changes the phone; `scp` is a password change.
//! - Place: `location_info` (streams); risk: `details.riskAssessment` (`confidence: low` =
//!   medium host risk, `ImpossibleTravel`/`NewDevice`/`UntrustedIP` codes as detections).
//! - Auth0 logs no device id on a login: the device is the user agent (per user, as the engine
//!   keys devices per user anyway), which is what Auth0's own `NewDevice` assessor compares.

use super::{at, f64_at, place, str_at, string_at, time_at, Mapped};
use crate::event::{Auth, Change, Ctx, Ev, Host, Kind, Verif};
use serde_json::Value;

/// Maps one Auth0 log event to normalized events (see the module comment).
pub fn map(v: &Value, out: &mut Vec<Ev>) -> Result<Mapped, String> {
    let Some(ty) = str_at(v, "type") else {
        return Err("no `type`".into());
    };
    let kind = match ty {
        "s"
        | "ssa"
        | "f"
        | "gd_auth_succeed"
        | "gd_auth_failed"
        | "gd_auth_rejected"
        | "gd_recovery_succeed"
        | "gd_recovery_failed" => Some(auth(ty, v)),
        "gd_enrollment_complete" | "gd_unenroll" | "scpn" => Some(change(ty, v)),
        "scp" => Some(Kind::PasswordReset),
        "fp" | "fu" | "fcoa" => return Ok(Mapped::Skipped("firstFactorFailed")),
        "limit_wc" | "limit_mu" | "limit_sul" => return Ok(Mapped::Skipped("blockedByIdp")),
        t if t.starts_with("gd_") => return Ok(Mapped::Skipped("mfaNotice")),
        _ => None,
    };
    let Some(kind) = kind else {
        return Ok(Mapped::Skipped("otherEventType"));
    };
    let user = string_at(v, "user_id")
        .or_else(|| string_at(v, "details.enrollment.user_id"))
        .ok_or("no `user_id`")?;
    let ts = time_at(v, "date")?;
    if let Kind::Auth(a) = &kind {
        if a.closes && ty == "f" && a.verifs.is_empty() && a.host == Some(Host::Deny) {
            // a failed login is a first-factor failure unless Auth0 says a rule or action denied
            let msg = str_at(v, "details.error.message")
                .or_else(|| str_at(v, "description"))
                .unwrap_or("")
                .to_ascii_lowercase();
            if msg.contains("wrong") || msg.contains("invalid") || msg.contains("password") {
                return Ok(Mapped::Skipped("firstFactorFailed"));
            }
        }
    }
    out.push(Ev {
        user,
        ts,
        seq: 0,
        session: string_at(v, "details.session_id"),
        kind,
    });
    Ok(Mapped::Events)
}

fn ctx(v: &Value) -> Ctx {
    let mut c = Ctx::default();
    place(
        &mut c,
        str_at(v, "ip"),
        f64_at(v, "location_info.latitude"),
        f64_at(v, "location_info.longitude"),
        str_at(v, "location_info.country_code"),
        None,
    );
    c.device = string_at(v, "details.device_id")
        .or_else(|| str_at(v, "user_agent").map(|ua| format!("ua:{:016x}", fnv(ua.as_bytes()))));
    if let Some(risk) = at(v, "details.riskAssessment") {
        if str_at(risk, "confidence") == Some("low") {
            c.risk = Some("medium".into());
        }
        for (assessor, bad, signal) in [
            (
                "ImpossibleTravel",
                "impossible_travel_from_last_login",
                "impossibleTravel",
            ),
            ("NewDevice", "no_match", "newDevice"),
            ("UntrustedIP", "found_on_deny_list", "untrustedIp"),
        ] {
            let code = str_at(risk, &format!("assessments.{assessor}.code")).unwrap_or("");
            if code == bad || (assessor == "UntrustedIP" && code.starts_with("found_on")) {
                c.signals.push(signal.into());
            }
        }
    }
    c
}

/// FNV-1a, for short stable ids.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn authenticator(v: &Value) -> Option<&'static str> {
    let t =
        str_at(v, "details.authenticator.type").or_else(|| str_at(v, "details.enrollment.type"))?;
    Some(match t {
        "push" | "push-notification" | "guardian" => "push",
        "otp" | "totp" => "totp",
        "sms" | "phone" => "sms",
        "voice" => "voice",
        "email" => "email",
        "webauthn-roaming" => "webauthnRoaming",
        "webauthn-platform" => "webauthnPlatform",
        "recovery-code" => "recoveryCode",
        other => return super::factor_from_text(other),
    })
}

fn auth(ty: &str, v: &Value) -> Kind {
    let ts = time_at(v, "date").unwrap_or_default();
    let mut a = Auth {
        ctx: ctx(v),
        app: string_at(v, "client_name").or_else(|| string_at(v, "client_id")),
        ..Auth::default()
    };
    match ty {
        "s" | "ssa" => {
            a.closes = true;
            a.host = Some(Host::Allow);
            match at(v, "details.prompts").and_then(Value::as_array) {
                Some(prompts) => {
                    let password = prompts.iter().any(|p| {
                        str_at(p, "name").is_some_and(|n| n.contains("password"))
                            || str_at(p, "strategy") == Some("auth0")
                    });
                    if password {
                        a.verifs.push(Verif {
                            factor: "password".into(),
                            ok: true,
                            at: ts,
                        });
                    }
                    let mfa = prompts
                        .iter()
                        .any(|p| str_at(p, "name").is_some_and(|n| n.contains("mfa")));
                    a.sso = !password && !mfa;
                }
                None if ty == "ssa" => a.sso = true,
                None if str_at(v, "strategy_type") == Some("database") => {
                    a.verifs.push(Verif {
                        factor: "password".into(),
                        ok: true,
                        at: ts,
                    });
                }
                None => a.sso = true,
            }
        }
        "f" => {
            a.closes = true;
            let msg = format!(
                "{} {}",
                str_at(v, "details.error.message").unwrap_or(""),
                str_at(v, "description").unwrap_or("")
            )
            .to_ascii_lowercase();
            a.host = Some(if msg.contains("mfa") || msg.contains("multifactor") {
                Host::MfaFailed
            } else {
                Host::Deny
            });
        }
        "gd_auth_rejected" => a.denied_pushes = 1,
        "gd_recovery_succeed" | "gd_recovery_failed" => a.verifs.push(Verif {
            factor: "recoveryCode".into(),
            ok: ty == "gd_recovery_succeed",
            at: ts,
        }),
        _ => {
            if let Some(f) = authenticator(v) {
                a.verifs.push(Verif {
                    factor: f.into(),
                    ok: ty == "gd_auth_succeed",
                    at: ts,
                });
            }
        }
    }
    Kind::Auth(a)
}

fn change(ty: &str, v: &Value) -> Kind {
    let (action, factor, actor) = match ty {
        "gd_enrollment_complete" => ("enroll", authenticator(v), "self"),
        "gd_unenroll" => ("remove", authenticator(v), "admin"),
        _ => ("phoneChange", Some("sms"), "self"),
    };
    Kind::Change(Change {
        action: action.into(),
        factor: factor.map(str::to_owned),
        factor_id: string_at(v, "details.authenticator.id")
            .or_else(|| string_at(v, "details.enrollment._id")),
        actor: actor.into(),
        actor_id: None,
        ctx: ctx(v),
    })
}
