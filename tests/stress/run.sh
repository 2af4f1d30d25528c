#!/bin/bash
# The body of `make stress` (tests/stress/rules.mk):
#
#   tests/stress/run.sh STRESS WRAPPER LIB TSAN_LIB THREADS CONNS LOGDIR
#
# Brings up a lab of its own (scripts/lab.sh, tag $STRESS_LAB_TAG, default
# sxmkstress), then runs STRESS -t THREADS -c CONNS as nobody in its client
# namespace through the no-auth danted:
#   1. through the wrapper and LIB;
#   2. with LD_PRELOAD=<gcc's libtsan.so>:TSAN_LIB (the runtime first, for
#      the stress program only; the program itself is not instrumented).
# Each run must exit 0 with failures=0 in its summary line, leave the
# client's leak counters at 0, and (2) print no ThreadSanitizer report.
# Output of each run: LOGDIR/normal.log, LOGDIR/tsan.log. Tears the lab
# down whatever happens.
#
# 2 x 12800 connections within a minute leave more client ports in
# TIME_WAIT than the default ephemeral range holds, so the lab's client and
# proxy namespaces (only those) get the full range and tcp_tw_reuse.
set -euo pipefail

[ $# -eq 7 ] || { echo "usage: $0 STRESS WRAPPER LIB TSAN_LIB THREADS CONNS LOGDIR" >&2; exit 2; }
STRESS=$1 WRAPPER=$2 LIB=$3 TSAN_LIB=$4 THREADS=$5 CONNS=$6 LOGDIR=$7
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB_SH="$REPO/scripts/lab.sh"
[ "$(id -u)" -eq 0 ] || { echo "stress: needs root (network namespaces for the lab)" >&2; exit 1; }
for f in "$STRESS" "$WRAPPER" "$LIB" "$TSAN_LIB"; do
	[ -f "$f" ] || { echo "stress: missing $f" >&2; exit 1; }
done
LIBTSAN=$(${CC:-cc} -print-file-name=libtsan.so)
[ -f "$LIBTSAN" ] || { echo "stress: no libtsan.so (gcc's ThreadSanitizer runtime)" >&2; exit 1; }

export LAB_TAG="${STRESS_LAB_TAG:-sxmkstress}"
export LAB_DIR="/tmp/socksify-lab-$LAB_TAG"
WORK=$(mktemp -d /tmp/socksify-stress.XXXXXX)
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	"$LAB_SH" down || true
	case "$WORK" in /tmp/socksify-stress.*) rm -rf -- "$WORK" ;; esac
}
trap cleanup EXIT
mkdir -p "$LOGDIR"

# copies nobody can read wherever the checkout and the build live
chmod 755 "$WORK"
mkdir -m 755 "$WORK/tsan" "$WORK/xdg"
install -m 755 "$STRESS" "$WORK/stress"
install -m 755 "$WRAPPER" "$WORK/socksify"
install -m 644 "$LIB" "$WORK/libsocksify.so"
install -m 644 "$TSAN_LIB" "$WORK/tsan/libsocksify.so"

LAB_QUIET=1 "$LAB_SH" up
set -a
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
set +a
for ns in "$LAB_CLIENT_NS" "$LAB_PROXY_NS"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
done
PROXY_URL="socks5://$PROXY4:$NOAUTH_PORT"

# as_nobody SECONDS CMD...: CMD as nobody in the client namespace, with a
# clean environment (no socksify configuration but what CMD is given).
as_nobody() {
	local secs=$1
	shift
	ip netns exec "$LAB_CLIENT_NS" timeout "$secs" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env -i PATH=/usr/bin:/bin HOME=/nonexistent XDG_CONFIG_HOME="$WORK/xdg" "$@"
}

failed=0
# check NAME RC SECONDS: judge one run from its log.
check() {
	local name=$1 rc=$2 secs=$3 log="$LOGDIR/$1.log" summary leaks dns why=""
	summary=$(grep '^stress: threads=' "$log" | tail -n1 || true)
	leaks=$("$LAB_SH" leaks)
	dns=$("$LAB_SH" dns-leaks)
	[ "$rc" -eq 0 ] || why="$why exit status $rc;"
	[[ "$summary" == *" failures=0 "* ]] || why="$why failures (or no summary);"
	! grep -q 'WARNING: ThreadSanitizer' "$log" ||
		why="$why $(grep -c 'WARNING: ThreadSanitizer' "$log") ThreadSanitizer report(s): $(grep '^SUMMARY: ThreadSanitizer' "$log" | sort | uniq -c | tr -s ' ' | paste -sd';');"
	[ "$leaks" -eq 0 ] && [ "$dns" -eq 0 ] || why="$why leaks: $leaks ($dns DNS);"
	echo "stress ($name, ${secs}s): ${summary:-no summary line}"
	if [ -n "$why" ]; then
		echo "stress ($name): FAILED:$why see $log" >&2
		grep '^stress: FAIL\|^stress: watchdog\|^socksify:' "$log" | head -n 10 >&2 || true
		failed=1
	fi
}

run() { # run NAME SECONDS CMD...
	local name=$1 secs=$2 rc=0 t0=$SECONDS
	shift 2
	"$LAB_SH" reset-leaks
	as_nobody "$secs" "$@" >"$LOGDIR/$name.log" 2>&1 || rc=$?
	check "$name" "$rc" $((SECONDS - t0))
}

ARGS=(-t "$THREADS" -c "$CONNS")
run normal 600 "$WORK/socksify" -p "$PROXY_URL" -- "$WORK/stress" "${ARGS[@]}" -w 540
run tsan 900 env LD_PRELOAD="$LIBTSAN:$WORK/tsan/libsocksify.so" SOCKSIFY_PROXY="$PROXY_URL" \
	TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1" "$WORK/stress" "${ARGS[@]}" -w 840
[ "$failed" -eq 0 ] && echo "stress: ok (${THREADS}x${CONNS}, library and ThreadSanitizer build)"
exit "$failed"
