//! Step-up at login (docs/contract.md#login): what the session must prove, whether it already does, and what
//! to ask for when it does not. A privileged action is scored the same way (`crate::actions`).

use crate::alerts;
use crate::assurance;
use crate::context::{human_duration, Context};
use crate::decision::{Campaign, Decision, Entry, Outcome, ReasonCode, Requirement};
use crate::enums::{Level, Sensitivity, UserKind};
use crate::exceptions::{self, Granted};
use crate::factors::FactorType;
use crate::policy::{CompiledPolicy, RequirementRule};
use crate::request::Request;
use crate::requirement::{
    describe, pick, proof, proves, strictest, strongest_user_factors, user_factors, Proof,
};
use crate::risk;
use crate::signals;
use crate::state::Memory;
use crate::time::Timestamp;

/// Decides a login, with the user's verified history. An active exception is named
/// (`exceptionApplied`) only where the login decided without it differs
/// ([`exceptions::explain_applied`]).
pub(crate) fn decide(
    policy: &CompiledPolicy,
    req: &Request,
    now: Timestamp,
    memory: &Memory,
) -> Decision {
    let (ctx, mut decision) = exceptions::decide_explained(policy, |withhold| {
        decide_with(policy, req, now, memory, Entry::Login, withhold, &|_, _| {})
    });
    decision.alerts = alerts::for_login(&ctx, &decision);
    decision
}

/// The login decision (or, for `Entry::Action`, the login-like part of an action's) without its
/// alerts, with the active exceptions' grants or, when `withhold`, without them; `raise` raises
/// the requirement once risk has (an action's own rule).
pub(crate) fn decide_with<'a>(
    policy: &'a CompiledPolicy,
    req: &'a Request,
    now: Timestamp,
    memory: &'a Memory,
    entry: Entry,
    withhold: bool,
    raise: &dyn Fn(&mut Context, &mut Requirement),
) -> (Context<'a>, Decision, Granted) {
    let mut ctx = Context::new(policy, req, now, memory, entry);
    signals::collect(&mut ctx);
    let mut granted = exceptions::apply(&mut ctx, entry);
    if withhold {
        granted = granted.withheld();
    }
    let signal_risk = risk::score(&ctx.reasons, &policy.policy.risk.levels);
    let tier = app_tier(&mut ctx);
    let grace = campaign_grace(&mut ctx, &granted);
    let mut need = base_requirement(&mut ctx, tier, &granted, grace.is_none());
    raise_for_risk(&ctx, &mut need, signal_risk.level);
    raise_for_travel(&ctx, &mut need);
    raise(&mut ctx, &mut need);
    let (outcome, factors) = outcome(&mut ctx, &mut need, signal_risk.level, &granted);
    let risk = risk::score(&ctx.reasons, &policy.policy.risk.levels);
    let rule = policy.policy.user_kinds.for_kind(ctx.kind);
    // A factor bound on a shared device may not be the user's: no enrollment from kiosks.
    let enrollment_allowed = outcome != Outcome::Deny
        && signal_risk.level < policy.policy.risk.risky_at
        && rule.self_service
        && ctx.kind != UserKind::BreakGlass
        && !ctx.has(ReasonCode::SharedDevice);
    let requirement = matches!(outcome, Outcome::StepUp | Outcome::Enroll).then(|| Requirement {
        factors,
        ..need.clone()
    });
    let mut assurance = shown_assurance(&ctx, &need, &granted);
    assurance.acr = assurance::satisfied_acr(requested_acr(&ctx), &assurance);
    let campaign = grace
        .filter(|_| outcome == Outcome::Allow)
        .map(|by| Campaign {
            enroll: campaign_factors(&ctx, &granted),
            by: by.to_rfc3339(),
        });
    let decision = Decision {
        kind: "decision",
        exposure: ctx.exposure(),
        entry,
        outcome,
        risk,
        reasons: std::mem::take(&mut ctx.reasons),
        requirement,
        approval: None,
        recovery: None,
        enrollment_allowed: (entry == Entry::Login).then_some(enrollment_allowed),
        assurance: Some(assurance),
        campaign,
        notify: vec![],
        alerts: vec![],
        state: None,
        policy: policy.reference.clone(),
        memo: crate::decision::Memo::default(),
    };
    (ctx, decision, granted)
}

/// `appSensitivity`: the application's tier, the higher of the policy's and the host's rating.
fn app_tier(ctx: &mut Context) -> Sensitivity {
    let apps = &ctx.policy.policy.apps;
    let app = ctx.req.app.as_ref();
    let id = app.and_then(|a| a.id.as_ref()).map(|i| i.as_str());
    let from_policy = id.and_then(|i| apps.by_id.get(i).copied());
    let from_host = app.and_then(|a| a.sensitivity);
    let tier = match (from_policy, from_host) {
        (Some(p), Some(h)) => p.max(h),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => apps.default_sensitivity,
    };
    let rule = ctx.policy.policy.requirements.for_tier(tier);
    let name = id.unwrap_or("this application");
    ctx.add(
        ReasonCode::AppSensitivity,
        format!(
            "{name} is a {}-sensitivity application: it needs {} within {}.",
            tier.as_str(),
            describe(rule),
            human_duration(clamp_i64(rule.max_age_s))
        ),
    );
    tier
}

fn clamp_i64(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// The privileged requirement, as a requirement to meet.
fn privileged_need(ctx: &Context) -> Requirement {
    let r = &ctx.policy.policy.privileged.requirement;
    Requirement {
        min_aal: r.min_aal,
        phishing_resistant: r.phishing_resistant,
        hardware_bound: r.hardware_bound,
        factors: vec![],
        max_age_s: r.max_age_s,
    }
}

/// The factor types a mover may enroll that meet the privileged requirement, strongest first.
fn campaign_factors(ctx: &Context, granted: &Granted) -> Vec<FactorType> {
    let p = &ctx.policy.policy;
    let mut allowed = p.user_kinds.for_kind(ctx.kind).allowed_factors.clone();
    allowed.extend(granted.allow_factors.iter().copied());
    pick(
        allowed.into_iter(),
        &privileged_need(ctx),
        p.enrollment.restricted_factors,
        granted,
    )
}

/// `enrollmentCampaign` (docs/contract.md#lifecycle): a login by a mover, privileged (not
/// break-glass) without a factor that meets `privileged.requirement`, within
/// `privileged.enrollmentGraceS` of when the state first saw them privileged (a verified state
/// that had not: now), waits for that requirement: returns the end of the grace. Without a
/// verified state there is no grace (the login is `enroll` as for any privileged user).
fn campaign_grace(ctx: &mut Context, granted: &Granted) -> Option<Timestamp> {
    let grace = ctx.policy.policy.privileged.enrollment_grace_s;
    let m = ctx.memory;
    let eligible = ctx.entry == Entry::Login
        && ctx.is_privileged()
        && ctx.kind != UserKind::BreakGlass
        && grace > 0
        && m.status == crate::state::Status::Loaded
        && user_factors(ctx, &privileged_need(ctx), granted).is_empty();
    if !eligible {
        return None;
    }
    // By the minute, as the state keeps it: the same end of the grace on every login.
    let minute = m
        .history
        .privileged_since
        .map_or(ctx.now.0.div_euclid(60), i64::from);
    let since = Timestamp(minute * 60);
    let by = since.plus(grace);
    if ctx.now >= by {
        return None;
    }
    let types: Vec<&str> = campaign_factors(ctx, granted)
        .into_iter()
        .map(FactorType::as_str)
        .collect();
    ctx.add(
        ReasonCode::EnrollmentCampaign,
        format!(
            "Privileged since {} without a factor that meets the privileged requirement: until {} (privileged.enrollmentGraceS) the login waits for it; enroll {}.",
            since.to_rfc3339(),
            by.to_rfc3339(),
            crate::error::join(&types, " or ")
        ),
    );
    Some(by)
}

/// The policy's requirement for this user at this tier, with the requester's `acr` and
/// `max_age`, and with active exceptions applied (`privileged`: with the privileged floor, unless
/// a mover's grace holds it back). `requestedAcr` explains a raise by the requester.
fn base_requirement(
    ctx: &mut Context,
    tier: Sensitivity,
    granted: &Granted,
    privileged: bool,
) -> Requirement {
    let p = &ctx.policy.policy;
    let mut rule = *p.requirements.for_tier(tier);
    if let Some(floor) = &p.user_kinds.for_kind(ctx.kind).requirement {
        rule = strictest(&rule, floor);
    }
    if privileged && ctx.is_privileged() {
        rule = strictest(&rule, &p.privileged.requirement);
    }
    if granted.waive_phishing_resistant && !rule.hardware_bound {
        rule.phishing_resistant = false;
    }
    if let Some(req) = ctx.req.requested.as_ref() {
        let asked = req.acr.iter().find_map(|v| {
            assurance::acr_requirement(v.as_str()).map(|r| (v.as_str().to_string(), r))
        });
        let before = rule;
        if let Some((value, acr_rule)) = asked {
            rule = strictest(&rule, &acr_rule);
            if rule != before {
                ctx.add(
                    ReasonCode::RequestedAcr,
                    format!(
                        "The application asked for acr {}: {}.",
                        crate::error::quoted(&value),
                        describe(&acr_rule)
                    ),
                );
            }
        }
        if let Some(max_age) = req.max_age_s {
            if max_age < rule.max_age_s {
                rule.max_age_s = max_age;
                ctx.add(
                    ReasonCode::RequestedAcr,
                    format!(
                        "The application asked for an authentication at most {} old.",
                        human_duration(clamp_i64(max_age))
                    ),
                );
            }
        }
    }
    Requirement {
        min_aal: rule.min_aal,
        phishing_resistant: rule.phishing_resistant,
        hardware_bound: rule.hardware_bound,
        factors: vec![],
        max_age_s: rule.max_age_s,
    }
}

/// Risk raises the requirement (never lowers it): medium and high risk floors from the policy.
/// Phishing resistance at high risk is asked only of users who have such a factor, so that a
/// risky login steps up with what the user has instead of enrolling something new.
fn raise_for_risk(ctx: &Context, need: &mut Requirement, level: Level) {
    let resp = &ctx.policy.policy.risk.login;
    let mut floor = match level {
        Level::Low => return,
        Level::Medium => resp.medium,
        Level::High | Level::Critical => strictest(&resp.medium, &resp.high),
    };
    let has_pr = ctx.has_phishing_resistant_factor();
    if !has_pr {
        floor.phishing_resistant = false;
        floor.hardware_bound = false;
    }
    need.min_aal = need.min_aal.max(floor.min_aal);
    need.phishing_resistant |= floor.phishing_resistant;
    need.hardware_bound |= floor.hardware_bound;
    need.max_age_s = need.max_age_s.min(floor.max_age_s);
}

/// `impossibleTravel` with a phishable proof (docs/contract.md#rules, "Travel"): a session that jumped
/// impossibly far, proved by password, OTP, push or SMS, is how an adversary in the middle
/// looks (the relay signs in with what it phished). Whatever the weights, such a login needs at
/// least a phishing-resistant proof where the user has a phishing-resistant factor to give one;
/// a session that already gave one meets it. Where the user has none, the risk rules decide.
fn raise_for_travel(ctx: &Context, need: &mut Requirement) {
    if !ctx.has(ReasonCode::ImpossibleTravel) {
        return;
    }
    let has_pr = ctx.has_phishing_resistant_factor();
    if has_pr {
        need.min_aal = need.min_aal.max(2);
        need.phishing_resistant = true;
    }
}

/// The outcome and, for step-up or enrollment, the factor types to offer.
fn outcome(
    ctx: &mut Context,
    need: &mut Requirement,
    level: Level,
    granted: &Granted,
) -> (Outcome, Vec<FactorType>) {
    let p = &ctx.policy.policy;
    let rule = p.user_kinds.for_kind(ctx.kind);
    if ctx.has(ReasonCode::AccessExpired) {
        return (Outcome::Deny, vec![]);
    }
    if !rule.interactive_login {
        // `serviceAccount` by default; whatever the kind, under its own code.
        let kind = ctx.kind.as_str();
        ctx.refuse_by_kind(&format!(
            "Accounts of kind {kind} may not sign in interactively (userKinds.{kind}.interactiveLogin: false)."
        ));
        return (Outcome::Deny, vec![]);
    }
    if level == Level::Critical && p.risk.login.deny_at_critical {
        return (Outcome::Deny, vec![]);
    }
    if ctx.has(ReasonCode::UntrustedIp) && ctx.is_privileged() {
        return (Outcome::Deny, vec![]);
    }
    let counted = proof(ctx, need, granted);
    let session = assurance::session(
        &counted.methods,
        ctx.now,
        &p.reauthentication,
        need.max_age_s,
    );
    let mut required = user_factors(ctx, need, granted);
    if ctx.kind == UserKind::BreakGlass {
        let keys = &p.break_glass.required_factors;
        required.retain(|f| keys.contains(f));
        if required.is_empty() {
            ctx.add(
                ReasonCode::NoFactors,
                "Break-glass account without its hardware key enrolled.",
            );
            return (Outcome::Deny, vec![]);
        }
    }
    if assurance::meets(&session, need) && break_glass_key_used(ctx) {
        return (Outcome::Allow, vec![]);
    }
    explain_shortfall(ctx, need, &counted);
    if !required.is_empty() {
        return (Outcome::StepUp, required);
    }
    let risky = level >= p.risk.risky_at && !p.enrollment.offer_on_risky_login;
    if risky {
        return risky_without_factors(ctx, need, granted);
    }
    let mut allowed = rule.allowed_factors.clone();
    allowed.extend(granted.allow_factors.iter().copied());
    let enrollable = pick(
        allowed.into_iter(),
        need,
        p.enrollment.restricted_factors,
        granted,
    );
    if rule.self_service && !enrollable.is_empty() {
        // Never a step-up to what the session already proved: the user enrolls a factor that
        // meets the requirement, which stays as the policy set it.
        add_to_shortfall(
            ctx,
            " None of the user's factors can prove it: the user enrolls one that can.",
        );
        return (Outcome::Enroll, enrollable);
    }
    (Outcome::Deny, vec![])
}

/// `noFactors` on a risky sign-in whose requirement none of the user's factors can meet: no
/// enrollment (an attacker would bind their own factor), so the user steps up with their
/// strongest factors, the requirement lowered to what they prove and said so in the shortfall
/// sentence. A decision never asks a session to step up to what it already proved: when the
/// session already used methods proving what the strongest of those factors proves (within the
/// re-authentication windows; only fresher would be new, and the requirement stays out of reach),
/// or the user has none usable, the sign-in is denied. The check reads the methods as used and the
/// factors left usable, so that more risk (a shorter maximum age, a discounted method, a factor
/// no longer usable) never turns this deny into a step-up.
fn risky_without_factors(
    ctx: &mut Context,
    need: &mut Requirement,
    granted: &Granted,
) -> (Outcome, Vec<FactorType>) {
    let strongest = strongest_user_factors(ctx, granted);
    let Some(best_type) = strongest.first().copied() else {
        let detail = if ctx
            .req
            .user
            .factors
            .iter()
            .any(|f| f.kind.profile().possession)
        {
            "None of the user's factors can be used now, and enrolling one on a risky sign-in would let an attacker bind their own."
        } else {
            "No enrolled factor, and enrolling one on a risky sign-in would let an attacker bind their own."
        };
        ctx.add(ReasonCode::NoFactors, detail);
        return (Outcome::Deny, vec![]);
    };
    let rule = |r: &Requirement| RequirementRule {
        min_aal: r.min_aal,
        phishing_resistant: r.phishing_resistant,
        hardware_bound: r.hardware_bound,
        max_age_s: r.max_age_s,
    };
    let wanted = rule(need);
    let best = proves(best_type, u64::MAX);
    let used = assurance::session(
        &ctx.req.session.methods,
        ctx.now,
        &ctx.policy.policy.reauthentication,
        u64::MAX,
    );
    if assurance::meets(&used, &best) {
        ctx.add(
            ReasonCode::NoFactors,
            format!(
                "None of the user's factors can prove {}; the session already proved the most they can ({}), and enrolling one on a risky sign-in would let an attacker bind their own.",
                describe(&wanted),
                describe(&rule(&best))
            ),
        );
        return (Outcome::Deny, vec![]);
    }
    need.min_aal = need.min_aal.min(best.min_aal);
    need.phishing_resistant &= best.phishing_resistant;
    need.hardware_bound &= best.hardware_bound;
    add_to_shortfall(
        ctx,
        &format!(
            " None of the user's factors can prove it, and no factor is enrolled on a risky sign-in: the user steps up to {}, the most their factors prove.",
            describe(&rule(need))
        ),
    );
    (Outcome::StepUp, strongest)
}

/// Adds a sentence to the shortfall reason (`insufficientAal` or `staleAuthentication`).
fn add_to_shortfall(ctx: &mut Context, text: &str) {
    let shortfall = ctx.reasons.iter_mut().find(|r| {
        matches!(
            r.code,
            ReasonCode::InsufficientAal | ReasonCode::StaleAuthentication
        )
    });
    if let Some(r) = shortfall {
        r.detail.push_str(text);
    }
}

/// A break-glass login must use one of its hardware keys; others pass.
fn break_glass_key_used(ctx: &Context) -> bool {
    if ctx.kind != UserKind::BreakGlass {
        return true;
    }
    let keys = &ctx.policy.policy.break_glass.required_factors;
    ctx.req
        .session
        .methods
        .iter()
        .any(|m| keys.contains(&m.kind))
}

/// `insufficientAal`, `staleAuthentication`, `noFactors`: why the session falls short, counting
/// only the methods that prove (`counted`, see [`proof`]). `staleAuthentication` when the
/// methods once proved the requirement but aged out (of the requester's maximum age or of a
/// re-authentication window: judged ignoring every age, [`assurance::ever_proved`]), so an admin
/// whose security key was used 20 h ago on a critical application is told it is stale, not that
/// the session proved AAL2; else `insufficientAal`, which also says which methods were used but
/// did not count, and why (`simSwap`, `pushFatigue`, restricted SMS and voice, email).
fn explain_shortfall(ctx: &mut Context, need: &Requirement, counted: &Proof) {
    let p = &ctx.policy.policy;
    let ever = assurance::ever_proved(&counted.methods, ctx.now);
    let rule = RequirementRule {
        min_aal: need.min_aal,
        phishing_resistant: need.phishing_resistant,
        hardware_bound: need.hardware_bound,
        max_age_s: need.max_age_s,
    };
    if assurance::meets(&ever, need) {
        let limit = assurance::freshness_limit(need, &p.reauthentication);
        ctx.add(
            ReasonCode::StaleAuthentication,
            format!(
                "The session proved {} but not within the last {}: it must authenticate again.",
                describe(&rule),
                human_duration(clamp_i64(limit))
            ),
        );
    } else {
        ctx.add(
            ReasonCode::InsufficientAal,
            format!(
                "The session proved AAL{}{}; {} is required.{}",
                ever.aal,
                if ever.phishing_resistant {
                    " (phishing-resistant)"
                } else {
                    ""
                },
                describe(&rule),
                counted.explain()
            ),
        );
    }
    if !ctx
        .req
        .user
        .factors
        .iter()
        .any(|f| f.kind.profile().possession)
    {
        ctx.add(
            ReasonCode::NoFactors,
            "The user has no second factor enrolled.",
        );
    }
}

/// What the session proved, for the host's claims: within the re-authentication windows and
/// the requester's `max_age`, counting only the methods that prove (see [`proof`]), so that
/// `amr` and `acr` never claim what the decision did not count.
fn shown_assurance(
    ctx: &Context,
    need: &Requirement,
    granted: &Granted,
) -> crate::decision::Assurance {
    let max_age = ctx
        .req
        .requested
        .as_ref()
        .and_then(|r| r.max_age_s)
        .unwrap_or(u64::MAX);
    assurance::session(
        &proof(ctx, need, granted).methods,
        ctx.now,
        &ctx.policy.policy.reauthentication,
        max_age,
    )
}

fn requested_acr<'a>(ctx: &'a Context) -> impl Iterator<Item = &'a str> {
    ctx.req
        .requested
        .iter()
        .flat_map(|r| r.acr.iter().map(|v| v.as_str()))
}
