#!/usr/bin/env bash
# The steps behind `make test` (all) and `make lint` (lint). Stops at the first failing step and
# always ends with one line: "make <what>: PASS ..." or "make <what>: FAIL ...".
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$FG_ROOT"

what="${1:-test}"
steps=()
add() { steps+=("$1|$2"); }
# make test installs what only the tests use too (Chromium, Node 18 and 22); make lint does not.
if [ "$what" = test ]; then add "setup" "scripts/setup.sh --for test"; else add "setup" "scripts/setup.sh"; fi
add "cargo fmt --check" "cargo fmt --all -- --check"
# The workspace natively (engine, cases/, cli/, replay/; spark/ is make spark's); wasm32 is the engine alone (-p factorgate).
add "clippy (native)" "cargo clippy --workspace --all-targets -- -D warnings"
add "clippy (wasm32)" "scripts/wasm-cargo clippy -p factorgate --all-targets -- -D warnings"
if [ "$what" = test ]; then
    add "cargo test (native)" "cargo test --workspace"
    add "wasm-bindgen-test (wasm32 in Node)" "scripts/wasm-cargo test -p factorgate --test wasm_boundary"
    add "build pkg/" "node scripts/build-pkg.mjs"
    # Every alert any test's decision carries is validated against schema/ocsf-1.8.0/ as it is made
    # (pkg-tests/ocsf-capture.cjs; pkg-tests/ocsf.test.mjs does the vectors explicitly).
    ocsf="--require ./pkg-tests/ocsf-capture.cjs"
    tests="$ocsf --test pkg-tests/*.test.mjs pkg-tests/*.test.cjs"
    add "pkg-tests (node --test, $(node --version))" "node $tests"
    for v in $FG_EXTRA_NODES; do
        add "pkg-tests (node --test, v$v)" "fg_on_node $v $tests" # setup --for test (step 1) installs it
    done
    # Host examples (Auth0 Action, Okta hook service with its approval endpoint and privileged
    # actions, Cognito triggers, the Entra audit-log chain) through the built package, on every
    # Node the hosts run (Auth0: 18, 22; Lambda: 20, 22).
    examples="$ocsf --test examples/auth0/*.test.js examples/okta/*.test.js examples/cognito/*.test.js examples/entra/*.test.mjs"
    add "examples (node --test, $(node --version))" "node $examples"
    for v in $FG_EXTRA_NODES; do
        add "examples (node --test, v$v)" "fg_on_node $v $examples"
    done
    # Browser examples in headless Chromium (Debian's, driven by playwright-core; setup --for test
    # installs it): the policy preview (esbuild bundle of the package's browser entry, served on
    # loopback), OIDC step-up and self-service recovery (with SOC approval) through oidc-provider +
    # openid-client. Node >= 20 (playwright-core).
    add "browser examples (Chromium: policy preview, OIDC step-up and recovery)" \
        "node $ocsf --test examples/policy-preview/*.test.mjs examples/oidc/*.test.mjs"
fi

start=$SECONDS
n=0
report=()
for entry in "${steps[@]}"; do
    name="${entry%%|*}" cmd="${entry#*|}"
    n=$((n + 1))
    printf '\n==> [%d/%d] %s: %s\n' "$n" "${#steps[@]}" "$name" "$cmd"
    t=$SECONDS
    bash -c ". scripts/common.sh; $cmd"
    rc=$?
    report+=("$(printf '%4d s  %s' $((SECONDS - t)) "$name")")
    if [ $rc -ne 0 ]; then
        printf '\n'; printf '  %s\n' "${report[@]}"
        printf 'make %s: FAIL at step %d/%d "%s" (exit %d) after %d s\n' "$what" "$n" "${#steps[@]}" "$name" "$rc" $((SECONDS - start))
        exit 1
    fi
done
printf '\n'; printf '  %s\n' "${report[@]}"
printf 'make %s: PASS, all %d steps in %d s\n' "$what" "${#steps[@]}" $((SECONDS - start))
