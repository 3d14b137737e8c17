//! Okta System Log `LogEvent`s (`/api/v1/logs`, event hooks), one sign-in per session.
//!
//! Identity Engine writes several events for one sign-in, and `user.authentication.auth_via_mfa`
//! fires for the password too (hosts-review §1.2): every event below is a *part* of the sign-in
//! of its session (`authenticationContext.externalSessionId`, else `transaction.id`), and the fold
//! decides one sign-in per session with the methods the parts show were verified.
//!
//! - `user.session.start`: the session's place and device; SUCCESS proves the password.
//!   FAILURE with bad credentials never reaches a hook (skipped).
//! - `user.authentication.auth_via_mfa`, `user.authentication.verify`: a verification of the
//!   authenticator its `AuthenticatorEnrollment` target names (`detailEntry.methodTypeUsed`,
//!   `methodUsedVerifiedProperties`, `debugData.factor`). The Password target is the password,
//!   never a second factor.
//! - `user.mfa.okta_verify.deny_push`: a denied push.
//! - `policy.evaluate_sign_on`: Okta's verdict, `outcome.result` ALLOW / CHALLENGE / DENY.
//! - `user.authentication.sso`: the app (`AppInstance` target) reached on the session.
//! - `user.mfa.factor.activate|deactivate|reset_all|update` (phone only): factor changes of the
//!   target user; by the user themself or (another actor) an admin.
//! - `user.account.reset_password`, `user.account.update_password`: password changes.
//! - Country names are mapped to ISO codes; `debugData.behaviors` POSITIVE flags and
//!   `debugData.risk` levels are host signals; `securityContext.isProxy` an anonymizer.

use super::{at, bool_at, f64_at, place, str_at, string_at, time_at, Mapped};
use crate::event::{Auth, Change, Ctx, Ev, Host, Kind, Verif};
use serde_json::Value;

/// Maps one Okta LogEvent to normalized events (see the module comment).
pub fn map(v: &Value, out: &mut Vec<Ev>) -> Result<Mapped, String> {
    let ty = str_at(v, "eventType").ok_or("no `eventType`")?;
    let result = str_at(v, "outcome.result").unwrap_or("SUCCESS");
    let kind = match ty {
        "user.session.start" => {
            if result != "SUCCESS" {
                return Ok(Mapped::Skipped("firstFactorFailed"));
            }
            let mut a = part(v);
            a.verifs.push(Verif {
                factor: "password".into(),
                ok: true,
                at: 0,
            });
            Kind::Auth(a)
        }
        "user.authentication.auth_via_mfa" | "user.authentication.verify" => {
            let mut a = part(v);
            let factor = targets(v)
                .find(|t| !matches!(str_at(t, "type"), Some("AppInstance" | "User")))
                .and_then(|t| method_of_target(t, v, false));
            match factor {
                Some(f) => a.verifs.push(Verif {
                    factor: f.into(),
                    ok: result == "SUCCESS",
                    at: 0,
                }),
                None => return Ok(Mapped::Skipped("unrecognisedMethod")),
            }
            Kind::Auth(a)
        }
        "user.mfa.okta_verify.deny_push" => {
            let mut a = part(v);
            a.denied_pushes = 1;
            Kind::Auth(a)
        }
        "policy.evaluate_sign_on" => {
            let mut a = part(v);
            a.host = match result {
                "ALLOW" | "SUCCESS" => Some(Host::Allow),
                "CHALLENGE" => Some(Host::MfaFailed), // resolved by the session's verifications
                "DENY" | "FAILURE" => Some(Host::Deny),
                _ => None,
            };
            Kind::Auth(a)
        }
        "user.authentication.sso" => {
            if result != "SUCCESS" {
                return Ok(Mapped::Skipped("ssoFailed"));
            }
            let mut a = part(v);
            a.sso = true;
            Kind::Auth(a)
        }
        "user.mfa.factor.activate"
        | "user.mfa.factor.deactivate"
        | "user.mfa.factor.reset_all"
        | "user.mfa.factor.update" => {
            if result != "SUCCESS" {
                return Ok(Mapped::Skipped("changeFailed"));
            }
            let target = targets(v).find(|t| str_at(t, "type") != Some("User"));
            let factor = target.and_then(|t| method_of_target(t, v, true));
            let action = match ty {
                "user.mfa.factor.activate" => "enroll",
                "user.mfa.factor.deactivate" => "remove",
                "user.mfa.factor.reset_all" => "resetAll",
                _ if matches!(factor, Some("sms" | "voice")) => "phoneChange",
                _ => return Ok(Mapped::Skipped("factorUpdate")),
            };
            let user = user_of(v).ok_or("no target user")?;
            let actor_id = string_at(v, "actor.id");
            let actor = if actor_id.as_deref() == Some(user.as_str()) {
                "self"
            } else if str_at(v, "actor.type") == Some("User") {
                "admin"
            } else {
                "automation"
            };
            Kind::Change(Change {
                action: action.into(),
                factor: if action == "resetAll" {
                    None
                } else {
                    factor.map(str::to_owned)
                },
                factor_id: target.and_then(|t| string_at(t, "id")),
                actor: actor.into(),
                actor_id,
                ctx: ctx(v),
            })
        }
        "user.account.reset_password" | "user.account.update_password" => {
            if result != "SUCCESS" {
                return Ok(Mapped::Skipped("changeFailed"));
            }
            Kind::PasswordReset
        }
        _ => return Ok(Mapped::Skipped("otherEventType")),
    };
    let user = user_of(v).ok_or("no user (actor or target of type User)")?;
    let ts = time_at(v, "published")?;
    let kind = match kind {
        Kind::Auth(mut a) => {
            for verif in &mut a.verifs {
                verif.at = ts;
            }
            Kind::Auth(a)
        }
        k => k,
    };
    let session = str_at(v, "authenticationContext.externalSessionId")
        .filter(|s| *s != "unknown")
        .or_else(|| str_at(v, "transaction.id"))
        .map(str::to_owned);
    out.push(Ev {
        user,
        ts,
        seq: 0,
        session,
        kind,
    });
    Ok(Mapped::Events)
}

fn targets(v: &Value) -> impl Iterator<Item = &Value> {
    at(v, "target")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The user an event is about: the target User of a change, else the actor.
fn user_of(v: &Value) -> Option<String> {
    let ty = str_at(v, "eventType").unwrap_or("");
    let target = targets(v)
        .find(|t| str_at(t, "type") == Some("User"))
        .and_then(|t| string_at(t, "id"));
    let actor = (str_at(v, "actor.type") == Some("User"))
        .then(|| string_at(v, "actor.id"))
        .flatten();
    if ty.starts_with("user.mfa.factor") || ty.starts_with("user.account") {
        target.or(actor)
    } else {
        actor.or(target)
    }
}

fn part(v: &Value) -> Auth {
    Auth {
        ctx: ctx(v),
        app: targets(v)
            .find(|t| str_at(t, "type") == Some("AppInstance"))
            .and_then(|t| string_at(t, "displayName").or_else(|| string_at(t, "id"))),
        ..Auth::default()
    }
}

fn ctx(v: &Value) -> Ctx {
    let mut c = Ctx::default();
    let geo = "client.geographicalContext";
    place(
        &mut c,
        str_at(v, "client.ipAddress"),
        f64_at(v, &format!("{geo}.geolocation.lat")),
        f64_at(v, &format!("{geo}.geolocation.lon")),
        str_at(v, &format!("{geo}.country")),
        f64_at(v, "securityContext.asNumber"),
    );
    c.device = string_at(v, "device.id").or_else(|| string_at(v, "debugContext.debugData.dtHash"));
    c.managed = bool_at(v, "device.managed");
    let debug = "debugContext.debugData";
    for (name, value) in pairs(str_at(v, &format!("{debug}.behaviors")).unwrap_or("")) {
        let signal = match name.as_str() {
            "new device" => "newDevice",
            "new country" | "new geo-location" => "newCountry",
            "velocity" => "impossibleTravel",
            _ => continue,
        };
        if value == "POSITIVE" && !c.signals.iter().any(|s| s == signal) {
            c.signals.push(signal.into());
        }
    }
    if let Some((_, level)) = pairs(str_at(v, &format!("{debug}.risk")).unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "level")
    {
        let level = level.to_ascii_lowercase();
        if matches!(level.as_str(), "low" | "medium" | "high") {
            c.risk = Some(level);
        }
    }
    if bool_at(v, "securityContext.isProxy") == Some(true) {
        c.signals.push("anonymousProxy".into());
    }
    c
}

/// `{New Device=POSITIVE, New IP=NEGATIVE}` or `{level=HIGH, reasons=...}`: lower-case keys.
fn pairs(text: &str) -> Vec<(String, String)> {
    let inner = text.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out: Vec<(String, String)> = Vec::new();
    for part in inner.split(',') {
        match part.split_once('=') {
            Some((k, val)) => out.push((k.trim().to_ascii_lowercase(), val.trim().to_owned())),
            None => {
                // a comma inside a value ("reasons=Anomalous Location, Anomalous Device")
                if let Some(last) = out.last_mut() {
                    last.1.push(',');
                    last.1.push_str(part);
                }
            }
        }
    }
    out
}

/// The contract factor type an `AuthenticatorEnrollment` (or factor) target proves, as the Okta
/// example service reads it: `methodTypeUsed`, the authenticator key, `debugData.factor`, the
/// display name; Okta FastPass and WebAuthn by their verified properties. `None`: not counted.
fn method_of_target(t: &Value, event: &Value, enrollment: bool) -> Option<&'static str> {
    let detail = |camel: &str, snake: &str| {
        str_at(t, &format!("detailEntry.{camel}"))
            .or_else(|| str_at(t, &format!("detailEntry.{snake}")))
    };
    let used = detail("methodTypeUsed", "method_type_used")
        .unwrap_or("")
        .to_ascii_lowercase();
    let key = detail("authenticatorKey", "authenticator_key")
        .unwrap_or("")
        .to_ascii_lowercase();
    let factor_enum = str_at(event, "debugContext.debugData.factor").unwrap_or("");
    let name = str_at(t, "displayName").unwrap_or("");
    let verified = detail(
        "methodUsedVerifiedProperties",
        "method_used_verified_properties",
    )
    .unwrap_or("")
    .to_ascii_uppercase();
    let kind = match used.as_str() {
        "password" => "password",
        "use okta fastpass" | "signed_nonce" => "fastpass",
        "get a push notification" | "push" => "push",
        "enter a code" | "totp" | "otp" => "totp",
        "sms" => "sms",
        "voice" => "voice",
        "email" => "email",
        "security key or biometric" | "webauthn" => "webauthn",
        _ => match key.as_str() {
            "okta_password" => "password",
            "google_otp" | "custom_otp" | "symantec_vip" => "totp",
            "okta_email" => "email",
            "webauthn" => "webauthn",
            "rsa_token" | "yubikey_token" => "hotp",
            "duo" => "push",
            "phone_number" if enrollment => "sms",
            _ => match factor_enum {
                "PASSWORD_AS_FACTOR" => "password",
                "SOFT_TOKEN" => "totp",
                "OKTA_VERIFY_PUSH" => "push",
                _ => {
                    let n = name.to_ascii_lowercase();
                    if n == "password" {
                        "password"
                    } else if n.contains("security key")
                        || n.contains("biometric")
                        || n.contains("webauthn")
                    {
                        "webauthn"
                    } else if n.contains("google authenticator") || n.contains("software token") {
                        "totp"
                    } else if n == "email" {
                        "email"
                    } else if enrollment && n.contains("okta verify") {
                        "push"
                    } else if enrollment && (n.contains("voice") || n.contains("call")) {
                        "voice"
                    } else if enrollment && (n.contains("phone") || n.contains("sms")) {
                        "sms"
                    } else {
                        return None;
                    }
                }
            },
        },
    };
    Some(match kind {
        "fastpass"
            if verified.contains("PHISHING_RESISTANT")
                && verified.contains("HARDWARE_PROTECTED") =>
        {
            "webauthnPlatform"
        }
        "fastpass" if verified.contains("PHISHING_RESISTANT") => "passkeySynced",
        "fastpass" => "push",
        "webauthn" => {
            let backup = detail("backupEligible", "backup_eligible")
                .map(|b| b == "true")
                .or_else(|| bool_at(t, "detailEntry.backupEligible"));
            let transports = detail("authenticatorTransports", "authenticator_transports")
                .unwrap_or("")
                .to_ascii_lowercase();
            let bound = backup == Some(false)
                || (backup.is_none() && verified.contains("HARDWARE_PROTECTED"));
            if !bound {
                "passkeySynced"
            } else if transports.contains("internal") && !transports.contains("usb") {
                "webauthnPlatform"
            } else {
                "webauthnRoaming"
            }
        }
        "password" => "password",
        "push" => "push",
        "totp" => "totp",
        "hotp" => "hotp",
        "sms" => "sms",
        "voice" => "voice",
        "email" => "email",
        _ => return None,
    })
}
