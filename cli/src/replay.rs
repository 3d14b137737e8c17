//! `factorgate replay`: a policy (and optionally the one it replaces) over an IdP's logged
//! sign-in history, with state threaded per user in time order, compared with what the IdP
//! itself did. Streaming and bounded in memory: phase 1 partitions the input by user into
//! temporary files ([`partition`]), phase 2 sorts and folds each partition ([`fold`]) on all
//! cores; [`report`] merges, summarises and renders. All of it is the `factorgate-replay` crate
//! (replay/), which the Spark wheel (spark/) runs too; this module is the command line around it.

use clap::{Args, Subcommand};
use factorgate::compile_policy_json;
pub use factorgate_replay::{event, fold, generate, partition, report, Source, REPLAY_STATE_KEY};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Exit code for a usage or input error (clap uses 2 for usage errors too).
pub const EXIT_INPUT: u8 = 2;

/// Replays a policy over an IdP's logged sign-in history.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ReplayArgs {
    #[command(subcommand)]
    pub tool: Option<Tool>,
    /// The policy to replay (JSON).
    #[arg(required = true)]
    pub policy: Option<PathBuf>,
    /// Log files (JSON lines or JSON arrays; Entra sign-in and audit files together).
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// Whose log format the files are in.
    #[arg(long, value_enum, required = true)]
    pub source: Option<Source>,
    /// The policy in force, to diff against over the same history.
    #[arg(long, value_name = "OLD")]
    pub against: Option<PathBuf>,
    /// Write the self-contained HTML report here.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Write the JSON report here (`-` for stdout, instead of the summary).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// What the directory knows of the users (JSON lines `{id, kind, roles, capabilities, createdAt}`).
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// Threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Largest partition loaded at once, in MiB of partition file (about 2–3× that in memory per
    /// thread); larger ones are split further.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub partition_mb: u64,
    /// Partitions (default: from the input size and the cap, at least 8 per thread).
    #[arg(long)]
    pub partitions: Option<usize>,
    /// Where the temporary partition files go (default: the system temp dir).
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
    /// Days from the first event that only build memory (every user starts with none, and
    /// novelty signals wait for the learning logins); the report covers the time after.
    #[arg(long, default_value_t = 0, value_name = "DAYS")]
    pub warmup: u32,
    /// Print every request and decision of this user to stderr (JSON lines).
    #[arg(long, value_name = "USER_ID")]
    pub trace_user: Option<String>,
    /// No summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Tool {
    /// Writes realistic synthetic logs of one IdP to stdout (for tests and benchmarks).
    Generate(GenerateArgs),
    /// Native single-decision rate on one thread (for `make bench-replay`).
    #[command(hide = true)]
    BenchDecide {
        #[arg(long, default_value_t = 200_000)]
        calls: u64,
    },
    /// Prints the engine's embedded default policy (for tests and benchmarks).
    #[command(hide = true)]
    DefaultPolicy,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, value_enum)]
    pub source: Source,
    /// Log lines to write.
    #[arg(long, default_value_t = 10_000)]
    pub events: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Days of history to spread the events over (about).
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    /// The first day (YYYY-MM-DD; a Monday reads most naturally).
    #[arg(long, default_value = "2026-01-05")]
    pub start: String,
    /// One JSON array instead of JSON lines (as Entra's "Download JSON" and API pages give).
    #[arg(long)]
    pub array: bool,
    /// Also write the population (JSON lines for `replay --users`, with each victim's scenario).
    #[arg(long, value_name = "FILE")]
    pub users_out: Option<PathBuf>,
    /// Write here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// An error for the user: message to stderr, exit code 2.
pub struct Fail(pub String);

impl<E: std::fmt::Display> From<E> for Fail {
    fn from(e: E) -> Self {
        Fail(e.to_string())
    }
}

/// `factorgate replay`: its tools, or a replay with its outputs (summary, `--json`, `--report`).
pub fn run(args: ReplayArgs) -> Result<(), Fail> {
    match args.tool {
        Some(Tool::Generate(g)) => return run_generate(&g),
        Some(Tool::BenchDecide { calls }) => return bench_decide(calls),
        Some(Tool::DefaultPolicy) => {
            println!("{}", factorgate::default_policy_json());
            return Ok(());
        }
        None => {}
    }
    let (Some(policy_path), Some(source)) = (args.policy.as_ref(), args.source) else {
        return Err(Fail("replay needs a POLICY, LOGS and --source".into()));
    };
    let read = |p: &PathBuf| -> Result<(String, String), Fail> {
        let text = std::fs::read_to_string(p).map_err(|e| Fail(format!("{}: {e}", p.display())))?;
        Ok((p.display().to_string(), text))
    };
    let plan = Plan {
        policy: read(policy_path)?,
        against: args.against.as_ref().map(read).transpose()?,
        logs: &args.logs,
        source,
        users: args.users.as_deref(),
        threads: args.threads,
        partition_mb: args.partition_mb,
        partitions: args.partitions,
        temp_dir: args.temp_dir.as_deref(),
        warmup: args.warmup,
        trace_user: args.trace_user.as_deref(),
        progress: !args.quiet,
    };
    let doc = execute(&plan)?;
    if let Some(path) = &args.report {
        std::fs::write(path, report::html(&doc))
            .map_err(|e| Fail(format!("{}: {e}", path.display())))?;
    }
    let mut stdout = std::io::stdout().lock();
    match &args.json {
        Some(p) if p.as_os_str() == "-" => {
            serde_json::to_writer_pretty(&mut stdout, &doc)?;
            writeln!(stdout)?;
        }
        Some(p) => {
            let text = serde_json::to_string_pretty(&doc)?;
            std::fs::write(p, text + "\n").map_err(|e| Fail(format!("{}: {e}", p.display())))?;
        }
        None => {}
    }
    if !args.quiet && args.json.as_ref().map_or(true, |p| p.as_os_str() != "-") {
        write!(stdout, "{}", report::summary(&doc))?;
    }
    Ok(())
}

/// One replay: what `factorgate replay` and `factorgate diff --logs` both run.
pub struct Plan<'a> {
    /// The policy replayed: its name (for the report) and its text.
    pub policy: (String, String),
    /// The policy in force, replayed beside it (`--against`).
    pub against: Option<(String, String)>,
    /// The log files.
    pub logs: &'a [PathBuf],
    /// Whose format they are in.
    pub source: Source,
    /// `--users`.
    pub users: Option<&'a Path>,
    /// Threads (0: all cores).
    pub threads: usize,
    /// The partition cap in MiB.
    pub partition_mb: u64,
    /// The partition count (default: from the input size).
    pub partitions: Option<usize>,
    /// Where partition files go.
    pub temp_dir: Option<&'a Path>,
    /// `--warmup` days.
    pub warmup: u32,
    /// `--trace-user`.
    pub trace_user: Option<&'a str>,
    /// A progress bar on a terminal (never when stderr is not one).
    pub progress: bool,
}

/// Replays the plan: reads and partitions the logs, folds every partition on the thread pool,
/// and returns the report document (`--json`'s). Malformed lines are counted in it; `Err` is an
/// input error (a missing file, a policy that does not compile).
pub fn execute(plan: &Plan<'_>) -> Result<serde_json::Value, Fail> {
    let source = plan.source;
    let started = Instant::now();
    let (engine, policy_ref) = factorgate_replay::compile(&plan.policy.1, &plan.policy.0)?;
    let against = plan
        .against
        .as_ref()
        .map(|(name, text)| factorgate_replay::compile(text, name))
        .transpose()?;
    let users = match plan.users {
        Some(p) => read_users(p)?,
        None => HashMap::new(),
    };
    let mut total_bytes = 0u64;
    for f in plan.logs {
        let meta = std::fs::metadata(f).map_err(|e| Fail(format!("{}: {e}", f.display())))?;
        if meta.is_dir() {
            return Err(Fail(format!("{}: is a directory", f.display())));
        }
        total_bytes += meta.len();
    }
    if plan.logs.len() > 4095 {
        return Err(Fail("at most 4095 log files per run".into()));
    }
    let threads = if plan.threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        plan.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let cap = plan.partition_mb.max(1) << 20;
    // a normalized event is about 0.3–0.5 of its raw record: aim under the cap without splitting
    let partitions = plan
        .partitions
        .unwrap_or_else(|| ((total_bytes / 2 / cap) as usize + 1).max(threads * 8))
        .clamp(1, 4096);
    let temp = match plan.temp_dir {
        Some(d) => tempfile::Builder::new()
            .prefix("factorgate-replay-")
            .tempdir_in(d)?,
        None => tempfile::Builder::new()
            .prefix("factorgate-replay-")
            .tempdir()?,
    };

    let tty = std::io::stderr().is_terminal() && plan.progress;
    let bar = |len: u64, msg: &'static str| {
        let b = ProgressBar::with_draw_target(
            Some(len),
            if tty {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {percent:>3}% {elapsed_precise} eta {eta}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_message(msg);
        b
    };
    let read_bar = bar(total_bytes, "reading");
    let (parts, mut stats) =
        partition::write(source, plan.logs, temp.path(), partitions, threads, &|n| {
            read_bar.inc(n)
        })?;
    read_bar.finish_and_clear();
    let read_seconds = started.elapsed().as_secs_f64();

    let count_from = stats
        .min_ts
        .map_or(i64::MIN, |t| t + i64::from(plan.warmup) * 86_400_000);
    let fold_started = Instant::now();
    let fold_bar = bar(parts.paths.len() as u64, "deciding");
    let cx = fold::FoldCx {
        engine: &engine,
        against: against.as_ref().map(|a| &a.0),
        users: &users,
        trace: plan.trace_user,
        count_from,
    };
    let load_total = Mutex::new(partition::LoadStats::default());
    let folded = pool.install(|| {
        parts
            .paths
            .par_iter()
            .map(|path| -> std::io::Result<report::Stats> {
                let mut acc = report::Stats::default();
                let ls = partition::load(path, cap, 0, &mut |events| {
                    acc.merge(fold::fold_partition(events, &cx));
                    Ok(())
                })?;
                if let Ok(mut t) = load_total.lock() {
                    t.add(&ls);
                }
                std::fs::remove_file(path).ok();
                fold_bar.inc(1);
                Ok(acc)
            })
            .try_reduce(report::Stats::default, |mut a, b| {
                a.merge(b);
                Ok(a)
            })
    })?;
    fold_bar.finish_and_clear();
    stats.merge(folded);
    drop(parts);
    temp.close()?;
    let load = load_total.into_inner().unwrap_or_default();
    let seconds = started.elapsed().as_secs_f64();
    let run = report::RunInfo {
        source: source.as_str().into(),
        files: plan.logs.iter().map(|f| f.display().to_string()).collect(),
        policy: policy_ref,
        against: against.map(|a| a.1),
        threads,
        warmup_days: plan.warmup,
        counted_from: (plan.warmup > 0).then(|| event::rfc3339(count_from, 0)),
        partitions,
        partition_cap_bytes: cap,
        partition_splits: load.splits,
        largest_partition_bytes: load.max_bytes,
        oversized_partitions: load.oversized,
        read_seconds,
        fold_seconds: fold_started.elapsed().as_secs_f64(),
        seconds,
        events_per_second: stats.events as f64 / seconds.max(1e-9),
        peak_rss_kb: peak_rss_kb(),
    };
    Ok(report::to_json(&mut stats, &run))
}

fn read_users(path: &Path) -> Result<HashMap<String, fold::UserInfo>, Fail> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Fail(format!("{}: {e}", path.display())))?;
    factorgate_replay::parse_users(&text, &path.display().to_string()).map_err(Fail)
}

/// Peak resident memory of this process (`VmHWM`), Linux only.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run_generate(g: &GenerateArgs) -> Result<(), Fail> {
    let start_day = generate::parse_day(&g.start)
        .ok_or_else(|| Fail(format!("--start {}: not YYYY-MM-DD", g.start)))?;
    let o = generate::Options {
        source: g.source,
        events: g.events,
        seed: g.seed,
        days: g.days.max(1),
        start_day,
        array: g.array,
    };
    let mut users_file = match &g.users_out {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| Fail(format!("{}: {e}", p.display())))?,
        )),
        None => None,
    };
    let users: Option<&mut dyn Write> = users_file.as_mut().map(|w| w as &mut dyn Write);
    match &g.out {
        Some(p) => {
            let mut w = std::io::BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(p).map_err(|e| Fail(format!("{}: {e}", p.display())))?,
            );
            generate::generate(&o, &mut w, users)?;
            w.flush()?;
        }
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            generate::generate(&o, &mut w, users)?;
            w.flush()?;
        }
    }
    if let Some(mut u) = users_file {
        u.flush()?;
    }
    Ok(())
}

/// `decide_login_json` calls per second on one thread, for a login of the kind replay decides
/// (an employee with two factors, a managed device, a place with an ASN, a fresh push, signed
/// state threaded from the previous call): the limit replay's throughput is read against.
fn bench_decide(calls: u64) -> Result<(), Fail> {
    let engine = compile_policy_json(
        &factorgate::default_policy_json(),
        &format!(r#"{{"stateKey":"{REPLAY_STATE_KEY}"}}"#),
    )
    .map_err(Fail)?;
    let now_ms = 1_767_600_000_000.0;
    let request = |state: Option<&str>| {
        let mut r = serde_json::json!({
            "now": "2026-01-05T08:10:00Z",
            "user": {"id": "00u1bench", "kind": "employee", "factors": [{"type": "push"}, {"type": "totp"}], "lastLoginAt": "2026-01-04T08:00:00Z"},
            "session": {"ip": "84.208.10.20", "geo": {"lat": 59.91, "lon": 10.75, "country": "NO", "asn": 2119},
                "device": {"id": "dev-0001", "managed": true},
                "methods": [{"type": "password", "at": "2026-01-05T08:09:30Z"}, {"type": "push", "at": "2026-01-05T08:09:50Z"}]},
            "app": {"id": "Mail"}
        });
        if let (Some(s), Some(o)) = (state, r.as_object_mut()) {
            o.insert("state".into(), serde_json::json!(s));
        }
        r.to_string()
    };
    // warm the state up past the learning logins
    let mut state: Option<String> = None;
    for _ in 0..5 {
        let out = engine.decide_login_json(&request(state.as_deref()), now_ms);
        let v: serde_json::Value = serde_json::from_str(&out)?;
        state = v.get("state").and_then(|s| s.as_str()).map(str::to_owned);
    }
    let req = request(state.as_deref());
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..calls / 5 {
            std::hint::black_box(engine.decide_login_json(std::hint::black_box(&req), now_ms));
        }
        best = best.min(t.elapsed().as_secs_f64() / (calls / 5).max(1) as f64);
    }
    println!(
        "{}",
        serde_json::json!({"decisionsPerSecond": (1.0 / best).round(), "usPerDecision": best * 1e6})
    );
    Ok(())
}
