#!/usr/bin/env bash
# Builds the Istio test tools from the Go module proxy into .cache/istio/bin/, with Go's build and
# module caches under .cache/ (GOCACHE .cache/go-build, GOMODCACHE .cache/go-mod). Each group is a
# Go module of its own under istio/tools/ whose go.mod pins the version (versions.env repeats it,
# scripts/check-versions.sh compares) and whose go.sum pins every dependency's checksum.
#
#   istio/build-tools.sh kubeconform   kubeconform and crd-schemas (seconds)
#   istio/build-tools.sh istio         pilot-discovery (istiod) and istioctl (~12+ min cold on 2 cores)
#   istio/build-tools.sh kubernetes    kube-apiserver and etcd (~6+ min cold)
#   istio/build-tools.sh crds          prints the path of Istio's CustomResourceDefinitions (istio.io/api)
#
# A group is rebuilt only when its go.mod, go.sum or sources changed (a stamp per group records
# their checksum), so a warm run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.cache/istio/bin
export GOCACHE=$ROOT/.cache/go-build GOMODCACHE=$ROOT/.cache/go-mod GOFLAGS="-buildvcs=false -mod=readonly"
mkdir -p "$BIN"

log() { echo "istio-tools: $*" >&2; }

# Checksum of what a group is built from: its module directory's files and this script.
sources_sum() { { (cd "istio/tools/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); sha256sum "$0"; } | sha256sum | cut -c1-16; }

# Flags for one binary: kube-apiserver reports the Kubernetes version it is built from (a build
# outside Kubernetes' repository says v0.0.0-master otherwise).
source ./versions.env
ldflags_for() {
  if [[ $1 == kube-apiserver ]]; then
    local v=${KUBERNETES_VERSION#v} pkg=k8s.io/component-base/version
    echo "-X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=${v%%.*} -X $pkg.gitMinor=$(cut -d. -f2 <<<"$v") -X $pkg.gitTreeState=clean"
  fi
}

# build GROUP "BINARY=PACKAGE ..."
build() {
  local group=$1; shift
  local stamp=$BIN/.$group.$(sources_sum "$group")
  local missing=0
  for spec in "$@"; do [[ -x "$BIN/${spec%%=*}" ]] || missing=1; done
  if [[ -f "$stamp" && $missing -eq 0 ]]; then return 0; fi
  local start=$SECONDS
  for spec in "$@"; do
    local name=${spec%%=*} pkg=${spec#*=}
    log "building $name ($pkg, istio/tools/$group/go.mod)"
    (cd "istio/tools/$group" && go build -trimpath -ldflags "$(ldflags_for "$name")" -o "$BIN/$name.tmp" "$pkg")
    mv -f "$BIN/$name.tmp" "$BIN/$name"
  done
  rm -f "$BIN/.$group".*
  touch "$stamp"
  log "$group built in $((SECONDS - start)) s"
}

case "${1:-}" in
  kubeconform)
    build kubeconform kubeconform=github.com/yannh/kubeconform/cmd/kubeconform crd-schemas=./crd-schemas ;;
  istio)
    build istio pilot-discovery=istio.io/istio/pilot/cmd/pilot-discovery istioctl=istio.io/istio/istioctl/cmd/istioctl ;;
  kubernetes)
    build kubernetes kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver etcd=go.etcd.io/etcd/server/v3 ;;
  crds)
    # The istio.io/api version istio.io/istio requires (istio/tools/istio/go.mod): its module
    # alone is downloaded (a few MB), not Istio.
    dir=$(cd istio/tools/istio && go mod download istio.io/api && go list -m -f '{{.Dir}}' istio.io/api)
    echo "$dir/kubernetes/customresourcedefinitions.gen.yaml" ;;
  *)
    echo "usage: istio/build-tools.sh kubeconform|istio|kubernetes|crds" >&2; exit 2 ;;
esac
