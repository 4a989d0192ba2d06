# PostgreSQL only: several servers sharing one database (run by the
# PostgreSQL pass of make check; skipped in the SQLite pass).

source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

# serve NAME [ARGS]: one more server on a free port; sets its pid in
# SPID_<NAME>, port in PORT_<NAME>, log in $TMP/NAME.log.
serve() {
	local name=$1; shift
	SLOG="$TMP/$name.log"
	start_server "$@"
	eval "SPID_$name=$SPID PORT_$name=$PORT"
}

test_pg_two_servers_never_share_a_task() {
	pg_only
	q_setup
	seq 3000 | sed "s|.*|echo & >> $TMP/runs|" | hs submit
	serve a; serve b
	local c pids=()
	for c in 1 2; do
		PORT=$PORT_a; start_client "a$c" -N 2; pids+=($CPID)
		PORT=$PORT_b; start_client "b$c" -N 2; pids+=($CPID)
	done
	for c in "${pids[@]}"; do wait_exit "$c" 120; assert_eq 0 "$wrc" "client exit"; done
	wait_exit "$SPID_a" 20; wait_exit "$SPID_b" 20
	assert_eq 3000 "$(sql 'select count(*) from task where exit_status = 0')" "tasks done"
	assert_eq 3000 "$(sort -u "$TMP/runs" | wc -l)" "distinct tasks run"
	assert_eq 3000 "$(wc -l < "$TMP/runs")" "executions (none twice)"
	assert_eq 2 "$(sql 'select count(distinct server_id) from task')" "servers that scheduled"
}

test_pg_killed_server_tasks_recovered_by_the_other() {
	pg_only
	q_setup
	export HYPERSHELL_SERVER_EVICT=10 HYPERSHELL_CLIENT_RECONNECT=3
	local n=20000
	seq $n | sed 's/.*/true/' | hs submit
	serve a; serve b
	local c pids_a=() pids_b=()
	for c in 1 2; do
		PORT=$PORT_a; start_client "a$c" -N 2 -b 50; pids_a+=($CPID)
		PORT=$PORT_b; start_client "b$c" -N 2 -b 50; pids_b+=($CPID)
	done
	wait_until 120 eval "[ \"\$(sql 'select count(*) from task where completion_time is not null')\" -ge $((n / 4)) ]" \
		|| fail "no progress"
	kill -9 "$SPID_a"
	for c in "${pids_b[@]}" "$SPID_b"; do wait_exit "$c" 300; assert_eq 0 "$wrc" "exit of $c"; done
	for c in "${pids_a[@]}"; do wait_exit "$c" 30; done   # they gave up on server a
	assert_eq $n "$(sql 'select count(*) from task')" "rows (no retries)"
	assert_eq $n "$(sql 'select count(*) from task where completion_time is not null and exit_status = 0')" \
		"tasks with one final result"
	assert_eq 0 "$(sql 'select count(*) from task where schedule_time is not null and completion_time is null')" \
		"tasks left running"
	assert_has "$(cat "$TMP/b.log")" "of a server that stopped answering"
}

test_pg_restarted_server_recovers_its_own_tasks_at_once() {
	pg_only
	q_setup
	seq 6 | sed 's/.*/sleep 30/' | hs submit
	serve a
	start_client c1 -N 6
	wait_until 20 eval "[ \"\$(sql 'select count(*) from task where schedule_time is not null')\" -eq 6 ]" \
		|| fail "tasks not scheduled"
	kill -9 "$SPID_a" "$CPID"
	wait "$SPID_a" "$CPID" 2>/dev/null
	sql "update task set args = 'true'" >/dev/null
	PORT_FIXED=1
	serve a
	start_client c2 -N 6
	wait_exit "$CPID" 30; assert_eq 0 "$wrc" "client exit"
	wait_exit "$SPID_a" 20; assert_eq 0 "$wrc" "server exit"
	assert_has "$(cat "$TMP/a.log")" "Re-queued 6 tasks a previous server left unfinished"
	assert_eq 6 "$(sql 'select count(*) from task where exit_status = 0')" "tasks done"
}

# The database restarts (immediate shutdown: connections cut, as in a crash)
# under a running server: it keeps its clients, logs the outage once, and
# every task ends with one result. A dispatch the database lost midway may
# have stamped tasks (PostgreSQL committed them; the answer never came):
# the server un-stamps them when the database is back, else they would
# wait forever on a client that never got them.
test_pg_database_restart_under_a_running_server() {
	pg_only
	q_setup
	local d=$TMP/pg owner=$BASHPID env
	PGSH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/pg.sh
	trap 'q_cleanup; "$PGSH" stop "'"$d"'"' EXIT
	env=$(HS_PG_OWNER=$owner "$PGSH" start "$d") || fail "pg.sh start $d failed"
	eval "$env"
	export HYPERSHELL_DATABASE_URL=$HS_PG_URL
	seq 80 | sed 's/.*/sleep 0.2/' | hs submit
	start_server
	start_client c1 -N 2
	wait_until 30 eval "[ \"\$(sql 'select count(*) from task where completion_time is not null')\" -ge 6 ]" \
		|| fail "no progress"
	"$PGSH" restart "$d" 2 || fail "pg.sh restart failed"
	wait_exit "$CPID" 90; assert_eq 0 "$wrc" "client exit"
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit"
	assert_eq 80 "$(sql 'select count(*) from task where exit_status = 0')" "tasks with a result"
	assert_eq 0 "$(sql 'select count(*) from task where completion_time is null')" "tasks left"
	assert_eq 1 "$(count_log 'Database unavailable')" "outage lines"
	assert_has "$(cat "$SLOG")" "Database available again"
	assert_lacks "$(cat "$SLOG" "$TMP/c1.err")" "terminating connection"
}
