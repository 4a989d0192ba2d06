# hs update.

setup_tasks() {
	seq 5 | hs submit -t batch:a 2>/dev/null
	sql "update task set exit_status = 1, completion_time = submit_time, schedule_time = submit_time where args = '1'"
	sql "update task set schedule_time = submit_time where args = '2'"
}

test_update_fields_and_tags_with_no_confirm() {
	setup_tasks
	run hs update timeout=60 prio:high -w 'args ~ ^[345]$' --no-confirm
	assert_rc 0
	assert_has "$err" "Updated 3 tasks"
	assert_eq "60" "$(sql "select timeout from task where args='3'")"
	assert_eq "" "$(sql "select timeout from task where args='2'")"
	on_pg || assert_eq '{"batch":"a","prio":"high"}' "$(sql "select tag from task where args='3'")" "stored tag"
	on_pg || assert_eq '{"batch":"a"}' "$(sql "select tag from task where args='2'")" "stored tag"
	assert_eq "batch:a, prio:high" "$(hs info "$(sql "select id from task where args='3'")" -x tag)"
	assert_eq "batch:a" "$(hs info "$(sql "select id from task where args='2'")" -x tag)"
	run hs update --remove-tag batch -w 'args == 3' -f
	assert_rc 0
	on_pg || assert_eq '{"prio":"high"}' "$(sql "select tag from task where args='3'")" "stored tag"
	assert_eq "prio:high" "$(hs info "$(sql "select id from task where args='3'")" -x tag)"
}

test_update_by_id_positional() {
	setup_tasks
	id=$(sql "select id from task where args='4'")
	run hs update "$id" cores=2 -f
	assert_rc 0
	assert_eq 2 "$(sql "select cores from task where id='$id'")"
	assert_eq 1 "$(sql "select count(*) from task where cores is not null")"
}

test_update_legacy_form() {
	setup_tasks
	id=$(sql "select id from task where args='4'")
	run hs update "$id" exit_status 0
	assert_rc 0
	assert_eq 0 "$(sql "select exit_status from task where id='$id'")"
	run hs update "$id" tag k:v
	assert_rc 0
	on_pg || assert_eq '{"batch":"a","k":"v"}' "$(sql "select tag from task where id='$id'")" "stored tag"
	assert_eq "batch:a, k:v" "$(hs info "$id" -x tag)"
}

test_update_cancel_only_unfinished() {
	setup_tasks
	run hs update --cancel -f
	assert_rc 0
	assert_has "$err" "Cancelled 4 tasks"
	assert_has "$err" "1 cancelled tasks already scheduled"
	assert_eq 1 "$(sql "select exit_status from task where args='1'")" "finished task untouched"
	assert_eq 4 "$(sql "select count(*) from task where exit_status = -1000 and completion_time is not null")"
	assert_eq 0 "$(hs list --count --remaining)"
}

test_update_revert() {
	setup_tasks
	run hs update --revert --failed -f
	assert_rc 0
	assert_has "$err" "Reverted 1 tasks"
	assert_eq "||" "$(sql "select exit_status, completion_time, schedule_time from task where args='1'")"
}

test_update_delete_with_limit_order() {
	setup_tasks
	run hs update --delete --order-by args --desc --limit 2 -f
	assert_rc 0
	assert_has "$err" "Deleted 2 tasks"
	assert_eq "$(printf '1\n2\n3')" "$(sql 'select args from task order by args')"
}

test_update_confirmation_prompt() {
	setup_tasks
	run bash -c "echo no | $HS_BIN update --delete"
	assert_rc 0
	assert_has "$out" "Update affects 5 tasks, continue? yes/[no]:"
	assert_has "$out" "Stopping"
	assert_eq 5 "$(sql 'select count(*) from task')"
	run bash -c "echo maybe | $HS_BIN update --delete"
	assert_has "$out" 'Stopping (invalid response: "maybe")'
	run bash -c "$HS_BIN update --delete < /dev/null"
	assert_rc 2
	assert_has "$err" "no answer"
	assert_eq 5 "$(sql 'select count(*) from task')"
	run bash -c "echo yes | $HS_BIN update --delete -w 'args == 5'"
	assert_rc 0
	assert_eq 4 "$(sql 'select count(*) from task')"
}

test_update_zero_matches() {
	setup_tasks
	run hs update --delete -w 'args == nothing'
	assert_rc 0
	assert_has "$err" "Update affects 0 tasks - stopping"
}

test_update_argument_errors() {
	setup_tasks
	run hs update 'exit_status==0' -f
	assert_rc 2
	assert_has "$err" "maybe you intended to use -w/--where?"
	run hs update id=x -f
	assert_rc 2
	assert_has "$err" 'Cannot alter task "id"'
	run hs update nope=1 -f
	assert_rc 2
	assert_has "$err" 'Unrecognized task field "nope"'
	run hs update justaword -f
	assert_rc 2
	assert_has "$err" 'missing "=" or ":"'
	run hs update cores=abc -f
	assert_rc 2
	run hs update cores=1 --order-by args -f
	assert_rc 2
	assert_has "$err" "meaningless"
	run hs update --cancel cores=1 -f
	assert_rc 2
	run hs update --cancel --delete
	assert_rc 2
}
