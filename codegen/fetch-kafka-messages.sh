#!/usr/bin/env bash
# Downloads kafka-clients from Maven Central (cached in .cache/, sha1-verified) and
# extracts Kafka's JSON message definitions to .cache/kafka-messages-<version>/.
# Idempotent: does nothing when the extracted definitions are already there.
# Prints nothing on success except what it downloads; the jar path is .cache/kafka-clients-<version>.jar.
set -euo pipefail
cd "$(dirname "$0")/.."

source ./versions.env
VERSION="${KAFKA_CLIENTS_VERSION:-$KAFKA_VERSION}"
CACHE=.cache
JAR="$CACHE/kafka-clients-$VERSION.jar"
OUT="$CACHE/kafka-messages-$VERSION"
URL="https://repo.maven.apache.org/maven2/org/apache/kafka/kafka-clients/$VERSION/kafka-clients-$VERSION.jar"

mkdir -p "$CACHE"

sha1_of() { sha1sum "$1" | cut -d' ' -f1; }

if [[ ! -f "$JAR" ]]; then
  tmp="$(mktemp "$CACHE/kafka-clients.XXXXXX")"
  trap 'rm -f "$tmp" "$tmp.sha1"' EXIT
  echo "fetching $URL" >&2
  curl -fsSL --retry 3 -o "$tmp" "$URL"
  curl -fsSL --retry 3 -o "$tmp.sha1" "$URL.sha1"
  want="$(tr -d ' \r\n' < "$tmp.sha1" | cut -c1-40)"
  got="$(sha1_of "$tmp")"
  if [[ "$want" != "$got" ]]; then
    echo "sha1 mismatch for $URL: expected $want, got $got" >&2
    exit 1
  fi
  echo "$want" > "$JAR.sha1"
  mv "$tmp" "$JAR"
fi

# Re-check a cached jar against the sha1 recorded when it was downloaded.
if [[ -f "$JAR.sha1" && "$(sha1_of "$JAR")" != "$(cat "$JAR.sha1")" ]]; then
  echo "cached $JAR does not match its sha1; delete it and retry" >&2
  exit 1
fi

if [[ ! -f "$OUT/.complete" ]]; then
  rm -rf "$OUT" "$OUT.tmp"
  mkdir -p "$OUT.tmp"
  unzip -q -j -o "$JAR" 'common/message/*.json' -d "$OUT.tmp"
  touch "$OUT.tmp/.complete"
  mv "$OUT.tmp" "$OUT"
fi
