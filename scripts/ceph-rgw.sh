#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway (S3) on loopback, for tests and benchmarks of the S3 file
# store. Sourced (test.sh, benchmarks: `source scripts/ceph-rgw.sh; ceph_start; …; ceph_stop`) or executed
# (`scripts/ceph-rgw.sh start|stop|env`). Installs nothing: scripts/install-test-tools.sh installs the Debian packages
# ceph-mon, ceph-osd, radosgw and ceph-common.
#
# One monitor, one OSD with the memstore object store (data in RAM, no disk device), no manager, radosgw with the
# beast frontend. Everything (configuration, keyrings, monitor and OSD data, sockets, PID files, logs) lives in one
# directory, /tmp/ocm-ceph-$CEPH_PORT, so stopping = killing the recorded PIDs and removing that directory.
# Ports: the monitor on $CEPH_PORT, the gateway on $CEPH_PORT+1, the daemons' own messenger ports in
# $CEPH_PORT+2 … $CEPH_PORT+19 — a different CEPH_PORT runs a second instance beside the first.
#
# After ceph_start: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY (a fresh key pair each start) and OCM_TEST_S3 (the form
# the tests read: "ServiceUrl=…;AccessKey=…;SecretKey=…").

# Read when a function runs, not when this file is sourced, so `source …; CEPH_PORT=N ceph_start` uses N.
CEPH_PORT="${CEPH_PORT:-56780}"
# memstore keeps objects in RAM up to this many bytes (RAM is used only as objects are written); the gateway frees
# deleted data after its garbage-collection delay. A full OSD does not fail requests, it stalls them ("full status
# failsafe engaged" in osd.0.log) and every test waits for its timeout: the suite's 1 GiB uploads, their retries and
# what the gateway has not freed yet must fit, hence 8 GiB.
CEPH_MEMSTORE_BYTES="${CEPH_MEMSTORE_BYTES:-8589934592}"

ceph_root() { echo "/tmp/ocm-ceph-${CEPH_PORT}"; }

# tr ends on SIGPIPE when head has enough, which pipefail (set by test.sh) would count as a failure.
ceph_random() { (tr -dc "$1" </dev/urandom 2>/dev/null || true) | head -c "$2"; }

ceph_start() {
  local missing=""
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
  done
  if [ -n "$missing" ]; then
    echo "Ceph is not installed (missing:$missing); run scripts/install-test-tools.sh" >&2
    return 1
  fi

  local root mon_port rgw_port fsid conf started
  root="$(ceph_root)"
  mon_port="$CEPH_PORT"
  rgw_port=$((CEPH_PORT + 1))
  ceph_stop >/dev/null 2>&1 || true
  rm -rf "$root"
  mkdir -p -m 700 "$root"/{run,log,mon,osd/osd.0,rgw/client.rgw.a}
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  conf="$root/ceph.conf"
  started=$(date +%s%N)

  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon initial members = a
mon host = v1:127.0.0.1:$mon_port
public addr = 127.0.0.1
# A client asking a msgr v2 address on a non-default port hangs: v1 only.
ms bind msgr2 = false
ms bind ipv6 = false
ms bind port min = $((CEPH_PORT + 2))
ms bind port max = $((CEPH_PORT + 19))
# cephx stays on: with "auth none" the OSD dies with "wrong fsid".
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $root/keyring
run dir = $root/run
pid file = $root/run/\$name.pid
admin socket = $root/run/\$name.asok
log file = $root/log/\$name.log
mon data = $root/mon/\$name
osd data = $root/osd/\$name
rgw data = $root/rgw/\$name
# One replica on one OSD, few placement groups, no autoscaler: a fast start.
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default size = 1
osd pool default min size = 1
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
# With the default (1 s) the first PUT waits ~18 s for the monitor to publish the new pools.
paxos propose interval = 0.05
osd objectstore = memstore
memstore device bytes = $CEPH_MEMSTORE_BYTES

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
# Deleted objects are freed after a minute instead of two hours (memstore holds them in RAM until then).
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF

  local keyring="$root/keyring"
  ceph-authtool --create-keyring "$keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
  chmod 600 "$keyring"

  # "monmaptool --add" with a non-default port records a msgr v2 address; --addv with an explicit v1 address does not.
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$root/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$root/monmap" --keyring "$keyring" >/dev/null 2>&1 \
    || { echo "ceph-mon --mkfs failed; see $root/log" >&2; return 1; }
  ceph-mon -c "$conf" -i a || { echo "ceph-mon did not start; see $root/log/mon.a.log" >&2; return 1; }

  local uuid osd_id
  uuid="$(cat /proc/sys/kernel/random/uuid)"
  osd_id="$(ceph -c "$conf" --connect-timeout 20 osd new "$uuid" 2>/dev/null)" \
    || { echo "the monitor did not answer 'ceph osd new'; see $root/log/mon.a.log" >&2; return 1; }
  if [ "$osd_id" != 0 ]; then echo "unexpected OSD id '$osd_id'" >&2; return 1; fi
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" >/dev/null 2>&1 \
    || { echo "ceph-osd --mkfs failed; see $root/log/osd.0.log" >&2; return 1; }
  ceph-osd -c "$conf" -i 0 >/dev/null 2>&1 || { echo "ceph-osd did not start; see $root/log/osd.0.log" >&2; return 1; }
  local i
  for i in $(seq 1 150); do
    ceph -c "$conf" --connect-timeout 5 osd dump 2>/dev/null | grep -q '^osd\.0 up' && break
    sleep 0.2
  done
  ceph -c "$conf" --connect-timeout 5 osd dump 2>/dev/null | grep -q '^osd\.0 up' \
    || { echo "osd.0 did not come up within 30 s; see $root/log/osd.0.log" >&2; return 1; }

  ceph_rgw_launch || return 1

  S3_ACCESS_KEY="$(ceph_random 'A-Z0-9' 20)"
  S3_SECRET_KEY="$(ceph_random 'A-Za-z0-9' 40)"
  radosgw-admin -c "$conf" user create --uid=ocm --display-name=ocm \
    --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null 2>"$root/log/user-create.err" \
    || { echo "radosgw-admin user create failed: $(tail -1 "$root/log/user-create.err")" >&2; return 1; }

  S3_ENDPOINT="http://127.0.0.1:$rgw_port"
  for i in $(seq 1 150); do
    curl -s --max-time 2 "$S3_ENDPOINT/" 2>/dev/null | grep -q ListAllMyBucketsResult && break
    sleep 0.2
  done
  curl -s --max-time 2 "$S3_ENDPOINT/" 2>/dev/null | grep -q ListAllMyBucketsResult \
    || { echo "the RADOS Gateway did not answer on $S3_ENDPOINT within 30 s; see $root/log/client.rgw.a.log" >&2; return 1; }

  OCM_TEST_S3="ServiceUrl=$S3_ENDPOINT;AccessKey=$S3_ACCESS_KEY;SecretKey=$S3_SECRET_KEY"
  export S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY OCM_TEST_S3
  echo "Ceph RADOS Gateway (S3) started on $S3_ENDPOINT in $(( ($(date +%s%N) - started) / 1000000 )) ms"
}

ceph_rgw_launch() {
  local root; root="$(ceph_root)"
  radosgw -c "$root/ceph.conf" -n client.rgw.a >/dev/null 2>&1 \
    || { echo "radosgw did not start; see $root/log/client.rgw.a.log" >&2; return 1; }
}

# Stops only the gateway (the cluster and its objects stay), as when the object store goes away (tests of a node's
# readiness); ceph_rgw_resume starts it again and waits until it answers.
ceph_rgw_halt() {
  local root pid i; root="$(ceph_root)"
  pid="$(cat "$root/run/client.rgw.a.pid" 2>/dev/null || true)"
  [ -n "$pid" ] || { echo "no radosgw pid file under $root/run" >&2; return 1; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$root/run/client.rgw.a.pid"
}

ceph_rgw_resume() {
  local endpoint i; endpoint="http://127.0.0.1:$((CEPH_PORT + 1))"
  ceph_rgw_launch || return 1
  for i in $(seq 1 150); do
    curl -s --max-time 2 -o /dev/null "$endpoint/" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "the RADOS Gateway did not answer on $endpoint within 30 s" >&2
  return 1
}

ceph_stop() {
  local root pidfile pid pids=""
  root="$(ceph_root)"
  [ -d "$root" ] || return 0
  for pidfile in "$root"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile" 2>/dev/null)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      pids="$pids $pid"
    fi
  done
  # radosgw takes ~10 s to shut down on its own; after 3 s it is killed (its state is thrown away anyway).
  local i alive
  for i in $(seq 1 30); do
    alive=""
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in $alive; do kill -KILL "$pid" 2>/dev/null || true; done
  for i in $(seq 1 20); do
    alive=""
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  rm -rf "$root"
}

# Executed rather than sourced: `eval "$(scripts/ceph-rgw.sh start)"` starts it and sets the variables above in the
# calling shell; `scripts/ceph-rgw.sh stop` stops it; `rgw-halt` and `rgw-resume` stop and start only the gateway.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      ceph_start >&2
      printf 'export S3_ENDPOINT=%q S3_ACCESS_KEY=%q S3_SECRET_KEY=%q OCM_TEST_S3=%q\n' \
        "$S3_ENDPOINT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$OCM_TEST_S3"
      ;;
    stop) ceph_stop ;;
    rgw-halt) ceph_rgw_halt ;;
    rgw-resume) ceph_rgw_resume ;;
    *) echo "usage: $0 start|stop|rgw-halt|rgw-resume (CEPH_PORT=$CEPH_PORT)" >&2; exit 2 ;;
  esac
fi
