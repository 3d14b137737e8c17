//! What login and factor changes share about requirements: how one is written in a sentence,
//! how two combine, and which of the user's factors can meet one (the restricted-authenticator
//! rule, SIM swap and push fatigue applied), including the one rule for "the user's strongest
//! factors" that a risky login and the closed fail mode both step up with, and the one rule for
//! which of the session's methods count as proof ([`proof`], docs/contract.md#rules, "What proves").

use crate::context::Context;
use crate::decision::{ReasonCode, Requirement};
use crate::exceptions::Granted;
use crate::factors::FactorType;
use crate::policy::{RequirementRule, RestrictedUse};
use crate::request::Method;

/// Why a method the session used does not count as proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discount {
    /// `simSwap`: the carrier moved the number, so the codes went to whoever holds the SIM.
    SimSwap,
    /// `pushFatigue`: a push approval is what the attacker was fishing for.
    PushFatigue,
    /// `enrollment.restrictedFactors: onlyIfNothingBetter`: the user has this better factor,
    /// which meets the requirement.
    Better(FactorType),
    /// `enrollment.restrictedFactors: never`.
    Never,
}

/// What the session's methods prove toward one requirement: the methods that count, and a
/// sentence for each one that does not (see [`proof`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Proof {
    /// The methods that count as proof, in the session's order.
    pub methods: Vec<Method>,
    /// The types used that did not count, and why (each type once).
    discounted: Vec<(FactorType, Discount)>,
    /// An email code was used where a second factor is needed.
    email_as_second: bool,
}

impl Proof {
    /// "SMS was used but does not count: the user has TOTP, which meets the requirement.": one
    /// sentence per method that did not count, for the `insufficientAal` (login and binding)
    /// sentence. Empty when every method counted.
    pub(crate) fn explain(&self) -> String {
        let mut out = String::new();
        for (kind, why) in &self.discounted {
            let name = label(*kind);
            let sentence = match why {
                Discount::SimSwap if *kind == FactorType::Voice => {
                    "The SIM was swapped: a voice-call code proves nothing.".to_string()
                }
                Discount::SimSwap => "The SIM was swapped: an SMS code proves nothing.".to_string(),
                Discount::PushFatigue => {
                    "Push prompts were being denied: a push approval proves nothing.".to_string()
                }
                Discount::Better(better) => format!(
                    "{name} was used but does not count: the user has {}, which meets the requirement.",
                    label(*better)
                ),
                Discount::Never => format!(
                    "{name} was used but does not count: the policy never accepts SMS or voice codes."
                ),
            };
            out.push(' ');
            out.push_str(&sentence);
        }
        if self.email_as_second {
            out.push_str(" An email code was used, but email is never a second factor.");
        }
        out
    }
}

/// A factor type's name in a reason sentence.
fn label(kind: FactorType) -> &'static str {
    match kind {
        FactorType::Sms => "SMS",
        FactorType::Voice => "Voice",
        FactorType::Totp => "TOTP",
        FactorType::Hotp => "HOTP",
        FactorType::Push => "Push",
        FactorType::Email => "Email",
        FactorType::Piv => "PIV",
        other => other.as_str(),
    }
}

/// What proves (docs/contract.md#rules): the session's methods that count toward `need`. A method counts only
/// if the policy lets its type serve this user now, by the same rules that choose what a step-up
/// offers ([`user_factors`]):
/// - SMS and voice never count after a SIM swap (`simSwap`), whatever an exception grants;
/// - SMS and voice do not count where the user has an enrolled, usable factor that meets `need`
///   (`enrollment.restrictedFactors: onlyIfNothingBetter`), nor ever under `never`, unless an
///   active exception allows them (`exceptionApplied`);
/// - push does not count under push fatigue (`pushFatigue`);
/// - email never counts as a second factor (it is not a possession factor, see
///   [`crate::assurance::session`]); it is kept as a single-factor (AAL1) proof and named in the
///   explanation when `need` asks for AAL2 or more.
///
/// The login decision (`outcome`, `insufficientAal`, the assurance shown) and the factor-change
/// binding rule (`bindingAuthenticated` / `insufficientAal`) both read proof from here.
pub(crate) fn proof(ctx: &Context, need: &Requirement, granted: &Granted) -> Proof {
    let sim_swap = ctx.has(ReasonCode::SimSwap);
    let fatigue = ctx.has(ReasonCode::PushFatigue);
    let restricted = ctx.policy.policy.enrollment.restricted_factors;
    let better = || {
        user_factors(ctx, need, granted)
            .into_iter()
            .find(|f| !f.profile().restricted)
    };
    let mut out = Proof::default();
    for m in ctx.req.session.methods.iter() {
        let why = if m.kind.profile().restricted {
            if sim_swap {
                Some(Discount::SimSwap)
            } else if granted.allow_factors.contains(&m.kind) {
                None
            } else {
                match restricted {
                    RestrictedUse::Allow => None,
                    RestrictedUse::Never => Some(Discount::Never),
                    RestrictedUse::OnlyIfNothingBetter => better().map(Discount::Better),
                }
            }
        } else if fatigue && m.kind == FactorType::Push {
            Some(Discount::PushFatigue)
        } else {
            None
        };
        match why {
            Some(why) => {
                if !out.discounted.iter().any(|(k, _)| *k == m.kind) {
                    out.discounted.push((m.kind, why));
                }
            }
            None => out.methods.push(m.clone()),
        }
    }
    let used = |k: FactorType| out.methods.iter().any(|m| m.kind == k);
    out.email_as_second = need.min_aal >= 2
        && used(FactorType::Email)
        && !out.methods.iter().any(|m| m.kind.profile().possession);
    out
}

/// "phishing-resistant AAL2".
pub(crate) fn describe(rule: &RequirementRule) -> String {
    let kind = if rule.hardware_bound {
        "hardware-bound phishing-resistant "
    } else if rule.phishing_resistant {
        "phishing-resistant "
    } else {
        ""
    };
    format!("{kind}AAL{}", rule.min_aal)
}

/// The strictest of two rules: each dimension at its strictest.
pub(crate) fn strictest(a: &RequirementRule, b: &RequirementRule) -> RequirementRule {
    RequirementRule {
        min_aal: a.min_aal.max(b.min_aal),
        phishing_resistant: a.phishing_resistant || b.phishing_resistant,
        hardware_bound: a.hardware_bound || b.hardware_bound,
        max_age_s: a.max_age_s.min(b.max_age_s),
    }
}

/// The user's enrolled factor types that can meet `need`, strongest first, restricted ones
/// (SMS, voice) only where the policy and the user's other factors allow.
pub(crate) fn user_factors(
    ctx: &Context,
    need: &Requirement,
    granted: &Granted,
) -> Vec<FactorType> {
    let p = &ctx.policy.policy;
    let mut factors = pick(
        ctx.req.user.factors.iter().map(|f| f.kind),
        need,
        p.enrollment.restricted_factors,
        granted,
    );
    if ctx.has(ReasonCode::SimSwap) {
        // A swapped SIM receives the codes: step up beyond SMS and voice.
        factors.retain(|f| !f.profile().restricted);
    }
    if ctx.has(ReasonCode::PushFatigue) {
        factors.retain(|f| *f != FactorType::Push);
    }
    factors
}

/// The user's strongest enrolled factors whatever the requirement, for a risky login that steps
/// up with what the user has.
pub(crate) fn strongest_user_factors(ctx: &Context, granted: &Granted) -> Vec<FactorType> {
    let any = Requirement {
        min_aal: 1,
        phishing_resistant: false,
        hardware_bound: false,
        factors: vec![],
        max_age_s: 0,
    };
    strongest(user_factors(ctx, &any, granted))
}

/// The one rule for "the strongest factors": those whose assurance (AAL, phishing resistance,
/// hardware binding, restricted or not) equals the best one's, strongest first. Every factor it
/// returns meets [`proves`] of the first, so a step-up that offers them asks what each can give.
pub(crate) fn strongest(factors: impl IntoIterator<Item = FactorType>) -> Vec<FactorType> {
    let mut all: Vec<FactorType> = Vec::new();
    for f in factors {
        if f.profile().possession && !all.contains(&f) {
            all.push(f);
        }
    }
    crate::error::sort_by_key(&mut all, |f| std::cmp::Reverse(f.profile().rank));
    let Some(best) = all.first().map(|f| assurance_class(*f)) else {
        return all;
    };
    all.retain(|f| assurance_class(*f) == best);
    all
}

/// What authenticating with `factor` now proves, as a requirement it meets.
pub(crate) fn proves(factor: FactorType, max_age_s: u64) -> Requirement {
    let p = factor.profile();
    Requirement {
        min_aal: p.max_aal,
        phishing_resistant: p.phishing_resistant,
        hardware_bound: p.hardware_bound,
        factors: vec![],
        max_age_s,
    }
}

fn assurance_class(f: FactorType) -> (u8, bool, bool, bool) {
    let p = f.profile();
    (
        p.max_aal,
        p.phishing_resistant,
        p.hardware_bound,
        p.restricted,
    )
}

/// Factor types from `candidates` that meet `need`, deduplicated, strongest first, with the
/// restricted-authenticator rule applied.
pub(crate) fn pick(
    candidates: impl Iterator<Item = FactorType>,
    need: &Requirement,
    restricted: RestrictedUse,
    granted: &Granted,
) -> Vec<FactorType> {
    let mut out: Vec<FactorType> = Vec::new();
    for f in candidates {
        if f.can_meet(need.min_aal, need.phishing_resistant, need.hardware_bound)
            && !out.contains(&f)
        {
            out.push(f);
        }
    }
    let excepted = |f: &FactorType| granted.allow_factors.contains(f);
    let better_exists = out.iter().any(|f| !f.profile().restricted);
    out.retain(|f| {
        !f.profile().restricted
            || excepted(f)
            || match restricted {
                RestrictedUse::Allow => true,
                RestrictedUse::OnlyIfNothingBetter => !better_exists,
                RestrictedUse::Never => false,
            }
    });
    crate::error::sort_by_key(&mut out, |f| std::cmp::Reverse(f.profile().rank));
    out
}
