#!/usr/bin/env bash
# Regenerate what clients/ holds from the code, into OUT (default: clients/ itself):
#   OUT/openapi.json                  `hookrelay openapi` (sorted keys: diffs stay readable)
#   OUT/python/                       openapi-python-client, settings in openapi-python-client.yaml
#   OUT/typescript/src/schema.ts      openapi-typescript (the rest of clients/typescript is the
#                                     package around it: package.json, src/index.ts, examples/)
# Needs the project venv (`make .venv/.installed`) and clients/typescript/node_modules (`npm ci`);
# `make clients` and `make clients-check` see to both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)
venv_bin=${VENV_BIN:-$root/.venv/bin}
export PATH="$venv_bin:$PATH"  # the post hooks run the venv's (pinned) ruff

"$venv_bin/hookrelay" openapi >"$out/openapi.json.tmp"
mv "$out/openapi.json.tmp" "$out/openapi.json"

rm -rf "$out/python"
(cd "$out" && openapi-python-client generate --path openapi.json --output-path python \
  --config "$here/openapi-python-client.yaml" --meta pdm --fail-on-warning >/dev/null)
rm -rf "$out/python/.ruff_cache"

mkdir -p "$out/typescript/src"
"$here/typescript/node_modules/.bin/openapi-typescript" "$out/openapi.json" \
  --output "$out/typescript/src/schema.ts" --empty-objects-unknown --default-non-nullable false >/dev/null
