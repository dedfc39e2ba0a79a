# Compression codecs (assembly/compression): vectors from real encoders for gzip, snappy, lz4 and
# zstd, the multi-megabyte suite, and the decode benchmarks. The small vectors are committed
# (tests/fixtures/compression/vectors.ts, zstd_small.ts) and run with test-unit.
COMPRESSION_GEN := tests/fixture-gen/compression
COMPRESSION_CACHE := .cache/compression-fixtures
# One venv stamp for the encoders of every codec (lz4, cramjam, zstandard, xxhash).
COMPRESSION_VENV := .venv/.compression-$(shell cksum < $(COMPRESSION_GEN)/requirements.txt | cut -d' ' -f1)
COMPRESSION_PY := .venv/bin/python
COMPRESSION_CP := $(COMPRESSION_CACHE)/cp-$(KAFKA_VERSION).txt
COMPRESSION_LARGE_DIR := tests/fixtures/compression/large
COMPRESSION_LARGE := $(COMPRESSION_LARGE_DIR)/vectors_large.ts $(COMPRESSION_LARGE_DIR)/zstd_large.ts
COMPRESSION_GEN_DEPS := $(COMPRESSION_GEN)/generate.ts $(COMPRESSION_GEN)/encode.py \
	$(COMPRESSION_GEN)/KafkaEncode.java $(COMPRESSION_VENV) $(COMPRESSION_CP)
BENCH_CODECS_WASM := build/bench-codecs.wasm

TEST_TARGETS += test-compression

.PHONY: test-compression compression-fixtures compression-fixtures-small bench-codecs

# Python encoders (liblz4 frames, snappy raw blocks, libzstd) in the project venv.
$(COMPRESSION_VENV): $(COMPRESSION_GEN)/requirements.txt
	test -x $(COMPRESSION_PY) || python3 -m venv .venv
	PIP_CACHE_DIR=.cache/pip $(COMPRESSION_PY) -m pip install -q --disable-pip-version-check -r $<
	@touch $@

# The Kafka Java client (with snappy-java and lz4-java) from Maven Central, for the exact
# framing a Java producer writes; its version is KAFKA_VERSION (versions.env).
$(COMPRESSION_CP): $(COMPRESSION_GEN)/pom.xml
	@mkdir -p $(dir $@)
	mvn -q -B -f $< dependency:build-classpath -Dkafka.version=$(KAFKA_VERSION) -Dmdep.outputFile=$(abspath $@)

$(COMPRESSION_LARGE_DIR)/vectors_large.ts: $(COMPRESSION_GEN_DEPS) | $(NODE_MODULES)
	$(NODE_TS) $(COMPRESSION_GEN)/generate.ts large

# 4 MiB inputs and a long window; rebuilt on each machine rather than committed. (The zstd
# pipeline once wrote these and their spec under generated/ dirs: removed so no stale spec runs.)
$(COMPRESSION_LARGE_DIR)/zstd_large.ts: $(COMPRESSION_GEN)/zstd.py $(COMPRESSION_VENV)
	rm -rf tests/fixtures/compression/generated tests/unit/generated
	$(COMPRESSION_PY) $(COMPRESSION_GEN)/zstd.py --large

## compression-fixtures: (re)generates the large vectors of every codec when their generators changed
compression-fixtures: $(COMPRESSION_LARGE)

## compression-fixtures-small: regenerates the committed small vectors (vectors.ts, zstd_small.ts)
compression-fixtures-small: $(COMPRESSION_GEN_DEPS) | $(NODE_MODULES)
	$(NODE_TS) $(COMPRESSION_GEN)/generate.ts small
	$(COMPRESSION_PY) $(COMPRESSION_GEN)/zstd.py

## test-compression: every codec's large vectors (generated first), one as-pect suite
test-compression: $(NODE_MODULES) $(COMPRESSION_LARGE)
	npx asp --summary -c tests/compression/as-pect.config.js

$(BENCH_CODECS_WASM): $(NODE_MODULES) bench/codecs/entry.ts bench/codecs/asconfig.json \
		$(wildcard assembly/compression/*.ts)
	npx asc bench/codecs/entry.ts --config bench/codecs/asconfig.json --target release

# The small fixture set's cache files are needed too (the benchmark reads the raw files).
## bench-codecs: decode MB/s of the wasm decoders vs native ones: gzip/snappy/lz4 (BENCH_SECONDS), then zstd
bench-codecs: $(BENCH_CODECS_WASM) $(COMPRESSION_LARGE) $(COMPRESSION_CACHE)/small/manifest.json
	$(NODE_TS) bench/codecs/codecs.ts $(BENCH_SECONDS)
	$(NODE_TS) bench/codecs/zstd.ts

$(COMPRESSION_CACHE)/small/manifest.json: $(COMPRESSION_GEN_DEPS) | $(NODE_MODULES)
	$(NODE_TS) $(COMPRESSION_GEN)/generate.ts small --cache-only
