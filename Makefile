# socksify: LD_PRELOAD SOCKS5 client. `make`, `make test`, `make install`.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib/socksify
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/socksify
DESTDIR   ?=

CC        ?= cc
OPT       ?= -O2 -g
WERROR    ?= -Werror
CFLAGS    ?= $(OPT)
WARNINGS  := -Wall -Wextra $(WERROR)
CPPFLAGS  += -Iinclude -D_GNU_SOURCE -DSOCKSIFY_VERSION='"$(VERSION)"' \
             -DSOCKSIFY_LIBDIR='"$(LIBDIR)"'
ALL_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden -pthread $(WARNINGS) $(CFLAGS)

B         := build
SHELL     := /bin/bash
CORE_SRC  := $(wildcard src/socks5/*.c src/dns/*.c src/core/*.c src/util/*.c) src/preload/real.c
HOOK_SRC  := $(filter-out src/preload/real.c,$(wildcard src/preload/*.c))
CLI_SRC   := $(wildcard src/cli/*.c)
CORE_OBJ  := $(CORE_SRC:%.c=$(B)/obj/%.o)
HOOK_OBJ  := $(HOOK_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

LIB       := $(B)/libsocksify.so
CLI       := $(B)/socksify

.PHONY: all test check-unit check-bats install uninstall clean lint demo
all: $(LIB) $(CLI)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libcore.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB): $(HOOK_OBJ) $(B)/libcore.a src/preload/exports.map
	$(CC) -shared -nostartfiles -pthread $(ALL_CFLAGS) -Wl,--version-script=src/preload/exports.map \
		-Wl,-z,relro -Wl,-z,defs -Wl,-z,nodelete -Wl,--as-needed -o $@ $(HOOK_OBJ) $(B)/libcore.a -ldl

# The wrapper has LIBDIR compiled in: recompiled when it changes, so that
# `make` then `make install PREFIX=/opt` installs a wrapper that names /opt.
$(B)/libdir: FORCE
	@mkdir -p $(B); echo '$(LIBDIR)' | cmp -s - $@ || echo '$(LIBDIR)' >$@
$(B)/obj/src/cli/socksify.o: $(B)/libdir
.PHONY: FORCE
FORCE:

$(CLI): $(CLI_OBJ) $(B)/libcore.a
	$(CC) -pthread $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(B)/libcore.a -ldl

$(B)/tests/%: tests/unit/%.c tests/unit/wire.h tests/unit/suite.h $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CHECK_CFLAGS) $(ALL_CFLAGS) -o $@ $< $(B)/libcore.a $(CHECK_LIBS) -ldl

# Unit suites, fuzzing over the seed corpora, the bats suites, the unit and
# integration suites again under ASan+UBSan, and a smoke pass of the benchmark.
test: check-unit check-fuzz check-bats check-asan check-bench

# Each suite prints Check's own summary; the last line adds them up.
check-unit: $(UNIT_BIN)
	@set -o pipefail; for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done \
		| tee $(B)/unit.log
	@awk '/^[0-9]+%: Checks:/ { n += $$3; f += $$5 + $$7 } \
		END { printf "unit: %d passed, %d failed\n", n - f, f }' $(B)/unit.log

check-bats: all
	@set -o pipefail; SOCKSIFY=$(CURDIR)/$(CLI) LIBSOCKSIFY=$(CURDIR)/$(LIB) \
		bats --timing tests/bats | tee $(B)/bats.tap; rc=$$?; \
		echo "bats: $$(grep -c '^ok ' $(B)/bats.tap) passed, $$(grep -c '^not ok ' $(B)/bats.tap) failed"; \
		exit $$rc

# socksify curl through a throwaway local SOCKS5 server; see scripts/demo.sh.
demo:
	./scripts/demo.sh

INSTALLED := $(BINDIR)/socksify $(LIBDIR)/libsocksify.so $(MANDIR)/man1/socksify.1 \
             $(MANDIR)/man5/socksify.conf.5 $(MANDIR)/man8/libsocksify.8 \
             $(DOCDIR)/socksify.conf.example

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)
	install -m 755 $(CLI) $(DESTDIR)$(BINDIR)/socksify
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libsocksify.so
	install -m 644 man/socksify.1 $(DESTDIR)$(MANDIR)/man1/socksify.1
	install -m 644 man/socksify.conf.5 $(DESTDIR)$(MANDIR)/man5/socksify.conf.5
	install -m 644 man/libsocksify.8 $(DESTDIR)$(MANDIR)/man8/libsocksify.8
	install -m 644 man/socksify.conf.example $(DESTDIR)$(DOCDIR)/socksify.conf.example

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Iinclude -D_GNU_SOURCE src
	clang-tidy --quiet $(CORE_SRC) $(HOOK_SRC) $(CLI_SRC) -- $(CPPFLAGS) -std=gnu11

clean:
	rm -rf $(B)

# Longer-running and instrumented targets (fuzzing, sanitizers, stress,
# benchmarks) keep their rules beside their sources.
include $(wildcard tests/*/rules.mk)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
