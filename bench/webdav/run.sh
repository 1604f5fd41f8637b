#!/usr/bin/env bash
# WebDAV benchmark: `ocm serve` (Release) side by side with nginx (dav + dav-ext), Apache mod_dav and
# `rclone serve webdav`, all started here on loopback ports with Basic auth, in one run.
#
#   bench/webdav/run.sh              # RUNS=3 by default; prints medians and ratios
#   RUNS=5 SERVERS="ocm nginx" bench/webdav/run.sh
#   WARMUP=0 bench/webdav/run.sh     # no untimed warm-up pass (default 1: every workload once, unmeasured, first)
#   SMALL_WARMUP=5                   # untimed passes of the small-PUT workload (default 5, see below)
#   BENCH_HOST=127.0.3.1 bench/webdav/run.sh     # listen on another loopback address (all four servers)
#   SERVERS="ocm ocm-nofsync rclone" bench/webdav/run.sh   # ocm-nofsync: ocm with Ocm:Files:FlushToDisk=false
#                                                 # (no fsync per upload, like the three reference servers)
#   BIG_MIB=64 SMALL_COUNT=100 LISTING_COUNT=500 PROPFIND_COUNT=100 RUNS=1 bench/webdav/run.sh   # smoke test
#   SERVERS="ocm-pg ocm-s3" BASE=ocm-pg bench/webdav/run.sh   # the S3 object store vs the local disk, both on
#                                                 # PostgreSQL (ocm refuses S3 with SQLite): starts a throwaway
#                                                 # PostgreSQL (scripts/postgres.sh, port BENCH_PGPORT, default 55470)
#                                                 # and Ceph RADOS Gateway (scripts/ceph-rgw.sh, BENCH_CEPH_PORT, 56840)
#
# Besides wall-clock seconds it reports the CPU seconds each server process (with its worker children) spent
# on each workload, read from /proc before and after, and the load average at the start and the end: on a
# shared machine the wall-clock figures include waiting for a core, the CPU figures do not.
#
# Ratios are relative to BASE (default ocm). For every ocm* server it reports the peak RSS (VmHWM) after the first
# upload of the big file (the memory an upload of BIG_MIB holds), after the big transfers and at the end.
#
# Needs: nginx-full (or nginx + libnginx-mod-http-dav-ext), apache2, apache2-utils, rclone, curl, openssl
# (`apt-get install -y nginx-full libnginx-mod-http-dav-ext apache2 apache2-utils rclone curl`).
# Run manually, on an otherwise idle machine; it is not part of ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$(pwd)"

RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-1}" # untimed passes of every workload before the timed ones (JIT-compiled servers reach full speed)
SERVERS="${SERVERS:-ocm nginx apache rclone}"
BENCH_HOST="${BENCH_HOST:-127.0.0.1}"
BENCH_USER=bench
BENCH_PASS=bench-password-1
BIG_MIB="${BIG_MIB:-1024}"
SMALL_COUNT="${SMALL_COUNT:-1000}"
SMALL_PARALLEL=8
# .NET compiles hot code again with profile data in the background, and on two busy cores that takes ~5000 requests
# (a first pass of 1000 uploads ran at half the speed of the fifth); every server gets the same untimed passes.
SMALL_WARMUP="${SMALL_WARMUP:-5}"
FLOOR_COUNT="${FLOOR_COUNT:-1000}"
LISTING_COUNT="${LISTING_COUNT:-10000}"
PROPFIND_COUNT="${PROPFIND_COUNT:-2000}"
BASE="${BASE:-ocm}"
declare -A PORT=([ocm]=18081 [nginx]=18082 [apache]=18083 [rclone]=18084 [ocm-nofsync]=18085 [ocm-pg]=18086 [ocm-s3]=18087)
declare -A PREFIX=([ocm]="/dav/files/$BENCH_USER" [nginx]="" [apache]="" [rclone]="" [ocm-nofsync]="/dav/files/$BENCH_USER"
  [ocm-pg]="/dav/files/$BENCH_USER" [ocm-s3]="/dav/files/$BENCH_USER")
declare -A PIDS=()

WORK="$(mktemp -d /tmp/ocm-bench.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
  for name in "${!PIDS[@]}"; do
    kill "${PIDS[$name]}" 2>/dev/null || true
  done
  [ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
  [ -f "$WORK/apache/httpd.pid" ] && kill "$(cat "$WORK/apache/httpd.pid")" 2>/dev/null || true
  sleep 1
  if [ -n "${CEPH_STARTED:-}" ]; then ceph_stop; fi
  if [ -n "${PG_STARTED:-}" ]; then pg_stop; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Only the tools of the servers asked for (SERVERS="ocm-pg ocm-s3" needs no reference server).
tools="curl openssl"
for server in $SERVERS; do
  case "$server" in nginx) tools="$tools nginx htpasswd" ;; apache) tools="$tools apache2 htpasswd" ;; rclone) tools="$tools rclone" ;; esac
done
for tool in $tools; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "missing: $tool" >&2; exit 1; }
done

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.4f\n", a - b }'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
url() { echo "http://$BENCH_HOST:${PORT[$1]}${PREFIX[$1]}/$2"; }
auth=(-u "$BENCH_USER:$BENCH_PASS")

wait_for() { # name url
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "${auth[@]}" -X OPTIONS "$2"; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not start" >&2; exit 1
}

# ---------------------------------------------------------------- data
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "generating test data in $WORK"
mkdir -p "$WORK/data"
# $BIG_MIB MiB (1 GiB by default) of seeded pseudo-random bytes (AES-CTR keystream): fast to make, incompressible, the same every run.
set +o pipefail # openssl ends with SIGPIPE once head has enough
openssl enc -aes-128-ctr -nosalt -pass pass:ocm-bench -pbkdf2 < /dev/zero 2>/dev/null | head -c $((BIG_MIB << 20)) > "$WORK/data/big.bin"
set -o pipefail
head -c 4096 "$WORK/data/big.bin" > "$WORK/data/small.bin"
head -c 100 "$WORK/data/big.bin" > "$WORK/data/tiny.bin"
if command -v htpasswd >/dev/null; then
  htpasswd -bc "$WORK/htpasswd" "$BENCH_USER" "$BENCH_PASS" 2>/dev/null
  chmod 644 "$WORK/htpasswd"
fi
cat > "$WORK/propfind.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/></d:prop></d:propfind>
XML

# ---------------------------------------------------------------- servers
start_ocm_server() { # name [VAR=value ...]: ocm serve with its own data directory, default configuration
  local name="$1" dll="$REPO/src/Ocm/bin/Release/net10.0/ocm.dll"
  shift
  if [ -z "${OCM_BUILT:-}" ]; then
    log "building ocm (Release)"
    dotnet build "$REPO/src/Ocm" -c Release -v quiet -nologo >/dev/null
    OCM_BUILT=1
  fi
  mkdir -p "$WORK/$name"
  env OCM_LOGGING__LOGLEVEL__DEFAULT=Warning "$@" dotnet "$dll" user add "$BENCH_USER" --password "$BENCH_PASS" --data-dir "$WORK/$name" --init >/dev/null
  env OCM_LOGGING__LOGLEVEL__DEFAULT=Warning "$@" dotnet "$dll" serve --data-dir "$WORK/$name" --urls "http://$BENCH_HOST:${PORT[$name]}" \
    > "$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  wait_for "$name" "$(url "$name" "")"
}

start_ocm() { start_ocm_server ocm; }

start_ocm_nofsync() { start_ocm_server ocm-nofsync OCM_FILES__FLUSHTODISK=false; }

# A throwaway PostgreSQL (once per run) and a database of the server's own in it; sets PG_CS (not a subshell, so
# the started server is remembered for the next call and for cleanup).
postgres_database() { # name
  if [ -z "${PG_STARTED:-}" ]; then
    source "$REPO/scripts/postgres.sh"
    PGPORT="${BENCH_PGPORT:-55470}"
    log "starting PostgreSQL on port $PGPORT"
    pg_start >&2
    PG_STARTED=1
  fi
  pg_as "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$1"
  PG_CS="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$1"
}

# `ocm serve` on PostgreSQL requires the deployment secret the nodes share (Ocm:DeploymentSecret).
BENCH_SECRET="$(openssl rand -base64 32)"

# ocm on PostgreSQL with its contents on the local disk: the baseline for ocm-s3 (same database, other store).
start_ocm_pg() {
  postgres_database bench_ocm_pg
  start_ocm_server ocm-pg OCM_DATABASE__PROVIDER=postgres "OCM_DATABASE__CONNECTIONSTRING=$PG_CS" "OCM_DEPLOYMENTSECRET=$BENCH_SECRET"
}

# ocm on PostgreSQL with its contents in a throwaway Ceph RADOS Gateway (memstore: objects in RAM, one OSD).
start_ocm_s3() {
  postgres_database bench_ocm_s3
  if [ -z "${CEPH_STARTED:-}" ]; then
    source "$REPO/scripts/ceph-rgw.sh"
    CEPH_PORT="${BENCH_CEPH_PORT:-56840}"
    log "starting the Ceph RADOS Gateway on port $((CEPH_PORT + 1))"
    ceph_start >&2
    CEPH_STARTED=1
  fi
  start_ocm_server ocm-s3 OCM_DATABASE__PROVIDER=postgres "OCM_DATABASE__CONNECTIONSTRING=$PG_CS" "OCM_DEPLOYMENTSECRET=$BENCH_SECRET" \
    OCM_STORAGE__PROVIDER=s3 "OCM_STORAGE__S3__SERVICEURL=$S3_ENDPOINT" OCM_STORAGE__S3__BUCKET=bench-ocm \
    "OCM_STORAGE__S3__ACCESSKEY=$S3_ACCESS_KEY" "OCM_STORAGE__S3__SECRETKEY=$S3_SECRET_KEY"
}

start_nginx() {
  mkdir -p "$WORK/nginx/root" "$WORK/nginx/tmp"
  prepare_listing_on_disk "$WORK/nginx/root"
  cat > "$WORK/nginx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
user root;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_max_body_size 0;
  client_body_temp_path $WORK/nginx/tmp;
  server {
    listen $BENCH_HOST:${PORT[nginx]};
    root $WORK/nginx/root;
    location / {
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_ext_methods PROPFIND OPTIONS;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      auth_basic "bench";
      auth_basic_user_file $WORK/htpasswd;
    }
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
  PIDS[nginx]=$!
  wait_for nginx "$(url nginx "")"
}

start_apache() {
  mkdir -p "$WORK/apache/root" "$WORK/apache/lock" "$WORK/apache/run"
  prepare_listing_on_disk "$WORK/apache/root"
  chown -R www-data:www-data "$WORK/apache/root" "$WORK/apache/lock"
  local m=/usr/lib/apache2/modules
  cat > "$WORK/apache/httpd.conf" <<CONF
ServerRoot $WORK/apache
ServerName localhost
Listen $BENCH_HOST:${PORT[apache]}
PidFile $WORK/apache/httpd.pid
DefaultRuntimeDir $WORK/apache/run
ErrorLog $WORK/apache/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authn_file_module $m/mod_authn_file.so
LoadModule auth_basic_module $m/mod_auth_basic.so
LoadModule mime_module $m/mod_mime.so
LoadModule dav_module $m/mod_dav.so
LoadModule dav_fs_module $m/mod_dav_fs.so
LoadModule dav_lock_module $m/mod_dav_lock.so
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 0
LimitRequestBody 0
EnableSendfile On
DavLockDB $WORK/apache/lock/DavLock
DocumentRoot $WORK/apache/root
<Directory $WORK/apache/root>
  Dav On
  AuthType Basic
  AuthName bench
  AuthUserFile $WORK/htpasswd
  Require valid-user
</Directory>
CONF
  apache2 -f "$WORK/apache/httpd.conf" -D FOREGROUND &
  PIDS[apache]=$!
  wait_for apache "$(url apache "")"
}

start_rclone() {
  mkdir -p "$WORK/rclone/root"
  prepare_listing_on_disk "$WORK/rclone/root"
  RCLONE_CONFIG=/dev/null rclone serve webdav "$WORK/rclone/root" --addr "$BENCH_HOST:${PORT[rclone]}" \
    --user "$BENCH_USER" --pass "$BENCH_PASS" > "$WORK/rclone.log" 2>&1 &
  PIDS[rclone]=$!
  wait_for rclone "$(url rclone "")"
}

server_root() { # where a plain file-system server keeps its files
  case "$1" in nginx) echo "$WORK/nginx/root" ;; apache) echo "$WORK/apache/root" ;; rclone) echo "$WORK/rclone/root" ;; esac
}

# ---------------------------------------------------------------- workloads
rss_peak() { grep VmHWM "/proc/$1/status" | awk '{print $2}'; }

descendants() { # pid: the pid and all its descendants (nginx and Apache serve from worker children)
  local child
  echo "$1"
  for child in $(pgrep -P "$1"); do descendants "$child"; done
}

cpu_ticks() { # pid: utime + stime of the process tree, plus the reaped children's cutime + cstime
  local pid
  for pid in $(descendants "$1"); do
    # fields after "pid (comm) ": utime stime cutime cstime are the 12th to 15th
    sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'
  done | awk '{ s += $1 } END { print s + 0 }'
}

measure() { # server workload command...: runs the command, records its wall time (its output) and server CPU
  local server="$1" workload="$2" before after wall
  shift 2
  before=$(cpu_ticks "${PIDS[$server]}")
  wall=$("$@")
  after=$(cpu_ticks "${PIDS[$server]}")
  RESULT[$server,$workload]+="$wall "
  CPU[$server,$workload]+="$(awk -v a="$after" -v b="$before" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (a - b) / hz }') "
}

timed() { # run server workload command...: run 0 and below are the untimed warm-up
  local run="$1"
  shift
  # Like measure (whose command substitution does not stop at a failing step), a warm-up step never ends the run.
  if [ "$run" -le 0 ]; then "${@:3}" >/dev/null || true; else measure "$@"; fi
}

bench_put_big() {
  curl -sf "${auth[@]}" -o /dev/null -w '%{time_total}\n' -T "$WORK/data/big.bin" "$(url "$1" big.bin)"
}

bench_get_big() {
  curl -sf "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$(url "$1" big.bin)"
}

bench_small_puts() { # server run
  local dir="small-$2" config="$WORK/small-$1-$2.curl" start base
  base="$(url "$1" "$dir")"
  curl -sf "${auth[@]}" -o /dev/null -X MKCOL "$base"
  : > "$config"
  for i in $(seq -w 1 "$SMALL_COUNT"); do
    printf 'upload-file = "%s"\nurl = "%s/f%s.bin"\noutput = "/dev/null"\n' "$WORK/data/small.bin" "$base" "$i" >> "$config"
  done
  start=$(now)
  curl -sf --no-progress-meter "${auth[@]}" -Z --parallel-max "$SMALL_PARALLEL" -K "$config"
  elapsed "$start"
}

# The per-request floor: $FLOOR_COUNT authenticated OPTIONS on the user's root at the small PUTs' concurrency, with
# the same curl invocation — what the server costs for a request that does nothing, next to what an upload costs.
bench_floor() {
  local config="$WORK/floor-$1.curl" start
  if [ ! -f "$config" ]; then
    for _ in $(seq 1 "$FLOOR_COUNT"); do
      printf 'url = "%s"\nrequest = "OPTIONS"\noutput = "/dev/null"\n' "$(url "$1" "")" >> "$config"
    done
  fi
  start=$(now)
  curl -sf --no-progress-meter "${auth[@]}" -Z --parallel-max "$SMALL_PARALLEL" -K "$config"
  elapsed "$start"
}

# The folder of $LISTING_COUNT files: uploaded to ocm (its tree lives in its database); written straight to disk,
# before the server starts, for the file-system servers (rclone caches directory listings).
prepare_listing_ocm() { # name
  local config="$WORK/listing-$1.curl" base
  base="$(url "$1" many)"
  curl -sf "${auth[@]}" -o /dev/null -X MKCOL "$base"
  : > "$config"
  for i in $(seq -w 1 "$LISTING_COUNT"); do
    printf 'upload-file = "%s"\nurl = "%s/file-%s.txt"\noutput = "/dev/null"\n' "$WORK/data/tiny.bin" "$base" "$i" >> "$config"
  done
  curl -sf --no-progress-meter "${auth[@]}" -Z --parallel-max 8 -K "$config"
}

prepare_listing_on_disk() { # root
  local content i
  content="$(head -c 100 "$WORK/data/big.bin" | base64 -w0 | head -c 100)"
  mkdir -p "$1/many"
  for i in $(seq -w 1 "$LISTING_COUNT"); do printf '%s' "$content" > "$1/many/file-$i.txt"; done
}

# Timed: the request until the last byte of the multistatus is on disk (curl's own clock). Counted afterwards,
# untimed: grep's speed depends on how the XML is split into lines (one 3 MB line is ~2x slower to scan than 10,000
# short ones), which is the client's cost, not the server's.
bench_listing() {
  local out="$WORK/listing-$1.xml" took count
  took=$(curl -sf "${auth[@]}" -X PROPFIND -H 'Depth: 1' -H 'Content-Type: application/xml' --data-binary @"$WORK/propfind.xml" \
    -o "$out" -w '%{time_total}' "$(url "$1" many/)")
  count=$(grep -o '<[a-zA-Z]*:\?response[ >]' "$out" | wc -l)
  [ "$count" -ge "$LISTING_COUNT" ] || { echo "PROPFIND on $1 listed $count entries" >&2; exit 1; }
  echo "$took"
}

bench_propfind0() {
  local config="$WORK/propfind0-$1.curl" start target
  target="$(url "$1" small-1/f0001.bin)"
  if [ ! -f "$config" ]; then
    for i in $(seq 1 "$PROPFIND_COUNT"); do
      [ "$i" -gt 1 ] && echo next >> "$config"
      printf 'url = "%s"\nuser = "%s"\nrequest = "PROPFIND"\nheader = "Depth: 0"\nheader = "Content-Type: application/xml"\ndata-binary = "@%s"\noutput = "/dev/null"\nfail\nsilent\n' \
        "$target" "$BENCH_USER:$BENCH_PASS" "$WORK/propfind.xml" >> "$config"
    done
  fi
  start=$(now)
  curl -sf "${auth[@]}" -K "$config"
  elapsed "$start"
}

# ---------------------------------------------------------------- run
declare -A RESULT=()
declare -A CPU=()
declare -A RSS=()
for server in $SERVERS; do
  log "starting $server"
  "start_${server//-/_}"
  for run in $(seq $((1 - WARMUP)) "$RUNS"); do
    log "$server run $run: PUT $BIG_MIB MiB"
    timed "$run" "$server" put_big bench_put_big "$server"
    if [[ "$server" == ocm* ]] && [ -z "${RSS[$server,put]:-}" ]; then RSS[$server,put]=$(rss_peak "${PIDS[$server]}"); fi
    log "$server run $run: GET $BIG_MIB MiB"
    timed "$run" "$server" get_big bench_get_big "$server"
  done
  if [[ "$server" == ocm* ]]; then RSS[$server,big]=$(rss_peak "${PIDS[$server]}"); fi
  for run in $(seq $((1 - SMALL_WARMUP)) "$RUNS"); do
    log "$server run $run: $SMALL_COUNT x 4 KiB PUT, $SMALL_PARALLEL in parallel"
    timed "$run" "$server" small bench_small_puts "$server" "$run"
    log "$server run $run: $FLOOR_COUNT x OPTIONS, $SMALL_PARALLEL in parallel"
    timed "$run" "$server" floor bench_floor "$server"
  done
  if [[ "$server" == ocm* ]]; then
    log "$server: uploading a folder of $LISTING_COUNT files"
    prepare_listing_ocm "$server"
  fi
  for run in $(seq $((1 - WARMUP)) "$RUNS"); do
    log "$server run $run: PROPFIND Depth 1 on $LISTING_COUNT files"
    timed "$run" "$server" listing bench_listing "$server"
    log "$server run $run: $PROPFIND_COUNT x PROPFIND Depth 0 (keep-alive)"
    timed "$run" "$server" propfind0 bench_propfind0 "$server"
  done
  if [[ "$server" == ocm* ]]; then RSS[$server,end]=$(rss_peak "${PIDS[$server]}"); fi
  log "stopping $server"
  if [ "$server" = nginx ]; then kill "$(cat "$WORK/nginx/nginx.pid")"; fi
  if [ "$server" = apache ]; then kill "$(cat "$WORK/apache/httpd.pid")"; fi
  kill "${PIDS[$server]}" 2>/dev/null || true
  wait "${PIDS[$server]}" 2>/dev/null || true
  unset "PIDS[$server]"
  rm -rf "$WORK/nginx/root" "$WORK/apache/root" "$WORK/rclone/root" "$WORK/$server/files"
done

# ---------------------------------------------------------------- report
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
med() { # table server workload
  local -n table="$1"
  echo "${table[$2,$3]:-}" | tr ' ' '\n' | grep -v '^$' | median
}
ratio() { # table other workload: BASE relative to the other server, other / BASE (>1: BASE is faster or cheaper)
  local o t
  o=$(med "$1" "$BASE" "$3"); t=$(med "$1" "$2" "$3")
  if [ -n "$o" ] && [ -n "$t" ] && awk -v o="$o" 'BEGIN { exit !(o > 0) }'; then
    awk -v t="$t" -v o="$o" 'BEGIN { printf "%.2f", t / o }'
  else
    echo "-"
  fi
}
label() {
  case $1 in
    put_big) echo "PUT $BIG_MIB MiB" ;; get_big) echo "GET $BIG_MIB MiB" ;;
    small) echo "$SMALL_COUNT x 4 KiB PUT (c=$SMALL_PARALLEL)" ;;
    floor) echo "  floor: $FLOOR_COUNT x OPTIONS (c=$SMALL_PARALLEL)" ;;
    listing) echo "PROPFIND D1, $LISTING_COUNT files" ;; propfind0) echo "$PROPFIND_COUNT x PROPFIND D0 keep-alive" ;;
  esac
}
table() { # table title
  printf '\n%s\n' "$2"
  printf '%-34s' "workload"
  for s in $SERVERS; do printf '%13s' "$s"; done
  for s in $SERVERS; do if [ "$s" != "$BASE" ]; then printf '%18s' "$BASE/$s"; fi; done
  printf '\n'
  for w in put_big get_big small floor listing propfind0; do
    printf '%-34s' "$(label "$w")"
    for s in $SERVERS; do printf '%13s' "$(med "$1" "$s" "$w" | xargs printf '%.3f')"; done
    for s in $SERVERS; do if [ "$s" != "$BASE" ]; then printf '%17sx' "$(ratio "$1" "$s" "$w")"; fi; done
    printf '\n'
  done
}
printf '\nWebDAV benchmark, %s, %s, %s cores, median of %s runs after %s untimed warm-up pass(es) (%s of the small PUTs), load average %s at the start, %s at the end\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(nproc)" "$RUNS" "$WARMUP" "$SMALL_WARMUP" \
  "$LOAD_START" "$LOAD_END"
table RESULT "Wall-clock seconds (lower is better)"
table CPU "Server CPU seconds, process and worker children (lower is better)"
for s in $SERVERS; do
  if [ -n "${RSS[$s,put]:-}" ]; then
    printf '\n%s peak RSS (VmHWM): %s MiB after the first %s MiB upload, %s MiB after the big transfers, %s MiB at the end' \
      "$s" "$((RSS[$s,put] / 1024))" "$BIG_MIB" "$((RSS[$s,big] / 1024))" "$((RSS[$s,end] / 1024))"
  fi
done
printf '\n\nRatios are %s relative to the other server (other / %s): >1 means %s is faster (wall) or cheaper (CPU).\n' "$BASE" "$BASE" "$BASE"
printf 'Raw figures per run (wall seconds, server CPU seconds):\n'
for s in $SERVERS; do for w in put_big get_big small floor listing propfind0; do
  printf '  %-7s %-10s wall %s cpu %s\n' "$s" "$w" "${RESULT[$s,$w]:-}" "${CPU[$s,$w]:-}"
done; done
