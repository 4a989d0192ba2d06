# hs server + hs client: the queue end to end (TLS on, as by default).
# Helpers (start_server, start_client, wait_exit, ...) are in tools/qlib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

# the timestamp form of the database
TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00$'

test_queue_runs_all_tasks_and_records_columns() {
	q_setup
	seq 20 | sed 's/^/echo task-/' | hs submit
	start_server
	start_client c1 -N 4
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq 20 "$(sql 'select count(*) from task where exit_status = 0')"
	assert_eq 0 "$(sql 'select count(*) from task where completion_time is null')"
	assert_eq "$(seq 20 | sed 's/^/task-/' | sort)" "$(sort "$TMP/c1.out")" "task output"
	assert_eq "1|1|$(hostname)|$(hostname)" \
		"$(sql 'select count(distinct client_id), count(distinct server_id), min(client_host), min(server_host) from task')"
	assert_eq 0 "$(sql "select count(*) from task where client_id is null or server_id is null
		or duration is null or duration < 0 or attempt != 1 or command != args")"
	local col
	for col in schedule_time start_time completion_time; do
		# as stored (SQLite), and as hs prints them
		on_pg || ! sql "select $col from task" | grep -Evq "$TS_RE" || fail "$col: $(sql "select $col from task limit 1")"
		assert_eq 20 "$(hs list $col | grep -Ec "$TS_RE")" "$col of hs list: $(hs list $col --limit 1)"
	done
	assert_eq 0 "$(sql 'select count(*) from task where not (schedule_time <= start_time and start_time <= completion_time)')" \
		"rows whose times are out of order"
	assert_has "$(cat "$SLOG")" "Server done: 20 tasks completed (0 failed, 0 retried)"
	assert_has "$(cat "$TMP/c1.err")" "Client done: 20 tasks run (0 failed)"
}

test_queue_failing_tasks_record_status() {
	q_setup
	printf '%s\n' 'exit 3' 'true' 'kill -9 $$' 'echo no > /nonexistent/dir/x' > tasks.txt
	hs submit tasks.txt
	start_server
	start_client c1 -N 2
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq "3" "$(sql "select exit_status from task where args = 'exit 3'")"
	assert_eq "0" "$(sql "select exit_status from task where args = 'true'")"
	assert_eq "-9" "$(sql "select exit_status from task where args = 'kill -9 \$\$'")"
	assert_eq "2" "$(sql "select exit_status from task where args like 'echo no%'")"
	assert_has "$(cat "$SLOG")" "Server done: 4 tasks completed (3 failed, 0 retried)"
	assert_has "$(cat "$SLOG")" "Non-zero exit status (3) for task"
}

test_queue_retries_make_linked_rows() {
	q_setup
	# fails on its first two runs, succeeds on the third
	hs submit -c 1 -m 100MB -W 30 -t site:alpha n:7 -- \
		"n=\$(cat $TMP/count 2>/dev/null || echo 0); n=\$((n+1)); echo \$n > $TMP/count; test \$n -ge 3"
	hs submit -t always:fails -- 'exit 4'
	start_server -r 2
	start_client c1 -N 1
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq 3 "$(cat "$TMP/count")" "runs of the flaky task"
	assert_eq 6 "$(sql 'select count(*) from task')" "rows"
	# the flaky task: attempts 1, 2, 3 linked both ways, resources and tags copied
	local alpha="CAST(tag AS TEXT) like '%alpha%'"
	local q="select attempt, exit_status, CAST(retried AS INTEGER), cores, memory, timeout from task
		where $alpha order by attempt"
	assert_eq "$(printf '%s\n' \
		'1|1|1|1|104857600|30' \
		'2|1|1|1|104857600|30' \
		'3|0|0|1|104857600|30')" "$(sql "$q")"
	if ! on_pg; then   # the stored form
		assert_eq "$(printf '%s\n' '{"site":"alpha","n":7}' '{"site":"alpha","n":7}' '{"site":"alpha","n":7}')" \
			"$(sql "select tag from task where $alpha order by attempt")" "stored tags"
	fi
	assert_eq "$(printf '%s\n' 'n:7, site:alpha' 'n:7, site:alpha' 'n:7, site:alpha')" \
		"$(for i in $(sql "select id from task where $alpha order by attempt"); do hs info "$i" -x tag; done)" "tags"
	assert_eq 1 "$(sql "select count(distinct args) from task where $alpha")"
	assert_eq 2 "$(sql "select count(*) from task a join task b on a.next_id = b.id and b.previous_id = a.id
		and b.attempt = a.attempt + 1 where CAST(a.tag AS TEXT) like '%alpha%'")" "linked pairs"
	assert_eq "|" "$(sql "select previous_id, (select next_id from task where $alpha and attempt = 3)
		from task where $alpha and attempt = 1")" "ends of the chain"
	# the task that always fails stops after 3 attempts
	assert_eq "$(printf '1|4|1\n2|4|1\n3|4|0')" \
		"$(sql "select attempt, exit_status, CAST(retried AS INTEGER) from task where CAST(tag AS TEXT) like '%always%' order by attempt")"
	assert_has "$(cat "$SLOG")" "Server done: "
}

test_queue_capture_writes_task_files() {
	q_setup
	hs submit 'echo "to out $((6*7))"; echo "to err" >&2'
	start_server
	start_client c1 --capture
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	local id dir="$HYPERSHELL_SITE/lib/task"
	id=$(sql 'select id from task')
	assert_eq "$dir/$id.out|$dir/$id.err" "$(sql 'select outpath, errpath from task')"
	assert_eq "to out 42" "$(cat "$dir/$id.out")"
	assert_eq "to err" "$(cat "$dir/$id.err")"
	assert_eq "" "$(cat "$TMP/c1.out")" "client stdout with --capture"
}

test_queue_task_env_and_slot() {
	q_setup
	cat > dump.sh <<'X'
#!/bin/sh
printf '%s|%s|%s|%s|%s|%s\n' "$TASK_ID" "$TASK_ARGS" "$TASK_SLOT" "$TASK_TAG_SITE" "$TASK_TAG_RUN_NO" "$2" > "env.$1"
sleep 0.3
X
	chmod +x dump.sh
	seq 6 | sed 's|^|./dump.sh a|' | hs submit -t site:alpha run-no:5
	start_server
	start_client c1 -N 3 -t '{} {slot}'
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	local i line id slots=""
	for i in 1 2 3 4 5 6; do
		[ -f "env.a$i" ] || fail "task a$i wrote no env file"
		line=$(cat "env.a$i")
		id=$(sql "select id from task where args = './dump.sh a$i'")
		IFS='|' read -r t_id t_args t_slot t_site t_run t_tmpl <<< "$line"
		assert_eq "$id" "$t_id" "TASK_ID of a$i"
		assert_eq "./dump.sh a$i" "$t_args" "TASK_ARGS of a$i"
		assert_eq alpha "$t_site" "TASK_TAG_SITE"
		assert_eq 5 "$t_run" "TASK_TAG_RUN_NO (tag run-no)"
		case "$t_slot" in 0|1|2) ;; *) fail "TASK_SLOT of a$i is [$t_slot], not 0..2" ;; esac
		assert_eq "$t_slot" "$t_tmpl" "{slot} in the template vs TASK_SLOT"
		assert_eq "./dump.sh a$i $t_slot" "$(sql "select command from task where id = '$id'")" "command"
		slots="$slots $t_slot"
	done
	# three tasks at once overlap: more than one slot was used
	[ "$(echo $slots | tr ' ' '\n' | sort -u | wc -l)" -ge 2 ] || fail "only slots [$slots] were used"
}

test_queue_task_timeout_kills_process_group() {
	q_setup
	hs submit 'sleep 30'
	# a task whose child ignores SIGINT (as background jobs of sh do)
	hs submit "sleep 61 & echo \$! >> $TMP/taskpids; echo \$! > $TMP/bg.pid; wait"
	start_server
	local t0=$SECONDS
	start_client c1 -N 2 -W 1 -S 1
	wait_until 10 eval "[ \"\$(sql 'select count(*) from task where completion_time is not null')\" -eq 2 ]" \
		|| fail "the tasks did not end within 10s of a 1s limit"
	assert_eq 0 "$(sql 'select count(*) from task where exit_status is null or exit_status >= 0')" \
		"tasks without a negative (signal) status: $(sql 'select args, exit_status from task')"
	assert_has "$(cat "$TMP/c1.err")" "reached its time limit"
	[ -s "$TMP/bg.pid" ] || fail "the task did not start its background sleep"
	local bg
	bg=$(cat "$TMP/bg.pid")
	sleep 0.5
	if kill -0 "$bg" 2>/dev/null; then
		fail "grandchild 'sleep 61' (pid $bg) survived the task timeout (product bug)"
	fi
	wait_exit "$SPID" 10; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 5; assert_eq 0 "$wrc" "client exit status"
}

test_queue_tasks_do_not_inherit_the_server_connection() {
	q_setup
	# A task sees no socket of the client, and one that leaves a detached
	# process behind does not keep the client's session open after it exits.
	hs submit "for f in /proc/self/fd/*; do readlink \$f; done | grep -c '^socket:' > $TMP/sockets; true"
	hs submit "(sleep 40 </dev/null >/dev/null 2>&1 & echo \$! >> $TMP/taskpids); echo detached"
	start_server
	start_client c1 -N 1
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq 0 "$(cat "$TMP/sockets")" "sockets open in a task (inherited from the client; product bug)"
	wait_until 5 eval "! kill -0 $SPID 2>/dev/null" \
		|| fail "server still waiting for the client 5s after it exited (its socket lives on in the task's detached process; product bug)"
	wait "$SPID"; assert_eq 0 "$?" "server exit status"
}

test_queue_groups_run_in_order() {
	q_setup
	printf 'sleep 0.%s; echo g0\n' 2 5 8 | hs submit -g 0
	printf 'echo g1-%s\n' 1 2 3 | hs submit -g 1
	start_server
	start_client c1 -N 4
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq 6 "$(sql 'select count(*) from task where exit_status = 0')"
	local g0_end g1_start
	g0_end=$(sql 'select max(completion_time) from task where "group" = 0')
	g1_start=$(sql 'select min(schedule_time) from task where "group" = 1')
	assert_eq 1 "$(sql 'select CAST((select max(completion_time) from task where "group" = 0)
		< (select min(schedule_time) from task where "group" = 1) AS INTEGER)')" \
		"group 0 ended (at $g0_end) before group 1 was scheduled (at $g1_start)"
	assert_has "$(cat "$SLOG")" "Group 0 finished; moving on to group 1"
}

test_queue_failed_group_is_not_viable() {
	q_setup
	printf '%s\n' 'exit 3' 'true' 'exit 0' | hs submit -g 0
	echo 'echo g1' | hs submit -g 1
	start_server
	start_client c1 -N 2
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10
	assert_has "$(cat "$SLOG")" \
		"Group 0 is not viable: 1 tasks failed with no retries left; not moving on to group 1"
	assert_eq 3 "$(sql 'select count(*) from task where "group" = 0 and exit_status is not null')"
	assert_eq 0 "$(sql 'select count(*) from task where "group" = 1 and schedule_time is not null')" \
		"group 1 was never scheduled"
}

test_queue_killed_client_tasks_rerun_once() {
	q_setup
	export HYPERSHELL_SERVER_EVICT=10
	seq 6 | sed "s|.*|echo \$\$ >> $TMP/taskpids; sleep 1.5; echo & >> $TMP/runs|" | hs submit
	start_server
	start_client c1 -N 3
	local c1=$CPID
	wait_until 10 eval "[ \"\$(sql 'select count(*) from task where schedule_time is not null')\" -ge 3 ]" \
		|| fail "client 1 got no tasks"
	sleep 0.3
	kill -9 "$c1"
	wait "$c1" 2>/dev/null
	local lost
	lost=$(sql 'select count(*) from task where schedule_time is not null and completion_time is null')
	[ "$lost" -ge 1 ] || fail "client 1 had no task in flight when killed"
	start_client c2 -N 3
	wait_exit "$SPID" 25; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client 2 exit status"
	assert_has "$(cat "$SLOG")" "Evicted client"
	assert_eq 6 "$(sql 'select count(*) from task')" "rows"
	assert_eq "" "$(sql 'select args from task group by args having sum(CAST(completion_time is not null AS INTEGER)) != 1')" \
		"tasks without exactly one completed row"
	assert_eq 0 "$(sql 'select count(*) from task where completion_time is null or exit_status != 0')"
	# every task ran, some twice (the killed client's), none more than twice
	assert_eq "1 2 3 4 5 6" "$(sort -n -u "$TMP/runs" | tr '\n' ' ' | sed 's/ $//')"
	assert_eq 6 "$(sql "select count(*) from task where client_id = (select client_id from task
		where completion_time = (select max(completion_time) from task))")" "tasks completed by client 2"
}

test_queue_server_killed_and_restarted() {
	q_setup
	export HYPERSHELL_CLIENT_RECONNECT=30
	seq 12 | sed "s|.*|sleep 0.4; echo & >> $TMP/runs|" | hs submit
	start_server
	start_client c1 -N 3
	wait_until 15 eval "[ \"\$(sql 'select count(*) from task where completion_time is not null')\" -ge 4 ]" \
		|| fail "no progress before the crash"
	kill -9 "$SPID"
	wait "$SPID" 2>/dev/null
	local done_before
	done_before=$(sql "select substr(args, 17, 2) from task where completion_time is not null" | tr -d ' ;')
	[ "$(sql 'select count(*) from task where completion_time is null')" -ge 1 ] || fail "all done before the crash"
	sleep 0.5
	PORT_FIXED=1 start_server
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "restarted server exit status"
	wait_exit "$CPID" 15; assert_eq 0 "$wrc" "client exit status"
	assert_eq 12 "$(sql 'select count(*) from task')" "rows"
	assert_eq 12 "$(sql 'select count(*) from task where completion_time is not null and exit_status = 0')" "completed rows"
	assert_eq "$(seq 12)" "$(sort -n -u "$TMP/runs")" "tasks that ran"
	# a task completed before the crash never runs again
	local n
	for n in $done_before; do
		assert_eq 1 "$(grep -cx "$n" "$TMP/runs")" "runs of task $n (completed before the crash)"
	done
}

test_queue_sigint_drains_running_tasks() {
	q_setup
	seq 8 | sed "s|.*|echo & >> $TMP/started; sleep 1.5; echo & >> $TMP/finished|" | hs submit
	start_server
	start_client c1 -N 2
	wait_until 10 eval "[ -s $TMP/started ]" || fail "no task started"
	sleep 0.3
	local running
	running=$(wc -l < "$TMP/started")
	kill -INT "$SPID"
	wait_exit "$SPID" 15; assert_eq 0 "$wrc" "server exit status after SIGINT"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_has "$(cat "$SLOG")" "Received SIGINT: finishing running tasks"
	assert_eq "$(sort "$TMP/started")" "$(sort "$TMP/finished")" "tasks finished vs started"
	assert_eq "$(wc -l < "$TMP/finished")" \
		"$(sql 'select count(*) from task where completion_time is not null and exit_status = 0')" \
		"completed rows vs finished tasks"
	assert_eq "$running" "$(wc -l < "$TMP/started")" \
		"tasks started: only those running at SIGINT should run (the client went on with prefetched tasks after DRAIN; product bug)"
}

test_queue_no_db_with_file() {
	q_setup
	printf 'echo nodb-%s\n' 1 2 3 > tasks.txt
	start_server --no-db tasks.txt
	start_client c1
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq "$(printf 'nodb-%s\n' 1 2 3)" "$(sort "$TMP/c1.out")"
	if db_exists; then
		assert_eq 0 "$(sql 'select count(*) from task' 2>/dev/null || echo 0)" "tasks in the database with --no-db"
	fi
	assert_has "$(cat "$SLOG")" "Server done: 3 tasks completed"
}

test_queue_server_file_submits_tasks() {
	q_setup
	printf 'echo file-%s\n' 1 2 3 4 > tasks.txt
	start_server tasks.txt
	start_client c1 -N 2
	wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status"
	assert_eq "$(printf 'echo file-%s\n' 1 2 3 4)" "$(sql 'select args from task order by id')"
	assert_eq 4 "$(sql 'select count(*) from task where exit_status = 0 and completion_time is not null')"
	assert_has "$(cat "$SLOG")" "Submitted 4 tasks from tasks.txt"
}

test_queue_idle_client_leaves_promptly_and_says_bye() {
	q_setup
	unset HYPERSHELL_CLIENT_HEARTRATE   # the default heartbeat (10 s)
	hs submit 'echo once'
	start_server --forever -Q 0.2
	start_client c1 -T 1
	wait_until 10 eval "grep -q 'connected from' '$SLOG'" || fail "client did not connect"
	wait_until 10 eval "[ \"\$(sql 'select count(*) from task where completion_time is not null')\" -eq 1 ]" \
		|| fail "task not done"
	local t0=$SECONDS
	wait_exit "$CPID" 12; assert_eq 0 "$wrc" "client exit status"
	assert_has "$(cat "$TMP/c1.err")" "No work for 1s: leaving"
	wait_until 3 eval "grep -q 'disconnected\\|Lost client' '$SLOG'" || fail "server did not notice"
	assert_lacks "$(cat "$SLOG")" "Lost client" \
		"server log after a clean idle exit (BYE not delivered before the client exits; product bug)"
	assert_has "$(cat "$SLOG")" ") disconnected"
	[ $((SECONDS - t0)) -le 3 ] || fail "client with -T 1 left $((SECONDS - t0))s after its last task (idle checked only every heartbeat; product bug)"
}

test_queue_client_that_never_connects_fails() {
	q_setup
	start_server --forever
	# a plain-TCP client against a TLS server never gets in
	run timeout 20 "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" --no-tls -T 1
	assert_rc 5
	assert_has "$err" "Never reached the server"
}

test_queue_client_started_before_the_certificate_exists() {
	q_setup
	seq 3 | hs submit
	PORT=$(pick_port)
	# the client starts first: no certificate yet, so no trust anchor
	start_client early -N 1 -t 'echo {}'
	sleep 0.5
	[ -e "$HYPERSHELL_SITE/lib/tls/server.crt" ] && fail "certificate exists before the server"
	PORT_FIXED=1 start_server
	wait_exit "$CPID" 30
	assert_eq 0 "$wrc" "client exit status ($(tail -3 "$TMP/early.err"))"
	assert_has "$(cat "$TMP/early.err")" "Trusting the server's certificate"
	assert_eq 3 "$(sql 'select count(*) from task where exit_status = 0')" "tasks run"
}

test_queue_client_scrubs_the_key_from_task_environment() {
	q_setup
	hs submit -- 'env | grep -c ^HYPERSHELL_SERVER_AUTH=; true'
	start_server
	HYPERSHELL_SERVER_AUTH=$KEY "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -N 1 \
		>"$TMP/c.out" 2>"$TMP/c.err"
	assert_eq 0 "$(cat "$TMP/c.out")" "tasks that see the key"
	# and -k - reads the key from stdin
	hs submit -- 'echo stdin-key'
	start_server
	echo "$KEY" | "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -N 1 -k - >"$TMP/d.out" 2>"$TMP/d.err"
	assert_eq stdin-key "$(cat "$TMP/d.out")" "client with -k -: $(tail -2 "$TMP/d.err")"
	run "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k - < /dev/null
	assert_rc 2
	assert_has "$err" "no key on standard input"
}

test_queue_bundles_and_results_split_to_the_frame_cap() {
	q_setup
	# 60 tasks of ~20 KB each: one bundle or result batch of 60 is over 1 MiB
	python3 -c "
for i in range(60): print('echo %d ' % i + 'x' * 20000 + ' > /dev/null')" | hs submit
	start_server -b 60
	run "$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -N 2 -b 60
	assert_rc 0
	assert_lacks "$err" "over the cap"
	wait_exit "$SPID" 20
	assert_eq 60 "$(sql 'select count(*) from task where exit_status = 0')" "tasks run"
}

# hog.py SECONDS MB: hold MB of resident memory and keep one core busy.
write_hog() {
	cat > hog.py <<'X'
import sys, time
x = bytearray(int(sys.argv[2]) * 1024 * 1024)
t = time.time()
while time.time() - t < float(sys.argv[1]):
    pass
X
}

test_queue_monitor_samples_the_whole_process_group() {
	q_setup
	write_hog
	# two hogs under one sh: the group holds ~100 MB and (on 2+ CPUs) ~2
	# cores, where the sh alone (what HyperShell samples) uses next to nothing
	hs submit -m 10MB -- "python3 $PWD/hog.py 2.5 50 & python3 $PWD/hog.py 2.5 50; wait"
	hs submit -- "echo \$TASK_CSVPATH > $PWD/csvenv"
	start_server
	start_client c1 --monitor -N 2
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit status"
	wait_exit "$CPID" 10; assert_eq 0 "$wrc" "client exit status ($(tail -3 "$TMP/c1.err"))"
	local id csv dir="$HYPERSHELL_SITE/lib/task" row
	id=$(sql "select id from task where args like 'python3%'")
	csv="$dir/$id.csv"
	assert_eq "$csv" "$(sql "select csvpath from task where id = '$id'")" "csvpath"
	[ -f "$csv" ] || fail "no $csv"
	assert_eq "time,cores,memory" "$(head -1 "$csv")" "CSV header"
	[ "$(tail -n +2 "$csv" | wc -l)" -ge 2 ] || fail "fewer than 2 samples: $(cat "$csv")"
	tail -n +2 "$csv" | grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\.[0-9]{6}\+00:00,[0-9]+\.[0-9]{2},[0-9]+$' &&
		fail "malformed samples: $(cat "$csv")"
	row=$(sql "select CAST(cores_max > 0.5 AS INTEGER), CAST(memory_max >= 40 * 1048576 AS INTEGER),
		CAST(memory_max >= 80 * 1048576 AS INTEGER) from task where id = '$id'")
	assert_eq "1|1|1" "$row" "cores_max > 0.5, memory_max >= 40 MB, summed over both hogs ($(sql \
		"select cores_max, memory_max from task where id = '$id'"))"
	# the allocation (10 MB) is exceeded: one warning, not one per sample
	assert_eq 1 "$(grep -c "Resource limit exceeded ($id): memory" "$TMP/c1.err")" "memory warnings"
	# a task shorter than one sample still gets its peaks (from wait4) and a CSV
	id=$(sql "select id from task where args like 'echo%'")
	assert_eq "$dir/$id.csv" "$(cat csvenv)" "TASK_CSVPATH"
	assert_eq "$dir/$id.csv|1" "$(sql "select csvpath, CAST(memory_max > 0 AS INTEGER) from task where id = '$id'")"
	assert_eq "time,cores,memory" "$(cat "$dir/$id.csv")" "CSV of a short task"
	# without --monitor: no csvpath, no peaks
	hs submit -- true
	start_server
	start_client c2
	wait_exit "$SPID" 20
	wait_exit "$CPID" 10
	assert_eq "||" "$(sql "select csvpath, cores_max, memory_max from task where args = 'true'")"
}

test_queue_monitor_through_hsx() {
	q_setup
	write_hog
	echo "python3 $PWD/hog.py 1.5 45" > tasks.txt
	run "$(dirname "$HS_BIN")/hsx" tasks.txt --monitor -N 1
	assert_rc 0
	assert_eq "1|1" "$(sql "select CAST(csvpath is not null AS INTEGER), CAST(memory_max >= 40 * 1048576 AS INTEGER) from task")" \
		"hsx forwards --monitor ($(sql 'select csvpath, cores_max, memory_max from task'))"
}

# {% %} in the client's template runs in a child process: four slow
# expansions (1 s each) overlap instead of holding the client's loop one
# after another; a failing one is a template error (-1001) of its task.
test_queue_shell_expansion_does_not_block_the_client() {
	q_setup
	seq 4 | sed 's/^/echo ok/' | hs submit
	start_server --forever
	local s e
	s=$(date +%s%N)
	start_client c1 -N 4 -T 1 -t '{} {% sleep 1; echo x %}'
	wait_exit "$CPID" 20; assert_eq 0 "$wrc" "client exit status"
	e=$(date +%s%N)
	[ $(( (e - s) / 1000000 )) -lt 3500 ] || fail "4 expansions of 1 s took $(( (e - s) / 1000000 )) ms"
	assert_eq "echo ok1 x" "$(sql "select command from task where args = 'echo ok1'")" "expanded command"
	assert_eq 4 "$(sql 'select count(*) from task where exit_status = 0')" "tasks that ran"
	assert_has "$(cat "$TMP/c1.out")" "ok4 x"
	hs submit 'echo again'
	start_client c2 -N 1 -T 1 -t '{} {% exit 3 %}'
	wait_exit "$CPID" 20; assert_eq 0 "$wrc" "client exit status"
	assert_eq -1001 "$(sql "select exit_status from task where args = 'echo again'")" "failed expansion"
	assert_has "$(cat "$TMP/c2.err")" "template error"
}
