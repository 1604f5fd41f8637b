#!/usr/bin/env bash
# Prints "N passed, N failed" from the TRX files of a test run; exits non-zero when anything failed
# or when no test ran at all.
# Skipped tests (only the ones that need the public test vectors may skip, when the vectors are absent) are reported
# on the lines before, with their reason. Where the vectors are present, a skipped test counts as a failure: there
# they must run.
set -euo pipefail
dir="$1"; status="${2:-0}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
passed=0; failed=0; skipped=0
reasons=""
shopt -s nullglob
for f in "$dir"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${fl:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  # A skipped xunit test is a result with outcome NotExecuted; its skip reason is the Message that follows.
  s=$(grep -c 'outcome="NotExecuted"' "$f" || true)
  skipped=$((skipped + ${s:-0}))
  if [ "${s:-0}" -gt 0 ]; then
    reasons+=$(awk '/outcome="NotExecuted"/ { want = 1 }
      want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print; want = 0 }' "$f")$'\n'
  fi
done

# Where the vectors are, by the rules of tests/Shared/TestPaths.cs: OCM_SHARED_DIR, or a shared/vectors folder beside
# the checkout (or further up). Either one being present means no test may skip.
vectors=""
if [ -n "${OCM_SHARED_DIR:-}" ] && [ -d "$OCM_SHARED_DIR/vectors" ]; then
  vectors="$OCM_SHARED_DIR/vectors"
fi
d="$repo"
while [ -z "$vectors" ]; do
  if [ -d "$d/shared/vectors" ]; then vectors="$d/shared/vectors"; fi
  [ "$d" = "/" ] && break
  d="$(dirname "$d")"
done

if [ "$skipped" -gt 0 ]; then
  # One line per distinct reason, with how many tests it skipped.
  while IFS= read -r line; do
    [ -n "$line" ] && echo "$line"
  done < <(grep -v '^$' <<<"$reasons" | sort | uniq -c | sed 's/^ *\([0-9]*\) \(.*\)$/\1 skipped: \2/')
  echo "$skipped skipped"
  if [ -n "$vectors" ]; then
    echo "error: $skipped tests were skipped although the public test vectors are present at $vectors" >&2
    failed=$((failed + skipped))
  fi
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The runner failed without a failed test (build error, crash): count it as a failure, never as green.
  failed=1
fi
echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
