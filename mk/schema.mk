# Schema-aware forwarding (docs/schemas.md): the vectors of the schema/ unit suites, verdicts of
# avsc and ajv (pinned in tests/fixture-gen/schema/package.json and installed into that
# folder's own node_modules by its generate.sh).
SCHEMA_GEN := tests/fixture-gen/schema

.PHONY: generate-schema-vectors check-schema-vectors

## generate-schema-vectors: regenerates tests/fixtures/schema/ (avsc's and ajv's verdicts on Avro, JSON Schema and framing vectors)
generate-schema-vectors: $(NODE_MODULES)
	$(SCHEMA_GEN)/generate.sh

# Run by check-generated: the committed schema vectors match a fresh generation.
check-schema-vectors: $(NODE_MODULES)
	@set -e; tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(SCHEMA_GEN)/generate.sh "$$tmp"; \
	if ! diff -ru tests/fixtures/schema "$$tmp"; then \
	  echo "schema vectors are stale: run 'make generate-schema-vectors'" >&2; exit 1; \
	fi; \
	echo "check-schema-vectors: Avro, JSON Schema and framing vectors match their generators"

check-generated: check-schema-vectors
