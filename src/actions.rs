//! Privileged actions (docs/contract.md#actions, SPEC §16): a secret, a credential on a service
//! principal, an API token, a role, a consent, an MFA or federation setting, done by the user
//! inline (or reported after the fact). Scored like a login (`login::decide_with`), plus what
//! only an action has: a fresh phishing-resistant proof when it is privileged, the chain of what
//! happened before it (`signals::chain`: a factor change, a recovery, a risky sign-in), held for
//! approval or denied when that chain is risky, and the blast radius (`exposure.action`).

use crate::alerts;
use crate::context::{human_duration, Context};
use crate::decision::{ActionExposure, Decision, Entry, Outcome, ReasonCode, Requirement};
use crate::exceptions;
use crate::policy::{CompiledPolicy, DelegatedPrivileged};
use crate::request::{Action, Phase, Request};
use crate::signals::chain::{self, LinkKind};
use crate::state::{Keys, Memory};
use crate::time::Timestamp;

/// Decides a privileged action with the user's verified history. A grant in `action.approval`
/// is weighed last, as for a factor change (`key`: `Some(None)` without a state key; `None`
/// not to weigh it).
pub(crate) fn decide(
    policy: &CompiledPolicy,
    key: Option<Option<&Keys>>,
    req: &Request,
    action: &Action,
    now: Timestamp,
    memory: &Memory,
) -> Decision {
    let (ctx, mut d) = exceptions::decide_explained(policy, |withhold| {
        let raise = |ctx: &mut Context, need: &mut Requirement| raise(ctx, action, need);
        let (ctx, mut d, granted) =
            crate::login::decide_with(policy, req, now, memory, Entry::Action, withhold, &raise);
        hold(&ctx, action, &mut d);
        (ctx, d, granted)
    });
    if let Some(key) = key {
        let pending = crate::approvals::Pending::Action(action);
        crate::approvals::apply_grant(policy, key, req, pending, now, memory, &mut d);
    }
    d.alerts = alerts::for_action(&ctx, action, &d);
    d
}

/// A privileged action: its type is among `actions.privilegedTypes`, or the host marks its target
/// privileged.
fn privileged(ctx: &Context, action: &Action) -> bool {
    action.target.privileged == Some(true)
        || ctx
            .policy
            .policy
            .actions
            .privileged_types
            .contains(&action.kind)
}

/// `privilegedAction`: a privileged action needs a phishing-resistant proof (at least AAL2)
/// within `actions.freshProofS` (15 min), on top of what a login would need and whatever an
/// exception waives; within a recovery's restriction window it needs approval too
/// (`recoveryRestricted`).
fn raise(ctx: &mut Context, action: &Action, need: &mut Requirement) {
    if !privileged(ctx, action) {
        return;
    }
    let fresh = ctx.policy.policy.actions.fresh_proof_s;
    need.phishing_resistant = true;
    need.min_aal = need.min_aal.max(2);
    need.max_age_s = need.max_age_s.min(fresh);
    let target = action
        .target
        .id
        .as_ref()
        .map_or("its target", |t| t.as_str());
    ctx.add(
        ReasonCode::PrivilegedAction,
        format!(
            "{} on {target} is a privileged action ({}): it needs a phishing-resistant proof within {}.",
            action.kind.as_str(),
            action.kind.reaches(),
            human_duration(i64::try_from(fresh).unwrap_or(i64::MAX))
        ),
    );
    crate::factor_change::restricted(ctx);
}

/// What the chain and the phase make of the login-like decision: `exposure.action`; after the
/// fact a step-up or enrollment cannot happen, so a person reviews (`approval`); a risky chain
/// (a risky link, or any link at a risky score) leads to `actions.riskyChain` (approval by
/// default); the restriction window after a recovery to approval. Approvers: the SOC
/// (`privilegedApprovers`) for a privileged action or account, else the kind's.
fn hold(ctx: &Context, action: &Action, d: &mut Decision) {
    let p = &ctx.policy.policy;
    let privileged = privileged(ctx, action);
    let text = |t: Option<&crate::json::Text>| t.map(|t| t.as_str().to_string());
    d.exposure.action = Some(ActionExposure {
        kind: action.kind.as_str(),
        target_kind: text(action.target.kind.as_ref()),
        target_id: text(action.target.id.as_ref()),
        privileged,
        reaches: action.kind.reaches(),
    });
    let links = chain::links(ctx);
    let risky =
        !links.is_empty() && (links.iter().any(|l| l.risky) || d.risk.level >= p.risk.risky_at);
    let mut outcome = d.outcome;
    if action.phase == Phase::After && matches!(outcome, Outcome::Enroll | Outcome::StepUp) {
        outcome = Outcome::Approval;
    }
    let held = match p.actions.risky_chain {
        DelegatedPrivileged::Allow => Outcome::Allow,
        DelegatedPrivileged::Approval => Outcome::Approval,
        DelegatedPrivileged::Deny => Outcome::Deny,
    };
    if risky {
        outcome = outcome.max(held);
        let code = match links.first().map(|l| l.kind) {
            Some(LinkKind::Change(_)) => ReasonCode::RecentFactorChange,
            Some(LinkKind::Recovery) => ReasonCode::RecentRecovery,
            _ => ReasonCode::RecentRiskySignin,
        };
        if let Some(r) = d.reasons.iter_mut().find(|r| r.code == code) {
            r.detail
                .push_str(" The chain is risky: the action is held (actions.riskyChain).");
        }
    }
    if d.reasons
        .iter()
        .any(|r| r.code == ReasonCode::RecoveryRestricted)
    {
        outcome = outcome.max(Outcome::Approval);
    }
    if outcome == Outcome::Deny || action.phase == Phase::After {
        d.requirement = None;
    }
    if outcome == Outcome::Approval {
        let fc = &p.risk.factor_change;
        let by = fc.approvers_for(ctx.kind, privileged || ctx.is_privileged());
        let pending = crate::approvals::Pending::Action(action);
        let id = crate::approvals::approval_id(ctx.req, pending, &ctx.policy.reference.digest);
        d.approval = Some(crate::approvals::request(ctx, &id, by.to_vec()));
    }
    d.outcome = outcome;
}
