#!/usr/bin/env bash
# Regenerates tests/fixtures/messages/vectors.ts with Kafka's own Java message classes:
# compiles MessageVectors.java against kafka-clients (fetched and sha1-checked by
# codegen/fetch-kafka-messages.sh) and runs it. Needs javac/java (JDK 11+).
#   codegen/vectors/generate.sh [OUTPUT]   (default tests/fixtures/messages/vectors.ts)
set -euo pipefail
cd "$(dirname "$0")/../.."

source ./versions.env
VERSION="${KAFKA_CLIENTS_VERSION:-$KAFKA_VERSION}"
OUT="${1:-tests/fixtures/messages/vectors.ts}"
JAR=".cache/kafka-clients-$VERSION.jar"
CLASSES=".cache/vectors-classes"

codegen/fetch-kafka-messages.sh
rm -rf "$CLASSES"
mkdir -p "$CLASSES" "$(dirname "$OUT")"
javac -nowarn -d "$CLASSES" -cp "$JAR" codegen/vectors/MessageVectors.java
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
java -cp "$JAR:$CLASSES" MessageVectors > "$tmp"
mv "$tmp" "$OUT"
trap - EXIT
echo "wrote $OUT" >&2
