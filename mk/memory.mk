# Memory under attack (issue 12): hostile partial frames against real Envoys of the test's own,
# with the stack's Kafka clusters and bridges behind them, and a forced VM failure + reload.
#
#   make test-memory        start the stack if needed, run tests/e2e/memory_attack.test.ts,
#                           then stop what this target started (pass or fail)
#   make fault-test-wasm    build/kafka_mesh.fault-test.wasm: the release module plus a trap on
#                           the marker "kafka-mesh-test:trap" (tests/fault-entry/), tests only
#
# The attack client is tests/attack/partial-frames.ts; measurements: docs/memory.md.
MEMORY_FAULT_WASM := build/kafka_mesh.fault-test.wasm
MEMORY_TEST_TIMEOUT_MS ?= 300000

## test-memory: partial-frame attacks on real Envoys beside a producer, a forced VM reload (docs/memory.md)

TEST_TARGETS += test-memory

.PHONY: test-memory fault-test-wasm

# Its own text file, so build/kafka_mesh.wat (asconfig.json's release target) is left alone.
$(MEMORY_FAULT_WASM): $(NODE_MODULES) $(ASSEMBLY_SOURCES) asconfig.json tests/fault-entry/index.ts
	npx asc tests/fault-entry/index.ts --config asconfig.json --target release \
	  -o $(MEMORY_FAULT_WASM) -t build/kafka_mesh.fault-test.wat

fault-test-wasm: $(MEMORY_FAULT_WASM)

# Only Kafka and the bridges of the stack are used (every scenario runs an Envoy of its own).
# When they are all up already, nothing is started and nothing is stopped afterwards; else the
# stack's state is recorded first and the EXIT trap puts it back whatever happens after (as
# test-e2e does).
MEMORY_TEST_CMD := $(NODE_TS) --test --test-concurrency=1 --test-timeout=$(MEMORY_TEST_TIMEOUT_MS) tests/e2e/memory_attack.test.ts

test-memory: build $(MEMORY_FAULT_WASM) $(ENVOY_STAMP)
	@missing=$$($(STACK) status 2>/dev/null | awk '$$1 ~ /^(kafka|bridge)-/ && $$3 != "ready" && $$3 != "foreign"' | wc -l); \
	if [ "$$missing" = 0 ] && [ -n "$$($(STACK) status 2>/dev/null | awk '$$1 ~ /^kafka-/')" ]; then \
	  $(MEMORY_TEST_CMD); \
	else \
	  state=$$(mktemp); \
	  $(E2E_TSX) tests/e2e/stack-guard.ts snapshot > "$$state" || { rm -f "$$state"; exit 1; }; \
	  trap '$(E2E_TSX) tests/e2e/stack-guard.ts restore "$$state"; rm -f "$$state"' EXIT; \
	  trap 'exit 130' INT TERM; \
	  $(STACK) up kafka bridge && $(MEMORY_TEST_CMD); \
	fi
