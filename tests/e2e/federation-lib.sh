# Shared by tests/e2e/two-servers.sh and bench/shares/mount-read.sh (source it; set OCM_DLL, A_HOST, B_HOST, PORT first):
# two `ocm serve` processes A and B on loopback, with users alice on A and bob on B made by `ocm user add`, and helpers
# to share a path from alice to bob and accept it with the `ocm` commands.
A="http://$A_HOST:$PORT"
B="http://$B_HOST:$PORT"
WORK="$(mktemp -d -t ocm-fed.XXXXXX)"
PIDS=()

ocm() { dotnet "$OCM_DLL" "$@"; }
step() { printf '== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; for log in "$WORK"/*.log; do printf -- '--- %s\n' "$log" >&2; tail -n 40 "$log" >&2 || true; done; exit 1; }
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

start_servers() {
  step "users (offline, before the servers start)"
  ocm user add alice --password alice-secret-pw --display-name "Alice Liddell" --data-dir "$WORK/a" --init >/dev/null || fail "ocm user add alice"
  ocm user add bob --password bob-secret-pw --display-name "Bob Builder" --data-dir "$WORK/b" --init >/dev/null || fail "ocm user add bob"

  step "two servers: A on $A, B on $B"
  for url in "$A" "$B"; do
    if curl -s -o /dev/null "$url/healthz" 2>/dev/null; then fail "something already listens on $url"; fi
  done
  # exec: the background job is the server process itself, so the cleanup's kill reaches it.
  (exec dotnet "$OCM_DLL" serve --urls "$A" --data-dir "$WORK/a" >"$WORK/a.log" 2>&1) & PIDS+=($!)
  (exec dotnet "$OCM_DLL" serve --urls "$B" --data-dir "$WORK/b" >"$WORK/b.log" 2>&1) & PIDS+=($!)
  for url in "$A" "$B"; do
    for _ in $(seq 1 240); do curl -fsS "$url/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
    curl -fsS "$url/readyz" >/dev/null || fail "$url did not start"
  done
}

# share_and_accept PATH PERMISSION: alice shares PATH with bob (ocm share create), bob accepts it (ocm received
# accept). Sets SHARE_ID (on A) and RECEIVED_ID (on B).
share_and_accept() {
  local created received
  created="$(OCM_PASSWORD=alice-secret-pw ocm share create "$1" "bob@$B_HOST:$PORT" -p "$2" --server "$A" --user alice --json)" || fail "ocm share create: $created"
  SHARE_ID="$(printf '%s' "$created" | json 'v.id')"
  for _ in $(seq 1 60); do
    received="$(OCM_PASSWORD=bob-secret-pw ocm received list --state pending --server "$B" --user bob --json)" || fail "ocm received list"
    [ "$(printf '%s' "$received" | json 'v.length')" = "1" ] && break
    sleep 0.5
  done
  [ "$(printf '%s' "$received" | json 'v.length')" = "1" ] || fail "the share never arrived on B: $received"
  RECEIVED_ID="$(printf '%s' "$received" | json 'v[0].id')"
  OCM_PASSWORD=bob-secret-pw ocm received accept "$RECEIVED_ID" --server "$B" --user bob >/dev/null || fail "ocm received accept"
}
