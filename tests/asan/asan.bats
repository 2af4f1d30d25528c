#!/usr/bin/env bats
# Integration runs through the ASan+UBSan build of socksify (`make
# check-asan` builds it and runs this suite; DESIGN.md, "Testing"). The
# sanitized library is preloaded behind the ASan runtime for the socksified
# command only:
#
#   env LD_PRELOAD=$(gcc -print-file-name=libasan.so):<asan build>/libsocksify.so \
#       ASAN_OPTIONS=detect_leaks=0:log_path=... UBSAN_OPTIONS=...:log_path=... \
#       <asan build>/socksify -p ... -- COMMAND
#
# The wrapper (itself sanitized) finds LD_PRELOAD already naming its library
# and leaves it as is, so the runtime stays first. ASan's reports go to
# files under $REPORTS, and after every test there must be none; no run's
# stdout or stderr may hold a report either (with GCC's separate runtimes
# UBSan writes to stderr whatever its log_path says). curl cannot be a
# client here (it hangs in setlocale with libasan preloaded, socksify or
# not): python3, dig, getent, socat and the C helpers are.
#
# Lives in tests/asan/, not tests/bats/, so that `make check-bats` (bats
# tests/bats, the plain build) does not run it. Environment:
#   ASAN_BUILD      the sanitized build directory (socksify, libsocksify.so);
#                   required
#   ASAN_RUNTIME    the ASan runtime to preload (default: gcc -print-file-name=libasan.so)
#   ASAN_RUNS_FILE  if set, one line is appended per sanitized run (the count
#                   `make check-asan` prints)
#   ASAN_REPORT_DIR if set, every report found is copied there

load ../bats/lab
load ../bats/fakeproxy

# the default placeholder ranges (DESIGN.md, "Fake DNS")
FAKE4_RE='198\.1[89]\.[0-9]{1,3}\.[0-9]{1,3}'
FAKE6_RE='fd53:6b73:6679:[0-9a-f:]+'

HELPER_DIR="$REPO/tests/helpers"
NETCLIENT_PY="$REPO/tests/bats/helpers/netclient.py"

# the world DNS server's MX record (scripts/lab.sh)
MX_NAME=example.test
MX_RECORD="10 mail.example.test"

# what a sanitizer prints when it reports
REPORT_RE='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|AddressSanitizer:DEADLYSIGNAL|SUMMARY: (Address|UndefinedBehavior)Sanitizer'

setup_file() {
	[ -n "${ASAN_BUILD:-}" ] ||
		lab_fail "ASAN_BUILD is not set: run make check-asan (or set ASAN_BUILD to a sanitized build directory)" ||
		return 1
	# physical and absolute: the wrapper compares LD_PRELOAD with the library
	# it finds beside /proc/self/exe
	ASAN_BUILD=$(cd "$ASAN_BUILD" && pwd -P) || return 1
	export ASAN_BUILD
	export SOCKSIFY="$ASAN_BUILD/socksify" LIBSOCKSIFY="$ASAN_BUILD/libsocksify.so"
	[ -x "$SOCKSIFY" ] && [ -f "$LIBSOCKSIFY" ] ||
		lab_fail "no socksify and libsocksify.so in $ASAN_BUILD" || return 1
	readelf -d "$LIBSOCKSIFY" | grep -q 'NEEDED.*libasan' ||
		lab_fail "$LIBSOCKSIFY is not built with -fsanitize=address" || return 1
	ASAN_RUNTIME="${ASAN_RUNTIME:-$(gcc -print-file-name=libasan.so)}"
	case "$ASAN_RUNTIME" in
	/*) [ -e "$ASAN_RUNTIME" ] ;;
	*) false ;;
	esac || lab_fail "no ASan runtime at '$ASAN_RUNTIME' (set ASAN_RUNTIME)" || return 1
	export ASAN_RUNTIME

	lab_suite_up
	# reports of runs as root and as nobody land here
	export REPORTS="$NOBODY_DIR/reports"
	mkdir -m 1777 "$REPORTS"
	# nobody's copies of the helpers (the checkout may not be readable)
	install -m 644 "$HELPER_DIR/udp_probe.py" "$HELPER_DIR/dns_query.py" "$NOBODY_DIR/"
	local h
	for h in udp_name udp_mmsg; do
		cc -g -O1 -Wall -o "$NOBODY_DIR/$h" "$HELPER_DIR/$h.c" ||
			lab_fail "cannot build tests/helpers/$h.c" || return 1
	done
	cc -g -O1 -Wall -o "$NOBODY_DIR/res_query" "$HELPER_DIR/res_query.c" -lresolv ||
		lab_fail "cannot build tests/helpers/res_query.c" || return 1
	chmod 755 "$NOBODY_DIR/udp_name" "$NOBODY_DIR/udp_mmsg" "$NOBODY_DIR/res_query"

	# the fake proxy runs on the host's loopback (tests/bats/failures.bats)
	FP_PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
	export FP_PYTHON FAKEPROXY="$HELPER_DIR/fakeproxy.py"
	export PWFILE="$BATS_FILE_TMPDIR/password"
	(umask 077 && printf 'secret\n' >"$PWFILE")
}

teardown_file() {
	lab_suite_down
}

setup() {
	reset_leaks
	fake_proxy_reset
}

teardown() {
	fp_stop
	assert_no_reports
	assert_no_leaks_at_all
}

# assert_no_reports: no sanitizer wrote a report file since the last test
# (copied to ASAN_REPORT_DIR, printed, then removed).
assert_no_reports() {
	local f found=()
	for f in "$REPORTS"/*; do
		[ -e "$f" ] && found+=("$f")
	done
	[ "${#found[@]}" -eq 0 ] && return 0
	for f in "${found[@]}"; do
		[ -z "${ASAN_REPORT_DIR:-}" ] || cp "$f" "$ASAN_REPORT_DIR/$BATS_TEST_NUMBER.$(basename "$f")"
		echo "=== $f"
		cat "$f"
	done
	rm -f "${found[@]}"
	fail "${#found[@]} sanitizer report(s) (above)"
}

# san_env LIBRARY: the env(1) arguments that preload LIBRARY behind the ASan
# runtime and send every report to $REPORTS.
san_env() {
	SAN_ENV=(env "LD_PRELOAD=$ASAN_RUNTIME:$1"
		"ASAN_OPTIONS=detect_leaks=0:log_path=$REPORTS/asan"
		"UBSAN_OPTIONS=print_stacktrace=1:log_path=$REPORTS/ubsan")
	[ -z "${ASAN_RUNS_FILE:-}" ] || echo "$BATS_TEST_NUMBER $BATS_TEST_DESCRIPTION" >>"$ASAN_RUNS_FILE"
}

# san [--nobody] [--micro] [VAR=VALUE...] -- CMD...: CMD socksified by the
# sanitized build in the lab's client namespace, bounded: through the
# authenticating danted over IPv4 (--micro: microsocks, CONNECT only), as
# root or (--nobody) as nobody from the copies in NOBODY_DIR (as
# sx_nobody), with the VAR=VALUE settings in its environment.
san() {
	local nobody="" micro="" envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case "$1" in
		--nobody) nobody=1 ;;
		--micro) micro=1 ;;
		*=*) envs+=("$1") ;;
		*) echo "san: unknown option $1" >&2 && return 2 ;;
		esac
		shift
	done
	shift
	local dir=$ASAN_BUILD pw=$LAB_PASSWORD_FILE pre=() proxy
	if [ -n "$nobody" ]; then
		dir=$NOBODY_DIR pw=$NOBODY_DIR/password
		pre=(setpriv --reuid=nobody --regid=nogroup --clear-groups
			env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg")
	fi
	proxy=(-p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$pw")
	[ -z "$micro" ] || proxy=(-p "socks5://$PROXY4:$MICROSOCKS_PORT")
	san_env "$dir/libsocksify.so"
	in_client timeout 30 "${pre[@]}" "${SAN_ENV[@]}" "${envs[@]}" \
		"$dir/socksify" "${proxy[@]}" -- "$@"
}

# srun CMD...: `run --separate-stderr CMD...`; a report in the output or on
# stderr (where UBSan writes with GCC's runtimes) fails the test and is kept
# in $REPORTS, for teardown to count.
srun() {
	run --separate-stderr "$@"
	# shellcheck disable=SC2154 # set by run --separate-stderr
	if grep -Eq -- "$REPORT_RE" <<<"$output$stderr"; then
		printf '%s\n%s\n' "$output" "$stderr" >"$REPORTS/output.$BATS_TEST_NUMBER.$RANDOM"
		fail "a sanitizer report in the output:"$'\n'"$output"$'\n'"$stderr"
	fi
}

re_quote() {
	printf '%s\n' "${1//./\\.}"
}

# ------------------------------------------------------------ the set-up --

@test "the socksified command runs with the ASan runtime first and the sanitized library, once" {
	# shellcheck disable=SC2016 # expanded by that sh
	srun san -- sh -c 'echo "$LD_PRELOAD"; grep -F -e libasan -e libsocksify /proc/$$/maps | awk "{ print \$6 }" | sort -u'
	assert_success
	assert_line --index 0 "$ASAN_RUNTIME:$LIBSOCKSIFY"
	assert_line --regexp '/libasan\.so[.0-9]*$'
	assert_line "$LIBSOCKSIFY"
	[ "${#lines[@]}" -eq 3 ] || fail "expected the runtime and one library: $output"
	# and as nobody, from the copies
	# shellcheck disable=SC2016
	srun san --nobody -- sh -c 'id -un; echo "$LD_PRELOAD"'
	assert_success
	assert_output "nobody"$'\n'"$ASAN_RUNTIME:$NOBODY_DIR/libsocksify.so"
}

@test "reports are caught: a deliberate overflow in a sanitized program, run as nobody" {
	# the checks this suite relies on, checked once: a signed overflow
	# (UBSan) then a heap overflow (ASan), in the client namespace as
	# nobody. With GCC's separate runtimes the UBSan text goes to stderr
	# whatever its log_path says, and the ASan report to a file under
	# $REPORTS: srun looks at both.
	local prog="$NOBODY_DIR/overflow" all
	printf '%s\n' '#include <stdlib.h>' \
		'int main(int argc, char **argv) { int x = 2147483647; x += argc; volatile char *p = malloc(4);' \
		'p[4] = (char)x; free((void *)p); return argv == NULL; }' |
		cc -x c -fsanitize=address,undefined -g -o "$prog" - || fail "cannot build the overflow program"
	chmod 755 "$prog"
	run --separate-stderr in_client timeout 30 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env ASAN_OPTIONS="detect_leaks=0:log_path=$REPORTS/asan" \
		UBSAN_OPTIONS="print_stacktrace=1:log_path=$REPORTS/ubsan" "$prog"
	assert_failure
	all="$stderr$(cat "$REPORTS"/* 2>/dev/null)"
	rm -f "$REPORTS"/*
	grep -q 'runtime error: signed integer overflow' <<<"$all" || fail "no UBSan report: $all"
	grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' <<<"$all" || fail "no ASan report: $all"
	grep -Eq -- "$REPORT_RE" <<<"$stderr" || fail "REPORT_RE does not match the stderr: $stderr"
}

# --------------------------------------------------------------- TCP -----

@test "python TCP by name: blocking, raw non-blocking and asyncio echoes, both families; urllib by name" {
	local nc=(timeout 20 "$PYTHON" "$NETCLIENT_PY")
	srun san -- "${nc[@]}" echo "$ECHO_NAME" "$ECHO_PORT" --family 4
	assert_success
	assert_line "ok 65536"
	srun san -- "${nc[@]}" echo "$ECHO_NAME" "$ECHO_PORT" --family 6
	assert_success
	assert_line "ok 65536"
	srun san -- "${nc[@]}" nbecho "$ECHO_NAME" "$ECHO_PORT" --family 4
	assert_success
	assert_line "ok 65536"
	srun san -- "${nc[@]}" aecho "$ECHO_NAME" "$ECHO_PORT"
	assert_success
	assert_line "ok 65536"
	srun san -- timeout 20 "$PYTHON" -c '
import hashlib, sys, urllib.request
print(urllib.request.urlopen("http://%s/" % sys.argv[1], timeout=10).read().decode())
big = urllib.request.urlopen("http://%s/big.bin" % sys.argv[1], timeout=10).read()
print("big", len(big), hashlib.sha256(big).hexdigest())
' "$WWW_NAME"
	assert_success
	assert_output --partial "$MARKER"
	assert_line "big 1048576 $BIGFILE_SHA256"
}

@test "the resolver hooks: every getaddrinfo hints combination, reverse and gethostbyname (gai_check.py)" {
	srun san -- timeout 30 "$PYTHON" "$HELPER_DIR/gai_check.py" "$WWW_NAME"
	assert_success
	assert_output --regexp "checked [0-9]{4}"
}

@test "getent ahosts and hosts by name: the placeholders" {
	srun san --nobody -- getent ahosts "$WWW_NAME"
	assert_success
	assert_line --regexp "^$FAKE4_RE +STREAM $(re_quote "$WWW_NAME")\$"
	srun san --nobody -- getent hosts "$ECHO_NAME"
	assert_success
	assert_output --regexp "^$FAKE6_RE +$(re_quote "$ECHO_NAME")\$"
}

# --------------------------------------------------------------- UDP -----

@test "python UDP echo by name: sendto/recvfrom, sendmsg/recvmsg, connected (as nobody)" {
	local probe=(timeout 20 "$PYTHON" "$NOBODY_DIR/udp_probe.py")
	srun san --nobody -- "${probe[@]}" echo "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "echo True"
	assert_line "again True"
	assert_line --regexp "^echo-from $FAKE4_RE $UDP_ECHO_PORT\$"
	srun san --nobody -- "${probe[@]}" msg "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "recvmsg True 340"
	srun san --nobody -- "${probe[@]}" connected "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "send/recv True"
	assert_line "write/read True"
	assert_line --regexp "^sendmsg/recvmsg True $FAKE4_RE $UDP_ECHO_PORT\$"
	srun san --nobody -- "${probe[@]}" name "$ECHO_NAME" "$UDP_ECHO_PORT" 6
	assert_success
	assert_line "echo True"
	assert_line --regexp "^from-placeholder True $FAKE6_RE $UDP_ECHO_PORT\$"
}

@test "C UDP echo by name (udp_name, udp_mmsg): both families, connected, sendmmsg through syscall(2)" {
	srun san --nobody -- timeout 20 "$NOBODY_DIR/udp_name" "$ECHO_NAME" "$UDP_ECHO_PORT" 4
	assert_success
	assert_line --regexp "^addr $FAKE4_RE\$"
	assert_line "reverse $ECHO_NAME"
	assert_line "ok"
	srun san --nobody -- timeout 20 "$NOBODY_DIR/udp_name" "$ECHO_NAME" "$UDP_ECHO_PORT" 6
	assert_success
	assert_line --regexp "^addr $FAKE6_RE\$"
	assert_line "ok"
	srun san --nobody -- timeout 20 "$NOBODY_DIR/udp_mmsg" "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "ok 3"
	srun san --nobody -- timeout 20 "$NOBODY_DIR/udp_mmsg" "$ECHO_NAME" "$UDP_ECHO_PORT" connect syscall
	assert_success
	assert_line "ok 3"
}

@test "socat by name: UDP and TCP echoes" {
	srun san --nobody -- sh -c 'echo socat-udp | timeout 10 socat -t 1 - "UDP:$0:$1"' "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_output "socat-udp"
	srun san --nobody -- sh -c 'echo socat-tcp | timeout 10 socat -t 2 - "TCP:$0:$1"' "$ECHO_NAME" "$ECHO_PORT"
	assert_success
	assert_output "socat-tcp"
}

# --------------------------------------------------------------- DNS -----

DIG=(dig +time=2 +tries=1)

@test "dig: fake-DNS answers over UDP and TCP, A and AAAA, and PTR of the placeholder" {
	srun san --nobody -- "${DIG[@]}" +short "$WWW_NAME" A "$WWW_NAME" AAAA
	assert_success
	assert_line --index 0 --regexp "^$FAKE4_RE\$"
	assert_line --index 1 --regexp "^$FAKE6_RE\$"
	local ph4=${lines[0]}
	srun san --nobody -- "${DIG[@]}" +tcp +short "$WWW_NAME" A
	assert_success
	assert_output --regexp "^$FAKE4_RE\$"
	srun san --nobody -- "${DIG[@]}" +tcp "$WWW_NAME" AAAA
	assert_success
	assert_output --partial "status: NOERROR"
	assert_line --partial "(TCP)"
	# one process, a fresh table: the same first placeholder, then its PTR
	srun san --nobody -- "${DIG[@]}" +short "$WWW_NAME" A -x "$ph4"
	assert_success
	assert_line --index 1 "$WWW_NAME."
}

@test "dig @the world's server: its query goes through the UDP relay" {
	srun san --nobody -- "${DIG[@]}" +short "@$WORLD_DNS4" "$WWW_NAME" A
	assert_success
	assert_output "$WORLD4"
}

@test "dig MX forwarded to dns_upstream: through danted (UDP ASSOCIATE) and microsocks (DNS over TCP)" {
	local up="SOCKSIFY_DNS_UPSTREAM=$WORLD_DNS4:$WORLD_DNS_PORT"
	srun san --nobody "$up" -- "${DIG[@]}" +short "$MX_NAME" MX
	assert_success
	assert_output "$MX_RECORD."
	srun san --nobody "$up" -- "${DIG[@]}" +tcp +short "$MX_NAME" MX
	assert_success
	assert_output "$MX_RECORD."
	srun san --nobody --micro "$up" -- "${DIG[@]}" +short "$MX_NAME" MX
	assert_success
	assert_output "$MX_RECORD."
	# without dns_upstream: REFUSED and one line
	srun san --nobody -- "${DIG[@]}" "$MX_NAME" MX
	assert_success
	assert_output --partial "status: REFUSED"
	[[ "$stderr" == "socksify: "*dns_upstream* ]] || fail "no dns_upstream line: $stderr"
}

@test "res_query (C, libresolv): A, PTR, AAAA from the table; MX through dns_upstream" {
	srun san --nobody -- "$NOBODY_DIR/res_query" "$WWW_NAME" 1
	assert_success
	assert_output --regexp "^A $FAKE4_RE\$"
	local rev
	rev=$("$PYTHON" -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)' "${output#A }")
	srun san --nobody -- "$NOBODY_DIR/res_query" "$WWW_NAME" 1 "$rev" 12 "$WWW_NAME" 28
	assert_success
	assert_line --index 1 "PTR $WWW_NAME"
	assert_line --index 2 --regexp "^AAAA $FAKE6_RE\$"
	srun san --nobody "SOCKSIFY_DNS_UPSTREAM=$WORLD_DNS4:$WORLD_DNS_PORT" -- "$NOBODY_DIR/res_query" "$MX_NAME" 15
	assert_success
	assert_output "TYPE 15"
}

@test "python raw DNS queries to the nameserver: UDP, sendmsg, connected and TCP" {
	local q=(timeout 20 "$PYTHON" "$NOBODY_DIR/dns_query.py")
	local mode
	for mode in sendto sendmsg connect tcp; do
		srun san --nobody -- "${q[@]}" --mode "$mode" "$WWW_NAME" A @ PTR "$WWW_NAME" AAAA
		assert_success
		assert_line --regexp "^answer A $FAKE4_RE\$"
		assert_line "answer PTR $WWW_NAME"
		assert_line --regexp "^answer AAAA $FAKE6_RE\$"
	done
}

# ----------------------------------------------------- the wrapper itself --

@test "socksify --check (sanitized, leak detection on) passes through danted and warns for microsocks" {
	local opts="detect_leaks=1:log_path=$REPORTS/asan"
	[ -z "${ASAN_RUNS_FILE:-}" ] || printf '%s\n' "$BATS_TEST_NUMBER --check" "$BATS_TEST_NUMBER --check" >>"$ASAN_RUNS_FILE"
	srun in_client timeout 30 env ASAN_OPTIONS="$opts" UBSAN_OPTIONS="print_stacktrace=1:log_path=$REPORTS/ubsan" \
		"$SOCKSIFY" -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" \
		--check "$WWW_NAME:$HTTP_PORT"
	assert_success
	assert_output --partial "check passed"
	srun in_client timeout 30 env ASAN_OPTIONS="$opts" UBSAN_OPTIONS="print_stacktrace=1:log_path=$REPORTS/ubsan" \
		"$SOCKSIFY" -p "socks5://$PROXY4:$MICROSOCKS_PORT" --check "$WWW_NAME:$HTTP_PORT"
	assert_success
	assert_output --partial "UDP: not supported"
}

# ------------------------------------------------- the fault-injecting proxy --
# tests/helpers/fakeproxy.py on the host's loopback; the destination is
# TEST-NET and only ever named inside the SOCKS request (failures.bats).

# fp_stop: stop the fake proxy this test started, if any, once (its PID is
# forgotten: never a second kill of a PID that may have been reused).
fp_stop() {
	fake_proxy_stop
	FP_PID=""
}

# fp [SOCKSIFY OPTIONS...] -- CMD...: CMD through the sanitized build and the
# fake proxy on 127.0.0.1:$PORT as alice, deadline 5 s (-t).
fp() {
	local opts=(-t 5)
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	san_env "$LIBSOCKSIFY"
	timeout 25 env HOME="$BATS_FILE_TMPDIR" XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/xdg" "${SAN_ENV[@]}" \
		"$SOCKSIFY" -p "socks5://alice@127.0.0.1:$PORT" --password-file "$PWFILE" "${opts[@]}" -- "$@"
}

PROBE_PY="$HELPER_DIR/probe.py"
DEST=(203.0.113.80 80)

# fault SCENARIO ERRNO [PROBE OPTIONS...]: the probe's connect fails with
# ERRNO and one socksify line, no report.
fault() {
	start_proxy "$1"
	srun fp -t 1 -- "$PYTHON" "$PROBE_PY" "${DEST[@]}" "${@:3}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR $2"
	[[ "$stderr" == "socksify: "* && "$stderr" != *$'\n'* ]] || fail "not one socksify line: $stderr"
	fp_stop
}

@test "fake proxy, success paths: ok, bytes after the reply, one-byte writes, a 255-byte BND name, an IPv6 BND" {
	local sc
	for sc in ok ok-then-banner domain-255 ok-bound-v6; do
		start_proxy "$sc"
		local want=hi
		[ "$sc" = ok ] || want=$'BANNER\nhi'
		srun fp -- "$PYTHON" "$PROBE_PY" "${DEST[@]}" --send hi --expect-prefix "$want"
		assert_success
		srun fp -- "$PYTHON" "$PROBE_PY" "${DEST[@]}" --nonblocking --peername --send hi --expect-prefix "$want"
		assert_success
		assert_line "PEER 203.0.113.80 80"
		fp_stop
	done
	start_proxy drip --delay 0.02
	srun fp -- "$PYTHON" "$PROBE_PY" "${DEST[@]}" --send hi --expect-prefix $'BANNER\nhi'
	assert_success
}

@test "fake proxy, authentication: auth-fail, refused methods, a method not offered, bad versions" {
	fault auth-fail EACCES
	fault refuse-methods EACCES
	fault method-not-offered ECONNRESET
	fault wrong-version ECONNRESET
	fault auth-bad-version ECONNRESET
}

@test "fake proxy, malformed and truncated replies, resets, reply codes" {
	local sc n
	for sc in garbage domain-0 bad-atyp reset reset-after-request close-after-greeting; do
		fault "$sc" ECONNRESET
	done
	for n in 0 3 4 8 9; do
		fault "truncated-$n" ECONNRESET
	done
	fault rep-1 ECONNREFUSED
	fault rep-4 EHOSTUNREACH
	fault rep-9 ECONNREFUSED
}

@test "fake proxy, silence: ETIMEDOUT at the 1 s deadline, blocking and non-blocking, under a signal flood" {
	fault silent ETIMEDOUT
	fault silent-after-auth ETIMEDOUT --nonblocking
	fault silent ETIMEDOUT --signals --nonblocking
}

@test "fake proxy, proxy down: ECONNREFUSED" {
	fault no-listen ECONNREFUSED
}

@test "fake proxy, UDP relay: echoes delivered; garbage, fragments and foreign datagrams dropped; REP 7 refused" {
	local sc
	for sc in udp-echo udp-garbage udp-fragment udp-foreign; do
		start_proxy "$sc"
		srun fp -d none -- "$PYTHON" "$HELPER_DIR/udp_once.py" 203.0.113.80 7 --count 3
		assert_success
		assert_equal "$output" "$(printf 'ECHO ping-%d FROM 203.0.113.80 7\n' 1 2 3)"
		assert_equal "$stderr" ""
		fp_stop
	done
	start_proxy rep-7
	srun fp -d none -- "$PYTHON" "$HELPER_DIR/udp_once.py" 203.0.113.80 7
	assert_failure
	assert_output --regexp '^ERR E[A-Z]+$'
}
