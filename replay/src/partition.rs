//! Phase 1 of replay: read every input once, as a stream, and write each normalized event to the
//! temporary partition file of its user (a hash of the user id), so that phase 2 can load one
//! partition at a time, sort it by (user, time) and fold it: memory is bounded by the largest
//! partition, whatever the input size.
//!
//! One reader thread cuts the inputs into chunks of records (JSON lines, or the elements of a
//! top-level JSON array, with their line numbers); `threads` workers parse and map them, and
//! append to the partition files through per-worker buffers. The channel between them is
//! bounded, so a fast reader never piles chunks up in memory. A line that is not JSON, or a
//! record the reader cannot use, is counted with its file and line; it never stops the run.

use super::event::Ev;
use super::readers::{self, Mapped};
use super::report::Stats;
use super::Source;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};

/// Records per chunk handed to a worker.
const CHUNK_RECORDS: usize = 2048;
/// Bytes a worker buffers per partition before appending to the file.
const WORKER_BUFFER: usize = 16 << 10;

/// One chunk: the file it came from and its records with their (1-based) line numbers.
struct Chunk {
    file: u32,
    items: Vec<(u64, String)>,
}

/// The partition files of one run.
pub struct Partitions {
    /// The partition files, one per hash bucket of the user id.
    pub paths: Vec<PathBuf>,
}

/// The partition of a user id at a split depth.
pub fn partition_of(user: &str, depth: u32, n: usize) -> usize {
    let mut h = super::readers::auth0::fnv(user.as_bytes());
    h ^= u64::from(depth).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h % n as u64) as usize
}

/// `seq`: file (12 bits), line (40 bits), record within the line (12 bits).
pub fn seq(file: u32, line: u64, sub: usize) -> u64 {
    (u64::from(file & 0xfff) << 52) | ((line & 0xff_ffff_ffff) << 12) | (sub as u64 & 0xfff)
}

/// Reads `files` of `source` into `n` partition files under `dir`; returns the read statistics
/// (records, malformed lines, skipped types). `progress` is told the bytes read.
pub fn write(
    source: Source,
    files: &[PathBuf],
    dir: &Path,
    n: usize,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(Partitions, Stats)> {
    let paths: Vec<PathBuf> = (0..n)
        .map(|i| dir.join(format!("p{i:05}.ndjson")))
        .collect();
    let writers = paths
        .iter()
        .map(|p| File::create(p).map(|f| Mutex::new(BufWriter::with_capacity(64 << 10, f))))
        .collect::<std::io::Result<Vec<_>>>()?;
    let (tx, rx) = mpsc::sync_channel::<Chunk>(threads * 2);
    let rx = Mutex::new(rx);
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let stats = std::thread::scope(|scope| -> std::io::Result<Stats> {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| scope.spawn(|| worker(source, &rx, &writers, &names)))
            .collect();
        let read = read_all(files, &tx, progress);
        drop(tx);
        let mut stats = Stats::default();
        for w in workers {
            match w.join() {
                Ok(r) => stats.merge(r?),
                Err(_) => return Err(std::io::Error::other("a partition worker panicked")),
            }
        }
        read?;
        Ok(stats)
    })?;
    for w in writers {
        w.into_inner()
            .map_err(|_| std::io::Error::other("poisoned partition writer"))?
            .flush()?;
    }
    Ok((Partitions { paths }, stats))
}

fn worker(
    source: Source,
    rx: &Mutex<mpsc::Receiver<Chunk>>,
    writers: &[Mutex<BufWriter<File>>],
    names: &[String],
) -> std::io::Result<Stats> {
    let mut stats = Stats::default();
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); writers.len()];
    let mut events = Vec::new();
    loop {
        let chunk = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return Err(std::io::Error::other("poisoned chunk channel")),
        };
        let Ok(chunk) = chunk else { break };
        let file = names.get(chunk.file as usize).map_or("?", String::as_str);
        for (line, text) in chunk.items {
            events.clear();
            ingest_line(
                source,
                file,
                chunk.file,
                line,
                &text,
                &mut stats,
                &mut events,
            );
            for ev in events.drain(..) {
                let p = partition_of(&ev.user, 0, writers.len());
                if let Some(buf) = buffers.get_mut(p) {
                    serde_json::to_writer(&mut *buf, &ev)?;
                    buf.push(b'\n');
                    if buf.len() >= WORKER_BUFFER {
                        append(writers, p, buf)?;
                    }
                }
            }
        }
    }
    for (p, buf) in buffers.iter_mut().enumerate() {
        append(writers, p, buf)?;
    }
    Ok(stats)
}

/// One log line of `source` (1-based `line` of file number `file_index`, named `file` in the
/// statistics): parsed as JSON, unwrapped into its records, each mapped to normalized events,
/// which are pushed to `out` with their `seq` (file, line, record). Counted in `stats`: the line,
/// its records and events, the earliest time; a line that is not JSON, or a record the reader
/// cannot use, as malformed with its file and line (never an error); skipped record types by
/// name. The one implementation of reading, for the command line and the Spark wheel alike.
pub fn ingest_line(
    source: Source,
    file: &str,
    file_index: u32,
    line: u64,
    text: &str,
    stats: &mut Stats,
    out: &mut Vec<Ev>,
) {
    stats.lines += 1;
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            stats.malformed(file, line, &format!("not JSON: {e}"));
            return;
        }
    };
    for (sub, record) in readers::records(value).into_iter().enumerate() {
        stats.records += 1;
        let start = out.len();
        match readers::map(source, &record, out) {
            Err(e) => {
                out.truncate(start);
                stats.malformed(file, line, &e);
            }
            Ok(Mapped::Skipped(why)) => {
                out.truncate(start);
                *stats.skipped.entry(why.to_owned()).or_default() += 1;
            }
            Ok(Mapped::Events) => {
                for ev in out.iter_mut().skip(start) {
                    ev.seq = seq(file_index, line, sub);
                    stats.events += 1;
                    stats.min_ts = Some(stats.min_ts.map_or(ev.ts, |t| t.min(ev.ts)));
                }
            }
        }
    }
}

fn append(writers: &[Mutex<BufWriter<File>>], p: usize, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if buf.is_empty() {
        return Ok(());
    }
    if let Some(w) = writers.get(p) {
        let mut w = w
            .lock()
            .map_err(|_| std::io::Error::other("poisoned partition writer"))?;
        w.write_all(buf)?;
    }
    buf.clear();
    Ok(())
}

/// Cuts every file into chunks: JSON lines, or the elements of a top-level array.
fn read_all(
    files: &[PathBuf],
    tx: &mpsc::SyncSender<Chunk>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<()> {
    for (i, path) in files.iter().enumerate() {
        let mut r = BufReader::with_capacity(1 << 20, File::open(path)?);
        let array = loop {
            let buf = r.fill_buf()?;
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(at) => break buf.get(at) == Some(&b'['),
                None if buf.is_empty() => break false,
                None => {
                    let n = buf.len();
                    r.consume(n);
                }
            }
        };
        let file = i as u32;
        if array {
            read_array(file, r, tx, progress)?;
        } else {
            read_lines(file, r, tx, progress)?;
        }
    }
    Ok(())
}

fn send(tx: &mpsc::SyncSender<Chunk>, chunk: Chunk) -> std::io::Result<()> {
    tx.send(chunk)
        .map_err(|_| std::io::Error::other("partition workers stopped"))
}

fn read_lines(
    file: u32,
    mut r: impl BufRead,
    tx: &mpsc::SyncSender<Chunk>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<()> {
    let mut items = Vec::with_capacity(CHUNK_RECORDS);
    let mut line_no = 0u64;
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let n = r.read_until(b'\n', &mut bytes)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        progress(n as u64);
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        items.push((line_no, text.to_owned()));
        if items.len() >= CHUNK_RECORDS {
            send(
                tx,
                Chunk {
                    file,
                    items: std::mem::take(&mut items),
                },
            )?;
        }
    }
    if !items.is_empty() {
        send(tx, Chunk { file, items })?;
    }
    Ok(())
}

/// The elements of one top-level JSON array, streamed: a byte scanner that tracks strings and
/// nesting, so that no element but the current one is held in memory. An unbalanced tail is
/// handed over as it is and counted malformed by the worker.
fn read_array(
    file: u32,
    r: impl Read,
    tx: &mpsc::SyncSender<Chunk>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<()> {
    let mut items = Vec::with_capacity(CHUNK_RECORDS);
    let mut line = 1u64;
    let mut start_line = 1u64;
    let mut depth = 0u32;
    let (mut in_str, mut esc) = (false, false);
    let mut cur: Vec<u8> = Vec::new();
    let mut started = false; // past the opening '['
    let mut r = BufReader::with_capacity(1 << 20, r);
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        for &b in buf {
            if b == b'\n' {
                line += 1;
            }
            if !started {
                if b == b'[' {
                    started = true;
                }
                continue;
            }
            if in_str {
                cur.push(b);
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                continue;
            }
            match b {
                b'"' => {
                    in_str = true;
                    if cur.is_empty() {
                        start_line = line;
                    }
                    cur.push(b);
                }
                b'{' | b'[' => {
                    if cur.is_empty() {
                        start_line = line;
                    }
                    depth += 1;
                    cur.push(b);
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    cur.push(b);
                }
                b']' => {
                    // the end of the top-level array
                    started = false;
                }
                b',' if depth == 0 => {
                    let text = String::from_utf8_lossy(&cur).trim().to_owned();
                    if !text.is_empty() {
                        items.push((start_line, text));
                    }
                    cur.clear();
                }
                _ => {
                    if !b.is_ascii_whitespace() || !cur.is_empty() {
                        if cur.is_empty() {
                            start_line = line;
                        }
                        cur.push(b);
                    }
                }
            }
            if items.len() >= CHUNK_RECORDS {
                send(
                    tx,
                    Chunk {
                        file,
                        items: std::mem::take(&mut items),
                    },
                )?;
            }
        }
        r.consume(n);
        progress(n as u64);
    }
    let text = String::from_utf8_lossy(&cur).trim().to_owned();
    if !text.is_empty() {
        items.push((start_line, text));
    }
    if !items.is_empty() {
        send(tx, Chunk { file, items })?;
    }
    Ok(())
}

/// Phase 2's loading of one partition within `cap` bytes of file: a partition over the cap is
/// split by a second hash of the user id into smaller files (recursively, up to a depth), each
/// handed to `each` in turn; a partition that cannot be split further (one user over the cap) is
/// loaded as it is and counted. Returns (files loaded, splits, largest bytes loaded, oversized).
pub fn load(
    path: &Path,
    cap: u64,
    depth: u32,
    each: &mut dyn FnMut(Vec<Ev>) -> std::io::Result<()>,
) -> std::io::Result<LoadStats> {
    let size = std::fs::metadata(path)?.len();
    let mut out = LoadStats::default();
    if size > cap && depth < 6 {
        let k = ((size / cap.max(1)) + 1).clamp(2, 64) as usize;
        let subs: Vec<PathBuf> = (0..k)
            .map(|i| path.with_extension(format!("{depth}.{i}.ndjson")))
            .collect();
        {
            let mut ws = subs
                .iter()
                .map(|p| File::create(p).map(|f| BufWriter::with_capacity(32 << 10, f)))
                .collect::<std::io::Result<Vec<_>>>()?;
            let r = BufReader::new(File::open(path)?);
            let mut users_seen: Vec<bool> = vec![false; k];
            for line in r.lines() {
                let line = line?;
                let user = user_of_line(&line);
                let p = partition_of(user, depth + 1, k);
                if let (Some(w), Some(seen)) = (ws.get_mut(p), users_seen.get_mut(p)) {
                    *seen = true;
                    w.write_all(line.as_bytes())?;
                    w.write_all(b"\n")?;
                }
            }
            for w in &mut ws {
                w.flush()?;
            }
        }
        std::fs::remove_file(path)?;
        out.splits += 1;
        // one user alone over the cap: every event lands in one file of the same size
        for sub in &subs {
            let sub_size = std::fs::metadata(sub)?.len();
            let sub_stats = if sub_size >= size {
                out.oversized += 1;
                load_whole(sub, each)?
            } else {
                load(sub, cap, depth + 1, each)?
            };
            out.add(&sub_stats);
            std::fs::remove_file(sub).ok();
        }
        return Ok(out);
    }
    if size > cap {
        out.oversized += 1;
    }
    let whole = load_whole(path, each)?;
    out.add(&whole);
    Ok(out)
}

fn load_whole(
    path: &Path,
    each: &mut dyn FnMut(Vec<Ev>) -> std::io::Result<()>,
) -> std::io::Result<LoadStats> {
    let size = std::fs::metadata(path)?.len();
    let r = BufReader::with_capacity(256 << 10, File::open(path)?);
    let mut events = Vec::new();
    for line in r.lines() {
        let line = line?;
        let ev: Ev = serde_json::from_str(&line).map_err(std::io::Error::other)?;
        events.push(ev);
    }
    each(events)?;
    Ok(LoadStats {
        loaded: 1,
        splits: 0,
        max_bytes: size,
        oversized: 0,
    })
}

/// The user id of a partition line without parsing it all: lines start `{"u":"…"`.
fn user_of_line(line: &str) -> &str {
    line.strip_prefix("{\"u\":\"")
        .and_then(|rest| {
            let mut esc = false;
            for (i, c) in rest.char_indices() {
                match c {
                    '\\' if !esc => esc = true,
                    '"' if !esc => return rest.get(..i),
                    _ => esc = false,
                }
            }
            None
        })
        .unwrap_or(line)
}

#[derive(Debug, Default, Clone, Copy)]
/// What phase 2's loading of one partition did.
pub struct LoadStats {
    /// Files loaded and folded.
    pub loaded: u64,
    /// Partitions split because they were over the cap.
    pub splits: u64,
    /// The largest file loaded, in bytes.
    pub max_bytes: u64,
    /// Files loaded over the cap (one user alone over it).
    pub oversized: u64,
}

impl LoadStats {
    /// Adds another partition's counts.
    pub fn add(&mut self, o: &LoadStats) {
        self.loaded += o.loaded;
        self.splits += o.splits;
        self.max_bytes = self.max_bytes.max(o.max_bytes);
        self.oversized += o.oversized;
    }
}
