#!/usr/bin/env bats
# valgrind memcheck over socksified programs (issue 8, "Sanitizers"): curl
# fetching pages by name through danted, and UDP clients echoing by name
# through danted's relay, each under
#
#   socksify ... -- valgrind --error-exitcode=99 --leak-check=full \
#       --errors-for-leak-kinds=definite CMD
#
# so that the library is checked inside the program it serves (memcheck
# replaces malloc; libsocksify.so comes after valgrind's own preloads). Each
# run must exit 0 (99 is an error found), its log must end with "ERROR
# SUMMARY: 0 errors" and show no definitely lost bytes. The wrapper's own
# code (socksify --check) gets the same treatment. UDP clients run as nobody
# (DESIGN.md, "Testing"); after every test the leak counters are 0.

load lab_suite

# the default placeholder ranges (DESIGN.md, "Fake DNS")
FAKE4_RE='198\.1[89]\.[0-9]{1,3}\.[0-9]{1,3}'
FAKE6_RE='fd53:6b73:6679:[0-9a-f:]+'

HELPER_DIR="$REPO/tests/helpers"

VALGRIND_OPTS=(--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--vgdb=no --child-silent-after-fork=yes)

setup_file() {
	command -v valgrind >/dev/null ||
		lab_fail "valgrind is not installed (see scripts/install-deps.sh)" || return 1
	lab_suite_up
	# logs written by runs as root and as nobody
	export VG_DIR="$NOBODY_DIR/valgrind"
	mkdir -m 1777 "$VG_DIR"
	install -m 644 "$HELPER_DIR/udp_probe.py" "$NOBODY_DIR/udp_probe.py"
	cc -g -O1 -Wall -o "$NOBODY_DIR/udp_name" "$HELPER_DIR/udp_name.c" ||
		lab_fail "cannot build tests/helpers/udp_name.c" || return 1
	chmod 755 "$NOBODY_DIR/udp_name"
}

# vg [--nobody] [VAR=VALUE...] -- CMD...: CMD under memcheck, socksified
# through the authenticating danted in the client namespace, as root or
# (--nobody) as nobody from NOBODY_DIR's copies, with the VAR=VALUE settings
# in its environment; memcheck's log goes to the file VG_LOG.
vg() {
	local nobody="" envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case "$1" in
		--nobody) nobody=1 ;;
		*=*) envs+=("$1") ;;
		*) echo "vg: unknown option $1" >&2 && return 2 ;;
		esac
		shift
	done
	shift
	local cmd
	cmd=(valgrind "${VALGRIND_OPTS[@]}" --log-file="$VG_LOG" "$@")
	if [ -n "$nobody" ]; then
		in_client timeout 120 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env HOME=/nonexistent XDG_CONFIG_HOME="$NOBODY_DIR/xdg" "${envs[@]}" \
			"$NOBODY_DIR/socksify" -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
			--password-file "$NOBODY_DIR/password" -- "${cmd[@]}"
	else
		in_client timeout 120 env "${envs[@]}" "$SOCKSIFY" -p "socks5://$PROXY4:$AUTH_PORT" \
			-u "$LAB_USER" --password-file "$LAB_PASSWORD_FILE" -- "${cmd[@]}"
	fi
}

# new_log: a new, empty memcheck log file (anyone may write it), in VG_LOG.
new_log() {
	VG_LOG=$(mktemp "$VG_DIR/vg.XXXXXX")
	chmod 666 "$VG_LOG"
}

# vrun ARGS...: `run --separate-stderr vg ARGS...` with a new log, then the
# memcheck verdict.
vrun() {
	new_log
	run --separate-stderr vg "$@"
	assert_memcheck_clean
}

# assert_memcheck_clean: the last run did not exit 99, and its memcheck log
# says "ERROR SUMMARY: 0 errors" and no definitely lost bytes.
assert_memcheck_clean() {
	local log
	log=$(cat "$VG_LOG")
	# shellcheck disable=SC2154 # set by run
	[ "$status" -ne 99 ] || fail "memcheck found errors (exit 99):"$'\n'"$log"
	grep -q '== ERROR SUMMARY: 0 errors from 0 contexts' <<<"$log" ||
		fail "no 'ERROR SUMMARY: 0 errors' (exit $status):"$'\n'"$log"
	! grep -E '== ERROR SUMMARY: [1-9]' <<<"$log" ||
		fail "memcheck found errors:"$'\n'"$log"
	! grep -E '== +definitely lost: [1-9]' <<<"$log" ||
		fail "memcheck found definite leaks:"$'\n'"$log"
	grep -q '== HEAP SUMMARY:' <<<"$log" ||
		fail "memcheck did not get to its leak check (exit $status):"$'\n'"$log"
}

@test "valgrind curl by name through danted: the page, and 1 MiB intact" {
	vrun -- curl -q -sS --max-time 60 "http://$WWW_NAME/"
	assert_success
	assert_output --partial "$MARKER"
	# the library was in the process memcheck checked
	grep -q "Command: .*curl" "$VG_LOG" || fail "not curl: $(cat "$VG_LOG")"
	local out="$BATS_TEST_TMPDIR/big.bin"
	vrun -- curl -q -sS --max-time 60 -o "$out" "http://$ECHO_NAME/big.bin"
	assert_success
	assert_equal "$(sha256sum "$out" | cut -d' ' -f1)" "$BIGFILE_SHA256"
}

@test "valgrind curl through danted: by IPv6 address, and a name only the proxy reaches over IPv6" {
	vrun -- curl -q -sS --max-time 60 "http://[$WORLD6]/"
	assert_success
	assert_output --partial "$MARKER"
	vrun -- curl -q -sS --max-time 60 -4 "http://$V6ONLY_NAME/"
	assert_success
	assert_output --partial "$MARKER"
}

@test "valgrind: the library is loaded in the checked process" {
	vrun -- sh -c 'grep -c libsocksify.so /proc/$$/maps >/dev/null && echo loaded'
	assert_success
	assert_output loaded
}

@test "valgrind C UDP client by name through the relay (sendto, sendmsg, connected; both families), as nobody" {
	vrun --nobody -- "$NOBODY_DIR/udp_name" "$ECHO_NAME" "$UDP_ECHO_PORT" 4
	assert_success
	assert_line --regexp "^addr $FAKE4_RE\$"
	assert_line "sendto ok"
	assert_line "sendmsg ok"
	assert_line "connected ok"
	assert_line "reverse $ECHO_NAME"
	assert_line "ok"
	vrun --nobody -- "$NOBODY_DIR/udp_name" "$ECHO_NAME" "$UDP_ECHO_PORT" 6
	assert_success
	assert_line --regexp "^addr $FAKE6_RE\$"
	assert_line "ok"
}

@test "valgrind python UDP echo by name through the relay (connected: send/recv, write/read, recvfrom, sendmsg/recvmsg), as nobody" {
	# PYTHONMALLOC=malloc: memcheck sees every allocation (pymalloc's arenas
	# give it false reports)
	vrun --nobody PYTHONMALLOC=malloc -- "$PYTHON" "$NOBODY_DIR/udp_probe.py" connected "$ECHO_NAME" "$UDP_ECHO_PORT"
	assert_success
	assert_line "send/recv True"
	assert_line "write/read True"
	assert_line "recvfrom True $(sed -n 's/^peer //p' <<<"$output")"
	assert_line --regexp "^sendmsg/recvmsg True $FAKE4_RE $UDP_ECHO_PORT\$"
}

@test "valgrind socksify --check: the command's own code, through danted and microsocks" {
	new_log
	run --separate-stderr in_client timeout 120 valgrind "${VALGRIND_OPTS[@]}" --log-file="$VG_LOG" \
		"$SOCKSIFY" -p "socks5://$PROXY4:$AUTH_PORT" -u "$LAB_USER" \
		--password-file "$LAB_PASSWORD_FILE" --check "$WWW_NAME:$HTTP_PORT"
	assert_memcheck_clean
	assert_success
	assert_output --partial "check passed"
	new_log
	run --separate-stderr in_client timeout 120 valgrind "${VALGRIND_OPTS[@]}" --log-file="$VG_LOG" \
		"$SOCKSIFY" -p "socks5://$PROXY4:$MICROSOCKS_PORT" --check "$WWW_NAME:$HTTP_PORT"
	assert_memcheck_clean
	assert_success
	assert_output --partial "UDP: not supported"
}
