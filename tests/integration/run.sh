#!/bin/bash
# Integration test runner: every test_* function of every t_*.sh file, each
# in a fresh directory and shell, against the binary in $HS_BIN. A test
# fails if it exits non-zero, times out, or leaves a sanitizer report.
# usage: HS_BIN=build/hs run.sh [LABEL] [FILTER]
# HS_TEST_GLOB picks other files (make soak: soak_*.sh); HS_TEST_TIMEOUT
# is each test's limit in seconds (120); HS_TEST_SHOW=1 prints the logs of
# passing tests too.
# With HS_TEST_PG=1 and HS_PG_URL (scripts/pg.sh start), every test runs
# on PostgreSQL, in a schema of its own; tests that call `sqlite_only`
# are skipped there.
set -u
here=$(cd "$(dirname "$0")" && pwd)
label=${1:-integration}
filter=${2:-}
: "${HS_BIN:?HS_BIN must name the hs binary}"
passed=0; failed=0
root=$(mktemp -d)
trap '[ -n "${HS_KEEP:-}" ] && echo "kept $root" || rm -rf "$root"' EXIT
retry_re=${HS_RETRY_PATTERN:-'^test_(faults|partition)_'}

# run_one FILE TEST: the test in a fresh directory and shell; sets dir, rc.
run_one() {
	local file=$1 t=$2 pid watchdog
	dir="$root/$(basename "$file" .sh).$t"
	mkdir -p "$dir/home" "$dir/work"
	(
		cd "$dir/work" || exit 1
		export TMP="$dir" HOME="$dir/home" HYPERSHELL_SITE="$dir/site"
		unset HYPERSHELL_CONFIG_FILE EDITOR VISUAL
		export NO_COLOR=1
		if [ -n "${HS_TEST_PG:-}" ]; then   # the PostgreSQL run: a schema per test
			export HYPERSHELL_DATABASE_PROVIDER=postgres
			export HYPERSHELL_DATABASE_URL="$HS_PG_URL"
			export HYPERSHELL_DATABASE_SCHEMA="t$(printf '%s' "$t" | md5sum | cut -c1-20)"
			# a fresh start: drop what an earlier run left (and the test's
			# other schemas, named SCHEMA_*)
			printf "select format('DROP SCHEMA %%I CASCADE', nspname) from pg_namespace
				where nspname = '%s' or nspname like '%s\\_%%' \\gexec\n" \
				"$HYPERSHELL_DATABASE_SCHEMA" "$HYPERSHELL_DATABASE_SCHEMA" |
				PGOPTIONS=--client-min-messages=warning psql "$HS_PG_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null || exit 1
		fi
		export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$dir/sanitizer"
		export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$dir/sanitizer"
		source "$here/lib.sh"
		source "$file"
		"$t"
	) >"$dir/log" 2>&1 &
	pid=$!
	# the watchdog takes its sleep with it when it is stopped
	( sleep "${HS_TEST_TIMEOUT:-120}" & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s; kill -9 $pid 2>/dev/null ) &
	watchdog=$!
	wait $pid; rc=$?
	kill $watchdog 2>/dev/null; wait $watchdog 2>/dev/null
}

for file in "$here"/${HS_TEST_GLOB:-t_*.sh}; do
	for t in $(bash -c "source '$here/lib.sh'; source '$file'; declare -F" | awk '{print $3}' | grep '^test_'); do
		[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
		run_one "$file" "$t"
		# the fault scenarios depend on timing on a loaded machine: one
		# more try, said out loud, before they count as failed
		if { [ $rc -ne 0 ] || ls "$dir"/sanitizer* >/dev/null 2>&1; } &&
		   [[ "$t" =~ $retry_re ]]; then
			echo "retry $(basename "$file" .sh) $t (status $rc; first try's log below)"
			tail -15 "$dir/log" | sed 's/^/    /'
			mv "$dir" "$dir.try1"
			run_one "$file" "$t"
		fi
		if [ $rc -eq 0 ] && ! ls "$dir"/sanitizer* >/dev/null 2>&1; then
			passed=$((passed + 1))
			echo "ok   $(basename "$file" .sh) $t"
			[ -n "${HS_TEST_SHOW:-}" ] && grep -v '^ *\(INFO\|DEBUG\)' "$dir/log" | sed 's/^/    /'
		else
			failed=$((failed + 1))
			echo "FAIL $(basename "$file" .sh) $t (status $rc)"
			tail -15 "$dir/log" | sed 's/^/    /'
			cat "$dir"/sanitizer* 2>/dev/null | head -30 | sed 's/^/    /'
		fi
	done
done
echo "$label: $passed passed, $failed failed"
[ -n "${RESULTS:-}" ] && echo "$passed $failed" > "$RESULTS/$label"
[ "$failed" -eq 0 ]
