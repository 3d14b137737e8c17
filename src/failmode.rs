//! The policy's fail mode (docs/contract.md#failure): the answer when the engine cannot decide, e.g. after a
//! WebAssembly trap. Closed: step up with the strongest factors the user has (deny if none) and
//! deny factor changes. Open: allow and alert, for the kinds the policy names (break-glass).

use crate::decision::{Decision, Entry, Outcome, Reason, ReasonCode, Requirement, Risk};
use crate::enums::{Level, UserKind};
use crate::factors::FactorType;
use crate::json::Reader;
use crate::json::Writer;
use crate::json::{read_named, Res};
use crate::json::{Encode, RawJson};
use crate::policy::{CompiledPolicy, FailMode};
use crate::time::Timestamp;

/// The fail-mode decision for a request the engine could not decide. The request is read
/// leniently (it may be the input that broke the engine): only the user's kind and factors.
pub(crate) fn decide(
    policy: &CompiledPolicy,
    entry: Entry,
    request_json: &str,
    now: Timestamp,
) -> Decision {
    let glimpse = if request_json.len() <= crate::limits::MAX_REQUEST_BYTES {
        Glimpse::read(request_json).unwrap_or_default()
    } else {
        Glimpse::default()
    };
    let user_id = glimpse
        .user_id
        .as_deref()
        .map(crate::error::preview)
        .unwrap_or_else(|| "unknown".into());
    let mut kind = glimpse.kind.unwrap_or_default();
    if policy.policy.break_glass.user_ids.contains(&user_id) {
        kind = UserKind::BreakGlass;
    }
    let exposure = exposure(policy, &glimpse, kind);
    let factors: Vec<FactorType> = glimpse
        .factors
        .into_iter()
        .filter(|f| f.profile().possession)
        .collect();
    let mode = policy.policy.fail_mode.for_kind(kind);
    let (outcome, requirement) = match (mode, entry) {
        (FailMode::Open, _) => (Outcome::Allow, None),
        (FailMode::Closed, Entry::FactorChange | Entry::Action) => (Outcome::Deny, None),
        (FailMode::Closed, Entry::Login) => strongest_step_up(&factors),
    };
    let mode_name = mode.as_str();
    let reason = Reason {
        code: ReasonCode::EngineFailure,
        points: 0,
        detail: format!("The engine could not decide this request; the policy's fail mode for {} accounts ({mode_name}) applies.", kind.as_str()),
    };
    let risk = Risk {
        score: 0,
        level: Level::Low,
    };
    let alert = alert(policy, &reason, outcome, &user_id, mode_name, now);
    Decision {
        kind: "decision",
        exposure,
        entry,
        outcome,
        risk,
        reasons: vec![reason],
        requirement,
        approval: None,
        recovery: None,
        enrollment_allowed: (entry == Entry::Login).then_some(false),
        assurance: None,
        campaign: None,
        notify: vec![],
        alerts: vec![alert],
        state: None,
        policy: policy.reference.clone(),
        memo: crate::decision::Memo::default(),
    }
}

/// The Detection Finding that says the engine failed and which fail mode answered.
fn alert(
    policy: &CompiledPolicy,
    reason: &Reason,
    outcome: Outcome,
    user_id: &str,
    mode_name: &str,
    now: Timestamp,
) -> RawJson {
    let mut w = Writer::new();
    w.begin_object();
    for (key, value) in [("class_uid", 2004), ("category_uid", 2), ("activity_id", 1)] {
        w.key(key).uint(value);
    }
    w.key("class_name").string("Detection Finding");
    w.key("category_name").string("Findings");
    w.key("activity_name").string("Create");
    w.key("type_uid").uint(200_401);
    w.key("type_name").string("Detection Finding: Create");
    w.key("time").int(now.0.saturating_mul(1000));
    w.key("severity_id").uint(4);
    w.key("severity").string("High");
    w.key("status_id").uint(1);
    w.key("status").string("New");
    w.key("is_alert").boolean(true);
    w.key("message").string(&format!(
        "factorgate engine failure: fail {mode_name} for {user_id}"
    ));
    crate::alerts::metadata(&mut w, None);
    w.key("finding_info").begin_object();
    w.key("uid").string(&format!("engine-failure-{}", now.0));
    w.key("title").string("factorgate engine failure");
    w.key("desc").string(&reason.detail);
    crate::alerts::finding_type(&mut w, "factorgate/engineFailure", &policy.reference);
    w.end_object();
    w.key("evidences").begin_array();
    w.begin_object();
    w.key("user").begin_object();
    w.key("uid").string(user_id);
    w.end_object();
    w.end_object();
    w.end_array();
    w.key("unmapped").begin_object();
    w.key("factorgate").begin_object();
    outcome.encode_field(&mut w, "outcome");
    w.key("reasons").begin_array();
    w.string("engineFailure");
    w.end_array();
    policy.reference.encode_field(&mut w, "policy");
    w.end_object();
    w.end_object();
    w.end_object();
    RawJson(w.finish())
}

/// The account's exposure from what the fail mode could read (roles and capabilities the policy
/// names, as `Context` finds them for a decision).
fn exposure(policy: &CompiledPolicy, g: &Glimpse, kind: UserKind) -> crate::decision::Exposure {
    let mut roles: Vec<String> = Vec::new();
    for r in g.roles.iter().filter(|r| policy.is_privileged_role(r)) {
        if !roles.contains(r) {
            roles.push(r.clone());
        }
    }
    let mut capabilities: Vec<String> = Vec::new();
    let sensitive = &policy.policy.privileged.capabilities;
    for c in g.capabilities.iter().filter(|c| sensitive.contains(c)) {
        if !capabilities.contains(c) {
            capabilities.push(c.clone());
        }
    }
    crate::decision::Exposure {
        privileged: !roles.is_empty() || !capabilities.is_empty() || kind == UserKind::BreakGlass,
        roles,
        capabilities,
        action: None,
    }
}

/// Step up with the strongest factors the user has (the rule a risky login uses too), fresh
/// now; deny when there are none.
fn strongest_step_up(factors: &[FactorType]) -> (Outcome, Option<Requirement>) {
    let strongest = crate::requirement::strongest(factors.iter().copied());
    let Some(best) = strongest.first().copied() else {
        return (Outcome::Deny, None);
    };
    let requirement = Requirement {
        factors: strongest,
        ..crate::requirement::proves(best, 0)
    };
    (Outcome::StepUp, Some(requirement))
}

/// The strings of a list, up to the request cap; anything else in it is passed over.
fn read_strings(r: &mut Reader<'_>, out: &mut Vec<String>) -> Res<()> {
    r.begin_array("a list")?;
    while r.next_item()? {
        if r.peek() == Some(b'"') && out.len() < crate::limits::MAX_TAGS {
            out.push(r.string("a string")?.into_owned());
        } else {
            r.skip()?;
        }
    }
    Ok(())
}

/// What the fail mode reads of a request: the user's id, kind and factor types. Values it does
/// not know are passed over; a document that is not JSON yields nothing (`Err`).
#[derive(Debug, Default)]
struct Glimpse {
    user_id: Option<String>,
    kind: Option<UserKind>,
    factors: Vec<FactorType>,
    roles: Vec<String>,
    capabilities: Vec<String>,
}

impl Glimpse {
    fn read(json: &str) -> Res<Glimpse> {
        let mut g = Glimpse::default();
        let mut r = Reader::new(json);
        r.begin_object("an object")?;
        while let Some(key) = r.next_key()? {
            match &*key {
                "user" if r.peek() == Some(b'{') => g.read_user(&mut r)?,
                _ => r.skip()?,
            }
        }
        r.finish()?;
        Ok(g)
    }

    fn read_user(&mut self, r: &mut Reader<'_>) -> Res<()> {
        r.begin_object("an object")?;
        while let Some(key) = r.next_key()? {
            match (&*key, r.peek()) {
                ("id", Some(b'"')) => self.user_id = Some(r.string("a string")?.into_owned()),
                ("kind", Some(b'"')) => self.kind = read_named(r).ok(),
                ("factors", Some(b'[')) => self.read_factors(r)?,
                ("roles", Some(b'[')) => read_strings(r, &mut self.roles)?,
                ("capabilities", Some(b'[')) => read_strings(r, &mut self.capabilities)?,
                _ => r.skip()?,
            }
        }
        Ok(())
    }

    fn read_factors(&mut self, r: &mut Reader<'_>) -> Res<()> {
        r.begin_array("a list")?;
        while r.next_item()? {
            if r.peek() != Some(b'{') || self.factors.len() >= crate::limits::MAX_FACTORS {
                r.skip()?;
                continue;
            }
            r.begin_object("an object")?;
            while let Some(key) = r.next_key()? {
                match (&*key, r.peek()) {
                    ("type", Some(b'"')) => self.factors.extend(read_named::<FactorType>(r).ok()),
                    _ => r.skip()?,
                }
            }
        }
        Ok(())
    }
}
