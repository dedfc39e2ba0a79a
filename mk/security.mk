# Security (docs/security.md): the SCRAM credentials CLI, and the vectors of the auth/ unit
# suites (hashes from Node's crypto, SCRAM exchanges from Kafka's own classes, the CLI's output).
AUTH_GEN := tests/fixture-gen/auth

.PHONY: scram-credentials generate-auth-vectors check-auth-vectors

# USER must come from make's command line: the environment's USER is the login name.
## scram-credentials: a user's SCRAM credentials for security.sasl.users (USER=<name> [ITERATIONS=4096]; password on stdin)
scram-credentials: $(NODE_MODULES)
	@if [ "$(origin USER)" != "command line" ]; then \
	  echo "usage: make scram-credentials USER=<name> [ITERATIONS=4096..16384]   (password: one line on stdin)" >&2; exit 2; fi
	@$(NODE_TS) scripts/scram-credentials.ts --user "$$USER" --iterations "$${ITERATIONS:-4096}"

## generate-auth-vectors: regenerates tests/fixtures/auth/ (Node's crypto, Kafka's SCRAM classes (JDK), the CLI)
generate-auth-vectors: $(NODE_MODULES)
	$(AUTH_GEN)/generate.sh

# Run by check-generated: the committed auth vectors match a fresh generation.
check-auth-vectors: $(NODE_MODULES)
	@set -e; tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(AUTH_GEN)/generate.sh "$$tmp"; \
	if ! diff -ru tests/fixtures/auth "$$tmp"; then \
	  echo "auth vectors are stale: run 'make generate-auth-vectors'" >&2; exit 1; \
	fi; \
	echo "check-auth-vectors: hash, SCRAM and CLI vectors match their generators"

check-generated: check-auth-vectors
