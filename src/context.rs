//! What one call knows: the compiled policy, the request, the time, who the user is, and the
//! reasons collected so far. Built once per call and read by every rule.

use crate::decision::{Entry, Reason, ReasonCode};
use crate::enums::UserKind;
use crate::policy::CompiledPolicy;
use crate::request::Request;
use crate::state::Memory;
use crate::time::Timestamp;

/// One call's inputs and the reasons gathered from them.
pub(crate) struct Context<'a> {
    /// The policy deciding.
    pub policy: &'a CompiledPolicy,
    /// The request.
    pub req: &'a Request,
    /// Decision time, resolved once by the entry point (the request's `now` over the host clock).
    pub now: Timestamp,
    /// The user's kind, with the policy's break-glass list applied.
    pub kind: UserKind,
    /// Roles of the user that the policy calls privileged.
    pub privileged_roles: Vec<&'a str>,
    /// Capabilities of the user that the policy calls sensitive.
    pub sensitive_capabilities: Vec<&'a str>,
    /// Reasons so far, at most one per code.
    pub reasons: Vec<Reason>,
    /// The user's verified history (docs/contract.md#memory), read before any signal.
    pub memory: &'a Memory,
    /// The entry point deciding.
    pub entry: Entry,
}

impl<'a> Context<'a> {
    /// Builds the context for a request with the user's history at the decision time `now`.
    pub(crate) fn new(
        policy: &'a CompiledPolicy,
        req: &'a Request,
        now: Timestamp,
        memory: &'a Memory,
        entry: Entry,
    ) -> Self {
        let user = &req.user;
        let kind = if policy
            .policy
            .break_glass
            .user_ids
            .iter()
            .any(|id| id == user.id.as_str())
        {
            UserKind::BreakGlass
        } else {
            user.kind
        };
        let privileged_roles = distinct(
            user.roles
                .iter()
                .map(|r| r.as_str())
                .filter(|r| policy.is_privileged_role(r)),
        );
        let sensitive_capabilities = distinct(
            user.capabilities
                .iter()
                .map(|c| c.as_str())
                .filter(|c| policy.policy.privileged.capabilities.iter().any(|p| p == c)),
        );
        Context {
            policy,
            req,
            now,
            kind,
            privileged_roles,
            sensitive_capabilities,
            reasons: Vec::new(),
            memory,
            entry,
        }
    }

    /// Does the user have a phishing-resistant factor enrolled? Risk and impossible travel ask
    /// for phishing resistance only of users who can give it.
    pub(crate) fn has_phishing_resistant_factor(&self) -> bool {
        self.req
            .user
            .factors
            .iter()
            .any(|f| f.kind.profile().phishing_resistant)
    }

    /// Privileged by role, by capability, or as a break-glass account.
    pub(crate) fn is_privileged(&self) -> bool {
        !self.privileged_roles.is_empty()
            || !self.sensitive_capabilities.is_empty()
            || self.kind == UserKind::BreakGlass
    }

    /// The account's exposure, for the decision.
    pub(crate) fn exposure(&self) -> crate::decision::Exposure {
        crate::decision::Exposure {
            privileged: self.is_privileged(),
            roles: self
                .privileged_roles
                .iter()
                .map(|r| r.to_string())
                .collect(),
            capabilities: self
                .sensitive_capabilities
                .iter()
                .map(|c| c.to_string())
                .collect(),
            action: None,
        }
    }

    /// Adds a reason with the policy's weight for its code (once per code); a code that says who
    /// the user is scores nothing ([`ReasonCode::is_identity`]).
    pub(crate) fn add(&mut self, code: ReasonCode, detail: impl Into<String>) {
        let points = if code.is_identity() {
            0
        } else {
            self.policy.weight(code)
        };
        self.add_points(code, points, detail);
    }

    /// A refusal by the user kind's rule (`userKinds.<kind>`), under the account's real kind
    /// (docs/contract.md#rules, "Explanations say what happened"): `breakGlass`, `serviceAccount` or
    /// `contractor` (contractor, partner), the kind's own reason extended by `sentence`, and
    /// `kindRestricted` for a kind without a code of its own (employee, customer). A service
    /// account is never reported as break-glass.
    pub(crate) fn refuse_by_kind(&mut self, sentence: &str) {
        let code = match self.kind {
            UserKind::BreakGlass => ReasonCode::BreakGlass,
            UserKind::Service => ReasonCode::ServiceAccount,
            UserKind::Contractor | UserKind::Partner => ReasonCode::Contractor,
            UserKind::Employee | UserKind::Customer => ReasonCode::KindRestricted,
        };
        match self.reasons.iter_mut().find(|r| r.code == code) {
            Some(r) => {
                r.detail.push(' ');
                r.detail.push_str(sentence);
            }
            None => self.add(code, sentence),
        }
    }

    /// Adds a reason with explicit points (once per code).
    pub(crate) fn add_points(&mut self, code: ReasonCode, points: i32, detail: impl Into<String>) {
        if !self.has(code) {
            self.reasons.push(Reason {
                code,
                points,
                detail: detail.into(),
            });
        }
    }

    /// Has this code been given?
    pub(crate) fn has(&self, code: ReasonCode) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }

    /// Seconds since `t` (negative if `t` is in the future).
    pub(crate) fn age(&self, t: Timestamp) -> i64 {
        t.seconds_until(self.now)
    }
}

/// Each value once, in first-seen order: a host repeating a role must not repeat it in answers.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// "a, b, c and 4 more": a list in a reason sentence stays short whatever the request holds.
pub(crate) fn short_list(items: &[&str]) -> String {
    const SHOWN: usize = 5;
    let head = crate::error::join(items.get(..SHOWN).unwrap_or(items), ", ");
    match items.len().saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more"),
    }
}

/// "3 h", "2 days": durations in reason sentences.
pub(crate) fn human_duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7_199 => format!("{} min", s / 60),
        7_200..=172_799 => format!("{} h", s / 3_600),
        _ => format!("{} days", s / 86_400),
    }
}
