#!/usr/bin/env bash
# End to end with the real executable: two `ocm serve` processes on two loopback addresses,
# users made with `ocm user add`, a folder shared with `ocm share create` and accepted with `ocm received accept`,
# bob's copy read with rclone from B's WebDAV (/Shared with me/…) and compared byte for byte with alice's file,
# then unshared with `ocm share delete` — after which bob can no longer read it.
#
# Usage: tests/e2e/two-servers.sh [OCM_DLL]   (default: src/Ocm/bin/Release/net10.0/ocm.dll)
# Needs: dotnet, curl, rclone, node (installed by scripts/install-test-tools.sh). Prints "E2E OK" on success.
set -euo pipefail
cd "$(dirname "$0")/../.."
OCM_DLL="${1:-src/Ocm/bin/Release/net10.0/ocm.dll}"
A_HOST="${E2E_A_HOST:-127.0.5.2}"
B_HOST="${E2E_B_HOST:-127.0.5.3}"
PORT="${E2E_PORT:-18080}"
source tests/e2e/federation-lib.sh
start_servers

step "alice uploads a folder with a 5 MiB file over WebDAV"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/data.bin"
curl -fsS -u alice:alice-secret-pw -X MKCOL "$A/dav/files/alice/Results/" >/dev/null || fail "MKCOL"
curl -fsS -u alice:alice-secret-pw -T "$WORK/data.bin" "$A/dav/files/alice/Results/data.bin" >/dev/null || fail "PUT"

step "ocm share create / ocm received accept"
share_and_accept /Results read

step "rclone reads bob's copy from B's WebDAV"
export RCLONE_CONFIG="$WORK/rclone.conf" RCLONE_CONFIG_B_TYPE=webdav RCLONE_CONFIG_B_URL="$B/dav/files/bob" RCLONE_CONFIG_B_VENDOR=other RCLONE_CONFIG_B_USER=bob
touch "$RCLONE_CONFIG"
RCLONE_CONFIG_B_PASS="$(rclone obscure bob-secret-pw)"; export RCLONE_CONFIG_B_PASS
rclone lsf "b:Shared with me/Results" >"$WORK/listing.txt" || fail "rclone lsf"
grep -qx 'data.bin' "$WORK/listing.txt" || fail "data.bin not listed: $(cat "$WORK/listing.txt")"
rclone copyto "b:Shared with me/Results/data.bin" "$WORK/copy.bin" || fail "rclone copyto"
cmp "$WORK/data.bin" "$WORK/copy.bin" || fail "bob's copy differs from alice's file"

step "ocm share delete; bob's access ends"
OCM_PASSWORD=alice-secret-pw ocm share delete "$SHARE_ID" --server "$A" --user alice >/dev/null || fail "ocm share delete"
if rclone copyto "b:Shared with me/Results/data.bin" "$WORK/after.bin" 2>/dev/null; then fail "bob could still read the share after it was deleted"; fi
state=""
for _ in $(seq 1 60); do
  state="$(OCM_PASSWORD=bob-secret-pw ocm received list --server "$B" --user bob --json | json 'v[0].state')"
  [ "$state" = "unshared" ] && break
  sleep 0.5
done
[ "$state" = "unshared" ] || fail "B never learned of the unshare (state $state)"
echo "E2E OK"
