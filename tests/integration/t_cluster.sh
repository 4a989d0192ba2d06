# hsx (= hs cluster) end to end: the server with its own clients, locally,
# over ssh against a real sshd on 127.0.0.1 (tools/sshd.sh), through a real
# mpirun (tools/mpi.sh), and autoscaled. Remote modes always get
# -H 127.0.0.1 (their default bind is 0.0.0.0).
# Run alone: HS_BIN=$PWD/build/hs tests/integration/run.sh cluster test_cluster_
source "$(dirname "${BASH_SOURCE[0]}")/tools/qlib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/tools/sshd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/tools/mpi.sh"

HSX="$(dirname "$HS_BIN")/hsx"
hsx() { "$HSX" "$@"; }

# c_setup: short timers, cleanup of our processes on exit; hsx must exist.
c_setup() {
	q_setup
	[ -x "$HSX" ] || fail "$HSX missing (make links hsx next to hs)"
}

# c_sshd: c_setup plus a throwaway sshd in $TMP/ssh, stopped on exit.
c_sshd() {
	c_setup
	trap 'sshd_stop "$TMP/ssh"; q_cleanup' EXIT
	sshd_start "$TMP/ssh" || fail "sshd_start failed"
}

# start_hsx NAME INPUT ARGS...: hsx in the background reading INPUT;
# sets HPID; its stdout in $TMP/NAME.out, stderr in $TMP/NAME.err. (A
# background command of a script reads /dev/null unless redirected itself.)
start_hsx() {
	local name=$1 input=$2; shift 2
	"$HSX" "$@" <"$input" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	HPID=$!
	q_track "$HPID"
}

# client_kids PID: the children of PID running `hs client`.
client_kids() {
	local p
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -q ' client ' && echo "$p"
	done
	return 0
}

# proc_tree PID...: these processes and every process below them.
proc_tree() {
	local f line ppid p
	local -A kids=()
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null < "$f" || continue
		read -r _ ppid _ <<< "${line##*) }"
		f=${f#/proc/}
		kids[$ppid]+=" ${f%/stat}"
	done
	local todo=("$@")
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}; todo=("${todo[@]:1}")
		echo "$p"
		for f in ${kids[$p]:-}; do todo+=("$f"); done
	done
}

# cmdlines PID...: "pid: command line" of each (gone ones skipped, and
# each client's task keeper, a fork that shares its command line).
cmdlines() {
	local p c
	for p in "$@"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = hs-keeper ] && continue
		c=$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline") && [ -n "$c" ] && echo "$p: $c"
	done
	return 0
}

HEX128='[0-9a-fA-F]{128}'

# started N: N tasks touched their $TMP/st.* marker.
started() { [ "$(find "$TMP" -maxdepth 1 -name 'st.*' | wc -l)" -ge "$1" ]; }

# A template prefix: the task marks itself started, then waits (up to
# ~10 s) until $TMP/go exists.
gate_tpl() { echo "touch $TMP/st.{}; i=0; while [ ! -e $TMP/go ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done"; }

# A template prefix: the task marks itself started and waits (up to ~10 s)
# until N tasks have started, so the first N tasks of N one-slot clients
# land one per client.
meet_tpl() { echo "touch $TMP/st.{}; i=0; while [ \$(ls $TMP | grep -c '^st\\.') -lt $1 ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done"; }

# --- local mode ------------------------------------------------------------

test_cluster_local_runs_all_and_summarises() {
	c_setup
	seq 5 > "$TMP/in"
	run hsx -t 'echo task {}' -N2 < "$TMP/in"
	assert_rc 0
	assert_eq "$(seq 5 | sed 's/^/task /')" "$(sort <<< "$out")" "task output"
	assert_eq "5|5|1" "$(sql 'select count(*), sum(CAST(exit_status = 0 and completion_time is not null AS INTEGER)), count(distinct client_id) from task')" \
		"tasks, successes, clients"
	assert_eq "$(seq 5)" "$(sql 'select args from task order by args')" "stored args"
	assert_has "$err" "Submitted 5 tasks from <stdin>"
	assert_has "$err" "connected from 127.0.0.1:"
	assert_has "$err" "with 2 slots"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 5 tasks (0 failed, 0 retried)" "last stderr line"
	assert_lacks "$err" "stopped early"
	assert_has "$err" "Client done: 5 tasks run (0 failed)"
}

test_cluster_failures_keep_status_zero_and_retry() {
	c_setup
	printf '%s\n' 'exit 3' 'true' 'exit 1' 'echo fine' > "$TMP/in"
	run hsx -f "$TMP/failed.txt" -N2 < "$TMP/in"
	assert_rc 0
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 4 tasks (2 failed, 0 retried)" "summary"
	assert_eq "exit 1
exit 3" "$(sort "$TMP/failed.txt")" "failures file"
	assert_eq "echo fine|0
exit 1|1
exit 3|3
true|0" "$(sql 'select args, exit_status from task order by args')" "statuses"
	assert_eq 0 "$(sql 'select count(*) from task where retried or previous_id is not null or next_id is not null')" "retry rows without -r"

	# -r 1: every failing task runs twice, linked rows; the failures file
	# gets only the final failures
	export HYPERSHELL_SITE="$TMP/site2"
	on_pg && export HYPERSHELL_DATABASE_SCHEMA="${HYPERSHELL_DATABASE_SCHEMA}_b"   # its database
	run hsx -r 1 -f "$TMP/failed2.txt" < "$TMP/in"
	assert_rc 0
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 6 tasks (2 failed, 2 retried)" "summary with -r 1"
	assert_eq "echo fine|1|0|0|0|0
exit 1|1|1|1|0|1
exit 1|2|1|0|1|0
exit 3|1|3|1|0|1
exit 3|2|3|0|1|0
true|1|0|0|0|0" "$(sql 'select args, attempt, exit_status, CAST(retried AS INTEGER), CAST(previous_id is not null AS INTEGER), CAST(next_id is not null AS INTEGER) from task order by args, attempt')" \
		"retry rows"
	assert_eq 2 "$(sql 'select count(*) from task a join task b on a.next_id = b.id and b.previous_id = a.id')" "linked pairs"
	assert_eq "exit 1
exit 3" "$(sort "$TMP/failed2.txt")" "failures file with -r 1"
}

test_cluster_key_never_on_command_lines_or_logs() {
	c_setup
	seq 2 > "$TMP/in"
	# each task records its parent's command line, whether it sees the key,
	# and its whole environment; then waits for $TMP/go
	start_hsx h "$TMP/in" -N2 -t "tr '\\0' ' ' < /proc/\$PPID/cmdline > $TMP/pcmd.{}; env | grep -c '^HYPERSHELL_SERVER_AUTH=' > $TMP/envc.{}; env > $TMP/env.{}; $(gate_tpl); echo done {}"
	wait_until 20 started 2 || fail "tasks did not start: $(cat "$TMP/h.err")"
	local client key tree
	client=$(client_kids "$HPID")
	[ -n "$client" ] || fail "no hs client child of hsx"
	# the client wipes the key from its environment block (what
	# /proc/PID/environ shows, and what a task could read there)
	tr '\0' '\n' < "/proc/$client/environ" | grep -qE "$HEX128" &&
		fail "a 128-hex string in the environment of the client"
	key=$(tr '\0' '\n' < "/proc/$client/environ" | sed -n 's/^HYPERSHELL_SERVER_AUTH=//p')
	[ -z "$key" ] || [ -z "$(tr -d '\0' <<< "$key")" ] || fail "the key was not wiped: [$key]"
	key=$(tr '\0' '\n' < "/proc/$HPID/environ" | sed -n 's/^HYPERSHELL_SERVER_AUTH=//p')
	[ -n "$key" ] || key="no key given: $RANDOM$RANDOM"
	# no process of the machine shows it; none of ours shows any such key
	local p
	for p in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' 2>/dev/null < "$p" | grep -qF "$key" && fail "key on the command line of ${p%/cmdline}: $(tr '\0' ' ' < "$p")"
	done
	tree=$(cmdlines $(proc_tree "$HPID"))
	assert_has "$tree" "$HS_BIN client -H localhost -p " "process tree of hsx"
	grep -E "$HEX128" <<< "$tree" && fail "a 128-hex string on a command line under hsx"
	touch "$TMP/go"
	wait_exit "$HPID" 20
	assert_eq 0 "$wrc" "hsx exit status"
	assert_eq "done 1
done 2" "$(sort "$TMP/h.out")" "task output"
	# the task's parent is the client, and the task cannot see the key
	local i
	for i in 1 2; do
		assert_has "$(cat "$TMP/pcmd.$i")" "$HS_BIN client " "parent of task $i"
		assert_lacks "$(cat "$TMP/pcmd.$i")" "$key" "parent command line of task $i"
		assert_eq 0 "$(cat "$TMP/envc.$i")" "HYPERSHELL_SERVER_AUTH in the environment of task $i"
		grep -qF "$key" "$TMP/env.$i" && fail "the key is in the environment of task $i"
	done
	# nor any log
	grep -qF "$key" "$TMP/h.err" "$TMP/h.out" && fail "the key is in the output of hsx"
	grep -E "$HEX128" "$TMP/h.err" && fail "a 128-hex string in the log of hsx"
	[ -d "$HYPERSHELL_SITE/log" ] && grep -rqF "$key" "$HYPERSHELL_SITE/log" && fail "the key is in a site log file"
	return 0
}

test_cluster_rejected_combinations() {
	c_setup
	local args needle
	while IFS='|' read -r args needle; do
		[ -n "$args" ] || continue
		# shellcheck disable=SC2086
		run hsx $args -t true <<< "1"
		[ "$rc" -eq 2 ] || fail "hsx $args: expected status 2, got $rc; stderr: $err"
		assert_has "$err" "$needle" "message for hsx $args"
		assert_eq 1 "$(grep -c . <<< "$err")" "lines of the message for hsx $args ($err)"
		assert_eq "" "$out" "stdout of hsx $args"
	done <<'EOF'
--no-db --restart|--no-db cannot be combined with --forever or --restart
--no-db --forever|--no-db cannot be combined with --forever or --restart
--forever --restart|--restart is not allowed with --forever
-o out.txt --ssh x|-o/--output and -e/--errors work in local mode only
-e err.txt --mpi|-o/--output and -e/--errors work in local mode only
--capture -o out.txt|--capture cannot be combined with -o/--output
--ssh-args -v|--ssh-args needs --ssh
-o out.txt --ssh-group G|-o/--output and -e/--errors work in local mode only
--ssh H --ssh-group G|--ssh HOST cannot be combined with --ssh-group
-A --ssh x|-A/--autoscaling cannot be combined with --ssh, --mpi or --no-db
-A fixed --mpi|-A/--autoscaling cannot be combined with --ssh, --mpi or --no-db
-A --no-db|-A/--autoscaling cannot be combined with --ssh, --mpi or --no-db
-H 10.1.2.3|-H/--bind: local mode listens on localhost, 127.0.0.1 or ::1 only
-N x|-N/--num-threads expects an integer >= 0, got 'x'
-N -1|-N/--num-threads expects an integer >= 0, got '-1'
-A weird|-A/--autoscaling expects fixed or dynamic, got 'weird'
-E|-E/--env needs --ssh
-P 1|-F, -P, -I, -X and -Y need -A/--autoscaling
--mpi --launcher srun|is not allowed with
EOF
	# nothing ran: no database, no output files
	db_exists && fail "a refused hsx created the database"
	[ -e out.txt ] || [ -e err.txt ] && fail "a refused hsx created an output file"
	return 0
}

test_cluster_no_db_leaves_nothing() {
	c_setup
	export TMPDIR="$TMP/tmp"
	mkdir "$TMPDIR"
	seq 6 > "$TMP/tasks.txt"
	# each task lists $TMPDIR while hsx runs: the private database is there
	run hsx --no-db -N2 -t "ls \$TMPDIR > $TMP/during.{}; echo n{}" "$TMP/tasks.txt"
	assert_rc 0
	assert_eq "$(seq 6 | sed 's/^/n/')" "$(sort <<< "$out")" "task output"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 6 tasks (0 failed, 0 retried)" "summary"
	grep -q '^hs-nodb-' "$TMP/during.1" || fail "no hs-nodb-* directory in \$TMPDIR during the run: $(cat "$TMP/during.1")"
	if db_exists; then
		assert_eq 0 "$(sql 'select count(*) from task')" "tasks in the site database"
	fi
	assert_eq "" "$(ls -A "$TMPDIR")" "left in \$TMPDIR"
}

test_cluster_probes_past_a_taken_port() {
	c_setup
	# hold 127.0.0.1:50001 and [::1]:50001 (whichever we can; if something
	# else already holds one, fine)
	"$PY" - "$TMP/held" <<'EOF' 2>"$TMP/holder.err" &
import socket, sys, time
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        s.bind((addr, 50001))
        s.listen(16)
        globals().setdefault("held", []).append(s)
        print(addr, file=sys.stderr)
    except OSError as e:
        print("cannot hold", addr, e, file=sys.stderr)
open(sys.argv[1], "w").write("ready\n")
time.sleep(100)
EOF
	q_track $!
	wait_until 10 test -s "$TMP/held" || fail "port holder did not start: $(cat "$TMP/holder.err")"
	port_free 50001 && fail "127.0.0.1:50001 is still free: $(cat "$TMP/holder.err")"
	seq 3 > "$TMP/in"
	run hsx -t 'echo {}' < "$TMP/in"
	assert_rc 0
	assert_eq "$(seq 3)" "$(sort <<< "$out")" "task output"
	local port
	port=$(sed -n 's/.*Listening on localhost:\([0-9]*\).*/\1/p' <<< "$err")
	[ -n "$port" ] || fail "no 'Listening on localhost:PORT' line: $err"
	{ [ "$port" -gt 50001 ] && [ "$port" -le 51001 ]; } || fail "port $port: expected 50002..51001"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 3 tasks (0 failed, 0 retried)" "summary"
}

test_cluster_ctrl_c_then_restart() {
	c_setup
	seq 6 > "$TMP/in"
	start_hsx h "$TMP/in" -N2 -t "touch $TMP/st.{}; sleep 2; echo {}"
	wait_until 20 started 2 || fail "tasks did not start: $(cat "$TMP/h.err")"
	kill -INT "$HPID"
	wait_exit "$HPID" 15
	assert_eq 4 "$wrc" "exit status after Ctrl-C"
	assert_eq "1
2" "$(sort "$TMP/h.out")" "output of the interrupted run"
	assert_eq "2|4" "$(sql 'select sum(CAST(completion_time is not null AS INTEGER)), sum(CAST(schedule_time is null and completion_time is null AS INTEGER)) from task')" \
		"completed and re-runnable tasks"
	assert_eq "1
2" "$(sql 'select args from task where exit_status = 0 order by args')" "completed tasks"
	assert_has "$(cat "$TMP/h.err")" "Interrupted with 4 tasks not run (hsx --restart runs them)"
	assert_has "$(tail -1 "$TMP/h.err")" "Cluster done: 2 tasks (0 failed, 0 retried)" "summary"
	assert_has "$(tail -1 "$TMP/h.err")" "(stopped early)" "summary"

	run hsx --restart -t 'echo again {}' -N2 < /dev/null
	assert_rc 0
	assert_eq "$(seq 3 6 | sed 's/^/again /')" "$(sort <<< "$out")" "output of --restart"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 4 tasks (0 failed, 0 retried)" "summary of --restart"
	# every task ran exactly once
	assert_eq "6|6|6" "$(sql 'select count(*), count(distinct args), sum(CAST(completion_time is not null and exit_status = 0 AS INTEGER)) from task')" \
		"rows, distinct args, completions"
	assert_eq "1|sleep 2; echo 1
2|sleep 2; echo 2
3|echo again 3
4|echo again 4
5|echo again 5
6|echo again 6" "$(sql "select args, replace(command, '$TMP/', '') from task order by args" | sed 's/^\([12]\)|touch st\.[12]; /\1|/')" \
		"commands"
}

test_cluster_all_clients_dead_stops_with_error() {
	c_setup
	seq 4 > "$TMP/in"
	start_hsx h "$TMP/in" -t "echo \$\$ >> $TMP/taskpids; exec sleep 30"
	wait_until 20 test -s "$TMP/taskpids" || fail "no task started: $(cat "$TMP/h.err")"
	local client t0 t1
	client=$(client_kids "$HPID")
	[ -n "$client" ] || fail "no hs client child of hsx"
	kill -9 "$client"
	t0=$(date +%s%N)
	wait_exit "$HPID" 10
	t1=$(date +%s%N)
	assert_eq 5 "$wrc" "exit status once every client is gone"
	[ $(( (t1 - t0) / 1000000 )) -lt 5000 ] || fail "hsx took $(( (t1 - t0) / 1000000 )) ms to notice"
	grep 'ERROR' "$TMP/h.err" | grep -q -- '--restart' || fail "no error line mentioning --restart: $(cat "$TMP/h.err")"
	assert_has "$(cat "$TMP/h.err")" "Every client has exited with 4 tasks not run"
	assert_has "$(tail -1 "$TMP/h.err")" "Cluster done: 0 tasks" "summary"
	# --restart runs all four, the one the dead client held included
	run hsx --restart -t 'echo again {}' < /dev/null
	assert_rc 0
	assert_eq "$(seq 4 | sed 's/^/again /')" "$(sort <<< "$out")" "output of --restart"
	assert_eq "4|4" "$(sql 'select count(distinct args), sum(CAST(exit_status = 0 AS INTEGER)) from task')" "tasks done after --restart"
}

test_cluster_first_run_makes_certificate() {
	c_setup
	[ -e "$HYPERSHELL_SITE" ] && fail "site exists before the first run"
	run hsx -t true <<< 1
	assert_rc 0
	assert_has "$err" "Generated TLS certificate $HYPERSHELL_SITE/lib/tls/server.crt (SHA256:"
	assert_has "$err" "(TLS)"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 1 tasks (0 failed, 0 retried)" "first summary"
	[ -s "$HYPERSHELL_SITE/lib/tls/server.crt" ] || fail "no certificate file"
	local sum; sum=$(sha256sum < "$HYPERSHELL_SITE/lib/tls/server.crt")
	run hsx -t true <<< 2
	assert_rc 0
	assert_lacks "$err" "Generated TLS certificate"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 1 tasks (0 failed, 0 retried)" "second summary"
	assert_eq "$sum" "$(sha256sum < "$HYPERSHELL_SITE/lib/tls/server.crt")" "certificate after the second run"
	assert_eq 2 "$(sql 'select count(*) from task where exit_status = 0')" "tasks of both runs"
}

test_cluster_help() {
	run hsx --help
	assert_rc 0
	local o
	for o in "--ssh [HOST]" "--ssh-args ARGS" "--ssh-group NAME" "--mpi" "--launcher ARGS" \
		"-A, --autoscaling [POLICY]" "--remote-exe PATH" "-N, --num-threads NUM" "--restart" "--no-db"; do
		assert_has "$out" "$o" "hsx --help"
	done
	assert_has "$out" "usage: hs cluster"
}

# --- ssh mode (a real sshd on 127.0.0.1) --------------------------------------

test_cluster_ssh_three_hosts() {
	c_sshd
	seq 30 > "$TMP/in"
	start_hsx h "$TMP/in" --ssh 'node0[1-3]' --ssh-args "$SSH_ARGS" -H 127.0.0.1 --remote-exe "$HS_BIN" \
		-t "$(gate_tpl); echo {} \$SSH_TEST_HOST"
	# one task on each of the three clients: all three are up now
	wait_until 30 started 3 || fail "3 tasks did not start: $(cat "$TMP/h.err")"
	local tree
	tree=$(cmdlines $(proc_tree "$HPID" "$SSHD_PID"))
	# the local ssh commands and the remote clients, none with a key
	assert_eq 3 "$(grep -cE "^[0-9]+: ssh $SSH_ARGS node0[123] env " <<< "$tree")" "ssh processes ($tree)"
	assert_eq 3 "$(grep -c "^[0-9]*: $HS_BIN client -k - -H 127.0.0.1 -p " <<< "$tree")" "remote clients ($tree)"
	assert_has "$tree" "HYPERSHELL_SERVER_TLS_FINGERPRINT=SHA256:" "ssh command lines"
	grep -E "$HEX128" <<< "$tree" && fail "a 128-hex string on a command line under hsx or sshd"
	touch "$TMP/go"
	wait_exit "$HPID" 30
	assert_eq 0 "$wrc" "hsx exit status; $(tail -5 "$TMP/h.err")"
	assert_eq "$(seq 30)" "$(awk '{print $1}' "$TMP/h.out" | sort -n)" "task output"
	assert_eq "node01
node02
node03" "$(awk '{print $2}' "$TMP/h.out" | sort -u)" "hosts seen by the tasks"
	assert_eq "30|3" "$(sql 'select sum(CAST(exit_status = 0 AS INTEGER)), count(distinct client_id) from task')" "tasks and clients"
	assert_has "$(cat "$TMP/h.err")" "Starting clients on 3 hosts over ssh"
	assert_has "$(cat "$TMP/h.err")" "Clients verify the server by its certificate fingerprint SHA256:"
	assert_has "$(cat "$TMP/h.err")" "Listening on 127.0.0.1:"
	assert_has "$(tail -1 "$TMP/h.err")" "Cluster done: 30 tasks (0 failed, 0 retried)" "summary"
	grep -E "$HEX128" "$TMP/h.err" && fail "a 128-hex string in the log"
	assert_eq 3 "$(grep -c 'Accepted publickey for' "$SSHD_DIR/sshd.log")" "ssh sessions accepted"
	assert_eq 3 "$(grep -c 'Starting session: command' "$SSHD_DIR/sshd.log")" "ssh commands started"
	return 0
}

# One task, many hosts: the first client finishes the work at once; hsx
# still waits for the slower sessions to connect (then drains them), and
# does not stop before they do and then wait for them to give up (it took
# 30 s before). A host that is down only costs its failed ssh.
test_cluster_ssh_few_tasks_many_hosts_finish_quickly() {
	c_sshd
	local t0 ms
	t0=$(date +%s%N)
	run hsx --ssh 'node0[1-6],down01' --ssh-args "$SSH_ARGS" -H 127.0.0.1 --remote-exe "$HS_BIN" \
		-t 'echo {} $SSH_TEST_HOST' <<< 1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	assert_rc 0
	[[ "$out" =~ ^1\ node0[1-6]$ ]] || fail "task output: [$out]"
	assert_has "$err" "Starting clients on 7 hosts over ssh"
	assert_has "$err" "ssh client on down01 exited with status 255"
	assert_eq 6 "$(grep -c 'connected from 127.0.0.1:' <<< "$err")" "clients connected"
	assert_eq 6 "$(grep -c 'Client done: ' <<< "$err")" "clients that finished cleanly"
	assert_lacks "$err" "did not exit"
	assert_lacks "$err" "have not connected"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 1 tasks (0 failed, 0 retried)" "summary"
	[ "$ms" -lt 15000 ] || fail "hsx took ${ms} ms for one task"
}

test_cluster_ssh_client_cannot_verify_server() {
	c_sshd
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=unrelated-ca -keyout "$TMP/ca.key" -out "$TMP/ca.crt" 2>/dev/null || fail "openssl req failed"
	seq 3 > "$TMP/in"
	start_hsx h "$TMP/in" --ssh node01 --ssh-args "$SSH_ARGS" -H 127.0.0.1 --remote-exe "$HS_BIN" \
		--tls-ca "$TMP/ca.crt" -t 'echo {}'
	wait_exit "$HPID" 30
	assert_eq 5 "$wrc" "hsx exit status"
	local log; log=$(cat "$TMP/h.err")
	assert_has "$log" "Cannot verify the server 127.0.0.1:"
	assert_has "$log" "pin it with server.tls.fingerprint"
	assert_has "$log" "Every client has exited with 3 tasks not run"
	assert_eq "" "$(cat "$TMP/h.out")" "task output"
	assert_eq 0 "$(sql 'select count(*) from task where completion_time is not null')" "completed tasks"
}

test_cluster_ssh_group_and_slurm_nodelist() {
	c_sshd
	mkdir -p "$HOME/.hypershell"
	printf '[ssh.nodelist]\ngrp = ["node01", "node02"]\nother = ["node05"]\n' > "$HOME/.hypershell/config.toml"
	seq 10 > "$TMP/in"
	run hsx --ssh-group grp --ssh-args "$SSH_ARGS" -H 127.0.0.1 --remote-exe "$HS_BIN" \
		-t "$(meet_tpl 2); echo {} \$SSH_TEST_HOST" < "$TMP/in"
	assert_rc 0
	assert_has "$err" "Starting clients on 2 hosts over ssh"
	assert_eq "node01
node02" "$(awk '{print $2}' <<< "$out" | sort -u)" "hosts of --ssh-group grp"
	assert_eq "10|2" "$(sql 'select sum(CAST(exit_status = 0 AS INTEGER)), count(distinct client_id) from task')" "tasks and clients"

	# bare --ssh: SLURM_JOB_NODELIST (when ssh.nodelist is not set)
	rm "$HOME/.hypershell/config.toml" "$TMP"/st.*
	export SLURM_JOB_NODELIST='node0[3-4]'
	run hsx --ssh --ssh-args "$SSH_ARGS" -H 127.0.0.1 --remote-exe "$HS_BIN" \
		-t "$(meet_tpl 2); echo {} \$SSH_TEST_HOST" < "$TMP/in"
	assert_rc 0
	assert_has "$err" "Starting clients on 2 hosts over ssh"
	assert_eq "node03
node04" "$(awk '{print $2}' <<< "$out" | sort -u)" "hosts of SLURM_JOB_NODELIST"
	assert_eq "20|4" "$(sql 'select sum(CAST(exit_status = 0 AS INTEGER)), count(distinct client_id) from task')" "tasks and clients of both runs"
	assert_eq 4 "$(grep -c 'Starting session: command' "$SSHD_DIR/sshd.log")" "ssh commands started"
}

# --- launcher mode (a real mpirun) ---------------------------------------------

test_cluster_mpi_launcher() {
	c_setup
	if ! mpi_available; then
		echo "SKIP: mpirun missing (scripts/deps.sh installs openmpi-bin)"
		return 0
	fi
	seq 20 > "$TMP/in"
	run hsx --launcher "$(mpi_prefix 2)" -H 127.0.0.1 --remote-exe "$HS_BIN" \
		-t "$(meet_tpl 2); echo {} \$OMPI_COMM_WORLD_RANK" < "$TMP/in"
	assert_rc 0
	assert_eq "$(seq 20)" "$(awk '{print $1}' <<< "$out" | sort -n)" "task output"
	assert_eq "0
1" "$(awk '{print $2}' <<< "$out" | sort -u)" "ranks that ran tasks"
	assert_eq "20|2" "$(sql 'select sum(CAST(exit_status = 0 AS INTEGER)), count(distinct client_id) from task')" "tasks and clients"
	assert_eq 2 "$(grep -c 'connected from 127.0.0.1:' <<< "$err")" "clients connected"
	grep -E "$HEX128" <<< "$err" && fail "a 128-hex string in the log"

	# --mpi: a plain `mpirun` (one client per slot) with the settings of
	# mpi_env, and a default hostfile of 2 slots (not one per core of the
	# machine)
	export HYPERSHELL_SITE="$TMP/site2"
	on_pg && export HYPERSHELL_DATABASE_SCHEMA="${HYPERSHELL_DATABASE_SCHEMA}_b"   # its database
	mpi_env
	echo 'localhost slots=2' > "$TMP/hostfile"
	export OMPI_MCA_orte_default_hostfile="$TMP/hostfile"
	rm -f "$TMP"/st.*
	seq 10 > "$TMP/in2"
	run hsx --mpi -H 127.0.0.1 --remote-exe "$HS_BIN" -t "$(meet_tpl 2); echo {} \$OMPI_COMM_WORLD_SIZE" < "$TMP/in2"
	assert_rc 0
	assert_eq "$(seq 10)" "$(awk '{print $1}' <<< "$out" | sort -n)" "task output of --mpi"
	assert_eq 2 "$(awk '{print $2}' <<< "$out" | sort -u)" "OMPI_COMM_WORLD_SIZE"
	assert_eq 2 "$(grep -c 'connected from 127.0.0.1:' <<< "$err")" "clients of --mpi connected"
	assert_eq "10|2" "$(sql 'select sum(CAST(exit_status = 0 AS INTEGER)), count(distinct client_id) from task')" "tasks and clients of --mpi"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 10 tasks (0 failed, 0 retried)" "summary"
}

# More ranks than tasks: the first ranks finish the work before the last
# ones connect. hsx ends soon anyway (it waited 30 s for the late ranks to
# give up before), and leaves no client behind.
test_cluster_mpi_more_ranks_than_tasks() {
	c_setup
	if ! mpi_available; then
		echo "SKIP: mpirun missing (scripts/deps.sh installs openmpi-bin)"
		return 0
	fi
	local t0 ms port
	t0=$(date +%s%N)
	run hsx --launcher "$(mpi_prefix 6)" -H 127.0.0.1 --remote-exe "$HS_BIN" -t 'echo {}' <<< 1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	assert_rc 0
	assert_eq 1 "$out" "task output"
	assert_has "$(tail -1 <<< "$err")" "Cluster done: 1 tasks (0 failed, 0 retried)" "summary"
	[ "$ms" -lt 15000 ] || fail "hsx took ${ms} ms for one task"
	port=$(sed -n 's/.*Listening on 127.0.0.1:\([0-9]*\).*/\1/p' <<< "$err")
	[ -n "$port" ] || fail "no 'Listening on' line"
	sleep 0.5
	local all
	all=$(cmdlines $(cd /proc && echo [0-9]*))
	grep -F "$HS_BIN client -H 127.0.0.1 -p $port " <<< "$all" && fail "clients left running"
	return 0
}

# --- autoscaling -------------------------------------------------------------------

# max_clients LOG: the most clients connected at once, from the log.
max_clients() {
	awk '/ connected from / {n++; if (n > m) m = n} / disconnected$/ {n--} END {print m + 0}' "$1"
}

test_cluster_autoscale_fixed_clients_come_and_go() {
	c_setup
	seq 3 > "$TMP/tasks.txt"
	start_hsx h /dev/null -A fixed -P 1 -T 1 -I 1 -Y 2 -H 127.0.0.1 -t 'echo t{}' "$TMP/tasks.txt"
	wait_until 20 eval '[ "$(sql "select count(*) from task where exit_status = 0")" = 3 ]' ||
		fail "first tasks not done: $(cat "$TMP/h.err")"
	# the idle client retires (-T 1), hsx runs on
	wait_until 10 eval '[ -z "$(client_kids "$HPID")" ]' || fail "the client did not retire"
	wait_until 5 grep -q 'Client done: 3 tasks run' "$TMP/h.err" || fail "no 'Client done' line"
	kill -0 "$HPID" 2>/dev/null || fail "hsx -A exited once idle: $(tail -3 "$TMP/h.err")"
	# new work: a new client is launched for it
	printf 'a\nb\n' | hs submit -f - 2>/dev/null || fail "hs submit failed"
	wait_until 20 eval '[ "$(sql "select count(*) from task where exit_status = 0")" = 5 ]' ||
		fail "submitted tasks not done: $(cat "$TMP/h.err")"
	assert_has "$(cat "$TMP/h.err")" "Autoscaling: 0 clients running"
	assert_eq 2 "$(sql 'select count(distinct client_id) from task')" "clients that ran tasks"
	assert_eq 1 "$(sql "select count(distinct client_id) from task where args in ('a', 'b')")" "clients of the new tasks"
	assert_eq 0 "$(sql "select count(*) from task a join task b on a.client_id = b.client_id where a.args = '1' and b.args = 'a'")" \
		"the new tasks ran on the first client"
	kill -TERM "$HPID"
	wait_exit "$HPID" 15
	assert_eq 0 "$wrc" "exit status after SIGTERM"
	assert_eq "t1 t2 t3 ta tb" "$(sort "$TMP/h.out" | tr '\n' ' ' | sed 's/ $//')" "task output"
	assert_has "$(cat "$TMP/h.err")" "-A/--autoscaling implies --forever"
	assert_eq 2 "$(grep -c 'connected from 127.0.0.1:' "$TMP/h.err")" "clients connected"
	assert_eq 1 "$(max_clients "$TMP/h.err")" "most clients at once"
	assert_has "$(tail -1 "$TMP/h.err")" "Cluster done: 5 tasks (0 failed, 0 retried)" "summary"
}

test_cluster_autoscale_dynamic_adds_a_client() {
	c_setup
	seq 6 > "$TMP/tasks.txt"
	start_hsx h /dev/null -A dynamic -P 1 -T 1 -I 1 -Y 2 -H 127.0.0.1 -t 'sleep 1; echo {}' "$TMP/tasks.txt"
	wait_until 20 eval '[ "$(sql "select count(*) from task where exit_status = 0")" = 6 ]' ||
		fail "tasks not done: $(cat "$TMP/h.err")"
	kill -TERM "$HPID"
	wait_exit "$HPID" 15
	assert_eq 0 "$wrc" "exit status after SIGTERM"
	assert_eq "$(seq 6)" "$(sort -n "$TMP/h.out")" "task output"
	assert_has "$(cat "$TMP/h.err")" "Autoscaling: 1 clients running"
	assert_eq 2 "$(sql 'select count(distinct client_id) from task')" "clients that ran tasks"
	assert_eq 2 "$(max_clients "$TMP/h.err")" "most clients at once (-Y 2)"
}
