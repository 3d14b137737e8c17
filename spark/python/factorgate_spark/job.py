"""factorgate replay on Spark: the per-user fold of ``factorgate replay`` as a PySpark job.

The job is::

    lines = spark.read.text(logs)  + input_file_name(), input_file_block_start()
    events = lines.mapInArrow(normalize)                      # the IdP's reader, in Rust
    stats = (events.repartition(n, "user")
                   .sortWithinPartitions("user", "ts", "seq")
                   .mapInArrow(fold))                         # the engine, state per user
    report(stats.collect())                                   # merged on the driver

Every step calls the ``factorgate-replay`` crate through the wheel's ``_native`` module, so the
report is the one ``factorgate replay --json`` writes for the same files (its ``run`` section
aside: timings and partitioning). One cheap pass before counts each file block's lines, so that
malformed lines are reported with their true line numbers and a user's events sort exactly as
on the command line (by time, then file, line and record).

Input: JSON lines (what log streams, the Okta and Auth0 APIs page by page, and Entra's
diagnostic settings deliver). A file that is one JSON array (Entra's portal download) is read by
``factorgate replay`` only.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

import pyarrow as pa

from . import _native

#: Columns of the normalized events (step 1); `stats` is set on one row per task only.
EVENT_SCHEMA = "user string, ts long, seq long, ev string, stats string"
_EVENT_ARROW = pa.schema(
    [
        ("user", pa.string()),
        ("ts", pa.int64()),
        ("seq", pa.int64()),
        ("ev", pa.string()),
        ("stats", pa.string()),
    ]
)
#: One row of partial statistics per fold task (step 2).
STATS_SCHEMA = "stats string"
_STATS_ARROW = pa.schema([("stats", pa.string())])
#: `seq` packs the file index in 12 bits; Spark sorts it as a signed long, so below 2^11 files.
MAX_FILES = 2047
_DAY_MS = 86_400_000


def _local_key(uri: str) -> str:
    """A file's identity from a path or a ``file:`` URI (what ``input_file_name()`` gives)."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme in ("", "file"):
        return os.path.abspath(urllib.parse.unquote(parsed.path))
    return uri


def _normalize(source: str, files: list, blocks: list):
    """Step 1's function for ``mapInArrow``: text lines in, normalized events out."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        n = _native.Normalizer(source, files, blocks)
        for b in batches:
            users, ts, seq, evs = n.push(
                b.column(0).to_pylist(), b.column(1).to_pylist(), b.column(2).to_pylist()
            )
            if users:
                yield pa.RecordBatch.from_arrays(
                    [
                        pa.array(users, pa.string()),
                        pa.array(ts, pa.int64()),
                        pa.array(seq, pa.int64()),
                        pa.array(evs, pa.string()),
                        pa.nulls(len(users), pa.string()),
                    ],
                    schema=_EVENT_ARROW,
                )
        yield pa.RecordBatch.from_arrays(
            [
                pa.nulls(1, pa.string()),
                pa.nulls(1, pa.int64()),
                pa.nulls(1, pa.int64()),
                pa.nulls(1, pa.string()),
                pa.array([n.finish()], pa.string()),
            ],
            schema=_EVENT_ARROW,
        )

    return run


def _fold(policy, against, users, count_from):
    """Step 2's function for ``mapInArrow``: sorted events in, one row of statistics out."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        policy_text, policy_name = policy
        columns = (
            (b.column(3).to_pylist(), b.column(4).to_pylist()) for b in batches
        )
        stats = _native.fold(
            policy_text, policy_name, against, users.value, count_from, columns
        )
        yield pa.RecordBatch.from_arrays([pa.array([stats], pa.string())], schema=_STATS_ARROW)

    return run


def replay(
    spark,
    policy: str,
    logs: Sequence[str],
    source: str,
    *,
    against: Optional[str] = None,
    users: Optional[str] = None,
    warmup_days: int = 0,
    partitions: Optional[int] = None,
) -> dict:
    """Replays the policy file ``policy`` over the log files ``logs`` of ``source`` (``auth0``,
    ``okta``, ``entra``) on ``spark``, optionally against the policy in force (``against``) and
    with the directory's users (``users``, as ``replay --users``); the first ``warmup_days`` only
    build memory. Returns the report document of ``factorgate replay --json``.

    A policy that does not compile, or a users file that does not read, raises ``ValueError``
    before any Spark work; malformed log lines are counted in the report, never raised.
    """
    from pyspark.sql import functions as F

    started = time.monotonic()
    logs = [str(p) for p in logs]
    if not logs or len(logs) > MAX_FILES:
        raise ValueError(f"between 1 and {MAX_FILES} log files")
    for p in logs:
        if urllib.parse.urlparse(p).scheme in ("", "file") and not os.path.isfile(_local_key(p)):
            raise FileNotFoundError(f"{p}: no such file")
    policy_text = Path(policy).read_text()
    policy_ref = json.loads(_native.policy_reference(policy_text, str(policy)))
    against_pair = None
    against_ref = None
    if against is not None:
        against_text = Path(against).read_text()
        against_ref = json.loads(_native.policy_reference(against_text, str(against)))
        against_pair = (against_text, str(against))
    users_text = Path(users).read_text() if users is not None else ""
    _native.check_users(users_text, str(users))

    sc = spark.sparkContext
    keys = {_local_key(p): (i, p) for i, p in enumerate(logs)}
    lines = spark.read.text(logs).select(
        F.col("value"),
        F.input_file_name().alias("file"),
        F.input_file_block_start().alias("block"),
    )
    # the first line of every block: the blocks' line counts, in file order
    counts = sorted(
        (r["file"], r["block"], r["count"])
        for r in lines.groupBy("file", "block").count().collect()
    )
    blocks, files, line = [], [], {}
    for uri, start, n in counts:
        first = line.get(uri, 1)
        blocks.append((uri, start, first))
        line[uri] = first + n
    for uri in line:
        index, name = keys.get(_local_key(uri), (MAX_FILES, uri))
        files.append((uri, index, name))

    events = lines.mapInArrow(_normalize(source, files, blocks), EVENT_SCHEMA)
    count_from = None
    if warmup_days > 0:
        events = events.persist()
        first_ts = events.agg(F.min("ts")).first()[0]
        if first_ts is not None:
            count_from = first_ts + warmup_days * _DAY_MS
    n = partitions or max(1, sc.defaultParallelism * 4)
    users_bc = sc.broadcast(users_text)
    fold_started = time.monotonic()
    partials = [
        r["stats"]
        for r in events.repartition(n, "user")
        .sortWithinPartitions("user", "ts", "seq")
        .mapInArrow(
            _fold((policy_text, str(policy)), against_pair, users_bc, count_from),
            STATS_SCHEMA,
        )
        .collect()
    ]
    if warmup_days > 0:
        events.unpersist()
    users_bc.unpersist()
    done = time.monotonic()
    total = done - started
    run = {
        "source": source,
        "files": logs,
        "policy": policy_ref,
        "threads": sc.defaultParallelism,
        "warmupDays": warmup_days,
        "partitions": n,
        "partitionCapBytes": 0,
        "partitionSplits": 0,
        "largestPartitionBytes": 0,
        "oversizedPartitions": 0,
        "readSeconds": fold_started - started,
        "foldSeconds": done - fold_started,
        "seconds": total,
        "eventsPerSecond": 0.0,
    }
    if against_ref is not None:
        run["against"] = against_ref
    if count_from is not None:
        run["countedFrom"] = _native.rfc3339(count_from)
    doc = json.loads(_native.report(partials, json.dumps(run)))
    doc["run"]["eventsPerSecond"] = doc["input"]["events"] / max(total, 1e-9)
    doc["run"]["engine"] = "spark"
    return doc


def summary(doc: dict) -> str:
    """The terminal summary ``factorgate replay`` prints, for a report document."""
    return _native.summary(json.dumps(doc))


def html(doc: dict) -> str:
    """The self-contained HTML report, for a report document."""
    return _native.html(json.dumps(doc))


__all__: Iterable[str] = ["replay", "summary", "html", "EVENT_SCHEMA", "STATS_SCHEMA"]
