# make bench: the benchmark of tests/bench (see tests/bench/run.sh): its own
# servers and proxies on loopback, every contender side by side in
# interleaved rounds, a Markdown report in tests/bench/results/DATE.md and a
# summary on stdout. Knobs: BENCH_ROUNDS (rounds of the timed measurements),
# BENCH_SECONDS (seconds per timed measurement), BENCH_OUT (report path),
# BENCH_CALLGRIND=0 (skip the instruction counts).
# make check-bench: builds the programs and runs every measurement once,
# a few hundred iterations each, asserting no figure (under a minute).
# Needs root (danted, a mount namespace for the proxies' hosts file);
# scripts/install-bench-deps.sh installs the peers and tools.

BENCH_B       := $(B)/bench
BENCH_CFLAGS  := -std=gnu11 -O2 -g -pthread -Wall -Wextra $(WERROR)
BENCH_PROGS   := $(BENCH_B)/bench $(BENCH_B)/bench_server $(BENCH_B)/empty.so
BENCH_ROUNDS  ?= 3
BENCH_SECONDS ?= 2
BENCH_CALLGRIND ?= 1
BENCH_OUT     ?=

$(BENCH_B)/bench: tests/bench/bench.c tests/bench/io.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_B)/bench_server: tests/bench/bench_server.c tests/bench/io.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_B)/empty.so: tests/bench/empty.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -shared -fPIC -o $@ $<

.PHONY: bench check-bench bench-programs
bench-programs: $(BENCH_PROGS)

bench: all $(BENCH_PROGS)
	@BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_CALLGRIND=$(BENCH_CALLGRIND) \
		BENCH_OUT=$(BENCH_OUT) bash tests/bench/run.sh $(B)

check-bench: all $(BENCH_PROGS)
	@BENCH_SMOKE=1 bash tests/bench/run.sh $(B)
