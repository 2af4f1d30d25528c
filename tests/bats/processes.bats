#!/usr/bin/env bats
# Processes (issue 8, item 5): programs that fork without exec, fork from a
# thread, run shells and pipelines, pre-fork workers, posix_spawn children,
# close every fd (closefrom, close_range, CLOSE_RANGE_CLOEXEC), daemonize
# like ssh, or are setuid, keep working through socksify -- or, for the
# setuid one, are not preloaded and the wrapper says so.
#
# Clients run in the lab's client namespace as nobody (sx_nobody: danted
# with username/password), from copies in NOBODY_DIR; the C helpers
# (tests/helpers/*.c, sharing tests/helpers/sxtest.h) are built there once.
# Every wait in a helper is bounded, and every helper runs under timeout(1):
# a deadlock is a failure, not a hang. After every test the client's leak
# counters are 0 (the setuid test resets them after asserting its own leak).

# $stderr comes from bats' run --separate-stderr.
# shellcheck disable=SC2154

load lab_suite

HELPER_DIR="$REPO/tests/helpers"
# the default IPv4 placeholder range (DESIGN.md, "Fake DNS")
FAKE4_RE='198\.1[89]\.[0-9]{1,3}\.[0-9]{1,3}'
# a new association in danted's log (the line at its start)
ASSOC_RE='udp/udpassociate \[: username%[^@]+@'
DROPS="and the loader drops LD_PRELOAD"

setup_file() {
	lab_suite_up
	local h
	for h in fork_echo fork_threads prefork spawn_child closeall suid_client; do
		cc -O2 -Wall -pthread -I"$HELPER_DIR" -o "$NOBODY_DIR/$h" "$HELPER_DIR/$h.c" ||
			lab_fail "cannot build tests/helpers/$h.c" || return 1
		chmod 755 "$NOBODY_DIR/$h"
	done
}

setup() {
	reset_leaks
}

teardown() {
	# what a test started or mounted, by PID and by path
	if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	if [ -n "${SUID_DIR:-}" ]; then
		! mountpoint -q "$SUID_DIR" || umount "$SUID_DIR"
		case "$SUID_DIR" in /tmp/socksify-suid.*) rm -rf -- "$SUID_DIR" ;; esac
	fi
	assert_no_leaks_at_all
}

# assoc_count: associations danted (username) has logged so far.
assoc_count() {
	grep -cE -- "$ASSOC_RE" "$DANTE_LOG" || true
}

# assert_new_assocs BEFORE N: exactly N associations were logged since
# BEFORE (danted may log a moment after the client is done).
assert_new_assocs() {
	local before=$1 want=$2 now _
	for _ in $(seq 60); do
		now=$(assoc_count)
		[ "$now" -ge $((before + want)) ] && break
		sleep 0.05
	done
	sleep 0.1
	now=$(assoc_count)
	[ "$now" -eq $((before + want)) ] ||
		fail "expected $want new association(s) in danted's log, got $((now - before))"
}

# ------------------------------------------------------ fork without exec --

@test "fork without exec: the parent resolves, the child echoes (TCP, UDP) to the parent's placeholder" {
	run --separate-stderr sx_nobody "$NOBODY_DIR/fork_echo" parent-resolves \
		"$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT"
	assert_success
	assert_line --regexp "^placeholder $FAKE4_RE\$"
	assert_line "child-name $ECHO_NAME"
	assert_line "child-tcp ok"
	assert_line "child-udp ok"
	assert_line "child-exit 0"
	assert_line "parent-tcp ok"
	assert_line "parent-udp ok"
	assert_line "same True"
	assert_equal "$stderr" ""
}

@test "fork without exec: the child resolves, the parent echoes (TCP, UDP) to the child's placeholder" {
	run --separate-stderr sx_nobody "$NOBODY_DIR/fork_echo" child-resolves \
		"$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT"
	assert_success
	assert_line --regexp "^placeholder $FAKE4_RE\$"
	assert_line "child-exit 0"
	assert_line "parent-name $ECHO_NAME"
	assert_line "parent-tcp ok"
	assert_line "parent-udp ok"
	assert_line "same True"
	assert_equal "$stderr" ""
}

# The first fork happens at once, while the threads may still be loading the
# configuration; each child resolves a fresh name and echoes over TCP and
# UDP without exec. A child stuck on a lock held by a thread it does not
# have would be killed after 15 s and counted as hung.
@test "fork from a thread while 4 threads connect and resolve: 100 children echo, none hangs" {
	run --separate-stderr sx_nobody "$NOBODY_DIR/fork_threads" \
		"$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT" 4 100
	assert_success
	assert_line "forks 100 ok 100 failed 0 hung 0"
	assert_line --regexp '^thread-rounds [1-9][0-9]* failures 0$'
	assert_equal "$stderr" ""
}

# --------------------------------------------------------- shells, pipes --

@test "bash -c: a chain of curl by name, in sequence, in a pipeline and in the background" {
	# shellcheck disable=SC2016 # expanded by that bash
	run --separate-stderr sx_nobody bash -c '
		set -e -o pipefail
		page=$(curl -q -sS --max-time 10 "http://$1/")
		[[ $page == *"$2"* ]] && echo "first marker"
		curl -q -sS --max-time 10 -o /dev/null -w "second %{http_code}\n" "http://$1/"
		curl -q -sS --max-time 10 "http://$1/big.bin" | sha256sum | cut -d" " -f1
		( curl -q -sS --max-time 10 "http://$1/" | grep -c -- "$2" | sed "s/^/background /" ) &
		wait $!
		echo done' bash "$WWW_NAME" "$MARKER"
	assert_success
	assert_line "first marker"
	assert_line "second 200"
	assert_line "$BIGFILE_SHA256"
	assert_line "background 1"
	assert_line "done"
	assert_equal "$stderr" ""
}

@test "sh -c pipelines: curl by name | grep, and curl by name | ncat by name to the echo | grep" {
	# shellcheck disable=SC2016 # expanded by that sh
	run --separate-stderr sx_nobody sh -c '
		curl -q -sS --max-time 10 "http://$1/" | grep -o -- "$2"
		curl -q -sS --max-time 10 "http://$1/" | ncat "$3" "$4" | grep -c -- "$2"' \
		sh "$WWW_NAME" "$MARKER" "$ECHO_NAME" "$ECHO_PORT"
	assert_success
	assert_line --index 0 "$MARKER"
	assert_line --index 1 "1"
	assert_equal "$stderr" ""
}

# DESIGN.md: the table is shared by a process tree until exec. A placeholder
# one program printed means nothing to another program the shell execs
# later: the connect is refused with one line, never sent anywhere.
@test "a placeholder printed by getent and given to curl (another exec) fails closed, one line" {
	# shellcheck disable=SC2016 # expanded by that sh
	run --separate-stderr sx_nobody sh -c '
		ip=$(getent ahostsv4 "$1" | head -n1 | cut -d" " -f1)
		echo "ip $ip"
		curl -q -s --max-time 10 "http://$ip/"
		echo "curl $?"' sh "$WWW_NAME"
	assert_success
	assert_line --regexp "^ip $FAKE4_RE\$"
	assert_line "curl 7"
	refute_output --partial "$MARKER"
	[ "$(grep -c '^socksify: ' <<<"$stderr")" -eq 1 ] || fail "expected one line, got: $stderr"
	[[ "$stderr" == *"placeholder this process tree never handed out"* ]] || fail "$stderr"
}

# --------------------------------------------------------- pre-fork server --

@test "pre-forking server: parent resolves and associates, 4 workers connect by name and use the inherited UDP socket" {
	local before
	before=$(assoc_count)
	run --separate-stderr sx_nobody "$NOBODY_DIR/prefork" "$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT" 4
	assert_success
	assert_line "parent-udp ok"
	local i
	for i in 0 1 2 3; do
		assert_line "w$i same True"
		assert_line "w$i tcp ok"
		# each worker got one echo; together, every worker's datagram came back
		assert_line --regexp "^w$i got worker [0-3]\$"
		assert_line --regexp "^w[0-3] got worker $i\$"
	done
	assert_line "workers 4 ok 4"
	assert_line "parent-after ok"
	assert_equal "$stderr" ""
	# the workers used the parent's association, they did not open their own
	assert_new_assocs "$before" 1
}

# ------------------------------------------------------------ posix_spawn --

@test "posix_spawn (closefrom file action): the child is socksified too and reaches the world by name" {
	run --separate-stderr sx_nobody "$NOBODY_DIR/spawn_child" parent "$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT"
	assert_success
	assert_line "parent-preloaded True"
	assert_line "parent-tcp ok"
	assert_line "child-preloaded True"
	assert_line "child-ld-preload True"
	assert_line "child-tcp ok"
	assert_line "child-udp ok"
	assert_line "child-exit 0"
	assert_line "held ok"
	assert_equal "$stderr" ""
	# posix_spawnp of a program from PATH: curl by name
	run --separate-stderr sx_nobody "$NOBODY_DIR/spawn_child" exec \
		curl -q -sS --max-time 10 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	assert_line "exit 0"
	assert_equal "$stderr" ""
}

# Python's subprocess forks (vfork) and calls close_range in the child
# before exec: the hooks run there and must not break the exec'd curl.
@test "python subprocess (close_fds: close_range in the child) runs a socksified curl by name" {
	run --separate-stderr sx_nobody "$PYTHON" -c '
import subprocess, sys
r = subprocess.run(["curl", "-q", "-sS", "--max-time", "10", "http://%s/" % sys.argv[1]],
                   capture_output=True, close_fds=True, timeout=20)
print("rc", r.returncode, sys.argv[2] in r.stdout.decode())
p = subprocess.run([sys.executable, "-c", "import socket,sys; s=socket.create_connection((sys.argv[1], 7), timeout=10); s.sendall(b\"sub\\n\"); print(s.recv(10).decode().strip())", sys.argv[3]],
                   capture_output=True, timeout=20)
print("echo", p.returncode, p.stdout.decode().strip())' "$WWW_NAME" "$MARKER" "$ECHO_NAME"
	assert_success
	assert_line "rc 0 True"
	assert_line "echo 0 sub"
	assert_equal "$stderr" ""
}

# ------------------------------------------------------- closing every fd --

# closeall: a UDP association, a kept TCP connection and a DNS query to the
# client's nameserver (answered by the library) before; the close; then a
# UDP echo by name, a TCP echo by name and the DNS query again.
# closeall MODE runs it in that mode, as nobody, and checks all that.
closeall() {
	run --separate-stderr sx_nobody "$NOBODY_DIR/closeall" "$1" \
		"$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT" "$CLIENT_DNS4"
	assert_success
	assert_line "before-udp ok"
	assert_line "before-tcp ok"
	assert_line --regexp "^before-dns ok $FAKE4_RE\$"
	assert_line "after-udp ok"
	assert_line "after-udp-again ok"
	assert_line "after-tcp ok"
	assert_line --regexp "^after-dns ok $FAKE4_RE\$"
	assert_equal "$stderr" ""
}

@test "closefrom(3) after a UDP association: a new socket's send opens a new association; TCP and DNS work" {
	local before
	before=$(assoc_count)
	closeall closefrom
	assert_line "closed True"
	assert_new_assocs "$before" 2
}

@test "close_range(3, ~0U, 0) after a UDP association: a new association opens; TCP and DNS work" {
	local before
	before=$(assoc_count)
	closeall close_range
	assert_line "closed True"
	assert_new_assocs "$before" 2
}

@test "close_range(CLOSE_RANGE_CLOEXEC) after a UDP association: the same association and connection go on" {
	local before
	before=$(assoc_count)
	closeall cloexec
	assert_line "cloexec True"
	assert_line "after-held ok"
	assert_new_assocs "$before" 1
}

# The socket stays, the library's control connection above it is closed:
# the next send must notice and associate again (or, if the library keeps
# its own fds out of the range, go on with the old one).
@test "closefrom above the UDP socket (its control connection closed behind the library): the next send works" {
	closeall keep-closefrom
	assert_line "kept True"
}

@test "a forked child of a threaded parent does closefrom(3) / close_range, then connects, associates and resolves" {
	local mode
	for mode in fork-closefrom fork-close_range; do
		closeall "$mode"
		assert_line "closed True"
		assert_line "child-exit 0"
		assert_line --regexp '^threads rounds [1-9][0-9]* failures 0$'
		# the child's close did not end the parent's association or connection
		assert_line "parent-udp ok"
		assert_line "parent-held ok"
	done
}

@test "ssh-style daemon (fork, setsid, fork, closefrom(0), /dev/null on 0-2) connects, associates and resolves" {
	local out="$NOBODY_DIR/daemon-$BATS_TEST_NUMBER.out" _
	install -m 644 -o nobody -g nogroup /dev/null "$out"
	run --separate-stderr sx_nobody "$NOBODY_DIR/closeall" daemon \
		"$ECHO_NAME" "$ECHO_PORT" "$UDP_ECHO_PORT" "$CLIENT_DNS4" "$out"
	assert_success
	assert_line "before-udp ok"
	assert_line "before-tcp ok"
	for _ in $(seq 300); do
		grep -q '^done ' "$out" && break
		sleep 0.05
	done
	DAEMON_PID=$(sed -n 's/^daemon-pid //p' "$out")
	run cat "$out"
	assert_line --regexp '^daemon-pid [0-9]+$'
	assert_line "daemon-new-session True"
	assert_line "closed True"
	assert_line "after-udp ok"
	assert_line "after-udp-again ok"
	assert_line "after-tcp ok"
	assert_line --regexp "^after-dns ok $FAKE4_RE\$"
	assert_line "done 0"
	rm -f "$out"
}

# ------------------------------------------------------------------ setuid --

# detect.bats covers the detection itself; here one real network call: the
# loader drops LD_PRELOAD, so the program's connect is a direct one, which
# the lab's nftables chain rejects and counts.
@test "a setuid-root client run by nobody: the wrapper says it will not be proxied; its connect goes direct (blocked, counted)" {
	SUID_DIR=$(mktemp -d /tmp/socksify-suid.XXXXXX)
	chmod 755 "$SUID_DIR"
	if findmnt -n -o OPTIONS -T "$SUID_DIR" | tr , '\n' | grep -qx nosuid; then
		mount -t tmpfs -o mode=0755,suid socksify-suid "$SUID_DIR"
	fi
	install -m 4755 -o root -g root "$NOBODY_DIR/suid_client" "$SUID_DIR/suid_client"
	run --separate-stderr sx_nobody "$SUID_DIR/suid_client" "$WORLD4" "$ECHO_PORT"
	assert_failure 1
	assert_line "preloaded False euid=0"
	assert_line --regexp '^connect E(CONNREFUSED|HOSTUNREACH|NETUNREACH|ACCES|PERM)$'
	assert_equal "$stderr" "socksify: $SUID_DIR/suid_client will not be proxied: it is setuid root $DROPS"
	local n
	n=$(leaks)
	[ "$n" -gt 0 ] || fail "the direct connect was not counted by the leak counter"
	reset_leaks
}
