# Loopback servers for tests/bats/cli.bats: a static HTTP server (python3
# http.server) and an authenticating SOCKS5 server (microsocks), each on a
# free 127.0.0.1 port, each killed by its PID. Every wait is bounded.
#
#   cli_start_http DIR        sets CLI_HTTP_PORT, CLI_HTTP_PID
#   cli_start_microsocks U P  sets CLI_SOCKS_PORT, CLI_SOCKS_PID
#   cli_stop PID...           kills those PIDs (and reaps them)
#
# Logs go to $CLI_SERVER_LOGS (default $BATS_FILE_TMPDIR). Servers started
# from setup_file must not hold bats' fd 3 open, hence the 3>&- below.

if [ -x /usr/bin/python3 ]; then CLI_PYTHON=/usr/bin/python3; else CLI_PYTHON=python3; fi

cli_logs() {
	printf '%s\n' "${CLI_SERVER_LOGS:-$BATS_FILE_TMPDIR}"
}

# A port nobody listens on right now (the kernel picks it).
cli_free_port() {
	"$CLI_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# cli_wait_listen PORT PID: until 127.0.0.1:PORT accepts, at most 10 s.
cli_wait_listen() {
	local port=$1 pid=$2 i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		if (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

cli_start_http() {
	local dir=$1 log i
	log="$(cli_logs)/http.log"
	: >"$log"
	"$CLI_PYTHON" -u -m http.server --bind 127.0.0.1 --directory "$dir" 0 \
		</dev/null >"$log" 2>&1 3>&- &
	CLI_HTTP_PID=$!
	CLI_HTTP_PORT=
	for ((i = 0; i < 100; i++)); do
		CLI_HTTP_PORT=$(sed -n 's/^Serving HTTP on .* port \([0-9][0-9]*\) .*/\1/p' "$log")
		[ -n "$CLI_HTTP_PORT" ] && break
		kill -0 "$CLI_HTTP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$CLI_HTTP_PORT" ] || ! cli_wait_listen "$CLI_HTTP_PORT" "$CLI_HTTP_PID"; then
		echo "cli_servers: http.server did not start:" >&2
		cat "$log" >&2
		return 1
	fi
	export CLI_HTTP_PID CLI_HTTP_PORT
}

# microsocks cannot report the port it got: pick one, retry on a race.
cli_start_microsocks() {
	local user=$1 pass=$2 log attempt
	log="$(cli_logs)/microsocks.log"
	for attempt in 1 2 3; do
		CLI_SOCKS_PORT=$(cli_free_port) || return 1
		microsocks -i 127.0.0.1 -p "$CLI_SOCKS_PORT" -u "$user" -P "$pass" \
			</dev/null >"$log" 2>&1 3>&- &
		CLI_SOCKS_PID=$!
		if cli_wait_listen "$CLI_SOCKS_PORT" "$CLI_SOCKS_PID"; then
			export CLI_SOCKS_PID CLI_SOCKS_PORT
			return 0
		fi
		cli_stop "$CLI_SOCKS_PID"
	done
	echo "cli_servers: microsocks did not start:" >&2
	cat "$log" >&2
	return 1
}

cli_stop() {
	local pid
	for pid in "$@"; do
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null || continue
		wait "$pid" 2>/dev/null || true
	done
}
