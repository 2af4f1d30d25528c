#!/bin/bash
# tests/asan/run.sh BUILD: the checks of `make check-asan` (tests/asan/rules.mk)
# over BUILD, an ASan+UBSan build of socksify (libsocksify.so, socksify,
# tests/test_*):
#   1. every unit suite, with ASAN_OPTIONS and UBSAN_OPTIONS halt_on_error=1
#      (leak detection on): any report fails it;
#   2. the integration suite tests/asan/asan.bats, the sanitized library
#      preloaded behind the ASan runtime for the socksified command only.
# Reports land in BUILD/reports (emptied first). The last line:
#   asan: N unit checks, M integration runs, K reports
# Exit status 0 only if every check passed and K is 0.
# Environment: ASAN_RUNTIME (default: gcc -print-file-name=libasan.so),
# ASAN_DETECT_LEAKS (unit suites, default 1), BATS (default bats).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: tests/asan/run.sh BUILD}
build=$(cd "$build" && pwd -P) || exit 2
reports=$build/reports
report_re='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|AddressSanitizer:DEADLYSIGNAL|SUMMARY: (Address|UndefinedBehavior)Sanitizer'

die() {
	echo "check-asan: $*" >&2
	exit 2
}

readelf -d "$build/libsocksify.so" 2>/dev/null | grep -q 'NEEDED.*libasan' ||
	die "$build/libsocksify.so is missing or not built with -fsanitize=address"
ASAN_RUNTIME=${ASAN_RUNTIME:-$(gcc -print-file-name=libasan.so)}
[[ $ASAN_RUNTIME == /* && -e $ASAN_RUNTIME ]] ||
	die "no ASan runtime at '$ASAN_RUNTIME' (GCC's libasan; set ASAN_RUNTIME)"
export ASAN_RUNTIME

rm -rf "$reports"
mkdir -p "$reports/unit" "$reports/integration"
rc=0

# ---- 1. unit suites
unit_log=$build/unit-asan.log
: >"$unit_log"
shopt -s nullglob
suites=("$build"/tests/test_*)
[ "${#suites[@]}" -gt 0 ] || die "no unit suites in $build/tests"
for t in "${suites[@]}"; do
	echo "== $t"
	ASAN_OPTIONS="halt_on_error=1:detect_leaks=${ASAN_DETECT_LEAKS:-1}:log_path=$reports/unit/asan" \
		UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/unit/ubsan" \
		"$t" 2>&1 | tee -a "$unit_log" || {
		echo "check-asan: $t failed" >&2
		rc=1
	}
done
unit_checks=$(awk '/^[0-9]+%: Checks:/ { n += $3 } END { print n + 0 }' "$unit_log")
unit_failed=$(awk '/^[0-9]+%: Checks:/ { f += $5 + $7 } END { print f + 0 }' "$unit_log")
[ "$unit_failed" -eq 0 ] || rc=1
# a report printed rather than logged (UBSan writes to stderr with GCC's runtimes)
if grep -Eq -- "$report_re" "$unit_log"; then
	grep -E -B2 -A20 -- "$report_re" "$unit_log" >"$reports/unit/output"
fi

# ---- 2. integration
runs_file=$build/integration-runs
: >"$runs_file"
ASAN_BUILD=$build ASAN_RUNS_FILE=$runs_file ASAN_REPORT_DIR=$reports/integration \
	"${BATS:-bats}" --timing "$here/asan.bats" || rc=1
integration_runs=$(wc -l <"$runs_file")

# ---- summary
# each report's first line: "ERROR: ...Sanitizer" or "runtime error:" (a
# file with none, e.g. a fatal error of the runtime, counts once)
report_files=("$reports"/unit/* "$reports"/integration/*)
nreports=0
for f in "${report_files[@]}"; do
	echo "=== sanitizer report $f"
	cat "$f"
	n=$(grep -cE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$f")
	nreports=$((nreports + (n > 0 ? n : 1)))
done
[ "$nreports" -eq 0 ] || rc=1
[ "$unit_failed" -eq 0 ] || echo "check-asan: $unit_failed unit check(s) failed"
echo "asan: $unit_checks unit checks, $integration_runs integration runs, $nreports reports"
exit "$rc"
