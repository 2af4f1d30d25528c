#!/usr/bin/env bats
# Limits (issue 8, item 6): sockets whose fd numbers are above 1023 (no
# select anywhere: FD_SETSIZE is 1024), fd exhaustion in the middle of what
# the library must open for a call (EMFILE, at once, one line: no crash, no
# hang, no direct packet), and many sequential connections and UDP
# associations from one process with no fd leak and no memory growth.
#
# Clients run in the lab's client namespace as nobody, through danted with
# username/password or, for the volume tests, the no-auth danted. The C
# helpers (tests/helpers/fd_limits.c, conn_loop.c, with sxtest.h) are built
# once into NOBODY_DIR. After every test the client's leak counters are 0.
# The whole suite takes well under a minute on the lab.

load lab_suite

HELPER_DIR="$REPO/tests/helpers"

setup_file() {
	lab_suite_up
	local h
	for h in fd_limits conn_loop; do
		cc -O2 -Wall -pthread -I"$HELPER_DIR" -o "$NOBODY_DIR/$h" "$HELPER_DIR/$h.c" ||
			lab_fail "cannot build tests/helpers/$h.c" || return 1
		chmod 755 "$NOBODY_DIR/$h"
	done
}

# nobody_sx PORT CMD...: CMD in the client namespace as nobody, through the
# lab's danted on PORT ($AUTH_PORT: username and password; $NOAUTH_PORT:
# none), with RLIMIT_NOFILE $NOFILE (soft:hard, default 1024:4096: the
# helpers raise the soft limit themselves), bounded by $LIMIT_TIMEOUT s.
nobody_sx() {
	local port=$1 auth=()
	shift
	[ "$port" != "$AUTH_PORT" ] || auth=(-u "$LAB_USER" --password-file "$NOBODY_DIR/password")
	in_client prlimit --nofile="${NOFILE:-1024:4096}" timeout "${LIMIT_TIMEOUT:-60}" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" \
		"$NOBODY_DIR/socksify" -p "socks5://$PROXY4:$port" "${auth[@]}" -- "$@"
}

# one_line REGEX: $stderr (of run --separate-stderr) is exactly one
# "socksify: " line, matching the extended REGEX.
one_line() {
	# shellcheck disable=SC2154 # set by run --separate-stderr
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "expected exactly one stderr line, got: $stderr"
	[[ "$stderr" == "socksify: "* ]] || fail "not a socksify line: $stderr"
	grep -qE -- "$1" <<<"$stderr" || fail "the line does not match /$1/: $stderr"
}

# field WHICH KEY: the number after KEY= on the line of $output starting with WHICH.
field() {
	sed -n "s/^$1 .*$2=\([0-9-]*\).*/\1/p" <<<"$output"
}

# noauth_count REGEX: lines of the no-auth danted's log matching REGEX.
noauth_count() {
	grep -cE -- "$1" "$DANTE_NOAUTH_LOG" || true
}

# assert_noauth_more BEFORE N REGEX: N more lines match than BEFORE (danted
# may log a moment after the client is done: 5 s at most).
assert_noauth_more() {
	local before=$1 want=$2 re=$3 now _
	for _ in $(seq 100); do
		now=$(noauth_count "$re")
		[ "$now" -ge $((before + want)) ] && break
		sleep 0.05
	done
	[ "$now" -eq $((before + want)) ] ||
		fail "expected $want new lines /$re/ in danted's log, got $((now - before))"
}

CONNECT_RE='tcp/connect \[: 198\.51\.100\.2\.[0-9]+ '
ASSOC_RE='udp/udpassociate \[: '

# ----------------------------------------------------------- high fd numbers --

@test "fds above 1023 (ulimit -n 4096, 1100 fds open): TCP and UDP echo by name, also on fds 4000 and 4001" {
	run --separate-stderr nobody_sx "$AUTH_PORT" "$NOBODY_DIR/fd_limits" high \
		"$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT" 1100
	assert_success
	assert_line --regexp '^opened 1100 highest (1[1-9][0-9]{2})$'
	local fd
	fd=$(sed -n 's/^tcp-fd //p' <<<"$output")
	[ "$fd" -gt 1023 ] || fail "the TCP socket is fd $fd, not above 1023"
	fd=$(sed -n 's/^udp-fd //p' <<<"$output")
	[ "$fd" -gt 1023 ] || fail "the UDP socket is fd $fd, not above 1023"
	assert_line "tcp ok"
	assert_line "tcp-dup ok"
	assert_line "tcp-dup-peer ok"
	assert_line "udp ok"
	assert_line "udp-high ok"
	assert_line "udp-high-again ok"
	assert_line "fds-back True"
	assert_equal "$stderr" ""
}

# ------------------------------------------------------------ fd exhaustion --

# The precise trigger: everything the library loads once is loaded (a first
# echo), then the table is filled until exactly one fd is free, a UDP socket
# takes it, and its first sendto by name needs one more fd for the
# association's control connection to the proxy.
@test "fd exhaustion: the association's control connection gets no fd: sendto fails with EMFILE at once, one line; then it works" {
	run --separate-stderr nobody_sx "$AUTH_PORT" "$NOBODY_DIR/fd_limits" emfile-udp "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "warm ok"
	assert_line "full True"
	assert_line "sendto EMFILE"
	assert_line "fast True"
	assert_line "after ok"
	assert_line "fds-back True"
	one_line "^socksify: cannot connect to proxy $PROXY4:$AUTH_PORT: Too many open files\$"
	# the same through the no-auth danted
	run --separate-stderr nobody_sx "$NOAUTH_PORT" "$NOBODY_DIR/fd_limits" emfile-udp "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "sendto EMFILE"
	assert_line "after ok"
	assert_line "fds-back True"
	one_line "Too many open files"
}

# A TCP connect reuses the application's own socket: with no credentials to
# read it needs no other fd, even as the process's very first network call.
@test "fd exhaustion: a first connect on the last free fd through the no-auth danted needs no other fd" {
	run --separate-stderr nobody_sx "$NOAUTH_PORT" "$NOBODY_DIR/fd_limits" emfile-tcp "$WORLD4" "$ECHO_PORT"
	assert_success
	assert_line "connect ok"
	assert_line "fast True"
	assert_line "after ok"
	assert_equal "$stderr" ""
}

# With username/password the first connect must open the password file
# (the configuration is loaded lazily, DESIGN.md "The fast path"): with the
# last fd taken by the socket, the call cannot get one. It must fail like
# any call that needs an fd (EMFILE, one line), and the process must work
# once fds are free again: a transient EMFILE is no configuration error.
@test "fd exhaustion: a first connect that must read the password file gets EMFILE, and the process recovers" {
	run --separate-stderr nobody_sx "$AUTH_PORT" "$NOBODY_DIR/fd_limits" emfile-tcp "$WORLD4" "$ECHO_PORT"
	assert_line "fast True"
	grep -qx "connect EMFILE" <<<"$output" && grep -qx "after ok" <<<"$output" ||
		fail "client: $(tr '\n' ' ' <<<"$output"); stderr: $stderr"
	assert_success
	one_line "Too many open files"
}

# The library answers DNS queries sent to resolv.conf's nameservers; which
# addresses those are it reads from resolv.conf, which takes an fd. A first
# query made with no fd free cannot be answered (EMFILE, or no answer), but
# once fds are free the query must be answered by the library like any
# other -- not relayed through the proxy to the nameserver's address.
@test "fd exhaustion at the first DNS query to resolv.conf's 198.51.100.53: with fds back it is answered, never relayed" {
	local before
	before=$(noauth_count "198\.51\.100\.53\.53")
	run --separate-stderr nobody_sx "$NOAUTH_PORT" "$NOBODY_DIR/fd_limits" emfile-dns "$WWW_NAME" "$CLIENT_DNS4"
	sleep 0.2
	[ "$(noauth_count "198\.51\.100\.53\.53")" -eq "$before" ] ||
		fail "a query for $CLIENT_DNS4:53 went to the proxy (client output: $(tr '\n' ' ' <<<"$output")); danted: $(grep -E '198\.51\.100\.53\.53' "$DANTE_NOAUTH_LOG" | tail -1)"
	assert_line --regexp '^query (EMFILE|sent)$'
	assert_line "fast True"
	assert_line --regexp '^after-dns ok 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^after-dns-new ok 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_success
}

# The loopback stub is recognised without reading anything; the answer is
# sent from a socket of the library's own, which cannot be made while no fd
# is free: that query goes unanswered (as a lost datagram would), one line.
@test "fd exhaustion at a DNS query to the loopback stub: unanswered, one line; then answered" {
	run --separate-stderr nobody_sx "$NOAUTH_PORT" "$NOBODY_DIR/fd_limits" emfile-dns "$WWW_NAME" "$CLIENT_DNS_STUB"
	assert_success
	assert_line --regexp '^query (EMFILE|sent)$'
	refute_line "answered True"
	assert_line "fast True"
	assert_line --regexp '^after-dns ok 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^after-dns-new ok 198\.1[89]\.[0-9]+\.[0-9]+$'
	one_line "Too many open files"
}

# ------------------------------------------------------------------ volume --

# volume KIND PORT WARMUP ROUNDS LOG_RE: conn_loop as nobody through the
# no-auth danted. Every round succeeds; as many fds are open after as
# before; VmRSS after the rounds may exceed the value after the warm-up by
# less than 1 MiB (page-granular noise, malloc's arenas); and the proxy
# logged every round, warm-up included, as one of its own.
volume() {
	local kind=$1 port=$2 warmup=$3 rounds=$4 re=$5 before fds0 fds1 rss0 rss1
	before=$(noauth_count "$re")
	LIMIT_TIMEOUT=90 run --separate-stderr nobody_sx "$NOAUTH_PORT" "$NOBODY_DIR/conn_loop" "$kind" \
		"$ECHO_NAME" "$port" "$warmup" "$rounds"
	echo "# $kind: $(grep -E '^(before|after|rounds)' <<<"$output" | tr '\n' ' ')" >&3
	assert_success
	assert_line --regexp "^rounds $rounds failures 0 ms [0-9]+\$"
	fds0=$(field before fds)
	fds1=$(field after fds)
	rss0=$(field before rss)
	rss1=$(field after rss)
	[ "$fds0" -gt 0 ] && [ "$fds1" -eq "$fds0" ] || fail "open fds: $fds0 before, $fds1 after"
	[ $((rss1 - rss0)) -lt 1024 ] || fail "VmRSS grew by $((rss1 - rss0)) KiB ($rss0 -> $rss1)"
	assert_equal "$stderr" ""
	assert_noauth_more "$before" $((warmup + rounds)) "$re"
}

@test "10 000 sequential TCP connections by name through the no-auth danted: no failure, no fd leak, RSS growth < 1 MiB" {
	volume tcp "$ECHO_PORT" 300 10000 "$CONNECT_RE"
}

@test "2 000 sequential UDP associations (socket, sendto by name, recv, close): no failure, no fd leak, RSS growth < 1 MiB" {
	volume udp "$UDP_ECHO_PORT" 100 2000 "$ASSOC_RE"
}
