# Kafka mesh for Envoy: build, test and run targets.
# Each concern keeps its targets in mk/<concern>.mk; this file only ties them together.
# `make help` lists the targets people use: a `## target: what it does` line above a rule
# puts it there (each file is a group; `##@ name` starts another).
SHELL := /bin/bash
.DEFAULT_GOAL := build

# KAFKA_VERSION, ENVOY_VERSION, ...: every pinned version, in one file.
include versions.env

NODE_MODULES := node_modules/.package-lock.json
# Node with TypeScript imports (tsx, a root devDependency): every harness that imports
# stack/*.ts or the Kafka wire library tests/lib/kafka/ runs under it.
NODE_TS := node --import tsx
WASM := build/kafka_mesh.wasm
WASM_DEBUG := build/kafka_mesh.debug.wasm
ASSEMBLY_SOURCES := $(shell find assembly -name '*.ts' 2>/dev/null)

# Concern files append their suites to TEST_TARGETS (unit suites first, then real-stack suites).
TEST_TARGETS := test-unit

$(NODE_MODULES): package.json package-lock.json $(wildcard patches/*.patch)
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: help deps build test test-unit check-versions clean

## help: this list
help:
	@echo "make <target> [VAR=value]; plain 'make' builds. Pinned versions: versions.env. Details: README.md, docs/."
	@awk 'FNR == 1 { group = FILENAME; shown = "" } \
	  /^##@ / { group = substr($$0, 5); shown = ""; next } \
	  /^## [A-Za-z0-9_.-]+: / { \
	    if (shown != group) { printf "\n%s\n", group; shown = group } \
	    name = $$2; sub(/:$$/, "", name); text = $$0; sub(/^## [^:]+: */, "", text); \
	    printf "  %-27s %s\n", name, text }' Makefile $(sort $(wildcard mk/*.mk))
	@echo; echo "make test runs, in order: $(TEST_TARGETS)"

deps: $(NODE_MODULES)

## build: the release and debug wasm modules (build/kafka_mesh.wasm, build/kafka_mesh.debug.wasm)
build: $(WASM) $(WASM_DEBUG)

$(WASM): $(NODE_MODULES) $(ASSEMBLY_SOURCES) asconfig.json
	npx asc assembly/index.ts --target release

$(WASM_DEBUG): $(NODE_MODULES) $(ASSEMBLY_SOURCES) asconfig.json
	npx asc assembly/index.ts --target debug

## test-unit: the as-pect unit suites (tests/unit), small compression vectors included
test-unit: $(NODE_MODULES)
	npx asp --summary

## check-versions: the copies func-e, npm, pip and Maven keep of versions.env's pins agree with it
check-versions:
	@scripts/check-versions.sh

-include $(sort $(wildcard mk/*.mk))

# The whole suite: unit suites, then everything the concern files added. A stack the suite
# started itself is stopped at the end, pass or fail; one that was already running is kept.
## test: the whole suite (the list below, in order); stops a stack it started itself
test: build
	@set -e; \
	if [ -z "$$($(STACK) running 2>/dev/null)" ]; then trap '$(STACK) down >/dev/null 2>&1 || true' EXIT; fi; \
	for t in $(TEST_TARGETS); do echo "== $$t"; $(MAKE) --no-print-directory $$t; done

## clean: deletes build/
clean:
	rm -rf build

