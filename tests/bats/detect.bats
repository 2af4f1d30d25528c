#!/usr/bin/env bats
# What cannot be proxied: the wrapper's one line before exec for a
# statically linked command (also behind "#!" and "#!/usr/bin/env"), and
# for commands the kernel runs in secure-execution mode, where ld.so drops
# LD_PRELOAD (setuid, setgid, file capabilities); --strict refuses them
# with 126. Each case is checked against the loader itself: a probe
# program reports whether libsocksify.so is in its own memory, and the
# line must appear exactly when it is not.
#
# Runs as root (set-ID files owned by root, setcap, mount); the cases that
# need another user run as nobody with setpriv, from copies of the wrapper
# and library in a directory nobody can reach, on a file system that
# honours set-ID bits (a tmpfs is mounted there when /tmp is nosuid).

# $stderr comes from bats' run --separate-stderr.
# shellcheck disable=SC2154

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load isolate

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
SOCKSIFY="${SOCKSIFY:-$ROOT/build/socksify}"
LIBSOCKSIFY="${LIBSOCKSIFY:-$(dirname "$SOCKSIFY")/libsocksify.so}"
DEAD_PROXY=socks5://127.0.0.1:9
DROPS="and the loader drops LD_PRELOAD"

setup_file() {
	if [ ! -x "$SOCKSIFY" ] || [ ! -f "$LIBSOCKSIFY" ]; then
		echo "no wrapper at $SOCKSIFY or library at $LIBSOCKSIFY: build them, or set SOCKSIFY and LIBSOCKSIFY" >&2
		return 1
	fi
	[ "$(id -u)" -eq 0 ] || {
		echo "detect.bats needs root (set-ID files owned by root, setcap, mount)" >&2
		return 1
	}
	local tool
	for tool in cc setpriv setcap findmnt; do
		command -v "$tool" >/dev/null || {
			echo "$tool is not installed (see scripts/install-deps.sh)" >&2
			return 1
		}
	done

	DIR=$(mktemp -d /tmp/socksify-detect.XXXXXX)
	export DIR
	chmod 755 "$DIR"
	if findmnt -n -o OPTIONS -T "$DIR" | tr , '\n' | grep -qx nosuid; then
		mount -t tmpfs -o mode=0755,suid socksify-detect "$DIR" || return 1
		export DIR_MOUNTED=1
	fi
	install -m 755 "$SOCKSIFY" "$DIR/socksify"
	install -m 644 "$LIBSOCKSIFY" "$DIR/libsocksify.so"
	mkdir -m 755 "$DIR/xdg" "$DIR/bin"

	# probe: says whether the library is in its own memory, and its ids
	cat >"$DIR/probe.c" <<-'EOF'
	#include <stdio.h>
	#include <string.h>
	#include <unistd.h>
	int main(void)
	{
		char line[4096];
		int found = 0;
		FILE *maps = fopen("/proc/self/maps", "r");
		while (maps != NULL && fgets(line, sizeof(line), maps) != NULL)
			found |= strstr(line, "/libsocksify.so") != NULL;
		printf("%s euid=%d egid=%d\n", found ? "preloaded" : "not-preloaded",
		       (int)geteuid(), (int)getegid());
		return 0;
	}
	EOF
	cc -O2 -o "$DIR/bin/probe" "$DIR/probe.c" || return 1
	cc -O2 -static -o "$DIR/bin/static-probe" "$DIR/probe.c" || {
		echo "cc -static failed: is libc6-dev (libc.a) installed?" >&2
		return 1
	}
	cc -O2 -static-pie -fPIE -o "$DIR/bin/static-pie-probe" "$DIR/probe.c" || return 1
	chmod 755 "$DIR"/bin/*
}

teardown_file() {
	[ -z "${DIR_MOUNTED:-}" ] || umount "$DIR"
	case "${DIR:-}" in
	/tmp/socksify-detect.*) rm -rf -- "$DIR" ;;
	esac
}

setup() {
	isolate_env
	# files made by a test, where nobody can reach them
	T=$(mktemp -d "$DIR/t.XXXXXX")
	chmod 755 "$T"
}

teardown() {
	! mountpoint -q "${T:-}/nosuid" || umount "$T/nosuid"
	case "${T:-}" in
	"$DIR"/t.*) rm -rf -- "$T" ;;
	esac
}

# sx ARGS...: the wrapper, as root, bounded in time.
sx() {
	timeout 20 "$SOCKSIFY" "$@"
}

# sx_nobody [SETPRIV-OPTIONS] -- ARGS...: the copy of the wrapper, as nobody
# with no supplementary group unless the options give some.
sx_nobody() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	[[ " ${opts[*]} " == *" --groups="* ]] || opts+=(--clear-groups)
	timeout 20 setpriv --reuid=nobody --regid=nogroup "${opts[@]}" \
		env HOME=/nonexistent XDG_CONFIG_HOME="$DIR/xdg" PATH="$DIR/bin:$PATH" \
		"$DIR/socksify" "$@"
}

use_stderr() {
	output="$stderr"
	lines=("${stderr_lines[@]}")
}

# copy_probe NAME MODE [OWNER[:GROUP]]: a copy of the probe in $T.
copy_probe() {
	install -m "$2" ${3:+-o "${3%%:*}"} ${3:+-g "${3#*:}"} "$DIR/bin/probe" "$T/$1"
}

# script NAME LINE: an executable script in $T whose first line is LINE.
script() {
	printf '%s\necho script-ran\n' "$2" >"$T/$1"
	chmod 755 "$T/$1"
}

# ---------------------------------------------------------- dynamic programs

@test "a dynamically linked command gets no line, and is preloaded" {
	run --separate-stderr sx -p "$DEAD_PROXY" "$DIR/bin/probe"
	assert_success
	assert_output --regexp '^preloaded '
	assert_equal "$stderr" ""

	# found on PATH, and the usual system programs
	PATH="$DIR/bin:$PATH" run --separate-stderr sx -p "$DEAD_PROXY" probe
	assert_output --regexp '^preloaded '
	assert_equal "$stderr" ""
	local cmd
	for cmd in true 'ls /' '/usr/bin/env true' 'sh -c :' 'bash -c :' 'python3 -c pass' 'git --version'; do
		# shellcheck disable=SC2086 # a command and its arguments
		run --separate-stderr sx -p "$DEAD_PROXY" $cmd
		assert_success
		assert_equal "$stderr" ""
	done

	# --strict runs it, with its own status
	run --separate-stderr sx -p "$DEAD_PROXY" --strict sh -c 'exit 7'
	assert_failure 7
	assert_equal "$stderr" ""
}

@test "a script whose interpreter is dynamic gets no line" {
	script sh-script '#!/bin/sh'
	script env-script '#!/usr/bin/env sh'
	script env-s-script '#!/usr/bin/env -S sh -e'
	local s
	for s in sh-script env-script env-s-script; do
		run --separate-stderr sx -p "$DEAD_PROXY" --strict "$T/$s"
		assert_success
		assert_output script-ran
		assert_equal "$stderr" ""
	done
}

# ----------------------------------------------------------- static programs

@test "a statically linked command: one line, and it still runs" {
	local prog
	for prog in static-probe static-pie-probe; do
		run --separate-stderr sx -p "$DEAD_PROXY" "$DIR/bin/$prog"
		assert_success
		assert_output --regexp '^not-preloaded '
		use_stderr
		assert_output "socksify: $DIR/bin/$prog will not be proxied: it is statically linked"
	done

	# found on PATH: the line names the file that runs
	PATH="$DIR/bin:$PATH" run --separate-stderr sx -p "$DEAD_PROXY" static-probe
	assert_output --regexp '^not-preloaded '
	use_stderr
	assert_output "socksify: $DIR/bin/static-probe will not be proxied: it is statically linked"
}

@test "--strict refuses a statically linked command with 126 and does not run it" {
	run --separate-stderr sx -p "$DEAD_PROXY" --strict "$DIR/bin/static-probe"
	assert_failure 126
	assert_output ""
	use_stderr
	assert_output "socksify: $DIR/bin/static-probe will not be proxied: it is statically linked; not running it (--strict)"

	# after the command's own arguments, --strict is the command's
	run --separate-stderr sx -p "$DEAD_PROXY" "$DIR/bin/static-probe" --strict
	assert_success
}

@test "the line is a warning: -q leaves it out, --strict still refuses" {
	run --separate-stderr sx -p "$DEAD_PROXY" -q "$DIR/bin/static-probe"
	assert_success
	assert_output --regexp '^not-preloaded '
	assert_equal "$stderr" ""

	SOCKSIFY_LOG=silent run --separate-stderr sx -p "$DEAD_PROXY" "$DIR/bin/static-probe"
	assert_success
	assert_equal "$stderr" ""

	run --separate-stderr sx -p "$DEAD_PROXY" -qq --strict "$DIR/bin/static-probe"
	assert_failure 126
	use_stderr
	assert_output --partial 'not running it (--strict)'
}

@test "a script is judged by its interpreter, through #! and #!/usr/bin/env" {
	local want="will not be proxied: its interpreter $DIR/bin/static-probe is statically linked"
	script direct "#!$DIR/bin/static-probe"
	script spaced "#!  $DIR/bin/static-probe  -x "
	script via-env '#!/usr/bin/env static-probe'
	script via-env-s '#!/usr/bin/env -S A=1 static-probe -x'
	# a script as the interpreter of a script: the kernel follows both
	script nested "#!$T/direct"

	local s
	for s in direct spaced via-env via-env-s nested; do
		PATH="$DIR/bin:$PATH" run --separate-stderr sx -p "$DEAD_PROXY" "$T/$s"
		assert_success
		assert_output --regexp '^not-preloaded '
		use_stderr
		assert_output "socksify: $T/$s $want"
	done

	PATH="$DIR/bin:$PATH" run --separate-stderr sx -p "$DEAD_PROXY" --strict "$T/via-env"
	assert_failure 126
	assert_output ""
}

@test "files it cannot judge give no line: not ELF, unreadable, an interpreter loop" {
	# no "#!": execvp hands it to /bin/sh
	printf 'echo text-ran\n' >"$T/text"
	chmod 755 "$T/text"
	run --separate-stderr sx -p "$DEAD_PROXY" --strict "$T/text"
	assert_success
	assert_output text-ran
	assert_equal "$stderr" ""

	# a static program nobody may read but may run
	install -m 711 "$DIR/bin/static-probe" "$T/static-unreadable"
	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" "$T/static-unreadable"
	assert_success
	assert_output --regexp '^not-preloaded '
	assert_equal "$stderr" ""

	# scripts that name each other: no line, and the kernel refuses (ELOOP)
	script loop-a "#!$T/loop-b"
	script loop-b "#!$T/loop-a"
	run --separate-stderr sx -p "$DEAD_PROXY" "$T/loop-a"
	assert_failure 126
	refute_output --partial 'not be proxied'
	[[ "$stderr" != *"not be proxied"* ]]

	# a missing command is still 127, with no line about proxying
	run -127 --separate-stderr sx -p "$DEAD_PROXY" --strict "$T/missing"
	[[ "$stderr" != *"not be proxied"* ]]
}

# ------------------------------------------------------- secure execution

@test "setuid to another user: one line, and the loader really drops the library" {
	copy_probe suid-root 4755 root:root
	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" "$T/suid-root"
	assert_success
	assert_output 'not-preloaded euid=0 egid=65534'
	use_stderr
	assert_output "socksify: $T/suid-root will not be proxied: it is setuid root $DROPS"

	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" --strict "$T/suid-root"
	assert_failure 126
	assert_output ""
	use_stderr
	assert_output "socksify: $T/suid-root will not be proxied: it is setuid root $DROPS; not running it (--strict)"

	# root running a setuid-nobody program changes uid too
	copy_probe suid-nobody 4755 nobody:root
	run --separate-stderr sx -p "$DEAD_PROXY" "$T/suid-nobody"
	assert_output 'not-preloaded euid=65534 egid=0'
	use_stderr
	assert_output "socksify: $T/suid-nobody will not be proxied: it is setuid nobody $DROPS"
}

@test "setuid to the caller's own uid: no line, preloaded" {
	copy_probe suid-root 4755 root:root
	run --separate-stderr sx -p "$DEAD_PROXY" "$T/suid-root"
	assert_output 'preloaded euid=0 egid=0'
	assert_equal "$stderr" ""

	copy_probe suid-nobody 4755 nobody:root
	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" --strict "$T/suid-nobody"
	assert_success
	assert_output 'preloaded euid=65534 egid=65534'
	assert_equal "$stderr" ""
}

@test "setgid to another group: one line; to the caller's group, or without group execute: none" {
	copy_probe sgid-root 2755 root:root
	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" "$T/sgid-root"
	assert_success
	assert_output 'not-preloaded euid=65534 egid=0'
	use_stderr
	assert_output "socksify: $T/sgid-root will not be proxied: it is setgid root $DROPS"

	# a supplementary group is not enough: the real gid is what counts
	run --separate-stderr sx_nobody --groups=root -- -p "$DEAD_PROXY" "$T/sgid-root"
	assert_output 'not-preloaded euid=65534 egid=0'
	use_stderr
	assert_output --partial 'is setgid root'

	run --separate-stderr sx -p "$DEAD_PROXY" "$T/sgid-root"
	assert_output 'preloaded euid=0 egid=0'
	assert_equal "$stderr" ""

	# S_ISGID without group execute is mandatory locking, not set-group-ID
	copy_probe sgid-nox 2705 root:root
	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" "$T/sgid-nox"
	assert_output 'preloaded euid=65534 egid=65534'
	assert_equal "$stderr" ""
}

@test "file capabilities: one line for a user other than root, none for root" {
	copy_probe cap-ep 755
	setcap cap_net_raw+ep "$T/cap-ep"
	copy_probe cap-p 755
	setcap cap_net_raw+p "$T/cap-p"
	local f
	for f in cap-ep cap-p; do
		run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" "$T/$f"
		assert_success
		assert_output --regexp '^not-preloaded '
		use_stderr
		assert_output "socksify: $T/$f will not be proxied: it has file capabilities $DROPS"

		run --separate-stderr sx -p "$DEAD_PROXY" --strict "$T/$f"
		assert_success
		assert_output --regexp '^preloaded '
		assert_equal "$stderr" ""
	done
	run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" --strict "$T/cap-ep"
	assert_failure 126
	assert_output ""
}

@test "no_new_privs: set-ID bits and ineffective capabilities are ignored, effective ones are not" {
	copy_probe suid-root 4755 root:root
	copy_probe sgid-root 2755 root:root
	copy_probe cap-p 755
	setcap cap_net_raw+p "$T/cap-p"
	copy_probe cap-ep 755
	setcap cap_net_raw+ep "$T/cap-ep"
	local f
	for f in suid-root sgid-root cap-p; do
		run --separate-stderr sx_nobody --no-new-privs -- -p "$DEAD_PROXY" "$T/$f"
		assert_success
		assert_output 'preloaded euid=65534 egid=65534'
		assert_equal "$stderr" ""
	done
	run --separate-stderr sx_nobody --no-new-privs -- -p "$DEAD_PROXY" "$T/cap-ep"
	assert_output --regexp '^not-preloaded '
	use_stderr
	assert_output --partial 'has file capabilities'
}

@test "a nosuid mount: set-ID bits and capabilities are ignored, no line" {
	mkdir -m 755 "$T/nosuid"
	mount -t tmpfs -o mode=0755,nosuid socksify-detect-nosuid "$T/nosuid" || skip "cannot mount a tmpfs here"
	install -m 4755 -o root -g root "$DIR/bin/probe" "$T/nosuid/suid-root"
	install -m 755 "$DIR/bin/probe" "$T/nosuid/cap-ep"
	setcap cap_net_raw+ep "$T/nosuid/cap-ep"
	local f
	for f in suid-root cap-ep; do
		run --separate-stderr sx_nobody -- -p "$DEAD_PROXY" "$T/nosuid/$f"
		assert_output 'preloaded euid=65534 egid=65534'
		assert_equal "$stderr" ""
	done
	umount "$T/nosuid"
}

@test "a script's own set-ID bits are ignored; a set-ID interpreter is not" {
	script suid-script '#!/bin/sh'
	chown nobody "$T/suid-script"
	chmod 4755 "$T/suid-script"
	run --separate-stderr sx -p "$DEAD_PROXY" --strict "$T/suid-script"
	assert_success
	assert_output script-ran
	assert_equal "$stderr" ""

	copy_probe suid-interp 4755 nobody:root
	script by-suid "#!$T/suid-interp"
	run --separate-stderr sx -p "$DEAD_PROXY" "$T/by-suid"
	assert_output --regexp '^not-preloaded euid=65534 '
	use_stderr
	assert_output "socksify: $T/by-suid will not be proxied: its interpreter $T/suid-interp is setuid nobody $DROPS"
}

@test "a uid or gid with no name is shown as a number" {
	copy_probe suid-num 4755 54321:root
	run --separate-stderr sx -p "$DEAD_PROXY" "$T/suid-num"
	assert_output --regexp '^not-preloaded euid=54321 '
	use_stderr
	assert_output "socksify: $T/suid-num will not be proxied: it is setuid 54321 $DROPS"

	copy_probe sgid-num 2755 root:54321
	run --separate-stderr sx -p "$DEAD_PROXY" "$T/sgid-num"
	use_stderr
	assert_output "socksify: $T/sgid-num will not be proxied: it is setgid 54321 $DROPS"
}

# ----------------------------------------------------------------- man page

@test "the man page and --help document --strict and what cannot be proxied" {
	run --separate-stderr sx --help
	assert_output --partial '--strict'
	run man_text
	assert_output --partial 'What cannot be proxied'
	assert_output --partial 'PT_INTERP'
	assert_output --partial 'io_uring'
	assert_output --partial 'syscall'
	assert_output --partial '--strict'
}

man_text() {
	MANWIDTH=200 MANPAGER=cat PAGER=cat man -l -E UTF-8 "$ROOT/man/socksify.1" 2>/dev/null
}
