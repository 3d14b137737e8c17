//! Approvals that grant (docs/contract.md#approvals, SPEC §14): the approval every `approval`
//! decision carries (its id, who approves, a contractor's sponsor), and what a grant resubmitted
//! as `change.approval` or `action.approval` may do to a decision. The grant's bytes and
//! signature are `crate::state::grant`; `grantApproval` is in `api.rs`.

use crate::context::Context;
use crate::decision::{Approval, Decision, Outcome, Reason, ReasonCode};
use crate::enums::UserKind;
use crate::json::{Named, Text};
use crate::policy::CompiledPolicy;
use crate::request::{Action, Change, Request};
use crate::state::{Keys, Memory, OpenGrant};
use crate::time::Timestamp;
use sha2::{Digest, Sha256};

const _: () = assert!(<ReasonCode as Named>::VALUES.len() <= 128);

/// Clock skew tolerated on a grant's issue time, seconds.
const SKEW_S: i64 = 300;

/// What waits for approval: a factor change or a privileged action.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pending<'a> {
    /// `assessFactorChange`.
    Change(&'a Change),
    /// `assessAction`.
    Action(&'a Action),
}

impl<'a> Pending<'a> {
    /// The grant it carries (`change.approval`, `action.approval`).
    fn grant(self) -> Option<&'a str> {
        match self {
            Pending::Change(c) => c.approval.as_ref().map(|t| t.as_str()),
            Pending::Action(a) => a.approval.as_ref().map(|t| t.as_str()),
        }
    }

    /// Who acts besides the user (a change's actor), who may not approve either.
    fn actor_id(self) -> Option<&'a str> {
        match self {
            Pending::Change(c) => text(c.actor.id.as_ref()),
            Pending::Action(_) => None,
        }
    }
}

/// The `approval` an `approval` outcome carries: its id, who approves (`by`) and until when. A
/// contractor's or partner's sponsor (`user.sponsor`) is named and, unless the account is
/// privileged (its approvers are the SOC's), one of `by` as `sponsor`.
pub(crate) fn request(ctx: &Context, id: &[u8; 16], mut by: Vec<String>) -> Approval {
    let fc = &ctx.policy.policy.risk.factor_change;
    let sponsor = text(ctx.req.user.sponsor.as_ref())
        .filter(|s| {
            !s.trim_ascii().is_empty()
                && matches!(ctx.kind, UserKind::Contractor | UserKind::Partner)
        })
        .map(String::from);
    if sponsor.is_some() && !ctx.is_privileged() && !by.iter().any(|b| b == SPONSOR) {
        by.push(SPONSOR.into());
    }
    Approval {
        id: hex(id),
        by,
        expires_in_s: fc.approval_expires_in_s,
        expires_at: ctx.now.plus(fc.approval_expires_in_s).to_rfc3339(),
        sponsor,
    }
}

/// The approver kind of a sponsor.
const SPONSOR: &str = "sponsor";

/// A sponsor approves as themselves: an approver of kind `sponsor` who is not `user.sponsor`.
pub(crate) fn not_the_sponsor(req: &Request, kind: &str, id: &str) -> bool {
    kind == SPONSOR && text(req.user.sponsor.as_ref()) != Some(id)
}

fn text(t: Option<&Text>) -> Option<&str> {
    t.map(Text::as_str)
}

/// The approval id of a change: the first 16 bytes of SHA-256 over a canonical encoding of
/// the label `factorgate/approval/v1`, then the user id, the action, the new (or removed)
/// factor's type and id, the replaced factor's type and id, the actor's kind and id, the ticket
/// and the policy digest, each as a presence byte (0 absent, 1 present) and, when present, a
/// 4-byte big-endian length and the UTF-8 bytes. The same change under the same policy always
/// has the same id, and any other change (any of those fields different) another. A privileged
/// action's is the same over the label `factorgate/approval/action/v1`, the user id, the action
/// type, the target's kind and id and the policy digest.
pub(crate) fn approval_id(req: &Request, pending: Pending, digest: &str) -> [u8; 16] {
    let user = Some(req.user.id.as_str());
    match pending {
        Pending::Change(change) => id_over(
            b"factorgate/approval/v1",
            &[
                user,
                Some(change.action.as_str()),
                change.factor.as_ref().map(|f| f.kind.as_str()),
                text(change.factor.as_ref().and_then(|f| f.id.as_ref())),
                change.replaces.as_ref().map(|f| f.kind.as_str()),
                text(change.replaces.as_ref().and_then(|f| f.id.as_ref())),
                Some(change.actor.kind.as_str()),
                text(change.actor.id.as_ref()),
                text(change.actor.ticket.as_ref()),
                Some(digest),
            ],
        ),
        Pending::Action(action) => id_over(
            b"factorgate/approval/action/v1",
            &[
                user,
                Some(action.kind.as_str()),
                text(action.target.kind.as_ref()),
                text(action.target.id.as_ref()),
                Some(digest),
            ],
        ),
    }
}

fn id_over(label: &[u8], parts: &[Option<&str>]) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(label);
    for v in parts {
        match v {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update(u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    crate::state::prefix(&h.finalize())
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

/// The first 8 bytes of the policy's SHA-256 (its digest is `sha256:` + 64 hex digits).
pub(crate) fn digest_prefix(digest: &str) -> [u8; 8] {
    let hexits = digest.strip_prefix("sha256:").unwrap_or(digest).as_bytes();
    let mut out = [0u8; 8];
    for (i, o) in out.iter_mut().enumerate() {
        let nibble = |k: usize| {
            hexits
                .get(k)
                .and_then(|c| char::from(*c).to_digit(16))
                .and_then(|d| u8::try_from(d).ok())
                .unwrap_or(0)
        };
        *o = nibble(2 * i) << 4 | nibble(2 * i + 1);
    }
    out
}

/// The bit of a reason code in a grant: its index in declaration order.
fn bit(code: ReasonCode) -> u128 {
    let at = <ReasonCode as Named>::VALUES
        .iter()
        .position(|c| *c == code)
        .unwrap_or(127);
    1u128 << at
}

/// The reason codes of a decision as a grant carries them.
pub(crate) fn reason_bits(reasons: &[Reason]) -> u128 {
    reasons.iter().fold(0, |acc, r| acc | bit(r.code))
}

/// Who may not approve: the user and the change's actor.
pub(crate) fn is_self_approval(req: &Request, pending: Pending, approver_id: &str) -> bool {
    approver_id == req.user.id.as_str() || pending.actor_id() == Some(approver_id)
}

/// `approvalGranted`, `approvalInvalid`, `approvalReused`: what the grant in `change.approval`
/// (`action.approval`) does to a decided change (action). The grant is verified (signature in constant time, type, user,
/// expiry, approval id recomputed from the request, policy digest, approver, and no risk that was
/// not there when it was granted: a reason with points whose code the grant does not carry).
/// A valid grant on an `approval` turns it into `allow` (`approvalGranted`, its sentence naming
/// the approver; a binding still unmet stays `stepUp`, and the grant is then not used up); it
/// never lifts a `deny`. One that fails a check is `approvalInvalid`, and one the state records
/// as used is `approvalReused`: the outcome stays. The decision's memo records a used grant.
pub(crate) fn apply_grant(
    policy: &CompiledPolicy,
    key: Option<&Keys>,
    req: &Request,
    pending: Pending,
    now: Timestamp,
    memory: &Memory,
    d: &mut Decision,
) {
    let Some(token) = pending.grant().map(str::trim_ascii) else {
        return;
    };
    if token.is_empty() {
        return;
    }
    let Some(key) = key else {
        return invalid(
            d,
            "the engine has no stateKey, so no grant can be verified".to_string(),
        );
    };
    let grant = match crate::state::open_grant(key, req.user.id.as_str(), token) {
        Ok(g) => g,
        Err(why) => return invalid(d, why.to_string()),
    };
    if let Err(why) = check(policy, req, pending, now, &grant, d) {
        return invalid(d, why);
    }
    let c = &grant.claims;
    let who = format!("{} {}", c.approver_kind, c.approver_id);
    if memory.grant_used(&grant.id) {
        d.reasons.push(Reason {
            code: ReasonCode::ApprovalReused,
            points: 0,
            detail: format!(
                "The grant by {who} was already used (the state records it): a grant approves one change, once; ask for a new approval."
            ),
        });
        return;
    }
    if d.outcome != Outcome::Approval {
        return;
    }
    let expires = Timestamp(i64::from(c.expires_at)).to_rfc3339();
    d.memo.approver = Some((c.approver_kind.clone(), c.approver_id.clone()));
    if d.requirement.is_some() {
        d.outcome = Outcome::StepUp;
        d.approval = None;
        d.reasons.push(Reason {
            code: ReasonCode::ApprovalGranted,
            points: 0,
            detail: format!(
                "Approved by {who} (grant valid until {expires}); the binding rule still needs a step-up: resubmit with the same grant once it holds."
            ),
        });
        return;
    }
    d.outcome = Outcome::Allow;
    d.approval = None;
    d.memo.used_grant = Some((grant.id, c.expires_at));
    d.reasons.push(Reason {
        code: ReasonCode::ApprovalGranted,
        points: 0,
        detail: format!("Approved by {who} (grant valid until {expires}): the change may proceed."),
    });
}

/// Every check of a verified grant against this change, this policy and this decision.
fn check(
    policy: &CompiledPolicy,
    req: &Request,
    pending: Pending,
    now: Timestamp,
    grant: &OpenGrant,
    d: &Decision,
) -> Result<(), String> {
    let c = &grant.claims;
    if now.0 > i64::from(c.expires_at) {
        return Err(format!(
            "it expired at {}",
            Timestamp(i64::from(c.expires_at)).to_rfc3339()
        ));
    }
    if i64::from(c.issued_at) > now.0.saturating_add(SKEW_S) {
        return Err("it was issued after the decision time".to_string());
    }
    if c.approval_id != approval_id(req, pending, &policy.reference.digest) {
        return Err(
            "it was granted for another change (the approval id recomputed from this request differs)"
                .to_string(),
        );
    }
    if c.policy != digest_prefix(&policy.reference.digest) {
        return Err("it was granted under another policy".to_string());
    }
    if is_self_approval(req, pending, &c.approver_id) {
        return Err("its approver is the user or the change's actor".to_string());
    }
    if not_the_sponsor(req, &c.approver_kind, &c.approver_id) {
        return Err("its sponsor is not the account's sponsor".to_string());
    }
    if d.outcome == Outcome::Deny {
        return Err("a grant never lifts a deny".to_string());
    }
    let new: Vec<&str> = d
        .reasons
        .iter()
        .filter(|r| r.points > 0 && c.reasons & bit(r.code) == 0)
        .map(|r| r.code.as_str())
        .collect();
    if !new.is_empty() {
        return Err(format!(
            "risk appeared since it was granted ({}), which its approver did not weigh",
            crate::error::join(&new, ", ")
        ));
    }
    if let Some(a) = &d.approval {
        if !a.by.iter().any(|b| b == &c.approver_kind) {
            return Err(format!(
                "{} does not approve this change (approval by {})",
                c.approver_kind,
                crate::error::join(&a.by, ", ")
            ));
        }
    }
    Ok(())
}

/// `approvalInvalid`: the grant fails a check; the outcome stays what it was.
fn invalid(d: &mut Decision, why: String) {
    d.reasons.push(Reason {
        code: ReasonCode::ApprovalInvalid,
        points: 0,
        detail: format!(
            "The approval grant does not hold: {why}. The decision stands as if it had not been sent."
        ),
    });
}
