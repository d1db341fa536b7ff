#!/usr/bin/env bash
# Fail when the committed snapshot or either client differs from what the code generates now
# (run `make clients` and commit the result), then type-check the TypeScript client.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

"$here/generate.sh" "$fresh"
drift=0
for generated in openapi.json python typescript/src/schema.ts; do
  if ! diff -r -u -x __pycache__ -x .ruff_cache -x "*.egg-info" -x .pdm-build -x build -x dist \
    "$here/$generated" "$fresh/$generated" >"$fresh/diff.txt"; then
    echo "clients/$generated differs from what the code generates:" >&2
    head -n 60 "$fresh/diff.txt" >&2
    drift=1
  fi
done
if [ "$drift" -ne 0 ]; then
  echo "FAIL: clients/ is out of date; run \`make clients\` and commit the result" >&2
  exit 1
fi
(cd "$here/typescript" && node_modules/.bin/tsc --noEmit -p .)
echo "clients/ matches the code; the TypeScript client type-checks"
