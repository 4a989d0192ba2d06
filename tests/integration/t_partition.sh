# A network partition (issue 6, scenario 3): in a network namespace of its
# own (unshare -n: its own loopback and firewall, nothing outside it is
# touched), iptables drops one client's packets for twice the eviction
# time, then lets them through again. The cut-off client is evicted and
# its tasks run elsewhere; once healed, its late results are refused and
# every task ends with one final result.

source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"
PART_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# in_netns FUNCTION: run FUNCTION again inside a new network namespace.
in_netns() {
	[ -n "${HS_IN_NETNS:-}" ] && return 0
	command -v iptables >/dev/null || fail "iptables missing (scripts/deps.sh installs it)"
	HS_IN_NETNS=1 exec unshare -n bash -c "ip link set lo up && source '$PART_HERE/lib.sh' &&
		source '$PART_HERE/t_partition.sh' && $1"
}

# local_port PID: the local port of PID's TCP connection to $PORT.
local_port() {
	ss -tnpH state established "( dport = :$PORT )" | grep "pid=$1," |
		awk '{print $3}' | sed 's/.*://' | head -1
}

test_partition_client_cut_off_then_healed() {
	sqlite_only
	in_netns test_partition_client_cut_off_then_healed
	q_setup
	export HYPERSHELL_SERVER_EVICT=10 HYPERSHELL_CLIENT_RECONNECT=120
	seq 100 | sed "s|.*|sleep 1; echo \$TASK_ID >> $TMP/runs|" | hs submit
	start_server
	start_client c1 -N 2; local c1=$CPID
	start_client c2 -N 2; local c2=$CPID
	wait_until 20 eval "[ -n \"\$(local_port $c1)\" ] && [ -n \"\$(local_port $c2)\" ] && [ -s '$TMP/runs' ]" \
		|| fail "clients not connected"
	# everything to and from the server port but c1's connection: c2 and
	# any new connection it tries
	local p1; p1=$(local_port "$c1")
	local rules=("INPUT -p tcp --dport $PORT ! --sport $p1 -j DROP"
	             "INPUT -p tcp --sport $PORT ! --dport $p1 -j DROP")
	local r
	for r in "${rules[@]}"; do iptables -I $r; done
	sleep 20   # twice server.evict
	assert_has "$(cat "$SLOG")" "Evicted client" "the server log after the partition"
	for r in "${rules[@]}"; do iptables -D $r; done
	wait_exit "$c1" 90; assert_eq 0 "$wrc" "c1 exit"
	wait_exit "$c2" 90
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit"
	grep -v 'Running task\|Non-zero' "$TMP/c2.err" | tail -20 > "$TMP/c2.tail"
	assert_eq 100 "$(sql 'select count(*) from task')" "rows (no retries)"
	assert_eq 100 "$(sql 'select count(*) from task where exit_status = 0')" "final results"
	assert_eq 0 "$(sql 'select count(*) from task where schedule_time is not null and completion_time is null')" \
		"tasks left running"
	assert_eq 100 "$(sort -u "$TMP/runs" | wc -l)" "every task ran"
	# duplicates: only what c2 started before it noticed the silence (its 2
	# slots, three server heartbeats: at most 2 rounds of 1 s tasks); what
	# it held queued was dropped when it came back, not run
	[ $(( $(wc -l < "$TMP/runs") - 100 )) -le 4 ] || fail "too many executions: $(wc -l < "$TMP/runs")"
	assert_has "$(cat "$TMP/c2.err")" "Dropped" "c2 after the partition: $(cat "$TMP/c2.tail")"
	assert_has "$(cat "$SLOG")" "Refused a late result" "the fence after the partition"
}
