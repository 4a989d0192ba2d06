# Fault scenarios (issue 6): the queue under SIGKILL and SIGSTOP of its
# clients and SIGKILL of its server, with tests/tools/invariants.py as the
# judge at the end: no acknowledged task lost, nothing run after it
# finished, one accepted final result per task, duplicates only where a
# fault explains them, no task process outliving its killed client.
#
# Every task is `exec WORK KEY SECONDS [child]`: WORK appends one record
# "TASK_ID TASK_ATTEMPT PID PPID START_NS" (PID is the client's direct
# child, or with `child` a grandchild that does the sleeping; PPID is the
# client) and then sleeps. The tests log what they submit (acknowledged or
# unknown) and every fault they inject, with the time, for the checker.
# Runs on SQLite and on PostgreSQL (the suite's PG pass).
# HS_FAULTS_ALLOW=cat1,cat2 (triage only) reports those violation
# categories of the checker without failing; HS_FAULT_TABLE=FILE collects
# the checker's table lines.
source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"

INVARIANTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/invariants.py"

# f_setup: the task script, the logs, and timers for the fault tests.
f_setup() {
	q_setup
	trap 'f_reap; q_cleanup' EXIT
	export HYPERSHELL_SERVER_EVICT=10   # the smallest allowed
	export HYPERSHELL_CLIENT_HEARTRATE=0.5
	WORK="$TMP/work.sh" RECORDS="$TMP/records" FAULTS="$TMP/faults"
	# WORK KEY SECONDS [child]: record this execution, then sleep SECONDS
	# as this process (the client's direct child), or in a child of it
	# (then that child's pid is recorded: a grandchild of the client)
	cat > "$WORK" <<-EOF
	#!/bin/sh
	if [ "\${3:-}" = child ]; then
	    sleep "\$2" &
	    echo "\$TASK_ID \$TASK_ATTEMPT \$! \$PPID \$(date +%s%N)" >> "$RECORDS"
	    wait
	else
	    echo "\$TASK_ID \$TASK_ATTEMPT \$\$ \$PPID \$(date +%s%N)" >> "$RECORDS"
	    exec sleep "\$2"
	fi
	EOF
	chmod +x "$WORK"
	: > "$RECORDS"
	: > "$FAULTS"
}

# f_reap: kill the recorded task processes still alive (only those whose
# environment still names the task: pids are reused).
f_reap() {
	local id pid rest
	[ -f "${RECORDS:-}" ] || return 0
	while read -r id _ pid rest; do
		[ -r "/proc/$pid/environ" ] && tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null \
			| grep -qx "TASK_ID=$id" && kill -9 "$pid" 2>/dev/null
	done < "$RECORDS"
	return 0
}

# f_log ACTION ROLE PID: one line of the fault log, with the time.
f_log() { echo "$(date +%s%N) $*" >> "$FAULTS"; }

# f_submit LOG [hs submit options] < LINES: submit the lines on stdin (as
# they come: a slow producer makes several commits) and log each line
# to LOG as acknowledged (hs submit said it stored them all) or unknown.
f_submit() {
	local log=$1; shift
	local lines="$log.$BASHPID.$RANDOM" n
	tee "$lines" | "$HS_BIN" submit "$@" 2>"$lines.err"
	local src=$?
	n=$(wc -l < "$lines")
	# (the args stored are the line without its directive comment)
	if [ "$src" -eq 0 ] && grep -q "Submitted $n tasks" "$lines.err"; then
		sed 's/ *# HYPERSHELL.*$//; s/^/acknowledged /' "$lines" >> "$log"
	else
		echo "submit failed (status $src): $(tail -3 "$lines.err")" >&2
		sed 's/ *# HYPERSHELL.*$//; s/^/unknown /' "$lines" >> "$log"
	fi
	rm -f "$lines" "$lines.err"
}

# f_tasks FIRST LAST [SECONDS...]: task lines with keys FIRST..LAST, each
# sleeping one of SECONDS (picked by key).
f_tasks() {
	local first=$1 last=$2; shift 2
	local secs=("${@:-0.01}") i
	for ((i = first; i <= last; i++)); do
		echo "exec $WORK k$i ${secs[i % ${#secs[@]}]}"
	done
}

# f_check LABEL: run the checker on everything logged; print its table
# line and keep its numbers in CHK_* variables.
f_check() {
	local label=$1 logs=() f rc
	f_log end - -
	for f in "$TMP"/submits*; do
		case "$f" in *.err) continue ;; esac
		logs+=(--submits "$f")
	done
	"$PY" "$INVARIANTS" --records "$RECORDS" "${logs[@]}" --faults "$FAULTS" \
		--label "$label$(on_pg && echo ' (pg)')" --summary "$TMP/summary" --db "$(db)" \
		--allow "${HS_FAULTS_ALLOW:-}" \
		>"$TMP/check.out" 2>"$TMP/check.err"
	rc=$?
	cat "$TMP/check.out"
	cat "$TMP/check.err" >&2
	# keep the table line where a run of the whole suite can collect it
	[ -n "${HS_FAULT_TABLE:-}" ] && cat "$TMP/check.out" >> "$HS_FAULT_TABLE"
	[ "$rc" -eq 0 ] || fail "invariants violated ($label): $(head -c 1500 "$TMP/check.err")"
	while IFS='=' read -r k v; do
		printf -v "CHK_$k" '%s' "$v"
	done < "$TMP/summary"
}

# unfinished: rows not yet final.
unfinished() { sql 'select count(*) from task where completion_time is null'; }

# all_final: every row is finished (completed or cancelled).
all_final() { [ "$(unfinished)" = 0 ]; }

# --- scenario 1: clients SIGKILLed and SIGSTOPped while they drain ----------

# slot_start I: a client in slot I (3 slots), remembered in CL[I].
slot_start() {
	start_client "c$1.$((++CSTARTS))" -N 4 -S 1
	CL[$1]=$CPID
	f_log start client "$CPID"
}

# ran_on PID: a task has run on client PID.
ran_on() { awk -v p="$1" '$4 == p { f = 1; exit } END { exit !f }' "$RECORDS"; }

# long_task_on PID: a long task (sleep 300) runs on client PID now.
long_task_on() { pgrep -P "$1" -f "^(sleep 300|/bin/sh $WORK k[0-9]+ 300 child)\$" >/dev/null; }

test_faults_clients_killed_and_stopped() {
	f_setup
	export HYPERSHELL_CLIENT_RECONNECT=60
	local submits="$TMP/submits"
	# 2,000 tasks: short ones, and 1 in 40 that would sleep past the end of
	# the test but is stopped by its 1 s timeout. When its client is killed,
	# its processes must die with it: the client's direct child (the
	# parent-death signal), and half of them also a grandchild (in the
	# task's process group); the checker finds any left alive.
	f_tasks 1 2000 0 0.01 0.02 0.03 0.05 | awk '
		NR % 80 == 13 { $NF = "300 # HYPERSHELL timeout:1" }
		NR % 80 == 53 { $NF = "300 child # HYPERSHELL timeout:1" } 1' \
		| f_submit "$submits"
	assert_eq 2000 "$(grep -c '^acknowledged ' "$submits")" "acknowledged tasks"
	f_log begin - -
	start_server --forever
	f_log start server "$SPID"
	local -a CL=() stopped_until=(0 0 0) calm_until=(0 0 0)
	local CSTARTS=0 i
	for i in 0 1 2; do slot_start $i; done

	# first fault: a long stop (past eviction) of a busy client, so its
	# in-flight tasks are re-queued and its late results must be refused
	wait_until 20 ran_on "${CL[0]}" || fail "client 0 ran nothing"
	kill -STOP "${CL[0]}"; f_log stop client "${CL[0]}"
	stopped_until[0]=$(( $(date +%s) + HYPERSHELL_SERVER_EVICT + 2 ))
	# then every 2 s: K SIGKILL (and a new client in its place), S a short
	# SIGSTOP (1-2 s: no eviction, so nothing may run twice)
	local kills=0 long_kills=0 stops=1 now action victim step=0 script=(K S K S K K S)
	while [ "$step" -lt "${#script[@]}" ]; do
		sleep 1.$((RANDOM % 5 + 5))
		now=$(date +%s)
		for i in 0 1 2; do   # resume a long stop once it is past eviction
			if [ "${stopped_until[i]}" -ne 0 ] && [ "$now" -ge "${stopped_until[i]}" ]; then
				kill -CONT "${CL[i]}"; f_log cont client "${CL[i]}"
				stopped_until[i]=0
				calm_until[i]=$((now + 3))   # let it reconnect and report late results
			fi
		done
		all_final && break
		# a victim among the clients neither stopped nor just resumed; for a
		# kill, one running a long task if there is one
		local eligible=() longs=()
		for i in 0 1 2; do
			[ "${stopped_until[i]}" -eq 0 ] && [ "$now" -ge "${calm_until[i]}" ] || continue
			eligible+=("$i")
			long_task_on "${CL[i]}" && longs+=("$i")
		done
		[ "${#eligible[@]}" -eq 0 ] && continue
		action=${script[step++]}
		victim=${eligible[RANDOM % ${#eligible[@]}]}
		if [ "$action" = K ]; then
			if [ "${#longs[@]}" -gt 0 ]; then
				victim=${longs[RANDOM % ${#longs[@]}]}
				long_kills=$((long_kills + 1))
			fi
			kill -KILL "${CL[victim]}"; f_log kill client "${CL[victim]}"
			wait "${CL[victim]}" 2>/dev/null
			kills=$((kills + 1))
			slot_start "$victim"
		else
			kill -STOP "${CL[victim]}"; f_log stop client "${CL[victim]}"
			sleep 1.$((RANDOM % 10))
			kill -CONT "${CL[victim]}"; f_log cont client "${CL[victim]}"
			stops=$((stops + 1))
		fi
	done
	# resume whatever is still stopped, once past eviction
	for i in 0 1 2; do
		if [ "${stopped_until[i]}" -ne 0 ]; then
			while [ "$(date +%s)" -lt "${stopped_until[i]}" ]; do sleep 0.2; done
			kill -CONT "${CL[i]}"; f_log cont client "${CL[i]}"
		fi
	done
	echo "faults: $kills SIGKILL ($long_kills with a long task running), $stops SIGSTOP"
	# killed clients' tasks come back after eviction (10 s)
	wait_until 60 all_final || fail "not drained: $(unfinished) tasks unfinished; $(last_status)"
	sleep 2   # resumed clients report their late results
	kill -INT "$SPID"
	wait_exit "$SPID" 20
	assert_eq 0 "$wrc" "server exit status"
	for i in 0 1 2; do
		wait_exit "${CL[i]}" 15
	done
	f_check "clients SIGKILL/SIGSTOP"
	assert_eq 0 "$CHK_lost" "lost tasks"
	[ "$kills" -ge 2 ] || fail "only $kills clients killed"
	[ "$long_kills" -ge 1 ] || fail "no client was killed while it ran a long task"
	assert_has "$(cat "$SLOG")" "Evicted client" "server log"
	# the first stop had tasks in flight: their results came late and were refused
	[ "$CHK_late_expected" -ge 1 ] || fail "no late result expected: the long stop hit nothing"
	[ "$(count_log 'Refused a late result')" -ge 1 ] \
		|| fail "a stopped client's late results ($CHK_late_expected) were not refused"
}

# --- scenario 2: the server SIGKILLed three times during a submit storm -----

# storm K: submitter K: runs of `hs submit`, each fed 20 lines slowly (so
# each makes several commits), until $TMP/storm.stop exists; logged to
# submits.K.
storm() {
	local k=$1 r base
	for ((r = 1; r < 100; r++)); do
		[ -e "$TMP/storm.stop" ] && break
		base=$(( (k * 100 + r) * 100 ))
		{
			f_tasks $((base + 1)) $((base + 10)) 0 0.02 0.05 0.3
			sleep 0.$((RANDOM % 3 + 2))
			f_tasks $((base + 11)) $((base + 20)) 0 0.02 0.05 0.3
			sleep 0.$((RANDOM % 3 + 1))
		} | f_submit "$TMP/submits.$k"
	done
}

test_faults_server_killed_during_submit_storm() {
	f_setup
	export HYPERSHELL_CLIENT_RECONNECT=120
	f_tasks 1 100 0 0.02 0.05 0.3 | f_submit "$TMP/submits.0"
	f_log begin - -
	start_server --forever
	f_log start server "$SPID"
	local c cls=() k storms=() n
	for c in 1 2 3; do
		start_client "c$c" -N 4 -S 1
		cls+=("$CPID")
	done
	for k in 1 2 3 4; do
		storm "$k" &
		storms+=($!)
		q_track $!
	done
	for n in 1 2 3; do
		sleep 1.$((RANDOM % 5))
		# clients are busy and submitters are writing when the server dies
		kill -KILL "$SPID"; f_log kill server "$SPID"
		wait "$SPID" 2>/dev/null
		if [ "$n" -lt 3 ]; then
			sleep 0.$((RANDOM % 5 + 3))
			PORT_FIXED=1 start_server --forever
			f_log start server "$SPID"
		fi
	done
	# the storm goes on a while with the server down; then one last
	# restart serves what the database holds and exits when all is done
	sleep 1
	touch "$TMP/storm.stop"
	for k in "${storms[@]}"; do
		wait_exit "$k" 40
	done
	PORT_FIXED=1 start_server --restart
	f_log start server "$SPID"
	wait_exit "$SPID" 60
	assert_eq 0 "$wrc" "server exit status after the storm"
	for c in "${cls[@]}"; do
		wait_exit "$c" 20
		assert_eq 0 "$wrc" "client exit status"
	done
	assert_eq 0 "$(cat "$TMP"/submits.* | grep -c '^unknown ')" "submits not acknowledged"
	f_check "server SIGKILL x3 + submit storm"
	assert_eq 0 "$CHK_lost" "lost tasks"
	[ "$CHK_tasks" -ge 300 ] || fail "only $CHK_tasks tasks submitted"
	assert_has "$(cat "$SLOG")" "a previous server left unfinished" "server log"
	[ "$(grep -c 'Listening on' "$SLOG")" -eq 4 ] || fail "expected 4 server starts"
}

# --- the checker itself: a clean run passes, and it sees every violation ----

test_faults_checker_sees_each_violation() {
	f_setup
	local subs="$TMP/submits" T='2030-01-01 00:00:0' S=1893456000   # $T0 is second $S
	# id_of KEY: the row of task kKEY
	id_of() { sql "select id from task where args = 'exec $WORK k$1 0'"; }
	# done_row KEY [START_SECONDS]: the row of kKEY finished in its lease
	# [00:00:00, 00:00:01], started at START_SECONDS (default 0.4)
	done_row() {
		sql "update task set schedule_time = '${T}0.000000+00:00', start_time = '${T}${2:-0.4}00000+00:00',
			completion_time = '${T}1.000000+00:00', exit_status = 0 where args = 'exec $WORK k$1 0'" >/dev/null
	}
	record() { echo "$(id_of "$1") 1 999999 1 $2" >> "$RECORDS"; }   # KEY START_NS
	check() { "$PY" "$INVARIANTS" --records "$RECORDS" --submits "$subs" --faults "$FAULTS" \
		--db "$(db)" --summary "$TMP/summary" --label "$1" >"$TMP/check.out" 2>"$TMP/check.err"; }

	f_tasks 1 1 0 | f_submit "$subs"
	done_row 1; record 1 ${S}500000000
	check clean || fail "a clean run fails: $(cat "$TMP/check.err")"
	assert_has "$(cat "$TMP/check.out")" "| clean | 0 | 1 | 1 | 0 | 0 |"

	f_tasks 2 8 0 | f_submit "$subs"
	sed -i '/ k8 0$/d' "$subs"                        # k8: stored, never submitted
	sql "update task set schedule_time = '${T}0.000000+00:00' where args like '% k3 0'" >/dev/null   # running
	done_row 4; record 4 ${S}500000000; record 4 $((S + 2))000000000   # ran again after it finished
	done_row 5 0.4; sql "update task set start_time = '2029-12-31 23:59:59.000000+00:00'
		where args like '% k5 0'" >/dev/null; record 5 ${S}500000000   # a result from before its lease
	done_row 6                                          # finished, never ran
	sql "delete from task where args like '% k7 0'" >/dev/null   # acknowledged, gone
	echo "01a20000-0000-7000-8000-0000000000ff 1 999998 1 ${S}500000000" >> "$RECORDS"   # not a task
	# a second, separate final row for k1
	sql "insert into task (id, args, submit_id, submit_time, submit_host, schedule_time,
		completion_time, exit_status) values ('01a20000-0000-7000-8000-000000000001',
		'exec $WORK k1 0', '01a20000-0000-7000-8000-000000000002', '${T}0.000000+00:00', 'x',
		'${T}0.000000+00:00', '${T}1.000000+00:00', 0)" >/dev/null
	echo "01a20000-0000-7000-8000-000000000001 1 999997 1 ${S}500000000" >> "$RECORDS"
	# a task process of a killed client, still alive
	TASK_ID=01a20000-0000-7000-8000-0000000000fe sleep 60 &
	q_track $!
	echo "01a20000-0000-7000-8000-0000000000fe 1 $! 4242 ${S}500000000" >> "$RECORDS"
	echo "$(date +%s%N) kill client 4242" >> "$FAULTS"

	check violations
	assert_eq 1 "$?" "checker status with violations"
	cat "$TMP/check.err"
	local cat
	for cat in lost running ran_after_final duplicates fence unexpected survivors final_results; do
		grep -q "^v_$cat=[1-9]" "$TMP/summary" || fail "the checker missed a $cat violation: $(cat "$TMP/summary")"
	done
	assert_eq "lost=4" "$(grep '^lost=' "$TMP/summary")" "lost: k2 (never scheduled), k3 (running), k6 (never ran), k7 (gone)"
}

# Crash limit: a task that kills its own client is run on at most
# server.crash_limit clients, then finished as failed (-1003); the tasks
# that only waited in a killed client's queue do not count and succeed.
# Clients are restarted as a supervisor (or hsx's autoscaler) would.
test_faults_task_that_kills_its_client_ends_failed() {
	f_setup
	export HYPERSHELL_SERVER_CRASH_LIMIT=2
	{ echo "echo k >> $TMP/killer; sleep 0.3; kill -9 \$PPID"; seq 6 | sed 's/.*/sleep 0.1/'; } |
		hs submit
	start_server
	(
		i=0
		while kill -0 "$SPID" 2>/dev/null && [ $i -lt 20 ]; do
			i=$((i + 1))
			"$HS_BIN" client -H 127.0.0.1 -p "$PORT" -k "$KEY" -N 1 2>>"$TMP/clients.err" >/dev/null
		done
	) &
	q_track $!
	wait_exit "$SPID" 90; assert_eq 0 "$wrc" "server exit"
	assert_eq 2 "$(wc -l < "$TMP/killer")" "runs of the killer task"
	assert_eq "-1003" "$(sql "select exit_status from task where args like '%kill%'")" "killer's status"
	assert_eq 6 "$(sql 'select count(*) from task where exit_status = 0')" "other tasks"
	assert_eq 7 "$(sql 'select count(*) from task where completion_time is not null')" "finished"
	assert_eq 1 "$(count_log 'marked failed (status -1003, server.crash_limit)')" "log line"
}
