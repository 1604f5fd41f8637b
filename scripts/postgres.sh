# Sourced by test.sh and the benchmarks: a throwaway PostgreSQL cluster under /tmp (initdb refuses root, so it
# runs as the postgres user). PGPORT may be preset.
# Read PGPORT when a function runs, not when this file is sourced, so `source …; PGPORT=N pg_start` uses N.
PGPORT="${PGPORT:-55432}"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
pg_root() { echo "/tmp/ocm-pg-${PGPORT}"; }

pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  if [ -z "$PGBIN" ]; then echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; fi
  local PGROOT; PGROOT="$(pg_root)"
  pg_stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
  if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres -m 700 "$PGROOT"; else install -d -m 700 "$PGROOT"; fi
  pg_as "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_resume
  pg_as "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres ocm_test
  echo "PostgreSQL started on 127.0.0.1:$PGPORT"
}

# Stops the server but keeps its data, as when a database server goes away (tests of a node's readiness).
pg_halt() {
  local PGROOT; PGROOT="$(pg_root)"
  pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null
}

# Starts the server on the data pg_start created (again after pg_halt).
pg_resume() {
  local PGROOT; PGROOT="$(pg_root)"
  pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
    -o "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
}

pg_stop() {
  local PGROOT; PGROOT="$(pg_root)"
  if [ -n "$PGBIN" ] && [ -d "$PGROOT/data" ]; then
    pg_as "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  # Throwaway: nothing is left behind under /tmp.
  rm -rf "$PGROOT"
}

# Executed rather than sourced (tests): `PGPORT=N scripts/postgres.sh start|halt|resume|stop`.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) pg_start ;;
    halt) pg_halt ;;
    resume) pg_resume ;;
    stop) pg_stop ;;
    *) echo "usage: $0 start|halt|resume|stop (PGPORT=$PGPORT)" >&2; exit 2 ;;
  esac
fi
