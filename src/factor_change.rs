//! Factor changes (docs/contract.md#factor-change): enrollment, replacement, removal, reset, recovery and phone
//! changes, scored as the privileged identity events they are.

use crate::alerts;
use crate::assurance;
use crate::context::{short_list, Context};
use crate::decision::{
    Decision, Entry, Memo, Notify, Outcome, ReasonCode, RecoveryOutcome, Requirement, Risk,
};
use crate::enums::{ActorKind, UserKind};
use crate::exceptions::{self, Granted};
use crate::factors::FactorType;
use crate::policy::{CompiledPolicy, DelegatedPrivileged, RequirementRule, RestrictedUse};
use crate::recovery;
use crate::request::{Change, ChangeAction, Phase, Request};
use crate::requirement::{describe, proof, user_factors};
use crate::risk;
use crate::signals;
use crate::state::{Keys, Memory};
use crate::time::Timestamp;

/// Assesses a factor change, with the user's verified history. `req.change` must be present
/// (checked by `Request::check`). An active exception is named (`exceptionApplied`) only where
/// the change assessed without it differs ([`exceptions::explain_applied`]). A grant in
/// `change.approval` is weighed last, on the decided change ([`crate::approvals::apply_grant`]),
/// with the engine's state keys (`key`: `Some(None)` without one; `None` not to weigh it). A
/// change that happens is remembered in the next state (`Memo::change`), with whether it came
/// through a recovery.
pub(crate) fn assess(
    policy: &CompiledPolicy,
    key: Option<Option<&Keys>>,
    req: &Request,
    change: &Change,
    now: Timestamp,
    memory: &Memory,
) -> Decision {
    let (ctx, mut decision) = exceptions::decide_explained(policy, |withhold| {
        assess_with(policy, req, change, now, memory, withhold)
    });
    if let Some(key) = key {
        let pending = crate::approvals::Pending::Change(change);
        crate::approvals::apply_grant(policy, key, req, pending, now, memory, &mut decision);
    }
    let happened = decision.outcome == Outcome::Allow
        || (change.phase == Phase::After && decision.outcome != Outcome::Deny);
    let recover = change.action == ChangeAction::Recover;
    if recover && happened {
        decision.memo.recovered_at = Some(now);
    }
    if happened {
        // (The reasons are the decision's now: `ctx` gave them up.)
        let recent = decision
            .reasons
            .iter()
            .any(|r| r.code == ReasonCode::RecentRecovery);
        decision.memo.change = Some(recover || recent || restriction(&ctx).is_some());
    }
    decision.notify = notify_for(change, decision.outcome);
    decision.alerts = alerts::for_change(&ctx, change, &decision);
    decision
}

/// The factor-change decision without its alerts, with the active exceptions' grants or, when
/// `withhold`, without them.
fn assess_with<'a>(
    policy: &'a CompiledPolicy,
    req: &'a Request,
    change: &Change,
    now: Timestamp,
    memory: &'a Memory,
    withhold: bool,
) -> (Context<'a>, Decision, Granted) {
    let mut ctx = Context::new(policy, req, now, memory, Entry::FactorChange);
    signals::collect(&mut ctx);
    let mut granted = exceptions::apply(&mut ctx, Entry::FactorChange);
    if withhold {
        granted = granted.withheld();
    }
    change_signals(&mut ctx, change);
    let recovery =
        (change.action == ChangeAction::Recover).then(|| recovery::assess(&mut ctx, change));
    let refused = binding_refused(&mut ctx, change, &granted);
    let persistence = signals::memory::persistence(&mut ctx);
    let first_factor_hold = first_factor_held(&mut ctx, change);
    let delegated = delegated_rules(&mut ctx, change);
    let restricted = recovery_restricted(&mut ctx, change);
    let (need, bound) = match &recovery {
        Some(r) => recovery_binding(&mut ctx, change, r, &granted),
        None => {
            let need = binding_requirement(&ctx, change);
            let bound = binding_met(&mut ctx, change, &need, &granted);
            (need, bound)
        }
    };
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
    // A held first factor whose binding is not yet authenticated steps up first (`before`);
    // once it is, or when it was reported after the fact, a person approves.
    if first_factor_hold && (bound || change.phase == Phase::After) {
        outcome = outcome.max(Outcome::Approval);
    }
    if restricted {
        outcome = outcome.max(Outcome::Approval);
    }
    let privileged = ctx.is_privileged();
    let approvers = policy
        .policy
        .approvers(ctx.kind, privileged, change.action)
        .to_vec();
    // A privileged account's recovery is approved by its approvers (the SOC) once the evidence
    // suffices: whoever recovers it holds what it reaches.
    if recovery.is_some() && privileged && (bound || change.phase == Phase::After) {
        outcome = outcome.max(Outcome::Approval);
        append_detail(
            &mut ctx,
            ReasonCode::AccountRecovery,
            &format!(
                " A privileged account's recovery needs approval by {}.",
                crate::error::join(&approvers, ", ")
            ),
        );
    }
    let deny_risk = if delegated == Outcome::Approval {
        delegation_decides(&mut ctx, risk, &approvers)
    } else {
        risk
    };
    if deny_risk.level >= resp.deny_at
        || self_service_forbidden(&mut ctx, change)
        || refused
        || ctx.has(ReasonCode::AccessExpired)
    {
        outcome = Outcome::Deny;
    }
    // Approvers per action and user kind (customers have no manager); privileged accounts: the
    // SOC. The id names this change under this policy (docs/contract.md#approvals).
    let approval = (outcome == Outcome::Approval).then(|| {
        let pending = crate::approvals::Pending::Change(change);
        let id = crate::approvals::approval_id(req, pending, &policy.reference.digest);
        crate::approvals::request(&ctx, &id, approvers)
    });
    let requirement =
        (!bound && change.phase == Phase::Before && outcome != Outcome::Deny).then(|| {
            let factors = match &recovery {
                Some(r) if !r.sufficient => vec![],
                _ => user_factors(&ctx, &need, &granted),
            };
            Requirement { factors, ..need }
        });
    let recovery = recovery.map(|r| RecoveryOutcome {
        aal: r.aal,
        may_bind: r.may_bind,
        invalidate: r.invalidate,
        restricted_until: now.plus(policy.policy.recovery.restriction_s).to_rfc3339(),
        needs: (!r.sufficient && outcome == Outcome::StepUp).then_some(r.needs),
    });
    let notify = notify_for(change, outcome);
    let decision = Decision {
        kind: "decision",
        exposure: ctx.exposure(),
        entry: Entry::FactorChange,
        outcome,
        risk,
        reasons: std::mem::take(&mut ctx.reasons),
        requirement,
        approval,
        recovery,
        enrollment_allowed: None,
        assurance: None,
        campaign: None,
        notify,
        alerts: vec![],
        state: None,
        policy: policy.reference.clone(),
        memo: Memo::default(),
    };
    (ctx, decision, granted)
}

/// The binding rule of a `recover` (NIST SP 800-63B rev 4 §4.2): the recovered session binds
/// what `recovery.mayBind` lists once the evidence suffices; a factor beyond it needs the usual
/// binding rule met by a factor the account still has ([`binding_met`]). Insufficient evidence
/// is a step-up to the AAL the account needs, with `recovery.needs` saying how.
fn recovery_binding(
    ctx: &mut Context,
    change: &Change,
    r: &recovery::Assessment,
    granted: &Granted,
) -> (Requirement, bool) {
    let window = ctx.policy.policy.enrollment.binding_window_s;
    if !r.sufficient {
        let need = Requirement {
            min_aal: r.required_aal,
            phishing_resistant: false,
            hardware_bound: false,
            factors: vec![],
            max_age_s: window,
        };
        return (need, false);
    }
    match change.factor.as_ref().map(|f| f.kind) {
        Some(t) if !r.may_bind.contains(&t) => {
            let need = binding_requirement(ctx, change);
            let bound = binding_met(ctx, change, &need, granted);
            (need, bound)
        }
        _ => (
            Requirement {
                min_aal: r.aal.max(1),
                phishing_resistant: false,
                hardware_bound: false,
                factors: vec![],
                max_age_s: window,
            },
            true,
        ),
    }
}

/// `recoveryRestricted`: within `recovery.restrictionS` of a recovery the engine allowed (the
/// state remembers it), removing factors (`remove`, `resetAll`), changing recovery paths
/// (`recoveryChange`, `phoneChange`) and recovering again need at least approval: what an
/// attacker who recovered the account does next.
fn recovery_restricted(ctx: &mut Context, change: &Change) -> bool {
    let restricted_action = matches!(
        change.action,
        ChangeAction::Remove
            | ChangeAction::ResetAll
            | ChangeAction::RecoveryChange
            | ChangeAction::PhoneChange
            | ChangeAction::Recover
    );
    restricted_action && restricted(ctx)
}

/// The restriction window after a recovery the state remembers, when the decision falls in it:
/// its start and end.
pub(crate) fn restriction(ctx: &Context) -> Option<(Timestamp, Timestamp)> {
    let window = ctx.policy.policy.recovery.restriction_s;
    let at = ctx.memory.recovered_at()?;
    let until = at.plus(window);
    (window > 0 && ctx.now < until && ctx.now >= at).then_some((at, until))
}

/// `recoveryRestricted` when the decision falls in the restriction window (see [`restriction`]):
/// adds the reason and returns true. A factor change restricts only what
/// [`recovery_restricted`] lists; a privileged action always (`actions::decide`).
pub(crate) fn restricted(ctx: &mut Context) -> bool {
    let Some((at, until)) = restriction(ctx) else {
        return false;
    };
    ctx.add(
        ReasonCode::RecoveryRestricted,
        format!(
            "The account was recovered at {}; until {} (recovery.restrictionS) removing factors, changing recovery paths, recovering again and privileged actions need approval.",
            at.to_rfc3339(),
            until.to_rfc3339()
        ),
    );
    true
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
    let new_kind = change.factor.as_ref().map(|f| f.kind);
    match change.action {
        ChangeAction::Enroll | ChangeAction::Replace => {
            if second_factors.is_empty()
                && change.action == ChangeAction::Enroll
                && new_kind.is_some_and(|k| k.profile().possession)
            {
                first_factor(ctx);
            }
            // Replacing compares with the factor replaced (like for like is no downgrade);
            // enrolling compares with the factors the account has. By assurance, not rank.
            let baseline: Vec<FactorType> = match change.action {
                ChangeAction::Replace => change.replaces.iter().map(|r| r.kind).collect(),
                _ => second_factors.clone(),
            };
            if let Some(new) = new_kind {
                if baseline.iter().any(|base| new.weaker_than(*base)) {
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
        ChangeAction::Remove
        | ChangeAction::ResetAll
        | ChangeAction::RecoveryChange
        | ChangeAction::Recover => {}
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

/// `firstFactor` held by rule (docs/contract.md#rules, persistence without history; MITRE ATT&CK
/// T1098.005): a self-service first second factor bound to a dormant account (`dormantAccount`),
/// or from a new device (`newDevice`) and a new network (`newCountry`, `newAsn` or
/// `impossibleTravel`) right after a recovery or password reset (`recentRecovery`,
/// `recentPasswordReset`), is held whatever the weights: approval, or a step-up first where the
/// binding is not yet authenticated. It needs no remembered state: the novelty comes from memory
/// or from the host's detections (`session.hostRisk.signals`). Says so in the `firstFactor`
/// sentence and returns true.
fn first_factor_held(ctx: &mut Context, change: &Change) -> bool {
    if change.actor.kind != ActorKind::SelfService || !ctx.has(ReasonCode::FirstFactor) {
        return false;
    }
    let why = if ctx.has(ReasonCode::DormantAccount) {
        "The account was dormant"
    } else {
        let reset = ctx.has(ReasonCode::RecentRecovery) || ctx.has(ReasonCode::RecentPasswordReset);
        let new_network = [
            ReasonCode::NewCountry,
            ReasonCode::NewAsn,
            ReasonCode::ImpossibleTravel,
        ]
        .into_iter()
        .any(|c| ctx.has(c));
        if !(reset && new_network && ctx.has(ReasonCode::NewDevice)) {
            return false;
        }
        "It comes from a new device and network right after a recovery or password reset"
    };
    append_detail(
        ctx,
        ReasonCode::FirstFactor,
        &format!(
            " {why}: whoever binds it keeps the account (persistence, ATT&CK T1098.005), so it is held whatever the score: a person approves it once the binding is authenticated."
        ),
    );
    true
}

/// What binds (docs/contract.md#rules), for every `enroll`, `replace` and `phoneChange` whoever makes it.
/// `factorNotAllowed` when the new type is `email` or `password` (never a second factor), is not
/// among `userKinds.<kind>.allowedFactors` nor an active exception's `allowFactors`, or is SMS or
/// voice where `enrollment.restrictedFactors` forbids it (`never`; `onlyIfNothingBetter` while a
/// non-restricted second factor stays enrolled). A phone change binds SMS or voice. `sharedDevice`
/// when the session is on a shared or kiosk device. An expired exception allows nothing: the
/// rule it waived is checked again, and `exceptionExpired` says it no longer allows the type.
/// Returns true when the change is refused (`deny`; reported `after`: revert).
fn binding_refused(ctx: &mut Context, change: &Change, granted: &Granted) -> bool {
    let candidates: Vec<FactorType> = match change.action {
        ChangeAction::Enroll | ChangeAction::Replace | ChangeAction::Recover => {
            change.factor.iter().map(|f| f.kind).collect()
        }
        ChangeAction::PhoneChange => match change.factor.as_ref().map(|f| f.kind) {
            Some(k) if k.profile().restricted => vec![k],
            _ => vec![FactorType::Sms, FactorType::Voice],
        },
        ChangeAction::Remove | ChangeAction::ResetAll | ChangeAction::RecoveryChange => {
            return false
        }
    };
    if candidates.is_empty() {
        return false;
    }
    let mut refused = false;
    if ctx.req.session.device.as_ref().and_then(|d| d.shared) == Some(true) {
        append_detail(
            ctx,
            ReasonCode::SharedDevice,
            " No factor is bound from a shared device: whoever uses it next would hold the factor.",
        );
        refused = true;
    }
    let problems: Vec<Option<String>> = candidates
        .iter()
        .map(|t| binding_problem(ctx, change, granted, *t))
        .collect();
    if problems.iter().any(Option::is_none) {
        return refused;
    }
    if let Some(Some(why)) = problems.into_iter().next() {
        ctx.add(ReasonCode::FactorNotAllowed, why);
        if let Some(t) = candidates
            .iter()
            .find(|t| granted.expired_allow_factors.contains(t))
        {
            append_detail(
                ctx,
                ReasonCode::ExceptionExpired,
                &format!(
                    " It allowed {}: the rule it waived applies again and refuses this binding.",
                    t.as_str()
                ),
            );
        }
        refused = true;
    }
    refused
}

/// Why the policy does not let this user bind `t` (see [`binding_refused`]), or `None`.
fn binding_problem(
    ctx: &Context,
    change: &Change,
    granted: &Granted,
    t: FactorType,
) -> Option<String> {
    let p = &ctx.policy.policy;
    let name = t.as_str();
    if !t.profile().possession {
        return Some(format!(
            "{name} is never bound as a second factor (NIST SP 800-63B rev 4)."
        ));
    }
    let kind = ctx.kind.as_str();
    let rule = p.user_kinds.for_kind(ctx.kind);
    let excepted = granted.allow_factors.contains(&t);
    if !excepted && !rule.allowed_factors.contains(&t) {
        let allowed: Vec<&str> = rule.allowed_factors.iter().map(|f| f.as_str()).collect();
        let allowed = if allowed.is_empty() {
            "none".to_string()
        } else {
            short_list(&allowed)
        };
        return Some(format!(
            "The policy does not let {kind} accounts bind {name} (userKinds.{kind}.allowedFactors: {allowed})."
        ));
    }
    if !t.profile().restricted || excepted {
        return None;
    }
    match p.enrollment.restricted_factors {
        RestrictedUse::Allow => None,
        RestrictedUse::Never => Some(format!(
            "{name} is a restricted authenticator and the policy binds none (enrollment.restrictedFactors: never)."
        )),
        RestrictedUse::OnlyIfNothingBetter => {
            let mut better: Vec<&str> = Vec::new();
            for f in remaining_factors(ctx, change) {
                let pf = f.profile();
                if pf.possession && !pf.restricted && !better.contains(&f.as_str()) {
                    better.push(f.as_str());
                }
            }
            (!better.is_empty()).then(|| {
                format!(
                    "{name} is a restricted authenticator, bound only where nothing better is enrolled (enrollment.restrictedFactors: onlyIfNothingBetter); the account has {}.",
                    short_list(&better)
                )
            })
        }
    }
}

/// The user's factor types after the change: for a `replace`, without the factor replaced
/// (matched by id where both have one, else by type).
fn remaining_factors(ctx: &Context, change: &Change) -> Vec<FactorType> {
    let mut factors: Vec<&crate::request::Factor> = ctx.req.user.factors.iter().collect();
    if let (ChangeAction::Replace, Some(r)) = (change.action, change.replaces.as_ref()) {
        let replaced = factors.iter().position(|f| match (&f.id, &r.id) {
            (Some(a), Some(b)) => a.as_str() == b.as_str(),
            _ => f.kind == r.kind,
        });
        if let Some(i) = replaced {
            factors.remove(i);
        }
    }
    factors.into_iter().map(|f| f.kind).collect()
}

/// Adds a sentence to the reason already given for `code`: a rule explaining itself in the
/// reason that triggered it.
fn append_detail(ctx: &mut Context, code: ReasonCode, more: &str) {
    if let Some(r) = ctx.reasons.iter_mut().find(|r| r.code == code) {
        r.detail.push_str(more);
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
        .is_some_and(|t| !t.as_str().trim_ascii().is_empty());
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

/// `delegatedChange` where the delegation rule decides: a delegated change it sends to approval
/// (a privileged target under `delegation.<actor>.privilegedTargets: approval`, a break-glass
/// target), with the ticket it requires, is what the approvers are there to weigh. What the
/// change itself does (`resetAll`, `removesPhishingResistant`, `lastFactorRemoved`, ...: the
/// codes of [`ReasonCode::is_change`]) still scores, but does not deny it by itself, else the
/// documented route (the help desk resets an admin's lost key, the SOC approves) would hang on
/// a few points of context: only the risk of what happened around the change (signals,
/// history, host risk) at `risk.factorChange.denyAt` denies. Returns the risk the deny threshold
/// is judged on, and says so in the `delegatedChange` sentence when the change alone would have
/// reached it.
fn delegation_decides(ctx: &mut Context, risk: Risk, approvers: &[String]) -> Risk {
    let levels = &ctx.policy.policy.risk.levels;
    let around = risk::score_around_change(&ctx.reasons, levels);
    let deny_at = ctx.policy.policy.risk.factor_change.deny_at;
    if risk.level >= deny_at && around.level < deny_at {
        let by = crate::error::join(approvers, ", ");
        append_detail(
            ctx,
            ReasonCode::DelegatedChange,
            &format!(
                " With what the change does it scores {} ({}), but the delegation rule sends it to {by} to weigh: only {} risk from what happened around it would deny it (it is {}).",
                risk.score,
                risk.level.as_str(),
                deny_at.as_str(),
                around.level.as_str()
            ),
        );
    }
    around
}

/// `breakGlass`, `serviceAccount`, `contractor`, `kindRestricted`: break-glass factors are never
/// changed self-service, nor are those of kinds the policy bars from self-service
/// (`userKinds.<kind>.selfService`). The refusal is reported under the account's real kind
/// ([`Context::refuse_by_kind`]): a service account's refused change is `serviceAccount`.
fn self_service_forbidden(ctx: &mut Context, change: &Change) -> bool {
    if change.actor.kind != ActorKind::SelfService {
        return false;
    }
    let rule = ctx.policy.policy.user_kinds.for_kind(ctx.kind);
    if rule.self_service {
        return false;
    }
    let kind = ctx.kind.as_str();
    ctx.refuse_by_kind(&format!(
        "Accounts of kind {kind} cannot change their own factors (userKinds.{kind}.selfService: false)."
    ));
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
    let account_pr = ctx.has_phishing_resistant_factor();
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
    // Judged ignoring every age (the binding window and the re-authentication windows): a
    // session that once proved it and aged out is stale, not insufficient.
    if assurance::meets(&assurance::ever_proved(methods, ctx.now), need) {
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
/// say "not me": on allow, and on any change reported after the fact. A recovery is told on
/// every channel the user has (`all`, template `accountRecovered`, NIST SP 800-63B rev 4
/// §4.2.3) whatever the outcome but a step-up: a recovery held or refused is what the real owner
/// most needs to hear of.
fn notify_for(change: &Change, outcome: Outcome) -> Vec<Notify> {
    if change.action == ChangeAction::Recover {
        if outcome == Outcome::StepUp && change.phase == Phase::Before {
            return vec![];
        }
        return vec![Notify {
            channel: "all",
            template: "accountRecovered",
        }];
    }
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
        ChangeAction::Recover => "accountRecovered",
    };
    vec![Notify {
        channel: "independent",
        template,
    }]
}
