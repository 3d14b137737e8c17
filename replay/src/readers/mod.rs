//! Log readers: records out of a file (JSON lines, or one JSON array, as the APIs and portals
//! export), envelopes unwrapped (Azure diagnostic `records`, Graph `value`, Auth0 log streams'
//! `data`, EventBridge `detail.data`, Okta event hooks' `data.events`), and each record mapped to
//! normalized events by the reader of its source.

pub mod auth0;
pub mod entra;
pub mod okta;

use super::event::{parse_rfc3339, Ctx, Ev};
use super::Source;
use serde_json::Value;

/// What one record gave.
pub enum Mapped {
    /// Events were pushed.
    Events,
    /// A record of a type replay does not decide (the counter's name).
    Skipped(&'static str),
}

/// Maps one raw record (already unwrapped) of `source`.
pub fn map(source: Source, v: &Value, out: &mut Vec<Ev>) -> Result<Mapped, String> {
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    match source {
        Source::Auth0 => auth0::map(v, out),
        Source::Okta => okta::map(v, out),
        Source::Entra => entra::map(v, out),
    }
}

/// The records one JSON value holds: itself, or what its envelope wraps.
pub fn records(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.into_iter().flat_map(records).collect(),
        Value::Object(mut map) => {
            for key in ["records", "value"] {
                if matches!(map.get(key), Some(Value::Array(_))) {
                    if let Some(Value::Array(items)) = map.remove(key) {
                        return items.into_iter().flat_map(records).collect();
                    }
                }
            }
            // Okta event hook delivery: {"data":{"events":[...]}}
            if let Some(Value::Object(data)) = map.get_mut("data") {
                if let Some(Value::Array(events)) = data.remove("events") {
                    return events;
                }
            }
            // Auth0 log stream {"log_id", "data": {...}} and EventBridge {"detail": {"data": {...}}}
            let inner = match map.get("detail") {
                Some(Value::Object(d)) if d.get("data").is_some_and(Value::is_object) => {
                    d.get("data").cloned()
                }
                _ => None,
            }
            .or_else(|| match map.get("data") {
                Some(Value::Object(d)) if d.contains_key("type") && d.contains_key("date") => {
                    Some(Value::Object(d.clone()))
                }
                _ => None,
            });
            match inner {
                Some(inner) => vec![inner],
                None => vec![Value::Object(map)],
            }
        }
        other => vec![other],
    }
}

// ---- small JSON helpers ----------------------------------------------------------------------

/// The value at a dotted path.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The non-empty string at a dotted path.
pub fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at(v, path)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The non-empty string at a dotted path, owned.
pub fn string_at(v: &Value, path: &str) -> Option<String> {
    str_at(v, path).map(str::to_owned)
}

/// The number at a dotted path (a number, or a string holding one).
pub fn f64_at(v: &Value, path: &str) -> Option<f64> {
    at(v, path).and_then(|x| x.as_f64().or_else(|| x.as_str()?.trim().parse().ok()))
}

/// The boolean at a dotted path (a boolean, or `"true"`/`"false"` in any case).
pub fn bool_at(v: &Value, path: &str) -> Option<bool> {
    match at(v, path)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The record's time, or the error that makes it malformed.
pub fn time_at(v: &Value, path: &str) -> Result<i64, String> {
    let s = str_at(v, path).ok_or_else(|| format!("no `{path}`"))?;
    parse_rfc3339(s).ok_or_else(|| format!("`{path}` is not an RFC 3339 time: {s:.40}"))
}

/// Fills the place and network fields of a context, dropping what the contract would refuse
/// (an unparseable IP, a latitude out of range, a country that is not ISO 3166-1 alpha-2).
pub fn place(
    ctx: &mut Ctx,
    ip: Option<&str>,
    lat: Option<f64>,
    lon: Option<f64>,
    country: Option<&str>,
    asn: Option<f64>,
) {
    ctx.ip = ip
        .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_owned);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            ctx.lat = Some(lat);
            ctx.lon = Some(lon);
        }
    }
    ctx.country = country.and_then(iso_country).map(str::to_owned);
    ctx.asn = asn
        .filter(|a| a.fract() == 0.0 && (0.0..4_294_967_296.0).contains(a))
        .map(|a| a as u32);
}

/// An ISO 3166-1 alpha-2 code as the contract wants it, from a code or (Okta) an English name.
pub fn iso_country(s: &str) -> Option<&str> {
    let s = s.trim();
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Some(s);
    }
    COUNTRIES
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(s))
        .map(|(code, _)| *code)
}

/// English country names as the Okta System Log writes them (`client.geographicalContext.country`).
pub const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("MX", "Mexico"),
    ("BR", "Brazil"),
    ("AR", "Argentina"),
    ("CL", "Chile"),
    ("CO", "Colombia"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("LU", "Luxembourg"),
    ("CH", "Switzerland"),
    ("AT", "Austria"),
    ("IT", "Italy"),
    ("ES", "Spain"),
    ("PT", "Portugal"),
    ("NO", "Norway"),
    ("SE", "Sweden"),
    ("DK", "Denmark"),
    ("FI", "Finland"),
    ("IS", "Iceland"),
    ("PL", "Poland"),
    ("CZ", "Czechia"),
    ("SK", "Slovakia"),
    ("HU", "Hungary"),
    ("RO", "Romania"),
    ("BG", "Bulgaria"),
    ("GR", "Greece"),
    ("TR", "Turkey"),
    ("UA", "Ukraine"),
    ("RU", "Russia"),
    ("EE", "Estonia"),
    ("LV", "Latvia"),
    ("LT", "Lithuania"),
    ("IL", "Israel"),
    ("AE", "United Arab Emirates"),
    ("SA", "Saudi Arabia"),
    ("EG", "Egypt"),
    ("NG", "Nigeria"),
    ("KE", "Kenya"),
    ("ZA", "South Africa"),
    ("MA", "Morocco"),
    ("IN", "India"),
    ("PK", "Pakistan"),
    ("BD", "Bangladesh"),
    ("CN", "China"),
    ("HK", "Hong Kong"),
    ("TW", "Taiwan"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("SG", "Singapore"),
    ("MY", "Malaysia"),
    ("TH", "Thailand"),
    ("VN", "Vietnam"),
    ("ID", "Indonesia"),
    ("PH", "Philippines"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
];

/// The contract factor type a free-text method name names (Entra `authenticationMethod`, audit
/// `resultReason`, Auth0 `authenticator.type`, Okta `methodTypeUsed`), or `None`: a method that
/// the text does not show is not counted (fail closed).
pub fn factor_from_text(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    let has = |k: &str| t.contains(k);
    Some(if has("previously satisfied") || has("satisfied by") {
        return None;
    } else if has("password") && !has("passwordless") && !has("temporary") {
        "password"
    } else if has("temporary access pass") || has("recovery") {
        "recoveryCode"
    } else if has("webauthn-platform") || has("windows hello") || has("platform") {
        "webauthnPlatform"
    } else if has("passkey") && (has("synced") || has("authenticator app")) {
        "passkeySynced"
    } else if has("fido") || has("security key") || has("webauthn") || has("passkey") {
        "webauthnRoaming"
    } else if has("certificate") || has("piv") || has("smart card") {
        "piv"
    } else if has("voice") || has("call") {
        "voice"
    } else if has("sms") || has("text message") || has("phone") {
        "sms"
    } else if has("email") {
        "email"
    } else if has("oath") || has("otp") || has("code") || has("totp") || has("google") {
        "totp"
    } else if has("push") || has("notification") || has("guardian") || has("authenticator") {
        "push"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_names() {
        for (text, want) in [
            ("Password", Some("password")),
            ("Mobile app notification", Some("push")),
            ("OATH verification code", Some("totp")),
            ("Text message", Some("sms")),
            ("FIDO2 security key", Some("webauthnRoaming")),
            ("webauthn-platform", Some("webauthnPlatform")),
            ("Previously satisfied", None),
            ("User registered Mobile Phone SMS", Some("sms")),
        ] {
            assert_eq!(factor_from_text(text), want, "{text}");
        }
    }

    #[test]
    fn envelopes() {
        let v: Value = serde_json::from_str(r#"{"records":[{"a":1},{"b":2}]}"#).unwrap_or_default();
        assert_eq!(records(v).len(), 2);
        let v: Value = serde_json::from_str(r#"{"log_id":"1","data":{"type":"s","date":"x"}}"#)
            .unwrap_or_default();
        assert_eq!(records(v)[0]["type"], "s");
    }
}
