# hs submit and its input rules.

test_submit_stdin_counts() {
	run bash -c "seq 1000 | $HS_BIN submit"
	assert_rc 0
	assert_has "$err" "Submitted 1000 tasks"
	assert_eq 1000 "$(sql 'select count(*) from task')"
	assert_eq "1|1000" "$(sql 'select min(cast(args as int)), max(cast(args as int)) from task')"
}

test_submit_creates_site_dirs_and_wal() {
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 0
	[ -d "$HYPERSHELL_SITE/lib/task" ] || fail "lib/task missing"
	[ -d "$HYPERSHELL_SITE/log" ] || fail "log missing"
	assert_eq 2 "$(sql 'select max(version) from schema_version')"
	sqlite_only
	assert_eq wal "$(sql 'pragma journal_mode')"
}

test_submit_file_and_implicit_file() {
	printf 'echo a\necho b\n\n# comment only\necho c\n' > tasks.txt
	run hs submit -f tasks.txt
	assert_rc 0
	assert_has "$err" "Submitted 3 tasks"
	run hs submit tasks.txt
	assert_rc 0
	assert_eq 6 "$(sql 'select count(*) from task')"
}

test_submit_args_single_task() {
	run hs submit echo 'hello world' "it's"
	assert_rc 0
	assert_has "$err" "Submitted task ("
	assert_eq "echo 'hello world' 'it'\\''s'" "$(sql 'select args from task')"
	run hs submit 'echo $HOME | wc -c'
	assert_eq 'echo $HOME | wc -c' "$(sql 'select args from task order by id desc limit 1')"
}

test_submit_ids_are_uuid7_ordered() {
	seq 200 | hs submit
	# insertion order: the rowid; on PostgreSQL the physical order (ctid) of
	# rows inserted once and never updated
	ids=$(sql "select id from task order by $(on_pg && echo ctid || echo rowid)")
	sorted=$(printf '%s\n' "$ids" | sort)
	assert_eq "$sorted" "$ids" "ids in insertion order"
	assert_eq 200 "$(printf '%s\n' "$ids" | sort -u | wc -l)"
	assert_eq 0 "$(sql "select count(*) from task where substr(CAST(id AS TEXT), 15, 1) != '7'")"
}

test_submit_columns() {
	run hs submit -c 2 -m 1GB -W 30 -g 3 -t a:1 b x:true -- sleep 1
	assert_rc 0
	assert_eq "3|2|1073741824|30|1|0" "$(sql 'select "group", cores, memory, timeout, attempt, CAST(retried AS INTEGER) from task')"
	on_pg || assert_eq '{"a":1,"b":"","x":true}' "$(sql 'select tag from task')" "stored tag"
	assert_eq '{"a": 1, "b": "", "x": true}' "$(hs list tag)" "tag"
	[ -n "$(sql 'select submit_id from task')" ] || fail "no submit_id"
	assert_eq "$(hostname)" "$(sql 'select submit_host from task')"
	on_pg || assert_has "$(sql 'select submit_time from task')" "+00:00"
	assert_has "$(hs list submit_time)" "+00:00"
}

test_submit_inline_directives() {
	cat > t.txt <<'X'
echo 1 # HYPERSHELL: a:1
# HYPERSHELL group:2 cores:4 batch:x
echo 2
echo 3 #HYPERSHELL memory:512MB timeout:10 b
X
	run hs submit t.txt
	assert_rc 0
	assert_eq "echo 1|0|" "$(sql "select args, \"group\", cores from task where args='echo 1'")"
	assert_eq "2|4" "$(sql "select \"group\", cores from task where args='echo 2'")"
	assert_eq "2|4|536870912|10" \
		"$(sql "select \"group\", cores, memory, timeout from task where args='echo 3'")"
	if ! on_pg; then   # the stored form
		assert_eq '{"a":1}' "$(sql "select tag from task where args='echo 1'")"
		assert_eq '{"batch":"x"}' "$(sql "select tag from task where args='echo 2'")"
		assert_eq '{"batch":"x","b":""}' "$(sql "select tag from task where args='echo 3'")"
	fi
	assert_eq '{"a": 1}
{"batch": "x"}
{"b": "", "batch": "x"}' "$(hs list tag --order-by args)" "tags"
}

test_submit_hash_inside_words_and_quotes_is_kept() {
	printf '%s\n' 'echo a#b' 'echo "#1" # trailing comment' "echo '#x'" 'curl http://h/#frag' > t.txt
	run hs submit t.txt
	assert_rc 0
	assert_eq "$(printf '%s\n' 'echo a#b' 'echo "#1"' "echo '#x'" 'curl http://h/#frag')" \
		"$(sql 'select args from task order by id')"
}

test_submit_template_at_submit_time() {
	run bash -c "printf 'a.txt\nb/c.tar.gz\n' | $HS_BIN submit --template 'gzip {} > {/-}.gz # {[-1]}'"
	assert_rc 0
	assert_eq "$(printf '%s\n' 'gzip a.txt > a.gz # a.txt' 'gzip b/c.tar.gz > c.tar.gz # b/c.tar.gz')" \
		"$(sql 'select args from task order by id')"
	run bash -c "echo 21 | $HS_BIN submit --template 'echo {= x * 2 =} {% echo @@ %}'"
	assert_eq "echo 42 2121" "$(sql 'select args from task order by id desc limit 1')"
}

test_submit_bad_lines_reported_rest_kept() {
	printf 'echo ok1\necho bad\x00nul\necho \xff\xfe\necho ok2 # HYPERSHELL bad=tag\necho ok3\n' > t.txt
	run hs submit t.txt
	assert_rc 2
	assert_has "$err" "t.txt:2: line contains a NUL byte"
	assert_has "$err" "t.txt:3: line is not valid UTF-8"
	assert_has "$err" "t.txt:4: invalid tag 'bad=tag'"
	assert_has "$err" "3 lines rejected"
	assert_eq "$(printf 'echo ok1\necho ok3')" "$(sql 'select args from task order by id')"
}

test_submit_long_line_rejected() {
	mkdir -p "$HYPERSHELL_SITE"
	printf '[submit]\nmax_line_length = 100\n' > "$HYPERSHELL_SITE/config.toml"
	{ echo short; head -c 5000 /dev/zero | tr '\0' a; echo; echo after; } > t.txt
	run hs submit t.txt
	assert_rc 2
	assert_has "$err" "t.txt:2: line is over 100 bytes"
	assert_eq "$(printf 'short\nafter')" "$(sql 'select args from task order by id')"
}

test_submit_crlf_input() {
	printf 'echo a\r\necho b\r\n' > t.txt
	hs submit t.txt
	assert_eq "$(printf 'echo a\necho b')" "$(sql 'select args from task order by id')"
}

test_submit_slow_stream_commits_before_eof() {
	# a producer that pauses: its first lines must be visible before it ends
	( echo first; sleep 2; echo second ) | hs submit &
	sleep 1.2
	assert_eq 1 "$(sql 'select count(*) from task')" "tasks visible while input paused"
	wait
	assert_eq 2 "$(sql 'select count(*) from task')"
}

test_submit_bundlewait_flushes_partial_batch() {
	# with -b 100 a stall does not commit, but bundlewait does
	( echo one; sleep 3; echo two ) | hs submit -b 100 -w 1 &
	sleep 2
	assert_eq 1 "$(sql 'select count(*) from task')" "committed after bundlewait"
	wait
}

test_submit_auto_group_follows_active_group() {
	echo a | hs submit -g 4
	sql "update task set schedule_time='2026-01-01 00:00:00.000000+00:00'"
	echo b | hs submit
	assert_eq 4 "$(sql "select \"group\" from task where args='b'")"
}

test_submit_both_file_and_args_is_error() {
	echo x > f
	run hs submit -f f echo hi
	assert_rc 2
	assert_has "$err" "Cannot specify both"
}

test_submit_bad_option_values() {
	run hs submit -c many echo
	assert_rc 2
	assert_has "$err" "-c/--cores expects an integer"
	run hs submit -m lots echo
	assert_rc 2
	assert_has "$err" "-m/--memory expects a size"
	run hs submit -t 'bad tag' echo
	assert_rc 2
	assert_has "$err" "invalid tag"
	assert_eq "" "$(ls "$HYPERSHELL_SITE/lib" 2>/dev/null)" "nothing created"
}

test_submit_interrupt_keeps_committed() {
	mkfifo feed
	"$HS_BIN" submit -b 1 < feed &
	pid=$!
	( seq 100; exec sleep 30 ) > feed &
	feeder=$!
	sleep 1.5
	kill -INT $pid
	wait $pid
	rc=$?
	kill $feeder
	assert_eq 4 "$rc" "exit status after SIGINT"
	assert_eq 100 "$(sql 'select count(*) from task')"
}

test_task_submit_prints_id_only() {
	run hs task submit -- echo hi
	assert_rc 0
	assert_eq "$out" "$(sql 'select id from task')"
}
