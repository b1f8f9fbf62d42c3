# The two commands of the README's quick start are `make demo` and `make test`; each installs
# what is missing (scripts/setup.sh) before doing its job.
SHELL := /bin/bash
.DEFAULT_GOAL := build
NODE_TEST := node --test --test-concurrency=2 --test-timeout=300000

.PHONY: build setup-test test test-unit demo bench-delta bench-check bench-sync bench-latency fuzz soak clean

build:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

# test/soak holds runs that only make sense at `make soak` size (skipped otherwise); leaving it
# out keeps the default run free of skipped tests. test/faults (the churn run among them) is in
# both: small here, at soak size under `make soak` (PEERSYNC_SOAK=1).
test: setup-test
	$(NODE_TEST) dist/src $$(find dist/test -mindepth 1 -maxdepth 1 \( -type d ! -name soak -o -name '*.test.js' \) | sort)

demo: build
	@node dist/scripts/demo.js

bench-delta: setup-test
	node dist/bench/delta.js

bench-check: setup-test
	node dist/bench/check.js

bench-sync: setup-test
	node dist/bench/sync.js

# Continuous mode against lsyncd (rsync mode); BENCH_ARGS=--quick for a smaller run.
bench-latency: setup-test
	node dist/bench/latency.js $(BENCH_ARGS)

fuzz: setup-test
	PEERSYNC_FUZZ_RUNS=10000000 $(NODE_TEST) dist/test/fuzz

soak: setup-test
	PEERSYNC_SOAK=1 $(NODE_TEST) dist/test/soak dist/test/faults

clean:
	rm -rf dist native/build
