# Compression codecs (assembly/compression): fixtures from real encoders, the multi-megabyte
# suite, and the decode benchmark. The small fixtures are committed and run with test-unit.
#
#   make test-compression          large fixtures (generated), then their as-pect suite
#   make compression-fixtures      (re)generate the large fixtures if their inputs changed
#   make compression-fixtures-small  regenerate the committed tests/fixtures/compression/vectors.ts
#   make bench-codecs              decode MB/s of the wasm decoders vs native ones

COMPRESSION_TOOLS := tools/compression-fixtures
COMPRESSION_CACHE := .cache/compression-fixtures
COMPRESSION_VENV := .venv/.compression-$(shell cksum < $(COMPRESSION_TOOLS)/requirements.txt | cut -d' ' -f1)
COMPRESSION_CP := $(COMPRESSION_CACHE)/cp.txt
COMPRESSION_LARGE := tests/fixtures/compression/large/vectors_large.ts
COMPRESSION_GEN_DEPS := $(COMPRESSION_TOOLS)/generate.mjs $(COMPRESSION_TOOLS)/encode.py \
	$(COMPRESSION_TOOLS)/KafkaEncode.java $(COMPRESSION_VENV) $(COMPRESSION_CP)
BENCH_CODECS_WASM := build/bench-codecs.wasm

TEST_TARGETS += test-compression

.PHONY: test-compression compression-fixtures compression-fixtures-small bench-codecs

# Python encoders (liblz4 frames, snappy raw blocks) in the project venv.
$(COMPRESSION_VENV): $(COMPRESSION_TOOLS)/requirements.txt
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install -q --disable-pip-version-check -r $<
	@touch $@

# The Kafka Java client (with snappy-java and lz4-java) from Maven Central, for the exact
# framing a Java producer writes.
$(COMPRESSION_CP): $(COMPRESSION_TOOLS)/pom.xml
	@mkdir -p $(dir $@)
	mvn -q -B -f $< dependency:build-classpath -Dmdep.outputFile=$(abspath $@)

$(COMPRESSION_LARGE): $(COMPRESSION_GEN_DEPS)
	node $(COMPRESSION_TOOLS)/generate.mjs large

compression-fixtures: $(COMPRESSION_LARGE)

compression-fixtures-small: $(COMPRESSION_GEN_DEPS)
	node $(COMPRESSION_TOOLS)/generate.mjs small

test-compression: $(NODE_MODULES) $(COMPRESSION_LARGE)
	npx asp --summary -c tests/compression/as-pect.config.js

$(BENCH_CODECS_WASM): $(NODE_MODULES) tools/bench-codecs/entry.ts tools/bench-codecs/asconfig.json \
		$(wildcard assembly/compression/*.ts)
	npx asc tools/bench-codecs/entry.ts --config tools/bench-codecs/asconfig.json --target release

# The small fixture set's cache files are needed too (the benchmark reads the raw files).
bench-codecs: $(BENCH_CODECS_WASM) $(COMPRESSION_LARGE) $(COMPRESSION_CACHE)/small/manifest.json
	node tools/bench-codecs.mjs $(BENCH_SECONDS)

$(COMPRESSION_CACHE)/small/manifest.json: $(COMPRESSION_GEN_DEPS)
	node $(COMPRESSION_TOOLS)/generate.mjs small --cache-only
