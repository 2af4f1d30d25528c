# isolate_env: a test sees no socksify setting of whoever runs the suite:
# no SOCKSIFY_* variable, no LD_PRELOAD, and a HOME and XDG_CONFIG_HOME of
# its own (so no user configuration file either).
isolate_env() {
	local v
	for v in $(compgen -e); do
		case "$v" in SOCKSIFY_*) unset "$v" ;; esac
	done
	unset LD_PRELOAD
	export HOME="$BATS_TEST_TMPDIR/home" XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
}
