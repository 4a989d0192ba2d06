#!/bin/bash
# Replay every fuzz target's checked-in corpus, then fuzz each live for
# FUZZ_SECONDS (two at a time: the machine has two cores). A crash, leak,
# sanitizer report or timeout fails the target and keeps the input under
# build/fuzz/artifacts/.
# usage: fuzz.sh build/fuzz/fuzz_NAME...
set -u
secs=${FUZZ_SECONDS:-10}
art=build/fuzz/artifacts
logs=build/fuzz/logs
mkdir -p "$art" "$logs"
passed=0; failed=0
declare -A pids

run_one() {
	local bin=$1 name=${1##*/fuzz_} work
	local corpus=tests/fuzz/corpus/$name dict=tests/fuzz/$name.dict
	local opts=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=8192)
	[ -f "$dict" ] && opts+=(-dict="$dict")
	work=$(mktemp -d)
	mkdir -p "$work/corpus"
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/"
	if ! "$bin" "${opts[@]}" -runs=0 "$work/corpus" >"$work/replay.log" 2>&1; then
		tail -20 "$work/replay.log"; rm -rf "$work"; return 1
	fi
	if ! "$bin" "${opts[@]}" -max_total_time="$secs" -artifact_prefix="$art/$name-" \
	    "$work/corpus" >"$work/live.log" 2>&1; then
		tail -30 "$work/live.log"; rm -rf "$work"; return 1
	fi
	grep -E '^(Done|#[0-9]+ *DONE)' "$work/live.log" | tail -1 | sed "s/^/  $name: /"
	rm -rf "$work"
}

for bin in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
	run_one "$bin" > "$logs/${bin##*/}.log" 2>&1 &
	pids[$bin]=$!
done
for bin in "$@"; do
	if wait "${pids[$bin]}"; then
		passed=$((passed + 1)); echo "ok   ${bin##*/} (corpus replay + ${secs}s live)"
	else
		failed=$((failed + 1)); echo "FAIL ${bin##*/}"; cat "$logs/${bin##*/}.log"
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ -n "${RESULTS:-}" ] && echo "$passed $failed" > "$RESULTS/fuzz"
[ "$failed" -eq 0 ]
