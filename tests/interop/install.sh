#!/usr/bin/env bash
# Installs the independent npm HTTP-signature implementations used by the cross-implementation tests
# (tests/Ocm.Protocol.Tests/Signatures/CrossImplementationTests.cs).
# Idempotent: does nothing when the pinned versions are already present.
#
#   tests/interop/install.sh            # installs into <repo>/.tmp/node (git-ignored)
#   OCM_NODE_DIR=/some/dir tests/interop/install.sh
#
# The tests find the packages through OCM_NODE_MODULES (default <repo>/.tmp/node/node_modules).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${OCM_NODE_DIR:-$repo/.tmp/node}"
packages=("http-message-signatures@1.0.6" "http-signature@1.4.0")

command -v node >/dev/null || { echo "install.sh: node is not installed (need Node >= 18)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install.sh: npm is not installed" >&2; exit 1; }

installed() {
  local name="${1%@*}" version="${1##*@}"
  local manifest="$dir/node_modules/$name/package.json"
  [[ -f "$manifest" ]] && node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$manifest" "$version"
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install.sh: ${packages[*]} already in $dir/node_modules"
  exit 0
fi

mkdir -p "$dir"
[[ -f "$dir/package.json" ]] || printf '{ "name": "ocm-interop", "private": true }\n' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --save-exact "${packages[@]}"
echo "install.sh: installed ${packages[*]} into $dir/node_modules"
