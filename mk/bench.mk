# Benchmark: direct Kafka, Kroxylicious (optional), the bare REST bridge and the mesh on each
# upstream dialect (mesh-native, mesh-strimzi) under the same workloads, plus the filter's
# micro-benchmark. Figures only, never pass/fail. See docs/bench.md.
#
#   make bench               default cells (~13-18 min on 2 cores), reuses a running stack
#   BENCH_FULL=1 make bench  every cell
#   make bench-consume       the consume workload alone (= BENCH_ONLY=consume make bench, ~7 min)
#   make bench-schema        Avro values to a validated and an unvalidated topic (= BENCH_ONLY=schema, ~1.5 min)
#   make bench-micro         the filter micro-benchmark alone (JSON on stdout)
BENCH_VENV := .venv/bench/.requirements.stamp
BENCH_MICRO_WASM := build/bench-micro.wasm

.PHONY: bench bench-consume bench-schema bench-micro check-bench-micro

# make test compiles the micro-benchmark (it calls into assembly/ directly), so that a change
# there cannot leave `make bench` failing at its last step.
TEST_TARGETS += check-bench-micro

$(BENCH_VENV): bench/requirements.txt
	test -x .venv/bench/bin/python || python3 -m venv .venv/bench
	PIP_CACHE_DIR=$(CURDIR)/.cache/pip .venv/bench/bin/pip install -q --disable-pip-version-check -r $<
	@touch $@

$(BENCH_MICRO_WASM): $(NODE_MODULES) bench/micro/entry.ts bench/micro/asconfig.json $(ASSEMBLY_SOURCES)
	npx asc bench/micro/entry.ts --config bench/micro/asconfig.json --target release

## check-bench-micro: the micro-benchmark compiles against assembly/ (part of make test)
check-bench-micro: $(BENCH_MICRO_WASM)

## bench-micro: the filter micro-benchmark alone (JSON on stdout)
bench-micro: $(BENCH_MICRO_WASM) $(BENCH_VENV)
	$(NODE_TS) bench/micro.ts

## bench: Kafka directly vs Kroxylicious vs bare bridge vs mesh-native vs mesh-strimzi, ~15 min (BENCH_FULL=1: every cell)
bench: build $(BENCH_VENV) $(BENCH_MICRO_WASM)
	$(MAKE) --no-print-directory up
	$(NODE_TS) bench/run.ts

## bench-consume: the consume workload alone (Kafka, Kroxylicious, mesh-native; ~7 min), no micro-benchmark
bench-consume: build $(BENCH_VENV)
	$(MAKE) --no-print-directory up
	BENCH_ONLY=consume $(NODE_TS) bench/run.ts

## bench-schema: 1 KiB Avro values to a topic the filter validates beside one it does not (mesh-native; ~1.5 min), no micro-benchmark
bench-schema: build $(BENCH_VENV)
	$(MAKE) --no-print-directory up
	BENCH_ONLY=schema $(NODE_TS) bench/run.ts
