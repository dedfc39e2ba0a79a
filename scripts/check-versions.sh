#!/usr/bin/env bash
# versions.env is the one source of the pinned versions. A few tools need a literal copy of their
# own (func-e reads .envoy-version, npm its lock file, pip requirements files, Maven a default
# property for runs by hand; the build passes -D from versions.env): this fails when one differs.
set -euo pipefail
cd "$(dirname "$0")/.."
source ./versions.env

status=0
expect() { # file, what, found, wanted
  if [[ "$3" != "$4" ]]; then
    echo "check-versions: $1: $2 is '${3:-missing}', versions.env says '$4'" >&2
    status=1
  fi
}
pom_property() { sed -n "s|.*<$2>\(.*\)</$2>.*|\1|p" "$1" | head -1; }
pinned_requirement() { sed -n "s/^$2==\([^ ;#]*\).*/\1/p" "$1" | head -1; }

expect .envoy-version "the Envoy release func-e runs" "$(tr -d ' \n' < .envoy-version)" "$ENVOY_VERSION"
for pom in bridge/pom.xml stack/kafka/pom.xml tests/fixture-gen/compression/pom.xml; do
  expect "$pom" "kafka.version" "$(pom_property "$pom" kafka.version)" "$KAFKA_VERSION"
done
expect bench/kroxylicious/pom.xml "kroxylicious.version" \
  "$(pom_property bench/kroxylicious/pom.xml kroxylicious.version)" "$KROXYLICIOUS_VERSION"
expect package-lock.json "kafkajs" \
  "$(node -p 'require("./package-lock.json").packages["node_modules/kafkajs"]?.version ?? ""')" "$KAFKAJS_VERSION"
expect package-lock.json "@kafkajs/confluent-schema-registry" \
  "$(node -p 'require("./package-lock.json").packages["node_modules/@kafkajs/confluent-schema-registry"]?.version ?? ""')" "$KAFKAJS_SCHEMA_REGISTRY_VERSION"
expect package.json "@kafkajs/confluent-schema-registry (exact)" \
  "$(node -p 'require("./package.json").devDependencies["@kafkajs/confluent-schema-registry"] ?? ""')" "$KAFKAJS_SCHEMA_REGISTRY_VERSION"
for req in tests/e2e/requirements.txt tests/faults/requirements.txt bench/requirements.txt; do
  expect "$req" "confluent-kafka" "$(pinned_requirement "$req" confluent-kafka)" "$CONFLUENT_KAFKA_VERSION"
done
[[ $status -eq 0 ]] && echo "check-versions: every pinned copy matches versions.env"
exit $status
