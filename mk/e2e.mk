# End-to-end: real producers through real Envoy into the right clusters, and the demo.
#
#   make test-e2e   start the stack if needed, run the end-to-end suites once per upstream
#                   dialect (E2E_DIALECTS, default native,strimzi: the stack's Envoy serves its
#                   config's dialect, tests/e2e/dialects.ts starts an Envoy for the other one),
#                   then the security suite once (TLS, SASL, ACLs: it starts Envoys of its own
#                   from examples/secure.json), then the schema suite once (the stack's registry
#                   and Envoy, plus a fail_open Envoy of its own), then stop what this target
#                   started (pass or fail); a stack that was already up stays up
#   make demo       start the stack, produce the reference scenario's records through Envoy,
#                   print where each landed; the stack keeps running (make down stops it)
E2E_TSX := node_modules/.bin/tsx
E2E_KAFKA_LIBS := .cache/kafka-$(KAFKA_VERSION)/libs
E2E_JAVA_STAMP := .cache/e2e-java/.built
E2E_JAVA_SOURCES := $(wildcard tests/e2e/java/*.java)
# kafkajs codec packages (snappy, lz4, zstd). lz4 and cppzst are native addons built by
# node-gyp; cppzst needs C++17 to compile against Node 20's headers.
E2E_NODE_STAMP := tests/e2e/node_modules/.package-lock.json
E2E_VENV_STAMP := .venv/.e2e-$(shell cksum < tests/e2e/requirements.txt | cut -d' ' -f1)
E2E_TEST_TIMEOUT_MS ?= 540000
# Dialects the suites run on, one after the other (they share the clusters' topics).
E2E_DIALECTS ?= native,strimzi
export E2E_DIALECTS

TEST_TARGETS += test-e2e

.PHONY: test-e2e e2e-deps e2e-java demo

$(E2E_NODE_STAMP): tests/e2e/package.json tests/e2e/package-lock.json
	CXXFLAGS=-std=c++17 npm ci --prefix tests/e2e --no-audit --no-fund
	@touch $@

$(E2E_VENV_STAMP): tests/e2e/requirements.txt
	test -x .venv/bin/python || python3 -m venv .venv
	PIP_CACHE_DIR=.cache/pip .venv/bin/pip install --quiet --disable-pip-version-check -r $<
	@touch $@

# Needs the Kafka jars, which `make up` installs.
$(E2E_JAVA_STAMP): $(E2E_JAVA_SOURCES)
	@test -d $(E2E_KAFKA_LIBS) || { echo "$(E2E_KAFKA_LIBS) missing: run make up"; exit 1; }
	@mkdir -p $(dir $@)
	javac -nowarn -d $(dir $@) -cp '$(E2E_KAFKA_LIBS)/*' $(E2E_JAVA_SOURCES)
	@touch $@

e2e-java: $(E2E_JAVA_STAMP)

e2e-deps: $(NODE_MODULES) $(E2E_NODE_STAMP) $(E2E_VENV_STAMP)

# The stack's state is recorded first; the EXIT trap puts it back whatever happens after.
## test-e2e: real producers through Envoy into the right clusters, real consumers reading them back, per dialect (E2E_DIALECTS); then TLS, SASL and ACLs, then schema checks against the registry, with real clients (starts, then stops, the stack)
test-e2e: build e2e-deps
	@state=$$(mktemp); \
	$(E2E_TSX) tests/e2e/stack-guard.ts snapshot > "$$state" || { rm -f "$$state"; exit 1; }; \
	trap '$(E2E_TSX) tests/e2e/stack-guard.ts restore "$$state"; rm -f "$$state"' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MAKE) --no-print-directory up && $(MAKE) --no-print-directory e2e-java && { \
	  rc=0; \
	  $(NODE_TS) tests/e2e/dialects.ts run --test-concurrency=1 --test-timeout=$(E2E_TEST_TIMEOUT_MS) \
	    tests/e2e/produce.test.ts tests/e2e/pipelined_offsets.test.ts tests/e2e/consume.test.ts \
	    tests/e2e/consume_resilience.test.ts || rc=$$?; \
	  echo "== security: TLS, SASL and ACLs through Envoys of its own (tests/e2e/security.test.ts)"; \
	  $(NODE_TS) --test --test-timeout=$(E2E_TEST_TIMEOUT_MS) tests/e2e/security.test.ts || rc=$$?; \
	  echo "== schemas: the registry, schema checks and failure modes (tests/e2e/schema.test.ts)"; \
	  $(NODE_TS) --test --test-timeout=$(E2E_TEST_TIMEOUT_MS) tests/e2e/schema.test.ts || rc=$$?; \
	  exit $$rc; }

## demo: starts the stack, produces the reference scenario through Envoy, shows where records landed
demo: build $(NODE_MODULES)
	$(MAKE) --no-print-directory up
	$(MAKE) --no-print-directory e2e-java
	$(NODE_TS) examples/demo.ts
