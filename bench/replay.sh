#!/usr/bin/env bash
# `make bench-replay`: replay throughput of `factorgate replay` on generated logs, single-threaded
# and on all cores, as a ratio to the native single-decision rate measured in the same run
# (`decide_login_json` calls per second on one thread: the limit), and peak memory (VmHWM).
#   REPLAY_EVENTS="1000000 10000000" REPLAY_SOURCE=auth0 bench/replay.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${REPLAY_EVENTS:-1000000}
SOURCE=${REPLAY_SOURCE:-auth0}
OUT=${REPLAY_OUT:-target/bench-replay}
mkdir -p "$OUT"
cargo build --quiet --profile replay -p factorgate-cli
BIN=target/replay/factorgate
"$BIN" replay default-policy > "$OUT/policy.json"
decide=$("$BIN" replay bench-decide --calls 200000)
rate=$(echo "$decide" | sed 's/.*"decisionsPerSecond":\([0-9.]*\).*/\1/')
echo "native decide_login_json, 1 thread: $rate decisions/s"
printf '| events | source | threads | seconds | events/s | ratio to 1-thread decisions/s | sign-ins + changes decided | peak memory |\n|---|---|---|---|---|---|---|---|\n' > "$OUT/table.md"
for n in $EVENTS; do
  log="$OUT/$SOURCE-$n.log"
  [ -s "$log" ] || "$BIN" replay generate --source "$SOURCE" --events "$n" --seed 1 --users-out "$OUT/$SOURCE-$n.users.jsonl" -o "$log"
  for t in 1 0; do
    "$BIN" replay "$OUT/policy.json" "$log" --source "$SOURCE" --users "$OUT/$SOURCE-$n.users.jsonl" --threads "$t" --json "$OUT/$SOURCE-$n-t$t.json" -q
    python3 - "$OUT/$SOURCE-$n-t$t.json" "$rate" "$n" "$SOURCE" >> "$OUT/table.md" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); r = d["run"]; rate = float(sys.argv[2])
decided = d["decisions"]["signIns"] + d["decisions"]["factorChanges"]
print(f"| {int(sys.argv[3]):,} | {sys.argv[4]} | {r['threads']} | {r['seconds']:.1f} | {r['eventsPerSecond']:,.0f} | {r['eventsPerSecond']/rate:.2f} | {decided:,} | {r.get('peakRssKb', 0)//1024} MB |")
PY
  done
done
echo "native decide_login_json on 1 thread: $rate/s ($decide)" >> "$OUT/table.md"
cat "$OUT/table.md"
