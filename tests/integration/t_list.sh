# hs list: fields, filters, formats.

setup_tasks() {
	printf 'echo %s\n' 1 2 3 4 5 | hs submit -t batch:a 2>/dev/null
	printf 'echo %s\n' 6 7 | hs submit -t batch:b x 2>/dev/null
	sql "update task set exit_status = 0, completion_time = submit_time where args in ('echo 1','echo 2')"
	sql "update task set exit_status = 3, completion_time = submit_time where args = 'echo 3'"
	sql "update task set exit_status = -9, completion_time = submit_time where args = 'echo 6'"
}

test_list_fields_plain() {
	setup_tasks
	run hs list args exit_status --order-by args
	assert_rc 0
	assert_eq "$(printf 'echo 1\t0\necho 2\t0\necho 3\t3\necho 4\tnull\necho 5\tnull\necho 6\t-9\necho 7\tnull')" "$out"
}

test_list_status_aliases() {
	setup_tasks
	assert_eq 2 "$(hs list --count --failed)"
	assert_eq 2 "$(hs list --count --succeeded)"
	assert_eq 4 "$(hs list --count --completed)"
	assert_eq 4 "$(hs list --count --finished)"
	assert_eq 3 "$(hs list --count --remaining)"
	assert_eq 0 "$(hs list --count --retries)"
}

test_list_where_operators() {
	setup_tasks
	assert_eq 1 "$(hs list --count -w 'exit_status >= 3')"  "the >= operator (broken in the original)"
	assert_eq 3 "$(hs list --count -w 'exit_status <= 0')"
	assert_eq 1 "$(hs list --count -w 'exit_status>0')"
	assert_eq 1 "$(hs list --count -w 'exit_status < -1')"
	assert_eq 2 "$(hs list --count -w 'exit_status != 0')" "NULL is not != 0"
	assert_eq 3 "$(hs list --count -w 'exit_status == null')"
	assert_eq 2 "$(hs list --count -w 'args ~ [67]$')"
	assert_eq 1 "$(hs list --count -w 'args == echo 1')"
	assert_eq 1 "$(hs list --count -w 'args == "echo 1"')"
	assert_eq 2 "$(hs list --count -w 'exit_status == 0' 'args ~ echo')"
	assert_eq 7 "$(hs list --count -w 'submit_time > 2020-01-01')"
	assert_eq 0 "$(hs list --count -w 'submit_time < 2020-01-01T00:00:00Z')"
}

test_list_string_columns_not_coerced() {
	echo 1 | hs submit 2>/dev/null
	echo 01 | hs submit 2>/dev/null
	assert_eq 1 "$(hs list --count -w 'args == 1')"
	assert_eq "01" "$(hs list args -w 'args == 01')"
}

test_list_where_errors() {
	setup_tasks
	run hs list -w 'bogus == 1'
	assert_rc 2
	assert_has "$err" "unknown field 'bogus'"
	run hs list -w 'exit_status == abc'
	assert_rc 2
	assert_has "$err" "expected an integer"
	run hs list -w 'args ~ ('
	assert_rc 2
	assert_has "$err" "bad regular expression"
	run hs list -w 'exit_status'
	assert_rc 2
	run hs list -w 'exit_status > null'
	assert_rc 2
	run hs list nosuchfield
	assert_rc 2
	assert_has "$err" 'Invalid field name "nosuchfield"'
}

test_list_tags() {
	setup_tasks
	assert_eq 5 "$(hs list --count -t batch:a)"
	assert_eq 2 "$(hs list --count -t x)"
	assert_eq 2 "$(hs list --count -t batch:b x)"
	assert_eq 0 "$(hs list --count -t nope)"
	assert_eq "$(printf 'batch\nx')" "$(hs list --tag-keys)"
	assert_eq "$(printf 'a\nb')" "$(hs list --tag-values batch)"
	assert_eq "b" "$(hs list --tag-values batch -t x)"
}

test_list_order_limit() {
	setup_tasks
	assert_eq "$(printf 'echo 7\necho 6')" "$(hs list args --order-by args --desc --limit 2)"
	assert_eq 2 "$(hs list --count --limit 2)"
	run hs list args --desc
	assert_rc 2
}

test_list_group_filter() {
	echo a | hs submit -g 1 2>/dev/null
	echo b | hs submit -g 2 2>/dev/null
	assert_eq b "$(hs list args -g 2)"
}

test_list_normal_format() {
	setup_tasks
	run hs list --limit 1 -w 'args == echo 3'
	assert_rc 0
	assert_has "$out" "---"
	assert_has "$out" "          id: "
	assert_has "$out" " exit_status: 3"
	assert_has "$out" "        tags: batch:a"
	run hs list args -f normal
	assert_rc 2
	assert_has "$err" "Cannot use --format=normal with subset"
}

test_list_json_format() {
	setup_tasks
	run hs list id args tag exit_status --json --order-by args
	assert_rc 0
	assert_eq 7 "$(echo "$out" | jq length)"
	assert_eq '"echo 1"' "$(echo "$out" | jq '.[0].args')"
	assert_eq '0' "$(echo "$out" | jq '.[0].exit_status')"
	assert_eq '"a"' "$(echo "$out" | jq '.[0].tag.batch')"
	assert_eq 'null' "$(echo "$out" | jq '.[6].exit_status')"
	run hs list id --json -w 'args == none'
	assert_eq "[]" "$out"
}

test_list_csv_format() {
	echo 'echo "a,b"' | hs submit -t k:v 2>/dev/null
	run hs list args exit_status tag --csv
	assert_rc 0
	assert_eq "$(printf 'args,exit_status,tag\r\n"echo ""a,b""",null,"{""k"": ""v""}"\r')" "$out"
	run hs list args --csv -d ';;'
	assert_rc 2
	assert_has "$err" "single-char delimiter"
}

test_list_table_format() {
	setup_tasks
	run hs list args exit_status --format table --limit 2 --order-by args
	assert_rc 0
	assert_has "$out" "┃ args   ┃ exit_status ┃"
	assert_has "$out" "│ echo 1 │ 0           │"
}

test_list_delimiter() {
	setup_tasks
	assert_eq "echo 1|0" "$(hs list args exit_status -d '|' --order-by args --limit 1)"
	run hs list args -d '|' --json
	assert_rc 2
	assert_has "$err" "Unused --delimiter"
}

test_list_fields_option() {
	run hs list --fields
	assert_rc 0
	assert_eq "id group args submit_id submit_time submit_host cores memory cores_max memory_max timeout server_id server_host schedule_time client_id client_host command start_time completion_time exit_status outpath errpath csvpath attempt retried waited duration previous_id next_id tag" "$out"
}

test_list_missing_database_is_exit_5_and_not_created() {
	run hs list --count
	assert_rc 5
	if on_pg; then   # the test's schema does not exist
		assert_has "$err" "is not initialised (run 'hs initdb')"
	else
		assert_has "$err" "does not exist"
	fi
	! db_exists || fail "database created by a read"
}

test_list_control_characters_escaped() {
	hs task submit -- "$(printf 'echo a\tb')" >/dev/null
	assert_eq 'echo a\tb' "$(hs list args)"
}
