# A suite in the namespace lab (lab.bash) whose tests all keep the leak
# counters at 0: the lab and the nobody copies for the whole file, the
# counters reset before each test and checked after it. A suite that needs
# more in setup_file defines its own and calls lab_suite_up from it.
load lab

setup_file() {
	lab_suite_up
}

teardown_file() {
	lab_suite_down
}

setup() {
	reset_leaks
}

teardown() {
	assert_no_leaks_at_all
}
