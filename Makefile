# Kafka mesh for Envoy: build, test and run targets.
# Each concern keeps its targets in mk/<concern>.mk; this file only ties them together.
SHELL := /bin/bash
.DEFAULT_GOAL := build

# KAFKA_VERSION, ENVOY_VERSION, ...: every pinned version, in one file.
include versions.env

NODE_MODULES := node_modules/.package-lock.json
WASM := build/kafka_mesh.wasm
WASM_DEBUG := build/kafka_mesh.debug.wasm
ASSEMBLY_SOURCES := $(shell find assembly -name '*.ts' 2>/dev/null)

# Concern files append their suites to TEST_TARGETS (unit suites first, then real-stack suites).
TEST_TARGETS := test-unit

$(NODE_MODULES): package.json package-lock.json $(wildcard patches/*.patch)
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps build test test-unit check-versions clean
deps: $(NODE_MODULES)

build: $(WASM) $(WASM_DEBUG)

$(WASM): $(NODE_MODULES) $(ASSEMBLY_SOURCES) asconfig.json
	npx asc assembly/index.ts --target release

$(WASM_DEBUG): $(NODE_MODULES) $(ASSEMBLY_SOURCES) asconfig.json
	npx asc assembly/index.ts --target debug

test-unit: $(NODE_MODULES)
	npx asp --summary

# The copies func-e, npm, pip and Maven keep of versions.env's pins agree with it.
check-versions:
	@scripts/check-versions.sh

-include $(sort $(wildcard mk/*.mk))

# The whole suite: unit suites, then everything the concern files added. A stack the suite
# started itself is stopped at the end, pass or fail; one that was already running is kept.
test: build
	@set -e; \
	if [ -z "$$($(STACK) running 2>/dev/null)" ]; then trap '$(STACK) down >/dev/null 2>&1 || true' EXIT; fi; \
	for t in $(TEST_TARGETS); do echo "== $$t"; $(MAKE) --no-print-directory $$t; done

clean:
	rm -rf build
