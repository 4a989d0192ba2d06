# hs info and hs wait.

new_task() { hs task submit -t k:v -- "$@"; }

test_info_normal() {
	id=$(new_task echo hi)
	run hs info "$id"
	assert_rc 0
	assert_has "$out" "          id: $id"
	assert_has "$out" "        args: echo hi"
	assert_has "$out" "     command: null"
	assert_has "$out" "       cores: 0 (used: null)"
	assert_has "$out" "      memory: 0.00B (used: null)"
	assert_has "$out" " exit_status: null"
	assert_has "$out" "     attempt: 1"
	assert_has "$out" "     retried: false"
	assert_has "$out" "        tags: k:v"
}

test_info_json_yaml() {
	id=$(new_task echo hi)
	run hs info "$id" --json
	assert_rc 0
	assert_eq "\"$id\"" "$(echo "$out" | jq .id)"
	assert_eq '"v"' "$(echo "$out" | jq .tag.k)"
	assert_eq 'false' "$(echo "$out" | jq .retried)"
	run hs info "$id" -f yaml
	assert_rc 0
	assert_has "$out" "id: $id"
	assert_has "$out" "args: echo hi"
	assert_has "$out" "exit_status: null"
	assert_has "$out" "tag:
    k: v"
	assert_has "$out" "submit_time: '"
}

test_info_extract() {
	id=$(new_task echo hi)
	assert_eq "echo hi" "$(hs info "$id" -x args)"
	assert_eq "null" "$(hs info "$id" -x exit_status)"
	assert_eq "k:v" "$(hs info "$id" -x tag)"
	run hs info "$id" -x nope
	assert_rc 2
}

test_info_memory_and_durations() {
	id=$(hs task submit -m 512MB -W 3700 -- x)
	sql "update task set waited = 5, duration = 93784, exit_status = 0 where id = '$id'"
	run hs info "$id"
	assert_has "$out" "      memory: 512MB (used: null)"
	assert_has "$out" "     timeout: 1:01:40"
	assert_has "$out" "(waited: 0:00:05)"
	assert_has "$out" "(duration: 1 day, 2:03:04)"
}

test_info_bad_and_unknown_id() {
	echo x | hs submit 2>/dev/null
	run hs info not-a-uuid
	assert_rc 2
	assert_has "$err" "Bad UUID: 'not-a-uuid'"
	run hs info 00000000-0000-7000-8000-000000000000
	assert_rc 5
	assert_has "$err" "No task with id=00000000-0000-7000-8000-000000000000"
}

test_wait_done_status_and_return() {
	id=$(new_task false)
	sql "update task set exit_status = 3, completion_time = submit_time where id = '$id'"
	run hs wait "$id" --status
	assert_rc 0
	assert_eq 3 "$out"
	assert_has "$err" "Non-zero exit status (3) for task ($id)"
	run hs wait "$id" --return
	assert_rc 3
	sql "update task set exit_status = -9 where id = '$id'"
	run hs wait "$id" -r
	assert_rc 137
	sql "update task set exit_status = -1000 where id = '$id'"
	run hs wait "$id" -r
	assert_rc 125
}

test_wait_polls_until_completion() {
	id=$(new_task true)
	( sleep 1.5; sql "update task set exit_status = 0, completion_time = submit_time where id = '$id'" ) &
	start=$(date +%s%N)
	run hs wait "$id" -n 0.2 --info --json
	assert_rc 0
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed" -ge 1400 ] || fail "returned before completion ($elapsed ms)"
	assert_eq 0 "$(echo "$out" | jq .exit_status)"
	assert_has "$err" "Waiting on task ($id)"
}

test_wait_interrupted_exit_4() {
	id=$(new_task true)
	"$HS_BIN" wait "$id" -n 0.1 &
	pid=$!
	sleep 0.7
	kill -INT $pid
	wait $pid
	assert_eq 4 $? "exit status"
}
