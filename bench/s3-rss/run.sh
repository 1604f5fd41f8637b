#!/usr/bin/env bash
# Memory of one `ocm serve` node on PostgreSQL + S3 during a 1 GiB upload (issue 16: peak RSS under 200 MB).
#
#   bench/s3-rss/run.sh [label] [VAR=value ...]      # VAR=value: extra environment of the node (DOTNET_…, OCM_…)
#   OCM_DLL=/copy/of/a/build/ocm.dll bench/s3-rss/run.sh label   # another build (default: src/Ocm's Release build)
#
# Each run: a fresh Ceph RADOS Gateway (scripts/ceph-rgw.sh, CEPH_PORT, default 56800; its memstore keeps objects in
# RAM, so a gateway serves one run only), a fresh database on an already running PostgreSQL (PG_HOST/PG_PORT, default
# 127.0.0.1:55433, user postgres, no password), one node (Release build of src/Ocm, logging at Warning, Basic auth).
# Measured, one line of output per run:
#   start   seconds from launching the node until it answered its first request;
#   idle    VmRSS 3 s after one 4 KiB PUT;
#   peak    VmHWM after one PUT of a BIG_MIB (default 1024) MiB file with curl (Content-Length known; CHUNKED=1 sends
#           it with chunked transfer encoding instead), and VmRSS then (after);
#   cpu     node CPU (user + system, from /proc/PID/stat) for that PUT, and its wall-clock seconds (wall);
#   small   node CPU for SMALL (default 200) sequential 4 KiB PUTs with curl after it (the file is read back and
#           compared in between).
# Results are appended to $OUT (default /tmp/ocm-s3-rss/results.tsv). The machine's load average is printed too: CPU
# and wall-clock figures are noisy on a shared machine, the RSS figures repeat within a few MiB.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
LABEL="${1:-default}"
shift || true
CEPH_PORT="${CEPH_PORT:-56800}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-55433}"
SMALL="${SMALL:-200}"
BIG_MIB="${BIG_MIB:-1024}"
PORT="${OCM_PORT:-30870}"   # below the ephemeral range, so no outgoing connection holds it
WORK="${WORK:-/tmp/ocm-s3-rss}"
OUT="${OUT:-$WORK/results.tsv}"
DLL="${OCM_DLL:-$REPO/src/Ocm/bin/Release/net10.0/ocm.dll}"   # OCM_DLL: another build to compare
USER_NAME=bench
USER_PASS="bench-password-$RANDOM$RANDOM"
DB="ocm_rss_$$"
SECRET="$(openssl rand -base64 32)"

mkdir -p "$WORK"
[ -f "$WORK/big-$BIG_MIB.bin" ] || head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom > "$WORK/big-$BIG_MIB.bin"
head -c 4096 /dev/urandom > "$WORK/small.bin"
[ -f "$DLL" ] || dotnet build "$REPO/src/Ocm" -c Release -v quiet -nologo >/dev/null
# A copy of the build, so that a build during the run does not replace files the node has mapped.
rm -rf "$WORK/app-$$" && cp -r "$(dirname "$DLL")" "$WORK/app-$$"
DLL="$WORK/app-$$/ocm.dll"

NODE_PID=""
cleanup() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; fi
  ceph_stop || true
  dropdb -h "$PG_HOST" -p "$PG_PORT" -U postgres --if-exists "$DB" 2>/dev/null || true
  rm -rf "$WORK/data-$$" "$WORK/app-$$"
}
trap cleanup EXIT

# shellcheck source=../../scripts/ceph-rgw.sh
source "$REPO/scripts/ceph-rgw.sh"
ceph_start >&2
createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres "$DB"

NODE_ENV=(OCM_LOGGING__LOGLEVEL__DEFAULT=Warning OCM_DATABASE__PROVIDER=postgres
  "OCM_DATABASE__CONNECTIONSTRING=Host=$PG_HOST;Port=$PG_PORT;Username=postgres;Database=$DB" "OCM_DEPLOYMENTSECRET=$SECRET"
  OCM_STORAGE__PROVIDER=s3 "OCM_STORAGE__S3__SERVICEURL=$S3_ENDPOINT" OCM_STORAGE__S3__BUCKET=rss
  "OCM_STORAGE__S3__ACCESSKEY=$S3_ACCESS_KEY" "OCM_STORAGE__S3__SECRETKEY=$S3_SECRET_KEY" "$@")
mkdir -p "$WORK/data-$$"
env "${NODE_ENV[@]}" dotnet "$DLL" user add "$USER_NAME" --password "$USER_PASS" --data-dir "$WORK/data-$$" --init >/dev/null

BASE="http://127.0.0.1:$PORT/remote.php/dav/files/$USER_NAME"
launched=$(date +%s%N)
env "${NODE_ENV[@]}" dotnet "$DLL" serve --data-dir "$WORK/data-$$" --urls "http://127.0.0.1:$PORT" > "$WORK/node-$$.log" 2>&1 &
NODE_PID=$!
until curl -s -o /dev/null "http://127.0.0.1:$PORT/status.php"; do
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/node-$$.log" >&2; exit 1; }
  sleep 0.05
done
start_s=$(awk "BEGIN{printf \"%.1f\", ($(date +%s%N) - $launched) / 1e9}")

status() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$NODE_PID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$NODE_PID/stat"; }
secs() { awk "BEGIN{printf \"%.2f\", $1 / $(getconf CLK_TCK)}"; }
put() { # file name [curl options]
  local file="$1" name="$2"
  shift 2
  curl -sf -o /dev/null -u "$USER_NAME:$USER_PASS" -T "$file" "$@" "$BASE/$name"
}

put "$WORK/small.bin" first.bin
sleep 3
idle=$(status VmRSS)
cp "/proc/$NODE_PID/smaps" "$WORK/smaps-$LABEL-$$-idle" 2>/dev/null || true

t0=$(cpu_ticks)
w0=$(date +%s%N)
if [ "${CHUNKED:-0}" = 1 ]; then
  put - big.bin -H "Transfer-Encoding: chunked" < "$WORK/big-$BIG_MIB.bin"
else
  put "$WORK/big-$BIG_MIB.bin" big.bin
fi
big_wall=$(awk "BEGIN{printf \"%.1f\", ($(date +%s%N) - $w0) / 1e9}")
big_cpu=$(secs $(($(cpu_ticks) - t0)))
peak=$(status VmHWM)
after=$(status VmRSS)
cp "/proc/$NODE_PID/smaps" "$WORK/smaps-$LABEL-$$-after" 2>/dev/null || true

# The stored file must be the uploaded one.
got=$(curl -sf -u "$USER_NAME:$USER_PASS" "$BASE/big.bin" | sha256sum | cut -d' ' -f1)
want=$(sha256sum < "$WORK/big-$BIG_MIB.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "big.bin differs after the round trip" >&2; exit 1; }

# Small requests after the big one (so they do not change the peak): their CPU shows what a setting costs there.
t0=$(cpu_ticks)
for i in $(seq 1 "$SMALL"); do put "$WORK/small.bin" "s$i.bin"; done
small_cpu=$(secs $(($(cpu_ticks) - t0)))

load=$(cut -d' ' -f1-3 /proc/loadavg)
line="$(date -u +%H:%M)	$LABEL	start ${start_s}s	idle ${idle}	small ${small_cpu}s/${SMALL}	peak ${peak}	after ${after}	cpu ${big_cpu}s	wall ${big_wall}s	load ${load}"
echo "$line" | tee -a "$OUT"
