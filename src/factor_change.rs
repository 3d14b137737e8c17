//! Factor changes (SPEC §4.2): enrollment, replacement, removal, reset, recovery and phone
//! changes, scored as the privileged identity events they are.

use crate::alerts;
use crate::assurance;
use crate::context::Context;
use crate::decision::{Approval, Decision, Entry, Notify, Outcome, ReasonCode, Requirement};
use crate::enums::{ActorKind, UserKind};
use crate::exceptions;
use crate::factors::FactorType;
use crate::policy::{CompiledPolicy, DelegatedPrivileged, RequirementRule};
use crate::request::{Change, ChangeAction, Phase, Request};
use crate::requirement::{describe, proof, user_factors};
use crate::risk;
use crate::signals;
use crate::state::Memory;
use crate::time::Timestamp;

/// Assesses a factor change, with the user's verified history. `req.change` must be present
/// (checked by `Request::check`).
pub(crate) fn assess(
    policy: &CompiledPolicy,
    req: &Request,
    change: &Change,
    now: Timestamp,
    memory: &Memory,
) -> Decision {
    let mut ctx = Context::new(policy, req, now, memory);
    signals::collect(&mut ctx);
    let granted = exceptions::apply(&mut ctx, Entry::FactorChange);
    change_signals(&mut ctx, change);
    let persistence = signals::memory::persistence(&mut ctx);
    let delegated = delegated_rules(&mut ctx, change);
    let need = binding_requirement(&ctx, change);
    let bound = binding_met(&mut ctx, change, &need, &granted);
    let risk = risk::score(&ctx.reasons, &policy.policy.risk.levels);
    let resp = &policy.policy.risk.factor_change;
    let mut outcome = Outcome::Allow;
    if !bound {
        outcome = if change.phase == Phase::Before {
            Outcome::StepUp
        } else {
            Outcome::Approval
        };
    }
    if risk.level >= resp.approval_at {
        outcome = outcome.max(Outcome::Approval);
    }
    outcome = outcome.max(delegated);
    if persistence {
        outcome = outcome.max(Outcome::Approval);
    }
    if risk.level >= resp.deny_at || self_service_forbidden(&mut ctx, change) {
        outcome = Outcome::Deny;
    }
    let privileged = ctx.is_privileged();
    let approval = (outcome == Outcome::Approval).then(|| Approval {
        by: if privileged {
            resp.privileged_approvers.clone()
        } else {
            resp.approvers.clone()
        },
        expires_in_s: resp.approval_expires_in_s,
    });
    let requirement =
        (!bound && change.phase == Phase::Before && outcome != Outcome::Deny).then(|| {
            Requirement {
                factors: user_factors(&ctx, &need, &granted),
                ..need
            }
        });
    let notify = notify_for(change, outcome);
    let mut decision = Decision {
        kind: "decision",
        entry: Entry::FactorChange,
        outcome,
        risk,
        reasons: std::mem::take(&mut ctx.reasons),
        requirement,
        approval,
        enrollment_allowed: None,
        assurance: None,
        notify,
        alerts: vec![],
        state: None,
        policy: policy.reference.clone(),
    };
    decision.alerts = alerts::for_change(&ctx, change, &decision);
    decision
}

/// `firstFactor`, `factorDowngrade`, `removesPhishingResistant`, `lastFactorRemoved`,
/// `phoneChange`, `resetAll`, `recoveryChange`: what the change itself does to the account.
fn change_signals(ctx: &mut Context, change: &Change) {
    let factors = &ctx.req.user.factors;
    let second_factors: Vec<FactorType> = factors
        .iter()
        .map(|f| f.kind)
        .filter(|k| k.profile().possession)
        .collect();
    let strongest = second_factors.iter().map(|f| f.profile().rank).max();
    let new_kind = change.factor.as_ref().map(|f| f.kind);
    match change.action {
        ChangeAction::Enroll | ChangeAction::Replace => {
            if second_factors.is_empty() && change.action == ChangeAction::Enroll {
                first_factor(ctx);
            }
            // Replacing compares with the factor replaced (like for like is no downgrade);
            // enrolling compares with the strongest factor the account has.
            let baseline = match change.action {
                ChangeAction::Replace => change.replaces.as_ref().map(|r| r.kind.profile().rank),
                _ => strongest,
            };
            if let (Some(new), Some(base)) = (new_kind, baseline) {
                if new.profile().rank < base {
                    ctx.add(
                        ReasonCode::FactorDowngrade,
                        format!(
                            "{} is weaker than the factor it adds to or replaces.",
                            new.as_str()
                        ),
                    );
                }
            }
        }
        ChangeAction::PhoneChange => {}
        ChangeAction::Remove | ChangeAction::ResetAll | ChangeAction::RecoveryChange => {}
    }
    let removed = match change.action {
        ChangeAction::Remove => change.factor.as_ref().map(|f| f.kind),
        ChangeAction::Replace => change.replaces.as_ref().map(|f| f.kind),
        _ => None,
    };
    if let Some(removed) = removed {
        if removed.profile().phishing_resistant {
            let others_pr = second_factors
                .iter()
                .filter(|f| f.profile().phishing_resistant)
                .count()
                > 1;
            let replaced_by_pr = new_kind.is_some_and(|n| n.profile().phishing_resistant)
                && change.action == ChangeAction::Replace;
            if !others_pr && !replaced_by_pr {
                ctx.add(
                    ReasonCode::RemovesPhishingResistant,
                    format!(
                        "Removes the account's only phishing-resistant factor ({}).",
                        removed.as_str()
                    ),
                );
            }
        }
        if change.action == ChangeAction::Remove && second_factors.len() <= 1 {
            ctx.add(
                ReasonCode::LastFactorRemoved,
                "Removes the account's last second factor.",
            );
        }
    }
    match change.action {
        ChangeAction::PhoneChange => ctx.add(
            ReasonCode::PhoneChange,
            "Phone number change: a new authenticator binding (NIST SP 800-63B rev 4).",
        ),
        ChangeAction::ResetAll => {
            ctx.add(
                ReasonCode::ResetAll,
                "Removes every factor: the account falls back to its password.",
            );
            if second_factors
                .iter()
                .any(|f| f.profile().phishing_resistant)
            {
                ctx.add(
                    ReasonCode::RemovesPhishingResistant,
                    "Removes the account's phishing-resistant factors.",
                );
            }
        }
        ChangeAction::RecoveryChange => ctx.add(
            ReasonCode::RecoveryChange,
            "Recovery method change: whoever controls recovery controls the account.",
        ),
        _ => {}
    }
}

/// `firstFactor`: the account's first second factor. Within the onboarding grace period after
/// account creation it scores nothing; later it is what a takeover of a dormant account looks like.
fn first_factor(ctx: &mut Context) {
    let grace = ctx.policy.policy.enrollment.grace_period_s;
    let in_grace = ctx
        .req
        .user
        .created_at
        .is_some_and(|c| ctx.age(c) >= 0 && ctx.age(c).unsigned_abs() <= grace);
    if in_grace {
        ctx.add_points(
            ReasonCode::FirstFactor,
            0,
            "First second factor, during onboarding.",
        );
    } else {
        ctx.add(
            ReasonCode::FirstFactor,
            "First second factor on an account past its onboarding period: only a password stands behind it.",
        );
    }
}

/// `delegatedChange`, `missingTicket`: a change made by someone other than the user, and the
/// outcome the delegation rules require for it.
fn delegated_rules(ctx: &mut Context, change: &Change) -> Outcome {
    let actor = &change.actor;
    let Some(rule) = ctx.policy.policy.delegation.for_actor(actor.kind) else {
        return Outcome::Allow;
    };
    let rule = rule.clone();
    let who = actor
        .id
        .as_ref()
        .map(|i| format!(" {}", i.as_str()))
        .unwrap_or_default();
    ctx.add(
        ReasonCode::DelegatedChange,
        format!(
            "Change made by {}{who} on the user's behalf.",
            actor.kind.as_str()
        ),
    );
    let mut outcome = Outcome::Allow;
    let ticket = actor
        .ticket
        .as_ref()
        .is_some_and(|t| !t.as_str().trim().is_empty());
    if rule.require_ticket && !ticket {
        ctx.add(
            ReasonCode::MissingTicket,
            format!(
                "The policy requires a ticket for {} changes and none was given.",
                actor.kind.as_str()
            ),
        );
        outcome = Outcome::Deny;
    }
    if ctx.is_privileged() {
        let privileged = match rule.privileged_targets {
            DelegatedPrivileged::Allow => Outcome::Allow,
            DelegatedPrivileged::Approval => Outcome::Approval,
            DelegatedPrivileged::Deny => Outcome::Deny,
        };
        outcome = outcome.max(privileged);
    }
    if ctx.kind == UserKind::BreakGlass {
        outcome = outcome.max(Outcome::Approval);
    }
    outcome
}

/// Break-glass factors are never changed self-service, nor are those of kinds the policy bars
/// from self-service.
fn self_service_forbidden(ctx: &mut Context, change: &Change) -> bool {
    if change.actor.kind != ActorKind::SelfService {
        return false;
    }
    let rule = ctx.policy.policy.user_kinds.for_kind(ctx.kind);
    if rule.self_service {
        return false;
    }
    ctx.add(
        ReasonCode::BreakGlass,
        format!(
            "{} accounts cannot change their own factors.",
            ctx.kind.as_str()
        ),
    );
    true
}

/// NIST rev 4 §4.1.2.1: binding needs authentication at min(account's highest AAL, new factor's
/// AAL) within the binding window; downgrades, removals, resets and recovery changes need the
/// account's highest AAL, and phishing resistance where the account has it.
fn binding_requirement(ctx: &Context, change: &Change) -> Requirement {
    let factors = &ctx.req.user.factors;
    let account_aal = factors
        .iter()
        .filter(|f| f.kind.profile().possession)
        .map(|f| f.kind.profile().max_aal)
        .max()
        .unwrap_or(1);
    let account_pr = factors.iter().any(|f| f.kind.profile().phishing_resistant);
    let new_aal = match change.action {
        ChangeAction::PhoneChange => Some(FactorType::Sms.profile().max_aal),
        _ => change.factor.as_ref().map(|f| f.kind.profile().max_aal),
    };
    let weakening = matches!(
        change.action,
        ChangeAction::Remove | ChangeAction::ResetAll | ChangeAction::RecoveryChange
    ) || ctx.has(ReasonCode::FactorDowngrade)
        || ctx.has(ReasonCode::RemovesPhishingResistant);
    let min_aal = if weakening {
        account_aal
    } else {
        new_aal.map_or(account_aal, |n| n.min(account_aal))
    };
    let phishing_resistant = account_pr && (weakening || ctx.is_privileged());
    Requirement {
        min_aal: min_aal.max(if phishing_resistant { 2 } else { 1 }),
        phishing_resistant,
        hardware_bound: false,
        factors: vec![],
        max_age_s: ctx.policy.policy.enrollment.binding_window_s,
    }
}

/// Checks the binding rule against the session: `bindingAuthenticated` when it holds,
/// `insufficientAal` / `staleAuthentication` when it fails, `bindingUnverified` when a change
/// reported after the fact carries no session to check. Delegated changes are made on the
/// actor's session, which the delegation rules cover (`delegatedChange`).
fn binding_met(
    ctx: &mut Context,
    change: &Change,
    need: &Requirement,
    granted: &exceptions::Granted,
) -> bool {
    if change.actor.kind != ActorKind::SelfService {
        return true;
    }
    let counted = proof(ctx, need, granted);
    let methods = &counted.methods;
    if change.phase == Phase::After && ctx.req.session.methods.is_empty() {
        ctx.add(
            ReasonCode::BindingUnverified,
            "Reported after the fact without the session's methods: the binding rule could not be checked.",
        );
        return true;
    }
    let p = &ctx.policy.policy;
    let rule = RequirementRule {
        min_aal: need.min_aal,
        phishing_resistant: need.phishing_resistant,
        hardware_bound: need.hardware_bound,
        max_age_s: need.max_age_s,
    };
    let window = crate::context::human_duration(i64::try_from(need.max_age_s).unwrap_or(i64::MAX));
    let session = assurance::session(methods, ctx.now, &p.reauthentication, need.max_age_s);
    if assurance::meets(&session, need) {
        ctx.add(
            ReasonCode::BindingAuthenticated,
            format!(
                "Binding needs {} within the last {window}; the session has it.",
                describe(&rule)
            ),
        );
        return true;
    }
    let ignoring_age = assurance::session(methods, ctx.now, &p.reauthentication, u64::MAX);
    if assurance::meets(&ignoring_age, need) {
        ctx.add(
            ReasonCode::StaleAuthentication,
            format!(
                "Binding needs {} within the last {window}; the session's is older.",
                describe(&rule)
            ),
        );
    } else {
        ctx.add(
            ReasonCode::InsufficientAal,
            format!(
                "Binding needs {} within the last {window}; the session proved AAL{}.{}",
                describe(&rule),
                session.aal,
                counted.explain()
            ),
        );
    }
    false
}

/// Every change that happens is told to the user through an independent channel with a way to
/// say "not me": on allow, and on any change reported after the fact.
fn notify_for(change: &Change, outcome: Outcome) -> Vec<Notify> {
    let happened = outcome == Outcome::Allow || change.phase == Phase::After;
    if !happened {
        return vec![];
    }
    let template = match change.action {
        ChangeAction::Enroll => "factorAdded",
        ChangeAction::Replace => "factorReplaced",
        ChangeAction::Remove => "factorRemoved",
        ChangeAction::ResetAll => "factorsReset",
        ChangeAction::RecoveryChange => "recoveryChanged",
        ChangeAction::PhoneChange => "phoneChanged",
    };
    vec![Notify {
        channel: "independent",
        template,
    }]
}
