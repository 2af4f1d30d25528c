#!/usr/bin/env bats
# Relayed datagrams whose header length changes from one to the next: the
# payload must reach the application's buffers whole and in place, with the
# lengths and flags a plain recvmsg() gives, whatever header came before
# (the library receives into a header buffer sized for the previous one).
# A fake SOCKS5 server on loopback (tests/helpers/udp_headers.py) answers
# each datagram with the header the datagram asks for.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	export SOCKSIFY="${SOCKSIFY:-$BATS_TEST_DIRNAME/../../build/socksify}"
	[ -x "$SOCKSIFY" ] || {
		echo "# $SOCKSIFY is missing: build it (make) or set SOCKSIFY" >&3
		return 1
	}
	PY="$(python3 -c 'import sys; print(sys.executable)')"
	export PY HELPER="$BATS_TEST_DIRNAME/../helpers/udp_headers.py"
	export HOME="$BATS_FILE_TMPDIR/home" XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/xdg"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
}

setup() {
	local out="$BATS_TEST_TMPDIR/proxy.out" line="" i
	: >"$out"
	"$PY" "$HELPER" proxy >"$out" 2>"$BATS_TEST_TMPDIR/proxy.err" 3>&- &
	PROXY_PID=$!
	for ((i = 0; i < 250; i++)); do
		if IFS= read -r line <"$out" && [[ $line == "PORT "* ]]; then
			PORT="${line#PORT }"
			return 0
		fi
		sleep 0.02
	done
	fail "fake proxy did not start: $(cat "$BATS_TEST_TMPDIR/proxy.err")"
}

teardown() {
	[ -z "${PROXY_PID:-}" ] || kill "$PROXY_PID" 2>/dev/null || true
}

@test "IPv4, IPv6 and name headers in every order: payload, truncation, MSG_PEEK and MSG_TRUNC as without a header" {
	run --separate-stderr timeout 60 "$SOCKSIFY" -p "socks5://127.0.0.1:$PORT" -t 5 -d none -- \
		"$PY" "$HELPER" client 203.0.113.80 7
	assert_success
	refute_line --partial FAIL
	assert_line --regexp '^checks [0-9]+$'
	assert_equal "$stderr" ""
}
