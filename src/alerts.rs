//! Alerts as OCSF 1.8 events a SIEM takes as they are: Account Change (3001) for factor changes,
//! Detection Finding (2004) for risky decisions and for a privileged action's chain. Each carries
//! the user, the actor, the source endpoint, the reason codes and the policy digest.
//!
//! A risky decision pays for its alert, so members that are the same in every event of a kind
//! (the class and activity, the status, the product, the user's and actor's type, each ATT&CK
//! item) are JSON text prepared at compile time and written in one copy, and texts and numbers
//! are put together without `core::fmt`. `tests/alerts/` pins the text byte for byte.

use crate::context::Context;
use crate::decision::{Decision, Outcome, PolicyRef, ReasonCode};
use crate::enums::{ActorKind, Level, UserKind};
use crate::factors::FactorType;
use crate::json::Writer;
use crate::json::{hex_digit, Decimal, Encode, RawJson, Text};
use crate::request::{Action, Change, ChangeAction, Factor, Ip, Phase};
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
        let (first, second) = activities(ctx, change);
        for activity in std::iter::once(first).chain(second) {
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
struct Activity<'a> {
    head: Head,
    factors: Factors<'a>,
}

/// The factors an activity names: the change's own (none or one), or all of the user's.
enum Factors<'a> {
    Own(Option<FactorType>),
    All(&'a [Factor]),
}

/// The activities of a change: one, or two for a `replace` (the new factor enabled, the old
/// one disabled).
fn activities<'a>(ctx: &'a Context, change: &Change) -> (Activity<'a>, Option<Activity<'a>>) {
    let new = change.factor.as_ref().map(|f| f.kind);
    let old = change.replaces.as_ref().map(|f| f.kind);
    let activity = |head, factors| Activity { head, factors };
    let own = |head, factor| activity(head, Factors::Own(factor));
    let first = match change.action {
        ChangeAction::Enroll | ChangeAction::Replace => own(FACTOR_ENABLE, new),
        ChangeAction::PhoneChange => own(FACTOR_ENABLE, Some(new.unwrap_or(FactorType::Sms))),
        ChangeAction::Remove => own(FACTOR_DISABLE, new),
        ChangeAction::ResetAll => activity(FACTOR_DISABLE, Factors::All(&ctx.req.user.factors)),
        ChangeAction::RecoveryChange => own(RECOVERY_METHOD_CHANGE, None),
        ChangeAction::Recover if new.is_some() => own(FACTOR_ENABLE, new),
        ChangeAction::Recover => own(ACCOUNT_RECOVERY, None),
    };
    let second = (change.action == ChangeAction::Replace).then(|| own(FACTOR_DISABLE, old));
    (first, second)
}

/// An event's class and activity: its `type_uid` (which its id is hashed from) and its first
/// members as JSON text, the class's (`class_uid` to `category_name`, the same text in every
/// event of the class) and the activity's (`activity_id` to `type_name`).
#[derive(Clone, Copy)]
struct Head {
    type_uid: u32,
    class: &'static str,
    activity: &'static str,
}

/// A [`Head`] from the class, category and activity, each id with its name, and the `type_uid`
/// (class × 100 + activity, which a test holds).
macro_rules! head {
    ($class_uid:literal $class:literal, $category_uid:literal $category:literal,
     $activity_id:literal $activity:literal, $type_uid:literal) => {
        Head {
            type_uid: $type_uid,
            class: concat!(
                "\"class_uid\":",
                $class_uid,
                ",\"class_name\":\"",
                $class,
                "\",\"category_uid\":",
                $category_uid,
                ",\"category_name\":\"",
                $category,
                "\"",
            ),
            activity: concat!(
                "\"activity_id\":",
                $activity_id,
                ",\"activity_name\":\"",
                $activity,
                "\",\"type_uid\":",
                $type_uid,
                ",\"type_name\":\"",
                $class,
                ": ",
                $activity,
                "\"",
            ),
        }
    };
}

const DETECTION: Head = head!(2004 "Detection Finding", 2 "Findings", 1 "Create", 200401);
const FACTOR_ENABLE: Head = head!(
    3001 "Account Change", 3 "Identity & Access Management", 10 "MFA Factor Enable", 300110
);
const FACTOR_DISABLE: Head = head!(
    3001 "Account Change", 3 "Identity & Access Management", 11 "MFA Factor Disable", 300111
);
const RECOVERY_METHOD_CHANGE: Head = head!(
    3001 "Account Change", 3 "Identity & Access Management", 99 "Recovery Method Change", 300199
);
const ACCOUNT_RECOVERY: Head = head!(
    3001 "Account Change", 3 "Identity & Access Management", 99 "Account Recovery", 300199
);

/// The reasons' sentences, one after the other (a finding's `desc`), in a string of their length.
fn sentences(d: &Decision) -> String {
    let mut len = 0;
    for r in &d.reasons {
        len += r.detail.len() + 1;
    }
    let mut out = String::with_capacity(len);
    for (i, r) in d.reasons.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&r.detail);
    }
    out
}

/// `parts` put together, in a string of their length (no `core::fmt`).
fn concat(parts: &[&str]) -> String {
    let mut len = 0;
    for part in parts {
        len += part.len();
    }
    let mut out = String::with_capacity(len);
    for part in parts {
        out.push_str(part);
    }
    out
}

fn account_change_event(ctx: &Context, change: &Change, d: &Decision, a: &Activity) -> RawJson {
    let status = match (change.phase, d.outcome) {
        (Phase::After, _) | (Phase::Before, Outcome::Allow) => {
            r#""status_id":1,"status":"Success""#
        }
        (Phase::Before, Outcome::Deny) => r#""status_id":2,"status":"Failure""#,
        (Phase::Before, _) => r#""status_id":99,"status":"Pending""#,
    };
    let mut w = Writer::new();
    base(&mut w, ctx, d, a.head);
    w.key("user");
    user(&mut w, ctx);
    w.key("actor");
    actor(&mut w, ctx, Some(change));
    w.key("auth_factors").begin_array();
    match a.factors {
        Factors::Own(factor) => factor.into_iter().for_each(|f| auth_factor(&mut w, f)),
        Factors::All(factors) => factors.iter().for_each(|f| auth_factor(&mut w, f.kind)),
    }
    w.end_array();
    w.raw(status);
    w.key("status_detail")
        .string(&concat(&["factorgate outcome: ", d.outcome.as_str()]));
    policies(&mut w, d);
    src_endpoint(&mut w, &Source::of(ctx));
    w.end_object();
    RawJson(w.finish())
}

fn detection(ctx: &Context, d: &Decision, what: What) -> RawJson {
    let mut w = Writer::new();
    // One id for the event and its finding (`metadata.uid`, `finding_info.uid`).
    let event_uid = base(&mut w, ctx, d, DETECTION);
    let (level_id, level) = risk_level(d.risk.level);
    w.raw(r#""status_id":1,"status":"New","is_alert":true"#);
    w.key("risk_score");
    w.uint(d.risk.score.into());
    w.key("risk_level_id");
    w.uint(level_id);
    w.key("risk_level").string(level);
    w.key("finding_info");
    finding_info(&mut w, ctx, d, what, level, &event_uid);
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
        What::Login => ["sign-in", "", ""],
        What::Change(c) => ["factor change (", c.action.as_str(), ")"],
        What::Action(a, _) => ["action (", a.kind.as_str(), ")"],
    };
    let own = match what {
        What::Login => VALID_ACCOUNTS,
        What::Change(_) => MFA_MODIFICATION,
        What::Action(a, _) => a.kind.attack(),
    };
    w.begin_object();
    w.key("uid").string(finding_uid);
    let [subject, of, close] = subject;
    w.key("title").string(&concat(&[
        level,
        " risk ",
        subject,
        of,
        close,
        " for ",
        ctx.req.user.id.as_str(),
        ": ",
        d.outcome.as_str(),
    ]));
    w.key("desc").string(&sentences(d));
    finding_type(w, &concat(&["factorgate/", d.entry.as_str()]), &d.policy);
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

/// One `attacks` item, `{"technique": {"uid", "name"}, "tactic": {"uid", "name"}}`, in one
/// copy: its texts are this module's and `ActionType::attack`'s constants, with nothing to escape
/// (a test holds them to the writer's escaping).
fn attack(w: &mut Writer, ((technique_uid, technique), (tactic_uid, tactic)): Attack) {
    w.raw(&concat(&[
        r#"{"technique":{"uid":""#,
        technique_uid,
        r#"","name":""#,
        technique,
        r#""},"tactic":{"uid":""#,
        tactic_uid,
        r#"","name":""#,
        tactic,
        r#""}}"#,
    ]));
}

const CHANGE_TYPE: &str = "factorgate/factorChange";

/// One `related_events` item: a link of the chain, as `factorgate/<entry>` with its time.
fn related(w: &mut Writer, uid: &str, kind: &str, title: &str, at_ms: i64, a: Attack) {
    w.begin_object();
    w.key("uid").string(uid);
    w.key("type").string(kind);
    w.key("title").string(title);
    w.key("first_seen_time");
    w.int(at_ms);
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
        .string(&concat(&["factorgate policy ", &policy.id]));
    w.raw(r#""type_id":1,"type":"Rule""#);
    w.key("uid").string(&policy.digest);
    w.key("version")
        .string(Decimal::new(policy.version).as_str());
    w.end_object();
}

/// Opens an event and writes the members every event has; the caller adds its own and closes it.
/// Returns the event's id (`metadata.uid`).
fn base(w: &mut Writer, ctx: &Context, d: &Decision, head: Head) -> String {
    let event_uid = uid(ctx, d, head.type_uid);
    w.begin_object();
    w.raw(head.class);
    w.raw(head.activity);
    w.key("time");
    w.int(ctx.now.0.saturating_mul(1000));
    let (severity_id, severity) = severity(d.risk.level, ctx.is_privileged());
    w.key("severity_id");
    w.uint(severity_id);
    w.key("severity").string(severity);
    let (outcome, user) = (d.outcome.as_str(), ctx.req.user.id.as_str());
    let message = match &d.memo.approver {
        Some((kind, id)) => concat(&[outcome, " for ", user, ", approved by ", kind, " ", id]),
        None => concat(&[outcome, " for ", user]),
    };
    w.key("message").string(&message);
    metadata(w, Some(&event_uid));
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
    event_uid
}

/// The `metadata` member of every event (`uid` when the event has one): the OCSF version, the
/// id, the product.
pub(crate) fn metadata(w: &mut Writer, uid: Option<&str>) {
    // Opens `metadata` with its first member, so that the writer places the commas after it.
    w.raw(r#""metadata":{"version":"1.8.0""#);
    if let Some(uid) = uid {
        w.key("uid").string(uid);
    }
    w.raw(concat!(
        r#""product":{"name":"factorgate","vendor_name":"factorgate","version":""#,
        env!("CARGO_PKG_VERSION"),
        r#""}"#
    ));
    w.end_object();
}

fn user(w: &mut Writer, ctx: &Context) {
    let kind = match ctx.kind {
        UserKind::Service => r#""type_id":3,"type":"System""#,
        _ if ctx.is_privileged() => r#""type_id":2,"type":"Admin""#,
        _ => r#""type_id":1,"type":"User""#,
    };
    w.begin_object();
    w.key("uid").string(ctx.req.user.id.as_str());
    w.raw(kind);
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
            w.raw(r#""type":"self""#);
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
            w.key("asn");
            w.uint(asn.into());
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
        w.key("number");
        w.uint(asn.into());
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
    w.key("version")
        .string(Decimal::new(d.policy.version).as_str());
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
    w.key("factor_type_id");
    w.uint(id);
    w.key("factor_type").string(name);
    w.key("provider").string(f.as_str());
    match f {
        FactorType::Totp => w.raw(r#""is_totp":true"#),
        FactorType::Hotp => w.raw(r#""is_hotp":true"#),
        _ => {}
    }
    w.end_object();
}

/// `severity_id` and `severity`: the risk level's, one step up from Informational for a
/// privileged account.
fn severity(level: Level, privileged: bool) -> (u64, &'static str) {
    match level {
        Level::Low if privileged => (2, "Low"),
        Level::Low => (1, "Informational"),
        Level::Medium => (3, "Medium"),
        Level::High => (4, "High"),
        Level::Critical => (5, "Critical"),
    }
}

/// `risk_level_id` and `risk_level`: the contract's name, capitalised.
fn risk_level(level: Level) -> (u64, &'static str) {
    match level {
        Level::Low => (1, "Low"),
        Level::Medium => (2, "Medium"),
        Level::High => (3, "High"),
        Level::Critical => (4, "Critical"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Named;
    use crate::request::ActionType;
    use serde_json::Value;

    /// Each head is the members it stands for: `type_uid` is class × 100 + activity, as the one
    /// the event's id is hashed from, and `type_name` is "class: activity".
    #[test]
    fn heads_are_their_class_and_activity() {
        let heads = [
            DETECTION,
            FACTOR_ENABLE,
            FACTOR_DISABLE,
            RECOVERY_METHOD_CHANGE,
            ACCOUNT_RECOVERY,
        ];
        for head in heads {
            let json = format!("{{{},{}}}", head.class, head.activity);
            let v: Value = serde_json::from_str(&json).unwrap();
            let uid = |k: &str| v[k].as_u64().unwrap();
            assert_eq!(uid("type_uid"), uid("class_uid") * 100 + uid("activity_id"));
            assert_eq!(uid("type_uid"), u64::from(head.type_uid));
            let name = |k: &str| v[k].as_str().unwrap();
            let type_name = format!("{}: {}", name("class_name"), name("activity_name"));
            assert_eq!(name("type_name"), type_name);
        }
    }

    /// An `attacks` item written in one copy is what the writer writes member by member, for
    /// every action's technique and the two of logins and changes.
    #[test]
    fn attacks_are_written_as_the_writer_would() {
        let all = ActionType::VALUES.iter().map(|a| a.attack());
        for a @ ((technique_uid, technique), (tactic_uid, tactic)) in
            all.chain([VALID_ACCOUNTS, MFA_MODIFICATION])
        {
            let mut one_copy = Writer::new();
            attack(&mut one_copy, a);
            let mut members = Writer::new();
            members.begin_object();
            for (key, uid, name) in [
                ("technique", technique_uid, technique),
                ("tactic", tactic_uid, tactic),
            ] {
                members.key(key).begin_object();
                members.key("uid").string(uid);
                members.key("name").string(name);
                members.end_object();
            }
            members.end_object();
            assert_eq!(one_copy.finish(), members.finish());
        }
    }
}
