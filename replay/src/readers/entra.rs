//! Microsoft Entra sign-in and audit logs, as exported: Graph `signIn` / `directoryAudit`
//! objects (portal "Download JSON", Graph pages), or the diagnostic-settings stream
//! (`{"category": "SignInLogs" | "AuditLogs", "properties": {...}}`).
//!
//! - A sign-in record is one whole sign-in: `authenticationDetails[]` are its verifications
//!   (`Previously satisfied` / `Satisfied by token`: single sign-on); a failed
//!   `Mobile app notification` whose detail says it was denied or declined is a denied push.
//!   `status.errorCode` 0 is success; 50126, 50053, 50055, 50057 (bad password, locked,
//!   expired, disabled) never reach a hook (skipped); 50074 / 50076 / 50079 are interrupts before
//!   the MFA step, whose own record follows (skipped); 500121 is failed MFA; 53003 and
//!   `conditionalAccessStatus: failure` are a block by Conditional Access, any other code a block.
//!   Non-interactive sign-ins (token refresh) are skipped.
//! - `riskLevelDuringSignIn` (`none` and P2's `hidden` are no rating) and `riskEventTypes_v2`
//!   (Identity Protection detection names, which the contract recognises) are host risk;
//!   `userType: Guest` is a partner.
//! - Audit `… registered security info` enrolls, `… deleted security info` removes,
//!   `… updated security info` of a phone changes the phone (a `User …` activity is self-service,
//!   `Admin …` delegated, an app initiator automation); the method comes from `resultReason`
//!   or the modified properties. Password resets and changes are password events.

use super::{at, bool_at, f64_at, place, str_at, string_at, time_at, Mapped};
use crate::event::{Auth, Change, Ctx, Ev, Host, Kind, Verif};
use serde_json::Value;

/// Maps one Entra sign-in or audit record to normalized events (see the module comment).
pub fn map(v: &Value, out: &mut Vec<Ev>) -> Result<Mapped, String> {
    let (record, category) = match v.get("properties") {
        Some(p) if p.is_object() => (p, str_at(v, "category").unwrap_or("")),
        _ => (v, ""),
    };
    if category.contains("NonInteractive") || bool_at(record, "isInteractive") == Some(false) {
        return Ok(Mapped::Skipped("nonInteractive"));
    }
    if record.get("activityDisplayName").is_some() || category == "AuditLogs" {
        return audit(record, out);
    }
    if record.get("createdDateTime").is_some() || category.starts_with("SignIn") {
        return sign_in(record, out);
    }
    Err("neither a sign-in (createdDateTime) nor an audit record (activityDisplayName)".into())
}

fn sign_in(v: &Value, out: &mut Vec<Ev>) -> Result<Mapped, String> {
    let user = string_at(v, "userId").ok_or("no `userId`")?;
    let ts = time_at(v, "createdDateTime")?;
    let code = f64_at(v, "status.errorCode").unwrap_or(0.0) as i64;
    let host = match code {
        0 => Host::Allow,
        50126 | 50053 | 50055 | 50057 | 50034 => return Ok(Mapped::Skipped("firstFactorFailed")),
        50074 | 50076 | 50079 => return Ok(Mapped::Skipped("interrupt")),
        500121 => Host::MfaFailed,
        _ => Host::Deny,
    };
    let host = if str_at(v, "conditionalAccessStatus") == Some("failure") {
        Host::Deny
    } else {
        host
    };
    let mut a = Auth {
        ctx: ctx(v),
        app: string_at(v, "appDisplayName").or_else(|| string_at(v, "appId")),
        host: Some(host),
        closes: true,
        kind: (str_at(v, "userType") == Some("Guest")).then(|| "partner".to_owned()),
        ..Auth::default()
    };
    let mut fresh = false;
    let mut sso = false;
    for step in at(v, "authenticationDetails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let method = str_at(step, "authenticationMethod").unwrap_or("");
        let detail = str_at(step, "authenticationMethodDetail").unwrap_or("");
        let result = str_at(step, "authenticationStepResultDetail")
            .unwrap_or("")
            .to_ascii_lowercase();
        let ok = bool_at(step, "succeeded").unwrap_or(false);
        let at_ms = str_at(step, "authenticationStepDateTime")
            .and_then(crate::event::parse_rfc3339)
            .unwrap_or(ts);
        let lower = method.to_ascii_lowercase();
        if lower.contains("previously satisfied") || lower.contains("satisfied by") {
            sso = true;
            continue;
        }
        let factor = if lower == "authenticator app" || lower.contains("microsoft authenticator") {
            Some(if detail.to_ascii_lowercase().contains("code") {
                "totp"
            } else {
                "push"
            })
        } else {
            super::factor_from_text(method)
        };
        if !ok
            && (result.contains("denied") || result.contains("declined"))
            && factor == Some("push")
        {
            a.denied_pushes += 1;
            continue;
        }
        if let Some(f) = factor {
            fresh = true;
            a.verifs.push(Verif {
                factor: f.into(),
                ok,
                at: at_ms,
            });
        }
    }
    a.sso = sso && !fresh;
    out.push(Ev {
        user,
        ts,
        seq: 0,
        session: string_at(v, "correlationId"),
        kind: Kind::Auth(a),
    });
    Ok(Mapped::Events)
}

fn ctx(v: &Value) -> Ctx {
    let mut c = Ctx::default();
    place(
        &mut c,
        str_at(v, "ipAddress"),
        f64_at(v, "location.geoCoordinates.latitude"),
        f64_at(v, "location.geoCoordinates.longitude"),
        str_at(v, "location.countryOrRegion"),
        f64_at(v, "autonomousSystemNumber"),
    );
    c.device = string_at(v, "deviceDetail.deviceId");
    c.managed = bool_at(v, "deviceDetail.isManaged");
    c.compliant = bool_at(v, "deviceDetail.isCompliant");
    c.risk = str_at(v, "riskLevelDuringSignIn")
        .filter(|l| matches!(*l, "low" | "medium" | "high"))
        .map(str::to_owned);
    for d in at(v, "riskEventTypes_v2")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(d) = d.as_str() {
            c.signals.push(d.to_owned());
        }
    }
    c
}

fn audit(v: &Value, out: &mut Vec<Ev>) -> Result<Mapped, String> {
    let activity = str_at(v, "activityDisplayName").ok_or("no `activityDisplayName`")?;
    let a = activity.to_ascii_lowercase();
    if str_at(v, "result").is_some_and(|r| !r.eq_ignore_ascii_case("success")) {
        return Ok(Mapped::Skipped("changeFailed"));
    }
    let password = a.contains("reset password")
        || a.contains("reset user password")
        || a.contains("change password")
        || a.contains("change user password");
    let action = if a.ends_with("registered security info") {
        "enroll"
    } else if a.ends_with("deleted security info") {
        "remove"
    } else if a.ends_with("updated security info") {
        "phoneChange"
    } else if password {
        ""
    } else {
        return Ok(Mapped::Skipped("otherActivity"));
    };
    let target = at(v, "targetResources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| str_at(t, "type") == Some("User"));
    let initiator = string_at(v, "initiatedBy.user.id");
    let user = target
        .and_then(|t| string_at(t, "id"))
        .or_else(|| initiator.clone())
        .ok_or("no target user")?;
    let ts = time_at(v, "activityDateTime")?;
    let mut ctx = Ctx::default();
    place(
        &mut ctx,
        str_at(v, "initiatedBy.user.ipAddress").or_else(|| str_at(v, "callerIpAddress")),
        None,
        None,
        None,
        None,
    );
    let kind = if action.is_empty() {
        Kind::PasswordReset
    } else {
        let mut text = str_at(v, "resultReason").unwrap_or("").to_owned();
        for p in target
            .and_then(|t| at(t, "modifiedProperties"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            text.push(' ');
            text.push_str(str_at(p, "newValue").unwrap_or(""));
        }
        let factor = super::factor_from_text(&text);
        if action == "phoneChange" && !matches!(factor, Some("sms" | "voice")) {
            return Ok(Mapped::Skipped("securityInfoUpdate"));
        }
        let actor = if v
            .get("initiatedBy")
            .and_then(|i| i.get("app"))
            .is_some_and(|x| !x.is_null())
            && initiator.is_none()
        {
            "automation"
        } else if a.starts_with("admin") || initiator.as_deref().is_some_and(|i| i != user) {
            "admin"
        } else {
            "self"
        };
        Kind::Change(Change {
            action: action.into(),
            factor: factor.map(str::to_owned),
            factor_id: None,
            actor: actor.into(),
            actor_id: initiator,
            ctx,
        })
    };
    out.push(Ev {
        user,
        ts,
        seq: 0,
        session: string_at(v, "correlationId"),
        kind,
    });
    Ok(Mapped::Events)
}
