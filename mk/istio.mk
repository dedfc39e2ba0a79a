# Istio (istio/, README "Istio"): the manifests a platform team applies to run the filter as a
# WasmPlugin in its sidecars, rendered from the same plugin configuration as envoy/, and their
# offline validation (in make test).
#
#   make istio-manifests         rewrites istio/manifests/ and istio/oci/ (examples/reference.json)
#   make check-istio-manifests   in make test: the committed manifests are fresh, and kubeconform
#                                -strict with schemas from Istio's CRDs accepts every manifest in
#                                the repository (kubeconform builds in about a minute, cold)

.PHONY: istio-manifests check-istio-manifests

## istio-manifests: rewrites istio/manifests/*.yaml and istio/oci/*.yaml from examples/reference.json and the Envoy template
istio-manifests: $(NODE_MODULES)
	$(NODE_TS) istio/render.ts

## check-istio-manifests: the committed Istio manifests are fresh; kubeconform -strict (schemas from Istio's CRDs) accepts every manifest in the repository
check-istio-manifests: $(NODE_MODULES)
	$(NODE_TS) istio/render.ts --check
	tests/istio/check-manifests.sh

TEST_TARGETS += check-istio-manifests
