# Self-tests of the test tooling for hsx --ssh and --mpi: a real sshd on
# 127.0.0.1 (tools/sshd.sh) and a real mpirun (tools/mpi.sh).
# Run alone: HS_BIN=build/hs tests/integration/run.sh tools test_tools_

source "$(dirname "${BASH_SOURCE[0]}")/tools/sshd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/tools/mpi.sh"

# sshd_up: a server in $TMP/ssh, stopped when the test exits.
sshd_up() {
	trap 'sshd_stop "$TMP/ssh"' EXIT
	sshd_start "$TMP/ssh" || fail "sshd_start failed"
}

test_tools_sshd_starts() {
	sshd_up
	{ [ -n "$SSHD_PID" ] && kill -0 "$SSHD_PID"; } || fail "no sshd process"
	assert_has "$(tr '\0' ' ' < "/proc/$SSHD_PID/cmdline")" "/usr/sbin/sshd -f $TMP/ssh/sshd_config" "sshd command line"
	(exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null || fail "port $SSHD_PORT does not accept connections"
	assert_has "$(cat "$TMP/ssh/sshd.log")" "Server listening on 127.0.0.1 port $SSHD_PORT." "sshd log"
	# listening on 127.0.0.1 only: the hex local address of our port
	local hexport; hexport=$(printf '%04X' "$SSHD_PORT")
	assert_eq "0100007F:$hexport" "$(awk -v p=":$hexport" '$4 == "0A" && $2 ~ p"$" {print $2}' /proc/net/tcp)" "listen address"
	assert_eq "-F $TMP/ssh/ssh_config" "$SSH_ARGS" "SSH_ARGS"
	sshd_stop "$TMP/ssh"
	_sshd_alive "$SSHD_PID" && fail "sshd still running after sshd_stop"
	_sshd_port_free "$SSHD_PORT" || fail "port $SSHD_PORT still open after sshd_stop"
	return 0
}

test_tools_ssh_echo() {
	sshd_up
	run ssh -F "$TMP/ssh/ssh_config" node01 echo ok
	assert_rc 0
	assert_eq ok "$out" "remote output"
	assert_eq "" "$err" "ssh stderr"
	# and through sshd_ssh, with the remote status coming back
	run sshd_ssh node01 'exit 7'
	assert_rc 7
	assert_has "$(cat "$TMP/ssh/sshd.log")" "Accepted publickey for $(id -un) from 127.0.0.1" "sshd log"
}

test_tools_ssh_concurrent_aliases() {
	sshd_up
	# each remote command checks in under $TMP/rv (same machine) and waits
	# up to 10 s for all three: they only all see 3 if they ran at once
	mkdir "$TMP/rv"
	local h pids=() rv="$TMP/rv"
	for h in node01 node02 node03; do
		ssh $SSH_ARGS "$h" "touch $rv/\$SSH_TEST_HOST; for i in \$(seq 100); do [ \$(ls $rv | wc -l) -ge 3 ] && break; sleep 0.1; done; echo \$SSH_TEST_HOST \$(ls $rv | wc -l)" \
			> "$TMP/$h.out" 2> "$TMP/$h.err" &
		pids+=($!)
	done
	for h in "${pids[@]}"; do wait "$h" || fail "an ssh session failed: $(cat "$TMP"/node0*.err)"; done
	for h in node01 node02 node03; do
		assert_eq "$h 3" "$(cat "$TMP/$h.out")" "alias seen by the remote command, and sessions met"
	done
	# any other name also lands on the local sshd; down* is refused
	run ssh $SSH_ARGS somehost echo any
	assert_eq any "$out" "catch-all host"
	run ssh $SSH_ARGS down01 echo no
	[ "$rc" -eq 255 ] || fail "down01: expected ssh status 255, got $rc ($out)"
}

test_tools_ssh_stdin() {
	sshd_up
	run bash -c "echo 'hello stdin' | ssh $SSH_ARGS node02 'read x; echo \"got \$x\"'"
	assert_rc 0
	assert_eq "got hello stdin" "$out" "stdin through ssh"
	seq 1000 > "$TMP/in"
	run bash -c "ssh $SSH_ARGS node02 'wc -l' < '$TMP/in'"
	assert_eq 1000 "${out// /}" "lines through ssh"
}

test_tools_ssh_env() {
	export HYPERSHELL_SITE="$TMP/site-x"
	sshd_up
	# a variable on the remote command line reaches the command
	run ssh $SSH_ARGS node03 'HS_TOOLS_VAR="a b" sh -c "echo [\$HS_TOOLS_VAR]"'
	assert_eq "[a b]" "$out" "remote command-line variable"
	run ssh $SSH_ARGS node03 env HS_TOOLS_VAR=xyz printenv HS_TOOLS_VAR
	assert_eq xyz "$out" "env VAR=... on the remote side"
	# the caller's HOME and site are copied (SetEnv), HYPERSHELL_* is accepted
	run ssh $SSH_ARGS -o SetEnv=HYPERSHELL_TOOLS_X=sent node03 'echo "$HOME|$HYPERSHELL_SITE|$HYPERSHELL_TOOLS_X"'
	assert_eq "$HOME|$TMP/site-x|sent" "$out" "remote environment"
	run ssh $SSH_ARGS node03 'echo "$PATH"'
	assert_eq "$PATH" "$out" "remote PATH"
}

test_tools_mpirun_two_ranks() {
	mpi_available || fail "mpirun missing (scripts/deps.sh)"
	export HS_TOOLS_MPIVAR=from-caller
	run $(mpi_prefix 2) sh -c 'echo "rank $OMPI_COMM_WORLD_RANK/$OMPI_COMM_WORLD_SIZE $HS_TOOLS_MPIVAR"'
	assert_rc 0
	assert_eq "rank 0/2 from-caller
rank 1/2 from-caller" "$(echo "$out" | sort)" "ranks"
	# a plain mpirun under mpi_env (as hsx --mpi will run it)
	run bash -c "source '$(dirname "${BASH_SOURCE[0]}")/tools/mpi.sh'; mpi_env; mpirun -np 2 sh -c 'echo \$OMPI_COMM_WORLD_RANK'"
	assert_rc 0
	assert_eq "0 1" "$(sort <<< "$out" | tr '\n' ' ' | sed 's/ $//')" "ranks under mpi_env"
	# a failing rank fails mpirun
	run $(mpi_prefix 2) sh -c 'exit 3'
	[ "$rc" -ne 0 ] || fail "mpirun hid a failing rank"
}
