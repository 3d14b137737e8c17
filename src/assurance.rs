//! What a session proves (its AAL from the methods used and their age) and what a requester asks
//! for (`acr` values). NIST SP 800-63B rev 4: a session is never treated as a higher AAL than the
//! authentication that created it, and risk never counts as a factor.

use crate::decision::{Assurance, Requirement};
use crate::factors::FactorType;
use crate::policy::{Reauthentication, RequirementRule};
use crate::request::Method;
use crate::time::Timestamp;

/// Clock skew tolerated for method times slightly in the future, seconds.
const SKEW_S: i64 = 300;

/// What a set of methods proves at `now`, counting only methods no older than `max_age_s` and
/// than the re-authentication window of the AAL they are counted for.
pub(crate) fn session(
    methods: &[Method],
    now: Timestamp,
    reauth: &Reauthentication,
    max_age_s: u64,
) -> Assurance {
    let fresh = |m: &Method, aal: u8| -> bool {
        let age = m.at.seconds_until(now);
        let limit = reauth.window(aal).min(max_age_s);
        age >= -SKEW_S && age.max(0).unsigned_abs() <= limit
    };
    let aal3 = methods
        .iter()
        .any(|m| m.kind.profile().max_aal == 3 && fresh(m, 3));
    let password2 = methods
        .iter()
        .any(|m| m.kind == FactorType::Password && fresh(m, 2));
    let aal2 = methods.iter().any(|m| {
        let p = m.kind.profile();
        fresh(m, 2) && p.max_aal >= 2 && (p.multi_factor || (p.possession && password2))
    });
    let aal1 = methods.iter().any(|m| fresh(m, 1));
    let aal = if aal3 {
        3
    } else if aal2 {
        2
    } else {
        u8::from(aal1)
    };
    let phishing_resistant = methods
        .iter()
        .any(|m| m.kind.profile().phishing_resistant && fresh(m, m.kind.profile().max_aal));
    let hardware_bound = methods
        .iter()
        .any(|m| m.kind.profile().hardware_bound && fresh(m, 3));
    let mut amr: Vec<&'static str> = Vec::new();
    for m in methods.iter().filter(|m| fresh(m, 1)) {
        if !amr.contains(&m.kind.amr()) {
            amr.push(m.kind.amr());
        }
    }
    if aal >= 2 {
        amr.push("mfa");
    }
    Assurance {
        aal,
        phishing_resistant,
        hardware_bound,
        amr,
        acr: None,
    }
}

/// What a set of methods proved at any time, ignoring every age: neither the requester's
/// maximum age nor the re-authentication windows limit it (methods from the future beyond the
/// clock skew still do not count). A session that meets a requirement this way but not within
/// the windows once proved the strength and aged out: `staleAuthentication`, not
/// `insufficientAal` (docs/contract.md#rules, "Explanations say what happened").
pub(crate) fn ever_proved(methods: &[Method], now: Timestamp) -> Assurance {
    let never = Reauthentication {
        aal1_s: u64::MAX,
        aal2_s: u64::MAX,
        aal3_s: u64::MAX,
    };
    session(methods, now, &never, u64::MAX)
}

/// How long a method counts toward `need`: the requester's maximum age, or the
/// re-authentication window of the AAL it asks for (AAL3 for a hardware-bound requirement),
/// whichever is shorter.
pub(crate) fn freshness_limit(need: &Requirement, reauth: &Reauthentication) -> u64 {
    let aal = if need.hardware_bound {
        need.min_aal.max(3)
    } else {
        need.min_aal
    };
    need.max_age_s.min(reauth.window(aal))
}

/// Does what a session proved meet a requirement (its freshness already applied)?
pub(crate) fn meets(a: &Assurance, r: &Requirement) -> bool {
    a.aal >= r.min_aal
        && (!r.phishing_resistant || a.phishing_resistant)
        && (!r.hardware_bound || a.hardware_bound)
}

/// The requirement an `acr` value stands for, or `None` for a value the engine does not know
/// (OIDC: unknown values are ignored). Max age is left open (`u64::MAX`).
pub(crate) fn acr_requirement(acr: &str) -> Option<RequirementRule> {
    const OPEN: u64 = u64::MAX;
    let rule = |min_aal, phishing_resistant, hardware_bound| RequirementRule {
        min_aal,
        phishing_resistant,
        hardware_bound,
        max_age_s: OPEN,
    };
    const PAPE: &str = "http://schemas.openid.net/pape/policies/2007/06/";
    const GSA: &str = "http://idmanagement.gov/ns/assurance/";
    Some(match acr {
        // OpenID Connect EAP ACR Values 1.0.
        "phr" => rule(2, true, false),
        "phrh" => rule(3, true, true),
        // Okta.
        "urn:okta:loa:1fa:any" | "urn:okta:loa:1fa:pwd" => rule(1, false, false),
        "urn:okta:loa:2fa:any" | "urn:okta:loa:2fa:any:ifpossible" => rule(2, false, false),
        // Plain NIST levels as some relying parties send them.
        "aal1" | "urn:nist:800-63:aal1" => rule(1, false, false),
        "aal2" | "urn:nist:800-63:aal2" => rule(2, false, false),
        "aal3" | "urn:nist:800-63:aal3" => rule(3, true, true),
        _ => {
            if let Some(rest) = acr.strip_prefix(PAPE) {
                match rest {
                    "multi-factor" => rule(2, false, false),
                    "multi-factor-physical" => rule(2, false, false),
                    "phishing-resistant" => rule(2, true, false),
                    _ => return None,
                }
            } else if let Some(rest) = acr.strip_prefix(GSA) {
                match rest {
                    "aal/1" => rule(1, false, false),
                    "aal/2" => rule(2, false, false),
                    "aal/2?phishing_resistant=true" => rule(2, true, false),
                    "aal/2?hspd12=true" => rule(2, true, true),
                    "aal/3" => rule(3, true, true),
                    _ => return None,
                }
            } else {
                return None;
            }
        }
    })
}

/// Which of the requested `acr` values a session satisfies (the first, in preference order).
pub(crate) fn satisfied_acr<'a>(
    requested: impl Iterator<Item = &'a str>,
    a: &Assurance,
) -> Option<String> {
    requested
        .filter_map(|v| acr_requirement(v).map(|r| (v, r)))
        .find(|(_, r)| {
            a.aal >= r.min_aal
                && (!r.phishing_resistant || a.phishing_resistant)
                && (!r.hardware_bound || a.hardware_bound)
        })
        .map(|(v, _)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp(1_800_000_000 + s)
    }
    fn m(kind: FactorType, at: i64) -> Method {
        Method { kind, at: t(at) }
    }

    #[test]
    fn aal_from_methods_and_age() {
        let w = Reauthentication::default();
        let now = t(0);
        assert_eq!(session(&[], now, &w, u64::MAX).aal, 0);
        assert_eq!(
            session(&[m(FactorType::Password, -10)], now, &w, u64::MAX).aal,
            1
        );
        let pwd_otp = [m(FactorType::Password, -10), m(FactorType::Totp, -5)];
        assert_eq!(session(&pwd_otp, now, &w, u64::MAX).aal, 2);
        // Email is never the second factor.
        let pwd_email = [m(FactorType::Password, -10), m(FactorType::Email, -5)];
        assert_eq!(session(&pwd_email, now, &w, u64::MAX).aal, 1);
        // A synced passkey is AAL2 and phishing-resistant; a security key is AAL3.
        let pk = session(&[m(FactorType::PasskeySynced, -5)], now, &w, u64::MAX);
        assert_eq!(
            (pk.aal, pk.phishing_resistant, pk.hardware_bound),
            (2, true, false)
        );
        let key = session(&[m(FactorType::WebauthnRoaming, -5)], now, &w, u64::MAX);
        assert_eq!((key.aal, key.hardware_bound), (3, true));
        // AAL3 lapses after 12 h but still counts at AAL2 until 24 h.
        let old_key = session(
            &[m(FactorType::WebauthnRoaming, -13 * 3600)],
            now,
            &w,
            u64::MAX,
        );
        assert_eq!(old_key.aal, 2);
        // A max age shorter than the method's age drops it.
        assert_eq!(session(&pwd_otp, now, &w, 3).aal, 0);
        assert!(session(&pwd_otp, now, &w, u64::MAX).amr.contains(&"mfa"));
    }

    #[test]
    fn acr_values() {
        assert_eq!(
            acr_requirement("phr").map(|r| (r.min_aal, r.phishing_resistant)),
            Some((2, true))
        );
        assert_eq!(
            acr_requirement("phrh").map(|r| r.hardware_bound),
            Some(true)
        );
        assert_eq!(
            acr_requirement("urn:okta:loa:2fa:any").map(|r| r.min_aal),
            Some(2)
        );
        assert_eq!(
            acr_requirement("http://idmanagement.gov/ns/assurance/aal/2?phishing_resistant=true")
                .map(|r| r.phishing_resistant),
            Some(true)
        );
        assert_eq!(acr_requirement("gold"), None);
    }
}
