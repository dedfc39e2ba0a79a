#!/usr/bin/env bash
# Regenerates tests/fixtures/auth/: hash_vectors.ts (Node's crypto), scram_vectors.ts (Kafka's
# SCRAM classes: kafka-clients, fetched and sha1-checked by codegen/fetch-kafka-messages.sh, and
# the slf4j-api its client logs through) and cli_credentials.ts (scripts/scram-credentials.ts
# with fixed salts). Needs javac/java (JDK 11+) and the root node_modules (tsx).
#   tests/fixture-gen/auth/generate.sh [OUTPUT_DIR]   (default tests/fixtures/auth)
set -euo pipefail
cd "$(dirname "$0")/../../.."

source ./versions.env
VERSION="${KAFKA_CLIENTS_VERSION:-$KAFKA_VERSION}"
# The slf4j-api Kafka's distribution ships with kafka-clients $KAFKA_VERSION.
SLF4J_VERSION=1.7.36
OUT="${1:-tests/fixtures/auth}"
JAR=".cache/kafka-clients-$VERSION.jar"
SLF4J=".cache/slf4j-api-$SLF4J_VERSION.jar"
CLASSES=".cache/auth-vectors-classes"

codegen/fetch-kafka-messages.sh
if [[ ! -f "$SLF4J" ]]; then
  url="https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/$SLF4J_VERSION/slf4j-api-$SLF4J_VERSION.jar"
  tmp="$(mktemp .cache/slf4j-api.XXXXXX)"
  echo "fetching $url" >&2
  curl -fsSL --retry 3 -o "$tmp" "$url"
  want="$(curl -fsSL --retry 3 "$url.sha1" | tr -d ' \r\n' | cut -c1-40)"
  got="$(sha1sum "$tmp" | cut -d' ' -f1)"
  if [[ "$want" != "$got" ]]; then
    rm -f "$tmp"
    echo "sha1 mismatch for $url: expected $want, got $got" >&2
    exit 1
  fi
  mv "$tmp" "$SLF4J"
fi

mkdir -p "$OUT"
node --import tsx tests/fixture-gen/auth/hash_vectors.ts "$OUT/hash_vectors.ts"
node --import tsx tests/fixture-gen/auth/cli_credentials.ts "$OUT/cli_credentials.ts"

rm -rf "$CLASSES"
mkdir -p "$CLASSES"
javac -nowarn -d "$CLASSES" -cp "$JAR" tests/fixture-gen/auth/ScramVectors.java
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
# slf4j 1.7 without a binding says so on stderr once; nothing else is logged.
java -cp "$JAR:$SLF4J:$CLASSES" ScramVectors > "$tmp" 2> >(grep -v '^SLF4J:' >&2)
mv "$tmp" "$OUT/scram_vectors.ts"
trap - EXIT
echo "wrote $OUT/hash_vectors.ts, $OUT/cli_credentials.ts, $OUT/scram_vectors.ts" >&2
