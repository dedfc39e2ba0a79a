#!/usr/bin/env bash
# Rebuilds the fuzz seed corpus tests/fixtures/corpus/*.bin: the request frames kafkajs and
# kcat (librdkafka) send to the mesh (ApiVersions, Metadata, InitProducerId, Produce with
# several codecs; kcat's consumers' ListOffsets and FindCoordinator), and consumer and group
# requests built with the wire library (seed-consumer.ts). Each client talks to the capture server (tests/fixture-gen/capture/server.ts filter),
# which serves it through the built filter in the Node host. Installs kafkajs under
# .cache/corpus and kcat with apt when missing (idempotent). Needs `make build` first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" # node --import tsx finds tsx in the project's node_modules
CACHE=$ROOT/.cache/corpus
OUT=$ROOT/tests/fixtures/corpus
KAFKAJS_VERSION=2.2.4
PORT=${CORPUS_PORT:-19392}

[ -d "$CACHE/node/node_modules/kafkajs" ] || npm install --prefix "$CACHE/node" --no-audit --no-fund "kafkajs@$KAFKAJS_VERSION"
if ! command -v kcat >/dev/null; then
  apt-get update -q && apt-get install -y -q kcat
fi
rm -f "$OUT"/*.bin
mkdir -p "$OUT"

run() { # client name, command...
  local name=$1; shift
  node --import tsx "$ROOT/tests/fixture-gen/capture/server.ts" filter "$PORT" "$OUT" "$name" 8 &
  local pid=$!
  sleep 1
  timeout 60 "$@" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run kafkajs node --import tsx "$ROOT/tests/fuzz/capture-kafkajs.ts" "$PORT" "$CACHE/node"
kcat_produce() { # codec, idempotent
  printf 'k1:hello, kafka\nk2:%s\n:third\n' "$(printf 'compressible %.0s' $(seq 40))" |
    kcat -P -b "127.0.0.1:$PORT" -t b-corpus -K: -z "$1" -c 3 \
      -X enable.idempotence="$2" -X message.timeout.ms=3000 -X client.id="corpus-kcat" 2>/dev/null
}
run kcat bash -c "$(declare -f kcat_produce); PORT=$PORT; for z in none gzip snappy lz4 zstd; do kcat_produce \$z false; done; kcat_produce none true"
run kcat-meta kcat -L -b "127.0.0.1:$PORT" -t apple -m 3
# kcat as a consumer: it gets as far as the mesh (strimzi reference scenario) lets it: a plain
# consumer's ListOffsets, a group consumer's FindCoordinator.
run kcat-consume bash -c "timeout 8 kcat -C -b 127.0.0.1:$PORT -t apple -o beginning -c 1 -e -X client.id=corpus-kcat; timeout 8 kcat -C -b 127.0.0.1:$PORT -G corpus-group apple -X client.id=corpus-kcat"
rm -f "$OUT"/kcat-consume-18v*.bin "$OUT"/kcat-consume-3v*.bin # the same as kcat's own
# The consumer and group requests no capture reaches, built with the wire library.
node --import tsx "$ROOT/tests/fuzz/seed-consumer.ts" "$OUT"
echo "corpus: $(ls "$OUT"/*.bin | wc -l) frames in $OUT"
