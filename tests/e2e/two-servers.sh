#!/usr/bin/env bash
# End to end with the real executable (issue 5, "Must show"): two `ocm serve` processes on two loopback addresses,
# users made with `ocm user add`, a folder shared with `ocm share create` and accepted with `ocm received accept`,
# bob's copy read with rclone from B's WebDAV (/Shared with me/…) and compared byte for byte with alice's file,
# then unshared with `ocm share delete` — after which bob can no longer read it.
#
# Usage: tests/e2e/two-servers.sh [OCM_DLL]   (default: src/Ocm/bin/Release/net10.0/ocm.dll)
# Needs: dotnet, rclone, node (all installed by scripts/install-test-tools.sh). Prints "E2E OK" on success.
set -euo pipefail
cd "$(dirname "$0")/../.."
OCM_DLL="${1:-src/Ocm/bin/Release/net10.0/ocm.dll}"
A_HOST="${E2E_A_HOST:-127.0.5.2}"
B_HOST="${E2E_B_HOST:-127.0.5.3}"
PORT="${E2E_PORT:-18080}"
A="http://$A_HOST:$PORT"
B="http://$B_HOST:$PORT"
WORK="$(mktemp -d -t ocm-e2e.XXXXXX)"
PIDS=()

ocm() { dotnet "$OCM_DLL" "$@"; }
step() { printf '== %s\n' "$*"; }
fail() { printf 'E2E FAILED: %s\n' "$*" >&2; for log in "$WORK"/*.log; do printf -- '--- %s\n' "$log" >&2; tail -n 40 "$log" >&2 || true; done; exit 1; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }

# Both servers federate over plain http on loopback, which only test setups allow.
export OCM_FEDERATION__ALLOWINSECUREPEERS=true OCM_USERS__CREATEADMINONFIRSTSTART=false
export OCM_DELIVERY__POLLSECONDS=0.2 OCM_TRUST__QUARANTINEUNKNOWNSENDERS=false

step "users (offline, before the servers start)"
ocm user add alice --password alice-secret-pw --display-name "Alice Liddell" --data-dir "$WORK/a" >/dev/null || fail "ocm user add alice"
ocm user add bob --password bob-secret-pw --display-name "Bob Builder" --data-dir "$WORK/b" >/dev/null || fail "ocm user add bob"

step "two servers: A on $A, B on $B"
for url in "$A" "$B"; do
  if curl -s -o /dev/null "$url/healthz" 2>/dev/null; then fail "something already listens on $url"; fi
done
# exec: the background job is the server process itself, so the cleanup's kill reaches it.
(exec dotnet "$OCM_DLL" serve --urls "$A" --data-dir "$WORK/a" >"$WORK/a.log" 2>&1) & PIDS+=($!)
(exec dotnet "$OCM_DLL" serve --urls "$B" --data-dir "$WORK/b" >"$WORK/b.log" 2>&1) & PIDS+=($!)
for url in "$A" "$B"; do
  for _ in $(seq 1 240); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fsS "$url/healthz" >/dev/null || fail "$url did not start"
done

step "alice uploads a folder with a 5 MiB file over WebDAV"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/data.bin"
curl -fsS -u alice:alice-secret-pw -X MKCOL "$A/dav/files/alice/Results/" >/dev/null || fail "MKCOL"
curl -fsS -u alice:alice-secret-pw -T "$WORK/data.bin" "$A/dav/files/alice/Results/data.bin" >/dev/null || fail "PUT"

step "ocm share create"
created="$(OCM_PASSWORD=alice-secret-pw ocm share create /Results "bob@$B_HOST:$PORT" -p read --server "$A" --user alice)" || fail "ocm share create: $created"
share_id="$(printf '%s' "$created" | json 'v.id')"

step "ocm received list / accept on B"
received=""
for _ in $(seq 1 60); do
  received="$(OCM_PASSWORD=bob-secret-pw ocm received list --state pending --server "$B" --user bob)" || fail "ocm received list"
  [ "$(printf '%s' "$received" | json 'v.length')" = "1" ] && break
  sleep 0.5
done
[ "$(printf '%s' "$received" | json 'v.length')" = "1" ] || fail "the share never arrived on B: $received"
received_id="$(printf '%s' "$received" | json 'v[0].id')"
OCM_PASSWORD=bob-secret-pw ocm received accept "$received_id" --server "$B" --user bob >/dev/null || fail "ocm received accept"

step "rclone reads bob's copy from B's WebDAV"
export RCLONE_CONFIG_B_TYPE=webdav RCLONE_CONFIG_B_URL="$B/dav/files/bob" RCLONE_CONFIG_B_VENDOR=other RCLONE_CONFIG_B_USER=bob
RCLONE_CONFIG_B_PASS="$(rclone obscure bob-secret-pw)"; export RCLONE_CONFIG_B_PASS
rclone lsf "b:Shared with me/Results" >"$WORK/listing.txt" || fail "rclone lsf"
grep -qx 'data.bin' "$WORK/listing.txt" || fail "data.bin not listed: $(cat "$WORK/listing.txt")"
rclone copyto "b:Shared with me/Results/data.bin" "$WORK/copy.bin" || fail "rclone copyto"
cmp "$WORK/data.bin" "$WORK/copy.bin" || fail "bob's copy differs from alice's file"

step "ocm share delete; bob's access ends"
OCM_PASSWORD=alice-secret-pw ocm share delete "$share_id" --server "$A" --user alice >/dev/null || fail "ocm share delete"
if rclone copyto "b:Shared with me/Results/data.bin" "$WORK/after.bin" 2>/dev/null; then fail "bob could still read the share after it was deleted"; fi
for _ in $(seq 1 60); do
  state="$(OCM_PASSWORD=bob-secret-pw ocm received list --server "$B" --user bob | json 'v[0].state')"
  [ "$state" = "unshared" ] && break
  sleep 0.5
done
[ "$state" = "unshared" ] || fail "B never learned of the unshare (state $state)"
echo "E2E OK"
