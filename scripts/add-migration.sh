#!/usr/bin/env bash
# Adds a migration for every database provider: scripts/add-migration.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/Ocm --context "${provider}OcmDb" \
    --output-dir "Data/Migrations/$provider" --namespace "Ocm.Data.Migrations.$provider"
  # With --namespace, EF writes the snapshot by namespace; keep it beside its migrations.
  if [ -d src/Ocm/Ocm ]; then
    find src/Ocm/Ocm -name '*ModelSnapshot.cs' -exec mv {} "src/Ocm/Data/Migrations/$provider/" \;
    rm -rf src/Ocm/Ocm
  fi
done
