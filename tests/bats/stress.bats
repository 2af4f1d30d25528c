#!/usr/bin/env bats
# Concurrency through the socksify wrapper ($SOCKSIFY, default
# build/socksify): tests/stress/stress.c, run as nobody in the lab's client
# namespace through the no-auth danted, threads doing at the same time TCP
# echoes by name (placeholders) and by IP literal, name lookups
# (getaddrinfo/getnameinfo of many distinct names) and UDP echoes checked
# datagram by datagram (content and reported source). `make stress` runs the
# same program at 64 x 200, with the library and with a ThreadSanitizer
# build of it. After every test the client's leak counters are 0.

load lab_suite

setup_file() {
	lab_suite_up
	cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o "$NOBODY_DIR/stress" \
		"$REPO/tests/stress/stress.c" ||
		lab_fail "cannot build tests/stress/stress.c" || return 1
	chmod 755 "$NOBODY_DIR/stress"
}

# sx_stress ARGS...: the stress program as nobody through the no-auth danted.
sx_stress() {
	in_client timeout 120 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" \
		"$NOBODY_DIR/socksify" -p "socks5://$PROXY4:$NOAUTH_PORT" -- "$NOBODY_DIR/stress" "$@"
}

# field NAME: the value of NAME=... in the summary line of $output.
field() {
	local line
	line=$(grep '^stress: threads=' <<<"$output" | tail -n1)
	[ -n "$line" ] || fail "no summary line in: $output"
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"
}

# clean_run: exit 0, failures=0, and each kind complete (OK/TRIED equal).
clean_run() {
	assert_success
	[ "$(field failures)" = 0 ] || fail "failures: $(grep '^stress: ' <<<"$output" | head -n 20)"
	local k v
	for k in tcp dns udp; do
		v=$(field "$k")
		[ "${v%/*}" = "${v#*/}" ] || fail "$k: only $v succeeded"
	done
}

@test "8 threads x 50 connections by name and by IP, with resolver and UDP threads: no failure" {
	run --separate-stderr sx_stress -t 8 -c 50
	clean_run
	[ "$(field tcp)" = 400/400 ] || fail "tcp: $(field tcp)"
	[ "$(field tcp_by_name)" = 200 ] && [ "$(field tcp_by_ip)" = 200 ] ||
		fail "by name $(field tcp_by_name), by IP $(field tcp_by_ip)"
	[ "$(field dns)" = 100/100 ] || fail "dns: $(field dns)"
	[ "$(field udp)" = 100/100 ] || fail "udp: $(field udp)"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

@test "SIGALRM every millisecond: every proxied connect completes (EINTR is the library's)" {
	run --separate-stderr sx_stress -s -k tcp -t 4 -c 500
	clean_run
	[ "$(field tcp)" = 2000/2000 ] || fail "tcp: $(field tcp)"
	# the alarm really fired throughout (about one per millisecond), and
	# interrupted the workers' blocking calls (the reads the program retries)
	[ "$(field signals)" -ge 200 ] || fail "only $(field signals) signals: $output"
	[ "$(field eintr)" -ge 1 ] || fail "no read was interrupted: $output"
}

@test "SIGALRM every millisecond: UDP sendto (association included) and recvfrom complete" {
	run --separate-stderr sx_stress -s -k udp -u 4 -c 1000
	clean_run
	# 400 associations (a fresh socket every 10 datagrams)
	[ "$(field udp)" = 4000/4000 ] || fail "udp: $(field udp)"
	[ "$(field signals)" -ge 200 ] || fail "only $(field signals) signals: $output"
	[ "$(field eintr)" -ge 1 ] || fail "no recvfrom was interrupted: $output"
}

@test "ThreadSanitizer build of the library, 4 x 20 with 8 UDP threads racing at start: no report" {
	local libtsan dir=$BATS_FILE_TMPDIR/tsan
	libtsan=$(cc -print-file-name=libtsan.so)
	[ -f "$libtsan" ] || skip "no ThreadSanitizer runtime (libtsan.so) for cc"
	# the library from the same sources, instrumented; its own build directory
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" --no-print-directory \
		B="$dir" OPT='-fsanitize=thread -O1 -g' WERROR= "$dir/libsocksify.so" ||
		fail "cannot build the library with -fsanitize=thread"
	install -m 644 "$dir/libsocksify.so" "$NOBODY_DIR/libsocksify-tsan.so"
	# the runtime first, for the stress program only
	run --separate-stderr in_client timeout 120 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" \
		LD_PRELOAD="$libtsan:$NOBODY_DIR/libsocksify-tsan.so" \
		SOCKSIFY_PROXY="socks5://$PROXY4:$NOAUTH_PORT" TSAN_OPTIONS="second_deadlock_stack=1" \
		"$NOBODY_DIR/stress" -t 4 -c 20 -u 8
	if grep -q 'WARNING: ThreadSanitizer' <<<"$stderr"; then
		fail "ThreadSanitizer: $(grep '^SUMMARY: ThreadSanitizer' <<<"$stderr" | sort | uniq -c)
$stderr"
	fi
	clean_run
	[ "$(field udp)" = 160/160 ] || fail "udp: $(field udp)"
}
