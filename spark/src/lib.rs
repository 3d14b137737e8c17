//! `factorgate_spark._native`: factorgate replay's readers, per-user fold and report for PySpark,
//! as a Python extension module (pyo3, abi3). Nothing here decides or reads a log itself: every
//! step calls `factorgate-replay` (replay/), the code `factorgate replay` runs on one machine, so
//! the counts of a Spark job are those of the command line on the same files.
//!
//! The job (`python/factorgate_spark/job.py`) runs three steps:
//!
//! 1. [`Normalizer`] in a `mapInArrow` over the log's text lines: each line through
//!    `partition::ingest_line` (JSON, envelopes, the IdP's reader; malformed lines counted with
//!    file and line), out as rows `(user, ts, seq, ev)` and, at the task's end, one row of read
//!    statistics;
//! 2. [`fold`] in a `mapInArrow` after `repartition(user).sortWithinPartitions(user, ts, seq)`:
//!    the events, in that order, through `fold::Folder` (the engine, each user's state threaded),
//!    out as one row of partial statistics per task;
//! 3. [`report`] on the driver: the partials merged (`Stats::merge`: sums, and example lists kept
//!    by time and user, so whatever the partitioning) into the document `replay --json` writes.
//!
//! Bad input never panics: a line that is not JSON or a record a reader cannot use is counted; a
//! policy that does not compile, or statistics that do not read, is a `ValueError`.

use factorgate_replay::event::Ev;
use factorgate_replay::fold::{FoldCx, Folder};
use factorgate_replay::report::{RunInfo, Stats};
use factorgate_replay::{compile, parse_users, partition, Source};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::HashMap;

fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// Normalizes the text lines of one Spark task (`spark.read.text` with `input_file_name()` and
/// `input_file_block_start()`), batch by batch, in the order the task reads them.
///
/// Line numbers are those of the file: `blocks` gives the first line of each block (a count of
/// every block's lines, summed on the driver), and a task reads each of its blocks in order.
/// `seq` (file, line, record) orders a user's events exactly as the command line does.
#[pyclass(module = "factorgate_spark._native")]
pub struct Normalizer {
    source: Source,
    /// input_file_name() -> (file index in the job's list, name for the report)
    files: HashMap<String, (u32, String)>,
    /// (file, block start) -> the block's first line number (1-based)
    first_line: HashMap<(String, i64), u64>,
    /// (file, block start) -> lines of the block read so far
    read: HashMap<(String, i64), u64>,
    stats: Stats,
    events: Vec<Ev>,
}

/// One batch of normalized events as Python lists: users, times (epoch ms), seq, event JSON.
type EventColumns = (Vec<String>, Vec<i64>, Vec<i64>, Vec<String>);

#[pymethods]
impl Normalizer {
    /// `source`: `auth0`, `okta` or `entra`; `files`: `(input_file_name, index, name)` of every
    /// log file; `blocks`: `(input_file_name, block start, first line)` of every block.
    #[new]
    fn new(
        source: &str,
        files: Vec<(String, u32, String)>,
        blocks: Vec<(String, i64, u64)>,
    ) -> PyResult<Self> {
        let source = Source::parse(source)
            .ok_or_else(|| value_error(format!("unknown source {source:?}")))?;
        Ok(Normalizer {
            source,
            files: files
                .into_iter()
                .map(|(uri, index, name)| (uri, (index, name)))
                .collect(),
            first_line: blocks
                .into_iter()
                .map(|(uri, start, line)| ((uri, start), line))
                .collect(),
            read: HashMap::new(),
            stats: Stats::default(),
            events: Vec::new(),
        })
    }

    /// Normalizes one batch: the lines (`value`), and for each its file and block start. Blank
    /// lines count for the line numbers only, as the command line reads them.
    fn push(
        &mut self,
        values: Vec<Option<String>>,
        files: Vec<Option<String>>,
        blocks: Vec<Option<i64>>,
    ) -> PyResult<EventColumns> {
        self.events.clear();
        for ((value, file), block) in values.iter().zip(&files).zip(&blocks) {
            let key = (file.clone().unwrap_or_default(), block.unwrap_or(0));
            let first = self.first_line.get(&key).copied().unwrap_or(1);
            let n = self.read.entry(key).or_insert(0);
            let line = first + *n;
            *n += 1;
            let text = value.as_deref().unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let (index, name) = file
                .as_ref()
                .and_then(|f| self.files.get(f))
                .map_or((4095, "?"), |(i, n)| (*i, n.as_str()));
            partition::ingest_line(
                self.source,
                name,
                index,
                line,
                text,
                &mut self.stats,
                &mut self.events,
            );
        }
        let mut out: EventColumns = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ev in self.events.drain(..) {
            let json = serde_json::to_string(&ev).map_err(|e| value_error(e.to_string()))?;
            out.0.push(ev.user);
            out.1.push(ev.ts);
            // seq < 2^63 with fewer than 2048 files (the job checks): Spark sorts it as a long
            out.2.push(i64::try_from(ev.seq).unwrap_or(i64::MAX));
            out.3.push(json);
        }
        Ok(out)
    }

    /// The task's read statistics (lines, records, events, malformed, skipped), as JSON.
    fn finish(&mut self) -> PyResult<String> {
        let stats = std::mem::take(&mut self.stats);
        serde_json::to_string(&stats).map_err(|e| value_error(e.to_string()))
    }
}

/// Folds one task's events, sorted by (user, ts, seq), through the policy (and the one it is
/// replayed against), each with its own state per user. `batches` yields `(events, stats)` pairs
/// of lists: event JSON (`None` on a statistics row) and read statistics (`None` on an event
/// row), the columns `ev` and `stats` of step 1. `count_from` (epoch ms) starts the counting
/// after a warm-up. Returns the task's statistics as JSON, the read ones merged in.
#[pyfunction]
#[pyo3(signature = (policy, policy_name, against, users, count_from, batches))]
fn fold(
    policy: &str,
    policy_name: &str,
    against: Option<(String, String)>,
    users: &str,
    count_from: Option<i64>,
    batches: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let (engine, _) = compile(policy, policy_name).map_err(value_error)?;
    let against = against
        .map(|(text, name)| compile(&text, &name))
        .transpose()
        .map_err(value_error)?;
    let users = parse_users(users, "users").map_err(value_error)?;
    let cx = FoldCx {
        engine: &engine,
        against: against.as_ref().map(|a| &a.0),
        users: &users,
        count_from: count_from.unwrap_or(i64::MIN),
        trace: None,
    };
    let mut folder = Folder::new(&cx);
    let mut read = Stats::default();
    for item in batches.try_iter()? {
        let (events, stats): (Vec<Option<String>>, Vec<Option<String>>) = item?.extract()?;
        for text in events.iter().flatten() {
            match serde_json::from_str::<Ev>(text) {
                Ok(ev) => folder.push(&ev),
                Err(e) => read.malformed("(normalized event)", 0, &e.to_string()),
            }
        }
        for text in stats.iter().flatten() {
            let partial: Stats = serde_json::from_str(text)
                .map_err(|e| value_error(format!("read statistics: {e}")))?;
            read.merge(partial);
        }
    }
    let mut out = folder.finish();
    out.merge(read);
    serde_json::to_string(&out).map_err(|e| value_error(e.to_string()))
}

/// The report document (`factorgate replay --json`'s) from the tasks' partial statistics and the
/// run's facts (`RunInfo` as JSON, camelCase), as JSON.
#[pyfunction]
fn report(partials: Vec<String>, run: &str) -> PyResult<String> {
    let mut stats = Stats::default();
    for p in &partials {
        let partial: Stats =
            serde_json::from_str(p).map_err(|e| value_error(format!("statistics: {e}")))?;
        stats.merge(partial);
    }
    let run: RunInfo = serde_json::from_str(run).map_err(|e| value_error(format!("run: {e}")))?;
    let doc = factorgate_replay::report::to_json(&mut stats, &run);
    serde_json::to_string(&doc).map_err(|e| value_error(e.to_string()))
}

/// The terminal summary of a report document (JSON), as `factorgate replay` prints it.
#[pyfunction]
fn summary(doc: &str) -> PyResult<String> {
    let doc: serde_json::Value = serde_json::from_str(doc).map_err(|e| value_error(e.to_string()))?;
    Ok(factorgate_replay::report::summary(&doc))
}

/// The self-contained HTML report of a report document (JSON).
#[pyfunction]
fn html(doc: &str) -> PyResult<String> {
    let doc: serde_json::Value = serde_json::from_str(doc).map_err(|e| value_error(e.to_string()))?;
    Ok(factorgate_replay::report::html(&doc))
}

/// Compiles a policy as replay does (its state key) and returns its reference for the report,
/// `{id, version, digest, file}` as JSON; a `ValueError` saying why when it does not compile.
#[pyfunction]
fn policy_reference(policy: &str, name: &str) -> PyResult<String> {
    let (_, reference) = compile(policy, name).map_err(value_error)?;
    Ok(reference.to_string())
}

/// Checks a `--users` document (JSON lines or an array); a `ValueError` naming the line if not.
#[pyfunction]
fn check_users(users: &str, name: &str) -> PyResult<usize> {
    parse_users(users, name).map(|u| u.len()).map_err(value_error)
}

/// `2026-01-05T08:01:02Z` from epoch milliseconds (the report's time format).
#[pyfunction]
fn rfc3339(ms: i64) -> String {
    factorgate_replay::event::rfc3339(ms, 0)
}

/// The extension module.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{
        check_users, fold, html, policy_reference, report, rfc3339, summary, Normalizer,
    };
}
