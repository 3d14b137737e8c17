#!/usr/bin/env bash
# `make bench-spark`: the Spark job (spark/examples/replay_job.py, PySpark local mode on all
# cores) beside native `factorgate replay` on the same generated log, events per second each, and
# whether the two reports agree. After `make spark` (the environment and the wheel).
#   SPARK_EVENTS=1000000 SPARK_SOURCE=auth0 spark/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${SPARK_EVENTS:-1000000}
SOURCE=${SPARK_SOURCE:-auth0}
OUT=${SPARK_OUT:-target/bench-spark}
VENV=target/spark-venv
mkdir -p "$OUT"
cargo build --quiet --profile replay -p factorgate-cli
BIN=target/replay/factorgate
"$BIN" replay default-policy > "$OUT/policy.json"
log="$OUT/$SOURCE-$EVENTS.log"
users="$OUT/$SOURCE-$EVENTS.users.jsonl"
[ -s "$log" ] || "$BIN" replay generate --source "$SOURCE" --events "$EVENTS" --seed 1 --users-out "$users" -o "$log"
t0=$(date +%s.%N)
"$BIN" replay "$OUT/policy.json" "$log" --source "$SOURCE" --users "$users" --json "$OUT/native.json" -q
t1=$(date +%s.%N)
export PYSPARK_PYTHON=$PWD/$VENV/bin/python PYSPARK_DRIVER_PYTHON=$PWD/$VENV/bin/python
export PYSPARK_SUBMIT_ARGS="--driver-memory ${SPARK_DRIVER_MEMORY:-4g} pyspark-shell"
"$VENV/bin/python" spark/examples/replay_job.py "$OUT/policy.json" "$log" --source "$SOURCE" \
  --users "$users" --json "$OUT/spark.json" --master "local[*]" > /dev/null 2> "$OUT/spark.stderr"
t2=$(date +%s.%N)
python3 - "$OUT" "$t0" "$t1" "$t2" "$EVENTS" "$SOURCE" <<'PY'
import json, sys
out, t0, t1, t2, n, source = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5]), sys.argv[6]
nat, spk = (json.load(open(f"{out}/{k}.json")) for k in ("native", "spark"))
same = {k: v for k, v in nat.items() if k != "run"} == {k: v for k, v in spk.items() if k != "run"}
ev = nat["input"]["events"]
print(f"| engine | events | source | cores | job seconds | wall seconds (with JVM start) | events/s (job) | same report |")
print(f"|---|---|---|---|---|---|---|---|")
print(f"| factorgate replay | {n:,} | {source} | {nat['run']['threads']} | {nat['run']['seconds']:.1f} | {t1 - t0:.1f} | {ev / nat['run']['seconds']:,.0f} | |")
print(f"| Spark local mode (mapInArrow) | {n:,} | {source} | {spk['run']['threads']} | {spk['run']['seconds']:.1f} | {t2 - t1:.1f} | {ev / spk['run']['seconds']:,.0f} | {'yes' if same else 'NO'} |")
sys.exit(0 if same else 1)
PY
