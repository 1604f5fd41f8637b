#!/usr/bin/env bash
# A throwaway haproxy on loopback in front of several `ocm serve` nodes: round-robin, no sticky sessions, X-Forwarded-For
# added (`option forwardfor`) and X-Forwarded-Proto/-Host set. For tests and benchmarks of a cluster. Sourced
# (`source scripts/haproxy.sh; HAPROXY_PORT=N haproxy_start 127.0.0.1:8081 127.0.0.1:8082; …; haproxy_stop`) or executed
# (`scripts/haproxy.sh start PORT BACKEND…`, `scripts/haproxy.sh stop PORT`). Installs nothing:
# scripts/install-test-tools.sh installs the Debian package haproxy.
#
# Configuration, PID file and log live in /tmp/ocm-haproxy-$HAPROXY_PORT, so stopping = killing the recorded PID and
# removing that directory; a different HAPROXY_PORT runs a second balancer beside the first.

# Read when a function runs, not when this file is sourced, so `source …; HAPROXY_PORT=N haproxy_start …` uses N.
HAPROXY_PORT="${HAPROXY_PORT:-56880}"

haproxy_root() { echo "/tmp/ocm-haproxy-${HAPROXY_PORT}"; }

# haproxy_start BACKEND… — each backend is host:port of an `ocm serve` node.
haproxy_start() {
  if ! command -v haproxy >/dev/null; then
    echo "haproxy is not installed; run scripts/install-test-tools.sh" >&2
    return 1
  fi
  if [ "$#" -eq 0 ]; then
    echo "usage: haproxy_start HOST:PORT… (the ocm serve nodes)" >&2
    return 2
  fi

  local root cfg i=0
  root="$(haproxy_root)"
  haproxy_stop >/dev/null 2>&1 || true
  rm -rf "$root"
  mkdir -p -m 700 "$root"
  cfg="$root/haproxy.cfg"
  cat >"$cfg" <<CFG
global
    maxconn 1000

defaults
    mode http
    timeout connect 5s
    # WebDAV uploads of large files and slow peers: generous client/server timeouts.
    timeout client 10m
    timeout server 10m
    timeout http-request 30s
    # A node that went away (killed, restarting) costs a retry on another node, not the client's request.
    option redispatch
    retries 3

frontend ocm
    bind 127.0.0.1:$HAPROXY_PORT
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    default_backend nodes

backend nodes
    balance roundrobin
    # Each request on its own decision: a client's keep-alive connection does not pin it to one node.
    option http-server-close
    option httpchk GET /readyz
CFG
  for backend in "$@"; do
    i=$((i + 1))
    echo "    server node$i $backend check inter 1s fall 2 rise 1" >>"$cfg"
  done

  haproxy -c -q -f "$cfg" || { echo "haproxy refused its configuration ($cfg)" >&2; return 1; }
  haproxy -f "$cfg" -D -p "$root/haproxy.pid" || return 1
  echo "haproxy listening on 127.0.0.1:$HAPROXY_PORT, round-robin over $*"
}

haproxy_stop() {
  local root pid
  root="$(haproxy_root)"
  if [ -f "$root/haproxy.pid" ]; then
    for pid in $(cat "$root/haproxy.pid"); do
      kill "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
      local alive=""
      for pid in $(cat "$root/haproxy.pid"); do
        kill -0 "$pid" 2>/dev/null && alive=1
      done
      [ -z "$alive" ] && break
      sleep 0.1
    done
  fi
  rm -rf "$root"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  command="${1:-}"
  shift || true
  case "$command" in
    start)
      HAPROXY_PORT="${1:?usage: $0 start PORT HOST:PORT…}"
      shift
      haproxy_start "$@"
      ;;
    stop)
      HAPROXY_PORT="${1:?usage: $0 stop PORT}"
      haproxy_stop
      ;;
    *)
      echo "usage: $0 start PORT HOST:PORT… | stop PORT" >&2
      exit 2
      ;;
  esac
fi
