#!/usr/bin/env bash
# Cluster benchmark: small PUTs and PROPFIND Depth 0 through haproxy with 1, 2 and 3 `ocm serve` nodes (Release) on
# one PostgreSQL and one Ceph RADOS Gateway (S3), each node with its own empty data directory — and, in the same run,
# nginx (dav + dav-ext, one process on local disk, the reference) behind the same haproxy configuration, all with Basic
# auth. Reports wall-clock seconds, requests per second and the CPU every component spent per request: the ocm nodes
# together, PostgreSQL, the RADOS Gateway and Ceph, haproxy. On two cores more nodes cannot add cores, so whether the
# design scales is judged by the CPU per request staying flat as nodes are added (no cross-node coordination cost),
# not by the wall clock.
#
#   bench/cluster/run.sh                        # NODES="1 2 3", RUNS=3
#   NODES="1 3" RUNS=1 SMALL_COUNT=200 PROPFIND_COUNT=200 bench/cluster/run.sh   # smoke test
#
# Needs what ./test.sh installs (scripts/install-test-tools.sh: PostgreSQL, Ceph, haproxy, nginx-full, apache2-utils).
# Run manually, on an otherwise idle machine; it is not part of ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$(pwd)"

NODES="${NODES:-1 2 3}"
RUNS="${RUNS:-3}"
SMALL_COUNT="${SMALL_COUNT:-1000}"
SMALL_PARALLEL=8
PROPFIND_COUNT="${PROPFIND_COUNT:-2000}"
WARMUP_COUNT="${WARMUP_COUNT:-3000}" # untimed small PUTs and PROPFINDs per configuration: the JIT reaches full speed on every node
BENCH_USER=bench
BENCH_PASS=bench-password-1
BASE_PORT=18180
export PGPORT="${PGPORT:-55460}" CEPH_PORT="${CEPH_PORT:-56840}" HAPROXY_PORT="${HAPROXY_PORT:-18190}"

source scripts/postgres.sh
source scripts/ceph-rgw.sh
source scripts/haproxy.sh

WORK="$(mktemp -d /tmp/ocm-cluster-bench.XXXXXX)"
chmod 755 "$WORK"
NODE_PIDS=()
NGINX_PID=""
stop_nodes() {
  for pid in "${NODE_PIDS[@]}" $NGINX_PID; do kill "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}" $NGINX_PID; do wait "$pid" 2>/dev/null || true; done
  NODE_PIDS=()
  NGINX_PID=""
}
cleanup() {
  stop_nodes
  haproxy_stop
  ceph_stop >/dev/null 2>&1 || true
  pg_stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.4f\n", a - b }'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
auth=(-u "$BENCH_USER:$BENCH_PASS")
BALANCER="http://127.0.0.1:$HAPROXY_PORT"

# CPU ticks (utime+stime, with reaped children) of every process whose command line matches a pattern.
cpu_of() { # pgrep-pattern
  local pid
  for pid in $(pgrep -f "$1" || true); do
    sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'
  done | awk '{ s += $1 } END { print s + 0 }'
}
# The nodes (nginx: its master and its worker children).
cpu_nodes() { local pid; for pid in "${NODE_PIDS[@]}" $NGINX_PID $( [ -n "$NGINX_PID" ] && pgrep -P "$NGINX_PID" ); do
  sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'
done | awk '{ s += $1 } END { print s + 0 }'; }
# PostgreSQL: the backends serving the benchmark's databases (named bench_N), which is where a request's queries run.
snapshot() { echo "$(cpu_nodes) $(cpu_of "postgres: postgres bench_") $(cpu_of "$(ceph_root)/") $(cpu_of "$(haproxy_root)/")"; }

wait_for() { # url
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "${auth[@]}" -X PROPFIND -H 'Depth: 0' "$1"; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not answer" >&2
  exit 1
}

log "starting PostgreSQL ($PGPORT) and the RADOS Gateway ($CEPH_PORT)"
pg_start >/dev/null
ceph_start >/dev/null

DLL="$REPO/src/Ocm/bin/Release/net10.0/ocm.dll"
log "building ocm (Release)"
dotnet build "$REPO/src/Ocm" -c Release -v quiet -nologo >/dev/null

head -c 4096 /dev/urandom > "$WORK/small.bin"
cat > "$WORK/propfind.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/></d:prop></d:propfind>
XML
htpasswd -bc "$WORK/htpasswd" "$BENCH_USER" "$BENCH_PASS" 2>/dev/null
chmod 644 "$WORK/htpasswd"

start_ocm_cluster() { # n: n nodes on a fresh database and bucket, behind haproxy
  local n="$1" i db bucket secret backends=()
  db="bench_$n"
  bucket="ocm-bench-$n"
  secret="$(head -c 32 /dev/urandom | base64)"
  pg_as "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$db"
  export OCM_DATABASE__PROVIDER=postgres
  export OCM_DATABASE__CONNECTIONSTRING="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$db;Maximum Pool Size=50"
  export OCM_STORAGE__PROVIDER=s3 OCM_STORAGE__S3__SERVICEURL="$S3_ENDPOINT" OCM_STORAGE__S3__BUCKET="$bucket"
  export OCM_STORAGE__S3__ACCESSKEY="$S3_ACCESS_KEY" OCM_STORAGE__S3__SECRETKEY="$S3_SECRET_KEY"
  export OCM_DEPLOYMENTSECRET="$secret" OCM_PROXY__TRUSTEDNETWORKS=127.0.0.1 OCM_PUBLICURL="$BALANCER/"
  export OCM_LOGGING__LOGLEVEL__DEFAULT=Warning
  mkdir -p "$WORK/n$n-1"
  dotnet "$DLL" user add "$BENCH_USER" --password "$BENCH_PASS" --data-dir "$WORK/n$n-1" --init >/dev/null
  for i in $(seq 1 "$n"); do
    mkdir -p "$WORK/n$n-$i"
    dotnet "$DLL" serve --data-dir "$WORK/n$n-$i" --urls "http://127.0.0.1:$((BASE_PORT + i))" > "$WORK/n$n-$i.log" 2>&1 &
    NODE_PIDS+=($!)
    backends+=("127.0.0.1:$((BASE_PORT + i))")
  done
  for i in $(seq 1 "$n"); do wait_for "http://127.0.0.1:$((BASE_PORT + i))/dav/files/$BENCH_USER/"; done
  haproxy_start "${backends[@]}" >/dev/null
  PREFIX="/dav/files/$BENCH_USER"
}

start_nginx() {
  mkdir -p "$WORK/nginx/root" "$WORK/nginx/tmp"
  cat > "$WORK/nginx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_max_body_size 0;
  client_body_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$((BASE_PORT + 1));
    root $WORK/nginx/root;
    # haproxy's health check (scripts/haproxy.sh: GET /readyz), answered without credentials as ocm does.
    location = /readyz { auth_basic off; return 200; }
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
  NGINX_PID=$!
  wait_for "http://127.0.0.1:$((BASE_PORT + 1))/"
  haproxy_start "127.0.0.1:$((BASE_PORT + 1))" >/dev/null
  PREFIX=""
}

small_puts() { # folder count: PUTs of 4 KiB at concurrency 8 through the balancer; prints wall seconds
  local base="$BALANCER$PREFIX/$1" config="$WORK/small.curl" start
  curl -sf "${auth[@]}" -o /dev/null -X MKCOL "$base/" # a trailing slash: nginx refuses MKCOL without one
  : > "$config"
  for i in $(seq -w 1 "$2"); do
    printf 'upload-file = "%s"\nurl = "%s/f%s.bin"\noutput = "/dev/null"\n' "$WORK/small.bin" "$base" "$i" >> "$config"
  done
  start=$(now)
  curl -sf --no-progress-meter "${auth[@]}" -Z --parallel-max "$SMALL_PARALLEL" -K "$config"
  elapsed "$start"
}

propfind0() { # file [count]: PROPFIND Depth 0 on one keep-alive client connection to the balancer; prints wall seconds
  local config="$WORK/propfind0.curl" start
  : > "$config"
  for i in $(seq 1 "${2:-$PROPFIND_COUNT}"); do
    [ "$i" -gt 1 ] && echo next >> "$config"
    printf 'url = "%s"\nuser = "%s"\nrequest = "PROPFIND"\nheader = "Depth: 0"\nheader = "Content-Type: application/xml"\ndata-binary = "@%s"\noutput = "/dev/null"\nfail\nsilent\n' \
      "$BALANCER$PREFIX/$1" "$BENCH_USER:$BENCH_PASS" "$WORK/propfind.xml" >> "$config"
  done
  start=$(now)
  curl -sf "${auth[@]}" -K "$config"
  elapsed "$start"
}

declare -A WALL=() CPU=()
HZ="$(getconf CLK_TCK)"
measure() { # config workload count command...
  local config="$1" workload="$2" count="$3" before after wall
  shift 3
  before=($(snapshot))
  wall=$("$@")
  after=($(snapshot))
  WALL[$config,$workload]+="$wall "
  for k in 0 1 2 3; do
    CPU[$config,$workload,$k]+="$(awk -v a="${after[$k]}" -v b="${before[$k]}" -v hz="$HZ" -v n="$count" 'BEGIN { printf "%.3f", (a - b) / hz / n * 1000 }') "
  done
}

CONFIGS=()
for n in $NODES; do CONFIGS+=("ocm x$n"); done
CONFIGS+=("nginx x1")
for config in "${CONFIGS[@]}"; do
  log "starting $config"
  if [[ "$config" == ocm* ]]; then start_ocm_cluster "${config#ocm x}"; else start_nginx; fi
  # Every node compiles both request paths before anything is timed (round-robin spreads the warm-up evenly), so a
  # larger cluster is not charged for compiling the same code on more nodes.
  log "$config: warm-up, $WARMUP_COUNT small PUTs and $WARMUP_COUNT PROPFIND D0"
  small_puts warmup "$WARMUP_COUNT" >/dev/null
  propfind0 "warmup/f$(printf '%0*d' ${#WARMUP_COUNT} 1).bin" "$WARMUP_COUNT" >/dev/null
  for run in $(seq 1 "$RUNS"); do
    log "$config run $run: $SMALL_COUNT x 4 KiB PUT"
    measure "$config" small "$SMALL_COUNT" small_puts "small-$run" "$SMALL_COUNT"
    log "$config run $run: $PROPFIND_COUNT x PROPFIND D0"
    measure "$config" propfind0 "$PROPFIND_COUNT" propfind0 "small-$run/f$(printf '%0*d' ${#SMALL_COUNT} 1).bin"
  done
  stop_nodes
  haproxy_stop
done

med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
printf '\nCluster benchmark, %s, %s cores, median of %s runs, load average %s at the end\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-22s %9s %9s %12s %12s %12s %12s\n' config workload wall_s req/s "nodes ms/req" "pg ms/req" "ceph ms/req" "hapx ms/req"
for config in "${CONFIGS[@]}"; do
  for w in small propfind0; do
    count=$SMALL_COUNT
    [ "$w" = propfind0 ] && count=$PROPFIND_COUNT
    wall=$(med "${WALL[$config,$w]}")
    label="$count x 4 KiB PUT c=8"
    [ "$w" = propfind0 ] && label="$count x PROPFIND D0"
    printf '%-10s %-22s %9.2f %9.0f %12.3f %12.3f %12.3f %12.3f\n' "$config" "$label" "$wall" \
      "$(awk -v n="$count" -v w="$wall" 'BEGIN { print n / w }')" \
      "$(med "${CPU[$config,$w,0]}")" "$(med "${CPU[$config,$w,1]}")" "$(med "${CPU[$config,$w,2]}")" "$(med "${CPU[$config,$w,3]}")"
  done
done
printf '\nnodes ms/req: CPU of all ocm serve processes (or nginx) per request; pg, ceph, hapx: PostgreSQL, RADOS Gateway + Ceph daemons, haproxy.\n'
printf 'nginx x1 keeps files on its local disk (no database, no object store): the floor of a WebDAV PUT/PROPFIND behind haproxy.\n'
