# Type-checking of the Node side's TypeScript (tsconfig.json: strict; the files its "include"
# lists), with the pinned TypeScript of the root devDependencies.
.PHONY: check-types

## check-types: tsc --noEmit, strict, over the Node side's TypeScript (tsconfig.json)
check-types: $(NODE_MODULES)
	npx tsc --noEmit -p tsconfig.json

# Right after test-unit: this file is included last (mk/*.mk in sorted order), so it puts
# check-types in place rather than appending it.
TEST_TARGETS := $(patsubst test-unit,test-unit check-types,$(TEST_TARGETS))
