#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by tests/fuzz/rules.mk.
#
#   run.sh check|long SECONDS OUTDIR JOBS HARNESS...
#
# check: each harness first runs every committed seed once (the files
#        themselves), then fuzzes SECONDS from a fresh copy of its seeds
#        in OUTDIR/check-HARNESS.
# long:  fuzzes SECONDS from OUTDIR/corpus-HARNESS, which keeps growing
#        from run to run (the seeds are added to it first).
#
# Up to JOBS harnesses run at once. Crash, leak, timeout and UBSan inputs
# land in OUTDIR as fuzz_HARNESS-crash-*, -leak-*, -timeout-*; each run's
# log is OUTDIR/fuzz_HARNESS.log. Prints one line per harness, then
# "fuzz: N harnesses, M executions, K crashes"; fails if K > 0.
set -u

mode=$1 seconds=$2 out=$3 jobs=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# One harness; writes "runs seconds seeds corpus status" to OUTDIR/fuzz_H.result.
run_one() {
	local h=$1 bin=$out/fuzz_$1 log=$out/fuzz_$1.log seeds=$here/corpus/$1
	local corpus rc runs secs nseeds dict=()

	[ -f "$here/fuzz_$h.dict" ] && dict=(-dict="$here/fuzz_$h.dict")
	nseeds=$(find "$seeds" -maxdepth 1 -type f | wc -l)
	rm -f "$out/fuzz_$h.result"

	# The seeds themselves, once each.
	if ! find "$seeds" -maxdepth 1 -type f -print0 | sort -z |
		xargs -0 -r "$bin" -timeout=10 -artifact_prefix="$out/fuzz_$h-" >"$log" 2>&1; then
		echo "0 0 $nseeds 0 seed-failed" >"$out/fuzz_$h.result"
		return
	fi

	if [ "$mode" = check ]; then
		corpus=$out/check-$h
		rm -rf "$corpus"
		mkdir -p "$corpus"
	else
		corpus=$out/corpus-$h
		mkdir -p "$corpus"
	fi
	cp -n "$seeds"/* "$corpus"/ 2>/dev/null

	"$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$out/fuzz_$h-" "$corpus" >>"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log" | tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\)\t.*/\1/p' "$log" | tail -n 1)
	echo "${runs:-0} ${secs:-$seconds} $nseeds $(find "$corpus" -maxdepth 1 -type f | wc -l)" \
		"$([ $rc -eq 0 ] && echo ok || echo "failed($rc)")" >"$out/fuzz_$h.result"
}

mkdir -p "$out"
for h in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$h" &
done
wait

total=0 crashes=0
for h in "$@"; do
	read -r runs secs nseeds ncorpus status <"$out/fuzz_$h.result" 2>/dev/null ||
		{ runs=0 secs=0 nseeds=0 ncorpus=0 status=no-result; }
	total=$((total + runs))
	rate=$((runs / (secs > 0 ? secs : 1)))
	if [ "$status" = ok ]; then
		printf 'fuzz_%s: %d executions in %s s (%d/s), %d seeds, corpus %d, ok\n' \
			"$h" "$runs" "$secs" "$rate" "$nseeds" "$ncorpus"
		continue
	fi
	crashes=$((crashes + 1))
	printf 'fuzz_%s: %s after %d executions; log %s\n' "$h" "$status" "$runs" "$out/fuzz_$h.log"
	{
		grep '^Running: ' "$out/fuzz_$h.log" | tail -n 1
		grep -E '^==[0-9]+== *ERROR|Assertion .* failed|runtime error|^SUMMARY|Test unit written' \
			"$out/fuzz_$h.log" | tail -n 6
	} | sed 's/^/    /'
done
echo "fuzz: $# harnesses, $total executions, $crashes crashes"
[ "$crashes" -eq 0 ]
