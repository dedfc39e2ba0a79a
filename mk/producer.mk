# Producer protocol: record batches, idempotence, bridge dialects.
# Its unit suites (tests/unit/records_*, producer_state, strimzi, produce_plan) run in test-unit.
# The captured client fixtures are committed; `make capture-produce` re-captures them from real
# clients (Kafka Java producer, librdkafka via confluent-kafka, kafkajs; versions.env) and is not part
# of `make test`.
.PHONY: capture-produce
## capture-produce: re-captures tests/fixtures/produce/*.ts from real Java, librdkafka and kafkajs producers
capture-produce: $(NODE_MODULES)
	bash tests/fixture-gen/capture/capture.sh
