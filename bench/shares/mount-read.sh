#!/usr/bin/env bash
# Reading a large file through the recipient's mount vs directly from the sender (benchmark; target:
# mount ≥ 0.8 × direct throughput). Two `ocm serve` processes on loopback: alice on A uploads SIZE_MIB of random data,
# shares it with bob on B; bob reads it from B at /Shared with me/… (B streams it from A); alice reads it from A.
# The two reads alternate ROUNDS times; the medians are compared. Both bodies are checked against the original.
#
# Usage: bench/shares/mount-read.sh [SIZE_MIB=1024] [ROUNDS=3]   (build first: dotnet build -c Release)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB="${1:-1024}"
ROUNDS="${2:-3}"
OCM_DLL="${OCM_DLL:-src/Ocm/bin/Release/net10.0/ocm.dll}"
A_HOST="${BENCH_A_HOST:-127.0.5.12}"
B_HOST="${BENCH_B_HOST:-127.0.5.13}"
PORT="${BENCH_PORT:-18090}"
source tests/e2e/federation-lib.sh
start_servers

step "alice uploads $SIZE_MIB MiB"
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
expected="$(sha256sum "$WORK/big.bin" | cut -d' ' -f1)"
curl -fsS -u alice:alice-secret-pw -T "$WORK/big.bin" "$A/dav/files/alice/big.bin" >/dev/null || fail "upload"
rm -f "$WORK/big.bin"
share_and_accept /big.bin read

# read URL USER:PASSWORD → seconds, timed with the body discarded (so the client's own hashing is not measured);
# a second, untimed read checks that the bytes are exactly alice's.
read_once() {
  local out sum
  out="$(curl -fsS -u "$2" -o /dev/null -w '%{time_total}' "$1")" || fail "GET $1"
  printf '%s' "$out"
}
verify() {
  local sum
  sum="$(curl -fsS -u "$2" "$1" | sha256sum | cut -d' ' -f1)" || fail "GET $1"
  [ "$sum" = "$expected" ] || fail "GET $1 returned different bytes"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

verify "$A/dav/files/alice/big.bin" alice:alice-secret-pw
verify "$B/dav/files/bob/Shared%20with%20me/big.bin" bob:bob-secret-pw
# CPU seconds (user + system) a server process has used so far; B's share of a mount read is its relay cost.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
direct=(); mount=(); relay=()
for round in $(seq 1 "$ROUNDS"); do
  direct+=("$(read_once "$A/dav/files/alice/big.bin" alice:alice-secret-pw)")
  before="$(cpu_of "${PIDS[1]}")"
  mount+=("$(read_once "$B/dav/files/bob/Shared%20with%20me/big.bin" bob:bob-secret-pw)")
  relay+=("$(awk -v a="$(cpu_of "${PIDS[1]}")" -v b="$before" 'BEGIN { printf "%.2f", a - b }')")
  step "round $round: direct ${direct[-1]} s, through bob's mount ${mount[-1]} s (B used ${relay[-1]} s CPU)"
done
d="$(printf '%s\n' "${direct[@]}" | median)"
m="$(printf '%s\n' "${mount[@]}" | median)"
r="$(printf '%s\n' "${relay[@]}" | median)"
awk -v d="$d" -v m="$m" -v r="$r" -v s="$SIZE_MIB" 'BEGIN {
  printf "RESULT size=%d MiB direct=%.2f s (%.0f MiB/s) mount=%.2f s (%.0f MiB/s) ratio=%.2f (target >= 0.80); B relay CPU=%.2f s\n", s, d, s/d, m, s/m, d/m, r }'
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
