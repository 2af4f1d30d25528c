# make check-asan: socksify built with ASan+UBSan in $(B)/asan (a sub-build:
# the library, the command and the unit suites), then tests/asan/run.sh: every
# unit suite with halt_on_error=1, and the integration suite tests/asan/asan.bats
# with the sanitized library preloaded behind the ASan runtime for the
# socksified command only (DESIGN.md, "Testing"). WERROR is off there: GCC
# gives a false -Wformat-truncation under -fsanitize. Needs GCC's libasan
# (ASAN_RUNTIME overrides its path) and, for the integration suite, root
# and the lab of tests/bats. Last line: "asan: N unit checks, M integration
# runs, K reports".

ASAN_B     := $(B)/asan
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer

.PHONY: check-asan
check-asan:
	$(MAKE) --no-print-directory B=$(ASAN_B) WERROR= OPT="$(ASAN_FLAGS)" CFLAGS="$(ASAN_FLAGS)" \
		$(ASAN_B)/libsocksify.so $(ASAN_B)/socksify $(UNIT_BIN:$(B)/%=$(ASAN_B)/%)
	tests/asan/run.sh $(ASAN_B)
