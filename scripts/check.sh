#!/bin/bash
# make check: every suite, then one summary line "N passed, M failed".
# Suites: unit (cmocka), toml-test conformance, integration (real binary,
# on SQLite and again on PostgreSQL), the same under ASan+UBSan (SQLite),
# and the libFuzzer smoke run.
set -u
cd "$(dirname "$0")/.."
export RESULTS=build/results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
TOMLTEST=${TOMLTEST:-tests/toml/toml-test}
status=0
start=$(date +%s)

suite() {  # suite LABEL COMMAND...
	echo "== $1"
	"${@:2}" || status=1
}

toml() {  # toml LABEL BINARY
	local out
	out=$("$2" "$TOMLTEST" "$TOMLTEST/files-toml-1.0.0" 2>&1); local rc=$?
	printf '%s\n' "$out" | grep -v '^ok' | tail -25
	local line p f
	line=$(printf '%s\n' "$out" | grep -E '^toml-test: [0-9]+ passed' | tail -1)
	p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p'); p=${p:-0}
	f=$(echo "$line" | sed -n 's/.*, \([0-9]*\) failed.*/\1/p'); f=${f:-1}
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$1: $p passed, $f failed"
	echo "$p $f" > "$RESULTS/$1"
	[ "$f" -eq 0 ]
}

# The integration suite again on PostgreSQL: one throwaway cluster (in
# /dev/shm when it can: initdb's many small files are slow on disk), a
# schema per test.
pg_suite() {
	local dir=/dev/shm/hs-pg-check.$$ rc
	[ -w /dev/shm ] || dir=$PWD/build/pg-check.$$
	if ! eval "$(HS_PG_OWNER=$$ scripts/pg.sh start "$dir")"; then
		echo "integration-pg: cannot start PostgreSQL (see $dir/log)"
		echo "0 1" > "$RESULTS/integration-pg"
		return 1
	fi
	HS_TEST_PG=1 HS_PG_URL="$HS_PG_URL" HS_BIN="$PWD/build/hs" \
		tests/integration/run.sh integration-pg; rc=$?
	scripts/pg.sh stop "$dir" >/dev/null 2>&1
	return $rc
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

suite lint scripts/lint.sh
suite unit scripts/unit.sh unit build/tests/test_*
suite toml toml toml build/tests/toml_test
suite integration env HS_BIN="$PWD/build/hs" tests/integration/run.sh integration
suite integration-pg pg_suite
suite asan-unit scripts/unit.sh asan-unit build/asan/tests/test_*
suite asan-toml toml asan-toml build/asan/tests/toml_test
suite asan-integration env HS_BIN="$PWD/build/asan/hs" tests/integration/run.sh asan-integration
# the live smoke run: 12 s per target, two at a time, so the ten targets
# fuzz for a minute of wall time (make fuzz runs 300 s each)
fuzzers=$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/\(.*\)\.c|build/fuzz/\1|')
suite fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-12}" scripts/fuzz.sh $fuzzers

passed=0; failed=0
echo
echo "== summary"
for f in "$RESULTS"/*; do
	read -r p q < "$f"
	printf '  %-18s %6d passed, %d failed\n' "$(basename "$f")" "$p" "$q"
	passed=$((passed + p)); failed=$((failed + q))
done
echo "  time: $(( $(date +%s) - start ))s"
[ "$failed" -ne 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
