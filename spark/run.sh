#!/usr/bin/env bash
# `make spark`: the Python wheel of replay's fold, and its test in PySpark local mode.
#   1. a virtual environment target/spark-venv with spark/requirements.txt (pinned, from PyPI),
#      made again only when that file changes; Java 17+ from apt if there is no java;
#   2. the wheel (maturin build --release, abi3) into target/spark-wheels/, installed into the
#      environment when it changed;
#   3. the factorgate CLI (debug build: the test's generator and native reference);
#   4. pytest spark/tests: the Spark job's reports equal `factorgate replay --json`'s.
# SPARK_TEST_ARGS are passed to pytest (e.g. "-k example").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/target/spark-venv
REQ=$ROOT/spark/requirements.txt
say() { echo "[spark] $*"; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

if ! command -v java >/dev/null 2>&1; then
  t=$(now)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "no java: installing openjdk-17-jre-headless (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    say "java: $(secs "$t") s"
  else
    say "PySpark needs Java 17 or later on PATH"; exit 2
  fi
fi

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  t=$(now)
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  echo "$want" > "$VENV/.requirements.sha256"
  say "virtual environment (maturin, pyspark, pyarrow, pandas, pytest): $(secs "$t") s"
fi

t=$(now)
export CARGO_TARGET_DIR=$ROOT/target/spark
"$VENV/bin/maturin" build --quiet --release -m spark/Cargo.toml -i "$VENV/bin/python" -o target/spark-wheels 2>&1 \
  | grep -v "^📦\|^🔗\|^🐍\|^⚠️\|^🍹" || true
wheel=$(ls -t target/spark-wheels/factorgate_spark-*.whl | head -1)
sum=$(sha256sum "$wheel" | cut -d' ' -f1)
if [ "$(cat "$VENV/.wheel.sha256" 2>/dev/null)" != "$sum" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel"
  echo "$sum" > "$VENV/.wheel.sha256"
fi
say "wheel $(basename "$wheel"): $(secs "$t") s"
unset CARGO_TARGET_DIR

t=$(now)
cargo build --quiet -p factorgate-cli
say "factorgate CLI: $(secs "$t") s"

export FACTORGATE_BIN=$ROOT/target/debug/factorgate
export PYSPARK_PYTHON=$VENV/bin/python
export PYSPARK_DRIVER_PYTHON=$VENV/bin/python
cd "$ROOT"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pytest -q -p no:cacheprovider spark/tests ${SPARK_TEST_ARGS:-}
