//! Phase 2 of replay: one partition, sorted by (user, time, origin), folded user by user through
//! the engine, with what a host keeps per user threaded from one event to the next: the engine's
//! signed `state` (one per policy, since two policies learn differently), the factors the log has
//! shown the user to hold, the last sign-in's methods (single sign-on and the factor-change
//! binding rule read them), the last password change, and recent denied pushes.
//!
//! Sign-in parts are assembled into one sign-in per session: the parts of one session id that
//! follow each other within [`SESSION_GAP_MS`] are one sign-in, decided when a record closes it
//! (Auth0 `s`/`f`, an Entra sign-in), when the next event belongs to another session, or at the
//! user's end (Okta). A factor change or password event first decides the sign-in before it.

use super::event::{day_of, rfc3339, Auth, Change, Ev, Host, Kind, Verif};
use super::report::{ChangeHit, DiffHit, FieldHit, Stats, UserHit};
use factorgate::{Decision, DiffClass, Direction, Engine, Entry, FieldChange, Outcome, PolicyRef};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Parts of one session further apart than this are two sign-ins.
pub const SESSION_GAP_MS: i64 = 30 * 60 * 1000;
/// The window denied pushes are counted in (the default policy's `pushFatigue.windowS`).
const PUSH_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The contract's cap on `user.factors`.
const MAX_FACTORS: usize = 32;

/// What the host directory knows of a user (`--users`): what logs do not carry.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// The IdP user id.
    pub id: String,
    #[serde(default)]
    /// Contract `UserKind` (`employee` when unknown).
    pub kind: Option<String>,
    #[serde(default)]
    /// Roles (privileged ones raise requirements).
    pub roles: Vec<String>,
    #[serde(default)]
    /// Sensitive capabilities.
    pub capabilities: Vec<String>,
    #[serde(default)]
    /// Account creation time (RFC 3339).
    pub created_at: Option<String>,
}

/// What every partition's fold shares.
pub struct FoldCx<'a> {
    /// The policy replayed.
    pub engine: &'a Engine,
    /// The policy in force (`--against`), decided beside it with its own memory.
    pub against: Option<&'a Engine>,
    /// The directory's users (`--users`).
    pub users: &'a HashMap<String, UserInfo>,
    /// Decisions before this time (epoch ms) build memory only (`--warmup`).
    pub count_from: i64,
    /// `--trace-user`: every request and decision of this user to stderr.
    pub trace: Option<&'a str>,
}

/// Sorts and folds one partition into statistics.
pub fn fold_partition(mut events: Vec<Ev>, cx: &FoldCx<'_>) -> Stats {
    events.sort_unstable_by(|a, b| {
        a.user
            .cmp(&b.user)
            .then(a.ts.cmp(&b.ts))
            .then(a.seq.cmp(&b.seq))
    });
    let mut folder = Folder::new(cx);
    for ev in &events {
        folder.push(ev);
    }
    folder.finish()
}

/// The fold as a stream: events pushed one by one, sorted by (user, time, `seq`), as
/// [`fold_partition`] sorts them or a `sortWithinPartitions(user, ts, seq)` delivers them; a
/// user's fold ends when the next event is another user's. Memory is one user's at a time plus
/// the statistics. Events out of that order are not an error: a user seen again later starts
/// over with no memory, as a different stream would.
pub struct Folder<'a> {
    cx: &'a FoldCx<'a>,
    user: Option<UserFold<'a>>,
    stats: Stats,
}

impl<'a> Folder<'a> {
    /// A fold with nothing pushed yet.
    pub fn new(cx: &'a FoldCx<'a>) -> Self {
        Folder {
            cx,
            user: None,
            stats: Stats::default(),
        }
    }

    /// Folds the next event.
    pub fn push(&mut self, ev: &Ev) {
        if self.user.as_ref().is_some_and(|u| u.id != ev.user) {
            if let Some(mut done) = self.user.take() {
                done.flush(self.cx, &mut self.stats);
            }
        }
        let cx = self.cx;
        let u = self.user.get_or_insert_with(|| UserFold::new(&ev.user, cx));
        u.step(ev, cx, &mut self.stats);
    }

    /// Ends the last user's fold; what was counted.
    pub fn finish(mut self) -> Stats {
        if let Some(mut done) = self.user.take() {
            done.flush(self.cx, &mut self.stats);
        }
        self.stats
    }
}

struct Pending {
    session: Option<String>,
    last_ts: i64,
    auth: Auth,
    /// Some part stated Okta's CHALLENGE (or a closing failure of MFA).
    challenged: bool,
    denied: bool,
    allowed: bool,
}

struct LastSession {
    session: Option<String>,
    methods: Vec<Verif>,
    ctx: super::event::Ctx,
    ts: i64,
}

struct UserFold<'a> {
    id: String,
    info: Option<&'a UserInfo>,
    kind: Option<String>,
    states: [Option<String>; 2],
    factors: Vec<(String, Option<String>)>,
    password_at: Option<i64>,
    last_login: Option<i64>,
    last: Option<LastSession>,
    pending: Option<Pending>,
    push_denials: Vec<i64>,
    newly_denied: bool,
}

impl<'a> UserFold<'a> {
    fn new(id: &str, cx: &FoldCx<'a>) -> Self {
        let info = cx.users.get(id);
        UserFold {
            id: id.to_owned(),
            info,
            kind: info.and_then(|i| i.kind.clone()),
            states: [None, None],
            factors: Vec::new(),
            password_at: None,
            last_login: None,
            last: None,
            pending: None,
            push_denials: Vec::new(),
            newly_denied: false,
        }
    }

    fn step(&mut self, ev: &Ev, cx: &FoldCx<'_>, stats: &mut Stats) {
        if let Some(p) = &self.pending {
            if p.session != ev.session || ev.ts - p.last_ts > SESSION_GAP_MS {
                self.flush(cx, stats);
            }
        }
        match &ev.kind {
            Kind::Auth(a) => {
                if self.kind.is_none() {
                    self.kind.clone_from(&a.kind);
                }
                let p = self.pending.get_or_insert_with(|| Pending {
                    session: ev.session.clone(),
                    last_ts: ev.ts,
                    auth: Auth::default(),
                    challenged: false,
                    denied: false,
                    allowed: false,
                });
                p.last_ts = ev.ts;
                p.auth.ctx.merge(&a.ctx);
                p.auth.verifs.extend(a.verifs.iter().cloned());
                p.auth.denied_pushes += a.denied_pushes;
                if p.auth.app.is_none() {
                    p.auth.app.clone_from(&a.app);
                }
                p.auth.sso |= a.sso;
                match a.host {
                    Some(Host::Deny) => p.denied = true,
                    Some(Host::MfaFailed) => p.challenged = true,
                    Some(Host::Allow | Host::Mfa) => p.allowed = true,
                    None => {}
                }
                if a.closes {
                    self.flush(cx, stats);
                }
            }
            Kind::Change(c) => {
                self.flush(cx, stats);
                self.change(ev, c, cx, stats);
            }
            Kind::PasswordReset => {
                self.flush(cx, stats);
                self.password_at = Some(ev.ts);
            }
        }
    }

    fn user_json(&self, now: i64) -> Value {
        let mut user = Map::new();
        user.insert("id".into(), json!(self.id));
        user.insert(
            "kind".into(),
            json!(self.kind.as_deref().unwrap_or("employee")),
        );
        if let Some(info) = self.info {
            if !info.roles.is_empty() {
                user.insert("roles".into(), json!(info.roles));
            }
            if !info.capabilities.is_empty() {
                user.insert("capabilities".into(), json!(info.capabilities));
            }
            if let Some(c) = &info.created_at {
                user.insert("createdAt".into(), json!(c));
            }
        }
        if let Some(t) = self.last_login.filter(|t| *t <= now) {
            user.insert("lastLoginAt".into(), json!(rfc3339(t, 0)));
        }
        if let Some(t) = self.password_at.filter(|t| *t <= now) {
            user.insert("passwordChangedAt".into(), json!(rfc3339(t, 0)));
        }
        let factors: Vec<Value> = self
            .factors
            .iter()
            .map(|(t, id)| match id {
                Some(id) => json!({"type": t, "id": id}),
                None => json!({"type": t}),
            })
            .collect();
        user.insert("factors".into(), Value::Array(factors));
        Value::Object(user)
    }

    fn learn_factor(&mut self, factor: &str, id: Option<&str>) {
        if factor == "password" || factor == "email" {
            return;
        }
        let known = self
            .factors
            .iter()
            .any(|(t, fid)| t == factor && (id.is_none() || fid.is_none() || fid.as_deref() == id));
        if !known && self.factors.len() < MAX_FACTORS {
            self.factors
                .push((factor.to_owned(), id.map(str::to_owned)));
        }
    }

    /// Decides the pending sign-in, if any.
    fn flush(&mut self, cx: &FoldCx<'_>, stats: &mut Stats) {
        let Some(p) = self.pending.take() else { return };
        let now = p.last_ts;
        let ok_second = p.auth.verifs.iter().any(|v| v.ok && v.factor != "password");
        let fresh_any = p.auth.verifs.iter().any(|v| v.ok);
        let host = if p.denied {
            Host::Deny
        } else if p.challenged && !ok_second {
            Host::MfaFailed
        } else if ok_second {
            Host::Mfa
        } else if p.allowed || fresh_any || p.auth.sso {
            Host::Allow
        } else {
            Host::MfaFailed // verifications failed, pushes denied, nothing let the user in
        };
        // methods: what this sign-in proved, on top of its session's earlier proof
        let mut methods: Vec<Verif> = Vec::new();
        if let Some(last) = &self.last {
            if (p.auth.sso && !fresh_any) || (p.session.is_some() && last.session == p.session) {
                methods.extend(last.methods.iter().cloned());
            }
        }
        for v in &p.auth.verifs {
            self.learn_factor(&v.factor, None);
            if v.ok {
                methods.retain(|m| m.factor != v.factor);
                methods.push(v.clone());
            }
        }
        methods.truncate(16);
        self.push_denials.retain(|t| now - *t <= PUSH_WINDOW_MS);
        for _ in 0..p.auth.denied_pushes.min(64) {
            self.push_denials.push(now);
        }
        let c = &p.auth.ctx;
        let mut session = session_json(c);
        session.insert(
            "methods".into(),
            Value::Array(
                methods
                    .iter()
                    .map(|m| json!({"type": m.factor, "at": rfc3339(m.at.min(now), 0)}))
                    .collect(),
            ),
        );
        if !self.push_denials.is_empty() {
            session.insert(
                "pushes".into(),
                json!({"denied": self.push_denials.len(), "windowS": PUSH_WINDOW_MS / 1000}),
            );
        }
        let mut req = Map::new();
        req.insert("now".into(), json!(rfc3339(now, 0)));
        req.insert("user".into(), self.user_json(now));
        req.insert("session".into(), Value::Object(session));
        if let Some(app) = &p.auth.app {
            req.insert("app".into(), json!({"id": app}));
        }
        let decisions = self.decide(Entry::Login, req, now, cx, stats);
        let app = p.auth.app.as_deref().unwrap_or("(none)");
        let kind = self.kind.as_deref().unwrap_or("employee").to_owned();
        let counted = now >= cx.count_from;
        if let Some((mut new, mut old)) = decisions.filter(|_| counted) {
            stats.login(&day_of(now), app, &kind, host, new.outcome);
            let newly = new.outcome == Outcome::Deny
                && match &old {
                    Some(o) => o.outcome != Outcome::Deny,
                    None => host.let_in(),
                };
            if newly && !self.newly_denied {
                self.newly_denied = true;
                stats.newly_denied_users += 1;
                stats.newly_denied.push(UserHit {
                    time: rfc3339(now, 0),
                    user: self.id.to_owned(),
                    kind: kind.clone(),
                    app: app.to_owned(),
                    host: host.as_str().to_owned(),
                    outcome: new.outcome.as_str().to_owned(),
                    was: old.as_ref().map(|o| o.outcome.as_str().to_owned()),
                    risk: new.risk.score,
                    reasons: top_reasons(&new),
                });
            }
            if let Some(old) = &mut old {
                self.diff(Entry::Login, now, app, &mut new, old, stats);
            }
        }
        if host.let_in() {
            self.last_login = Some(now);
            self.last = Some(LastSession {
                session: p.session,
                methods,
                ctx: p.auth.ctx,
                ts: now,
            });
        }
    }

    fn change(&mut self, ev: &Ev, c: &Change, cx: &FoldCx<'_>, stats: &mut Stats) {
        let now = ev.ts;
        if matches!(c.action.as_str(), "enroll" | "remove") && c.factor.is_none() {
            *stats
                .skipped
                .entry("changeWithoutFactorType".into())
                .or_default() += 1;
            return;
        }
        if c.action == "remove" {
            // a factor removed was held, whether or not the log showed it before
            if let Some(f) = &c.factor {
                self.learn_factor(f, c.factor_id.as_deref());
            }
        }
        let mut ctx = c.ctx.clone();
        let mut methods = Vec::new();
        if let Some(last) = &self.last {
            if now - last.ts <= SESSION_GAP_MS * 2 && (c.actor == "self") {
                ctx.merge(&last.ctx);
                methods = last.methods.clone();
            }
        }
        let mut session = session_json(&ctx);
        session.insert(
            "methods".into(),
            Value::Array(
                methods
                    .iter()
                    .map(|m| json!({"type": m.factor, "at": rfc3339(m.at.min(now), 0)}))
                    .collect(),
            ),
        );
        let mut change = Map::new();
        change.insert("action".into(), json!(c.action));
        if c.action != "resetAll" {
            let factor = c.factor.clone().unwrap_or_else(|| "sms".into());
            change.insert(
                "factor".into(),
                match &c.factor_id {
                    Some(id) => json!({"type": factor, "id": id}),
                    None => json!({"type": factor}),
                },
            );
        }
        let mut actor = Map::new();
        actor.insert("kind".into(), json!(c.actor));
        if let Some(id) = &c.actor_id {
            actor.insert("id".into(), json!(id));
        }
        change.insert("actor".into(), Value::Object(actor));
        change.insert("phase".into(), json!("after"));
        let mut req = Map::new();
        req.insert("now".into(), json!(rfc3339(now, 0)));
        req.insert("user".into(), self.user_json(now));
        req.insert("session".into(), Value::Object(session));
        req.insert("change".into(), Value::Object(change));
        let decisions = self.decide(Entry::FactorChange, req, now, cx, stats);
        if let Some((mut new, mut old)) = decisions.filter(|_| now >= cx.count_from) {
            stats.change(&day_of(now), new.outcome);
            if matches!(new.outcome, Outcome::Approval | Outcome::Deny) {
                stats.held_changes += 1;
                stats.held.push(ChangeHit {
                    time: rfc3339(now, 0),
                    user: self.id.to_owned(),
                    action: c.action.clone(),
                    factor: c.factor.clone(),
                    actor: c.actor.clone(),
                    outcome: new.outcome.as_str().to_owned(),
                    risk: new.risk.score,
                    reasons: top_reasons(&new),
                });
            }
            if let Some(old) = &mut old {
                self.diff(Entry::FactorChange, now, &c.action, &mut new, old, stats);
            }
        }
        // what the factor list is after the change (the log reports it made)
        match c.action.as_str() {
            "enroll" => {
                if let Some(f) = &c.factor {
                    self.learn_factor(f, c.factor_id.as_deref());
                }
            }
            "remove" => {
                if let Some(pos) = self.factors.iter().position(|(t, id)| {
                    Some(t) == c.factor.as_ref()
                        && (c.factor_id.is_none() || id.is_none() || *id == c.factor_id)
                }) {
                    self.factors.remove(pos);
                }
            }
            "resetAll" => self.factors.clear(),
            "phoneChange" => self.learn_factor(c.factor.as_deref().unwrap_or("sms"), None),
            _ => {}
        }
    }

    /// Decides one request with the policy (and the one replayed against), threading each
    /// policy's own state. `None` when the request is refused (counted as a request error).
    fn decide(
        &mut self,
        entry: Entry,
        req: Map<String, Value>,
        now: i64,
        cx: &FoldCx<'_>,
        stats: &mut Stats,
    ) -> Option<(Decision, Option<Decision>)> {
        let mut req = Value::Object(req);
        let mut run = |engine: &Engine, slot: usize, req: &mut Value| -> Option<Decision> {
            let state = self.states.get(slot).and_then(Option::as_ref);
            if let (Some(state), Some(obj)) = (state, req.as_object_mut()) {
                obj.insert("state".into(), json!(state));
            }
            let text = req.to_string();
            if let Some(obj) = req.as_object_mut() {
                obj.remove("state");
            }
            if cx.trace == Some(self.id.as_str()) {
                let answer = match entry {
                    Entry::Login => engine.decide_login_json(&text, now as f64),
                    Entry::FactorChange => engine.assess_factor_change_json(&text, now as f64),
                    Entry::Action => engine.assess_action_json(&text, now as f64),
                };
                eprintln!("{{\"policy\":{slot},\"request\":{text},\"decision\":{answer}}}");
            }
            match engine.decide_entry(entry, &text, now as f64) {
                Ok(mut d) => {
                    // the state moves to the user's slot (a decision without one keeps the last)
                    if let Some(s) = d.state.take() {
                        if let Some(slot) = self.states.get_mut(slot) {
                            *slot = Some(s);
                        }
                    }
                    Some(d)
                }
                Err(errors) => {
                    let msg = errors
                        .first()
                        .map(|e| format!("{} at {}: {}", e.code.as_str(), e.path, e.message))
                        .unwrap_or_default();
                    stats.request_error(&self.id, &rfc3339(now, 0), &msg);
                    None
                }
            }
        };
        let new = run(cx.engine, 0, &mut req)?;
        let old = match cx.against {
            Some(engine) => Some(run(engine, 1, &mut req)?),
            None => None,
        };
        if new.outcome != Outcome::Allow && now >= cx.count_from {
            for r in &new.reasons {
                if r.code.as_str() != "appSensitivity" && !r.code.is_identity() {
                    stats.reason(r.code.as_str());
                }
            }
        }
        Some((new, old))
    }

    fn diff(
        &self,
        entry: Entry,
        now: i64,
        what: &str,
        new: &mut Decision,
        old: &mut Decision,
        stats: &mut Stats,
    ) {
        let changes = decision_changes(old, new);
        let class = DiffClass::of(&changes);
        stats.diff(
            entry.as_str(),
            old.outcome.as_str(),
            new.outcome.as_str(),
            class,
            &changes,
        );
        if class != DiffClass::Same {
            stats.diffs.push(DiffHit {
                time: rfc3339(now, 0),
                user: self.id.clone(),
                entry: entry.as_str().to_owned(),
                what: what.to_owned(),
                was: old.outcome.as_str().to_owned(),
                now: new.outcome.as_str().to_owned(),
                class: class.as_str().to_owned(),
                reasons: top_reasons(new),
                changes: changes
                    .iter()
                    .take(CHANGES_LISTED)
                    .map(FieldHit::from)
                    .collect(),
            });
        }
    }
}

/// Changes listed per example in the report (all are counted).
const CHANGES_LISTED: usize = 12;

/// Every field of decision `new` that differs from `old`, by the engine's decision diff
/// ([`factorgate::diff_decisions`], the one `factorgate diff` and the policy preview's Compare
/// use), each stricter, looser or changed. The decisions are compared without their `policy`
/// (which names each policy) and `state` (each policy's own memory), neither of which the diff
/// reads: two decisions then equal as values are the same without being written as JSON and
/// read back, which most are. Both are left as they were (`&mut` only to set those two fields
/// aside meanwhile, without copying the rest).
pub fn decision_changes(old: &mut Decision, new: &mut Decision) -> Vec<FieldChange> {
    let set_aside = |d: &mut Decision| {
        let neutral = PolicyRef {
            id: String::new(),
            version: 0,
            digest: String::new(),
        };
        (std::mem::replace(&mut d.policy, neutral), d.state.take())
    };
    let (kept_old, kept_new) = (set_aside(old), set_aside(new));
    let changes = if old == new {
        Vec::new()
    } else {
        let (a, b) = (
            factorgate::internals::to_json(&*old),
            factorgate::internals::to_json(&*new),
        );
        factorgate::diff_decisions(&a, &b).unwrap_or_else(|errors| {
            // the engine's own answers always read back; should one not, say so as a change
            vec![FieldChange {
                field: "result".into(),
                direction: Direction::Changed,
                a: "decision".into(),
                b: errors
                    .first()
                    .map_or_else(String::new, |e| format!("unreadable: {}", e.message)),
            }]
        })
    };
    (old.policy, old.state) = kept_old;
    (new.policy, new.state) = kept_new;
    changes
}

fn session_json(c: &super::event::Ctx) -> Map<String, Value> {
    let mut s = Map::new();
    if let Some(ip) = &c.ip {
        s.insert("ip".into(), json!(ip));
    }
    let mut geo = Map::new();
    if let (Some(lat), Some(lon)) = (c.lat, c.lon) {
        geo.insert("lat".into(), json!(lat));
        geo.insert("lon".into(), json!(lon));
    }
    if let Some(country) = &c.country {
        geo.insert("country".into(), json!(country));
    }
    if let Some(asn) = c.asn {
        geo.insert("asn".into(), json!(asn));
    }
    if !geo.is_empty() {
        s.insert("geo".into(), Value::Object(geo));
    }
    let mut device = Map::new();
    if let Some(id) = &c.device {
        device.insert("id".into(), json!(id));
    }
    if let Some(m) = c.managed {
        device.insert("managed".into(), json!(m));
    }
    if let Some(m) = c.compliant {
        device.insert("compliant".into(), json!(m));
    }
    if !device.is_empty() {
        s.insert("device".into(), Value::Object(device));
    }
    let mut risk = Map::new();
    if let Some(level) = &c.risk {
        risk.insert("level".into(), json!(level));
    }
    if !c.signals.is_empty() {
        risk.insert("signals".into(), json!(c.signals));
    }
    if !risk.is_empty() {
        s.insert("hostRisk".into(), Value::Object(risk));
    }
    s
}

/// The reasons that explain a decision, most points first (explanatory zero-point codes last).
fn top_reasons(d: &Decision) -> Vec<String> {
    let mut rs: Vec<_> = d
        .reasons
        .iter()
        .filter(|r| r.code.as_str() != "appSensitivity" && !r.code.is_identity())
        .collect();
    rs.sort_by_key(|r| std::cmp::Reverse(r.points));
    rs.iter()
        .take(5)
        .map(|r| r.code.as_str().to_owned())
        .collect()
}
