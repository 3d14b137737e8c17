//! Alerts as OCSF 1.8 events a SIEM takes as they are: Account Change (3001) for factor changes,
//! Detection Finding (2004) for risky decisions and for a privileged action's chain. Each carries
//! the user, the actor, the source endpoint, the reason codes and the policy digest.

use crate::context::Context;
use crate::decision::{Decision, Outcome, PolicyRef, ReasonCode};
use crate::enums::{ActorKind, Level, UserKind};
use crate::factors::FactorType;
use crate::json::Writer;
use crate::json::{hex_digit, Encode, RawJson, Text};
use crate::request::{Action, Change, ChangeAction, Ip, Phase};
use crate::signals::chain::{self, Link, LinkKind};
use sha2::{Digest, Sha256};

/// What a Detection Finding is about.
#[derive(Clone, Copy)]
enum What<'a> {
    Login,
    Change(&'a Change),
    Action(&'a Action, &'a [Link]),
}

impl<'a> What<'a> {
    fn change(self) -> Option<&'a Change> {
        match self {
            What::Change(c) => Some(c),
            _ => None,
        }
    }
}

const OCSF_VERSION: &str = "1.8.0";

/// Alerts for a login decision: a Detection Finding when risk reaches the policy's level, on
/// every deny, on every break-glass use and on tampered state.
pub(crate) fn for_login(ctx: &Context, d: &Decision) -> Vec<RawJson> {
    let p = &ctx.policy.policy;
    let raise = d.risk.level >= p.alerts.detection_at
        || d.outcome == Outcome::Deny
        || ctx.kind == UserKind::BreakGlass
        || has(d, ReasonCode::StateTampered);
    if raise {
        vec![detection(ctx, d, What::Login)]
    } else {
        vec![]
    }
}

/// Alerts for a privileged action: a Detection Finding naming every link of its chain and the
/// action itself (`finding_info.related_events`, with their ATT&CK techniques) whenever there is
/// a chain, and as for a login (risk from `alerts.detectionAt`, deny, break-glass, tampered
/// state) or when held, approved or refused a grant.
pub(crate) fn for_action(ctx: &Context, action: &Action, d: &Decision) -> Vec<RawJson> {
    let links = chain::links(ctx);
    let raise = !links.is_empty()
        || d.risk.level >= ctx.policy.policy.alerts.detection_at
        || matches!(d.outcome, Outcome::Approval | Outcome::Deny)
        || ctx.kind == UserKind::BreakGlass
        || d.memo.approver.is_some()
        || [
            ReasonCode::StateTampered,
            ReasonCode::ApprovalInvalid,
            ReasonCode::ApprovalReused,
        ]
        .into_iter()
        .any(|c| has(d, c));
    if raise {
        vec![detection(ctx, d, What::Action(action, &links))]
    } else {
        vec![]
    }
}

/// Alerts for a factor change: an Account Change event for every change on a privileged account
/// (whatever the outcome), every change reported after the fact, and every change that is risky
/// or not allowed; a Detection Finding when risk reaches the policy's level, on deny and on
/// tampered state.
pub(crate) fn for_change(ctx: &Context, change: &Change, d: &Decision) -> Vec<RawJson> {
    let p = &ctx.policy.policy;
    let mut out = Vec::new();
    let account_change = ctx.is_privileged()
        || change.phase == Phase::After
        || d.risk.level >= p.alerts.account_change_at
        || matches!(d.outcome, Outcome::Approval | Outcome::Deny)
        || d.memo.approver.is_some();
    if account_change {
        for activity in activities(ctx, change) {
            out.push(account_change_event(ctx, change, d, &activity));
        }
    }
    if d.risk.level >= p.alerts.detection_at
        || d.outcome == Outcome::Deny
        || has(d, ReasonCode::StateTampered)
        || has(d, ReasonCode::ApprovalInvalid)
        || has(d, ReasonCode::ApprovalReused)
    {
        out.push(detection(ctx, d, What::Change(change)));
    }
    out
}

fn has(d: &Decision, code: ReasonCode) -> bool {
    d.reasons.iter().any(|r| r.code == code)
}

/// One OCSF activity of a change: 10 MFA Factor Enable, 11 MFA Factor Disable, 99 Other.
struct Activity {
    id: u32,
    name: &'static str,
    factors: Vec<FactorType>,
}

fn activities(ctx: &Context, change: &Change) -> Vec<Activity> {
    let new = change.factor.as_ref().map(|f| f.kind);
    let old = change.replaces.as_ref().map(|f| f.kind);
    let enable = |factors: Vec<FactorType>| Activity {
        id: 10,
        name: "MFA Factor Enable",
        factors,
    };
    let disable = |factors: Vec<FactorType>| Activity {
        id: 11,
        name: "MFA Factor Disable",
        factors,
    };
    match change.action {
        ChangeAction::Enroll => vec![enable(new.into_iter().collect())],
        ChangeAction::PhoneChange => vec![enable(vec![new.unwrap_or(FactorType::Sms)])],
        ChangeAction::Remove => vec![disable(new.into_iter().collect())],
        ChangeAction::Replace => vec![
            enable(new.into_iter().collect()),
            disable(old.into_iter().collect()),
        ],
        ChangeAction::ResetAll => vec![disable(
            ctx.req.user.factors.iter().map(|f| f.kind).collect(),
        )],
        ChangeAction::RecoveryChange => vec![Activity {
            id: 99,
            name: "Recovery Method Change",
            factors: vec![],
        }],
        ChangeAction::Recover => match new {
            Some(f) => vec![enable(vec![f])],
            None => vec![Activity {
                id: 99,
                name: "Account Recovery",
                factors: vec![],
            }],
        },
    }
}

/// The OCSF class an event belongs to.
struct Class {
    uid: u32,
    name: &'static str,
    category_uid: u32,
    category_name: &'static str,
}

const ACCOUNT_CHANGE: Class = Class {
    uid: 3001,
    name: "Account Change",
    category_uid: 3,
    category_name: "Identity & Access Management",
};

const DETECTION_FINDING: Class = Class {
    uid: 2004,
    name: "Detection Finding",
    category_uid: 2,
    category_name: "Findings",
};

fn account_change_event(ctx: &Context, change: &Change, d: &Decision, a: &Activity) -> RawJson {
    let (status_id, status) = match (change.phase, d.outcome) {
        (Phase::After, _) | (Phase::Before, Outcome::Allow) => (1, "Success"),
        (Phase::Before, Outcome::Deny) => (2, "Failure"),
        (Phase::Before, _) => (99, "Pending"),
    };
    let mut w = Writer::new();
    let type_uid = ACCOUNT_CHANGE.uid * 100 + a.id;
    base(&mut w, ctx, d, &ACCOUNT_CHANGE, a.id, a.name, &uid(ctx, d, type_uid));
    w.key("user");
    user(&mut w, ctx);
    w.key("actor");
    actor(&mut w, ctx, Some(change));
    w.key("auth_factors").begin_array();
    for f in &a.factors {
        auth_factor(&mut w, *f);
    }
    w.end_array();
    w.key("status_id").uint(status_id);
    w.key("status").string(status);
    w.key("status_detail")
        .string(&format!("factorgate outcome: {}", d.outcome.as_str()));
    policies(&mut w, d);
    src_endpoint(&mut w, &Source::of(ctx));
    w.end_object();
    RawJson(w.finish())
}

fn detection(ctx: &Context, d: &Decision, what: What) -> RawJson {
    let mut w = Writer::new();
    // One id for the event and its finding (`metadata.uid`, `finding_info.uid`).
    let event_uid = uid(ctx, d, DETECTION_FINDING.uid * 100 + 1);
    base(&mut w, ctx, d, &DETECTION_FINDING, 1, "Create", &event_uid);
    let level = capitalise(d.risk.level.as_str());
    w.key("status_id").uint(1);
    w.key("status").string("New");
    w.key("is_alert").boolean(true);
    w.key("risk_score").uint(d.risk.score.into());
    w.key("risk_level_id").uint(risk_level_id(d.risk.level));
    w.key("risk_level").string(&level);
    w.key("finding_info");
    finding_info(&mut w, ctx, d, what, &level, &event_uid);
    w.key("evidences").begin_array();
    w.begin_object();
    w.key("user");
    user(&mut w, ctx);
    w.key("actor");
    actor(&mut w, ctx, what.change());
    src_endpoint(&mut w, &Source::of(ctx));
    w.end_object();
    w.end_array();
    w.end_object();
    RawJson(w.finish())
}

/// An ATT&CK technique and its tactic, each as (id, name).
type Attack = ((&'static str, &'static str), (&'static str, &'static str));

const MFA_MODIFICATION: Attack = (
    ("T1556.006", "Multi-Factor Authentication"),
    ("TA0003", "Persistence"),
);
const VALID_ACCOUNTS: Attack = (("T1078", "Valid Accounts"), ("TA0001", "Initial Access"));

fn finding_info(
    w: &mut Writer,
    ctx: &Context,
    d: &Decision,
    what: What,
    level: &str,
    finding_uid: &str,
) {
    let subject = match what {
        What::Login => "sign-in".to_string(),
        What::Change(c) => format!("factor change ({})", c.action.as_str()),
        What::Action(a, _) => format!("action ({})", a.kind.as_str()),
    };
    let desc: Vec<&str> = d.reasons.iter().map(|r| r.detail.as_str()).collect();
    let own = match what {
        What::Login => VALID_ACCOUNTS,
        What::Change(_) => MFA_MODIFICATION,
        What::Action(a, _) => a.kind.attack(),
    };
    w.begin_object();
    w.key("uid").string(finding_uid);
    w.key("title").string(&format!(
        "{level} risk {subject} for {}: {}",
        ctx.req.user.id.as_str(),
        d.outcome.as_str()
    ));
    w.key("desc").string(&crate::error::join(&desc, " "));
    finding_type(w, &format!("factorgate/{}", d.entry.as_str()), &d.policy);
    let links = match what {
        What::Action(_, links) => links,
        _ => &[],
    };
    w.key("attacks").begin_array();
    for l in links {
        attack(w, link_attack(l));
    }
    attack(w, own);
    w.end_array();
    if let What::Action(a, _) = what {
        // Both links of the chain, each with its technique: what came before, and the action.
        w.key("related_events").begin_array();
        for l in links {
            let (kind, title) = match l.kind {
                LinkKind::Change(c) => (CHANGE_TYPE, c.action.as_str()),
                LinkKind::Recovery => (CHANGE_TYPE, "recover"),
                LinkKind::RiskySignin(_) => ("factorgate/login", "risky sign-in"),
            };
            let at = l.at.0.saturating_mul(1000);
            related(
                w,
                &uid_of(ctx, l.at.0, title, d),
                kind,
                title,
                at,
                link_attack(l),
            );
        }
        let at = ctx.now.0.saturating_mul(1000);
        related(
            w,
            finding_uid,
            "factorgate/action",
            a.kind.as_str(),
            at,
            own,
        );
        w.end_array();
    }
    w.end_object();
}

/// The technique a link of the chain stands for.
fn link_attack(l: &Link) -> Attack {
    match l.kind {
        LinkKind::RiskySignin(_) => VALID_ACCOUNTS,
        _ => MFA_MODIFICATION,
    }
}

/// One `attacks` item.
fn attack(w: &mut Writer, ((technique_uid, technique), (tactic_uid, tactic)): Attack) {
    w.begin_object();
    named_object(w, "technique", technique_uid, technique);
    named_object(w, "tactic", tactic_uid, tactic);
    w.end_object();
}

const CHANGE_TYPE: &str = "factorgate/factorChange";

/// One `related_events` item: a link of the chain, as `factorgate/<entry>` with its time.
fn related(w: &mut Writer, uid: &str, kind: &str, title: &str, at_ms: i64, a: Attack) {
    w.begin_object();
    w.key("uid").string(uid);
    w.key("type").string(kind);
    w.key("title").string(title);
    w.key("first_seen_time").int(at_ms);
    w.key("attacks").begin_array();
    attack(w, a);
    w.end_array();
    w.end_object();
}

/// A finding's `types` (one) and its `analytic`: the policy (a rule set), by digest, with its id
/// and version. OCSF 1.8.0 declares `policies` on Account Change only: this is where a Detection
/// Finding names the policy that decided.
pub(crate) fn finding_type(w: &mut Writer, kind: &str, policy: &PolicyRef) {
    w.key("types").begin_array();
    w.string(kind);
    w.end_array();
    w.key("analytic").begin_object();
    w.key("name")
        .string(&format!("factorgate policy {}", policy.id));
    w.key("type_id").uint(1);
    w.key("type").string("Rule");
    w.key("uid").string(&policy.digest);
    w.key("version").string(&policy.version.to_string());
    w.end_object();
}

/// `"key": {"uid": uid, "name": name}`.
fn named_object(w: &mut Writer, key: &str, uid: &str, name: &str) {
    w.key(key).begin_object();
    w.key("uid").string(uid);
    w.key("name").string(name);
    w.end_object();
}

/// Opens an event and writes the members every event has; the caller adds its own and closes it.
fn base(
    w: &mut Writer,
    ctx: &Context,
    d: &Decision,
    class: &Class,
    activity_id: u32,
    activity: &str,
    event_uid: &str,
) {
    let (severity_id, severity) = severity(d.risk.level, ctx.is_privileged());
    let type_uid = class.uid * 100 + activity_id;
    w.begin_object();
    w.key("class_uid").uint(class.uid.into());
    w.key("class_name").string(class.name);
    w.key("category_uid").uint(class.category_uid.into());
    w.key("category_name").string(class.category_name);
    w.key("activity_id").uint(activity_id.into());
    w.key("activity_name").string(activity);
    w.key("type_uid").uint(type_uid.into());
    w.key("type_name")
        .string(&format!("{}: {activity}", class.name));
    w.key("time").int(ctx.now.0.saturating_mul(1000));
    w.key("severity_id").uint(severity_id);
    w.key("severity").string(severity);
    let approved = match &d.memo.approver {
        Some((kind, id)) => format!(", approved by {kind} {id}"),
        None => String::new(),
    };
    w.key("message").string(&format!(
        "{} for {}{approved}",
        d.outcome.as_str(),
        ctx.req.user.id.as_str()
    ));
    metadata(w, Some(event_uid));
    w.key("unmapped").begin_object();
    w.key("factorgate").begin_object();
    d.entry.encode_field(w, "entry");
    d.outcome.encode_field(w, "outcome");
    d.risk.encode_field(w, "risk");
    w.key("reasons").begin_array();
    for r in &d.reasons {
        r.code.encode(w);
    }
    w.end_array();
    ctx.sensitive_capabilities
        .encode_field(w, "capabilities_at_stake");
    ctx.privileged_roles.encode_field(w, "privileged_roles");
    d.policy.encode_field(w, "policy");
    if let Some((kind, id)) = &d.memo.approver {
        w.key("approver").begin_object();
        w.key("kind").string(kind);
        w.key("id").string(id);
        w.end_object();
    }
    Source::of(ctx).unmapped(w);
    w.end_object();
    w.end_object();
}

/// The `metadata` member of every event (`uid` when the event has one).
pub(crate) fn metadata(w: &mut Writer, uid: Option<&str>) {
    w.key("metadata").begin_object();
    w.key("version").string(OCSF_VERSION);
    if let Some(uid) = uid {
        w.key("uid").string(uid);
    }
    w.key("product").begin_object();
    w.key("name").string("factorgate");
    w.key("vendor_name").string("factorgate");
    w.key("version").string(env!("CARGO_PKG_VERSION"));
    w.end_object();
    w.end_object();
}

fn user(w: &mut Writer, ctx: &Context) {
    let (type_id, kind) = match ctx.kind {
        UserKind::Service => (3, "System"),
        _ if ctx.is_privileged() => (2, "Admin"),
        _ => (1, "User"),
    };
    w.begin_object();
    w.key("uid").string(ctx.req.user.id.as_str());
    w.key("type_id").uint(type_id);
    w.key("type").string(kind);
    w.key("groups").begin_array();
    for role in ctx.req.user.roles.iter() {
        w.begin_object();
        w.key("name").string(role.as_str());
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

fn actor(w: &mut Writer, ctx: &Context, change: Option<&Change>) {
    w.begin_object();
    w.key("user").begin_object();
    match change.map(|c| &c.actor) {
        Some(a) if a.kind != ActorKind::SelfService => {
            let id = a.id.as_ref().map(|i| i.as_str()).unwrap_or("unknown");
            w.key("uid").string(id);
            w.key("type").string(a.kind.as_str());
            w.end_object();
            if let Some(t) = a.ticket.as_ref() {
                w.key("authorizations").begin_array();
                w.begin_object();
                w.key("decision").string("ticket");
                w.key("policy").begin_object();
                w.key("uid").string(t.as_str());
                w.end_object();
                w.end_object();
                w.end_array();
            }
        }
        _ => {
            w.key("uid").string(ctx.req.user.id.as_str());
            w.key("type").string("self");
            w.end_object();
        }
    }
    w.end_object();
}

/// What the session tells of the source.
struct Source<'a> {
    ip: Option<&'a Ip>,
    device: Option<&'a Text>,
    country: Option<&'a Text>,
    position: Option<(f64, f64)>,
    asn: Option<u32>,
}

impl<'a> Source<'a> {
    fn of(ctx: &'a Context) -> Self {
        let s = &ctx.req.session;
        let geo = s.geo.as_ref();
        Source {
            ip: s.ip.as_ref(),
            device: s.device.as_ref().and_then(|d| d.id.as_ref()),
            country: geo.and_then(|g| g.country.as_ref()),
            position: geo.and_then(|g| g.lat.zip(g.lon)),
            asn: geo.and_then(|g| g.asn),
        }
    }

    /// An OCSF `network_endpoint` needs at least one identifier: the address or the device id.
    fn has_endpoint(&self) -> bool {
        self.ip.is_some() || self.device.is_some()
    }

    /// An OCSF `location` needs at least one of city, country, postal code or region: the
    /// country is the one a session gives.
    fn has_location(&self) -> bool {
        self.has_endpoint() && self.country.is_some()
    }

    /// `"source": {...}` in `unmapped.factorgate` with what `src_endpoint` cannot carry (a place or
    /// AS number without an address or device; coordinates without a country); nothing when
    /// `src_endpoint` carries it all.
    fn unmapped(&self, w: &mut Writer) {
        let country = self.country.filter(|_| !self.has_location());
        let position = self.position.filter(|_| !self.has_location());
        let asn = self.asn.filter(|_| !self.has_endpoint());
        if country.is_none() && position.is_none() && asn.is_none() {
            return;
        }
        w.key("source").begin_object();
        country.encode_field(w, "country");
        if let Some((lat, lon)) = position {
            w.key("lat").float(lat);
            w.key("long").float(lon);
        }
        if let Some(asn) = asn {
            w.key("asn").uint(asn.into());
        }
        w.end_object();
    }
}

/// `"src_endpoint": {...}` with what the session tells of the source, when OCSF can take it: the
/// address and device id (one is needed), the country with the coordinates as `location`, the AS
/// number. Nothing without an address or device id (`unmapped.factorgate.source` then has the
/// rest).
fn src_endpoint(w: &mut Writer, s: &Source) {
    if !s.has_endpoint() {
        return;
    }
    w.key("src_endpoint").begin_object();
    if let Some(ip) = s.ip {
        ip.encode_field(w, "ip");
    }
    if s.has_location() {
        w.key("location").begin_object();
        s.country.encode_field(w, "country");
        if let Some((lat, lon)) = s.position {
            w.key("lat").float(lat);
            w.key("long").float(lon);
        }
        w.end_object();
    }
    if let Some(asn) = s.asn {
        w.key("autonomous_system").begin_object();
        w.key("number").uint(asn.into());
        w.end_object();
    }
    s.device.encode_field(w, "uid");
    w.end_object();
}

fn policies(w: &mut Writer, d: &Decision) {
    w.key("policies").begin_array();
    w.begin_object();
    w.key("uid").string(&d.policy.id);
    w.key("name").string(&d.policy.id);
    w.key("version").string(&d.policy.version.to_string());
    w.key("data").begin_object();
    w.key("digest").string(&d.policy.digest);
    w.end_object();
    w.end_object();
    w.end_array();
}

/// OCSF auth_factor object for a factor type.
pub(crate) fn auth_factor(w: &mut Writer, f: FactorType) {
    let (id, name) = match f {
        FactorType::Sms => (1, "SMS"),
        FactorType::Voice => (3, "Phone Call"),
        FactorType::Push => (5, "Push Notification"),
        FactorType::Piv => (6, "Hardware Token"),
        FactorType::Totp | FactorType::Hotp => (7, "OTP"),
        FactorType::Email => (8, "Email"),
        FactorType::WebauthnRoaming | FactorType::WebauthnPlatform | FactorType::PasskeySynced => {
            (10, "WebAuthn")
        }
        FactorType::Password => (11, "Password"),
        FactorType::RecoveryCode => (99, "Other"),
    };
    w.begin_object();
    w.key("factor_type_id").uint(id);
    w.key("factor_type").string(name);
    w.key("provider").string(f.as_str());
    match f {
        FactorType::Totp => w.key("is_totp").boolean(true),
        FactorType::Hotp => w.key("is_hotp").boolean(true),
        _ => {}
    }
    w.end_object();
}

fn severity(level: Level, privileged: bool) -> (u64, &'static str) {
    match level {
        Level::Low if privileged => (2, "Low"),
        Level::Low => (1, "Informational"),
        Level::Medium => (3, "Medium"),
        Level::High => (4, "High"),
        Level::Critical => (5, "Critical"),
    }
}

fn risk_level_id(level: Level) -> u64 {
    match level {
        Level::Low => 1,
        Level::Medium => 2,
        Level::High => 3,
        Level::Critical => 4,
    }
}

/// The contract's ASCII names with a capital first letter (no Unicode case tables).
fn capitalise(s: &str) -> String {
    let mut out = s.to_string();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// Deterministic event id (no randomness in the decision path): the same decision gives the same
/// id, so a SIEM can deduplicate a retried hook.
fn uid(ctx: &Context, d: &Decision, type_uid: u32) -> String {
    let type_uid = type_uid.to_be_bytes();
    uid_over(ctx, ctx.now.0, &type_uid, d.outcome.as_str(), d)
}

/// A link's id: the same for the same link (user, time, what) under the same policy, in every
/// finding that names it.
fn uid_of(ctx: &Context, at: i64, what: &str, d: &Decision) -> String {
    uid_over(ctx, at, b"link", what, d)
}

fn uid_over(ctx: &Context, at: i64, kind: &[u8], what: &str, d: &Decision) -> String {
    let mut h = Sha256::new();
    h.update(ctx.req.user.id.as_str().as_bytes());
    h.update(at.to_be_bytes());
    h.update(kind);
    h.update(d.policy.digest.as_bytes());
    h.update(what.as_bytes());
    let mut out = String::with_capacity(32);
    for b in h.finalize().iter().take(16) {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 15));
    }
    out
}
