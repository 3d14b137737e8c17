//! What login and factor changes share about requirements: how one is written in a sentence,
//! how two combine, and which of the user's factors can meet one (the restricted-authenticator
//! rule, SIM swap and push fatigue applied), including the one rule for "the user's strongest
//! factors" that a risky login and the closed fail mode both step up with.

use crate::context::Context;
use crate::decision::{ReasonCode, Requirement};
use crate::exceptions::Granted;
use crate::factors::FactorType;
use crate::policy::{RequirementRule, RestrictedUse};

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
    all.sort_by_key(|f| std::cmp::Reverse(f.profile().rank));
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
    out.sort_by_key(|f| std::cmp::Reverse(f.profile().rank));
    out
}
