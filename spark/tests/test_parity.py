"""The Spark job gives the report `factorgate replay` gives, on the same generated logs.

PySpark in local mode (two cores, files cut in 1 MiB blocks and Arrow batches of 1000 rows, so
line numbers cross blocks and a task folds over many batches). Every report is compared whole,
except its `run` section (timings, partitioning): outcomes per entry, per day, app and user kind,
reasons, agreement with the IdP, users newly denied, factor changes held, malformed lines with
file and line, and with `--against` the diff classes, fields and examples.

`FACTORGATE_BIN` names the `factorgate` binary (make spark builds target/debug/factorgate).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("FACTORGATE_BIN", str(ROOT / "target" / "debug" / "factorgate"))
EXAMPLE = ROOT / "spark" / "examples" / "replay_job.py"


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("factorgate-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.files.maxPartitionBytes", str(1 << 20))
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def fg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True)


def policy(tmp: Path, edit=None) -> Path:
    p = json.loads(fg("replay", "default-policy").stdout)
    p["id"] = "acme"
    p["apps"]["byId"] = {
        "Wiki": "low",
        "Payroll": "high",
        "AWS Console": "critical",
        "Admin Portal": "critical",
    }
    if edit:
        edit(p)
    path = tmp / f"policy-{p['id']}.json"
    path.write_text(json.dumps(p))
    return path


def generate(tmp: Path, source: str, events: int, seed: int):
    log, users = tmp / f"{source}.log", tmp / f"{source}.users.jsonl"
    fg(
        "replay", "generate", "--source", source, "--events", str(events),
        "--seed", str(seed), "--users-out", str(users), "-o", str(log),
    )
    return log, users


def native(tmp: Path, pol: Path, logs, source: str, *extra: str) -> dict:
    out = tmp / "native.json"
    fg("replay", str(pol), *map(str, logs), "--source", source, "--json", str(out), "-q", *extra)
    return json.loads(out.read_text())


def counted(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "run"}


def assert_same(spark_doc: dict, native_doc: dict):
    a, b = counted(spark_doc), counted(native_doc)
    for key in b:
        assert a.get(key) == b[key], f"{key}: spark {json.dumps(a.get(key))[:400]} native {json.dumps(b[key])[:400]}"
    assert a == b
    for key in ("policy", "against", "countedFrom", "warmupDays", "source", "files"):
        assert spark_doc["run"].get(key) == native_doc["run"].get(key), key


@pytest.mark.parametrize("source", ["auth0", "okta", "entra"])
def test_the_same_report_as_native_replay(spark, tmp_path, source):
    import factorgate_spark

    pol = policy(tmp_path)
    log, users = generate(tmp_path, source, 8000, 7)
    want = native(tmp_path, pol, [log], source, "--users", str(users))
    got = factorgate_spark.replay(spark, str(pol), [str(log)], source, users=str(users))
    assert want["decisions"]["signIns"] > 500
    assert sum(want["decisions"]["login"].values()) == want["decisions"]["signIns"]
    assert want["topReasons"], "the generated attacks give reasons"
    assert_same(got, want)
    assert got["run"]["engine"] == "spark"
    assert "sign-ins" in factorgate_spark.summary(got)
    assert factorgate_spark.html(got).startswith("<!doctype html>")


def test_against_and_warmup_give_the_same_diff(spark, tmp_path):
    import factorgate_spark

    pol = policy(tmp_path)

    def loosen(p):
        p["id"] = "acme-old"
        p["risk"]["login"]["denyAtCritical"] = False
        p["enrollment"]["restrictedFactors"] = "allow"

    old = policy(tmp_path, loosen)
    log, users = generate(tmp_path, "okta", 12000, 9)
    want = native(
        tmp_path, pol, [log], "okta", "--users", str(users), "--against", str(old), "--warmup", "2"
    )
    got = factorgate_spark.replay(
        spark, str(pol), [str(log)], "okta", users=str(users), against=str(old), warmup_days=2
    )
    assert want["run"]["countedFrom"]
    classes = want["against"]["classes"]["login"]
    assert sum(classes.values()) == want["decisions"]["signIns"]
    assert_same(got, want)


def test_malformed_lines_and_several_files(spark, tmp_path):
    import factorgate_spark

    pol = policy(tmp_path)
    log, users = generate(tmp_path, "auth0", 8000, 3)
    lines = log.read_text().splitlines()
    lines[4] = "this is not JSON"
    lines[9] = lines[9][: len(lines[9]) // 2]
    lines[20] = ""
    lines[4500] = '{"type": "s", "date": "yesterday", "user_id": "auth0|x"}'
    half = len(lines) // 2
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("\n".join(lines[:half]) + "\n")
    b.write_text("\n".join(lines[half:]) + "\n")
    want = native(tmp_path, pol, [a, b], "auth0", "--users", str(users))
    got = factorgate_spark.replay(spark, str(pol), [str(a), str(b)], "auth0", users=str(users))
    assert want["input"]["malformed"] == 3
    listed = [(m["file"], m["line"]) for m in want["input"]["malformedLines"]]
    assert listed == [(str(a), 5), (str(a), 10), (str(b), 4501 - half)]
    assert_same(got, want)


def test_a_policy_that_does_not_compile_is_a_value_error(spark, tmp_path):
    import factorgate_spark

    log, _ = generate(tmp_path, "okta", 200, 1)
    bad = tmp_path / "bad.json"
    bad.write_text('{"id":"x","version":1,"risk":{"riskyAt":"sometimes"}}')
    with pytest.raises(ValueError, match="does not compile"):
        factorgate_spark.replay(spark, str(bad), [str(log)], "okta")


def test_the_example_job(tmp_path):
    pol = policy(tmp_path)
    log, users = generate(tmp_path, "entra", 3000, 4)
    want = native(tmp_path, pol, [log], "entra", "--users", str(users))
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    job = [sys.executable, str(EXAMPLE), "--master", "local[2]"]
    out = subprocess.run(
        [*job, str(pol), str(log), "--source", "entra", "--users", str(users), "--json", "-"],
        capture_output=True, text=True, env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert_same(json.loads(out.stdout), want)
    missing = subprocess.run(
        [*job, str(pol), str(tmp_path / "missing.log"), "--source", "entra"],
        capture_output=True, text=True, env=env,
    )
    assert missing.returncode == 2, missing.stderr[-2000:]
