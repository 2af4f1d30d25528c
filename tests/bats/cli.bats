#!/usr/bin/env bats
# The socksify command line: options, exit statuses, the environment it
# hands to the command, configuration errors, the library's exported
# symbols, a hook running inside a real program (curl through microsocks on
# loopback), make install, and the man pages.
#
# $SOCKSIFY is the wrapper (default build/socksify), $LIBSOCKSIFY the
# library (default beside it). Never a bare `socksify` from PATH: Dante
# installs its own. No test sees the machine's configuration: HOME and
# XDG_CONFIG_HOME point into the test's directory, SOCKSIFY_* are unset.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../helpers/cli_servers'

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
SOCKSIFY="${SOCKSIFY:-$ROOT/build/socksify}"
LIBSOCKSIFY="${LIBSOCKSIFY:-$(dirname "$SOCKSIFY")/libsocksify.so}"

PROXY_USER=alice
PROXY_PASS=secret
# A proxy address nothing listens on: enough for tests that never connect.
DEAD_PROXY=socks5://127.0.0.1:9

unset_socksify_env() {
	local v
	for v in $(compgen -e); do
		case "$v" in SOCKSIFY_*) unset "$v" ;; esac
	done
}

setup_file() {
	[ -x "$SOCKSIFY" ] || {
		echo "no wrapper at $SOCKSIFY: build it, or set SOCKSIFY" >&2
		return 1
	}
	[ -f "$LIBSOCKSIFY" ] || {
		echo "no library at $LIBSOCKSIFY: build it, or set LIBSOCKSIFY" >&2
		return 1
	}
	[ ! -e /etc/socksify.conf ] ||
		echo "# warning: /etc/socksify.conf exists and may affect these tests" >&3

	export MARKER="cli-bats-marker-$$-$RANDOM"
	mkdir -p "$BATS_FILE_TMPDIR/www"
	printf '%s\n' "$MARKER" >"$BATS_FILE_TMPDIR/www/index.html"
	cli_start_http "$BATS_FILE_TMPDIR/www"
	cli_start_microsocks "$PROXY_USER" "$PROXY_PASS"
	(umask 077 && printf '%s\n' "$PROXY_PASS" >"$BATS_FILE_TMPDIR/password")
	export PASSWORD_FILE="$BATS_FILE_TMPDIR/password"
}

teardown_file() {
	cli_stop "${CLI_HTTP_PID:-}" "${CLI_SOCKS_PID:-}"
}

setup() {
	unset_socksify_env
	unset LD_PRELOAD
	export HOME="$BATS_TEST_TMPDIR/home" XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
	cd "$BATS_TEST_TMPDIR" || return 1
}

# sx ARGS...: the wrapper, bounded in time.
sx() {
	timeout 20 "$SOCKSIFY" "$@"
}

# Makes $stderr what assert_output and assert_line look at.
use_stderr() {
	output="$stderr"
	lines=("${stderr_lines[@]}")
}

# The library the wrapper is expected to preload: the real path of $LIBSOCKSIFY.
want_lib() {
	realpath "$LIBSOCKSIFY"
}

CURL=(curl -q -sS --max-time 10)

# ------------------------------------------------------------ options

@test "--help and -h print the usage on stdout and exit 0" {
	local opt
	for opt in --help -h; do
		run --separate-stderr sx "$opt"
		assert_success
		assert_line --index 0 --regexp '^Usage: socksify '
		assert_output --partial '--proxy'
		assert_equal "$stderr" ""
	done
}

@test "--version prints the version from the Makefile" {
	local version
	version=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$ROOT/Makefile")
	run --separate-stderr sx --version
	assert_success
	assert_output "socksify $version"
	assert_equal "$stderr" ""
}

@test "no command: exit 2, message on stderr, nothing on stdout" {
	run --separate-stderr sx
	assert_failure 2
	assert_equal "$output" ""
	use_stderr
	assert_output --partial 'no command'

	run --separate-stderr sx -p "$DEAD_PROXY" -v --
	assert_failure 2
	assert_equal "$output" ""
	use_stderr
	assert_output --partial 'no command'
}

@test "an unknown option exits 2 with a message" {
	local opt
	for opt in --no-such-option -Z; do
		run --separate-stderr sx "$opt" -p "$DEAD_PROXY" true
		assert_failure 2
		assert_equal "$output" ""
		use_stderr
		assert_output --partial "--help"
	done
}

@test "a missing option argument exits 2" {
	run --separate-stderr sx -p
	assert_failure 2
	[ -n "$stderr" ]
}

@test "a bad proxy URL exits 2 with a message, without the password" {
	local url
	for url in "http://alice:pw-in-url@127.0.0.1:3128" "socks4://127.0.0.1" \
		"socks5://alice:pw-in-url@127.0.0.1:0" "socks5://[::1" "socks5://alice:pw-in-url%zz@h"; do
		run --separate-stderr sx -p "$url" true
		assert_failure 2
		assert_equal "$output" ""
		use_stderr
		assert_output --regexp '^socksify: SOCKSIFY_PROXY: .+'
		refute_output --partial 'pw-in-url'
	done
}

@test "a bad option value is reported under the variable it sets, exit 2" {
	local long
	long=$(printf 'u%.0s' {1..256})
	run --separate-stderr sx -p "$DEAD_PROXY" -t abc true
	assert_failure 2
	use_stderr
	assert_output --regexp '^socksify: SOCKSIFY_TIMEOUT: .+'
	run --separate-stderr sx -p "$DEAD_PROXY" -t 0 true
	assert_failure 2
	run --separate-stderr sx -p "$DEAD_PROXY" -d 198.51.100.0/33 true
	assert_failure 2
	use_stderr
	assert_output --regexp '^socksify: SOCKSIFY_DIRECT: .+'
	run --separate-stderr sx -p "$DEAD_PROXY" -u "$long" true
	assert_failure 2
	use_stderr
	assert_output --regexp '^socksify: SOCKSIFY_USER: .+'
	refute_output --partial "$long"
}

@test "no proxy configured exits 2 and says how to set one" {
	[ ! -e /etc/socksify.conf ] || skip "/etc/socksify.conf exists"
	run --separate-stderr sx true
	assert_failure 2
	use_stderr
	assert_output --partial 'no proxy configured'
}

@test "a command that does not exist exits 127" {
	local cmd
	for cmd in no-such-command-socksify-test "$BATS_TEST_TMPDIR/missing/cmd"; do
		run -127 --separate-stderr sx -p "$DEAD_PROXY" "$cmd" arg
		use_stderr
		assert_output --partial "$cmd"
		assert_output --partial 'not found'
	done
}

@test "a command that cannot be executed exits 126" {
	printf '#!/bin/sh\necho ran\n' >"$BATS_TEST_TMPDIR/noexec"
	chmod 644 "$BATS_TEST_TMPDIR/noexec"
	run --separate-stderr sx -p "$DEAD_PROXY" "$BATS_TEST_TMPDIR/noexec"
	assert_failure 126
	refute_output --partial ran
	use_stderr
	assert_output --partial noexec

	mkdir "$BATS_TEST_TMPDIR/a-directory"
	run --separate-stderr sx -p "$DEAD_PROXY" "$BATS_TEST_TMPDIR/a-directory"
	assert_failure 126
}

@test "the command's exit status is its own" {
	local status_want
	for status_want in 0 1 7 125 126 127 255; do
		run "-$status_want" sx -p "$DEAD_PROXY" sh -c "exit $status_want"
	done
	# killed by a signal: the wrapper exec'd, so the shell sees the signal
	run -143 sx -p "$DEAD_PROXY" sh -c 'kill -TERM $$'
}

@test "arguments reach the command unchanged, option-like ones included" {
	run --separate-stderr sx -p "$DEAD_PROXY" -- printf '[%s]\n' -v --help -- '' 'a b' '-p x'
	assert_success
	assert_output "$(printf '[%s]\n' -v --help -- '' 'a b' '-p x')"

	# without --: options after the command are the command's
	run --separate-stderr sx -p "$DEAD_PROXY" printf '[%s]\n' -q --proxy -c /nonexistent --version
	assert_success
	assert_output "$(printf '[%s]\n' -q --proxy -c /nonexistent --version)"

	# a command whose name looks like an option, after --
	ln -s "$(type -P printf)" "$BATS_TEST_TMPDIR/-v"
	PATH="$BATS_TEST_TMPDIR:$PATH" run --separate-stderr sx -p "$DEAD_PROXY" -- -v '%s|' x y
	assert_success
	assert_output 'x|y|'
}

# ------------------------------------------------- the child's environment

# LD_PRELOAD as the command sees it, given LD_PRELOAD=$1 for the wrapper.
child_preload() {
	LD_PRELOAD="$1" run --separate-stderr sx -p "$DEAD_PROXY" sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
}

@test "LD_PRELOAD: set when empty, prepended to an existing one, never duplicated" {
	local lib other
	lib=$(want_lib)
	# a harmless library to preload: the C library itself
	other=$(ldd /bin/sh | awk '/libc\.so/ { print $3 }')
	[ -f "$other" ]

	child_preload ""
	assert_output "$lib"
	child_preload "$other"
	assert_output "$lib:$other"
	child_preload "$lib"
	assert_output "$lib"
	child_preload "$lib:$other"
	assert_output "$lib:$other"
	child_preload "$other:$lib"
	assert_output "$other:$lib"
}

@test "LD_PRELOAD: a path that merely contains the library's path is another library" {
	local lib longer
	lib=$(want_lib)
	# neither exists; ld.so complains on stderr and goes on
	for longer in "$lib.orig" "$BATS_TEST_TMPDIR$lib"; do
		child_preload "$longer"
		assert_output "$lib:$longer"
	done
}

@test "--password-file: the path is passed on, the password never is" {
	local secret="pw-$RANDOM-never-shown" file="$BATS_TEST_TMPDIR/pw"
	printf '%s\n' "$secret" >"$file"
	run --separate-stderr sx -p "socks5://alice@127.0.0.1:9" --password-file "$file" -vv \
		sh -c 'env; printf "cmdline: "; tr "\0" " " </proc/$$/cmdline; echo'
	assert_success
	assert_line "SOCKSIFY_PASSWORD_FILE=$(realpath "$file")"
	assert_line "SOCKSIFY_PROXY=socks5://alice@127.0.0.1:9"
	assert_line --regexp '^cmdline: '
	refute_output --partial "$secret"
	refute_line --regexp '^SOCKSIFY_PASSWORD='
	[[ "$stderr" != *"$secret"* ]]

	# a relative path becomes absolute (the command may change directory)
	run --separate-stderr sx -p "$DEAD_PROXY" --password-file pw sh -c 'env'
	assert_success
	assert_line "SOCKSIFY_PASSWORD_FILE=$(realpath "$file")"

	run --separate-stderr sx -p "$DEAD_PROXY" --password-file "$BATS_TEST_TMPDIR/none" true
	assert_failure 2
}

@test "-c passes the configuration file on as an absolute path" {
	printf 'proxy = %s\n' "$DEAD_PROXY" >"$BATS_TEST_TMPDIR/my.conf"
	run --separate-stderr sx -c my.conf sh -c 'env'
	assert_success
	assert_line "SOCKSIFY_CONF=$(realpath "$BATS_TEST_TMPDIR/my.conf")"
}

@test "the wrapper finds the library beside itself, through symlinks, or in SOCKSIFY_LIBRARY" {
	local lib value alone="$BATS_TEST_TMPDIR/alone"
	lib=$(want_lib)
	mkdir -p "$alone" "$BATS_TEST_TMPDIR/links"
	ln -s "$(realpath "$SOCKSIFY")" "$BATS_TEST_TMPDIR/links/socksify"
	run --separate-stderr timeout 20 "$BATS_TEST_TMPDIR/links/socksify" -p "$DEAD_PROXY" \
		sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	assert_output "$lib"

	# a copy with no library beside it: only SOCKSIFY_LIBRARY can help
	cp "$SOCKSIFY" "$alone/socksify"
	SOCKSIFY_LIBRARY="$lib" run --separate-stderr timeout 20 "$alone/socksify" -p "$DEAD_PROXY" \
		sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	assert_output "$lib"

	[ ! -e /usr/local/lib/socksify/libsocksify.so ] && [ ! -e /usr/lib/socksify/libsocksify.so ] ||
		skip "a library is installed on this machine"
	for value in "" "$BATS_TEST_TMPDIR/none.so" "relative/libsocksify.so"; do
		SOCKSIFY_LIBRARY="$value" run --separate-stderr timeout 20 "$alone/socksify" \
			-p "$DEAD_PROXY" true
		assert_failure 1
		use_stderr
		assert_output --partial 'cannot find libsocksify.so'
	done
}

# expect_log "OPTIONS" LEVEL: SOCKSIFY_LOG seen by the command.
expect_log() {
	# shellcheck disable=SC2086 # OPTIONS is a word list
	run --separate-stderr sx -p "$DEAD_PROXY" $1 sh -c 'printf "%s\n" "$SOCKSIFY_LOG"'
	assert_success
	assert_output "$2"
}

@test "-v and -q set the level the command logs at" {
	expect_log "" warn
	expect_log "-v" info
	expect_log "-vv" debug
	expect_log "-v -v -v" debug
	expect_log "--verbose" info
	expect_log "-q" error
	expect_log "-qq" silent
	expect_log "-qqq" silent
	expect_log "--quiet" error
	expect_log "-v -q" warn
	# relative to the configured level
	SOCKSIFY_LOG=info expect_log "-q" warn
	SOCKSIFY_LOG=error expect_log "" error
	printf 'log = debug\n' >"$BATS_TEST_TMPDIR/log.conf"
	expect_log "-c $BATS_TEST_TMPDIR/log.conf -q" info
}

# ------------------------------------------------------ configuration files

# A config file whose third line is wrong, with a password before it.
write_bad_conf() {
	mkdir -p "$(dirname "$1")"
	printf '# test\npassword = conf-secret-pw\ncolour = blue\n' >"$1"
}

@test "a bad config file is reported as FILE:LINE: what, exit 2 (-c)" {
	local conf="$BATS_TEST_TMPDIR/bad.conf"
	write_bad_conf "$conf"
	run --separate-stderr sx -c "$conf" -p "$DEAD_PROXY" true
	assert_failure 2
	use_stderr
	assert_output "socksify: $(realpath "$conf"):3: unknown key: colour"
	refute_output --partial conf-secret-pw

	run --separate-stderr sx -c "$BATS_TEST_TMPDIR/no-such.conf" -p "$DEAD_PROXY" true
	assert_failure 2
	use_stderr
	assert_output --partial no-such.conf
}

@test "a bad config file is reported as FILE:LINE: what, exit 2 (SOCKSIFY_CONF)" {
	local conf="$BATS_TEST_TMPDIR/bad.conf"
	write_bad_conf "$conf"
	SOCKSIFY_CONF="$conf" run --separate-stderr sx -p "$DEAD_PROXY" true
	assert_failure 2
	use_stderr
	assert_output "socksify: $conf:3: unknown key: colour"

	printf 'proxy = %s\ntimeout = soon\n' "$DEAD_PROXY" >"$conf"
	SOCKSIFY_CONF="$conf" run --separate-stderr sx true
	assert_failure 2
	use_stderr
	assert_output --regexp "^socksify: $conf:2: timeout "

	SOCKSIFY_CONF="$BATS_TEST_TMPDIR/missing.conf" run --separate-stderr sx -p "$DEAD_PROXY" true
	assert_failure 2
	use_stderr
	assert_output --partial "$BATS_TEST_TMPDIR/missing.conf"
}

@test "the XDG config file is read, and its errors reported" {
	local conf="$XDG_CONFIG_HOME/socksify/socksify.conf"
	mkdir -p "$(dirname "$conf")"
	printf 'proxy = %s\nlog = error\n' "$DEAD_PROXY" >"$conf"
	run --separate-stderr sx sh -c 'printf "%s\n" "$SOCKSIFY_LOG"'
	assert_success
	assert_output error

	write_bad_conf "$conf"
	run --separate-stderr sx -p "$DEAD_PROXY" true
	assert_failure 2
	use_stderr
	assert_output "socksify: $conf:3: unknown key: colour"
}

# ----------------------------------------------------------------- library

@test "the library exports exactly the hooks of exports.map, unversioned" {
	local want got
	want=$(sed -n '/global:/,/local:/p' "$ROOT/src/preload/exports.map" |
		sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*;.*/\1/p' | sort)
	[ -n "$want" ]
	run nm -D --defined-only "$LIBSOCKSIFY"
	assert_success
	refute_output --partial '@'
	got=$(printf '%s\n' "$output" | awk 'NF { print $NF }' | sort)
	assert_equal "$got" "$want"
}

# Without the C start files nothing unregisters the fork handlers at
# dlclose: the library is marked never to be unloaded.
@test "a program that dlopens the library, forks through it and dlcloses it forks again" {
	run timeout 20 python3 -c '
import ctypes, _ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1])
for round in (1, 2):
    pid = lib.fork() if round == 1 else os.fork()
    if pid == 0:
        os._exit(0)
    print("child", round, os.waitpid(pid, 0)[1])
    if round == 1:
        _ctypes.dlclose(lib._handle)
' "$LIBSOCKSIFY"
	assert_success
	assert_output $'child 1 0\nchild 2 0'
	run readelf -d "$LIBSOCKSIFY"
	assert_output --regexp 'FLAGS_1.*NODELETE'
}

# ----------------------------------------------------------- a real program

@test "curl through microsocks: the hook runs inside a real program" {
	local url="http://127.0.0.1:$CLI_HTTP_PORT/"
	local info="^socksify: connected to 127\.0\.0\.1:$CLI_HTTP_PORT through 127\.0\.0\.1:$CLI_SOCKS_PORT \([0-9]+ ms\)$"

	run --separate-stderr sx -d none -p "socks5://$PROXY_USER@127.0.0.1:$CLI_SOCKS_PORT" \
		--password-file "$PASSWORD_FILE" -v "${CURL[@]}" "$url"
	assert_success
	assert_output "$MARKER"
	use_stderr
	assert_line --regexp "$info"
	refute_output --partial "$PROXY_PASS"

	# the same without -d: loopback is direct, no line
	run --separate-stderr sx -p "socks5://$PROXY_USER@127.0.0.1:$CLI_SOCKS_PORT" \
		--password-file "$PASSWORD_FILE" -v "${CURL[@]}" "$url"
	assert_success
	assert_output "$MARKER"
	assert_equal "$stderr" ""
}

@test "curl through microsocks with a wrong password fails and says why" {
	(umask 077 && printf 'wrong-password-xyz\n' >"$BATS_TEST_TMPDIR/wrong")
	run --separate-stderr sx -d none -p "socks5://$PROXY_USER@127.0.0.1:$CLI_SOCKS_PORT" \
		--password-file "$BATS_TEST_TMPDIR/wrong" "${CURL[@]}" "http://127.0.0.1:$CLI_HTTP_PORT/"
	assert_failure
	refute_output --partial "$MARKER"
	use_stderr
	assert_output --partial "$PROXY_USER"
	refute_output --partial wrong-password-xyz
}

@test "loopback is direct by default" {
	# the proxy is dead: only a direct connection can fetch the page
	run --separate-stderr sx -p "$DEAD_PROXY" -v "${CURL[@]}" "http://127.0.0.1:$CLI_HTTP_PORT/"
	assert_success
	assert_output "$MARKER"
	assert_equal "$stderr" ""

	# and with nothing direct, the dead proxy is what it meets
	run --separate-stderr sx -d none -p "$DEAD_PROXY" "${CURL[@]}" "http://127.0.0.1:$CLI_HTTP_PORT/"
	assert_failure
	refute_output --partial "$MARKER"
	use_stderr
	assert_output --partial 'proxy 127.0.0.1:9'
}

@test "a program that speaks SOCKS itself reaches the proxy directly" {
	# everything proxied but the proxy's own address; curl does its own SOCKS5
	run --separate-stderr sx -d none -p "socks5://$PROXY_USER@127.0.0.1:$CLI_SOCKS_PORT" \
		--password-file "$PASSWORD_FILE" -v "${CURL[@]}" \
		--proxy "socks5://$PROXY_USER:$PROXY_PASS@127.0.0.1:$CLI_SOCKS_PORT" \
		"http://127.0.0.1:$CLI_HTTP_PORT/"
	assert_success
	assert_output "$MARKER"
	assert_equal "$stderr" ""
}

@test "a password other users can read: one warning naming the file, from the library and from --check" {
	local conf="$BATS_TEST_TMPDIR/readable.conf"
	printf 'proxy = socks5://127.0.0.1:9\nuser = alice\npassword = s3cret-readable\n' >"$conf"
	chmod 644 "$conf"
	# a loopback connection is direct, but loads the configuration
	run --separate-stderr "$SOCKSIFY" -c "$conf" -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/9'
	use_stderr
	assert_line "socksify: configuration file $conf holds a password and other users can read it (chmod 600 it)"
	[ "$(grep -c '^socksify:' <<<"$stderr")" -eq 1 ] || fail "more than one line: $stderr"
	refute_output --partial s3cret-readable
	run --separate-stderr "$SOCKSIFY" -c "$conf" --check
	assert_line --partial "warn"
	assert_line --partial "holds a password and other users can read it"
	refute_output --partial s3cret-readable
	[[ $stderr != *"other users can read it"* ]] || fail "said twice: $stderr"
	chmod 600 "$conf"
	run --separate-stderr "$SOCKSIFY" -c "$conf" -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/9'
	use_stderr
	refute_output --partial socksify:
}

@test "closefrom(3) leaves the log file open: socksify's lines never land in the program's files" {
	cc -Wall -o "$BATS_TEST_TMPDIR/log_closefrom" "$ROOT/tests/helpers/log_closefrom.c"
	local log="$BATS_TEST_TMPDIR/socksify.log" out="$BATS_TEST_TMPDIR/out"
	run --separate-stderr env SOCKSIFY_LOG_FILE="$log" "$SOCKSIFY" -p socks5://127.0.0.1:9 -- \
		"$BATS_TEST_TMPDIR/log_closefrom" "$out"
	assert_success
	assert_equal "$(cat "$out")" "mine"
	run cat "$log"
	assert_line --partial "198.18.255.254:80 is a fake-DNS placeholder this process tree never handed out"
}

@test "a fork inside libc whose handlers make the first hooked call does not hang" {
	cc -Wall -o "$BATS_TEST_TMPDIR/fork_in_handler" "$ROOT/tests/helpers/fork_in_handler.c"
	local out="$BATS_TEST_TMPDIR/out" i
	LD_PRELOAD="$LIBSOCKSIFY" SOCKSIFY_PROXY=socks5://127.0.0.1:9 timeout 10 \
		"$BATS_TEST_TMPDIR/fork_in_handler" >"$out"
	# the daemon child writes "done" after the parent exits
	for i in $(seq 100); do
		grep -qx done "$out" && break
		sleep 0.05
	done
	run cat "$out"
	assert_line prepare
	assert_line done
}

# ------------------------------------------------------------ installation

INSTALLED_FILES=(bin/socksify lib/socksify/libsocksify.so share/man/man1/socksify.1
	share/man/man5/socksify.conf.5 share/man/man8/libsocksify.8
	share/doc/socksify/socksify.conf.example)

@test "make install: wrapper, library, man pages, example configuration; the installed wrapper finds its library, under any PREFIX" {
	local dest="$BATS_TEST_TMPDIR/dest" build="$BATS_TEST_TMPDIR/build" f
	run timeout 300 make -s -C "$ROOT" -j4 B="$build" DESTDIR="$dest" PREFIX=/usr install
	assert_success
	for f in "${INSTALLED_FILES[@]}"; do
		[ -f "$dest/usr/$f" ] || fail "not installed: /usr/$f"
	done
	[ -x "$dest/usr/bin/socksify" ]

	cd "$dest" || return 1
	run --separate-stderr timeout 20 ./usr/bin/socksify -d none \
		-p "socks5://$PROXY_USER@127.0.0.1:$CLI_SOCKS_PORT" --password-file "$PASSWORD_FILE" -v \
		sh -c 'printf "%s\n" "$LD_PRELOAD"; exec curl -q -sS --max-time 10 "$1"' sh \
		"http://127.0.0.1:$CLI_HTTP_PORT/"
	assert_success
	assert_line --index 0 "$dest/usr/lib/socksify/libsocksify.so"
	assert_line --index 1 "$MARKER"
	use_stderr
	assert_line --regexp "^socksify: connected to 127\.0\.0\.1:$CLI_HTTP_PORT through "

	# the example parses: every line a comment, or uncommented a valid key
	sed 's/^# \([a-z_]* = \)/\1/' "$dest/usr/share/doc/socksify/socksify.conf.example" |
		grep -v -e '^#' -e '^password_file' -e '^log_file' >"$BATS_TEST_TMPDIR/example.conf"
	run --separate-stderr timeout 20 ./usr/bin/socksify -c "$BATS_TEST_TMPDIR/example.conf" -- true
	assert_success
	assert_equal "$stderr" ""

	run timeout 300 make -s -C "$ROOT" B="$build" DESTDIR="$dest" PREFIX=/usr uninstall
	assert_success
	for f in "${INSTALLED_FILES[@]}"; do
		[ ! -e "$dest/usr/$f" ] || fail "left behind: /usr/$f"
	done
	[ ! -e "$dest/usr/lib/socksify" ] && [ ! -e "$dest/usr/share/doc/socksify" ]

	# installing the same build to another PREFIX recompiles the wrapper's library path
	run timeout 300 make -s -C "$ROOT" B="$build" DESTDIR="$dest" PREFIX=/opt/sx install
	assert_success
	grep -qaF /opt/sx/lib/socksify "$dest/opt/sx/bin/socksify" ||
		fail "the wrapper installed under /opt/sx still names the first LIBDIR"
}

# ---------------------------------------------------------------- man pages

# man_warnings FILE: what man prints on stderr while rendering FILE.
man_warnings() {
	[ -f "$1" ] || {
		echo "missing: $1"
		return
	}
	# shellcheck disable=SC2069 # stderr to the output, the page itself discarded
	MANWIDTH=80 MANPAGER=cat PAGER=cat timeout 30 man -l --warnings -E UTF-8 "$1" 2>&1 >/dev/null
}

@test "man/socksify.1 renders without warnings" {
	run man_warnings "$ROOT/man/socksify.1"
	assert_output ""
}

@test "man/socksify.conf.5 renders without warnings" {
	run man_warnings "$ROOT/man/socksify.conf.5"
	assert_output ""
}

@test "man/libsocksify.8 renders without warnings and names every exported hook" {
	local hook
	run man_warnings "$ROOT/man/libsocksify.8"
	assert_output ""
	run sh -c "MANWIDTH=200 MANPAGER=cat man -l '$ROOT/man/libsocksify.8' 2>/dev/null"
	for hook in $(sed -n '/global:/,/local:/p' "$ROOT/src/preload/exports.map" | tr -d ' \t;' |
		grep -v -e : -e '^__' -e '^res_n' -e '^fcntl64$'); do
		assert_output --partial "$hook"
	done
}
