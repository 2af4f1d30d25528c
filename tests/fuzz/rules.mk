# libFuzzer harnesses (clang), one per parser; see tests/fuzz/README.
#   make fuzz        each harness for FUZZ_SECONDS from a corpus kept in $(B)/fuzz/
#   make check-fuzz  the committed seeds once, then FUZZ_SMOKE_SECONDS of fuzzing each
# Crash, leak and timeout inputs land in $(B)/fuzz/ (fuzz_NAME-crash-*).
FUZZ_CC            ?= clang
FUZZ_CFLAGS        ?= -g -O1 -fsanitize=fuzzer,address,undefined -Wall -Wextra $(WERROR)
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_JOBS          ?= 2
FUZZ_HARNESSES     := socks5 config url dnsmsg nameserver

# Each harness links only the real sources of what it parses.
fuzz_socks5_SRC     := src/socks5/codec.c
fuzz_config_SRC     := src/core/config.c src/util/url.c src/util/addr.c src/util/log.c \
                       src/util/file.c src/preload/real.c
fuzz_url_SRC        := src/util/url.c
fuzz_dnsmsg_SRC     := src/dns/codec.c
fuzz_nameserver_SRC := src/core/nameserver.c src/util/addr.c src/util/file.c src/preload/real.c

FUZZ_BIN := $(FUZZ_HARNESSES:%=$(B)/fuzz/fuzz_%)

define FUZZ_RULE
$(B)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRC) $$(wildcard include/*.h)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -Iinclude -D_GNU_SOURCE -o $$@ $$< $$(fuzz_$(1)_SRC)
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call FUZZ_RULE,$(h))))

.PHONY: fuzz check-fuzz
fuzz: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh long $(FUZZ_SECONDS) $(B)/fuzz $(FUZZ_JOBS) $(FUZZ_HARNESSES)

check-fuzz: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh check $(FUZZ_SMOKE_SECONDS) $(B)/fuzz $(FUZZ_JOBS) $(FUZZ_HARNESSES)
