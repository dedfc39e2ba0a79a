# Fault scenarios on the running stack (tests/faults/run.ts) and configuration faults on a real
# Envoy of their own (tests/e2e/config_faults.test.ts).
FAULTS_CLASSES := .cache/faults-classes/FaultClient.class
FAULTS_VENV := .venv/.faults-$(shell cksum < tests/faults/requirements.txt | cut -d' ' -f1)
FAULTS_ARGS ?=

.PHONY: faults faults-deps test-config-faults test-faults-short

# Kafka's Java client jars come with the stack (stack/maven.ts installs them on `make up`).
$(FAULTS_CLASSES): tests/faults/FaultClient.java
	test -d .cache/kafka-$(KAFKA_VERSION)/libs || node_modules/.bin/tsx stack/cli.ts up kafka
	mkdir -p $(dir $@)
	javac -d $(dir $@) -cp '.cache/kafka-$(KAFKA_VERSION)/libs/*' $<

$(FAULTS_VENV): tests/faults/requirements.txt
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install -q --disable-pip-version-check -r $<
	@touch $@

faults-deps: $(NODE_MODULES) $(FAULTS_CLASSES) $(FAULTS_VENV)

# Every scenario runs on both upstream dialects (the stack's Envoy, and an Envoy of the other
# dialect started by run.ts in front of the same bridges). Options: FAULTS_ARGS, e.g.
# FAULTS_ARGS="--only bridge-kill,envoy-restart --rate 20 --dialect native".
## faults: every fault scenario on the stack, both dialects, ~20+ min; writes tests/faults/results/<date>.md (FAULTS_ARGS)
faults: build
	$(STACK) up
	$(MAKE) --no-print-directory faults-deps
	$(NODE_TS) tests/faults/run.ts $(FAULTS_ARGS)

## test-config-faults: bad plugin configs, a rejected listener update, hostile topic names, on a real Envoy
test-config-faults: $(ENVOY_STAMP) build
	$(NODE_TS) --test --test-concurrency=1 tests/e2e/config_faults.test.ts

TEST_TARGETS += test-config-faults

# ~400 records per client, about 55 s on a running stack: make faults' short version inside make
# test. A bridge killed and restarted on both dialects, producers killed mid-request on the
# native one (both on both dialects took 80 s).
## test-faults-short: bridge-kill on both dialects, client-kill on native, 0.4 scale, about 55 s (in make test)
test-faults-short: build
	$(STACK) up
	$(MAKE) --no-print-directory faults-deps
	$(NODE_TS) tests/faults/run.ts --only bridge-kill,client-kill:native --scale 0.4 --dialect both --no-write

TEST_TARGETS += test-faults-short
