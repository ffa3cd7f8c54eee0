#!/usr/bin/env bash
# Install what the real test servers need (tests/servers/README.md):
#   - the Bluesky PDS + AppView from npm (@atproto/dev-env, pinned by
#     tests/servers/bluesky/package-lock.json) into tests/servers/bluesky/node_modules;
#   - PostgreSQL and Redis from Debian's packages, for the AppView;
#   - Chromium and its driver from Debian's packages, for the dashboard's browser tests (no browser download).
# mastodon-mock comes from PyPI with the project's `test` extra (pip install -e '.[test]').
#
# Idempotent: a second run with the same lock file, Node version and packages does nothing.
# Works as root on a fresh machine (CI=true) and as a developer (uses sudo for apt-get if needed).
#
# Options / environment:
#   --no-appview            do not install PostgreSQL / Redis (PDS-only tests still run)
#   SOCIALOPS_NPM_CACHE     npm cache folder (default ~/.cache/socialops-npm)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BSKY="$ROOT/tests/servers/bluesky"
NPM_CACHE="${SOCIALOPS_NPM_CACHE:-$HOME/.cache/socialops-npm}"
WANT_APPVIEW=1
for arg in "$@"; do
  case "$arg" in
    --no-appview) WANT_APPVIEW=0 ;;
    *) echo "install-servers: unknown option $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'install-servers: %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
T_ALL=$(now)

# ---------------------------------------------------------------- Debian packages (AppView)
have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
if [ "$WANT_APPVIEW" = 1 ]; then
  if have_pg && command -v redis-server >/dev/null 2>&1; then
    log "PostgreSQL and Redis already installed"
  else
    T=$(now)
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
      if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        log "need root (or sudo) to apt-get install postgresql redis-server" >&2; exit 1
      fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
    # The Debian packages may start system-wide services; the tests start their own
    # throwaway instances on spare ports, so the system ones are not needed.
    log "apt-get install postgresql redis-server: $(since "$T")"
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    log "the 'postgres' user is missing (PostgreSQL refuses to run as root)" >&2; exit 1
  fi
fi

# ---------------------------------------------------------------- Chromium (the dashboard's browser tests)
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  log "Chromium and chromedriver already installed"
elif command -v apt-get >/dev/null 2>&1; then
  T=$(now)
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  log "apt-get install chromium chromium-driver: $(since "$T")"
else
  log "no apt-get: install Chromium and chromedriver by hand for the browser tests" >&2
fi

# ---------------------------------------------------------------- Node.js + npm packages (PDS)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "Node.js and npm are required (Node 20 or newer)" >&2; exit 1
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
  log "Node.js $(node --version) is too old: need 20 or newer" >&2; exit 1
fi

STAMP="$BSKY/node_modules/.socialops-installed"
WANT_STAMP="$(cat "$BSKY/package.json" "$BSKY/package-lock.json" | sha256sum | cut -d' ' -f1) node-$(node --version)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT_STAMP" ]; then
  log "tests/servers/bluesky/node_modules is up to date"
else
  T=$(now)
  mkdir -p "$NPM_CACHE"
  (cd "$BSKY" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error --cache "$NPM_CACHE")
  # better-sqlite3 is compiled by node-gyp: prove it loads on this Node.
  (cd "$BSKY" && node -e "const D = require('better-sqlite3'); new D(':memory:').prepare('select 1').get()")
  echo "$WANT_STAMP" > "$STAMP"
  log "npm ci (@atproto/dev-env): $(since "$T"), node_modules $(du -sh "$BSKY/node_modules" | cut -f1)"
fi

log "done in $(since "$T_ALL")"
