# The fault-injecting fake SOCKS5 server (tests/helpers/fakeproxy.py) for a
# bats suite: fake_proxy_reset in setup, fake_proxy_stop in teardown, and
# start_proxy SCENARIO [FAKEPROXY OPTIONS...], which sets PORT and FP_PID.
# Needs FAKEPROXY (the script) and FP_PYTHON (the interpreter itself, not a
# wrapper script: pyenv shims run bash). What it received goes to $REC.

fake_proxy_reset() {
	FP_PID=""
	PORT=""
	REC="$BATS_TEST_TMPDIR/record.jsonl"
	: >"$REC"
}

fake_proxy_stop() {
	if [ -n "$FP_PID" ]; then
		kill "$FP_PID" 2>/dev/null || true
		wait "$FP_PID" 2>/dev/null || true
	fi
}

start_proxy() {
	local out err line="" i
	# a new file each time: the child truncates its own only after the fork
	FP_COUNT=$((${FP_COUNT:-0} + 1))
	out="$BATS_TEST_TMPDIR/fakeproxy.$FP_COUNT.out"
	err="$BATS_TEST_TMPDIR/fakeproxy.$FP_COUNT.err"
	: >"$out"
	"$FP_PYTHON" "$FAKEPROXY" --scenario "$1" --record "$REC" "${@:2}" >"$out" 2>"$err" 3>&- &
	FP_PID=$!
	for ((i = 0; i < 250; i++)); do
		# only a whole line (read fails on a line without its newline yet)
		if IFS= read -r line <"$out" && [[ $line == "PORT "* ]]; then
			PORT="${line#PORT }"
			return 0
		fi
		kill -0 "$FP_PID" 2>/dev/null || break
		sleep 0.02
	done
	fail "fake proxy ($1) did not start: $(cat "$err")"
}
