# Zstandard decoder: test vectors made by libzstd (python zstandard in .venv), the zstd
# as-pect suites, and a speed comparison with native libzstd.
ZSTD_VENV_PY := .venv/bin/python
ZSTD_REQS := tools/compression-fixtures/requirements.txt
ZSTD_VENV_STAMP := .venv/.zstd-requirements.stamp
ZSTD_LARGE := tests/fixtures/compression/generated/zstd_large.ts

TEST_TARGETS += test-zstd

.PHONY: test-zstd zstd-fixtures bench-zstd

$(ZSTD_VENV_STAMP): $(ZSTD_REQS)
	test -x $(ZSTD_VENV_PY) || python3 -m venv .venv
	PIP_CACHE_DIR=.cache/pip $(ZSTD_VENV_PY) -m pip install --quiet --disable-pip-version-check -r $(ZSTD_REQS)
	touch $@

# Large vectors (4 MiB inputs, long window) are rebuilt on each machine rather than committed.
$(ZSTD_LARGE): tools/compression-fixtures/zstd.py $(ZSTD_VENV_STAMP)
	$(ZSTD_VENV_PY) tools/compression-fixtures/zstd.py --large

# Rewrites the committed small vectors (tests/fixtures/compression/zstd_small.ts).
zstd-fixtures: $(ZSTD_VENV_STAMP)
	$(ZSTD_VENV_PY) tools/compression-fixtures/zstd.py

test-zstd: $(NODE_MODULES) $(ZSTD_LARGE)
	npx asp --config tools/compression-fixtures/as-pect.zstd.config.js --summary

bench-zstd: $(NODE_MODULES) $(ZSTD_VENV_STAMP)
	node tools/bench-zstd.mjs
