#!/usr/bin/env bash
# Resident memory of a process by kind, from a copy of /proc/PID/smaps (run.sh keeps one idle and one after the upload):
#   bench/s3-rss/smaps-summary.sh /tmp/ocm-s3-rss/smaps-LABEL-PID-idle
awk '
  /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"
    if (name ~ /doublemapper/) kind = "jit code (doublemapper)"
    else if (name ~ /\.dll$/) kind = "assemblies (.dll)"
    else if (name ~ /\.so/) kind = "native libraries (.so)"
    else if (name ~ /^\[/ || name == "") kind = "anonymous " name
    else kind = "other files" ; next }
  /^Rss:/ { rss[kind] += $2 }
  END { for (k in rss) { printf "%8.1f MiB  %s\n", rss[k] / 1024, k; t += rss[k] } printf "%8.1f MiB  total\n", t / 1024 }
' "$1" | sort -rn
