//! The chain a privileged action is judged on (docs/contract.md#actions, SPEC §16): what happened
//! to the account shortly before, within the policy's windows (`actions.recentFactorChangeS`,
//! `recentRecoveryS`, `recentRiskySigninS`). A bound factor, then regenerated secrets or a
//! granted role, is how an attacker keeps access (ATT&CK T1556.006 → T1098.001/.003); each link
//! is a reason, and the Detection Finding names them.

use crate::context::{human_duration, Context};
use crate::decision::ReasonCode;
use crate::enums::{ActorKind, Level};
use crate::json::Named;
use crate::request::ChangeAction;
use crate::state::ChangeRecord;
use crate::time::Timestamp;

/// What a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// A factor change the state remembers.
    Change(ChangeRecord),
    /// A recovery: remembered, or the host's `user.recoveredAt`.
    Recovery,
    /// A sign-in whose own risk reached `risk.riskyAt`.
    RiskySignin(Level),
}

/// One link of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    /// What it is.
    pub kind: LinkKind,
    /// When it happened.
    pub at: Timestamp,
    /// A risky link holds the action whatever the score: a risky, delegated or recovery-made
    /// change, a recovery, a risky sign-in.
    pub risky: bool,
}

/// The links within their windows (a window of 0: no such link): the last factor change (not a
/// recovery), the last recovery, the last risky sign-in.
pub(crate) fn links(ctx: &Context) -> Vec<Link> {
    let p = &ctx.policy.policy;
    let a = &p.actions;
    let within = |at: Timestamp, window: u64| {
        let age = ctx.age(at);
        (window > 0 && age >= 0 && age.unsigned_abs() <= window).then_some(at)
    };
    let h = &ctx.memory.history;
    let secs = |c: &ChangeRecord| Timestamp(i64::from(c.at));
    let mut out = Vec::new();
    let change = h
        .changes
        .iter()
        .rev()
        .find(|c| c.action != ChangeAction::Recover);
    if let Some(c) = change {
        if let Some(at) = within(secs(c), a.recent_factor_change_s) {
            let risky =
                c.risk >= p.risk.risky_at || c.via_recovery || c.actor != ActorKind::SelfService;
            out.push(Link {
                kind: LinkKind::Change(*c),
                at,
                risky,
            });
        }
    }
    // The last recovery: remembered (its record, or the restriction window's start, by the
    // minute) or the host's.
    let mut recovered = None;
    for t in [
        h.changes
            .iter()
            .rev()
            .find(|c| c.action == ChangeAction::Recover)
            .map(secs),
        ctx.memory.recovered_at(),
        ctx.req.user.recovered_at,
    ] {
        recovered = recovered.max(t.and_then(|t| within(t, a.recent_recovery_s)));
    }
    if let Some(at) = recovered {
        out.push(Link {
            kind: LinkKind::Recovery,
            at,
            risky: true,
        });
    }
    if let Some((m, level)) = h.last_risky {
        if let Some(at) = within(Timestamp(i64::from(m) * 60), a.recent_risky_signin_s) {
            out.push(Link {
                kind: LinkKind::RiskySignin(level),
                at,
                risky: true,
            });
        }
    }
    out
}

/// `recentRecovery`, `age` seconds after the recovery (the history signal's sentence too).
pub(crate) fn recovered(ctx: &mut Context, age: i64) {
    ctx.add(
        ReasonCode::RecentRecovery,
        format!(
            "Account recovered {} ago: the session has recovery-grade proof only.",
            human_duration(age)
        ),
    );
}

/// `recentFactorChange`, `recentRecovery`: the chain's change and recovery links as reasons
/// (`recentRiskySignin` is the history signal's, in the action's window).
pub(crate) fn add(ctx: &mut Context) {
    for l in links(ctx) {
        let age = ctx.age(l.at);
        match l.kind {
            LinkKind::Change(c) => {
                let factor = c.factor.map_or("", |f| f.name());
                let via = if c.via_recovery {
                    ", through a recovery"
                } else {
                    ""
                };
                ctx.add(
                    ReasonCode::RecentFactorChange,
                    format!(
                        "A factor change {} ago ({} {factor} by {}, {} risk{via}): a bound factor, then a privileged action, is how a stolen session keeps access (ATT&CK T1556.006).",
                        human_duration(age),
                        c.action.as_str(),
                        c.actor.as_str(),
                        c.risk.as_str()
                    ),
                );
            }
            LinkKind::Recovery => recovered(ctx, age),
            LinkKind::RiskySignin(_) => {}
        }
    }
}
