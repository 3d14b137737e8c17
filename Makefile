# factorgate: `make demo` and `make test` work on a fresh machine. Every target starts with
# scripts/setup.sh, which installs the build toolchain; `make test` runs it with --for test, which
# also installs what only the tests use (Chromium, Node 18 and 22).
.PHONY: all setup pkg test lint demo bench bench-replay spark bench-spark clean fuzz soak

all: pkg

# The build toolchain only (wasm32 Rust, wasm-bindgen-cli, node, npm ci).
setup:
	@scripts/setup.sh

# The npm package in pkg/: release wasm32 build, wasm-bindgen, wasm-opt, JS shim, package.json.
pkg: setup
	@node scripts/build-pkg.mjs

# setup --for test, fmt, clippy (native and wasm32), cargo test, wasm-bindgen-test in Node, pkg/,
# pkg-tests, examples (scripts/test.sh).
test:
	@scripts/test.sh test

# cargo fuzz (libFuzzer) on the native build: request, policy and state targets, FUZZ_SECONDS each
# (default 600), one after another; a crasher is kept in tests/fuzz-crashers/ (scripts/fuzz.sh).
FUZZ_SECONDS ?= 600
fuzz: setup
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# Memory soak through the built package: 1 000 000 calls, valid and malformed, wasm memory flat
# after warm-up (make test runs the same test with 100 000 calls).
SOAK_CALLS ?= 1000000
soak: pkg
	@FACTORGATE_SOAK_CALLS=$(SOAK_CALLS) FACTORGATE_SOAK_REPORT=pkg-tests/out/soak.json node --test pkg-tests/soak.test.cjs

# fmt and clippy (native and wasm32) only.
lint:
	@scripts/test.sh lint

demo: pkg
	@node examples/demo.mjs

# docs/contract.md#budgets through the built package: warm decisions vs Cedar wasm, a JSON round trip and a JS
# rule (tinybench, p50/p99), cold start, wasm memory over 1 M decisions, size. BENCH_ARGS=--readme
# rewrites the README's table; BENCH_ARGS="--time 1000 --decisions 100000" for a quicker run.
bench: pkg
	@node bench/run.mjs $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-replay

# `factorgate replay` throughput on generated logs (10^6 events; REPLAY_EVENTS="1000000 10000000"
# for more), 1 thread and all cores, against the native single-decision rate, and peak memory
# (bench/replay.sh).
bench-replay:
	@bench/replay.sh

# replay's per-user fold as a Python wheel for PySpark (spark/): a virtual environment
# target/spark-venv (maturin, pyspark, pyarrow, pandas, pytest from PyPI; Java 17+), the wheel
# (maturin build --release), and its test in PySpark local mode: the same report as
# `factorgate replay` (spark/run.sh). Not part of `make test`: it installs PySpark and a JVM job.
spark:
	@spark/run.sh

# The Spark job's events/s in local mode on 10^6 generated events beside native replay on the
# same file (SPARK_EVENTS=...; spark/bench.sh, after make spark).
bench-spark: spark
	@spark/bench.sh

clean:
	rm -rf pkg target/pkg-build target/wasm
