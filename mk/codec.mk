# Kafka protocol codec: generated from the JSON message definitions inside kafka-clients,
# checked against byte vectors written by Kafka's own Java classes.

.PHONY: fetch-kafka-messages generate-messages generate-vectors check-generated

# Downloads kafka-clients (sha1-checked, cached in .cache/) and extracts the definitions.
fetch-kafka-messages:
	codegen/fetch-kafka-messages.sh

# Regenerates assembly/kafka/messages/*.ts.
## generate-messages: regenerates assembly/kafka/messages/*.ts from kafka-clients' message definitions
generate-messages: $(NODE_MODULES) fetch-kafka-messages
	$(NODE_TS) codegen/gen-messages.ts

# Regenerates tests/fixtures/messages/vectors.ts (needs a JDK).
## generate-vectors: regenerates tests/fixtures/messages/vectors.ts with Kafka's Java classes (JDK)
generate-vectors: fetch-kafka-messages
	codegen/vectors/generate.sh

# Fails when the committed codec or vectors differ from a fresh generation.
## check-generated: versions.env's pins agree with their copies; the committed codec and vectors are fresh
check-generated: $(NODE_MODULES) check-versions fetch-kafka-messages
	@set -e; tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(NODE_TS) codegen/gen-messages.ts --out "$$tmp/messages"; \
	codegen/vectors/generate.sh "$$tmp/vectors.ts"; \
	if ! diff -ru assembly/kafka/messages "$$tmp/messages" || \
	   ! diff -u tests/fixtures/messages/vectors.ts "$$tmp/vectors.ts"; then \
	  echo "generated codec or vectors are stale: run 'make generate-messages generate-vectors'" >&2; exit 1; \
	fi; \
	echo "check-generated: codec and vectors match kafka-clients"

TEST_TARGETS += check-generated
