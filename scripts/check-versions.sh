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
# The Go modules of istio/tools/ (istio/build-tools.sh): the version each requires, and the
# Kubernetes staging modules replaced by their release for KUBERNETES_VERSION (v1.X.Y -> v0.X.Y).
go_require() { sed -n "s|^[[:space:]]*\(require[[:space:]]\+\)\{0,1\}$2 \(v[^ ]*\).*|\2|p" "$1" | head -1; }
expect istio/tools/istio/go.mod "istio.io/istio" "$(go_require istio/tools/istio/go.mod istio.io/istio)" "$ISTIO_VERSION"
expect istio/tools/kubernetes/go.mod "k8s.io/kubernetes" "$(go_require istio/tools/kubernetes/go.mod k8s.io/kubernetes)" "$KUBERNETES_VERSION"
expect istio/tools/kubernetes/go.mod "go.etcd.io/etcd/server/v3" "$(go_require istio/tools/kubernetes/go.mod go.etcd.io/etcd/server/v3)" "$ETCD_VERSION"
staging=$(sed -n 's|^[[:space:]]*k8s.io/[^ ]* => k8s.io/[^ ]* \(v[^ ]*\)$|\1|p' istio/tools/kubernetes/go.mod | sort -u | tr '\n' ' ' | sed 's/ $//')
expect istio/tools/kubernetes/go.mod "the staging modules' replacements" "$staging" "v0.${KUBERNETES_VERSION#v1.}"
expect istio/tools/kubeconform/go.mod "github.com/yannh/kubeconform" "$(go_require istio/tools/kubeconform/go.mod github.com/yannh/kubeconform)" "$KUBECONFORM_VERSION"
[[ $status -eq 0 ]] && echo "check-versions: every pinned copy matches versions.env"
exit $status
