#!/usr/bin/env bats
# TCP through the socksify wrapper ($SOCKSIFY, default build/socksify): real
# programs in the lab's client namespace, through danted with username and
# password (read from a file, never on the command line). Every test checks
# the bytes that arrived and that nothing left the client except to the proxy.

load lab

setup_file() {
	require_socksify
	lab_up
	# no user or system socksify.conf may change what the tests see
	export XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/xdg"
	mkdir -p "$XDG_CONFIG_HOME"
	[ ! -e /etc/socksify.conf ] ||
		echo "# warning: /etc/socksify.conf exists and may affect these tests" >&3
}

teardown_file() {
	lab_down
}

setup() {
	reset_leaks
}

# the python TCP clients (see helpers/netclient.py)
NETCLIENT=(timeout 20 "$PYTHON" "$HELPERS/netclient.py")

@test "curl gets the marker from the IPv4 world" {
	run sx curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "curl gets the marker from the IPv6 world" {
	run sx curl -q -sS --max-time 10 "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "curl downloads the 1 MiB file intact" {
	local out="$BATS_TEST_TMPDIR/big.bin"
	run sx curl -q -sS --max-time 10 -o "$out" "http://$WORLD4/big.bin"
	assert_success
	assert_equal "$(stat -c %s "$out")" 1048576
	assert_equal "$(sha256sum "$out" | cut -d' ' -f1)" "$BIGFILE_SHA256"
	assert_no_leaks
}

@test "curl downloads the 1 MiB file intact over IPv6" {
	local out="$BATS_TEST_TMPDIR/big6.bin"
	run sx curl -q -sS --max-time 10 -o "$out" "http://[$WORLD6]/big.bin"
	assert_success
	assert_equal "$(sha256sum "$out" | cut -d' ' -f1)" "$BIGFILE_SHA256"
	assert_no_leaks
}

@test "wget -qO- gets the marker over IPv4 and IPv6" {
	run sx wget --no-config -qO- --timeout=10 --tries=1 "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	run sx wget --no-config -qO- --timeout=10 --tries=1 "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "python blocking socket: echo over AF_INET" {
	run sx "${NETCLIENT[@]}" echo "$WORLD4" "$ECHO_PORT" --family 4
	assert_success
	assert_line "ok 65536"
	assert_no_leaks
}

@test "python blocking socket: echo over AF_INET6" {
	run sx "${NETCLIENT[@]}" echo "$WORLD6" "$ECHO_PORT" --family 6
	assert_success
	assert_line "ok 65536"
	assert_no_leaks
}

@test "python AF_INET6 socket to the v4-mapped ::ffff:203.0.113.10" {
	run sx "${NETCLIENT[@]}" echo "::ffff:$WORLD4" "$ECHO_PORT" --family 6
	assert_success
	assert_line "ok 65536"
	run sx "${NETCLIENT[@]}" peer "::ffff:$WORLD4" "$ECHO_PORT" --family 6
	assert_success
	assert_line "::ffff:$WORLD4 $ECHO_PORT"
	assert_no_leaks
}

@test "python asyncio open_connection (non-blocking connect) echoes, both families" {
	run sx "${NETCLIENT[@]}" aecho "$WORLD4" "$ECHO_PORT"
	assert_success
	assert_line "ok 65536"
	run sx "${NETCLIENT[@]}" aecho "$WORLD6" "$ECHO_PORT"
	assert_success
	assert_line "ok 65536"
	assert_no_leaks
}

@test "python raw non-blocking connect (EINPROGRESS, select, SO_ERROR) echoes" {
	run sx "${NETCLIENT[@]}" nbecho "$WORLD4" "$ECHO_PORT" --family 4
	assert_success
	assert_line "ok 65536"
	run sx "${NETCLIENT[@]}" nbecho "$WORLD6" "$ECHO_PORT" --family 6
	assert_success
	assert_line "ok 65536"
	assert_no_leaks
}

@test "getpeername() after connect reports the original destination, not the proxy" {
	run sx "${NETCLIENT[@]}" peer "$WORLD4" "$ECHO_PORT" --family 4
	assert_success
	assert_line "$WORLD4 $ECHO_PORT"
	refute_output --partial "$PROXY4"
	run sx "${NETCLIENT[@]}" peer "$WORLD6" "$ECHO_PORT" --family 6
	assert_success
	assert_line "$WORLD6 $ECHO_PORT"
	assert_no_leaks
}

@test "TCP Fast Open (sendto MSG_FASTOPEN) goes through the proxy, not direct" {
	run sx timeout 20 "$PYTHON" -c '
import socket, sys
s = socket.socket()
s.sendto(b"fastopen\n", socket.MSG_FASTOPEN, (sys.argv[1], int(sys.argv[2])))
print(s.recv(100).decode().strip(), s.getpeername()[0])
' "$WORLD4" "$ECHO_PORT"
	assert_success
	assert_output "fastopen $WORLD4"
	assert_no_leaks
}

@test "proxy reached over IPv6 with an IPv4 destination, from an AF_INET6 socket" {
	run sxw -p "socks5://[$PROXY6]:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- \
		"${NETCLIENT[@]}" echo "::ffff:$WORLD4" "$ECHO_PORT" --family 6
	assert_success
	assert_line "ok 65536"
	assert_no_leaks
}

# DESIGN.md: an AF_INET socket cannot meet an IPv6-only proxy; it fails
# closed with ENETUNREACH and one line, and never goes direct.
@test "an AF_INET socket and an IPv6-only proxy: ENETUNREACH, one line, no leak" {
	run --separate-stderr sxw -p "socks5://[$PROXY6]:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- \
		"${NETCLIENT[@]}" echo "$WORLD4" "$ECHO_PORT" --family 4
	assert_failure
	assert_output --partial "ENETUNREACH"
	[ "$(grep -c '^socksify: ' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"cannot reach proxy [$PROXY6]:$AUTH_PORT"* ]]
	assert_no_leaks
}

@test "proxy reached over IPv4 with an IPv6 destination" {
	run sxw -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- curl -q -sS --max-time 10 "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "socks5h:// proxy URL works for literal addresses" {
	run sxw -p "socks5h://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" -- curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "the no-auth danted on 1081 works without credentials" {
	run sxw -p "socks5://$PROXY4:$NOAUTH_PORT" -- \
		curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	run sxw -p "socks5://[$PROXY6]:$NOAUTH_PORT" -- \
		curl -q -sS --max-time 10 "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "configuration from the environment (SOCKSIFY_PROXY, _USER, _PASSWORD_FILE)" {
	run in_client env SOCKSIFY_PROXY="socks5://$PROXY4:$AUTH_PORT" SOCKSIFY_USER="$LAB_USER" \
		SOCKSIFY_PASSWORD_FILE="$LAB_PASSWORD_FILE" \
		timeout 30 "$SOCKSIFY" -- curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "configuration from a file (-c)" {
	local conf="$BATS_TEST_TMPDIR/socksify.conf"
	cat >"$conf" <<-EOF
		# lab proxy
		proxy = socks5://$PROXY4:$AUTH_PORT
		user = $LAB_USER
		password_file = $LAB_PASSWORD_FILE
	EOF
	run sxw -c "$conf" -- curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_success
	assert_output --partial "$MARKER"
	assert_no_leaks
}

@test "the wrapped command's exit status is preserved" {
	run sx sh -c 'exit 7'
	assert_failure 7
	run sx sh -c 'exit 0'
	assert_success
	run sx sh -c 'exit 42'
	assert_failure 42
	assert_no_leaks
}

@test "loopback stays direct by default (SOCKSIFY_DIRECT default)" {
	run sx timeout 20 "$PYTHON" -c '
import socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname(), timeout=5)
a, _ = srv.accept(); a.sendall(b"loop"); print(c.recv(4).decode())'
	assert_success
	assert_line "loop"
	assert_no_leaks
}

@test "a wrong password fails closed: no direct fallback, no leak" {
	local bad="$BATS_TEST_TMPDIR/bad-password"
	(umask 077 && echo "wrong-$LAB_PASS" >"$bad")
	run sxw -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$bad" -- curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_failure
	refute_output --partial "$MARKER"
	assert_no_leaks
}

@test "an unreachable proxy fails closed: no direct fallback, no leak" {
	run in_client env SOCKSIFY_TIMEOUT=3 timeout 30 "$SOCKSIFY" -p "socks5://$PROXY4:1089" -- \
		curl -q -sS --max-time 10 "http://$WORLD4/"
	assert_failure
	refute_output --partial "$MARKER"
	assert_no_leaks
}

@test "the danted log shows the client's connection to the world address" {
	local re="tcp/connect \[: username%$LAB_USER@198\.51\.100\.2\.[0-9]+ 198\.51\.100\.1\.$AUTH_PORT -> 203\.0\.113\.1\.[0-9]+ 203\.0\.113\.10\.$ECHO_PORT"
	local before
	before=$(grep -cE -- "$re" "$DANTE_LOG" || true)
	run sx "${NETCLIENT[@]}" echo "$WORLD4" "$ECHO_PORT" --family 4 --size 100
	assert_success
	assert_line "ok 100"
	local _ now=0
	for _ in $(seq 60); do
		now=$(grep -cE -- "$re" "$DANTE_LOG" || true)
		[ "$now" -gt "$before" ] && break
		sleep 0.05
	done
	[ "$now" -eq $((before + 1)) ] ||
		fail "expected one new danted connect line to $WORLD4.$ECHO_PORT, got $((now - before)); log tail: $(tail -5 "$DANTE_LOG")"
	assert_no_leaks
}
