# Top-level command line: version, help, dispatch, usage errors.

test_version() {
	run hs --version
	assert_rc 0
	assert_has "$out" "HyperShell v"
	assert_has "$out" "SQLite"
}

test_help_lists_commands() {
	run hs --help
	assert_rc 0
	for c in submit list info wait update initdb config task; do
		assert_has "$out" "  $c "
	done
}

test_no_command_prints_usage_exit_1() {
	run hs
	assert_rc 1
	assert_has "$out" "usage: hs"
}

test_unknown_command_exit_2() {
	run hs frobnicate
	assert_rc 2
	assert_has "$err" "unknown command 'frobnicate'"
}

test_unknown_option_exit_2() {
	run hs list --bogus
	assert_rc 2
	assert_has "$err" "unrecognized option '--bogus'"
}

test_bare_subcommands_print_usage() {
	# (hs submit with no arguments reads standard input unless it is a terminal)
	for c in list update; do
		run hs $c
		assert_rc 1
		assert_has "$out" "usage: hs $c"
	done
}

test_subcommand_help() {
	run hs submit --help
	assert_rc 0
	assert_has "$out" "--bundlesize"
	assert_has "$out" "--template"
}

test_citation() {
	run hs --citation
	assert_rc 0
	assert_has "$out" "10.1145/3491418.3535138"
}

test_legacy_task_group() {
	run hs task submit -t a:1 -- echo hello
	assert_rc 0
	id=$out
	[[ "$id" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
		fail "not a UUIDv7: $id"
	run hs task search id args
	assert_rc 0
	assert_has "$out" "$id	echo hello"
	run hs task info "$id" -x tag
	assert_eq "a:1" "$out"
}

test_missing_value_for_option() {
	run hs list -l
	assert_rc 2
	assert_has "$err" "requires a value"
}

test_mutually_exclusive_options() {
	run hs list --failed --remaining
	assert_rc 2
	assert_has "$err" "is not allowed with"
}

test_hsx_is_hs_cluster() {
	ln -s "$HS_BIN" hsx
	run ./hsx --help
	assert_rc 0
	assert_has "$out" "hs cluster"
	run ./hsx --bogus
	assert_rc 2
	assert_has "$err" "bogus"
	run hs --help
	assert_has "$out" "cluster"
}
