# hs submit -q: tasks sent to a running server (as a submitter: a peer
# with no slots, protocol 1.2) instead of into the database.
source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

# submitq ARGS...: hs submit -q against the test's server.
submitq() { hs submit -q -H 127.0.0.1 -p "$PORT" -k "$KEY" "$@"; }

test_submitq_tasks_reach_a_running_server() {
	q_setup
	start_server --forever
	start_client c1 -N 2
	run submitq --template 'echo live-{}' -t batch:one < <(seq 6)
	assert_rc 0
	assert_has "$err" "Submitted 6 tasks"
	run submitq -g 3 echo solo
	assert_rc 0
	assert_has "$err" "Submitted task ("
	wait_until 20 eval "[ \"\$(sql 'select count(*) from task where exit_status = 0')\" = 7 ]" \
		|| fail "tasks not all run: $(sql 'select args, exit_status from task')"
	assert_eq "$(printf 'live-%s\n' 1 2 3 4 5 6; echo solo)" "$(sort "$TMP/c1.out")" "task output"
	assert_eq "6|0|{\"batch\": \"one\"}" \
		"$(hs list --where 'args ~ live' --count)|$(sql "select min(\"group\") from task where args like 'echo live%'")|$(hs info "$(sql "select id from task where args = 'echo live-1'")" --format json | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["tag"]))')"
	assert_eq "3|$(hostname)|1" "$(sql "select \"group\", submit_host, attempt from task where args = 'echo solo'")"
	assert_eq 2 "$(grep -c 'Submitter .* connected from' "$SLOG")" "submitter connections"
	assert_has "$(cat "$SLOG")" "Submitter $(hostname) ("
	assert_has "$(cat "$SLOG")" ") left"
	# submitters are not clients
	wait_until 5 eval "last_status | grep -q 'Status: 1 clients'" || fail "status: $(last_status)"
	kill -TERM "$SPID"; wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
}

test_submitq_to_a_no_db_server() {
	q_setup
	mkfifo "$TMP/in"
	(exec 3>"$TMP/in"; echo "echo from-file" >&3; sleep 6) &
	q_track $!
	start_server --no-db "$TMP/in"
	start_client c1 -N 2
	run submitq --template 'echo live-{}' < <(seq 3)
	assert_rc 0
	wait_exit "$SPID" 30; assert_eq 0 "$wrc" "server exit status (after its FILE closed)"
	wait_exit "$CPID" 20
	assert_eq "$(printf '%s\n' from-file live-1 live-2 live-3)" "$(sort "$TMP/c1.out")" "task output"
	assert_has "$(cat "$SLOG")" "4 tasks completed"
	[ ! -e "$(db)" ] || fail "--no-db left a database"
}

test_submitq_errors_are_one_line() {
	q_setup
	start_server --forever
	run hs submit -q -H 127.0.0.1 -p "$PORT" -k wrong-key-of-20-chars echo x
	assert_rc 5
	assert_has "$err" "the server failed to prove it holds the key"
	assert_eq 1 "$(echo "$err" | grep -c .)" "lines of the error: $err"
	run hs submit -q -H 127.0.0.1 -p "$(pick_port)" -k "$KEY" echo x
	assert_rc 5
	assert_has "$err" "cannot connect to the server 127.0.0.1:"
	assert_has "$err" "nothing listens there, or it is unreachable"
	run hs submit -H 127.0.0.1 echo x
	assert_rc 2
	assert_has "$err" "-H, -p, -k and the TLS options need -q/--queue"
	run submitq --initdb echo x
	assert_rc 2
	assert_has "$err" "cannot be combined with --initdb"
	# bad lines are skipped, the good ones stored
	run submitq < <(printf 'echo good\n#HYPERSHELL cores:x\necho also\n')
	assert_rc 2
	assert_has "$err" "Submitted 2 tasks"
	assert_has "$err" "1 line rejected"
	assert_eq "echo also|echo good" "$(sql 'select args from task order by args' | paste -sd'|')"
	assert_lacks "$(cat "$SLOG")" "$KEY" "server log"
	assert_lacks "$err" "$KEY" "submit's messages"
}

test_submitq_protocol_roles() {
	q_setup
	start_server --forever --no-tls
	local id s j
	id=$(python3 -c 'import uuid; u = uuid.uuid4().hex; print(f"{u[:8]}-{u[8:12]}-7{u[13:16]}-8{u[17:20]}-{u[20:]}")')
	s=$(python3 -c 'import uuid; print(uuid.uuid4())')
	one_task() { echo "{\"tasks\":[{\"id\":\"$id\",\"args\":\"echo raw\",\"submit_id\":\"$s\",\"submit_time\":\"2026-01-31 12:00:00.000000+00:00\",\"submit_host\":\"raw\",\"tag\":{}${1:-}}]}"; }
	j=$(pyq after 127.0.0.1 "$PORT" "$KEY" 1 15 "$(one_task)")
	assert_eq "error|protocol|unexpected SUBMIT from a client with slots" \
		"$(jget "$j" result)|$(jget "$j" code)|$(jget "$j" message)" "SUBMIT from a client: $j"
	j=$(pyq after 127.0.0.1 "$PORT" "$KEY" 0 5 '{"want":1}')
	assert_eq "error|unexpected REQUEST from a submitter" "$(jget "$j" result)|$(jget "$j" message)" "$j"
	j=$(pyq after 127.0.0.1 "$PORT" "$KEY" 0 15 "$(one_task ',"cores":-1')")
	assert_eq "error|protocol" "$(jget "$j" result)|$(jget "$j" code)" "negative cores: $j"
	j=$(pyq after 127.0.0.1 "$PORT" "$KEY" 0 15 "$(one_task ',"attempt":5')")
	assert_has "$(jget "$j" message)" 'unknown member "attempt"' "a server-only field: $j"
	j=$(pyq after 127.0.0.1 "$PORT" "$KEY" 0 15 "$(one_task)")
	assert_eq "ACK" "$(jget "$j" result)" "a good SUBMIT: $j"
	assert_has "$j" "$id"
	j=$(pyq after 127.0.0.1 "$PORT" "$KEY" 0 15 "$(one_task)")
	assert_eq "error|store" "$(jget "$j" result)|$(jget "$j" code)" "the same task again: $j"
	assert_eq "1|1|0" "$(sql "select count(*), min(attempt), min(\"group\") from task")"
	# the server is still up and runs the stored task
	"$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" --no-tls -T 2 >"$TMP/c.out" 2>"$TMP/c.err"
	assert_eq "echo raw" "$(hs list args --where 'exit_status = 0')"
}

test_submitq_idle_connection_is_reopened() {
	q_setup
	export HYPERSHELL_SERVER_EVICT=10
	start_server --forever
	# the server closes a submitter silent for evict seconds; the next
	# batch goes over a new connection
	run submitq -w 0.2 < <(echo "echo a"; sleep 12; echo "echo b")
	assert_rc 0
	assert_has "$err" "Submitted 2 tasks"
	assert_eq 2 "$(sql 'select count(*) from task')"
	assert_eq 2 "$(grep -c 'Submitter .* connected from' "$SLOG")" \
		"submitter connections (the idle one closed, a new one opened)"
	assert_lacks "$(cat "$SLOG")" "Evicted"
}

test_submitq_stopping_server_is_an_error() {
	q_setup
	start_server --forever
	run_bg() { submitq -w 0.2 < <(echo "echo a"; sleep 3; echo "echo b") >"$TMP/sq.out" 2>"$TMP/sq.err"; echo $? > "$TMP/sq.rc"; }
	run_bg &
	q_track $!
	wait_until 10 grep -q "Submitted 1 tasks\|Submitter" "$SLOG" || fail "no submitter: $(cat "$SLOG")"
	sleep 1
	kill -TERM "$SPID"; wait_exit "$SPID" 20; assert_eq 0 "$wrc" "server exit status"
	wait_until 15 test -s "$TMP/sq.rc" || fail "hs submit -q did not end"
	assert_eq 5 "$(cat "$TMP/sq.rc")" "hs submit -q exit status"
	assert_has "$(cat "$TMP/sq.err")" "The last 1 tasks read were not acknowledged by the server"
	assert_eq "echo a" "$(sql 'select args from task')"
}
