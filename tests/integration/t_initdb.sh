# hs initdb, and databases that are missing, corrupt, newer or locked.

test_initdb_creates_schema() {
	run hs initdb
	assert_rc 0
	assert_has "$err" "Initialized database"
	assert_eq "client
schema_version
server
task" "$(sql "select name from sqlite_master where type='table' order by name")"
	assert_has "$(sql "select name from sqlite_master where type='index'")" "index_tasks_unscheduled"
	run hs initdb
	assert_rc 0
	assert_eq 2 "$(sql 'select count(*) from schema_version')" "idempotent"
}

test_initdb_truncate_needs_yes_without_tty() {
	seq 3 | hs submit 2>/dev/null
	run hs initdb --truncate < /dev/null
	assert_rc 2
	assert_has "$err" "--yes"
	assert_eq 3 "$(sql 'select count(*) from task')"
	run hs initdb --truncate --yes
	assert_rc 0
	assert_eq 0 "$(sql 'select count(*) from task')"
}

test_initdb_vacuum_and_backup() {
	seq 100 | hs submit 2>/dev/null
	run hs initdb --vacuum
	assert_rc 0
	run hs initdb --backup "$TMP/copy.db"
	assert_rc 0
	assert_eq 100 "$(sqlite3 "$TMP/copy.db" 'select count(*) from task')"
	run hs initdb --backup "$TMP/copy.db"
	assert_rc 2
	assert_has "$err" "already exists"
}

test_corrupt_database_exit_5_untouched() {
	mkdir -p "$HYPERSHELL_SITE/lib"
	head -c 8192 /dev/urandom > "$(db)"
	sum=$(md5sum < "$(db)")
	for cmd in "list --count" "initdb" "update --delete -f"; do
		run hs $cmd
		assert_rc 5
		assert_has "$err" "is not a database"
	done
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 5
	assert_eq "$sum" "$(md5sum < "$(db)")" "file unchanged"
	[ ! -e "$(db)-wal" ] || fail "WAL created"
}

test_newer_schema_exit_5_untouched() {
	echo x | hs submit 2>/dev/null
	sql "insert into schema_version values (99, '2030-01-01', 'future')"
	sql "pragma wal_checkpoint(truncate)" >/dev/null
	sum=$(md5sum < "$(db)")
	for cmd in "list --count" "initdb" "initdb --truncate --yes"; do
		run hs $cmd
		assert_rc 5
		assert_has "$err" "schema version 99, newer than this hs supports"
	done
	run bash -c "echo y | $HS_BIN submit"
	assert_rc 5
	assert_eq "$sum" "$(md5sum < "$(db)")" "file unchanged"
}

test_foreign_database_adopted_only_by_initdb() {
	mkdir -p "$HYPERSHELL_SITE/lib"
	sqlite3 "$(db)" "create table other (x)"
	run hs list --count
	assert_rc 5
	assert_has "$err" "was not made by this hs"
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 5
	run hs initdb
	assert_rc 0
	assert_eq 0 "$(hs list --count --remaining)"
}

test_incompatible_task_table_refused() {
	mkdir -p "$HYPERSHELL_SITE/lib"
	sqlite3 "$(db)" "create table task (id, name)"
	run hs initdb
	assert_rc 5
	assert_has "$err" "task table this version cannot use"
	assert_eq 0 "$(sql "select count(*) from sqlite_master where name = 'schema_version'")"
}

test_empty_database_file() {
	mkdir -p "$HYPERSHELL_SITE/lib"
	: > "$(db)"
	run hs list --count
	assert_rc 5
	assert_has "$err" "not initialised"
	run hs initdb
	assert_rc 0
	assert_eq 0 "$(hs list --count --remaining)"
}

test_locked_database_exit_5() {
	echo x | hs submit 2>/dev/null
	mkdir -p "$HYPERSHELL_SITE"
	printf '[database.pragmas]\nbusy_timeout = 200\n' > "$HYPERSHELL_SITE/config.toml"
	mkfifo hold
	( sqlite3 "$(db)" < hold ) &
	exec 3>hold
	echo "begin exclusive; insert into task (id, args, submit_id, submit_time, submit_host) values ('a','b','c','d','e');" >&3
	sleep 0.5
	run bash -c "echo y | $HS_BIN submit"
	assert_rc 5
	assert_has "$err" "is locked"
	echo "rollback;" >&3
	exec 3>&-
	wait
	assert_eq 1 "$(sql 'select count(*) from task')"
}

test_database_file_from_config() {
	mkdir -p "$HYPERSHELL_SITE"
	printf '[database]\nfile = "%s/other.db"\n' "$TMP" > "$HYPERSHELL_SITE/config.toml"
	echo x | hs submit 2>/dev/null
	assert_eq 1 "$(sqlite3 "$TMP/other.db" 'select count(*) from task')"
}

test_provider_postgres_unreachable_is_one_line_exit_5() {
	mkdir -p "$HYPERSHELL_SITE"
	printf '[database]\nprovider = "postgres"\nhost = "127.0.0.1"\nport = 1\npassword = "s3cret-pw"\n' \
		> "$HYPERSHELL_SITE/config.toml"
	chmod 600 "$HYPERSHELL_SITE/config.toml"   # it holds a password
	unset HYPERSHELL_DATABASE_URL HYPERSHELL_DATABASE_SCHEMA
	run hs list --count
	assert_rc 5
	assert_has "$err" "cannot connect to database postgresql://"
	assert_eq 1 "$(printf '%s\n' "$err" | wc -l)" "lines of error"
	assert_lacks "$err" "s3cret-pw"
}

test_database_shorthand_names_sqlite_file() {
	mkdir -p "$HYPERSHELL_SITE"
	printf 'database = "%s/short.db"\n' "$TMP" > "$HYPERSHELL_SITE/config.toml"
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 0
	assert_eq 1 "$(sqlite3 "$TMP/short.db" 'select count(*) from task')"
	assert_eq "$TMP/short.db" "$(hs config get database.file)"
}
