#!/usr/bin/env bash
# Captures Produce request frames from real clients (Kafka's Java producer, librdkafka via
# confluent-kafka, kafkajs) and regenerates tests/fixtures/produce/*.ts from them.
# Tools are installed under .cache/capture and .venv/capture (idempotent).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT" # node --import tsx finds tsx in the project's node_modules
CACHE=$ROOT/.cache/capture
OUT=$CACHE/frames
source "$ROOT/versions.env" # KAFKA_VERSION, KAFKAJS_VERSION, CONFLUENT_KAFKA_VERSION
mkdir -p "$CACHE/jars" "$OUT"

# Tools.
for a in org.apache.kafka:kafka-clients:$KAFKA_VERSION org.slf4j:slf4j-api:1.7.36 org.slf4j:slf4j-nop:1.7.36; do
  IFS=: read -r g n v <<<"$a"
  [ -f "$CACHE/jars/$n-$v.jar" ] || mvn -q dependency:copy -Dartifact="$a" -DoutputDirectory="$CACHE/jars"
done
[ -d "$CACHE/node/node_modules/kafkajs" ] || npm install --prefix "$CACHE/node" --no-audit --no-fund "kafkajs@$KAFKAJS_VERSION"
[ -x "$ROOT/.venv/capture/bin/python" ] || python3 -m venv "$ROOT/.venv/capture"
"$ROOT/.venv/capture/bin/python" -c "import confluent_kafka" 2>/dev/null ||
  "$ROOT/.venv/capture/bin/pip" install -q "confluent-kafka==$CONFLUENT_KAFKA_VERSION"
mkdir -p "$CACHE/classes"
javac -cp "$CACHE/jars/*" -d "$CACHE/classes" "$ROOT/tests/fixture-gen/capture/java/CaptureProducer.java"

PORT=${CAPTURE_PORT:-19192}
run() { # name, command...
  local name=$1; shift
  rm -f "$OUT/$name.jsonl"
  CAPTURE_NO_FETCH=${CAPTURE_NO_FETCH:-0} node --import tsx "$ROOT/tests/fixture-gen/capture/server.ts" broker "$PORT" "$OUT/$name.jsonl" &
  local pid=$!
  sleep 0.5
  if ! timeout 60 "$@"; then kill "$pid"; echo "capture $name failed" >&2; exit 1; fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "captured $name: $(wc -l <"$OUT/$name.jsonl") frame(s)"
}
SPEC=$ROOT/tests/fixture-gen/capture/records.json
for c in none gzip; do
  run "java_$c" java -cp "$CACHE/classes:$CACHE/jars/*" CaptureProducer "$PORT" "$c" "$SPEC"
  run "kafkajs_$c" env KAFKAJS_PREFIX="$CACHE/node" node --import tsx "$ROOT/tests/fixture-gen/capture/kafkajs_producer.ts" "$PORT" "$c"
done
for c in none gzip snappy lz4 zstd; do
  run "librdkafka_$c" "$ROOT/.venv/capture/bin/python" "$ROOT/tests/fixture-gen/capture/confluent_producer.py" "$PORT" "$c" 0
done
CAPTURE_NO_FETCH=1 run "librdkafka_msgv1" "$ROOT/.venv/capture/bin/python" "$ROOT/tests/fixture-gen/capture/confluent_producer.py" "$PORT" none 0
run "librdkafka_idempotent" "$ROOT/.venv/capture/bin/python" "$ROOT/tests/fixture-gen/capture/confluent_producer.py" "$PORT" none 1

node --import tsx "$ROOT/tests/fixture-gen/capture/gen_fixtures.ts" "$OUT" "$ROOT/tests/fixtures/produce"
