//! Account recovery (docs/contract.md#recovery, SPEC §15): what the evidence of a `recover`
//! proves under NIST SP 800-63B rev 4 §4.2, which factors the recovered session may bind, and
//! what the account needs when the evidence falls short.
//!
//! - **Evidence that counts.** Each method must be listed in `recovery.methods` and fresh: a
//!   saved recovery code, a re-proofing and a help-desk verification within the binding window
//!   (`enrollment.bindingWindowS`) of being presented; an issued code within its channel's
//!   validity of being issued (`recovery.codeValidityS`: SMS and voice 10 min, email 24 h, post 21
//!   days; a recovery contact's 24 h); a temporary access pass within
//!   `recovery.helpdesk.tapMaxLifetimeS` of being issued. A pass or a help-desk verification
//!   counts only from an actor kind of `recovery.helpdesk.issuers`, for a kind of
//!   `recovery.helpdesk.userKinds`, and never when the user issued it to themselves. A
//!   re-proofing must be at the account's own IAL or above. Each that does not count is named
//!   (`recoveryMethodRejected`).
//! - **Methods.** Codes from different methods count apart: a saved code, an issued code per
//!   channel (an email and an SMS code are two), a recovery contact, and the help-desk paths
//!   (a pass and a verification are one method: the same desk).
//! - **By AAL** (the account's highest factor, lost ones included): AAL1 needs one code; AAL2, and
//!   AAL3 unless the account was proofed at IAL3 (`user.ial`), need two codes from different
//!   methods, one code and a single-factor authenticator the account still has (a fresh
//!   password, or a bound factor not lost, in `session.methods`), or repeated proofing; AAL3 at
//!   IAL3 needs on-site re-proofing at IAL3.

use crate::context::{short_list, Context};
use crate::decision::ReasonCode;
use crate::enums::ActorKind;
use crate::factors::FactorType;
use crate::request::{Change, RecoveryMethod, RecoveryMethodType};

/// Clock skew tolerated on evidence times, seconds.
const SKEW_S: i64 = 300;

/// What the evidence of a recovery amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assessment {
    /// The AAL the evidence proves for this account (never above the account's own; 0: none).
    pub aal: u8,
    /// The evidence meets §4.2 for the account.
    pub sufficient: bool,
    /// The AAL the account's recovery must reach (1, 2, or 3 for on-site re-proofing).
    pub required_aal: u8,
    /// What the recovered session may bind (empty unless sufficient).
    pub may_bind: Vec<FactorType>,
    /// The lost factor ids.
    pub invalidate: Vec<String>,
    /// Alternatives that would suffice, added to what was presented.
    pub needs: Vec<Vec<&'static str>>,
}

/// What the account needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// AAL1: one code.
    One,
    /// AAL2, and AAL3 proofed below IAL3.
    Two,
    /// AAL3 at IAL3: on-site re-proofing at IAL3.
    Onsite,
}

/// The evidence, reduced to what the rules read.
#[derive(Debug, Clone, Default)]
struct Tally {
    /// Distinct code methods.
    codes: Vec<&'static str>,
    /// A single-factor authenticator the account still has was used.
    single_factor: bool,
    /// A valid re-proofing.
    reproofed: bool,
    /// An on-site re-proofing at IAL3.
    onsite_ial3: bool,
}

impl Tally {
    fn level(&self) -> u8 {
        if self.onsite_ial3 {
            3
        } else if self.codes.len() >= 2
            || (!self.codes.is_empty() && self.single_factor)
            || self.reproofed
        {
            2
        } else if !self.codes.is_empty() {
            1
        } else {
            0
        }
    }

    fn meets(&self, target: Target) -> bool {
        match target {
            Target::One => self.level() >= 1,
            Target::Two => self.level() >= 2,
            Target::Onsite => self.onsite_ial3,
        }
    }

    /// This tally with one more piece of evidence.
    fn with(&self, unit: &'static str) -> Tally {
        let mut t = self.clone();
        match unit {
            "password" => t.single_factor = true,
            "reproofing" => {
                t.reproofed = true;
                t.onsite_ial3 = true;
            }
            other => t.codes.push(other),
        }
        t
    }
}

/// `accountRecovery`, `recoveryEvidence`, `recoveryInsufficient`, `recoveryMethodRejected`:
/// weighs the evidence of a `recover` (`change.recovery`, checked present by `Request::check`).
pub(crate) fn assess(ctx: &mut Context, change: &Change) -> Assessment {
    let empty = crate::request::Recovery::default();
    let recovery = change.recovery.as_ref().unwrap_or(&empty);
    let factors = &ctx.req.user.factors;
    let lost: Vec<&str> = recovery.lost.iter().map(|l| l.as_str()).collect();
    let is_lost =
        |f: &crate::request::Factor| f.id.as_ref().is_some_and(|i| lost.contains(&i.as_str()));
    let account_aal = factors
        .iter()
        .filter(|f| f.kind.profile().possession)
        .map(|f| f.kind.profile().max_aal)
        .max()
        .unwrap_or(1);
    let target = match (account_aal, ctx.req.user.ial) {
        (3, Some(3)) => Target::Onsite,
        (1, _) => Target::One,
        _ => Target::Two,
    };
    let lost_note = if lost.is_empty() {
        String::new()
    } else {
        format!(" Lost: {}; they are to be suspended.", short_list(&lost))
    };
    ctx.add(
        ReasonCode::AccountRecovery,
        format!(
            "Account recovery: the user regains an AAL{account_aal} account on recovery evidence (NIST SP 800-63B rev 4 §4.2).{lost_note}"
        ),
    );
    let mut tally = Tally::default();
    let mut rejected: Vec<String> = Vec::new();
    for m in recovery.methods.iter() {
        match counts(ctx, m) {
            Ok(Some(key)) => {
                if !tally.codes.contains(&key) {
                    tally.codes.push(key);
                }
            }
            Ok(None) => {
                tally.reproofed = true;
                if m.ial == Some(3) && m.onsite == Some(true) {
                    tally.onsite_ial3 = true;
                }
            }
            Err(why) => rejected.push(format!("{} {why}", m.kind.as_str())),
        }
    }
    let window = i64::try_from(ctx.policy.policy.enrollment.binding_window_s).unwrap_or(i64::MAX);
    let now = ctx.now;
    tally.single_factor = ctx.req.session.methods.iter().any(|m| {
        let age = m.at.seconds_until(now);
        let fresh = (-SKEW_S..=window).contains(&age);
        let still_had = m.kind == FactorType::Password
            || factors.iter().any(|f| f.kind == m.kind && !is_lost(f));
        fresh && still_had && m.kind != FactorType::Email
    });
    if !rejected.is_empty() {
        ctx.add(
            ReasonCode::RecoveryMethodRejected,
            format!(
                "Evidence that does not count: {}.",
                crate::error::join(&rejected, "; ")
            ),
        );
    }
    let sufficient = tally.meets(target);
    let aal = tally.level().min(account_aal);
    let presented: Vec<&str> = tally
        .codes
        .iter()
        .copied()
        .chain(tally.single_factor.then_some("password"))
        .chain(tally.reproofed.then_some("reproofing"))
        .collect();
    let presented = if presented.is_empty() {
        "none".to_string()
    } else {
        short_list(&presented)
    };
    let rule = match target {
        Target::One => "one recovery code (saved, issued or through a recovery contact)",
        Target::Two => "two codes from different methods, one code and a single-factor authenticator the account still has (the password), or repeated identity proofing",
        Target::Onsite => "on-site re-proofing at IAL3 (the account was proofed at IAL3)",
    };
    let needs = if sufficient {
        vec![]
    } else {
        needs(ctx, &tally, target)
    };
    if sufficient {
        ctx.add(
            ReasonCode::RecoveryEvidence,
            format!(
                "The evidence ({presented}) meets what an AAL{account_aal} account needs, {rule}: the recovered session proves AAL{aal}."
            ),
        );
    } else {
        ctx.add(
            ReasonCode::RecoveryInsufficient,
            format!(
                "The evidence ({presented}) falls short: an AAL{account_aal} account needs {rule}."
            ),
        );
    }
    let remaining_aal = factors
        .iter()
        .filter(|f| f.kind.profile().possession && !is_lost(f))
        .map(|f| f.kind.profile().max_aal)
        .max()
        .unwrap_or(0);
    let available = remaining_aal.max(aal);
    let may_bind = if sufficient {
        ctx.policy
            .policy
            .user_kinds
            .for_kind(ctx.kind)
            .allowed_factors
            .iter()
            .copied()
            .filter(|t| t.profile().max_aal.min(available) <= aal)
            .collect()
    } else {
        vec![]
    };
    Assessment {
        aal,
        sufficient,
        required_aal: match target {
            Target::One => 1,
            Target::Two => 2,
            Target::Onsite => 3,
        },
        may_bind,
        invalidate: lost.iter().map(|l| l.to_string()).collect(),
        needs,
    }
}

/// Whether one piece of evidence counts: `Ok(Some(method))` for a code of that method,
/// `Ok(None)` for a valid re-proofing, `Err(why)` when it does not count.
fn counts(ctx: &Context, m: &RecoveryMethod) -> Result<Option<&'static str>, String> {
    let p = &ctx.policy.policy;
    let r = &p.recovery;
    if !r.methods.contains(&m.kind) {
        return Err("is not among the policy's recovery methods (recovery.methods)".to_string());
    }
    let age = m.at.seconds_until(ctx.now);
    if age < -SKEW_S {
        return Err("is dated after the decision time".to_string());
    }
    let window = p.enrollment.binding_window_s;
    let fresh = |limit: u64, what: &str| -> Result<(), String> {
        if age.unsigned_abs() <= limit || age < 0 {
            Ok(())
        } else {
            Err(format!(
                "is too old: {what} {}",
                crate::context::human_duration(i64::try_from(limit).unwrap_or(i64::MAX))
            ))
        }
    };
    match m.kind {
        RecoveryMethodType::RecoveryCode => {
            fresh(window, "a saved code counts when presented within")?;
            Ok(Some("recoveryCode"))
        }
        RecoveryMethodType::IssuedCode => {
            let channel = m.channel.unwrap_or(crate::request::CodeChannel::Email);
            fresh(
                r.code_validity_s.for_channel(channel),
                &format!("a code sent by {} is valid for", channel.as_str()),
            )?;
            Ok(Some(match channel {
                crate::request::CodeChannel::Email => "issuedCode (email)",
                crate::request::CodeChannel::Sms => "issuedCode (sms)",
                crate::request::CodeChannel::Voice => "issuedCode (voice)",
                crate::request::CodeChannel::Postal => "issuedCode (postal)",
            }))
        }
        RecoveryMethodType::RecoveryContact => {
            fresh(
                r.code_validity_s.recovery_contact,
                "a recovery contact's code is valid for",
            )?;
            Ok(Some("recoveryContact"))
        }
        RecoveryMethodType::Reproofing => {
            fresh(window, "a re-proofing counts when presented within")?;
            let ial = m.ial.unwrap_or(1);
            match ctx.req.user.ial {
                Some(account) if ial < account => Err(format!(
                    "at IAL{ial} is below the account's own proofing (IAL{account})"
                )),
                _ => Ok(None),
            }
        }
        RecoveryMethodType::TemporaryAccessPass | RecoveryMethodType::HelpdeskVerified => {
            let h = &r.helpdesk;
            let issuer = m.issued_by.as_ref();
            let kind = issuer.map_or(ActorKind::SelfService, |i| i.kind);
            let by_user = kind == ActorKind::SelfService
                || issuer
                    .and_then(|i| i.id.as_ref())
                    .is_some_and(|i| i.as_str() == ctx.req.user.id.as_str());
            if by_user {
                return Err("was issued by the user to themselves, which never counts".to_string());
            }
            if !h.issuers.contains(&kind) {
                return Err(format!(
                    "was issued by {}, which the policy does not let issue recovery evidence (recovery.helpdesk.issuers)",
                    kind.as_str()
                ));
            }
            if !h.user_kinds.contains(&ctx.kind) {
                return Err(format!(
                    "does not serve {} accounts (recovery.helpdesk.userKinds)",
                    ctx.kind.as_str()
                ));
            }
            if m.kind == RecoveryMethodType::TemporaryAccessPass {
                fresh(
                    h.tap_max_lifetime_s,
                    "a temporary access pass lives at most",
                )?;
            } else {
                fresh(
                    window,
                    "a help-desk verification counts when presented within",
                )?;
            }
            Ok(Some("helpdesk"))
        }
    }
}

/// `recovery.needs`: the smallest additions (one piece of evidence, else two) that would make
/// the evidence suffice, from the methods the policy allows.
fn needs(ctx: &Context, tally: &Tally, target: Target) -> Vec<Vec<&'static str>> {
    let r = &ctx.policy.policy.recovery;
    let allowed = |t: RecoveryMethodType| r.methods.contains(&t);
    let helpdesk = !r.helpdesk.issuers.is_empty() && r.helpdesk.user_kinds.contains(&ctx.kind);
    let mut units: Vec<(&'static str, &'static str)> = Vec::new();
    let has = |key: &str| tally.codes.contains(&key);
    if allowed(RecoveryMethodType::RecoveryCode) && !has("recoveryCode") {
        units.push(("recoveryCode", "recoveryCode"));
    }
    if allowed(RecoveryMethodType::IssuedCode) {
        units.push(("issuedCode", "issuedCode (another channel)"));
    }
    if allowed(RecoveryMethodType::RecoveryContact) && !has("recoveryContact") {
        units.push(("recoveryContact", "recoveryContact"));
    }
    if helpdesk && !has("helpdesk") {
        if allowed(RecoveryMethodType::TemporaryAccessPass) {
            units.push(("temporaryAccessPass", "helpdesk"));
        }
        if allowed(RecoveryMethodType::HelpdeskVerified) {
            units.push(("helpdeskVerified", "helpdesk"));
        }
    }
    if !tally.single_factor {
        units.push(("password", "password"));
    }
    if allowed(RecoveryMethodType::Reproofing) {
        units.push(("reproofing", "reproofing"));
    }
    if target == Target::Onsite {
        return if allowed(RecoveryMethodType::Reproofing) {
            vec![vec!["reproofing"]]
        } else {
            vec![]
        };
    }
    let mut out: Vec<Vec<&'static str>> = Vec::new();
    for (name, key) in &units {
        if tally.with(key).meets(target) {
            out.push(vec![*name]);
        }
    }
    for (i, (a, ka)) in units.iter().enumerate() {
        for (b, kb) in units.iter().skip(i + 1) {
            let single = |n: &str| out.iter().any(|o| o.len() == 1 && o.first() == Some(&n));
            if single(a) || single(b) || ka == kb {
                continue;
            }
            if tally.with(ka).with(kb).meets(target) {
                out.push(vec![*a, *b]);
            }
        }
    }
    out
}
