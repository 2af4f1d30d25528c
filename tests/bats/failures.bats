#!/usr/bin/env bats
# How proxied connect() fails: a fault-injecting fake SOCKS5 server
# (tests/helpers/fakeproxy.py) on loopback, and a tiny client
# (tests/helpers/probe.py) run under the wrapper ($SOCKSIFY, default
# build/socksify). For every fault: the errno the application sees
# (DESIGN.md, "TCP CONNECT"), exactly one "socksify: " line on stderr naming
# the proxy and what happened, no password anywhere, no crash.
#
# The destination is TEST-NET (203.0.113.80, 2001:db8::80) and only ever
# named inside the SOCKS request: the fake proxy never connects anywhere, it
# echoes the client's bytes after a successful reply.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load fakeproxy

DEST=(203.0.113.80 80)
DEST6=(2001:db8::80 80)

setup_file() {
	export SOCKSIFY="${SOCKSIFY:-$BATS_TEST_DIRNAME/../../build/socksify}"
	[ -x "$SOCKSIFY" ] || {
		echo "# $SOCKSIFY is missing: build it (make) or set SOCKSIFY" >&3
		return 1
	}
	export LIBSOCKSIFY="${LIBSOCKSIFY:-$(dirname "$SOCKSIFY")/libsocksify.so}"
	# the interpreter itself, not a wrapper script (pyenv shims run bash)
	PY="$(python3 -c 'import sys; print(sys.executable)')"
	export PY FP_PYTHON="$PY"
	export HELPERS="$BATS_TEST_DIRNAME/../helpers"
	export PROBE="$HELPERS/probe.py" FAKEPROXY="$HELPERS/fakeproxy.py"
	export PWFILE="$BATS_FILE_TMPDIR/password"
	(umask 077 && printf 'secret\n' >"$PWFILE")
	# no user or system configuration may change what the tests see
	export HOME="$BATS_FILE_TMPDIR/home" XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/xdg"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
	[ ! -e /etc/socksify.conf ] ||
		echo "# warning: /etc/socksify.conf exists and may affect these tests" >&3
}

setup() {
	local v
	for v in "${!SOCKSIFY_@}"; do unset "$v"; done
	unset LD_PRELOAD
	fake_proxy_reset
}

teardown() {
	fake_proxy_stop
}

# timed CMD...: `run --separate-stderr` under a hard timeout; sets ELAPSED_MS.
timed() {
	local t0=${EPOCHREALTIME/./}
	run --separate-stderr timeout 25 "$@"
	ELAPSED_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# sxp [-t SECONDS] [SOCKSIFY OPTIONS...] -- PROBE ARGS...: the probe through
# the wrapper as alice (password from a file), default deadline 5 s.
sxp() {
	local opts=(-t 5)
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	timed "$SOCKSIFY" -p "socks5://alice@127.0.0.1:$PORT" --password-file "$PWFILE" \
		"${opts[@]}" -- "$PY" "$PROBE" "$@"
}

# sxp_anon [SOCKSIFY OPTIONS...] -- PROBE ARGS...: no username configured.
sxp_anon() {
	local opts=(-t 5)
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	timed "$SOCKSIFY" -p "socks5://127.0.0.1:$PORT" "${opts[@]}" -- "$PY" "$PROBE" "$@"
}

# recorded MSG FIELD: FIELD (JSON) of the last MSG the fake proxy received.
recorded() {
	jq -c --arg m "$1" "select(.msg == \$m) | .$2" "$REC" | tail -n 1
}

assert_no_password() { # [TEXT...]: the password is in none of them
	local t
	for t in "$@"; do
		[[ $t != *secret* ]] || fail "the password appears in: $t"
	done
}

# assert_one_stderr_line TEXT: stderr is exactly one "socksify: " line that
# names the proxy 127.0.0.1:$PORT and contains TEXT.
assert_one_stderr_line() {
	local proxy="${2:-127.0.0.1:$PORT}"
	[ -n "$stderr" ] || fail "stderr is empty (expected one line with: $1)"
	[[ $stderr != *$'\n'* ]] || fail "stderr has more than one line:"$'\n'"$stderr"
	[[ $stderr == "socksify: "* ]] || fail "stderr does not start with 'socksify: ': $stderr"
	[[ $stderr == *"$proxy"* ]] || fail "stderr does not name the proxy $proxy: $stderr"
	[[ $stderr == *"$1"* ]] || fail "stderr does not say '$1': $stderr"
	assert_no_password "$stderr"
}

# expect_error ERRNO TEXT [PROXY]: the connect failed with ERRNO, python
# exited 1 by itself (no signal), and stderr is the one line with TEXT.
expect_error() {
	assert_equal "$status" 1
	assert_equal "$output" "ERR $1"
	assert_one_stderr_line "$2" "${3:-}"
}

# fault SCENARIO ERRNO TEXT: the standard run against SCENARIO.
fault() {
	start_proxy "$1"
	sxp -- "${DEST[@]}"
	expect_error "$2" "$3"
	[ "$ELAPSED_MS" -lt 4000 ] || fail "took ${ELAPSED_MS} ms, expected an immediate failure"
}

# ---------------------------------------------------------------- success

@test "ok: blocking connect succeeds, data is echoed, nothing logged" {
	start_proxy ok
	sxp -- "${DEST[@]}" --send hello --expect-prefix hello
	assert_success
	assert_equal "${lines[0]}" OK
	assert_line "RECV b'hello'"
	assert_equal "$stderr" ""
}

@test "ok: non-blocking connect (poll + SO_ERROR) succeeds and echoes" {
	start_proxy ok
	sxp -- "${DEST[@]}" --nonblocking --send hello --expect-prefix hello
	assert_success
	assert_equal "${lines[0]}" OK
	assert_line "RECV b'hello'"
	assert_equal "$stderr" ""
}

@test "ok-then-banner: bytes after the reply reach the application first" {
	start_proxy ok-then-banner
	sxp -- "${DEST[@]}" --send hello --expect-prefix $'BANNER\nhello'
	assert_success
	assert_line "RECV b'BANNER\\nhello'"
	assert_equal "$stderr" ""
}

@test "ok-then-banner: the same with a non-blocking connect" {
	start_proxy ok-then-banner
	sxp -- "${DEST[@]}" --nonblocking --send hello --expect-prefix $'BANNER\nhello'
	assert_success
	assert_line "RECV b'BANNER\\nhello'"
}

@test "domain-255: a reply with a 255-byte BND name is read exactly" {
	start_proxy domain-255
	sxp -- "${DEST[@]}" --send hi --expect-prefix $'BANNER\nhi'
	assert_success
	assert_line "RECV b'BANNER\\nhi'"
	assert_equal "$stderr" ""
}

@test "ok-bound-v6: a reply with an IPv6 BND.ADDR is read exactly" {
	start_proxy ok-bound-v6
	sxp -- "${DEST[@]}" --send hi --expect-prefix $'BANNER\nhi'
	assert_success
	assert_line "RECV b'BANNER\\nhi'"
}

@test "drip: replies arriving one byte at a time are reassembled" {
	start_proxy drip --delay 0.02
	sxp -- "${DEST[@]}" --send hi --expect-prefix $'BANNER\nhi'
	assert_success
	assert_line "RECV b'BANNER\\nhi'"
	assert_equal "$stderr" ""
}

@test "signals every millisecond during a dripped handshake: still OK" {
	start_proxy drip --delay 0.02
	sxp -- "${DEST[@]}" --signals --send hi --expect-prefix $'BANNER\nhi'
	assert_success
	assert_line "RECV b'BANNER\\nhi'"
	# non-blocking: an EINTR from connect() would reach the application as is
	sxp -- "${DEST[@]}" --signals --nonblocking --send hi --expect-prefix $'BANNER\nhi'
	assert_success
	assert_line "RECV b'BANNER\\nhi'"
	assert_equal "$stderr" ""
}

@test "O_NONBLOCK is left as the application set it, on success and failure" {
	start_proxy ok
	sxp -- "${DEST[@]}" --flags
	assert_success
	assert_equal "$output" $'OK\nFLAGS blocking'
	sxp -- "${DEST[@]}" --flags --nonblocking
	assert_success
	assert_equal "$output" $'OK\nFLAGS nonblocking'
	kill "$FP_PID"; wait "$FP_PID" 2>/dev/null || true
	start_proxy rep-5
	sxp -- "${DEST[@]}" --flags
	assert_equal "$output" $'ERR ECONNREFUSED\nFLAGS blocking'
	sxp -- "${DEST[@]}" --flags --nonblocking
	assert_equal "$output" $'ERR ECONNREFUSED\nFLAGS nonblocking'
}

@test "the CONNECT request carries ATYP 1 and 203.0.113.80:80" {
	start_proxy ok
	sxp -- "${DEST[@]}"
	assert_success
	assert_equal "$(recorded request ver)" 5
	assert_equal "$(recorded request cmd)" 1
	assert_equal "$(recorded request rsv)" 0
	assert_equal "$(recorded request atyp)" 1
	assert_equal "$(recorded request addr)" '"203.0.113.80"'
	assert_equal "$(recorded request port)" 80
	assert_equal "$(recorded request hex)" '"05010001cb0071500050"'
}

@test "an IPv6 destination is sent as ATYP 4 (AF_INET6 socket, IPv4 proxy)" {
	start_proxy ok
	sxp -- "${DEST6[@]}" --peername --send hi --expect-prefix hi
	assert_success
	assert_line "PEER 2001:db8::80 80"
	assert_equal "$(recorded request atyp)" 4
	assert_equal "$(recorded request addr)" '"2001:db8::80"'
	assert_equal "$(recorded request port)" 80
}

@test "a v4-mapped destination on an AF_INET6 socket is sent as ATYP 1" {
	start_proxy ok
	sxp -- "${DEST[@]}" --family 6 --peername
	assert_success
	assert_line "PEER ::ffff:203.0.113.80 80"
	assert_equal "$(recorded request atyp)" 1
	assert_equal "$(recorded request addr)" '"203.0.113.80"'
}

@test "with a user: methods [0,2] offered, then RFC 1929 alice/secret" {
	start_proxy ok
	sxp -- "${DEST[@]}"
	assert_success
	assert_equal "$(recorded greeting methods)" "[0,2]"
	assert_equal "$(recorded auth ver)" 1
	assert_equal "$(recorded auth user)" '"alice"'
	assert_equal "$(recorded auth password)" '"secret"'
}

@test "without a user: only method [0] offered, no authentication" {
	start_proxy ok
	sxp_anon -- "${DEST[@]}" --send hi --expect-prefix hi
	assert_success
	assert_equal "$(recorded greeting methods)" "[0]"
	assert_equal "$(recorded auth user)" ""
	assert_equal "$(recorded request atyp)" 1
}

@test "getpeername reports 203.0.113.80:80, a second connect gives EISCONN" {
	start_proxy ok
	sxp -- "${DEST[@]}" --peername --reconnect --send hi --expect-prefix hi
	assert_success
	assert_line "PEER 203.0.113.80 80"
	assert_line "RECONNECT ERR EISCONN"
	assert_line "RECV b'hi'"
	assert_equal "$stderr" ""
	# one connection to the proxy: the second connect sent nothing
	assert_equal "$(jq -c 'select(.msg == "accept")' "$REC" | wc -l)" 1
}

@test "non-blocking: getpeername and EISCONN behave the same" {
	start_proxy ok
	sxp -- "${DEST[@]}" --nonblocking --peername --reconnect
	assert_success
	assert_line "PEER 203.0.113.80 80"
	assert_line "RECONNECT ERR EISCONN"
}

# ------------------------------------------------- method selection, auth

@test "refuse-methods (0xFF) with a user: EACCES" {
	fault refuse-methods EACCES "accepted none of the offered authentication methods"
}

@test "refuse-methods (0xFF) without a user: EACCES, hints at credentials" {
	start_proxy refuse-methods
	sxp_anon -- "${DEST[@]}"
	expect_error EACCES "accepted none of the offered authentication methods"
	assert_equal "$(recorded greeting methods)" "[0]"
}

@test "method-not-offered (0x01 GSSAPI): ECONNRESET" {
	fault method-not-offered ECONNRESET "chose authentication method 0x01, which was not offered"
}

@test "method 0x80 (private): ECONNRESET" {
	fault method-80 ECONNRESET "chose authentication method 0x80, which was not offered"
}

@test "method 0x02 when no user is configured: ECONNRESET" {
	start_proxy method-02
	sxp_anon -- "${DEST[@]}"
	expect_error ECONNRESET "chose authentication method 0x02, which was not offered"
}

@test "wrong-version (method reply VER 4): ECONNRESET, malformed" {
	fault wrong-version ECONNRESET "sent a malformed reply (wrong version byte in the method selection reply)"
}

@test "auth-fail: EACCES, names the username" {
	fault auth-fail EACCES 'rejected username "alice"'
}

@test "auth-bad-version (auth reply VER 5): ECONNRESET, malformed" {
	fault auth-bad-version ECONNRESET "sent a malformed reply (wrong version byte in the authentication reply)"
}

# ----------------------------------------------------------- reply codes

@test "rep-1 general failure: ECONNREFUSED" {
	fault rep-1 ECONNREFUSED "general failure for 203.0.113.80:80"
}

@test "rep-2 not allowed: EACCES" {
	fault rep-2 EACCES "CONNECT to 203.0.113.80:80 not allowed by its rules"
}

@test "rep-3 network unreachable: ENETUNREACH" {
	fault rep-3 ENETUNREACH "network unreachable for 203.0.113.80:80"
}

@test "rep-4 host unreachable: EHOSTUNREACH" {
	fault rep-4 EHOSTUNREACH "host unreachable for 203.0.113.80:80"
}

@test "rep-5 connection refused: ECONNREFUSED" {
	fault rep-5 ECONNREFUSED "203.0.113.80:80 refused the connection"
}

@test "rep-6 TTL expired: ETIMEDOUT" {
	fault rep-6 ETIMEDOUT "203.0.113.80:80 timed out (TTL expired)"
}

@test "rep-7 command not supported: ECONNREFUSED" {
	fault rep-7 ECONNREFUSED "does not support the CONNECT command"
}

@test "rep-8 address type not supported: ECONNREFUSED" {
	fault rep-8 ECONNREFUSED "does not support the address type of 203.0.113.80:80"
}

@test "rep-9 (unassigned): ECONNREFUSED, names the code" {
	fault rep-9 ECONNREFUSED "answered 203.0.113.80:80 with unknown reply code 0x09"
}

@test "rep-255 (unassigned): ECONNREFUSED, names the code" {
	fault rep-255 ECONNREFUSED "answered 203.0.113.80:80 with unknown reply code 0xff"
}

@test "rep-5 with a non-blocking connect: ECONNREFUSED at once" {
	start_proxy rep-5
	sxp -- "${DEST[@]}" --nonblocking
	expect_error ECONNREFUSED "203.0.113.80:80 refused the connection"
}

@test "rep-4 for an IPv6 destination names it: EHOSTUNREACH" {
	start_proxy rep-4
	sxp -- "${DEST6[@]}"
	expect_error EHOSTUNREACH "host unreachable for [2001:db8::80]:80"
}

# ------------------------------------------------ truncated and malformed

CLOSED="closed the connection during the handshake (connecting to 203.0.113.80:80)"

@test "truncated-0 (close after the request): ECONNRESET" {
	fault truncated-0 ECONNRESET "$CLOSED"
}

@test "truncated-1: ECONNRESET" {
	fault truncated-1 ECONNRESET "$CLOSED"
}

@test "truncated-2: ECONNRESET" {
	fault truncated-2 ECONNRESET "$CLOSED"
}

@test "truncated-3: ECONNRESET" {
	fault truncated-3 ECONNRESET "$CLOSED"
}

@test "truncated-4 (VER REP RSV ATYP only): ECONNRESET" {
	fault truncated-4 ECONNRESET "$CLOSED"
}

@test "truncated-5: ECONNRESET" {
	fault truncated-5 ECONNRESET "$CLOSED"
}

@test "truncated-6: ECONNRESET" {
	fault truncated-6 ECONNRESET "$CLOSED"
}

@test "truncated-7: ECONNRESET" {
	fault truncated-7 ECONNRESET "$CLOSED"
}

@test "truncated-8 (address without port): ECONNRESET" {
	fault truncated-8 ECONNRESET "$CLOSED"
}

@test "truncated-9 (one byte short): ECONNRESET" {
	fault truncated-9 ECONNRESET "$CLOSED"
}

@test "close-after-greeting: ECONNRESET" {
	fault close-after-greeting ECONNRESET "$CLOSED"
}

@test "garbage instead of a method reply: ECONNRESET, malformed" {
	fault garbage ECONNRESET "sent a malformed reply (wrong version byte in the method selection reply)"
}

@test "domain-0 (ATYP 3, length 0): ECONNRESET, malformed" {
	fault domain-0 ECONNRESET "sent a malformed reply (length field out of range in the reply)"
}

@test "bad-atyp (ATYP 9): ECONNRESET, malformed" {
	fault bad-atyp ECONNRESET "sent a malformed reply (unknown address type in the reply)"
}

@test "reset (RST after the greeting): ECONNRESET" {
	fault reset ECONNRESET "$CLOSED"
}

@test "reset-after-request (RST instead of the reply): ECONNRESET" {
	fault reset-after-request ECONNRESET "$CLOSED"
}

# -------------------------------------------------------------- deadlines

# silent_case SCENARIO [PROBE OPTIONS...]: ETIMEDOUT after -t 1, in < 5 s.
silent_case() {
	start_proxy "$1"
	sxp -t 1 -- "${DEST[@]}" "${@:2}"
	expect_error ETIMEDOUT "(connecting to 203.0.113.80:80)"
	# "1 s" (or "1.0 s", "1.000 s"): the deadline that was configured
	assert_regex "$stderr" 'did not answer within 1(\.0+)? s '
	[ "$ELAPSED_MS" -lt 5000 ] || fail "took ${ELAPSED_MS} ms with -t 1"
	[ "$ELAPSED_MS" -ge 900 ] || fail "gave up after ${ELAPSED_MS} ms, before the 1 s deadline"
}

@test "silent (no method reply): ETIMEDOUT within the deadline" {
	silent_case silent
}

@test "silent with a non-blocking connect: ETIMEDOUT within the deadline" {
	silent_case silent --nonblocking
}

@test "silent-after-method (no auth reply): ETIMEDOUT within the deadline" {
	silent_case silent-after-method
}

@test "silent-after-auth (no CONNECT reply): ETIMEDOUT within the deadline" {
	silent_case silent-after-auth
}

@test "silent under a signal flood: ETIMEDOUT at the deadline, never EINTR" {
	silent_case silent --signals --nonblocking
}

@test "backlog-full (the proxy never answers the TCP SYN): ETIMEDOUT" {
	silent_case backlog-full
}

@test "drip slower than the deadline: one deadline for the whole handshake" {
	# 14 reply bytes, 0.15 s apart: every read makes progress, the whole
	# handshake takes about 2.1 s, the deadline is 1 s
	silent_case drip
}

# ---------------------------------------------------- proxy down, no proxy

# ------------------------------------------------------- the UDP relay

# sxu [SOCKSIFY OPTIONS...] -- UDP_ONCE ARGS...: udp_once.py through the
# wrapper as alice, loopback proxied too (-d none): a datagram from any
# address but the relay's is then foreign, as on a real network.
sxu() {
	local opts=(-t 5 -d none)
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	timed "$SOCKSIFY" -p "socks5://alice@127.0.0.1:$PORT" --password-file "$PWFILE" \
		"${opts[@]}" -- "$PY" "$HELPERS/udp_once.py" "$@"
}

# udp_relay_delivers_only_echoes SCENARIO: three pings, three echoes from
# the destination, nothing else, no log line.
udp_relay_delivers_only_echoes() {
	start_proxy "$1"
	sxu -- 203.0.113.80 7 --count 3
	assert_success
	assert_equal "$output" "$(printf 'ECHO ping-%d FROM 203.0.113.80 7\n' 1 2 3)"
	assert_equal "$stderr" ""
	[ "$(recorded request cmd)" = 3 ] || fail "no UDP ASSOCIATE: $(cat "$REC")"
}

@test "udp-echo: datagrams go through the relay with the header and come back without it" {
	udp_relay_delivers_only_echoes udp-echo
	# the header on the wire: RSV 0, FRAG 0, ATYP 1, 203.0.113.80:7
	local want
	want="00000001cb0071500007$(printf ping-1 | od -An -tx1 | tr -d ' \n')"
	[ "$(jq -r 'select(.msg == "udp") | .hex' "$REC" | head -n 1)" = "$want" ] ||
		fail "header: $(cat "$REC")"
}

@test "udp-garbage: datagrams from the relay that are not RFC 1928 are dropped" {
	udp_relay_delivers_only_echoes udp-garbage
}

@test "udp-fragment: fragments (FRAG != 0) are dropped" {
	udp_relay_delivers_only_echoes udp-fragment
}

@test "udp-foreign: datagrams from an address that is not the relay are dropped" {
	udp_relay_delivers_only_echoes udp-foreign
}

@test "rep-7 to UDP ASSOCIATE: sendto fails at once, one line, nothing sent directly" {
	start_proxy rep-7
	sxu -- 203.0.113.80 7
	assert_failure
	assert_output --regexp '^ERR E[A-Z]+$'
	assert_one_stderr_line
	assert_regex "$stderr" 'UDP ASSOCIATE'
	(( ELAPSED_MS < 3000 )) || fail "took ${ELAPSED_MS} ms"
}

@test "proxy down (nobody listens): ECONNREFUSED at once, one attempt" {
	start_proxy no-listen
	local trace="$BATS_TEST_TMPDIR/strace.txt"
	timed strace -f -qq -e trace=connect -e signal=none -o "$trace" \
		"$SOCKSIFY" -p "socks5://alice@127.0.0.1:$PORT" --password-file "$PWFILE" -t 5 \
		-- "$PY" "$PROBE" "${DEST[@]}"
	expect_error ECONNREFUSED "cannot connect to proxy 127.0.0.1:$PORT: Connection refused"
	[ "$ELAPSED_MS" -lt 3000 ] || fail "took ${ELAPSED_MS} ms"
	# no retries: exactly one connect() to the proxy, none anywhere else
	run grep -c "htons($PORT)" "$trace"
	assert_output 1
	run grep -E 'connect\(.*(AF_INET|AF_INET6)' "$trace"
	assert_equal "${#lines[@]}" 1
}

@test "proxy down without strace: ECONNREFUSED in well under a second" {
	start_proxy no-listen
	sxp -- "${DEST[@]}" --nonblocking
	expect_error ECONNREFUSED "cannot connect to proxy 127.0.0.1:$PORT"
	[ "$ELAPSED_MS" -lt 2000 ] || fail "took ${ELAPSED_MS} ms"
}

@test "no proxy configured (library alone): ENETUNREACH, one line, no connect" {
	local empty="$BATS_TEST_TMPDIR/empty" trace="$BATS_TEST_TMPDIR/strace.txt"
	mkdir -p "$empty"
	timed strace -f -qq -e trace=connect -e signal=none -o "$trace" \
		env -u SOCKSIFY_PROXY HOME="$empty" XDG_CONFIG_HOME="$empty" \
		LD_PRELOAD="$LIBSOCKSIFY" "$PY" "$PROBE" "${DEST[@]}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR ENETUNREACH"
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
	assert_regex "$stderr" '^socksify: no proxy configured.*203\.0\.113\.80:80'
	# the kernel never saw a connect() to anything
	run grep -E 'connect\(.*(AF_INET|AF_INET6)' "$trace"
	assert_output ""
}

@test "no proxy configured (wrapper): exit 2, one line, command not run" {
	local marker="$BATS_TEST_TMPDIR/ran"
	timed "$SOCKSIFY" -- touch "$marker"
	assert_equal "$status" 2
	assert_regex "$stderr" '^socksify: no proxy configured'
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
	[ ! -e "$marker" ] || fail "the command ran without a proxy"
}

@test "IPv4 socket, IPv6-only proxy [::1]: ENETUNREACH, one line" {
	start_proxy ok --host ::1
	timed "$SOCKSIFY" -p "socks5://alice@[::1]:$PORT" --password-file "$PWFILE" -t 5 \
		-- "$PY" "$PROBE" "${DEST[@]}"
	expect_error ENETUNREACH "cannot reach proxy [::1]:$PORT from this socket" "[::1]:$PORT"
	assert_equal "$(jq -c 'select(.msg == "accept")' "$REC" | wc -l)" 0
}

@test "IPv6 socket through the IPv6 proxy [::1]: OK, ATYP 4" {
	start_proxy ok --host ::1
	timed "$SOCKSIFY" -p "socks5://alice@[::1]:$PORT" --password-file "$PWFILE" -t 5 \
		-- "$PY" "$PROBE" "${DEST6[@]}" --send hi --expect-prefix hi
	assert_success
	assert_equal "$(recorded request atyp)" 4
}

@test "AF_INET6 socket with IPV6_V6ONLY, unbound: reaches the IPv4 proxy" {
	start_proxy ok
	sxp -- "${DEST[@]}" --family 6 --v6only --send hi --expect-prefix hi
	assert_success
	assert_equal "$(recorded request atyp)" 1
}

@test "AF_INET6 socket with IPV6_V6ONLY, bound: ENETUNREACH, one line" {
	start_proxy ok
	sxp -- "${DEST[@]}" --family 6 --v6only --bind ::
	expect_error ENETUNREACH "an IPv6-only socket cannot reach an IPv4 proxy"
	assert_equal "$(jq -c 'select(.msg == "accept")' "$REC" | wc -l)" 0
}

@test "bad configuration (library alone): ENETUNREACH, the error, no password" {
	timed env SOCKSIFY_PROXY='socks5://alice:secret@127.0.0.1:99999' \
		LD_PRELOAD="$LIBSOCKSIFY" "$PY" "$PROBE" "${DEST[@]}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR ENETUNREACH"
	assert_no_password "$stderr"
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" '^socksify: SOCKSIFY_PROXY: bad port'
	assert_regex "${stderr_lines[1]}" '^socksify: configuration unusable.*203\.0\.113\.80:80'
}

@test "the proxy given by a name that resolves to ::1 first still serves IPv4 sockets" {
	# Debian's stock /etc/hosts names localhost ::1 and 127.0.0.1, and
	# getaddrinfo sorts ::1 first: socks5://localhost:1080 must still work
	# for AF_INET sockets. A private mount namespace shows such a hosts file.
	unshare -m true 2>/dev/null || skip "no mount namespaces here"
	local hosts="$BATS_TEST_TMPDIR/hosts"
	printf '::1 localhost\n127.0.0.1 localhost\n' >"$hosts"
	start_proxy ok
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner sh
	timed unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$hosts" \
		"$SOCKSIFY" -p "socks5://alice@localhost:$PORT" --password-file "$PWFILE" -t 5 \
		-- "$PY" "$PROBE" "${DEST[@]}" --send hi --expect-prefix hi
	assert_equal "$stderr" ""
	assert_success
}

# ------------------------------------------------------ secrets and logs

@test "-q -q (silent): the same errno, nothing on stderr" {
	start_proxy rep-5
	sxp -q -q -- "${DEST[@]}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR ECONNREFUSED"
	assert_equal "$stderr" ""
}

@test "a username with a newline still gives exactly one log line" {
	start_proxy auth-fail
	timed "$SOCKSIFY" -p "socks5://127.0.0.1:$PORT" -u $'al\nice' --password-file "$PWFILE" -t 5 \
		-- "$PY" "$PROBE" "${DEST[@]}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR EACCES"
	assert_equal "$(recorded auth user)" '"al\nice"'
	assert_one_stderr_line 'rejected username "al'
}

@test "-v -v: the password is never logged (success and auth failure)" {
	start_proxy ok
	sxp -v -v -- "${DEST[@]}"
	assert_success
	assert_no_password "$stderr" "$output"
	assert_regex "$stderr" "connected to 203\.0\.113\.80:80 through 127\.0\.0\.1:$PORT"
	kill "$FP_PID"; wait "$FP_PID" 2>/dev/null || true
	start_proxy auth-fail
	sxp -v -v -- "${DEST[@]}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR EACCES"
	assert_no_password "$stderr"
	assert_regex "$stderr" 'rejected username "alice"'
}

@test "-v -v with the password in the proxy URL: never logged" {
	start_proxy auth-fail
	timed "$SOCKSIFY" -v -v -t 5 -p "socks5://alice:secret@127.0.0.1:$PORT" \
		-- "$PY" "$PROBE" "${DEST[@]}"
	assert_equal "$status" 1
	assert_equal "$output" "ERR EACCES"
	assert_no_password "$stderr"
	assert_regex "$stderr" 'rejected username "alice"'
}

@test "SOCKSIFY_LOG_FILE at -v -v: lines go to the file with time and pid, no password" {
	local log="$BATS_TEST_TMPDIR/socksify.log"
	start_proxy ok
	SOCKSIFY_LOG_FILE="$log" sxp -v -v -- "${DEST[@]}"
	assert_success
	assert_equal "$stderr" ""
	kill "$FP_PID"; wait "$FP_PID" 2>/dev/null || true
	start_proxy auth-fail
	SOCKSIFY_LOG_FILE="$log" sxp -v -v -- "${DEST[@]}"
	assert_equal "$output" "ERR EACCES"
	assert_equal "$stderr" ""
	run cat "$log"
	assert_line --partial "connected to 203.0.113.80:80 through 127.0.0.1:"
	# -vv: the protocol steps
	assert_line --regexp ': fd [0-9]+: offered no authentication, username/password$'
	assert_line --regexp ': fd [0-9]+: the proxy chose username/password$'
	assert_line --regexp ': fd [0-9]+: sent username "alice" and the password \(RFC 1929\)$'
	assert_line --regexp ': fd [0-9]+: authentication accepted$'
	assert_line --regexp ': fd [0-9]+: sent CONNECT 203\.0\.113\.80:80$'
	assert_line --regexp ': fd [0-9]+: the proxy replied 0, bound to '
	assert_line --regexp "^$(date -u +%Y-%m-%d)T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z socksify\[[0-9]+\]: proxy 127\.0\.0\.1:$PORT rejected username \"alice\"\$"
	assert_no_password "$output"
}

@test "a bad proxy URL with a password: the error does not show it" {
	timed "$SOCKSIFY" -p "socks5://alice:secret@127.0.0.1:notaport" -- true
	assert_equal "$status" 2
	[ -n "$stderr" ]
	assert_no_password "$stderr"
}
