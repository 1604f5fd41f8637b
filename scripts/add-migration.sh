#!/usr/bin/env bash
# Adds a migration for every database provider: scripts/add-migration.sh NAME
# Then regenerates the compiled models (scripts/optimize-model.sh), which must match the model the migration was made from.
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
dotnet tool restore >/dev/null
# The old compiled models may not even compile against the changed entities; the migrations do not use them.
rm -rf src/Ocm/Data/CompiledModels
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/Ocm --context "${provider}OcmDb" \
    --output-dir "Data/Migrations/$provider" --namespace "Ocm.Data.Migrations.$provider"
  # With --namespace, EF writes the snapshot by namespace; keep it beside its migrations.
  if [ -d src/Ocm/Ocm ]; then
    find src/Ocm/Ocm -name '*ModelSnapshot.cs' -exec mv {} "src/Ocm/Data/Migrations/$provider/" \;
    rm -rf src/Ocm/Ocm
  fi
done
scripts/optimize-model.sh
