#!/usr/bin/env bash
# Regenerates tests/fixtures/schema/: avro_vectors.ts (avsc), json_vectors.ts (ajv) and
# framing_vectors.ts, with the packages pinned in this folder's package.json and
# package-lock.json, installed into its own node_modules (npm ci, once; not the root's).
# Needs Node and the root node_modules (tsx).
#   tests/fixture-gen/schema/generate.sh [OUTPUT_DIR]   (default tests/fixtures/schema)
set -euo pipefail
cd "$(dirname "$0")/../../.."

GEN=tests/fixture-gen/schema
OUT="${1:-tests/fixtures/schema}"
if [[ ! -f "$GEN/node_modules/.package-lock.json" || "$GEN/package-lock.json" -nt "$GEN/node_modules/.package-lock.json" ]]; then
  npm ci --prefix "$GEN" --no-audit --no-fund >&2
fi
mkdir -p "$OUT"
node --import tsx "$GEN/avro_vectors.ts" "$OUT/avro_vectors.ts"
node --import tsx "$GEN/json_vectors.ts" "$OUT/json_vectors.ts"
node --import tsx "$GEN/framing_vectors.ts" "$OUT/framing_vectors.ts"
