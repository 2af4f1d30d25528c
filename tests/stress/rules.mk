# make stress: tests/stress/stress.c, STRESS_THREADS x STRESS_CONNS (TCP
# echoes by name and by IP, with resolver and UDP threads beside them),
# through the no-auth danted of a lab of its own, once with the library and
# once with a ThreadSanitizer build of it ($(B)/tsan, behind the TSan
# runtime, for the stress program only); zero failures, no leak, no
# ThreadSanitizer report. Needs root (the lab). Logs: $(B)/stress/*.log.
# tests/bats/stress.bats runs the same program at a small size in make test.
STRESS_THREADS ?= 64
STRESS_CONNS   ?= 200
STRESS_BIN     := $(B)/stress/stress
TSAN_LIB       := $(B)/tsan/libsocksify.so

.PHONY: stress stress-tsan-lib

$(STRESS_BIN): tests/stress/stress.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra $(WERROR) -pthread -o $@ $<

# The same sources with -fsanitize=thread, in a build directory of its own
# (its own objects and dependency files); warnings are not errors there.
stress-tsan-lib:
	$(MAKE) --no-print-directory B=$(B)/tsan OPT='-fsanitize=thread -O1 -g' WERROR= $(TSAN_LIB)

stress: all $(STRESS_BIN) stress-tsan-lib
	tests/stress/run.sh $(abspath $(STRESS_BIN)) $(abspath $(CLI)) $(abspath $(LIB)) \
		$(abspath $(TSAN_LIB)) $(STRESS_THREADS) $(STRESS_CONNS) $(abspath $(B)/stress)
