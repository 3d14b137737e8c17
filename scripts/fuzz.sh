#!/usr/bin/env bash
# `make fuzz`: cargo fuzz (libFuzzer) on the native build, one target after another.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target for SECONDS (default 600); targets
#                                           request, policy, state (default: all three)
#
# Installs cargo-fuzz (crates.io, version-checked) when missing; builds fuzz/ with
# RUSTC_BOOTSTRAP=1 (cargo fuzz needs nightly flags) and debug assertions (integer overflow is a
# crash here), with AddressSanitizer where its runtime is there, else without a sanitizer; seeds
# the corpora from tests/vectors and the example policy (fuzz/seed.mjs); runs each target under
# `nice` on one core. A crash stops the run: the input is moved from fuzz/artifacts/TARGET/ to
# tests/fuzz-crashers/TARGET/, where tests/fuzz_regressions.rs replays it in every `cargo test`
# (rename it after what it found, and commit it with the fix). Ends with one line per target:
# executions, coverage, corpus size. Results are appended to fuzz/results.log (git-ignored).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$FG_ROOT/fuzz"

CARGO_FUZZ_VERSION="0.13.2"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request policy state)

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    fg_say "cargo install cargo-fuzz --version $CARGO_FUZZ_VERSION (about 2 minutes)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --force --quiet || exit 1
fi

export RUSTC_BOOTSTRAP=1
sanitizer=address
fg_say "cargo fuzz build (sanitizer: $sanitizer, debug assertions)"
if ! nice cargo fuzz build --debug-assertions --sanitizer "$sanitizer" 2>fuzz-build.log; then
    sanitizer=none
    fg_say "the AddressSanitizer build failed (fuzz/fuzz-build.log); building without a sanitizer"
    nice cargo fuzz build --debug-assertions --sanitizer none || exit 1
fi
node seed.mjs || exit 1

summary=()
for t in "${targets[@]}"; do
    dict=()
    [ -f "corpus/$t.dict" ] && dict=("-dict=corpus/$t.dict")
    log="artifacts/$t.log"
    mkdir -p "artifacts/$t"
    fg_say "fuzzing $t for $seconds s (log: fuzz/$log)"
    # -max_len: large enough for every seed and for lists near their caps; the 64 KiB request cap
    # itself is tested in tests/contract.rs. -timeout: a call that takes a second is a bug.
    t0=$SECONDS
    nice -n 10 cargo fuzz run --debug-assertions --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
        "${dict[@]}" -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)"
    line="$(printf '%-8s %s s, %s executions, %s, sanitizer %s, exit %s' "$t" $((SECONDS - t0)) "${execs:-?}" "${cov:-?}" "$sanitizer" "$rc")"
    summary+=("$line")
    echo "$(date -u +%FT%TZ) $line" >>results.log
    if [ $rc -ne 0 ]; then
        grep -m1 -A3 'panicked at' "$log" || tail -40 "$log"
        mkdir -p "../tests/fuzz-crashers/$t"
        for f in "artifacts/$t"/crash-* "artifacts/$t"/timeout-* "artifacts/$t"/oom-*; do
            [ -f "$f" ] && mv "$f" "../tests/fuzz-crashers/$t/" && echo "fuzz: kept tests/fuzz-crashers/$t/$(basename "$f")"
        done
        printf '\nfuzz: %s crashed (log: fuzz/%s); cargo test --test fuzz_regressions replays it\n' "$t" "$log"
        printf '  %s\n' "${summary[@]}"
        exit 1
    fi
done
printf '\n'
printf '  %s\n' "${summary[@]}"
echo "make fuzz: PASS, ${#targets[@]} targets, $seconds s each, no crash"
