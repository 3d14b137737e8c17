# factorgate: `make demo` and `make test` work on a fresh machine (they run scripts/setup.sh).
.PHONY: all setup pkg test lint demo clean fuzz

all: pkg

setup:
	@scripts/setup.sh

# The npm package in pkg/: release wasm32 build, wasm-bindgen, wasm-opt, JS shim, package.json.
pkg: setup
	@node scripts/build-pkg.mjs

# fmt, clippy (native and wasm32), cargo test, wasm-bindgen-test in Node, pkg/, pkg-tests.
test:
	@scripts/test.sh test

# cargo fuzz (libFuzzer) on the native build: request, policy and state targets, FUZZ_SECONDS each
# (default 600), one after another; a crasher is kept in tests/fuzz-crashers/ (scripts/fuzz.sh).
FUZZ_SECONDS ?= 600
fuzz: setup
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# fmt and clippy (native and wasm32) only.
lint:
	@scripts/test.sh lint

demo: pkg
	@node examples/demo.mjs

clean:
	rm -rf pkg target/pkg-build target/wasm
