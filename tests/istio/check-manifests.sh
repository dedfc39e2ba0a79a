#!/usr/bin/env bash
# Offline validation of every Kubernetes manifest in the repository (YAML files, tracked or not
# ignored, with a top-level apiVersion and kind; tests/istio/fixtures/ holds the broken ones):
#
#   1. kubeconform -strict against JSON schemas generated from Istio's CustomResourceDefinitions
#      (istio.io/api, the version istio.io/istio requires): schema errors, unknown fields,
#      duplicate keys. It does not look inside an EnvoyFilter patch's value.
#   2. with --istioctl: `istioctl validate -f` on each (Istio's own validation, which also parses
#      EnvoyFilter patches). It only warns about a patch field Envoy does not know ("can't
#      unmarshal", exit 0): that output fails here too.
#
# Each checker is first shown the fixtures and must refuse them, so a checker that passes
# everything (no schema found, a changed message) fails the check instead of passing it.
#
#   tests/istio/check-manifests.sh [--istioctl]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.cache/istio/bin
WITH_ISTIOCTL=0
[[ "${1:-}" == "--istioctl" ]] && WITH_ISTIOCTL=1

istio/build-tools.sh kubeconform
crds=$(istio/build-tools.sh crds)
schemas=.cache/istio/schemas/$(sha256sum "$crds" | cut -c1-16)
if [[ ! -d "$schemas" ]]; then
  rm -rf .cache/istio/schemas
  "$BIN/crd-schemas" "$crds" "$schemas.tmp" >/dev/null
  mv "$schemas.tmp" "$schemas"
fi

mapfile -t manifests < <(git ls-files --cached --others --exclude-standard -- '*.yaml' '*.yml' | sort -u |
  while read -r f; do
    [[ -f "$f" && "$f" != tests/istio/fixtures/* ]] && grep -q '^apiVersion:' "$f" && grep -q '^kind:' "$f" && echo "$f"
  done)
if [[ ${#manifests[@]} -eq 0 ]]; then echo "check-istio-manifests: no manifest found" >&2; exit 1; fi
fixtures=(tests/istio/fixtures/bad-wasmplugin.yaml)

kubeconform() {
  "$BIN/kubeconform" -strict -summary -output text \
    -schema-location "$schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" "$@"
}

status=0
if out=$(kubeconform "${fixtures[@]}" 2>&1); then
  echo "check-istio-manifests: kubeconform accepted ${fixtures[*]}, which it must refuse:" >&2; echo "$out" >&2; exit 1
fi
echo "kubeconform refuses the broken fixture, as it must: $(echo "$out" | grep -c 'is invalid') invalid"
if ! kubeconform "${manifests[@]}"; then status=1; fi

if [[ $WITH_ISTIOCTL -eq 1 ]]; then
  istioctl=$BIN/istioctl
  [[ -x "$istioctl" ]] || { echo "check-istio-manifests: $istioctl missing (istio/build-tools.sh istio)" >&2; exit 1; }
  # Offline: no cluster to ask, no kubeconfig read.
  validate() { KUBECONFIG=/dev/null "$istioctl" validate --referential=false -f "$1" 2>&1; }
  # Every EnvoyFilter gets one generic warning ("EnvoyFilter exposes internal implementation
  # details ..."); any other warning (such as "can't unmarshal", exit 0) or error is a failure.
  GENERIC='EnvoyFilter exposes internal implementation details'
  findings() { grep -E '^[[:space:]]*\* |[Ee]rror' <<<"$1" | grep -v "$GENERIC" || true; }
  refused() { local out; if ! out=$(validate "$1"); then return 0; fi; [[ -n "$(findings "$out")" ]]; }
  for f in "${fixtures[@]}" tests/istio/fixtures/bad-envoyfilter.yaml; do
    if ! refused "$f"; then echo "check-istio-manifests: istioctl validate accepted $f, which it must refuse:" >&2; validate "$f" >&2; exit 1; fi
  done
  echo "istioctl validate refuses both broken fixtures, as it must"
  for f in "${manifests[@]}"; do
    if out=$(validate "$f") && [[ -z "$(findings "$out")" ]]; then
      echo "istioctl validate $f: valid$(grep -q "$GENERIC" <<<"$out" && echo " (with the warning every EnvoyFilter gets)")"
    else
      echo "istioctl validate $f: FAILED" >&2; echo "$out" >&2; status=1
    fi
  done
fi
[[ $status -eq 0 ]] && echo "check-istio-manifests: ${#manifests[@]} manifests valid ($([[ $WITH_ISTIOCTL -eq 1 ]] && echo "kubeconform, istioctl validate" || echo kubeconform))"
exit $status
