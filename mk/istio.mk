# Istio (istio/, README "Istio"): the manifests a platform team applies to run the filter as a
# WasmPlugin in its sidecars, rendered from the same plugin configuration as envoy/; their offline
# validation (in make test); and make test-istio, where a real istiod pushes them to the project's
# Envoy, connected as a sidecar, which then carries the reference scenario.
#
#   make istio-manifests         rewrites istio/manifests/ and istio/oci/ (examples/reference.json)
#   make check-istio-manifests   in make test: the committed manifests are fresh, and kubeconform
#                                -strict with schemas from Istio's CRDs accepts every manifest in
#                                the repository (30 s cold: kubeconform is built first)
#   make istio-tools             etcd, kube-apiserver, istiod, istioctl into .cache/istio/bin
#                                (Go module proxy, caches under .cache/: about 8 min cold on 2
#                                cores, 7 GB of Go caches; seconds warm)
#   make test-istio              in make test: istio-tools, then istioctl validate on every
#                                manifest, then tests/istio/run.ts against the stack's clusters
#                                and bridges (started if needed, stopped afterwards if this target
#                                started them); under a minute warm
ISTIO_TEST_CMD := $(NODE_TS) tests/istio/run.ts

.PHONY: istio-manifests check-istio-manifests istio-tools test-istio

## istio-manifests: rewrites istio/manifests/*.yaml and istio/oci/*.yaml from examples/reference.json and the Envoy template
istio-manifests: $(NODE_MODULES)
	$(NODE_TS) istio/render.ts

## check-istio-manifests: the committed Istio manifests are fresh; kubeconform -strict (schemas from Istio's CRDs) accepts every manifest in the repository
check-istio-manifests: $(NODE_MODULES)
	$(NODE_TS) istio/render.ts --check
	tests/istio/check-manifests.sh

TEST_TARGETS += check-istio-manifests

## istio-tools: builds kubeconform, etcd, kube-apiserver, istiod (pilot-discovery) and istioctl into .cache/istio/bin (cached)
istio-tools:
	istio/build-tools.sh kubeconform
	istio/build-tools.sh kubernetes
	istio/build-tools.sh istio

# As test-memory: when the stack's brokers and bridges are all up, nothing is started or stopped;
# else the stack's state is recorded and put back afterwards, pass or fail.
## test-istio: a real istiod (API server, etcd) deploys the WasmPlugin to the project's Envoy as a sidecar: the reference scenario through it, negative checks (<1 min warm, ~10 min cold)
test-istio: build $(ENVOY_STAMP) istio-tools
	$(NODE_TS) istio/render.ts --check
	tests/istio/check-manifests.sh --istioctl
	@missing=$$($(STACK) status 2>/dev/null | awk '$$1 ~ /^(kafka|bridge)-/ && $$3 != "ready" && $$3 != "foreign"' | wc -l); \
	if [ "$$missing" = 0 ] && [ -n "$$($(STACK) status 2>/dev/null | awk '$$1 ~ /^kafka-/')" ]; then \
	  $(MAKE) --no-print-directory e2e-java && $(ISTIO_TEST_CMD); \
	else \
	  state=$$(mktemp); \
	  $(E2E_TSX) tests/e2e/stack-guard.ts snapshot > "$$state" || { rm -f "$$state"; exit 1; }; \
	  trap '$(E2E_TSX) tests/e2e/stack-guard.ts restore "$$state"; rm -f "$$state"' EXIT; \
	  trap 'exit 130' INT TERM; \
	  $(STACK) up kafka bridge && $(MAKE) --no-print-directory e2e-java && $(ISTIO_TEST_CMD); \
	fi

# A cold run adds about 10 minutes (8 of them the tools' builds, measured on 2 cores with empty caches)
# to make test's ~11; a warm one under a minute.
TEST_TARGETS += test-istio
