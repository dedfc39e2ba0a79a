# Fuzzing the built filter in the Node proxy-wasm host (tests/wasm-host, tests/fuzz).
#   make fuzz COUNT=10000000 SEED=1   long run: hostile frames, HTTP answers and gRPC stream
#                                     answers, cases in turn on native, strimzi and secure (SASL
#                                     and ACLs, docs/fuzz.md); any trap, any VM call over 2 s,
#                                     memory growth after warm-up, or a SASL outcome other than
#                                     the oracle's fails;
#                                     then MEMORY_COUNT (1000000) frames of memory cases (--memory)
#   make test-fuzz                    host tests (memory under attack, consumer APIs, security, the wire
#                                     library against kafka-clients' vectors), a 300k-frame run,
#                                     20k frames of memory cases, the 10k-connections heap check
#   make fuzz-corpus                  re-captures the seed corpus from kafkajs and kcat, and the
#                                     consumer and group seeds built with the wire library
#   make fuzz-repro                   replays tests/fixtures/fuzz-repro/*.json (past findings,
#                                     kept as regression cases; part of test-fuzz)
.PHONY: fuzz test-fuzz fuzz-corpus fuzz-repro

## fuzz: long fuzz run in the Node proxy-wasm host: COUNT=10000000 SEED=1 (docs/fuzz.md)
## test-fuzz: host tests, a 300k-frame fuzz run, memory cases, the 10k-connections heap check, past findings
## fuzz-corpus: re-captures the fuzzer's seed corpus from kafkajs and kcat
## fuzz-repro: replays tests/fixtures/fuzz-repro/*.json (past findings)

fuzz: COUNT ?= 10000000
fuzz: SEED ?= 1
fuzz: MEMORY_COUNT ?= 1000000
fuzz: $(WASM)
	$(NODE_TS) tests/fuzz/fuzz.ts --count $(COUNT) --seed $(SEED) --progress 1000000
	$(NODE_TS) tests/fuzz/fuzz.ts --memory --count $(MEMORY_COUNT) --seed $(SEED) --progress 100000

test-fuzz: $(WASM)
	$(NODE_TS) --test tests/e2e/wasm_host.test.ts tests/e2e/wasm_host_memory.test.ts tests/e2e/wasm_host_consume.test.ts tests/e2e/wasm_host_security.test.ts tests/lib/kafka/schema.test.ts
	$(NODE_TS) tests/fuzz/fuzz.ts --count 300000 --seed 1 --config base
	$(NODE_TS) tests/fuzz/fuzz.ts --count 100000 --seed 1 --config schemas --warmup 50000
	$(NODE_TS) tests/fuzz/fuzz.ts --memory --count 20000 --seed 1
	$(NODE_TS) tests/fuzz/fuzz.ts --connections 10000
	$(MAKE) --no-print-directory fuzz-repro

fuzz-corpus: $(WASM)
	bash tests/fuzz/capture-corpus.sh

fuzz-repro: $(WASM)
	@set -e; status=0; for f in tests/fixtures/fuzz-repro/*.json; do \
	  $(NODE_TS) tests/fuzz/fuzz.ts --replay "$$f" || status=1; done; exit $$status

TEST_TARGETS += test-fuzz
