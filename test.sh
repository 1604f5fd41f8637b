#!/usr/bin/env bash
# Runs the whole Ocm test suite on a fresh Debian 12 machine with only the .NET 10 SDK:
# installs the Debian and npm tools the tests drive, starts a throwaway PostgreSQL and Ceph RADOS Gateway (S3),
# builds, runs every test, and ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
REPO="$(pwd)"

scripts/install-test-tools.sh

# A throwaway PostgreSQL for the data-layer tests (Debian's postgresql package; runs as user postgres).
source scripts/postgres.sh
pg_start
trap pg_stop EXIT
export OCM_TEST_POSTGRES="Host=127.0.0.1;Port=${PGPORT};Username=postgres;Database=ocm_test"

# A throwaway Ceph RADOS Gateway (S3) for the S3 file store's tests; ceph_start exports OCM_TEST_S3.
source scripts/ceph-rgw.sh
ceph_start
trap 'ceph_stop; pg_stop' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Ocm.slnx
dotnet tool restore
dotnet build Ocm.slnx --no-restore -c Release

rm -rf "$REPO/TestResults"
set +e
dotnet test Ocm.slnx --no-build -c Release --logger "trx" --results-directory "$REPO/TestResults" "$@"
status=$?
set -e

scripts/test-summary.sh "$REPO/TestResults" "$status"
