#!/usr/bin/env bash
# Federation benchmarks (docs/benchmarks.md): share delivery latency between two `ocm serve` processes, and the ingest rate of
# signed `POST /ocm/shares` on one. Builds bench/Ocm.Bench (Release, which also builds src/Ocm next to it) and runs
#
#   dotnet bench/Ocm.Bench/bin/Release/net10.0/Ocm.Bench.dll federation all [options]
#
#   bench/federation/run.sh                                   # both, defaults (loopback 127.0.3.2-127.0.3.20)
#   bench/federation/run.sh latency --shares 100
#   bench/federation/run.sh ingest --senders 1,2,4,8,16 --seconds 20
#
# Options: `dotnet bench/Ocm.Bench/bin/Release/net10.0/Ocm.Bench.dll federation` without arguments prints them.
# Run manually, on an otherwise idle machine; it is not part of ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$#" -eq 0 ]; then set -- all; fi
dotnet build bench/Ocm.Bench -c Release -v quiet -nologo >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/Ocm.Bench/bin/Release/net10.0/Ocm.Bench.dll federation "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
