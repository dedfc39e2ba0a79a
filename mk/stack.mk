# Local stack: one KRaft Kafka cluster and one HTTP bridge per upstream cluster of the plugin
# config (STACK_CONFIG, default examples/reference.json), plus Envoy when stack/envoy.ts exists.
STACK := node_modules/.bin/tsx stack/cli.ts

.PHONY: up down status logs stack-clean test-stack

## Installs what is missing, starts everything, waits until each component answers.
up: $(NODE_MODULES)
	$(STACK) up

## Stops exactly the processes `up` started (by pid) and checks their ports are free.
down: $(NODE_MODULES)
	$(STACK) down

status: $(NODE_MODULES)
	@$(STACK) status

logs: $(NODE_MODULES)
	@$(STACK) logs

## Stops the stack and deletes its data (topics, offsets, logs).
stack-clean: down
	rm -rf .stack

## Smoke tests straight against the clusters and bridges (Envoy not needed).
test-stack: $(NODE_MODULES)
	$(STACK) up kafka bridge
	node --test tests/e2e/stack.test.mjs

TEST_TARGETS += test-stack
