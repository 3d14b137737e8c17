//! Time-bound exceptions: applied while active (`exceptionApplied` where that changed the
//! decision), reported once expired (`exceptionExpired`), and reviewed in bulk by
//! `reviewExceptions`.

use crate::context::{human_duration, Context};
use crate::decision::{Decision, Entry, Reason, ReasonCode, Requirement};
#[cfg(feature = "policy-json")]
use crate::error::{ErrorCode, ErrorItem};
use crate::factors::FactorType;
use crate::json::contract_enum;
#[cfg(feature = "policy-json")]
use crate::json::encode_struct;
use crate::policy::Exception;
#[cfg(feature = "policy-json")]
use crate::time::Timestamp;

/// What the active exceptions for one call grant together.
#[derive(Debug, Default, Clone)]
pub(crate) struct Granted {
    /// Extra factor types the user may use and bind.
    pub allow_factors: Vec<FactorType>,
    /// The policy's phishing-resistance requirement is waived.
    pub waive_phishing_resistant: bool,
    /// Factor types that matching but expired exceptions allowed. They allow nothing: the rule
    /// they waived is checked again, and a factor change refused by it says so in
    /// `exceptionExpired` (`factor_change::binding_refused`).
    pub expired_allow_factors: Vec<FactorType>,
    /// One sentence per active exception that matched (id, reason, approver, end), for the
    /// `exceptionApplied` reason if the decision turns out to depend on it ([`explain_applied`]).
    pub applied: Vec<String>,
}

impl Granted {
    /// The same call without what the active exceptions grant (the expired ones still allow
    /// nothing): the decision [`explain_applied`] compares with.
    pub(crate) fn withheld(&self) -> Granted {
        Granted {
            allow_factors: vec![],
            waive_phishing_resistant: false,
            expired_allow_factors: self.expired_allow_factors.clone(),
            applied: vec![],
        }
    }
}

/// `exceptionExpired`: finds the exceptions matching this call and applies the active ones
/// (whether they change anything is known only once decided: `exceptionApplied`,
/// [`explain_applied`]). Break-glass accounts take no exceptions.
pub(crate) fn apply(ctx: &mut Context, entry: Entry) -> Granted {
    let mut granted = Granted::default();
    if ctx.kind == crate::enums::UserKind::BreakGlass {
        return granted;
    }
    let app = ctx
        .req
        .app
        .as_ref()
        .and_then(|a| a.id.as_ref())
        .map(|a| a.as_str().to_string());
    let policy = ctx.policy;
    for x in policy.exceptions() {
        if !matches(ctx, &x.item, entry, app.as_deref()) {
            continue;
        }
        let item = &x.item;
        if ctx.now >= x.expires {
            granted
                .expired_allow_factors
                .extend(item.grant.allow_factors.iter().copied());
            ctx.add(
                ReasonCode::ExceptionExpired,
                format!(
                    "Exception {} expired {} ago and no longer applies.",
                    item.id,
                    human_duration(x.expires.seconds_until(ctx.now))
                ),
            );
        } else if ctx.now >= x.created {
            granted
                .allow_factors
                .extend(item.grant.allow_factors.iter().copied());
            granted.waive_phishing_resistant |= item.grant.waive_phishing_resistant;
            granted.applied.push(format!(
                "Exception {} ({}), approved by {}, applies until {}.",
                item.id,
                item.reason,
                item.approver,
                x.expires.to_rfc3339()
            ));
        }
    }
    granted
}

/// Decides with the active exceptions' grants (`decide(false)`) and, only where one applied,
/// once more without them (`decide(true)`), so that `exceptionApplied` is named only where it
/// changed the decision. Login and factor change share this; a decision without an applicable
/// exception is decided once.
pub(crate) fn decide_explained<'a>(
    policy: &crate::policy::CompiledPolicy,
    decide: impl Fn(bool) -> (Context<'a>, Decision, Granted),
) -> (Context<'a>, Decision) {
    let (ctx, mut decision, granted) = decide(false);
    if !granted.applied.is_empty() {
        let (_, without, _) = decide(true);
        explain_applied(&mut decision, &without, &granted, policy);
    }
    (ctx, decision)
}

/// `exceptionApplied` (docs/contract.md#rules: a reason appears only where its rule changed the decision): an
/// active exception is named only where the decision with it (`with`) differs from the same call
/// decided without what it grants (`without`, with [`Granted::withheld`]): another outcome, another
/// requirement or factors offered, another proof counted (the session's assurance), other
/// approvers, enrollment, or reasons. It waived phishing resistance and that mattered, or allowed
/// a factor that was offered, counted or bound. The sentence says what would differ. Its points
/// (0 by default) are added to the score reported, after the decision.
pub(crate) fn explain_applied(
    with: &mut Decision,
    without: &Decision,
    granted: &Granted,
    policy: &crate::policy::CompiledPolicy,
) {
    if granted.applied.is_empty() {
        return;
    }
    let Some(difference) = difference(with, without) else {
        return;
    };
    let mut detail = crate::error::join(&granted.applied, " ");
    detail.push_str(if granted.applied.len() > 1 {
        " Without them "
    } else {
        " Without it "
    });
    detail.push_str(&difference);
    detail.push('.');
    with.reasons.push(Reason {
        code: ReasonCode::ExceptionApplied,
        points: policy.weight(ReasonCode::ExceptionApplied),
        detail,
    });
    with.risk = crate::risk::score(&with.reasons, &policy.policy.risk.levels);
}

/// What the decision without the exceptions would do differently, or `None` for the same decision.
fn difference(with: &Decision, without: &Decision) -> Option<String> {
    if with.outcome != without.outcome {
        return Some(format!("the outcome would be {}", without.outcome.as_str()));
    }
    if with.requirement != without.requirement {
        return Some(match &without.requirement {
            Some(r) => format!("the requirement would be {}", requirement_text(r)),
            None => "nothing more would be asked".to_string(),
        });
    }
    if with.assurance != without.assurance {
        if let Some(a) = &without.assurance {
            return Some(format!(
                "the session would prove AAL{} ({})",
                a.aal,
                crate::error::join(&a.amr, ", ")
            ));
        }
    }
    if with.approval != without.approval {
        return Some("other approvers would decide".to_string());
    }
    if with.enrollment_allowed != without.enrollment_allowed {
        return Some(match without.enrollment_allowed {
            Some(true) => "the session could add factors".to_string(),
            _ => "the session could not add factors".to_string(),
        });
    }
    let codes = |d: &Decision| -> Vec<ReasonCode> {
        let mut c: Vec<ReasonCode> = d.reasons.iter().map(|r| r.code).collect();
        crate::error::sort_by_key(&mut c, |code| *code);
        c
    };
    let (a, b) = (codes(with), codes(without));
    (a != b).then(|| {
        let names: Vec<&str> = b.iter().map(|c| c.as_str()).collect();
        format!("the reasons would be {}", crate::error::join(&names, ", "))
    })
}

/// "phishing-resistant AAL2 with passkeySynced, totp".
fn requirement_text(r: &Requirement) -> String {
    let kind = if r.hardware_bound {
        "hardware-bound phishing-resistant "
    } else if r.phishing_resistant {
        "phishing-resistant "
    } else {
        ""
    };
    let factors: Vec<&str> = r.factors.iter().map(|f| f.as_str()).collect();
    if factors.is_empty() {
        format!("{kind}AAL{}", r.min_aal)
    } else {
        format!(
            "{kind}AAL{} with {}",
            r.min_aal,
            crate::error::join(&factors, ", ")
        )
    }
}

fn matches(ctx: &Context, x: &Exception, entry: Entry, app: Option<&str>) -> bool {
    let user = &ctx.req.user;
    let subject = match (&x.subject.user_id, &x.subject.role, x.subject.user_kind) {
        (Some(id), _, _) => id == user.id.as_str(),
        (_, Some(role), _) => user.roles.iter().any(|r| r.as_str() == role),
        (_, _, Some(kind)) => kind == ctx.kind,
        _ => false,
    };
    let scope_app =
        x.scope.apps.is_empty() || app.is_some_and(|a| x.scope.apps.iter().any(|s| s == a));
    let scope_entry = x.scope.entries.is_empty() || x.scope.entries.contains(&entry);
    subject && scope_app && scope_entry
}

contract_enum! {
    /// Where an exception stands at review time.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum ReviewStatus {
        /// In force and not ending soon.
        Active = "active",
        /// In force, ending within the policy's warning window.
        ExpiringSoon = "expiringSoon",
        /// Over.
        Expired = "expired",
        /// Granted for a time in the future.
        NotYetActive = "notYetActive",
        /// Longer than the policy allows (a validation error too).
        TooLong = "tooLong",
        /// No expiry: a permanent bypass (a validation error too).
        NoExpiry = "noExpiry",
    }
}

/// One exception in a review.
#[cfg(feature = "policy-json")]
#[derive(Debug, Clone)]
pub(crate) struct ReviewItem {
    /// Exception id.
    pub id: String,
    /// Status.
    pub status: ReviewStatus,
    /// Seconds until it ends (negative once ended).
    pub expires_in_s: Option<i64>,
    /// Who approved it.
    pub approver: String,
    /// Why it exists.
    pub reason: String,
}

#[cfg(feature = "policy-json")]
encode_struct!(ReviewItem {
    id: "id",
    status: "status",
    expires_in_s: "expiresInS",
    approver: "approver",
    reason: "reason",
});

/// Reviews every exception of a policy document at `now`. The policy needs to decode, but not
/// to pass validation: reporting too-long or expiry-less exceptions is the point of a review.
#[cfg(feature = "policy-json")]
pub(crate) fn review(policy_json: &str, now: &str) -> Result<Vec<ReviewItem>, Vec<ErrorItem>> {
    let policy = crate::policy::parse(policy_json)?;
    let Some(now) = Timestamp::parse(now) else {
        return Err(vec![ErrorItem::new(
            ErrorCode::InvalidTimestamp,
            "",
            "now must be an RFC 3339 timestamp",
        )]);
    };
    let x = &policy.exceptions;
    Ok(x.items
        .iter()
        .map(|item| review_one(item, now, x.max_duration_s, x.expiring_soon_s))
        .collect())
}

#[cfg(feature = "policy-json")]
fn review_one(item: &Exception, now: Timestamp, max_s: u64, soon_s: u64) -> ReviewItem {
    let created = Timestamp::parse(&item.created_at);
    let expires = item.expires_at.as_deref().and_then(Timestamp::parse);
    let expires_in_s = expires.map(|e| now.seconds_until(e));
    let status = match (created, expires, expires_in_s) {
        (_, None, _) | (_, _, None) => ReviewStatus::NoExpiry,
        (Some(c), Some(e), _) if c.seconds_until(e).unsigned_abs() > max_s => ReviewStatus::TooLong,
        (_, _, Some(left)) if left <= 0 => ReviewStatus::Expired,
        (Some(c), _, _) if now < c => ReviewStatus::NotYetActive,
        (_, _, Some(left)) if left.unsigned_abs() <= soon_s => ReviewStatus::ExpiringSoon,
        _ => ReviewStatus::Active,
    };
    ReviewItem {
        id: item.id.clone(),
        status,
        expires_in_s,
        approver: item.approver.clone(),
        reason: item.reason.clone(),
    }
}
