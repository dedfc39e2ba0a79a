# Local stack: one KRaft Kafka cluster and one HTTP bridge per upstream cluster of the plugin
# config (STACK_CONFIG, default examples/reference.json), plus Envoy when stack/envoy.ts exists.
STACK := node_modules/.bin/tsx stack/cli.ts

.PHONY: up down status logs stack-clean test-stack tls-certs

# The test PKI of the stack's TLS listener (CA, Envoy's certificate, alice/bob/mallory client
# certificates, PKCS12 stores, password changeit) in .cache/tls/; `up` makes it when Envoy's
# config needs it. Regenerated only when missing or expiring within 30 days.
## tls-certs: the stack's test PKI in .cache/tls/ (CA, server, alice/bob/mallory, PKCS12 with password changeit)
tls-certs: $(NODE_MODULES)
	@$(NODE_TS) stack/tls.ts

## up: installs what is missing, starts Kafka, bridges and Envoy, waits until each answers
up: $(NODE_MODULES)
	$(STACK) up

## down: stops exactly the processes `up` started (by pid), checks their ports are free
down: $(NODE_MODULES)
	$(STACK) down

## status: pid and health of each component (exit 1 when one is not ready)
status: $(NODE_MODULES)
	@$(STACK) status

## logs: tail -F of every component's log
logs: $(NODE_MODULES)
	@$(STACK) logs

## stack-clean: down, then deletes .stack/ (topics, offsets, logs)
stack-clean: down
	rm -rf .stack

## test-stack: smoke tests straight against the clusters and bridges (Envoy not needed)
test-stack: $(NODE_MODULES)
	$(STACK) up kafka bridge
	$(NODE_TS) --test tests/e2e/stack.test.ts

TEST_TARGETS += test-stack
