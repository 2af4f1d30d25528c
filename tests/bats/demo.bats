#!/usr/bin/env bats
# make demo (scripts/demo.sh): as root through danted in the namespace lab,
# as an ordinary user through microsocks on loopback; both clean up.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"

@test "demo as root: the page by name through danted, its log line, dig, a UDP echo, no leak, nothing left" {
	run timeout 120 "$REPO/scripts/demo.sh"
	assert_success
	assert_output --partial "socksify-lab-marker-"
	assert_output --regexp "socksify: connected to www\.example\.test:80 through 198\.51\.100\.1:1080"
	assert_output --partial "pass(1): tcp/connect"
	assert_line "198.18.0.1"
	assert_output --regexp "hello over UDP <- from 198\.18\.0\.1 7"
	assert_output --regexp "socksify: UDP association"
	assert_output --partial "other than to the proxy: 0"
	run ip netns list
	refute_output --partial "sxdemo"
	run id sxlab-sxdemo
	assert_failure
}

@test "demo as an ordinary user: microsocks on loopback with a generated password" {
	[ -x "$REPO/build/socksify" ] || fail "build first (make)"
	# a copy nobody can read wherever the checkout lives; cp -a keeps the
	# build up to date, so the demo's make has nothing to do
	local copy="$BATS_TEST_TMPDIR/tree"
	mkdir "$copy"
	cp -a "$REPO"/{Makefile,src,include,scripts,build} "$copy/"
	chmod -R a+rX "$BATS_TEST_TMPDIR"
	chmod a+x "$BATS_RUN_TMPDIR" "$BATS_FILE_TMPDIR" 2>/dev/null || true
	run setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH="$PATH" HOME=/nonexistent \
		timeout 60 "$copy/scripts/demo.sh"
	assert_success
	assert_output --partial "Hello through socksify"
	assert_output --regexp "socksify: connected to 127\.0\.0\.1:[0-9]+ through 127\.0\.0\.1:[0-9]+"
	assert_output --regexp "client\[[0-9]+\] 127\.0\.0\.1: connected to 127\.0\.0\.1:[0-9]+"
}
