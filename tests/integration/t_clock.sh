# A jump of the server's wall clock (issue 6, scenario 5): leases,
# heartbeats and eviction use the monotonic clock, so jumping a day ahead
# (or back) evicts no one and every task finishes once. libfaketime moves
# the server's wall clock only (FAKETIME_DONT_FAKE_MONOTONIC).

source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

FAKELIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

# clock_server: a server whose wall clock follows $TMP/clock (re-read
# every second).
clock_server() {
	[ -e "$FAKELIB" ] || fail "libfaketime missing (scripts/deps.sh installs faketime)"
	echo "+0" > "$TMP/clock"
	export LD_PRELOAD=$FAKELIB FAKETIME_TIMESTAMP_FILE=$TMP/clock FAKETIME_CACHE_DURATION=1
	export FAKETIME_DONT_FAKE_MONOTONIC=1
	local asan=${ASAN_OPTIONS:-}
	# under ASan, libfaketime comes before its runtime: allowed here
	export ASAN_OPTIONS="$asan:verify_asan_link_order=0"
	start_server "$@"
	unset LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_CACHE_DURATION FAKETIME_DONT_FAKE_MONOTONIC
	export ASAN_OPTIONS=$asan
}

clock_jump() {   # clock_jump OFFSET
	local what=$1
	q_setup
	export HYPERSHELL_SERVER_EVICT=10
	seq 40 | sed "s|.*|sleep 0.25; echo & >> $TMP/runs|" | hs submit
	clock_server
	start_client c1 -N 2
	wait_until 20 eval "[ -s '$TMP/runs' ]" || fail "no task started"
	echo "$what" > "$TMP/clock"
	wait_exit "$CPID" 60; assert_eq 0 "$wrc" "client exit"
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit"
	assert_eq 0 "$(count_log 'Evicted')" "evictions after a clock jump of $what"
	assert_eq 0 "$(count_log 'Refused a late result')" "refused results"
	assert_eq 40 "$(sql 'select count(*) from task where exit_status = 0')" "tasks done"
	assert_eq 40 "$(wc -l < "$TMP/runs")" "executions (each task once)"
	# the jump really happened: the server stamped the last dispatch a day later
	if [ "$what" = "+1d" ]; then
		local first last
		first=$(sql "select min(submit_time) from task" | cut -c1-10)
		last=$(sql "select max(schedule_time) from task" | cut -c1-10)
		assert_eq "$(date -u -d "$first + 1 day" +%F)" "$last" "date of the last dispatch"
	fi
}

test_clock_jump_forward_a_day() { clock_jump "+1d"; }
test_clock_jump_back_an_hour() { clock_jump "-1h"; }
