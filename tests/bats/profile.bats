#!/usr/bin/env bats
# socksify in a shell profile: what --export (socksify shell-init) prints
# and how sh and bash evaluate it, then a session with the library in every
# process and no proxy reachable. Ordinary commands (ls, git status, make,
# bash -c, ssh -V, python3) run from a fresh login shell print the same
# bytes and exit the same with the library as without it; a process that
# never uses the network opens no configuration file (strace); Unix-domain
# and loopback traffic is untouched.
#
# $SOCKSIFY is the wrapper (default build/socksify), $LIBSOCKSIFY the
# library. The login shells start from an empty environment with HOME in
# the test's directory; the profile is written by setup_file.

# Command strings in single quotes are expanded by the shells under test;
# $stderr comes from bats' run --separate-stderr.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load isolate

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
SOCKSIFY="${SOCKSIFY:-$ROOT/build/socksify}"
LIBSOCKSIFY="${LIBSOCKSIFY:-$(dirname "$SOCKSIFY")/libsocksify.so}"
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
# Nothing listens there: no proxy is reachable.
DEAD_PROXY=socks5://127.0.0.1:9

setup_file() {
	if [ ! -x "$SOCKSIFY" ] || [ ! -f "$LIBSOCKSIFY" ]; then
		echo "no wrapper at $SOCKSIFY or library at $LIBSOCKSIFY: build them, or set SOCKSIFY and LIBSOCKSIFY" >&2
		return 1
	fi
	local tool
	for tool in strace socat git make ssh dash "$PYTHON"; do
		command -v "$tool" >/dev/null || {
			echo "$tool is not installed (see scripts/install-deps.sh)" >&2
			return 1
		}
	done
	[ ! -e /etc/socksify.conf ] ||
		echo "# warning: /etc/socksify.conf exists and may affect these tests" >&3

	LIB=$(realpath "$LIBSOCKSIFY")
	export LIB PYTHON
	# the home of the login shells: the profile evaluates the export line
	# when PROFILE_PRELOAD is "on", so one home serves both sides
	export PHOME="$BATS_FILE_TMPDIR/home"
	mkdir -p "$PHOME"
	cat >"$PHOME/.profile" <<-EOF
	# written by tests/bats/profile.bats
	if [ "\${PROFILE_PRELOAD-}" = on ]; then
		eval "\$('$(realpath "$SOCKSIFY")' --export -p '$DEAD_PROXY')"
	fi
	EOF
	printf '. "$HOME/.profile"\n' >"$PHOME/.bash_profile"

	# what the commands work on, unchanged by the runs
	export TREE="$BATS_FILE_TMPDIR/tree"
	mkdir -p "$TREE/sub"
	printf 'one\n' >"$TREE/a.txt"
	ln -s a.txt "$TREE/link"
	export REPO="$BATS_FILE_TMPDIR/repo"
	mkdir -p "$REPO"
	(
		cd "$REPO" &&
			git init -q -b main . &&
			printf 'one\n' >tracked && git add tracked &&
			git -c user.name=t -c user.email=t@example.test commit -q -m first &&
			printf 'two\n' >>tracked && printf 'new\n' >staged && git add staged &&
			printf 'x\n' >untracked && git status >/dev/null
	) || return 1
	export MAKEDIR="$BATS_FILE_TMPDIR/make"
	mkdir -p "$MAKEDIR"
	cat >"$MAKEDIR/Makefile" <<-'EOF'
	all: out.txt
		@echo "all: $$(cat out.txt) $$((6 * 7))"
	out.txt:
		printf '%s\n' made >$@
	clean:
		rm -f out.txt
	EOF
}

setup() {
	isolate_env
	cd "$BATS_TEST_TMPDIR" || return 1
}

use_stderr() {
	output="$stderr"
	lines=("${stderr_lines[@]}")
}

# login on|off CMD: CMD in a fresh bash -l, from an empty environment, with
# the export line evaluated by the profile (on) or not (off).
login() {
	env -i HOME="$PHOME" TERM=dumb LANG=C.UTF-8 PROFILE_PRELOAD="$1" \
		timeout 60 bash -l -c "$2"
}

# same_output DIR CMD: CMD run in DIR from a fresh login shell, with and
# without the library, writes the same bytes to stdout and to stderr and
# exits the same.
same_output() {
	local dir=$1 cmd=$2 mode f status out="$BATS_TEST_TMPDIR/same"
	run login on 'printf "%s\n" "$LD_PRELOAD"'
	assert_output "$LIB"
	mkdir -p "$out"
	for mode in off on; do
		status=0
		(cd "$dir" && login "$mode" "$cmd") >"$out/stdout.$mode" 2>"$out/stderr.$mode" || status=$?
		echo "$status" >"$out/status.$mode"
	done
	for f in stdout stderr status; do
		cmp -s "$out/$f.off" "$out/$f.on" ||
			fail "$(printf '%s differs with the library (< without, > with) for: %s\n' "$f" "$cmd"
				diff "$out/$f.off" "$out/$f.on")"
	done
}

# ------------------------------------------------------------- --export

@test "--export: an export line per option given, then LD_PRELOAD; shell-init is the same" {
	local pw="$BATS_TEST_TMPDIR/pw" want
	(umask 077 && printf 'secret\n' >"$pw")
	SOCKSIFY_FAKE_IPV6=off run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -u alice \
		--password-file pw -d 203.0.113.0/24,::1 -t 5 --export
	assert_success
	assert_equal "$stderr" ""
	want=$(printf '%s\n' \
		"export SOCKSIFY_PROXY='$DEAD_PROXY'" \
		"export SOCKSIFY_USER='alice'" \
		"export SOCKSIFY_PASSWORD_FILE='$(realpath "$pw")'" \
		"export SOCKSIFY_DIRECT='203.0.113.0/24,::1'" \
		"export SOCKSIFY_TIMEOUT='5'" \
		"if [ -r '$LIB' ]; then" \
		"	case \" \${LD_PRELOAD-} \" in" \
		"	*[\\ :]'$LIB'[\\ :]*) ;;" \
		"	*) export LD_PRELOAD='$LIB'\"\${LD_PRELOAD:+:\$LD_PRELOAD}\" ;;" \
		"	esac" \
		"fi")
	assert_output "$want"
	refute_output --partial secret
	refute_output --partial FAKE_IPV6

	# options may come before or after shell-init
	want=$output
	run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -u alice shell-init \
		--password-file pw -d 203.0.113.0/24,::1 -t 5
	assert_success
	assert_output "$want"

	# nothing given: the library alone, the settings left to the files
	printf 'proxy = %s\n' "$DEAD_PROXY" >"$BATS_TEST_TMPDIR/c.conf"
	SOCKSIFY_CONF="$BATS_TEST_TMPDIR/c.conf" run --separate-stderr "$SOCKSIFY" --export
	assert_success
	assert_line --index 0 "if [ -r '$LIB' ]; then"
	refute_output --partial 'export SOCKSIFY_'

	# -c: the file's absolute path
	run --separate-stderr "$SOCKSIFY" -c c.conf shell-init
	assert_line --index 0 "export SOCKSIFY_CONF='$BATS_TEST_TMPDIR/c.conf'"
}

@test "--export: the log level only when -v or -q is given" {
	run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" --export
	refute_output --partial SOCKSIFY_LOG
	run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -v --export
	assert_line "export SOCKSIFY_LOG='info'"
	run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -qq shell-init
	assert_line "export SOCKSIFY_LOG='silent'"
	SOCKSIFY_LOG=debug run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -q --export
	assert_line "export SOCKSIFY_LOG='info'"
}

@test "--export never prints a password" {
	local url="socks5://alice:pw-in-url-$RANDOM@127.0.0.1:9"
	run --separate-stderr "$SOCKSIFY" -p "$url" --export
	assert_failure 2
	assert_equal "$output" ""
	use_stderr
	assert_output --partial 'password-file'
	refute_output --partial pw-in-url

	# a password from the environment or a file is not an option: not printed
	SOCKSIFY_PASSWORD=env-secret run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -u alice --export
	assert_success
	refute_output --partial env-secret
	refute_output --partial SOCKSIFY_PASSWORD
}

@test "--export: errors exit 2 with nothing on stdout" {
	run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" --export true
	assert_failure 2
	assert_equal "$output" ""
	use_stderr
	assert_output --partial 'takes no command'

	run --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -t never --export
	assert_failure 2
	assert_equal "$output" ""

	[ -e /etc/socksify.conf ] && return
	run --separate-stderr "$SOCKSIFY" shell-init
	assert_failure 2
	assert_equal "$output" ""
	use_stderr
	assert_output --partial 'no proxy configured'

	# after --, shell-init is a command like any other
	run -127 --separate-stderr "$SOCKSIFY" -p "$DEAD_PROXY" -- shell-init
}

@test "--export quotes values for sh, dash and bash" {
	local user="o'brien \$HOME \`id\` \"q\" *" sh values
	for sh in sh dash bash 'bash --posix'; do
		# shellcheck disable=SC2086 # $sh is a command and its options
		values=$(env -i PATH="$PATH" $sh -c 'eval "$("$1" -p "$2" -u "$3" --export)" &&
			printf "%s|%s|%s\n" "$SOCKSIFY_USER" "$SOCKSIFY_PROXY" "$LD_PRELOAD"' \
			sh "$SOCKSIFY" "$DEAD_PROXY" "$user")
		assert_equal "$values" "$user|$DEAD_PROXY|$LIB"
	done
}

# LD_PRELOAD after eval'ing the export line in sh, given LD_PRELOAD=$1 (or unset).
preload_after() {
	env -i PATH="$PATH" ${1+LD_PRELOAD="$1"} sh -c \
		'eval "$("$1" -p "$2" --export)" && eval "$("$1" -p "$2" --export)" && printf "%s\n" "${LD_PRELOAD-unset}"' \
		sh "$SOCKSIFY" "$DEAD_PROXY" 2>/dev/null
}

@test "--export: LD_PRELOAD gets the library once, in front, entries compared whole" {
	local other
	other=$(ldd /bin/sh | awk '/libc\.so/ { print $3 }')
	[ -f "$other" ]
	run preload_after
	assert_output "$LIB"
	run preload_after ""
	assert_output "$LIB"
	run preload_after "$other"
	assert_output "$LIB:$other"
	run preload_after "$LIB"
	assert_output "$LIB"
	run preload_after "$other:$LIB"
	assert_output "$other:$LIB"
	run preload_after "$other $LIB"
	assert_output "$other $LIB"
	run preload_after "$LIB.orig"
	assert_output "$LIB:$LIB.orig"
	run preload_after "/x$LIB"
	assert_output "$LIB:/x$LIB"
}

@test "--export: a library that is gone is not preloaded" {
	local copy="$BATS_TEST_TMPDIR/bin"
	mkdir -p "$copy"
	cp "$SOCKSIFY" "$LIBSOCKSIFY" "$copy/"
	run --separate-stderr "$copy/socksify" -p "$DEAD_PROXY" --export
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/lines"
	rm "$copy/libsocksify.so"
	run env -i sh -c '. "$1"; printf "%s\n" "${LD_PRELOAD-unset}"' sh "$BATS_TEST_TMPDIR/lines"
	assert_output unset
}

@test "the man page and --help document --export and shell-init" {
	run --separate-stderr "$SOCKSIFY" --help
	assert_output --partial '--export'
	assert_output --partial 'shell-init'
	run man_text
	assert_output --partial 'Shell profiles'
	assert_output --partial 'shell-init'
}

man_text() {
	MANWIDTH=200 MANPAGER=cat PAGER=cat man -l -E UTF-8 "$ROOT/man/socksify.1" 2>/dev/null
}

# ---------------------------------------------------- a session profile

@test "bash -l and sh -l with the export line in the profile: the library in every program, once" {
	run login on 'printf "%s\n" "$LD_PRELOAD" "$SOCKSIFY_PROXY"; grep -c /libsocksify.so /proc/self/maps'
	assert_success
	assert_line --index 0 "$LIB"
	assert_line --index 1 "$DEAD_PROXY"
	[ "${lines[2]}" -gt 0 ]

	# a login shell started from that session does not add it again
	run login on 'bash -l -c "printf \"%s\\n\" \"\$LD_PRELOAD\""'
	assert_output "$LIB"

	# dash reads ~/.profile too
	run env -i HOME="$PHOME" PROFILE_PRELOAD=on timeout 60 dash -l -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_output "$LIB"

	run login off 'printf "%s\n" "${LD_PRELOAD-unset}"'
	assert_output unset
}

@test "quiet profile: ls" {
	same_output "$TREE" 'ls -la --color=always . sub /usr/bin/env; ls -l /nonexistent-socksify-test'
}

@test "quiet profile: git status" {
	same_output "$REPO" 'git status; git status --short --branch; git log --oneline; git diff --stat'
}

@test "quiet profile: make -n and make" {
	same_output "$MAKEDIR" 'make -s clean; make -n; make; make; make no-such-target'
}

@test "quiet profile: bash -c" {
	same_output "$TREE" 'bash -c '\''echo "$((6 * 7))"; x=$(echo sub); echo "$x" >&2; (echo subshell) | cat; exit 3'\'
}

@test "quiet profile: ssh -V" {
	same_output "$TREE" 'ssh -V'
}

@test "quiet profile: python3" {
	same_output "$TREE" "$PYTHON -c pass; $PYTHON -c 'import sys; print(sys.argv[1:])' a b; $PYTHON -c 'raise SystemExit(4)'"
}

# ---------------------------------------------------- files and memory

# opened PRELOAD CMD...: the files CMD and its children open, one per
# line, sorted; PRELOAD "on" runs CMD with the library.
opened() {
	local trace
	trace=$(mktemp "$BATS_TEST_TMPDIR/trace.XXXXXX")
	if [ "$1" = on ]; then
		set -- -E "LD_PRELOAD=$LIB" "${@:2}"
	else
		shift
	fi
	timeout 60 strace -f -qq -o "$trace" -e trace=open,openat,openat2,creat -e signal=none \
		"$@" >/dev/null 2>&1 </dev/null
	sed -n 's/^[0-9]* *\(open\|openat\|openat2\|creat\)([^"]*"\([^"]*\)".*/\2/p' "$trace" |
		sed 's#^/proc/[0-9]*/#/proc/PID/#' | LC_ALL=C sort -u
}

# opens_nothing_more CMD...: with the library, CMD opens the library and
# nothing else it would not open without it.
opens_nothing_more() {
	local without with extra
	without=$(opened off "$@")
	with=$(opened on "$@")
	[[ "$with" == *"$LIB"* ]] || fail "the library was not loaded into: $*"
	extra=$(LC_ALL=C comm -13 <(printf '%s\n' "$without") <(printf '%s\n' "$with") | grep -vxF "$LIB" || true)
	[ -z "$extra" ] || fail "$(printf 'with the library, %s also opened:\n%s' "$*" "$extra")"
}

# A real configuration where both the variable and the XDG search find one.
with_real_config() {
	printf 'proxy = %s\n' "$DEAD_PROXY" >"$BATS_TEST_TMPDIR/socksify.conf"
	mkdir -p "$XDG_CONFIG_HOME/socksify"
	cp "$BATS_TEST_TMPDIR/socksify.conf" "$XDG_CONFIG_HOME/socksify/socksify.conf"
}

@test "a process that never uses the network opens no configuration file" {
	with_real_config
	local vars
	for vars in "SOCKSIFY_CONF=$BATS_TEST_TMPDIR/socksify.conf" "XDG_CONFIG_HOME=$XDG_CONFIG_HOME"; do
		export "${vars?}"
		opens_nothing_more ls -l "$TREE"
		opens_nothing_more git -C "$REPO" status
		opens_nothing_more make -n -C "$MAKEDIR"
		opens_nothing_more bash -c 'echo "$((6 * 7))"'
		opens_nothing_more ssh -V
		opens_nothing_more "$PYTHON" -c pass
		unset SOCKSIFY_CONF
	done
}

@test "a process that forks but never uses the network opens no configuration file" {
	with_real_config
	export SOCKSIFY_CONF="$BATS_TEST_TMPDIR/socksify.conf"
	opens_nothing_more bash -c 'x=$(echo sub); (true); echo "$x"'
	opens_nothing_more make -s -C "$MAKEDIR" clean all
	opens_nothing_more "$PYTHON" -c 'import os; pid = os.fork(); os._exit(0) if pid == 0 else os.waitpid(pid, 0)'
}

@test "a process that never uses the network dirties at most a few pages of the library" {
	# the pages of the library's mappings this process wrote (Anonymous, in
	# kB; Private_Dirty would also count a freshly built file's page cache)
	run env LD_PRELOAD="$LIB" SOCKSIFY_PROXY="$DEAD_PROXY" awk -v lib="$LIB" '
		/^[0-9a-f]+-[0-9a-f]+ / { in_lib = ($NF == lib) }
		in_lib && /^Anonymous:/ { kb += $2 }
		END { print kb + 0 }' /proc/self/smaps
	assert_success
	[ "$output" -le 32 ] || fail "the library dirtied $output kB"
}

# ----------------------------------------------- Unix-domain and loopback

# Echo servers on 127.0.0.1, ::1 and a Unix socket (threads, one process);
# "PORT4 PORT6" lands in $1 once they listen. Runs until killed.
ECHO_SERVER='
import os, socket, sys, threading
def echo(c):
    with c:
        while True:
            data = c.recv(4096)
            if not data:
                return
            c.sendall(data)
def serve(s):
    while True:
        threading.Thread(target=echo, args=(s.accept()[0],), daemon=True).start()
ports = []
for fam, addr in ((socket.AF_INET, ("127.0.0.1", 0)), (socket.AF_INET6, ("::1", 0)),
                  (socket.AF_UNIX, sys.argv[2])):
    s = socket.socket(fam)
    s.bind(addr)
    s.listen()
    if fam != socket.AF_UNIX:
        ports.append(str(s.getsockname()[1]))
    threading.Thread(target=serve, args=(s,), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(" ".join(ports) + "\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
'

# Datagrams over Unix sockets, bound and unbound, connected and not, in one
# process; prints what came back.
UNIX_DGRAM='
import socket, sys
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a.bind(sys.argv[1])
b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
b.bind(sys.argv[2])
b.sendto(b"to-a", sys.argv[1])
data, peer = a.recvfrom(100)
a.sendto(data + b"-back", peer)
print(b.recv(100).decode())
p, q = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
p.send(b"pair")
print(q.recv(100).decode())
'

start_echo_server() {
	local i
	ECHO_SOCK="$BATS_TEST_TMPDIR/echo.sock"
	# the server has the library too, as every process of the session does
	env LD_PRELOAD="$LIB" SOCKSIFY_PROXY="$DEAD_PROXY" "$PYTHON" -c "$ECHO_SERVER" \
		"$BATS_TEST_TMPDIR/ports" "$ECHO_SOCK" </dev/null >"$BATS_TEST_TMPDIR/server.log" 2>&1 3>&- &
	ECHO_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/ports" ] && break
		kill -0 "$ECHO_PID" 2>/dev/null || break
		sleep 0.1
	done
	read -r PORT4 PORT6 <"$BATS_TEST_TMPDIR/ports" || fail "the echo server did not start: $(cat "$BATS_TEST_TMPDIR/server.log")"
}

teardown() {
	if [ -n "${ECHO_PID:-}" ]; then
		kill "$ECHO_PID" 2>/dev/null || true
		wait "$ECHO_PID" 2>/dev/null || true
	fi
	if [ -n "${SOCAT_PID:-}" ]; then
		kill "$SOCAT_PID" 2>/dev/null || true
		wait "$SOCAT_PID" 2>/dev/null || true
	fi
}

@test "Unix-domain sockets are untouched: socat, stream and datagram, no proxy reachable" {
	local sock="$BATS_TEST_TMPDIR/socat.sock" i
	# a socat server from the session (its PID is timeout's, which passes
	# signals on), a socat client from the session
	env -i HOME="$PHOME" PROFILE_PRELOAD=on timeout 60 bash -l -c "exec socat UNIX-LISTEN:'$sock' EXEC:cat" \
		</dev/null >"$BATS_TEST_TMPDIR/socat.log" 2>&1 3>&- &
	SOCAT_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	run --separate-stderr login on "printf 'over unix\\n' | socat -t 5 - UNIX-CONNECT:'$sock'"
	assert_success
	assert_output 'over unix'
	assert_equal "$stderr" ""
	wait "$SOCAT_PID"
	SOCAT_PID=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/socat.log")" ""

	run --separate-stderr login on "$PYTHON -c '$UNIX_DGRAM' '$BATS_TEST_TMPDIR/a.sock' '$BATS_TEST_TMPDIR/b.sock'"
	assert_success
	assert_output "$(printf 'to-a-back\npair')"
	assert_equal "$stderr" ""
}

@test "loopback TCP is untouched: echo servers on 127.0.0.1, ::1 and a Unix socket, no proxy reachable" {
	start_echo_server
	local run_client
	for run_client in "login on" "env -i HOME=$BATS_TEST_TMPDIR/home LD_PRELOAD=$LIB sh -c"; do
		# shellcheck disable=SC2086 # a command and its arguments
		run --separate-stderr $run_client "printf 'v4\\n' | socat -t 5 - TCP4:127.0.0.1:$PORT4 &&
			printf 'v6\\n' | socat -t 5 - 'TCP6:[::1]:$PORT6' &&
			printf 'unix\\n' | socat -t 5 - 'UNIX-CONNECT:$ECHO_SOCK' &&
			$PYTHON -c 'import socket
with socket.create_connection((\"localhost\", $PORT4)) as c:
    c.sendall(b\"by name\\n\")
    print(c.recv(100).decode(), end=\"\")'"
		assert_success
		assert_output "$(printf 'v4\nv6\nunix\nby name')"
		assert_equal "$stderr" ""
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.log")" ""
}
