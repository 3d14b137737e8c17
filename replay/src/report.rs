//! What replay counts, merged over partitions (every count is a sum; every example list is
//! kept as its first entries by time and user, so the report is the same whatever the
//! partitioning and the number of threads), and the three ways it is shown: the terminal
//! summary, `--json`, and the self-contained HTML report (inline CSS and SVG, no asset).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Examples kept per list.
pub const EXAMPLES: usize = 50;
/// Malformed lines listed (all are counted).
pub const MALFORMED_LISTED: usize = 100;

/// Outcomes in order of severity: the columns of every count.
pub const OUTCOMES: [&str; 5] = ["allow", "enroll", "stepUp", "approval", "deny"];
/// The IdP's own outcomes: the rows of the agreement matrix.
pub const HOSTS: [&str; 4] = ["allow", "mfa", "mfaFailed", "deny"];

fn outcome_index(o: factorgate::Outcome) -> usize {
    OUTCOMES.iter().position(|x| *x == o.as_str()).unwrap_or(0)
}

type Counts = [u64; 5];

fn add(a: &mut Counts, b: &Counts) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
/// A line that could not be used.
pub struct Malformed {
    /// The file, as named on the command line.
    pub file: String,
    /// Its 1-based line number.
    pub line: u64,
    /// Why (at most 200 bytes).
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
/// A user the policy denies where the IdP (or the old policy) let them in.
pub struct UserHit {
    /// When (RFC 3339).
    pub time: String,
    /// The user id.
    pub user: String,
    /// The user's kind.
    pub kind: String,
    /// The application.
    pub app: String,
    /// What the IdP did.
    pub host: String,
    /// What the policy decides.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// What the old policy decided (`--against`).
    pub was: Option<String>,
    /// The risk score.
    pub risk: u8,
    /// The reasons that explain it, most points first.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
/// A factor change the policy holds (approval or deny).
pub struct ChangeHit {
    /// When (RFC 3339).
    pub time: String,
    /// The user id.
    pub user: String,
    /// Contract `ChangeAction`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The factor type added or removed.
    pub factor: Option<String>,
    /// Contract `ActorKind`.
    pub actor: String,
    /// What the policy decides.
    pub outcome: String,
    /// The risk score.
    pub risk: u8,
    /// The reasons that explain it, most points first.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
/// A decision that changed from the old policy to the new.
pub struct DiffHit {
    /// When (RFC 3339).
    pub time: String,
    /// The user id.
    pub user: String,
    /// `login` or `factorChange`.
    pub entry: String,
    /// The application (login) or the change's action.
    pub what: String,
    /// The old policy's outcome.
    pub was: String,
    /// The new policy's outcome.
    pub now: String,
    /// The class of the whole diff (`stricter`, `looser`, `mixed`, `changed`).
    pub class: String,
    /// The new decision's reasons, most points first.
    pub reasons: Vec<String>,
    /// The fields that changed (the first [`CHANGES_LISTED`](crate::fold) of them).
    pub changes: Vec<FieldHit>,
}

/// One field of a decision that changed from the old policy to the new, as the decision diff
/// says it (`factorgate::FieldChange`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldHit {
    /// The field, dotted (`requirement.minAal`, `reasons.newDevice`).
    pub field: String,
    /// `stricter`, `looser` or `changed`.
    pub direction: String,
    /// The old policy's value, as text.
    pub a: String,
    /// The new policy's value.
    pub b: String,
}

impl From<&factorgate::FieldChange> for FieldHit {
    fn from(c: &factorgate::FieldChange) -> Self {
        FieldHit {
            field: c.field.clone(),
            direction: c.direction.as_str().to_owned(),
            a: c.a.clone(),
            b: c.b.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
/// A request the engine refused (a bug in a reader, or a record beyond the contract's caps).
pub struct RequestError {
    /// When (RFC 3339).
    pub time: String,
    /// The user id.
    pub user: String,
    /// The engine's first error.
    pub error: String,
}

/// A list that keeps its first `cap` entries in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Top<T: Ord> {
    items: Vec<T>,
    cap: usize,
}

impl<T: Ord> Default for Top<T> {
    fn default() -> Self {
        Top {
            items: Vec::new(),
            cap: EXAMPLES,
        }
    }
}

impl<T: Ord> Top<T> {
    /// Adds an entry.
    pub fn push(&mut self, t: T) {
        self.items.push(t);
        if self.items.len() >= self.cap * 2 {
            self.compact();
        }
    }
    fn compact(&mut self) {
        self.items.sort();
        self.items.truncate(self.cap);
    }
    /// Adds another list's entries, keeping the first `cap`.
    pub fn merge(&mut self, mut o: Top<T>) {
        self.items.append(&mut o.items);
        self.compact();
    }
    /// The first `cap` entries, in order.
    pub fn sorted(&mut self) -> &[T] {
        self.compact();
        &self.items
    }
}

/// Everything replay counts. Serializable as JSON (maps keyed by tuples as lists of pairs), so
/// that partial statistics computed elsewhere (a Spark task) merge into one report.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Stats {
    /// The earliest event read (epoch ms), for `--warmup`.
    pub min_ts: Option<i64>,
    /// Log lines read.
    pub lines: u64,
    /// Records in them (a line may hold several: envelopes, arrays).
    pub records: u64,
    /// Normalized events.
    pub events: u64,
    /// Malformed lines and records.
    pub malformed_count: u64,
    /// The first malformed ones, with file and line.
    pub malformed_lines: Top<Malformed>,
    /// Records of types replay does not decide, by kind.
    pub skipped: BTreeMap<String, u64>,
    /// Sign-ins decided.
    pub sign_ins: u64,
    /// Factor changes decided.
    pub changes: u64,
    /// Sign-in outcomes.
    pub login_outcomes: Counts,
    /// Factor-change outcomes.
    pub change_outcomes: Counts,
    /// Sign-in outcomes per day.
    pub by_day: BTreeMap<String, Counts>,
    /// Factor-change outcomes per day.
    pub changes_by_day: BTreeMap<String, Counts>,
    /// Sign-in outcomes per app.
    pub by_app: BTreeMap<String, Counts>,
    /// Sign-in outcomes per user kind.
    pub by_kind: BTreeMap<String, Counts>,
    /// Reason codes of the decisions that were not `allow`.
    pub reasons: BTreeMap<String, u64>,
    /// host outcome -> policy outcome
    #[serde(with = "pairs")]
    pub agreement: BTreeMap<(String, String), u64>,
    /// Users newly denied.
    pub newly_denied_users: u64,
    /// The first of them.
    pub newly_denied: Top<UserHit>,
    /// Factor changes held (approval or deny).
    pub held_changes: u64,
    /// The first of them.
    pub held: Top<ChangeHit>,
    /// (entry, old outcome, new outcome) -> count
    #[serde(with = "pairs")]
    pub diff_pairs: BTreeMap<(String, String, String), u64>,
    /// (entry, class of the whole diff: same, changed, stricter, looser, mixed) -> count
    #[serde(with = "pairs")]
    pub diff_classes: BTreeMap<(String, String), u64>,
    /// (entry, field, direction) -> decisions where that field changed that way
    #[serde(with = "pairs")]
    pub diff_fields: BTreeMap<(String, String, String), u64>,
    /// The first decisions that changed against the old policy.
    pub diffs: Top<DiffHit>,
    /// Requests the engine refused.
    pub request_errors: u64,
    /// The first of them.
    pub request_error_list: Top<RequestError>,
}

impl Stats {
    /// Counts a malformed line or record.
    pub fn malformed(&mut self, file: &str, line: u64, error: &str) {
        self.malformed_count += 1;
        if self.malformed_lines.cap == EXAMPLES {
            self.malformed_lines.cap = MALFORMED_LISTED;
        }
        let mut error = error.to_owned();
        if error.len() > 200 {
            let mut cut = 200;
            while !error.is_char_boundary(cut) {
                cut -= 1;
            }
            error.truncate(cut);
        }
        self.malformed_lines.push(Malformed {
            file: file.to_owned(),
            line,
            error,
        });
    }

    /// Counts one sign-in decision.
    pub fn login(
        &mut self,
        day: &str,
        app: &str,
        kind: &str,
        host: super::event::Host,
        outcome: factorgate::Outcome,
    ) {
        let i = outcome_index(outcome);
        self.sign_ins += 1;
        let bump = |c: &mut Counts| {
            if let Some(x) = c.get_mut(i) {
                *x += 1;
            }
        };
        bump(&mut self.login_outcomes);
        bump(self.by_day.entry(day.to_owned()).or_default());
        bump(self.by_app.entry(app.to_owned()).or_default());
        bump(self.by_kind.entry(kind.to_owned()).or_default());
        *self
            .agreement
            .entry((host.as_str().to_owned(), outcome.as_str().to_owned()))
            .or_default() += 1;
    }

    /// Counts one factor-change decision.
    pub fn change(&mut self, day: &str, outcome: factorgate::Outcome) {
        let i = outcome_index(outcome);
        self.changes += 1;
        if let Some(x) = self.change_outcomes.get_mut(i) {
            *x += 1;
        }
        if let Some(x) = self
            .changes_by_day
            .entry(day.to_owned())
            .or_default()
            .get_mut(i)
        {
            *x += 1;
        }
    }

    /// Counts a reason code.
    pub fn reason(&mut self, code: &str) {
        *self.reasons.entry(code.to_owned()).or_default() += 1;
    }

    /// One decision compared with the old policy's: its outcomes, the class of its diff and the
    /// fields that changed.
    pub fn diff(
        &mut self,
        entry: &str,
        old: &str,
        new: &str,
        class: factorgate::DiffClass,
        changes: &[factorgate::FieldChange],
    ) {
        *self
            .diff_pairs
            .entry((entry.to_owned(), old.to_owned(), new.to_owned()))
            .or_default() += 1;
        *self
            .diff_classes
            .entry((entry.to_owned(), class.as_str().to_owned()))
            .or_default() += 1;
        for c in changes {
            *self
                .diff_fields
                .entry((
                    entry.to_owned(),
                    c.field.clone(),
                    c.direction.as_str().to_owned(),
                ))
                .or_default() += 1;
        }
    }

    /// Counts a refused request.
    pub fn request_error(&mut self, user: &str, time: &str, error: &str) {
        self.request_errors += 1;
        self.request_error_list.push(RequestError {
            time: time.to_owned(),
            user: user.to_owned(),
            error: error.to_owned(),
        });
    }

    /// Adds another partition's statistics.
    pub fn merge(&mut self, o: Stats) {
        self.min_ts = match (self.min_ts, o.min_ts) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.lines += o.lines;
        self.records += o.records;
        self.events += o.events;
        self.malformed_count += o.malformed_count;
        if o.malformed_lines.cap > self.malformed_lines.cap {
            self.malformed_lines.cap = o.malformed_lines.cap;
        }
        self.malformed_lines.merge(o.malformed_lines);
        for (k, v) in o.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        self.sign_ins += o.sign_ins;
        self.changes += o.changes;
        add(&mut self.login_outcomes, &o.login_outcomes);
        add(&mut self.change_outcomes, &o.change_outcomes);
        for (map, other) in [
            (&mut self.by_day, o.by_day),
            (&mut self.changes_by_day, o.changes_by_day),
            (&mut self.by_app, o.by_app),
            (&mut self.by_kind, o.by_kind),
        ] {
            for (k, v) in other {
                add(map.entry(k).or_default(), &v);
            }
        }
        for (k, v) in o.reasons {
            *self.reasons.entry(k).or_default() += v;
        }
        for (k, v) in o.agreement {
            *self.agreement.entry(k).or_default() += v;
        }
        self.newly_denied_users += o.newly_denied_users;
        self.newly_denied.merge(o.newly_denied);
        self.held_changes += o.held_changes;
        self.held.merge(o.held);
        for (k, v) in o.diff_pairs {
            *self.diff_pairs.entry(k).or_default() += v;
        }
        for (k, v) in o.diff_classes {
            *self.diff_classes.entry(k).or_default() += v;
        }
        for (k, v) in o.diff_fields {
            *self.diff_fields.entry(k).or_default() += v;
        }
        self.diffs.merge(o.diffs);
        self.request_errors += o.request_errors;
        self.request_error_list.merge(o.request_error_list);
    }

    /// Sign-ins where the IdP and the policy agree on letting the user in as they were.
    pub fn agreement_summary(&self) -> (u64, u64, u64) {
        let (mut agree, mut stricter, mut looser) = (0, 0, 0);
        for ((host, outcome), n) in &self.agreement {
            let host_in = host == "allow" || host == "mfa";
            let policy_in = outcome == "allow";
            match (host_in, policy_in) {
                (true, false) => stricter += n,
                (false, true) => looser += n,
                _ => agree += n,
            }
        }
        (agree, stricter, looser)
    }
}

/// Serde for a map whose keys are not strings: a list of `[key, value]` pairs.
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// Fields listed in the report's `against.fields` (all are counted).
pub const FIELDS_LISTED: usize = 30;

fn counts_json(c: &Counts) -> Value {
    let mut m = serde_json::Map::new();
    for (name, n) in OUTCOMES.iter().zip(c) {
        m.insert((*name).to_owned(), json!(n));
    }
    Value::Object(m)
}

/// Facts of the run shown with the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    /// `auth0`, `okta` or `entra`.
    pub source: String,
    /// The log files.
    pub files: Vec<String>,
    /// The policy replayed (`{id, version, digest, file}`).
    pub policy: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The policy replayed against.
    pub against: Option<Value>,
    /// Threads (or Spark tasks).
    pub threads: usize,
    /// `--warmup`.
    pub warmup_days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The first time counted (after the warm-up).
    pub counted_from: Option<String>,
    /// Partitions.
    pub partitions: usize,
    /// The partition cap, in bytes of file.
    pub partition_cap_bytes: u64,
    /// Partitions split again.
    pub partition_splits: u64,
    /// The largest partition loaded.
    pub largest_partition_bytes: u64,
    /// Partitions over the cap (one user alone).
    pub oversized_partitions: u64,
    /// Seconds reading and partitioning.
    pub read_seconds: f64,
    /// Seconds deciding.
    pub fold_seconds: f64,
    /// Seconds in all.
    pub seconds: f64,
    /// Log events per second, in all.
    pub events_per_second: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Peak resident memory (Linux `VmHWM`).
    pub peak_rss_kb: Option<u64>,
}

/// The `--json` document.
pub fn to_json(s: &mut Stats, run: &RunInfo) -> Value {
    let (agree, stricter, looser) = s.agreement_summary();
    let mut matrix = serde_json::Map::new();
    for ((host, outcome), n) in &s.agreement {
        let row = matrix.entry(host.clone()).or_insert_with(|| json!({}));
        if let Some(row) = row.as_object_mut() {
            row.insert(outcome.clone(), json!(n));
        }
    }
    let mut reasons: Vec<(&String, &u64)> = s.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let against = run.against.is_some().then(|| {
        let mut classes = serde_json::Map::new();
        for ((entry, class), n) in &s.diff_classes {
            let e = classes.entry(entry.clone()).or_insert_with(|| json!({}));
            if let Some(e) = e.as_object_mut() {
                e.insert(class.clone(), json!(n));
            }
        }
        let pairs: Vec<Value> = s
            .diff_pairs
            .iter()
            .map(|((entry, old, new), n)| json!({"entry": entry, "was": old, "now": new, "count": n}))
            .collect();
        let mut fields: Vec<(&(String, String, String), &u64)> = s.diff_fields.iter().collect();
        fields.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let fields: Vec<Value> = fields
            .iter()
            .take(FIELDS_LISTED)
            .map(|((entry, field, direction), n)| {
                json!({"entry": entry, "field": field, "direction": direction, "count": n})
            })
            .collect();
        json!({"classes": classes, "fields": fields, "pairs": pairs, "examples": s.diffs.sorted()})
    });
    let mut doc = json!({
        "type": "replayReport",
        "run": run,
        "input": {
            "lines": s.lines,
            "records": s.records,
            "events": s.events,
            "malformed": s.malformed_count,
            "malformedLines": s.malformed_lines.sorted(),
            "skipped": s.skipped,
        },
        "decisions": {
            "signIns": s.sign_ins,
            "factorChanges": s.changes,
            "requestErrors": s.request_errors,
            "requestErrorExamples": s.request_error_list.sorted(),
            "login": counts_json(&s.login_outcomes),
            "factorChange": counts_json(&s.change_outcomes),
        },
        "agreement": {
            "compared": agree + stricter + looser,
            "agree": agree,
            "policyStricter": stricter,
            "policyLooser": looser,
            "matrix": matrix,
        },
        "overTime": s.by_day.iter().map(|(d, c)| {
            let mut v = counts_json(c);
            if let Some(o) = v.as_object_mut() {
                o.insert("day".into(), json!(d));
                let held = s.changes_by_day.get(d).map_or(0, |c| c[3] + c[4]);
                o.insert("changesHeld".into(), json!(held));
            }
            v
        }).collect::<Vec<_>>(),
        "byApp": s.by_app.iter().map(|(k, c)| (k.clone(), counts_json(c))).collect::<serde_json::Map<_, _>>(),
        "byUserKind": s.by_kind.iter().map(|(k, c)| (k.clone(), counts_json(c))).collect::<serde_json::Map<_, _>>(),
        "topReasons": reasons.iter().take(20).map(|(c, n)| json!({"code": c, "count": n})).collect::<Vec<_>>(),
        "newlyDenied": {"users": s.newly_denied_users, "examples": s.newly_denied.sorted()},
        "heldChanges": {"count": s.held_changes, "examples": s.held.sorted()},
    });
    if let (Some(o), Some(a)) = (doc.as_object_mut(), against) {
        o.insert("against".into(), a);
    }
    doc
}

/// The terminal summary (stdout).
pub fn summary(doc: &Value) -> String {
    let mut o = String::new();
    let g = |p: &str| doc.pointer(p).cloned().unwrap_or(Value::Null);
    let n = |p: &str| g(p).as_u64().unwrap_or(0);
    let _ = writeln!(
        o,
        "replay ({}): {} lines, {} events, {} malformed; {} sign-ins and {} factor changes decided",
        g("/run/source").as_str().unwrap_or(""),
        n("/input/lines"),
        n("/input/events"),
        n("/input/malformed"),
        n("/decisions/signIns"),
        n("/decisions/factorChanges")
    );
    let row = |name: &str, p: &str| {
        let mut line = format!("  {name:<14}");
        for k in OUTCOMES {
            let _ = write!(line, " {k} {:<8}", n(&format!("{p}/{k}")));
        }
        line
    };
    let _ = writeln!(o, "{}", row("sign-ins", "/decisions/login"));
    let _ = writeln!(o, "{}", row("factor changes", "/decisions/factorChange"));
    let compared = n("/agreement/compared").max(1);
    let _ = writeln!(
        o,
        "  agreement with the IdP: {:.1} % ({} agree, policy stricter on {}, looser on {})",
        n("/agreement/agree") as f64 * 100.0 / compared as f64,
        n("/agreement/agree"),
        n("/agreement/policyStricter"),
        n("/agreement/policyLooser")
    );
    let _ = writeln!(
        o,
        "  users newly denied: {}; factor changes held: {}; request errors: {}",
        n("/newlyDenied/users"),
        n("/heldChanges/count"),
        n("/decisions/requestErrors")
    );
    if let Some(classes) = doc.pointer("/against/classes").and_then(Value::as_object) {
        for (entry, c) in classes {
            let k = |class: &str| c.get(class).and_then(Value::as_u64).unwrap_or(0);
            let _ = writeln!(
                o,
                "  against the old policy ({entry}): {} stricter, {} looser, {} mixed, {} changed (no order), {} same",
                k("stricter"),
                k("looser"),
                k("mixed"),
                k("changed"),
                k("same")
            );
        }
    }
    if let Some(fields) = doc.pointer("/against/fields").and_then(Value::as_array) {
        if !fields.is_empty() {
            let _ = writeln!(o, "  fields changed most (decisions):");
        }
        for f in fields.iter().take(8) {
            let t = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(
                o,
                "    {:<12} {:<9} {:<34} {}",
                t("entry"),
                t("direction"),
                t("field"),
                f.get("count").and_then(Value::as_u64).unwrap_or(0)
            );
        }
    }
    if let Some(top) = doc.pointer("/topReasons").and_then(Value::as_array) {
        let names: Vec<String> = top
            .iter()
            .take(6)
            .map(|r| format!("{} {}", r["code"].as_str().unwrap_or(""), r["count"]))
            .collect();
        let _ = writeln!(o, "  top reasons: {}", names.join(", "));
    }
    if let Some(list) = doc
        .pointer("/input/malformedLines")
        .and_then(Value::as_array)
    {
        for m in list.iter().take(5) {
            let _ = writeln!(
                o,
                "  malformed {}:{}: {}",
                m["file"].as_str().unwrap_or(""),
                m["line"],
                m["error"].as_str().unwrap_or("")
            );
        }
        if n("/input/malformed") > 5 {
            let _ = writeln!(
                o,
                "  … {} malformed lines in all (see --json)",
                n("/input/malformed")
            );
        }
    }
    let _ = writeln!(
        o,
        "  {:.2} s, {:.0} events/s on {} threads, {} partitions{}",
        g("/run/seconds").as_f64().unwrap_or(0.0),
        g("/run/eventsPerSecond").as_f64().unwrap_or(0.0),
        n("/run/threads"),
        n("/run/partitions"),
        match g("/run/peakRssKb").as_u64() {
            Some(kb) => format!(", peak memory {} MB", kb / 1024),
            None => String::new(),
        }
    );
    o
}

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222;padding:0 1em}\
         h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}\
         table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
         th{background:#f4f4f4}.kpi{display:flex;gap:1em;flex-wrap:wrap}.kpi div{background:#f6f6f6;padding:.6em 1em;border-radius:6px}\
         .kpi b{display:block;font-size:1.4em}.legend span{margin-right:1em}.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-1px}\
         svg{width:100%;height:auto}.axis{font-size:11px;fill:#666}.lbl{font-size:12px;fill:#222}.ax{stroke:#999}";

// ---- HTML ------------------------------------------------------------------------------------

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const COLORS: [&str; 5] = ["#3b8f5a", "#7aa7d6", "#e0a526", "#c46bd0", "#c8423b"];

fn legend() -> String {
    let mut o = String::from("<p class=legend>");
    for (name, color) in OUTCOMES.iter().zip(COLORS) {
        let _ = write!(o, "<span><i style=\"background:{color}\"></i>{name}</span>");
    }
    o.push_str("</p>");
    o
}

/// Stacked columns of outcome counts per day.
fn over_time_svg(rows: &[(String, [u64; 5], u64)]) -> String {
    let (w, h, pad) = (900.0, 240.0, 30.0);
    let max = rows
        .iter()
        .map(|(_, c, _)| c.iter().sum::<u64>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = rows.len().max(1) as f64;
    let bw = ((w - pad * 2.0) / n).max(1.0);
    let mut o = format!(
        "<svg viewBox=\"0 0 {w} {}\" role=img aria-label=\"sign-in outcomes per day\">",
        h + 40.0
    );
    let _ = write!(
        o,
        "<text x=0 y=12 class=axis>{max}</text><line x1={pad} y1={h} x2={} y2={h} class=ax />",
        w - pad
    );
    for (i, (day, c, held)) in rows.iter().enumerate() {
        let x = pad + i as f64 * bw;
        let mut y = h;
        for (k, count) in c.iter().enumerate() {
            let bh = *count as f64 / max * (h - 20.0);
            y -= bh;
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {count}</title></rect>",
                (bw - 1.0).max(0.5),
                COLORS.get(k).copied().unwrap_or("#999"),
                esc(day),
                OUTCOMES.get(k).copied().unwrap_or("")
            );
        }
        if *held > 0 {
            let _ = write!(o, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=4 fill=\"#222\"><title>{}: {held} factor changes held</title></circle>", x + bw / 2.0, h + 10.0, esc(day));
        }
        if rows.len() <= 40 || i % (rows.len() / 20).max(1) == 0 {
            let _ = write!(
                o,
                "<text x=\"{x:.1}\" y=\"{}\" class=axis>{}</text>",
                h + 30.0,
                esc(day.get(5..).unwrap_or(day))
            );
        }
    }
    o.push_str("</svg>");
    o
}

/// Horizontal stacked bars of outcome counts per label.
fn bars_svg(rows: &[(String, [u64; 5])]) -> String {
    let row_h = 22.0;
    let (w, label_w) = (900.0, 220.0);
    let max = rows
        .iter()
        .map(|(_, c)| c.iter().sum::<u64>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut o = format!(
        "<svg viewBox=\"0 0 {w} {}\" role=img>",
        rows.len() as f64 * row_h + 4.0
    );
    for (i, (label, c)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let _ = write!(
            o,
            "<text x=0 y=\"{:.1}\" class=lbl>{}</text>",
            y + 15.0,
            esc(label)
        );
        let mut x = label_w;
        for (k, count) in c.iter().enumerate() {
            let bw = *count as f64 / max * (w - label_w - 70.0);
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} {}: {count}</title></rect>",
                row_h - 4.0,
                COLORS.get(k).copied().unwrap_or("#999"),
                esc(label),
                OUTCOMES.get(k).copied().unwrap_or("")
            );
            x += bw;
        }
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=axis>{}</text>",
            x + 4.0,
            y + 15.0,
            c.iter().sum::<u64>()
        );
    }
    o.push_str("</svg>");
    o
}

/// Plain horizontal bars.
fn simple_bars_svg(rows: &[(String, u64)], color: &str) -> String {
    let row_h = 22.0;
    let (w, label_w) = (900.0, 260.0);
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let mut o = format!(
        "<svg viewBox=\"0 0 {w} {}\" role=img>",
        rows.len() as f64 * row_h + 4.0
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let bw = *n as f64 / max * (w - label_w - 80.0);
        let _ = write!(
            o,
            "<text x=0 y=\"{:.1}\" class=lbl>{}</text><rect x={label_w} y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{color}\" /><text x=\"{:.1}\" y=\"{:.1}\" class=axis>{n}</text>",
            y + 15.0,
            esc(label),
            row_h - 4.0,
            label_w + bw + 4.0,
            y + 15.0
        );
    }
    o.push_str("</svg>");
    o
}

fn counts_of(v: &Value) -> [u64; 5] {
    let mut c = [0; 5];
    for (i, k) in OUTCOMES.iter().enumerate() {
        if let Some(x) = c.get_mut(i) {
            *x = v.get(*k).and_then(Value::as_u64).unwrap_or(0);
        }
    }
    c
}

fn table(head: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut o = String::from("<table><tr>");
    for h in head {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr>");
    let mut any = false;
    for r in rows {
        any = true;
        o.push_str("<tr>");
        for c in r {
            let _ = write!(o, "<td>{}</td>", esc(&c));
        }
        o.push_str("</tr>");
    }
    if !any {
        let _ = write!(o, "<tr><td colspan={}>none</td></tr>", head.len());
    }
    o.push_str("</table>");
    o
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Null) | None => String::new(),
        Some(x) => x.to_string(),
    }
}

/// The self-contained HTML report.
pub fn html(doc: &Value) -> String {
    let n = |p: &str| doc.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let mut o = String::new();
    let policy = doc.pointer("/run/policy").cloned().unwrap_or(Value::Null);
    let _ = write!(
        o,
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>factorgate replay: {}</title><style>{CSS}</style></head><body>",
        esc(&s(&policy, "id")),
    );
    let _ = write!(
        o,
        "<h1>Replay of {} logs through policy {} v{}</h1><p>Policy digest <code>{}</code>{}. Files: {}.</p>",
        esc(doc.pointer("/run/source").and_then(Value::as_str).unwrap_or("")),
        esc(&s(&policy, "id")),
        esc(&s(&policy, "version")),
        esc(&s(&policy, "digest")),
        match doc.pointer("/run/against") {
            Some(a) => format!(", against {} v{} (<code>{}</code>)", esc(&s(a, "id")), esc(&s(a, "version")), esc(&s(a, "digest"))),
            None => String::new(),
        },
        esc(&doc
            .pointer("/run/files")
            .and_then(Value::as_array)
            .map(|f| f.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
            .unwrap_or_default())
    );
    let compared = n("/agreement/compared").max(1) as f64;
    let _ = write!(
        o,
        "<div class=kpi><div><b>{}</b>log lines</div><div><b>{}</b>sign-ins decided</div><div><b>{}</b>factor changes</div>\
         <div><b>{:.1} %</b>agreement with the IdP</div><div><b>{}</b>users newly denied</div><div><b>{}</b>factor changes held</div>\
         <div><b>{}</b>malformed lines</div></div>",
        n("/input/lines"),
        n("/decisions/signIns"),
        n("/decisions/factorChanges"),
        n("/agreement/agree") as f64 * 100.0 / compared,
        n("/newlyDenied/users"),
        n("/heldChanges/count"),
        n("/input/malformed")
    );

    o.push_str("<h2>Sign-in outcomes over time</h2>");
    o.push_str(&legend());
    let days: Vec<(String, [u64; 5], u64)> = doc
        .pointer("/overTime")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| {
            (
                s(d, "day"),
                counts_of(d),
                d.get("changesHeld").and_then(Value::as_u64).unwrap_or(0),
            )
        })
        .collect();
    o.push_str(&over_time_svg(&days));
    o.push_str("<p>A dot under a day: factor changes held (approval or deny) that day.</p>");

    for (title, ptr) in [("By app", "/byApp"), ("By user kind", "/byUserKind")] {
        let mut rows: Vec<(String, [u64; 5])> = doc
            .pointer(ptr)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), counts_of(v)))
            .collect();
        rows.sort_by(|a, b| {
            b.1.iter()
                .sum::<u64>()
                .cmp(&a.1.iter().sum::<u64>())
                .then(a.0.cmp(&b.0))
        });
        let more = rows.len().saturating_sub(25);
        rows.truncate(25);
        let _ = write!(o, "<h2>{title}</h2>{}", legend());
        o.push_str(&bars_svg(&rows));
        if more > 0 {
            let _ = write!(o, "<p>… and {more} more (see the JSON report).</p>");
        }
    }

    o.push_str(
        "<h2>Top reasons</h2><p>Reason codes of the decisions that were not <i>allow</i>.</p>",
    );
    let reasons: Vec<(String, u64)> = doc
        .pointer("/topReasons")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            (
                s(r, "code"),
                r.get("count").and_then(Value::as_u64).unwrap_or(0),
            )
        })
        .collect();
    o.push_str(&simple_bars_svg(&reasons, "#7a6fb0"));

    o.push_str("<h2>Agreement with the IdP</h2><p>Rows: what the IdP's own log says happened; columns: what the policy decides for the same sign-in with the methods the session proved. The policy <i>agrees</i> when both let the user in as they were, or both did not.</p>");
    let _ = write!(
        o,
        "<div class=kpi><div><b>{}</b>agree</div><div><b>{}</b>policy stricter (the IdP let in; the policy would not)</div><div><b>{}</b>policy looser</div></div>",
        n("/agreement/agree"),
        n("/agreement/policyStricter"),
        n("/agreement/policyLooser")
    );
    let matrix = doc
        .pointer("/agreement/matrix")
        .cloned()
        .unwrap_or(Value::Null);
    let mut head = vec!["IdP \\ policy"];
    head.extend(OUTCOMES);
    o.push_str(&table(
        &head,
        HOSTS.iter().map(|h| {
            let mut row = vec![(*h).to_owned()];
            for k in OUTCOMES {
                row.push(
                    matrix
                        .pointer(&format!("/{h}/{k}"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                        .to_string(),
                );
            }
            row
        }),
    ));
    let agreement_rows: Vec<(String, u64)> = vec![
        ("agree".into(), n("/agreement/agree")),
        ("policy stricter".into(), n("/agreement/policyStricter")),
        ("policy looser".into(), n("/agreement/policyLooser")),
    ];
    o.push_str(&simple_bars_svg(&agreement_rows, "#4b8bbe"));

    if let Some(a) = doc.get("against") {
        o.push_str("<h2>Against the old policy</h2><p>The same history through both policies, each with its own memory. Every decision compared field by field by the engine's decision diff (the one of <code>factorgate diff</code> and the policy preview): <i>stricter</i> when the new policy asks more or allows less, <i>looser</i> the other way, <i>mixed</i> both, <i>changed</i> a difference with no order.</p>");
        let mut rows = Vec::new();
        if let Some(classes) = a.get("classes").and_then(Value::as_object) {
            for (entry, c) in classes {
                for class in ["stricter", "looser", "mixed", "changed", "same"] {
                    rows.push((
                        format!("{entry} {class}"),
                        c.get(class).and_then(Value::as_u64).unwrap_or(0),
                    ));
                }
            }
        }
        o.push_str(&simple_bars_svg(&rows, "#d08a3b"));
        o.push_str("<h3>Fields that changed most</h3>");
        o.push_str(&table(
            &["entry", "field", "direction", "decisions"],
            a.get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|f| {
                    vec![
                        s(f, "entry"),
                        s(f, "field"),
                        s(f, "direction"),
                        s(f, "count"),
                    ]
                }),
        ));
        o.push_str("<h3>Outcomes, old → new</h3>");
        o.push_str(&table(
            &["entry", "was", "now", "count"],
            a.get("pairs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| vec![s(p, "entry"), s(p, "was"), s(p, "now"), s(p, "count")]),
        ));
        o.push_str("<h3>Examples</h3>");
        o.push_str(&table(
            &[
                "time",
                "user",
                "entry",
                "app / action",
                "was",
                "now",
                "class",
                "changes",
                "reasons",
            ],
            a.get("examples")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|e| {
                    let mut row: Vec<String> =
                        ["time", "user", "entry", "what", "was", "now", "class"]
                            .iter()
                            .map(|k| s(e, k))
                            .collect();
                    row.push(
                        e.get("changes")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .map(|c| {
                                format!(
                                    "{} {}: {} → {}",
                                    s(c, "direction"),
                                    s(c, "field"),
                                    s(c, "a"),
                                    s(c, "b")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                    row.push(s(e, "reasons"));
                    row
                }),
        ));
    }

    let _ = write!(
        o,
        "<h2>Users newly denied ({})</h2><p>Users the policy denies where {} let them in (first such sign-in of each; the first {} listed).</p>",
        n("/newlyDenied/users"),
        if doc.get("against").is_some() { "the old policy" } else { "the IdP" },
        EXAMPLES
    );
    o.push_str(&table(
        &[
            "time", "user", "kind", "app", "IdP", "was", "outcome", "risk", "reasons",
        ],
        doc.pointer("/newlyDenied/examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                [
                    "time", "user", "kind", "app", "host", "was", "outcome", "risk", "reasons",
                ]
                .iter()
                .map(|k| s(e, k))
                .collect()
            }),
    ));
    let _ = write!(o, "<h2>Factor changes held ({})</h2><p>Changes the policy sends for approval or denies (reported after the fact by the log, so <i>deny</i> means revert).</p>", n("/heldChanges/count"));
    o.push_str(&table(
        &[
            "time", "user", "action", "factor", "actor", "outcome", "risk", "reasons",
        ],
        doc.pointer("/heldChanges/examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                [
                    "time", "user", "action", "factor", "actor", "outcome", "risk", "reasons",
                ]
                .iter()
                .map(|k| s(e, k))
                .collect()
            }),
    ));
    let _ = write!(o, "<h2>Input</h2><p>{} lines, {} records, {} events; {} malformed (listed with file and line, first {}); request errors {}.</p>",
        n("/input/lines"), n("/input/records"), n("/input/events"), n("/input/malformed"), MALFORMED_LISTED, n("/decisions/requestErrors"));
    o.push_str(&table(
        &["file", "line", "error"],
        doc.pointer("/input/malformedLines")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| vec![s(m, "file"), s(m, "line"), s(m, "error")]),
    ));
    o.push_str(&table(
        &["skipped record kind", "count"],
        doc.pointer("/input/skipped")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| vec![k.clone(), v.to_string()]),
    ));
    let _ = writeln!(
        o,
        "<p>Run: {} threads, {} partitions, {:.2} s, {:.0} events/s.</p></body></html>",
        n("/run/threads"),
        n("/run/partitions"),
        doc.pointer("/run/seconds")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
        doc.pointer("/run/eventsPerSecond")
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    );
    o
}
