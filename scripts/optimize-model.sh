#!/usr/bin/env bash
# Regenerates the EF Core compiled models of both database providers (src/Ocm/Data/CompiledModels): a node then loads
# its model from generated code instead of building it from the entity configurations at start (less start-up work and
# memory: docs/benchmarks.md, run S6). Run it after every change to an entity or its configuration —
# scripts/add-migration.sh runs it too; tests/Ocm.Tests/Data/CompiledModelTests.cs fails while a model is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  # Files of entities that no longer exist must go too.
  rm -rf "src/Ocm/Data/CompiledModels/$provider"
  dotnet ef dbcontext optimize --project src/Ocm --context "${provider}OcmDb" \
    --output-dir "Data/CompiledModels/$provider" --namespace "Ocm.Data.CompiledModels.$provider"
done
