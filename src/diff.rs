//! The decision diff: every field of two decisions for the same request that differs, each
//! classed **stricter**, **looser** or **changed** (a difference with no order), read from the
//! decisions' JSON. One implementation for `factorgate diff` (cli/), replay, and the npm
//! package's `diffDecisions` (bound in the policy module, `src/wasm.rs`), which the policy
//! preview's Compare calls (`examples/policy-preview/src/runner.js`). The classes, field for field:
//!
//! | field | stricter when B … | text |
//! |---|---|---|
//! | `result` | (one side is not a decision and the two differ: `changed`) | outcome or `error CODES` |
//! | `outcome` | is further right in allow < enroll < stepUp < approval < deny | |
//! | `risk.score`, `risk.level` | is higher | |
//! | `exposure.privileged` | is true | |
//! | `requirement.minAal` / `.phishingResistant` / `.hardwareBound` | asks more | `AAL2`, bools |
//! | `requirement.maxAgeS` | is shorter | `15 min`, `12 h`, `7 d` |
//! | `requirement.factors` | offers fewer types (more is looser; both ways is `changed`) | list |
//! | `requirement` | (on one side only with the same outcome: `changed`) | `present` / `none` |
//! | `approval.by` | names more approver groups (others, as many: `changed`) | list |
//! | `approval.expiresInS` | is shorter | duration |
//! | `alerts` | raises more (others, as many: `changed`) | class names |
//! | `alerts.severity` | the highest severity is higher (both with alerts) | |
//! | `notify` | tells more with the same outcome (with another outcome: `changed`) | templates |
//! | `enrollmentAllowed` | is false | |
//! | `assurance.aal` / `.phishingResistant` / `.hardwareBound` | the session proves less | |
//! | `assurance.amr` | counts fewer methods | list |
//! | `assurance.acr` | satisfies none (a value only under B is looser, another one `changed`) | |
//! | `reasons.CODE` | a reason scoring points appears, or scores more; its going, or fewer points, is looser; a 0-point reason coming or going is `changed` | `12 pts` / `absent` |
//!
//! The class of a whole diff ([`DiffClass`]): `looser` if any change is looser (`mixed` if some
//! are stricter too), else `stricter`, else `changed`, else `same`.

use crate::error::{within, ErrorCode, ErrorItem};
use crate::json::error_json;
use crate::json::{format_number, Reader, Res, Writer};

/// How one field's change moves the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// B asks more, allows less, or tells more.
    Stricter,
    /// B asks less, allows more, or tells less.
    Looser,
    /// A difference with no order (another list of the same length, a result that is not a
    /// decision).
    Changed,
}

impl Direction {
    /// The wire name: `stricter`, `looser`, `changed`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Stricter => "stricter",
            Direction::Looser => "looser",
            Direction::Changed => "changed",
        }
    }
}

/// The class of a whole diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiffClass {
    /// Nothing differs.
    Same,
    /// Only changes without an order.
    Changed,
    /// At least one stricter change and no looser one.
    Stricter,
    /// At least one looser change and no stricter one.
    Looser,
    /// Looser and stricter changes both.
    Mixed,
}

impl DiffClass {
    /// The wire name: `same`, `changed`, `stricter`, `looser`, `mixed`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DiffClass::Same => "same",
            DiffClass::Changed => "changed",
            DiffClass::Stricter => "stricter",
            DiffClass::Looser => "looser",
            DiffClass::Mixed => "mixed",
        }
    }

    /// The class of a list of changes.
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a FieldChange>) -> DiffClass {
        let (mut looser, mut stricter, mut any) = (false, false, false);
        for c in changes {
            any = true;
            looser |= c.direction == Direction::Looser;
            stricter |= c.direction == Direction::Stricter;
        }
        match (looser, stricter, any) {
            (true, true, _) => DiffClass::Mixed,
            (true, false, _) => DiffClass::Looser,
            (false, true, _) => DiffClass::Stricter,
            (false, false, true) => DiffClass::Changed,
            (false, false, false) => DiffClass::Same,
        }
    }
}

/// One field that differs between decision A and decision B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field, as a dotted path (`outcome`, `requirement.minAal`, `reasons.newDevice`).
    pub field: String,
    /// How B's value moves the decision compared with A's.
    pub direction: Direction,
    /// A's value as text for a person (`AAL2`, `15 min`, `none`, `12 pts`).
    pub a: String,
    /// B's value as text.
    pub b: String,
}

/// Largest decision document the diff reads (a decision is bounded far below it).
const MAX_DECISION_BYTES: usize = 1024 * 1024;

/// Every field of decision B (JSON) that differs from decision A (JSON), in the order of the
/// table above. Either side may be any engine answer (a tagged error, a validation): then the
/// only change is `result`, when the two differ. `Err` when a side is not JSON: its errors' paths
/// start with `/a` or `/b`.
pub fn diff_decisions(a: &str, b: &str) -> Result<Vec<FieldChange>, Vec<ErrorItem>> {
    let ja = parse(a, "/a");
    let jb = parse(b, "/b");
    match (ja, jb) {
        (Ok(ja), Ok(jb)) => Ok(diff(&ja, &jb)),
        (ja, jb) => Err(ja.err().into_iter().chain(jb.err()).collect()),
    }
}

/// [`diff_decisions`] on JSON: `{"type":"decisionDiff","class":..,"changes":[{"field",
/// "direction","a","b"}]}`, or the tagged error.
pub fn diff_decisions_json(a: &str, b: &str) -> String {
    match diff_decisions(a, b) {
        Ok(changes) => {
            let mut w = Writer::new();
            w.begin_object();
            w.key("type").string("decisionDiff");
            w.key("class").string(DiffClass::of(&changes).as_str());
            w.key("changes").begin_array();
            for c in &changes {
                w.begin_object();
                w.key("field").string(&c.field);
                w.key("direction").string(c.direction.as_str());
                w.key("a").string(&c.a);
                w.key("b").string(&c.b);
                w.end_object();
            }
            w.end_array();
            w.end_object();
            w.finish()
        }
        Err(errors) => error_json(&errors),
    }
}

// --- a JSON value tree, read with the engine's reader ---------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

static NULL: J = J::Null;

impl J {
    fn get(&self, key: &str) -> &J {
        match self {
            J::Obj(members) => members
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }
    fn at(&self, path: &[&str]) -> &J {
        path.iter().fold(self, |v, k| v.get(k))
    }
    fn is_null(&self) -> bool {
        matches!(self, J::Null)
    }
    fn str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
    fn num(&self) -> Option<f64> {
        match self {
            J::Num(n) => Some(*n),
            _ => None,
        }
    }
    fn items(&self) -> &[J] {
        match self {
            J::Arr(items) => items,
            _ => &[],
        }
    }
    /// JavaScript's truthiness of a JSON value, as `Boolean(x)`.
    fn truthy(&self) -> bool {
        match self {
            J::Null => false,
            J::Bool(b) => *b,
            J::Num(n) => *n != 0.0,
            J::Str(s) => !s.is_empty(),
            J::Arr(_) | J::Obj(_) => true,
        }
    }
    /// The value as JavaScript's `String(x)` writes it for the scalars a decision has (absent
    /// is `undefined`).
    fn text(&self) -> String {
        match self {
            J::Null => "undefined".into(),
            J::Bool(b) => if *b { "true" } else { "false" }.into(),
            J::Num(n) => format_number(*n),
            J::Str(s) => s.clone(),
            J::Arr(items) => items.iter().map(J::text).collect::<Vec<_>>().join(","),
            J::Obj(_) => "[object Object]".into(),
        }
    }
}

fn parse(text: &str, side: &str) -> Result<J, ErrorItem> {
    let prefixed = |mut e: ErrorItem| {
        e.path = format!("{side}{}", e.path);
        e
    };
    within(text, MAX_DECISION_BYTES, "the decision").map_err(prefixed)?;
    let mut r = Reader::new(text);
    let value = read(&mut r).and_then(|v| r.finish().map(|()| v));
    value.map_err(|e| prefixed(*e))
}

/// One value; recursion is bounded by the reader's nesting cap.
fn read(r: &mut Reader) -> Res<J> {
    Ok(match r.peek() {
        Some(b'{') => {
            r.begin_object("an object")?;
            let mut members = Vec::new();
            while let Some(k) = r.next_key()? {
                let k = k.into_owned();
                members.push((k, read(r)?));
            }
            J::Obj(members)
        }
        Some(b'[') => {
            r.begin_array("a list")?;
            let mut items = Vec::new();
            while r.next_item()? {
                items.push(read(r)?);
            }
            J::Arr(items)
        }
        Some(b'"') => J::Str(r.string("a string")?.into_owned()),
        Some(b't' | b'f') => J::Bool(r.boolean()?),
        Some(b'n') => {
            r.take_null()?;
            J::Null
        }
        Some(b'-' | b'0'..=b'9') => J::Num(r.float()?),
        _ => return Err(r.error(ErrorCode::InvalidJson, "expected a JSON value")),
    })
}

// --- the comparisons ------------------------------------------------------------------------

/// Outcomes from least to most severe (docs/contract.md#decision): a move to the left is looser.
const SEVERITY: [&str; 5] = ["allow", "enroll", "stepUp", "approval", "deny"];
const LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];

use Direction::{Changed, Looser, Stricter};

/// Numbers: `None` when equal; looser when B is higher (`looser_higher`) or lower.
fn by_number(a: &J, b: &J, looser_higher: bool) -> Option<Direction> {
    if a == b {
        return None;
    }
    let higher = matches!((a.num(), b.num()), (Some(x), Some(y)) if y > x);
    Some(if higher == looser_higher {
        Looser
    } else {
        Stricter
    })
}

fn by_count(a: usize, b: usize, looser_higher: bool) -> Option<Direction> {
    by_number(&J::Num(a as f64), &J::Num(b as f64), looser_higher)
}

fn by_order(order: &[&str], a: &J, b: &J) -> Option<Direction> {
    let index = |v: &J| v.str().and_then(|s| order.iter().position(|o| *o == s));
    let (ia, ib) = (index(a), index(b));
    match (ia, ib) {
        _ if ia == ib => None,
        (Some(ia), Some(ib)) => Some(if ib < ia { Looser } else { Stricter }),
        _ => Some(Changed),
    }
}

fn by_bool(a: &J, b: &J, looser_value: bool) -> Option<Direction> {
    let (a, b) = (a.truthy(), b.truthy());
    (a != b).then_some(if b == looser_value { Looser } else { Stricter })
}

/// Lists as sets: B adding members is looser when `looser_on_add`, removing them the other way;
/// both, or the same members in another order, is `changed`.
fn by_set(a: &[String], b: &[String], looser_on_add: bool) -> Option<Direction> {
    let added = b.iter().any(|x| !a.contains(x));
    let removed = a.iter().any(|x| !b.contains(x));
    match (added, removed) {
        (false, false) => (a != b).then_some(Changed),
        (true, true) => Some(Changed),
        (added, _) => Some(if added == looser_on_add {
            Looser
        } else {
            Stricter
        }),
    }
}

fn strings(v: &J) -> Vec<String> {
    v.items().iter().map(J::text).collect()
}

fn members(v: &J, key: &str) -> Vec<String> {
    v.items().iter().map(|x| x.get(key).text()).collect()
}

fn list(xs: &[String]) -> String {
    if xs.is_empty() {
        "none".into()
    } else {
        xs.join(", ")
    }
}

/// Seconds for a person: `7 d` (beyond two days), `12 h`, `15 min`, `45 s`; `–` when absent.
fn duration(v: &J) -> String {
    let Some(s) = v.num() else {
        return if v.is_null() { "–".into() } else { v.text() };
    };
    let whole = |unit: f64| s.rem_euclid(unit) == 0.0;
    if s > 172_800.0 && whole(86_400.0) {
        format!("{} d", format_number(s / 86_400.0))
    } else if s >= 3600.0 && whole(3600.0) {
        format!("{} h", format_number(s / 3600.0))
    } else if s >= 60.0 && whole(60.0) {
        format!("{} min", format_number(s / 60.0))
    } else {
        format!("{} s", format_number(s))
    }
}

fn aal(v: &J) -> String {
    format!("AAL{}", v.text())
}

fn error_text(r: &J) -> String {
    match r.get("type").str() {
        Some("decision") => r.get("outcome").text(),
        Some("error") => format!("error {}", members(r.get("errors"), "code").join(", ")),
        Some(other) => other.to_string(),
        None => "not an engine answer".into(),
    }
}

fn alert_key(al: &J) -> String {
    match al.get("activity_id") {
        J::Null => al.get("class_uid").text(),
        id => format!("{}/{}", al.get("class_uid").text(), id.text()),
    }
}

fn alert_name(al: &J) -> String {
    let class = match al.get("class_name") {
        J::Null => al.get("class_uid").text(),
        name => name.text(),
    };
    match al.get("activity_name") {
        v if v.truthy() => format!("{class} ({})", v.text()),
        _ => class,
    }
}

fn points(r: &J) -> Vec<(String, f64)> {
    r.get("reasons")
        .items()
        .iter()
        .map(|x| (x.get("code").text(), x.get("points").num().unwrap_or(0.0)))
        .collect()
}

fn diff(ra: &J, rb: &J) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut add = |field: &str, direction: Option<Direction>, a: String, b: String| {
        if let Some(direction) = direction {
            out.push(FieldChange {
                field: field.to_string(),
                direction,
                a,
                b,
            });
        }
    };
    let decision = |r: &J| r.get("type").str() == Some("decision");
    if !decision(ra) || !decision(rb) {
        if ra != rb {
            add("result", Some(Changed), error_text(ra), error_text(rb));
        }
        return out;
    }
    let (oa, ob) = (ra.get("outcome"), rb.get("outcome"));
    add("outcome", by_order(&SEVERITY, oa, ob), oa.text(), ob.text());
    let (a, b) = (ra.at(&["risk", "score"]), rb.at(&["risk", "score"]));
    add("risk.score", by_number(a, b, false), a.text(), b.text());
    let (a, b) = (ra.at(&["risk", "level"]), rb.at(&["risk", "level"]));
    add("risk.level", by_order(&LEVELS, a, b), a.text(), b.text());
    let (a, b) = (
        ra.at(&["exposure", "privileged"]),
        rb.at(&["exposure", "privileged"]),
    );
    add(
        "exposure.privileged",
        by_bool(a, b, false),
        a.text(),
        b.text(),
    );

    let (qa, qb) = (ra.get("requirement"), rb.get("requirement"));
    match (qa.is_null(), qb.is_null()) {
        (false, false) => {
            let (a, b) = (qa.get("minAal"), qb.get("minAal"));
            add("requirement.minAal", by_number(a, b, false), aal(a), aal(b));
            for key in ["phishingResistant", "hardwareBound"] {
                let (a, b) = (qa.get(key), qb.get(key));
                let field = format!("requirement.{key}");
                add(&field, by_bool(a, b, false), a.text(), b.text());
            }
            let (a, b) = (qa.get("maxAgeS"), qb.get("maxAgeS"));
            add(
                "requirement.maxAgeS",
                by_number(a, b, true),
                duration(a),
                duration(b),
            );
            let (a, b) = (strings(qa.get("factors")), strings(qb.get("factors")));
            add(
                "requirement.factors",
                by_set(&a, &b, true),
                list(&a),
                list(&b),
            );
        }
        (true, true) => {}
        // On one side only: the outcome changed with it (and said so); with the same outcome it
        // is a change to look at.
        (a_none, _) => {
            let text = |none: bool| if none { "none" } else { "present" }.to_string();
            let dir = (oa == ob).then_some(Changed);
            add("requirement", dir, text(a_none), text(!a_none));
        }
    }

    let (pa, pb) = (ra.get("approval"), rb.get("approval"));
    if !pa.is_null() && !pb.is_null() {
        let (a, b) = (strings(pa.get("by")), strings(pb.get("by")));
        let dir = if a.len() != b.len() {
            by_count(a.len(), b.len(), false)
        } else {
            (a != b).then_some(Changed)
        };
        add("approval.by", dir, list(&a), list(&b));
        let (a, b) = (pa.get("expiresInS"), pb.get("expiresInS"));
        add(
            "approval.expiresInS",
            by_number(a, b, true),
            duration(a),
            duration(b),
        );
    }

    let (aa, ab) = (ra.get("alerts").items(), rb.get("alerts").items());
    let keys = |al: &[J]| {
        let mut k: Vec<String> = al.iter().map(alert_key).collect();
        k.sort();
        k
    };
    if keys(aa) != keys(ab) {
        let dir = if aa.len() != ab.len() {
            by_count(aa.len(), ab.len(), false)
        } else {
            Some(Changed)
        };
        let names = |al: &[J]| list(&al.iter().map(alert_name).collect::<Vec<_>>());
        add("alerts", dir, names(aa), names(ab));
    }
    if !aa.is_empty() && !ab.is_empty() {
        let severity = |al: &[J]| {
            al.iter()
                .filter_map(|x| x.get("severity_id").num())
                .fold(0.0, f64::max)
        };
        let (a, b) = (J::Num(severity(aa)), J::Num(severity(ab)));
        add(
            "alerts.severity",
            by_number(&a, &b, false),
            a.text(),
            b.text(),
        );
    }

    // A notification comes and goes with the outcome (a denied change is not made, so nobody is
    // told): only with the same outcome is fewer notifications looser.
    let (na, nb) = (
        members(ra.get("notify"), "template"),
        members(rb.get("notify"), "template"),
    );
    let dir = by_set(&na, &nb, false).map(|d| if oa == ob { d } else { Changed });
    add("notify", dir, list(&na), list(&nb));
    let (a, b) = (ra.get("enrollmentAllowed"), rb.get("enrollmentAllowed"));
    if !a.is_null() || !b.is_null() {
        add("enrollmentAllowed", by_bool(a, b, true), a.text(), b.text());
    }

    // Assurance is what the session proved: the same session proving more under B means B counts
    // older or weaker methods, which is looser.
    let (sa, sb) = (ra.get("assurance"), rb.get("assurance"));
    if !sa.is_null() && !sb.is_null() {
        let (a, b) = (sa.get("aal"), sb.get("aal"));
        add("assurance.aal", by_number(a, b, true), aal(a), aal(b));
        for key in ["phishingResistant", "hardwareBound"] {
            let (a, b) = (sa.get(key), sb.get(key));
            add(
                &format!("assurance.{key}"),
                by_bool(a, b, true),
                a.text(),
                b.text(),
            );
        }
        let (a, b) = (strings(sa.get("amr")), strings(sb.get("amr")));
        add("assurance.amr", by_set(&a, &b, true), list(&a), list(&b));
        let (a, b) = (sa.get("acr"), sb.get("acr"));
        let dir = match (a.is_null(), b.is_null()) {
            _ if a == b => None,
            (_, true) => Some(Stricter),
            (true, false) => Some(Looser),
            (false, false) => Some(Changed),
        };
        let text = |v: &J| if v.is_null() { "none".into() } else { v.text() };
        add("assurance.acr", dir, text(a), text(b));
    }

    let (pa, pb) = (points(ra), points(rb));
    let find = |ps: &[(String, f64)], code: &str| ps.iter().find(|(c, _)| c == code).map(|p| p.1);
    let mut seen: Vec<&str> = Vec::new();
    for (code, _) in pa.iter().chain(pb.iter()) {
        if seen.contains(&code.as_str()) {
            continue;
        }
        seen.push(code);
        let (a, b) = (find(&pa, code), find(&pb, code));
        let dir = match (a, b) {
            _ if a == b => continue,
            (None, Some(b)) => sign(b, Stricter, Looser),
            (Some(a), None) => sign(a, Looser, Stricter),
            (Some(a), Some(b)) => by_number(&J::Num(a), &J::Num(b), false),
            (None, None) => continue,
        };
        let text =
            |p: Option<f64>| p.map_or("absent".into(), |p| format!("{} pts", format_number(p)));
        add(&format!("reasons.{code}"), dir, text(a), text(b));
    }
    out
}

/// `positive` above zero, `negative` below, `changed` at zero.
fn sign(points: f64, positive: Direction, negative: Direction) -> Option<Direction> {
    Some(if points > 0.0 {
        positive
    } else if points < 0.0 {
        negative
    } else {
        Changed
    })
}
