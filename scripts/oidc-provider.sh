#!/usr/bin/env bash
# A throw-away OpenID Provider (npm oidc-provider 9.13.3) on loopback, for tests and for trying OIDC sign-in locally.
#
#   scripts/oidc-provider.sh install                         # installs the package when missing (idempotent)
#   scripts/oidc-provider.sh start PORT RP_BASE_URL…         # issuer http://127.0.0.1:PORT, client for each Ocm base URL
#   scripts/oidc-provider.sh stop PORT
#
# The client is `ocm-test` with the secret `ocm-test-secret` (override with OP_CLIENT_ID / OP_CLIENT_SECRET); each
# RP_BASE_URL (an Ocm server's public URL) gets BASE/signin-oidc and BASE/signout-callback-oidc registered. Accounts
# and claims: see scripts/oidc-provider.mjs; /tmp/ocm-oidc-provider-PORT/accounts.json, when written, overrides a
# login's claims. OP_HOST picks another loopback address (default 127.0.0.1).
#
# The package lives in OCM_OIDC_PROVIDER_DIR (default <repo>/.tmp/oidc-provider, git-ignored). It is an ES module,
# so the configuration script is copied beside its node_modules (as op-PORT.mjs) for each instance. PID file and log
# live in /tmp/ocm-oidc-provider-PORT; stop kills the recorded PID and removes that folder and the copied script.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${OCM_OIDC_PROVIDER_DIR:-$repo/.tmp/oidc-provider}"
version="9.13.3"

install() {
  command -v node >/dev/null || { echo "oidc-provider.sh: node is not installed (scripts/install-test-tools.sh)" >&2; return 1; }
  local manifest="$dir/node_modules/oidc-provider/package.json"
  if [[ -f "$manifest" ]] && node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$manifest" "$version"; then
    return 0
  fi
  command -v npm >/dev/null || { echo "oidc-provider.sh: npm is not installed" >&2; return 1; }
  mkdir -p "$dir"
  [[ -f "$dir/package.json" ]] || printf '{ "name": "ocm-test-oidc-provider", "private": true, "type": "module" }\n' > "$dir/package.json"
  # Two test classes may install at once: one at a time.
  (
    flock 9
    [[ -f "$manifest" ]] && node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$manifest" "$version" && exit 0
    npm install --prefix "$dir" --no-audit --no-fund --save-exact "oidc-provider@$version" >&2
  ) 9>"$dir/.install.lock"
  echo "oidc-provider.sh: oidc-provider $version in $dir/node_modules" >&2
}

root() { echo "/tmp/ocm-oidc-provider-$1"; }

stop() {
  local port="$1" r pid
  r="$(root "$port")"
  if [[ -f "$r/op.pid" ]]; then
    pid="$(cat "$r/op.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$r"
  rm -f "$dir/op-$port.mjs"
}

start() {
  local port="$1"; shift
  [[ "$#" -gt 0 ]] || { echo "usage: $0 start PORT RP_BASE_URL…" >&2; return 2; }
  local host="${OP_HOST:-127.0.0.1}"
  case "$host" in 127.*|localhost|::1) ;; *) echo "oidc-provider.sh: listens on loopback only, not $host" >&2; return 2 ;; esac
  install
  stop "$port"
  local r; r="$(root "$port")"
  mkdir -p -m 700 "$r"
  cp "$repo/scripts/oidc-provider.mjs" "$dir/op-$port.mjs"
  OP_ISSUER="http://$host:$port" OP_PORT="$port" OP_HOST="$host" OP_ACCOUNTS_FILE="$r/accounts.json" \
    OP_CLIENT_ID="${OP_CLIENT_ID:-ocm-test}" OP_CLIENT_SECRET="${OP_CLIENT_SECRET:-ocm-test-secret}" OP_RP_BASES="$*" \
    setsid node "$dir/op-$port.mjs" >"$r/op.log" 2>&1 < /dev/null &
  echo $! >"$r/op.pid"
  # Start-up takes a few seconds on a busy machine: ready once the discovery document answers.
  for _ in $(seq 1 300); do
    if curl -fsS "http://$host:$port/.well-known/openid-configuration" >/dev/null 2>&1; then
      echo "oidc-provider listening on http://$host:$port (client ${OP_CLIENT_ID:-ocm-test})"
      return 0
    fi
    kill -0 "$(cat "$r/op.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "oidc-provider did not start:" >&2
  cat "$r/op.log" >&2
  stop "$port"
  return 1
}

case "${1:-}" in
  install) install ;;
  start) shift; [[ "$#" -ge 1 ]] || { echo "usage: $0 start PORT RP_BASE_URL…" >&2; exit 2; }; start "$@" ;;
  stop) [[ "$#" -eq 2 ]] || { echo "usage: $0 stop PORT" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 install | start PORT RP_BASE_URL… | stop PORT" >&2; exit 2 ;;
esac
